import { type Job, UnrecoverableError } from 'bullmq';
import { DriftlineError, messageOf } from '../../libs/errors/errors.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import { parseTrainingJob, type TrainingJobData } from '../../libs/training/training-job.ts';

/**
 * How a failed training attempt is handed back to BullMQ — the one place
 * the trainer decides about retries. A DriftlineError says itself whether
 * a retry can help (a one-class candidate never becomes trainable; an
 * unavailable ClickHouse may come back). Any other error is unexpected,
 * most likely I/O, and gets the job's remaining attempts.
 */
export function isRetriable(err: unknown): boolean {
  return err instanceof DriftlineError ? err.retriable : true;
}

/** The state a run ends in after `err` on attempt `attempt` of `maxAttempts`. */
export function failedRunState(err: unknown, attempt: number, maxAttempts: number): 'retrying' | 'failed' {
  return isRetriable(err) && attempt < maxAttempts ? 'retrying' : 'failed';
}

/** What to throw to BullMQ: the error itself when a retry can help, else an UnrecoverableError so the job fails for good now. */
export function errorForQueue(err: unknown): Error {
  if (isRetriable(err)) return err instanceof Error ? err : new Error(messageOf(err));
  return new UnrecoverableError(messageOf(err));
}

/**
 * The job's data under the training-job contract, with its id and attempt
 * numbers; a job that breaks the contract is logged and thrown back to
 * BullMQ (as unrecoverable when no retry can fix it). Shared by the local
 * trainer and the webhook adapter.
 */
export function acceptTrainingJob(job: Job, log: Logger): { jobId: string; data: TrainingJobData; attempt: number; maxAttempts: number } {
  const jobId = job.id ?? 'unknown';
  try {
    return { jobId, data: parseTrainingJob(job.data), attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1 };
  } catch (err) {
    log.error({ job: jobId, err: messageOf(err) }, 'training job refused');
    throw errorForQueue(err);
  }
}
