import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobsOptions } from 'bullmq';
import { DriftlineError } from '../errors/errors.ts';
import { enqueueTrainingJob, parseTrainingJob, redisConnection, TRAINING_JOB_NAME, TRAINING_QUEUE, type TrainingJobData } from './training-job.ts';

const data: TrainingJobData = { schema_version: 1, model: 'credit-default', candidate_id: 'c-1', base_version: '1', decision_id: 'd-1', reason: 'drift' };

describe('training job contract', () => {
  it('names the queue and validates job data, naming the bad field', () => {
    assert.equal(TRAINING_QUEUE, 'driftline-training');
    assert.deepEqual(parseTrainingJob({ ...data }), data);
    assert.throws(() => parseTrainingJob({ ...data, candidate_id: '' }), (err: unknown) => err instanceof DriftlineError && err.code === 'INPUT_INVALID' && /at candidate_id/.test(err.message));
    assert.throws(() => parseTrainingJob({ ...data, extra: 1 }), /training job invalid at \(root\)/);
    assert.throws(() => parseTrainingJob({ ...data, schema_version: 2 }), /at schema_version/);
  });

  it('enqueues with deduplication, three attempts and exponential backoff', async () => {
    const calls: Array<{ name: string; data: unknown; opts: JobsOptions }> = [];
    const queue = { add: async (name: string, jobData: unknown, opts: JobsOptions) => { calls.push({ name, data: jobData, opts }); return { id: '7' }; } };
    const job = await enqueueTrainingJob(queue as never, data, { dedupId: 'credit-default' });
    assert.equal(job.id, '7');
    assert.equal(calls[0]!.name, TRAINING_JOB_NAME);
    assert.deepEqual(calls[0]!.data, data);
    assert.deepEqual(calls[0]!.opts.deduplication, { id: 'credit-default' });
    assert.equal(calls[0]!.opts.attempts, 3);
    assert.deepEqual(calls[0]!.opts.backoff, { type: 'exponential', delay: 30_000 });
    await assert.rejects(enqueueTrainingJob(queue as never, { ...data, model: '' }, { dedupId: 'x' }), /at model/);
    assert.equal(calls.length, 1);
  });

  it('turns a Redis URL into connection options', () => {
    assert.deepEqual(redisConnection('redis://127.0.0.1:6379'), { host: '127.0.0.1', port: 6379 });
    assert.deepEqual(redisConnection('rediss://user:p%40ss@cache.internal:6380/2', { worker: true }), {
      host: 'cache.internal', port: 6380, username: 'user', password: 'p@ss', db: 2, tls: {}, maxRetriesPerRequest: null,
    });
    assert.throws(() => redisConnection('http://x'), /must start with redis:\/\/ or rediss:\/\//);
    assert.throws(() => redisConnection('not a url'), /REDIS_URL is not a URL/);
    assert.throws(() => redisConnection('redis://h/abc'), /database must be a number/);
  });
});
