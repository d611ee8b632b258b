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
