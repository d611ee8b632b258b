import { z } from 'zod';
import { addCategory, createCategoricalState, sortedValues, type CategoricalColumnState, type ColumnState, type NumericColumnState } from '../stats/partial-state.ts';
import { sortAscending } from '../stats/sort.ts';

/**
 * A reference profile: what "normal" looks like for a model version, the
 * baseline every window's drift is measured against.
 *
 * Numeric features keep an exact sorted sample. Up to `sampleCap` values
 * (default 20,000) it is the reference itself, so PSI, KS and Wasserstein
 * against it equal scipy's on the full data. Above the cap it is reduced to
 * `sampleCap` order statistics at evenly spaced ranks (the value at rank
 * ⌊(i + ½)·n / cap⌋), which keeps the empirical CDF within 1/cap of the
 * full reference's everywhere; KS p-values then use the reduced size.
 * Categorical features keep exact category counts.
 */
export const DEFAULT_SAMPLE_CAP = 20_000;

const featureProfileSchema = z.object({
  kind: z.enum(['numerical', 'categorical']),
  /** Non-missing values in the reference. */
  count: z.number().int().nonnegative(),
  missing: z.number().int().nonnegative(),
  /** Sorted sample, base64 little-endian float64 (numerical). */
  sample: z.string().optional(),
  categories: z.array(z.tuple([z.string(), z.number().int().nonnegative()])).optional(),
  summary: z.object({ min: z.number(), max: z.number(), mean: z.number(), std: z.number() }).optional(),
});
export type FeatureProfile = z.infer<typeof featureProfileSchema>;

export const referenceProfileSchema = z.object({
  model: z.string().min(1),
  model_version: z.string().min(1),
  source: z.string(),
  rows: z.number().int().nonnegative(),
  features: z.record(z.string(), featureProfileSchema),
  /** The validation schema inferred with the profile (libs/validation), when present. */
  schema: z.unknown().optional(),
});
export type ReferenceProfile = z.infer<typeof referenceProfileSchema>;

export interface BuildProfileOptions {
  model: string;
  modelVersion: string;
  source: string;
  /** Force these features to categorical. */
  categorical?: readonly string[];
  sampleCap?: number;
}

const isMissing = (v: unknown) => v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v));

/** Builds a profile from row records (training data, a CSV, a production window). */
export function buildReferenceProfile(rows: Iterable<Record<string, unknown>>, options: BuildProfileOptions): ReferenceProfile {
  const columns = new Map<string, unknown[]>();
  let n = 0;
  for (const row of rows) {
    for (const [name, value] of Object.entries(row)) {
      let col = columns.get(name);
      if (!col) {
        col = new Array(n).fill(null);
        columns.set(name, col);
      }
      col.push(value);
    }
    n++;
    for (const col of columns.values()) if (col.length < n) col.push(null);
  }
  const forced = new Set(options.categorical ?? []);
  const features: Record<string, FeatureProfile> = {};
  for (const [name, values] of columns) {
    const present = values.filter((v) => !isMissing(v));
    const numeric = !forced.has(name) && present.every((v) => typeof v === 'number' && Number.isFinite(v));
    features[name] = numeric ? numericProfile(present as number[], values.length - present.length, options.sampleCap ?? DEFAULT_SAMPLE_CAP) : categoricalProfile(present, values.length - present.length);
  }
  return { model: options.model, model_version: options.modelVersion, source: options.source, rows: n, features };
}

function numericProfile(values: number[], missing: number, cap: number): FeatureProfile {
  const sorted = Float64Array.from(values);
  sortAscending(sorted);
  const n = sorted.length;
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = n > 0 ? sum / n : 0;
  let ss = 0;
  for (const v of sorted) ss += (v - mean) ** 2;
  let sample = sorted;
  if (n > cap) {
    sample = new Float64Array(cap);
    for (let i = 0; i < cap; i++) sample[i] = sorted[Math.floor(((i + 0.5) * n) / cap)]!;
  }
  return {
    kind: 'numerical',
    count: n,
    missing,
    sample: Buffer.from(sample.buffer, sample.byteOffset, sample.byteLength).toString('base64'),
    summary: n > 0 ? { min: sorted[0]!, max: sorted[n - 1]!, mean, std: Math.sqrt(ss / n) } : undefined,
  };
}

function categoricalProfile(values: unknown[], missing: number): FeatureProfile {
  const counts = new Map<string, number>();
  for (const v of values) {
    const key = typeof v === 'string' ? v : String(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return { kind: 'categorical', count: values.length, missing, categories: [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) };
}

/** The reference side of a drift comparison for one feature, as a stats column state. */
export function referenceColumnState(feature: FeatureProfile): ColumnState {
  if (feature.kind === 'numerical') {
    const bytes = Buffer.from(feature.sample ?? '', 'base64');
    const values = new Float64Array(bytes.byteLength / 8);
    new Uint8Array(values.buffer).set(bytes);
    const state: NumericColumnState = { kind: 'numerical', values, count: values.length, missing: feature.missing, sorted: true };
    sortedValues(state);
    return state;
  }
  const state: CategoricalColumnState = createCategoricalState();
  for (const [category, count] of feature.categories ?? []) addCategory(state, category, count);
  state.missing = feature.missing;
  return state;
}
