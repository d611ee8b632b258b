/**
 * Mergeable partial states of one column, for drift computed from pieces —
 * partitions, consumer instances, time slices — whose merge must give the
 * same numbers as one pass over all the data.
 *
 * - Numeric: the exact non-missing values plus a missing count. `merge`
 *   returns a sorted state whatever the order of its inputs, so merging is
 *   associative and commutative, and the statistics of a merged state equal
 *   those of the concatenated data bit for bit.
 * - Categorical: category → count, plus a missing count.
 *
 * A window of n exact values costs 8n bytes. The stream processors, whose
 * windows can be a day long, count values on the reference grid instead
 * (./reference-grid.ts: KS, PSI and JS unchanged, Wasserstein within a
 * computed bound) and build these states from the counts.
 */
import { sortAscending } from './sort.ts';

/** Exact numeric column state. `values[0, count)` holds the non-missing values. */
export interface NumericColumnState {
  readonly kind: 'numerical';
  values: Float64Array;
  count: number;
  missing: number;
  /** True when `values[0, count)` is ascending. */
  sorted: boolean;
}

/** Category counts of a column. */
export interface CategoricalColumnState {
  readonly kind: 'categorical';
  counts: Map<string, number>;
  missing: number;
}

/** Either kind of column state. */
export type ColumnState = NumericColumnState | CategoricalColumnState;

/** An empty numeric state. */
export function createNumericState(capacity = 16): NumericColumnState {
  return { kind: 'numerical', values: new Float64Array(Math.max(1, capacity)), count: 0, missing: 0, sorted: true };
}

/** An empty categorical state. */
export function createCategoricalState(): CategoricalColumnState {
  return { kind: 'categorical', counts: new Map(), missing: 0 };
}

/**
 * A numeric state over `values`, counting NaN as missing. The state takes
 * ownership of the array (NaN are compacted out in place; no copy).
 */
export function numericStateOf(values: Float64Array, extraMissing = 0): NumericColumnState {
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === v) values[count++] = v;
  }
  return { kind: 'numerical', values, count, missing: extraMissing + (values.length - count), sorted: count <= 1 };
}

/** Adds one value; null or NaN counts as missing. */
export function addNumeric(state: NumericColumnState, value: number | null): void {
  if (value === null || Number.isNaN(value)) {
    state.missing++;
    return;
  }
  if (state.count === state.values.length) {
    const grown = new Float64Array(state.values.length * 2);
    grown.set(state.values);
    state.values = grown;
  }
  if (state.sorted && state.count > 0 && value < state.values[state.count - 1]!) state.sorted = false;
  state.values[state.count++] = value;
}

/** Adds `count` observations of a category; null counts as missing. */
export function addCategory(state: CategoricalColumnState, category: string | null, count = 1): void {
  if (category === null) {
    state.missing += count;
    return;
  }
  state.counts.set(category, (state.counts.get(category) ?? 0) + count);
}

/** The sorted non-missing values of a numeric state (sorting it in place once). */
export function sortedValues(state: NumericColumnState): Float64Array {
  const view = state.values.subarray(0, state.count);
  if (!state.sorted) {
    sortAscending(view);
    state.sorted = true;
  }
  return view;
}

/** Linear merge of two ascending arrays. */
function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i]! <= b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/** Merges two numeric states into a new sorted state (inputs get sorted in place). */
export function mergeNumeric(a: NumericColumnState, b: NumericColumnState): NumericColumnState {
  const values = mergeSorted(sortedValues(a), sortedValues(b));
  return { kind: 'numerical', values, count: values.length, missing: a.missing + b.missing, sorted: true };
}

/** Merges two categorical states into a new one. */
export function mergeCategorical(a: CategoricalColumnState, b: CategoricalColumnState): CategoricalColumnState {
  const counts = new Map(a.counts);
  for (const [category, count] of b.counts) counts.set(category, (counts.get(category) ?? 0) + count);
  return { kind: 'categorical', counts, missing: a.missing + b.missing };
}

/** Merges two states of the same kind; associative and commutative. */
export function merge<S extends ColumnState>(a: S, b: S): S {
  if (a.kind === 'numerical' && b.kind === 'numerical') return mergeNumeric(a, b) as S;
  if (a.kind === 'categorical' && b.kind === 'categorical') return mergeCategorical(a, b) as S;
  throw new TypeError(`cannot merge a ${a.kind} state with a ${b.kind} state`);
}

/**
 * A numeric state seen as categorical: each distinct value becomes the
 * category `String(value)` (so −0 and 0 are one category). Used when the
 * other side of a comparison is categorical, and for few-valued numerics.
 */
export function numericAsCategorical(state: NumericColumnState): CategoricalColumnState {
  const sorted = sortedValues(state);
  const result = createCategoricalState();
  result.missing = state.missing;
  let i = 0;
  while (i < sorted.length) {
    const value = sorted[i]!;
    let j = i + 1;
    while (j < sorted.length && sorted[j] === value) j++;
    addCategory(result, String(value), j - i);
    i = j;
  }
  return result;
}
