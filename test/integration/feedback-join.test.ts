/**
 * The late-label join, live quality windows and retrain candidates against
 * the real (embedded) ClickHouse engine. Labels are written straight into the
 * `labels` table here; the Kafka path is covered by feedback-loop.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { queryRows } from '../../libs/clickhouse/client.ts';
import { candidateExportRoute } from '../../services/feedback/candidate-export-route.ts';
import { newPredictionId } from '../../libs/contracts/prediction-id.ts';
import { createRng } from '../../libs/model/random.ts';
import { countLabelledRows, createCandidate, exportCandidate } from '../../services/feedback/candidates.ts';
import { joinLabels, type LabelJoinOptions, retryPendingLabels } from '../../services/feedback/label-join.ts';
import { createQualityJob } from '../../services/feedback/quality-job.ts';
import { classificationQuality } from '../../services/feedback/quality-metrics.ts';
import { count, testClickHouse, testLogger } from '../support/harness.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = Math.floor(Date.now() / HOUR) * HOUR + 30 * 60_000;
const model = 'join-test';

interface Prediction { id: string; ts: number; score: number }

function predictionRow(p: Prediction, version = '1', offset = 0) {
  return {
    prediction_id: p.id,
    model,
    model_version: version,
    ts: p.ts,
    features: JSON.stringify({ x: p.score }),
    outputs: JSON.stringify({ probability: p.score, label: p.score >= 0.5 ? 1 : 0 }),
    latency_ms: 1,
    status: 'ok',
    error: '',
    node: 'n',
    execution_provider: 'cpu',
    topic: 't',
    partition: 0,
    offset,
  };
}

function labelRow(id: string, label: string, receivedAt: number, offset: number) {
  return { prediction_id: id, model, label, label_ts: receivedAt, received_at: receivedAt, source: 'test', topic: 'labels', partition: 0, offset };
}

describe('late-label join', () => {
  let ch: Awaited<ReturnType<typeof testClickHouse>>;
  let join: LabelJoinOptions;
  const predictions: Prediction[] = [];
  const labels = new Map<string, string>();

  before(async () => {
    ch = await testClickHouse();
    join = { clickhouse: ch, horizonMs: DAY, idSlackMs: 60_000, maxGapMs: HOUR };
    // 3 hours of predictions (2 full windows + the current one) ending 30 min into this hour.
    const rng = createRng(11);
    for (let i = 0; i < 600; i++) {
      const ts = now - 150 * 60_000 + i * 15_000;
      predictions.push({ id: newPredictionId(ts), ts, score: Math.round(rng.uniform(0, 1) * 1000) / 1000 });
    }
    await ch.insert({ table: 'predictions', format: 'JSONEachRow', values: predictions.map((p, i) => predictionRow(p, '1', i)) });
    // Labels for 2 of every 3 predictions, drawn so that the score is informative.
    const rows = [];
    for (let i = 0; i < predictions.length; i++) {
      if (i % 3 === 2) continue;
      const p = predictions[i]!;
      const label = rng.uniform(0, 1) < p.score ? '1' : '0';
      labels.set(p.id, label);
      rows.push(labelRow(p.id, label, now - 1000, i));
    }
    await ch.insert({ table: 'labels', format: 'JSONEachRow', values: rows });
  });

  after(async () => ch.close());

  it('joins labels to their predictions, reading only the time range the ids imply', async () => {
    const outcome = await joinLabels(join, model, [...labels.keys()], now);
    assert.equal(outcome.joined, labels.size);
    assert.equal(outcome.pending, 0);
    assert.equal(await count(ch, 'SELECT count() AS c FROM labeled_predictions FINAL WHERE model = {model:String}', { model }), labels.size);
    const sample = predictions[0]!;
    const [row] = await queryRows<{ label: string; score: number; predicted: string; model_version: string }>(
      ch,
      'SELECT label, score, predicted, model_version FROM labeled_predictions FINAL WHERE prediction_id = {id:UUID}',
      { id: sample.id },
    );
    assert.deepEqual(row, { label: labels.get(sample.id), score: sample.score, predicted: sample.score >= 0.5 ? '1' : '0', model_version: '1' });
  });

  it('uses the primary key and partitions for the prediction lookup (query plan)', async () => {
    // Older predictions on three other days: other partitions the lookup must skip.
    const older = [3, 5, 7].map((days, i) => predictionRow({ id: newPredictionId(now - days * DAY), ts: now - days * DAY, score: 0.5 }, '1', 50_000 + i));
    for (const row of older) await ch.insert({ table: 'predictions', format: 'JSONEachRow', values: [row] });
    const ids = [predictions[10]!.id, predictions[11]!.id];
    const plan = await queryRows<{ explain: string }>(
      ch,
      `EXPLAIN indexes = 1
       SELECT prediction_id FROM predictions
        WHERE model = {model:String}
          AND ts BETWEEN fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND fromUnixTimestamp64Milli({to:Int64}, 'UTC')
          AND prediction_id IN {ids:Array(UUID)}`,
      { model, from: predictions[10]!.ts - 60_000, to: predictions[11]!.ts + 60_000, ids },
    );
    const text = plan.map((p) => p.explain).join('\n');
    // The min-max index on ts (the partition key's column) drops the other days' parts before any granule is read.
    const minMax = /Min-?Max[\s\S]*?Parts: (\d+)\/(\d+)/.exec(text);
    assert.ok(minMax && Number(minMax[1]) < Number(minMax[2]), `part pruning expected:\n${text}`);
    assert.match(text, /Partition[\s\S]*toYYYYMMDD\(ts\)/, text);
    assert.match(text, /PrimaryKey[\s\S]*Keys:[\s\S]*model[\s\S]*ts/, text);
    assert.match(text, /Skip[\s\S]*idx_prediction_id/, text);
  });

  it('lets the newest label win and keeps the history', async () => {
    const p = predictions[0]!;
    const flipped = labels.get(p.id) === '1' ? '0' : '1';
    await ch.insert({ table: 'labels', format: 'JSONEachRow', values: [labelRow(p.id, flipped, now + 5000, 10_000)] });
    // A replay of the older label event (same offset) must not win or count twice.
    await ch.insert({ table: 'labels', format: 'JSONEachRow', values: [labelRow(p.id, labels.get(p.id)!, now - 1000, 0)] });
    await joinLabels(join, model, [p.id], now + 6000);
    const [row] = await queryRows<{ label: string; label_versions: number }>(ch, 'SELECT label, label_versions FROM labeled_predictions FINAL WHERE prediction_id = {id:UUID}', { id: p.id });
    assert.equal(row!.label, flipped);
    assert.equal(Number(row!.label_versions), 2);
    labels.set(p.id, flipped);
  });

  it('keeps a label that came before its prediction pending, then joins it on retry', async () => {
    const ts = now - 10 * 60_000;
    const early: Prediction = { id: newPredictionId(ts), ts, score: 0.9 };
    await ch.insert({ table: 'labels', format: 'JSONEachRow', values: [labelRow(early.id, '1', now, 20_000)] });
    const first = await joinLabels(join, model, [early.id], now);
    assert.deepEqual([first.joined, first.pending], [0, 1]);
    assert.equal(await count(ch, "SELECT count() AS c FROM pending_labels FINAL WHERE state = 'pending' AND model = {model:String}", { model }), 1);

    await ch.insert({ table: 'predictions', format: 'JSONEachRow', values: [predictionRow(early, '1', 20_000)] });
    const retry = await retryPendingLabels(join, now + 1000);
    assert.equal(retry.joined, 1);
    const [entry] = await queryRows<{ state: string; attempts: number }>(ch, 'SELECT state, attempts FROM pending_labels FINAL WHERE prediction_id = {id:UUID}', { id: early.id });
    assert.deepEqual({ state: entry!.state, attempts: Number(entry!.attempts) }, { state: 'joined', attempts: 2 });
    predictions.push(early);
    labels.set(early.id, '1');
  });

  it('orphans a label whose prediction is older than the horizon and never came', async () => {
    const old = newPredictionId(now - 2 * DAY);
    await ch.insert({ table: 'labels', format: 'JSONEachRow', values: [labelRow(old, '0', now, 30_000)] });
    const outcome = await joinLabels(join, model, [old], now);
    assert.deepEqual([outcome.joined, outcome.pending, outcome.orphaned], [0, 0, 1]);
    assert.equal(await count(ch, "SELECT count() AS c FROM pending_labels FINAL WHERE state = 'orphaned'"), 1);
    assert.equal(await count(ch, "SELECT count() AS c FROM labels WHERE prediction_id = {id:UUID}", { id: old }), 1, 'the orphan is kept');
  });

  it('computes quality and coverage per window from every joined row', async () => {
    const job = createQualityJob({ clickhouse: ch, windowMs: HOUR, sweepLookbackMs: 6 * HOUR, logger: testLogger() });
    const written = await job.run(now + 10_000);
    assert.equal(written, 3, 'three windows have predictions');
    const rows = await queryRows<{ ws: string; predictions: string; labelled: string; label_coverage: number; roc_auc: number; accuracy: number }>(
      ch,
      'SELECT toUnixTimestamp64Milli(window_start) AS ws, predictions, labelled, label_coverage, roc_auc, accuracy FROM quality_metrics FINAL WHERE model = {model:String} ORDER BY window_start',
      { model },
    );
    for (const r of rows) {
      const ws = Number(r.ws);
      const inWindow = predictions.filter((p) => p.ts >= ws && p.ts < ws + HOUR);
      const labelled = inWindow.filter((p) => labels.has(p.id));
      assert.equal(Number(r.predictions), inWindow.length);
      assert.equal(Number(r.labelled), labelled.length);
      assert.equal(r.label_coverage, labelled.length / inWindow.length);
      const expected = classificationQuality(labelled.map((p) => ({ score: p.score, predicted: p.score >= 0.5 ? '1' : '0', label: labels.get(p.id)! }))).quality!;
      assert.ok(Math.abs(r.roc_auc - expected.roc_auc!) < 1e-12);
      assert.ok(Math.abs(r.accuracy - expected.accuracy) < 1e-12);
    }
    assert.equal(await job.run(now + 20_000), 0, 'nothing changed, nothing recomputed');
  });

  it('snapshots an immutable retrain candidate with lineage and exports it', async () => {
    const from = now - 3 * HOUR;
    const labelled = await countLabelledRows(ch, model, from, now + HOUR);
    assert.equal(labelled, labels.size);
    const candidate = await createCandidate(ch, { model, fromMs: from, toMs: now + HOUR, reason: 'test: manual', decisionId: 'd-1' }, now);
    assert.equal(candidate.row_count, labels.size);
    const ones = [...labels.values()].filter((l) => l === '1').length;
    assert.deepEqual(candidate.class_balance, { '0': labels.size - ones, '1': ones });
    assert.ok(Math.abs(candidate.label_coverage - labels.size / predictions.length) < 1e-12);

    // Later labels do not change the snapshot.
    const unlabelled = predictions.find((p) => !labels.has(p.id))!;
    await ch.insert({ table: 'labels', format: 'JSONEachRow', values: [labelRow(unlabelled.id, '1', now + 7000, 40_000)] });
    await joinLabels(join, model, [unlabelled.id], now + 8000);
    assert.equal(await count(ch, 'SELECT count() AS c FROM candidate_rows FINAL WHERE candidate_id = {id:String}', { id: candidate.candidate_id }), candidate.row_count);

    const csv = (await exportCandidate(ch, candidate.candidate_id, 'csv')).toString('utf8').trim().split('\n');
    assert.equal(csv.length, candidate.row_count + 1);
    assert.match(csv[0]!, /^"prediction_id","model","model_version","ts","features","outputs","score","label"$/);
    const parquet = await exportCandidate(ch, candidate.candidate_id, 'parquet');
    assert.equal(parquet.subarray(0, 4).toString('latin1'), 'PAR1');
    await assert.rejects(exportCandidate(ch, 'nope', 'csv'), /no retrain candidate 'nope'/);

    // The same export over HTTP.
    const app = Fastify();
    await app.register(candidateExportRoute({ clickhouse: ch }));
    const http = await app.inject({ url: `/v1/candidates/${candidate.candidate_id}/export?format=csv` });
    assert.equal(http.statusCode, 200);
    assert.match(String(http.headers['content-type']), /^text\/csv/);
    assert.equal(http.body.trim().split('\n').length, candidate.row_count + 1);
    assert.equal((await app.inject({ url: '/v1/candidates/nope/export?format=parquet' })).statusCode, 404);
    assert.equal((await app.inject({ url: `/v1/candidates/${candidate.candidate_id}/export?format=xlsx` })).statusCode, 400);
    await app.close();
  });
});
