import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { commonEnv } from '../../libs/config/common.ts';
import { parseDurationMs } from '../../libs/config/duration.ts';
import { parseEnv } from '../../libs/config/env.ts';
import { DriftlineError, messageOf } from '../../libs/errors/errors.ts';
import { createKafka } from '../../libs/kafka/client.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { ensureDriftlineTopics, topicNamesFromConfig } from '../../libs/kafka/topology.ts';
import { ensureLocalKafka, localBrokerPort } from '../../libs/local/local-services.ts';
import { createLogger } from '../../libs/logging/logger.ts';
import { DEMO_MODEL_NAME } from '../../libs/model/train-demo-model.ts';
import { httpModeNotes, runHttpDriver } from '../../simulators/http-driver.ts';
import { runKafkaDriver } from '../../simulators/kafka-driver.ts';
import { kafkaLabelSender } from '../../simulators/label-sender.ts';
import { PRESET_NAMES, presetScenario } from '../../simulators/presets.ts';
import { serializeSends } from '../../libs/kafka/serial-producer.ts';
import { parseScenarioJson, type Scenario } from '../../simulators/scenario-schema.ts';
import { formatSim, type Simulation, simulate } from '../../simulators/simulate.ts';
import { summarizeDryRun } from '../../simulators/dry-run.ts';
import type { CliIo } from './main.ts';

const configSchema = z.object(commonEnv);

const USAGE = `usage: driftline simulate [--scenario demo|FILE.json] [--mode kafka|http|dry-run] [--rate N] [--duration 60s]
                          [--time-scale N] [--seed N] [--max-events N] [--url http://127.0.0.1:8080] [--model NAME]
                          [--batch N] [--label-grace 30s] [--list]
  --scenario     a preset (${PRESET_NAMES.join(', ')}) or a scenario JSON file; default demo
  --mode         kafka: publish predictions and labels straight to Kafka (load tests)
                 http: POST rows to the serving node, publish labels for the returned prediction ids
                 dry-run: generate without sending and print what the scenario produces
  --rate         events per wall second (default: the scenario's, else 100)
  --duration     wall duration, e.g. 90s, 5m (default: the scenario's, else 60s)
  --time-scale   scenario ms per wall ms, compressing effect times and label delays (default: the scenario's, else 60)
  --label-grace  after the last request, how long to keep sending labels as they fall due (default 30s)
`;

/** Loads `--scenario`: a preset name, or a path to a JSON scenario file. */
export async function loadScenario(nameOrPath: string): Promise<Scenario> {
  if (PRESET_NAMES.includes(nameOrPath)) return presetScenario(nameOrPath);
  if (!/\.json$/i.test(nameOrPath) && !nameOrPath.includes('/')) return presetScenario(nameOrPath);
  let text: string;
  try {
    text = await readFile(nameOrPath, 'utf8');
  } catch (err) {
    throw new DriftlineError('INPUT_INVALID', `cannot read scenario file ${nameOrPath}: ${messageOf(err)}`, { cause: err });
  }
  return parseScenarioJson(text, nameOrPath);
}

function positive(flag: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(Number.isFinite(n) && n > 0 && (!integer || Number.isInteger(n)))) throw new DriftlineError('INPUT_INVALID', `--${flag} must be a positive ${integer ? 'integer' : 'number'}, got '${text}'`);
  return n;
}

function durationFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDurationMs(text);
  if (ms === undefined) throw new DriftlineError('INPUT_INVALID', `--${flag} must be a duration like 90s, 5m or 1h, got '${text}'`);
  return ms;
}

/**
 * `driftline simulate`: plays a scenario against the running loop — Kafka
 * mode publishes prediction events and labels itself (load tests), HTTP mode
 * drives a serving node and publishes the labels for the prediction ids it
 * returns, dry-run only generates. Stops by itself at the duration (or
 * --max-events, or Ctrl-C) and prints a summary. `stop` and `env` are for tests.
 */
export async function run(argv: string[], io: CliIo, stop?: AbortSignal, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string', default: 'demo' },
      mode: { type: 'string', default: 'kafka' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      'time-scale': { type: 'string' },
      seed: { type: 'string', default: '7' },
      'max-events': { type: 'string' },
      url: { type: 'string', default: 'http://127.0.0.1:8080' },
      model: { type: 'string', default: DEMO_MODEL_NAME },
      batch: { type: 'string' },
      'label-grace': { type: 'string', default: '30s' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (values.list) {
    for (const name of PRESET_NAMES) io.stdout(`${name.padEnd(18)} ${presetScenario(name).description ?? ''}\n`);
    return 0;
  }
  const mode = values.mode;
  if (mode !== 'kafka' && mode !== 'http' && mode !== 'dry-run') throw new DriftlineError('INPUT_INVALID', `--mode must be kafka, http or dry-run, got '${mode}'`);
  if (!/^-?\d+$/.test(values.seed)) throw new DriftlineError('INPUT_INVALID', `--seed must be an integer, got '${values.seed}'`);
  const scenario = await loadScenario(values.scenario);
  const rate = positive('rate', values.rate, false) ?? scenario.rate ?? 100;
  const durationMs = durationFlag('duration', values.duration) ?? scenario.duration ?? 60_000;
  const timeScale = positive('time-scale', values['time-scale'], false) ?? scenario.timeScale ?? 60;
  const maxEvents = positive('max-events', values['max-events'], true);
  const labelGraceMs = durationFlag('label-grace', values['label-grace'])!;
  const batchSize = positive('batch', values.batch, true) ?? (mode === 'http' ? 10 : 500);
  const seed = Number(values.seed);

  const sim = simulate(scenario, { seed, rate, durationMs, startMs: Date.now(), timeScale, model: values.model, ...(maxEvents ? { maxEvents } : {}) });
  printPlan(io, sim, { rate, durationMs, seed, mode });
  if (mode === 'dry-run') {
    io.stdout(summarizeDryRun(sim));
    return 0;
  }

  const config = parseEnv(configSchema, env);
  const logger = createLogger({ level: env.LOG_LEVEL ? config.LOG_LEVEL : 'warn', name: 'driftline-simulator' });
  const brokerPort = localBrokerPort(config.KAFKA_BROKERS);
  if (brokerPort !== undefined) await ensureLocalKafka(brokerPort, (line) => io.stdout(`${line}\n`));
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-simulator`, logger });
  const topics = topicNamesFromConfig(config);
  await ensureDriftlineTopics(kafka, topics);
  const producer = createIdempotentProducer(kafka);
  await producer.connect();

  const controller = new AbortController();
  const abort = () => controller.abort();
  stop?.addEventListener('abort', abort, { once: true });
  if (!stop) {
    process.once('SIGINT', abort);
    process.once('SIGTERM', abort);
  }
  // Restart the clock now that Kafka is ready, so the schedule is not already behind.
  const live = simulate(scenario, { seed, rate, durationMs, startMs: Date.now(), timeScale, model: values.model, ...(maxEvents ? { maxEvents } : {}) });
  const loopOptions = { items: live, batchSize, maxRatePerSec: live.peakRatePerSec, labelGraceMs, signal: controller.signal };
  try {
    if (mode === 'kafka') {
      io.stdout(`publishing to ${topics.predictions} and ${topics.labels} on ${config.KAFKA_BROKERS.join(',')}\n`);
      const r = await runKafkaDriver({ producer, topics }, { ...loopOptions, maxInFlight: 4 });
      io.stdout(`done in ${(r.elapsedMs / 1000).toFixed(1)} s (${r.stoppedBy}; sending took ${(r.sendingMs / 1000).toFixed(1)} s): predictions ${r.predictions} (status error ${r.errorEvents}) in ${r.batches} batches; labels sent ${r.labelsSent}, not covered ${r.labelsNotCovered}, still pending at stop ${r.labelsPendingAtStop}\n`);
      return 0;
    }
    for (const note of httpModeNotes(live.plan)) io.stdout(`note: ${note}\n`);
    io.stdout(`POST ${values.url.replace(/\/+$/, '')}/v1/models/${values.model}/predict; labels to ${topics.labels} on ${config.KAFKA_BROKERS.join(',')}\n`);
    const r = await runHttpDriver({ baseUrl: values.url, model: values.model, sendLabels: kafkaLabelSender(serializeSends(producer), topics.labels) }, { ...loopOptions, maxInFlight: 8 });
    const statuses = Object.entries(r.byStatus).map(([k, v]) => `${k}: ${v}`).join(', ');
    io.stdout(`done in ${(r.elapsedMs / 1000).toFixed(1)} s (${r.stoppedBy}; sending took ${(r.sendingMs / 1000).toFixed(1)} s): ${r.requests} requests (${statuses}); rows scored ${r.rowsScored}, rejected ${r.rowsRejected} (${r.invalidRowsSent} broken on purpose), failed ${r.rowsFailed}; labels sent ${r.labelsSent}, not covered ${r.labelsNotCovered}, still pending at stop ${r.labelsPendingAtStop}\n`);
    if (r.rowsScored === 0 && r.items > 0) {
      io.stderr(`no row was scored: is the serving node up at ${values.url} with model ${values.model}? (driftline serve)\n`);
      return 1;
    }
    return 0;
  } finally {
    stop?.removeEventListener('abort', abort);
    process.removeListener('SIGINT', abort);
    process.removeListener('SIGTERM', abort);
    await producer.disconnect();
  }
}

function printPlan(io: CliIo, sim: Simulation, run: { rate: number; durationMs: number; seed: number; mode: string }): void {
  const { scenario, runSimMs, effects } = sim.plan;
  io.stdout(`scenario ${scenario.name}${scenario.description ? `: ${scenario.description}` : ''}\n`);
  io.stdout(`run: ${run.rate} events/s for ${run.durationMs / 1000} s, time scale ${sim.timeScale}× (${formatSim(runSimMs)} on the scenario clock), seed ${run.seed}, mode ${run.mode}\n`);
  for (const e of effects) {
    const span = `${formatSim(e.startMs)} → ${Number.isFinite(e.endMs) ? formatSim(e.endMs) : 'end'}${e.rampMs > 0 ? ` (ramp ${formatSim(e.rampMs)})` : ''}`;
    io.stdout(`  [${e.index}] ${e.type.padEnd(16)} ${span.padEnd(28)} ${describeEffect(e)}\n`);
  }
  for (const w of sim.warnings) io.stdout(`warning: ${w}\n`);
}

function describeEffect(e: Simulation['plan']['effects'][number]): string {
  switch (e.type) {
    case 'qualityIncident':
      return `${e.kind} on ${e.feature}, ${e.share * 100}%`;
    case 'labelDelay':
      return JSON.stringify(e.distribution);
    case 'covariateShift':
      return JSON.stringify(e.features);
    case 'conceptDrift':
      return JSON.stringify({ ...(e.delta ? { delta: e.delta } : {}), ...(e.set ? { set: e.set } : {}) });
    case 'seasonality':
      return `${e.target} ±${e.amplitude} every ${formatSim(e.period)}`;
    case 'latencySpike':
      return `+${e.extraMs} ms on ${e.share * 100}%`;
    default:
      return `${e.share * 100}%`;
  }
}
