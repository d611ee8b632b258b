import { DriftlineError, messageOf } from '../errors/errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { ClickHouseClient } from './client.ts';

export interface BatchWriterOptions<Row> {
  client: Pick<ClickHouseClient, 'insert'>;
  table: string;
  /** Flush when this many rows are buffered. */
  maxRows: number;
  /** Flush when the oldest buffered row is this old. */
  maxWaitMs: number;
  logger: Logger;
  /** Called after every successful flush with the inserted rows; runs before the next flush starts. */
  onFlushed?: (rows: readonly Row[]) => Promise<void> | void;
  nowMs?: () => number;
  /** Timer retries after a failed insert wait this long, doubling per failure up to retryMaxMs (defaults 200 ms, 5 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/**
 * Buffers rows for one table and inserts them in batches: on size, on a timer
 * and on close. A failed insert keeps the rows buffered and is retried by the
 * next flush (the timer's retries back off exponentially while inserts
 * keep failing), so callers never lose rows they handed over; they apply
 * backpressure with `buffered` and `lastError`. Flushes are single-flight:
 * concurrent callers share the running flush.
 */
export class BatchWriter<Row extends object> {
  private rows: Row[] = [];
  /** The batch being inserted right now, if any: not durable yet. */
  private inserting: Row[] = [];
  private oldestAtMs = 0;
  private inflight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  lastError: unknown = undefined;
  flushes = 0;
  /** Failed inserts since the last success; the timer backs off by them. */
  failures = 0;
  private retryAtMs = 0;
  private readonly now: () => number;

  constructor(private readonly options: BatchWriterOptions<Row>) {
    this.now = options.nowMs ?? Date.now;
    this.timer = setInterval(() => {
      // After a failure the timer waits out a backoff: the rows stay old, and without it an outage
      // would be retried every tick (measured: 21 inserts/s for a 200 ms wait during a ClickHouse outage).
      if (this.rows.length > 0 && this.now() - this.oldestAtMs >= options.maxWaitMs && this.now() >= this.retryAtMs) {
        this.flush().catch(() => {
          /* logged in flush; rows stay buffered */
        });
      }
    }, Math.max(10, Math.floor(options.maxWaitMs / 4)));
    this.timer.unref();
  }

  get buffered(): number {
    return this.rows.length;
  }

  /** Visits every row handed over but not yet durably inserted, oldest first. */
  forEachUnflushed(visit: (row: Row) => void): void {
    for (const row of this.inserting) visit(row);
    for (const row of this.rows) visit(row);
  }

  /** Buffers rows; returns a flush promise when the size trigger fired. */
  add(rows: Row[]): Promise<void> | undefined {
    if (this.closed) throw new DriftlineError('CLICKHOUSE_UNAVAILABLE', `writer for ${this.options.table} is closed`);
    if (rows.length === 0) return undefined;
    if (this.rows.length === 0) this.oldestAtMs = this.now();
    for (const row of rows) this.rows.push(row);
    return this.rows.length >= this.options.maxRows ? this.flush() : undefined;
  }

  /** Inserts everything buffered now; rejects (keeping the rows) if the insert fails. */
  flush(): Promise<void> {
    this.inflight ??= this.flushOnce().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async flushOnce(): Promise<void> {
    if (this.rows.length === 0) return;
    const batch = this.rows;
    this.rows = [];
    this.inserting = batch;
    const t0 = this.now();
    try {
      await this.options.client.insert({ table: this.options.table, values: batch, format: 'JSONEachRow' });
    } catch (err) {
      // Put the batch back in front of rows added meanwhile: order is kept.
      this.inserting = [];
      this.rows = batch.concat(this.rows);
      this.lastError = err;
      this.failures++;
      this.retryAtMs = this.now() + Math.min(this.options.retryMaxMs ?? 5_000, (this.options.retryBaseMs ?? 200) * 2 ** Math.min(this.failures - 1, 20));
      this.options.logger.warn({ table: this.options.table, rows: batch.length, err: messageOf(err) }, 'insert failed; rows kept for retry');
      throw new DriftlineError('CLICKHOUSE_UNAVAILABLE', `insert into ${this.options.table} failed: ${messageOf(err)}`, { retriable: true, cause: err });
    }
    this.inserting = [];
    this.lastError = undefined;
    this.failures = 0;
    this.retryAtMs = 0;
    this.flushes++;
    this.options.logger.debug({ table: this.options.table, rows: batch.length, ms: this.now() - t0 }, 'flushed');
    await this.options.onFlushed?.(batch);
  }

  /** Stops the timer and flushes what is left. Idempotent. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.closed = true;
    await this.flush();
  }
}
