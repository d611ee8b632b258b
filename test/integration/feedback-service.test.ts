/**
 * The feedback service against the real broker, the embedded ClickHouse
 * engine and the real Redis: labels published to Kafka (some before their
 * predictions, some malformed) are stored and joined, quality windows appear,
 * and a quality drop fires the trigger exactly once — a candidate snapshot
 * and one BullMQ job — while later evaluations are blocked and recorded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { queryRows } from '../../libs/clickhouse/client.ts';
import { encodeEvent } from '../../libs/contracts/decode.ts';
import { newPredictionId } from '../../libs/contracts/prediction-id.ts';
import { createDeadLetterPublisher } from '../../libs/kafka/dead-letter.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { createRng } from '../../libs/model/random.ts';
import { createFeedbackService, type FeedbackService } from '../../services/feedback/feedback-service.ts';
import { triggerPolicyFileSchema } from '../../services/feedback/trigger-policy.ts';
import { count, testClickHouse, testKafka, testLogger, uniqueName, uniqueTopics, waitFor } from '../support/harness.ts';

const MINUTE = 60_000;
const model = 'feedback-it';

describe('feedback service', () => {
  const kafka = testKafka();
  const producer = createIdempotentProducer(kafka);
  const queueName = uniqueName('training');
  const queue = new Queue(queueName, { connection: { host: '127.0.0.1', port: 6379 } });
  let ch: Awaited<ReturnType<typeof testClickHouse>>;
  let service: FeedbackService;
  let topics: Awaited<ReturnType<typeof uniqueTopics>>;
  const now = Date.now();
  const predictionIds: string[] = [];
  const late: Array<{ id: string; ts: number }> = [];

  before(async () => {
    ch = await testClickHouse();
    topics = await uniqueTopics(kafka);
    await producer.connect();
    // 800 predictions over the last 40 minutes; the score is informative for the first half and inverted for the second.
    const rng = createRng(5);
    const rows = [];
    const labels = [];
    for (let i = 0; i < 800; i++) {
      const ts = now - 40 * MINUTE + i * 3000;
      const id = newPredictionId(ts);
      const score = rng.uniform(0, 1);
      const positive = i < 400 ? rng.uniform(0, 1) < score : rng.uniform(0, 1) > score;
      predictionIds.push(id);
      rows.push({ prediction_id: id, model, model_version: '1', ts, features: '{}', outputs: JSON.stringify({ probability: score, label: score >= 0.5 ? 1 : 0 }), latency_ms: 1, status: 'ok', error: '', node: 'n', execution_provider: 'cpu', topic: 't', partition: 0, offset: i });
      labels.push({ key: id, value: encodeEvent('labels', { schema_version: 1, prediction_id: id, model, label: positive ? 1 : 0, ts: now }) });
    }
    await ch.insert({ table: 'predictions', format: 'JSONEachRow', values: rows });
    // Five labels whose predictions are not stored yet.
    for (let i = 0; i < 5; i++) {
      const ts = now - 5 * MINUTE + i;
      const id = newPredictionId(ts);
      late.push({ id, ts });
      labels.push({ key: id, value: encodeEvent('labels', { schema_version: 1, prediction_id: id, model, label: 1, ts: now }) });
    }
    labels.push({ key: 'bad', value: Buffer.from('{"schema_version":1,"prediction_id":"x"}') }, { key: 'bad2', value: Buffer.from([0xc3, 0x28]) });
    for (let i = 0; i < labels.length; i += 200) await producer.send({ topic: topics.labels, messages: labels.slice(i, i + 200) });

    service = createFeedbackService({
      kafka,
      clickhouse: ch,
      deadLetters: createDeadLetterPublisher(producer, topics.deadLetter),
      logger: testLogger(),
      labelsTopic: topics.labels,
      groupId: uniqueName('feedback'),
      join: { horizonMs: 30 * 24 * 60 * MINUTE, idSlackMs: MINUTE, maxGapMs: 60 * MINUTE },
      windowMs: 10 * MINUTE,
      sweepLookbackMs: 120 * MINUTE,
      // Long intervals: the test drives the loops with tick().
      intervals: { retryMs: 3_600_000, qualityMs: 3_600_000, triggerMs: 3_600_000 },
      policies: triggerPolicyFileSchema.parse({
        models: { [model]: { quality: { metric: 'roc_auc', max_drop: 0.05, min_labels: 200, lookback: '30m' }, min_labelled_rows: 500, cooldown: '1h', candidate_lookback: '2h' } },
      }),
      training: {
        enqueue: async (request) => {
          const job = await queue.add('retrain', { schema_version: 1, ...request }, { deduplication: { id: `retrain:${request.model}` } });
          return job.id!;
        },
        activeJobs: async (m) => (await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized'])).filter((j) => j.data.model === m).length,
        baselineFromCard: async () => 0.75,
      },
      recordEveryMs: 3_600_000,
    });
    await service.start();
  });

  after(async () => {
    await service.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await producer.disconnect();
    await ch.close();
  });

  it('stores and joins every label from the topic and dead-letters the malformed ones', async () => {
    const done = await waitFor(async () => { const s = service.stats().labels; return s.joined + s.pending >= 805 && s.deadLettered >= 2; }, 60_000);
    assert.ok(done, `consumed ${JSON.stringify(service.stats().labels)}`);
    const stats = service.stats().labels;
    assert.equal(stats.deadLettered, 2);
    assert.equal(stats.stored, 805);
    assert.equal(stats.joined, 800);
    assert.equal(stats.pending, 5);
    assert.equal(await count(ch, 'SELECT count() AS c FROM labeled_predictions FINAL WHERE model = {model:String}', { model }), 800);
    assert.equal(await count(ch, "SELECT count() AS c FROM labels FINAL WHERE model = {model:String} AND source = 'kafka'", { model }), 805);
  });

  it('joins the early labels once their predictions arrive', async () => {
    await ch.insert({
      table: 'predictions',
      format: 'JSONEachRow',
      values: late.map((p, i) => ({ prediction_id: p.id, model, model_version: '1', ts: p.ts, features: '{}', outputs: '{"probability":0.9,"label":1}', latency_ms: 1, status: 'ok', error: '', node: 'n', execution_provider: 'cpu', topic: 't', partition: 0, offset: 1000 + i })),
    });
    await service.tick();
    assert.equal(service.stats().retried.joined, 5);
    assert.equal(await count(ch, "SELECT count() AS c FROM pending_labels FINAL WHERE model = {model:String} AND state = 'pending'", { model }), 0);
  });

  it('records quality and coverage per window', async () => {
    const rows = await queryRows<{ labelled: string; predictions: string }>(ch, 'SELECT labelled, predictions FROM quality_metrics FINAL WHERE model = {model:String}', { model });
    assert.ok(rows.length >= 4);
    assert.equal(rows.reduce((s, r) => s + Number(r.labelled), 0), 805);
    assert.equal(rows.reduce((s, r) => s + Number(r.predictions), 0), 805);
  });

  it('fires once on the quality drop: one candidate, one job, and later evaluations are blocked and recorded', async () => {
    const decisions = await queryRows<{ fired: number; candidate_id: string; job_id: string; reasons: string }>(
      ch,
      'SELECT fired, candidate_id, job_id, reasons FROM trigger_decisions WHERE model = {model:String} ORDER BY evaluated_at',
      { model },
    );
    assert.equal(decisions.length, 1, 'the tick above evaluated once');
    assert.equal(decisions[0]!.fired, 1);
    const reasons = JSON.parse(decisions[0]!.reasons) as Array<{ rule: string; met: boolean; observed: string }>;
    assert.ok(reasons[0]!.met);
    assert.match(reasons[0]!.observed, /roc_auc 0\.[0-5]\d* vs baseline 0\.7500 over \d+ labels/);

    const [candidate] = await queryRows<{ row_count: string; decision_id: string; reason: string }>(ch, 'SELECT row_count, decision_id, reason FROM retrain_candidates WHERE candidate_id = {id:String}', { id: decisions[0]!.candidate_id });
    assert.equal(Number(candidate!.row_count), 805);
    assert.match(candidate!.reason, /^fire: quality/);
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0]!.id, decisions[0]!.job_id);
    assert.deepEqual(jobs[0]!.data.candidate_id, decisions[0]!.candidate_id);

    const [again] = await service.tick();
    assert.equal(again!.decision.fire, false);
    assert.deepEqual(again!.decision.blockedBy.map((g) => g.rule), ['cooldown', 'max_concurrent']);
    assert.equal((await queue.getJobs(['waiting', 'delayed', 'prioritized'])).length, 1);
    assert.equal(await count(ch, 'SELECT count() AS c FROM trigger_decisions WHERE model = {model:String}', { model }), 2);
    assert.equal(await count(ch, 'SELECT count() AS c FROM retrain_candidates WHERE model = {model:String}', { model }), 1);
  });
});
