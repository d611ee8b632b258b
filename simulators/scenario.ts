import { DriftlineError } from '../libs/errors/errors.ts';
import {
  BASE_CATEGORY_WEIGHTS, CATEGORICAL_FEATURES, CATEGORY_DOMAINS, type CategoricalFeature, type Concept, type CovariateDrift,
  NUMERIC_FEATURES, type NumericFeature, TRUE_CONCEPT,
} from '../libs/model/credit-domain.ts';
import { type Coefficients, type DelayDistribution, type Effect, type QualityKind, type Scenario, type TimeSpec } from './scenario-schema.ts';

export { parseScenario, parseScenarioJson, type Scenario, type ScenarioInput } from './scenario-schema.ts';

/**
 * The pure core of the simulator: a validated Scenario is resolved against a
 * run (its length on the scenario clock), and `conditionsAt(plan, simMs)`
 * says what the world looks like at one instant — the covariate shift, the
 * concept, the active data-quality incidents, the rate multiplier, the
 * latency/error shaping and the label delay, noise and coverage. Several
 * effects may be active at once; how they combine is documented per field of
 * Conditions.
 */

/** An effect with its times resolved to scenario-clock ms. */
export type PlannedEffect = Effect & { index: number; startMs: number; endMs: number; rampMs: number };

export interface ScenarioPlan {
  scenario: Scenario;
  /** Length of the run on the scenario clock (Infinity when only bounded by an event count). */
  runSimMs: number;
  effects: PlannedEffect[];
}

/** A data-quality incident in force, with its share already scaled by its intensity. */
export interface ActiveIncident {
  kind: QualityKind;
  feature: string;
  share: number;
  value?: number | string | undefined;
  renameTo?: string | undefined;
}

export interface Conditions {
  /** Covariate shift: affine changes compose in effect order (then seasonality adds its shift); category mixes are blended in order by intensity. */
  drift: CovariateDrift;
  /** The true process: TRUE_CONCEPT with every active conceptDrift applied in order (delta added, set blended in, each × intensity). */
  concept: Concept;
  /** Every active incident, applied independently in effect order. */
  incidents: ActiveIncident[];
  /** Product of the active rate seasonalities (1 when none). */
  rateMultiplier: number;
  /** Every active latency spike: each adds extraMs to a `share` of events independently. */
  latencySpikes: Array<{ extraMs: number; share: number }>;
  /** Share of events that fail: 1 − Π(1 − share) over active error bursts. */
  errorShare: number;
  errorMessage: string;
  /** Label delay on the scenario clock; the last active labelDelay wins; default: immediate. */
  labelDelay: DelayDistribution;
  /** Share of labels flipped; the last active labelNoise wins; default 0. */
  labelNoise: number;
  /** Share of predictions that ever get a label; the last active labelCoverage wins; default 1. */
  labelCoverage: number;
}

const IMMEDIATE: DelayDistribution = { kind: 'fixed', delay: 0 };

function resolveTime(spec: TimeSpec | undefined, fallback: number, runSimMs: number, where: string): number {
  if (spec === undefined) return fallback;
  if ('ms' in spec) return spec.ms;
  if (!Number.isFinite(runSimMs)) throw new DriftlineError('INPUT_INVALID', `${where}: ${spec.fraction * 100}% of the run needs a run duration (give a duration, or write the time as a duration like "2h")`, { details: { field: where } });
  return spec.fraction * runSimMs;
}

/**
 * Resolves the effects' start, end and ramp to scenario-clock ms for a run of
 * `runSimMs` (wall duration × time scale). Throws INPUT_INVALID naming the
 * effect when a share of the run is used without a finite run, or an effect
 * ends before it starts.
 */
export function planScenario(scenario: Scenario, runSimMs: number): ScenarioPlan {
  const effects = scenario.effects.map((effect, index): PlannedEffect => {
    const at = (field: string) => `effects[${index}].${field}`;
    const startMs = resolveTime(effect.start, 0, runSimMs, at('start'));
    const endMs = resolveTime(effect.end, Infinity, runSimMs, at('end'));
    if (!(endMs > startMs)) throw new DriftlineError('INPUT_INVALID', `${at('end')}: must be after start (${startMs} ms), got ${endMs} ms`, { details: { field: at('end') } });
    const rampMs = 'ramp' in effect ? resolveTime(effect.ramp, 0, runSimMs, at('ramp')) : 0;
    return { ...effect, index, startMs, endMs, rampMs };
  });
  return { scenario, runSimMs, effects };
}

/** How strongly an effect applies at `simMs`: 0 outside [start, end), 1 when sudden, a linear ramp from 0 to 1 when gradual. */
export function intensityAt(effect: Pick<PlannedEffect, 'startMs' | 'endMs' | 'rampMs'>, simMs: number): number {
  if (simMs < effect.startMs || simMs >= effect.endMs) return 0;
  if (effect.rampMs <= 0) return 1;
  return Math.min(1, (simMs - effect.startMs) / effect.rampMs);
}

/** The world at one instant of the scenario clock. Pure: same plan and time, same conditions. */
export function conditionsAt(plan: ScenarioPlan, simMs: number): Conditions {
  const numeric: Partial<Record<NumericFeature, { shift: number; scale: number }>> = {};
  const weights: Partial<Record<CategoricalFeature, number[]>> = {};
  let concept = TRUE_CONCEPT;
  const conditions: Conditions = {
    drift: {},
    concept,
    incidents: [],
    rateMultiplier: 1,
    latencySpikes: [],
    errorShare: 0,
    errorMessage: 'simulated error burst',
    labelDelay: IMMEDIATE,
    labelNoise: 0,
    labelCoverage: 1,
  };
  const affine = (f: NumericFeature, scale: number, shift: number) => {
    const cur = numeric[f] ?? { shift: 0, scale: 1 };
    // (x·s1 + t1)·s2 + t2
    numeric[f] = { scale: cur.scale * scale, shift: cur.shift * scale + shift };
  };
  let survive = 1;
  for (const effect of plan.effects) {
    const k = intensityAt(effect, simMs);
    if (k <= 0) continue;
    switch (effect.type) {
      case 'covariateShift':
        for (const [feature, change] of Object.entries(effect.features)) {
          if (!change) continue;
          if ((CATEGORICAL_FEATURES as string[]).includes(feature)) {
            const f = feature as CategoricalFeature;
            const domain = CATEGORY_DOMAINS[f] as readonly string[];
            const target = domain.map((c) => change.weights?.[c] ?? 0);
            const total = target.reduce((a, b) => a + b, 0);
            const current = weights[f] ?? [...BASE_CATEGORY_WEIGHTS[f]];
            weights[f] = current.map((w, i) => (1 - k) * w + (k * target[i]!) / total);
          } else {
            affine(feature as NumericFeature, 1 + ((change.scale ?? 1) - 1) * k, (change.shift ?? 0) * k);
          }
        }
        break;
      case 'conceptDrift':
        if (effect.delta) concept = addCoefficients(concept, effect.delta, k);
        if (effect.set) concept = blendCoefficients(concept, effect.set, k);
        break;
      case 'seasonality': {
        const wave = Math.sin(2 * Math.PI * ((simMs - effect.startMs) / effect.period + effect.phase));
        if (effect.target === 'rate') conditions.rateMultiplier *= 1 + effect.amplitude * wave;
        else affine(effect.target, 1, effect.amplitude * wave);
        break;
      }
      case 'qualityIncident':
        conditions.incidents.push({ kind: effect.kind, feature: effect.feature, share: effect.share * k, value: effect.value, renameTo: effect.renameTo });
        break;
      case 'latencySpike':
        conditions.latencySpikes.push({ extraMs: effect.extraMs, share: effect.share * k });
        break;
      case 'errorBurst':
        survive *= 1 - effect.share * k;
        if (effect.message) conditions.errorMessage = effect.message;
        break;
      case 'labelDelay':
        conditions.labelDelay = effect.distribution;
        break;
      case 'labelNoise':
        conditions.labelNoise = effect.share;
        break;
      case 'labelCoverage':
        conditions.labelCoverage = effect.share;
        break;
    }
  }
  conditions.errorShare = 1 - survive;
  conditions.concept = concept;
  const drift: CovariateDrift = {};
  if (Object.keys(numeric).length > 0) drift.numeric = numeric;
  if (Object.keys(weights).length > 0) {
    drift.categoryWeights = {};
    for (const [f, w] of Object.entries(weights) as Array<[CategoricalFeature, number[]]>) {
      drift.categoryWeights[f] = Object.fromEntries((CATEGORY_DOMAINS[f] as readonly string[]).map((c, i) => [c, w[i]!]));
    }
  }
  conditions.drift = drift;
  return conditions;
}

/**
 * The highest rate multiplier the plan can reach (an upper bound: the product
 * of 1 + amplitude over rate seasonalities), for sizing rate limiters.
 */
export function peakRateMultiplier(plan: ScenarioPlan): number {
  let peak = 1;
  for (const e of plan.effects) if (e.type === 'seasonality' && e.target === 'rate') peak *= 1 + e.amplitude;
  return peak;
}

function addCoefficients(base: Concept, delta: Coefficients, k: number): Concept {
  const numeric = { ...base.numeric };
  for (const f of NUMERIC_FEATURES) numeric[f] += (delta.numeric?.[f] ?? 0) * k;
  const categorical = { ...base.categorical };
  for (const f of CATEGORICAL_FEATURES) {
    const changes = delta.categorical?.[f];
    if (!changes) continue;
    categorical[f] = { ...base.categorical[f] };
    for (const [c, d] of Object.entries(changes)) categorical[f][c] = (base.categorical[f][c] ?? 0) + d * k;
  }
  return { intercept: base.intercept + (delta.intercept ?? 0) * k, numeric, categorical };
}

function blendCoefficients(base: Concept, target: Coefficients, k: number): Concept {
  const mix = (from: number, to: number | undefined) => (to === undefined ? from : from + (to - from) * k);
  const numeric = { ...base.numeric };
  for (const f of NUMERIC_FEATURES) numeric[f] = mix(base.numeric[f], target.numeric?.[f]);
  const categorical = { ...base.categorical };
  for (const f of CATEGORICAL_FEATURES) {
    const changes = target.categorical?.[f];
    if (!changes) continue;
    categorical[f] = { ...base.categorical[f] };
    for (const [c, v] of Object.entries(changes)) categorical[f][c] = mix(base.categorical[f][c] ?? 0, v);
  }
  return { intercept: mix(base.intercept, target.intercept), numeric, categorical };
}
