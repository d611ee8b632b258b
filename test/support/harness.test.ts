import assert from 'node:assert/strict';
import { test } from 'node:test';
import { settleWithin } from './harness.ts';

test('settleWithin waits for work that settles, and gives up on work that does not, without throwing', async () => {
  const errors: string[] = [];
  const original = console.error;
  console.error = (line: string) => errors.push(line);
  try {
    let done = false;
    const quick = new Promise<void>((resolve) => setTimeout(resolve, 30)).then(() => {
      done = true;
    });
    await settleWithin(quick, 5_000, 'quick');
    assert.equal(done, true);
    const t0 = performance.now();
    await settleWithin(new Promise(() => {}), 100, 'stuck close');
    assert.ok(performance.now() - t0 < 2_000);
    await settleWithin(Promise.reject(new Error('broker down')), 1_000, 'failing close');
    await settleWithin(undefined, 1_000, 'nothing');
  } finally {
    console.error = original;
  }
  assert.deepEqual(errors, ['[clean-up] stuck close: not settled after 100 ms; left behind', '[clean-up] failing close: failed: broker down']);
});
