import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { decodeEvent } from '../../libs/contracts/decode.ts';
import type { LabelEvent } from '../../libs/contracts/schemas.ts';
import { type DriftlineError, messageOf } from '../../libs/errors/errors.ts';
import type { DeadLetterPublisher, DeadLetterSource } from '../../libs/kafka/dead-letter.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import { joinLabels, type JoinOutcome, type LabelJoinOptions } from './label-join.ts';

/** Header naming where a label came from (the HTTP route sets `http`). */
export const LABEL_SOURCE_HEADER = 'driftline-label-source';

export interface LabelConsumerOptions {
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  join: Omit<LabelJoinOptions, 'clickhouse'>;
  deadLetters: DeadLetterPublisher;
  topic: string;
  groupId: string;
  logger: Logger;
  /** Told about every join, so the quality job can mark windows dirty. */
  onJoined?: (outcome: JoinOutcome) => void;
  clock?: () => number;
  /** Kafka session timeout: how soon a dead consumer's partitions move to another (default kafkajs' 30 s; Kafka's minimum is 6 s). */
  sessionTimeoutMs?: number;
}

export interface LabelConsumerStats {
  consumed: number;
  stored: number;
  joined: number;
  pending: number;
  orphaned: number;
  deadLettered: number;
  failedBatches: number;
}

export interface LabelConsumer {
  start(): Promise<void>;
  close(): Promise<void>;
  stats(): LabelConsumerStats;
}

/**
 * `driftline.labels` → `labels` → the join. Labels from HTTP and from any
 * other producer take this one path.
 *
 * Per batch: decode (bad messages to the dead-letter topic), store every
 * label with the broker's append time as received_at, join the batch's
 * predictions, and only then commit the offsets. A crash anywhere before the
 * commit replays the batch, and every step is idempotent (ReplacingMergeTree
 * keyed by the label event / the prediction), so nothing is lost or counted
 * twice. A failing ClickHouse makes the batch throw: kafkajs pauses and
 * retries it from the uncommitted offset.
 */
export function createLabelConsumer(options: LabelConsumerOptions): LabelConsumer {
  const log = options.logger.child({ component: 'label-consumer', topic: options.topic });
  const clock = options.clock ?? Date.now;
  const stats: LabelConsumerStats = { consumed: 0, stored: 0, joined: 0, pending: 0, orphaned: 0, deadLettered: 0, failedBatches: 0 };
  let consumer: Consumer | undefined;
  let closePromise: Promise<void> | undefined;

  async function handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const rows: Array<Record<string, unknown>> = [];
    const events: LabelEvent[] = [];
    const dead: Array<{ source: DeadLetterSource; error: DriftlineError }> = [];
    for (const message of batch.messages) {
      const decoded = decodeEvent('labels', message.value);
      if (!decoded.ok) {
        dead.push({ source: { topic: batch.topic, partition: batch.partition, message }, error: decoded.error });
        continue;
      }
      const label = decoded.value;
      events.push(label);
      rows.push({
        prediction_id: label.prediction_id,
        model: label.model,
        label: String(label.label),
        label_ts: label.ts,
        received_at: Number(message.timestamp),
        source: message.headers?.[LABEL_SOURCE_HEADER]?.toString() || 'kafka',
        topic: batch.topic,
        partition: batch.partition,
        offset: Number(message.offset),
      });
    }
    stats.consumed += batch.messages.length;
    try {
      if (dead.length > 0) {
        await options.deadLetters.publish(dead, clock());
        stats.deadLettered += dead.length;
        log.warn({ count: dead.length, first: dead[0]!.error.message }, 'dead-lettered undecodable labels');
      }
      if (rows.length > 0) {
        await options.clickhouse.insert({ table: 'labels', values: rows, format: 'JSONEachRow' });
        stats.stored += rows.length;
        const byModel = new Map<string, string[]>();
        for (const e of events) byModel.set(e.model, [...(byModel.get(e.model) ?? []), e.prediction_id]);
        for (const [model, ids] of byModel) {
          const outcome = await joinLabels({ ...options.join, clickhouse: options.clickhouse }, model, ids, clock());
          stats.joined += outcome.joined;
          stats.pending += outcome.pending;
          stats.orphaned += outcome.orphaned;
          options.onJoined?.(outcome);
        }
      }
    } catch (err) {
      stats.failedBatches++;
      log.warn({ err: messageOf(err), partition: batch.partition, first_offset: batch.firstOffset() }, 'label batch failed; it will be retried from its first offset');
      throw err;
    }
    const last = batch.messages[batch.messages.length - 1];
    if (last) {
      payload.resolveOffset(last.offset);
      await consumer!.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(Number(last.offset) + 1) }]);
    }
    await payload.heartbeat();
  }

  return {
    async start() {
      consumer = options.kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 500, retry: { retries: 10 }, ...(options.sessionTimeoutMs ? { sessionTimeout: options.sessionTimeoutMs } : {}) });
      await consumer.connect();
      await consumer.subscribe({ topic: options.topic, fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: handleBatch });
      log.info({ groupId: options.groupId }, 'label consumer started');
    },
    close() {
      closePromise ??= (async () => {
        await consumer?.disconnect();
      })();
      return closePromise;
    },
    stats: () => ({ ...stats }),
  };
}
