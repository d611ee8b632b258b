/**
 * Two-sample, two-sided Kolmogorov–Smirnov test, equal to
 * `scipy.stats.ks_2samp(a, b, method='auto')`:
 *
 * - Statistic D = max_x |F_a(x) − F_b(x)| with right-continuous empirical
 *   CDFs evaluated at every observed value (scipy's searchsorted 'right' on
 *   the concatenated data), so ties are handled exactly as scipy does.
 * - p-value exact when max(n_a, n_b) ≤ 10 000 (./ks-exact.ts); D is then
 *   reported as h/lcm(n_a, n_b), the lattice value it rounds to, as scipy does.
 *   If the exact computation falls outside [0, 1] it falls back, like scipy,
 *   to the asymptotic p-value.
 * - Otherwise asymptotic: `kstwo.sf(D, round(n_a·n_b/(n_a+n_b)))`
 *   (./kstwo.ts), rounding half to even as `np.round`.
 */
import { clipProbability, roundHalfEven } from './float-utils.ts';
import { outerProbInsideMethod, probOutsideSquare } from './ks-exact.ts';
import { kolmogorovTwoSidedSf } from './kstwo.ts';

/** Largest sample size for which 'auto' uses the exact distribution. */
export const KS_MAX_EXACT_N = 10000;

/** Result of the two-sample KS test. */
export interface KsResult {
  statistic: number;
  pValue: number;
  /** Which null distribution produced the p-value. */
  method: 'exact' | 'asymptotic';
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** D = max |F_a − F_b| over the merged, ascending-sorted samples. */
export function ksStatisticSorted(a: Float64Array, b: Float64Array): number {
  const na = a.length;
  const nb = b.length;
  let i = 0;
  let j = 0;
  let maxDiff = -Infinity;
  let minDiff = Infinity;
  while (i < na || j < nb) {
    // Next distinct value of the union; both CDFs jump past all its copies.
    const x = i === na ? b[j]! : j === nb ? a[i]! : Math.min(a[i]!, b[j]!);
    while (i < na && a[i]! <= x) i++;
    while (j < nb && b[j]! <= x) j++;
    const diff = i / na - j / nb;
    if (diff > maxDiff) maxDiff = diff;
    if (diff < minDiff) minDiff = diff;
  }
  const minS = Math.min(Math.max(-minDiff, 0), 1);
  return minS > maxDiff ? minS : maxDiff;
}

/** Asymptotic p-value of D for sizes na, nb. */
function asymptoticPValue(d: number, na: number, nb: number): number {
  const m = Math.max(na, nb);
  const n = Math.min(na, nb);
  const en = (m * n) / (m + n);
  return kolmogorovTwoSidedSf(roundHalfEven(en), d);
}

/**
 * KS test of two ascending-sorted, non-empty samples (NaN-free). Sort with
 * `Float64Array.prototype.sort` first; `partial-state.ts` keeps them sorted.
 */
export function ksTwoSampleSorted(a: Float64Array, b: Float64Array): KsResult {
  const na = a.length;
  const nb = b.length;
  if (na === 0 || nb === 0) throw new RangeError('KS test of an empty sample');
  let d = ksStatisticSorted(a, b);
  if (Math.max(na, nb) <= KS_MAX_EXACT_N) {
    const g = gcd(na, nb);
    const lcm = (na / g) * nb;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    if (h === 0) return { statistic: d, pValue: 1, method: 'exact' };
    const p = na === nb ? probOutsideSquare(na, h) : outerProbInsideMethod(na, nb, g, h);
    if (p >= 0 && p <= 1) return { statistic: d, pValue: p, method: 'exact' };
    // Rounding pushed the exact value out of [0, 1]: scipy warns and goes asymptotic.
  }
  return { statistic: d, pValue: clipProbability(asymptoticPValue(d, na, nb)), method: 'asymptotic' };
}
