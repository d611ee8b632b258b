/**
 * The stream processors' two promises, each checked against an undisturbed
 * single-instance run over the same topic:
 *  - scale-out: 3 instances in one consumer group produce identical tables;
 *  - crash safety: an instance SIGKILLed at random moments, then restarted,
 *    produces identical tables (no event lost, none double counted).
 * Each configuration runs in its own process with its own ClickHouse data
 * directory (test/support/processors-child.ts), like separate deployments.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kafka, Producer } from 'kafkajs';
import { encodeEvent } from '../../libs/contracts/decode.ts';
import { newPredictionId } from '../../libs/contracts/prediction-id.ts';
import type { PredictionEvent } from '../../libs/contracts/schemas.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { repoRoot } from '../../libs/local/local-services.ts';
import { sampleDataset, sampleRow } from '../../libs/model/credit-domain.ts';
import { createRng } from '../../libs/model/random.ts';
import { buildReferenceProfile } from '../../libs/profiles/reference-profile.ts';
import { testKafka, uniqueName, uniqueTopics } from '../support/harness.ts';

const EVENTS = Number(process.env.SCALEOUT_EVENTS ?? 60_000);
const WINDOW_MS = 10_000;
const LATENESS_MS = 2_000;
const MODELS = ['credit-a', 'credit-b'];

let kafka: Kafka;
let producer: Producer;
let topic: string;
let profileFile: string;

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  tables?: Record<string, unknown[]>;
  stderr: string;
}

/** Runs the processors child; with `killAtConsumed`, SIGKILLs it once it reports that many events consumed (mid-stream by construction). */
function runChild(dataDir: string, group: string, instances: number, killAtConsumed?: number): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/support/processors-child.ts', '--data-dir', dataDir, '--topic', topic, '--group', group, '--instances', String(instances), '--profile', profileFile, '--window-ms', String(WINDOW_MS), '--lateness-ms', String(LATENESS_MS)],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    // UTF-8 decoded across chunk boundaries: the tables hold '–' and '≤', and a
    // character split between two reads would turn into U+FFFD and a false mismatch.
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdout += d;
      if (killAtConsumed === undefined || child.killed) return;
      const reports = [...d.matchAll(/^progress (\d+)$/gm)];
      if (reports.some((m) => Number(m[1]) >= killAtConsumed)) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-4_000);
      if (process.env.DEBUG_CHILD) process.stderr.write(d);
    });
    child.on('exit', (code, signal) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      let tables: Record<string, unknown[]> | undefined;
      try {
        tables = code === 0 ? (JSON.parse(last) as Record<string, unknown[]>) : undefined;
      } catch {
        tables = undefined;
      }
      resolve({ code, signal, tables, stderr });
    });
  });
}

before(async () => {
  kafka = testKafka();
  producer = createIdempotentProducer(kafka);
  await producer.connect();
  topic = (await uniqueTopics(kafka)).predictions;
  const rng = createRng(7);
  const dir = mkdtempSync(join(tmpdir(), 'driftline-scaleout-'));
  profileFile = join(dir, 'profile.json');
  // One profile file serves both models: the child stores it under credit-a,
  // and credit-b falls back to it... so store one per model instead.
  const reference = sampleDataset(rng, 3_000).rows as unknown as Array<Record<string, unknown>>;
  writeFileSync(profileFile, JSON.stringify(buildReferenceProfile(reference, { model: MODELS[0]!, modelVersion: '1', source: 'scaleout-test' })));

  // Events over 6 windows, out of order by up to 3 s (some beyond the 2 s
  // lateness, so late counting is exercised), income shifted in windows 4–6.
  const start = Math.floor((Date.now() - 30 * 60_000) / WINDOW_MS) * WINDOW_MS;
  const span = 6 * WINDOW_MS;
  const messages: Array<{ key: string; value: Buffer }> = [];
  for (let i = 0; i < EVENTS; i++) {
    const base = start + Math.floor((i / EVENTS) * span);
    const ts = base - Math.floor(rng.next() * 3_000);
    const drift = base - start >= 3 * WINDOW_MS ? { numeric: { income: { scale: 1.6 } } } : undefined;
    const row = sampleRow(rng, drift) as unknown as PredictionEvent['features'];
    if (i % 997 === 0) row.income = null;
    // A few values outside the reference profile's inferred schema, so validation's range and domain rules fire.
    if (i % 499 === 0) row.home_ownership = 'houseboat';
    if (i % 503 === 0) row.age = -5;
    const event: PredictionEvent = { schema_version: 1, prediction_id: newPredictionId(ts), model: MODELS[i % MODELS.length]!, model_version: '1', ts: Math.max(start, ts), features: row, outputs: { probability: 0.5 }, latency_ms: 1 + (i % 50), status: i % 101 === 0 ? 'error' : 'ok', node: 'n', execution_provider: 'cpu' };
    messages.push({ key: event.prediction_id, value: encodeEvent('predictions', event) });
  }
  for (let i = 0; i < messages.length; i += 500) await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 500) });
});
after(async () => {
  await producer.disconnect();
});

describe('stream processors: scale-out and crash safety', () => {
  let baseline: Record<string, unknown[]>;

  it('one instance: the baseline tables', async () => {
    const result = await runChild(mkdtempSync(join(tmpdir(), 'driftline-s1-')), uniqueName('one'), 1);
    assert.equal(result.code, 0, result.stderr);
    baseline = result.tables!;
    const windows = baseline.drift_windows as Array<{ events: string; late_events: string; model: string }>;
    const total = windows.reduce((s, w) => s + Number(w.events) + Number(w.late_events), 0);
    assert.equal(total, EVENTS / MODELS.length, 'every credit-a event is in a window, on time or late');
    assert.ok(windows.some((w) => Number(w.late_events) > 0), 'some events were late');
    const income = (baseline.drift_metrics as Array<{ feature: string; drifted: number; window_start: string }>).filter((r) => r.feature === 'income');
    assert.ok(income.some((r) => r.drifted === 1) && income.some((r) => r.drifted === 0), 'income drifts after the shift only');
    const slo = baseline.slo_windows as Array<{ model: string; requests: string }>;
    const onTime = windows.reduce((s, w) => s + Number(w.events), 0);
    assert.equal(slo.filter((w) => w.model === MODELS[0]).reduce((s, w) => s + Number(w.requests), 0), onTime, 'slo_windows counts every on-time event');
    assert.ok((baseline.slo_status as unknown[]).length > 0, 'SLO status evaluated');
    const violations = baseline.validation_metrics as Array<{ rule: string; feature: string; violations: string }>;
    assert.ok(violations.some((v) => v.rule === 'domain' && v.feature === 'home_ownership' && Number(v.violations) > 0), 'domain violations found');
    assert.ok(violations.some((v) => v.rule === 'range' && v.feature === 'age' && Number(v.violations) > 0), 'range violations found');
  });

  it('three instances in one consumer group produce identical tables', async () => {
    const result = await runChild(mkdtempSync(join(tmpdir(), 'driftline-s3-')), uniqueName('three'), 3);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.tables, baseline);
  });

  it('an instance killed with SIGKILL twice, then restarted, produces identical tables', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftline-sk-'));
    const group = uniqueName('killed');
    let kills = 0;
    // First kill after 20-50% of the events, the second after another 10-30% (a run counts only what it consumes itself).
    for (const share of [0.2 + Math.random() * 0.3, 0.1 + Math.random() * 0.2]) {
      const killed = await runChild(dir, group, 1, Math.round(EVENTS * share));
      if (killed.signal === 'SIGKILL') kills++;
    }
    const result = await runChild(dir, group, 1);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(kills >= 1, 'at least one run was killed mid-stream');
    assert.deepEqual(result.tables, baseline);
  });
});
