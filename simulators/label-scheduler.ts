import type { LabelEvent } from '../libs/contracts/schemas.ts';

/** A label waiting for its time: due at `dueOffsetMs` after the run's start. */
export interface ScheduledLabel {
  dueOffsetMs: number;
  event: LabelEvent;
}

/**
 * Labels waiting to be sent, in due order (a binary min-heap, so a run with
 * days of compressed delay holds many without sorting on every push).
 */
export class LabelScheduler {
  readonly #heap: ScheduledLabel[] = [];

  get size(): number {
    return this.#heap.length;
  }

  /** Due offset of the earliest label, or undefined when none waits. */
  get nextDueOffsetMs(): number | undefined {
    return this.#heap[0]?.dueOffsetMs;
  }

  push(label: ScheduledLabel): void {
    const heap = this.#heap;
    heap.push(label);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.dueOffsetMs <= heap[i]!.dueOffsetMs) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  /** Removes and returns up to `max` labels due at or before `nowOffsetMs`, earliest first. */
  takeDue(nowOffsetMs: number, max = Infinity): LabelEvent[] {
    const out: LabelEvent[] = [];
    while (out.length < max && this.#heap.length > 0 && this.#heap[0]!.dueOffsetMs <= nowOffsetMs) out.push(this.#pop().event);
    return out;
  }

  #pop(): ScheduledLabel {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < heap.length && heap[l]!.dueOffsetMs < heap[m]!.dueOffsetMs) m = l;
        if (r < heap.length && heap[r]!.dueOffsetMs < heap[m]!.dueOffsetMs) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i]!, heap[m]!];
        i = m;
      }
    }
    return top;
  }
}
