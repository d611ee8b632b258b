import { queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { messageOf } from '../../libs/errors/errors.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import type { WindowKey } from './aggregator.ts';

/** What a finalizer gets for one closed window. */
export interface ClosedWindow extends WindowKey {
  events: number;
  lateEvents: number;
  /** Every chunk state of this window whose part starts with `prefix`, grouped by part. */
  readParts(prefix: string): Promise<Map<string, string[]>>;
  /**
   * Output rows of this window for `table` (JSONEachRow). They are inserted
   * with the other windows' of the finalizer's batch, one insert per table,
   * before the windows are marked finalized; rows a later window must read
   * back (slo_windows) are inserted by their finalizer instead.
   */
  write(table: string, rows: readonly Record<string, unknown>[]): void;
}

/** Output rows by table, in the order the tables were first written: one insert per table. */
export class OutputRows {
  private readonly tables = new Map<string, Record<string, unknown>[]>();

  add(table: string, rows: readonly Record<string, unknown>[]): void {
    if (rows.length === 0) return;
    const list = this.tables.get(table);
    if (list) list.push(...rows);
    else this.tables.set(table, [...rows]);
  }

  addAll(other: OutputRows): void {
    for (const [table, rows] of other.tables) this.add(table, rows);
  }

  async insert(clickhouse: ClickHouseClient): Promise<void> {
    for (const [table, values] of this.tables) await clickhouse.insert({ table, format: 'JSONEachRow', values });
  }
}

/** A condition an alert manager tracks: firing or not, after one window. */
export interface AlertSignal {
  kind: 'drift' | 'validation' | 'slo';
  model: string;
  condition: string;
  severity: 'page' | 'ticket' | 'info';
  firing: boolean;
  /** The window this verdict is about: only the newest window decides a condition's state. */
  windowStartMs: number;
  summary: string;
  details: Record<string, unknown>;
}

/** Turns a closed window's merged state into output rows; returns alert signals. */
export interface WindowFinalizer {
  readonly name: string;
  finalize(window: ClosedWindow, nowMs: number): Promise<AlertSignal[]>;
}

export interface FinalizerOptions {
  clickhouse: ClickHouseClient;
  pipeline: string;
  topic: string;
  finalizers: readonly WindowFinalizer[];
  /** Partitions whose last checkpoint is older than this do not hold the global watermark back. */
  idleTimeoutMs: number;
  logger: Logger;
  onSignals?: (signals: AlertSignal[]) => Promise<void>;
  clock?: () => number;
}

const toDateTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/**
 * Closes windows across partitions and instances. The global watermark is
 * the smallest checkpointed watermark over the partitions with recent
 * checkpoints; every window ending at or before it is computed from the
 * merge of all its chunks, and recomputed whenever a newer chunk arrives.
 * Safe to run in every instance at once: outputs are ReplacingMergeTree rows
 * keyed by window, and the merge does not depend on who computes it.
 */
export function createWindowFinalizer(options: FinalizerOptions) {
  const clock = options.clock ?? Date.now;
  const log = options.logger.child({ component: 'finalizer', pipeline: options.pipeline });
  const base = { pipeline: options.pipeline, topic: options.topic };

  async function globalWatermark(): Promise<number | undefined> {
    const rows = await queryRows<{ state: string; age_ms: string }>(
      options.clickhouse,
      `SELECT state, dateDiff('millisecond', inserted_at, now64(3)) AS age_ms FROM processor_chunks FINAL
        WHERE pipeline = {pipeline:String} AND topic = {topic:String} AND part = 'checkpoint'`,
      base,
    );
    const parsed = rows
      .map((r) => ({ maxEvent: (JSON.parse(r.state) as { max_event_ms: number | null }).max_event_ms, ageMs: Number(r.age_ms) }))
      .filter((r) => r.maxEvent !== null) as Array<{ maxEvent: number; ageMs: number }>;
    if (parsed.length === 0) return undefined;
    const active = parsed.filter((r) => r.ageMs <= options.idleTimeoutMs);
    const considered = active.length > 0 ? active : parsed;
    return Math.min(...considered.map((r) => r.maxEvent));
  }

  async function readyWindows(watermarkMs: number, allowedLatenessMs: number, force: boolean) {
    return queryRows<{ model: string; model_version: string; ws: string; we: string; events: string; late: string; newest: string; chunks: string }>(
      options.clickhouse,
      `SELECT c.model AS model, c.model_version AS model_version,
              toUnixTimestamp64Milli(c.window_start) AS ws, toUnixTimestamp64Milli(any(c.window_end)) AS we,
              sum(c.events) AS events, sum(c.late_events) AS late,
              toString(max(c.inserted_at)) AS newest, count() AS chunks
         FROM processor_chunks AS c FINAL
        WHERE c.pipeline = {pipeline:String} AND c.topic = {topic:String} AND c.part = 'meta'
          AND ({force:UInt8} = 1 OR c.window_end <= fromUnixTimestamp64Milli({wm:Int64}, 'UTC'))
        GROUP BY c.model, c.model_version, c.window_start
       HAVING (model, model_version, c.window_start, max(c.inserted_at)) NOT IN (
              SELECT model, model_version, window_start, newest_chunk_at FROM window_finalizations FINAL
               WHERE pipeline = {pipeline:String})
        ORDER BY ws`,
      { ...base, wm: Math.floor(watermarkMs - allowedLatenessMs), force: force ? 1 : 0 },
    );
  }

  type ReadyWindow = Awaited<ReturnType<typeof readyWindows>>[number];
  const windowId = (model: string, version: string, ws: number) => `${model}\u0000${version}\u0000${ws}`;

  /**
   * Every chunk state (but 'meta' and checkpoints) of a batch of ready
   * windows, in ONE query: a query costs the embedded engine ~10-30 ms
   * whatever it reads, and finalizing a window used one per finalizer, which
   * capped a catch-up replay at a few dozen windows per second. Windows
   * arrive sorted by start, so one model list and one start range cover the
   * batch; rows of windows outside it are dropped here.
   */
  async function prefetchParts(batch: readonly ReadyWindow[]): Promise<Map<string, Map<string, string[]>>> {
    const wanted = new Map(batch.map((w) => [windowId(w.model, w.model_version, Number(w.ws)), new Map<string, string[]>()]));
    const starts = batch.map((w) => Number(w.ws));
    const rows = await queryRows<{ model: string; model_version: string; ws: string; part: string; state: string }>(
      options.clickhouse,
      `SELECT model, model_version, toUnixTimestamp64Milli(window_start) AS ws, part, state FROM processor_chunks FINAL
        WHERE pipeline = {pipeline:String} AND topic = {topic:String} AND model IN {models:Array(String)}
          AND window_start BETWEEN fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND fromUnixTimestamp64Milli({to:Int64}, 'UTC')
          AND part NOT IN ('meta', 'checkpoint')
        ORDER BY model, model_version, window_start, part, partition, chunk_offset`,
      { ...base, models: [...new Set(batch.map((w) => w.model))], from: Math.min(...starts), to: Math.max(...starts) },
    );
    for (const r of rows) {
      const parts = wanted.get(windowId(r.model, r.model_version, Number(r.ws)));
      if (!parts) continue;
      const list = parts.get(r.part);
      if (list) list.push(r.state);
      else parts.set(r.part, [r.state]);
    }
    return wanted;
  }

  /** Ready windows cut into batches whose prefetch stays small: at most 64 windows or ~200k events (a larger window goes alone). */
  function batches(windows: readonly ReadyWindow[]): ReadyWindow[][] {
    const out: ReadyWindow[][] = [];
    let current: ReadyWindow[] = [];
    let events = 0;
    for (const w of windows) {
      const n = Number(w.events);
      if (current.length > 0 && (current.length >= 64 || events + n > 200_000)) {
        out.push(current);
        current = [];
        events = 0;
      }
      current.push(w);
      events += n;
    }
    if (current.length > 0) out.push(current);
    return out;
  }

  /** Computes one window: its signals, its output rows and its window_finalizations row (a window that fails throws, and writes nothing). */
  async function finalizeWindow(row: ReadyWindow, prefetched: Map<string, string[]>): Promise<{ signals: AlertSignal[]; rows: OutputRows; mark: Record<string, unknown> }> {
    const rows = new OutputRows();
    const window: ClosedWindow = {
      model: row.model,
      modelVersion: row.model_version,
      windowStartMs: Number(row.ws),
      windowEndMs: Number(row.we),
      events: Number(row.events),
      lateEvents: Number(row.late),
      readParts: async (prefix) => new Map([...prefetched].filter(([part]) => part.startsWith(prefix))),
      write: (table, values) => rows.add(table, values),
    };
    const now = clock();
    const signals: AlertSignal[] = [];
    for (const f of options.finalizers) signals.push(...(await f.finalize(window, now)));
    const mark = { pipeline: options.pipeline, model: row.model, model_version: row.model_version, window_start: Number(row.ws), newest_chunk_at: row.newest, chunks: Number(row.chunks), finalized_at: now };
    return { signals, rows, mark };
  }

  return {
    /**
     * Computes every window that is ready (or every window with `force`,
     * e.g. at the end of a bounded replay). Returns how many it computed.
     * `shouldStop` is asked before each window: a pass over a long backlog
     * (a catch-up replay) must not hold a shutdown up; the windows left are
     * the next pass's.
     */
    async runOnce(allowedLatenessMs: number, force = false, shouldStop: () => boolean = () => false): Promise<number> {
      const watermark = await globalWatermark();
      if (watermark === undefined && !force) return 0;
      const windows = await readyWindows(watermark ?? 0, allowedLatenessMs, force);
      let done = 0;
      for (const batch of batches(windows)) {
        if (shouldStop()) break;
        let parts: Map<string, Map<string, string[]>>;
        try {
          parts = await prefetchParts(batch);
        } catch (err) {
          log.error({ windows: batch.length, from: toDateTime(Number(batch[0]!.ws)), err: messageOf(err) }, 'reading window chunks failed; will retry');
          continue;
        }
        const out = new OutputRows();
        const marks: Array<Record<string, unknown>> = [];
        for (const w of batch) {
          if (shouldStop()) break;
          try {
            const { signals, rows, mark } = await finalizeWindow(w, parts.get(windowId(w.model, w.model_version, Number(w.ws)))!);
            out.addAll(rows);
            marks.push(mark);
            // Applied now, window by window: the next window's validation finalizer asks which alerts are open.
            if (signals.length > 0) await options.onSignals?.(signals);
          } catch (err) {
            log.error({ model: w.model, window: toDateTime(Number(w.ws)), err: messageOf(err) }, 'window finalization failed; will retry');
          }
        }
        try {
          // The batch's rows, one insert per table (a round trip costs the embedded engine ~10-30 ms, and each
          // insert makes a part to merge); then window_finalizations: a window is only marked finalized once its
          // outputs are durable, and a crash between leaves it to be recomputed (outputs are ReplacingMergeTree).
          await out.insert(options.clickhouse);
          if (marks.length > 0) await options.clickhouse.insert({ table: 'window_finalizations', format: 'JSONEachRow', values: marks });
          done += marks.length;
        } catch (err) {
          log.error({ windows: marks.length, from: toDateTime(Number(batch[0]!.ws)), err: messageOf(err) }, 'writing finalized windows failed; will retry');
        }
      }
      return done;
    },
  };
}
export type WindowFinalizerRunner = ReturnType<typeof createWindowFinalizer>;
