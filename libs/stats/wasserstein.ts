/**
 * Wasserstein-1 (earth mover's) distance between two samples, normed by the
 * reference spread: W1(ref, cur) / max(std(ref), 0.001) with the population
 * standard deviation (ddof = 0) — Evidently's "normed Wasserstein".
 */

/** Floor of the normalising standard deviation, so constant references do not divide by 0. */
export const WASSERSTEIN_STD_FLOOR = 0.001;

/**
 * W1 distance of two ascending-sorted, non-empty samples, as
 * `scipy.stats.wasserstein_distance(u, v)`: Σ |U(x_k) − V(x_k)|·(x_{k+1} − x_k)
 * over the merged sorted values, with right-continuous empirical CDFs.
 * Sums with Neumaier compensation (scipy's np.sum is pairwise), so the two
 * agree to far below 1e-12 relative on millions of values.
 */
export function wassersteinDistanceSorted(u: Float64Array, v: Float64Array): number {
  const nu = u.length;
  const nv = v.length;
  if (nu === 0 || nv === 0) throw new RangeError('Wasserstein distance of an empty sample');
  let i = 0;
  let j = 0;
  let sum = 0;
  let compensation = 0;
  let x = Math.min(u[0]!, v[0]!);
  for (;;) {
    while (i < nu && u[i]! <= x) i++;
    while (j < nv && v[j]! <= x) j++;
    if (i === nu && j === nv) break;
    const next = i === nu ? v[j]! : j === nv ? u[i]! : Math.min(u[i]!, v[j]!);
    const term = Math.abs(i / nu - j / nv) * (next - x);
    const t = sum + term;
    compensation += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum;
    sum = t;
    x = next;
  }
  return sum + compensation;
}

/** Population standard deviation (ddof = 0), two-pass like `np.std`. */
export function populationStd(values: Float64Array): number {
  const n = values.length;
  if (n === 0) throw new RangeError('standard deviation of an empty sample');
  let total = 0;
  for (let i = 0; i < n; i++) total += values[i]!;
  const mean = total / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    squares += d * d;
  }
  return Math.sqrt(squares / n);
}

/**
 * Normed Wasserstein distance of ascending-sorted samples: W1 divided by the
 * reference population std floored at {@link WASSERSTEIN_STD_FLOOR}.
 */
export function normedWassersteinSorted(sortedReference: Float64Array, sortedCurrent: Float64Array): number {
  const scale = Math.max(populationStd(sortedReference), WASSERSTEIN_STD_FLOOR);
  return wassersteinDistanceSorted(sortedReference, sortedCurrent) / scale;
}
