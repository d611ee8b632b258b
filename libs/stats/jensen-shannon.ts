/**
 * Jensen–Shannon distance with the natural logarithm, as
 * `scipy.spatial.distance.jensenshannon(p, q)` (base e): both vectors are
 * normalised to sum 1, m = (p+q)/2, JS = sqrt((KL(p‖m) + KL(q‖m)) / 2).
 * Bounded by sqrt(ln 2) ≈ 0.8326. Drift uses it on the raw bin shares (no
 * zero-share replacement, unlike PSI).
 */

/** Relative entropy term x·ln(x/y) with scipy's `rel_entr` conventions for zeros. */
function relativeEntropyTerm(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/**
 * JS distance of two non-negative weight vectors of equal length, each with
 * a positive sum. A rounding-negative divergence is clamped to 0, so equal
 * inputs give exactly 0 rather than NaN.
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new RangeError('Jensen–Shannon needs aligned vectors');
  let pSum = 0;
  let qSum = 0;
  for (let i = 0; i < p.length; i++) {
    pSum += p[i]!;
    qSum += q[i]!;
  }
  if (!(pSum > 0 && qSum > 0)) throw new RangeError('Jensen–Shannon of an empty distribution');
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]! / pSum;
    const qi = q[i]! / qSum;
    const mi = (pi + qi) / 2;
    left += relativeEntropyTerm(pi, mi);
    right += relativeEntropyTerm(qi, mi);
  }
  return Math.sqrt(Math.max(0, (left + right) / 2));
}
