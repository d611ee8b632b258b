/**
 * The drift finalizer stores, next to each feature's statistics, the binned
 * reference and current distributions (migration 0016) the HTML report
 * charts: checked against numpy on the same data, for a numeric feature
 * with missing values and a categorical one.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { queryRows, type ClickHouseClient } from '../../../libs/clickhouse/client.ts';
import { repoRoot } from '../../../libs/local/local-services.ts';
import { saveProfile } from '../../../libs/profiles/profile-store.ts';
import { buildReferenceProfile } from '../../../libs/profiles/reference-profile.ts';
import { finalizeDriftWindows } from '../../../test/support/drift-windows.ts';
import { testClickHouse, testLogger, uniqueName } from '../../../test/support/harness.ts';

let clickhouse: ClickHouseClient;
before(async () => {
  clickhouse = await testClickHouse();
});
after(async () => {
  await clickhouse.close();
});

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Expected { edges: number[] | null; categories: string[] | null; reference: number[]; current: number[] }

function numpyHistograms(cases: unknown[]): Expected[] {
  const dir = mkdtempSync(join(tmpdir(), 'driftline-hist-'));
  try {
    const path = join(dir, 'cases.json');
    writeFileSync(path, JSON.stringify({ cases }));
    const result = spawnSync('python3', [join(repoRoot, 'test', 'reference', 'histogram_reference.py'), path], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) throw new Error(`histogram_reference.py failed: ${result.stderr}`);
    return JSON.parse(result.stdout) as Expected[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertShares(actual: number[], expected: number[], label: string): void {
  assert.equal(actual.length, expected.length, `${label}: bin count`);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) <= 5e-6 * Math.abs(expected[i]!) + 1e-15, `${label}[${i}]: ${a} vs numpy ${expected[i]}`));
}

test('drift_metrics rows carry bin labels and reference/current shares equal to numpy', async () => {
  const random = lcg(11);
  const normal = () => random() + random() + random() + random() - 2;
  const cities = ['Berlin', 'Lyon', 'Osaka'];
  const reference = Array.from({ length: 900 }, () => ({ income: 50 + 10 * normal(), city: cities[Math.floor(random() * 3)]! }));
  const current = Array.from({ length: 700 }, (_, i) => ({ income: i % 10 === 0 ? null : 55 + 12 * normal(), city: i % 4 === 0 ? 'Paris' : cities[Math.floor(random() * 3)]! }));
  const model = uniqueName('hist');
  await saveProfile(clickhouse, buildReferenceProfile(reference, { model, modelVersion: '1', source: 'test' }));
  const windowStart = Date.UTC(2024, 5, 1);
  await finalizeDriftWindows({ clickhouse, logger: testLogger() }, model, '1', [{ startMs: windowStart, endMs: windowStart + 60_000, rows: current }], windowStart + 120_000);

  const rows = await queryRows<{ feature: string; bin_labels: string; reference_shares: string; current_shares: string; psi: number; missing_rate: number }>(
    clickhouse,
    'SELECT feature, bin_labels, reference_shares, current_shares, psi, missing_rate FROM drift_metrics FINAL WHERE model = {model:String} ORDER BY feature',
    { model },
  );
  assert.deepEqual(rows.map((r) => r.feature), ['city', 'income']);
  const [expectedCity, expectedIncome] = numpyHistograms([
    { kind: 'categorical', reference: reference.map((r) => r.city), current: current.map((r) => r.city) },
    { kind: 'numerical', reference: reference.map((r) => r.income), current: current.flatMap((r) => (r.income === null ? [] : [r.income])), bins: 10 },
  ]);
  const [city, income] = rows;
  assert.deepEqual(JSON.parse(city!.bin_labels), expectedCity!.categories);
  assertShares(JSON.parse(city!.reference_shares), expectedCity!.reference, 'city reference');
  assertShares(JSON.parse(city!.current_shares), expectedCity!.current, 'city current');
  const labels = JSON.parse(income!.bin_labels) as string[];
  assert.equal(labels.length, expectedIncome!.edges!.length + 1);
  assert.match(labels[0]!, /^≤ /);
  assert.match(labels[labels.length - 1]!, /^> /);
  assertShares(JSON.parse(income!.reference_shares), expectedIncome!.reference, 'income reference');
  assertShares(JSON.parse(income!.current_shares), expectedIncome!.current, 'income current');
  // The statistics next to them are still written (missing values excluded, reported as a rate).
  assert.ok(Math.abs(income!.missing_rate - 0.1) < 1e-12);
  assert.ok(income!.psi > 0);
});
