import * as common from '@grafana/grafana-foundation-sdk/common';
import { DashboardBuilder, RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { alertAnnotation } from './alert-annotations.ts';
import { barsPanel, statPanel, tablePanel, timeSeriesPanel } from './panels.ts';
import { inVariable, sql } from './sql.ts';
import { clickhouseVariable } from './variables.ts';

const models = inVariable('model', 'model');
const versions = inVariable('model_version', 'version');
const filter = `$__timeFilter(window_start) AND ${models} AND ${versions} AND ${inVariable('feature', 'feature')} AND ${inVariable('rule', 'rule')}`;

/** Violations per interval, one bar series per value of `by`. */
function violationsBySql(by: 'rule' | 'feature'): string {
  return sql`
    SELECT $__timeInterval(window_start) AS time, toString(${by}) AS series, sum(violations) AS violations
    FROM validation_metrics FINAL
    WHERE ${filter}
    GROUP BY time, series
    ORDER BY time, series`;
}

/** Data quality: schema-contract violations by rule and feature, their rates, and sample offending values. */
export function dataQualityDashboard(): Dashboard {
  return new DashboardBuilder('Driftline · Data quality')
    .uid('driftline-data-quality')
    .description('Violations of each model version\'s schema contract (types, ranges, domains, missing and unknown features, null rates) counted per window by the validation processor (validation_metrics).')
    .tags(['driftline', 'data-quality'])
    .time({ from: 'now-24h', to: 'now' })
    .refresh('1m')
    .timezone('utc')
    .withVariable(clickhouseVariable('model', 'Model', 'SELECT DISTINCT model FROM validation_metrics FINAL ORDER BY model', { multi: true, includeAll: true }))
    .withVariable(
      clickhouseVariable('version', 'Version', sql`SELECT DISTINCT model_version FROM validation_metrics FINAL WHERE ${models} ORDER BY model_version`, { multi: true, includeAll: true }),
    )
    .withVariable(
      clickhouseVariable('feature', 'Feature', sql`SELECT DISTINCT feature FROM validation_metrics FINAL WHERE ${models} AND ${versions} ORDER BY feature`, { multi: true, includeAll: true }),
    )
    .withVariable(
      clickhouseVariable('rule', 'Rule', sql`SELECT DISTINCT rule FROM validation_metrics FINAL WHERE ${models} AND ${versions} ORDER BY rule`, { multi: true, includeAll: true }),
    )
    .annotation(alertAnnotation(['validation']))

    .withRow(new RowBuilder('Violations'))
    .withPanel(
      statPanel(
        'Violations in range',
        'Offending values counted in the time range, all selected rules and features.',
        sql`
          SELECT $__timeInterval(window_start) AS time, 'violations' AS series, sum(violations) AS violations
          FROM validation_metrics FINAL
          WHERE ${filter}
          GROUP BY time
          ORDER BY time`,
      )
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['sum']).values(false))
        .colorMode(common.BigValueColorMode.Value)
        .span(6)
        .height(7),
    )
    .withPanel(barsPanel('Violations by rule', 'Violations per interval, stacked by rule.', violationsBySql('rule')).span(9).height(7))
    .withPanel(barsPanel('Violations by feature', 'Violations per interval, stacked by feature.', violationsBySql('feature')).span(9).height(7))
    .withPanel(
      timeSeriesPanel(
        'Violation rate (worst window) by rule and feature',
        'violations / events checked in the window, per (rule, feature); the worst window of each interval. Only windows with violations have rows, so a gap means a clean window.',
        sql`
          SELECT $__timeInterval(window_start) AS time, concat(rule, ' · ', feature) AS series, max(rate) AS rate
          FROM validation_metrics FINAL
          WHERE ${filter}
          GROUP BY time, series
          ORDER BY time, series`,
      )
        .unit('percentunit')
        .min(0)
        .span(24),
    )

    .withRow(new RowBuilder('Details'))
    .withPanel(
      tablePanel(
        'Top violations',
        'Per (rule, feature): violations in range, windows affected, the worst window\'s rate, and the rate over the affected windows (violations / events checked in them).',
        sql`
          SELECT rule, feature, sum(violations) AS total_violations, count() AS windows, max(rate) AS worst_window_rate,
            sum(violations) / nullIf(sum(events_checked), 0) AS rate_in_affected_windows, max(window_start) AS last_seen
          FROM validation_metrics FINAL
          WHERE ${filter}
          GROUP BY rule, feature
          ORDER BY total_violations DESC
          LIMIT 100`,
      )
        .overrideByName('worst_window_rate', [{ id: 'unit', value: 'percentunit' }])
        .overrideByName('rate_in_affected_windows', [{ id: 'unit', value: 'percentunit' }])
        .span(12)
        .height(10),
    )
    .withPanel(
      tablePanel(
        'Sample offending values',
        'Up to 5 offending values per window, rule and feature, chosen by hash (deterministic, replay-safe): the prediction_id finds the full event in the predictions table.',
        sql`
          SELECT window_start, model, model_version AS version, rule, feature,
            JSONExtractString(sample, 'prediction_id') AS prediction_id,
            JSONExtractString(sample, 'value') AS value
          FROM validation_metrics FINAL
          ARRAY JOIN JSONExtractArrayRaw(samples) AS sample
          WHERE ${filter}
          ORDER BY window_start DESC, rule, feature
          LIMIT 200`,
      )
        .span(12)
        .height(10),
    )
    .build();
}
