/**
 * Survival function of the one-sided one-sample Kolmogorov–Smirnov statistic,
 * P(D⁺_n ≥ x), following `scipy.special.smirnov` (xsf/cephes kolmogorov.h,
 * after van Mulbregt, arXiv:1802.06966): the Birnbaum–Tingey sum
 *
 *   P(D⁺_n ≥ x) = x · Σ_{v=0}^{⌊n(1−x)⌋} C(n,v) (1 − x − v/n)^(n−v) (x + v/n)^(v−1)
 *
 * with scipy's special cases, its choice between this lower sum and the
 * (alternating) upper sum, its early-termination rule and its approximation
 * for n > 10⁶.
 *
 * Accuracy: scipy evaluates each term in double-double arithmetic; here each
 * term is evaluated in log space in doubles, with n·x split exactly into
 * ⌊n·x⌋ + α so the bases 1 − x − v/n and x + v/n carry one rounding each.
 * Each term then has relative error ≲ (n − v)·2⁻⁵³, so results agree with
 * scipy to about 1e-10 relative at n = 10⁶ and better for smaller n —
 * far inside the 1e-6 the drift p-values promise — at a small fraction of
 * the cost (the sum has up to n terms).
 */
import { MINLOG, clipProbability, twoProductError } from './float-utils.ts';

/** Above this n scipy switches to the e^(−(6nx+1)²/18n) approximation. */
const SMIRNOV_MAX_COMPUTE_N = 1_000_000;
const SM_UPPER_MAX_TERMS = 3;
const SM_UPPERSUM_MIN_N = 10;

/** ⌊n·x⌋ and the remainder α = n·x − ⌊n·x⌋ computed from the exact product. */
function modNX(n: number, x: number): { floor: number; alpha: number } {
  const p = n * x;
  const err = twoProductError(n, x, p);
  let floor = Math.floor(p);
  let alpha: number;
  if (floor === p) {
    // The rounded product is an integer: the error term decides the side.
    const lowFloor = Math.floor(err);
    floor += lowFloor;
    alpha = err - lowFloor;
  } else {
    alpha = p - floor + err;
  }
  if (alpha >= 1) {
    floor += 1;
    alpha = 0;
  }
  return { floor, alpha };
}

/** Signed base^m for an integer m ≥ 0, returned as (ln|base^m|, sign). */
function logPow(base: number, m: number): { log: number; sign: number } {
  if (m === 0) return { log: 0, sign: 1 };
  if (base === 0) return { log: -Infinity, sign: 1 };
  return { log: m * Math.log(Math.abs(base)), sign: base < 0 && m % 2 === 1 ? -1 : 1 };
}

/**
 * P(D⁺_n ≥ x) for an integer n ≥ 1 and 0 ≤ x ≤ 1 (NaN outside), clipped
 * to [0, 1], as `scipy.special.smirnov(n, x)`.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;

  const { floor: nxfl, alpha } = modNX(n, x);
  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  let n1mxceil = n - nxfl;
  // With α = 0 the last term of either sum is zero; leave it out of both.
  if (alpha === 0) {
    n1mxfl -= 1;
    n1mxceil += 1;
  }

  // x ≤ 1/n: closed form x(1+x)^(n−1) for the CDF.
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    const cdf = x * Math.exp((n - 1) * Math.log1p(x));
    return clipProbability(1 - cdf);
  }
  // The survival function underflows.
  if (-2 * n * x * x < MINLOG) return 0;
  // x ≥ 1 − 1/n: closed form (1−x)^n.
  if (nxfl >= n - 1) return clipProbability(Math.exp(n * Math.log1p(-x)));
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logp = -((6 * n * x + 1) ** 2) / 18 / n;
    return clipProbability(logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp));
  }

  // The upper sum alternates in sign; scipy uses it only with very few terms.
  const nUpperTerms = n - n1mxceil + 1;
  const useUpperSum =
    (nUpperTerms <= 1 && x < 0.5) ||
    (n >= SM_UPPERSUM_MIN_N && nUpperTerms <= SM_UPPER_MAX_TERMS && x <= 0.5 / Math.sqrt(n));

  const start = useUpperSum ? n : 0;
  const step = useUpperSum ? -1 : 1;
  const nTerms = useUpperSum ? n - n1mxceil + 1 : n1mxfl + 1;
  const vmid = Math.floor(n / 2);

  // First term: v = n, (1+x)^(n−1) for the upper sum; v = 0, (1−x)^n / x for the lower.
  let sum = useUpperSum ? Math.exp((n - 1) * Math.log1p(x)) : Math.exp(n * Math.log1p(-x)) / x;
  let compensation = 0;
  // ln C(n, j), updated incrementally from C(n, 1). The running sum reaches
  // ~n·ln 2 over up to 10⁶ steps, so it is compensated: a plain sum would
  // lose ~1e-8 to accumulated rounding.
  let logBinomial = Math.log(n);
  let logBinomialCompensation = 0;

  for (let j = 1; j < nTerms; j++) {
    const v = start + j * step;
    // 1 − x − v/n and x + v/n from the exact split n·x = ⌊n·x⌋ + α.
    const lowerBase = (n - v - nxfl - alpha) / n;
    const upperBase = (v + nxfl + alpha) / n;
    const t2 = logPow(lowerBase, n - v);
    const t1 = logPow(upperBase, v - 1);
    const term = t1.sign * t2.sign * Math.exp(logBinomial + logBinomialCompensation + t1.log + t2.log);
    if (Number.isFinite(term) && term !== 0) {
      const t = sum + term;
      compensation += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum;
      sum = t;
    }
    if (term !== 0) {
      if (4 * (nTerms - j) * Math.abs(term) < Number.EPSILON * (sum + compensation) && j !== nTerms - 1) break;
    } else if (j > vmid) {
      break;
    }
    const logRatio = Math.log((n - j) / (j + 1));
    const next = logBinomial + logRatio;
    logBinomialCompensation +=
      Math.abs(logBinomial) >= Math.abs(logRatio) ? logBinomial - next + logRatio : logRatio - next + logBinomial;
    logBinomial = next;
  }

  const prob = x * (sum + compensation);
  return clipProbability(step < 0 ? 1 - prob : prob);
}
