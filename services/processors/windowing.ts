/**
 * Event-time tumbling windows and per-partition watermarks.
 *
 * Windows are aligned to the epoch: [k·size, (k+1)·size). The watermark of a
 * partition is the largest event time seen on it minus the allowed lateness;
 * a window is closed for that partition once the watermark reaches its end.
 * An event whose window is already closed is late: it is counted per window,
 * never added to the statistics and never silently dropped. Because each
 * partition is read in offset order, which events are late is a function of
 * the partition's content alone — the same whichever instance reads it.
 */
export function windowStartOf(tsMs: number, sizeMs: number): number {
  return Math.floor(tsMs / sizeMs) * sizeMs;
}

export class PartitionWatermark {
  /** Largest event time seen, or -Infinity before the first event. */
  maxEventMs: number;

  constructor(
    readonly allowedLatenessMs: number,
    restoredMaxEventMs = -Infinity,
  ) {
    this.maxEventMs = restoredMaxEventMs;
  }

  get watermarkMs(): number {
    return this.maxEventMs - this.allowedLatenessMs;
  }

  /** True when a window ending at `windowEndMs` is closed for this partition. */
  isClosed(windowEndMs: number): boolean {
    return windowEndMs <= this.watermarkMs;
  }

  observe(tsMs: number): void {
    if (tsMs > this.maxEventMs) this.maxEventMs = tsMs;
  }
}
