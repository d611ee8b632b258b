/**
 * The dashboards as Grafana would run them: the committed JSON must be what
 * the TypeScript generates, and every variable, panel and annotation query
 * must run on the real ClickHouse engine (embedded chDB, all migrations, a
 * realistic fixture) after expanding template variables and plugin macros,
 * returning the columns its panel needs — with the settings of the Grafana
 * ClickHouse user's read-only profile.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { createClickHouse, type ClickHouseClient } from '../libs/clickhouse/client.ts';
import { migrate } from '../libs/clickhouse/migrations.ts';
import { repoRoot } from '../libs/local/local-services.ts';
import { silentLogger } from '../libs/logging/logger.ts';
import { allDashboards, GENERATED_DIR, renderDashboardFiles } from './all-dashboards.ts';
import { ClickHouseFormat } from './clickhouse-query.ts';
import { annotationQueries, panelQueries, panelsOf, variableSql, variablesOf, type LocatedQuery } from './dashboard-walk.ts';
import { expandQuery, type QueryContext } from './macros.ts';
import { grafanaClickHouseProfile, readDatasources } from './provisioning-files.ts';
import { FIXTURE_WINDOW_MS, fixtureRows, type FixtureRows } from './test-fixtures.ts';

const dashboards = allDashboards();
const byUid = (uid: string) => dashboards.find((d) => d.uid === uid)!;

describe('generated dashboards', () => {
  it('are exactly what the TypeScript generates (run `npm run dashboards` after editing a dashboard)', () => {
    const dir = fileURLToPath(GENERATED_DIR);
    const expected = renderDashboardFiles(dashboards);
    const committed = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
    assert.deepEqual(committed, [...expected.keys()].sort(), 'dashboards/generated holds one file per dashboard, no more');
    for (const [name, text] of expected) assert.equal(readFileSync(join(dir, name), 'utf8'), text, `dashboards/generated/${name} is stale`);
  });

  it('give every panel a unique id, a title and a description, and every ClickHouse target a format', () => {
    for (const d of dashboards) {
      const ids = (d.panels ?? []).map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length, `${d.uid}: panel ids are unique`);
      for (const p of panelsOf(d)) {
        assert.ok(p.title && p.description, `${d.uid}: every panel has a title and a description (${p.title})`);
        assert.ok((p.targets ?? []).length > 0, `${d.uid} / ${p.title}: has a query`);
      }
      for (const { where, query } of [...panelQueries(d), ...annotationQueries(d)]) {
        assert.ok(Object.values(ClickHouseFormat).includes(query.format), `${where}: format is one of the plugin's`);
      }
    }
  });

  it('query Prometheus only for metrics the code registers', () => {
    const sources = [join(repoRoot, 'services/serving/serving-metrics.ts'), ...readdirSync(join(repoRoot, 'libs/metrics')).map((n) => join(repoRoot, 'libs/metrics', n))];
    const registered = new Set(sources.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/'(driftline_[a-z_]+)'/g)].map((m) => m[1]!)));
    let used = 0;
    for (const d of dashboards) {
      for (const p of panelsOf(d)) {
        for (const t of p.targets ?? []) {
          const expr = (t as { expr?: string }).expr;
          if (!expr) continue;
          for (const [name] of expr.matchAll(/driftline_[a-z_]+/g)) {
            used++;
            assert.ok(registered.has(name.replace(/_(bucket|sum|count)$/, '')), `${d.uid} / ${p.title}: ${name} is registered by serving-metrics.ts or libs/metrics`);
          }
        }
      }
    }
    assert.ok(used > 0);
  });
});

// The embedded engine: one data directory for this test file's process.
let client: ClickHouseClient;
let fixture: FixtureRows;
let replacingTables: Set<string>;
// Near the real clock (tables have TTLs: trigger_decisions drops rows older than 180 days
// on insert), aligned to the hour so the fixture's windows are the same on every run.
const NOW = Math.floor(Date.now() / 3_600_000) * 3_600_000;
const range = { from: new Date(NOW - 6 * 3_600_000), to: new Date(NOW) };

interface Result {
  meta: Array<{ name: string; type: string }>;
  data: Array<Record<string, unknown>>;
}

/**
 * The settings a dashboard query runs with: the Grafana user's profile
 * (dashboards/clickhouse/grafana-reader.xml), then max_execution_time, which
 * the plugin sets on every query from the datasource's queryTimeout — a
 * readonly=1 profile would refuse it, and so would this test.
 */
const querySettings = {
  ...grafanaClickHouseProfile().settings,
  max_execution_time: String(readDatasources().datasources[0]!.jsonData.queryTimeout),
};

/**
 * Runs a query as the Grafana user may. chDB keeps settings for the session:
 * after the first query the whole session is read-only, so the fixture is
 * inserted before it.
 */
async function run(sql: string): Promise<Result> {
  const result = await client.query({ query: sql, format: 'JSON', clickhouse_settings: querySettings as Record<string, string> });
  return result.json<Record<string, unknown>>() as unknown as Result;
}

/**
 * Resolves the dashboard's variables in order, as Grafana does: a query
 * variable's options are the first column of its (expanded) SQL; a
 * multi-value variable takes them all (what "All" expands to), a single one
 * the first option.
 */
async function resolveVariables(dashboard: Dashboard): Promise<QueryContext> {
  const ctx: QueryContext = { ...range, intervalMs: FIXTURE_WINDOW_MS, variables: {} };
  const variables: Record<string, string | string[]> = {};
  for (const v of variablesOf(dashboard)) {
    const rawSql = variableSql(v);
    if (rawSql === undefined) continue;
    const expanded = expandQuery(rawSql, { ...ctx, variables });
    const { meta, data } = await run(expanded).catch((err: Error) => assert.fail(`${dashboard.uid} / variable ${v.name}: ${err.message}\n${expanded}`));
    const options = data.map((row) => String(row[meta[0]!.name]));
    assert.ok(options.length > 0, `${dashboard.uid} / variable ${v.name} has options`);
    variables[v.name] = v.multi ? options : options[0]!;
  }
  return { ...ctx, variables };
}

const isTime = (type: string) => /^(Nullable\()?DateTime/.test(type);
const isNumber = (type: string) => /^(Nullable\()?(U?Int|Float|Decimal)/.test(type);
const isText = (type: string) => /^(Nullable\()?(LowCardinality\()?String/.test(type);

/** What Grafana needs from a result, by format and panel. */
function checkShape({ where, query, panel }: LocatedQuery, { meta, data }: Result): void {
  assert.ok(data.length > 0, `${where}: returns rows on the fixture`);
  const names = meta.map((m) => m.name);
  if (query.format === ClickHouseFormat.TimeSeries) {
    assert.ok(isTime(meta[0]!.type), `${where}: the first column is the time (got ${meta[0]!.name} ${meta[0]!.type})`);
    const times = data.map((r) => String(r[meta[0]!.name]));
    assert.deepEqual(times, [...times].sort(), `${where}: rows are in ascending time (the plugin's long-to-wide needs it)`);
    const rest = meta.slice(1);
    assert.ok(rest.some((m) => isNumber(m.type)), `${where}: has a numeric value column`);
    for (const m of rest) assert.ok(isNumber(m.type) || (m.name === 'series' && isText(m.type)), `${where}: column ${m.name} ${m.type} is a value or the series label`);
    if (JSON.stringify(panel?.fieldConfig ?? {}).includes('__field.labels.series')) assert.ok(names.includes('series'), `${where}: the panel names lines by the series label`);
  }
  for (const o of panel?.fieldConfig?.overrides ?? []) {
    if (o.matcher.id === 'byName') assert.ok(names.includes(String(o.matcher.options)), `${where}: override target ${o.matcher.options} is a returned column`);
  }
}

before(async () => {
  client = await createClickHouse({ dataDir: mkdtempSync(join(tmpdir(), 'driftline-dashboards-')) });
  await migrate(client, join(repoRoot, 'migrations'), silentLogger());
  fixture = fixtureRows(NOW);
  for (const [table, values] of Object.entries(fixture)) await client.insert({ table, values, format: 'JSONEachRow' });
  const engines = await run("SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE 'Replacing%'");
  replacingTables = new Set(engines.data.map((r) => String(r.name)));
});
after(() => client?.close());

describe('dashboard SQL on the embedded ClickHouse engine', () => {
  for (const dashboard of dashboards) {
    it(`${dashboard.title}: every variable, panel and annotation query runs and returns what its panel needs`, async () => {
      const ctx = await resolveVariables(dashboard);
      const queries = [...panelQueries(dashboard), ...annotationQueries(dashboard)];
      assert.ok(queries.length > 0);
      for (const located of queries) {
        const expanded = expandQuery(located.query.rawSql, ctx);
        const result = await run(expanded).catch((err: Error) => assert.fail(`${located.where}: ${err.message}\n${expanded}`));
        checkShape(located, result);
        if (located.where.includes('annotation')) {
          const names = result.meta.map((m) => m.name);
          assert.ok(names.includes('time') && names.includes('text'), `${located.where}: returns time and text`);
        }
      }
    });
  }

  it('reads every ReplacingMergeTree table with FINAL (a replaced row would count twice otherwise)', () => {
    const sqls = dashboards.flatMap((d) => [
      ...variablesOf(d).flatMap((v) => (variableSql(v) === undefined ? [] : [{ where: `${d.uid} / variable ${v.name}`, sql: variableSql(v)! }])),
      ...[...panelQueries(d), ...annotationQueries(d)].map((q) => ({ where: q.where, sql: q.query.rawSql })),
    ]);
    let checked = 0;
    for (const { where, sql } of sqls) {
      for (const m of sql.matchAll(/\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_]*)(\s+FINAL\b)?/gi)) {
        if (!replacingTables.has(m[1]!)) continue;
        checked++;
        assert.ok(m[2], `${where}: reads ${m[1]} without FINAL`);
      }
    }
    assert.ok(checked > 20, 'the check saw the ReplacingMergeTree reads');
  });

  it('shows the numbers a user would check against the fixture', async () => {
    // Violations in range: replaced rows (older computed_at) must not count.
    const quality = byUid('driftline-data-quality');
    const ctx = await resolveVariables(quality);
    const statSql = panelQueries(quality).find((q) => q.panel?.title === 'Violations in range')!.query.rawSql;
    const shown = (await run(expandQuery(statSql, ctx))).data.reduce((s, r) => s + Number(r.violations), 0);
    const fromS = Math.floor(range.from.getTime() / 1000) * 1000;
    const expected = fixture.validation_metrics!
      .filter((r) => r.computed_at !== '2000-01-01 00:00:00.000')
      .filter((r) => Date.parse(`${String(r.window_start)}Z`) >= fromS)
      .reduce((s, r) => s + Number(r.violations), 0);
    assert.equal(shown, expected);

    // Training runs: one row per run, in its newest state.
    const feedback = byUid('driftline-feedback');
    const fctx = await resolveVariables(feedback);
    const runsSql = panelQueries(feedback).find((q) => q.panel?.title === 'Training runs')!.query.rawSql;
    const runs = (await run(expandQuery(runsSql, fctx))).data.map((r) => `${r.run_id}:${r.state}`).sort();
    assert.deepEqual(runs, ['run-0:failed', 'run-1:registered']);

    // Accuracy over 10-minute buckets: two windows each, weighted by labelled rows.
    const accuracySql = panelQueries(feedback).find((q) => q.panel?.title === 'Classification quality')!.query.rawSql;
    const buckets = (await run(expandQuery(accuracySql, { ...fctx, intervalMs: 2 * FIXTURE_WINDOW_MS }))).data.filter((r) => r.series === 'credit v1');
    assert.ok(buckets.length > 10);
    for (const b of buckets) {
      const start = Date.parse(`${String(b.time).replace(' ', 'T')}Z`);
      const windows = fixture.quality_metrics!.filter((r) => r.model === 'credit' && r.model_version === 'v1' && Math.floor(Date.parse(`${String(r.window_start)}Z`) / 600_000) * 600_000 === start);
      const weighted = windows.reduce((s, r) => s + Number(r.accuracy) * Number(r.labelled), 0) / windows.reduce((s, r) => s + Number(r.labelled), 0);
      assert.ok(Math.abs(Number(b.accuracy) - weighted) < 1e-12, `accuracy at ${b.time}: ${b.accuracy} vs ${weighted}`);
    }

    // Drift verdicts: income drifted for both credit versions, listed first.
    const drift = byUid('driftline-drift');
    const dctx = await resolveVariables(drift);
    assert.equal(dctx.variables.model, 'credit');
    const tableSql = panelQueries(drift).find((q) => q.panel?.type === 'table')!.query.rawSql;
    const verdicts = (await run(expandQuery(tableSql, dctx))).data.map((r) => `${r.feature} ${r.version} ${r.verdict}`);
    assert.deepEqual(verdicts.slice(0, 2), ['income v1 drift', 'income v2 drift']);
    assert.ok(verdicts.slice(2).every((v) => v.endsWith(' ok')));

    // Burn-rate rules: credit pages in the last hour, housing does not.
    const slo = byUid('driftline-slo');
    const sctx = await resolveVariables(slo);
    const rulesSql = panelQueries(slo).find((q) => q.panel?.title?.startsWith('Burn-rate rules'))!.query.rawSql;
    const rules = (await run(expandQuery(rulesSql, sctx))).data.map((r) => `${r.model} ${r.severity} ${r.firing_rules}`).sort();
    assert.deepEqual(rules, ['credit page availability:page-6h', 'housing none ']);
  });

  it('would catch a broken panel: bad SQL fails, and so does a multi-value variable without :singlequote', async () => {
    const ctx = await resolveVariables(byUid('driftline-slo'));
    await assert.rejects(run(expandQuery('SELECT count() FROM slo_windows FINAL WHERE model IN ($model)', ctx)));
    await assert.rejects(run(expandQuery('SELECT count() FROM slo_window FINAL WHERE $__timeFilter(window_start)', ctx)));
    await assert.rejects(run("INSERT INTO alerts (alert_id) VALUES ('x')"), /readonly/i);
  });
});
