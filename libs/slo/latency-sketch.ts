import { z } from 'zod';
import { DriftlineError } from '../errors/errors.ts';
import { ExactSum } from './exact-sum.ts';

/**
 * A DDSketch-style latency sketch (Masson, Rim & Lee, VLDB 2019): relative
 * accuracy α, mergeable bit for bit.
 *
 * Buckets: γ = (1 + α)/(1 − α); a positive latency x goes to bucket
 * i = ⌈log_γ x⌉, which holds (γ^(i−1), γ^i]; zero and negative latencies go
 * to a separate zero bucket. Buckets are a sparse Map index → count, so any
 * positive double is indexable and no bucket is ever collapsed (collapsing
 * would void the guarantee below).
 *
 * Quantiles use DDSketch's rank convention: for n values and q ∈ [0, 1], the
 * rank is q·(n − 1) and the answer estimates the LOWER order statistic
 * x₍⌊q·(n−1)⌋₎ (0-based) — numpy's `np.quantile(x, q, method='lower')`. The
 * estimate for bucket i is 2γ^i/(γ + 1) = γ^(i−1)·(1 + α), clamped to the
 * exact [min, max]; ranks 0 and n − 1 answer the exact min and max.
 *
 * Guarantee: for non-negative data, every quantile estimate e satisfies
 * |e − x₍⌊q·(n−1)⌋₎| ≤ α·x₍⌊q·(n−1)⌋₎, up to double rounding of the log
 * (≈1e−15 relative) for values on a bucket boundary. Zero latencies are
 * answered exactly (0); negative ones (not valid latencies) read as 0 or as
 * the exact max when every value is negative.
 *
 * Merging adds integer counts, takes exact min/max and adds an exact integer
 * sum (latencies rounded to the nanosecond, see ExactSum), so any grouping
 * and order of merges serializes to the same bytes.
 */
/** Default relative accuracy α: quantiles within 1%. */
export const DEFAULT_RELATIVE_ACCURACY = 0.01;

/** Nanoseconds per millisecond: the quantum of the exact sum. */
const NS_PER_MS = 1e6;

/** The JSON form of a sketch; `JSON.stringify` of it round-trips exactly. */
export interface LatencySketchJson {
  v: 1;
  /** Relative accuracy α. */
  alpha: number;
  count: number;
  /** Values ≤ 0. */
  zero: number;
  /** Exact sum of the latencies in integer nanoseconds, decimal text. */
  sum_ns: string;
  /** Exact min and max in ms; null when empty. */
  min: number | null;
  max: number | null;
  /**
   * Non-empty buckets in ascending index order, delta-encoded:
   * [firstIndex, count, indexGap, count, indexGap, count, …].
   */
  bins: number[];
}

const nonNegativeInt = z.number().int().nonnegative();
const sketchJsonSchema = z.object({
  v: z.literal(1),
  alpha: z.number().gt(0).lt(1),
  count: nonNegativeInt,
  zero: nonNegativeInt,
  sum_ns: z.string().regex(/^-?\d{1,400}$/),
  min: z.number().nullable(),
  max: z.number().nullable(),
  bins: z.array(z.number().int()).refine((b) => b.length % 2 === 0, 'bins must be index/count pairs'),
});

/** A mergeable latency sketch with relative accuracy α (see the module doc above). */
export class LatencySketch {
  /** Relative accuracy α. */
  readonly alpha: number;
  /** Bucket growth factor γ = (1 + α)/(1 − α). */
  readonly gamma: number;
  private readonly invLnGamma: number;
  private readonly bins = new Map<number, number>();
  private zero = 0;
  private n = 0;
  private readonly sumNs = new ExactSum();
  private lo = Infinity;
  private hi = -Infinity;

  constructor(alpha = DEFAULT_RELATIVE_ACCURACY) {
    if (!(alpha > 0 && alpha < 1)) throw new RangeError(`relative accuracy must be in (0, 1), got ${alpha}`);
    this.alpha = alpha;
    this.gamma = (1 + alpha) / (1 - alpha);
    this.invLnGamma = 1 / Math.log(this.gamma);
  }

  /** Values added. */
  get count(): number {
    return this.n;
  }

  /** Sum of the latencies in ms (exact to the nanosecond before this final rounding). */
  get sum(): number {
    return this.sumNs.toNumber() / NS_PER_MS;
  }

  /** Mean latency in ms; undefined when empty. */
  get mean(): number | undefined {
    return this.n === 0 ? undefined : this.sum / this.n;
  }

  /** Exact smallest latency; undefined when empty. */
  get min(): number | undefined {
    return this.n === 0 ? undefined : this.lo;
  }

  /** Exact largest latency; undefined when empty. */
  get max(): number | undefined {
    return this.n === 0 ? undefined : this.hi;
  }

  /** The bucket index of a positive value: ⌈log_γ x⌉. */
  bucketIndex(x: number): number {
    return Math.ceil(Math.log(x) * this.invLnGamma);
  }

  /** The estimate returned for bucket i: 2γ^i/(γ + 1). */
  bucketValue(index: number): number {
    return (2 * Math.pow(this.gamma, index)) / (this.gamma + 1);
  }

  /**
   * Adds a latency in ms, `count` times. Throws RangeError on NaN/±Infinity:
   * the event contract already refuses them, so one here is a bug upstream.
   */
  add(ms: number, count = 1): void {
    if (!Number.isFinite(ms)) throw new RangeError(`latency must be finite, got ${ms}`);
    if (!(Number.isInteger(count) && count > 0)) throw new RangeError(`count must be a positive integer, got ${count}`);
    if (ms === 0) ms = 0; // −0 → 0, so min/max serialize the same whatever the input
    if (ms > 0) {
      const i = this.bucketIndex(ms);
      this.bins.set(i, (this.bins.get(i) ?? 0) + count);
    } else this.zero += count;
    this.n += count;
    const ns = Math.round(ms * NS_PER_MS);
    const total = ns * count;
    if (Number.isSafeInteger(total)) this.sumNs.add(total);
    else this.sumNs.addBig(BigInt(ns) * BigInt(count));
    if (ms < this.lo) this.lo = ms;
    if (ms > this.hi) this.hi = ms;
  }

  /**
   * The estimate of the lower q-quantile x₍⌊q·(n−1)⌋₎ (see the class doc);
   * undefined when the sketch is empty. Throws RangeError for q ∉ [0, 1].
   */
  quantile(q: number): number | undefined {
    return this.quantiles([q])[0];
  }

  /** Several quantiles in one pass over the buckets. */
  quantiles(qs: readonly number[]): Array<number | undefined> {
    for (const q of qs) if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
    if (this.n === 0) return qs.map(() => undefined);
    const keys = [...this.bins.keys()].sort((a, b) => a - b);
    return qs.map((q) => {
      const rank = Math.floor(q * (this.n - 1));
      // The extremes are known exactly.
      if (rank === 0) return this.lo;
      if (rank === this.n - 1) return this.hi;
      let estimate: number;
      if (rank < this.zero) estimate = 0;
      else {
        // First bucket whose cumulative count exceeds the rank holds x₍rank₎.
        let cumulative = this.zero;
        let index = keys[keys.length - 1]!;
        for (const key of keys) {
          cumulative += this.bins.get(key)!;
          if (cumulative > rank) {
            index = key;
            break;
          }
        }
        estimate = this.bucketValue(index);
      }
      // Clamping to the exact range only moves the estimate towards the truth.
      return Math.min(Math.max(estimate, this.lo), this.hi);
    });
  }

  /** Adds `other` into this sketch (same α required); returns this. */
  mergeFrom(other: LatencySketch): this {
    if (other.alpha !== this.alpha) throw new RangeError(`cannot merge sketches with relative accuracy ${this.alpha} and ${other.alpha}`);
    for (const [key, count] of other.bins) this.bins.set(key, (this.bins.get(key) ?? 0) + count);
    this.zero += other.zero;
    this.n += other.n;
    this.sumNs.addSum(other.sumNs);
    if (other.lo < this.lo) this.lo = other.lo;
    if (other.hi > this.hi) this.hi = other.hi;
    return this;
  }

  /** A new sketch holding both inputs; associative and commutative. */
  static merge(a: LatencySketch, b: LatencySketch): LatencySketch {
    return a.clone().mergeFrom(b);
  }

  /** An independent copy. */
  clone(): LatencySketch {
    return new LatencySketch(this.alpha).mergeFrom(this);
  }

  /** The compact JSON form; identical for equal contents whatever the insertion order. */
  toJSON(): LatencySketchJson {
    const keys = [...this.bins.keys()].sort((a, b) => a - b);
    const bins: number[] = [];
    let previous = 0;
    keys.forEach((key, i) => {
      bins.push(i === 0 ? key : key - previous, this.bins.get(key)!);
      previous = key;
    });
    return {
      v: 1,
      alpha: this.alpha,
      count: this.n,
      zero: this.zero,
      sum_ns: this.sumNs.toString(),
      min: this.n === 0 ? null : this.lo,
      max: this.n === 0 ? null : this.hi,
      bins,
    };
  }

  /** Rebuilds a sketch from `toJSON()` output (parsed); throws DECODE_FAILED when malformed. */
  static fromJSON(value: unknown): LatencySketch {
    const parsed = sketchJsonSchema.safeParse(value);
    if (!parsed.success) throw decodeError(parsed.error.issues[0]?.message ?? 'invalid', parsed.error.issues[0]?.path);
    const json = parsed.data;
    const sketch = new LatencySketch(json.alpha);
    let key = 0;
    let binned = 0;
    for (let i = 0; i < json.bins.length; i += 2) {
      const step = json.bins[i]!;
      const count = json.bins[i + 1]!;
      if (i > 0 && step < 1) throw decodeError('bin indexes must be strictly increasing', ['bins', i]);
      if (count < 1) throw decodeError('bin counts must be positive', ['bins', i + 1]);
      key = i === 0 ? step : key + step;
      sketch.bins.set(key, count);
      binned += count;
    }
    if (binned + json.zero !== json.count) throw decodeError(`bucket counts add up to ${binned + json.zero}, not count ${json.count}`, ['count']);
    if ((json.count === 0) !== (json.min === null) || (json.count === 0) !== (json.max === null)) throw decodeError('min/max must be null exactly when empty', ['min']);
    sketch.zero = json.zero;
    sketch.n = json.count;
    sketch.sumNs.addSum(ExactSum.of(json.sum_ns));
    sketch.lo = json.min ?? Infinity;
    sketch.hi = json.max ?? -Infinity;
    return sketch;
  }
}

function decodeError(message: string, path: readonly PropertyKey[] | undefined): DriftlineError {
  const where = path && path.length > 0 ? path.map(String).join('.') : '(root)';
  return new DriftlineError('DECODE_FAILED', `latency sketch invalid at ${where}: ${message}`);
}
