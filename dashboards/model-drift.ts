import * as common from '@grafana/grafana-foundation-sdk/common';
import { DashboardBuilder, MappingType, RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { HeatmapColorMode, HeatmapColorOptionsBuilder, YAxisConfigBuilder } from '@grafana/grafana-foundation-sdk/heatmap';
import { alertAnnotation } from './alert-annotations.ts';
import { rowsHeatmapPanel, statPanel, tablePanel, thresholds, timeSeriesPanel } from './panels.ts';
import { inVariable, sql } from './sql.ts';
import { clickhouseVariable } from './variables.ts';

const model = inVariable('model', 'model');
const versions = inVariable('model_version', 'version');
const features = inVariable('feature', 'feature');
const metricFilter = `$__timeFilter(window_start) AND ${model} AND ${versions} AND ${features}`;

/** One line per feature of a drift_metrics column, the worst value of the interval. */
function perFeatureSql(expression: string, alias: string, extraFilter = ''): string {
  return sql`
    SELECT $__timeInterval(window_start) AS time, toString(feature) AS series, ${expression} AS ${alias}
    FROM drift_metrics FINAL
    WHERE ${metricFilter}${extraFilter}
    GROUP BY time, series
    ORDER BY time, series`;
}

/** Model drift: PSI heatmap, test p-values, drifted share, and the per-feature verdict table. */
export function modelDriftDashboard(): Dashboard {
  return new DashboardBuilder('Driftline · Model drift')
    .uid('driftline-drift')
    .description('Feature drift of one model against its reference profile, per window: PSI, KS / chi-square p-values, normed Wasserstein, and the per-feature verdicts the drift processor computed (drift_metrics, drift_windows).')
    .tags(['driftline', 'drift'])
    .time({ from: 'now-24h', to: 'now' })
    .refresh('1m')
    .timezone('utc')
    .withVariable(clickhouseVariable('model', 'Model', 'SELECT DISTINCT model FROM drift_windows FINAL ORDER BY model', { multi: false, includeAll: false }))
    .withVariable(
      clickhouseVariable('version', 'Version', sql`SELECT DISTINCT model_version FROM drift_windows FINAL WHERE ${model} ORDER BY model_version`, { multi: true, includeAll: true }),
    )
    .withVariable(
      clickhouseVariable('feature', 'Feature', sql`SELECT DISTINCT feature FROM drift_metrics FINAL WHERE ${model} AND ${versions} ORDER BY feature`, { multi: true, includeAll: true }),
    )
    .annotation(alertAnnotation(['drift']))

    .withRow(new RowBuilder('Dataset'))
    .withPanel(
      statPanel(
        'Drifted features (newest window)',
        'Features whose drift test rejected "same distribution as the reference" in the newest window, per version.',
        sql`
          SELECT $__timeInterval(window_start) AS time, toString(model_version) AS series, argMax(drifted_features, window_start) AS drifted_features
          FROM drift_windows FINAL
          WHERE $__timeFilter(window_start) AND ${model} AND ${versions}
          GROUP BY time, series
          ORDER BY time, series`,
      )
        .thresholds(thresholds('green', [1, 'orange'], [3, 'red']))
        .span(6)
        .height(6),
    )
    .withPanel(
      timeSeriesPanel(
        'Share of drifted features',
        'drift_share = drifted features / features checked, per version and window; dataset_drift is the processor\'s dataset-level verdict on it.',
        sql`
          SELECT $__timeInterval(window_start) AS time, toString(model_version) AS series, max(drift_share) AS drift_share
          FROM drift_windows FINAL
          WHERE $__timeFilter(window_start) AND ${model} AND ${versions}
          GROUP BY time, series
          ORDER BY time, series`,
      )
        .unit('percentunit')
        .min(0)
        .max(1)
        .span(18)
        .height(6),
    )

    .withRow(new RowBuilder('Per feature'))
    .withPanel(
      rowsHeatmapPanel(
        'PSI by feature and window',
        'Population stability index per feature (rows) and time (columns); the worst window of each interval. Rule of thumb: < 0.1 stable, 0.1–0.2 moderate, > 0.2 significant shift.',
        perFeatureSql('max(psi)', 'max_psi'),
      )
        .color(new HeatmapColorOptionsBuilder().mode(HeatmapColorMode.Scheme).scheme('YlOrRd').min(0).max(0.5).steps(64).exponent(0.5).fill('dark-orange').reverse(false))
        .yAxis(new YAxisConfigBuilder().axisPlacement(common.AxisPlacement.Left))
        .span(24)
        .height(10),
    )
    .withPanel(
      timeSeriesPanel(
        'Test p-value (KS numeric, chi-square categorical)',
        'Smallest p-value of the interval per feature: KS for numeric features, chi-square for categorical ones. Log scale; the dashed line is the usual 0.05 (each feature\'s own threshold is in the table below).',
        perFeatureSql('min(coalesce(ks_p_value, chi2_p_value))', 'min_p_value', ' AND (ks_p_value IS NOT NULL OR chi2_p_value IS NOT NULL)'),
      )
        .scaleDistribution(new common.ScaleDistributionConfigBuilder().type(common.ScaleDistribution.Log).log(10))
        .thresholds(thresholds('red', [0.05, 'green']))
        .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed))
        .span(12),
    )
    .withPanel(
      timeSeriesPanel(
        'Wasserstein distance (normed)',
        'Wasserstein distance between reference and current values divided by the reference standard deviation (floor 0.001), numeric features; the worst window of each interval.',
        perFeatureSql('max(wasserstein_normed)', 'max_wasserstein_normed', ' AND wasserstein_normed IS NOT NULL'),
      )
        .min(0)
        .span(12),
    )
    .withPanel(
      tablePanel(
        'Reference vs current, per feature (newest window in range)',
        'The newest window of each feature and version: sample sizes, missing rate, every statistic, the decision method, its threshold and the verdict. Drifted features first.',
        sql`
          SELECT feature, model_version AS version, kind, window_start, reference_count, current_count, missing_rate,
            psi, ks_statistic, ks_p_value, wasserstein_normed, chi2_p_value, jensen_shannon,
            drift_method AS method, drift_score, threshold, if(drifted = 1, 'drift', 'ok') AS verdict, message
          FROM (
            SELECT * FROM drift_metrics FINAL
            WHERE ${metricFilter}
            ORDER BY window_start DESC
            LIMIT 1 BY model_version, feature
          )
          ORDER BY verdict = 'drift' DESC, feature, version`,
      )
        .overrideByName('missing_rate', [{ id: 'unit', value: 'percentunit' }])
        .overrideByName('verdict', [
          { id: 'custom.cellOptions', value: { type: common.TableCellDisplayMode.ColorBackground } },
          {
            id: 'mappings',
            value: [{ type: MappingType.ValueToText, options: { drift: { color: 'red', index: 0 }, ok: { color: 'green', index: 1 } } }],
          },
        ])
        .span(24)
        .height(10),
    )
    .build();
}
