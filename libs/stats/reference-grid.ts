/**
 * A window's numeric values counted on the reference grid instead of kept.
 *
 * Every drift statistic of a numeric feature compares the current window
 * with the reference's sorted sample (reference-profile.ts), and most of
 * them only need to know where each current value falls among the
 * reference points:
 *
 * - KS: D = sup |F_ref − F_cur|. Between two consecutive grid points F_ref
 *   is constant, so the sup is reached at a grid point or just below the
 *   next one: counts of values equal to each point and strictly between
 *   two points give D exactly, and the p-value depends on D, n and m only.
 * - PSI and Jensen–Shannon: bins whose edges are reference quantiles. The
 *   edges are made grid points too, so every count per bin is exact.
 * - Normed Wasserstein: ∫|F_ref − F_cur| needs positions. Each value keeps
 *   its position inside its interval to 1/POSITION_LEVELS of the interval
 *   width and stands at the middle of its level, so W moves by at most the
 *   mean over the window's values of (width of its interval) / (2 · LEVELS):
 *   `wassersteinGridBound`. With a few-thousand-point reference that is
 *   ~1e-4 to 1e-3 of a normed distance whose drift threshold is 0.1, and
 *   the distance moves far less than its bound (2e-5–5e-5 measured) — two
 *   samples of a few thousand values from one distribution already differ
 *   by ~1e-2.
 * - Values below the smallest or above the largest point (the tails) are
 *   kept exactly: beyond the reference every position matters and few
 *   values land there unless the feature drifted.
 *
 * So a checkpoint chunk holds at most one count per (interval, level)
 * however many events it covers, and ~2 characters of state text per value
 * instead of 8 bytes when it is sparse (a few values per interval). The
 * grid is only used for references with more distinct values than the
 * few-valued threshold: a few-valued feature's exact distinct values
 * decide its chi-square.
 */
import { referenceQuantileEdges } from './binning.ts';

/**
 * Position resolution inside an interval (a power of two: codes are
 * slot · LEVELS + level). 4 since 2026-12-07, 64 before: a checkpoint
 * chunk codes each value as the step from the previous code, and at 64
 * levels a typical step (a 2 s chunk holds a few hundred values of a
 * window spread over thousands of intervals) took two varint bytes; at 4
 * it mostly takes one: drift states 22.1 -> 16.6 MB per 500k events of the
 * processors benchmark, and ~6% less CPU per event for the processors.
 * The normed Wasserstein distance, the only statistic positions move,
 * moved by 2e-5–5e-5 against scipy (bound ~1e-3) where 64 levels gave
 * 1e-6–3e-6 (services/processors/drift/grid-drift.test.ts, 3,000-value
 * references): far below its 0.1 drift threshold, and below what the
 * reference sample itself resolves. Chunks written at another resolution
 * say so in their grid key (services/processors/drift/grid-key.ts) and
 * are read through codeFromLevels.
 */
export const POSITION_LEVELS = 4;
const LEVEL_BITS = 2;

/** The position resolution of chunks whose grid key does not name one (written before 2026-12-07). */
export const LEGACY_POSITION_LEVELS = 64;

/**
 * A code written at `levels` position levels (a power of two, at least
 * POSITION_LEVELS) as this grid codes it: the same slot, and the level
 * holding the written level's range of positions (each of this grid's
 * levels is levels / POSITION_LEVELS of the written ones).
 */
export function codeFromLevels(code: number, levels: number): number {
  if (levels === POSITION_LEVELS) return code;
  const slot = Math.floor(code / levels);
  const level = Math.floor(((code % levels) * POSITION_LEVELS) / levels);
  return slot * POSITION_LEVELS + level;
}

/** Whether codes written at `levels` position levels can be read (see codeFromLevels). */
export const readableLevels = (levels: number): boolean =>
  Number.isInteger(levels) && levels >= POSITION_LEVELS && levels <= 1 << 16 && (levels & (levels - 1)) === 0;

/**
 * Most points a grid takes: codes stay below 2^22, so GridCounts can pack a
 * code and its count into one double. Profiles keep 20,000 points by
 * default (reference-profile.ts); a larger sample keeps exact values.
 */
export const MAX_GRID_POINTS = 32_000;

/** The sorted distinct reference points plus the PSI bin edges for `bins` bins. */
export function referenceGridPoints(sortedSample: Float64Array, bins: number): Float64Array {
  if (sortedSample.length === 0) return new Float64Array(0);
  const edges = referenceQuantileEdges(sortedSample, bins);
  const merged = new Float64Array(sortedSample.length + edges.length);
  merged.set(sortedSample);
  merged.set(edges, sortedSample.length);
  merged.sort();
  let distinct = 0;
  for (let i = 0; i < merged.length; i++) if (distinct === 0 || merged[i] !== merged[distinct - 1]) merged[distinct++] = merged[i]!;
  return merged.slice(0, distinct);
}

/**
 * The most the grid moves the (unnormed) Wasserstein distance of `values`
 * against the reference: the mean half-level width of the intervals the
 * values fall in (grid points and tails are exact).
 */
export function wassersteinGridBound(grid: ReferenceGrid, values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const code = grid.code(values[i]!);
    if (code < 0 || (slotOfCode(code) & 1) === 1) continue;
    const k = slotOfCode(code) >>> 1;
    sum += (grid.points[k]! - grid.points[k - 1]!) / (2 * POSITION_LEVELS);
  }
  return values.length === 0 ? 0 : sum / values.length;
}

/** Number of distinct values of an ascending-sorted array. */
export function distinctSorted(sorted: Float64Array): number {
  let distinct = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  return distinct;
}

/**
 * Slots of a grid of g points p[0] < … < p[g−1]: slot 0 = below p[0],
 * slot 2k+1 = equal to p[k], slot 2k = strictly between p[k−1] and p[k],
 * slot 2g = above p[g−1]. Tail slots (0 and 2g) are never counted: their
 * values are kept exactly.
 */
export class ReferenceGrid {
  readonly points: Float64Array;
  readonly slots: number;
  private readonly first: number;
  private readonly last: number;
  private readonly scale: number;
  /** bucketStart[b] = number of points whose bucket is below b (< MAX_GRID_POINTS, so 16 bits: half the cache lines). */
  private readonly bucketStart: Uint16Array;
  private readonly buckets: number;
  /** LEVELS / width of the interval closing at each point (index k: between p[k−1] and p[k]). */
  private readonly levelScale: Float64Array;

  constructor(points: Float64Array) {
    if (points.length === 0) throw new RangeError('a reference grid needs at least one point');
    if (points.length > MAX_GRID_POINTS) throw new RangeError(`a reference grid takes at most ${MAX_GRID_POINTS} points, got ${points.length}`);
    for (let i = 1; i < points.length; i++) {
      if (!(points[i]! > points[i - 1]!)) throw new RangeError('reference grid points must be strictly ascending');
    }
    this.points = points;
    this.slots = 2 * points.length + 1;
    this.first = points[0]!;
    this.last = points[points.length - 1]!;
    // ~4 buckets per point: most buckets hold no point or one, so a value's bucket leaves a short scan.
    this.buckets = Math.max(1, Math.min(4 * points.length, 1 << 18));
    const span = this.last - this.first;
    this.scale = span > 0 && Number.isFinite(span) ? this.buckets / span : 0;
    const perBucket = new Uint16Array(this.buckets + 1);
    for (let i = 0; i < points.length; i++) perBucket[this.bucketOf(points[i]!) + 1]!++;
    for (let b = 1; b <= this.buckets; b++) perBucket[b]! += perBucket[b - 1]!;
    this.bucketStart = perBucket;
    this.levelScale = new Float64Array(points.length);
    for (let k = 1; k < points.length; k++) {
      const width = points[k]! - points[k - 1]!;
      this.levelScale[k] = Number.isFinite(width) ? POSITION_LEVELS / width : 0;
    }
  }

  /** Monotone in x, so points in lower buckets are below x and points in higher ones above it. */
  private bucketOf(x: number): number {
    const b = Math.floor((x - this.first) * this.scale);
    return b < 0 ? 0 : b >= this.buckets ? this.buckets - 1 : b;
  }

  /**
   * Number of points strictly below `v` (v finite, within [first, last]).
   * A bucket's few points are scanned in order; a crowded bucket (points
   * bunched in a small part of a wide range) is searched by halves.
   */
  private lowerBound(v: number): number {
    const b = this.bucketOf(v);
    let lo = this.bucketStart[b]!;
    let hi = this.bucketStart[b + 1]!;
    if (hi - lo <= 8) {
      while (lo < hi && this.points[lo]! < v) lo++;
      return lo;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The code of a finite value: slot · LEVELS + level, or −1 for a tail value (kept exactly by the caller). */
  code(v: number): number {
    if (v < this.first || v > this.last) return -1;
    const k = this.lowerBound(v);
    if (this.points[k] === v) return (2 * k + 1) << LEVEL_BITS;
    // Strictly between points[k−1] and points[k] (k ≥ 1: v ≥ first and v ≠ first here).
    let level = Math.floor((v - this.points[k - 1]!) * this.levelScale[k]!);
    if (level > POSITION_LEVELS - 1) level = POSITION_LEVELS - 1;
    else if (!(level >= 0)) level = 0;
    return ((2 * k) << LEVEL_BITS) | level;
  }

  /** The value standing for the values of open slot `slot` at `level`: the level's middle, strictly inside the interval. */
  position(slot: number, level: number): number {
    const k = slot >>> 1;
    const a = this.points[k - 1]!;
    const b = this.points[k]!;
    const fraction = (level + 0.5) / POSITION_LEVELS;
    const width = b - a;
    let p = Number.isFinite(width) ? a + fraction * width : a * (1 - fraction) + b * fraction;
    if (!(p > a && p < b)) p = a / 2 + b / 2;
    return p;
  }
}

export const slotOfCode = (code: number): number => code >>> LEVEL_BITS;
export const levelOfCode = (code: number): number => code & (POSITION_LEVELS - 1);

/** Counts per entry are packed below the code: entry = code · 2^31 + count (codes < 2^22, so exact in a double). */
const COUNT_SPACE = 2 ** 31;

/**
 * A window's values on one grid, merged from any number of chunks: counts
 * per code (slot and level), tails exact. Entries are appended as packed
 * doubles and sorted once: a Map per code made a window's finalization
 * allocate on the worker's heap per distinct value.
 */
export class GridCounts {
  private entries = new Float64Array(256);
  private length = 0;
  readonly below: number[] = [];
  readonly above: number[] = [];
  total = 0;

  constructor(readonly grid: ReferenceGrid) {}

  /** Adds one finite value (a raw value of a chunk written before the grid was known). */
  addValue(v: number): void {
    const code = this.grid.code(v);
    if (code < 0) this.addTail(v);
    else this.addCode(code, 1);
  }

  addCode(code: number, count: number): void {
    if (!(count >= 1 && count < COUNT_SPACE)) throw new RangeError(`a grid count must be 1 to 2^31 − 1, got ${count}`);
    if (this.length === this.entries.length) {
      const grown = new Float64Array(this.entries.length * 2);
      grown.set(this.entries);
      this.entries = grown;
    }
    this.entries[this.length++] = code * COUNT_SPACE + count;
    this.total += count;
  }

  /** Adds counts taken on the same grid. */
  addAll(other: GridCounts): void {
    if (other.grid !== this.grid) throw new RangeError('grid counts of different grids cannot be added');
    for (let i = 0; i < other.length; i++) {
      const entry = other.entries[i]!;
      const code = Math.floor(entry / COUNT_SPACE);
      this.addCode(code, entry - code * COUNT_SPACE);
    }
    for (const v of other.below) this.below.push(v);
    for (const v of other.above) this.above.push(v);
    this.total += other.below.length + other.above.length;
  }

  addTail(v: number): void {
    (v < this.grid.points[0]! ? this.below : this.above).push(v);
    this.total++;
  }

  /** Whether a code belongs to this grid (a grid point, or an interval between two of them). */
  fits(code: number): boolean {
    const slot = slotOfCode(code);
    return slot > 0 && slot < this.grid.slots - 1 && ((slot & 1) === 0 || levelOfCode(code) === 0);
  }

  /**
   * The ascending values the statistics run on: exact tails, grid points,
   * and each interval value at the middle of its level:
   * p[k−1] + (level + ½)/LEVELS · (p[k] − p[k−1]).
   */
  sortedValues(): Float64Array {
    const out = new Float64Array(this.total);
    const below = Float64Array.from(this.below).sort();
    const above = Float64Array.from(this.above).sort();
    out.set(below, 0);
    let i = below.length;
    const entries = this.entries.subarray(0, this.length).sort();
    for (let e = 0; e < entries.length; e++) {
      const code = Math.floor(entries[e]! / COUNT_SPACE);
      const c = entries[e]! - code * COUNT_SPACE;
      const slot = slotOfCode(code);
      const value = slot & 1 ? this.grid.points[slot >>> 1]! : this.grid.position(slot, levelOfCode(code));
      out.fill(value, i, i + c);
      i += c;
    }
    out.set(above, i);
    return out;
  }
}
