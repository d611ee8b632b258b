import { z } from 'zod';
import { parseDurationMs } from '../../libs/config/duration.ts';

/**
 * When is retraining due? A declarative policy per model, evaluated
 * continuously by the trigger loop (trigger-loop.ts) against what ClickHouse
 * knows. This file is the pure part: the schema and the decision.
 *
 * A decision fires when at least one CONDITION is met (drift, quality drop,
 * validation violations) and every GATE passes (enough labelled rows, the
 * cooldown since the last firing has passed, fewer than max_concurrent
 * trainings running). Every evaluation is recorded with the observed values,
 * so "why did (or didn't) it retrain?" has an answer in trigger_decisions.
 */

const duration = z.union([z.string(), z.number().int().nonnegative()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v : parseDurationMs(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `'${v}' is not a duration (e.g. 30s, 15m, 6h, 7d)` });
    return z.NEVER;
  }
  return ms;
});
/** A duration field with a default written as text ('1h'), compiled to ms like every other duration. */
const durationOr = (fallback: string) => duration.default(parseDurationMs(fallback)!);

export const modelPolicySchema = z
  .object({
    /** PSI ≥ psi_threshold on any watched feature for `consecutive_windows` closed drift windows in a row. */
    drift: z
      .object({
        psi_threshold: z.number().positive().default(0.2),
        /** The watched features (list the model's top-k by importance here); empty = every feature of the model. */
        features: z.array(z.string().min(1)).default([]),
        consecutive_windows: z.number().int().min(1).max(1000).default(3),
      })
      .strict()
      .optional(),
    /** Live quality below the version's baseline by more than max_drop, over at least min_labels joined rows. */
    quality: z
      .object({
        metric: z.enum(['roc_auc', 'accuracy', 'f1']).default('roc_auc'),
        max_drop: z.number().positive().max(1).default(0.05),
        min_labels: z.number().int().min(1).default(200),
        /** The span of recent predictions (by prediction time) the live metric is computed over. */
        lookback: durationOr('1h'),
      })
      .strict()
      .optional(),
    /** Share of events violating the schema above max_rate for consecutive_windows windows. */
    validation: z
      .object({
        max_rate: z.number().positive().max(1).default(0.05),
        consecutive_windows: z.number().int().min(1).max(1000).default(2),
      })
      .strict()
      .optional(),
    /**
     * Gate: a condition must have held at every evaluation for this long before
     * firing (like a Prometheus rule's `for:`). It rides out a blip, and it
     * lets the candidate window fill with data from after the change.
     */
    sustain: durationOr('0s'),
    /** Gate: the candidate dataset must hold at least this many labelled rows. */
    min_labelled_rows: z.number().int().min(1).default(500),
    /** Gate: no second firing within this long of the last one. */
    cooldown: durationOr('1h'),
    /** Gate: at most this many training jobs of the model queued or running. */
    max_concurrent: z.number().int().min(1).max(100).default(1),
    /** The candidate dataset: labelled rows of the last `lookback` of prediction time. */
    candidate_lookback: durationOr('6h'),
  })
  .strict();

export type ModelPolicy = z.infer<typeof modelPolicySchema>;

/** The policy file: per-model policies and a default for models not listed (null = those are never retrained). */
export const triggerPolicyFileSchema = z
  .object({
    default: modelPolicySchema.nullable().default(null),
    models: z.record(z.string().min(1), modelPolicySchema).default({}),
  })
  .strict();

export type TriggerPolicyFile = z.infer<typeof triggerPolicyFileSchema>;

/** What the trigger loop observed for one model at one moment. */
export interface PolicyObservation {
  model: string;
  /** The version serving as champion, whose windows are judged. */
  version: string;
  /** Per feature, PSI of the newest closed windows of `version`, newest first (null = not computed). */
  psiByFeature: ReadonlyMap<string, readonly (number | null)[]>;
  /** Live metric over the quality lookback, with its label count; undefined when unknown. */
  liveQuality?: { value: number | null; labels: number };
  /** The version's baseline for the quality metric (training holdout); undefined when unknown. */
  baselineQuality?: number;
  /** Validation violation rate (events with ≥1 violation / events) of the newest windows, newest first. */
  violationRates: readonly number[];
  /** Labelled rows the candidate dataset would hold now. */
  labelledRows: number;
  /** When this model's policy last fired, if ever. */
  lastFiredAtMs?: number;
  /** Training jobs of the model queued or running. */
  activeJobs: number;
  /** Since when some condition has been met at every evaluation (kept by the trigger loop); undefined = not met before now. */
  conditionsMetSinceMs?: number;
}

/** One rule's verdict, recorded as is. */
export interface RuleOutcome {
  rule: string;
  observed: number | string | null;
  threshold: number | string;
  met: boolean;
}

export interface TriggerDecision {
  fire: boolean;
  /** Conditions, met or not. */
  reasons: RuleOutcome[];
  /** Gates that blocked a firing (empty when fired or when no condition was met). */
  blockedBy: RuleOutcome[];
  /** A one-line summary for logs and lineage. */
  summary: string;
}

/** Evaluates a model's policy against an observation at `nowMs`. */
export function evaluatePolicy(policy: ModelPolicy, obs: PolicyObservation, nowMs: number): TriggerDecision {
  const reasons: RuleOutcome[] = [];

  if (policy.drift) {
    const { psi_threshold: threshold, consecutive_windows: k } = policy.drift;
    const watched = policy.drift.features.length > 0 ? policy.drift.features : [...obs.psiByFeature.keys()].sort();
    let worst: { feature: string; run: number; psi: number | null } | undefined;
    for (const feature of watched) {
      const series = obs.psiByFeature.get(feature) ?? [];
      const run = leadingRun(series, (psi) => psi !== null && psi >= threshold);
      const psi = series[0] ?? null;
      if (!worst || run > worst.run || (run === worst.run && (psi ?? -1) > (worst.psi ?? -1))) worst = { feature, run, psi };
    }
    reasons.push({
      rule: `drift: psi >= ${threshold} for ${k} consecutive windows`,
      observed: worst ? `${worst.feature}: ${worst.run} window(s), latest psi ${worst.psi === null ? 'n/a' : worst.psi.toFixed(4)}` : 'no drift windows',
      threshold: k,
      met: worst !== undefined && worst.run >= k,
    });
  }

  if (policy.quality) {
    const { metric, max_drop: maxDrop, min_labels: minLabels } = policy.quality;
    const live = obs.liveQuality;
    const baseline = obs.baselineQuality;
    const enough = live !== undefined && live.labels >= minLabels && live.value !== null;
    const drop = enough && baseline !== undefined ? baseline - live.value! : null;
    reasons.push({
      rule: `quality: ${metric} drop vs baseline > ${maxDrop} with >= ${minLabels} labels`,
      observed:
        live === undefined || baseline === undefined
          ? 'unknown'
          : `${metric} ${live.value === null ? 'n/a' : live.value.toFixed(4)} vs baseline ${baseline.toFixed(4)} over ${live.labels} labels`,
      threshold: maxDrop,
      met: drop !== null && drop > maxDrop,
    });
  }

  if (policy.validation) {
    const { max_rate: maxRate, consecutive_windows: k } = policy.validation;
    const run = leadingRun(obs.violationRates, (rate) => rate > maxRate);
    reasons.push({
      rule: `validation: violation rate > ${maxRate} for ${k} consecutive windows`,
      observed: `${run} window(s), latest rate ${obs.violationRates[0]?.toFixed(4) ?? 'n/a'}`,
      threshold: k,
      met: run >= k,
    });
  }

  const triggered = reasons.some((r) => r.met);
  const metFor = nowMs - (obs.conditionsMetSinceMs ?? nowMs);
  const gates: RuleOutcome[] = [
    { rule: 'sustain', observed: `${Math.round(metFor / 1000)} s met`, threshold: `${Math.round(policy.sustain / 1000)} s`, met: metFor >= policy.sustain },
    { rule: 'min_labelled_rows', observed: obs.labelledRows, threshold: policy.min_labelled_rows, met: obs.labelledRows >= policy.min_labelled_rows },
    {
      rule: 'cooldown',
      observed: obs.lastFiredAtMs === undefined ? 'never fired' : `${Math.round((nowMs - obs.lastFiredAtMs) / 1000)} s since last firing`,
      threshold: `${Math.round(policy.cooldown / 1000)} s`,
      met: obs.lastFiredAtMs === undefined || nowMs - obs.lastFiredAtMs >= policy.cooldown,
    },
    { rule: 'max_concurrent', observed: obs.activeJobs, threshold: policy.max_concurrent, met: obs.activeJobs < policy.max_concurrent },
  ];
  const blockedBy = triggered ? gates.filter((g) => !g.met) : [];
  const fire = triggered && blockedBy.length === 0;
  const metRules = reasons.filter((r) => r.met).map((r) => r.rule.split(':')[0]);
  const summary = fire
    ? `fire: ${metRules.join(', ')}`
    : triggered
      ? `blocked by ${blockedBy.map((g) => g.rule).join(', ')} (${metRules.join(', ')} met)`
      : 'no condition met';
  return { fire, reasons, blockedBy, summary };
}

/** Length of the run of leading elements satisfying `test` (series are newest first). */
function leadingRun<T>(series: readonly T[], test: (v: T) => boolean): number {
  let n = 0;
  while (n < series.length && test(series[n]!)) n++;
  return n;
}

/** The policy for a model: its own, else the default (undefined = never retrain). */
export function policyFor(file: TriggerPolicyFile, model: string): ModelPolicy | undefined {
  return file.models[model] ?? file.default ?? undefined;
}
