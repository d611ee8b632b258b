import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { queryRows } from '../../libs/clickhouse/client.ts';
import { parseDurationMs } from '../../libs/config/duration.ts';
import { createLogger } from '../../libs/logging/logger.ts';
import { DEMO_MODEL_NAME } from '../../libs/model/train-demo-model.ts';
import { classificationQuality } from '../feedback/quality-metrics.ts';
import { httpLabelSender } from '../stack/http-label-sender.ts';
import { type EmbeddedStack, startEmbeddedStack } from '../stack/embedded-stack.ts';
import { runHttpDriver } from '../../simulators/http-driver.ts';
import { runKafkaDriver } from '../../simulators/kafka-driver.ts';
import { parseScenario } from '../../simulators/scenario.ts';
import { simulate } from '../../simulators/simulate.ts';
import type { CliIo } from './main.ts';

const USAGE = 'usage: driftline demo [--duration 3m] [--rate 100] [--seed 7]\n';

/** Share of the run at which each chapter of the story starts. */
const STORY = { drift: 0.3, incidentFrom: 0.55, incidentTo: 0.65, burnFrom: 0.7, burnTo: 0.85 } as const;
/** Quality after retraining must come back within this much AUC of the pre-drift level for the loop to count as closed. */
const RECOVERY_MARGIN = 0.08;

/**
 * `npx driftline demo`: the whole loop on one machine. Starts the local
 * broker, Redis and the embedded ClickHouse, every service in this process,
 * and plays a story against the serving node over HTTP: baseline traffic;
 * at 30% incomes drop and the concept changes (the model silently gets
 * worse); from 55% to 65% a data-quality incident (null incomes, an unseen
 * region); from 70% to 85% a latency and error burst (simulated events
 * published straight to Kafka, node "simulator", because the real serving
 * node does not fail on demand). Labels come back late through
 * POST /v1/labels. The feedback service notices the quality drop, the
 * trigger fires, the trainer trains and promotes version 2, serving reloads
 * it, and quality recovers.
 *
 * Prints a progress line every few seconds and where to look. Exits 0 only
 * when the loop closed: a retraining fired, version 2 served, and its AUC
 * came back within RECOVERY_MARGIN of the pre-drift level. Ctrl-C stops
 * cleanly (exit 130).
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { duration: { type: 'string', default: '3m' }, rate: { type: 'string', default: '100' }, seed: { type: 'string', default: '7' } } });
  const durationMs = parseDurationMs(values.duration);
  const rate = Number(values.rate);
  const seed = Number(values.seed);
  if (durationMs === undefined || durationMs < 60_000) return usage(io, `--duration must be a duration of at least 1m, got '${values.duration}'`);
  if (!Number.isFinite(rate) || rate < 20 || rate > 2_000) return usage(io, `--rate must be between 20 and 2000 requests/s, got '${values.rate}'`);
  if (!Number.isInteger(seed)) return usage(io, `--seed must be a whole number, got '${values.seed}'`);

  const t0 = Date.now();
  const say = (text: string) => io.stdout(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${text}\n`);
  const runId = `demo-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}-${randomBytes(2).toString('hex')}`;
  const dir = resolve(process.env.DEMO_DIR ?? join('.driftline', 'demo', runId));
  mkdirSync(dir, { recursive: true });
  const token = process.env.API_ADMIN_TOKEN ?? randomBytes(16).toString('hex');
  const policyFile = join(dir, 'trigger-policy.json');
  writeFileSync(policyFile, `${JSON.stringify(demoPolicy(durationMs), null, 2)}\n`);

  // Each run gets its own topics, groups, queue and data: nothing from an earlier demo leaks in.
  const env: Record<string, string | undefined> = {
    PROCESSORS_WINDOW: '10s',
    PROCESSORS_ALLOWED_LATENESS: '3s',
    PROCESSORS_CHECKPOINT_INTERVAL: '1s',
    FEEDBACK_WINDOW: '20s',
    FEEDBACK_RETRY_INTERVAL: '3s',
    FEEDBACK_QUALITY_INTERVAL: '3s',
    FEEDBACK_TRIGGER_INTERVAL: '2s',
    MODEL_POLL_INTERVAL: '1s',
    SERVING_PUBLISH_LINGER: '50ms',
    TRAINER_PROMOTION_MODE: 'auto',
    API_HOST: '127.0.0.1',
    // The simulator posts labels many times a second from one address.
    API_RATE_LIMIT: '0',
    ...process.env,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    CLICKHOUSE_DATA_DIR: process.env.CLICKHOUSE_URL ? process.env.CLICKHOUSE_DATA_DIR : join(dir, 'clickhouse'),
    MODEL_REPOSITORY: join(dir, 'models'),
    TOPIC_PREDICTIONS: `driftline.${runId}.predictions`,
    TOPIC_LABELS: `driftline.${runId}.labels`,
    TOPIC_ALERTS: `driftline.${runId}.alerts`,
    TOPIC_DEAD_LETTER: `driftline.${runId}.dead-letter`,
    SINK_GROUP_ID: `${runId}.sink`,
    PROCESSORS_GROUP_ID: `${runId}.processors`,
    FEEDBACK_GROUP_ID: `${runId}.feedback`,
    TRAINER_QUEUE: `driftline-training-${runId}`,
    FEEDBACK_POLICY_FILE: policyFile,
    API_ADMIN_TOKEN: token,
  };
  const logger = createLogger({ level: env.LOG_LEVEL as 'warn', name: 'driftline-demo' });
  say(`starting the embedded stack (run ${runId}, data in ${dir})`);
  const stack = await startEmbeddedStack(env, logger, (line) => say(line));
  const stop = new AbortController();
  const onSignal = () => {
    say('Ctrl-C: stopping traffic and shutting down cleanly');
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  say(`serving node  ${stack.servingUrl}/v1/models/${DEMO_MODEL_NAME}/predict`);
  say(`query API     ${stack.apiUrl}/docs   (admin token: ${process.env.API_ADMIN_TOKEN ? 'from API_ADMIN_TOKEN' : token})`);
  say(`drift report  ${stack.apiUrl}/reports/drift?model=${DEMO_MODEL_NAME}`);
  say(`bull-board    ${stack.apiUrl}/admin/queues   (user any, password = the admin token)`);
  say(`dashboards    dashboards/generated/*.json (Grafana: docker compose up; see README)`);

  const labels = httpLabelSender(stack.apiUrl, token);
  const scenario = demoScenario();
  const startMs = Date.now();
  const traffic = runHttpDriver(
    { baseUrl: stack.servingUrl, model: DEMO_MODEL_NAME, sendLabels: labels.send },
    { items: simulate(scenario, { seed, rate, durationMs, startMs }), batchSize: 20, maxInFlight: 4, maxRatePerSec: rate * 2, labelGraceMs: 5_000, signal: stop.signal },
  );
  // The SLO burn: simulated events straight to Kafka (the real serving node does not fail on demand).
  const burn = runKafkaDriver(
    { producer: stack.producer, topics: { predictions: stack.topics.predictions, labels: stack.topics.labels } },
    {
      items: simulate(sloBurnScenario(durationMs), { seed: seed + 1, rate: Math.max(10, rate / 5), durationMs: STORY.burnTo * durationMs, startMs, model: DEMO_MODEL_NAME, modelVersion: '1', node: 'simulator' }),
      batchSize: 50,
      maxInFlight: 2,
      maxRatePerSec: rate,
      labelGraceMs: 0,
      signal: stop.signal,
    },
  );

  const progress = setInterval(() => {
    void status(stack, startMs, durationMs).then((line) => say(line), () => undefined);
  }, 5_000);
  let code = 1;
  try {
    await Promise.all([traffic, burn]);
    if (stop.signal.aborted) {
      code = 130;
      return code;
    }
    say('traffic done; letting the last labels join');
    await new Promise((r) => setTimeout(r, 8_000));
    code = await verdict(stack, startMs, durationMs, say);
    return code;
  } finally {
    clearInterval(progress);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stack.trainingQueue.obliterate({ force: true }).catch(() => undefined);
    await stack.close();
    say(`stopped (exit ${code}); the broker keeps running (scripts/kafka.sh stop); data kept in ${dir}`);
  }
}

function usage(io: CliIo, problem: string): number {
  io.stderr(`${problem}\n${USAGE}`);
  return 2;
}

/**
 * Retrain on a quality drop or on drift in the income feature, once either
 * has held for 20 s (so the candidate — the last 25 s of labelled traffic —
 * is made of the new population, not the old).
 */
function demoPolicy(durationMs: number) {
  return {
    models: {
      [DEMO_MODEL_NAME]: {
        quality: { metric: 'roc_auc', max_drop: 0.1, min_labels: 300, lookback: '15s' },
        drift: { psi_threshold: 0.2, features: ['income'], consecutive_windows: 3 },
        sustain: '20s',
        min_labelled_rows: 600,
        cooldown: Math.round(durationMs),
        candidate_lookback: '25s',
      },
    },
  };
}

function demoScenario() {
  const pct = (share: number) => `${Math.round(share * 100)}%`;
  return parseScenario({
    name: 'demo-story',
    description: 'baseline; covariate + concept drift; a data-quality incident; labels late through the API',
    effects: [
      { type: 'covariateShift', start: pct(STORY.drift), features: { income: { scale: 0.75 } } },
      { type: 'conceptDrift', start: pct(STORY.drift), set: { numeric: { credit_utilization: -2.0, num_late_payments: -0.35, debt_ratio: -2.5 }, intercept: 2.4 } },
      { type: 'qualityIncident', start: pct(STORY.incidentFrom), end: pct(STORY.incidentTo), kind: 'nulls', feature: 'income', share: 0.3 },
      { type: 'qualityIncident', start: pct(STORY.incidentFrom), end: pct(STORY.incidentTo), kind: 'new_category', feature: 'region', share: 0.2, value: 'atlantis' },
      { type: 'labelDelay', distribution: { kind: 'lognormal', median: '3s', sigma: 0.5 } },
      { type: 'labelCoverage', share: 0.9 },
    ],
  });
}

function sloBurnScenario(durationMs: number) {
  // Offsets are relative to this driver's own run, which ends at STORY.burnTo.
  const total = STORY.burnTo * durationMs;
  const pct = (share: number) => `${Math.min(100, Math.round(((share * durationMs) / total) * 100))}%`;
  return parseScenario({
    name: 'demo-slo-burn',
    effects: [
      { type: 'latencySpike', start: pct(STORY.burnFrom), end: pct(STORY.burnTo), extraMs: 250, share: 0.6 },
      { type: 'errorBurst', start: pct(STORY.burnFrom), end: pct(STORY.burnTo), share: 0.05 },
      { type: 'labelCoverage', share: 0 },
    ],
  });
}

async function one<T>(stack: EmbeddedStack, query: string, params: Record<string, unknown> = {}): Promise<T | undefined> {
  return (await queryRows<T>(stack.clickhouse, query, params))[0];
}

/** One progress line: the loop's stage and its key numbers. */
async function status(stack: EmbeddedStack, startMs: number, durationMs: number): Promise<string> {
  const share = (Date.now() - startMs) / durationMs;
  const phase =
    share < STORY.drift ? 'baseline' : share < STORY.incidentFrom ? 'drift injected' : share < STORY.incidentTo ? 'quality incident' : share < STORY.burnFrom ? 'drifted traffic' : share < STORY.burnTo ? 'latency/error burst' : share < 1 ? 'drifted traffic' : 'draining';
  const stored = await one<{ n: string }>(stack, 'SELECT count() AS n FROM predictions');
  const drifted = await one<{ w: string; f: string }>(stack, 'SELECT toString(max(window_start)) AS w, argMax(drifted_features, window_start) AS f FROM drift_windows FINAL');
  const violations = await one<{ n: string }>(stack, 'SELECT sum(violations) AS n FROM validation_metrics FINAL');
  const slo = await one<{ severity: string; budget: number | null }>(stack, 'SELECT argMax(severity, window_end) AS severity, argMax(availability_budget_remaining, window_end) AS budget FROM slo_status FINAL');
  const fired = await one<{ n: string }>(stack, 'SELECT countIf(fired = 1) AS n FROM trigger_decisions');
  const champion = await one<{ v: string }>(stack, "SELECT argMax(version, updated_at) AS v FROM model_registry FINAL WHERE stage = 'champion'");
  const quality = await one<{ auc: number | null; version: string }>(stack, 'SELECT argMax(roc_auc, window_start) AS auc, argMax(model_version, window_start) AS version FROM quality_metrics FINAL WHERE labelled > 50');
  const f = stack.feedback.stats().labels;
  return [
    `[${phase}]`,
    `predictions ${stored?.n ?? 0}`,
    `labels joined ${f.joined}`,
    `drifted features (last window) ${drifted?.f ?? 0}`,
    `violations ${violations?.n ?? 0}`,
    `SLO ${slo?.severity || 'ok'}${slo?.budget != null ? ` (availability budget ${(Number(slo.budget) * 100).toFixed(0)}%)` : ''}`,
    `retrainings ${fired?.n ?? 0}`,
    `champion v${champion?.v || '1'}`,
    `live AUC ${quality?.auc != null ? `${Number(quality.auc).toFixed(3)} (v${quality.version})` : 'n/a'}`,
  ].join(' · ');
}

/** Did the loop close? Prints the summary and returns the exit code. */
async function verdict(stack: EmbeddedStack, startMs: number, durationMs: number, say: (text: string) => void): Promise<number> {
  const driftAt = startMs + STORY.drift * durationMs;
  const auc = async (version: string, from: number, to: number) => {
    const rows = await queryRows<{ score: number; predicted: string; label: string }>(
      stack.clickhouse,
      `SELECT score, predicted, label FROM labeled_predictions FINAL
        WHERE model_version = {v:String} AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')`,
      { v: version, from: Math.round(from), to: Math.round(to) },
    );
    return classificationQuality(rows.map((r) => ({ ...r, score: Number(r.score) }))).quality;
  };
  const fired = await queryRows<{ at: string; reasons: string }>(stack.clickhouse, 'SELECT toUnixTimestamp64Milli(evaluated_at) AS at, reasons FROM trigger_decisions WHERE fired = 1 ORDER BY evaluated_at');
  const firstV2 = await one<{ at: string; n: string }>(stack, "SELECT toUnixTimestamp64Milli(min(ts)) AS at, count() AS n FROM predictions WHERE model_version = '2'");
  const firstDrift = await one<{ at: string; n: string }>(stack, "SELECT toUnixTimestamp64Milli(min(window_start)) AS at, count() AS n FROM drift_metrics FINAL WHERE drifted = 1 AND feature = 'income'");
  const violations = await one<{ n: string }>(stack, 'SELECT sum(violations) AS n FROM validation_metrics FINAL');
  const burn = await one<{ n: string; rules: string }>(stack, "SELECT countIf(severity != '') AS n, arrayStringConcat(groupUniqArrayIf(firing_rules, firing_rules != ''), '; ') AS rules FROM slo_status FINAL");
  const at = (ms: number) => `+${((ms - startMs) / 1000).toFixed(0)} s`;
  say('— summary —');
  say(`drift injected at ${at(driftAt)}; income drift detected: ${Number(firstDrift?.n ?? 0) > 0 ? `window ${at(Number(firstDrift!.at))}` : 'no'}`);
  say(`validation violations recorded: ${violations?.n ?? 0}`);
  say(`SLO burn: ${Number(burn?.n ?? 0) > 0 ? `firing in ${burn!.n} evaluation(s): ${burn!.rules}` : 'no burn-rate rule fired'}`);
  say(`retrainings fired: ${fired.length}${fired[0] ? ` (first at ${at(Number(fired[0].at))}: ${(JSON.parse(fired[0].reasons) as Array<{ met: boolean; rule: string }>).filter((r) => r.met).map((r) => r.rule).join('; ')})` : ''}`);
  const v2 = Number(firstV2?.n ?? 0) > 0;
  say(`version 2 serving: ${v2 ? `since ${at(Number(firstV2!.at))}, ${firstV2!.n} predictions` : 'no'}`);
  const before = await auc('1', startMs, driftAt);
  const degraded = await auc('1', driftAt, v2 ? Number(firstV2!.at) : Date.now());
  const after = v2 ? await auc('2', Number(firstV2!.at), Date.now()) : undefined;
  const fmt = (q: typeof before) => (q?.roc_auc != null ? `${q.roc_auc.toFixed(3)} (n=${q.labelled})` : 'n/a');
  say(`AUC: v1 before drift ${fmt(before)} → v1 after drift ${fmt(degraded)} → v2 ${fmt(after)}`);
  const recovered = before?.roc_auc != null && after?.roc_auc != null && after.roc_auc >= before.roc_auc - RECOVERY_MARGIN;
  say(recovered ? `loop closed: quality recovered to within ${RECOVERY_MARGIN} AUC of the pre-drift level` : 'loop NOT closed: see the lines above');
  return fired.length >= 1 && v2 && recovered ? 0 : 1;
}
