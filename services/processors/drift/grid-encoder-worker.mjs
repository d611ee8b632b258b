// Entry of the drift grid-encoder worker thread (see grid-encoder-pool.ts).
// Like feature-drift-worker.mjs, it registers tsx itself: a worker does not
// inherit module hooks registered through tsx's API.
import { register } from 'tsx/esm/api';

register();
await import('./grid-encoder-worker.ts');
