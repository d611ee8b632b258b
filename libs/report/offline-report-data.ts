/**
 * The report data of an offline comparison (`driftline drift A.csv B.csv
 * --html out.html`): the dataset report of libs/stats as one window.
 */
import type { ColumnHistogram } from '../stats/column-histogram.ts';
import type { ColumnReport, DatasetReport } from '../stats/column-report.ts';
import type { DriftReportData, FeatureWindowStats, ReportFeature } from './drift-report-types.ts';

export interface OfflineReportInput {
  /** Heading of the report (e.g. `current.csv vs reference.csv`). */
  title: string;
  report: DatasetReport;
  /** One histogram per column of `report`, in the same order (null: none). */
  histograms: ReadonlyArray<ColumnHistogram | null>;
  reference: { path: string; rows: number };
  current: { path: string; rows: number };
  /** When the comparison ran: the report's one window and its generation time. */
  nowMs: number;
}

function finite(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function statsOf(column: ColumnReport, windowStartMs: number): FeatureWindowStats {
  return {
    windowStartMs,
    method: column.drift?.method ?? null,
    score: finite(column.drift?.score),
    threshold: finite(column.drift?.threshold),
    drifted: column.drift ? column.drift.drifted : null,
    psi: finite(column.psi),
    ksPValue: finite(column.ks?.pValue),
    missingRate: column.missing.current,
    referenceCount: column.referenceCount,
    currentCount: column.currentCount,
    message: column.message ?? null,
  };
}

/** The report data of an offline dataset report: one window at `nowMs`. */
export function offlineDriftReportData(input: OfflineReportInput): DriftReportData {
  const { report, nowMs } = input;
  if (input.histograms.length !== report.columns.length) {
    throw new RangeError(`expected one histogram per column (${report.columns.length}), got ${input.histograms.length}`);
  }
  const evaluated = report.columns.filter((c) => c.drift !== null);
  const features: ReportFeature[] = report.columns.map((column, i) => {
    const latest = statsOf(column, nowMs);
    const histogram = input.histograms[i];
    return {
      name: column.name,
      kind: column.kind,
      latest,
      history: [latest],
      distribution: histogram ? { windowStartMs: nowMs, labels: histogram.labels, reference: histogram.reference, current: histogram.current } : null,
    };
  });
  return {
    model: input.title,
    modelVersion: null,
    source: { kind: 'offline', reference: input.reference.path, current: input.current.path, referenceRows: input.reference.rows, currentRows: input.current.rows },
    generatedAtMs: nowMs,
    windows: [
      {
        startMs: nowMs,
        endMs: nowMs,
        events: input.current.rows,
        features: evaluated.length,
        driftedFeatures: evaluated.filter((c) => c.drift!.drifted).length,
        driftShare: report.driftShare,
        datasetDrift: report.datasetDrift,
      },
    ],
    features,
  };
}
