import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { decodeEvent } from '../../libs/contracts/decode.ts';
import { DriftlineError, messageOf } from '../../libs/errors/errors.ts';
import type { DeadLetterPublisher, DeadLetterSource } from '../../libs/kafka/dead-letter.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import type { WindowAggregator } from './aggregator.ts';
import { ChunkBuffer, type ChunkRow } from './chunk-buffer.ts';
import { PartitionWatermark, windowStartOf } from './windowing.ts';

export interface ProcessorRuntimeOptions {
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
  /** Write a checkpoint at least this often per partition with new events. */
  checkpointIntervalMs: number;
  /** …or as soon as this many events are buffered for a partition. */
  checkpointMaxEvents: number;
  /** Kafka consumer session timeout: how long a dead instance holds its partitions (default 30 s). */
  sessionTimeoutMs?: number;
  clock?: () => number;
  /** Called after each successful checkpoint insert with its duration (flush latency metric). */
  onCheckpoint?: (seconds: number, rows: number) => void;
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

interface PartitionRun {
  partition: number;
  watermark: PartitionWatermark;
  buffer: ChunkBuffer;
  /** Rows of a failed checkpoint, retried (with their own chunk offset) by the next one. */
  pending: Array<ChunkRow & { chunk_offset: number }>;
  lastOffset: number;
  checkpointOffset: number;
  lastCheckpointAt: number;
  /** Serializes checkpoints of this partition (batch loop vs close). */
  lock: Promise<void>;
  /** Set when a rebalance took the partition away: nothing more may be written for it. */
  revoked: boolean;
}

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
 * offset covered, max event time). Only after it succeeds is the Kafka offset
 * committed. On (re)assignment a partition restores its watermark and offset
 * from its checkpoint row and skips offsets at or below it, so a crash at
 * any moment neither loses nor double counts an event.
 *
 * Checkpoints are written only from inside eachBatch (and on close): kafkajs
 * finishes a batch before it rejoins the group, so a partition's new owner
 * can never restore while its old owner is still writing it. (A timer-driven
 * checkpoint could, and was seen to double count during a rebalance.) On an
 * idle partition the last events' chunks therefore wait for the next batch,
 * or for close().
 */
export function createProcessorRuntime(options: ProcessorRuntimeOptions) {
  const log = options.logger.child({ component: 'processor', topic: options.topic, group: options.groupId });
  const clock = options.clock ?? Date.now;
  const partitions = new Map<number, PartitionRun>();
  const stats: ProcessorStats = { consumed: 0, late: 0, deadLettered: 0, replaysSkipped: 0, checkpoints: 0, checkpointFailures: 0 };
  let consumer: Consumer | undefined;
  let closing = false;
  let closePromise: Promise<void> | undefined;
  const inflight = new Set<Promise<void>>();
  let assigned = new Set<number>();

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
      pending: [],
      lastOffset: checkpoint.offset,
      checkpointOffset: checkpoint.offset,
      lastCheckpointAt: clock(),
      lock: Promise.resolve(),
      revoked: false,
    };
  }

  function checkpoint(run: PartitionRun): Promise<void> {
    const next = run.lock.then(() => writeCheckpoint(run));
    run.lock = next.catch(() => {});
    return next;
  }

  async function writeCheckpoint(run: PartitionRun): Promise<void> {
    if (run.revoked) return;
    if (run.lastOffset <= run.checkpointOffset && run.pending.length === 0) return;
    const offset = run.lastOffset;
    const drained = run.buffer.drain().map((r) => ({ ...r, chunk_offset: offset }));
    const chunks = run.pending.concat(drained);
    const maxEvent = Number.isFinite(run.watermark.maxEventMs) ? run.watermark.maxEventMs : null;
    const state: CheckpointState = { offset, max_event_ms: maxEvent };
    const base = { pipeline: options.groupId, topic: options.topic, partition: run.partition };
    const values = chunks.map((c) => ({ ...base, ...c }));
    values.push({ ...base, chunk_offset: 0, model: '', model_version: '', window_start: 0, window_end: 0, part: 'checkpoint', events: 0, late_events: 0, state: JSON.stringify(state) });
    const t0 = performance.now();
    try {
      await options.clickhouse.insert({
        table: 'processor_chunks',
        values,
        format: 'JSONEachRow',
        // One block → one part → chunks and checkpoint become visible together.
        clickhouse_settings: { input_format_parallel_parsing: 0, max_insert_block_size: '100000000', async_insert: 0 },
      });
    } catch (err) {
      run.pending = chunks;
      stats.checkpointFailures++;
      log.warn({ partition: run.partition, err: messageOf(err), pendingRows: chunks.length }, 'checkpoint insert failed; will retry');
      throw new DriftlineError('CLICKHOUSE_UNAVAILABLE', `checkpoint of partition ${run.partition} failed: ${messageOf(err)}`, { retriable: true, cause: err });
    }
    options.onCheckpoint?.((performance.now() - t0) / 1000, values.length);
    run.pending = [];
    run.checkpointOffset = offset;
    run.lastCheckpointAt = clock();
    stats.checkpoints++;
    await options.afterCheckpointInsert?.(run.partition);
    try {
      await consumer?.commitOffsets([{ topic: options.topic, partition: run.partition, offset: String(offset + 1) }]);
    } catch (err) {
      // The checkpoint is durable; a replay of these offsets will be skipped.
      log.warn({ partition: run.partition, err: messageOf(err) }, 'offset commit failed after checkpoint');
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
    while (run.pending.length > 0 && payload.isRunning() && !closing) {
      try {
        await checkpoint(run);
      } catch {
        await new Promise((r) => setTimeout(r, delayMs));
        delayMs = Math.min(delayMs * 2, 5_000);
        await payload.heartbeat();
      }
    }

    const dead: Array<{ source: DeadLetterSource; error: DriftlineError }> = [];
    let lastTaken: string | undefined;
    const size = options.windowSizeMs;
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale() || closing || run.revoked) break;
      lastTaken = message.offset;
      const offset = Number(message.offset);
      // At or below lastOffset: a replay — of checkpointed work after a
      // restart, or (when a rebalance let us keep the partition) of events
      // still in our buffer, redelivered from the committed offset.
      if (offset <= run.lastOffset) {
        stats.replaysSkipped++;
        continue;
      }
      run.lastOffset = offset;
      stats.consumed++;
      const decoded = decodeEvent('predictions', message.value);
      if (!decoded.ok) {
        dead.push({ source: { topic: batch.topic, partition: batch.partition, message }, error: decoded.error });
        continue;
      }
      const event = decoded.value;
      const start = windowStartOf(event.ts, size);
      const key = { model: event.model, modelVersion: event.model_version, windowStartMs: start, windowEndMs: start + size };
      if (run.watermark.isClosed(key.windowEndMs)) {
        run.buffer.addLate(key);
        stats.late++;
      } else {
        run.buffer.add(event, key);
      }
      run.watermark.observe(event.ts);
    }
    if (lastTaken === undefined) return;
    if (dead.length > 0) {
      await options.deadLetters.publish(dead, clock());
      stats.deadLettered += dead.length;
      log.warn({ count: dead.length, first: dead[0]!.error.message }, 'dead-lettered undecodable events');
    }
    payload.resolveOffset(lastTaken);
    if (clock() - run.lastCheckpointAt >= options.checkpointIntervalMs || run.buffer.events >= options.checkpointMaxEvents) {
      await checkpoint(run).catch(() => {});
    }
    await payload.heartbeat();
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
      consumer = options.kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 250, maxBytesPerPartition: 4 * 1024 * 1024, sessionTimeout: options.sessionTimeoutMs ?? 30_000 });
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

    /** Stops intake, checkpoints every partition, commits, disconnects. Idempotent. */
    close(): Promise<void> {
      closePromise ??= (async () => {
        closing = true;
        await Promise.allSettled([...inflight]);
        for (const run of partitions.values()) {
          try {
            await checkpoint(run);
          } catch (err) {
            log.error({ partition: run.partition, err: messageOf(err) }, 'final checkpoint failed; events since the last one will be re-read');
          }
        }
        await consumer?.disconnect();
        log.info(stats, 'processor closed');
      })();
      return closePromise;
    },
  };
}
export type ProcessorRuntime = ReturnType<typeof createProcessorRuntime>;
