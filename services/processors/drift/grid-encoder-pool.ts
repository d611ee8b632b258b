import { Worker } from 'node:worker_threads';
import { messageOf } from '../../../libs/errors/errors.ts';
import type { Logger } from '../../../libs/logging/logger.ts';
import type { ReferenceGrid } from '../../../libs/stats/reference-grid.ts';
import { encodeGridValues, type GridEncoder } from './column-codec.ts';
import type { EncodeRequest } from './grid-encoder-worker.ts';

/**
 * Encodes the drift aggregator's grid-shaped chunk states on a worker
 * thread. Sorting and coding every numeric value of a checkpoint was the
 * largest piece of the drift aggregator's event-loop time (~1 s per
 * 500,000 events of 17 numeric features); here it overlaps the next batch
 * on the other core, and the checkpoint's insert awaits it.
 *
 * It never fails a checkpoint: a worker error, a dead worker or a closed
 * encoder encodes inline instead, with the same pure function, so the
 * state is the same text either way. After three worker failures in a row
 * it stays inline and says so once.
 */
export interface GridEncoderPool extends GridEncoder {
  close(): Promise<void>;
}

const WORKER_URL = new URL('./grid-encoder-worker.mjs', import.meta.url);

/** Grid points the worker keeps at most (~24 bytes each with its lookup tables); the oldest grids are dropped beyond. */
const WORKER_GRID_POINTS = 2_000_000;

interface Pending {
  grid: ReferenceGrid;
  key: string;
  values: Float64Array;
  resolve: (state: string) => void;
}

export function createGridEncoderPool(options: { logger: Logger; maxWorkerGridPoints?: number }): GridEncoderPool {
  const maxPoints = options.maxWorkerGridPoints ?? WORKER_GRID_POINTS;
  const log = options.logger.child({ component: 'grid-encoder' });
  const gridIds = new WeakMap<ReferenceGrid, number>();
  let nextGridId = 1;
  let nextId = 1;
  let worker: Worker | undefined;
  /** Grids the worker holds, oldest first, with their point counts. */
  let sentGrids = new Map<number, number>();
  let sentPoints = 0;
  const pending = new Map<number, Pending>();
  let failuresInARow = 0;
  let inline = false;
  let closed = false;

  const encodeInline = (p: Pending) => p.resolve(encodeGridValues(p.grid, p.key, p.values));

  function fail(w: Worker, reason: string): void {
    if (worker !== w) return;
    worker = undefined;
    failuresInARow++;
    log.warn({ reason, failuresInARow }, 'grid encoder worker stopped; its states are encoded inline');
    if (failuresInARow >= 3 && !inline) {
      inline = true;
      log.error({ reason }, 'grid encoder workers cannot run; drift states are encoded on the event loop from now on');
    }
    for (const p of pending.values()) encodeInline(p);
    pending.clear();
    void w.terminate();
  }

  function start(): Worker {
    // No inherited --import flags: the entry registers tsx itself.
    const w = new Worker(WORKER_URL, { name: 'drift-grid-encoder', execArgv: [] });
    w.unref();
    sentGrids = new Map();
    sentPoints = 0;
    w.on('message', (message: { id: number; state?: string; error?: string }) => {
      const p = pending.get(message.id);
      if (!p) return;
      pending.delete(message.id);
      if (pending.size === 0) w.unref();
      if (message.state !== undefined) {
        failuresInARow = 0;
        p.resolve(message.state);
      } else {
        log.warn({ err: message.error }, 'grid encoder worker could not encode a state; encoded inline');
        encodeInline(p);
      }
    });
    w.on('error', (err) => fail(w, messageOf(err)));
    w.on('exit', (code) => fail(w, `exit code ${code}`));
    return w;
  }

  return {
    encode(grid, key, values) {
      if (inline || closed) return undefined;
      worker ??= start();
      let gridId = gridIds.get(grid);
      if (gridId === undefined) {
        gridId = nextGridId++;
        gridIds.set(grid, gridId);
      }
      const id = nextId++;
      // A copy travels (its buffer transferred): the caller's values stay here for an inline fallback.
      const copy = values.slice();
      const request: EncodeRequest = { id, gridId, key, values: copy };
      if (!sentGrids.has(gridId)) {
        request.points = grid.points;
        // Bounded: grids of replaced profiles must not pile up in the worker for the life of the process.
        for (const [old, points] of sentGrids) {
          if (sentPoints + grid.points.length <= maxPoints) break;
          (request.drop ??= []).push(old);
          sentGrids.delete(old);
          sentPoints -= points;
        }
        sentGrids.set(gridId, grid.points.length);
        sentPoints += grid.points.length;
      }
      return new Promise<string>((resolve) => {
        pending.set(id, { grid, key, values, resolve });
        worker!.ref();
        worker!.postMessage(request, [copy.buffer]);
      });
    },
    async close() {
      closed = true;
      const w = worker;
      worker = undefined;
      for (const p of pending.values()) encodeInline(p);
      pending.clear();
      if (w) await w.terminate();
    },
  };
}
