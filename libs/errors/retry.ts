import { DriftlineError } from './errors.ts';

export interface RetryOptions {
  /** Attempts in total, the first included. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Called before each wait, e.g. to log. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Retries `fn` with exponential backoff and full jitter, but only for errors
 * that declare themselves retriable (`DriftlineError.retriable`); anything else
 * is rethrown at once. This is the one place retry policy lives.
 */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const retriable = err instanceof DriftlineError && err.retriable;
      if (!retriable || attempt >= options.attempts) throw err;
      const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(Math.random() * ceiling);
      options.onRetry?.(err, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
