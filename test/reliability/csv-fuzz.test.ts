/**
 * Fuzzing `driftline drift` (services/cli/drift-command.ts over libs/csv)
 * with generated bad CSV files: empty files, ragged rows, bad quoting,
 * non-UTF-8 bytes, binary, huge fields, broken headers, mismatched columns.
 * Every one must exit with code 2 and a message naming the file, and the
 * line (and column) where the file says where; none may throw. Valid files
 * with multi-byte UTF-8 cut at every chunk boundary must still load.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readCsvColumns } from '../../libs/csv/column-reader.ts';
import { run } from '../../services/cli/drift-command.ts';
import { type CrashRecorder, recordCrashes } from './support/crash-recorder.ts';
import { recordFigures } from './support/figures.ts';
import { FuzzRandom, RELIABILITY_SEED } from './support/fuzz-random.ts';

const CASES = Number(process.env.RELIABILITY_CSV_CASES ?? 600);
const dir = mkdtempSync(join(tmpdir(), 'driftline-rel-csv-'));
const crashes: CrashRecorder = recordCrashes();
after(() => {
  crashes.stop();
  rmSync(dir, { recursive: true, force: true });
});

const HEADER = ['age', 'income', 'city', 'flag'];

/** A valid table as lines (header first), with multi-byte cities. */
function goodLines(r: FuzzRandom, rows: number): string[] {
  const cities = ['Berlin', 'Zürich', 'São Paulo', '東京', 'Kraków', '"Lyon, FR"'];
  return [HEADER.join(','), ...Array.from({ length: rows }, () => [String(20 + r.int(60)), (r.float() * 1e5).toFixed(1), r.pick(cities), String(r.int(2))].join(','))];
}

interface BadCsv {
  kind: string;
  content: Buffer;
  /** The 1-based line the message must name, when the file pins it down. */
  line?: number;
  /** A column name the message must name. */
  column?: string;
  /** Only the pair is bad (different columns): the message names the file holding the odd column. */
  pair?: boolean;
}

const bytes = (lines: string[], eol = '\n') => Buffer.from(lines.join(eol) + eol);

function badCsv(i: number, r: FuzzRandom): BadCsv {
  const lines = goodLines(r, 3 + r.int(40));
  const k = 1 + r.int(lines.length - 1); // a data line index (line number k + 1)
  const eol = r.chance(0.3) ? '\r\n' : '\n';
  const cells = () => lines[k]!.split(',');
  switch (i % 11) {
    case 0:
      return { kind: 'empty', content: Buffer.from(r.pick(['', '\ufeff', '\n', '\n\n\r\n', ' \n'])) };
    case 1: {
      const row = cells();
      if (r.chance(0.5)) row.pop();
      else row.push('extra', ...(r.chance(0.5) ? ['more'] : []));
      lines[k] = row.join(',');
      return { kind: 'ragged', content: bytes(lines, eol), line: k + 1 };
    }
    case 2: {
      lines[k] = lines[k]!.replace(/^(\d+),/, '$1,"');
      return { kind: 'unclosed-quote', content: bytes(lines, eol) };
    }
    case 3: {
      const row = [String(r.int(99)), (r.float() * 1e5).toFixed(1), `Be"rl"in`, '1'];
      lines[k] = row.join(',');
      return { kind: 'quote-in-unquoted', content: bytes(lines, eol), line: k + 1, column: 'city' };
    }
    case 4: {
      lines[k] = [String(r.int(99)), (r.float() * 1e5).toFixed(1), '"Berlin"x', '1'].join(',');
      return { kind: 'text-after-quote', content: bytes(lines, eol), line: k + 1, column: 'city' };
    }
    case 5: {
      // A Latin-1 (or other invalid) byte in a city cell.
      const row = cells();
      const before = Buffer.from(`${row[0]},${row[1]},Z`);
      const bad = Buffer.from(r.pick([[0xfc], [0xe9], [0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]));
      const rowBytes = Buffer.concat([before, bad, Buffer.from(`rich,${row[3]}`)]);
      return { kind: 'non-utf8', content: Buffer.concat([bytes(lines.slice(0, k), eol), rowBytes, Buffer.from(eol), bytes(lines.slice(k + 1), eol)]), line: k + 1, column: 'city' };
    }
    case 6: {
      const b = r.bytes(16 + r.int(2_000));
      b[r.int(b.length)] = 0xff; // certainly not UTF-8
      return { kind: 'binary', content: b };
    }
    case 7: {
      // A huge field on a ragged or never-closed line: every fourth one over 1 MB (they cost time), else 100–300 kB.
      const huge = 'x'.repeat(i % 44 === 7 ? 1_000_000 + r.int(2_000_000) : 100_000 + r.int(200_000));
      if (r.chance(0.5)) {
        lines[k] = `${huge},1`;
        return { kind: 'huge-field-ragged', content: bytes(lines, eol), line: k + 1 };
      }
      lines[k] = `1,2,"${huge},1`;
      return { kind: 'huge-field-unclosed', content: bytes(lines, eol) };
    }
    case 8: {
      const header = r.pick([['age', 'age', 'city', 'flag'], ['age', '', 'city', 'flag'], ['', '', '', '']]);
      lines[0] = header.join(',');
      return { kind: 'bad-header', content: bytes(lines, eol), line: 1 };
    }
    case 9: {
      const header = Buffer.concat([Buffer.from('age,inc'), Buffer.from([0xf6]), Buffer.from('me,city,flag')]);
      return { kind: 'non-utf8-header', content: Buffer.concat([header, Buffer.from(eol), bytes(lines.slice(1), eol)]), line: 1 };
    }
    default:
      lines[0] = r.pick(['age,income,town,flag', 'age,income,city', 'age,income,city,flag,extra']);
      if (lines[0].split(',').length !== 4) return { kind: 'column-mismatch', content: bytes([lines[0]]), pair: true };
      return { kind: 'column-mismatch', content: bytes(lines, eol), pair: true };
  }
}

describe('driftline drift under fuzzed CSV files', () => {
  const byKind = new Map<string, number>();
  let threw = 0;

  it(`exits 2 naming file, line and column for ${CASES} bad files, and never throws`, async () => {
    const r = new FuzzRandom(RELIABILITY_SEED + 53);
    const goodPath = join(dir, 'good.csv');
    writeFileSync(goodPath, bytes(goodLines(r, 200)));
    const problems: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const bad = badCsv(i, r);
      byKind.set(bad.kind, (byKind.get(bad.kind) ?? 0) + 1);
      const badPath = join(dir, `bad-${i}.csv`);
      writeFileSync(badPath, bad.content);
      const badIsReference = r.chance(0.5);
      const argv = badIsReference ? [badPath, goodPath] : [goodPath, badPath];
      if (r.chance(0.3)) argv.push('--json');
      let stderr = '';
      let stdout = '';
      let code: number;
      try {
        code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
      } catch (err) {
        threw++;
        problems.push(`#${i} ${bad.kind}: threw ${(err as Error).stack?.split('\n').slice(0, 3).join(' ')}`);
        continue;
      }
      const where = `#${i} ${bad.kind}`;
      if (code !== 2) problems.push(`${where}: exit ${code}, stdout ${stdout.slice(0, 120)}`);
      else if (!bad.pair && !stderr.includes(badPath)) problems.push(`${where}: message does not name the file: ${stderr.slice(0, 200)}`);
      else if (bad.line !== undefined && !stderr.includes(`${badPath}:${bad.line}:`)) problems.push(`${where}: message does not name line ${bad.line}: ${stderr.slice(0, 200)}`);
      else if (bad.column !== undefined && !stderr.includes(`'${bad.column}'`)) problems.push(`${where}: message does not name column ${bad.column}: ${stderr.slice(0, 200)}`);
      else if (bad.pair && !stderr.includes('different columns')) problems.push(`${where}: a column mismatch says so: ${stderr.slice(0, 200)}`);
      else if (stdout !== '') problems.push(`${where}: printed a report as well`);
      rmSync(badPath);
    }
    assert.deepEqual(problems.slice(0, 10), [], `${problems.length} problems (seed ${RELIABILITY_SEED})`);
  });

  it('still loads valid multi-byte UTF-8 cut at any chunk boundary, and refuses a bad byte at any boundary', async () => {
    const r = new FuzzRandom(RELIABILITY_SEED + 59);
    const path = join(dir, 'chunked.csv');
    const problems: string[] = [];
    for (let i = 0; i < 150; i++) {
      const lines = goodLines(r, 5 + r.int(30));
      const content = bytes(lines);
      const chunkSize = 1 + r.int(40);
      writeFileSync(path, content);
      const table = await readCsvColumns(path, { chunkSize }).catch((err: Error) => err);
      if (table instanceof Error) problems.push(`valid file, chunk ${chunkSize}: ${table.message}`);
      else if (table.rows !== lines.length - 1) problems.push(`valid file, chunk ${chunkSize}: ${table.rows} rows of ${lines.length - 1}`);
      // The same file with one multi-byte sequence broken.
      const broken = Buffer.from(content);
      const at = broken.indexOf(Buffer.from('ü')) >= 0 ? broken.indexOf(Buffer.from('ü')) + 1 : broken.indexOf(Buffer.from('東')) + 1;
      if (at <= 0) continue;
      broken[at] = 0x41; // the continuation byte becomes 'A'
      writeFileSync(path, broken);
      const refused = await readCsvColumns(path, { chunkSize }).then(() => undefined, (err: Error) => err);
      if (!refused || !/invalid UTF-8/.test(refused.message)) problems.push(`broken file, chunk ${chunkSize}: ${refused?.message ?? 'loaded'}`);
      byKind.set('chunked', (byKind.get('chunked') ?? 0) + 2);
    }
    assert.deepEqual(problems.slice(0, 10), [], `${problems.length} problems`);
  });

  it('records the figures', () => {
    const tried = [...byKind.values()].reduce((a, b) => a + b, 0);
    recordFigures('csv-fuzz', { 'fuzz cases tried': tried, crashes: threw + crashes.crashes.length, kinds: [...byKind].map(([k, n]) => `${k}:${n}`).join(',') });
    assert.equal(threw, 0);
    assert.deepEqual(crashes.crashes, []);
  });
});
