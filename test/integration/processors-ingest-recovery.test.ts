/**
 * The ingest thread dying mid-stream (here: killed) must cost nothing but
 * time: every partition is restored from its checkpoint and re-read, so the
 * window tables count every event exactly once — checked against the counts
 * of what was published, per window.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kafka, Producer } from 'kafkajs';
import { queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { newPredictionId } from '../../libs/contracts/prediction-id.ts';
import type { PredictionEvent } from '../../libs/contracts/schemas.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { createRng } from '../../libs/model/random.ts';
import { createProcessorsService } from '../../services/processors/processors-service.ts';
import { testClickHouse, testKafka, testLogger, uniqueName, uniqueTopics, waitFor } from '../support/harness.ts';

let kafka: Kafka;
let producer: Producer;
let clickhouse: ClickHouseClient;
before(async () => {
  kafka = testKafka();
  producer = createIdempotentProducer(kafka);
  await producer.connect();
  clickhouse = await testClickHouse();
});
after(async () => {
  await producer.disconnect();
  await clickhouse.close();
});

const WINDOW_MS = 10_000;
const EVENTS = 60_000;

describe('ingest thread recovery', () => {
  it('a killed ingest thread loses and double counts nothing: partitions re-read from their checkpoints', async () => {
    const model = uniqueName('m');
    const topics = await uniqueTopics(kafka);
    const rng = createRng(9);
    const t0 = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS - 20 * WINDOW_MS;
    const perWindow = new Map<number, { requests: number; errors: number }>();
    for (let i = 0; i < EVENTS; i += 2_000) {
      const messages = [];
      for (let j = i; j < i + 2_000; j++) {
        const ts = t0 + Math.floor((j / EVENTS) * 12 * WINDOW_MS);
        const status = j % 40 === 0 ? 'error' : 'ok';
        const w = Math.floor(ts / WINDOW_MS) * WINDOW_MS;
        const counts = perWindow.get(w) ?? { requests: 0, errors: 0 };
        counts.requests++;
        if (status === 'error') counts.errors++;
        perWindow.set(w, counts);
        const event: PredictionEvent = { schema_version: 1, prediction_id: newPredictionId(ts), model, model_version: '1', ts, features: { x: rng.normal(0, 1), c: `v${j % 4}` }, outputs: { probability: rng.next() }, latency_ms: 1 + rng.next() * 30, status, node: 'test', execution_provider: 'cpu' };
        messages.push({ key: event.prediction_id, value: JSON.stringify(event) });
      }
      await producer.send({ topic: topics.predictions, acks: -1, messages });
    }

    const groupId = uniqueName('proc');
    const service = createProcessorsService({
      kafka,
      clickhouse,
      producer,
      logger: testLogger(),
      topics,
      config: { groupId, windowSizeMs: WINDOW_MS, allowedLatenessMs: 1_000, checkpointIntervalMs: 200, checkpointMaxEvents: 5_000, finalizeIntervalMs: 60_000, idleTimeoutMs: 600_000 },
    });
    assert.equal(service.ingest.mode, 'thread');
    await service.start();
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topics.predictions);
    await admin.disconnect();
    try {
      // Killed once some partitions have checkpoints and the thread holds work not yet checkpointed.
      assert.ok(await waitFor(async () => service.runtime.stats().checkpoints > 0 && service.runtime.stats().consumed >= EVENTS * 0.3, 60_000, 2));
      const before = service.runtime.stats();
      assert.ok(before.consumed < EVENTS, 'killed mid-stream');
      await service.ingest.kill();
      assert.equal(service.ingest.generation, 1);
      // Read to its end: taken by the runtime, or (a partition already checkpointed to its end is not re-read) checkpointed.
      const readToEnd = async () => {
        const read = new Map([...service.runtime.positions()]);
        const checkpoints = await queryRows<{ partition: number; state: string }>(
          clickhouse,
          "SELECT partition, state FROM processor_chunks FINAL WHERE pipeline = {g:String} AND part = 'checkpoint'",
          { g: groupId },
        );
        for (const c of checkpoints) read.set(Number(c.partition), Math.max(read.get(Number(c.partition)) ?? -1, (JSON.parse(c.state) as { offset: number }).offset));
        return ends.every((e) => (read.get(e.partition) ?? -1) >= Number(e.high) - 1);
      };
      assert.ok(await waitFor(readToEnd, 60_000, 100), 'every partition read to its end after the recovery');
    } finally {
      await service.close();
    }
    await service.finalizeAll();
    const rows = await queryRows<{ ws: string; requests: string; errors: string }>(
      clickhouse,
      'SELECT toUnixTimestamp64Milli(window_start) AS ws, requests, errors FROM slo_windows FINAL WHERE model = {model:String} ORDER BY ws',
      { model },
    );
    const got = new Map(rows.map((r) => [Number(r.ws), { requests: Number(r.requests), errors: Number(r.errors) }]));
    assert.deepEqual(got, perWindow);
  });
});
