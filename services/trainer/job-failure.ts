import { UnrecoverableError } from 'bullmq';
import { DriftlineError, messageOf } from '../../libs/errors/errors.ts';

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
