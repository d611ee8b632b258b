/**
 * The drift report's data loader and HTTP route against the embedded
 * ClickHouse engine, with drift_windows / drift_metrics rows inserted as the
 * drift finalizer writes them (a replaced row included, to check FINAL).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createClickHouse, type ClickHouseClient } from '../clickhouse/client.ts';
import { migrate } from '../clickhouse/migrations.ts';
import { DriftlineError } from '../errors/errors.ts';
import { silentLogger } from '../logging/logger.ts';
import { loadDriftReport } from './drift-report-data.ts';
import { REPORT_DATA_ELEMENT_ID } from './render-drift-report.ts';
import { driftReportRoute } from './report-route.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 5, 1);
const NOW = T0 + 6 * HOUR;

let dataDir: string;
let clickhouse: ClickHouseClient;
let app: FastifyInstance;

function windowRow(model: string, version: string, i: number, driftedFeatures: number) {
  return { model, model_version: version, window_start: T0 + i * HOUR, window_end: T0 + (i + 1) * HOUR, events: 1000 + i, late_events: 0, features: 2, drifted_features: driftedFeatures, drift_share: driftedFeatures / 2, dataset_drift: driftedFeatures >= 1 ? 1 : 0, profile_version: 1, computed_at: NOW };
}

function metricRow(model: string, version: string, i: number, feature: string, over: Record<string, unknown>) {
  return {
    model, model_version: version, window_start: T0 + i * HOUR, window_end: T0 + (i + 1) * HOUR, feature, kind: feature === 'city' ? 'categorical' : 'numerical',
    reference_count: 800, current_count: 600, missing_rate: 0.25, psi: 0.02, ks_statistic: 0.1, ks_p_value: 0.4, wasserstein_normed: 0.05,
    chi2_statistic: null, chi2_p_value: null, chi2_dof: null, jensen_shannon: 0.03, drift_method: 'ks', drift_score: 0.4, threshold: 0.05, drifted: 0, message: '',
    profile_version: 1, computed_at: NOW, bin_labels: '["≤ 1","> 1"]', reference_shares: '[0.5,0.5]', current_shares: '[0.25,0.75]', ...over,
  };
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'driftline-report-'));
  clickhouse = await createClickHouse({ dataDir });
  await migrate(clickhouse, join(repoRoot, 'migrations'), silentLogger());
  await clickhouse.insert({
    table: 'drift_windows',
    format: 'JSONEachRow',
    values: [windowRow('credit', '1', 0, 0), windowRow('credit', '1', 1, 0), windowRow('credit', '1', 2, 2), windowRow('credit', '2', 1, 0), windowRow('fraud', '7', 0, 0)],
  });
  await clickhouse.insert({
    table: 'drift_metrics',
    format: 'JSONEachRow',
    values: [
      metricRow('credit', '1', 0, 'age', {}),
      metricRow('credit', '1', 1, 'age', { drift_score: 0.2 }),
      // Replaced by the newer computation below: FINAL must show 0.001, drifted.
      metricRow('credit', '1', 2, 'age', { drift_score: 0.3, computed_at: NOW - HOUR }),
      metricRow('credit', '1', 2, 'age', { drift_score: 0.001, ks_p_value: 0.001, drifted: 1, bin_labels: '["≤ 1","1 – 2","> 2"]', reference_shares: '[0.3,0.4,0.3]', current_shares: '[0.1,0.2,0.7]' }),
      metricRow('credit', '1', 0, 'city', { drift_method: 'chi_square', ks_p_value: null }),
      metricRow('credit', '1', 1, 'city', { drift_method: '', drift_score: null, threshold: null, message: 'only 3 values in the window (< 500): statistics without a verdict' }),
      // A row written before migration 0016: no distribution.
      metricRow('credit', '1', 2, 'city', { drift_method: 'chi_square', drift_score: 1e-9, drifted: 1, ks_p_value: null, bin_labels: '', reference_shares: '', current_shares: '' }),
      metricRow('credit', '2', 1, 'age', {}),
      metricRow('credit', '2', 1, 'city', { drift_method: 'chi_square' }),
    ],
  });
  app = Fastify();
  await app.register(driftReportRoute({ clickhouse, clock: () => NOW }));
  await app.ready();
});

after(async () => {
  await app?.close();
  await clickhouse?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function notFound(pattern: RegExp) {
  return (err: unknown) => err instanceof DriftlineError && err.code === 'NOT_FOUND' && pattern.test(err.message);
}

describe('loadDriftReport', () => {
  it('builds windows, per-feature history (FINAL rows) and the newest distributions', async () => {
    const report = await loadDriftReport(clickhouse, { model: 'credit', fromMs: T0, toMs: T0 + 3 * HOUR, nowMs: NOW });
    assert.equal(report.modelVersion, '1', 'the version of the newest window');
    assert.deepEqual(report.source, { kind: 'stream', fromMs: T0, toMs: T0 + 3 * HOUR, otherVersions: ['2'], omittedWindows: 0 });
    assert.deepEqual(report.windows.map((w) => [w.startMs, w.endMs, w.events, w.driftedFeatures, w.datasetDrift]), [
      [T0, T0 + HOUR, 1000, 0, false],
      [T0 + HOUR, T0 + 2 * HOUR, 1001, 0, false],
      [T0 + 2 * HOUR, T0 + 3 * HOUR, 1002, 2, true],
    ]);
    assert.deepEqual(report.features.map((f) => f.name), ['age', 'city']);
    const [age, city] = report.features;
    assert.deepEqual(age!.history.map((h) => h.score), [0.4, 0.2, 0.001]);
    assert.deepEqual(age!.latest, { windowStartMs: T0 + 2 * HOUR, method: 'ks', score: 0.001, threshold: 0.05, drifted: true, psi: 0.02, ksPValue: 0.001, missingRate: 0.25, referenceCount: 800, currentCount: 600, message: null });
    assert.deepEqual(age!.distribution, { windowStartMs: T0 + 2 * HOUR, labels: ['≤ 1', '1 – 2', '> 2'], reference: [0.3, 0.4, 0.3], current: [0.1, 0.2, 0.7] });
    assert.equal(city!.kind, 'categorical');
    assert.equal(city!.distribution, null, 'a row without stored shares has no chart');
    assert.deepEqual(city!.history.map((h) => h.drifted), [false, null, true], 'no method = no verdict');
    assert.match(city!.history[1]!.message!, /only 3 values/);
  });

  it('reports an explicit version, and keeps the newest windows when over the limit', async () => {
    const v2 = await loadDriftReport(clickhouse, { model: 'credit', version: '2', fromMs: T0, toMs: T0 + 3 * HOUR });
    assert.equal(v2.modelVersion, '2');
    assert.deepEqual(v2.windows.map((w) => w.startMs), [T0 + HOUR]);
    assert.deepEqual(v2.source.kind === 'stream' && v2.source.otherVersions, ['1']);
    const limited = await loadDriftReport(clickhouse, { model: 'credit', version: '1', fromMs: T0, toMs: T0 + 3 * HOUR, maxWindows: 2 });
    assert.deepEqual(limited.windows.map((w) => w.startMs), [T0 + HOUR, T0 + 2 * HOUR]);
    assert.equal(limited.source.kind === 'stream' && limited.source.omittedWindows, 1);
    assert.deepEqual(limited.features[0]!.history.map((h) => h.windowStartMs), [T0 + HOUR, T0 + 2 * HOUR]);
  });

  it('unknown model, unknown version and an empty range are NOT_FOUND saying what exists', async () => {
    const range = { fromMs: T0, toMs: T0 + 3 * HOUR };
    await assert.rejects(loadDriftReport(clickhouse, { model: 'nope', ...range }), notFound(/^unknown model 'nope': no drift results \(models with drift results: credit, fraud\)$/));
    await assert.rejects(loadDriftReport(clickhouse, { model: 'credit', version: '9', ...range }), notFound(/^model 'credit' has no drift results for version '9' \(versions: 1, 2\)$/));
    await assert.rejects(
      loadDriftReport(clickhouse, { model: 'credit', fromMs: T0 + 5 * HOUR, toMs: T0 + 6 * HOUR }),
      notFound(/^model 'credit' has no drift windows from 2024-06-01 05:00:00 UTC to 2024-06-01 06:00:00 UTC; its windows start from 2024-06-01 00:00:00 UTC to 2024-06-01 02:00:00 UTC$/),
    );
    await assert.rejects(loadDriftReport(clickhouse, { model: 'credit', version: '2', fromMs: T0 + 2 * HOUR, toMs: T0 + 3 * HOUR }), notFound(/version '2' has no drift windows from .*its windows start from 2024-06-01 01:00:00 UTC/));
    await assert.rejects(loadDriftReport(clickhouse, { model: 'credit', fromMs: T0 + HOUR, toMs: T0 }), (err: unknown) => err instanceof DriftlineError && err.code === 'INPUT_INVALID');
  });

  it('a model name with quotes and SQL travels as a parameter', async () => {
    await assert.rejects(loadDriftReport(clickhouse, { model: "x' OR 1=1 --", fromMs: T0, toMs: T0 + HOUR }), notFound(/^unknown model 'x' OR 1=1 --'/));
  });
});

describe('GET /reports/drift', () => {
  it('answers the HTML report with a no-network content security policy', async () => {
    const res = await app.inject({ method: 'GET', url: `/reports/drift?model=credit&from=2024-06-01T00:00:00Z&to=${T0 + 3 * HOUR}` });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
    assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
    assert.match(res.body, /<h1>Drift report: credit <span class="version">version 1<\/span><\/h1>/);
    const island = new RegExp(`id="${REPORT_DATA_ELEMENT_ID}">([\\s\\S]*?)</script>`).exec(res.body);
    const data = JSON.parse(island![1]!) as { windows: unknown[]; generatedAtMs: number };
    assert.equal(data.windows.length, 3);
    assert.equal(data.generatedAtMs, NOW);
  });

  it('defaults to the 24 hours before now', async () => {
    const res = await app.inject({ method: 'GET', url: '/reports/drift?model=fraud' });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.body, /Drift report: fraud/);
  });

  it('400 names the bad parameter; 404 for an unknown model or an empty range', async () => {
    const cases: Array<[string, number, RegExp]> = [
      ['/reports/drift', 400, /query parameter 'model' is required/],
      ['/reports/drift?model=credit&from=soon', 400, /query parameter 'from': 'soon' is not an ISO-8601 date-time/],
      ['/reports/drift?model=credit&to=2024-06-01T00:00', 400, /query parameter 'to': .* has no time zone/],
      ['/reports/drift?model=credit&from=2024-01-01&to=2024-06-01', 400, /over the 31 days limit/],
      ['/reports/drift?model=credit&model=fraud', 400, /query parameter 'model' must be given once/],
      ['/reports/drift?model=credit&versoin=1', 400, /unknown query parameter 'versoin'/],
      ['/reports/drift?model=nope', 404, /unknown model 'nope'/],
      ['/reports/drift?model=credit&from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00Z', 404, /has no drift windows from/],
    ];
    for (const [url, status, pattern] of cases) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, status, `${url}: ${res.body}`);
      const body = res.json() as { error: { code: string; message: string } };
      assert.equal(body.error.code, status === 400 ? 'INPUT_INVALID' : 'NOT_FOUND');
      assert.match(body.error.message, pattern, url);
    }
  });
});
