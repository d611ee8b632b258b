import type { PartitionRun } from './partition-run.ts';

/** The runtime's checkpoint bounds (part of ProcessorRuntimeOptions). */
export interface CheckpointBounds {
  /** Write a checkpoint at least this often per partition with new events. */
  checkpointIntervalMs: number;
  /** …or as soon as this many events are buffered for a partition. */
  checkpointMaxEvents: number;
}

/** Checkpoints of fewer events than this never wait for another partition's (see checkpointDue). */
export const QUEUE_MIN_EVENTS = 5_000;

/**
 * Whether a partition's checkpoint should begin as its next batch arrives. It
 * is due after the interval or at the event bound. A large due one
 * (QUEUE_MIN_EVENTS) still waits while another partition's is being written,
 * unless it is twice past due: partitions that started together fall due
 * together, and in a catch-up their checkpoints, begun in one fetch, queued on
 * the encoder worker and the engine while the main thread waited for the last
 * one. One at a time, each overlaps the ingest of a fetch. Live traffic's
 * checkpoints are small and quick, and holding them back only delayed the
 * windows' close (drift detection latency 4.5 -> 5.3 s in the benchmark).
 */
export function checkpointDue(run: PartitionRun, bounds: CheckpointBounds, nowMs: number, writesInFlight: number): boolean {
  if (run.lastOffset <= run.checkpointOffset) return false;
  const age = nowMs - run.lastCheckpointAt;
  const events = run.buffer.events;
  if (age < bounds.checkpointIntervalMs && events < bounds.checkpointMaxEvents) return false;
  if (writesInFlight === 0 || events < QUEUE_MIN_EVENTS) return true;
  return age >= 2 * bounds.checkpointIntervalMs || events >= 2 * bounds.checkpointMaxEvents;
}

/**
 * Whether the batch just ingested ends a backlog: it reached the partition's
 * high watermark and the previous one did not (a fetch returned all it was
 * allowed, more was waiting). Its checkpoint then begins at once instead of
 * at the next batch, which in live traffic comes a fetch wait later. At most
 * one per checkpoint interval: a partition read about as fast as it is
 * written can end a backlog every other fetch. Records the batch's state in
 * `run` (behind, and when a backlog's end last began a checkpoint).
 */
export function backlogEnded(run: PartitionRun, lastOffset: number, highWatermark: number, bounds: CheckpointBounds, nowMs: number): boolean {
  const behind = lastOffset + 1 < highWatermark;
  const ended = run.behind && !behind && nowMs - run.caughtUpAt >= bounds.checkpointIntervalMs;
  run.behind = behind;
  if (ended) run.caughtUpAt = nowMs;
  return ended;
}
