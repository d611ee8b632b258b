import { Worker } from 'node:worker_threads';
import { messageOf } from '../../../libs/errors/errors.ts';
import type { Logger } from '../../../libs/logging/logger.ts';
import type { ReferenceGrid } from '../../../libs/stats/reference-grid.ts';
import { encodeGridValues, type GridEncoder } from './column-codec.ts';
import type { EncodeRequest, EncodeResponse } from './grid-encoder-worker.ts';
import { whenLoaded } from './worker-loaded.ts';

/**
 * Encodes the drift aggregator's grid-shaped chunk states on a worker
 * thread. Sorting and coding every numeric value of a checkpoint was the
 * largest piece of the drift aggregator's event-loop time (~1 s per
 * 500,000 events of 17 numeric features); here it overlaps the next batch
 * on the other core, and the checkpoint's insert awaits it. All states
 * requested in one tick (a checkpoint drains every window at once) travel
 * as one message (one per state was ~15,600 messages and promises per
 * 300,000 events of the processors benchmark).
 *
 * It never fails a checkpoint: a worker error, a dead worker or a closed
 * encoder encodes inline instead, with the same pure function, so the
 * state is the same text either way. After three worker failures in a row
 * it stays inline and says so once.
 */
export interface GridEncoderPool extends GridEncoder {
  /** Resolves once the worker has loaded its code, or has failed (encode() then copes as always). */
  ready(): Promise<void>;
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
  /** Requests of the current tick, sent as one message when the tick's synchronous work is done. */
  let queued: Pending[] = [];
  /** Sent batches by message id. */
  const pending = new Map<number, Pending[]>();
  let failuresInARow = 0;
  /** Settles when the current worker has loaded its code, or has failed. */
  let loaded = Promise.resolve();
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
    for (const batch of pending.values()) batch.forEach(encodeInline);
    pending.clear();
    void w.terminate();
  }

  function start(): Worker {
    // No inherited --import flags: the entry registers tsx itself.
    const w = new Worker(WORKER_URL, { name: 'drift-grid-encoder', execArgv: [] });
    loaded = whenLoaded(w);
    w.unref();
    sentGrids = new Map();
    sentPoints = 0;
    w.on('message', (message: EncodeResponse) => {
      // The "loaded" message (id 0) matches no batch: it is whenLoaded's.
      const batch = pending.get(message.id);
      if (!batch) return;
      pending.delete(message.id);
      if (pending.size === 0) w.unref();
      if (message.states !== undefined && message.states.length === batch.length) {
        failuresInARow = 0;
        batch.forEach((p, i) => p.resolve(message.states![i]!));
      } else {
        log.warn({ err: message.error ?? 'wrong number of states' }, 'grid encoder worker could not encode a checkpoint\'s states; encoded inline');
        batch.forEach(encodeInline);
      }
    });
    w.on('error', (err) => fail(w, messageOf(err)));
    w.on('exit', (code) => fail(w, `exit code ${code}`));
    return w;
  }

  /** Sends the tick's requests as one message: one copy of all their values, transferred. */
  function flush(): void {
    const batch = queued;
    queued = [];
    if (batch.length === 0) return;
    if (inline || closed) {
      batch.forEach(encodeInline);
      return;
    }
    worker ??= start();
    let total = 0;
    for (const p of batch) total += p.values.length;
    // A copy travels: the callers' values stay here for an inline fallback.
    const values = new Float64Array(total);
    const request: EncodeRequest = { id: nextId++, items: [], values };
    let at = 0;
    for (const p of batch) {
      values.set(p.values, at);
      at += p.values.length;
      request.items.push({ gridId: gridIdOf(p.grid, request), key: p.key, length: p.values.length });
    }
    pending.set(request.id, batch);
    worker.ref();
    worker.postMessage(request, [values.buffer]);
  }

  /** The grid's id on the worker, adding its points to the request the first time (and dropping old grids past the bound). */
  function gridIdOf(grid: ReferenceGrid, request: EncodeRequest): number {
    let gridId = gridIds.get(grid);
    if (gridId === undefined) {
      gridId = nextGridId++;
      gridIds.set(grid, gridId);
    }
    if (!sentGrids.has(gridId)) {
      // Bounded: grids of replaced profiles must not pile up in the worker for the life of the process.
      for (const [old, points] of sentGrids) {
        if (sentPoints + grid.points.length <= maxPoints) break;
        if (request.items.some((item) => item.gridId === old)) continue; // needed by this very message
        (request.drop ??= []).push(old);
        sentGrids.delete(old);
        sentPoints -= points;
      }
      (request.grids ??= []).push({ gridId, points: grid.points });
      sentGrids.set(gridId, grid.points.length);
      sentPoints += grid.points.length;
    }
    return gridId;
  }

  // Started now, not at the first checkpoint: loading the worker takes a few hundred milliseconds.
  worker = start();

  return {
    encode(grid, key, values) {
      if (inline || closed) return undefined;
      return new Promise<string>((resolve) => {
        // Sent by flush(): the drift aggregator calls it when a checkpoint's drain is done; else at the end of this tick.
        if (queued.length === 0) queueMicrotask(flush);
        queued.push({ grid, key, values, resolve });
      });
    },
    flush,
    async ready() {
      const w = worker;
      if (!w) return;
      // Referenced while awaited, as while encoding; idle again after.
      w.ref();
      await loaded;
      if (pending.size === 0) w.unref();
    },
    async close() {
      closed = true;
      const w = worker;
      worker = undefined;
      flush();
      for (const batch of pending.values()) batch.forEach(encodeInline);
      pending.clear();
      if (w) await w.terminate();
    },
  };
}
