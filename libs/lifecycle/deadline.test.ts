import assert from 'node:assert/strict';
import { test } from 'node:test';
import { settledWithin } from './deadline.ts';

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

test('true for work that settles in time, false for work that does not; a rejection in time is passed on', async () => {
  assert.equal(await settledWithin(after(5, 'x'), 1_000), true);
  assert.equal(await settledWithin(after(1_000, 'x'), 20), false);
  await assert.rejects(settledWithin(Promise.reject(new Error('broken')), 1_000), /broken/);
});

test('a rejection after the time ran out is not left unhandled', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const late = new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 30));
    assert.equal(await settledWithin(late, 5), false);
    await after(60, undefined);
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
