import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import { CLICKHOUSE_PLUGIN_ID } from './datasources.ts';

/**
 * The grafana-clickhouse-datasource (v4) query model for the raw SQL editor,
 * which the foundation SDK has no builder for. Field names and values follow
 * the plugin: `format` is sqlds' `FormatQueryOption` (the backend turns a
 * long time-series frame into a wide one only for TimeSeries), `queryType`
 * picks the editor tab / Explore view.
 */
export enum ClickHouseFormat {
  TimeSeries = 0,
  Table = 1,
  Logs = 2,
  Traces = 3,
}

/** The plugin's query types (src/types/queryBuilder.ts `QueryType`). */
export type ClickHouseQueryType = 'timeseries' | 'table' | 'logs' | 'traces';

const QUERY_TYPE_OF_FORMAT: Record<ClickHouseFormat, ClickHouseQueryType> = {
  [ClickHouseFormat.TimeSeries]: 'timeseries',
  [ClickHouseFormat.Table]: 'table',
  [ClickHouseFormat.Logs]: 'logs',
  [ClickHouseFormat.Traces]: 'traces',
};

/** One panel target (or annotation target) of the ClickHouse plugin. */
export interface ClickHouseQuery extends cog.Dataquery {
  refId: string;
  datasource: DataSourceRef;
  editorType: 'sql';
  rawSql: string;
  format: ClickHouseFormat;
  queryType: ClickHouseQueryType;
  hide?: boolean;
}

/**
 * Builds a raw-SQL target. The SQL may use the plugin's macros
 * ($__timeFilter, $__timeInterval, $__interval_s, …) and Grafana template
 * variables; dashboards/macros.ts expands both the same way for tests.
 */
export class ClickHouseQueryBuilder implements cog.Builder<cog.Dataquery> {
  private readonly internal: ClickHouseQuery;

  constructor(datasource: DataSourceRef, rawSql: string) {
    if (!datasource.uid) throw new Error('ClickHouseQueryBuilder: the datasource needs a uid');
    if (rawSql.trim() === '') throw new Error('ClickHouseQueryBuilder: rawSql is empty');
    this.internal = {
      refId: 'A',
      datasource: { ...datasource },
      editorType: 'sql',
      rawSql,
      format: ClickHouseFormat.Table,
      queryType: 'table',
      _implementsDataqueryVariant() {},
    };
  }

  build(): ClickHouseQuery {
    return this.internal;
  }

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }

  /** Sets the result format and the matching query type. */
  format(format: ClickHouseFormat): this {
    this.internal.format = format;
    this.internal.queryType = QUERY_TYPE_OF_FORMAT[format];
    return this;
  }

  hide(hide: boolean): this {
    this.internal.hide = hide;
    return this;
  }
}

/** A time-series target: the SQL must return the time column first, ascending. */
export function timeSeriesQuery(datasource: DataSourceRef, rawSql: string, refId = 'A'): ClickHouseQueryBuilder {
  return new ClickHouseQueryBuilder(datasource, rawSql).format(ClickHouseFormat.TimeSeries).refId(refId);
}

/** A table target. */
export function tableQuery(datasource: DataSourceRef, rawSql: string, refId = 'A'): ClickHouseQueryBuilder {
  return new ClickHouseQueryBuilder(datasource, rawSql).format(ClickHouseFormat.Table).refId(refId);
}

/** True when a built target is one of ours (used by tests to find SQL to run). */
export function isClickHouseQuery(target: unknown): target is ClickHouseQuery {
  const t = target as Partial<ClickHouseQuery> | null;
  return !!t && t.editorType === 'sql' && typeof t.rawSql === 'string' && t.datasource?.type === CLICKHOUSE_PLUGIN_ID;
}
