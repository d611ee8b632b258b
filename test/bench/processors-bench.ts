/**
 * Stream-processor throughput against a bare consumer, side by side in one
 * run on the same topic: N events (3 models × 20 features) on the real local
 * broker; (a) a bare kafkajs consumer that only decodes and validates each
 * event (decodeEvent), (b) the processor runtime with the drift aggregator,
 * checkpointing window chunks into the embedded ClickHouse. Each is timed
 * from start until it has covered every offset; repeats alternate the two.
 *
 *   node --import tsx test/bench/processors-bench.ts [--events 300000] [--repeats 3]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { createClickHouse, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { migrate } from '../../libs/clickhouse/migrations.ts';
import { decodeEvent, encodeEvent } from '../../libs/contracts/decode.ts';
import { newPredictionId } from '../../libs/contracts/prediction-id.ts';
import type { PredictionEvent } from '../../libs/contracts/schemas.ts';
import { createKafka } from '../../libs/kafka/client.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { ensureDriftlineTopics } from '../../libs/kafka/topology.ts';
import { ensureLocalKafka, repoRoot } from '../../libs/local/local-services.ts';
import { silentLogger } from '../../libs/logging/logger.ts';
import { createRng } from '../../libs/model/random.ts';
import { createProcessorsService } from '../../services/processors/processors-service.ts';

export interface ProcessorsBenchOptions {
  events?: number;
  repeats?: number;
  log?: (line: string) => void;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runProcessorsBench(options: ProcessorsBenchOptions = {}): Promise<string> {
  const n = options.events ?? 300_000;
  const repeats = options.repeats ?? 3;
  const log = options.log ?? (() => {});
  const logger = silentLogger();
  await ensureLocalKafka(9092);
  const kafka = createKafka({ brokers: ['127.0.0.1:9092'], clientId: 'processors-bench', logger });
  const base = `driftline-bench-proc-${Date.now().toString(36)}`;
  const topics = { predictions: `${base}.predictions`, labels: `${base}.labels`, alerts: `${base}.alerts`, deadLetter: `${base}.dead-letter` };
  await ensureDriftlineTopics(kafka, topics);
  const producer = createIdempotentProducer(kafka);
  await producer.connect();

  log(`publishing ${n} events (3 models × 20 features)`);
  const rng = createRng(11);
  const start = Date.now() - 3_600_000;
  let batch: Array<{ key: string; value: Buffer }> = [];
  for (let i = 0; i < n; i++) {
    const features: Record<string, number | string> = {};
    for (let f = 0; f < 17; f++) features[`x${f}`] = rng.normal(f, 1 + f / 10);
    for (let f = 0; f < 3; f++) features[`c${f}`] = `v${Math.floor(rng.next() * 6)}`;
    const ts = start + Math.floor((i / n) * 3_000_000);
    const event: PredictionEvent = { schema_version: 1, prediction_id: newPredictionId(ts), model: `m${i % 3}`, model_version: '1', ts, features, outputs: { probability: rng.next() }, latency_ms: rng.next() * 20, status: 'ok', node: 'bench', execution_provider: 'cpu' };
    batch.push({ key: event.prediction_id, value: encodeEvent('predictions', event) });
    if (batch.length === 500) {
      await producer.send({ topic: topics.predictions, messages: batch });
      batch = [];
    }
  }
  if (batch.length) await producer.send({ topic: topics.predictions, messages: batch });

  async function bareConsumer(): Promise<number> {
    const consumer = kafka.consumer({ groupId: `${base}-bare-${Math.random()}`, maxWaitTimeInMs: 100, maxBytesPerPartition: 4 * 1024 * 1024 });
    await consumer.connect();
    await consumer.subscribe({ topic: topics.predictions, fromBeginning: true });
    let seen = 0;
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachBatch: async ({ batch: b }) => {
          for (const m of b.messages) if (decodeEvent('predictions', m.value).ok) seen++;
          if (seen >= n) resolve();
        },
      });
    });
    const ms = performance.now() - t0;
    await consumer.disconnect();
    return ms;
  }

  async function processors(clickhouse: ClickHouseClient): Promise<number> {
    const service = createProcessorsService({
      kafka,
      clickhouse,
      producer,
      logger,
      topics,
      config: { groupId: `${base}-proc-${Math.random()}`, windowSizeMs: 60_000, allowedLatenessMs: 10_000, checkpointIntervalMs: 2_000, checkpointMaxEvents: 50_000, finalizeIntervalMs: 1_000, idleTimeoutMs: 30_000 },
    });
    const t0 = performance.now();
    await service.start();
    while (service.runtime.stats().consumed < n) await new Promise((r) => setTimeout(r, 20));
    await service.close(); // includes the final checkpoint of every partition
    return performance.now() - t0;
  }

  const clickhouse = await createClickHouse({ dataDir: mkdtempSync(join(tmpdir(), 'driftline-bench-ch-')) });
  await migrate(clickhouse, join(repoRoot, 'migrations'), logger);
  const bare: number[] = [];
  const proc: number[] = [];
  let rssPeak = 0;
  for (let r = 0; r < repeats; r++) {
    bare.push(await bareConsumer());
    log(`bare consumer run ${r + 1}: ${bare.at(-1)!.toFixed(0)} ms`);
    proc.push(await processors(clickhouse));
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    log(`processors run ${r + 1}: ${proc.at(-1)!.toFixed(0)} ms`);
  }
  await producer.disconnect();
  await clickhouse.close();
  const bareRate = n / (median(bare) / 1000);
  const procRate = n / (median(proc) / 1000);
  return [
    '## Stream processors vs bare consumer',
    '',
    `${n.toLocaleString('en-US')} prediction events (3 models, 17 numeric + 3 categorical features, 6 partitions) on the local Kafka 3.9.1 broker. Both sides read the same topic from the beginning in one process, alternating, ${repeats} runs each, median reported. The bare consumer decodes and schema-validates every event; the processors (drift, validation and SLO aggregators, as deployed) also window them (1 min, 10 s lateness), aggregate exact drift deltas per feature, validation and latency states, and checkpoint them into the embedded ClickHouse (every 2 s per partition, plus a final checkpoint) before committing offsets.`,
    '',
    `Run: \`node --import tsx test/bench/processors-bench.ts --events ${n} --repeats ${repeats}\``,
    '',
    '| consumer | median time | events/s | runs (ms) |',
    '|---|---|---|---|',
    `| bare kafkajs + decodeEvent | ${(median(bare) / 1000).toFixed(2)} s | ${Math.round(bareRate).toLocaleString('en-US')} | ${bare.map((x) => x.toFixed(0)).join(' / ')} |`,
    `| processors (drift + validation + SLO + checkpoints) | ${(median(proc) / 1000).toFixed(2)} s | ${Math.round(procRate).toLocaleString('en-US')} | ${proc.map((x) => x.toFixed(0)).join(' / ')} |`,
    '',
    `Ratio processors / bare: **${(procRate / bareRate).toFixed(2)}×** (target ≥ 0.7×). Peak RSS of the benchmark process: ${(rssPeak / 2 ** 20).toFixed(0)} MiB. Broker, client and ClickHouse share the machine's 2 cores, so events/s per core is about half the figure above.`,
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { events: { type: 'string', default: '300000' }, repeats: { type: 'string', default: '3' } } });
  process.stdout.write(await runProcessorsBench({ events: Number(values.events), repeats: Number(values.repeats), log: (l) => console.error(l) }));
}
