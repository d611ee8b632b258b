/**
 * The default per-column drift decision, after Evidently's rules:
 *
 * | reference values | column                              | method             | drifted when |
 * |------------------|-------------------------------------|--------------------|--------------|
 * | ≤ 1000           | numeric, > 5 distinct values        | KS p-value         | p ≤ 0.05     |
 * | ≤ 1000           | categorical, or numeric ≤ 5 values  | chi-square p-value | p ≤ 0.05     |
 * | > 1000           | numeric, > 5 distinct values        | normed Wasserstein | ≥ 0.1        |
 * | > 1000           | categorical, or numeric ≤ 5 values  | Jensen–Shannon     | ≥ 0.1        |
 *
 * "Reference values" counts the non-missing reference values; distinct
 * values are counted over both sides together. The dataset drifts when the
 * share of drifted columns is ≥ 0.5. Every number here is a field of
 * {@link DriftThresholds}, overridable per model and per feature.
 */

/** Thresholds of the drift decision (see module doc for the defaults). */
export interface DriftThresholds {
  /** Largest reference size that uses the p-value tests. */
  smallReferenceMaxRows: number;
  /** Numeric columns with at most this many distinct values are treated as categorical. */
  fewValuesMax: number;
  /** KS p-value at or below which a column drifts. */
  ksPValue: number;
  /** Chi-square p-value at or below which a column drifts. */
  chiSquarePValue: number;
  /** Normed Wasserstein distance at or above which a column drifts. */
  wassersteinNormed: number;
  /** Jensen–Shannon distance at or above which a column drifts. */
  jensenShannon: number;
  /** Share of drifted columns at or above which the dataset drifts. */
  datasetDriftShare: number;
}

/** Evidently's defaults. */
export const DEFAULT_DRIFT_THRESHOLDS: Readonly<DriftThresholds> = Object.freeze({
  smallReferenceMaxRows: 1000,
  fewValuesMax: 5,
  ksPValue: 0.05,
  chiSquarePValue: 0.05,
  wassersteinNormed: 0.1,
  jensenShannon: 0.1,
  datasetDriftShare: 0.5,
});

/** Names of the decision methods, as they appear in reports. */
export type DriftMethod = 'ks' | 'chi_square' | 'wasserstein_normed' | 'jensen_shannon';

/** The verdict for one column. */
export interface ColumnDriftDecision {
  method: DriftMethod;
  score: number;
  threshold: number;
  drifted: boolean;
}

/** Defaults overlaid with any overrides (undefined fields keep the default). */
export function resolveThresholds(...overrides: Array<Partial<DriftThresholds> | undefined>): DriftThresholds {
  const result: DriftThresholds = { ...DEFAULT_DRIFT_THRESHOLDS };
  for (const override of overrides) {
    if (!override) continue;
    for (const key of Object.keys(result) as Array<keyof DriftThresholds>) {
      const value = override[key];
      if (value !== undefined) result[key] = value;
    }
  }
  return result;
}

/**
 * Which method decides a column (see module doc). `fewValued`: a numeric
 * column with at most `thresholds.fewValuesMax` distinct values.
 */
export function chooseDriftMethod(
  kind: 'numerical' | 'categorical',
  referenceCount: number,
  fewValued: boolean,
  thresholds: DriftThresholds,
): DriftMethod {
  const categoricalLike = kind === 'categorical' || fewValued;
  if (referenceCount <= thresholds.smallReferenceMaxRows) return categoricalLike ? 'chi_square' : 'ks';
  return categoricalLike ? 'jensen_shannon' : 'wasserstein_normed';
}

/** Applies the threshold of `method` to its score: p-values drift low, distances high. */
export function decideColumnDrift(method: DriftMethod, score: number, thresholds: DriftThresholds): ColumnDriftDecision {
  switch (method) {
    case 'ks':
      return { method, score, threshold: thresholds.ksPValue, drifted: score <= thresholds.ksPValue };
    case 'chi_square':
      return { method, score, threshold: thresholds.chiSquarePValue, drifted: score <= thresholds.chiSquarePValue };
    case 'wasserstein_normed':
      return { method, score, threshold: thresholds.wassersteinNormed, drifted: score >= thresholds.wassersteinNormed };
    case 'jensen_shannon':
      return { method, score, threshold: thresholds.jensenShannon, drifted: score >= thresholds.jensenShannon };
  }
}

/** Dataset-level verdict from the per-column verdicts of the columns that could be evaluated. */
export function decideDatasetDrift(
  drifted: readonly boolean[],
  thresholds: Pick<DriftThresholds, 'datasetDriftShare'>,
): { driftShare: number; datasetDrift: boolean } {
  if (drifted.length === 0) return { driftShare: 0, datasetDrift: false };
  const driftShare = drifted.filter(Boolean).length / drifted.length;
  return { driftShare, datasetDrift: driftShare >= thresholds.datasetDriftShare };
}
