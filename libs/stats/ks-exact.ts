/**
 * Exact null distribution of the two-sample, two-sided Kolmogorov–Smirnov
 * statistic, ported from scipy (`_compute_prob_outside_square` in
 * scipy/stats/_stats_py.py and `_compute_outer_prob_inside_method` in
 * scipy/stats/_stats_pythran.py, scipy 1.17), which follow Hodges (1958)
 * and Viehmann (2021, arXiv:2102.08037) for the 1 − p recursion. The
 * arithmetic is kept in scipy's order so the p-values agree to rounding.
 *
 * (`_count_paths_outside_method` serves only scipy's one-sided tests, which
 * Driftline does not offer, so it is not ported.)
 */

/**
 * P(D_{n,n} ≥ h/n) for two samples of equal size n (0 < h ≤ n): the share of
 * lattice paths leaving the band |x − y| < h, by the alternating binomial
 * series evaluated Horner-style to avoid cancellation.
 */
export function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    // Each factor A_k has h numerator and h denominator terms.
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    p = p1 * (1 - p);
  }
  return 2 * p;
}

/**
 * P(D_{m,n} ≥ h/lcm(m,n)) for sizes m, n with gcd g: one minus the share of
 * lattice paths from (0,0) to (m,n) staying strictly inside |x/m − y/n| <
 * h/lcm, computed column by column over the sliding window of reachable
 * cells, directly as the outside probability (Viehmann's recursion).
 */
export function outerProbInsideMethod(m0: number, n0: number, g: number, h: number): number {
  // Symmetric in (m, n); the recursion assumes m ≥ n.
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const a = new Float64Array(lenA).fill(1);
  a.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (a[jj + minj - lastminj]! * i + val * j) / (i + j);
      a[jj] = val;
    }
    curlen = maxj - minj;
    // Cells that slid out of the window read as "left the band" (1).
    if (lastlen > curlen) a.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return a[maxj - minj - 1]!;
}
