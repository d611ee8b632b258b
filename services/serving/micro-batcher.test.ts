import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BatchWindow, MicroBatcher } from './micro-batcher.ts';

/** A request is an array of row values; the fake model doubles each row and records every batch it ran. */
function setup(window: BatchWindow, maxRows: number, fail?: (rows: number[]) => boolean) {
  const runs: number[][][] = [];
  const timers: Array<{ fn: () => void; ms: number; cleared: boolean }> = [];
  const batcher = new MicroBatcher<number[], number[]>({
    window,
    maxRows,
    rowsOf: (r) => r.length,
    run: async (requests) => {
      runs.push(requests);
      const all = requests.flat();
      if (fail?.(all)) throw new Error('model failed');
      const doubled = all.map((v) => v * 2);
      let start = 0;
      return requests.map((r) => doubled.slice(start, (start += r.length)));
    },
    setTimer: (fn, ms) => {
      const t = { fn, ms, cleared: false };
      timers.push(t);
      return t;
    },
    clearTimer: (t) => {
      (t as { cleared: boolean }).cleared = true;
    },
  });
  const fire = () => {
    for (const t of timers) if (!t.cleared) {
      t.cleared = true;
      t.fn();
    }
  };
  return { batcher, runs, timers, fire };
}

describe('MicroBatcher', () => {
  it('runs requests arriving within the window as one batch and splits the results back in order', async () => {
    const { batcher, runs, timers, fire } = setup(2, 100);
    const a = batcher.submit([1]);
    const b = batcher.submit([2, 3]);
    const c = batcher.submit([4]);
    assert.equal(runs.length, 0, 'nothing runs before the window closes');
    assert.equal(timers.length, 1, 'one timer per batch');
    assert.equal(timers[0]!.ms, 2);
    fire();
    assert.deepEqual(await Promise.all([a, b, c]), [[2], [4, 6], [8]]);
    assert.deepEqual(runs, [[[1], [2, 3], [4]]]);
  });

  it('runs a batch as soon as it holds maxRows rows', async () => {
    const { batcher, runs, timers } = setup(2, 4);
    const results = [batcher.submit([1, 2]), batcher.submit([3, 4])];
    assert.deepEqual(await Promise.all(results), [[2, 4], [6, 8]]);
    assert.equal(runs.length, 1);
    assert.ok(timers[0]!.cleared, 'the window timer is cancelled');
  });

  it('starts a new batch when a request would overflow the open one, and runs oversize requests alone', async () => {
    const { batcher, runs, fire } = setup(2, 4);
    const a = batcher.submit([1, 2, 3]);
    const b = batcher.submit([4, 5]); // 3 + 2 > 4: the open batch runs first
    const big = batcher.submit([6, 7, 8, 9, 10]);
    fire();
    assert.deepEqual(await Promise.all([a, b, big]), [[2, 4, 6], [8, 10], [12, 14, 16, 18, 20]]);
    assert.deepEqual(runs, [[[1, 2, 3]], [[6, 7, 8, 9, 10]], [[4, 5]]]);
  });

  it('with window 0 runs every request on its own, immediately', async () => {
    const { batcher, runs, timers } = setup(0, 100);
    const results = await Promise.all([batcher.submit([1]), batcher.submit([2])]);
    assert.deepEqual(results, [[2], [4]]);
    assert.deepEqual(runs, [[[1]], [[2]]]);
    assert.equal(timers.length, 0);
  });

  it('fails every request of a failed batch, and later batches still run', async () => {
    const { batcher, fire } = setup(2, 100, (rows) => rows.includes(13));
    const a = batcher.submit([1]);
    const b = batcher.submit([13]);
    fire();
    await assert.rejects(a, /model failed/);
    await assert.rejects(b, /model failed/);
    const c = batcher.submit([5]);
    fire();
    assert.deepEqual(await c, [10]);
  });

  it('rejects when the runner returns the wrong number of results', async () => {
    const batcher = new MicroBatcher<number[], number[]>({ window: 0, maxRows: 10, rowsOf: (r) => r.length, run: async () => [] });
    await assert.rejects(batcher.submit([1]), /0 results for 1 requests/);
  });

  it("with window 'turn' batches what is submitted in one event-loop turn, without a timer", async () => {
    const sizes: number[] = [];
    const batcher = new MicroBatcher<number[], number[]>({
      window: 'turn',
      maxRows: 1000,
      rowsOf: (r) => r.length,
      onBatch: (rows) => sizes.push(rows),
      run: async (requests) => requests.map((r) => r.map((v) => -v)),
    });
    const first = await Promise.all([batcher.submit([1]), batcher.submit([2]), batcher.submit([3])]);
    assert.deepEqual(first, [[-1], [-2], [-3]]);
    const lone = await batcher.submit([4]);
    assert.deepEqual(lone, [-4]);
    assert.deepEqual(sizes, [3, 1], 'one batch per turn; a lone request runs in the next turn');
  });

  it('batches real concurrent callers within a real 5 ms window', async () => {
    const sizes: number[] = [];
    const batcher = new MicroBatcher<number[], number[]>({
      window: 5,
      maxRows: 1000,
      rowsOf: (r) => r.length,
      onBatch: (rows) => sizes.push(rows),
      run: async (requests) => requests.map((r) => r.map((v) => v + 1)),
    });
    const results = await Promise.all(Array.from({ length: 32 }, (_, i) => batcher.submit([i])));
    assert.deepEqual(results, Array.from({ length: 32 }, (_, i) => [i + 1]));
    assert.deepEqual(sizes, [32]);
  });
});
