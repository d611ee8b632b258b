import type { EachBatchPayload } from 'kafkajs';
import { decodeEvent } from '../../libs/contracts/decode.ts';
import type { DeadLetterPublisher } from '../../libs/kafka/dead-letter.ts';
import type { ChunkBuffer } from './chunk-buffer.ts';
import { windowStartOf, type PartitionWatermark } from './windowing.ts';

/** What the runtime keeps per partition it owns: the event intake below and its checkpoints (processor-runtime.ts). */
export interface PartitionRun {
  partition: number;
  watermark: PartitionWatermark;
  buffer: ChunkBuffer;
  /** Chunk rows of a failed checkpoint (TabSeparated, with their own chunk offset), retried by the next one. */
  pending: { body: string; rows: number } | undefined;
  lastOffset: number;
  checkpointOffset: number;
  lastCheckpointAt: number;
  /** Serializes checkpoints of this partition (batch loop vs close). */
  lock: Promise<void>;
  /** A checkpoint of this partition (insert, then offset commit) is in flight. */
  writing: boolean;
  /** Set when a rebalance took the partition away: nothing more may be written for it. */
  revoked: boolean;
  /** The last batch ended short of the partition's high watermark: a backlog is being read. */
  behind: boolean;
  /** When the end of a backlog last began a checkpoint (-Infinity: never). */
  caughtUpAt: number;
}

/** Undecodable messages with their errors, as the dead-letter publisher takes them. */
export type DeadLetters = Parameters<DeadLetterPublisher['publish']>[0];

/** The runtime's counters the intake moves. */
export interface IntakeCounters {
  consumed: number;
  late: number;
  replaysSkipped: number;
}

/** Messages ingested between two looks at the event loop while `yieldBetweenSlices` says so. */
const INGEST_SLICE = 500;

/** Lets pending I/O and worker messages run: a macrotask, unlike a resolved promise. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Decodes, windows and aggregates a batch's new events into the partition's
 * buffer; returns the last offset taken and the undecodable messages.
 *
 * While `yieldBetweenSlices()` is true (a checkpoint is being written) it
 * yields to the event loop every INGEST_SLICE messages, so the checkpoint's
 * next step (the encoder worker's reply, then the insert) starts within a
 * slice rather than after the whole batch, or after every batch of the
 * fetch, which the handlers ingest back to back.
 */
export async function ingestBatch(
  run: PartitionRun,
  batch: EachBatchPayload['batch'],
  options: { windowSizeMs: number; counters: IntakeCounters; yieldBetweenSlices: () => boolean },
): Promise<{ lastOffset: string; dead: DeadLetters } | undefined> {
  const dead: DeadLetters = [];
  const { counters } = options;
  let lastTaken: string | undefined;
  const size = options.windowSizeMs;
  const messages = batch.messages;
  for (let i = 0; i < messages.length; i++) {
    if (i > 0 && i % INGEST_SLICE === 0 && options.yieldBetweenSlices()) await yieldToEventLoop();
    const message = messages[i]!;
    lastTaken = message.offset;
    const offset = Number(message.offset);
    // At or below lastOffset: a replay — of checkpointed work after a
    // restart, or (when a rebalance let us keep the partition) of events
    // still in our buffer, redelivered from the committed offset.
    if (offset <= run.lastOffset) {
      counters.replaysSkipped++;
      continue;
    }
    run.lastOffset = offset;
    counters.consumed++;
    const decoded = decodeEvent('predictions', message.value);
    if (!decoded.ok) {
      dead.push({ source: { topic: batch.topic, partition: batch.partition, message }, error: decoded.error });
      continue;
    }
    const event = decoded.value;
    const start = windowStartOf(event.ts, size);
    const window = run.buffer.window(event.model, event.model_version, start, start + size);
    if (run.watermark.isClosed(start + size)) {
      run.buffer.addLate(window);
      counters.late++;
    } else {
      run.buffer.add(event, window);
    }
    run.watermark.observe(event.ts);
  }
  return lastTaken === undefined ? undefined : { lastOffset: lastTaken, dead };
}
