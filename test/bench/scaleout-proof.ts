/**
 * Scale-out proof at size (issue 5 item 7): the same prediction stream read
 * by ONE processors instance and by THREE instances in one consumer group
 * must yield identical drift, validation and SLO tables. CI runs this on
 * 60k events (test/integration/processors-scaleout.test.ts); this runs it
 * on 1,000,000 by default, with the same child (test/support/processors-child.ts:
 * its own process and embedded ClickHouse per configuration, runs until every
 * partition's checkpoint covers the topic's end, then finalizes every window
 * and prints the tables) and the same kind of stream: 2 models, 10 s windows,
 * 2 s lateness, events up to 3 s out of order (some late), income shifted in
 * the second half, a few nulls, out-of-domain and out-of-range values, errors.
 *
 * A third configuration proves crash safety at size (issue 9 item 1): one
 * instance SIGKILLed --kills times at random moments, restarted each time on
 * the same data directory and consumer group, then left to finish.
 *
 * Reports, per table: row count and SHA-256 of its rows (as the child prints
 * them, in its ORDER BY) for the three runs, and whether they are identical.
 *
 *   node --import tsx test/bench/scaleout-proof.ts [--events 1000000] [--kills 3]
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { newPredictionId } from '../../libs/contracts/prediction-id.ts';
import type { PredictionEvent } from '../../libs/contracts/schemas.ts';
import { createKafka } from '../../libs/kafka/client.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { ensureLocalKafka } from '../../libs/local/local-services.ts';
import { silentLogger } from '../../libs/logging/logger.ts';
import { sampleDataset, sampleRow } from '../../libs/model/credit-domain.ts';
import { createRng } from '../../libs/model/random.ts';
import { buildReferenceProfile } from '../../libs/profiles/reference-profile.ts';
import { type BenchLog, benchTopics, deleteTopics, int, predictionEncoder, publishAll, runTsxChild } from './bench-support.ts';

export interface ScaleoutProofOptions {
  events?: number;
  /** SIGKILLs of the third configuration (one instance killed and restarted); default 3. */
  kills?: number;
  log?: BenchLog;
}

/** Outcome of the comparison (the section is built from it). */
export interface ScaleoutProofResult {
  events: number;
  identical: boolean;
  tables: Array<{ name: string; rows: [number, number, number]; sha256: [string, string, string]; identical: boolean }>;
  /** 1 instance, 3 instances, killed-and-restarted (all of its runs). */
  wallMs: [number, number, number];
  killsLanded: number;
  publishMs: number;
  /** Events in drift_windows (on time + late) for the model with a reference profile, per run. */
  windowedEvents: [number, number, number];
  markdown: string;
}

const WINDOW_MS = 10_000;
const LATENESS_MS = 2_000;
const MODELS = ['credit-a', 'credit-b'];
/** Events per window on average, as in the CI test (60k events over 6 windows). */
const EVENTS_PER_WINDOW = 10_000;

type Tables = Record<string, unknown[]>;

const sha256 = (rows: unknown[]) => createHash('sha256').update(JSON.stringify(rows)).digest('hex');

/** Runs the comparison and returns the result with its BENCHMARKS.md section. */
export async function runScaleoutProof(options: ScaleoutProofOptions = {}): Promise<ScaleoutProofResult> {
  const n = options.events ?? 1_000_000;
  const log = options.log ?? (() => {});
  await ensureLocalKafka(9092);
  const kafka = createKafka({ brokers: ['127.0.0.1:9092'], clientId: 'scaleout-proof', logger: silentLogger() });
  const topics = await benchTopics(kafka, 'scaleout');
  const dir = mkdtempSync(join(tmpdir(), 'driftline-scaleout-proof-'));
  const rng = createRng(7);
  const profileFile = join(dir, 'profile.json');
  // As in CI, the child stores one reference profile (credit-a's): credit-b is covered by SLO and the late counts only.
  writeFileSync(profileFile, JSON.stringify(buildReferenceProfile(sampleDataset(rng, 3_000).rows as unknown as Array<Record<string, unknown>>, { model: MODELS[0]!, modelVersion: '1', source: 'scaleout-proof' })));

  const windows = Math.max(6, Math.round(n / EVENTS_PER_WINDOW));
  const span = windows * WINDOW_MS;
  const start = Math.floor((Date.now() - span - 30 * 60_000) / WINDOW_MS) * WINDOW_MS;
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const encode = predictionEncoder();
  log(`scale-out: publishing ${int(n)} events over ${windows} windows`);
  let publishMs = 0;
  const runs: Array<{ tables: Tables; wallMs: number }> = [];
  const kills = options.kills ?? 3;
  const killMoments: Array<{ atMs: number; killed: boolean }> = [];
  try {
    publishMs = await publishAll(producer, topics.predictions, n, (i) => {
      const base = start + Math.floor((i / n) * span);
      const ts = base - Math.floor(rng.next() * 3_000);
      const drift = base - start >= span / 2 ? { numeric: { income: { scale: 1.6 } } } : undefined;
      const row = sampleRow(rng, drift) as unknown as PredictionEvent['features'];
      if (i % 997 === 0) row.income = null;
      if (i % 499 === 0) row.home_ownership = 'houseboat';
      if (i % 503 === 0) row.age = -5;
      const event: PredictionEvent = { schema_version: 1, prediction_id: newPredictionId(ts), model: MODELS[i % MODELS.length]!, model_version: '1', ts: Math.max(start, ts), features: row, outputs: { probability: 0.5 }, latency_ms: 1 + (i % 50), status: i % 101 === 0 ? 'error' : 'ok', node: 'n', execution_provider: 'cpu' };
      return { key: event.prediction_id, value: encode(event) };
    });
    await producer.disconnect();
    const childArgs = (dataDir: string, group: string, instances: number) => [
      '--data-dir', dataDir,
      '--topic', topics.predictions,
      '--group', group,
      '--instances', String(instances),
      '--profile', profileFile,
      '--window-ms', String(WINDOW_MS),
      '--lateness-ms', String(LATENESS_MS),
    ];
    for (const instances of [1, 3]) {
      log(`scale-out: ${instances} instance(s) reading ${int(n)} events`);
      const child = await runTsxChild<Tables>('test/support/processors-child.ts', childArgs(join(dir, `ch-${instances}`), `${topics.predictions}-${instances}x`, instances));
      if (child.code !== 0 || !child.result) throw new Error(`processors child with ${instances} instance(s) failed (${child.code}): ${child.stderr}`);
      runs.push({ tables: child.result, wallMs: child.wallMs });
      log(`scale-out: ${instances} instance(s) done in ${(child.wallMs / 1000).toFixed(0)} s`);
    }
    // Crash safety at size (issue 9 item 1): one instance SIGKILLed at random moments, restarted on the same
    // data directory and consumer group each time, must end with the same tables as the undisturbed run.
    const killedDir = join(dir, 'ch-killed');
    const killedGroup = `${topics.predictions}-killed`;
    const t0 = performance.now();
    // The first kill lands at 30-70% of the undisturbed run's length (start-up included). A restarted child
    // first waits out the killed member's session (6 s) before it owns partitions again, and has less left
    // to do: later kills land 9 s after its start plus up to 15% of that length.
    const span1 = runs[0]!.wallMs;
    for (let k = 0; k < kills; k++) {
      const at = Math.round(k === 0 ? span1 * (0.3 + 0.4 * rng.next()) : 9_000 + rng.next() * Math.max(2_000, span1 * 0.15));
      const child = await runTsxChild<Tables>('test/support/processors-child.ts', childArgs(killedDir, killedGroup, 1), {
        onSpawn: (pid) => void setTimeout(() => {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* already exited */
          }
        }, at).unref(),
      });
      killMoments.push({ atMs: at, killed: child.code === null });
      log(`scale-out: kill ${k + 1}/${kills} at ${(at / 1000).toFixed(1)} s: ${child.code === null ? 'killed mid-stream' : `exited first (code ${child.code})`}`);
    }
    const restarted = await runTsxChild<Tables>('test/support/processors-child.ts', childArgs(killedDir, killedGroup, 1));
    if (restarted.code !== 0 || !restarted.result) throw new Error(`processors child after the kills failed (${restarted.code}): ${restarted.stderr}`);
    runs.push({ tables: restarted.result, wallMs: performance.now() - t0 });
    log(`scale-out: killed ${killMoments.filter((m) => m.killed).length} times, restarted, done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    await producer.disconnect().catch(() => {});
    await deleteTopics(kafka, topics, log);
    rmSync(dir, { recursive: true, force: true });
  }
  const [one, three, killed] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
  const names = [...new Set([...Object.keys(one.tables), ...Object.keys(three.tables), ...Object.keys(killed.tables)])];
  const tables = names.map((name) => {
    const sums: [string, string, string] = [sha256(one.tables[name] ?? []), sha256(three.tables[name] ?? []), sha256(killed.tables[name] ?? [])];
    const rows: [number, number, number] = [(one.tables[name] ?? []).length, (three.tables[name] ?? []).length, (killed.tables[name] ?? []).length];
    return { name, rows, sha256: sums, identical: sums[0] === sums[1] && sums[0] === sums[2] };
  });
  // On a mismatch, show the first differing row of each such table (stderr) so the difference can be read.
  for (const t of tables.filter((x) => !x.identical)) {
    const [a, b, c] = [one, three, killed].map((r) => (r.tables[t.name] ?? []).map((row) => JSON.stringify(row)));
    for (const [label, other] of [['3 instances', b!], ['killed + restarted', c!]] as const) {
      const i = a!.findIndex((row, k) => row !== other[k]);
      if (i >= 0) log(`${t.name}: first difference at row ${i} (${label}):\n  1 instance: ${a![i]}\n  ${label}: ${other[i]}`);
    }
  }
  const windowed = (t: Tables) => (t.drift_windows as Array<{ events: string; late_events: string }>).reduce((s, w) => s + Number(w.events) + Number(w.late_events), 0);
  const identical = tables.every((t) => t.identical);
  const expected = Math.ceil(n / MODELS.length);
  const windowedEvents: [number, number, number] = [windowed(one.tables), windowed(three.tables), windowed(killed.tables)];
  const killsLanded = killMoments.filter((m) => m.killed).length;
  const markdown = [
    '## Scale-out proof: 1 instance vs 3 instances vs 1 instance SIGKILLed',
    '',
    `${int(n)} prediction events (2 models, ${windows} windows of 10 s, 2 s allowed lateness, events up to 3 s out of order so some are late, \`income\` shifted ×1.6 in the second half, a few nulls, out-of-domain and out-of-range values and errors) on a 6-partition topic, read once by **one** processors instance, once by **three** instances in one consumer group, and once by one instance **SIGKILLed ${killMoments.length} times** at random moments (${killMoments.map((m) => `${(m.atMs / 1000).toFixed(1)} s${m.killed ? '' : ' (had already finished)'}`).join(', ')} after its start; ${killsLanded} landed mid-stream), each time restarted on the same data directory and consumer group, then left to finish; each configuration in its own process with its own embedded ClickHouse (\`test/support/processors-child.ts\`, the child CI uses on 60k events). Every window is finalized at the end of the stream, then the tables are compared row for row.`,
    '',
    `Run: \`node --import tsx test/bench/scaleout-proof.ts --events ${n}\` (publishing ${(publishMs / 1000).toFixed(0)} s; 1 instance ${(one.wallMs / 1000).toFixed(0)} s, 3 instances ${(three.wallMs / 1000).toFixed(0)} s, killed-and-restarted ${(killed.wallMs / 1000).toFixed(0)} s over all its runs, each from process start to the printed tables)`,
    '',
    '| table | rows (1 / 3 / killed) | SHA-256 (1 instance) | SHA-256 (3 instances) | SHA-256 (killed + restarted) | identical |',
    '|---|---|---|---|---|---|',
    ...tables.map((t) => `| ${t.name} | ${t.rows.map(int).join(' / ')} | \`${t.sha256[0].slice(0, 16)}…\` | \`${t.sha256[1].slice(0, 16)}…\` | \`${t.sha256[2].slice(0, 16)}…\` | ${t.identical ? 'yes' : '**NO**'} |`),
    '',
    `Result: **${identical ? 'identical' : 'NOT identical'}** drift, validation and SLO tables (and alerts). Events accounted for in credit-a's drift windows (on time + late): ${windowedEvents.map(int).join(' / ')} of ${int(expected)}${windowedEvents.every((w) => w === expected) ? ' — none lost or double counted' : ' — **MISMATCH**'}. Checksums are over the rows as the child prints them (every column but computed_at/evaluated_at, in the tables' ORDER BY).`,
    '',
  ].join('\n');
  return { events: n, identical, tables, wallMs: [one.wallMs, three.wallMs, killed.wallMs], killsLanded, publishMs, windowedEvents, markdown };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, kills: { type: 'string', default: '3' } } });
  const result = await runScaleoutProof({ events: Number(values.events), kills: Number(values.kills), log: (l) => console.error(l) });
  process.stdout.write(result.markdown);
  if (!result.identical || result.windowedEvents.some((w) => w !== Math.ceil(result.events / 2))) process.exitCode = 1;
}
