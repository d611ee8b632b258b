import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { BatchWriter } from '../../libs/clickhouse/batch-writer.ts';
import { queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { decodeEvent } from '../../libs/contracts/decode.ts';
import type { DriftlineError } from '../../libs/errors/errors.ts';
import { messageOf } from '../../libs/errors/errors.ts';
import type { DeadLetterPublisher, DeadLetterSource } from '../../libs/kafka/dead-letter.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import { timeInserts } from '../../libs/metrics/pipeline-metrics.ts';
import { OffsetTracker, partitionKey, type PartitionKey } from './offset-tracker.ts';
import { toPredictionRow, type PredictionRow } from './prediction-row.ts';

export interface RawSinkOptions {
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  deadLetters: DeadLetterPublisher;
  logger: Logger;
  topic: string;
  groupId: string;
  /** Insert when this many rows are buffered… */
  batchRows: number;
  /** …or when the oldest buffered row is this old. */
  batchMaxWaitMs: number;
  /** Stop taking messages while this many rows wait for ClickHouse (backpressure). */
  maxBufferedRows: number;
  clock?: () => number;
  /** Called after each successful batch insert with its duration (flush latency metric). */
  onFlush?: (seconds: number, rows: number) => void;
}

export interface RawSinkStats {
  consumed: number;
  inserted: number;
  deadLettered: number;
  replaysSkipped: number;
  insertFailures: number;
  commits: number;
}

export interface RawSink {
  start(): Promise<void>;
  /** Stops intake, flushes, commits, disconnects. Idempotent. */
  close(): Promise<void>;
  stats(): RawSinkStats;
}

/**
 * The raw-events sink: `driftline.predictions` → ClickHouse `predictions`.
 *
 * Delivery contract: a Kafka offset is committed only after its row is in
 * ClickHouse (or its dead letter is acknowledged by the broker). A crash
 * between insert and commit makes Kafka redeliver; the sink then skips every
 * offset already stored for that partition (looked up once per assignment),
 * so a replay inserts nothing twice.
 */
export function createRawSink(options: RawSinkOptions): RawSink {
  const log = options.logger.child({ component: 'raw-sink', topic: options.topic });
  const clock = options.clock ?? Date.now;
  const offsets = new OffsetTracker();
  const stats: RawSinkStats = { consumed: 0, inserted: 0, deadLettered: 0, replaysSkipped: 0, insertFailures: 0, commits: 0 };
  let consumer: Consumer | undefined;
  let closing = false;
  let closePromise: Promise<void> | undefined;
  const inflightBatches = new Set<Promise<void>>();

  const writer = new BatchWriter<PredictionRow>({
    client: options.onFlush ? timeInserts(options.clickhouse, options.onFlush) : options.clickhouse,
    table: 'predictions',
    maxRows: options.batchRows,
    maxWaitMs: options.batchMaxWaitMs,
    logger: log,
    onFlushed: async (rows) => {
      stats.inserted += rows.length;
      await commitDurable();
    },
  });

  async function commitDurable(): Promise<void> {
    if (!consumer) return;
    const firstUnflushed = new Map<PartitionKey, number>();
    writer.forEachUnflushed((row) => {
      const key = partitionKey(row.topic, row.partition);
      if (!firstUnflushed.has(key)) firstUnflushed.set(key, row.offset);
    });
    const positions = offsets.commitPositions(firstUnflushed);
    if (positions.length === 0) return;
    try {
      await consumer.commitOffsets(positions);
      offsets.markCommitted(positions);
      stats.commits++;
    } catch (err) {
      // Not fatal: the data is durable; a later commit (or a replay that is
      // skipped) covers these offsets.
      log.warn({ err: messageOf(err) }, 'offset commit failed; will retry with the next flush');
    }
  }

  async function storedHighWater(topic: string, partition: number): Promise<number> {
    const rows = await queryRows<{ o: string; c: string }>(
      options.clickhouse,
      'SELECT max(offset) AS o, count() AS c FROM predictions WHERE topic = {topic:String} AND partition = {partition:UInt32}',
      { topic, partition },
    );
    return Number(rows[0]?.c ?? 0) === 0 ? -1 : Number(rows[0]!.o);
  }

  /** Waits while too much is buffered, retrying the insert with backoff. */
  async function backpressure(payload: EachBatchPayload): Promise<void> {
    let delayMs = 200;
    while (writer.buffered >= options.maxBufferedRows && payload.isRunning() && !closing) {
      try {
        await writer.flush();
      } catch {
        stats.insertFailures++;
        await new Promise((r) => setTimeout(r, delayMs));
        delayMs = Math.min(delayMs * 2, 5_000);
      }
      await payload.heartbeat();
    }
  }

  async function handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const key = partitionKey(batch.topic, batch.partition);
    if (!offsets.isKnown(key)) offsets.setStored(key, await storedHighWater(batch.topic, batch.partition));
    await backpressure(payload);

    const rows: PredictionRow[] = [];
    const dead: Array<{ source: DeadLetterSource; error: DriftlineError }> = [];
    const taken: string[] = [];
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale() || closing) break;
      const offset = Number(message.offset);
      taken.push(message.offset);
      if (offsets.isReplay(key, offset)) {
        stats.replaysSkipped++;
        continue;
      }
      stats.consumed++;
      const decoded = decodeEvent('predictions', message.value);
      if (decoded.ok) rows.push(toPredictionRow(decoded.value, { topic: batch.topic, partition: batch.partition, offset }));
      else dead.push({ source: { topic: batch.topic, partition: batch.partition, message }, error: decoded.error });
    }
    if (taken.length === 0) return;
    // Dead letters must be acknowledged before their offsets can count as done.
    if (dead.length > 0) {
      await options.deadLetters.publish(dead, clock());
      stats.deadLettered += dead.length;
      log.warn({ count: dead.length, first: dead[0]!.error.message }, 'dead-lettered undecodable events');
    }
    for (const offset of taken) {
      offsets.accept(key, Number(offset));
      payload.resolveOffset(offset);
    }
    const sizeFlush = writer.add(rows);
    if (sizeFlush) sizeFlush.catch(() => stats.insertFailures++);
    else if (rows.length === 0) await commitDurable();
    await payload.heartbeat();
  }

  return {
    async start() {
      consumer = options.kafka.consumer({
        groupId: options.groupId,
        sessionTimeout: 30_000,
        heartbeatInterval: 3_000,
        maxBytesPerPartition: 4 * 1024 * 1024,
        // Short fetch waits: lower end-to-end latency and a prompt disconnect.
        maxWaitTimeInMs: 500,
        retry: { retries: 10 },
      });
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        const assigned = new Set<PartitionKey>();
        for (const [topic, partitions] of Object.entries(event.payload.memberAssignment)) {
          for (const p of partitions) assigned.add(partitionKey(topic, p));
        }
        offsets.retainOnly(assigned);
        log.info({ assignment: event.payload.memberAssignment }, 'joined consumer group');
      });
      await consumer.connect();
      await consumer.subscribe({ topic: options.topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => {
          if (closing) return;
          const run = handleBatch(payload);
          inflightBatches.add(run);
          try {
            await run;
          } finally {
            inflightBatches.delete(run);
          }
        },
      });
      log.info({ groupId: options.groupId }, 'raw sink started');
    },

    close() {
      closePromise ??= (async () => {
        // Order matters: stop intake, let running batches finish, flush the
        // writer while the consumer can still commit, then disconnect.
        closing = true;
        await Promise.allSettled([...inflightBatches]);
        try {
          await writer.close();
        } catch (err) {
          log.error({ err: messageOf(err), buffered: writer.buffered }, 'final flush failed; uncommitted events will be redelivered');
        }
        await commitDurable();
        await consumer?.disconnect();
        log.info(stats, 'raw sink closed');
      })();
      return closePromise;
    },

    stats: () => ({ ...stats }),
  };
}
