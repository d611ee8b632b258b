import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { messageOf } from '../../libs/errors/errors.ts';
import type { DeadLetterPublisher } from '../../libs/kafka/dead-letter.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import type { WindowAggregator } from './aggregator.ts';
import { ChunkBuffer, settleChunkRows } from './chunk-buffer.ts';
import { backlogEnded, checkpointDue, type CheckpointBounds } from './checkpoint-policy.ts';
import { createCheckpointWriter } from './checkpoint-writer.ts';
import { encodeChunkRows, encodeChunkRowsOf } from './chunk-tsv.ts';
import { ingestBatch, type PartitionRun } from './partition-run.ts';
import { PartitionWatermark } from './windowing.ts';

export interface ProcessorRuntimeOptions extends CheckpointBounds {
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  deadLetters: DeadLetterPublisher;
  logger: Logger;
  topic: string;
  /** Consumer group; also names this pipeline's state in processor_chunks. */
  groupId: string;
  aggregators: readonly WindowAggregator[];
  windowSizeMs: number;
  allowedLatenessMs: number;
  /** Kafka consumer session timeout: how long a dead instance holds its partitions (default 30 s). */
  sessionTimeoutMs?: number;
  clock?: () => number;
  /** Called after each successful checkpoint insert with its duration (flush latency metric). */
  onCheckpoint?: (seconds: number, rows: number) => void;
  /** Tests: fetch limits other than PROCESSOR_FETCH's (small fetches make a backlog of a few thousand events). */
  fetch?: { maxWaitTimeInMs?: number; maxBytesPerPartition?: number; maxBytes?: number };
  /** Test hook: called after a checkpoint insert, before the offset commit. */
  afterCheckpointInsert?: (partition: number) => Promise<void> | void;
}

export interface ProcessorStats {
  consumed: number;
  late: number;
  deadLettered: number;
  replaysSkipped: number;
  checkpoints: number;
  checkpointFailures: number;
}

/**
 * The processors' fetch settings (the benchmark's bare consumer uses them too). Up to 24 MiB per fetch
 * (kafkajs's default is 10): a checkpoint overlaps the ingest of one fetch and is awaited at its end (see the
 * runtime), so a fetch must take longer to ingest than a checkpoint takes to encode and insert; at 10 MiB a
 * catch-up's fetches did not, and the main thread waited ~10% of the time at their ends. The time between
 * fetches (the broker's reply, kafkajs decoding it) grows with the bytes, so fewer, larger fetches cost the
 * same there. A fetch's messages are all in memory while it is handled: up to 24 MiB, 14 more than before.
 */
export const PROCESSOR_FETCH = { maxWaitTimeInMs: 250, maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 24 * 1024 * 1024 } as const;

/** Batches (partitions) of a fetch handled side by side. */
const PARTITIONS_CONCURRENTLY = 8;

interface CheckpointState {
  offset: number;
  max_event_ms: number | null;
}

/**
 * The stream-processor runtime: consumes prediction events, assigns them to
 * event-time windows per partition, feeds the aggregators, and checkpoints.
 *
 * A checkpoint of a partition is ONE insert into processor_chunks holding the
 * window deltas since the previous checkpoint plus a checkpoint row (last
 * offset covered, max event time); checkpoints of several partitions ready
 * at the same moment share that insert (checkpoint-writer.ts). Only after it
 * succeeds are the Kafka offsets committed. On (re)assignment a partition
 * restores its watermark and offset from its checkpoint row and skips
 * offsets at or below it, so a crash at any moment neither loses nor
 * double counts an event.
 *
 * Checkpoints are written only from inside eachBatch (and on close): kafkajs
 * finishes a batch before it rejoins the group, so a partition's new owner
 * can never restore while its old owner is still writing it. (A timer-driven
 * checkpoint could, and was seen to double count during a rebalance.)
 *
 * A due checkpoint is taken when the NEXT batch of its partition arrives:
 * the state so far is drained synchronously, its drift states go to the
 * encoder worker, and the new batch is decoded and aggregated while the
 * worker encodes and the embedded engine writes the part on its own
 * threads; the handler awaits the insert before it returns. So the insert
 * overlaps a batch instead of following one (written after the batch, the
 * inserts were ~20% of a catch-up's wall time). The price: a batch's chunks
 * are written at the partition's next batch, so on an idle partition the
 * last events' chunks wait for the next batch, or for close(). The end of a
 * backlog is the exception: the batch that reaches the high watermark after
 * fetches that could not (a catch-up, a replay) begins its checkpoint as
 * soon as it is ingested, beside the fetch's other batches, so the backlog's
 * last windows can be finalized without waiting for live traffic, and a
 * drain after a replay finds little left to write (processors benchmark:
 * drain ~450 -> ~200 ms).
 *
 * The batches of one fetch (one per partition) are handled side by side
 * (partitionsConsumedConcurrently), so a checkpoint overlaps the ingest of
 * the whole fetch, not just of its own partition's batch; while one is in
 * flight the ingest yields every 500 messages (partition-run.ts) so the checkpoint's
 * next step is not held up behind the fetch's batches. Partitions fall due
 * together (they start together and see the same rate), so a large due
 * checkpoint waits while another is in flight unless it is overdue; one at
 * a time, they spread over the fetches instead of queueing on the worker
 * and the engine in one. (Processors benchmark, 500k events: 0.45x -> 0.60x
 * the bare consumer with the encoder changes of the same day; main thread
 * busy 58% -> 80% of the pass.)
 */
export function createProcessorRuntime(options: ProcessorRuntimeOptions) {
  const log = options.logger.child({ component: 'processor', topic: options.topic, group: options.groupId });
  const clock = options.clock ?? Date.now;
  const partitions = new Map<number, PartitionRun>();
  const stats: ProcessorStats = { consumed: 0, late: 0, deadLettered: 0, replaysSkipped: 0, checkpoints: 0, checkpointFailures: 0 };
  let consumer: Consumer | undefined;
  let closing = false;
  let drainPromise: Promise<void> | undefined;
  let closePromise: Promise<void> | undefined;
  const inflight = new Set<Promise<void>>();
  let assigned = new Set<number>();
  const writer = createCheckpointWriter({
    clickhouse: options.clickhouse,
    topic: options.topic,
    logger: log,
    stats,
    clock,
    consumer: () => consumer,
    onCheckpoint: options.onCheckpoint,
    afterCheckpointInsert: options.afterCheckpointInsert,
  });

  async function restore(partition: number): Promise<PartitionRun> {
    const rows = await queryRows<{ state: string }>(
      options.clickhouse,
      `SELECT state FROM processor_chunks FINAL
        WHERE pipeline = {pipeline:String} AND topic = {topic:String} AND partition = {partition:UInt32} AND part = 'checkpoint'`,
      { pipeline: options.groupId, topic: options.topic, partition },
    );
    const checkpoint: CheckpointState = rows[0] ? (JSON.parse(rows[0].state) as CheckpointState) : { offset: -1, max_event_ms: null };
    log.info({ partition, checkpoint }, 'partition restored from checkpoint');
    return {
      partition,
      watermark: new PartitionWatermark(options.allowedLatenessMs, checkpoint.max_event_ms ?? -Infinity),
      buffer: new ChunkBuffer(options.aggregators),
      pending: undefined,
      lastOffset: checkpoint.offset,
      checkpointOffset: checkpoint.offset,
      lastCheckpointAt: clock(),
      lock: Promise.resolve(),
      writing: false,
      revoked: false,
      behind: false,
      caughtUpAt: -Infinity,
    };
  }

  /** Writes the partition's checkpoint now (or after the one being written): the retry loop and close(). */
  function checkpoint(run: PartitionRun): Promise<void> {
    const next = run.lock.then(() => {
      const snap = snapshot(run);
      return snap && persist(run, snap);
    });
    run.lock = next.catch(() => {});
    return next;
  }

  /**
   * Starts a checkpoint of everything handled so far and returns while its
   * insert runs, so the caller can go on with the next events (the write
   * overlaps them; the caller awaits it before eachBatch returns). When a
   * previous write is still unsettled it waits for that one first: a
   * snapshot taken beside a write that then fails would commit a checkpoint
   * past chunks that never became durable.
   */
  function beginCheckpoint(run: PartitionRun): Promise<void> {
    if (run.writing) return checkpoint(run);
    const snap = snapshot(run);
    if (!snap) return Promise.resolve();
    const next = persist(run, snap);
    run.lock = next.catch(() => {});
    return next;
  }

  interface Snapshot {
    offset: number;
    /** The insert body of the chunks: a promise while a worker thread still encodes drift states. */
    chunks: Promise<{ body: string; rows: number }>;
    checkpointRow: string;
  }

  /**
   * Drains the partition's buffer (plus a failed write's rows) into one
   * insert body. The drain is synchronous (the next events go to a fresh
   * buffer); encoding may finish on a worker thread, awaited by persist().
   */
  function snapshot(run: PartitionRun): Snapshot | undefined {
    if (run.revoked) return undefined;
    if (run.lastOffset <= run.checkpointOffset && run.pending === undefined) return undefined;
    const offset = run.lastOffset;
    const base = { pipeline: options.groupId, topic: options.topic, partition: run.partition, chunk_offset: offset };
    const drained = run.buffer.drain();
    const pending = run.pending;
    const chunks = settleChunkRows(drained).then((rows) => ({ body: (pending?.body ?? '') + encodeChunkRowsOf(base, rows), rows: (pending?.rows ?? 0) + rows.length }));
    run.pending = undefined;
    const maxEvent = Number.isFinite(run.watermark.maxEventMs) ? run.watermark.maxEventMs : null;
    const state: CheckpointState = { offset, max_event_ms: maxEvent };
    const checkpointRow = encodeChunkRows([{ ...base, chunk_offset: 0, model: '', model_version: '', window_start: 0, window_end: 0, part: 'checkpoint', events: 0, late_events: 0, state: JSON.stringify(state) }]);
    return { offset, chunks, checkpointRow };
  }

  /** Inserts a snapshot (chunks and checkpoint row in one part, with any other partitions' ready at the same time: checkpoint-writer.ts), then commits its offset; `writing` until settled. */
  async function persist(run: PartitionRun, snap: Snapshot): Promise<void> {
    run.writing = true;
    try {
      // Never rejects: the drift encoder falls back to encoding inline.
      const chunks = await snap.chunks;
      await writer.write({ run, offset: snap.offset, chunks, checkpointRow: snap.checkpointRow });
    } finally {
      run.writing = false;
    }
  }

  async function handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    let run = partitions.get(batch.partition);
    if (!run) {
      run = await restore(batch.partition);
      partitions.set(batch.partition, run);
    }
    // Backpressure: while ClickHouse refuses checkpoints, do not take more.
    let delayMs = 200;
    while (run.pending !== undefined && payload.isRunning() && !closing) {
      try {
        await checkpoint(run);
      } catch {
        await new Promise((r) => setTimeout(r, delayMs));
        delayMs = Math.min(delayMs * 2, 5_000);
        await payload.heartbeat();
      }
    }

    // Asked once per batch (kafkajs's isStale() builds a key string per call, ~2% of the processors' time when
    // it was asked per event). The ingest below may yield between slices, but no rebalance or seek can happen
    // before this handler returns, and a close() waits for it and checkpoints what it took.
    if (!payload.isRunning() || payload.isStale() || closing || run.revoked) return;
    // A checkpoint that is due covers the events before this batch; its insert runs while this batch (and the
    // fetch's other batches) are decoded and aggregated, and is awaited before this handler returns (see the
    // comment on the runtime).
    const writing = checkpointDue(run, options, clock(), writesInFlight) ? trackWrite(beginCheckpoint(run)) : undefined;
    let caughtUp: Promise<void> | undefined;
    try {
      const taken = await ingestBatch(run, batch, { windowSizeMs: options.windowSizeMs, counters: stats, yieldBetweenSlices: () => writesInFlight > 0 });
      if (taken === undefined) return;
      const { dead } = taken;
      if (dead.length > 0) {
        await options.deadLetters.publish(dead, clock());
        stats.deadLettered += dead.length;
        log.warn({ count: dead.length, first: dead[0]!.error.message }, 'dead-lettered undecodable events');
      }
      payload.resolveOffset(taken.lastOffset);
      // The end of a backlog checkpoints now, beside the other partitions' ingest (checkpoint-policy.ts).
      if (backlogEnded(run, Number(taken.lastOffset), Number(batch.highWatermark), options, clock())) caughtUp = trackWrite(beginCheckpoint(run));
    } finally {
      await writing;
      await caughtUp;
    }
    await payload.heartbeat();
  }

  /** Checkpoints begun by batch handlers and not settled yet: while any is, ingestBatch() yields between slices. */
  let writesInFlight = 0;
  function trackWrite(write: Promise<void>): Promise<void> {
    writesInFlight++;
    return write.catch(() => {}).finally(() => writesInFlight--);
  }

  /**
   * Stops intake and makes everything taken durable: every partition's final checkpoint and its offset
   * commit. The consumer stays in its group until close(). Idempotent.
   */
  function drain(): Promise<void> {
    drainPromise ??= (async () => {
      closing = true;
      await Promise.allSettled([...inflight]);
      // Every partition's final checkpoint: their drift states reach the encoder worker in one message, and
      // their inserts, ready together, go as one (checkpoint-writer.ts).
      await Promise.all(
        [...partitions.values()].map((run) =>
          checkpoint(run).catch((err: unknown) => {
            log.error({ partition: run.partition, err: messageOf(err) }, 'final checkpoint failed; events since the last one will be re-read');
          }),
        ),
      );
    })();
    return drainPromise;
  }

  return {
    stats: (): ProcessorStats => ({ ...stats }),

    /** Last offset read per partition this instance owns (tests, metrics). */
    positions: (): ReadonlyMap<number, number> => new Map([...partitions].map(([p, r]) => [p, r.lastOffset])),

    /** Partitions this instance owns since the last rebalance. */
    assignedPartitions: (): ReadonlySet<number> => assigned,

    /** Per-partition watermarks of this instance (for metrics and tests). */
    watermarks: () => new Map([...partitions].map(([p, r]) => [p, r.watermark.watermarkMs])),

    async start(): Promise<void> {
      consumer = options.kafka.consumer({ groupId: options.groupId, ...PROCESSOR_FETCH, ...options.fetch, sessionTimeout: options.sessionTimeoutMs ?? 30_000 });
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        assigned = new Set(event.payload.memberAssignment[options.topic] ?? []);
        for (const p of [...partitions.keys()]) {
          // A revoked partition's buffered deltas were never checkpointed;
          // its new owner restores from the last checkpoint and re-reads them.
          if (!assigned.has(p)) {
            partitions.get(p)!.revoked = true;
            partitions.delete(p);
          }
        }
        log.info({ assigned: [...assigned] }, 'joined consumer group');
      });
      await consumer.connect();
      await consumer.subscribe({ topic: options.topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        // The batches of one fetch (one per partition) are handled side by side: while one partition's
        // checkpoint is encoded and inserted, the others' events are ingested (see ingestBatch()).
        partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY,
        eachBatch: async (payload) => {
          if (closing) return;
          const work = handleBatch(payload);
          inflight.add(work);
          try {
            await work;
          } finally {
            inflight.delete(work);
          }
        },
      });
    },

    drain,

    /** drain(), then leaves the group and disconnects. Idempotent. */
    close(): Promise<void> {
      closePromise ??= (async () => {
        await drain();
        await consumer?.disconnect();
        log.info(stats, 'processor closed');
      })();
      return closePromise;
    },
  };
}
export type ProcessorRuntime = ReturnType<typeof createProcessorRuntime>;
