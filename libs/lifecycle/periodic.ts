import type { Logger } from '../logging/logger.ts';

export interface PeriodicTask {
  /** Runs the task now (after any run in progress) and resolves when it is done. */
  runNow(): Promise<void>;
  /** Stops the timer and waits for a run in progress. Idempotent. */
  close(): Promise<void>;
}

/**
 * Runs `task` every `intervalMs`, never overlapping itself: the next run is
 * scheduled when the previous one ends, so a slow ClickHouse stretches the
 * period instead of piling up runs. A failing run is logged and the schedule
 * goes on.
 */
export function startPeriodic(name: string, intervalMs: number, task: () => Promise<unknown>, logger: Logger): PeriodicTask {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let closed = false;
  const runOnce = (): Promise<void> => {
    running = running.then(async () => {
      if (closed) return;
      try {
        await task();
      } catch (err) {
        logger.warn({ err, task: name }, 'periodic task failed; retried next period');
      }
    });
    return running;
  };
  const schedule = () => {
    if (closed) return;
    timer = setTimeout(() => void runOnce().then(schedule), intervalMs);
    timer.unref();
  };
  schedule();
  return {
    runNow: runOnce,
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
    },
  };
}
