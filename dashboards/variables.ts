import { DatasourceVariableBuilder, QueryVariableBuilder, VariableRefresh, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import { CLICKHOUSE, PROMETHEUS_VARIABLE } from './datasources.ts';

export interface ChoiceOptions {
  /** Several values at once (use `IN (${name:singlequote})` in SQL). */
  multi: boolean;
  /**
   * Adds "All". No custom all-value: Grafana then expands All to every
   * option, so `${name:singlequote}` stays a plain IN list.
   */
  includeAll: boolean;
}

/**
 * A dashboard variable whose options are the first column of a ClickHouse
 * query (the plugin's variable query shape: { editorType, rawSql }).
 * Refreshed when the time range changes, so the list follows the data.
 */
export function clickhouseVariable(name: string, label: string, rawSql: string, options: ChoiceOptions) {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(CLICKHOUSE)
    .query({ editorType: 'sql', rawSql })
    .definition(rawSql)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(options.multi)
    .includeAll(options.includeAll)
    .allowCustomValue(false);
}

/** Picks the Prometheus datasource that scrapes serving and the workers (none is provisioned). */
export function prometheusDatasourceVariable() {
  return new DatasourceVariableBuilder(PROMETHEUS_VARIABLE)
    .label('Prometheus')
    .type('prometheus')
    .description('A Prometheus that scrapes the /metrics endpoints of serving and the stream workers (not part of docker-compose.yml).')
    .multi(false)
    .includeAll(false);
}
