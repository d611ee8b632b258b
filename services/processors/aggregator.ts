import type { PredictionEvent } from '../../libs/contracts/schemas.ts';

/** The window a chunk belongs to. */
export interface WindowKey {
  model: string;
  modelVersion: string;
  windowStartMs: number;
  windowEndMs: number;
}

/** One encoded piece of window state, stored as a processor_chunks row. */
export interface EncodedPart {
  /** e.g. 'slo', 'validation', 'drift:income'. */
  part: string;
  state: string;
}

/** A part whose state a worker thread is still encoding (the drift aggregator's grid chunks). */
export interface PendingPart {
  part: string;
  state: Promise<string>;
}

/**
 * A per-window aggregation that runs on every event. Its delta state must be
 * mergeable (associative, commutative, deterministic) because a window's
 * final state is the merge of many deltas — checkpoint chunks from several
 * partitions and instances. Deltas live in memory only between checkpoints.
 */
export interface WindowAggregator<Delta = unknown, Part extends EncodedPart | PendingPart = EncodedPart | PendingPart> {
  /** Stable name, the prefix of its parts. */
  readonly name: string;
  create(window: WindowKey): Delta;
  add(delta: Delta, event: PredictionEvent): void;
  encode(delta: Delta): Part[];
  /**
   * Called once a checkpoint has encoded every window's delta: starts any
   * work encode() left queued (the drift aggregator's worker message), so it
   * runs while the caller goes on with the next events.
   */
  flush?(): void;
}
