/**
 * Pieces the benchmarks share: medians, the machine description, throwaway
 * topics on the real broker (created per run, deleted afterwards so long runs
 * do not fill the broker's disk), fast publishing of pre-validated events,
 * and child processes whose stdout ends in one JSON line.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { Kafka, Producer } from 'kafkajs';
import { encodeEvent } from '../../libs/contracts/decode.ts';
import type { PredictionEvent } from '../../libs/contracts/schemas.ts';
import { ensureDriftlineTopics, type TopicNames } from '../../libs/kafka/topology.ts';
import { repoRoot } from '../../libs/local/local-services.ts';

/** Progress lines of a benchmark (stderr in the CLI). */
export type BenchLog = (line: string) => void;

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Theil–Sen slope: the median of the slopes between every pair of points
 * (pairs with equal x skipped), as scipy.stats.theilslopes. Unlike least
 * squares, a few outliers (a burst of memory held for a second) do not
 * tilt it.
 */
export function theilSenSlope(points: ReadonlyArray<readonly [number, number]>): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const dx = points[j]![0] - points[i]![0];
      if (dx !== 0) slopes.push((points[j]![1] - points[i]![1]) / dx);
    }
  }
  return slopes.length === 0 ? 0 : median(slopes);
}

/** 1234567 → "1,234,567". */
export const int = (n: number) => Math.round(n).toLocaleString('en-US');
/** Bytes → "123 MiB". */
export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** CPU model, core count, RAM and Node version, from the os module. */
export function machineDescription(): string {
  const cpu = cpus()[0]?.model.trim() || 'unknown CPU';
  return `${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; Node ${process.version}`;
}

/** CPU seconds of this process by kind of thread (see threadCpu). */
export interface ThreadCpu {
  /** The JavaScript main thread: kafkajs, decoding, aggregation, checkpoint encoding. */
  main: number;
  /**
   * Every thread but the main one and the engine's live ones: V8's garbage-collector helpers, worker threads
   * (drift statistics, grid encoder), libuv, and threads that ended during the pass (the workers stop at close()).
   */
  node: number;
  /** Every other named thread: the embedded ClickHouse engine's (query pipeline, merges, background pools). */
  engine: number;
  /** Not this process: CPU seconds the whole machine spent idle (all cores, from /proc/stat), i.e. capacity nobody used. */
  idle: number;
}

/** Kernel clock ticks per second, as /proc/<pid>/stat counts CPU time (USER_HZ; 100 on Linux for decades). */
const USER_HZ = 100;

/**
 * Cumulative CPU seconds of this process per thread kind, from
 * /proc/self/task/<tid>/stat (Linux; undefined elsewhere). Sample before
 * and after a pass and subtract (threadCpuDelta). A thread that ended in
 * between is gone from /proc, so "node" is taken as the whole process's
 * CPU (getrusage, which keeps ended threads) minus the main thread and the
 * engine's threads still alive: the processors' worker threads end in
 * close(), inside the timed pass.
 */
export function threadCpu(): Map<string, { kind: Exclude<keyof ThreadCpu, 'node'> | 'process'; seconds: number }> | undefined {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  const threads = new Map<string, { kind: Exclude<keyof ThreadCpu, 'node'> | 'process'; seconds: number }>();
  const usage = process.cpuUsage();
  threads.set('process', { kind: 'process', seconds: (usage.user + usage.system) / 1e6 });
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended while we listed
    }
    // "<tid> (<comm>) <state> …": comm may hold spaces and parentheses, so split at the LAST ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // Fields 14 and 15 of proc(5) (utime, stime) are 11 and 12 after the comm.
    const seconds = (Number(fields[11]) + Number(fields[12])) / USER_HZ;
    // Node's own threads (named "node": GC helpers, workers, libuv) are counted from the process total instead.
    if (comm === 'node' && tid !== String(process.pid)) continue;
    threads.set(tid, { kind: tid === String(process.pid) ? 'main' : 'engine', seconds });
  }
  // No /proc/stat: the idle column reads 0.
  const ticks = machineTicks();
  if (ticks) threads.set('machine-idle', { kind: 'idle', seconds: ticks.idle / USER_HZ });
  return threads;
}

/** CPU seconds per thread kind between two threadCpu() samples (undefined where /proc is not available). */
export function threadCpuDelta(before: ReturnType<typeof threadCpu>, after: ReturnType<typeof threadCpu>): ThreadCpu | undefined {
  if (!before || !after) return undefined;
  const out: ThreadCpu = { main: 0, node: 0, engine: 0, idle: 0 };
  let processSeconds = 0;
  for (const [tid, t] of after) {
    const delta = t.seconds - (before.get(tid)?.seconds ?? 0);
    if (t.kind === 'process') processSeconds = delta;
    else out[t.kind] += delta;
  }
  out.node = Math.max(0, processSeconds - out.main - out.engine);
  return out;
}

/** The machine's CPU ticks so far, all cores (/proc/stat: "cpu  user nice system idle iowait …", USER_HZ); undefined off Linux. */
function machineTicks(): { idle: number; iowait: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { idle: fields[3]!, iowait: fields[4] ?? 0, total: fields.reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

/**
 * Waits until the machine is quiet (at least `idleShare` of its CPU unused
 * over a 500 ms sample) and `extra()` says its own background work is done,
 * or `maxMs` passed; returns the ms waited. Passes of a side-by-side
 * benchmark run back to back, and what one pass leaves running (the
 * embedded engine's merges, the broker flushing) otherwise lands on the
 * next one's time: the bare consumer's runs, the shortest, swung by 1.5x.
 */
export async function waitForQuiet(options: { maxMs?: number; idleShare?: number; extra?: () => Promise<boolean> } = {}): Promise<number> {
  const t0 = Date.now();
  const maxMs = options.maxMs ?? 30_000;
  const idleShare = options.idleShare ?? 0.8;
  while (Date.now() - t0 < maxMs) {
    const before = machineTicks();
    await new Promise((r) => setTimeout(r, 500));
    const after = machineTicks();
    const unused = (t: { idle: number; iowait: number }) => t.idle + t.iowait;
    const idle = before && after && after.total > before.total ? (unused(after) - unused(before)) / (after.total - before.total) : 1;
    if (idle >= idleShare && ((await options.extra?.()) ?? true)) break;
  }
  return Date.now() - t0;
}

/** A fresh set of Driftline topics named `<prefix>-<time>.*` (6 prediction partitions, 3 label partitions). */
export async function benchTopics(kafka: Kafka, prefix: string): Promise<TopicNames> {
  const base = `driftline-bench-${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  const topics = { predictions: `${base}.predictions`, labels: `${base}.labels`, alerts: `${base}.alerts`, deadLetter: `${base}.dead-letter` };
  await ensureDriftlineTopics(kafka, topics);
  return topics;
}

/** Deletes a bench's topics; a failure is reported, not thrown (the numbers are already taken). */
export async function deleteTopics(kafka: Kafka, topics: TopicNames, log: BenchLog = () => {}): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(topics), timeout: 30_000 });
  } catch (err) {
    log(`could not delete topics ${topics.predictions.replace(/\.predictions$/, '.*')}: ${(err as Error).message}`);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Encodes prediction events for the bench producers. The first event of a
 * run goes through `encodeEvent` (the contract's zod schema) so a generator
 * that drifts from the contract fails loudly; the rest are plain
 * JSON.stringify, because a million zod passes would make the publisher,
 * not the system under test, the bottleneck on 2 cores.
 */
export function predictionEncoder(): (event: PredictionEvent) => Buffer {
  let checked = false;
  return (event) => {
    if (!checked) {
      checked = true;
      return encodeEvent('predictions', event);
    }
    return Buffer.from(JSON.stringify(event));
  };
}

/**
 * Publishes `count` messages made by `make(i)` in batches of `batchSize`,
 * one batch in flight (the idempotent producer's limit). Returns the wall
 * time in ms. `onBatch` runs after each acknowledged batch (pacing, RSS).
 */
export async function publishAll(
  producer: Producer,
  topic: string,
  count: number,
  make: (i: number) => { key: string; value: Buffer },
  options: { batchSize?: number; onBatch?: (published: number) => Promise<void> | void } = {},
): Promise<number> {
  const batchSize = options.batchSize ?? 2_000;
  const t0 = performance.now();
  for (let i = 0; i < count; i += batchSize) {
    const messages = [];
    for (let j = i; j < Math.min(count, i + batchSize); j++) messages.push(make(j));
    await producer.send({ topic, acks: -1, messages });
    await options.onBatch?.(Math.min(count, i + batchSize));
  }
  return performance.now() - t0;
}

/** Exit status, the last stdout line parsed as JSON (when the exit was clean), and stderr's tail. */
export interface ChildRun<T> {
  code: number | null;
  result: T | undefined;
  stderr: string;
  wallMs: number;
}

/**
 * Runs `node --import tsx <script> ...args` from the repository root and
 * parses its last stdout line as JSON. `onLine` sees every stdout line as it
 * comes (progress samples).
 */
export function runTsxChild<T>(script: string, args: string[], options: { onLine?: (line: string) => void; env?: NodeJS.ProcessEnv; onSpawn?: (pid: number) => void } = {}): Promise<ChildRun<T>> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    let stdout = '';
    let pending = '';
    let stderr = '';
    // UTF-8 decoded across chunk boundaries: d.toString() per chunk turned a '–' split between two
    // reads into U+FFFD, which once showed up as a false drift_metrics mismatch in the scale-out proof.
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      stdout = (stdout + text).slice(-50_000_000);
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) options.onLine?.(line);
    });
    child.stderr.on('data', (d: string) => (stderr = (stderr + d).slice(-4_000)));
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      let result: T | undefined;
      try {
        result = code === 0 ? (JSON.parse(last) as T) : undefined;
      } catch {
        result = undefined;
      }
      resolve({ code, result, stderr, wallMs: performance.now() - t0 });
    });
  });
}
