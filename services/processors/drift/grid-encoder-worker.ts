/**
 * Worker-thread side of grid-encoder-pool.ts: encodes one grid-shaped drift
 * chunk state per message, with the same pure function the event loop would
 * use (column-codec.ts encodeGridValues). Grids arrive once per worker and
 * are kept by id.
 */
import { parentPort } from 'node:worker_threads';
import { messageOf } from '../../../libs/errors/errors.ts';
import { ReferenceGrid } from '../../../libs/stats/reference-grid.ts';
import { encodeGridValues } from './column-codec.ts';

export interface EncodeRequest {
  id: number;
  gridId: number;
  /** The grid's points, sent with the first request for it. */
  points?: Float64Array;
  /** Grids the pool no longer counts on this worker holding (it resends them if needed). */
  drop?: number[];
  key: string;
  values: Float64Array;
}

if (!parentPort) throw new Error('grid-encoder-worker runs as a worker thread');
const port = parentPort;
const grids = new Map<number, ReferenceGrid>();
port.on('message', (request: EncodeRequest) => {
  try {
    for (const id of request.drop ?? []) grids.delete(id);
    let grid = grids.get(request.gridId);
    if (!grid) {
      if (!request.points) throw new Error(`grid ${request.gridId} was never sent to this worker`);
      grid = new ReferenceGrid(request.points);
      grids.set(request.gridId, grid);
    }
    port.postMessage({ id: request.id, state: encodeGridValues(grid, request.key, request.values) });
  } catch (err) {
    port.postMessage({ id: request.id, error: messageOf(err) });
  }
});
