import * as common from '@grafana/grafana-foundation-sdk/common';
import { DashboardBuilder, RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { alertAnnotation } from './alert-annotations.ts';
import { barsPanel, prometheusPanel, statPanel, tablePanel, thresholds, timeSeriesPanel } from './panels.ts';
import { inVariable, sql } from './sql.ts';
import { clickhouseVariable, prometheusDatasourceVariable } from './variables.ts';

const models = inVariable('model', 'model');
const versions = inVariable('model_version', 'version');
const dashedLines = new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed);

/** Burn rates of one SLI, one line per (model, lookback), from slo_status.burn_rates JSON. */
function burnRateSql(sli: 'availability' | 'latency'): string {
  return sql`
    SELECT
      $__timeInterval(window_end) AS time,
      concat(model, ' ', formatReadableTimeDelta(intDiv(toUInt64(splitByChar(':', kv.1)[2]), 1000))) AS series,
      max(kv.2) AS burn_rate
    FROM slo_status FINAL
    ARRAY JOIN JSONExtractKeysAndValues(burn_rates, 'Nullable(Float64)') AS kv
    WHERE $__timeFilter(window_end) AND ${models} AND splitByChar(':', kv.1)[1] = '${sli}'
    GROUP BY time, series
    ORDER BY time, series`;
}

function budgetStatSql(column: string): string {
  return sql`
    SELECT $__timeInterval(window_end) AS time, toString(model) AS series, argMax(${column}, window_end) AS budget_remaining
    FROM slo_status FINAL
    WHERE $__timeFilter(window_end) AND ${models}
    GROUP BY time, series
    ORDER BY time, series`;
}

/** SLO & latency: quantiles, errors, error budgets and burn rates per model, plus pipeline health. */
export function sloLatencyDashboard(): Dashboard {
  return new DashboardBuilder('Driftline · SLO & latency')
    .uid('driftline-slo')
    .description('Per-model latency quantiles, errors, error budgets and multi-window burn rates (Google SRE workbook: page at 14.4× and 6×, ticket at 3× and 1×), from the SLO processor tables; alerts as annotations.')
    .tags(['driftline', 'slo'])
    .time({ from: 'now-6h', to: 'now' })
    .refresh('1m')
    .timezone('utc')
    .withVariable(clickhouseVariable('model', 'Model', 'SELECT DISTINCT model FROM slo_windows FINAL ORDER BY model', { multi: true, includeAll: true }))
    .withVariable(
      clickhouseVariable('version', 'Version', sql`SELECT DISTINCT model_version FROM slo_windows FINAL WHERE ${models} ORDER BY model_version`, { multi: true, includeAll: true }),
    )
    .withVariable(prometheusDatasourceVariable())
    .annotation(alertAnnotation(['slo', 'pipeline']))

    .withRow(new RowBuilder('Objectives'))
    .withPanel(
      statPanel('Availability error budget left', 'Share of the availability error budget still unspent over the objective period, as of the newest closed window (all versions together).', budgetStatSql('availability_budget_remaining'))
        .unit('percentunit')
        .thresholds(thresholds('red', [0.1, 'orange'], [0.5, 'green']))
        .span(6)
        .height(6),
    )
    .withPanel(
      statPanel('Latency error budget left', 'Share of the latency error budget (requests slower than the objective) still unspent, as of the newest closed window.', budgetStatSql('latency_budget_remaining'))
        .unit('percentunit')
        .thresholds(thresholds('red', [0.1, 'orange'], [0.5, 'green']))
        .span(6)
        .height(6),
    )
    .withPanel(
      tablePanel(
        'Burn-rate rules firing (newest window)',
        'The newest slo_status row per model: the most severe firing rule (page or ticket) and every rule firing, as "<sli>:<rule>".',
        sql`
          SELECT model, window_end, if(severity = '', 'none', severity) AS severity, firing_rules,
            availability_budget_remaining, latency_budget_remaining
          FROM slo_status FINAL
          WHERE $__timeFilter(window_end) AND ${models}
          ORDER BY window_end DESC
          LIMIT 1 BY model`,
      )
        .overrideByName('availability_budget_remaining', [{ id: 'unit', value: 'percentunit' }])
        .overrideByName('latency_budget_remaining', [{ id: 'unit', value: 'percentunit' }])
        .span(12)
        .height(6),
    )

    .withRow(new RowBuilder('Latency and errors'))
    .withPanel(
      timeSeriesPanel(
        'Latency p50 / p95 / p99',
        'Latency quantiles of successful requests per model version (slo_windows). A point is the worst processor window in the interval: quantiles of different windows cannot be averaged.',
        sql`
          SELECT $__timeInterval(window_start) AS time, concat(model, ' ', model_version) AS series,
            max(p50) AS p50, max(p95) AS p95, max(p99) AS p99
          FROM slo_windows FINAL
          WHERE $__timeFilter(window_start) AND ${models} AND ${versions}
          GROUP BY time, series
          ORDER BY time, series`,
        'field+series',
      )
        .unit('ms')
        .span(12),
    )
    .withPanel(
      timeSeriesPanel(
        'Requests per second',
        'On-time prediction events per second per model version (late events are counted apart, see Pipeline health).',
        sql`
          SELECT $__timeInterval(window_start) AS time, concat(model, ' ', model_version) AS series,
            sum(requests) / $__interval_s AS requests_per_second
          FROM slo_windows FINAL
          WHERE $__timeFilter(window_start) AND ${models} AND ${versions}
          GROUP BY time, series
          ORDER BY time, series`,
      )
        .unit('reqps')
        .span(12),
    )
    .withPanel(
      timeSeriesPanel(
        'Error rate',
        'Share of requests with status "error" per model version.',
        sql`
          SELECT $__timeInterval(window_start) AS time, concat(model, ' ', model_version) AS series,
            sum(errors) / nullIf(sum(requests), 0) AS error_rate
          FROM slo_windows FINAL
          WHERE $__timeFilter(window_start) AND ${models} AND ${versions}
          GROUP BY time, series
          ORDER BY time, series`,
      )
        .unit('percentunit')
        .min(0)
        .span(12),
    )
    .withPanel(
      timeSeriesPanel(
        'Slow share',
        'Share of successful requests slower than the model\'s latency objective (the latency SLI).',
        sql`
          SELECT $__timeInterval(window_start) AS time, concat(model, ' ', model_version) AS series,
            sum(slow) / nullIf(sum(requests) - sum(errors), 0) AS slow_share
          FROM slo_windows FINAL
          WHERE $__timeFilter(window_start) AND ${models} AND ${versions}
          GROUP BY time, series
          ORDER BY time, series`,
      )
        .unit('percentunit')
        .min(0)
        .span(12),
    )

    .withRow(new RowBuilder('Error budget and burn rates'))
    .withPanel(
      timeSeriesPanel(
        'Error budget remaining',
        'Availability and latency error budget left over the objective period, per model (slo_status; the newest value in each interval).',
        sql`
          SELECT $__timeInterval(window_end) AS time, toString(model) AS series,
            argMax(availability_budget_remaining, window_end) AS availability,
            argMax(latency_budget_remaining, window_end) AS latency
          FROM slo_status FINAL
          WHERE $__timeFilter(window_end) AND ${models}
          GROUP BY time, series
          ORDER BY time, series`,
        'field+series',
      )
        .unit('percentunit')
        .span(8),
    )
    .withPanel(
      timeSeriesPanel('Availability burn rate', 'Availability burn rate per model and lookback (1 = spending the budget exactly over the period). Dashed lines: the workbook thresholds 1×, 3×, 6×, 14.4×.', burnRateSql('availability'))
        .thresholds(thresholds('green', [1, 'yellow'], [3, 'orange'], [6, 'red'], [14.4, 'dark-red']))
        .thresholdsStyle(dashedLines)
        .min(0)
        .span(8),
    )
    .withPanel(
      timeSeriesPanel('Latency burn rate', 'Latency burn rate per model and lookback. Dashed lines: the workbook thresholds 1×, 3×, 6×, 14.4×.', burnRateSql('latency'))
        .thresholds(thresholds('green', [1, 'yellow'], [3, 'orange'], [6, 'red'], [14.4, 'dark-red']))
        .thresholdsStyle(dashedLines)
        .min(0)
        .span(8),
    )
    .withPanel(
      tablePanel(
        'SLO alerts',
        'SLO alerts (alerts table): one row per alert, from firing to resolved.',
        sql`
          SELECT alert_id, any(model) AS model, any(condition) AS condition, argMax(severity, ts) AS severity,
            argMax(state, ts) AS last_state, minIf(ts, state = 'firing') AS fired_at,
            if(countIf(state = 'resolved') > 0, maxIf(ts, state = 'resolved'), NULL) AS resolved_at,
            argMax(summary, ts) AS summary
          FROM alerts
          WHERE kind = 'slo' AND alert_id IN (SELECT alert_id FROM alerts WHERE $__timeFilter(ts) AND kind = 'slo' AND ${models})
          GROUP BY alert_id
          ORDER BY fired_at DESC
          LIMIT 200`,
      )
        .span(24)
        .height(7),
    )

    .withRow(new RowBuilder('Pipeline health'))
    .withPanel(
      barsPanel(
        'Late events',
        'Events later than the allowed lateness, per model version and window (drift_windows): counted, never aggregated into a window.',
        sql`
          SELECT $__timeInterval(window_start) AS time, concat(model, ' ', model_version) AS series, sum(late_events) AS late_events
          FROM drift_windows FINAL
          WHERE $__timeFilter(window_start) AND ${models} AND ${versions}
          GROUP BY time, series
          ORDER BY time, series`,
      ).span(12),
    )
    .withPanel(
      prometheusPanel(
        'Prediction events dropped by serving',
        'From Prometheus, not ClickHouse: no table records what never reached Kafka. Serving\'s /metrics counter driftline_serving_events_dropped_total by reason (buffer_full, invalid, rejected, shutdown), next to events published.',
        [
          { expr: 'sum by (reason) (rate(driftline_serving_events_dropped_total[$__rate_interval]))', legend: 'dropped {{reason}}' },
          { expr: 'sum(rate(driftline_serving_events_published_total[$__rate_interval]))', legend: 'published' },
        ],
      )
        .unit('ops')
        .span(12),
    )
    .withPanel(
      prometheusPanel(
        'Publish buffer fill',
        'From Prometheus: prediction events waiting for Kafka over the buffer bound, per serving node (driftline_serving_publish_buffer_events / _capacity). At 100% the oldest events are shed.',
        [{ expr: 'driftline_serving_publish_buffer_events / driftline_serving_publish_buffer_capacity', legend: '{{instance}}' }],
      )
        .unit('percentunit')
        .min(0)
        .max(1)
        .span(8),
    )
    .withPanel(
      prometheusPanel(
        'Consumer lag',
        'From Prometheus: messages not yet committed per consumer group and topic (driftline_consumer_lag, exposed by the stream workers). Kafka offsets live in Kafka, not in ClickHouse.',
        [{ expr: 'sum by (group, topic) (driftline_consumer_lag)', legend: '{{group}} {{topic}}' }],
      )
        .unit('short')
        .min(0)
        .span(8),
    )
    .withPanel(
      prometheusPanel(
        'Dead-lettered events',
        'From Prometheus: undecodable or invalid events sent to driftline.dead-letter, by source topic (driftline_dead_lettered_total).',
        [{ expr: 'sum by (topic) (rate(driftline_dead_lettered_total[$__rate_interval]))', legend: '{{topic}}' }],
      )
        .unit('ops')
        .min(0)
        .span(8),
    )
    .build();
}
