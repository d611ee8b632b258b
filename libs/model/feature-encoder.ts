import { DriftlineError } from '../errors/errors.ts';
import type { FeatureSpec } from './model-card.ts';

/**
 * Preprocessing for linear models, fitted on training data and shipped inside
 * the model: numeric features are standardized with the training mean and
 * standard deviation, categorical features one-hot encoded over the categories
 * seen in training. The encoded column order — all numeric features, then each
 * categorical feature's categories — is the order of the ONNX graph's Concat,
 * so the weights line up in both places.
 *
 * Missing values: a null/NaN numeric becomes the training mean (0 after
 * standardization); a null or unknown category becomes all zeros. The ONNX
 * graph does the same (Imputer, OneHotEncoder with zeros=1).
 */

/** A row of feature values by name, as in a prediction event. */
export type FeatureRow = Readonly<Record<string, number | string | null | undefined>>;

export interface NumericEncoding {
  name: string;
  mean: number;
  /** Population standard deviation; 1 for a constant column so it encodes to 0 instead of NaN. */
  std: number;
}

export interface CategoricalEncoding {
  name: string;
  /** One-hot columns in this order. */
  categories: string[];
}

export interface FeatureEncoder {
  numeric: NumericEncoding[];
  categorical: CategoricalEncoding[];
}

/** Fits standardization and vocabularies on training rows. Throws INPUT_INVALID on a wrongly typed value. */
export function fitEncoder(features: readonly FeatureSpec[], rows: readonly FeatureRow[]): FeatureEncoder {
  if (rows.length === 0) throw new DriftlineError('INPUT_INVALID', 'cannot fit an encoder on zero rows');
  const numeric: NumericEncoding[] = [];
  const categorical: CategoricalEncoding[] = [];
  for (const f of features) {
    if (f.kind === 'numeric') {
      // Two passes (mean, then squared deviations) for accuracy with values like incomes around 5e4.
      let sum = 0;
      let count = 0;
      for (const row of rows) {
        const x = numericValue(row, f.name);
        if (!Number.isNaN(x)) { sum += x; count += 1; }
      }
      const mean = count > 0 ? sum / count : 0;
      let ss = 0;
      for (const row of rows) {
        const x = numericValue(row, f.name);
        if (!Number.isNaN(x)) ss += (x - mean) ** 2;
      }
      const std = count > 0 ? Math.sqrt(ss / count) : 0;
      numeric.push({ name: f.name, mean, std: std > 1e-12 ? std : 1 });
    } else {
      const seen = new Set<string>();
      for (const row of rows) {
        const v = categoryValue(row, f.name);
        if (v !== null) seen.add(v);
      }
      // Schema order first (stable, readable cards), then categories the schema did not list, sorted.
      const known = f.domain.filter((c) => seen.has(c));
      const extra = [...seen].filter((c) => !f.domain.includes(c)).sort();
      categorical.push({ name: f.name, categories: [...known, ...extra] });
    }
  }
  return { numeric, categorical };
}

/** Names of the encoded columns, e.g. `income`, `region=north`. */
export function encodedColumnNames(encoder: FeatureEncoder): string[] {
  return [
    ...encoder.numeric.map((n) => n.name),
    ...encoder.categorical.flatMap((c) => c.categories.map((cat) => `${c.name}=${cat}`)),
  ];
}

/** Encodes rows into a row-major float64 design matrix (rows × encodedColumnNames().length). */
export function encodeRows(encoder: FeatureEncoder, rows: readonly FeatureRow[]): { matrix: Float64Array; columns: number } {
  const columns = encoder.numeric.length + encoder.categorical.reduce((s, c) => s + c.categories.length, 0);
  const matrix = new Float64Array(rows.length * columns);
  const indexes = encoder.categorical.map((c) => new Map(c.categories.map((cat, i) => [cat, i])));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    let offset = r * columns;
    for (const n of encoder.numeric) {
      const x = numericValue(row, n.name);
      matrix[offset++] = Number.isNaN(x) ? 0 : (x - n.mean) / n.std;
    }
    encoder.categorical.forEach((c, k) => {
      const v = categoryValue(row, c.name);
      const i = v === null ? undefined : indexes[k]!.get(v);
      if (i !== undefined) matrix[offset + i] = 1;
      offset += c.categories.length;
    });
  }
  return { matrix, columns };
}

/** A numeric value, NaN when missing. */
function numericValue(row: FeatureRow, name: string): number {
  const v = row[name];
  if (v === null || v === undefined) return NaN;
  if (typeof v !== 'number' || v === Infinity || v === -Infinity) {
    throw new DriftlineError('INPUT_INVALID', `feature ${name} must be a finite number or null, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** A category, null when missing. */
function categoryValue(row: FeatureRow, name: string): string | null {
  const v = row[name];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw new DriftlineError('INPUT_INVALID', `feature ${name} must be a string or null, got ${JSON.stringify(v)}`);
  return v;
}
