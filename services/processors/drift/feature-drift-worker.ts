/**
 * Worker-thread side of drift-stats-pool.ts: computes one feature's drift per
 * message. Loaded through feature-drift-worker.mjs, which registers tsx.
 */
import { parentPort } from 'node:worker_threads';
import { messageOf } from '../../../libs/errors/errors.ts';
import { computeFeatureDrift, type FeatureDriftTask } from './feature-drift.ts';

if (!parentPort) throw new Error('feature-drift-worker runs as a worker thread');
const port = parentPort;
port.on('message', (message: { id: number; task: FeatureDriftTask }) => {
  try {
    port.postMessage({ id: message.id, result: computeFeatureDrift(message.task) });
  } catch (err) {
    port.postMessage({ id: message.id, error: messageOf(err) });
  }
});
// Loaded: the pool's ready() waits for this.
port.postMessage({ ready: true });
