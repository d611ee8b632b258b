/**
 * The walking skeleton against the real broker and the real ClickHouse
 * engine: exactly-N delivery, dead letters, and no duplicates after a sink
 * dies between its insert and its offset commit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Consumer, Kafka } from 'kafkajs';
import { decodeEvent } from '../../libs/contracts/decode.ts';
import { createDeadLetterPublisher } from '../../libs/kafka/dead-letter.ts';
import type { TopicNames } from '../../libs/kafka/topology.ts';
import { generatePredictions, publishPredictions } from '../../simulators/prediction-generator.ts';
import { createRawSink, type RawSink } from '../../services/sink/raw-sink.ts';
import { count, testLogger, uniqueName, uniqueTopics, useBrokerAndClickHouse, waitFor } from '../support/harness.ts';

const env = useBrokerAndClickHouse();

function sinkFor(topics: TopicNames, groupId: string, kafkaClient: Kafka = env.kafka): RawSink {
  return createRawSink({
    kafka: kafkaClient,
    clickhouse: env.clickhouse,
    deadLetters: createDeadLetterPublisher(env.producer, topics.deadLetter),
    logger: testLogger(),
    topic: topics.predictions,
    groupId,
    batchRows: 2_000,
    batchMaxWaitMs: 200,
    maxBufferedRows: 20_000,
  });
}

const rowsOfTopic = (topic: string, final = '') => count(env.clickhouse, `SELECT count() AS c FROM predictions ${final} WHERE topic = {topic:String}`, { topic });

describe('raw sink', () => {
  it('stores exactly N rows for N events, each with its own content', async () => {
    const topics = await uniqueTopics(env.kafka);
    const n = 10_000;
    const events = [...generatePredictions(n, { model: 'm-exact', modelVersion: '3', node: 'n1', seed: 7, startMs: Date.now() - 3_600_000, stepMs: 10 })];
    await publishPredictions(env.producer, topics.predictions, events);
    const sink = sinkFor(topics, uniqueName('g'));
    await sink.start();
    try {
      assert.ok(await waitFor(async () => (await rowsOfTopic(topics.predictions)) >= n, 60_000), 'all rows should land within 60 s');
      await new Promise((r) => setTimeout(r, 500)); // anything extra would arrive now
      assert.equal(await rowsOfTopic(topics.predictions), n, 'physical row count');
      assert.equal(await count(env.clickhouse, 'SELECT uniqExact(prediction_id) AS c FROM predictions WHERE topic = {t:String}', { t: topics.predictions }), n);
      // Spot-check one event's content round trip.
      const probe = events[1234]!;
      const rows = await env.clickhouse.query({
        query: 'SELECT model, model_version, toUnixTimestamp64Milli(ts) AS ts, features, latency_ms FROM predictions WHERE prediction_id = {id:UUID}',
        query_params: { id: probe.prediction_id },
        format: 'JSONEachRow',
      });
      const [row] = await rows.json<{ model: string; model_version: string; ts: string; features: string; latency_ms: number }>();
      assert.equal(row?.model, 'm-exact');
      assert.equal(row?.model_version, '3');
      assert.equal(Number(row?.ts), probe.ts);
      assert.deepEqual(JSON.parse(row!.features), probe.features);
      assert.equal(row?.latency_ms, probe.latency_ms);
    } finally {
      await sink.close();
    }
  });

  it('dead-letters malformed messages with the reason and source, and keeps the good ones around them', async () => {
    const topics = await uniqueTopics(env.kafka);
    const good = [...generatePredictions(6, { model: 'm-dlq', modelVersion: '1', node: 'n1', seed: 3, startMs: Date.now() - 60_000, stepMs: 1 })];
    const bad: Buffer[] = [Buffer.from('{"schema_version":1,"model":"x"}'), Buffer.from('not json'), Buffer.from([0xc3, 0x28]), Buffer.from('{"schema_version":99}')];
    // Interleave on one partition so the bad ones sit between good ones.
    const messages = good.flatMap((e, i) => [{ key: 'k', value: Buffer.from(JSON.stringify(e)) }, ...(bad[i] ? [{ key: 'k', value: bad[i]! }] : [])]);
    await env.producer.send({ topic: topics.predictions, messages });

    const sink = sinkFor(topics, uniqueName('g'));
    await sink.start();
    const dead: Array<Record<string, unknown>> = [];
    const dlqConsumer: Consumer = env.kafka.consumer({ groupId: uniqueName('dlq-reader'), maxWaitTimeInMs: 200 });
    await dlqConsumer.connect();
    await dlqConsumer.subscribe({ topic: topics.deadLetter, fromBeginning: true });
    await dlqConsumer.run({
      eachMessage: async ({ message }) => {
        const decoded = decodeEvent('deadLetter', message.value);
        assert.ok(decoded.ok, 'dead letters follow their own contract');
        dead.push(decoded.value as unknown as Record<string, unknown>);
      },
    });
    try {
      assert.ok(await waitFor(async () => dead.length >= bad.length && (await rowsOfTopic(topics.predictions)) >= good.length, 30_000));
      assert.equal(await rowsOfTopic(topics.predictions), good.length);
      assert.equal(dead.length, bad.length);
      const reasons = dead.map((d) => String(d.reason)).join(' | ');
      assert.match(reasons, /prediction_id/, 'a schema violation names the field');
      assert.match(reasons, /not JSON/);
      assert.match(reasons, /UTF-8/);
      assert.match(reasons, /schema_version 99/);
      for (const d of dead) {
        const source = d.source as { topic: string; offset: string };
        assert.equal(source.topic, topics.predictions);
        assert.ok(Number(source.offset) >= 1, 'offset of the bad message is recorded');
      }
      assert.equal(sink.stats().deadLettered, bad.length);
    } finally {
      await dlqConsumer.disconnect();
      await sink.close();
    }
  });

  it('leaves no duplicates when a sink dies between insert and offset commit', async () => {
    const topics = await uniqueTopics(env.kafka);
    const groupId = uniqueName('g');
    const n = 5_000;
    await publishPredictions(env.producer, topics.predictions, generatePredictions(n, { model: 'm-crash', modelVersion: '1', node: 'n1', seed: 11, startMs: Date.now() - 60_000, stepMs: 1 }));

    // First incarnation: its commits never reach the broker, as if the
    // process were killed right after each insert.
    const crashingKafka = Object.create(env.kafka) as Kafka;
    crashingKafka.consumer = (config) => {
      const consumer = env.kafka.consumer(config);
      consumer.commitOffsets = async () => {};
      return consumer;
    };
    const first = sinkFor(topics, groupId, crashingKafka);
    await first.start();
    assert.ok(await waitFor(async () => (await rowsOfTopic(topics.predictions)) >= n, 60_000));
    await first.close();
    const admin = env.kafka.admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId, topics: [topics.predictions] });
    await admin.disconnect();
    assert.ok(committed[0]!.partitions.every((p) => Number(p.offset) <= 0), 'nothing was committed by the crashed sink');

    // Second incarnation: Kafka redelivers everything; all of it is a replay.
    const second = sinkFor(topics, groupId);
    await second.start();
    try {
      assert.ok(await waitFor(async () => second.stats().replaysSkipped >= n, 60_000), `replays skipped: ${second.stats().replaysSkipped}`);
      assert.equal(await rowsOfTopic(topics.predictions), n, 'physical rows: no duplicate inserted');
      assert.equal(second.stats().consumed, 0);
    } finally {
      await second.close();
    }
    // And the second sink committed, so a third start has nothing to redo.
    const admin2 = env.kafka.admin();
    await admin2.connect();
    const after = await admin2.fetchOffsets({ groupId, topics: [topics.predictions] });
    await admin2.disconnect();
    const committedTotal = after[0]!.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
    assert.equal(committedTotal, n);
  });
});
