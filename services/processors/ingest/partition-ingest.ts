import { Worker } from 'node:worker_threads';
import { DriftlineError, messageOf } from '../../../libs/errors/errors.ts';
import type { Logger } from '../../../libs/logging/logger.ts';
import type { SchemaSnapshot } from '../validation/schema-provider.ts';
import { createIngestCore, type IngestReply, type IngestRequest, type IngestSpec } from './ingest-core.ts';
import type { BatchOutcome, Drained, PackedBatch } from './partition-aggregation.ts';

/**
 * The per-event work of the stream processors — decode, window, aggregate,
 * encode checkpoint rows — for every partition an instance owns, behind an
 * interface that runs it either on the event loop ('inline') or on one
 * worker thread ('thread', the default).
 *
 * Why a thread: the consumer's event loop also decodes Kafka fetch
 * responses, and kafkajs fetches the next round only after every batch of
 * the last one was handled. Inline, fetch and processing take turns on one
 * core; with the thread, a batch is handed over in one copy and the next
 * fetch starts while the thread works through it. Requests are applied in
 * the order they are made, so a drain covers exactly the batches handed
 * over before it.
 */
export interface PartitionIngest {
  readonly mode: 'thread' | 'inline';
  /** Bumped when a dead thread was replaced: every partition's state was lost and must be restored. */
  readonly generation: number;
  setSchemas(snapshot: SchemaSnapshot): void;
  /** (Re)starts a partition's state after its checkpoint (offset covered, max event time). */
  open(partition: number, restored: { offset: number; maxEventMs: number | null }): void;
  drop(partition: number): void;
  ingest(partition: number, batch: PackedBatch): Promise<BatchOutcome>;
  /** Everything since the partition's last drain, encoded (undefined when nothing new). */
  drain(partition: number): Promise<Drained | undefined>;
  /** Events handed over and not processed yet. */
  backlog(): number;
  /** Resolves once the backlog is at most `events`. */
  waitForBacklog(events: number): Promise<void>;
  close(): Promise<void>;
}

/** Packs kafkajs messages for a thread hop (see PackedBatch). */
export function packBatch(messages: ReadonlyArray<{ value: Buffer | null; offset: string }>): PackedBatch {
  let bytes = 0;
  for (const m of messages) bytes += m.value?.length ?? 0;
  const values = new Uint8Array(bytes);
  const ends = new Uint32Array(messages.length);
  const offsets = new Float64Array(messages.length);
  let at = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (m.value) {
      values.set(m.value, at);
      at += m.value.length;
    }
    ends[i] = at;
    offsets[i] = Number(m.offset);
  }
  return { values, ends, offsets };
}

const WORKER_URL = new URL('./ingest-worker.mjs', import.meta.url);

export function createPartitionIngest(options: { spec: IngestSpec; threaded: boolean; logger: Logger }): PartitionIngest {
  return options.threaded ? createThreadIngest(options.spec, options.logger) : createInlineIngest(options.spec);
}

function createInlineIngest(spec: IngestSpec): PartitionIngest {
  const core = createIngestCore(spec);
  const call = <R extends IngestRequest>(request: R): Promise<IngestReply<R>> => new Promise((resolve) => resolve(core.handle(request)));
  return {
    mode: 'inline',
    generation: 0,
    setSchemas: (snapshot) => void core.handle({ op: 'schemas', snapshot }),
    open: (partition, restored) => void core.handle({ op: 'open', partition, ...restored }),
    drop: (partition) => void core.handle({ op: 'drop', partition }),
    ingest: (partition, batch) => call({ op: 'ingest', partition, batch }),
    drain: (partition) => call({ op: 'drain', partition }),
    backlog: () => 0,
    waitForBacklog: async () => {},
    close: async () => {},
  };
}

interface Pending {
  resolve: (reply: unknown) => void;
  reject: (err: Error) => void;
  events: number;
}

/**
 * One worker thread holding every partition's state. If it dies, every
 * request in flight fails (WORKER_FAILED), a new thread starts empty, and
 * `generation` tells the runtime to restore its partitions from their
 * checkpoints; the last schemas are handed to the new thread first.
 */
function createThreadIngest(spec: IngestSpec, logger: Logger): PartitionIngest {
  const log = logger.child({ component: 'ingest-thread' });
  const pending = new Map<number, Pending>();
  let worker: Worker;
  let nextId = 1;
  let backlog = 0;
  let generation = 0;
  let closed = false;
  let schemas: SchemaSnapshot | undefined;
  const backlogWaiters: Array<{ events: number; resolve: () => void }> = [];

  function settleBacklog(): void {
    for (let i = backlogWaiters.length - 1; i >= 0; i--) {
      if (backlog <= backlogWaiters[i]!.events) backlogWaiters.splice(i, 1)[0]!.resolve();
    }
  }

  function start(): void {
    // No inherited --import flags: the entry registers tsx itself (see ingest-worker.mjs).
    const w = new Worker(WORKER_URL, { name: 'ingest', workerData: spec, execArgv: [] });
    worker = w;
    // Referenced only while requests are in flight: an idle thread never keeps the process alive, an awaited answer does.
    w.unref();
    w.on('message', (message: { id: number; reply?: unknown; error?: string }) => {
      const p = pending.get(message.id);
      if (!p) return;
      pending.delete(message.id);
      if (pending.size === 0) w.unref();
      backlog -= p.events;
      if (message.error !== undefined) p.reject(new DriftlineError('WORKER_FAILED', `ingest thread: ${message.error}`));
      else p.resolve(message.reply);
      settleBacklog();
    });
    const fail = (why: string) => {
      if (closed || w !== worker) return;
      log.error({ why, inFlight: pending.size }, 'ingest thread died; starting a new one (partitions restore from their checkpoints)');
      for (const p of pending.values()) p.reject(new DriftlineError('WORKER_FAILED', `ingest thread died: ${why}`, { retriable: true }));
      pending.clear();
      backlog = 0;
      settleBacklog();
      generation++;
      start();
      if (schemas) send({ op: 'schemas', snapshot: schemas });
    };
    w.once('error', (err) => fail(messageOf(err)));
    w.once('exit', (code) => fail(`exit code ${code}`));
  }

  function send<R extends IngestRequest>(request: R, events = 0, transfer: ArrayBuffer[] = []): Promise<IngestReply<R>> {
    if (closed) return Promise.reject(new DriftlineError('WORKER_FAILED', 'ingest thread is closed'));
    const id = nextId++;
    backlog += events;
    return new Promise((resolve, reject) => {
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve: resolve as (reply: unknown) => void, reject, events });
      worker.postMessage({ id, request }, transfer);
    });
  }

  // Requests without an answer to wait for still report failures.
  const post = (request: IngestRequest) => void send(request).catch((err) => log.warn({ op: request.op, err: messageOf(err) }, 'ingest request failed'));

  start();
  return {
    mode: 'thread',
    get generation() {
      return generation;
    },
    setSchemas(snapshot) {
      schemas = snapshot;
      post({ op: 'schemas', snapshot });
    },
    open: (partition, restored) => post({ op: 'open', partition, ...restored }),
    drop: (partition) => post({ op: 'drop', partition }),
    ingest: (partition, batch) => send({ op: 'ingest', partition, batch }, batch.offsets.length, [batch.values.buffer as ArrayBuffer, batch.ends.buffer as ArrayBuffer, batch.offsets.buffer as ArrayBuffer]),
    drain: (partition) => send({ op: 'drain', partition }),
    backlog: () => backlog,
    waitForBacklog(events) {
      if (backlog <= events) return Promise.resolve();
      return new Promise((resolve) => backlogWaiters.push({ events, resolve }));
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const p of pending.values()) p.reject(new DriftlineError('WORKER_FAILED', 'ingest thread closed'));
      pending.clear();
      backlog = 0;
      settleBacklog();
      await worker.terminate();
    },
  };
}
