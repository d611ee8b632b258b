/**
 * The bins PSI and Jensen–Shannon are computed over.
 *
 * Numeric: edges at the reference quantiles i/bins (i = 1 … bins−1, numpy
 * 'linear' quantiles), duplicate edges merged, bins (−∞,e1], (e1,e2], …,
 * (ek,+∞) — so a value equal to an edge falls in the bin that edge closes,
 * and a constant reference gives two bins.
 * Categorical: one bin per category in the union of both sides.
 */
import { linearQuantileSorted } from './quantile.ts';

/** Default number of numeric bins (deciles). */
export const DEFAULT_BIN_COUNT = 10;

/**
 * Bin edges at the quantiles i/bins of the ascending-sorted, non-empty
 * reference sample, sorted and de-duplicated like `np.unique`.
 */
export function referenceQuantileEdges(sortedReference: Float64Array, bins: number = DEFAULT_BIN_COUNT): Float64Array {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bin count must be a positive integer, got ${bins}`);
  const raw = new Float64Array(bins - 1);
  for (let i = 1; i < bins; i++) raw[i - 1] = linearQuantileSorted(sortedReference, i / bins);
  // Quantiles of sorted data are non-decreasing already; sort anyway so a
  // rounding wobble cannot produce an unsorted edge list.
  raw.sort();
  const edges: number[] = [];
  for (const edge of raw) if (edges.length === 0 || edge !== edges[edges.length - 1]) edges.push(edge);
  return Float64Array.from(edges);
}

/**
 * Counts per bin (length edges.length + 1) of an ascending-sorted sample:
 * bin index = number of edges strictly below the value, i.e.
 * `np.searchsorted(edges, x, side='left')`.
 */
export function countSortedIntoBins(sorted: Float64Array, edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  let bin = 0;
  let start = 0;
  for (let i = 0; i < sorted.length; i++) {
    const value = sorted[i]!;
    // Sorted input: the bin index only moves forward.
    while (bin < edges.length && value > edges[bin]!) {
      counts[bin] = i - start;
      start = i;
      bin++;
    }
  }
  counts[bin] = sorted.length - start;
  return counts;
}

/** Reference and current counts aligned over the union of categories. */
export interface AlignedCategoryCounts {
  /** Category keys, sorted by code unit order so reports are stable. */
  categories: string[];
  reference: Float64Array;
  current: Float64Array;
}

/** Aligns two category → count tables over the union of their keys (absent = 0). */
export function alignCategoryCounts(
  reference: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, number>,
): AlignedCategoryCounts {
  const categories = [...new Set([...reference.keys(), ...current.keys()])].sort();
  const ref = new Float64Array(categories.length);
  const cur = new Float64Array(categories.length);
  categories.forEach((category, i) => {
    ref[i] = reference.get(category) ?? 0;
    cur[i] = current.get(category) ?? 0;
  });
  return { categories, reference: ref, current: cur };
}
