/**
 * Worker-thread side of ingest-thread.ts: applies ingest requests in order
 * and answers each. Loaded through ingest-worker.mjs, which registers tsx.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { messageOf } from '../../../libs/errors/errors.ts';
import { createIngestCore, type IngestRequest, type IngestSpec } from './ingest-core.ts';

if (!parentPort) throw new Error('ingest-worker runs as a worker thread');
const port = parentPort;
const core = createIngestCore(workerData as IngestSpec);
port.on('message', (message: { id: number; request: IngestRequest }) => {
  try {
    port.postMessage({ id: message.id, reply: core.handle(message.request) });
  } catch (err) {
    port.postMessage({ id: message.id, error: messageOf(err) });
  }
});
