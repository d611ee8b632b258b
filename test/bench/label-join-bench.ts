/**
 * Label-join throughput: labels per second through the feedback service's
 * label consumer (services/feedback/label-consumer.ts: decode, store in
 * `labels`, join with `predictions` into `labeled_predictions`, commit), with
 * N predictions already in the embedded ClickHouse and N labels waiting on a
 * labels topic of the real broker. Side by side in the same run:
 *   - floor: the same N label rows inserted straight into `labels`, in
 *     batches as large as the consumer's Kafka batches (the least any label
 *     path can cost);
 *   - store only: a bare kafkajs consumer that decodes and stores the labels
 *     and commits, without the join (isolates the join's own cost).
 * Each repeat uses its own model and topic, so no run reads another's rows.
 *
 *   node --import tsx test/bench/label-join-bench.ts [--labels 200000] [--repeats 3]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Kafka, Producer } from 'kafkajs';
import { createClickHouse, queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { migrate } from '../../libs/clickhouse/migrations.ts';
import { parseEnv } from '../../libs/config/env.ts';
import { decodeEvent, encodeEvent } from '../../libs/contracts/decode.ts';
import { newPredictionId } from '../../libs/contracts/prediction-id.ts';
import type { LabelEvent } from '../../libs/contracts/schemas.ts';
import { createKafka } from '../../libs/kafka/client.ts';
import { createDeadLetterPublisher } from '../../libs/kafka/dead-letter.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { ensureLocalKafka, repoRoot } from '../../libs/local/local-services.ts';
import { silentLogger, type Logger } from '../../libs/logging/logger.ts';
import { createRng } from '../../libs/model/random.ts';
import { feedbackConfigSchema } from '../../services/feedback/config.ts';
import { createLabelConsumer } from '../../services/feedback/label-consumer.ts';
import { type BenchLog, benchTopics, deleteTopics, int, median, publishAll } from './bench-support.ts';

export interface LabelJoinBenchOptions {
  /** Predictions stored and labels published per repeat (default 200,000). */
  labels?: number;
  repeats?: number;
  log?: BenchLog;
}

interface Prediction {
  id: string;
  ts: number;
  score: number;
}

interface RepeatResult {
  /** Labels/s from the first label read to the last one joined (and committed). */
  joinRate: number;
  /** Same, including the consumer's connect and group join. */
  joinRateWithStart: number;
  storeRate: number;
  floorRate: number;
  batchSize: number;
  joined: number;
}

const PREDICTION_SPAN_MS = 2 * 3_600_000;

function predictionRows(model: string, predictions: readonly Prediction[]) {
  return predictions.map((p, i) => ({
    prediction_id: p.id,
    model,
    model_version: '1',
    ts: p.ts,
    features: JSON.stringify({ x: p.score, y: 1 - p.score, region: 'north' }),
    outputs: JSON.stringify({ probability: p.score, label: p.score >= 0.5 ? 1 : 0 }),
    latency_ms: 1,
    status: 'ok',
    error: '',
    node: 'bench',
    execution_provider: 'cpu',
    topic: 'bench',
    partition: i % 6,
    offset: i,
  }));
}

/** Polls `probe` every 5 ms until it is true (or `timeoutMs` passes, which throws). */
async function until(probe: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now();
}

/** Kafka → decode → `labels` insert → commit; no join. Returns the elapsed ms from the first batch and the mean batch size. */
async function storeOnly(kafka: Kafka, clickhouse: ClickHouseClient, topic: string, model: string, n: number): Promise<{ ms: number; batchSize: number }> {
  const consumer = kafka.consumer({ groupId: `${topic}-store-${Math.random()}`, maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let stored = 0;
  let batches = 0;
  let first = 0;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, resolveOffset }) => {
      first ||= performance.now();
      const rows = [];
      for (const m of batch.messages) {
        const decoded = decodeEvent('labels', m.value);
        if (!decoded.ok) continue;
        const l = decoded.value;
        rows.push({ prediction_id: l.prediction_id, model, label: String(l.label), label_ts: l.ts, received_at: Number(m.timestamp), source: 'kafka', topic: batch.topic, partition: batch.partition, offset: Number(m.offset) });
      }
      if (rows.length) await clickhouse.insert({ table: 'labels', values: rows, format: 'JSONEachRow' });
      const last = batch.messages.at(-1);
      if (last) {
        resolveOffset(last.offset);
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(Number(last.offset) + 1) }]);
      }
      stored += rows.length;
      batches++;
      if (stored >= n) finished();
    },
  });
  await done;
  const ms = performance.now() - first;
  await consumer.disconnect();
  return { ms, batchSize: stored / batches };
}

async function oneRepeat(r: number, n: number, deps: { kafka: Kafka; producer: Producer; clickhouse: ClickHouseClient; logger: Logger; log: BenchLog }): Promise<RepeatResult> {
  const { kafka, producer, clickhouse, logger, log } = deps;
  const model = `bench-join-r${r}-${Date.now().toString(36)}`;
  const rng = createRng(1000 + r);
  const now = Date.now();
  const predictions: Prediction[] = [];
  for (let i = 0; i < n; i++) {
    const ts = now - PREDICTION_SPAN_MS - 600_000 + Math.floor((i / n) * PREDICTION_SPAN_MS);
    predictions.push({ id: newPredictionId(ts), ts, score: Math.round(rng.next() * 1000) / 1000 });
  }
  for (let i = 0; i < n; i += 50_000) await clickhouse.insert({ table: 'predictions', format: 'JSONEachRow', values: predictionRows(model, predictions.slice(i, i + 50_000)) });

  // Labels arrive roughly in prediction order (a fixed delay), locally shuffled.
  const order = predictions.map((_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = Math.min(n - 1, i + Math.floor(rng.next() * 50));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const labelOf = (i: number): LabelEvent => {
    const p = predictions[order[i]!]!;
    return { schema_version: 1, prediction_id: p.id, model, label: rng.next() < p.score ? 1 : 0, ts: p.ts + 600_000 };
  };
  const topics = await benchTopics(kafka, `join-r${r}`);
  try {
    await publishAll(producer, topics.labels, n, (i) => {
      const e = labelOf(i);
      return { key: e.prediction_id, value: i === 0 ? encodeEvent('labels', e) : Buffer.from(JSON.stringify(e)) };
    });

    const store = await storeOnly(kafka, clickhouse, topics.labels, `${model}-store`, n);
    log(`label join r${r + 1}: store only ${int(n / (store.ms / 1000))} labels/s (mean Kafka batch ${int(store.batchSize)})`);

    const joinOptions = parseEnv(feedbackConfigSchema, {});
    const consumer = createLabelConsumer({
      kafka,
      clickhouse,
      join: { horizonMs: joinOptions.FEEDBACK_HORIZON, idSlackMs: joinOptions.FEEDBACK_ID_SLACK, maxGapMs: joinOptions.FEEDBACK_JOIN_MAX_GAP },
      deadLetters: createDeadLetterPublisher(producer, topics.deadLetter),
      topic: topics.labels,
      groupId: `${topics.labels}-join`,
      logger,
    });
    const t0 = performance.now();
    await consumer.start();
    const first = await until(() => consumer.stats().consumed > 0, 60_000, 'the first label batch');
    const doneAt = await until(() => { const s = consumer.stats(); return s.joined + s.pending + s.orphaned >= n; }, 600_000, 'every label joined');
    const joined = consumer.stats().joined;
    await consumer.close();
    const [row] = await queryRows<{ c: string }>(clickhouse, 'SELECT count() AS c FROM labeled_predictions FINAL WHERE model = {model:String}', { model });
    if (Number(row?.c) !== n || joined !== n) throw new Error(`label join incomplete: ${joined} joined by the consumer, ${row?.c} rows in labeled_predictions, ${n} expected`);
    log(`label join r${r + 1}: label consumer ${int(n / ((doneAt - first) / 1000))} labels/s`);

    // Floor: the same label rows, straight into `labels`, in batches as large as Kafka's.
    const floorModel = `${model}-floor`;
    const batchSize = Math.max(1, Math.round(store.batchSize));
    const receivedAt = Date.now();
    const f0 = performance.now();
    for (let i = 0; i < n; i += batchSize) {
      const rows = [];
      for (let j = i; j < Math.min(n, i + batchSize); j++) {
        const e = labelOf(j);
        rows.push({ prediction_id: e.prediction_id, model: floorModel, label: String(e.label), label_ts: e.ts, received_at: receivedAt, source: 'bench', topic: topics.labels, partition: 0, offset: j });
      }
      await clickhouse.insert({ table: 'labels', values: rows, format: 'JSONEachRow' });
    }
    const floorMs = performance.now() - f0;
    log(`label join r${r + 1}: floor ${int(n / (floorMs / 1000))} labels/s`);
    return { joinRate: n / ((doneAt - first) / 1000), joinRateWithStart: n / ((doneAt - t0) / 1000), storeRate: n / (store.ms / 1000), floorRate: n / (floorMs / 1000), batchSize: store.batchSize, joined };
  } finally {
    await deleteTopics(kafka, topics, log);
  }
}

/** Runs the label-join benchmark and returns its BENCHMARKS.md section. */
export async function runLabelJoinBench(options: LabelJoinBenchOptions = {}): Promise<string> {
  const n = options.labels ?? 200_000;
  const repeats = options.repeats ?? 3;
  const log = options.log ?? (() => {});
  const logger = silentLogger();
  await ensureLocalKafka(9092);
  const kafka = createKafka({ brokers: ['127.0.0.1:9092'], clientId: 'label-join-bench', logger });
  const clickhouse = await createClickHouse({ dataDir: mkdtempSync(join(tmpdir(), 'driftline-bench-join-')) });
  await migrate(clickhouse, join(repoRoot, 'migrations'), logger);
  const results: RepeatResult[] = [];
  try {
    for (let r = 0; r < repeats; r++) {
      // A producer per repeat: the previous repeat's topics are deleted, and a kafkajs producer that still
      // knows a deleted topic retries its metadata forever (the second repeat hung on it).
      const producer = createIdempotentProducer(kafka);
      await producer.connect();
      try {
        results.push(await oneRepeat(r, n, { kafka, producer, clickhouse, logger, log }));
      } finally {
        await producer.disconnect();
      }
    }
  } finally {
    await clickhouse.close();
  }
  const m = (f: (x: RepeatResult) => number) => median(results.map(f));
  const runs = (f: (x: RepeatResult) => number) => results.map((x) => int(f(x))).join(' / ');
  return [
    '## Label join',
    '',
    `${int(n)} predictions of one model stored in the embedded ClickHouse (spread over 2 hours, UUIDv7 ids), then ${int(n)} labels for them (roughly in prediction order, locally shuffled) on a 3-partition labels topic of the local broker. ` +
      `The label consumer is the feedback service's (decode, store in \`labels\`, join by prediction_id into \`labeled_predictions\`, commit after both), with the production join settings (horizon 30 d, id slack 5 min, max gap 1 h). ` +
      `Rates run from the first label read to the last one joined; every run checks that all ${int(n)} labels became \`labeled_predictions\` rows. ${repeats} repeat${repeats === 1 ? '' : 's'}, each with its own model and topic, median reported.`,
    '',
    `Run: \`node --import tsx test/bench/label-join-bench.ts --labels ${n} --repeats ${repeats}\``,
    '',
    '| path | median labels/s | runs (labels/s) |',
    '|---|---|---|',
    `| floor: rows inserted straight into \`labels\` (batches of ${int(m((x) => x.batchSize))}, the consumer's mean Kafka batch) | ${int(m((x) => x.floorRate))} | ${runs((x) => x.floorRate)} |`,
    `| bare kafkajs consumer: decode + store in \`labels\` + commit (no join) | ${int(m((x) => x.storeRate))} | ${runs((x) => x.storeRate)} |`,
    `| **label consumer: decode + store + join + commit** | **${int(m((x) => x.joinRate))}** | ${runs((x) => x.joinRate)} |`,
    `| label consumer, counting its connect and group join | ${int(m((x) => x.joinRateWithStart))} | ${runs((x) => x.joinRateWithStart)} |`,
    '',
    `Label consumer / floor: **${(m((x) => x.joinRate / x.floorRate)).toFixed(2)}×**; label consumer / store only: ${(m((x) => x.joinRate / x.storeRate)).toFixed(2)}× (the join's own share of the cost). Medians of the per-repeat ratios.`,
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { labels: { type: 'string', default: '200000' }, repeats: { type: 'string', default: '3' } } });
  process.stdout.write(await runLabelJoinBench({ labels: Number(values.labels), repeats: Number(values.repeats), log: (l) => console.error(l) }));
}
