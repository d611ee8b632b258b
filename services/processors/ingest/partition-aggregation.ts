import { decodeEvent } from '../../../libs/contracts/decode.ts';
import type { WindowAggregator } from '../aggregator.ts';
import { ChunkBuffer } from '../chunk-buffer.ts';
import { encodeChunkRows } from '../chunk-tsv.ts';
import { PartitionWatermark, windowStartOf } from '../windowing.ts';

/**
 * A batch of one partition's messages packed for a thread hop: the values
 * end to end in one buffer (a null or empty value is a zero-length slice),
 * where each ends, and each message's offset.
 */
export interface PackedBatch {
  values: Uint8Array;
  ends: Uint32Array;
  offsets: Float64Array;
}

/** What one batch did to a partition's state. */
export interface BatchOutcome {
  consumed: number;
  late: number;
  /** At or below the partition's last offset: already counted (a replay). */
  replays: number;
  /** Undecodable messages: their index in the batch and why. */
  dead: Array<{ index: number; reason: string }>;
  /** Last offset taken, and the largest event time seen, after the batch. */
  lastOffset: number;
  maxEventMs: number | null;
}

/**
 * A partition's window state since its last checkpoint, encoded: processor_chunks rows as
 * TabSeparated text (chunk-tsv.ts), the offset they cover, and the max event time up to it.
 */
export interface Drained {
  offset: number;
  maxEventMs: number | null;
  body: string;
  rows: number;
}

export interface PartitionScope {
  pipeline: string;
  topic: string;
  partition: number;
  windowSizeMs: number;
  allowedLatenessMs: number;
}

/**
 * The per-event half of a stream processor for one partition: decodes each
 * message, assigns it to its event-time window, counts it late or feeds the
 * aggregators, and on `drain()` encodes everything since the last drain as
 * chunk rows. Pure (no I/O), so it runs the same on the event loop or in the
 * ingest thread (ingest-thread.ts).
 *
 * Offsets at or below the last one taken are replays — of checkpointed work
 * after a restart, or of events still buffered here after a rebalance let
 * this instance keep the partition — and are skipped.
 */
export class PartitionAggregation {
  private readonly watermark: PartitionWatermark;
  private readonly buffer: ChunkBuffer;
  private lastOffset: number;
  private drainedOffset: number;

  constructor(
    private readonly scope: PartitionScope,
    aggregators: readonly WindowAggregator[],
    restored: { offset: number; maxEventMs: number | null },
  ) {
    this.watermark = new PartitionWatermark(scope.allowedLatenessMs, restored.maxEventMs ?? -Infinity);
    this.buffer = new ChunkBuffer(aggregators);
    this.lastOffset = restored.offset;
    this.drainedOffset = restored.offset;
  }

  ingest(batch: PackedBatch): BatchOutcome {
    const outcome: BatchOutcome = { consumed: 0, late: 0, replays: 0, dead: [], lastOffset: this.lastOffset, maxEventMs: null };
    const values = Buffer.from(batch.values.buffer, batch.values.byteOffset, batch.values.byteLength);
    const size = this.scope.windowSizeMs;
    let start = 0;
    for (let i = 0; i < batch.offsets.length; i++) {
      const end = batch.ends[i]!;
      const value = values.subarray(start, end);
      start = end;
      const offset = batch.offsets[i]!;
      if (offset <= this.lastOffset) {
        outcome.replays++;
        continue;
      }
      this.lastOffset = offset;
      outcome.consumed++;
      const decoded = decodeEvent('predictions', value);
      if (!decoded.ok) {
        outcome.dead.push({ index: i, reason: decoded.error.message });
        continue;
      }
      const event = decoded.value;
      const windowStart = windowStartOf(event.ts, size);
      const window = this.buffer.window(event.model, event.model_version, windowStart, windowStart + size);
      if (this.watermark.isClosed(windowStart + size)) {
        this.buffer.addLate(window);
        outcome.late++;
      } else {
        this.buffer.add(event, window);
      }
      this.watermark.observe(event.ts);
    }
    outcome.lastOffset = this.lastOffset;
    outcome.maxEventMs = this.maxEventMs();
    return outcome;
  }

  /** Everything since the last drain as chunk rows (undefined when no offset was taken since). */
  drain(): Drained | undefined {
    if (this.lastOffset <= this.drainedOffset) return undefined;
    const offset = this.lastOffset;
    const base = { pipeline: this.scope.pipeline, topic: this.scope.topic, partition: this.scope.partition, chunk_offset: offset };
    const rows = this.buffer.drain().map((r) => ({ ...r, ...base }));
    this.drainedOffset = offset;
    return { offset, maxEventMs: this.maxEventMs(), body: encodeChunkRows(rows), rows: rows.length };
  }

  private maxEventMs(): number | null {
    return Number.isFinite(this.watermark.maxEventMs) ? this.watermark.maxEventMs : null;
  }
}
