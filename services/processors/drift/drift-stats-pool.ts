import { Worker } from 'node:worker_threads';
import { DriftlineError, messageOf } from '../../../libs/errors/errors.ts';
import type { Logger } from '../../../libs/logging/logger.ts';
import { computeFeatureDrift, type FeatureDriftResult, type FeatureDriftTask } from './feature-drift.ts';
import { whenLoaded } from './worker-loaded.ts';

/**
 * Computes feature drift off the event loop. The exact KS p-value alone
 * costs O(n·m) per feature (scipy's algorithm; ~3 ms for 3k × 5k values,
 * seconds for 10k × 10k): done inline, a window's twenty features stalled
 * the consumer, its heartbeats and the HTTP endpoints of the same process
 * for as long. Here each feature is a task for a small pool of worker
 * threads; the caller awaits them and the event loop keeps consuming.
 *
 * `size` 0 computes inline (no threads). A worker that dies fails its task
 * (the finalizer retries the window next pass) and is replaced on the next
 * task; if workers cannot start at all (three failures in a row without one
 * result), the pool says so once and computes inline from then on.
 */
export interface DriftStatsPool {
  /** Worker threads (0: inline). */
  readonly size: number;
  run(task: FeatureDriftTask): Promise<FeatureDriftResult>;
  /**
   * Starts the workers now instead of at the first task, and resolves once
   * each has loaded its code or failed to start (run() then copes as
   * always). Loading takes a few hundred milliseconds of CPU, which the
   * service spends before it consumes rather than beside its first fetches.
   */
  ready(): Promise<void>;
  /** Stops the workers (tasks in flight fail). A later run() starts new ones: finalizeAll() after close() still works. */
  close(): Promise<void>;
}

interface Pending {
  task: FeatureDriftTask;
  resolve: (result: FeatureDriftResult) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Settles when the worker has loaded its code, or has failed. */
  loaded: Promise<void>;
  /** The task in flight on this worker (one at a time). */
  current: (Pending & { id: number }) | undefined;
}

const WORKER_URL = new URL('./feature-drift-worker.mjs', import.meta.url);

export function createDriftStatsPool(options: { size: number; logger: Logger }): DriftStatsPool {
  const log = options.logger.child({ component: 'drift-stats-pool' });
  const slots: Slot[] = [];
  const queue: Pending[] = [];
  let nextId = 1;
  let failuresInARow = 0;
  let inline = options.size <= 0;

  const runInline = (task: FeatureDriftTask) => new Promise<FeatureDriftResult>((resolve) => resolve(computeFeatureDrift(task)));

  function spawn(): Slot {
    // No inherited --import flags: the entry registers tsx itself (see feature-drift-worker.mjs).
    const worker = new Worker(WORKER_URL, { name: 'drift-stats', execArgv: [] });
    const slot: Slot = { worker, current: undefined, loaded: whenLoaded(worker) };
    worker.unref();
    // (The worker's "loaded" message carries no id: it matches no task and is whenLoaded's.)
    worker.on('message', (message: { id: number; result?: FeatureDriftResult; error?: string }) => {
      const current = slot.current;
      if (!current || current.id !== message.id) return;
      slot.current = undefined;
      worker.unref();
      if (message.error !== undefined) current.reject(new DriftlineError('WORKER_FAILED', `drift of feature ${current.task.name} failed: ${message.error}`));
      else {
        failuresInARow = 0;
        current.resolve(message.result!);
      }
      dispatch();
    });
    const fail = (reason: string) => {
      // A slot close() took (or an 'exit' after its 'error') is no longer listed: nothing to do.
      const index = slots.indexOf(slot);
      if (index < 0) return;
      slots.splice(index, 1);
      failuresInARow++;
      log.warn({ reason, failuresInARow }, 'drift worker stopped; its task fails and a new worker takes the next');
      slot.current?.reject(new DriftlineError('WORKER_FAILED', `drift worker stopped (${reason}) while computing ${slot.current.task.name}`));
      slot.current = undefined;
      if (failuresInARow >= 3 && !inline) {
        inline = true;
        log.error({ reason }, 'drift workers cannot run; computing drift on the event loop from now on');
      }
      dispatch();
    };
    worker.on('error', (err) => fail(messageOf(err)));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    slots.push(slot);
    return slot;
  }

  function dispatch(): void {
    while (queue.length > 0) {
      if (inline) {
        const p = queue.shift()!;
        runInline(p.task).then(p.resolve, p.reject);
        continue;
      }
      let slot = slots.find((s) => s.current === undefined);
      if (!slot && slots.length < options.size) slot = spawn();
      if (!slot) return;
      const p = queue.shift()!;
      const id = nextId++;
      slot.current = { ...p, id };
      // Referenced while busy: an awaited result must keep the process alive.
      slot.worker.ref();
      slot.worker.postMessage({ id, task: p.task });
    }
  }

  return {
    get size() {
      return inline ? 0 : options.size;
    },
    async ready(): Promise<void> {
      while (!inline && slots.length < options.size) spawn();
      const waiting = [...slots];
      // Referenced while awaited, as while busy; idle again after.
      for (const s of waiting) s.worker.ref();
      await Promise.all(waiting.map((s) => s.loaded));
      for (const s of waiting) if (s.current === undefined) s.worker.unref();
    },
    run(task: FeatureDriftTask): Promise<FeatureDriftResult> {
      if (inline) return runInline(task);
      return new Promise((resolve, reject) => {
        queue.push({ task, resolve, reject });
        dispatch();
      });
    },
    async close(): Promise<void> {
      const stopped = new DriftlineError('WORKER_FAILED', 'drift stats pool closed before the result');
      for (const p of queue.splice(0)) p.reject(stopped);
      const running = slots.splice(0);
      for (const s of running) s.current?.reject(stopped);
      await Promise.all(running.map((s) => s.worker.terminate()));
    },
  };
}
