import { z } from 'zod';
import { DriftlineError } from '../errors/errors.ts';
import type { ValidationSchema } from './schema.ts';
import { EVENT_RULES, type EventRule, type FeatureChecker, type Violation } from './validate-event.ts';
import { ViolationSample, type SampleEntry } from './violation-sample.ts';

/**
 * The validation state of one model in one window (one partition's share, or
 * the merge of several):
 * - `checked`: events validated; `withViolations`: events with ≥ 1 violation;
 * - violation counts per (rule, feature);
 * - no-value counts (absent or null) per schema feature, for the null-rate
 *   rule evaluated when the window closes;
 * - per rule, a bounded sample of offending (prediction_id, feature, value),
 *   chosen by hash (violation-sample.ts).
 *
 * Unknown features are named by the events, so their count is unbounded (a
 * client that sends an id as a key would grow the state without end). The
 * state keeps the `maxUnknownFeatures` lexicographically smallest unknown
 * names and adds the rest into one count reported as
 * OTHER_UNKNOWN_FEATURES. Keeping the smallest names, not the most frequent,
 * is what keeps merge associative: which names survive does not depend on
 * how the events were split.
 *
 * Everything is integer counts and hash-ordered samples, so merge is
 * associative and commutative, and `toJSON` writes every collection sorted:
 * equal contents serialize to equal bytes.
 */
/** Offending entries kept per rule. */
export const DEFAULT_SAMPLE_SIZE = 5;
/** Unknown feature names counted by name; the rest are counted together. */
export const DEFAULT_MAX_UNKNOWN_FEATURES = 100;
/** The feature name under which unknown features beyond the cap are counted. */
export const OTHER_UNKNOWN_FEATURES = '(other unknown features)';

/** Every rule a report row can name: the per-event rules and the window-level null rate. */
export type ViolationRule = EventRule | 'null_rate';

export interface ViolationStateOptions {
  /** Entries kept per rule; default 5. */
  sampleSize?: number;
  /** Distinct unknown feature names counted by name; default 100. */
  maxUnknownFeatures?: number;
}

/** The JSON form of a state; `JSON.stringify` of it round-trips exactly. */
export interface ViolationStateJson {
  v: 1;
  sample_size: number;
  max_unknown_features: number;
  checked: number;
  with_violations: number;
  /** [rule, feature, count], sorted by rule then feature. */
  counts: Array<[EventRule, string, number]>;
  /** Unknown-feature violations not counted by name. */
  unknown_other: number;
  /** [feature, events without a value], sorted by feature. */
  no_value: Array<[string, number]>;
  /** [rule, prediction_id, feature, value], by rule, then in sample order. */
  samples: Array<[EventRule, string, string, string]>;
}

const count = z.number().int().nonnegative();
const rule = z.enum(EVENT_RULES as [EventRule, ...EventRule[]]);
const stateJsonSchema = z.object({
  v: z.literal(1),
  sample_size: count,
  max_unknown_features: count,
  checked: count,
  with_violations: count,
  counts: z.array(z.tuple([rule, z.string(), count])),
  unknown_other: count,
  no_value: z.array(z.tuple([z.string(), count])),
  samples: z.array(z.tuple([rule, z.string(), z.string(), z.string()])),
});

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const add = (map: Map<string, number>, key: string, n: number) => map.set(key, (map.get(key) ?? 0) + n);

/** Mergeable validation counts and samples of one model in one window (see the module doc above). */
export class ViolationState {
  readonly sampleSize: number;
  readonly maxUnknownFeatures: number;
  checked = 0;
  withViolations = 0;
  private readonly counts = new Map<EventRule, Map<string, number>>();
  private unknownOther = 0;
  private readonly noValue = new Map<string, number>();
  private readonly samples = new Map<EventRule, ViolationSample>();
  /** Bound once: the checker calls it for each feature without a value. */
  private readonly countNoValue = (feature: string) => add(this.noValue, feature, 1);

  constructor(options: ViolationStateOptions = {}) {
    this.sampleSize = options.sampleSize ?? DEFAULT_SAMPLE_SIZE;
    this.maxUnknownFeatures = options.maxUnknownFeatures ?? DEFAULT_MAX_UNKNOWN_FEATURES;
    if (!(Number.isInteger(this.sampleSize) && this.sampleSize >= 0)) throw new RangeError(`sampleSize must be a non-negative integer, got ${this.sampleSize}`);
    if (!(Number.isInteger(this.maxUnknownFeatures) && this.maxUnknownFeatures >= 0)) throw new RangeError(`maxUnknownFeatures must be a non-negative integer, got ${this.maxUnknownFeatures}`);
  }

  /** Validates one event's features into this state; returns its violations. */
  observe(checker: FeatureChecker, predictionId: string, features: Readonly<Record<string, unknown>>): readonly Violation[] {
    const violations = checker.check(features, this.countNoValue);
    this.checked++;
    if (violations.length > 0) {
      this.withViolations++;
      for (const v of violations) {
        this.countViolation(v.rule, v.feature, 1);
        this.sampleOf(v.rule).offer(predictionId, v.feature, v.value);
      }
    }
    return violations;
  }

  /** Violations of `rule` on `feature` counted so far (unknown features beyond the cap: see OTHER_UNKNOWN_FEATURES). */
  count(rule: EventRule, feature: string): number {
    if (rule === 'unknown_feature' && feature === OTHER_UNKNOWN_FEATURES) return this.unknownOther;
    return this.counts.get(rule)?.get(feature) ?? 0;
  }

  /** Events in which `feature` had no value (absent or null). */
  noValueCount(feature: string): number {
    return this.noValue.get(feature) ?? 0;
  }

  private countViolation(rule: EventRule, feature: string, n: number): void {
    let byFeature = this.counts.get(rule);
    if (!byFeature) {
      byFeature = new Map();
      this.counts.set(rule, byFeature);
    }
    if (rule === 'unknown_feature' && !byFeature.has(feature) && byFeature.size >= this.maxUnknownFeatures) {
      this.countUnknownBeyondCap(byFeature, feature, n);
      return;
    }
    add(byFeature, feature, n);
  }

  /**
   * A new unknown name when the cap is reached: it displaces the largest
   * kept name if it sorts before it, else it is counted as "other". One scan
   * of at most `maxUnknownFeatures` names, not a sort, because a client
   * sending a fresh key per event would otherwise pay for it on every event.
   */
  private countUnknownBeyondCap(byFeature: Map<string, number>, feature: string, n: number): void {
    let largest: string | undefined;
    for (const name of byFeature.keys()) if (largest === undefined || name > largest) largest = name;
    if (largest === undefined || feature > largest) {
      this.unknownOther += n;
      return;
    }
    this.unknownOther += byFeature.get(largest)!;
    byFeature.delete(largest);
    byFeature.set(feature, n);
  }

  private sampleOf(rule: EventRule): ViolationSample {
    let sample = this.samples.get(rule);
    if (!sample) {
      sample = new ViolationSample(this.sampleSize);
      this.samples.set(rule, sample);
    }
    return sample;
  }

  /**
   * A new state holding both inputs; associative and commutative. States
   * with different sample sizes or unknown caps merge to the smaller of each
   * (still associative: each input holds at least that many smallest entries).
   */
  static merge(a: ViolationState, b: ViolationState): ViolationState {
    const out = new ViolationState({ sampleSize: Math.min(a.sampleSize, b.sampleSize), maxUnknownFeatures: Math.min(a.maxUnknownFeatures, b.maxUnknownFeatures) });
    out.checked = a.checked + b.checked;
    out.withViolations = a.withViolations + b.withViolations;
    out.unknownOther = a.unknownOther + b.unknownOther;
    for (const source of [a, b]) {
      for (const [rule, byFeature] of source.counts) for (const [feature, n] of byFeature) out.countViolation(rule, feature, n);
      for (const [feature, n] of source.noValue) add(out.noValue, feature, n);
    }
    for (const rule of EVENT_RULES) {
      const x = a.samples.get(rule);
      const y = b.samples.get(rule);
      if (x || y) out.samples.set(rule, ViolationSample.merge(x ?? new ViolationSample(out.sampleSize), y ?? new ViolationSample(out.sampleSize)));
    }
    return out;
  }

  /** The samples of one rule, smallest hash first. */
  samplesOf(rule: EventRule): SampleEntry[] {
    return this.samples.get(rule)?.list() ?? [];
  }

  toJSON(): ViolationStateJson {
    const counts: ViolationStateJson['counts'] = [];
    const samples: ViolationStateJson['samples'] = [];
    for (const rule of [...EVENT_RULES].sort(byText)) {
      const byFeature = this.counts.get(rule);
      if (byFeature) for (const feature of [...byFeature.keys()].sort(byText)) counts.push([rule, feature, byFeature.get(feature)!]);
      for (const e of this.samplesOf(rule)) samples.push([rule, e.prediction_id, e.feature, e.value]);
    }
    return {
      v: 1,
      sample_size: this.sampleSize,
      max_unknown_features: this.maxUnknownFeatures,
      checked: this.checked,
      with_violations: this.withViolations,
      counts,
      unknown_other: this.unknownOther,
      no_value: [...this.noValue].sort(([x], [y]) => byText(x, y)),
      samples,
    };
  }

  /** Rebuilds a state from `toJSON()` output (parsed); throws DECODE_FAILED when malformed. */
  static fromJSON(value: unknown): ViolationState {
    const parsed = stateJsonSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new DriftlineError('DECODE_FAILED', `violation state invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
    }
    const json = parsed.data;
    if (json.with_violations > json.checked) throw new DriftlineError('DECODE_FAILED', `violation state inconsistent: ${json.with_violations} events with violations of ${json.checked} checked`);
    const state = new ViolationState({ sampleSize: json.sample_size, maxUnknownFeatures: json.max_unknown_features });
    state.checked = json.checked;
    state.withViolations = json.with_violations;
    state.unknownOther = json.unknown_other;
    for (const [rule, feature, n] of json.counts) state.countViolation(rule, feature, n);
    for (const [feature, n] of json.no_value) add(state.noValue, feature, n);
    for (const [rule, predictionId, feature, text] of json.samples) state.sampleOf(rule).offer(predictionId, feature, text);
    return state;
  }
}

/** One output row of a closed window. */
export interface ViolationRow {
  rule: ViolationRule;
  feature: string;
  /** Events breaking the rule on this feature (for null_rate: events without a value). */
  count: number;
  /** count / events checked. */
  rate: number;
  /** For null_rate: the schema's max_null_rate that `rate` exceeds. */
  allowed_rate?: number;
  /** The rule's sample entries for this feature (a subset of the rule's k; may be empty). */
  samples: SampleEntry[];
}

export interface ViolationReport {
  checked: number;
  with_violations: number;
  /** with_violations / checked; 0 when nothing was checked. */
  violation_rate: number;
  /** Sorted by rule, then feature. */
  rows: ViolationRow[];
}

/**
 * The rows of a closed window. Besides the per-event counts, each schema
 * feature whose max_null_rate is in (0, 1) and whose observed no-value rate
 * exceeds it gives a 'null_rate' row. A max_null_rate of 0 is left to the
 * per-event 'missing' rule, which already reports every such event.
 */
export function finalizeViolations(state: ViolationState, schema: ValidationSchema): ViolationReport {
  const checked = state.checked;
  const rate = (n: number) => (checked === 0 ? 0 : n / checked);
  const rows: ViolationRow[] = [];
  const json = state.toJSON();
  for (const [rule, feature, n] of json.counts) {
    rows.push({ rule, feature, count: n, rate: rate(n), samples: state.samplesOf(rule).filter((e) => e.feature === feature) });
  }
  if (json.unknown_other > 0) {
    // Sampled events whose unknown name is no longer counted by name belong to this row.
    const named = new Set(json.counts.filter(([rule]) => rule === 'unknown_feature').map(([, feature]) => feature));
    const samples = state.samplesOf('unknown_feature').filter((e) => !named.has(e.feature));
    rows.push({ rule: 'unknown_feature', feature: OTHER_UNKNOWN_FEATURES, count: json.unknown_other, rate: rate(json.unknown_other), samples });
  }
  for (const f of schema.features) {
    const missing = state.noValueCount(f.name);
    if (checked > 0 && f.max_null_rate > 0 && missing / checked > f.max_null_rate) {
      rows.push({ rule: 'null_rate', feature: f.name, count: missing, rate: missing / checked, allowed_rate: f.max_null_rate, samples: [] });
    }
  }
  rows.sort((x, y) => byText(x.rule, y.rule) || byText(x.feature, y.feature));
  return { checked, with_violations: state.withViolations, violation_rate: rate(state.withViolations), rows };
}
