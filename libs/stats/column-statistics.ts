/**
 * Every drift statistic of one column, computed from the (merged) partial
 * states of the reference and the current window — see ./partial-state.ts.
 * Both sides must hold at least one non-missing value; ./column-report.ts
 * handles empty sides.
 */
import { alignCategoryCounts, countSortedIntoBins, DEFAULT_BIN_COUNT, referenceQuantileEdges } from './binning.ts';
import { chiSquareHomogeneity, type ChiSquareResult } from './chi-square.ts';
import { jensenShannonDistance } from './jensen-shannon.ts';
import { ksTwoSampleSorted, type KsResult } from './ks.ts';
import { numericAsCategorical, sortedValues, type CategoricalColumnState, type NumericColumnState } from './partial-state.ts';
import { populationStabilityIndex } from './psi.ts';
import { normedWassersteinSorted } from './wasserstein.ts';

/** Statistics of a numeric column. */
export interface NumericStatistics {
  kind: 'numerical';
  /** PSI over the reference-quantile bins. */
  psi: number;
  /** Jensen–Shannon distance over the same bins' shares. */
  jensenShannon: number;
  ks: KsResult;
  wassersteinNormed: number;
  /**
   * True when both sides together hold at most `fewValuesMax` distinct
   * values: the drift decision then treats the column as categorical.
   */
  fewValued: boolean;
  /** Chi-square homogeneity over the distinct values taken as categories; only when few-valued. */
  valueChiSquare: ChiSquareResult | null;
}

/** Statistics of a categorical column. */
export interface CategoricalStatistics {
  kind: 'categorical';
  psi: number;
  jensenShannon: number;
  chiSquare: ChiSquareResult;
}

/** Options of the statistics. */
export interface StatisticsOptions {
  /** Numeric PSI/JS bin count (default 10: deciles). */
  bins?: number;
  /** Distinct-value count up to which a numeric column also gets a value chi-square (default 5). */
  fewValuesMax?: number;
}

/** Whether two ascending-sorted arrays hold at most `limit` distinct values together (stops early). */
function atMostDistinct(a: Float64Array, b: Float64Array, limit: number): boolean {
  let i = 0;
  let j = 0;
  let distinct = 0;
  while (i < a.length || j < b.length) {
    if (++distinct > limit) return false;
    const x = i === a.length ? b[j]! : j === b.length ? a[i]! : Math.min(a[i]!, b[j]!);
    while (i < a.length && a[i]! <= x) i++;
    while (j < b.length && b[j]! <= x) j++;
  }
  return true;
}

/** Statistics of a numeric column from non-empty reference and current states. */
export function numericStatistics(
  reference: NumericColumnState,
  current: NumericColumnState,
  options: StatisticsOptions = {},
): NumericStatistics {
  const ref = sortedValues(reference);
  const cur = sortedValues(current);
  if (ref.length === 0 || cur.length === 0) throw new RangeError('numeric statistics need values on both sides');
  const edges = referenceQuantileEdges(ref, options.bins ?? DEFAULT_BIN_COUNT);
  const refBins = countSortedIntoBins(ref, edges);
  const curBins = countSortedIntoBins(cur, edges);
  const fewValued = atMostDistinct(ref, cur, options.fewValuesMax ?? 5);
  let valueChiSquare: ChiSquareResult | null = null;
  if (fewValued) {
    const aligned = alignCategoryCounts(numericAsCategorical(reference).counts, numericAsCategorical(current).counts);
    valueChiSquare = chiSquareHomogeneity(aligned.reference, aligned.current);
  }
  return {
    kind: 'numerical',
    psi: populationStabilityIndex(refBins, curBins),
    jensenShannon: jensenShannonDistance(refBins, curBins),
    ks: ksTwoSampleSorted(ref, cur),
    wassersteinNormed: normedWassersteinSorted(ref, cur),
    fewValued,
    valueChiSquare,
  };
}

/** Statistics of a categorical column from non-empty reference and current states. */
export function categoricalStatistics(
  reference: CategoricalColumnState,
  current: CategoricalColumnState,
): CategoricalStatistics {
  const aligned = alignCategoryCounts(reference.counts, current.counts);
  return {
    kind: 'categorical',
    psi: populationStabilityIndex(aligned.reference, aligned.current),
    jensenShannon: jensenShannonDistance(aligned.reference, aligned.current),
    chiSquare: chiSquareHomogeneity(aligned.reference, aligned.current),
  };
}
