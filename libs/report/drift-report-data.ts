/**
 * Builds a stream drift report from ClickHouse: the dataset verdicts of
 * drift_windows FINAL and the per-feature rows of drift_metrics FINAL
 * (with the binned distributions of migration 0016) for one model version
 * over a range of window starts. Every value from the caller travels as a
 * query parameter.
 */
import { queryRows, type ClickHouseClient } from '../clickhouse/client.ts';
import { DriftlineError } from '../errors/errors.ts';
import type { DriftReportData, FeatureDistribution, FeatureWindowStats, ReportFeature, ReportWindow } from './drift-report-types.ts';
import { formatTime } from './report-format.ts';

/** What to report on. */
export interface DriftReportQuery {
  model: string;
  /** Model version; unset → the version of the newest window in the range. */
  version?: string | undefined;
  /** Range [fromMs, toMs) on window_start. */
  fromMs: number;
  toMs: number;
  /** Most windows shown (default 1000): the newest; the report says how many were left out. */
  maxWindows?: number;
  /** Generation time written into the report (default: now). */
  nowMs?: number;
}

export const DEFAULT_MAX_REPORT_WINDOWS = 1000;

const RANGE = `model = {model:String} AND window_start >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC') AND window_start < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC')`;

interface VersionRow { model_version: string; windows: string; first_ms: string; last_ms: string }
interface WindowRow { start_ms: string; end_ms: string; events: string; features: number; drifted_features: number; drift_share: number; dataset_drift: number }
interface MetricRow {
  feature: string;
  kind: string;
  start_ms: string;
  reference_count: string;
  current_count: string;
  missing_rate: number;
  psi: number | null;
  ks_p_value: number | null;
  drift_method: string;
  drift_score: number | null;
  threshold: number | null;
  drifted: number;
  message: string;
}
interface HistogramRow { feature: string; start_ms: string; bin_labels: string; reference_shares: string; current_shares: string }

function span(rows: VersionRow[]): string {
  const first = Math.min(...rows.map((r) => Number(r.first_ms)));
  const last = Math.max(...rows.map((r) => Number(r.last_ms)));
  return `${formatTime(first)} to ${formatTime(last)}`;
}

function validate(query: DriftReportQuery): void {
  if (typeof query.model !== 'string' || query.model.trim() === '') throw new DriftlineError('INPUT_INVALID', "'model' is required: the model to report on");
  if (query.version !== undefined && query.version.trim() === '') throw new DriftlineError('INPUT_INVALID', "'version' is empty; leave it out to report on the newest version in the range");
  if (!Number.isFinite(query.fromMs) || !Number.isFinite(query.toMs)) throw new DriftlineError('INPUT_INVALID', "'from' and 'to' must be finite times in ms");
  if (query.fromMs >= query.toMs) throw new DriftlineError('INPUT_INVALID', `'from' (${formatTime(query.fromMs)}) must be before 'to' (${formatTime(query.toMs)})`);
  if (query.maxWindows !== undefined && !(Number.isInteger(query.maxWindows) && query.maxWindows >= 1)) throw new DriftlineError('INPUT_INVALID', `maxWindows must be a positive integer, got ${query.maxWindows}`);
}

/**
 * Picks the version to report on; throws NOT_FOUND naming what exists when
 * the model, the version or any window in the range is missing.
 */
async function chooseVersion(clickhouse: ClickHouseClient, query: DriftReportQuery): Promise<{ version: string; others: string[] }> {
  const params = { model: query.model, fromMs: query.fromMs, toMs: query.toMs };
  const inRange = await queryRows<VersionRow>(
    clickhouse,
    `SELECT model_version, count() AS windows, toUnixTimestamp64Milli(min(window_start)) AS first_ms, toUnixTimestamp64Milli(max(window_start)) AS last_ms
       FROM drift_windows WHERE ${RANGE} GROUP BY model_version ORDER BY last_ms DESC, model_version`,
    params,
  );
  const wanted = query.version ?? inRange[0]?.model_version;
  if (wanted !== undefined && inRange.some((r) => r.model_version === wanted)) {
    return { version: wanted, others: inRange.map((r) => r.model_version).filter((v) => v !== wanted) };
  }
  // Nothing to show: say whether the model, the version or the range is wrong.
  const all = await queryRows<VersionRow>(
    clickhouse,
    `SELECT model_version, count() AS windows, toUnixTimestamp64Milli(min(window_start)) AS first_ms, toUnixTimestamp64Milli(max(window_start)) AS last_ms
       FROM drift_windows WHERE model = {model:String} GROUP BY model_version ORDER BY model_version`,
    params,
  );
  if (all.length === 0) {
    const known = await queryRows<{ model: string }>(clickhouse, 'SELECT DISTINCT model FROM drift_windows ORDER BY model LIMIT 21');
    const list = known.length === 0 ? 'no model has drift results yet' : `models with drift results: ${known.slice(0, 20).map((k) => k.model).join(', ')}${known.length > 20 ? ', …' : ''}`;
    throw new DriftlineError('NOT_FOUND', `unknown model '${query.model}': no drift results (${list})`, { details: { parameter: 'model' } });
  }
  const range = `${formatTime(query.fromMs)} to ${formatTime(query.toMs)}`;
  if (query.version !== undefined) {
    const own = all.filter((r) => r.model_version === query.version);
    if (own.length === 0) {
      throw new DriftlineError('NOT_FOUND', `model '${query.model}' has no drift results for version '${query.version}' (versions: ${all.map((r) => r.model_version).join(', ')})`, { details: { parameter: 'version' } });
    }
    throw new DriftlineError('NOT_FOUND', `model '${query.model}' version '${query.version}' has no drift windows from ${range}; its windows start from ${span(own)}`, { details: { parameter: 'from' } });
  }
  throw new DriftlineError('NOT_FOUND', `model '${query.model}' has no drift windows from ${range}; its windows start from ${span(all)}`, { details: { parameter: 'from' } });
}

function parseDistribution(row: HistogramRow): FeatureDistribution | null {
  if (row.bin_labels === '') return null;
  try {
    const labels: unknown = JSON.parse(row.bin_labels);
    const reference: unknown = JSON.parse(row.reference_shares);
    const current: unknown = JSON.parse(row.current_shares);
    const isNumbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');
    if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string') || !isNumbers(reference) || !isNumbers(current)) return null;
    if (reference.length !== labels.length || current.length !== labels.length) return null;
    return { windowStartMs: Number(row.start_ms), labels, reference, current };
  } catch {
    // A malformed row loses its chart, not the report.
    return null;
  }
}

function statsOf(row: MetricRow): FeatureWindowStats {
  const evaluated = row.drift_method !== '';
  return {
    windowStartMs: Number(row.start_ms),
    method: evaluated ? row.drift_method : null,
    score: row.drift_score,
    threshold: row.threshold,
    drifted: evaluated ? row.drifted === 1 : null,
    psi: row.psi,
    ksPValue: row.ks_p_value,
    missingRate: row.missing_rate,
    referenceCount: Number(row.reference_count),
    currentCount: Number(row.current_count),
    message: row.message === '' ? null : row.message,
  };
}

/**
 * The report of one model version over [fromMs, toMs). Throws INPUT_INVALID
 * for a bad query and NOT_FOUND (naming what does exist) for an unknown
 * model or version, or a range without windows.
 */
export async function loadDriftReport(clickhouse: ClickHouseClient, query: DriftReportQuery): Promise<DriftReportData> {
  validate(query);
  const { version, others } = await chooseVersion(clickhouse, query);
  const params = { model: query.model, version, fromMs: query.fromMs, toMs: query.toMs, limit: query.maxWindows ?? DEFAULT_MAX_REPORT_WINDOWS };
  const [windowRows, counted] = await Promise.all([
    queryRows<WindowRow>(
      clickhouse,
      `SELECT toUnixTimestamp64Milli(window_start) AS start_ms, toUnixTimestamp64Milli(window_end) AS end_ms, events, features, drifted_features, drift_share, dataset_drift
         FROM drift_windows FINAL WHERE ${RANGE} AND model_version = {version:String} ORDER BY window_start DESC LIMIT {limit:UInt32}`,
      params,
    ),
    queryRows<{ n: string }>(clickhouse, `SELECT count() AS n FROM drift_windows FINAL WHERE ${RANGE} AND model_version = {version:String}`, params),
  ]);
  const windows: ReportWindow[] = windowRows.reverse().map((w) => ({
    startMs: Number(w.start_ms),
    endMs: Number(w.end_ms),
    events: Number(w.events),
    features: w.features,
    driftedFeatures: w.drifted_features,
    driftShare: w.drift_share,
    datasetDrift: w.dataset_drift === 1,
  }));
  const shown = { ...params, fromMs: windows[0]!.startMs, toMs: windows[windows.length - 1]!.startMs + 1 };
  const metricRows = await queryRows<MetricRow>(
    clickhouse,
    `SELECT feature, kind, toUnixTimestamp64Milli(window_start) AS start_ms, reference_count, current_count, missing_rate, psi, ks_p_value, drift_method, drift_score, threshold, drifted, message
       FROM drift_metrics FINAL WHERE ${RANGE} AND model_version = {version:String} ORDER BY feature, window_start`,
    shown,
  );
  const byFeature = new Map<string, { kind: string; history: FeatureWindowStats[] }>();
  for (const row of metricRows) {
    let entry = byFeature.get(row.feature);
    if (!entry) byFeature.set(row.feature, (entry = { kind: row.kind, history: [] }));
    entry.kind = row.kind;
    entry.history.push(statsOf(row));
  }
  // Only the newest window's distributions are charted: one row per feature, not one per window.
  const latestStarts = [...new Set([...byFeature.values()].map((f) => f.history[f.history.length - 1]!.windowStartMs))];
  const histogramRows = await queryRows<HistogramRow>(
    clickhouse,
    `SELECT feature, toUnixTimestamp64Milli(window_start) AS start_ms, bin_labels, reference_shares, current_shares
       FROM drift_metrics FINAL WHERE ${RANGE} AND model_version = {version:String} AND toUnixTimestamp64Milli(window_start) IN {starts:Array(Int64)}`,
    { ...shown, starts: latestStarts },
  );
  const distributions = new Map(histogramRows.map((r) => [`${r.feature}\u0000${r.start_ms}`, r]));
  const features: ReportFeature[] = [...byFeature].map(([name, f]) => {
    const latest = f.history[f.history.length - 1]!;
    const row = distributions.get(`${name}\u0000${latest.windowStartMs}`);
    return { name, kind: f.kind === 'numerical' ? 'numerical' : 'categorical', latest, history: f.history, distribution: row ? parseDistribution(row) : null };
  });
  return {
    model: query.model,
    modelVersion: version,
    source: { kind: 'stream', fromMs: query.fromMs, toMs: query.toMs, otherVersions: others, omittedWindows: Math.max(0, Number(counted[0]?.n ?? 0) - windows.length) },
    generatedAtMs: query.nowMs ?? Date.now(),
    windows,
    features,
  };
}
