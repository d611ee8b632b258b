/**
 * Pearson chi-square test of homogeneity of the reference and current
 * category counts: the 2×K contingency table over the union of categories,
 * equal to `scipy.stats.chi2_contingency(table, correction=False)`.
 *
 * Expected counts e_ij = row_i · col_j / total; statistic Σ (o − e)²/e;
 * dof = K − 1; p-value = chi-square survival function (Q(dof/2, stat/2)).
 * K = 1 (a single category on both sides) is scipy's degenerate case:
 * statistic 0, p-value 1, dof 0. Categories absent from both sides carry
 * no information and are ignored (scipy would reject their zero expectation).
 */
import { regularizedGammaQ } from './incomplete-gamma.ts';

/** Result of the homogeneity test. */
export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  dof: number;
}

/** P(X ≥ x) for X ~ χ²(dof), as `scipy.stats.chi2.sf(x, dof)` / `special.chdtrc`. */
export function chiSquareSf(dof: number, x: number): number {
  if (x < 0) return 1;
  return regularizedGammaQ(dof / 2, x / 2);
}

/**
 * Chi-square homogeneity test of two aligned count vectors (reference and
 * current counts per category). Each side needs a positive total.
 */
export function chiSquareHomogeneity(referenceCounts: ArrayLike<number>, currentCounts: ArrayLike<number>): ChiSquareResult {
  if (referenceCounts.length !== currentCounts.length) throw new RangeError('chi-square needs aligned categories');
  const ref: number[] = [];
  const cur: number[] = [];
  for (let i = 0; i < referenceCounts.length; i++) {
    if (referenceCounts[i]! + currentCounts[i]! > 0) {
      ref.push(referenceCounts[i]!);
      cur.push(currentCounts[i]!);
    }
  }
  const refTotal = ref.reduce((s, c) => s + c, 0);
  const curTotal = cur.reduce((s, c) => s + c, 0);
  if (!(refTotal > 0 && curTotal > 0)) throw new RangeError('chi-square of an empty sample');
  const dof = ref.length - 1;
  if (dof === 0) return { statistic: 0, pValue: 1, dof: 0 };
  const total = refTotal + curTotal;
  let statistic = 0;
  // Row-major order, as numpy sums the flattened table.
  for (const [row, rowTotal] of [
    [ref, refTotal],
    [cur, curTotal],
  ] as const) {
    for (let j = 0; j < row.length; j++) {
      const expected = (rowTotal * (ref[j]! + cur[j]!)) / total;
      const diff = row[j]! - expected;
      statistic += (diff * diff) / expected;
    }
  }
  return { statistic, pValue: chiSquareSf(dof, statistic), dof };
}
