import { z } from 'zod';
import { DriftlineError } from '../errors/errors.ts';
import { DEFAULT_RELATIVE_ACCURACY, LatencySketch } from './latency-sketch.ts';

/**
 * The SLO state of one model in one window (one partition's share, or the
 * merge of several): request counts for the SLIs and a latency sketch for
 * the quantile dashboards.
 *
 * - `total`: every request; `errors`: status "error". The availability SLI is
 *   errors / total.
 * - `slow`: successful requests with latency > the latency objective's
 *   threshold, counted exactly on each event (not read off the sketch, whose
 *   buckets straddle the threshold). The latency SLI is slow / (total −
 *   errors): a failed request's latency says nothing about serving speed — a
 *   fast failure would look good — and it is already bad for availability.
 * - `latency`: a sketch of the successful requests' latencies, so its
 *   quantiles describe the same population as the latency SLI.
 *
 * Counts are integers and the sketch merges exactly, so `merge` is
 * associative and commutative bit for bit. The threshold is part of the
 * state: states counted against different thresholds refuse to merge.
 */
/** The JSON form of a state; `JSON.stringify` of it round-trips exactly. */
export interface SloWindowJson {
  v: 1;
  /** The latency threshold `slow` was counted against; null when the model has no latency objective. */
  threshold_ms: number | null;
  total: number;
  errors: number;
  slow: number;
  latency: unknown;
}

const count = z.number().int().nonnegative();
const sloWindowJsonSchema = z.object({
  v: z.literal(1),
  threshold_ms: z.number().nonnegative().nullable(),
  total: count,
  errors: count,
  slow: count,
  latency: z.unknown(),
});

/** Mergeable SLO counts and latency sketch of one model in one window (see the module doc above). */
export class SloWindowState {
  total = 0;
  errors = 0;
  slow = 0;
  readonly latency: LatencySketch;

  /**
   * @param thresholdMs the latency objective's threshold, or undefined when
   *   the model has none (then `slow` stays 0).
   * @param alpha relative accuracy of the latency sketch.
   */
  constructor(
    readonly thresholdMs: number | undefined,
    alpha = DEFAULT_RELATIVE_ACCURACY,
  ) {
    if (thresholdMs !== undefined && !(thresholdMs >= 0 && Number.isFinite(thresholdMs))) throw new RangeError(`latency threshold must be a finite ms value ≥ 0, got ${thresholdMs}`);
    this.latency = new LatencySketch(alpha);
  }

  /** Counts one request. */
  add(latencyMs: number, status: 'ok' | 'error'): void {
    this.total++;
    if (status === 'error') {
      this.errors++;
      return;
    }
    this.latency.add(latencyMs);
    if (this.thresholdMs !== undefined && latencyMs > this.thresholdMs) this.slow++;
  }

  /** Adds `other` into this state; returns this. */
  mergeFrom(other: SloWindowState): this {
    if (other.thresholdMs !== this.thresholdMs) throw new RangeError(`cannot merge SLO windows counted against thresholds ${this.thresholdMs} and ${other.thresholdMs} ms`);
    this.total += other.total;
    this.errors += other.errors;
    this.slow += other.slow;
    this.latency.mergeFrom(other.latency);
    return this;
  }

  /** A new state holding both inputs; associative and commutative. */
  static merge(a: SloWindowState, b: SloWindowState): SloWindowState {
    return new SloWindowState(a.thresholdMs, a.latency.alpha).mergeFrom(a).mergeFrom(b);
  }

  toJSON(): SloWindowJson {
    return { v: 1, threshold_ms: this.thresholdMs ?? null, total: this.total, errors: this.errors, slow: this.slow, latency: this.latency.toJSON() };
  }

  /** Rebuilds a state from `toJSON()` output (parsed); throws DECODE_FAILED when malformed. */
  static fromJSON(value: unknown): SloWindowState {
    const parsed = sloWindowJsonSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new DriftlineError('DECODE_FAILED', `SLO window state invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
    }
    const json = parsed.data;
    const latency = LatencySketch.fromJSON(json.latency);
    const ok = json.total - json.errors;
    if (ok < 0 || json.slow > ok || latency.count !== ok) {
      throw new DriftlineError('DECODE_FAILED', `SLO window state inconsistent: total ${json.total}, errors ${json.errors}, slow ${json.slow}, sketched ${latency.count}`);
    }
    const state = new SloWindowState(json.threshold_ms ?? undefined, latency.alpha);
    state.total = json.total;
    state.errors = json.errors;
    state.slow = json.slow;
    state.latency.mergeFrom(latency);
    return state;
  }
}
