import type { Logger } from '../../libs/logging/logger.ts';

/**
 * Warns about dropped prediction events without flooding the log: the first
 * drop is logged at once, later ones are summed per reason and logged at most
 * once per interval. The exact totals are in /metrics; this is the nudge to look.
 */
export class DropReporter {
  private pending = new Map<string, number>();
  private lastLogMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Records `count` drops for `reason`; logs when the interval has passed. */
  note(count: number, reason: string, total: number): void {
    if (count <= 0) return;
    this.pending.set(reason, (this.pending.get(reason) ?? 0) + count);
    if (this.clock() - this.lastLogMs >= this.intervalMs) this.flush(total);
  }

  /** Logs the drops not reported yet (also used at shutdown). */
  flush(total: number): void {
    if (this.pending.size === 0) return;
    this.logger.warn({ dropped: Object.fromEntries(this.pending), total_dropped: total }, 'prediction events dropped');
    this.pending = new Map();
    this.lastLogMs = this.clock();
  }
}
