import { DriftlineError, messageOf } from '../errors/errors.ts';
import type { Logger } from '../logging/logger.ts';
import { settledWithin } from './deadline.ts';

/** One step of an ordered shutdown. */
export interface ShutdownStep {
  name: string;
  run: () => Promise<void> | void;
}

/**
 * Runs shutdown steps strictly in the given order — stop intake, drain
 * consumers, flush writers, commit offsets, close clients — and keeps going
 * past a failing step (the failure is logged and reported) so one broken
 * client cannot keep the others open. The whole sequence has a deadline;
 * past it, SHUTDOWN_TIMEOUT is thrown naming the step that hung.
 */
export async function shutdownInOrder(steps: ShutdownStep[], options: { deadlineMs: number; logger: Logger }): Promise<void> {
  const failures: string[] = [];
  let current = '(none)';
  const sequence = (async () => {
    for (const step of steps) {
      current = step.name;
      const t0 = Date.now();
      try {
        await step.run();
        options.logger.debug({ step: step.name, ms: Date.now() - t0 }, 'shutdown step done');
      } catch (err) {
        failures.push(`${step.name}: ${messageOf(err)}`);
        options.logger.error({ step: step.name, err }, 'shutdown step failed; continuing');
      }
    }
  })();
  if (!(await settledWithin(sequence, options.deadlineMs))) {
    throw new DriftlineError('SHUTDOWN_TIMEOUT', `shutdown exceeded ${options.deadlineMs} ms while running '${current}'`);
  }
  if (failures.length > 0) options.logger.warn({ failures }, 'shutdown finished with failures');
}

/**
 * Wraps a close function so that calling it twice (signal + finally, say)
 * runs it once and both callers await the same promise.
 */
export function once(close: () => Promise<void>): () => Promise<void> {
  let promise: Promise<void> | undefined;
  return () => (promise ??= close());
}
