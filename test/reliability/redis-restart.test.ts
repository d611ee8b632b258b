/**
 * Queued training jobs survive Redis restarts. A redis-server of our own
 * (never the shared one on 6379) on a free port, with an append-only file
 * (`--appendonly yes --appendfsync always`: how Redis must run for BullMQ
 * jobs to be durable), takes a job enqueued by enqueueTrainingJob; it is
 * restarted gracefully (SIGTERM) and then killed (SIGKILL) and restarted.
 * After each, the job is still there, unchanged, the same queue object works
 * again, a re-enqueue with the same dedup id adds nothing, and finally one
 * worker processes the job exactly once.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Queue, Worker } from 'bullmq';
import { enqueueTrainingJob, type TrainingJobData, TRAINING_JOB_NAME } from '../../libs/training/training-job.ts';
import { waitFor } from '../support/harness.ts';
import { recordFigures } from './support/figures.ts';

const dir = mkdtempSync(join(tmpdir(), 'driftline-rel-redis-'));
let redis: ChildProcess | undefined;
let port = 0;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      server.close(() => resolve(address.port));
    });
  });
}

/** Starts our redis-server on `port` with the AOF in `dir`, and waits until it answers. */
async function startRedis(): Promise<void> {
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir, '--daemonize', 'no'], { stdio: 'ignore' });
  const up = await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = createConnection(port, '127.0.0.1');
        socket.once('connect', () => socket.end(() => resolve(true)));
        socket.once('error', () => resolve(false));
      }),
    10_000,
    50,
  );
  assert.ok(up, `redis-server answers on ${port}`);
}

/** Stops our redis-server with `signal` and waits for the process to exit. */
async function stopRedis(signal: NodeJS.Signals): Promise<void> {
  const child = redis!;
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

after(async () => {
  await stopRedis('SIGTERM').catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const job: TrainingJobData = { schema_version: 1, model: 'credit-default', candidate_id: 'cand-redis', base_version: '3', decision_id: 'dec-redis', reason: 'drift on income' };

describe('training jobs across Redis restarts', () => {
  it('survive a graceful restart and a SIGKILL, without duplicates, and are processed once', async () => {
    port = await freePort();
    await startRedis();
    const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: () => 100 };
    const queue = new Queue('driftline-training-reliability', { connection });
    queue.on('error', () => undefined); // reconnection errors while Redis is down are expected
    const restarts: string[] = [];
    try {
      const first = await enqueueTrainingJob(queue, job, { dedupId: job.model, backoffMs: 1_000 });
      assert.ok(first.id);
      for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
        await stopRedis(signal);
        await startRedis();
        restarts.push(signal);
        // The same queue object reconnects by itself.
        assert.ok(await waitFor(async () => (await queue.getJobCounts('waiting').catch(() => ({ waiting: -1 }))).waiting === 1, 10_000), `the job is waiting again after ${signal}`);
        const again = await queue.getJob(first.id!);
        assert.ok(again, `job ${first.id} survived ${signal}`);
        assert.deepEqual(again.data, job);
        assert.equal(again.name, TRAINING_JOB_NAME);
        // Deduplication survives too: a second trigger of the same model adds nothing.
        const duplicate = await enqueueTrainingJob(queue, { ...job, reason: 'fired again' }, { dedupId: job.model, backoffMs: 1_000 });
        assert.equal(duplicate.id, first.id, 'the re-enqueue returned the existing job');
        assert.equal((await queue.getJobCounts('waiting', 'delayed', 'active')).waiting, 1, 'still one job');
      }
      // One worker takes it exactly once.
      const processed: string[] = [];
      const worker = new Worker(queue.name, async (j) => void processed.push(j.id!), { connection: { ...connection, maxRetriesPerRequest: null } });
      worker.on('error', () => undefined);
      assert.ok(await waitFor(async () => processed.length >= 1, 15_000), 'the job was processed');
      await new Promise((r) => setTimeout(r, 500));
      await worker.close();
      recordFigures('redis-restart', { 'restarts survived': restarts.length, 'jobs lost': processed.length === 0 ? 1 : 0, 'duplicates found': processed.length - 1, restarts: restarts.join(',') });
      assert.deepEqual(processed, [first.id]);
    } finally {
      await queue.close();
    }
  });
});
