/**
 * Burn rates, multi-window multi-burn-rate alerts and the error budget of one
 * SLI, after the Google SRE workbook ("Alerting on SLOs", ch. 5).
 *
 * - Error ratio over a lookback = bad / total of the windows in it.
 * - Burn rate = error ratio / (1 − target): 1 spends the budget exactly over
 *   the SLO period, 14.4 spends 2% of a 30-day budget in one hour.
 * - A rule fires when the burn rate is ≥ its threshold over BOTH its long
 *   lookback (enough budget is really being spent) and its short one (it is
 *   still happening, so the alert clears soon after recovery).
 * - Error budget remaining = 1 − (bad/total)/(1 − target) over the period.
 *
 * Which windows a lookback sees: a window counts when it lies entirely inside
 * [nowMs − lookback, nowMs]; windows of any size are summed. Call with nowMs
 * at a window boundary (the end of the last closed window) so no window
 * straddles the edge; a straddling window is left out, not pro-rated.
 *
 * Partial coverage: a lookback longer than the data (a new model, a gap) is
 * computed from the windows present — time without windows counts as time
 * without traffic, which changes neither bad nor total — and reports the
 * share of the lookback its windows cover (`coverage`). So a new model that
 * fails every request for its first hour fires the 3-day rule too: its budget
 * really is burning that fast.
 *
 * No traffic: the error ratio and burn rate are null and no rule fires on a
 * lookback without requests (no evidence of burning); the budget is untouched
 * (remaining 1, `hasTraffic` false).
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Default SLO period: 30 days. */
export const DEFAULT_SLO_PERIOD_MS = 30 * DAY;

/**
 * A threshold is met when burn ≥ threshold·(1 − 1e−9): 1 − target is not
 * exact in binary (1 − 0.999 = 0.0010000000000000009), and a burn that is
 * exactly the threshold in decimal must fire as the workbook intends.
 */
const THRESHOLD_TOLERANCE = 1e-9;

/** Good/bad counts of one SLI in one window [startMs, endMs). */
export interface SliWindow {
  startMs: number;
  endMs: number;
  /** Requests eligible for the SLI. */
  total: number;
  /** Of those, the ones that missed the objective. */
  bad: number;
}

/** One multi-window burn-rate alert rule. */
export interface BurnRateRule {
  /** Stable name, e.g. "page-1h": the alert condition's identity. */
  name: string;
  severity: 'page' | 'ticket';
  /** Fires when both lookbacks burn at least this fast. */
  burnRate: number;
  longMs: number;
  shortMs: number;
}

/** The workbook's recommended rules for a 30-day SLO. */
export const WORKBOOK_BURN_RATE_RULES: readonly BurnRateRule[] = Object.freeze([
  { name: 'page-1h', severity: 'page', burnRate: 14.4, longMs: HOUR, shortMs: 5 * MINUTE },
  { name: 'page-6h', severity: 'page', burnRate: 6, longMs: 6 * HOUR, shortMs: 30 * MINUTE },
  { name: 'ticket-1d', severity: 'ticket', burnRate: 3, longMs: DAY, shortMs: 2 * HOUR },
  { name: 'ticket-3d', severity: 'ticket', burnRate: 1, longMs: 3 * DAY, shortMs: 6 * HOUR },
]);

/** The SLI over one lookback ending at nowMs. */
export interface LookbackBurn {
  lookbackMs: number;
  total: number;
  bad: number;
  /** bad / total; null without traffic. */
  errorRatio: number | null;
  /** errorRatio / (1 − target); null without traffic. */
  burnRate: number | null;
  /** Share of the lookback covered by windows in the series, in [0, 1]. */
  coverage: number;
}

/** One rule, evaluated. */
export interface RuleEvaluation {
  rule: BurnRateRule;
  long: LookbackBurn;
  short: LookbackBurn;
  firing: boolean;
}

/** The error budget over the SLO period ending at nowMs. */
export interface ErrorBudget {
  periodMs: number;
  total: number;
  bad: number;
  /** Bad requests the period's traffic allows: (1 − target)·total. */
  allowedBad: number;
  /** Share of the budget spent: (bad/total)/(1 − target); 0 without traffic. */
  consumed: number;
  /** 1 − consumed; negative when the budget is overspent, 1 without traffic. */
  remaining: number;
  hasTraffic: boolean;
  coverage: number;
}

export interface BurnRateReport {
  nowMs: number;
  target: number;
  /** Every distinct lookback the rules use, and the period, ascending. */
  lookbacks: LookbackBurn[];
  rules: RuleEvaluation[];
  /** The firing rules, pages first. */
  alerts: RuleEvaluation[];
  /** The most severe firing severity, or null. */
  severity: 'page' | 'ticket' | null;
  budget: ErrorBudget;
}

export interface BurnRateOptions {
  /** The SLO target, e.g. 0.999; in (0, 1). */
  target: number;
  nowMs: number;
  periodMs?: number;
  rules?: readonly BurnRateRule[];
}

/** Burn rate of `bad` out of `total` against `target`; null when total is 0. */
export function burnRate(bad: number, total: number, target: number): number | null {
  return total === 0 ? null : bad / total / (1 - target);
}

/**
 * Evaluates burn rates, alert rules and the error budget of one SLI at nowMs.
 * `series` need not be sorted; its windows must not overlap (pass merged
 * windows, one per time range). Throws RangeError on overlapping or
 * malformed windows, or a target outside (0, 1).
 */
export function evaluateBurnRates(series: readonly SliWindow[], options: BurnRateOptions): BurnRateReport {
  const { target, nowMs } = options;
  if (!(target > 0 && target < 1)) throw new RangeError(`SLO target must be in (0, 1), got ${target}`);
  const periodMs = options.periodMs ?? DEFAULT_SLO_PERIOD_MS;
  const rules = options.rules ?? WORKBOOK_BURN_RATE_RULES;
  const index = new SeriesIndex(series);

  const cache = new Map<number, LookbackBurn>();
  const lookback = (ms: number): LookbackBurn => {
    let burn = cache.get(ms);
    if (!burn) {
      const sums = index.sum(nowMs - ms, nowMs);
      burn = {
        lookbackMs: ms,
        total: sums.total,
        bad: sums.bad,
        errorRatio: sums.total === 0 ? null : sums.bad / sums.total,
        burnRate: burnRate(sums.bad, sums.total, target),
        coverage: Math.min(1, sums.coveredMs / ms),
      };
      cache.set(ms, burn);
    }
    return burn;
  };

  const meets = (burn: LookbackBurn, threshold: number) => burn.burnRate !== null && burn.burnRate >= threshold * (1 - THRESHOLD_TOLERANCE);
  const evaluations = rules.map((rule): RuleEvaluation => {
    const long = lookback(rule.longMs);
    const short = lookback(rule.shortMs);
    return { rule, long, short, firing: meets(long, rule.burnRate) && meets(short, rule.burnRate) };
  });
  const alerts = evaluations.filter((e) => e.firing).sort((a, b) => (a.rule.severity === b.rule.severity ? 0 : a.rule.severity === 'page' ? -1 : 1));
  const lookbacks = [...cache.values()].sort((a, b) => a.lookbackMs - b.lookbackMs);

  const period = lookback(periodMs);
  const consumed = period.burnRate ?? 0;
  const budget: ErrorBudget = {
    periodMs,
    total: period.total,
    bad: period.bad,
    allowedBad: (1 - target) * period.total,
    consumed,
    remaining: 1 - consumed,
    hasTraffic: period.total > 0,
    coverage: period.coverage,
  };
  return { nowMs, target, lookbacks, rules: evaluations, alerts, severity: alerts[0]?.rule.severity ?? null, budget };
}

/**
 * Windows sorted by start with prefix sums, so each lookback costs two binary
 * searches whatever the series length (30 days of minutes = 43,200 windows).
 */
class SeriesIndex {
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  /** Prefix sums: [i] = sum over windows [0, i). Counts stay exact below 2^53. */
  private readonly total: Float64Array;
  private readonly bad: Float64Array;
  private readonly covered: Float64Array;

  constructor(series: readonly SliWindow[]) {
    const sorted = [...series].sort((a, b) => a.startMs - b.startMs);
    const n = sorted.length;
    this.starts = new Float64Array(n);
    this.ends = new Float64Array(n);
    this.total = new Float64Array(n + 1);
    this.bad = new Float64Array(n + 1);
    this.covered = new Float64Array(n + 1);
    sorted.forEach((w, i) => {
      if (!(Number.isFinite(w.startMs) && Number.isFinite(w.endMs) && w.startMs < w.endMs)) throw new RangeError(`window [${w.startMs}, ${w.endMs}) is empty or not finite`);
      if (!(Number.isSafeInteger(w.total) && Number.isSafeInteger(w.bad) && w.bad >= 0 && w.bad <= w.total)) throw new RangeError(`window at ${w.startMs}: need integers 0 ≤ bad ≤ total, got bad ${w.bad}, total ${w.total}`);
      if (i > 0 && w.startMs < this.ends[i - 1]!) throw new RangeError(`windows overlap at ${w.startMs}: merge partials into one window per time range first`);
      this.starts[i] = w.startMs;
      this.ends[i] = w.endMs;
      this.total[i + 1] = this.total[i]! + w.total;
      this.bad[i + 1] = this.bad[i]! + w.bad;
      this.covered[i + 1] = this.covered[i]! + (w.endMs - w.startMs);
    });
  }

  /** Sums over the windows inside [fromMs, toMs]. */
  sum(fromMs: number, toMs: number): { total: number; bad: number; coveredMs: number } {
    // Non-overlapping windows sorted by start are sorted by end too.
    const first = lowerBound(this.starts, fromMs); // first window starting at or after fromMs
    const end = upperBound(this.ends, toMs); // windows [0, end) end at or before toMs
    if (end <= first) return { total: 0, bad: 0, coveredMs: 0 };
    return { total: this.total[end]! - this.total[first]!, bad: this.bad[end]! - this.bad[first]!, coveredMs: this.covered[end]! - this.covered[first]! };
  }
}

/** First i with a[i] ≥ x. */
function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First i with a[i] > x. */
function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
