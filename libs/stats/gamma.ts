/**
 * Log-gamma and the Lanczos pieces the incomplete gamma function needs, after
 * Boost/cephes (xsf lanczos.h: N = 13, g = 6.024680040776729583740234375).
 */

/** Lanczos shift g. */
export const LANCZOS_G = 6.024680040776729583740234375;

// Numerator/denominator of lanczos_sum_expg_scaled, highest power first.
const EXPG_SCALED_NUM = [
  0.006061842346248906525783753964555936883222, 0.5098416655656676188125178644804694509993,
  19.51992788247617482847860966235652136208, 449.9445569063168119446858607650988409623,
  6955.999602515376140356310115515198987526, 75999.29304014542649875303443598909137092,
  601859.6171681098786670226533699352302507, 3481712.15498064590882071018964774556468,
  14605578.08768506808414169982791359218571, 43338889.32467613834773723740590533316085,
  86363131.28813859145546927288977868422342, 103794043.1163445451906271053616070238554,
  56906521.91347156388090791033559122686859,
];
const EXPG_SCALED_DENOM = [
  1, 66, 1925, 32670, 357423, 2637558, 13339535, 45995730, 105258076, 150917976, 120543840, 39916800, 0,
];

/**
 * Rational function num(x)/den(x) of equal degree with coefficients highest
 * power first; for |x| > 1 it runs in 1/x so large x cannot overflow
 * (cephes `ratevl`).
 */
function rational(x: number, num: readonly number[], den: readonly number[]): number {
  const last = num.length - 1;
  let n = 0;
  let d = 0;
  if (Math.abs(x) > 1) {
    const y = 1 / x;
    for (let i = last; i >= 0; i--) {
      n = n * y + num[i]!;
      d = d * y + den[i]!;
    }
  } else {
    for (let i = 0; i <= last; i++) {
      n = n * x + num[i]!;
      d = d * x + den[i]!;
    }
  }
  return n / d;
}

/** Γ(x) / ((x + g − 0.5)/e)^(x − 0.5), the scaled Lanczos sum. */
export function lanczosSumExpgScaled(x: number): number {
  return rational(x, EXPG_SCALED_NUM, EXPG_SCALED_DENOM);
}

/**
 * ln Γ(x) for x > 0, from the scaled Lanczos sum: absolute error about
 * 1e-16·max(1, |ln Γ(x)|), which is what exp(… − ln Γ(a)) needs.
 */
export function logGamma(x: number): number {
  if (!(x > 0)) return NaN;
  if (x < 1e-8) return -Math.log(x); // Γ(x) ≈ 1/x − γ
  const zgh = x + LANCZOS_G - 0.5;
  return (x - 0.5) * (Math.log(zgh) - 1) + Math.log(lanczosSumExpgScaled(x));
}
