/**
 * The two renderings of an offline drift report: the `--json` object (one
 * object, snake_case, never NaN — a statistic that does not apply is null)
 * and the human table.
 */
import type { ColumnReport, DatasetReport } from '../../libs/stats/column-report.ts';

/** One column of the JSON report. */
export interface ColumnJson {
  name: string;
  kind: 'numerical' | 'categorical';
  reference_count: number;
  current_count: number;
  missing: { reference: number; current: number };
  psi: number | null;
  ks: { statistic: number; p_value: number; method: 'exact' | 'asymptotic' } | null;
  wasserstein_normed: number | null;
  chi2: { statistic: number; p_value: number; dof: number } | null;
  jensen_shannon: number | null;
  drift_method: string | null;
  drift_score: number | null;
  threshold: number | null;
  drifted: boolean | null;
  message?: string;
}

/** The JSON report printed by `driftline drift --json`. */
export interface DriftReportJson {
  reference_rows: number;
  current_rows: number;
  columns: ColumnJson[];
  drift_share: number;
  dataset_drift: boolean;
}

/** A finite number or null: the JSON report must never carry NaN or ±Infinity. */
function finite(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function columnJson(c: ColumnReport): ColumnJson {
  const json: ColumnJson = {
    name: c.name,
    kind: c.kind,
    reference_count: c.referenceCount,
    current_count: c.currentCount,
    missing: { reference: c.missing.reference, current: c.missing.current },
    psi: finite(c.psi),
    ks: c.ks ? { statistic: c.ks.statistic, p_value: c.ks.pValue, method: c.ks.method } : null,
    wasserstein_normed: finite(c.wassersteinNormed),
    chi2: c.chiSquare ? { statistic: c.chiSquare.statistic, p_value: c.chiSquare.pValue, dof: c.chiSquare.dof } : null,
    jensen_shannon: finite(c.jensenShannon),
    drift_method: c.drift?.method ?? null,
    drift_score: finite(c.drift?.score),
    threshold: finite(c.drift?.threshold),
    drifted: c.drift?.drifted ?? null,
  };
  if (c.message !== undefined) json.message = c.message;
  return json;
}

/** The JSON object of a dataset report. */
export function toDriftReportJson(report: DatasetReport, referenceRows: number, currentRows: number): DriftReportJson {
  return {
    reference_rows: referenceRows,
    current_rows: currentRows,
    columns: report.columns.map(columnJson),
    drift_share: report.driftShare,
    dataset_drift: report.datasetDrift,
  };
}

/** Compact number for the table: 4 significant digits, exponent form for tiny p-values. */
function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  if (value !== 0 && Math.abs(value) < 1e-3) return value.toExponential(2);
  return Number(value.toPrecision(4)).toString();
}

function percent(share: number): string {
  return `${(share * 100).toFixed(share > 0 && share < 0.01 ? 2 : 0)}%`;
}

/** Human-readable report: one aligned row per column and a summary line. */
export function formatDriftTable(report: DatasetReport, referenceRows: number, currentRows: number): string {
  const header = ['column', 'kind', 'method', 'score', 'threshold', 'drift', 'psi', 'missing ref/cur'];
  const rows = report.columns.map((c) => [
    c.name,
    c.kind,
    c.drift?.method ?? '-',
    formatNumber(c.drift?.score),
    formatNumber(c.drift?.threshold),
    c.drift ? (c.drift.drifted ? 'DRIFT' : 'ok') : 'n/a',
    formatNumber(c.psi),
    `${percent(c.missing.reference)}/${percent(c.missing.current)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  // Text columns align left, numbers right.
  const rightAligned = new Set([3, 4, 6, 7]);
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const evaluated = report.columns.filter((c) => c.drift !== null);
  const drifted = evaluated.filter((c) => c.drift!.drifted).length;
  const notes = report.columns.filter((c) => c.message).map((c) => `  ${c.name}: ${c.message}`);
  return [
    `reference: ${referenceRows} rows, current: ${currentRows} rows`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    ...(notes.length > 0 ? ['notes:', ...notes, ''] : []),
    `drifted columns: ${drifted} of ${evaluated.length} (${percent(report.driftShare)}); dataset drift: ${report.datasetDrift ? 'YES' : 'no'}`,
    '',
  ].join('\n');
}
