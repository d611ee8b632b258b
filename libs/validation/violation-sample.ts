import { sampleHash } from './sample-hash.ts';

/**
 * A bounded, deterministic sample of offending events: the k entries with the
 * smallest (sample hash, prediction_id, feature, value) — see sample-hash.ts.
 * Entries are distinct, so the sample of a union is the k smallest of the
 * union of the samples whatever the grouping: merge is associative,
 * commutative and idempotent (a replayed event cannot enter twice).
 */
export interface SampleEntry {
  prediction_id: string;
  feature: string;
  /** The offending value as text (see `valueText`). */
  value: string;
}

interface Keyed extends SampleEntry {
  hash: number;
}

/** Longest value text kept: a sample is for a person to look at, not a copy of the payload. */
export const MAX_VALUE_TEXT = 200;

/** An offending value as text: numbers as JS prints them, "(absent)" for a missing key. */
export function valueText(value: unknown): string {
  let text: string;
  if (value === undefined) text = '(absent)';
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === null) text = String(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > MAX_VALUE_TEXT ? text.slice(0, MAX_VALUE_TEXT) : text;
}

function compare(a: Keyed, b: Keyed): number {
  if (a.hash !== b.hash) return a.hash < b.hash ? -1 : 1;
  if (a.prediction_id !== b.prediction_id) return a.prediction_id < b.prediction_id ? -1 : 1;
  if (a.feature !== b.feature) return a.feature < b.feature ? -1 : 1;
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return 0;
}

/** The k smallest entries by sample order; see the module doc above. */
export class ViolationSample {
  /** Ascending; at most `size` entries. */
  private entries: Keyed[] = [];

  constructor(readonly size: number) {
    if (!(Number.isInteger(size) && size >= 0)) throw new RangeError(`sample size must be a non-negative integer, got ${size}`);
  }

  /** Offers an entry; kept when it is among the k smallest so far. */
  offer(predictionId: string, feature: string, value: unknown): void {
    if (this.size === 0) return;
    const entry: Keyed = { hash: sampleHash(predictionId, feature), prediction_id: predictionId, feature, value: valueText(value) };
    const entries = this.entries;
    if (entries.length === this.size && compare(entry, entries[entries.length - 1]!) >= 0) return;
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(entries[mid]!, entry) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo < entries.length && compare(entries[lo]!, entry) === 0) return;
    entries.splice(lo, 0, entry);
    if (entries.length > this.size) entries.pop();
  }

  /** A new sample of both inputs, of the smaller size. */
  static merge(a: ViolationSample, b: ViolationSample): ViolationSample {
    const out = new ViolationSample(Math.min(a.size, b.size));
    const x = a.entries;
    const y = b.entries;
    let i = 0;
    let j = 0;
    while (out.entries.length < out.size && (i < x.length || j < y.length)) {
      const c = i >= x.length ? 1 : j >= y.length ? -1 : compare(x[i]!, y[j]!);
      out.entries.push(c <= 0 ? x[i]! : y[j]!);
      if (c <= 0) i++;
      if (c >= 0) j++;
    }
    return out;
  }

  /** The entries, smallest hash first. */
  list(): SampleEntry[] {
    return this.entries.map(({ prediction_id, feature, value }) => ({ prediction_id, feature, value }));
  }

  get length(): number {
    return this.entries.length;
  }

  /** Rebuilds a sample from `list()` output; the hash is recomputed, so the order is too. */
  static of(size: number, entries: readonly SampleEntry[]): ViolationSample {
    const sample = new ViolationSample(size);
    for (const e of entries) sample.offer(e.prediction_id, e.feature, e.value);
    return sample;
  }
}
