/**
 * `npm run bench`: every benchmark, one after the other (never in parallel:
 * they would measure each other), each in its own process (the embedded
 * ClickHouse binds one data directory per process, and a fresh process keeps
 * one bench's memory out of the next one's figures), each under a time
 * limit; then BENCHMARKS.md is rewritten with the machine, the exact
 * commands, medians over repeats and the side-by-side ratios.
 *
 *   npm run bench               full sizes (about 17 minutes on 2 cores)
 *   npm run bench -- --quick    smaller inputs, a smoke run (about 3 minutes)
 *   npm run bench -- --long     full sizes, and the memory run at the issue's 10M events (about 5 minutes more)
 *
 * A bench that fails or runs past its limit gets a section saying so; the
 * others still run, and the exit code is 1.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../../libs/local/local-services.ts';
import { machineDescription } from './bench-support.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, long: { type: 'boolean', default: false } } });
if (values.quick && values.long) {
  console.error('--quick and --long exclude each other');
  process.exit(2);
}
const mode = values.quick ? 'quick' : values.long ? 'long' : 'full';
const log = (line: string) => console.error(`[bench] ${line}`);

interface Bench {
  title: string;
  script: string;
  args: Record<typeof mode, string[]>;
  /** Wall-time limit in minutes, per mode. */
  limitMin: Record<typeof mode, number>;
}

const same = (args: string[]) => ({ quick: args, full: args, long: args });
const BENCHES: Bench[] = [
  {
    title: 'Drift CLI vs numpy/scipy',
    script: 'test/bench/drift-bench.ts',
    args: { quick: ['--rows', '100000', '--repeats', '1'], full: ['--rows', '1000000', '--repeats', '3'], long: ['--rows', '1000000', '--repeats', '3'] },
    limitMin: { quick: 2, full: 6, long: 6 },
  },
  {
    title: 'Stream processors vs bare consumer',
    script: 'test/bench/processors-bench.ts',
    // Nine repeats: on a shared 2-core machine the bare consumer's runs alone swung by 1.5x from one to the next, and
    // the per-repeat ratio spanned 0.62-0.90 in one day (three runs of the same code read 0.67, 0.74 and 0.69 with
    // five, five and nine repeats); the median of nine moves less.
    args: { quick: ['--events', '100000', '--repeats', '1'], full: ['--events', '500000', '--repeats', '9'], long: ['--events', '500000', '--repeats', '9'] },
    // Three passes per repeat (bare, processors, processors without drift), each after a quiet wait: ~9 min on 2 shared cores.
    limitMin: { quick: 2, full: 15, long: 15 },
  },
  {
    title: 'Drift detection latency (end to end)',
    script: 'test/bench/detection-latency-bench.ts',
    args: { quick: ['--repeats', '2'], full: ['--repeats', '5'], long: ['--repeats', '5'] },
    limitMin: { quick: 1, full: 2, long: 2 },
  },
  {
    title: 'Label join',
    script: 'test/bench/label-join-bench.ts',
    args: { quick: ['--labels', '50000', '--repeats', '1'], full: ['--labels', '200000', '--repeats', '3'], long: ['--labels', '200000', '--repeats', '3'] },
    // ~25 s a repeat on an idle 2-core machine; the 3-minute limit was hit once under load.
    limitMin: { quick: 1, full: 5, long: 5 },
  },
  {
    title: 'Processor memory over a long run',
    script: 'test/bench/processor-rss-bench.ts',
    args: { quick: ['--events', '300000'], full: ['--events', '2000000'], long: ['--events', '10000000'] },
    limitMin: { quick: 1, full: 4, long: 25 },
  },
  {
    title: 'Scale-out proof: 1 instance vs 3 instances vs 1 instance SIGKILLed',
    script: 'test/bench/scaleout-proof.ts',
    args: { quick: ['--events', '100000'], full: ['--events', '1000000'], long: ['--events', '1000000'] },
    limitMin: { quick: 2, full: 9, long: 9 },
  },
  {
    title: 'Serving node',
    script: 'test/bench/serving-bench.ts',
    args: { ...same(['--phase-ms', '3000']), quick: ['--phase-ms', '1000'] },
    limitMin: { quick: 1, full: 2, long: 2 },
  },
];

interface Outcome {
  bench: Bench;
  command: string;
  wallMs: number;
  ok: boolean;
  markdown: string;
}

/** Runs one bench CLI; stdout is its section, stderr its progress (shown). */
function runBench(bench: Bench): Promise<Outcome> {
  const args = bench.args[mode];
  const command = `node --import tsx ${bench.script} ${args.join(' ')}`;
  const limitMs = bench.limitMin[mode] * 60_000;
  return new Promise((resolve) => {
    const t0 = performance.now();
    // Its own process group, so a bench past its limit is stopped with the children it started.
    const child = spawn(process.execPath, ['--import', 'tsx', bench.script, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (stdout += d));
    child.stderr.on('data', (d: string) => {
      for (const line of d.split('\n')) if (line.trim()) log(`  ${line}`);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, limitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const wallMs = performance.now() - t0;
      const ok = code === 0 && !timedOut && stdout.includes('## ');
      const why = timedOut ? `did not finish within its ${bench.limitMin[mode]}-minute limit` : `failed (exit code ${code})`;
      const markdown = ok || stdout.includes('## ') ? stdout.trim() : `## ${bench.title}\n\n**Not measured in this run: \`${command}\` ${why}.**`;
      resolve({ bench, command, wallMs, ok, markdown: ok ? markdown : `${markdown}\n\n_(\`${command}\` ${why}.)_` });
    });
  });
}

function versions(): string {
  const py = (() => {
    try {
      return execFileSync('python3', ['-c', 'import sys,numpy,scipy;print(f"Python {sys.version.split()[0]}, numpy {numpy.__version__}, scipy {scipy.__version__}")']).toString().trim();
    } catch {
      return 'Python/numpy/scipy not found';
    }
  })();
  const pkg = (name: string) => (JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  const kafka = /KAFKA_VERSION=(\S+)/.exec(readFileSync(join(repoRoot, 'scripts/kafka.sh'), 'utf8'))?.[1] ?? '?';
  return `${py}; Kafka ${kafka} (local single-node KRaft broker, same machine), kafkajs ${pkg('kafkajs')}; ClickHouse embedded (chdb ${pkg('chdb')}); onnxruntime-node ${pkg('onnxruntime-node')}`;
}

const t0 = Date.now();
const loadBefore = loadavg();
log(`mode ${mode}: ${BENCHES.length} benchmarks, one at a time`);
const outcomes: Outcome[] = [];
for (const bench of BENCHES) {
  log(`${bench.title}: ${bench.script} ${bench.args[mode].join(' ')}`);
  outcomes.push(await runBench(bench));
  log(`${bench.title}: ${outcomes.at(-1)!.ok ? 'done' : 'FAILED'} in ${(outcomes.at(-1)!.wallMs / 1000).toFixed(0)} s`);
}
const loadAfter = loadavg();
const minutes = (Date.now() - t0) / 60_000;
const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' / ');

const doc = [
  '# Benchmarks',
  '',
  `Written by \`npm run bench${mode === 'full' ? '' : ` -- --${mode}`}\` on ${new Date().toISOString().slice(0, 10)} in ${minutes.toFixed(1)} min.`,
  '',
  `- **Machine**: ${machineDescription()}.`,
  `- **Software**: ${versions()}.`,
  `- **Load**: the machine was shared with other work while this ran (load average 1/5/15 min: ${load(loadBefore)} at the start, ${load(loadAfter)} at the end). Every comparison therefore runs both sides in the same run, alternating or back to back, on the same inputs: compare the ratios, not absolute figures across runs.`,
  '',
  '| benchmark | command (from the repository root) | wall time | status |',
  '|---|---|---|---|',
  ...outcomes.map((o) => `| [${o.bench.title}](#${o.bench.title.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')}) | \`${o.command}\` | ${(o.wallMs / 1000).toFixed(0)} s | ${o.ok ? 'ok' : '**failed**'} |`),
  '',
  ...outcomes.map((o) => `${o.markdown.replace(/^# Benchmarks\s*/m, '').trim()}\n`),
].join('\n');
writeFileSync(join(repoRoot, 'BENCHMARKS.md'), doc);
log(`BENCHMARKS.md written (${minutes.toFixed(1)} min)`);
if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
