import type { PredictionEvent } from '../../libs/contracts/schemas.ts';
import type { PendingPart, WindowAggregator, WindowKey } from './aggregator.ts';

/** One window's share of a checkpoint: event and late counts plus each aggregator's delta. */
export interface WindowDelta {
  readonly key: WindowKey;
  events: number;
  late: number;
  deltas: unknown[];
}

/** One processor_chunks row before the partition/offset columns are added; its state may still be encoding. */
export interface ChunkRow {
  part: string;
  state: string | PendingPart['state'];
  model: string;
  model_version: string;
  window_start: number;
  window_end: number;
  events: number;
  late_events: number;
}

/** Windows looked up without building a key: a partition's events fall into a handful of (model, version, window) at a time. */
const RECENT_WINDOWS = 8;

/**
 * The state of one partition accumulated since its last checkpoint: per
 * window, event and late counts plus each aggregator's delta. `drain()`
 * turns it into chunk rows and starts empty again, so memory holds at most
 * one checkpoint interval of deltas, whatever the window size.
 */
export class ChunkBuffer {
  private windows = new Map<string, WindowDelta>();
  /** The last windows used, most recent first: most events find theirs here without a Map key string. */
  private recent: WindowDelta[] = [];
  events = 0;

  constructor(private readonly aggregators: readonly WindowAggregator[]) {}

  get isEmpty(): boolean {
    return this.windows.size === 0;
  }

  /** The delta of a window, created on first use. */
  window(model: string, modelVersion: string, windowStartMs: number, windowEndMs: number): WindowDelta {
    const recent = this.recent;
    for (let i = 0; i < recent.length; i++) {
      const w = recent[i]!;
      if (w.key.windowStartMs === windowStartMs && w.key.model === model && w.key.modelVersion === modelVersion) return w;
    }
    const id = `${model}\u0000${modelVersion}\u0000${windowStartMs}`;
    let w = this.windows.get(id);
    if (!w) {
      w = { key: { model, modelVersion, windowStartMs, windowEndMs }, events: 0, late: 0, deltas: [] };
      this.windows.set(id, w);
    }
    if (recent.length >= RECENT_WINDOWS) recent.pop();
    recent.unshift(w);
    return w;
  }

  add(event: PredictionEvent, w: WindowDelta): void {
    if (w.deltas.length === 0) w.deltas = this.aggregators.map((a) => a.create(w.key));
    w.events++;
    this.events++;
    for (let i = 0; i < this.aggregators.length; i++) this.aggregators[i]!.add(w.deltas[i], event);
  }

  addLate(w: WindowDelta): void {
    w.late++;
    this.events++;
  }

  /** The chunk rows of everything since the last drain; states a worker is still encoding are promises (`settleChunkRows`). */
  drain(): ChunkRow[] {
    const rows: ChunkRow[] = [];
    for (const w of this.windows.values()) {
      const base = { model: w.key.model, model_version: w.key.modelVersion, window_start: w.key.windowStartMs, window_end: w.key.windowEndMs };
      rows.push({ ...base, part: 'meta', state: '', events: w.events, late_events: w.late });
      for (let i = 0; i < w.deltas.length; i++) {
        for (const p of this.aggregators[i]!.encode(w.deltas[i])) rows.push({ ...base, ...p, events: 0, late_events: 0 });
      }
    }
    for (const a of this.aggregators) a.flush?.();
    this.windows = new Map();
    this.recent = [];
    this.events = 0;
    return rows;
  }
}

/** A chunk row whose state is encoded. */
export type SettledChunkRow = Omit<ChunkRow, 'state'> & { state: string };

/** Waits for the states still being encoded (none: no wait). */
export async function settleChunkRows(rows: readonly ChunkRow[]): Promise<SettledChunkRow[]> {
  if (rows.every((r) => typeof r.state === 'string')) return rows as SettledChunkRow[];
  return Promise.all(rows.map(async (r) => ({ ...r, state: await r.state })));
}
