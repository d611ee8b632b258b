/**
 * Realistic rows for every table the dashboards read, so dashboards.test.ts
 * runs each panel's SQL over real data paths (FINAL over replaced rows,
 * JSON columns, Nullable statistics, open and resolved alerts). Shapes
 * follow the writers: slo-finalizer (burn_rates keys "<sli>:<lookback ms>"),
 * the validation finalizer (samples JSON), trigger-policy outcomes, etc.
 *
 * Two models: `credit` (binary classification, versions v1 and v2; the
 * `income` feature drifts in the last hour) and `housing` (regression, v1).
 * Windows are 5 minutes over the 6 hours before `nowMs`.
 */

export const FIXTURE_WINDOW_MS = 5 * 60_000;
const HOUR = 3_600_000;
const LOOKBACKS_MS = [300_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 86_400_000, 259_200_000, 2_592_000_000];

/** ClickHouse DateTime64(3) text in UTC, as the JSONEachRow input format reads it by default. */
export const chTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/** Deterministic noise in [0, 1) (no Math.random: the fixture is the same on every run). */
function noise(seed: number): number {
  const x = Math.sin(seed * 12.9898) * 43758.5453;
  return x - Math.floor(x);
}

const SERIES = [
  { model: 'credit', version: 'v1', task: 'binary_classification' },
  { model: 'credit', version: 'v2', task: 'binary_classification' },
  { model: 'housing', version: 'v1', task: 'regression' },
] as const;
const FEATURES = [
  { feature: 'income', kind: 'numerical' },
  { feature: 'age', kind: 'numerical' },
  { feature: 'region', kind: 'categorical' },
] as const;

export type FixtureRows = Record<string, Array<Record<string, unknown>>>;

/** Rows per table for windows ending before `nowMs`. */
export function fixtureRows(nowMs: number): FixtureRows {
  const rows: FixtureRows = {
    slo_windows: [],
    slo_status: [],
    drift_metrics: [],
    drift_windows: [],
    validation_metrics: [],
    quality_metrics: [],
    alerts: [],
    trigger_decisions: [],
    training_runs: [],
    model_registry: [],
  };
  const firstWindow = Math.floor((nowMs - 6 * HOUR) / FIXTURE_WINDOW_MS) * FIXTURE_WINDOW_MS;
  let w = 0;
  for (let start = firstWindow; start + FIXTURE_WINDOW_MS <= nowMs; start += FIXTURE_WINDOW_MS, w++) {
    const end = start + FIXTURE_WINDOW_MS;
    const computed = chTime(end + 10_000);
    const recentHour = start >= nowMs - HOUR;
    for (const [s, { model, version, task }] of SERIES.entries()) {
      const seed = w * 10 + s;
      const requests = 500 + Math.round(200 * noise(seed));
      const errors = Math.round(requests * 0.01 * noise(seed + 1) * (recentHour ? 5 : 1));
      const p50 = 8 + 4 * noise(seed + 2);
      rows.slo_windows!.push({
        model, model_version: version, window_start: chTime(start), window_end: chTime(end),
        requests, errors, slow: Math.round(requests * 0.02 * noise(seed + 3)),
        p50, p90: p50 * 2, p95: p50 * 3, p99: p50 * 6, latency_sketch: '{}', computed_at: computed,
      });

      let drifted = 0;
      for (const [f, { feature, kind }] of FEATURES.entries()) {
        const shift = feature === 'income' && model === 'credit' && recentHour;
        const psi = shift ? 0.25 + 0.2 * noise(seed + f) : 0.01 + 0.05 * noise(seed + f);
        const pValue = shift ? 1e-6 * (1 + noise(seed + f + 7)) : 0.2 + 0.7 * noise(seed + f + 7);
        if (shift) drifted++;
        rows.drift_metrics!.push({
          model, model_version: version, window_start: chTime(start), window_end: chTime(end), feature, kind,
          reference_count: 10_000, current_count: requests - errors, missing_rate: 0.01 * noise(seed + f + 3),
          psi,
          ks_statistic: kind === 'numerical' ? (shift ? 0.3 : 0.03) : null,
          ks_p_value: kind === 'numerical' ? pValue : null,
          wasserstein_normed: kind === 'numerical' ? (shift ? 0.4 : 0.02) : null,
          chi2_statistic: kind === 'categorical' ? 3.1 : null,
          chi2_p_value: kind === 'categorical' ? pValue : null,
          chi2_dof: kind === 'categorical' ? 3 : null,
          jensen_shannon: 0.05,
          drift_method: kind === 'numerical' ? 'ks' : 'chisquare',
          drift_score: pValue, threshold: 0.05, drifted: shift ? 1 : 0,
          message: shift ? 'p-value below 0.05' : '', profile_version: 1, computed_at: computed,
        });
      }
      rows.drift_windows!.push({
        model, model_version: version, window_start: chTime(start), window_end: chTime(end), events: requests,
        late_events: w % 7 === 0 ? 3 : 0, features: FEATURES.length, drifted_features: drifted,
        drift_share: drifted / FEATURES.length, dataset_drift: drifted / FEATURES.length >= 0.5 ? 1 : 0, profile_version: 1, computed_at: computed,
      });

      if (w % 3 === 0) {
        const violations = 1 + Math.round(5 * noise(seed + 4));
        rows.validation_metrics!.push({
          model, model_version: version, window_start: chTime(start), window_end: chTime(end), rule: w % 2 ? 'range' : 'missing',
          feature: w % 2 ? 'age' : 'region', violations, rate: violations / requests, events_checked: requests,
          samples: JSON.stringify([{ prediction_id: `0190${String(seed).padStart(4, '0')}-0000-7000-8000-000000000001`, feature: w % 2 ? 'age' : 'region', value: w % 2 ? '-3' : '(absent)' }]),
          computed_at: computed,
        });
      }

      const predictions = requests;
      const labelled = Math.round(predictions * (start < nowMs - 2 * HOUR ? 0.6 : 0.2));
      const classification = task === 'binary_classification';
      rows.quality_metrics!.push({
        model, model_version: version, window_start: chTime(start), window_end: chTime(end), task, predictions, labelled,
        label_coverage: labelled / predictions,
        positives: classification ? Math.round(labelled * 0.3) : null,
        accuracy: classification ? 0.9 - 0.05 * noise(seed + 5) : null,
        precision: classification ? 0.8 : null, recall: classification ? 0.7 : null, f1: classification ? 0.75 : null,
        roc_auc: classification ? 0.88 : null, log_loss: classification ? 0.3 + 0.1 * noise(seed + 6) : null,
        calibration: '[]', mae: classification ? null : 12_000 * (1 + noise(seed)), rmse: classification ? null : 18_000, mape: classification ? null : 0.1,
        computed_at: computed,
      });
    }

    const sloEvery = 15 * 60_000;
    if (end % sloEvery === 0) {
      for (const model of ['credit', 'housing']) {
        const burn = (sli: string, factor: number) => Object.fromEntries(LOOKBACKS_MS.map((ms, i) => [`${sli}:${ms}`, i === LOOKBACKS_MS.length - 1 ? null : factor * (1 + noise(w + i))]));
        const hot = model === 'credit' && recentHour;
        rows.slo_status!.push({
          model, evaluated_at: chTime(end + 20_000), window_end: chTime(end),
          availability_budget_remaining: 0.8 - 0.001 * w, latency_budget_remaining: model === 'housing' ? null : 0.6,
          burn_rates: JSON.stringify({ ...burn('availability', hot ? 8 : 0.5), ...burn('latency', 0.3) }),
          severity: hot ? 'page' : '', firing_rules: hot ? 'availability:page-6h' : '', computed_at: chTime(end + 20_000),
        });
      }
    }
  }
  addReplacedRows(rows);
  addEvents(rows, nowMs);
  return rows;
}

/**
 * Older versions of some rows (smaller computed_at / updated_at): the reads
 * must use FINAL, or the "violations in range" total and the training run
 * states come out wrong — the test checks both.
 */
function addReplacedRows(rows: FixtureRows): void {
  for (const row of rows.validation_metrics!.slice(0, 5)) rows.validation_metrics!.push({ ...row, violations: 1000, computed_at: '2000-01-01 00:00:00.000' });
}

function addEvents(rows: FixtureRows, nowMs: number): void {
  const at = (ago: number) => chTime(nowMs - ago);
  rows.alerts!.push(
    { alert_id: 'a-slo-1', kind: 'slo', condition: 'slo/credit/availability', model: 'credit', severity: 'page', state: 'firing', ts: at(50 * 60_000), summary: 'availability burning 8.00× over page-6h', details: '{}' },
    { alert_id: 'a-slo-1', kind: 'slo', condition: 'slo/credit/availability', model: 'credit', severity: 'page', state: 'resolved', ts: at(20 * 60_000), summary: 'availability within objective', details: '{}' },
    { alert_id: 'a-drift-1', kind: 'drift', condition: 'credit/psi/income', model: 'credit', severity: 'ticket', state: 'firing', ts: at(55 * 60_000), summary: 'PSI 0.31 ≥ 0.2', details: '{}' },
    { alert_id: 'a-val-1', kind: 'validation', condition: 'credit/validation/range/age', model: 'credit', severity: 'ticket', state: 'firing', ts: at(3 * HOUR), summary: 'range violations 2.1% > 1%', details: '{}' },
    { alert_id: 'a-val-1', kind: 'validation', condition: 'credit/validation/range/age', model: 'credit', severity: 'ticket', state: 'resolved', ts: at(2 * HOUR), summary: 'range violations cleared', details: '{}' },
    { alert_id: 'a-q-1', kind: 'quality', condition: 'credit/quality/accuracy', model: 'credit', severity: 'ticket', state: 'firing', ts: at(HOUR), summary: 'accuracy dropped 0.06 below baseline', details: '{}' },
  );
  const outcome = (rule: string, met: boolean) => ({ rule, observed: met ? 'yes' : 'no', threshold: 1, met });
  rows.trigger_decisions!.push(
    { decision_id: 'd1', model: 'credit', evaluated_at: at(2 * HOUR), fired: 0, reasons: JSON.stringify([outcome('drift: psi >= 0.2 for 3 consecutive windows', false)]), blocked_by: '[]', candidate_id: '', job_id: '' },
    { decision_id: 'd2', model: 'credit', evaluated_at: at(40 * 60_000), fired: 0, reasons: JSON.stringify([outcome('drift: psi >= 0.2 for 3 consecutive windows', true)]), blocked_by: JSON.stringify([outcome('min_labelled_rows', false)]), candidate_id: '', job_id: '' },
    { decision_id: 'd3', model: 'credit', evaluated_at: at(30 * 60_000), fired: 1, reasons: JSON.stringify([outcome('drift: psi >= 0.2 for 3 consecutive windows', true)]), blocked_by: '[]', candidate_id: 'cand-1', job_id: 'job-1' },
  );
  const run = { run_id: 'run-1', job_id: 'job-1', model: 'credit', candidate_id: 'cand-1', base_version: 'v2', new_version: 'v3', trainer: 'logistic', metrics: '{"roc_auc":0.9}', error: '', started_at: at(29 * 60_000) };
  rows.training_runs!.push(
    { ...run, state: 'training', updated_at: at(28 * 60_000) },
    { ...run, state: 'registered', updated_at: at(25 * 60_000) },
    { ...run, run_id: 'run-0', job_id: 'job-0', new_version: '', state: 'failed', error: 'too few rows', started_at: at(5 * HOUR), updated_at: at(5 * HOUR - 60_000) },
  );
  const version = (model: string, v: string, stage: string, createdAgo: number, updatedAgo: number) => ({
    model, version: v, stage, artifact_uri: `file:///models/${model}/${v}/model.onnx`, metrics: '{"roc_auc":0.88}', champion_metrics: '{}', lineage: '{}',
    promoted_by: stage === 'champion' ? 'ops' : '', created_at: at(createdAgo), updated_at: at(updatedAgo),
  });
  rows.model_registry!.push(
    version('credit', 'v1', 'champion', 5 * HOUR, 5 * HOUR),
    version('credit', 'v1', 'archived', 5 * HOUR, 4 * HOUR),
    version('credit', 'v2', 'champion', 4.5 * HOUR, 4 * HOUR),
    version('credit', 'v3', 'candidate', 25 * 60_000, 25 * 60_000),
    version('housing', 'v1', 'champion', 5.5 * HOUR, 5.5 * HOUR),
  );
}
