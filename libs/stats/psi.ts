/**
 * Population Stability Index over a common set of bins.
 *
 * Convention (Evidently's): shares are count / total of each side; a zero
 * share on a side is replaced by ε = 1e-4, or by (that side's smallest
 * non-zero share) / 1e6 when that smallest share is itself ≤ 1e-4; shares are
 * not renormalised afterwards. PSI = Σ (ref − cur) · ln(ref / cur).
 *
 * Numeric columns use the reference-decile bins of ./binning.ts, categorical
 * columns one bin per category of the union.
 */
import { alignCategoryCounts, countSortedIntoBins, DEFAULT_BIN_COUNT, referenceQuantileEdges } from './binning.ts';

/** Shares of each bin with Evidently's zero-share replacement (see module doc). */
export function sharesWithZeroFloor(counts: ArrayLike<number>): Float64Array {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (!(total > 0)) throw new RangeError('shares of an empty sample');
  const shares = new Float64Array(counts.length);
  let minNonZero = Infinity;
  for (let i = 0; i < counts.length; i++) {
    const share = counts[i]! / total;
    shares[i] = share;
    if (share > 0 && share < minNonZero) minNonZero = share;
  }
  const epsilon = minNonZero <= 1e-4 ? minNonZero / 1e6 : 1e-4;
  for (let i = 0; i < shares.length; i++) if (shares[i] === 0) shares[i] = epsilon;
  return shares;
}

/**
 * PSI of aligned reference and current bin counts (same length, each side
 * with at least one count). Always finite and ≥ 0.
 */
export function populationStabilityIndex(referenceCounts: ArrayLike<number>, currentCounts: ArrayLike<number>): number {
  if (referenceCounts.length !== currentCounts.length) throw new RangeError('PSI needs aligned bins');
  const ref = sharesWithZeroFloor(referenceCounts);
  const cur = sharesWithZeroFloor(currentCounts);
  let psi = 0;
  for (let i = 0; i < ref.length; i++) psi += (ref[i]! - cur[i]!) * Math.log(ref[i]! / cur[i]!);
  return psi;
}

/**
 * PSI of a numeric column: bins at the quantiles of the ascending-sorted
 * reference (see ./binning.ts), then {@link populationStabilityIndex}.
 */
export function numericPsi(sortedReference: Float64Array, sortedCurrent: Float64Array, bins = DEFAULT_BIN_COUNT): number {
  const edges = referenceQuantileEdges(sortedReference, bins);
  return populationStabilityIndex(countSortedIntoBins(sortedReference, edges), countSortedIntoBins(sortedCurrent, edges));
}

/** PSI of a categorical column over the union of the categories of both count tables. */
export function categoricalPsi(reference: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>): number {
  const aligned = alignCategoryCounts(reference, current);
  return populationStabilityIndex(aligned.reference, aligned.current);
}
