import { addCategory, addNumeric, createCategoricalState, createNumericState, mergeCategorical, mergeNumeric, type CategoricalColumnState, type NumericColumnState } from '../../../libs/stats/partial-state.ts';

/**
 * The drift delta of one feature in one window: exact numeric values, and
 * category counts for string/boolean values. Both are kept because a feature
 * can change type mid-stream (a data-quality incident); the reference
 * profile decides which side the statistics use. Serialized as JSON with the
 * numbers as base64 little-endian float64, so values round-trip bit-exactly.
 */
export interface FeatureDelta {
  numeric: NumericColumnState;
  categorical: CategoricalColumnState;
}

export function createFeatureDelta(): FeatureDelta {
  return { numeric: createNumericState(64), categorical: createCategoricalState() };
}

export function addFeatureValue(delta: FeatureDelta, value: unknown): void {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) addNumeric(delta.numeric, value);
  } else if (typeof value === 'string') addCategory(delta.categorical, value);
  else if (typeof value === 'boolean') addCategory(delta.categorical, value ? 'true' : 'false');
}

interface EncodedFeature {
  n?: string;
  c?: Array<[string, number]>;
}

export function encodeFeatureDelta(delta: FeatureDelta): string {
  const out: EncodedFeature = {};
  if (delta.numeric.count > 0) {
    const values = delta.numeric.values.subarray(0, delta.numeric.count);
    out.n = Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
  }
  if (delta.categorical.counts.size > 0) out.c = [...delta.categorical.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(out);
}

export function decodeFeatureDelta(text: string): FeatureDelta {
  const parsed = JSON.parse(text) as EncodedFeature;
  const delta = createFeatureDelta();
  if (parsed.n) {
    const bytes = Buffer.from(parsed.n, 'base64');
    const values = new Float64Array(bytes.byteLength / 8);
    new Uint8Array(values.buffer).set(bytes);
    delta.numeric = { kind: 'numerical', values, count: values.length, missing: 0, sorted: false };
  }
  for (const [category, count] of parsed.c ?? []) addCategory(delta.categorical, category, count);
  return delta;
}

/** Merges many deltas; the result does not depend on their order. */
export function mergeFeatureDeltas(deltas: FeatureDelta[]): FeatureDelta {
  let numeric = createNumericState(1);
  let categorical = createCategoricalState();
  for (const d of deltas) {
    numeric = mergeNumeric(numeric, d.numeric);
    categorical = mergeCategorical(categorical, d.categorical);
  }
  return { numeric, categorical };
}
