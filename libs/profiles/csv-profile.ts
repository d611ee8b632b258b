import { readCsvColumns } from '../csv/column-reader.ts';
import { buildReferenceProfile, type BuildProfileOptions, type ReferenceProfile } from './reference-profile.ts';

/**
 * A reference profile from training data in a CSV file (header row; a column
 * is numerical when every non-empty cell is a finite number, categorical
 * otherwise or when named in `categorical`). Streams the file through the
 * same loader as `driftline drift`, so bad input gets the same CSV_INVALID
 * error naming file and line.
 */
export async function profileFromCsv(path: string, options: BuildProfileOptions): Promise<ReferenceProfile> {
  const table = await readCsvColumns(path, { categorical: options.categorical });
  function* rows(): Generator<Record<string, unknown>> {
    for (let i = 0; i < table.rows; i++) {
      const row: Record<string, unknown> = {};
      for (const c of table.columns) {
        if (c.kind === 'numerical') row[c.name] = Number.isNaN(c.values[i]!) ? null : c.values[i];
        else row[c.name] = c.codes[i]! < 0 ? null : c.categories[c.codes[i]!];
      }
      yield row;
    }
  }
  const categorical = table.columns.filter((c) => c.kind === 'categorical').map((c) => c.name);
  return buildReferenceProfile(rows(), { ...options, categorical, source: options.source || `csv:${path}` });
}
