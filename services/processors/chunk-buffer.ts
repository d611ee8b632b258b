import type { PredictionEvent } from '../../libs/contracts/schemas.ts';
import type { EncodedPart, WindowAggregator, WindowKey } from './aggregator.ts';

interface WindowDelta {
  key: WindowKey;
  events: number;
  late: number;
  deltas: unknown[];
}

/** One processor_chunks row before the partition/offset columns are added. */
export interface ChunkRow extends EncodedPart {
  model: string;
  model_version: string;
  window_start: number;
  window_end: number;
  events: number;
  late_events: number;
}

/**
 * The state of one partition accumulated since its last checkpoint: per
 * window, event and late counts plus each aggregator's delta. `drain()`
 * turns it into chunk rows and starts empty again, so memory holds at most
 * one checkpoint interval of deltas, whatever the window size.
 */
export class ChunkBuffer {
  private windows = new Map<string, WindowDelta>();
  events = 0;

  constructor(private readonly aggregators: readonly WindowAggregator[]) {}

  get isEmpty(): boolean {
    return this.windows.size === 0;
  }

  private windowOf(key: WindowKey): WindowDelta {
    const id = `${key.model}\u0000${key.modelVersion}\u0000${key.windowStartMs}`;
    let w = this.windows.get(id);
    if (!w) {
      w = { key, events: 0, late: 0, deltas: [] };
      this.windows.set(id, w);
    }
    return w;
  }

  add(event: PredictionEvent, key: WindowKey): void {
    const w = this.windowOf(key);
    if (w.deltas.length === 0) w.deltas = this.aggregators.map((a) => a.create(key));
    w.events++;
    this.events++;
    for (let i = 0; i < this.aggregators.length; i++) this.aggregators[i]!.add(w.deltas[i], event);
  }

  addLate(key: WindowKey): void {
    this.windowOf(key).late++;
    this.events++;
  }

  drain(): ChunkRow[] {
    const rows: ChunkRow[] = [];
    for (const w of this.windows.values()) {
      const base = { model: w.key.model, model_version: w.key.modelVersion, window_start: w.key.windowStartMs, window_end: w.key.windowEndMs };
      rows.push({ ...base, part: 'meta', state: '', events: w.events, late_events: w.late });
      for (let i = 0; i < w.deltas.length; i++) {
        for (const p of this.aggregators[i]!.encode(w.deltas[i])) rows.push({ ...base, ...p, events: 0, late_events: 0 });
      }
    }
    this.windows = new Map();
    this.events = 0;
    return rows;
  }
}
