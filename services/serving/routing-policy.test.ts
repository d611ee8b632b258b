import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newPredictionId } from '../../libs/contracts/prediction-id.ts';
import { chooseVersion, resolveRouting, routingBucket } from './routing-policy.ts';

describe('resolveRouting', () => {
  const versions = ['1', '2', '3'];

  it('makes the latest version the champion when there is no routing file', () => {
    assert.deepEqual(resolveRouting(undefined, versions), { policy: { champion: '3' }, source: 'latest' });
  });

  it('applies a valid routing file', () => {
    const file = { champion: '1', canary: { version: '2', share: 0.1 } };
    assert.deepEqual(resolveRouting(file, versions), { policy: file, source: 'file' });
  });

  it('keeps the previous policy when the file names a version that is not loaded', () => {
    const previous = { champion: '2' };
    const r = resolveRouting({ champion: '9' }, versions, previous);
    assert.equal(r.source, 'previous');
    assert.deepEqual(r.policy, previous);
    assert.match(r.problem!, /version 9, which is not loaded \(loaded: 1, 2, 3\)/);
  });

  it('falls back to the latest version when the previous policy is not servable either', () => {
    const r = resolveRouting({ champion: '1', canary: { version: '7', share: 0.5 } }, ['1', '4'], { champion: '3' });
    assert.deepEqual(r.policy, { champion: '4' });
    assert.equal(r.source, 'latest');
    assert.match(r.problem!, /version 7/);
  });

  it('refuses invalid files naming the field', () => {
    assert.match(resolveRouting({ champion: '1', canary: { version: '2', share: 1.5 } }, versions).problem!, /^canary\.share:/);
    assert.match(resolveRouting({ champion: '1', extra: true }, versions).problem!, /extra/);
    assert.match(resolveRouting({ unreadable: 'routing.json is not JSON: Unexpected end' }, versions).problem!, /not JSON/);
  });
});

describe('chooseVersion', () => {
  it('is deterministic per prediction id', () => {
    const policy = { champion: '1', canary: { version: '2', share: 0.5 } };
    for (let i = 0; i < 100; i++) {
      const id = newPredictionId();
      assert.equal(chooseVersion(policy, id), chooseVersion(policy, id));
    }
  });

  it('sends the canary share of ids to the canary', () => {
    const policy = { champion: '1', canary: { version: '2', share: 0.1 } };
    const n = 20_000;
    let canary = 0;
    // Ids minted in one millisecond burst, as under load: only their random bits differ.
    const ts = Date.UTC(2026, 0, 1);
    for (let i = 0; i < n; i++) if (chooseVersion(policy, newPredictionId(ts)) === '2') canary++;
    // Binomial(20000, 0.1): sd ≈ 42, so ±5 sd is ±212.
    assert.ok(Math.abs(canary - n * 0.1) < 212, `canary got ${canary} of ${n}`);
  });

  it('spreads ids uniformly over [0, 1)', () => {
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < 20_000; i++) bins[Math.floor(routingBucket(newPredictionId()) * 10)]!++;
    // Expected 2000 per bin, sd ≈ 42.
    for (const b of bins) assert.ok(Math.abs(b - 2000) < 212, `bins ${bins.join(',')}`);
  });

  it('sends everything to the champion without a canary, or with share 0, and everything to the canary at share 1', () => {
    const id = newPredictionId();
    assert.equal(chooseVersion({ champion: '1' }, id), '1');
    assert.equal(chooseVersion({ champion: '1', canary: { version: '2', share: 0 } }, id), '1');
    assert.equal(chooseVersion({ champion: '1', canary: { version: '2', share: 1 } }, id), '2');
  });
});
