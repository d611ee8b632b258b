import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OffsetTracker, partitionKey } from './offset-tracker.ts';

describe('OffsetTracker', () => {
  const p0 = partitionKey('t', 0);
  const p1 = partitionKey('t', 1);

  it('treats offsets already stored as replays', () => {
    const t = new OffsetTracker();
    t.setStored(p0, 41);
    assert.ok(t.isReplay(p0, 41));
    assert.ok(!t.isReplay(p0, 42));
  });

  it('commits the first not-yet-durable offset, or accepted + 1 when all are durable', () => {
    const t = new OffsetTracker();
    t.setStored(p0, -1);
    t.setStored(p1, -1);
    for (let o = 0; o < 10; o++) t.accept(p0, o);
    for (let o = 0; o < 5; o++) t.accept(p1, o);
    const positions = t.commitPositions(new Map([[p0, 7]]));
    assert.deepEqual(positions, [
      { topic: 't', partition: 0, offset: '7' },
      { topic: 't', partition: 1, offset: '5' },
    ]);
    t.markCommitted(positions);
    assert.deepEqual(t.commitPositions(new Map([[p0, 7]])), [], 'nothing moved');
    assert.deepEqual(t.commitPositions(new Map()), [{ topic: 't', partition: 0, offset: '10' }]);
  });

  it('forgets partitions that were revoked', () => {
    const t = new OffsetTracker();
    t.setStored(p0, 3);
    t.setStored(p1, 3);
    t.retainOnly(new Set([p1]));
    assert.equal(t.isKnown(p0), false);
    assert.equal(t.isKnown(p1), true);
  });
});
