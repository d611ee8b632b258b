import type { FastifyPluginAsync } from 'fastify';
import { itemSchema, mapRow, selectList, type Columns } from '../columns.ts';
import { byFeature, byFlag, byKeyword, byModel, byVersion } from '../filters.ts';
import { registerListRoute } from '../list-route.ts';
import type { RouteContext } from '../route-context.ts';

const windowKey = [
  { column: 'window_start', type: 'time' },
  { column: 'model', type: 'string' },
  { column: 'model_version', type: 'string' },
] as const;

const DRIFT_COLUMNS: Columns = {
  model: 'string',
  model_version: 'string',
  window_start: 'time',
  window_end: 'time',
  feature: 'string',
  kind: ['string', 'numeric | categorical'],
  reference_count: 'int',
  current_count: ['int', 'Non-missing values in the window.'],
  missing_rate: ['float', 'Share of missing values in the window (excluded from the statistics).'],
  psi: ['float', 'Population stability index vs the reference profile (bins at reference deciles; zero shares → 1e-4).'],
  ks_statistic: 'float',
  ks_p_value: ['float', 'Two-sample two-sided KS (scipy ks_2samp, method=auto).'],
  wasserstein_normed: ['float', 'Wasserstein distance / reference std (floor 0.001).'],
  chi2_statistic: 'float',
  chi2_p_value: ['float', 'Chi-square homogeneity test over the union of categories (no continuity correction).'],
  chi2_dof: 'int',
  jensen_shannon: ['float', 'Jensen–Shannon distance.'],
  drift_method: ['string', 'The statistic that decided `drifted` for this column.'],
  drift_score: 'float',
  threshold: 'float',
  drifted: 'bool',
  message: 'string',
  profile_version: 'int',
  computed_at: 'time',
};

const SLO_STATUS_COLUMNS: Columns = {
  model: 'string',
  evaluated_at: 'time',
  window_end: 'time',
  availability_budget_remaining: ['float', 'Share of the availability error budget left over the SLO period (null: no objective).'],
  latency_budget_remaining: ['float', 'Share of the latency error budget left over the SLO period (null: no objective).'],
  burn_rates: ['json', 'Burn rate per "<sli>:<lookback ms>" (null when the lookback has no traffic).'],
  severity: ['string', "The most severe firing rule's severity ('' when none)."],
  firing_rules: ['list', '"<sli>:<rule>" of the firing burn-rate rules.'],
  computed_at: 'time',
};

/**
 * Monitoring reads: drift, validation violations, SLOs, live quality,
 * alerts. Every route is a keyset-paginated list over one table (FINAL on
 * ReplacingMergeTree tables), newest first, bounded by a time range.
 */
export function monitoringRoutes(ctx: RouteContext): FastifyPluginAsync {
  return async (app) => {
    registerListRoute(app, ctx, {
      path: '/v1/drift',
      summary: 'Drift per feature and window',
      description:
        'Per (model, version, window, feature) drift against the reference profile, from `drift_metrics`. Statistics follow README "Statistics": ' +
        'PSI with bins at the reference deciles; KS as scipy `ks_2samp(method="auto")`; chi-square as `chi2_contingency(correction=False)`; ' +
        'Wasserstein normed by the reference std; missing values excluded and reported as `missing_rate`. Time range on `window_start`.',
      tags: ['drift'],
      from: 'drift_metrics FINAL',
      columns: DRIFT_COLUMNS,
      filters: { model: byModel, version: byVersion, feature: byFeature, drifted: byFlag('drifted', 'drifted', 'Only drifted (true) or undrifted (false) rows.') },
      timeColumn: 'window_start',
      orderKey: [...windowKey, { column: 'feature', type: 'string' }],
    });

    registerListRoute(app, ctx, {
      path: '/v1/drift/windows',
      summary: 'Dataset-level drift verdict per window',
      description: 'Per (model, version, window): how many features drifted and whether the dataset as a whole did, from `drift_windows`. Time range on `window_start`.',
      tags: ['drift'],
      from: 'drift_windows FINAL',
      columns: {
        model: 'string',
        model_version: 'string',
        window_start: 'time',
        window_end: 'time',
        events: 'int',
        late_events: ['int', 'Events past the allowed lateness (counted, not aggregated).'],
        features: 'int',
        drifted_features: 'int',
        drift_share: 'float',
        dataset_drift: 'bool',
        profile_version: 'int',
        computed_at: 'time',
      },
      filters: { model: byModel, version: byVersion, dataset_drift: byFlag('dataset_drift', 'dataset_drift', 'Only windows with (true) or without (false) dataset drift.') },
      timeColumn: 'window_start',
      orderKey: windowKey,
    });

    registerListRoute(app, ctx, {
      path: '/v1/violations',
      summary: 'Schema-contract violations per window',
      description: 'Per (model, version, window, rule, feature) with violations, from `validation_metrics`; `rate` = violations / events_checked; `samples` holds up to 5 offending values. Time range on `window_start`.',
      tags: ['validation'],
      from: 'validation_metrics FINAL',
      columns: {
        model: 'string',
        model_version: 'string',
        window_start: 'time',
        window_end: 'time',
        rule: ['string', 'missing | type | range | domain | nan_inf | unknown_feature …'],
        feature: 'string',
        violations: 'int',
        rate: 'float',
        events_checked: 'int',
        samples: ['json', 'Up to 5 hash-chosen offending {prediction_id, feature, value}.'],
        computed_at: 'time',
      },
      filters: { model: byModel, version: byVersion, rule: byKeyword('rule', 'rule', 'Validation rule.'), feature: byFeature },
      timeColumn: 'window_start',
      orderKey: [...windowKey, { column: 'rule', type: 'string' }, { column: 'feature', type: 'string' }],
    });

    registerListRoute(app, ctx, {
      path: '/v1/slo',
      summary: 'SLO windows and the latest SLO status',
      description:
        'Per (model, version, window) request, error and slow counts with latency quantiles of successful requests (`slo_windows`), and `status`: ' +
        'for each model (or the one asked for), its newest `slo_status` row with window_end ≤ `to`: error budgets left and multi-window burn rates. Time range on `window_start`.',
      tags: ['slo'],
      from: 'slo_windows FINAL',
      columns: {
        model: 'string',
        model_version: 'string',
        window_start: 'time',
        window_end: 'time',
        requests: 'int',
        errors: 'int',
        slow: ['int', "Successful requests over the model's latency threshold."],
        p50: ['float', 'Latency quantile of successful requests, ms.'],
        p90: 'float',
        p95: 'float',
        p99: 'float',
        computed_at: 'time',
      },
      filters: { model: byModel, version: byVersion },
      timeColumn: 'window_start',
      orderKey: windowKey,
      extra: {
        schema: { status: { type: 'array', items: itemSchema(SLO_STATUS_COLUMNS), description: 'Latest SLO status per model as of `to`.' } },
        load: async (c, query, range) => {
          const rows = await c.query<Record<string, unknown>>(
            `SELECT ${selectList(SLO_STATUS_COLUMNS)} FROM slo_status FINAL
              WHERE window_end <= fromUnixTimestamp64Milli({_to:Int64}, 'UTC')${query.model !== undefined ? ' AND model = {model:String}' : ''}
              ORDER BY model, window_end DESC LIMIT 1 BY model LIMIT {_max:UInt32}`,
            { _to: range!.toMs, _max: c.limits.maxPageSize, ...(query.model !== undefined ? { model: query.model } : {}) },
          );
          return { status: rows.map((r) => mapRow(SLO_STATUS_COLUMNS, r)) };
        },
      },
    });

    registerListRoute(app, ctx, {
      path: '/v1/quality',
      summary: 'Live model quality per window',
      description:
        'Per (model, version, window of prediction time) quality from joined late labels (`quality_metrics`): classification metrics (null for regression) or regression errors, ' +
        'label coverage and calibration bins. Recomputed as late labels arrive. Time range on `window_start`.',
      tags: ['quality'],
      from: 'quality_metrics FINAL',
      columns: {
        model: 'string',
        model_version: 'string',
        window_start: 'time',
        window_end: 'time',
        task: 'string',
        predictions: 'int',
        labelled: 'int',
        label_coverage: ['float', 'labelled / predictions of the window.'],
        positives: 'int',
        accuracy: 'float',
        precision: 'float',
        recall: 'float',
        f1: 'float',
        roc_auc: 'float',
        log_loss: 'float',
        calibration: ['json', '[{bin_lo, bin_hi, count, mean_score, positive_rate}]'],
        mae: 'float',
        rmse: 'float',
        mape: 'float',
        computed_at: 'time',
      },
      filters: { model: byModel, version: byVersion },
      timeColumn: 'window_start',
      orderKey: windowKey,
    });

    registerListRoute(app, ctx, {
      path: '/v1/alerts',
      summary: 'Alert events',
      description: 'Drift, validation and SLO alert events as published on driftline.alerts: a condition fires once and a `resolved` event with the same alert_id closes it. Time range on `ts`.',
      tags: ['alerts'],
      from: 'alerts',
      columns: { alert_id: 'string', kind: 'string', condition: 'string', model: 'string', severity: 'string', state: 'string', ts: 'time', summary: 'string', details: 'json' },
      filters: {
        model: byModel,
        state: byKeyword('state', 'state', 'firing | resolved'),
        kind: byKeyword('kind', 'kind', 'drift | validation | slo'),
        severity: byKeyword('severity', 'severity', 'page | ticket | info'),
      },
      timeColumn: 'ts',
      orderKey: [
        { column: 'ts', type: 'time' },
        { column: 'alert_id', type: 'string' },
        { column: 'state', type: 'string' },
      ],
    });
  };
}
