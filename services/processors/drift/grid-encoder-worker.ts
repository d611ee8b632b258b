/**
 * Worker-thread side of grid-encoder-pool.ts: encodes the grid-shaped drift
 * chunk states of a checkpoint (one message for all of them) with the same
 * pure function the event loop would use (column-codec.ts
 * encodeGridValues). Grids arrive once per worker and are kept by id.
 */
import { parentPort } from 'node:worker_threads';
import { messageOf } from '../../../libs/errors/errors.ts';
import { ReferenceGrid } from '../../../libs/stats/reference-grid.ts';
import { encodeGridValues } from './column-codec.ts';

/** Every grid-shaped state of one checkpoint (all its windows and features), in one message. */
export interface EncodeRequest {
  id: number;
  /** The states to encode, in order: their values are consecutive slices of `values`. */
  items: Array<{ gridId: number; key: string; length: number }>;
  values: Float64Array;
  /** Grids sent with the first request that needs them. */
  grids?: Array<{ gridId: number; points: Float64Array }>;
  /** Grids the pool no longer counts on this worker holding (it resends them if needed). */
  drop?: number[];
}

/** One state per item, in order, or the error that stopped the batch (the pool then encodes it inline). */
export interface EncodeResponse {
  id: number;
  /** Sent once (id 0) when the worker has loaded its code. */
  ready?: true;
  states?: string[];
  error?: string;
}

if (!parentPort) throw new Error('grid-encoder-worker runs as a worker thread');
const port = parentPort;
const grids = new Map<number, ReferenceGrid>();
port.on('message', (request: EncodeRequest) => {
  try {
    for (const id of request.drop ?? []) grids.delete(id);
    for (const { gridId, points } of request.grids ?? []) grids.set(gridId, new ReferenceGrid(points));
    // Item i's values start at starts[i].
    const { items } = request;
    const starts = new Array<number>(items.length);
    for (let i = 0, at = 0; i < items.length; i++) {
      starts[i] = at;
      at += items[i]!.length;
    }
    // Encoded grid by grid: a checkpoint holds many windows of each feature, and a grid's lookup tables (~24
    // bytes per point) stay in the cache for all its windows instead of being reloaded at every item (items
    // come window by window, features alternating). In the processors benchmark's checkpoints (~1,600 items
    // of ~330 values, 51 grids) this took the worker from ~300 to ~100 ns per value.
    const order = items.map((_, i) => i).sort((x, y) => items[x]!.gridId - items[y]!.gridId || x - y);
    const states = new Array<string>(items.length);
    for (const i of order) {
      const item = items[i]!;
      const grid = grids.get(item.gridId);
      if (!grid) throw new Error(`grid ${item.gridId} was never sent to this worker`);
      states[i] = encodeGridValues(grid, item.key, request.values.subarray(starts[i], starts[i]! + item.length));
    }
    port.postMessage({ id: request.id, states } satisfies EncodeResponse);
  } catch (err) {
    port.postMessage({ id: request.id, error: messageOf(err) } satisfies EncodeResponse);
  }
});
// Loaded: the pool's ready() waits for this.
port.postMessage({ id: 0, ready: true } satisfies EncodeResponse);
