/**
 * Grafana and the ClickHouse server cannot run here, so their provisioning
 * is held to what each side requires and to each other: the datasource the
 * dashboards name is the one provisioned, the provider reads where compose
 * mounts the generated JSON, the datasource logs in as the read-only user
 * the ClickHouse container defines, and the password is passed by
 * environment on both sides, never written down.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';
import { createClickHouse } from '../libs/clickhouse/client.ts';
import { repoRoot } from '../libs/local/local-services.ts';
import { allDashboards, GENERATED_DIR } from './all-dashboards.ts';
import { CLICKHOUSE, CLICKHOUSE_PLUGIN_ID, PROMETHEUS, PROMETHEUS_VARIABLE } from './datasources.ts';
import { panelsOf, variablesOf } from './dashboard-walk.ts';
import { CLICKHOUSE_USERS_FILE, DASHBOARD_PROVIDERS_FILE, DATASOURCES_FILE, readClickHouseUsers, readDashboardProviders, readDatasources } from './provisioning-files.ts';

interface ComposeService {
  image?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
}
const compose = JSON.parse(
  execFileSync('python3', ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', join(repoRoot, 'docker-compose.yml')]).toString(),
) as { services: Record<string, ComposeService> };
const grafana = compose.services.grafana!;
const clickhouse = compose.services.clickhouse!;

/** The container path a repository path is bind-mounted at in a service, if it is. */
function mountOf(service: ComposeService, repoPath: string): string | undefined {
  const wanted = `./${relative(repoRoot, repoPath)}`.replace(/\/$/, '');
  for (const v of service.volumes ?? []) {
    const [source, target] = v.split(':');
    if (source!.replace(/\/$/, '') === wanted) return target;
  }
  return undefined;
}

/** `${NAME}` → NAME: a value Grafana takes from its environment. */
const envReference = (value: unknown) => /^\$\{([A-Z_][A-Z0-9_]*)\}$/.exec(String(value))?.[1];

describe('Grafana datasource provisioning', () => {
  const file = readDatasources();
  const ds = file.datasources.find((d) => d.type === CLICKHOUSE_PLUGIN_ID)!;

  it('declares the ClickHouse datasource with the settings plugin v4 requires', () => {
    assert.equal(file.apiVersion, 1);
    assert.ok(ds, `${DATASOURCES_FILE} declares a ${CLICKHOUSE_PLUGIN_ID} datasource`);
    assert.equal(ds.uid, CLICKHOUSE.uid, 'the uid the dashboards use');
    const j = ds.jsonData;
    for (const key of ['host', 'port', 'protocol', 'username', 'defaultDatabase']) assert.ok(j[key] !== undefined && j[key] !== '', `jsonData.${key} is set`);
    assert.equal(typeof j.port, 'number');
    assert.ok(j.protocol === 'http' || j.protocol === 'native', 'protocol is http or native');
    assert.equal(j.port, j.protocol === 'http' ? (j.secure ? 8443 : 8123) : j.secure ? 9440 : 9000, 'the port of the protocol');
    assert.ok(compose.services[String(j.host)], `host ${j.host} is a compose service`);
  });

  it('takes the password from the environment, which compose sets for Grafana', () => {
    const variable = envReference(ds.secureJsonData?.password);
    assert.ok(variable, 'secureJsonData.password is ${VARIABLE}, not a literal');
    assert.ok(grafana.environment?.[variable], `the grafana service sets ${variable}`);
  });

  it('is the only datasource the generated dashboards name, besides the Prometheus variable', () => {
    for (const d of allDashboards()) {
      const variables = variablesOf(d) as VariableModel[];
      const refs = [
        ...panelsOf(d).flatMap((p) => [p.datasource, ...(p.targets ?? []).map((t) => (t as { datasource?: unknown }).datasource)]),
        ...(d.annotations?.list ?? []).map((a) => a.datasource),
        ...variables.map((v) => v.datasource),
      ].filter((r): r is { type: string; uid: string } => r !== undefined);
      assert.ok(refs.length > 0);
      for (const ref of refs) {
        const known = (ref.uid === CLICKHOUSE.uid && ref.type === CLICKHOUSE.type) || (ref.uid === PROMETHEUS.uid && ref.type === PROMETHEUS.type);
        assert.ok(known, `${d.uid}: datasource ${JSON.stringify(ref)} is provisioned (or the $${PROMETHEUS_VARIABLE} variable)`);
        if (ref.uid === PROMETHEUS.uid) assert.ok(variables.some((v) => v.name === PROMETHEUS_VARIABLE && v.type === 'datasource'), `${d.uid} declares $${PROMETHEUS_VARIABLE}`);
      }
    }
  });
});

describe('Grafana dashboard provisioning', () => {
  const file = readDashboardProviders();

  it('reads the generated JSON where compose mounts it', () => {
    assert.equal(file.apiVersion, 1);
    assert.equal(file.providers.length, 1);
    const provider = file.providers[0]!;
    assert.equal(provider.type, 'file');
    assert.equal(provider.allowUiUpdates, false, 'dashboards change in code, not in the UI');
    assert.equal(mountOf(grafana, fileURLToPath(GENERATED_DIR)), provider.options.path, 'dashboards/generated is mounted at the provider path');
    assert.equal(mountOf(grafana, join(repoRoot, 'dashboards/provisioning')), '/etc/grafana/provisioning');
    assert.ok(existsSync(DASHBOARD_PROVIDERS_FILE) && readdirSync(fileURLToPath(GENERATED_DIR)).length === allDashboards().length);
  });

  it('runs Grafana with the pinned ClickHouse plugin, after ClickHouse, with a home dashboard that exists', () => {
    assert.match(grafana.image ?? '', /^grafana\/grafana:\d+\.\d+\.\d+$/);
    assert.match(grafana.environment?.GF_INSTALL_PLUGINS ?? '', new RegExp(`(^|,)${CLICKHOUSE_PLUGIN_ID} \\d+\\.\\d+\\.\\d+(,|$)`), 'GF_INSTALL_PLUGINS pins the plugin version');
    assert.equal(grafana.depends_on?.clickhouse?.condition, 'service_healthy');
    assert.ok(grafana.healthcheck?.test.join(' ').includes('/api/health'));
    assert.ok(grafana.ports?.includes('3000:3000'));
    const home = grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    const provider = readDashboardProviders().providers[0]!;
    assert.ok(home?.startsWith(`${provider.options.path}/`), 'the home dashboard is a provisioned one');
    assert.ok(existsSync(join(fileURLToPath(GENERATED_DIR), home!.slice(provider.options.path.length + 1))), `${home} is generated`);
  });
});

describe('the read-only ClickHouse user', () => {
  const { users, profiles } = readClickHouseUsers();
  const ds = readDatasources().datasources[0]!;
  const user = users[String(ds.jsonData.username)];

  it('is the datasource user, mounted into the ClickHouse container, with its password from the same variable as Grafana', () => {
    assert.ok(user, `${CLICKHOUSE_USERS_FILE} defines the datasource's user '${ds.jsonData.username}'`);
    assert.equal(mountOf(clickhouse, CLICKHOUSE_USERS_FILE), `/etc/clickhouse-server/users.d/${CLICKHOUSE_USERS_FILE.split('/').pop()}`);
    assert.equal(user.password, undefined, 'no literal password');
    assert.ok(user.passwordFromEnv, 'password from_env');
    assert.ok(clickhouse.environment?.[user.passwordFromEnv], `the clickhouse service sets ${user.passwordFromEnv}`);
    assert.equal(user.passwordFromEnv, envReference(ds.secureJsonData?.password), 'Grafana and ClickHouse read the same variable');
    assert.equal(clickhouse.environment[user.passwordFromEnv], grafana.environment?.[user.passwordFromEnv], 'and compose gives both the same value');
  });

  it('can only read, yet may set the max_execution_time the plugin sends (up to the datasource timeout)', () => {
    const profile = profiles[user!.profile];
    assert.ok(profile, `profile ${user!.profile} exists`);
    assert.ok(['1', '2'].includes(profile.settings.readonly!), 'readonly is 1 or 2');
    const timeout = Number(ds.jsonData.queryTimeout);
    const constraint = profile.constraints.max_execution_time;
    assert.ok(profile.settings.readonly === '2' || constraint !== undefined, 'readonly=1 would refuse max_execution_time');
    assert.ok(!constraint?.readonly && Number(constraint?.max ?? Infinity) >= timeout, `max_execution_time may be set to the queryTimeout ${timeout}`);
  });

  it('gets only SELECT grants, and they parse', async () => {
    assert.ok(user!.grants.length > 0);
    const client = await createClickHouse({ dataDir: mkdtempSync(join(tmpdir(), 'driftline-grants-')) });
    try {
      for (const grant of user!.grants) {
        assert.match(grant, /^GRANT SELECT ON [\w.*]+$/, 'SELECT only');
        const result = await client.query({ query: 'SELECT formatQuery({q:String}) AS q', query_params: { q: `${grant} TO ${ds.jsonData.username}` }, format: 'JSONEachRow' });
        const [row] = await result.json<{ q: string }>();
        assert.equal(row!.q, `${grant} TO ${ds.jsonData.username}`);
      }
      await assert.rejects(client.query({ query: "SELECT formatQuery('GRANT SELEKT ON x TO y')" }), 'formatQuery refuses what does not parse');
    } finally {
      await client.close();
    }
  });
});
