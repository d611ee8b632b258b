import { setTimeout as delay } from 'node:timers/promises';
import type { LabelEvent } from '../libs/contracts/schemas.ts';
import { LabelScheduler, type ScheduledLabel } from './label-scheduler.ts';
import type { SimulatedItem } from './simulate.ts';
import { createTokenBucket } from './token-bucket.ts';

/** Time as the drivers see it; tests pass a virtual clock whose sleep advances time. */
export interface DriverClock {
  now(): number;
  /** Resolves after `ms`, or early (never rejecting) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: DriverClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(Math.max(0, ms), undefined, signal ? { signal } : undefined).catch(() => undefined),
};

export interface DriverLoopOptions {
  /** The simulation (or any items in offset order). */
  items: Iterable<SimulatedItem>;
  /** Items per send at most. */
  batchSize: number;
  /** Sends outstanding at most; beyond, the loop waits for one to finish. */
  maxInFlight: number;
  /** Token-bucket cap on items per second, catch-up after a stall included (the simulation's peak rate). */
  maxRatePerSec: number;
  /** Stop after this many items. */
  maxEvents?: number;
  /** After the last send, how long to keep sending labels as they fall due; the rest are counted as pending. */
  labelGraceMs: number;
  /** Labels per sendLabels call at most; default 500. */
  labelBatchSize?: number;
  /** Items that must travel alone (HTTP: rows the server is expected to reject, so they do not sink a batch). */
  alone?: (item: SimulatedItem) => boolean;
  /** Stops the run early: no more sends, no grace. */
  signal?: AbortSignal;
  clock?: DriverClock;
}

export interface DriverLoopDeps {
  /** Sends one batch (sent at `sentOffsetMs` after the start); resolves to the labels to schedule. Throwing stops the run. */
  sendBatch(items: SimulatedItem[], sentOffsetMs: number): Promise<ScheduledLabel[]>;
  sendLabels(labels: LabelEvent[]): Promise<void>;
}

export interface DriverLoopResult {
  /** Items handed to sendBatch. */
  items: number;
  batches: number;
  labelsSent: number;
  /** Labels not yet due when the grace period ended (or the run was aborted): never sent. */
  labelsPendingAtStop: number;
  /** From the start until the last batch was acknowledged (the label grace comes after). */
  sendingMs: number;
  elapsedMs: number;
  stoppedBy: 'end' | 'max-events' | 'aborted';
}

/**
 * Plays a simulation in real (or virtual) time — the part both drivers share.
 * Each item is sent when its offset is due; items already due are batched
 * (up to batchSize); a token bucket at `maxRatePerSec` caps bursts when the
 * loop runs behind; at most `maxInFlight` sends are outstanding. Labels
 * returned by a send are held in due order and sent as they fall due,
 * between sends and, after the last one, for up to `labelGraceMs`. The loop
 * stops by itself when the items end, at maxEvents, or on abort.
 */
export async function runDriverLoop(deps: DriverLoopDeps, options: DriverLoopOptions): Promise<DriverLoopResult> {
  const clock = options.clock ?? realClock;
  const { signal } = options;
  const maxEvents = options.maxEvents ?? Infinity;
  const labelBatchSize = options.labelBatchSize ?? 500;
  const batchSize = Math.max(1, Math.floor(options.batchSize));
  const start = clock.now();
  const elapsed = () => clock.now() - start;
  const aborted = () => signal?.aborted === true;
  const scheduler = new LabelScheduler();
  const bucket = createTokenBucket({ ratePerSec: options.maxRatePerSec, capacity: batchSize, clock: () => clock.now() });
  const inFlight = new Set<Promise<void>>();
  let failure: { err: unknown } | undefined;
  let labelsSent = 0;

  const flushLabels = async () => {
    for (;;) {
      const due = scheduler.takeDue(elapsed(), labelBatchSize);
      if (due.length === 0) return;
      await deps.sendLabels(due);
      labelsSent += due.length;
    }
  };
  /** Sleeps until `target` (offset ms), sending labels that fall due meanwhile. */
  const waitUntil = async (target: number) => {
    for (;;) {
      await flushLabels();
      const now = elapsed();
      if (now >= target || aborted()) return;
      // Whole ms, at least 1: timers have no finer grain, and a sub-ulp sleep could leave a virtual clock stuck.
      await clock.sleep(Math.max(1, Math.ceil(Math.min(target, scheduler.nextDueOffsetMs ?? Infinity) - now)), signal);
    }
  };

  let items = 0;
  let batches = 0;
  let stoppedBy: DriverLoopResult['stoppedBy'] = 'end';
  let sendingMs = 0;
  const iterator = options.items[Symbol.iterator]();
  let next = iterator.next();
  try {
    while (!next.done && !failure) {
      if (items >= maxEvents) {
        stoppedBy = 'max-events';
        break;
      }
      const first = next.value;
      await waitUntil(first.offsetMs);
      if (aborted()) break;
      const batch = [first];
      next = iterator.next();
      if (!options.alone?.(first)) {
        while (batch.length < batchSize && items + batch.length < maxEvents && !next.done && !options.alone?.(next.value) && next.value.offsetMs <= elapsed()) {
          batch.push(next.value);
          next = iterator.next();
        }
      }
      for (let wait = bucket.tryTake(batch.length); wait > 0 && !aborted(); wait = bucket.tryTake(batch.length)) await waitUntil(elapsed() + wait);
      while (inFlight.size >= options.maxInFlight) await Promise.race(inFlight);
      if (aborted()) break;
      const sending: Promise<void> = deps.sendBatch(batch, elapsed()).then(
        (labels) => {
          for (const label of labels) scheduler.push(label);
        },
        (err: unknown) => {
          failure ??= { err };
        },
      ).finally(() => inFlight.delete(sending));
      inFlight.add(sending);
      items += batch.length;
      batches++;
    }
    if (aborted()) stoppedBy = 'aborted';
    await Promise.all(inFlight);
    sendingMs = elapsed();
    if (failure) throw failure.err;
    if (!aborted()) {
      const deadline = elapsed() + options.labelGraceMs;
      for (let due = scheduler.nextDueOffsetMs; due !== undefined && due <= deadline && !aborted(); due = scheduler.nextDueOffsetMs) await waitUntil(due);
    }
  } finally {
    // A failed label send or sendBatch leaves other sends running: let them settle before reporting.
    await Promise.allSettled(inFlight);
  }
  return { items, batches, labelsSent, labelsPendingAtStop: scheduler.size, sendingMs, elapsedMs: elapsed(), stoppedBy };
}
