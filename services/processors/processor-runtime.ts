import { Readable } from 'node:stream';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { DriftlineError, messageOf } from '../../libs/errors/errors.ts';
import type { DeadLetterPublisher } from '../../libs/kafka/dead-letter.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import { CHUNK_COLUMNS, encodeChunkRows } from './chunk-tsv.ts';
import type { BatchOutcome, Drained } from './ingest/partition-aggregation.ts';
import { packBatch, type PartitionIngest } from './ingest/partition-ingest.ts';

export interface ProcessorRuntimeOptions {
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  deadLetters: DeadLetterPublisher;
  logger: Logger;
  topic: string;
  /** Consumer group; also names this pipeline's state in processor_chunks. */
  groupId: string;
  /** Decodes, windows and aggregates each partition's events (on a worker thread or inline). */
  ingest: PartitionIngest;
  /** Write a checkpoint at least this often per partition with new events. */
  checkpointIntervalMs: number;
  /** …or as soon as this many events were taken from a partition since its last one. */
  checkpointMaxEvents: number;
  /** Kafka consumer session timeout: how long a dead instance holds its partitions (default 30 s). */
  sessionTimeoutMs?: number;
  /** Batches of different partitions handled at once (kafkajs partitionsConsumedConcurrently; default 1). */
  partitionsConsumedConcurrently?: number;
  /** A batch waits while more events than this are handed to the ingest thread and not processed yet (default 50,000). */
  maxBacklogEvents?: number;
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
  /** A checkpoint whose insert failed, written again (with its rows' own chunk offsets) by the next one. */
  pending: Drained | undefined;
  /** Last offset handed to the ingest. */
  lastOffset: number;
  /** Last offset of a durable checkpoint. */
  checkpointOffset: number;
  /** Events handed over since the last checkpoint was started, and when that was. */
  sinceCheckpoint: number;
  lastCheckpointAt: number;
  /** Dead letters of the batches handed over so far, published in order; a checkpoint waits for them. */
  deadLetters: Promise<void>;
  /** Set when a rebalance took the partition away: nothing more may be written for it. */
  revoked: boolean;
}

/** A checkpoint's drains, requested from the ingest; `ready` once they all answered. */
interface Requested {
  runs: PartitionRun[];
  drains: Array<Promise<Drained | undefined>>;
  ready: boolean;
}

interface CheckpointState {
  offset: number;
  max_event_ms: number | null;
}

/**
 * The stream-processor runtime: consumes prediction events, hands each
 * partition's batches to the ingest (which decodes, windows, aggregates and
 * encodes chunks: ingest/), and checkpoints.
 *
 * A checkpoint holds, per partition, the window deltas since its previous
 * checkpoint plus a checkpoint row (last offset covered, max event time);
 * the partitions of an instance are checkpointed together in ONE insert
 * (one part: all visible at once). Only after it succeeds are the Kafka
 * offsets committed. On (re)assignment a partition restores its watermark
 * and offset from its checkpoint row and skips offsets at or below it, so a
 * crash at any moment neither loses nor double counts an event.
 *
 * Checkpoints are written only from inside eachBatch (and on close), and a
 * batch awaits any insert it started before it returns: kafkajs finishes a
 * batch before it rejoins the group, so a partition's new owner can never
 * restore while its old owner is still writing it. (A timer-driven
 * checkpoint could, and was seen to double count during a rebalance.) On an
 * idle partition the last events' chunks therefore wait for the next batch,
 * or for close(). Batches are otherwise handed over without waiting for
 * their processing — kafkajs then fetches the next round while the ingest
 * thread works — so a checkpoint asks the ingest for drains, each of which
 * comes after every batch handed over before it (see requestCheckpoint).
 */
export function createProcessorRuntime(options: ProcessorRuntimeOptions) {
  const log = options.logger.child({ component: 'processor', topic: options.topic, group: options.groupId });
  const clock = options.clock ?? Date.now;
  const ingest = options.ingest;
  const maxBacklog = options.maxBacklogEvents ?? 50_000;
  const partitions = new Map<number, PartitionRun>();
  const stats: ProcessorStats = { consumed: 0, late: 0, deadLettered: 0, replaysSkipped: 0, checkpoints: 0, checkpointFailures: 0 };
  let consumer: Consumer | undefined;
  let closing = false;
  let closePromise: Promise<void> | undefined;
  const inflight = new Set<Promise<void>>();
  let assigned = new Set<number>();
  let ingestGeneration = ingest.generation;
  /** Checkpoint writes, one at a time (batch loop vs close). */
  let writing: Promise<void> = Promise.resolve();
  /** Drains requested and not written yet. */
  let requested: Requested | undefined;

  async function restore(partition: number): Promise<PartitionRun> {
    const rows = await queryRows<{ state: string }>(
      options.clickhouse,
      `SELECT state FROM processor_chunks FINAL
        WHERE pipeline = {pipeline:String} AND topic = {topic:String} AND partition = {partition:UInt32} AND part = 'checkpoint'`,
      { pipeline: options.groupId, topic: options.topic, partition },
    );
    const checkpoint: CheckpointState = rows[0] ? (JSON.parse(rows[0].state) as CheckpointState) : { offset: -1, max_event_ms: null };
    log.info({ partition, checkpoint }, 'partition restored from checkpoint');
    ingest.open(partition, { offset: checkpoint.offset, maxEventMs: checkpoint.max_event_ms });
    return {
      partition,
      pending: undefined,
      lastOffset: checkpoint.offset,
      checkpointOffset: checkpoint.offset,
      sinceCheckpoint: 0,
      lastCheckpointAt: clock(),
      deadLetters: Promise.resolve(),
      revoked: false,
    };
  }

  /** Forgets a partition's state here and in the ingest (revoked, or lost with a dead ingest thread). */
  function forget(run: PartitionRun): void {
    run.revoked = true;
    partitions.delete(run.partition);
    ingest.drop(run.partition);
  }

  /**
   * A dead ingest thread took every partition's state since its checkpoint
   * with it: restore each partition from its checkpoint and read on from
   * there (seek), as a restarted instance would.
   */
  function recoverFromIngestLoss(): void {
    if (ingest.generation === ingestGeneration) return;
    ingestGeneration = ingest.generation;
    for (const run of [...partitions.values()]) {
      forget(run);
      consumer?.seek({ topic: options.topic, partition: run.partition, offset: String(run.checkpointOffset + 1) });
    }
    log.warn('ingest state lost: partitions re-read from their checkpoints');
  }

  /**
   * Checkpoints go in two steps. `requestCheckpoint()` asks the ingest to
   * drain every partition of this instance that took events since its last
   * checkpoint (each drain covers exactly the batches handed over so far) and
   * returns at once; `writeCheckpoint()` awaits those drains and writes them,
   * with any failed earlier write, in ONE insert — one part, so they become
   * durable together — then commits the offsets. While catching up, the write
   * happens at the next batch after the drains are ready, so the ingest
   * thread works through the batches handed over since while the insert
   * runs; the batch loop waits for the insert, never for the thread.
   */
  function requestCheckpoint(): Requested {
    const now = clock();
    const runs = [...partitions.values()].filter((r) => r.sinceCheckpoint > 0 || r.pending);
    const drains = runs.map((r) => (r.sinceCheckpoint > 0 ? ingest.drain(r.partition) : Promise.resolve(undefined)));
    for (const r of partitions.values()) {
      r.sinceCheckpoint = 0;
      r.lastCheckpointAt = now;
    }
    const request: Requested = { runs, drains, ready: false };
    void Promise.allSettled(drains).then(() => (request.ready = true));
    requested = request;
    return request;
  }

  /** Writes the requested checkpoint (requesting one first if none is outstanding). */
  function writeCheckpoint(): Promise<void> {
    const request = requested ?? requestCheckpoint();
    requested = undefined;
    const next = writing.then(() => writeCheckpoints(request.runs, request.drains));
    writing = next.catch(() => {});
    return next;
  }

  /** Writes the outstanding checkpoint, then one of everything handed over since. */
  async function writeEverything(): Promise<void> {
    if (requested) await writeCheckpoint();
    requestCheckpoint();
    await writeCheckpoint();
  }

  const isDue = (run: PartitionRun) => clock() - run.lastCheckpointAt >= options.checkpointIntervalMs || run.sinceCheckpoint >= options.checkpointMaxEvents;

  async function writeCheckpoints(runs: PartitionRun[], drains: Array<Promise<Drained | undefined>>): Promise<void> {
    const drained = await Promise.allSettled(drains);
    const writes: Array<{ run: PartitionRun; write: Drained }> = [];
    for (let i = 0; i < runs.length; i++) {
      const run = runs[i]!;
      const d = drained[i]!;
      // A failed drain: the ingest lost or refused this partition's state, which abandon() re-reads from the checkpoint.
      if (run.revoked || d.status === 'rejected') continue;
      const write = run.pending && d.value ? { ...d.value, body: run.pending.body + d.value.body, rows: run.pending.rows + d.value.rows } : (d.value ?? run.pending);
      if (write) writes.push({ run, write });
    }
    if (writes.length === 0) return;
    // Dead letters of the events a checkpoint covers are durable before their offsets are committed.
    for (const { run } of writes) await run.deadLetters;
    const body = writes.map(({ run, write }) => write.body + checkpointRow(run.partition, write)).join('');
    const rows = writes.reduce((n, w) => n + w.write.rows + 1, 0);
    const t0 = performance.now();
    try {
      await options.clickhouse.insert({
        table: 'processor_chunks',
        columns: [...CHUNK_COLUMNS],
        // encoding 'utf8' keeps the chunk a string: the embedded connection joins chunks as text, so a Buffer would be encoded and decoded again for nothing.
        values: Readable.from([body], { objectMode: false, encoding: 'utf8' }),
        format: 'TabSeparated',
        // One block → one part → chunks and checkpoints become visible together.
        clickhouse_settings: { input_format_parallel_parsing: 0, max_insert_block_size: '100000000', async_insert: 0 },
      });
    } catch (err) {
      for (const { run, write } of writes) run.pending = write;
      stats.checkpointFailures++;
      const partitionsFailed = writes.map((w) => w.run.partition);
      log.warn({ partitions: partitionsFailed, err: messageOf(err), pendingRows: rows }, 'checkpoint insert failed; will retry');
      throw new DriftlineError('CLICKHOUSE_UNAVAILABLE', `checkpoint of partitions ${partitionsFailed.join(', ')} failed: ${messageOf(err)}`, { retriable: true, cause: err });
    }
    options.onCheckpoint?.((performance.now() - t0) / 1000, rows);
    for (const { run, write } of writes) {
      run.pending = undefined;
      run.checkpointOffset = write.offset;
      stats.checkpoints++;
    }
    for (const { run } of writes) await options.afterCheckpointInsert?.(run.partition);
    try {
      await consumer?.commitOffsets(writes.map(({ run, write }) => ({ topic: options.topic, partition: run.partition, offset: String(write.offset + 1) })));
    } catch (err) {
      // The checkpoints are durable; a replay of these offsets will be skipped.
      log.warn({ partitions: writes.map((w) => w.run.partition), err: messageOf(err) }, 'offset commit failed after checkpoint');
    }
  }

  function checkpointRow(partition: number, write: Drained): string {
    const state: CheckpointState = { offset: write.offset, max_event_ms: write.maxEventMs };
    return encodeChunkRows([{ pipeline: options.groupId, topic: options.topic, partition, chunk_offset: 0, model: '', model_version: '', window_start: 0, window_end: 0, part: 'checkpoint', events: 0, late_events: 0, state: JSON.stringify(state) }]);
  }

  /**
   * A batch the ingest could not process: the partition's state since its
   * checkpoint is void (the ingest refuses to drain it), so the partition is
   * restored from its checkpoint and read again from there.
   */
  function abandon(run: PartitionRun, err: unknown): void {
    log.error({ partition: run.partition, err: messageOf(err) }, 'ingest of a batch failed; partition re-read from its checkpoint');
    if (run.revoked || closing || ingest.generation !== ingestGeneration) return; // gone already, or recovered as a whole
    forget(run);
    consumer?.seek({ topic: options.topic, partition: run.partition, offset: String(run.checkpointOffset + 1) });
  }

  /** Counts a processed batch and queues its dead letters behind the partition's earlier ones. */
  function account(run: PartitionRun, batchTopic: string, messages: readonly KafkaMessage[], outcome: BatchOutcome): void {
    stats.consumed += outcome.consumed;
    stats.late += outcome.late;
    stats.replaysSkipped += outcome.replays;
    if (outcome.dead.length === 0) return;
    const dead = outcome.dead.map((d) => ({ source: { topic: batchTopic, partition: run.partition, message: messages[d.index]! }, error: new DriftlineError('DECODE_FAILED', d.reason) }));
    run.deadLetters = run.deadLetters.then(async () => {
      // Retried until published (or the partition is gone): a checkpoint must not commit past a lost dead letter.
      for (let delayMs = 200; ; delayMs = Math.min(delayMs * 2, 5_000)) {
        try {
          await options.deadLetters.publish(dead, clock());
          stats.deadLettered += dead.length;
          log.warn({ count: dead.length, first: dead[0]!.error.message }, 'dead-lettered undecodable events');
          return;
        } catch (err) {
          if (run.revoked) {
            // Its new owner re-reads these events and dead-letters them again.
            log.warn({ partition: run.partition, err: messageOf(err) }, 'dead-letter publish failed for a revoked partition; left to its new owner');
            return;
          }
          log.warn({ partition: run.partition, err: messageOf(err) }, 'dead-letter publish failed; retrying');
          await new Promise((r) => setTimeout(r, delayMs));
        }
      }
    });
  }

  async function handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    recoverFromIngestLoss();
    let run = partitions.get(batch.partition);
    if (!run) {
      run = await restore(batch.partition);
      partitions.set(batch.partition, run);
    }
    // Backpressure: while ClickHouse refuses checkpoints, do not take more.
    let delayMs = 200;
    while (run.pending && payload.isRunning() && !closing) {
      try {
        await writeCheckpoint();
      } catch {
        await new Promise((r) => setTimeout(r, delayMs));
        delayMs = Math.min(delayMs * 2, 5_000);
        await payload.heartbeat();
      }
    }
    if (!payload.isRunning() || payload.isStale() || closing || run.revoked) return;

    // Catching up: drains requested a while ago are written now, while the ingest works on what was handed over since.
    if (requested?.ready) await writeCheckpoint().catch(() => {});
    else if (!requested && isDue(run)) requestCheckpoint();

    // Offsets at or below lastOffset are replays: of checkpointed work after a restart, or (when a rebalance let
    // us keep the partition) of events already handed over, redelivered from the committed offset.
    let first = 0;
    while (first < batch.messages.length && Number(batch.messages[first]!.offset) <= run.lastOffset) first++;
    stats.replaysSkipped += first;
    const messages = first === 0 ? batch.messages : batch.messages.slice(first);
    if (messages.length > 0) {
      const taken = run;
      const lastTaken = messages[messages.length - 1]!.offset;
      taken.lastOffset = Number(lastTaken);
      taken.sinceCheckpoint += messages.length;
      // Not awaited: the ingest works through it while kafkajs fetches the next round.
      ingest.ingest(taken.partition, packBatch(messages)).then(
        (outcome) => account(taken, batch.topic, messages, outcome),
        (err) => abandon(taken, err),
      );
      payload.resolveOffset(lastTaken);
    }
    // Caught up (live traffic): checkpoint now rather than at a next batch, which may be a while.
    if (batch.offsetLag() === '0' && (requested || isDue(run))) await writeEverything().catch(() => {});
    // Bounded hand-over: at most maxBacklog events wait in the ingest.
    if (ingest.backlog() > maxBacklog) await ingest.waitForBacklog(maxBacklog / 2);
    await payload.heartbeat();
  }

  return {
    stats: (): ProcessorStats => ({ ...stats }),

    /** Last offset taken per partition this instance owns (tests, metrics). */
    positions: (): ReadonlyMap<number, number> => new Map([...partitions].map(([p, r]) => [p, r.lastOffset])),

    /** Partitions this instance owns since the last rebalance. */
    assignedPartitions: (): ReadonlySet<number> => assigned,

    async start(): Promise<void> {
      consumer = options.kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 250, maxBytesPerPartition: 4 * 1024 * 1024, sessionTimeout: options.sessionTimeoutMs ?? 30_000 });
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        assigned = new Set(event.payload.memberAssignment[options.topic] ?? []);
        // A revoked partition's events since its checkpoint were never written; its new owner restores from the last checkpoint and re-reads them.
        for (const run of [...partitions.values()]) if (!assigned.has(run.partition)) forget(run);
        log.info({ assigned: [...assigned] }, 'joined consumer group');
      });
      await consumer.connect();
      await consumer.subscribe({ topic: options.topic, fromBeginning: true });
      await consumer.run({
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
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

    /** Stops intake, checkpoints every partition (everything handed over), commits, disconnects. Idempotent. */
    close(): Promise<void> {
      closePromise ??= (async () => {
        closing = true;
        await Promise.allSettled([...inflight]);
        await writeEverything().catch((err) => log.error({ err: messageOf(err) }, 'final checkpoint failed; events since the last one will be re-read'));
        await consumer?.disconnect();
        log.info(stats, 'processor closed');
      })();
      return closePromise;
    },
  };
}
export type ProcessorRuntime = ReturnType<typeof createProcessorRuntime>;
