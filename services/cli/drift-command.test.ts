import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { assertPValue, assertStatistic } from '../../test/reference/assert-close.ts';
import { run } from './drift-command.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'driftline-drift-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Deterministic pseudo-random generator for the test data (inputs only). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A CSV with numeric, categorical, few-valued, constant, missing, mixed and forced-categorical columns. */
function dataset(rows: number, seed: number, shifted: boolean): string {
  const random = lcg(seed);
  const normal = () => random() + random() + random() + random() - 2;
  const cities = ['Berlin', 'Lyon, FR', 'São Paulo', 'say "hi"'];
  if (shifted) cities.push('Osaka');
  const quote = (text: string) => (/[",]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const lines = ['age,income,city,flag,constant,empty_col,mixed,code'];
  for (let i = 0; i < rows; i++) {
    const age = (40 + 12 * normal() + (shifted ? 3 : 0)).toFixed(2);
    const income = random() < 0.1 ? (random() < 0.5 ? '' : 'NA') : Math.exp(10 + normal()).toFixed(1);
    const city = quote(cities[Math.floor(random() * cities.length)]!);
    const flag = String(Math.floor(random() * (shifted ? 3 : 2.6)));
    const empty = shifted ? '' : String(Math.floor(random() * 10));
    const mixed = shifted && i % 7 === 0 ? 'unknown' : String(Math.floor(random() * 20));
    const code = ['001', '01', '1'][Math.floor(random() * 3)]!;
    lines.push([age, income, city, flag, '7', empty, mixed, code].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

function write(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

function scipyReport(reference: string, current: string, extra: string[]): Record<string, unknown> {
  const script = join(repoRoot, 'test', 'bench', 'drift_scipy.py');
  const out = execFileSync('python3', [script, '--reference', reference, '--current', current, '--loader', 'csv', ...extra], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(out) as Record<string, unknown>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Deep comparison: numbers by the test tolerances (p-values by theirs), everything else exactly. */
function assertJsonMatches(actual: Json, expected: Json, path: string, pValue = false): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Number.isInteger(expected) && Number.isInteger(actual) && !pValue) assert.equal(actual, expected, path);
    else if (pValue) assertPValue(actual, expected, path);
    else assertStatistic(actual, expected, path);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length, `${path}: length`);
    expected.forEach((e, i) => assertJsonMatches((actual as Json[])[i]!, e, `${path}[${i}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object' && !Array.isArray(actual), `${path}: object`);
    const a = actual as { [key: string]: Json };
    // `message` explains an unevaluated column; the reference has no text for it.
    assert.deepEqual(Object.keys(a).filter((k) => k !== 'message').sort(), Object.keys(expected).sort(), `${path}: keys`);
    const pValueScore = expected.drift_method === 'ks' || expected.drift_method === 'chi_square';
    for (const key of Object.keys(expected)) {
      const isP = key === 'p_value' || (key === 'drift_score' && pValueScore);
      assertJsonMatches(a[key]!, expected[key]!, `${path}.${key}`, isP);
    }
    if (expected.drifted === null && 'drifted' in expected) assert.ok(typeof a.message === 'string', `${path}: message`);
    return;
  }
  assert.equal(actual, expected, path);
}

const small = { reference: write('small-ref.csv', dataset(300, 1, false)), current: write('small-cur.csv', dataset(250, 2, true)) };
const large = { reference: write('large-ref.csv', dataset(1500, 3, false)), current: write('large-cur.csv', dataset(1200, 4, true)) };

for (const [name, files, extra] of [
  ['small files (KS / chi-square rules)', small, ['--categorical', 'code']],
  ['large files (Wasserstein / Jensen-Shannon rules)', large, ['--categorical', 'code']],
  ['5 bins', small, ['--bins', '5', '--categorical', 'code']],
] as const) {
  test(`--json report equals the numpy/scipy pipeline: ${name}`, async () => {
    const { code, stdout, stderr } = await runCli(['--reference', files.reference, '--current', files.current, '--json', ...extra]);
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim().split('\n').length, 1, 'exactly one JSON line');
    assert.doesNotMatch(stdout, /NaN|Infinity/);
    const report = JSON.parse(stdout) as Json;
    assertJsonMatches(report, scipyReport(files.reference, files.current, [...extra]) as Json, 'report');
    const columns = (report as { columns: Array<{ name: string; kind: string }> }).columns;
    const kinds = Object.fromEntries(columns.map((c) => [c.name, c.kind]));
    assert.equal(kinds.mixed, 'categorical');
    assert.equal(kinds.code, 'categorical');
    assert.equal(kinds.age, 'numerical');
  });
}

test('the table lists every column and a summary', async () => {
  const { code, stdout } = await runCli(['--reference', small.reference, '--current', small.current, '--categorical', 'code']);
  assert.equal(code, 0);
  for (const column of ['age', 'income', 'city', 'flag', 'constant', 'empty_col', 'mixed', 'code']) {
    assert.match(stdout, new RegExp(`^${column}\\s`, 'm'));
  }
  assert.match(stdout, /^column\s+kind\s+method\s+score/m);
  assert.match(stdout, /drifted columns: \d+ of 7 \(\d+%\); dataset drift: (YES|no)/);
  assert.match(stdout, /empty_col: no non-missing values in the current data/);
});

async function assertUsageError(argv: string[], pattern: RegExp): Promise<void> {
  const { code, stdout, stderr } = await runCli(argv);
  assert.equal(code, 2, `exit code for ${argv.join(' ')}`);
  assert.equal(stdout, '');
  assert.match(stderr, pattern);
}

test('bad input exits 2 with a message naming file, line or column', async () => {
  const ragged = write('ragged.csv', 'age,income\n1,2\n3\n');
  const otherColumns = write('other.csv', 'age,salary\n1,2\n');
  const empty = write('empty.csv', '');
  const missing = join(dir, 'missing.csv');
  await assertUsageError(['--reference', missing, '--current', small.current], /cannot read .*missing\.csv/);
  await assertUsageError(['--reference', small.reference, '--current', ragged], /ragged\.csv:3: expected 2 fields as in the header, found 1/);
  await assertUsageError(['--reference', ragged, '--current', otherColumns], /ragged\.csv:3/);
  await assertUsageError(['--reference', write('two.csv', 'age,income\n1,2\n'), '--current', otherColumns], /different columns \(only in .*two\.csv: income; only in .*other\.csv: salary\)/);
  await assertUsageError(['--reference', empty, '--current', small.current], /empty\.csv: the file is empty: expected a header row/);
  const headerOnly = write('header-only.csv', 'age,income,city,flag,constant,empty_col,mixed,code\n');
  await assertUsageError(['--reference', small.reference, '--current', headerOnly], /header-only\.csv: a header but no data rows: nothing to compare/);
  await assertUsageError(['--reference', headerOnly, '--current', small.current], /header-only\.csv: a header but no data rows/);
  await assertUsageError(['--reference', small.reference, '--current', small.current, '--categorical', 'nope'], /--categorical names unknown column\(s\): nope/);
});

test('bad usage exits 2 with the usage text', async () => {
  const files = ['--reference', small.reference, '--current', small.current];
  for (const bins of ['0', '1', 'abc', '2.5', '-3', '10001']) {
    await assertUsageError([...files, `--bins=${bins}`], new RegExp(`--bins must be an integer from 2 to 10000, got '${bins}'[\\s\\S]*usage: driftline drift`));
  }
  await assertUsageError(['--current', small.current], /--reference is required/);
  await assertUsageError(['--reference', small.reference], /--current is required/);
  await assertUsageError([...files, '--colour'], /Unknown option '--colour'/);
});

test('positional files work like --reference/--current', async () => {
  const flags = await runCli(['--reference', small.reference, '--current', small.current, '--json']);
  const positional = await runCli([small.reference, small.current, '--json']);
  assert.equal(positional.code, 0, positional.stderr);
  assert.equal(positional.stdout, flags.stdout);
  await assertUsageError([small.reference, small.current, small.current], /unexpected argument\(s\): .*small-cur\.csv/);
  await assertUsageError([small.reference], /--current is required/);
});

test('--html writes the self-contained report of the same numbers; --json stdout stays one object', async () => {
  const out = join(dir, 'reports', 'nested', 'drift.html');
  const { code, stdout, stderr } = await runCli([small.reference, small.current, '--categorical', 'code', '--json', '--html', out]);
  assert.equal(code, 0, stderr);
  assert.equal(stdout.trim().split('\n').length, 1, 'exactly one JSON line');
  assert.match(stderr, new RegExp(`HTML report written to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const json = JSON.parse(stdout) as { columns: Array<{ name: string; drift_method: string | null; drift_score: number | null; drifted: boolean | null; psi: number | null }>; drift_share: number; dataset_drift: boolean };
  const html = readFileSync(out, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<h1>Drift report: small-cur\.csv vs small-ref\.csv<\/h1>/);
  const island = /<script type="application\/json" id="drift-report-data">([\s\S]*?)<\/script>/.exec(html);
  const data = JSON.parse(island![1]!) as { windows: Array<{ driftShare: number; datasetDrift: boolean }>; features: Array<{ name: string; latest: { method: string | null; score: number | null; drifted: boolean | null; psi: number | null }; distribution: { labels: string[]; reference: number[]; current: number[] } | null }> };
  assert.equal(data.windows.length, 1);
  assert.equal(data.windows[0]!.driftShare, json.drift_share);
  assert.equal(data.windows[0]!.datasetDrift, json.dataset_drift);
  assert.deepEqual(
    data.features.map((f) => [f.name, f.latest.method, f.latest.score, f.latest.drifted, f.latest.psi]),
    json.columns.map((c) => [c.name, c.drift_method, c.drift_score, c.drifted, c.psi]),
  );
  // Every column with reference values has a distribution; empty_col's current side is all zeros.
  const byName = new Map(data.features.map((f) => [f.name, f]));
  const city = byName.get('city')!.distribution!;
  assert.deepEqual(city.labels, ['Berlin', 'Lyon, FR', 'Osaka', 'São Paulo', 'say "hi"']);
  assert.equal(city.reference[2], 0, 'Osaka is new in the current data');
  assert.ok(city.current[2]! > 0);
  assert.ok(byName.get('empty_col')!.distribution!.current.every((s) => s === 0));
  assert.ok(html.includes('say \\"hi\\"') && !html.includes('say "hi"'), 'category names travel only inside the JSON island');
});

test('--html with an empty name or an unwritable path exits 2 naming the problem', async () => {
  await assertUsageError([small.reference, small.current, '--html='], /--html needs a file name/);
  const blocker = write('not-a-dir', 'x');
  const { code, stderr } = await runCli([small.reference, small.current, '--html', join(blocker, 'r.html')]);
  assert.equal(code, 2);
  assert.match(stderr, /cannot write the --html report to .*not-a-dir\/r\.html/);
});
