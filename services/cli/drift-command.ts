/**
 * `driftline drift A.csv B.csv [--json] [--categorical c1,c2] [--bins N] [--html out.html]`
 * (or `--reference A.csv --current B.csv`): the offline drift report of two
 * CSV files with the same columns.
 *
 * Streams both files into typed columns (libs/csv), computes every drift
 * statistic and the default decision per column (libs/stats), and prints a
 * table or, with --json, exactly one JSON object; --html also writes the
 * self-contained HTML report (libs/report). Exit codes: 0 report printed
 * (drift or not), 2 bad usage or bad input (the message names the file,
 * line and column concerned).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { readCsvColumns, type CsvTable } from '../../libs/csv/column-reader.ts';
import type { LoadedColumn } from '../../libs/csv/column-builder.ts';
import { DriftlineError, messageOf } from '../../libs/errors/errors.ts';
import { offlineDriftReportData } from '../../libs/report/offline-report-data.ts';
import { renderDriftReport } from '../../libs/report/render-drift-report.ts';
import { computeColumnHistogram } from '../../libs/stats/column-histogram.ts';
import { computeDatasetReport, type DatasetReport } from '../../libs/stats/column-report.ts';
import { numericStateOf, type ColumnState } from '../../libs/stats/partial-state.ts';
import type { CliIo } from './main.ts';
import { formatDriftTable, toDriftReportJson } from './drift-output.ts';

const USAGE = `usage: driftline drift <reference.csv> <current.csv> [--json] [--categorical c1,c2] [--bins N] [--html out.html]
       driftline drift --reference A.csv --current B.csv [options]

  --reference FILE    reference CSV (header row required); or the first argument
  --current FILE      current CSV with the same columns; or the second argument
  --json              print one JSON object instead of the table
  --categorical LIST  comma-separated columns to treat as categorical
  --bins N            numeric PSI / Jensen-Shannon bins at reference quantiles (default 10)
  --html FILE         also write the HTML report (summary, table, charts; opens offline)
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
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
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
      allowPositionals: true,
    }));
  } catch (err) {
    throw usageError(messageOf(err));
  }
  // Positionals fill what the flags left open: reference first, then current.
  const files = [...positionals];
  const reference = values.reference ?? files.shift();
  const current = values.current ?? files.shift();
  if (files.length > 0) throw usageError(`unexpected argument(s): ${files.join(' ')} (give the reference and the current CSV once each)`);
  if (reference === undefined) throw usageError('--reference is required');
  if (current === undefined) throw usageError('--current is required');
  if (values.html === '') throw usageError('--html needs a file name');
  let bins = 10;
  if (values.bins !== undefined) {
    bins = /^\d+$/.test(values.bins) ? Number(values.bins) : NaN;
    if (!(bins >= 2 && bins <= MAX_BINS)) throw usageError(`--bins must be an integer from 2 to ${MAX_BINS}, got '${values.bins}'`);
  }
  const categorical = (values.categorical ?? '').split(',').filter((name) => name !== '');
  return { reference, current, json: values.json ?? false, categorical, bins, html: values.html };
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

/** Writes the HTML report of a dataset report (the column states give the charts' distributions). */
async function writeHtmlReport(path: string, args: DriftArgs, report: DatasetReport, columns: ReturnType<typeof pairColumns>, rows: { reference: number; current: number }): Promise<void> {
  const data = offlineDriftReportData({
    title: `${basename(args.current)} vs ${basename(args.reference)}`,
    report,
    histograms: columns.map((c) => computeColumnHistogram(c.reference, c.current, { bins: args.bins })),
    reference: { path: args.reference, rows: rows.reference },
    current: { path: args.current, rows: rows.current },
    nowMs: Date.now(),
  });
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, renderDriftReport(data));
  } catch (err) {
    throw new DriftlineError('INPUT_INVALID', `cannot write the --html report to ${path}: ${messageOf(err)}`, { cause: err });
  }
}

/** Runs the command; resolves to the exit code. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(USAGE);
    return 0;
  }
  try {
    const args = parseDriftArgs(argv);
    // One after the other: parsing is CPU-bound on this thread either way,
    // and a bad reference file fails before the current one is read.
    const options = { categorical: args.categorical };
    const reference = await readCsvColumns(args.reference, options);
    const current = await readCsvColumns(args.current, options);
    const columns = pairColumns(reference, current, args.categorical);
    // (After the column check, which says more about a wrong file.) A header without rows would give a report of nothing that still exits 0: a broken export would pass a CI gate.
    for (const table of [reference, current]) {
      if (table.rows === 0) throw new DriftlineError('CSV_INVALID', `${table.path}: a header but no data rows: nothing to compare`, { details: { path: table.path } });
    }
    const report = computeDatasetReport(columns, { bins: args.bins });
    if (args.html !== undefined) {
      await writeHtmlReport(args.html, args, report, columns, { reference: reference.rows, current: current.rows });
      // stderr: with --json, stdout stays exactly one JSON object.
      io.stderr(`HTML report written to ${args.html}\n`);
    }
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
