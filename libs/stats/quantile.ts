/**
 * Sample quantiles with numpy's default convention, so that bin edges built
 * here are bit-for-bit the edges `np.quantile(x, q)` gives.
 */

/**
 * The q-quantile (0 ≤ q ≤ 1) of an ascending-sorted, non-empty sample, as
 * `np.quantile(sorted, q, method='linear')` (Hyndman–Fan type 7): virtual
 * index h = (n−1)·q, then linear interpolation between the neighbours.
 * The interpolation is written as numpy's `_lerp` writes it (from the upper
 * neighbour when the weight is ≥ 0.5) so the rounding is the same.
 */
export function linearQuantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of an empty sample');
  const virtualIndex = (n - 1) * q;
  if (virtualIndex >= n - 1) return sorted[n - 1]!;
  if (virtualIndex <= 0) return sorted[0]!;
  const previous = Math.floor(virtualIndex);
  const gamma = virtualIndex - previous;
  const below = sorted[previous]!;
  const above = sorted[previous + 1]!;
  const diff = above - below;
  return gamma >= 0.5 ? above - diff * (1 - gamma) : below + diff * gamma;
}
