/**
 * The sink's and the processors' main.ts, started as their own processes
 * would be (env in, real broker, embedded ClickHouse), expose /metrics,
 * /healthz and /readyz on METRICS_PORT with the standard pipeline metrics
 * counting what really happened: events in and out, dead letters, flushes,
 * window closes and the consumer lag (drained to 0 for the sink).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kafka, Producer } from 'kafkajs';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import type { TopicNames } from '../../libs/kafka/topology.ts';
import { startProcessors } from '../../services/processors/main.ts';
import { startSink } from '../../services/sink/main.ts';
import { generatePredictions, publishPredictions } from '../../simulators/prediction-generator.ts';
import { brokers, testKafka, uniqueName, uniqueTopics, waitFor } from '../support/harness.ts';

let kafka: Kafka;
let producer: Producer;
let topics: TopicNames;
const dataDir = mkdtempSync(join(tmpdir(), 'driftline-worker-metrics-'));
const EVENTS = 600;
const GARBAGE = 2;

before(async () => {
  kafka = testKafka();
  producer = createIdempotentProducer(kafka);
  await producer.connect();
  topics = await uniqueTopics(kafka);
  const startMs = Date.now() - 60_000;
  await publishPredictions(producer, topics.predictions, generatePredictions(EVENTS, { model: uniqueName('m'), modelVersion: '1', node: 'n1', seed: 3, startMs, stepMs: 10 }));
  await producer.send({ topic: topics.predictions, acks: -1, messages: [{ value: 'not json' }, { value: '{"schema_version":1}' }] });
});
after(async () => {
  await producer.disconnect();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function env(extra: Record<string, string>): Record<string, string> {
  return {
    LOG_LEVEL: 'silent',
    KAFKA_BROKERS: brokers.join(','),
    CLICKHOUSE_DATA_DIR: dataDir,
    TOPIC_PREDICTIONS: topics.predictions,
    TOPIC_LABELS: topics.labels,
    TOPIC_ALERTS: topics.alerts,
    TOPIC_DEAD_LETTER: topics.deadLetter,
    METRICS_HOST: '127.0.0.1',
    CONSUMER_LAG_INTERVAL: '200ms',
    ...extra,
  };
}

/** A series' value from /metrics, matching the name and every given label (order free). */
async function scrape(port: number, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

const settles = (probe: () => Promise<boolean>) => waitFor(probe, 60_000, 200);

describe('worker metrics', () => {
  it('the sink counts events in/out, dead letters and flushes, and its lag drains to 0', async () => {
    const port = await freePort();
    const group = uniqueName('sink');
    const running = await startSink(env({ METRICS_PORT: String(port), SINK_GROUP_ID: group, SINK_BATCH_MAX_WAIT: '200ms' }));
    try {
      const t = { topic: topics.predictions };
      assert.ok(await settles(async () => (await scrape(port, 'driftline_events_out_total', { target: 'predictions' })) === EVENTS), 'every event inserted');
      assert.equal(await scrape(port, 'driftline_events_in_total', t), EVENTS + GARBAGE);
      assert.equal(await scrape(port, 'driftline_dead_lettered_total', t), GARBAGE);
      assert.ok((await scrape(port, 'driftline_flush_duration_seconds_count', { target: 'predictions', service: 'sink' }))! >= 1);
      assert.ok(await settles(async () => (await scrape(port, 'driftline_consumer_lag', { group, topic: topics.predictions, partition: '0' })) === 0), 'lag drains to 0');
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { ready: true, checks: { sink: 'ok', clickhouse: 'ok' } });
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    } finally {
      await running.close();
    }
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'the server is closed with the service');
  });

  it('the processors count events, dead letters, checkpoint flushes and window closes', async () => {
    const port = await freePort();
    const group = uniqueName('proc');
    const running = await startProcessors(
      env({ METRICS_PORT: String(port), PROCESSORS_GROUP_ID: group, PROCESSORS_WINDOW: '1s', PROCESSORS_ALLOWED_LATENESS: '0ms', PROCESSORS_CHECKPOINT_INTERVAL: '200ms', PROCESSORS_FINALIZE_INTERVAL: '200ms' }),
    );
    try {
      const t = { topic: topics.predictions };
      assert.ok(await settles(async () => (await scrape(port, 'driftline_events_in_total', t)) === EVENTS + GARBAGE), 'every event consumed');
      assert.equal(await scrape(port, 'driftline_dead_lettered_total', t), GARBAGE);
      // Checkpoints (and so the watermark) advance only while batches arrive: keep a trickle of later events going.
      let nextMs = Date.now() - 30_000;
      const trickle = async () => {
        await publishPredictions(producer, topics.predictions, generatePredictions(40, { model: uniqueName('m'), modelVersion: '1', node: 'n1', seed: 4, startMs: nextMs, stepMs: 25 }));
        nextMs += 1_000;
      };
      assert.ok(await settles(async () => (await trickle(), ((await scrape(port, 'driftline_window_closes_total', { pipeline: group })) ?? 0) >= 1)), 'windows closed');
      assert.ok((await scrape(port, 'driftline_flush_duration_seconds_count', { target: 'processor_chunks' }))! >= 1);
      // Idle partitions checkpoint (and commit) only with their next batch, so the lag need not reach 0 here; it must be published.
      assert.ok(await settles(async () => ((await scrape(port, 'driftline_consumer_lag', { group, topic: topics.predictions, partition: '0' })) ?? -1) >= 0), 'lag published');
      assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
    } finally {
      await running.close();
    }
  });
});
