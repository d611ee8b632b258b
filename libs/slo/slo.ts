import { z } from 'zod';
import { parseDurationMs } from '../config/duration.ts';
import { DriftlineError } from '../errors/errors.ts';
import { DEFAULT_SLO_PERIOD_MS, evaluateBurnRates, type BurnRateReport, type BurnRateRule, type SliWindow } from './burn-rate.ts';

/**
 * A model's service-level objectives and their evaluation.
 *
 * Config (raw → compiled, like every Driftline config): objectives are
 * written the way operators write them,
 *
 *   { "model": "credit-default", "period": "30d",
 *     "latency": { "threshold": "100ms", "target": 0.99 },
 *     "availability": { "target": 0.999 } }
 *
 * and compiled once to `SloObjective` (durations in ms). Either objective may
 * be left out, not both.
 *
 * SLIs (see slo-window.ts for why):
 * - availability: bad = requests with status "error", out of all requests;
 * - latency: bad = successful requests slower than the threshold (latency >
 *   threshold, counted exactly per event), out of successful requests.
 */
const durationMs = z.union([z.number().nonnegative(), z.string()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : parseDurationMs(value);
  if (ms === undefined || !Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `'${value}' is not a duration (use e.g. 100ms, 5m, 30d, or a number of ms)` });
    return z.NEVER;
  }
  return ms;
});
const target = z.number().gt(0, 'target must be > 0').lt(1, 'target must be < 1 (a 100% objective has no error budget)');

/** One model's objectives as written in config (durations as text or ms). */
export const sloObjectiveConfigSchema = z
  .object({
    model: z.string().min(1).max(200),
    period: durationMs.default(DEFAULT_SLO_PERIOD_MS).refine((ms) => ms > 0, 'period must be > 0'),
    latency: z.object({ threshold: durationMs, target }).optional(),
    availability: z.object({ target }).optional(),
  })
  .refine((o) => o.latency !== undefined || o.availability !== undefined, 'give a latency or an availability objective (or both)');
/** The raw (input) shape of one model's objectives. */
export type SloObjectiveConfig = z.input<typeof sloObjectiveConfigSchema>;

/** A model's compiled objectives. */
export interface SloObjective {
  model: string;
  periodMs: number;
  /** Share `target` of successful requests must take ≤ `thresholdMs`. */
  latency?: { thresholdMs: number; target: number };
  /** Share `target` of requests must succeed. */
  availability?: { target: number };
}

/**
 * Parses a list of objectives (one per model); throws CONFIG_INVALID naming
 * the first bad field, e.g. `slo[1].latency.target: target must be < 1`.
 */
export function parseSloObjectives(value: unknown): SloObjective[] {
  const result = z.array(sloObjectiveConfigSchema).safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = (issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    throw new DriftlineError('CONFIG_INVALID', `invalid SLO objectives at slo${path}: ${issue?.message ?? 'invalid'}`, { details: { issues: result.error.issues.slice(0, 10) } });
  }
  const seen = new Set<string>();
  return result.data.map((raw, i) => {
    if (seen.has(raw.model)) throw new DriftlineError('CONFIG_INVALID', `invalid SLO objectives at slo[${i}].model: '${raw.model}' has objectives twice`);
    seen.add(raw.model);
    const objective: SloObjective = { model: raw.model, periodMs: raw.period };
    if (raw.latency) objective.latency = { thresholdMs: raw.latency.threshold, target: raw.latency.target };
    if (raw.availability) objective.availability = { target: raw.availability.target };
    return objective;
  });
}

/** The counts of one closed window (from a merged SloWindowState). */
export interface SloWindowCounts {
  startMs: number;
  endMs: number;
  total: number;
  errors: number;
  slow: number;
}

/** The availability SLI of each window: bad = errors out of all requests. */
export function availabilitySli(windows: readonly SloWindowCounts[]): SliWindow[] {
  return windows.map((w) => ({ startMs: w.startMs, endMs: w.endMs, total: w.total, bad: w.errors }));
}

/** The latency SLI of each window: bad = slow out of successful requests. */
export function latencySli(windows: readonly SloWindowCounts[]): SliWindow[] {
  return windows.map((w) => ({ startMs: w.startMs, endMs: w.endMs, total: w.total - w.errors, bad: w.slow }));
}

/** Burn rates, alerts and budget of each objective a model has. */
export interface SloReport {
  model: string;
  nowMs: number;
  availability?: BurnRateReport;
  latency?: BurnRateReport;
}

/**
 * Evaluates a model's objectives at nowMs over its window counts (see
 * burn-rate.ts for which windows each lookback sees, partial coverage and no
 * traffic). `rules` defaults to the SRE workbook's four.
 */
export function evaluateSlo(objective: SloObjective, windows: readonly SloWindowCounts[], nowMs: number, rules?: readonly BurnRateRule[]): SloReport {
  const report: SloReport = { model: objective.model, nowMs };
  const options = { nowMs, periodMs: objective.periodMs, ...(rules ? { rules } : {}) };
  if (objective.availability) report.availability = evaluateBurnRates(availabilitySli(windows), { ...options, target: objective.availability.target });
  if (objective.latency) report.latency = evaluateBurnRates(latencySli(windows), { ...options, target: objective.latency.target });
  return report;
}
