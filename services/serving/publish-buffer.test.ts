import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../libs/logging/logger.ts';
import { DropReporter } from './drop-reporter.ts';
import { PublishBuffer } from './publish-buffer.ts';

describe('PublishBuffer', () => {
  it('hands events out oldest first, in batches', () => {
    const b = new PublishBuffer<number>(10);
    for (let i = 0; i < 7; i++) b.push(i);
    assert.deepEqual(b.take(3), [0, 1, 2]);
    assert.deepEqual(b.take(10), [3, 4, 5, 6]);
    assert.deepEqual(b.take(10), []);
    assert.equal(b.depth, 0);
  });

  it('sheds the OLDEST events beyond its bound and counts each one', () => {
    const b = new PublishBuffer<number>(5);
    const shed = Array.from({ length: 12 }, (_, i) => b.push(i));
    assert.deepEqual(shed, [false, false, false, false, false, true, true, true, true, true, true, true]);
    assert.equal(b.depth, 5);
    assert.equal(b.dropped, 7);
    assert.deepEqual(b.take(100), [7, 8, 9, 10, 11]);
  });

  it('wraps around its ring many times without losing order', () => {
    const b = new PublishBuffer<number>(3);
    const out: number[] = [];
    for (let i = 0; i < 100; i++) {
      b.push(i);
      if (i % 2 === 1) out.push(...b.take(2));
    }
    assert.deepEqual(out, Array.from({ length: 100 }, (_, i) => i));
    assert.equal(b.dropped, 0);
  });

  it('puts unsent events back at the front; without room they are the oldest, so they are dropped', () => {
    const b = new PublishBuffer<number>(5);
    for (let i = 0; i < 5; i++) b.push(i);
    const batch = b.take(3); // [0,1,2] in flight
    b.push(5);
    b.push(6); // buffer: 3,4,5,6 — room for one
    assert.equal(b.requeue(batch), 2, '0 and 1 are dropped, 2 goes back');
    assert.deepEqual(b.take(10), [2, 3, 4, 5, 6]);
    assert.equal(b.dropped, 2);
    b.push(9);
    assert.equal(b.requeue([7, 8]), 0);
    assert.deepEqual(b.take(10), [7, 8, 9]);
  });

  it('refuses a capacity below 1', () => {
    assert.throws(() => new PublishBuffer(0), RangeError);
  });
});

describe('DropReporter', () => {
  it('logs the first drop at once, then at most once per interval with the sum per reason', () => {
    const lines: unknown[] = [];
    const logger = silentLogger();
    logger.warn = ((obj: unknown) => lines.push(obj)) as typeof logger.warn;
    let now = 0;
    const r = new DropReporter(logger, 10_000, () => now);
    r.note(1, 'buffer_full', 1);
    for (let i = 0; i < 500; i++) {
      now += 10;
      r.note(1, 'buffer_full', 2 + i);
    }
    r.note(3, 'invalid', 504);
    assert.equal(lines.length, 1, 'no flood within the interval');
    now = 10_001;
    r.note(1, 'buffer_full', 505);
    assert.deepEqual(lines[1], { dropped: { buffer_full: 501, invalid: 3 }, total_dropped: 505 });
    r.flush(505);
    assert.equal(lines.length, 2, 'nothing pending');
  });
});
