/**
 * Gathers the figures the reliability suite recorded (support/figures.ts)
 * into one markdown report on stdout: one table row per test file, then the
 * totals issue 9 asks for (events processed, kills survived, events lost,
 * duplicates found, fuzz cases tried, crashes).
 *
 *   node --import tsx --test --test-concurrency=2 test/reliability/*.test.ts
 *   node --import tsx test/reliability/report.ts        # prints the markdown
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIGURES_DIR, type Figures } from './support/figures.ts';

interface Recorded {
  name: string;
  seed: number;
  recordedAt: string;
  figures: Figures;
}

const TOTALS = ['events processed', 'kills survived', 'restarts survived', 'events lost', 'duplicates found', 'fuzz cases tried', 'crashes', '5xx answers'] as const;

/** The markdown report of the recorded figures. */
export function reliabilityReport(records: readonly Recorded[]): string {
  if (records.length === 0) return `No figures in ${FIGURES_DIR}: run the suite first.\n`;
  const sum = (key: string) => records.reduce((s, r) => s + (typeof r.figures[key] === 'number' ? (r.figures[key] as number) : 0), 0);
  const lines = ['| suite | figures |', '|---|---|'];
  for (const r of [...records].sort((a, b) => a.name.localeCompare(b.name))) {
    lines.push(`| ${r.name} | ${Object.entries(r.figures).map(([k, v]) => `${k}: ${v}`).join('; ').replaceAll('|', '/')} |`);
  }
  const seeds = [...new Set(records.map((r) => r.seed))].join(', ');
  return [
    `Seed ${seeds}; recorded ${records.map((r) => r.recordedAt).sort()[0]} – ${records.map((r) => r.recordedAt).sort().pop()}.`,
    '',
    '| total | value |',
    '|---|---|',
    ...TOTALS.map((k) => `| ${k} | ${sum(k)} |`),
    '',
    ...lines,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const records = existsSync(FIGURES_DIR)
    ? readdirSync(FIGURES_DIR)
        .filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(readFileSync(join(FIGURES_DIR, f), 'utf8')) as Recorded)
    : [];
  process.stdout.write(reliabilityReport(records));
}
