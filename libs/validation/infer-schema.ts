import { summarizeRows, type ColumnSummary, type DatasetSummary } from './column-summary.ts';
import type { FeatureContract, FeatureType, ValidationSchema } from './schema.ts';

/**
 * Infers a validation schema from reference data, the way TFDV's
 * infer_schema does:
 * - type: the most frequent type among non-null values (ties: numeric, then
 *   categorical, then boolean); a column with no non-null value at all reads
 *   as categorical without a domain (nothing is known about it but its name);
 * - numeric min/max: the observed range of finite values, widened on each
 *   side by `rangeMargin` × (max − min);
 * - domain: the observed categories, sorted, when there are at most
 *   `maxDomainSize`; above that the feature is free text and gets none;
 * - required: present (key in the row, even if null) in ≥ `requiredPresence`
 *   of the rows;
 * - max_null_rate: the observed share of rows without a value (absent or
 *   null) plus `nullRateMargin`, capped at 1.
 * Features come out in column order (first appearance in the rows).
 */
export interface InferSchemaOptions {
  /** Share of the observed range added below min and above max; default 0. */
  rangeMargin?: number;
  /** Most categories a domain may list; default 100. */
  maxDomainSize?: number;
  /** Share of rows a feature must be present in to be required; default 0.99. */
  requiredPresence?: number;
  /** Added to the observed null rate; default 0.01. */
  nullRateMargin?: number;
}

/** The defaults of InferSchemaOptions. */
export const INFER_DEFAULTS: Required<InferSchemaOptions> = Object.freeze({ rangeMargin: 0, maxDomainSize: 100, requiredPresence: 0.99, nullRateMargin: 0.01 });

function isSummary(input: unknown): input is DatasetSummary {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && typeof (input as DatasetSummary).rows === 'number' && Array.isArray((input as DatasetSummary).columns);
}

/**
 * Infers a schema from row records or from a dataset summary (column-summary.ts).
 * Throws RangeError when there are no rows or an option is out of range.
 */
export function inferSchema(input: Iterable<Readonly<Record<string, unknown>>> | DatasetSummary, options: InferSchemaOptions = {}): ValidationSchema {
  const o = { ...INFER_DEFAULTS, ...options };
  if (!(o.rangeMargin >= 0 && Number.isFinite(o.rangeMargin))) throw new RangeError(`rangeMargin must be ≥ 0, got ${o.rangeMargin}`);
  if (!(Number.isInteger(o.maxDomainSize) && o.maxDomainSize >= 0)) throw new RangeError(`maxDomainSize must be a non-negative integer, got ${o.maxDomainSize}`);
  if (!(o.requiredPresence >= 0 && o.requiredPresence <= 1)) throw new RangeError(`requiredPresence must be in [0, 1], got ${o.requiredPresence}`);
  if (!(o.nullRateMargin >= 0 && o.nullRateMargin <= 1)) throw new RangeError(`nullRateMargin must be in [0, 1], got ${o.nullRateMargin}`);
  const summary = isSummary(input) ? input : summarizeRows(input, { maxTrackedCategories: Math.max(o.maxDomainSize, 1) });
  if (summary.rows === 0) throw new RangeError('cannot infer a schema from no rows');
  return { schema_version: 1, features: summary.columns.map((c) => inferFeature(c, summary.rows, o)) };
}

function majorityType(c: ColumnSummary): FeatureType {
  if (c.numbers === 0 && c.strings === 0 && c.booleans === 0) return 'categorical';
  if (c.numbers >= c.strings && c.numbers >= c.booleans) return 'numeric';
  return c.strings >= c.booleans ? 'categorical' : 'boolean';
}

function inferFeature(c: ColumnSummary, rows: number, o: Required<InferSchemaOptions>): FeatureContract {
  const type = majorityType(c);
  const noValueRate = (rows - c.present + c.nulls) / rows;
  const feature: FeatureContract = {
    name: c.name,
    type,
    required: c.present / rows >= o.requiredPresence,
    max_null_rate: Math.min(1, noValueRate + o.nullRateMargin),
  };
  if (type === 'numeric' && c.min !== undefined && c.max !== undefined) {
    const pad = o.rangeMargin * (c.max - c.min);
    feature.min = c.min - pad;
    feature.max = c.max + pad;
  }
  if (type === 'categorical' && c.categories && c.strings > 0 && c.categories.size <= o.maxDomainSize) {
    feature.domain = [...c.categories.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  return feature;
}
