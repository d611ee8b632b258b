import type { ReferenceProfile } from '../profiles/reference-profile.ts';

/**
 * What schema inference needs to know about each column of reference data:
 * presence, nulls, value types, numeric range and category counts. Built
 * from rows (`summarizeRows`) or from a stored reference profile
 * (`summaryFromProfile`), so a schema can be inferred without the raw data.
 */
export interface ColumnSummary {
  name: string;
  /** Rows in which the key is present (its value may be null). */
  present: number;
  /** Present with the value null (or NaN, which reference files use for missing). */
  nulls: number;
  numbers: number;
  strings: number;
  booleans: number;
  /** Range of the finite numbers; undefined when there are none. */
  min?: number;
  max?: number;
  /**
   * Counts of the string values; undefined when the column had more distinct
   * strings than the summary tracked (then no domain can be inferred).
   */
  categories?: Map<string, number>;
}

/** Row count and column summaries of a dataset. */
export interface DatasetSummary {
  rows: number;
  columns: ColumnSummary[];
}

/** Distinct strings tracked per column by default; more means "no domain" at any cap ≤ this. */
export const DEFAULT_MAX_TRACKED_CATEGORIES = 1000;

/** Summarizes row records in one pass; columns in order of first appearance. */
export function summarizeRows(rows: Iterable<Readonly<Record<string, unknown>>>, options: { maxTrackedCategories?: number } = {}): DatasetSummary {
  const cap = options.maxTrackedCategories ?? DEFAULT_MAX_TRACKED_CATEGORIES;
  const columns = new Map<string, ColumnSummary>();
  let n = 0;
  for (const row of rows) {
    n++;
    for (const name of Object.keys(row)) {
      const value = row[name];
      if (value === undefined) continue;
      let column = columns.get(name);
      if (!column) {
        column = { name, present: 0, nulls: 0, numbers: 0, strings: 0, booleans: 0, categories: new Map() };
        columns.set(name, column);
      }
      column.present++;
      if (value === null || (typeof value === 'number' && Number.isNaN(value))) column.nulls++;
      else if (typeof value === 'number') {
        column.numbers++;
        if (Number.isFinite(value)) {
          if (column.min === undefined || value < column.min) column.min = value;
          if (column.max === undefined || value > column.max) column.max = value;
        }
      } else if (typeof value === 'string') {
        column.strings++;
        const categories = column.categories;
        if (categories) {
          categories.set(value, (categories.get(value) ?? 0) + 1);
          // Past the cap the counts are useless for a domain; stop paying for them.
          if (categories.size > cap) delete column.categories;
        }
      } else if (typeof value === 'boolean') column.booleans++;
    }
  }
  return { rows: n, columns: [...columns.values()] };
}

/**
 * The summary a reference profile implies. A profile does not tell an absent
 * key from a null (both are `missing`), so every column reads as present in
 * every row; and it stores booleans as the categories "true"/"false", so
 * they infer as categorical.
 */
export function summaryFromProfile(profile: ReferenceProfile): DatasetSummary {
  const columns = Object.entries(profile.features).map(([name, f]): ColumnSummary => {
    const base = { name, present: profile.rows, nulls: f.missing, booleans: 0 };
    if (f.kind === 'numerical') return { ...base, numbers: f.count, strings: 0, ...(f.summary ? { min: f.summary.min, max: f.summary.max } : {}) };
    return { ...base, numbers: 0, strings: f.count, categories: new Map(f.categories ?? []) };
  });
  return { rows: profile.rows, columns };
}
