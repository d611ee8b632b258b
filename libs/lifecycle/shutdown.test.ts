import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../logging/logger.ts';
import { once, shutdownInOrder } from './shutdown.ts';

describe('shutdownInOrder', () => {
  it('runs steps in order and keeps going past a failing one', async () => {
    const ran: string[] = [];
    await shutdownInOrder(
      [
        { name: 'intake', run: () => void ran.push('intake') },
        { name: 'consumer', run: () => Promise.reject(new Error('boom')) },
        { name: 'writer', run: async () => void ran.push('writer') },
      ],
      { deadlineMs: 1_000, logger: silentLogger() },
    );
    assert.deepEqual(ran, ['intake', 'writer']);
  });
  it('throws SHUTDOWN_TIMEOUT naming the step that hung', async () => {
    await assert.rejects(
      shutdownInOrder([{ name: 'stuck flush', run: () => new Promise(() => {}) }], { deadlineMs: 50, logger: silentLogger() }),
      (err: { code: string; message: string }) => err.code === 'SHUTDOWN_TIMEOUT' && err.message.includes('stuck flush'),
    );
  });
  it('once() runs a close function a single time', async () => {
    let calls = 0;
    const close = once(async () => void calls++);
    await Promise.all([close(), close()]);
    assert.equal(calls, 1);
  });
});
