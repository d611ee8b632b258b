// Entry of the ingest worker thread. A worker does not inherit the parent's
// module hooks when the parent registered tsx through its API
// (bin/driftline.mjs), so it registers tsx itself, then loads the TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./ingest-worker.ts');
