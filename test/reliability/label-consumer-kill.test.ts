/**
 * Crash safety of the feedback label consumer: a child process running it
 * (support/label-consumer-child.ts, its own embedded ClickHouse) is SIGKILLed
 * twice while labels stream in, then restarted on the same data directory
 * and consumer group. Its labeled_predictions, pending_labels and labels must
 * equal those of an undisturbed run over the same topic: no label lost,
 * none joined twice, relabels resolved the same way.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kafka, Producer } from 'kafkajs';
import { newPredictionId } from '../../libs/contracts/prediction-id.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import type { TopicNames } from '../../libs/kafka/topology.ts';
import { repoRoot } from '../../libs/local/local-services.ts';
import { generatePredictions } from '../../simulators/prediction-generator.ts';
import { testKafka, uniqueName, uniqueTopics } from '../support/harness.ts';
import { recordFigures } from './support/figures.ts';
import { FuzzRandom, RELIABILITY_SEED } from './support/fuzz-random.ts';

const PREDICTIONS = 2_000;

let kafka: Kafka;
let producer: Producer;
let topics: TopicNames;
let predictionsFile: string;
const labelMessages: Array<{ key: string; value: Buffer }> = [];
/** Temp directories (chDB data, the predictions file), removed at the end. */
const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output?: { stats: Record<string, number>; tables: Record<string, Array<Record<string, unknown>>> };
  stderr: string;
}

/** Runs the child; `onReady` may return a delay after which it is SIGKILLed. */
function runChild(dataDir: string, group: string, onReady: () => number | undefined = () => undefined): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/reliability/support/label-consumer-child.ts', '--data-dir', dataDir, '--topic', topics.labels, '--group', group, '--predictions', predictionsFile, '--dead-letter', topics.deadLetter, '--expect', String(labelMessages.length)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      const before = stdout;
      stdout += d;
      if (!before.includes('ready\n') && stdout.includes('ready\n')) {
        const delay = onReady();
        if (delay !== undefined) killer = setTimeout(() => child.kill('SIGKILL'), delay);
      }
    });
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4_000)));
    child.on('exit', (code, signal) => {
      if (killer) clearTimeout(killer);
      let output: ChildResult['output'];
      try {
        output = code === 0 ? (JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildResult['output']) : undefined;
      } catch {
        output = undefined;
      }
      resolve({ code, signal, output, stderr });
    });
  });
}

before(async () => {
  kafka = testKafka();
  producer = createIdempotentProducer(kafka);
  await producer.connect();
  topics = await uniqueTopics(kafka);
  const r = new FuzzRandom(RELIABILITY_SEED + 97);
  const dir = tempDir('driftline-rel-labels-');
  predictionsFile = join(dir, 'predictions.jsonl');
  const predictions = [...generatePredictions(PREDICTIONS, { model: 'm-kill', modelVersion: '1', node: 'n', seed: 9, startMs: Date.now() - 2 * 3_600_000, stepMs: 1_000 })];
  writeFileSync(predictionsFile, predictions.map((p) => JSON.stringify(p)).join('\n'));
  const label = (id: string, value: unknown, model = 'm-kill') => ({ key: id, value: Buffer.from(JSON.stringify({ schema_version: 1, prediction_id: id, model, label: value, ts: Date.now() })) });
  // Most predictions labelled once, some relabelled later (the newest label must win), some labels
  // for predictions that do not exist (they stay pending), and a few undecodable messages.
  for (const p of predictions.slice(0, 1_600)) labelMessages.push(label(p.prediction_id, r.int(2)));
  for (let i = 0; i < 200; i++) labelMessages.push(label(newPredictionId(Date.now() - 60_000), 1));
  for (let i = 0; i < 20; i++) labelMessages.push({ key: `bad-${i}`, value: Buffer.from(r.pick(['{"schema_version":1', 'not json', '{"schema_version":2}'])) });
  for (const p of predictions.slice(0, 400)) labelMessages.push(label(p.prediction_id, r.pick(['relabelled', 0, 1])));
});
after(async () => {
  await producer?.disconnect();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('feedback label consumer killed mid-stream', () => {
  it('after two SIGKILLs and a restart, stores and joins exactly what an undisturbed run does', async () => {
    const killedDir = tempDir('driftline-rel-lk-');
    const group = uniqueName('labels-killed');
    const r = new FuzzRandom(RELIABILITY_SEED + 101);
    let sent = 0;
    const publishSome = async (n: number) => {
      const chunk = labelMessages.slice(sent, sent + n);
      if (chunk.length > 0) await producer.send({ topic: topics.labels, acks: -1, messages: chunk });
      sent += chunk.length;
    };

    // Labels keep arriving while the consumer is killed twice at random moments after it starts consuming.
    let kills = 0;
    for (let run = 0; run < 2; run++) {
      let streaming: Promise<void> = Promise.resolve();
      const result = await runChild(killedDir, group, () => {
        streaming = (async () => {
          for (let i = 0; i < 10 && sent < labelMessages.length; i++) {
            await publishSome(60);
            await new Promise((res) => setTimeout(res, 40));
          }
        })();
        return 300 + r.int(1_200);
      });
      await streaming;
      if (result.signal === 'SIGKILL') kills++;
      else assert.equal(result.code, 0, result.stderr);
    }
    await publishSome(labelMessages.length);
    const resumed = await runChild(killedDir, group);
    assert.equal(resumed.code, 0, resumed.stderr);

    // The undisturbed run over the same, now complete, topic.
    const baseline = await runChild(tempDir('driftline-rel-lb-'), uniqueName('labels-undisturbed'));
    assert.equal(baseline.code, 0, baseline.stderr);

    const keyed = (rows: Array<Record<string, unknown>>) => new Map(rows.map((row) => [JSON.stringify([row.prediction_id, row.partition, row.offset]), JSON.stringify(row)]));
    const diff = (table: string) => {
      const want = keyed(baseline.output!.tables[table]!);
      const got = keyed(resumed.output!.tables[table]!);
      return { lost: [...want].filter(([k, v]) => got.get(k) !== v).length, extra: [...got].filter(([k, v]) => want.get(k) !== v).length };
    };
    const joined = diff('labeled_predictions');
    const labels = diff('labels');
    const pending = diff('pending_labels');
    recordFigures('label-consumer-kill', {
      'events processed': labelMessages.length,
      'kills survived': kills,
      'events lost': joined.lost + labels.lost + pending.lost,
      'duplicates found': joined.extra + labels.extra + pending.extra,
      'joined rows': baseline.output!.tables.labeled_predictions!.length,
      'pending rows': baseline.output!.tables.pending_labels!.length,
    });

    assert.ok(kills >= 1, 'at least one run was killed mid-stream');
    assert.equal(baseline.output!.tables.labeled_predictions!.length, 1_600, 'every existing prediction joined once');
    assert.equal(baseline.output!.tables.pending_labels!.length, 200, 'labels of unknown predictions stay pending');
    assert.ok(baseline.output!.tables.labeled_predictions!.some((row) => row.label === 'relabelled' && Number(row.label_versions) === 2), 'relabels resolved to the newest label');
    assert.deepEqual(resumed.output!.tables, baseline.output!.tables, 'identical tables after the kills');
  });
});
