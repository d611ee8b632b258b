/**
 * The whole loop, end to end, in one process (the embedded stack): the
 * simulator drives the serving node over HTTP; prediction events flow through
 * the real broker into the raw sink and the processors; labels arrive late
 * through POST /v1/labels; at 35% of the run the concept drifts (the labels
 * change, the features do not); the feedback service sees the live AUC drop,
 * the trigger fires once, the trainer trains version 2 from the retrain
 * candidate and promotes it; the serving node hot-reloads and answers with
 * version 2, and quality on the new traffic recovers.
 *
 * Stated margin: version 2's AUC on post-promotion traffic is within 0.06 of
 * version 1's AUC before the drift (the best a model can do differs a little
 * between the two concepts, and version 2 learns from ~1,000 rows).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { queryRows } from '../../libs/clickhouse/client.ts';
import { DEMO_MODEL_NAME } from '../../libs/model/train-demo-model.ts';
import { classificationQuality } from '../../services/feedback/quality-metrics.ts';
import { httpLabelSender } from '../../services/stack/http-label-sender.ts';
import { type EmbeddedStack, startEmbeddedStack } from '../../services/stack/embedded-stack.ts';
import { runHttpDriver } from '../../simulators/http-driver.ts';
import { parseScenario } from '../../simulators/scenario.ts';
import { simulate } from '../../simulators/simulate.ts';
import { brokers, testLogger, uniqueName, waitFor } from '../support/harness.ts';

const RUN_MS = 100_000;
const DRIFT_AT = 0.35;
const RATE = 150;
const TOKEN = 'e2e-admin-token-0123456789';

describe('the feedback loop, end to end', () => {
  let stack: EmbeddedStack;
  const timeline: Array<{ atMs: number; what: string }> = [];
  let t0 = 0;
  const stopTraffic = new AbortController();
  const mark = (what: string, atMs = Date.now()) => timeline.push({ atMs, what });

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftline-e2e-'));
    const base = uniqueName('e2e');
    const policyFile = join(dir, 'policy.json');
    // Quality over the last 10 s of predictions; the candidate is the last 6 s, so it holds the new concept.
    writeFileSync(
      policyFile,
      JSON.stringify({
        models: {
          [DEMO_MODEL_NAME]: {
            quality: { metric: 'roc_auc', max_drop: 0.2, min_labels: 300, lookback: '10s' },
            min_labelled_rows: 400,
            cooldown: '10m',
            candidate_lookback: '6s',
          },
        },
      }),
    );
    const env = {
      ...process.env,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      KAFKA_BROKERS: brokers.join(','),
      CLICKHOUSE_DATA_DIR: join(dir, 'clickhouse'),
      MODEL_REPOSITORY: join(dir, 'models'),
      TOPIC_PREDICTIONS: `${base}.predictions`,
      TOPIC_LABELS: `${base}.labels`,
      TOPIC_ALERTS: `${base}.alerts`,
      TOPIC_DEAD_LETTER: `${base}.dead-letter`,
      SINK_GROUP_ID: `${base}.sink`,
      PROCESSORS_GROUP_ID: `${base}.processors`,
      FEEDBACK_GROUP_ID: `${base}.feedback`,
      TRAINER_QUEUE: `${base}-training`,
      PROCESSORS_WINDOW: '5s',
      PROCESSORS_ALLOWED_LATENESS: '2s',
      PROCESSORS_CHECKPOINT_INTERVAL: '1s',
      FEEDBACK_WINDOW: '10s',
      FEEDBACK_RETRY_INTERVAL: '2s',
      FEEDBACK_QUALITY_INTERVAL: '2s',
      FEEDBACK_TRIGGER_INTERVAL: '1s',
      FEEDBACK_POLICY_FILE: policyFile,
      MODEL_POLL_INTERVAL: '500ms',
      SERVING_PORT: '0',
      API_PORT: '0',
      API_HOST: '127.0.0.1',
      API_ADMIN_TOKEN: TOKEN,
      API_RATE_LIMIT: '0',
      TRAINER_PROMOTION_MODE: 'auto',
      SERVING_PUBLISH_LINGER: '50ms',
    };
    stack = await startEmbeddedStack(env, testLogger());
  });

  after(async () => {
    stopTraffic.abort();
    await stack?.trainingQueue.obliterate({ force: true }).catch(() => undefined);
    await stack?.close();
  });

  it('detects the concept drift, retrains once, switches serving and recovers quality', { timeout: 300_000 }, async () => {
    const scenario = parseScenario({
      name: 'e2e-concept-drift',
      effects: [
        // A new concept: utilization, late payments and debt ratio now lower the risk.
        { type: 'conceptDrift', start: `${DRIFT_AT * 100}%`, set: { numeric: { credit_utilization: -2.0, num_late_payments: -0.35, debt_ratio: -2.5 }, intercept: 2.4 } },
        { type: 'labelDelay', distribution: { kind: 'fixed', delay: '1s' } },
        { type: 'labelCoverage', share: 0.9 },
      ],
    });
    t0 = Date.now();
    const labels = httpLabelSender(stack.apiUrl, TOKEN);
    const simulation = simulate(scenario, { seed: 42, rate: RATE, durationMs: RUN_MS, startMs: t0 });
    mark('traffic starts (version 1 serving)', t0);
    mark('concept drift injected', t0 + DRIFT_AT * RUN_MS);
    const driving = runHttpDriver(
      { baseUrl: stack.servingUrl, model: DEMO_MODEL_NAME, sendLabels: labels.send },
      { items: simulation, batchSize: 25, maxInFlight: 4, maxRatePerSec: RATE * 2, labelGraceMs: 3_000, signal: stopTraffic.signal },
    );

    // Watch the loop move through its stages while traffic flows.
    const fired = await waitFor(async () => Number((await rows<{ n: string }>('SELECT count() AS n FROM trigger_decisions WHERE fired = 1'))[0]!.n) > 0, RUN_MS);
    assert.ok(fired, 'the trigger never fired');
    const [decision] = await rows<{ at: string; reasons: string; candidate_id: string }>('SELECT toUnixTimestamp64Milli(evaluated_at) AS at, reasons, candidate_id FROM trigger_decisions WHERE fired = 1');
    mark(`trigger fired: ${JSON.parse(decision!.reasons).find((r: { met: boolean }) => r.met).observed}`, Number(decision!.at));
    const registered = await waitFor(async () => Number((await rows<{ n: string }>("SELECT count() AS n FROM training_runs FINAL WHERE state = 'registered'"))[0]!.n) > 0, 60_000);
    assert.ok(registered, 'no training run registered a version');
    const [run] = await rows<{ at: string; new_version: string }>("SELECT toUnixTimestamp64Milli(updated_at) AS at, new_version FROM training_runs FINAL WHERE state = 'registered'");
    mark(`trainer registered version ${run!.new_version}`, Number(run!.at));
    const switched = await waitFor(async () => Number((await rows<{ n: string }>("SELECT count() AS n FROM predictions WHERE model_version = '2'"))[0]!.n) > 0, 30_000);
    assert.ok(switched, 'serving never answered with version 2');
    const [firstV2] = await rows<{ at: string }>("SELECT toUnixTimestamp64Milli(min(ts)) AS at FROM predictions WHERE model_version = '2'");
    mark('serving answers with version 2', Number(firstV2!.at));

    const result = await driving;
    mark(`traffic ends: ${result.rowsScored} predictions, ${labels.counts.accepted} labels accepted`);
    // Let the last labels land and join.
    await waitFor(async () => {
      const s = stack.feedback.stats().labels;
      return s.joined + s.pending >= labels.counts.accepted;
    }, 30_000);

    const driftAt = t0 + DRIFT_AT * RUN_MS;
    const promotedAt = Number(firstV2!.at);
    const auc = async (version: string, from: number, to: number) => {
      const joined = await rows<{ score: number; predicted: string; label: string }>(
        `SELECT score, predicted, label FROM labeled_predictions FINAL
          WHERE model_version = {v:String} AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')`,
        { v: version, from: Math.round(from), to: Math.round(to) },
      );
      const q = classificationQuality(joined.map((r) => ({ ...r, score: Number(r.score) }))).quality!;
      return { auc: q.roc_auc!, n: q.labelled };
    };
    const before = await auc('1', t0, driftAt);
    const degraded = await auc('1', driftAt, promotedAt);
    const recovered = await auc('2', promotedAt, Date.now());
    mark(`quality: v1 before drift AUC ${before.auc.toFixed(3)} (n=${before.n}); v1 after drift ${degraded.auc.toFixed(3)} (n=${degraded.n}); v2 after promotion ${recovered.auc.toFixed(3)} (n=${recovered.n})`);

    process.stdout.write(`\nfeedback loop timeline:\n${timeline
      .sort((a, b) => a.atMs - b.atMs)
      .map((e) => `  +${((e.atMs - t0) / 1000).toFixed(1).padStart(6)} s  ${e.what}`)
      .join('\n')}\n`);

    assert.equal(Number((await rows<{ n: string }>('SELECT count() AS n FROM trigger_decisions WHERE fired = 1'))[0]!.n), 1, 'the trigger fired more than once');
    assert.equal(Number((await rows<{ n: string }>('SELECT count() AS n FROM retrain_candidates'))[0]!.n), 1);
    assert.ok(degraded.auc < before.auc - 0.2, `the drift must hurt version 1: ${degraded.auc} vs ${before.auc}`);
    assert.ok(recovered.n >= 500, `too few labelled rows for version 2: ${recovered.n}`);
    assert.ok(recovered.auc >= before.auc - 0.06, `version 2 must recover to within 0.06 of the pre-drift AUC: ${recovered.auc} vs ${before.auc}`);
    const [routing] = await rows<{ stage: string }>("SELECT stage FROM model_registry FINAL WHERE version = '2'");
    assert.equal(routing!.stage, 'champion');
  });

  async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    return queryRows<T>(stack.clickhouse, query, params);
  }
});
