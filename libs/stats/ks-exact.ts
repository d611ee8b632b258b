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
 * h/lcm, computed column by column over the band of reachable cells,
 * directly as the outside probability (Viehmann's recursion).
 *
 * Each cell is (a[j]·i + v·j) / (i + j), where v is the cell below it in
 * the same column: one long chain of dependent multiply, add and divide
 * per column, so a plain column loop waits on the divider's latency (~20
 * cycles a cell) and this was ~70% of the drift finalizer's CPU time.
 * Cell (i, j) needs only (i − 1, j) and (i, j − 1), so COLUMNS columns are
 * walked together as a wavefront (column i + k one cell behind column
 * i + k − 1): independent chains the CPU overlaps. Every cell still gets
 * the same operations in the same order, so the result is bit for bit the
 * column loop's (ks-exact.test.ts checks it against one).
 *
 * `a` holds the latest value of every row j (absolute, 0…n): a row the
 * band of the previous column did not reach yet reads 1 ("left the band"),
 * as the band only moves up.
 */
export function outerProbInsideMethod(m0: number, n0: number, g: number, h: number): number {
  // Symmetric in (m, n); the recursion assumes m ≥ n.
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  // Band of column i: rows [low(i), high(i)), both nondecreasing in i.
  const low = (i: number) => Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
  const high = (i: number) => Math.min(Math.ceil((ng * i + h) / mg), n + 1);
  const a = new Float64Array(n + 2).fill(1);
  a.fill(0, 0, Math.min(Math.ceil(h / mg), n + 1));
  const lo = new Int32Array(COLUMNS);
  const hi = new Int32Array(COLUMNS);
  const v = new Float64Array(COLUMNS);
  let i = 1;
  for (; i + COLUMNS - 1 <= m; i += COLUMNS) {
    for (let k = 0; k < COLUMNS; k++) {
      lo[k] = low(i + k);
      hi[k] = high(i + k);
      if (hi[k]! <= lo[k]!) return 1;
      v[k] = lo[k] === 0 ? 0 : 1;
    }
    // Wavefront step s: column i + k computes row s − k. All four columns are inside their bands for s in [fastFrom, fastTo).
    const first = lo[0]!;
    const last = hi[COLUMNS - 1]! + COLUMNS - 1;
    const fastFrom = Math.max(lo[0]!, lo[1]! + 1, lo[2]! + 2, lo[3]! + 3);
    const fastTo = Math.max(fastFrom, Math.min(hi[0]!, hi[1]! + 1, hi[2]! + 2, hi[3]! + 3));
    for (let s = first; s < fastFrom; s++) wavefrontStep(a, i, s, lo, hi, v);
    let v0 = v[0]!;
    let v1 = v[1]!;
    let v2 = v[2]!;
    let v3 = v[3]!;
    const i1 = i + 1;
    const i2 = i + 2;
    const i3 = i + 3;
    for (let s = fastFrom; s < fastTo; s++) {
      v0 = (a[s]! * i + v0 * s) / (i + s);
      a[s] = v0;
      const s1 = s - 1;
      v1 = (a[s1]! * i1 + v1 * s1) / (i1 + s1);
      a[s1] = v1;
      const s2 = s - 2;
      v2 = (a[s2]! * i2 + v2 * s2) / (i2 + s2);
      a[s2] = v2;
      const s3 = s - 3;
      v3 = (a[s3]! * i3 + v3 * s3) / (i3 + s3);
      a[s3] = v3;
    }
    v[0] = v0;
    v[1] = v1;
    v[2] = v2;
    v[3] = v3;
    for (let s = fastTo; s < last; s++) wavefrontStep(a, i, s, lo, hi, v);
  }
  // The last m mod COLUMNS columns, one at a time.
  for (; i <= m; i++) {
    const minj = low(i);
    const maxj = high(i);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let j = minj; j < maxj; j++) {
      val = (a[j]! * i + val * j) / (i + j);
      a[j] = val;
    }
  }
  return a[n]!;
}

/** Columns walked together by outerProbInsideMethod (the fast loop is written out for four). */
const COLUMNS = 4;

/** One wavefront step outside the fast range: each column computes its row s − k if that row is in its band. */
function wavefrontStep(a: Float64Array, i: number, s: number, lo: Int32Array, hi: Int32Array, v: Float64Array): void {
  for (let k = 0; k < COLUMNS; k++) {
    const j = s - k;
    if (j < lo[k]! || j >= hi[k]!) continue;
    const ik = i + k;
    const val = (a[j]! * ik + v[k]! * j) / (ik + j);
    v[k] = val;
    a[j] = val;
  }
}
