import { v7 as uuidv7 } from 'uuid';
import type { PredictionEvent } from '../libs/contracts/schemas.ts';
import { DriftlineError } from '../libs/errors/errors.ts';
import { type CreditRow, sampleLabel, sampleRow } from '../libs/model/credit-domain.ts';
import { DEMO_MODEL_NAME } from '../libs/model/train-demo-model.ts';
import { createRng, type Rng } from '../libs/model/random.ts';
import { sampleDelayMs } from './label-delay.ts';
import { applyIncidents, type Instance } from './quality-incidents.ts';
import { conditionsAt, peakRateMultiplier, planScenario, type ScenarioPlan } from './scenario.ts';
import type { Scenario } from './scenario-schema.ts';
import { scoreInstance, serviceOutcome } from './simulated-model.ts';

export interface SimulateOptions {
  seed: number;
  /** Events per wall second (before rate seasonality). */
  rate: number;
  /** Wall duration: events are scheduled in [0, durationMs). Infinity when `maxEvents` bounds the run. */
  durationMs: number;
  /** Wall time of the run's start, ms since the epoch: an event's ts is startMs + its offset. */
  startMs: number;
  /** Scenario-clock ms per wall ms (3600: a wall second is a scenario hour). Default 1. */
  timeScale?: number;
  maxEvents?: number;
  /** Names in the Kafka-mode prediction events; defaults credit-default, "1", "simulator". */
  model?: string;
  modelVersion?: string;
  node?: string;
}

/** The label the true process gives one prediction, and when it arrives. */
export interface SimulatedLabel {
  /** Drawn from the true process under the concept in force at prediction time. */
  trueValue: 0 | 1;
  /** What the label source reports: trueValue, flipped by label noise. */
  value: 0 | 1;
  flipped: boolean;
  /** False when label coverage leaves this prediction without a label: none is sent. */
  covered: boolean;
  /** The delay on the scenario clock, and in wall ms (÷ time scale). */
  delaySimMs: number;
  delayMs: number;
  /** Wall offset from the run's start at which the label is due. */
  dueOffsetMs: number;
  /** The label event's ts: startMs + dueOffsetMs. */
  ts: number;
}

/** One simulated request and everything the drivers need to play it. */
export interface SimulatedItem {
  index: number;
  /** Wall ms after the run's start at which the request is due. */
  offsetMs: number;
  /** The same instant on the scenario clock (offsetMs × time scale). */
  simMs: number;
  /** startMs + offsetMs, whole ms. */
  ts: number;
  /** The applicant as the (possibly drifted) population produced it. */
  row: CreditRow;
  /** What the client sends: the row after data-quality incidents. */
  instance: Instance;
  /** Incidents applied, as `kind:feature`. */
  incidents: string[];
  /** False when the serving node's type checks will reject the request. */
  requestValid: boolean;
  /** The prediction event Kafka mode publishes (HTTP mode: the server makes its own). */
  event: PredictionEvent;
  label: SimulatedLabel;
}

/** A deterministic simulation: iterate it (any number of times) for the same items. */
export interface Simulation extends Iterable<SimulatedItem> {
  plan: ScenarioPlan;
  timeScale: number;
  /** Upper bound of the event rate per wall second, rate seasonality included. */
  peakRatePerSec: number;
  /** Things a user should know before running, e.g. effects that start after the run ends. */
  warnings: string[];
}

function checkOptions(options: SimulateOptions): void {
  const bad = (field: string, why: string): never => {
    throw new DriftlineError('INPUT_INVALID', `simulate: ${field}: ${why}`, { details: { field } });
  };
  if (!(Number.isFinite(options.rate) && options.rate > 0)) bad('rate', `must be a positive number of events per second, got ${options.rate}`);
  if (!(options.durationMs > 0)) bad('durationMs', `must be greater than 0, got ${options.durationMs}`);
  if (options.maxEvents !== undefined && !(Number.isInteger(options.maxEvents) && options.maxEvents >= 1)) bad('maxEvents', `must be a positive integer, got ${options.maxEvents}`);
  if (!Number.isFinite(options.durationMs) && options.maxEvents === undefined) bad('durationMs', 'an unbounded run needs maxEvents (a simulation always stops by itself)');
  if (!(Number.isFinite(options.startMs) && options.startMs >= 946_684_800_000)) bad('startMs', `must be ms since the epoch, got ${options.startMs}`);
  const timeScale = options.timeScale ?? 1;
  if (!(Number.isFinite(timeScale) && timeScale > 0)) bad('timeScale', `must be a positive number, got ${timeScale}`);
  if (!Number.isInteger(options.seed)) bad('seed', `must be an integer, got ${options.seed}`);
}

/**
 * Simulates traffic for a scenario: requests at `rate` per wall second
 * (modulated by rate seasonality), each an applicant drawn from the drifted
 * population at that instant, the label drawn from the true process under the
 * concept in force, then data-quality incidents, label noise, coverage and
 * delay, and — for Kafka mode — model outputs, latency and status.
 *
 * Deterministic for a seed and startMs: separate random streams for rows,
 * labels, incidents, service outcome, label fate, delays and prediction ids,
 * so e.g. a concept drift leaves the rows exactly as they were. Prediction
 * ids are UUIDv7 of the event time with seeded random bits.
 */
export function simulate(scenario: Scenario, options: SimulateOptions): Simulation {
  checkOptions(options);
  const timeScale = options.timeScale ?? 1;
  const plan = planScenario(scenario, options.durationMs * timeScale);
  const warnings: string[] = [];
  for (const e of plan.effects) {
    if (e.startMs >= plan.runSimMs) warnings.push(`effects[${e.index}] (${e.type}) starts at ${formatSim(e.startMs)} on the scenario clock, after the run ends (${formatSim(plan.runSimMs)}): it never applies`);
  }
  return {
    plan,
    timeScale,
    peakRatePerSec: options.rate * peakRateMultiplier(plan),
    warnings,
    [Symbol.iterator]: () => generateItems(plan, options, timeScale),
  };
}

function* generateItems(plan: ScenarioPlan, options: SimulateOptions, timeScale: number): Generator<SimulatedItem> {
  const root = createRng(options.seed);
  // Fork order is part of the determinism contract: append new streams at the end.
  const rowRng = root.fork();
  const labelRng = root.fork();
  const incidentRng = root.fork();
  const opsRng = root.fork();
  const fateRng = root.fork();
  const delayRng = root.fork();
  const idRng = root.fork();
  const model = options.model ?? DEMO_MODEL_NAME;
  const modelVersion = options.modelVersion ?? '1';
  const node = options.node ?? 'simulator';
  const maxEvents = options.maxEvents ?? Infinity;

  let offsetMs = 0;
  for (let index = 0; index < maxEvents && offsetMs < options.durationMs; index++) {
    const simMs = offsetMs * timeScale;
    const conditions = conditionsAt(plan, simMs);
    const row = sampleRow(rowRng, conditions.drift);
    const trueValue = sampleLabel(row, labelRng, conditions.concept);
    const { instance, applied, requestValid } = applyIncidents(row, conditions.incidents, incidentRng);
    const outcome = serviceOutcome(conditions, opsRng);
    const covered = fateRng.next() < conditions.labelCoverage;
    const flipped = fateRng.next() < conditions.labelNoise;
    const delaySimMs = sampleDelayMs(conditions.labelDelay, delayRng);
    const ts = Math.floor(options.startMs + offsetMs);
    const predictionId = uuidv7({ msecs: ts, random: randomBytes(idRng) });
    const delayMs = delaySimMs / timeScale;
    const event: PredictionEvent = {
      schema_version: 1,
      prediction_id: predictionId,
      model,
      model_version: modelVersion,
      ts,
      features: instance,
      outputs: outcome.failed ? {} : scoreInstance(instance),
      latency_ms: outcome.latencyMs,
      status: outcome.failed ? 'error' : 'ok',
      ...(outcome.failed ? { error: conditions.errorMessage } : {}),
      node,
      execution_provider: 'simulated',
    };
    yield {
      index,
      offsetMs,
      simMs,
      ts,
      row,
      instance,
      incidents: applied,
      requestValid,
      event,
      label: {
        trueValue,
        value: flipped ? ((1 - trueValue) as 0 | 1) : trueValue,
        flipped,
        covered,
        delaySimMs,
        delayMs,
        dueOffsetMs: offsetMs + delayMs,
        ts: Math.floor(options.startMs + offsetMs + delayMs),
      },
    };
    offsetMs += 1_000 / (options.rate * conditions.rateMultiplier);
  }
}

function randomBytes(rng: Rng): Uint8Array {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i += 4) {
    const word = Math.floor(rng.next() * 4294967296);
    bytes[i] = word >>> 24;
    bytes[i + 1] = (word >>> 16) & 0xff;
    bytes[i + 2] = (word >>> 8) & 0xff;
    bytes[i + 3] = word & 0xff;
  }
  return bytes;
}

/** A scenario-clock span for messages: "90 s", "45 min", "6 h", "2.5 d". */
export function formatSim(ms: number): string {
  if (!Number.isFinite(ms)) return 'unbounded';
  if (ms < 120_000) return `${+(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${+(ms / 60_000).toFixed(1)} min`;
  if (ms < 172_800_000) return `${+(ms / 3_600_000).toFixed(1)} h`;
  return `${+(ms / 86_400_000).toFixed(1)} d`;
}
