/**
 * Survival function of the two-sided one-sample Kolmogorov–Smirnov statistic
 * D_n, P(D_n ≥ x) — scipy's `kstwo.sf(x, n)`, i.e. `_kolmogn(n, x, cdf=False)`
 * in scipy/stats/_ksstats.py, which follows Simard & L'Ecuyer (2011) in
 * choosing among the Ruben–Gambino closed forms, Durbin's matrix algorithm,
 * Pomeranz's recursion, the Pelz–Good expansion and 2·smirnov. The branch
 * thresholds below are scipy's, so each (n, x) takes the same route.
 *
 * The two-sample test uses it asymptotically with n = round(n1·n2/(n1+n2)).
 */
import { clipProbability } from './float-utils.ts';
import { kolmogorovCdfDurbin } from './kstwo-durbin.ts';
import { kolmogorovCdfPelzGood } from './kstwo-pelz-good.ts';
import { kolmogorovCdfPomeranz } from './kstwo-pomeranz.ts';
import { smirnovSf } from './smirnov.ts';

const LOG_2PI = Math.log(2 * Math.PI);
// Stirling series coefficients B_2j/(2j(2j−1)), j = 8 … 1 (highest power first).
const STIRLING_COEFFS = [
  -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
  -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
];

/** ln(n!/n^n) by Stirling with n·ln n removed up front (no cancellation). */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  const y = rn / n;
  let poly = 0;
  for (const c of STIRLING_COEFFS) poly = poly * y + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

/**
 * P(D_n ≥ x) for an integer n ≥ 1, clipped to [0, 1] (NaN for a non-integer
 * or non-positive n), as `scipy.stats.kstwo.sf(x, n)`.
 */
export function kolmogorovTwoSidedSf(n: number, x: number): number {
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(x)) return NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    // Ruben–Gambino: 1/2n ≤ x ≤ 1/n.
    if (t <= 0.5) return 1;
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      for (let i = 1; i <= n; i++) cdf *= i * (1 / n) * (2 * t - 1);
    } else {
      cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clipProbability(1 - cdf);
  }
  if (t >= n - 1) return clipProbability(2 * (1 - x) ** n);
  if (x >= 0.5) return clipProbability(2 * smirnovSf(n, x));

  const nxsquared = t * x;
  if (n <= 140) {
    if (nxsquared <= 0.754693) return clipProbability(1 - kolmogorovCdfDurbin(n, x));
    if (nxsquared <= 4) return clipProbability(1 - kolmogorovCdfPomeranz(n, x));
    return clipProbability(2 * smirnovSf(n, x));
  }
  // Large n: the survival function has its own cut-offs.
  if (nxsquared >= 370) return 0;
  if (nxsquared >= 2.2) return clipProbability(2 * smirnovSf(n, x));
  const cdf = n <= 100000 && n * x ** 1.5 <= 1.4 ? kolmogorovCdfDurbin(n, x) : kolmogorovCdfPelzGood(n, x);
  return clipProbability(1 - cdf);
}
