import * as common from '@grafana/grafana-foundation-sdk/common';
import { ThresholdsConfigBuilder, ThresholdsMode, type Threshold } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as HeatmapPanelBuilder } from '@grafana/grafana-foundation-sdk/heatmap';
import { DataqueryBuilder as PrometheusQueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanelBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { tableQuery, timeSeriesQuery } from './clickhouse-query.ts';
import { CLICKHOUSE, PROMETHEUS } from './datasources.ts';

/**
 * Pre-configured panel builders shared by the dashboards. Each returns the
 * SDK builder, so a dashboard chains whatever else it needs (unit, span…).
 *
 * Series naming convention for ClickHouse time series: the SQL returns
 * `time` first (ascending), then an optional string column `series`, then
 * numeric columns. The plugin turns that long frame into one series per
 * `series` value; `displayName` below names each line after it.
 */

/** Processor windows are 1 minute by default: a panel bucket is never finer. */
export const MIN_INTERVAL = '1m';

const legendTable = () =>
  new common.VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(common.LegendDisplayMode.Table)
    .placement(common.LegendPlacement.Bottom)
    .calcs(['lastNotNull', 'max']);

/** Threshold steps from a base colour and (value, colour) pairs. */
export function thresholds(base: string, ...steps: Array<[number, string]>): ThresholdsConfigBuilder {
  const all: Threshold[] = [{ value: null, color: base }, ...steps.map(([value, color]) => ({ value, color }))];
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(all);
}

/**
 * A ClickHouse time-series panel. `valueNames` says how a line is named:
 * 'series' → the `series` label alone (one value column), 'field+series'
 * → value column name and label (several value columns, e.g. p50/p95/p99).
 */
export function timeSeriesPanel(title: string, description: string, sql: string, valueNames: 'series' | 'field+series' | 'field' = 'series') {
  const panel = new TimeseriesPanelBuilder()
    .title(title)
    .description(description)
    .datasource(CLICKHOUSE)
    .interval(MIN_INTERVAL)
    .withTarget(timeSeriesQuery(CLICKHOUSE, sql))
    .legend(legendTable())
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .lineWidth(1)
    .fillOpacity(10)
    .showPoints(common.VisibilityMode.Auto)
    .spanNulls(false);
  if (valueNames === 'series') panel.displayName('${__field.labels.series}');
  if (valueNames === 'field+series') panel.displayName('${__field.name} ${__field.labels.series}');
  return panel;
}

/** Stacked bars per interval (counts of violations, decisions…). */
export function barsPanel(title: string, description: string, sql: string) {
  return timeSeriesPanel(title, description, sql)
    .drawStyle(common.GraphDrawStyle.Bars)
    .fillOpacity(80)
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal).group('A'));
}

/** A stat panel over a ClickHouse time series: the last value of each series, with a sparkline. */
export function statPanel(title: string, description: string, sql: string) {
  return new StatPanelBuilder()
    .title(title)
    .description(description)
    .datasource(CLICKHOUSE)
    .interval(MIN_INTERVAL)
    .withTarget(timeSeriesQuery(CLICKHOUSE, sql))
    .displayName('${__field.labels.series}')
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .graphMode(common.BigValueGraphMode.Area)
    .colorMode(common.BigValueColorMode.Background);
}

/** A ClickHouse table panel. */
export function tablePanel(title: string, description: string, sql: string) {
  return new TablePanelBuilder()
    .title(title)
    .description(description)
    .datasource(CLICKHOUSE)
    .withTarget(tableQuery(CLICKHOUSE, sql))
    .filterable(true)
    .cellHeight(common.TableCellHeight.Sm);
}

/**
 * A heatmap of already-bucketed values: a time series whose `series` label
 * becomes the y axis (one row per series, e.g. per feature), colour = value.
 */
export function rowsHeatmapPanel(title: string, description: string, sql: string) {
  return new HeatmapPanelBuilder()
    .title(title)
    .description(description)
    .datasource(CLICKHOUSE)
    .interval(MIN_INTERVAL)
    .withTarget(timeSeriesQuery(CLICKHOUSE, sql))
    .displayName('${__field.labels.series}')
    .calculate(false)
    .cellGap(1)
    .showValue(common.VisibilityMode.Never)
    .showLegend();
}

/** A Prometheus time-series panel through the `$prometheus` datasource variable. */
export function prometheusPanel(title: string, description: string, queries: Array<{ expr: string; legend: string }>) {
  const panel = new TimeseriesPanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .legend(legendTable())
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .fillOpacity(10);
  queries.forEach((q, i) => panel.withTarget(new PrometheusQueryBuilder().refId(String.fromCharCode(65 + i)).datasource(PROMETHEUS).expr(q.expr).legendFormat(q.legend).range()));
  return panel;
}
