/**
 * `npm run bench`: every benchmark, bounded, one after the other (never in
 * parallel: the machine has 2 cores), then BENCHMARKS.md rewritten with the
 * machine, the commands, medians over repeats and the side-by-side ratios.
 *
 *   npm run bench               full sizes (about 8 minutes on 2 cores)
 *   npm run bench -- --quick    smaller inputs, for a smoke run (about 2 minutes)
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../../libs/local/local-services.ts';
import { runDriftBench } from './drift-bench.ts';
import { runProcessorsBench } from './processors-bench.ts';
import { runServingBench } from './serving-bench.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const quick = values.quick;
const log = (line: string) => console.error(`[bench] ${line}`);
const t0 = Date.now();

const python = execFileSync('python3', ['-c', 'import sys,numpy,scipy;print(sys.version.split()[0], numpy.__version__, scipy.__version__)']).toString().trim().split(' ');
const machine = `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; Python ${python[0]}, numpy ${python[1]}, scipy ${python[2]}; Kafka 3.9.1 (local, KRaft); ClickHouse embedded (chDB)`;

const sections: string[] = [];
log('drift CLI vs numpy/scipy');
sections.push((await runDriftBench({ rows: quick ? 100_000 : 1_000_000, repeats: quick ? 1 : 3, log })).markdown);
log('stream processors vs bare consumer');
sections.push(await runProcessorsBench({ events: quick ? 60_000 : 300_000, repeats: quick ? 1 : 3, log }));
log('serving node vs bare session.run');
sections.push(await runServingBench());

const doc = [
  '# Benchmarks',
  '',
  `Written by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${new Date().toISOString().slice(0, 10)} in ${((Date.now() - t0) / 60_000).toFixed(1)} min.`,
  `Machine: ${machine}.`,
  'Every comparison runs both sides in the same run, alternating, on the same inputs; these machines are noisy, so compare ratios, not absolute figures across runs.',
  '',
  ...sections.map((s) => s.replace(/^# Benchmarks\s*/m, '').trim() + '\n'),
].join('\n');
writeFileSync(join(repoRoot, 'BENCHMARKS.md'), doc);
log(`BENCHMARKS.md written (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
