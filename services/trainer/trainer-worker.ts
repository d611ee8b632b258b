import { type ConnectionOptions, type Job, Worker } from 'bullmq';
import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { messageOf } from '../../libs/errors/errors.ts';
import { once } from '../../libs/lifecycle/shutdown.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import { TRAINING_QUEUE } from '../../libs/training/training-job.ts';
import type { TrainabilityRules } from './candidate-dataset.ts';
import { trainFromCandidate } from './candidate-training.ts';
import { acceptTrainingJob, errorForQueue, failedRunState } from './job-failure.ts';
import type { PromotionPolicy } from './promotion-policy.ts';
import { createRunRecorder, runIdOf } from './training-runs.ts';

/**
 * The trainer: a BullMQ worker on the training queue. Each job attempt is a
 * training run (training_runs: training → registered | retrying | failed);
 * the work itself is trainFromCandidate. Jobs that cannot succeed (bad job
 * data, an untrainable candidate) fail at once with the reason; others are
 * retried per the job's attempts and backoff (libs/training/training-job.ts).
 */

export interface TrainerWorkerOptions {
  /** ioredis-style options (libs/training/training-job.ts redisConnection(url, { worker: true })). */
  connection: ConnectionOptions;
  clickhouse: ClickHouseClient;
  repoDir: string;
  policy: PromotionPolicy;
  logger: Logger;
  /** Jobs trained at once; default 1 (training is CPU-bound). */
  concurrency?: number;
  /** Default TRAINING_QUEUE; tests use a unique name. */
  queueName?: string;
  /** Default 0.2. */
  holdoutFraction?: number;
  /** Default { minRows: 200, minClassRows: 5 }. */
  rules?: TrainabilityRules;
  /** How long a job's lock lasts without renewal; training blocks the event loop, so it is generous. Default 120 s. */
  lockDurationMs?: number;
  clock?: () => number;
}

export interface TrainerWorker {
  /** Starts taking jobs; resolves when connected. */
  start(): Promise<void>;
  /** Stops taking jobs and waits for the running ones; idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_RULES: TrainabilityRules = { minRows: 200, minClassRows: 5 };

export function createTrainerWorker(options: TrainerWorkerOptions): TrainerWorker {
  const log = options.logger.child({ component: 'trainer' });
  const clock = options.clock ?? Date.now;
  const deps = {
    clickhouse: options.clickhouse,
    repoDir: options.repoDir,
    policy: options.policy,
    holdoutFraction: options.holdoutFraction ?? 0.2,
    rules: options.rules ?? DEFAULT_RULES,
    logger: log,
    clock,
  };

  async function processJob(job: Job): Promise<Record<string, unknown>> {
    const { jobId, data, attempt, maxAttempts } = acceptTrainingJob(job, log);
    const run = createRunRecorder(options.clickhouse, {
      run_id: runIdOf(jobId, attempt), job_id: jobId, model: data.model, candidate_id: data.candidate_id, base_version: data.base_version, trainer: 'local',
    }, clock);
    try {
      await run.update('training');
      const outcome = await trainFromCandidate(deps, data, jobId);
      await run.update('registered', {
        new_version: outcome.version,
        metrics: { challenger: outcome.challenger, champion: { version: outcome.championVersion, ...outcome.champion }, promotion: { action: outcome.decision.action, reason: outcome.decision.reason } },
      });
      return { version: outcome.version, action: outcome.decision.action, reason: outcome.decision.reason };
    } catch (err) {
      const state = failedRunState(err, attempt, maxAttempts);
      log.warn({ job: jobId, model: data.model, candidate: data.candidate_id, attempt, maxAttempts, state, err: messageOf(err) }, 'training run failed');
      await run.update(state, { error: messageOf(err) }).catch((recordErr: unknown) => log.error({ job: jobId, err: messageOf(recordErr) }, 'could not record the failed training run'));
      throw errorForQueue(err);
    }
  }

  const worker = new Worker(options.queueName ?? TRAINING_QUEUE, processJob, {
    connection: options.connection,
    concurrency: options.concurrency ?? 1,
    autorun: false,
    lockDuration: options.lockDurationMs ?? 120_000,
  });
  worker.on('error', (err) => log.error({ err: messageOf(err) }, 'training worker error'));

  return {
    async start() {
      await worker.waitUntilReady();
      worker.run().catch((err: unknown) => log.error({ err: messageOf(err) }, 'training worker stopped'));
      log.info({ queue: worker.name, concurrency: options.concurrency ?? 1, mode: options.policy.mode }, 'trainer started');
    },
    close: once(() => worker.close()),
  };
}
