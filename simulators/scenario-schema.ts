import { z } from 'zod';
import { parseDurationMs } from '../libs/config/duration.ts';
import { DriftlineError } from '../libs/errors/errors.ts';
import { CATEGORICAL_FEATURES, CATEGORY_DOMAINS, type CategoricalFeature, NUMERIC_FEATURES } from '../libs/model/credit-domain.ts';

/**
 * The scenario file format (JSON), validated with zod. A scenario is a list of
 * effects scheduled on the SCENARIO CLOCK (simulated time; the run's time
 * scale compresses it into wall time). Times are written as ms, as durations
 * ("90s", "2h", "3d") or as a share of the run ("40%"), so presets fit any
 * run length. Every object is strict: an unknown field is an error naming it.
 */

/** A point or span on the scenario clock: absolute simulated ms, or a share of the run's simulated length. */
export type TimeSpec = { ms: number } | { fraction: number };

const PERCENT = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/;

/** A time on the scenario clock: ms, a duration string, or (when `allowShare`) a share of the run like "40%". */
function timeSpec(allowShare: boolean) {
  const expected = allowShare ? 'a duration like "90s", "2h", "3d", ms as a number, or a share of the run like "40%"' : 'a duration like "90s", "2h", "3d" or ms as a number';
  return z.union([z.number(), z.string()]).transform((value, ctx): TimeSpec => {
    if (typeof value === 'number') {
      if (Number.isFinite(value) && value >= 0) return { ms: value };
      ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${value}` });
      return z.NEVER;
    }
    const percent = PERCENT.exec(value);
    if (percent && allowShare) {
      const share = Number(percent[1]) / 100;
      if (share <= 1) return { fraction: share };
      ctx.addIssue({ code: 'custom', message: `a share of the run must be at most 100%, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    const ms = parseDurationMs(value);
    if (ms !== undefined) return { ms };
    ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${JSON.stringify(value)}` });
    return z.NEVER;
  });
}
const when = timeSpec(true);
const duration = timeSpec(false).transform((t) => (t as { ms: number }).ms);
const positiveDuration = duration.refine((ms) => ms > 0, 'must be longer than 0');

const share = z.number().min(0, 'must be a share in [0, 1]').max(1, 'must be a share in [0, 1]');
const positiveShare = share.refine((s) => s > 0, 'must be greater than 0');
const numericFeature = z.enum(NUMERIC_FEATURES);
const categoricalFeature = z.enum(CATEGORICAL_FEATURES as [CategoricalFeature, ...CategoricalFeature[]]);
const anyFeature = z.enum([...NUMERIC_FEATURES, ...CATEGORICAL_FEATURES] as [string, ...string[]]);
const isCategorical = (f: string): f is CategoricalFeature => (CATEGORICAL_FEATURES as string[]).includes(f);

/** `start` (default: the beginning) and `end` (default: the end of the run) of an effect. */
const timing = { start: when.optional(), end: when.optional() };
/** Sudden effects apply fully at `start`; gradual ones grow linearly over `ramp`. */
const rampable = { ...timing, mode: z.enum(['sudden', 'gradual']).default('sudden'), ramp: when.optional() };

function checkRamp(effect: { mode: 'sudden' | 'gradual'; ramp?: TimeSpec | undefined }, ctx: z.RefinementCtx): void {
  if (effect.mode === 'gradual' && effect.ramp === undefined) ctx.addIssue({ code: 'custom', path: ['ramp'], message: 'mode "gradual" needs a ramp (how long the effect takes to reach full strength)' });
  if (effect.mode === 'sudden' && effect.ramp !== undefined) ctx.addIssue({ code: 'custom', path: ['ramp'], message: 'a ramp only applies to mode "gradual"' });
  if (effect.ramp !== undefined && ('ms' in effect.ramp ? effect.ramp.ms : effect.ramp.fraction) <= 0) ctx.addIssue({ code: 'custom', path: ['ramp'], message: 'must be longer than 0' });
}

/** Categories named must be in the feature's domain (a category the model never saw is a qualityIncident of kind new_category). */
function checkCategories(feature: CategoricalFeature, names: string[], ctx: z.RefinementCtx, path: PropertyKey[]): void {
  const domain = CATEGORY_DOMAINS[feature] as readonly string[];
  for (const name of names) {
    if (!domain.includes(name)) ctx.addIssue({ code: 'custom', path: [...path, name], message: `unknown category of ${feature} (known: ${domain.join(', ')}; a new category is a qualityIncident of kind new_category)` });
  }
}

const featureChange = z.strictObject({
  shift: z.number().optional(),
  scale: z.number().optional(),
  /** Relative weights of the categories; categories left out get weight 0. */
  weights: z.record(z.string(), z.number().min(0, 'weights must be >= 0')).optional(),
});

const covariateShift = z
  .strictObject({ type: z.literal('covariateShift'), ...rampable, features: z.partialRecord(anyFeature, featureChange) })
  .superRefine((effect, ctx) => {
    checkRamp(effect, ctx);
    const entries = Object.entries(effect.features);
    if (entries.length === 0) ctx.addIssue({ code: 'custom', path: ['features'], message: 'name at least one feature to shift' });
    for (const [feature, change] of entries) {
      const path = ['features', feature];
      if (!change) continue;
      if (isCategorical(feature)) {
        if (change.shift !== undefined || change.scale !== undefined) ctx.addIssue({ code: 'custom', path, message: `${feature} is categorical: shift it with "weights", not shift/scale` });
        if (change.weights === undefined) ctx.addIssue({ code: 'custom', path: [...path, 'weights'], message: `${feature} is categorical: give the new category mix as weights` });
        else {
          checkCategories(feature, Object.keys(change.weights), ctx, [...path, 'weights']);
          if (!Object.values(change.weights).some((w) => w > 0)) ctx.addIssue({ code: 'custom', path: [...path, 'weights'], message: 'at least one weight must be greater than 0' });
        }
      } else {
        if (change.weights !== undefined) ctx.addIssue({ code: 'custom', path: [...path, 'weights'], message: `${feature} is numeric: shift it with shift/scale, not weights` });
        if (change.shift === undefined && change.scale === undefined) ctx.addIssue({ code: 'custom', path, message: 'give shift and/or scale (value becomes value·scale + shift)' });
      }
    }
  });

/** Coefficients of the true logistic process (see libs/model/credit-domain.ts TRUE_CONCEPT). */
const coefficients = z
  .strictObject({
    intercept: z.number().optional(),
    numeric: z.partialRecord(numericFeature, z.number()).optional(),
    categorical: z.partialRecord(categoricalFeature, z.record(z.string(), z.number())).optional(),
  })
  .superRefine((c, ctx) => {
    for (const [feature, effects] of Object.entries(c.categorical ?? {})) {
      checkCategories(feature as CategoricalFeature, Object.keys(effects ?? {}), ctx, ['categorical', feature]);
    }
  });
export type Coefficients = z.output<typeof coefficients>;

const conceptDrift = z
  .strictObject({
    type: z.literal('conceptDrift'),
    ...rampable,
    /** Added to the current coefficients. */
    delta: coefficients.optional(),
    /** Replaces the current coefficients (a new concept). Applied after `delta`. */
    set: coefficients.optional(),
  })
  .superRefine((effect, ctx) => {
    checkRamp(effect, ctx);
    if (effect.delta === undefined && effect.set === undefined) ctx.addIssue({ code: 'custom', path: ['delta'], message: 'give delta (coefficients to add) and/or set (coefficients to replace)' });
  });

const seasonality = z
  .strictObject({
    type: z.literal('seasonality'),
    ...timing,
    /** "rate" (amplitude relative, in (0, 1)) or a numeric feature (amplitude in the feature's units). */
    target: z.union([z.literal('rate'), numericFeature]),
    period: positiveDuration,
    amplitude: z.number(),
    /** Where in the cycle the effect starts, as a share of the period. */
    phase: share.default(0),
  })
  .superRefine((effect, ctx) => {
    if (effect.target === 'rate' && !(effect.amplitude > 0 && effect.amplitude < 1)) ctx.addIssue({ code: 'custom', path: ['amplitude'], message: 'a rate amplitude is relative and must be in (0, 1)' });
  });

export const QUALITY_KINDS = ['nulls', 'out_of_range', 'new_category', 'renamed_feature', 'missing_feature', 'wrong_type'] as const;
export type QualityKind = (typeof QUALITY_KINDS)[number];

const qualityIncident = z
  .strictObject({
    type: z.literal('qualityIncident'),
    ...timing,
    kind: z.enum(QUALITY_KINDS),
    feature: anyFeature,
    /** Share of the events affected while the incident lasts. */
    share: positiveShare,
    /** The value sent: for out_of_range (default: above the schema maximum) and new_category (default "unknown"). */
    value: z.union([z.number(), z.string().min(1).max(200)]).optional(),
    /** The new name for renamed_feature (default "<feature>_v2"). */
    renameTo: z.string().min(1).max(200).optional(),
  })
  .superRefine((effect, ctx) => {
    const categorical = isCategorical(effect.feature);
    if (effect.kind === 'out_of_range' && categorical) ctx.addIssue({ code: 'custom', path: ['feature'], message: `out_of_range needs a numeric feature; ${effect.feature} is categorical (use new_category)` });
    if (effect.kind === 'new_category' && !categorical) ctx.addIssue({ code: 'custom', path: ['feature'], message: `new_category needs a categorical feature; ${effect.feature} is numeric (use out_of_range)` });
    if (effect.value !== undefined) {
      if (effect.kind !== 'out_of_range' && effect.kind !== 'new_category') ctx.addIssue({ code: 'custom', path: ['value'], message: 'value only applies to kinds out_of_range and new_category' });
      else if (effect.kind === 'out_of_range' && typeof effect.value !== 'number') ctx.addIssue({ code: 'custom', path: ['value'], message: 'out_of_range value must be a number' });
      else if (effect.kind === 'new_category' && (typeof effect.value !== 'string' || (CATEGORY_DOMAINS[effect.feature as CategoricalFeature] as readonly string[]).includes(effect.value))) {
        ctx.addIssue({ code: 'custom', path: ['value'], message: `new_category value must be a string outside the domain of ${effect.feature}` });
      }
    }
    if (effect.renameTo !== undefined) {
      if (effect.kind !== 'renamed_feature') ctx.addIssue({ code: 'custom', path: ['renameTo'], message: 'renameTo only applies to kind renamed_feature' });
      else if (([...NUMERIC_FEATURES, ...CATEGORICAL_FEATURES] as string[]).includes(effect.renameTo)) ctx.addIssue({ code: 'custom', path: ['renameTo'], message: `${effect.renameTo} is already a feature name` });
    }
  });

const latencySpike = z.strictObject({
  type: z.literal('latencySpike'),
  ...timing,
  extraMs: z.number().gt(0, 'must be greater than 0').max(600_000, 'must be at most 600000 (10 minutes)'),
  share: positiveShare,
});

const errorBurst = z.strictObject({ type: z.literal('errorBurst'), ...timing, share: positiveShare, message: z.string().min(1).max(500).optional() });

const delayDistribution = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), delay: duration }),
  z.strictObject({ kind: z.literal('exponential'), mean: positiveDuration }),
  z.strictObject({ kind: z.literal('lognormal'), median: positiveDuration, sigma: z.number().gt(0, 'must be greater than 0').max(5, 'must be at most 5') }),
]);
export type DelayDistribution = z.output<typeof delayDistribution>;

const labelDelay = z.strictObject({ type: z.literal('labelDelay'), ...timing, distribution: delayDistribution });
const labelNoise = z.strictObject({ type: z.literal('labelNoise'), ...timing, share });
const labelCoverage = z.strictObject({ type: z.literal('labelCoverage'), ...timing, share });

export const effectSchema = z.discriminatedUnion('type', [
  covariateShift, conceptDrift, seasonality, qualityIncident, latencySpike, errorBurst, labelDelay, labelNoise, labelCoverage,
]);
export type Effect = z.output<typeof effectSchema>;
export type EffectType = Effect['type'];
export type EffectOf<T extends EffectType> = Extract<Effect, { type: T }>;

export const scenarioSchema = z.strictObject({
  name: z.string().min(1).max(100).default('custom'),
  description: z.string().max(2_000).optional(),
  /** Defaults a run may override: events per wall second, wall duration, scenario ms per wall ms. */
  rate: z.number().gt(0, 'must be greater than 0').max(1_000_000).optional(),
  duration: positiveDuration.optional(),
  timeScale: z.number().gt(0, 'must be greater than 0').max(10_000_000).optional(),
  effects: z.array(effectSchema).max(1_000).default([]),
});
/** A validated scenario: times are TimeSpecs, durations are ms. */
export type Scenario = z.output<typeof scenarioSchema>;
/** A scenario as written in JSON (or in code, before parsing). */
export type ScenarioInput = z.input<typeof scenarioSchema>;

/** Records keyed by feature name, for naming what an unknown key could have been. */
const KNOWN_KEYS: Record<string, readonly string[]> = {
  features: [...NUMERIC_FEATURES, ...CATEGORICAL_FEATURES],
  numeric: NUMERIC_FEATURES,
  categorical: CATEGORICAL_FEATURES,
};

/** `effects.2.share` → `effects[2].share`, the way a reader finds it in the file. */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || '(root)';
}

/**
 * Validates a scenario (already parsed from JSON). Throws INPUT_INVALID whose
 * message names the source, the first bad field and what was wrong with it,
 * e.g. `scenario spike.json: effects[1].share: must be a share in [0, 1]`.
 */
export function parseScenario(input: unknown, source = 'scenario'): Scenario {
  const result = scenarioSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  let where = issuePath(issue.path);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    where = issuePath([...issue.path, issue.keys[0]!]);
    const known = KNOWN_KEYS[String(issue.path.at(-1))];
    message = known ? `unknown feature (known here: ${known.join(', ')})` : 'unknown field';
  }
  const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more)` : '';
  throw new DriftlineError('INPUT_INVALID', `${source}: ${where}: ${message}${more}`, { details: { field: where } });
}

/** Parses scenario JSON text (see parseScenario); a JSON syntax error is INPUT_INVALID too. */
export function parseScenarioJson(text: string, source = 'scenario'): Scenario {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DriftlineError('INPUT_INVALID', `${source}: not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseScenario(json, source);
}
