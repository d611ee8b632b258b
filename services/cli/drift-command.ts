/**
 * `driftline drift --reference A.csv --current B.csv [--json] [--categorical c1,c2] [--bins N]`:
 * the offline drift report of two CSV files with the same columns.
 *
 * Streams both files into typed columns (libs/csv), computes every drift
 * statistic and the default decision per column (libs/stats), and prints a
 * table or, with --json, exactly one JSON object. Exit codes: 0 report
 * printed (drift or not), 2 bad usage or bad input (the message names the
 * file, line and column concerned).
 */
import { parseArgs } from 'node:util';
import { readCsvColumns, type CsvTable } from '../../libs/csv/column-reader.ts';
import type { LoadedColumn } from '../../libs/csv/column-builder.ts';
import { DriftlineError, messageOf } from '../../libs/errors/errors.ts';
import { computeDatasetReport } from '../../libs/stats/column-report.ts';
import { numericStateOf, type ColumnState } from '../../libs/stats/partial-state.ts';
import type { CliIo } from './main.ts';
import { formatDriftTable, toDriftReportJson } from './drift-output.ts';

const USAGE = `usage: driftline drift --reference A.csv --current B.csv [--json] [--categorical c1,c2] [--bins N] [--html out.html]

  --reference FILE    reference CSV (header row required)
  --current FILE      current CSV with the same columns
  --json              print one JSON object instead of the table
  --categorical LIST  comma-separated columns to treat as categorical
  --bins N            numeric PSI / Jensen-Shannon bins at reference quantiles (default 10)
  --html FILE         HTML report (not yet implemented)
`;

const MAX_BINS = 10000;

interface DriftArgs {
  reference: string;
  current: string;
  json: boolean;
  categorical: string[];
  bins: number;
  html: string | undefined;
}

/** A bad command line: reported with the usage text. */
function usageError(message: string): DriftlineError {
  return new DriftlineError('INPUT_INVALID', message, { details: { usage: true } });
}

function parseDriftArgs(argv: string[]): DriftArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        reference: { type: 'string' },
        current: { type: 'string' },
        json: { type: 'boolean', default: false },
        categorical: { type: 'string' },
        bins: { type: 'string' },
        html: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw usageError(messageOf(err));
  }
  if (values.reference === undefined) throw usageError('--reference is required');
  if (values.current === undefined) throw usageError('--current is required');
  let bins = 10;
  if (values.bins !== undefined) {
    bins = /^\d+$/.test(values.bins) ? Number(values.bins) : NaN;
    if (!(bins >= 2 && bins <= MAX_BINS)) throw usageError(`--bins must be an integer from 2 to ${MAX_BINS}, got '${values.bins}'`);
  }
  const categorical = (values.categorical ?? '').split(',').filter((name) => name !== '');
  return { reference: values.reference, current: values.current, json: values.json ?? false, categorical, bins, html: values.html };
}

/** The statistics' view of a loaded column (numeric values are compacted in place, no copy). */
function columnState(column: LoadedColumn): ColumnState {
  if (column.kind === 'numerical') return numericStateOf(column.values);
  const perCode = new Float64Array(column.categories.length);
  for (const code of column.codes) if (code >= 0) perCode[code]!++;
  const counts = new Map<string, number>();
  column.categories.forEach((category, code) => {
    if (perCode[code]! > 0) counts.set(category, perCode[code]!);
  });
  return { kind: 'categorical', counts, missing: column.missing };
}

/** Pairs the columns of both files by name, in reference order; refuses differing column sets. */
function pairColumns(reference: CsvTable, current: CsvTable, categorical: string[]) {
  const currentByName = new Map(current.columns.map((c) => [c.name, c]));
  const referenceNames = new Set(reference.columns.map((c) => c.name));
  const onlyReference = reference.columns.filter((c) => !currentByName.has(c.name)).map((c) => c.name);
  const onlyCurrent = current.columns.filter((c) => !referenceNames.has(c.name)).map((c) => c.name);
  if (onlyReference.length > 0 || onlyCurrent.length > 0) {
    const parts = [
      onlyReference.length > 0 ? `only in ${reference.path}: ${onlyReference.join(', ')}` : '',
      onlyCurrent.length > 0 ? `only in ${current.path}: ${onlyCurrent.join(', ')}` : '',
    ].filter(Boolean);
    throw new DriftlineError('INPUT_INVALID', `the files have different columns (${parts.join('; ')})`);
  }
  const unknown = categorical.filter((name) => !referenceNames.has(name));
  if (unknown.length > 0) throw usageError(`--categorical names unknown column(s): ${unknown.join(', ')}`);
  return reference.columns.map((r) => ({
    name: r.name,
    reference: columnState(r),
    current: columnState(currentByName.get(r.name)!),
  }));
}

/** Runs the command; resolves to the exit code. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(USAGE);
    return 0;
  }
  try {
    const args = parseDriftArgs(argv);
    if (args.html !== undefined) {
      io.stderr('driftline drift: --html is not yet implemented\n');
      return 2;
    }
    // One after the other: parsing is CPU-bound on this thread either way,
    // and a bad reference file fails before the current one is read.
    const options = { categorical: args.categorical };
    const reference = await readCsvColumns(args.reference, options);
    const current = await readCsvColumns(args.current, options);
    const report = computeDatasetReport(pairColumns(reference, current, args.categorical), { bins: args.bins });
    io.stdout(
      args.json
        ? `${JSON.stringify(toDriftReportJson(report, reference.rows, current.rows))}\n`
        : formatDriftTable(report, reference.rows, current.rows),
    );
    return 0;
  } catch (err) {
    if (err instanceof DriftlineError && (err.code === 'INPUT_INVALID' || err.code === 'CSV_INVALID')) {
      io.stderr(`driftline drift: ${err.message}\n${err.details?.usage === true ? `\n${USAGE}` : ''}`);
      return 2;
    }
    throw err;
  }
}
