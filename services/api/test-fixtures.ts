/**
 * Rows the query API tests insert, one small known set per table, and the
 * app built over them. Times are relative to the start of the current
 * minute so every row lies in the default "last 24 h" (and the predictions
 * TTL keeps them), except the rows marked old.
 */
import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { silentLogger, type Logger } from '../../libs/logging/logger.ts';
import { buildApiApp, type ApiAppDeps } from './app.ts';
import type { ApiLimits } from './route-context.ts';

export const MINUTE = 60_000;
export const DAY = 86_400_000;
export const NOW = Math.floor(Date.now() / MINUTE) * MINUTE;
/** Start of the i-th window back from NOW (i = 0: the newest). */
export const windowStart = (i: number) => NOW - (i + 1) * MINUTE;
/** ClickHouse's own text form of a DateTime64(3, 'UTC') value. */
export const iso = (ms: number) => new Date(ms).toISOString();

export const DEFAULT_LIMITS: ApiLimits = { maxRangeMs: 31 * DAY, maxPageSize: 1_000, bodyLimit: 4_096, rateLimitPerMinute: 0 };

/** Builds the app over `clickhouse` with test defaults; `deps` overrides. */
export function testApp(clickhouse: ClickHouseClient, deps: Partial<ApiAppDeps> = {}, logger: Logger = silentLogger()) {
  return buildApiApp({ clickhouse, logger, auth: {}, limits: DEFAULT_LIMITS, clock: () => NOW, ...deps });
}

const FEATURES = ['age', 'income', 'region'];

/** drift_metrics: m-alpha v1 and v2 × 10 windows × 3 features, m-beta v1 × 5 windows × 3 features, one row 40 days old. */
export function driftRows() {
  const rows: Array<Record<string, unknown>> = [];
  const add = (model: string, version: string, i: number, feature: string, windowMs = windowStart(i)) =>
    rows.push({
      model,
      model_version: version,
      window_start: windowMs,
      window_end: windowMs + MINUTE,
      feature,
      kind: feature === 'region' ? 'categorical' : 'numeric',
      reference_count: 1000,
      current_count: 100 + i,
      missing_rate: 0.01 * i,
      psi: feature === 'region' ? null : 0.05 * i,
      ks_statistic: feature === 'region' ? null : 0.02 * i,
      ks_p_value: feature === 'region' ? null : 1 / (i + 1),
      chi2_statistic: feature === 'region' ? 3.5 : null,
      chi2_p_value: feature === 'region' ? 0.17 : null,
      chi2_dof: feature === 'region' ? 2 : null,
      drift_method: feature === 'region' ? 'chi_square' : 'ks',
      drift_score: 0.1 * i,
      threshold: 0.05,
      drifted: i >= 5 && feature === 'income' ? 1 : 0,
      message: `${model}/${version}/${feature}/${i}`,
      profile_version: 1,
      computed_at: NOW,
    });
  for (const version of ['1', '2']) for (let i = 0; i < 10; i++) for (const f of FEATURES) add('m-alpha', version, i, f);
  for (let i = 0; i < 5; i++) for (const f of FEATURES) add('m-beta', '1', i, f);
  add('m-alpha', '1', 0, 'age', NOW - 40 * DAY);
  return rows;
}

export async function insertFixtures(clickhouse: ClickHouseClient): Promise<void> {
  const insert = (table: string, values: Array<Record<string, unknown>>) => clickhouse.insert({ table, values, format: 'JSONEachRow' });
  await insert('drift_metrics', driftRows());
  // A recomputation of one row: FINAL must answer only the newer one.
  await insert('drift_metrics', [{ ...driftRows()[0]!, psi: 9.99, message: 'recomputed', computed_at: NOW + 1 }]);

  await insert(
    'drift_windows',
    [0, 1, 2].map((i) => ({ model: 'm-alpha', model_version: '1', window_start: windowStart(i), window_end: windowStart(i) + MINUTE, events: 100 + i, late_events: i, features: 3, drifted_features: i, drift_share: i / 3, dataset_drift: i === 2 ? 1 : 0, profile_version: 1, computed_at: NOW })),
  );
  await insert('validation_metrics', [
    { model: 'm-alpha', model_version: '1', window_start: windowStart(0), window_end: windowStart(0) + MINUTE, rule: 'range', feature: 'age', violations: 3, rate: 0.03, events_checked: 100, samples: JSON.stringify([{ prediction_id: 'p1', feature: 'age', value: 130 }]), computed_at: NOW },
    { model: 'm-alpha', model_version: '1', window_start: windowStart(0), window_end: windowStart(0) + MINUTE, rule: 'missing', feature: 'income', violations: 1, rate: 0.01, events_checked: 100, samples: '[]', computed_at: NOW },
    { model: 'm-beta', model_version: '1', window_start: windowStart(1), window_end: windowStart(1) + MINUTE, rule: 'unknown_feature', feature: "it's odd", violations: 2, rate: 0.5, events_checked: 4, samples: JSON.stringify([{ prediction_id: 'p2', feature: "it's odd", value: 'x' }]), computed_at: NOW },
  ]);
  await insert(
    'slo_windows',
    [0, 1].map((i) => ({ model: 'm-alpha', model_version: '1', window_start: windowStart(i), window_end: windowStart(i) + MINUTE, requests: 1000, errors: i, slow: 2 * i, p50: 4.5, p90: 9, p95: 12, p99: 40 + i, latency_sketch: '{}', computed_at: NOW })),
  );
  await insert('slo_status', [
    { model: 'm-alpha', evaluated_at: NOW - 2 * MINUTE, window_end: NOW - MINUTE, availability_budget_remaining: 0.9, latency_budget_remaining: 0.8, burn_rates: JSON.stringify({ 'availability:3600000': 1.5 }), severity: '', firing_rules: '', computed_at: NOW },
    { model: 'm-alpha', evaluated_at: NOW - MINUTE, window_end: NOW, availability_budget_remaining: 0.5, latency_budget_remaining: null, burn_rates: JSON.stringify({ 'availability:3600000': 15.2, 'availability:300000': null }), severity: 'page', firing_rules: 'availability:page_1h,latency:ticket_1d', computed_at: NOW },
    { model: 'm-beta', evaluated_at: NOW - MINUTE, window_end: NOW - MINUTE, availability_budget_remaining: 1, latency_budget_remaining: 1, burn_rates: '{}', severity: '', firing_rules: '', computed_at: NOW },
  ]);
  await insert('quality_metrics', [
    { model: 'm-alpha', model_version: '1', window_start: windowStart(60), window_end: windowStart(0), task: 'binary_classification', predictions: 500, labelled: 250, label_coverage: 0.5, positives: 50, accuracy: 0.91, precision: 0.7, recall: 0.6, f1: 0.646, roc_auc: 0.88, log_loss: 0.3, calibration: JSON.stringify([{ bin_lo: 0, bin_hi: 0.1, count: 100, mean_score: 0.05, positive_rate: 0.04 }]), mae: null, rmse: null, mape: null, computed_at: NOW },
  ]);
  await insert('alerts', [
    { alert_id: 'a-1', kind: 'drift', condition: 'drift:m-alpha:income', model: 'm-alpha', severity: 'ticket', state: 'firing', ts: NOW - 10 * MINUTE, summary: 'income drifted', details: JSON.stringify({ psi: 0.4, feature: 'income' }) },
    { alert_id: 'a-1', kind: 'drift', condition: 'drift:m-alpha:income', model: 'm-alpha', severity: 'ticket', state: 'resolved', ts: NOW - 5 * MINUTE, summary: 'income back to normal', details: '{}' },
    { alert_id: 'a-2', kind: 'slo', condition: 'slo:m-alpha:availability', model: 'm-alpha', severity: 'page', state: 'firing', ts: NOW - 3 * MINUTE, summary: 'burning', details: JSON.stringify({ burn_rate: 15.2 }) },
    { alert_id: 'a-3', kind: 'validation', condition: 'validation:m-beta:range', model: 'm-beta', severity: 'ticket', state: 'firing', ts: NOW - 2 * MINUTE, summary: 'range', details: '' },
  ]);
  await insert('retrain_candidates', [
    { candidate_id: 'cand-1', model: 'm-alpha', model_version: '1', from_ts: NOW - DAY, to_ts: NOW, filters: JSON.stringify({ min_label_ts: null }), reason: 'drift on income', decision_id: 'dec-1', row_count: 1200, label_coverage: 0.4, class_balance: JSON.stringify({ '0': 1000, '1': 200 }), created_at: NOW - 30 * MINUTE },
    { candidate_id: 'cand-2', model: 'm-beta', model_version: '1', from_ts: NOW - DAY, to_ts: NOW, filters: '{}', reason: 'schedule', decision_id: 'dec-2', row_count: 10, label_coverage: 1, class_balance: '{}', created_at: NOW - 20 * MINUTE },
  ]);
  const run = { run_id: 'run-1', job_id: 'job-1', model: 'm-alpha', candidate_id: 'cand-1', base_version: '1', trainer: 'logistic', error: '', started_at: NOW - 25 * MINUTE };
  await insert('training_runs', [{ ...run, new_version: '', state: 'queued', metrics: '', updated_at: NOW - 25 * MINUTE }]);
  await insert('training_runs', [{ ...run, new_version: '2', state: 'registered', metrics: JSON.stringify({ auc: 0.9 }), updated_at: NOW - 20 * MINUTE }]);
  await insert('trigger_decisions', [
    { decision_id: 'dec-1', model: 'm-alpha', evaluated_at: NOW - 31 * MINUTE, fired: 1, reasons: JSON.stringify([{ rule: 'drift_share', observed: 0.4, threshold: 0.3, met: true }]), blocked_by: '[]', candidate_id: 'cand-1', job_id: 'job-1' },
    { decision_id: 'dec-0', model: 'm-alpha', evaluated_at: NOW - 60 * MINUTE, fired: 0, reasons: '[]', blocked_by: JSON.stringify([{ rule: 'min_labels', observed: 10, threshold: 100, met: false }]), candidate_id: '', job_id: '' },
  ]);
  const reg = { model: 'm-alpha', artifact_uri: 'file:///models/m-alpha/2', champion_metrics: '', promoted_by: '', created_at: NOW - 20 * MINUTE };
  await insert('model_registry', [
    { ...reg, version: '1', stage: 'champion', artifact_uri: 'file:///models/m-alpha/1', metrics: JSON.stringify({ auc: 0.85 }), lineage: JSON.stringify({ dataset: 'seed=7' }), updated_at: NOW - DAY },
    { ...reg, version: '2', stage: 'candidate', metrics: JSON.stringify({ auc: 0.9 }), lineage: JSON.stringify({ candidate_id: 'cand-1', run_id: 'run-1' }), updated_at: NOW - 20 * MINUTE },
  ]);
  await insert('model_registry', [{ ...reg, version: '2', stage: 'champion', metrics: JSON.stringify({ auc: 0.9 }), lineage: JSON.stringify({ candidate_id: 'cand-1', run_id: 'run-1' }), promoted_by: 'ops', updated_at: NOW - 10 * MINUTE }]);
  const prediction = (id: number, model: string, version: string, ts: number) => ({
    prediction_id: `0190a0b0-0000-7000-8000-${String(id).padStart(12, '0')}`,
    model,
    model_version: version,
    ts,
    features: '{}',
    outputs: '{}',
    latency_ms: 2,
    status: 'ok',
    error: '',
    node: 'n1',
    execution_provider: 'cpu',
    topic: 'driftline.predictions',
    partition: 0,
    offset: id,
  });
  await insert('predictions', [prediction(1, 'm-alpha', '1', NOW - 5 * MINUTE), prediction(2, 'm-alpha', '1', NOW - 4 * MINUTE), prediction(3, 'm-alpha', '2', NOW - 3 * MINUTE), prediction(4, 'm-gamma', '7', NOW - 2 * MINUTE)]);
  await insert('reference_profiles', [{ model: 'm-delta', model_version: '1', profile_version: 1, source: 'test', rows: 10, profile: '{}' }, { model: 'm-alpha', model_version: '1', profile_version: 1, source: 'test', rows: 10, profile: '{}' }]);
}

/** Every row count the fixtures leave, by table, to check nothing was dropped or added. */
export const TABLES = ['drift_metrics', 'drift_windows', 'validation_metrics', 'slo_windows', 'slo_status', 'quality_metrics', 'alerts', 'retrain_candidates', 'training_runs', 'trigger_decisions', 'model_registry', 'predictions', 'reference_profiles'];
