import type { AnnotationQuery, Dashboard, Panel, RowPanel, VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';
import { isClickHouseQuery, type ClickHouseQuery } from './clickhouse-query.ts';

/** Every panel of a dashboard, panels inside rows included (rows themselves excluded). */
export function panelsOf(dashboard: Dashboard): Panel[] {
  const out: Panel[] = [];
  for (const p of dashboard.panels ?? []) {
    if (p.type === 'row') out.push(...(((p as RowPanel).panels ?? []) as Panel[]));
    else out.push(p as Panel);
  }
  return out;
}

/** A ClickHouse query of a dashboard with where it comes from, for test messages. */
export interface LocatedQuery {
  where: string;
  query: ClickHouseQuery;
  panel?: Panel;
}

/** The ClickHouse targets of the panels. */
export function panelQueries(dashboard: Dashboard): LocatedQuery[] {
  return panelsOf(dashboard).flatMap((panel) =>
    (panel.targets ?? []).filter(isClickHouseQuery).map((query) => ({ where: `${dashboard.uid} / panel "${panel.title}" / ${query.refId}`, query, panel })),
  );
}

/** The ClickHouse annotation targets. */
export function annotationQueries(dashboard: Dashboard): LocatedQuery[] {
  return ((dashboard.annotations?.list ?? []) as AnnotationQuery[])
    .filter((a) => isClickHouseQuery(a.target))
    .map((a) => ({ where: `${dashboard.uid} / annotation "${a.name}"`, query: a.target as unknown as ClickHouseQuery }));
}

/** The dashboard's variables in declaration order (Grafana resolves them in this order). */
export function variablesOf(dashboard: Dashboard): VariableModel[] {
  return (dashboard.templating?.list ?? []) as VariableModel[];
}

/** The SQL of a ClickHouse query variable, or undefined for other variables. */
export function variableSql(variable: VariableModel): string | undefined {
  const q = variable.query as { editorType?: string; rawSql?: string } | string | undefined;
  return variable.type === 'query' && typeof q === 'object' && q.editorType === 'sql' ? q.rawSql : undefined;
}
