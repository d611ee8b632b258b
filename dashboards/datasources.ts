import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';

/** The ClickHouse plugin id, as Grafana names it in datasource refs and GF_INSTALL_PLUGINS. */
export const CLICKHOUSE_PLUGIN_ID = 'grafana-clickhouse-datasource';

/**
 * The provisioned ClickHouse datasource (provisioning/datasources/clickhouse.yaml
 * declares the same uid; dashboards/provisioning.test.ts checks they agree).
 * A fixed uid, not a datasource variable: provisioned dashboards then work
 * without anyone picking a datasource.
 */
export const CLICKHOUSE: DataSourceRef = { type: CLICKHOUSE_PLUGIN_ID, uid: 'driftline-clickhouse' };

/** Name of the dashboard variable that selects a Prometheus datasource (not provisioned: bring your own). */
export const PROMETHEUS_VARIABLE = 'prometheus';

/** Panels reading serving's and the workers' /metrics go through the Prometheus datasource variable. */
export const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: `\${${PROMETHEUS_VARIABLE}}` };
