/**
 * The profile cache shared by the drift aggregator and finalizer: a refresh
 * that finds the same profile version keeps the cached object (the
 * aggregator builds its grids once per profile object: a new object per
 * refresh rebuilt every grid and, on the encoder thread, kept them all);
 * a new version replaces it; peek() never waits.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ClickHouseClient } from '../../../libs/clickhouse/client.ts';
import { saveProfile } from '../../../libs/profiles/profile-store.ts';
import { buildReferenceProfile } from '../../../libs/profiles/reference-profile.ts';
import { testClickHouse, testLogger, uniqueName } from '../../../test/support/harness.ts';
import { createProfileCache } from './profile-cache.ts';

let clickhouse: ClickHouseClient;
before(async () => {
  clickhouse = await testClickHouse();
});
after(async () => {
  await clickhouse.close();
});

test('same version keeps its object across refreshes; a new version replaces it; peek() does not wait', async () => {
  const model = uniqueName('cache');
  const rows = Array.from({ length: 50 }, (_, i) => ({ x: i }));
  await saveProfile(clickhouse, buildReferenceProfile(rows, { model, modelVersion: '1', source: 'test' }));
  const cache = createProfileCache({ clickhouse, logger: testLogger(), ttlMs: 0 });
  assert.equal(cache.peek(model, '1', 0), undefined, 'first peek starts a load and returns at once');
  const first = await cache.get(model, '1', 1);
  assert.equal(first?.profileVersion, 1);
  const again = await cache.get(model, '1', 2);
  assert.equal(again, first, 'a refresh of the same version keeps the object');
  await saveProfile(clickhouse, buildReferenceProfile(rows, { model, modelVersion: '1', source: 'test' }));
  const second = await cache.get(model, '1', 3);
  assert.equal(second?.profileVersion, 2);
  assert.notEqual(second, first);
  assert.equal((await cache.version(model, '1', 1))?.profileVersion, 1, 'an exact older version stays loadable');
});

test('refresh() reads the profile in force and leaves it for peek()', async () => {
  const model = uniqueName('cache-refresh');
  const rows = Array.from({ length: 50 }, (_, i) => ({ x: i }));
  await saveProfile(clickhouse, buildReferenceProfile(rows, { model, modelVersion: '1', source: 'test' }));
  const cache = createProfileCache({ clickhouse, logger: testLogger(), ttlMs: 60_000 });
  const loaded = await cache.refresh(model, '1', 0);
  assert.equal(loaded?.profileVersion, 1);
  assert.equal(cache.peek(model, '1', 1), loaded, 'peek() finds it without a load of its own');
  await saveProfile(clickhouse, buildReferenceProfile(rows, { model, modelVersion: '1', source: 'test' }));
  assert.equal(cache.peek(model, '1', 2), loaded, 'within the TTL peek() keeps the cached one');
  assert.equal((await cache.refresh(model, '1', 3))?.profileVersion, 2, 'refresh() does not wait for the TTL');
  assert.equal(cache.peek(model, '1', 4)?.profileVersion, 2);
});
