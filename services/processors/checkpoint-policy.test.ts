/** When a partition's checkpoint begins: the due rule with its queueing, and the end of a backlog. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backlogEnded, checkpointDue, QUEUE_MIN_EVENTS } from './checkpoint-policy.ts';
import type { PartitionRun } from './partition-run.ts';

const bounds = { checkpointIntervalMs: 2_000, checkpointMaxEvents: 50_000 };

/** The fields the policy reads, as a partition's run holds them. */
function run(fields: { lastOffset?: number; checkpointOffset?: number; lastCheckpointAt?: number; events?: number; behind?: boolean; caughtUpAt?: number } = {}): PartitionRun {
  return {
    lastOffset: fields.lastOffset ?? 100,
    checkpointOffset: fields.checkpointOffset ?? 0,
    lastCheckpointAt: fields.lastCheckpointAt ?? 0,
    buffer: { events: fields.events ?? 100 },
    behind: fields.behind ?? false,
    caughtUpAt: fields.caughtUpAt ?? -Infinity,
  } as unknown as PartitionRun;
}

describe('checkpointDue', () => {
  it('is due after the interval or at the event bound, and never without new offsets', () => {
    assert.equal(checkpointDue(run(), bounds, 1_999, 0), false);
    assert.equal(checkpointDue(run(), bounds, 2_000, 0), true);
    assert.equal(checkpointDue(run({ events: 50_000 }), bounds, 10, 0), true);
    assert.equal(checkpointDue(run({ lastOffset: 7, checkpointOffset: 7 }), bounds, 60_000, 0), false);
  });

  it('holds a large due checkpoint back while another is written, unless twice past due', () => {
    const large = QUEUE_MIN_EVENTS;
    assert.equal(checkpointDue(run({ events: large }), bounds, 2_000, 1), false);
    assert.equal(checkpointDue(run({ events: large - 1 }), bounds, 2_000, 1), true, 'small ones never wait');
    assert.equal(checkpointDue(run({ events: large }), bounds, 4_000, 1), true, 'twice the interval');
    assert.equal(checkpointDue(run({ events: 100_000 }), bounds, 10, 1), true, 'twice the event bound');
  });
});

describe('backlogEnded', () => {
  it('fires on the batch that reaches the high watermark after one that did not, once per interval', () => {
    const r = run();
    assert.equal(backlogEnded(r, 99, 1_000, bounds, 0), false, 'behind: more is waiting');
    assert.equal(r.behind, true);
    assert.equal(backlogEnded(r, 999, 1_000, bounds, 100), true, 'caught up after a backlog');
    assert.equal(r.behind, false);
    assert.equal(backlogEnded(r, 1_999, 2_000, bounds, 200), false, 'caught up, no backlog before: live traffic');
    assert.equal(backlogEnded(r, 2_500, 3_000, bounds, 300), false);
    assert.equal(backlogEnded(r, 2_999, 3_000, bounds, 400), false, 'a second end within the interval waits for the due rule');
    assert.equal(backlogEnded(r, 3_500, 4_000, bounds, 2_000), false);
    assert.equal(backlogEnded(r, 3_999, 4_000, bounds, 2_100), true, 'the next interval');
  });
});
