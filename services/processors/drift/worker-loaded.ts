import type { Worker } from 'node:worker_threads';

/**
 * Settles when a drift worker thread says it has loaded its code (it posts
 * a message with `ready: true` once its module has run: feature-drift-worker.ts,
 * grid-encoder-worker.ts), or when it fails or exits first: the pools' ready()
 * waits on it, and a worker that cannot load is their fallbacks' business.
 * Other messages are left to the pool's own handler.
 */
export function whenLoaded(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      worker.off('message', onMessage);
      worker.off('error', done);
      worker.off('exit', done);
      resolve();
    };
    const onMessage = (message: unknown) => {
      if (typeof message === 'object' && message !== null && (message as { ready?: unknown }).ready === true) done();
    };
    worker.on('message', onMessage);
    worker.on('error', done);
    worker.on('exit', done);
  });
}
