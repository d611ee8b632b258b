import { AnnotationQueryBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { tableQuery } from './clickhouse-query.ts';
import { CLICKHOUSE } from './datasources.ts';
import { inVariable, sql } from './sql.ts';

/**
 * Alerts of the given kinds as annotations: one region per alert, from its
 * `firing` event to its `resolved` event (a point while still open). Every
 * event of an alert is read once any of them falls in the time range, so an
 * alert that fired before the range and resolved inside it still shows.
 */
export function alertAnnotation(kinds: readonly string[], modelVariable = 'model') {
  const kindList = kinds.map((k) => `'${k}'`).join(', ');
  const query = sql`
    SELECT
      minIf(ts, state = 'firing') AS time,
      if(countIf(state = 'resolved') > 0, maxIf(ts, state = 'resolved'), NULL) AS timeEnd,
      any(condition) AS title,
      concat('[', argMax(severity, ts), '] ', argMax(summary, ts)) AS text,
      concat(any(kind), ',', argMax(severity, ts)) AS tags
    FROM alerts
    WHERE alert_id IN (
      SELECT alert_id FROM alerts
      WHERE $__timeFilter(ts) AND kind IN (${kindList}) AND ${inVariable('model', modelVariable)}
    )
    GROUP BY alert_id
    HAVING countIf(state = 'firing') > 0
    ORDER BY time`;
  return new AnnotationQueryBuilder()
    .name(`Alerts (${kinds.join(', ')})`)
    .datasource(CLICKHOUSE)
    .target(tableQuery(CLICKHOUSE, query, 'Anno'))
    .enable(true)
    .iconColor('red');
}
