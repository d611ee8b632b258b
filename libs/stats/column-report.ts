/**
 * Drift report of a column and of a dataset, from the reference and current
 * column states: missing rates, every statistic, and the default decision
 * (./drift-decision.ts). Handles the edge cases the statistics themselves
 * refuse — a side with no non-missing value gets a message and no numbers,
 * never NaN — and reconciles kinds: a column numeric on one side and
 * categorical on the other is compared as categorical.
 */
import { categoricalStatistics, numericStatistics, type CategoricalStatistics, type NumericStatistics } from './column-statistics.ts';
import { chooseDriftMethod, decideColumnDrift, decideDatasetDrift, resolveThresholds, type ColumnDriftDecision, type DriftThresholds } from './drift-decision.ts';
import type { ChiSquareResult } from './chi-square.ts';
import type { KsResult } from './ks.ts';
import { numericAsCategorical, type CategoricalColumnState, type ColumnState, type NumericColumnState } from './partial-state.ts';

/** Report of one column. Statistics are null where they do not apply or a side is empty. */
export interface ColumnReport {
  name: string;
  kind: 'numerical' | 'categorical';
  /** Non-missing values used, per side. */
  referenceCount: number;
  currentCount: number;
  /** Missing share of the rows, per side (0 for a side with no rows). */
  missing: { reference: number; current: number };
  psi: number | null;
  jensenShannon: number | null;
  /** Numerical columns only. */
  ks: KsResult | null;
  wassersteinNormed: number | null;
  /** Categorical columns, and numerical ones with few distinct values. */
  chiSquare: ChiSquareResult | null;
  /** Null when the column could not be evaluated; `message` says why. */
  drift: ColumnDriftDecision | null;
  message?: string;
}

/** Options of a report. */
export interface ReportOptions {
  /** Numeric PSI/JS bin count (default 10). */
  bins?: number;
  /** Thresholds for every column (defaults: Evidently's). */
  thresholds?: Partial<DriftThresholds>;
  /** Per-column threshold overrides, by column name. */
  columnThresholds?: Readonly<Record<string, Partial<DriftThresholds>>>;
}

/** Report of a dataset: its columns and the dataset verdict. */
export interface DatasetReport {
  columns: ColumnReport[];
  /** Drifted share of the columns that could be evaluated. */
  driftShare: number;
  datasetDrift: boolean;
}

function countOf(state: ColumnState): number {
  if (state.kind === 'numerical') return state.count;
  let total = 0;
  for (const count of state.counts.values()) total += count;
  return total;
}

function missingRate(state: ColumnState): number {
  const rows = countOf(state) + state.missing;
  return rows === 0 ? 0 : state.missing / rows;
}

function asCategorical(state: ColumnState): CategoricalColumnState {
  return state.kind === 'categorical' ? state : numericAsCategorical(state);
}

function emptyMessage(referenceCount: number, currentCount: number): string {
  const sides = [referenceCount === 0 ? 'reference' : null, currentCount === 0 ? 'current' : null].filter(Boolean);
  return `no non-missing values in the ${sides.join(' and ')} data; drift not evaluated`;
}

/**
 * Report of one column. Numeric states are sorted in place (they are
 * owned by the caller's pipeline and sorting once serves every statistic).
 */
export function computeColumnReport(
  name: string,
  reference: ColumnState,
  current: ColumnState,
  options: ReportOptions = {},
): ColumnReport {
  const thresholds = resolveThresholds(options.thresholds, options.columnThresholds?.[name]);
  const kind = reference.kind === 'numerical' && current.kind === 'numerical' ? 'numerical' : 'categorical';
  const referenceCount = countOf(reference);
  const currentCount = countOf(current);
  const report: ColumnReport = {
    name,
    kind,
    referenceCount,
    currentCount,
    missing: { reference: missingRate(reference), current: missingRate(current) },
    psi: null,
    jensenShannon: null,
    ks: null,
    wassersteinNormed: null,
    chiSquare: null,
    drift: null,
  };
  if (referenceCount === 0 || currentCount === 0) {
    report.message = emptyMessage(referenceCount, currentCount);
    return report;
  }

  let stats: NumericStatistics | CategoricalStatistics;
  if (kind === 'numerical') {
    stats = numericStatistics(reference as NumericColumnState, current as NumericColumnState, {
      bins: options.bins,
      fewValuesMax: thresholds.fewValuesMax,
    });
    report.ks = stats.ks;
    report.wassersteinNormed = stats.wassersteinNormed;
    report.chiSquare = stats.valueChiSquare;
  } else {
    stats = categoricalStatistics(asCategorical(reference), asCategorical(current));
    report.chiSquare = stats.chiSquare;
  }
  report.psi = stats.psi;
  report.jensenShannon = stats.jensenShannon;

  const fewValued = stats.kind === 'numerical' && stats.fewValued;
  const method = chooseDriftMethod(kind, referenceCount, fewValued, thresholds);
  const score =
    method === 'ks'
      ? report.ks!.pValue
      : method === 'chi_square'
        ? report.chiSquare!.pValue
        : method === 'wasserstein_normed'
          ? report.wassersteinNormed!
          : report.jensenShannon!;
  report.drift = decideColumnDrift(method, score, thresholds);
  return report;
}

/** Report of a dataset from (name, reference state, current state) triples, in the given order. */
export function computeDatasetReport(
  columns: ReadonlyArray<{ name: string; reference: ColumnState; current: ColumnState }>,
  options: ReportOptions = {},
): DatasetReport {
  const reports = columns.map((c) => computeColumnReport(c.name, c.reference, c.current, options));
  const verdicts = reports.flatMap((r) => (r.drift ? [r.drift.drifted] : []));
  const { driftShare, datasetDrift } = decideDatasetDrift(verdicts, resolveThresholds(options.thresholds));
  return { columns: reports, driftShare, datasetDrift };
}
