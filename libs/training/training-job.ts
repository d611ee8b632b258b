import type { ConnectionOptions, Job, JobsOptions, Queue } from 'bullmq';
import { z } from 'zod';
import { DriftlineError } from '../errors/errors.ts';

/**
 * The training job contract between the feedback service (which enqueues a
 * job when a model's trigger policy fires) and the trainer (a BullMQ worker,
 * or its webhook adapter that hands the job to an external pipeline).
 */

/** The BullMQ queue retraining jobs go through. */
export const TRAINING_QUEUE = 'driftline-training';

/** The job name used by enqueueTrainingJob (one kind of job on the queue). */
export const TRAINING_JOB_NAME = 'retrain';

/** Retries of a job that failed for a retriable reason: attempts in total, exponential backoff from this delay. */
export const TRAINING_JOB_ATTEMPTS = 3;
export const TRAINING_JOB_BACKOFF_MS = 30_000;

export const trainingJobSchema = z
  .object({
    schema_version: z.literal(1),
    /** The model to retrain. */
    model: z.string().min(1).max(128),
    /** The retrain candidate (retrain_candidates / candidate_rows) to train on. */
    candidate_id: z.string().min(1).max(256),
    /** The champion version when the trigger fired: the version the new one is compared with. */
    base_version: z.string().min(1).max(64),
    /** The trigger decision (trigger_decisions.decision_id) that fired; '' for a manual request. */
    decision_id: z.string().max(256),
    /** Why retraining was requested, for lineage. */
    reason: z.string().max(4000),
  })
  .strict();

export type TrainingJobData = z.infer<typeof trainingJobSchema>;

/** Validates job data; throws INPUT_INVALID naming the first bad field. */
export function parseTrainingJob(value: unknown): TrainingJobData {
  const result = trainingJobSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
  throw new DriftlineError('INPUT_INVALID', `training job invalid at ${where}: ${issue?.message ?? 'unknown error'}`);
}

/**
 * Enqueues a training job. `dedupId` (usually the model name) makes BullMQ
 * drop the job while another with the same id is still waiting, delayed or
 * running (BullMQ "simple mode" deduplication: the id is released when that
 * job completes or fails), so one episode of drift cannot queue a pile of
 * trainings. The returned job is the existing one when deduplicated.
 * Retriable failures are retried TRAINING_JOB_ATTEMPTS times in all with
 * exponential backoff; the trainer fails non-retriable ones for good.
 */
export async function enqueueTrainingJob(
  queue: Pick<Queue, 'add'>,
  data: TrainingJobData,
  options: { dedupId: string; backoffMs?: number },
): Promise<Job> {
  const valid = parseTrainingJob(data);
  const jobOptions: JobsOptions = {
    deduplication: { id: options.dedupId },
    attempts: TRAINING_JOB_ATTEMPTS,
    backoff: { type: 'exponential', delay: options.backoffMs ?? TRAINING_JOB_BACKOFF_MS },
    // Finished jobs stay inspectable in bull-board for a while, then go.
    removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
    removeOnFail: { age: 30 * 24 * 3600, count: 1000 },
  };
  return queue.add(TRAINING_JOB_NAME, valid, jobOptions);
}

/**
 * ioredis-style connection options for BullMQ from a redis:// or rediss://
 * URL (user, password, database number as the path). Workers need
 * `maxRetriesPerRequest: null` (BullMQ refuses a worker connection without
 * it); producers keep ioredis' default so a down Redis fails the call
 * instead of hanging it.
 */
export function redisConnection(url: string, options: { worker?: boolean } = {}): ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new DriftlineError('CONFIG_INVALID', `REDIS_URL is not a URL: ${JSON.stringify(url)}`, { cause });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new DriftlineError('CONFIG_INVALID', `REDIS_URL must start with redis:// or rediss://, got ${parsed.protocol}//`);
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new DriftlineError('CONFIG_INVALID', `REDIS_URL database must be a number, got '${db}'`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    ...(options.worker ? { maxRetriesPerRequest: null } : {}),
  };
}
