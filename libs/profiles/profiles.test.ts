/** Reference profiles: built from rows, CSV and a production window; stored and loaded (embedded ClickHouse). */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClickHouse, type ClickHouseClient } from '../clickhouse/client.ts';
import { migrate } from '../clickhouse/migrations.ts';
import { hasCode } from '../errors/errors.ts';
import { repoRoot } from '../local/local-services.ts';
import { silentLogger } from '../logging/logger.ts';
import { generatePredictions } from '../../simulators/prediction-generator.ts';
import { toPredictionRow } from '../../services/sink/prediction-row.ts';
import { profileFromCsv } from './csv-profile.ts';
import { loadProfile, saveProfile } from './profile-store.ts';
import { buildReferenceProfile, referenceColumnState } from './reference-profile.ts';
import { profileFromWindow } from './window-profile.ts';

let client: ClickHouseClient;
before(async () => {
  client = await createClickHouse({ dataDir: mkdtempSync(join(tmpdir(), 'driftline-prof-')) });
  await migrate(client, join(repoRoot, 'migrations'), silentLogger());
});
after(() => client.close());

describe('reference profiles', () => {
  it('keep exact sorted values up to the cap and evenly spaced order statistics above it', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({ x: 999 - i, c: i % 3 === 0 ? 'a' : 'b', m: i % 10 === 0 ? null : i }));
    const exact = buildReferenceProfile(rows, { model: 'm', modelVersion: '1', source: 't' });
    const x = referenceColumnState(exact.features.x!);
    assert.equal(x.kind, 'numerical');
    if (x.kind === 'numerical') assert.deepEqual(Array.from(x.values), Array.from({ length: 1000 }, (_, i) => i));
    assert.deepEqual(exact.features.c!.categories, [['a', 334], ['b', 666]]);
    assert.equal(exact.features.m!.missing, 100);
    const capped = buildReferenceProfile(rows, { model: 'm', modelVersion: '1', source: 't', sampleCap: 10 });
    const s = referenceColumnState(capped.features.x!);
    if (s.kind === 'numerical') assert.deepEqual(Array.from(s.values), [50, 150, 250, 350, 450, 550, 650, 750, 850, 950]);
    assert.equal(capped.features.x!.count, 1000);
  });

  it('are built from a CSV file, and bad CSV is refused with file and line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftline-profcsv-'));
    writeFileSync(join(dir, 'ok.csv'), 'income,region\n10,north\n20,\n30,south\n');
    const p = await profileFromCsv(join(dir, 'ok.csv'), { model: 'm', modelVersion: '1', source: '' });
    assert.equal(p.rows, 3);
    assert.equal(p.features.income!.kind, 'numerical');
    assert.deepEqual(p.features.region!.categories, [['north', 1], ['south', 1]]);
    assert.equal(p.features.region!.missing, 1);
    writeFileSync(join(dir, 'bad.csv'), 'income,region\n10,north\n20\n');
    await assert.rejects(profileFromCsv(join(dir, 'bad.csv'), { model: 'm', modelVersion: '1', source: '' }), (err) => hasCode(err, 'CSV_INVALID') && /bad\.csv:3/.test(err.message));
  });

  it('are built from a production window of the predictions table, deterministically', async () => {
    const start = Date.now() - 3_600_000;
    const events = [...generatePredictions(2_000, { model: 'win', modelVersion: '1', node: 'n', seed: 5, startMs: start, stepMs: 1_000 })];
    await client.insert({ table: 'predictions', format: 'JSONEachRow', values: events.map((e, i) => toPredictionRow(e, { topic: 't', partition: 0, offset: i })) });
    const all = await profileFromWindow(client, { model: 'win', modelVersion: '1', targetVersion: '2', fromMs: start, toMs: start + 1_000 * 1_000 });
    assert.equal(all.rows, 1_000, 'only events inside [from, to)');
    assert.equal(all.model_version, '2');
    const inWindow = events.slice(0, 1_000).map((e) => e.features.income as number).sort((a, b) => a - b);
    const got = referenceColumnState(all.features.income!);
    if (got.kind === 'numerical') assert.deepEqual(Array.from(got.values), inWindow);
    const a = await profileFromWindow(client, { model: 'win', modelVersion: '1', fromMs: start, toMs: start + 2_000_000, maxRows: 300 });
    const b = await profileFromWindow(client, { model: 'win', modelVersion: '1', fromMs: start, toMs: start + 2_000_000, maxRows: 300 });
    assert.equal(a.rows, 300);
    assert.deepEqual(a.features, b.features, 'the same request gives the same sample');
    await assert.rejects(profileFromWindow(client, { model: 'nope', modelVersion: '1', fromMs: start, toMs: start + 1 }), (err) => hasCode(err, 'NOT_FOUND'));
    await assert.rejects(profileFromWindow(client, { model: 'win', modelVersion: '1', fromMs: start, toMs: start }), (err) => hasCode(err, 'INPUT_INVALID'));
  });

  it('are versioned per model version, with a fallback to the model’s newest profile', async () => {
    const p = buildReferenceProfile([{ x: 1 }, { x: 2 }], { model: 'store', modelVersion: '1', source: 't' });
    assert.equal(await saveProfile(client, p), 1);
    assert.equal(await saveProfile(client, { ...p, source: 't2' }), 2);
    const exact = await loadProfile(client, 'store', '1');
    assert.equal(exact?.profileVersion, 2);
    assert.equal(exact?.profile.source, 't2');
    const fallback = await loadProfile(client, 'store', '7');
    assert.equal(fallback?.profile.model_version, '1', 'a version without a profile uses the model’s newest');
    assert.equal(await loadProfile(client, 'unknown', '1'), undefined);
  });
});
