import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { silentLogger } from '../../../libs/logging/logger.ts';
import { buildReferenceProfile } from '../../../libs/profiles/reference-profile.ts';
import { createRng } from '../../../libs/model/random.ts';
import { GridAccumulator, RawAccumulator, type FeatureAccumulator } from './column-codec.ts';
import { buildFeatureGrid } from './drift-grid.ts';
import { gridKey } from './grid-key.ts';
import { createDriftStatsPool } from './drift-stats-pool.ts';
import { computeFeatureDrift, type FeatureDriftTask } from './feature-drift.ts';

const rng = createRng(5);
const profile = buildReferenceProfile(
  Array.from({ length: 4_000 }, () => ({ x: rng.normal(0, 1), c: `v${Math.floor(rng.next() * 4)}` })),
  { model: 'm', modelVersion: '1', source: 'test', categorical: ['c'] },
);

const key = gridKey({ profile, profileVersion: 1 }, undefined);
const grid = buildFeatureGrid(profile.features.x!, undefined)!;

/** A window of `n` values in `chunks` deltas (the first grid-shaped for x, the others raw), shifted by `shift`. */
function task(name: 'x' | 'c', n: number, shift: number, chunks = 3): FeatureDriftTask {
  const deltas: FeatureAccumulator[] = Array.from({ length: chunks }, (_, c) => (name === 'x' && c === 0 ? new GridAccumulator(grid, key) : new RawAccumulator()));
  for (let i = 0; i < n; i++) deltas[i % chunks]!.add(name === 'x' ? rng.normal(shift, 1) : `v${Math.floor(rng.next() * (4 + shift))}`);
  return { name, feature: profile.features[name]!, states: deltas.map((d) => d.encode() as string), events: n + 10, minCurrentCount: 500, gridKey: key };
}

const pool = createDriftStatsPool({ size: 2, logger: silentLogger() });
after(() => pool.close());

test('worker threads compute the same reports, bit for bit, as the event loop', async () => {
  const tasks = [task('x', 3_000, 0), task('x', 2_500, 0.4), task('c', 3_000, 0), task('c', 2_000, 2), task('x', 100, 0)];
  const results = await Promise.all(tasks.map((t) => pool.run(t)));
  assert.equal(pool.size, 2);
  for (let i = 0; i < tasks.length; i++) assert.deepEqual(results[i], computeFeatureDrift(tasks[i]!));
  // And the statistics say what the data says: the shifted numeric feature drifted, the small window has no verdict.
  assert.equal(results[1]!.report.drift?.drifted, true);
  assert.equal(results[0]!.report.drift?.drifted, false);
  assert.equal(results[4]!.report.drift, null);
});

test('a task that throws in a worker fails alone with WORKER_FAILED; the pool keeps serving', async () => {
  // A stored sample that is not whole float64s: the reference cannot be read (a corrupt chunk state would only be left out).
  const bad = { ...task('x', 600, 0), feature: { kind: 'numerical' as const, count: 1, missing: 0, sample: 'AAA=' } };
  await assert.rejects(pool.run(bad), (err: Error & { code?: string }) => err.code === 'WORKER_FAILED' && /feature x/.test(err.message));
  const good = task('x', 600, 0);
  assert.deepEqual(await pool.run(good), computeFeatureDrift(good));
});

test('size 0 computes inline; close() then run() starts workers again', async () => {
  const inline = createDriftStatsPool({ size: 0, logger: silentLogger() });
  const t = task('c', 1_000, 1);
  assert.equal(inline.size, 0);
  assert.deepEqual(await inline.run(t), computeFeatureDrift(t));
  const reopened = createDriftStatsPool({ size: 1, logger: silentLogger() });
  await reopened.run(t);
  await reopened.close();
  assert.deepEqual(await reopened.run(t), computeFeatureDrift(t));
  await reopened.close();
});

test('ready() starts the workers before any task and settles once they have loaded; an inline pool is ready at once', async () => {
  const fresh = createDriftStatsPool({ size: 2, logger: silentLogger() });
  try {
    // Settles only on each worker's "loaded" message (or its failure): a worker that never says so would time the test out.
    await fresh.ready();
    await fresh.ready();
    const t = task('x', 600, 0);
    assert.deepEqual(await fresh.run(t), computeFeatureDrift(t));
  } finally {
    await fresh.close();
  }
  await createDriftStatsPool({ size: 0, logger: silentLogger() }).ready();
});
