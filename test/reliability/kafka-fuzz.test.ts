/**
 * Bad messages on real topics: generated bad prediction and label events
 * (support/bad-messages.ts: truncated, wrong types, wrong schema_version,
 * non-UTF-8, lone surrogates, arrays, nested garbage, empty, over 1 MB)
 * interleaved with good ones, published to the real broker and consumed by
 * the real raw sink (services/sink) and the real label consumer
 * (services/feedback/label-consumer.ts) over the embedded ClickHouse.
 *
 * Every bad message must end in the dead-letter topic exactly once with a
 * reason, every good one must land in ClickHouse exactly once, and the
 * process must see no unhandled rejection or uncaught exception.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { decodeEvent, MAX_MESSAGE_BYTES } from '../../libs/contracts/decode.ts';
import type { DeadLetterEvent } from '../../libs/contracts/schemas.ts';
import { createDeadLetterPublisher } from '../../libs/kafka/dead-letter.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import type { TopicNames } from '../../libs/kafka/topology.ts';
import { createLabelConsumer, type LabelConsumer } from '../../services/feedback/label-consumer.ts';
import { createRawSink, type RawSink } from '../../services/sink/raw-sink.ts';
import { count, testClickHouse, testKafka, testLogger, uniqueName, uniqueTopics, waitFor } from '../support/harness.ts';
import { badMessage, validEvent } from './support/bad-messages.ts';
import { type CrashRecorder, recordCrashes } from './support/crash-recorder.ts';
import { recordFigures } from './support/figures.ts';
import { FuzzRandom, RELIABILITY_SEED } from './support/fuzz-random.ts';

const GOOD_PREDICTIONS = 600;
const BAD_PREDICTIONS = 300;
const GOOD_LABELS = 300;
const BAD_LABELS = 240;

let kafka: Kafka;
let producer: Producer;
let clickhouse: ClickHouseClient;
let topics: TopicNames;
let crashes: CrashRecorder;
const dead = new Map<string, DeadLetterEvent[]>();
let dlqReader: Consumer;

before(async () => {
  crashes = recordCrashes();
  kafka = testKafka();
  producer = createIdempotentProducer(kafka);
  await producer.connect();
  clickhouse = await testClickHouse();
  topics = await uniqueTopics(kafka);
  dlqReader = kafka.consumer({ groupId: uniqueName('dlq-reader'), maxWaitTimeInMs: 200 });
  await dlqReader.connect();
  await dlqReader.subscribe({ topic: topics.deadLetter, fromBeginning: true });
  await dlqReader.run({
    eachMessage: async ({ message }) => {
      const decoded = decodeEvent('deadLetter', message.value);
      assert.ok(decoded.ok, `a dead letter follows its own contract: ${decoded.ok ? '' : decoded.error.message}`);
      const key = decoded.value.key_base64 === null ? '(no key)' : Buffer.from(decoded.value.key_base64, 'base64').toString('utf8');
      dead.set(key, [...(dead.get(key) ?? []), decoded.value]);
    },
  });
});
after(async () => {
  await dlqReader?.disconnect();
  await producer?.disconnect();
  crashes?.stop();
});

type Outgoing = { key: string; value: Buffer | null };

/** Sends in small requests; a message near 1 MB goes alone (the broker limits a request's record batch). */
async function send(topic: string, messages: Outgoing[]): Promise<void> {
  let batch: Outgoing[] = [];
  const flush = async () => {
    if (batch.length > 0) await producer.send({ topic, acks: -1, messages: batch });
    batch = [];
  };
  for (const m of messages) {
    if ((m.value?.length ?? 0) > 100_000) {
      await flush();
      await producer.send({ topic, acks: -1, messages: [m] });
    } else {
      batch.push(m);
      if (batch.length >= 100) await flush();
    }
  }
  await flush();
}

/** Shuffles in place, seeded. */
function shuffle<T>(items: T[], r: FuzzRandom): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

describe('raw sink and label consumer under fuzzed topics', () => {
  let sink: RawSink;
  let labels: LabelConsumer;

  it('dead-letters every bad message once, with its reason, and stores every good one once', async () => {
    const r = new FuzzRandom(RELIABILITY_SEED + 17);
    const now = Date.now();
    const goodPredictions = Array.from({ length: GOOD_PREDICTIONS }, (_, i) => validEvent('predictions', r, now - 3_600_000 + i * 1_000));
    // One good event close to the decode limit: big is not bad.
    const bigFeatures = Object.fromEntries(Array.from({ length: 8_000 }, (_, i) => [`feature_${i}`, r.float()]));
    goodPredictions[0] = { ...goodPredictions[0]!, features: bigFeatures };
    assert.ok(JSON.stringify(goodPredictions[0]).length < MAX_MESSAGE_BYTES);
    const badPredictions = Array.from({ length: BAD_PREDICTIONS }, (_, i) => badMessage('predictions', i, r, { hugeEvery: 150 }));
    const predictionMessages = shuffle<Outgoing>(
      [
        ...goodPredictions.map((e, i) => ({ key: `good-p-${i}`, value: Buffer.from(JSON.stringify(e)) })),
        ...badPredictions.map((b, i) => ({ key: `bad-p-${i}`, value: b.value })),
      ],
      r,
    );
    await send(topics.predictions, predictionMessages);

    const deadLetters = createDeadLetterPublisher(producer, topics.deadLetter);
    sink = createRawSink({ kafka, clickhouse, deadLetters, logger: testLogger(), topic: topics.predictions, groupId: uniqueName('sink'), batchRows: 500, batchMaxWaitMs: 200, maxBufferedRows: 5_000 });
    labels = createLabelConsumer({ kafka, clickhouse, deadLetters, logger: testLogger(), topic: topics.labels, groupId: uniqueName('labels'), join: { horizonMs: 30 * 86_400_000, idSlackMs: 300_000, maxGapMs: 3_600_000 } });
    await sink.start();
    await labels.start();

    const predictionsStored = () => count(clickhouse, 'SELECT count() AS c FROM predictions WHERE topic = {t:String}', { t: topics.predictions });
    assert.ok(await waitFor(async () => (await predictionsStored()) >= GOOD_PREDICTIONS, 90_000), `predictions stored: ${await predictionsStored()} of ${GOOD_PREDICTIONS}`);

    // Labels after their predictions are stored, so every good one joins at once.
    const goodLabels = goodPredictions.slice(0, GOOD_LABELS).map((p) => ({ ...validEvent('labels', r, now), prediction_id: p.prediction_id, model: p.model }));
    const badLabels = Array.from({ length: BAD_LABELS }, (_, i) => badMessage('labels', i, r, { hugeEvery: 120 }));
    await send(
      topics.labels,
      shuffle<Outgoing>(
        [...goodLabels.map((e, i) => ({ key: `good-l-${i}`, value: Buffer.from(JSON.stringify(e)) })), ...badLabels.map((b, i) => ({ key: `bad-l-${i}`, value: b.value }))],
        r,
      ),
    );
    const deadCount = () => [...dead.values()].reduce((s, list) => s + list.length, 0);
    const labelsJoined = () => count(clickhouse, 'SELECT count() AS c FROM labeled_predictions FINAL WHERE model = {m:String}', { m: 'fuzz-model' });
    const allThere = async () => deadCount() >= BAD_PREDICTIONS + BAD_LABELS && (await labelsJoined()) >= GOOD_LABELS;
    assert.ok(await waitFor(allThere, 90_000), `dead letters ${deadCount()} of ${BAD_PREDICTIONS + BAD_LABELS}, labels joined ${await labelsJoined()} of ${GOOD_LABELS}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // anything extra (a duplicate, a stray row) would show by now

    // Every bad message exactly once in the dead-letter topic, with its source and a reason; no good one there.
    const problems: string[] = [];
    const check = (key: string, topic: string, kind: string) => {
      const letters = dead.get(key) ?? [];
      if (letters.length !== 1) problems.push(`${key} (${kind}) dead-lettered ${letters.length} times`);
      const letter = letters[0];
      if (letter && (letter.source.topic !== topic || letter.reason.length === 0 || letter.error_code !== 'DECODE_FAILED')) problems.push(`${key}: ${JSON.stringify(letter).slice(0, 300)}`);
    };
    badPredictions.forEach((b, i) => check(`bad-p-${i}`, topics.predictions, b.kind));
    badLabels.forEach((b, i) => check(`bad-l-${i}`, topics.labels, b.kind));
    const goodDead = [...dead.keys()].filter((k) => k.startsWith('good-'));
    const huge = [...dead.values()].flat().filter((d) => d.reason.includes('exceeds'));
    const ids = goodPredictions.map((p) => p.prediction_id as string);
    const stored = await predictionsStored();
    const unique = await count(clickhouse, 'SELECT uniqExact(prediction_id) AS c FROM predictions WHERE prediction_id IN {ids:Array(UUID)}', { ids });
    const labelRows = await count(clickhouse, 'SELECT count() AS c FROM labels WHERE topic = {t:String}', { t: topics.labels });
    const joined = await labelsJoined();
    recordFigures('kafka-fuzz', {
      'events processed': GOOD_PREDICTIONS + BAD_PREDICTIONS + GOOD_LABELS + BAD_LABELS,
      'fuzz cases tried': BAD_PREDICTIONS + BAD_LABELS,
      'dead-lettered': deadCount(),
      'events lost': GOOD_PREDICTIONS - unique + (GOOD_LABELS - Math.min(labelRows, GOOD_LABELS)),
      'duplicates found': stored - unique + Math.max(0, labelRows - GOOD_LABELS) + [...dead.values()].filter((l) => l.length > 1).length,
      crashes: crashes.crashes.length,
      'insert failures': sink.stats().insertFailures,
      'label batches failed': labels.stats().failedBatches,
    });

    assert.deepEqual(problems.slice(0, 10), [], `${problems.length} bad messages not dead-lettered exactly once`);
    assert.deepEqual(goodDead, [], 'no good message was dead-lettered');
    assert.ok(huge.length >= 2, 'the >1 MB messages were dead-lettered too');
    assert.ok(huge.every((d) => d.reason.includes('truncated')), 'their dead letters say the copy is truncated');
    // Every good message exactly once in ClickHouse.
    assert.equal(stored, GOOD_PREDICTIONS, 'physical rows: no bad row stored, no good one twice');
    assert.equal(unique, GOOD_PREDICTIONS);
    assert.equal(labelRows, GOOD_LABELS);
    assert.equal(joined, GOOD_LABELS);
    assert.equal(sink.stats().deadLettered, BAD_PREDICTIONS);
    assert.equal(labels.stats().deadLettered, BAD_LABELS);
    assert.deepEqual(crashes.crashes, [], 'no unhandled rejection or uncaught exception');
  });

  after(async () => {
    await sink?.close();
    await labels?.close();
  });
});
