import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DriftlineError } from '../errors/errors.ts';
import { referencePath } from '../../test/reference/reference-cases.ts';
import type { LoadedColumn } from './column-builder.ts';
import { readCsvColumns } from './column-reader.ts';

const dir = mkdtempSync(join(tmpdir(), 'driftline-csv-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Deterministic pseudo-random generator for the generated file (inputs only). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function generated(): string {
  const random = lcg(42);
  const words = ['alpha', 'beta', 'gamma, with comma', 'say "hi"', 'two\nlines', 'été', '😀', ''];
  const quote = (text: string) => (/[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const lines = ['x,word,mixed,maybe'];
  for (let i = 0; i < 3000; i++) {
    const x = random() < 0.05 ? '' : ((random() - 0.5) * 10 ** Math.floor(random() * 8)).toFixed(Math.floor(random() * 9));
    const word = quote(words[Math.floor(random() * words.length)]!);
    const mixed = i === 2500 ? 'oops' : String(Math.floor(random() * 5));
    const maybe = random() < 0.5 ? 'NA' : `${Math.floor(random() * 100)}e-2`;
    lines.push([x, word, mixed, maybe].join(','));
  }
  return `${lines.join(random() < 2 ? '\r\n' : '\n')}\r\n`;
}

const files: Record<string, string> = {
  plain: write('plain.csv', 'a,b,c\n1,x,2.5\n-3,y,1e3\n4.25,x,-0\n'),
  noTrailingNewline: write('no-newline.csv', 'a,b\n1,p\n2,q'),
  crlf: write('crlf.csv', 'a,b\r\n1,p\r\n2,\r\n,q\r\n'),
  bom: write('bom.csv', '\uFEFFa,b\n1,2\n'),
  quoted: write(
    'quoted.csv',
    'id,text,n\n1,"hello, world",3\n2,"she said ""hi""",4\n3,"multi\nline",5\n4,"crlf\r\ninside","6"\n5,plain,"7.5"\n',
  ),
  quotedHeader: write('quoted-header.csv', '"a","b c"\n1,2\n3,4\n'),
  missing: write('missing.csv', 'n,c,all\n1,x,NA\nNaN,null,\nnan,None,NULL\n,N/A,null\n2,y,\n'),
  mixed: write('mixed.csv', 'm,f\n1.50,1.50\n1.5,1.5\n+1.5,x\nabc,2\n0,0\n-0,-0\n'),
  numbers: write(
    'numbers.csv',
    'n,big,tiny,long\n.5,1e400,1e-400,3.14159265358979323846\n5.,1,2,12345678901234567890\n+7,2,4.9e-324,0.1000000000000000055511151231257827\n007,3,2.2250738585072014e-308,9007199254740993\n1E5,4,1e-5,123456789012345.6789\n',
  ),
  blankLines: write('blank.csv', 'a,b\n\n1,2\n\r\n3,4\n\n'),
  unicode: write('unicode.csv', 'city,score\nZürich,1\n東京,2\nZürich,3\n😀,4\n'),
  headerOnly: write('header-only.csv', 'a,b\n'),
  singleColumn: write('single.csv', 'only\n1\n2\n\n3\n'),
  generated: write('generated.csv', generated()),
};
const forcedFile = write('forced.csv', 'zip,v\n01234,1\n1234,2\n1234.0,3\n');

type PythonColumn = ['numerical' | 'categorical', Array<number | string | null>];
type PythonFile = { header: string[]; rows: number; columns: Record<string, PythonColumn> } | { error: string };

function pythonCells(paths: string[], categorical?: string): Record<string, PythonFile> {
  const args = [referencePath('csv_cells.py'), ...(categorical ? ['--categorical', categorical] : []), ...paths];
  return JSON.parse(execFileSync('python3', args, { encoding: 'utf8' })) as Record<string, PythonFile>;
}

function assertColumn(actual: LoadedColumn, expected: PythonColumn, label: string): void {
  const [kind, cells] = expected;
  assert.equal(actual.kind, kind, `${label}: kind`);
  if (actual.kind === 'numerical') {
    assert.equal(actual.values.length, cells.length, `${label}: rows`);
    cells.forEach((cell, i) => {
      const value = actual.values[i]!;
      if (cell === null) assert.ok(Number.isNaN(value), `${label}[${i}]: expected missing, got ${value}`);
      else assert.ok(Object.is(value, cell), `${label}[${i}]: ${value} vs ${cell}`);
    });
    assert.equal(actual.missing, cells.filter((c) => c === null).length, `${label}: missing`);
    return;
  }
  assert.equal(actual.codes.length, cells.length, `${label}: rows`);
  cells.forEach((cell, i) => {
    const code = actual.codes[i]!;
    const key = code < 0 ? null : actual.categories[code]!;
    if (cell === null) assert.equal(key, null, `${label}[${i}]`);
    // A number in an inferred-categorical column is keyed by its value.
    else if (typeof cell === 'number') assert.equal(Number(key), cell, `${label}[${i}]: '${key}' vs ${cell}`);
    else assert.equal(key, cell, `${label}[${i}]`);
  });
}

const expected = pythonCells(Object.values(files));

for (const [name, path] of Object.entries(files)) {
  for (const chunkSize of [undefined, 64, 7]) {
    test(`CSV columns match Python's csv module: ${name} (chunk ${chunkSize ?? 'default'})`, async () => {
      const reference = expected[path]!;
      assert.ok(!('error' in reference), `python could not read ${name}: ${'error' in reference ? reference.error : ''}`);
      const table = await readCsvColumns(path, { chunkSize });
      assert.equal(table.rows, reference.rows);
      assert.deepEqual(
        table.columns.map((c) => c.name),
        reference.header,
      );
      for (const column of table.columns) assertColumn(column, reference.columns[column.name]!, `${name}.${column.name}`);
    });
  }
}

test('forced categorical columns keep the exact text', async () => {
  const reference = pythonCells([forcedFile], 'zip')[forcedFile]!;
  assert.ok(!('error' in reference));
  const table = await readCsvColumns(forcedFile, { categorical: ['zip'] });
  for (const column of table.columns) assertColumn(column, reference.columns[column.name]!, `forced.${column.name}`);
  const zip = table.columns[0]!;
  assert.equal(zip.kind, 'categorical');
  if (zip.kind === 'categorical') assert.deepEqual(zip.categories, ['01234', '1234', '1234.0']);
});

async function rejects(path: string, code: 'CSV_INVALID' | 'INPUT_INVALID', pattern: RegExp): Promise<void> {
  await assert.rejects(readCsvColumns(path, { chunkSize: 16 }), (err: unknown) => {
    assert.ok(err instanceof DriftlineError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  });
}

test('a ragged row is reported with file and line', async () => {
  const path = write('ragged.csv', 'a,b,c\n1,2,3\n4,5\n6,7,8\n');
  await rejects(path, 'CSV_INVALID', /ragged\.csv:3: expected 3 fields as in the header, found 2/);
  const quoted = write('ragged-quoted.csv', 'a,b\n"x\ny",1\n"z",2,3\n');
  await rejects(quoted, 'CSV_INVALID', /ragged-quoted\.csv:4: expected 2 fields as in the header, found 3/);
});

test('header problems are reported', async () => {
  await rejects(write('empty.csv', ''), 'CSV_INVALID', /empty\.csv: the file is empty: expected a header row/);
  await rejects(write('dup.csv', 'a,b,a\n1,2,3\n'), 'CSV_INVALID', /dup\.csv:1: duplicate column name 'a'/);
  await rejects(write('blank-name.csv', 'a,,c\n1,2,3\n'), 'CSV_INVALID', /blank-name\.csv:1: header field 2 is empty/);
});

test('broken quoting is reported with its line (through csv-parse)', async () => {
  await rejects(write('unclosed.csv', 'a,b\n1,2\n3,"open\n4,5\n'), 'CSV_INVALID', /unclosed\.csv:\d+: .*[Qq]uote/);
  await rejects(write('stray.csv', 'a,b\n1,2\n3,ab"c\n'), 'CSV_INVALID', /stray\.csv:3: /);
});

test('an unreadable path is INPUT_INVALID naming the path', async () => {
  await rejects(join(dir, 'does-not-exist.csv'), 'INPUT_INVALID', /does-not-exist\.csv/);
  await rejects(dir, 'INPUT_INVALID', /not a regular file/);
});
