import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnrecoverableError } from 'bullmq';
import { DriftlineError } from '../../libs/errors/errors.ts';
import { errorForQueue, failedRunState, isRetriable } from './job-failure.ts';

describe('training job failures', () => {
  const untrainable = new DriftlineError('INPUT_INVALID', 'candidate c has a single class');
  const unavailable = new DriftlineError('CLICKHOUSE_UNAVAILABLE', 'down', { retriable: true });

  it('retries what may pass, fails at once what cannot', () => {
    assert.equal(isRetriable(untrainable), false);
    assert.equal(isRetriable(unavailable), true);
    assert.equal(isRetriable(new Error('ECONNRESET')), true);
    const forQueue = errorForQueue(untrainable);
    assert.ok(forQueue instanceof UnrecoverableError);
    assert.equal(forQueue.message, 'candidate c has a single class');
    assert.equal(errorForQueue(unavailable), unavailable);
  });

  it('records retrying until the last attempt', () => {
    assert.equal(failedRunState(unavailable, 1, 3), 'retrying');
    assert.equal(failedRunState(unavailable, 3, 3), 'failed');
    assert.equal(failedRunState(untrainable, 1, 3), 'failed');
  });
});
