/**
 * Validated request data on its way to a session, kept column by column (one
 * column per model input, in signature order) with the values as the client
 * sent them: null stays null until the tensor is built, so prediction events
 * carry what the client sent, not what the graph imputed.
 */

export type FeatureValue = number | string | null;
export type FeatureColumn = (number | null)[] | (string | null)[];

export interface FeatureBatch {
  rows: number;
  /** Input name → one value per row. */
  columns: Record<string, FeatureColumn>;
}

/** Model outputs, one value per row for each output name. INT64 values are plain numbers (labels, counts). */
export type OutputValue = number | string | boolean;

export interface OutputBatch {
  rows: number;
  columns: Record<string, OutputValue[]>;
}

/** Concatenates batches row-wise (micro-batching); every batch has the same column names. */
export function concatFeatureBatches(batches: readonly FeatureBatch[]): FeatureBatch {
  if (batches.length === 1) return batches[0]!;
  const names = Object.keys(batches[0]?.columns ?? {});
  const columns: Record<string, FeatureColumn> = {};
  for (const name of names) {
    const column: FeatureValue[] = [];
    for (const b of batches) for (const v of b.columns[name]!) column.push(v);
    columns[name] = column as FeatureColumn;
  }
  return { rows: batches.reduce((s, b) => s + b.rows, 0), columns };
}

/** Rows [start, end) of an output batch: how a micro-batch's results go back to each request. */
export function sliceOutputBatch(batch: OutputBatch, start: number, end: number): OutputBatch {
  const columns: Record<string, OutputValue[]> = {};
  for (const [name, values] of Object.entries(batch.columns)) columns[name] = values.slice(start, end);
  return { rows: end - start, columns };
}

/** One row as a record of named values, e.g. the `features` or `outputs` of a prediction event. */
export function rowRecord<V>(columns: Record<string, readonly V[]>, row: number): Record<string, V> {
  const out: Record<string, V> = {};
  for (const [name, values] of Object.entries(columns)) out[name] = values[row]!;
  return out;
}
