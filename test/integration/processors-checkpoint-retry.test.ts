/**
 * Checkpoint writes that fail, on the real broker and ClickHouse engine: a
 * due checkpoint is written while the partition's next batch is processed
 * (processor-runtime.ts), so a failed insert must hand its rows to the next
 * checkpoint, hold the offset commit back, and still end with every event
 * counted exactly once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { encodeEvent } from '../../libs/contracts/decode.ts';
import { newPredictionId } from '../../libs/contracts/prediction-id.ts';
import type { PredictionEvent } from '../../libs/contracts/schemas.ts';
import { createDeadLetterPublisher } from '../../libs/kafka/dead-letter.ts';
import { createProcessorRuntime } from '../../services/processors/processor-runtime.ts';
import { testLogger, uniqueName, uniqueTopics, useBrokerAndClickHouse, waitFor } from '../support/harness.ts';

const env = useBrokerAndClickHouse();

/**
 * The real client, except that inserts fail when `failing()` says so. A
 * Proxy, not the embedded client itself: checkpoint inserts then take the
 * client.insert path, which a ClickHouse server deployment takes too.
 */
function flakyClickHouse(real: ClickHouseClient, failing: () => boolean): { client: ClickHouseClient; failures: () => number } {
  let failures = 0;
  const client = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'insert') {
        return async (params: Parameters<ClickHouseClient['insert']>[0]) => {
          if (failing()) {
            failures++;
            throw new Error('injected: ClickHouse unavailable');
          }
          return target.insert(params);
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { client, failures: () => failures };
}

describe('processor checkpoints', () => {
  it('a failed checkpoint insert loses and double counts nothing', async () => {
    const topics = await uniqueTopics(env.kafka);
    const model = uniqueName('retry');
    const n = 6_000;
    const start = Date.now() - 600_000;
    const messages = Array.from({ length: n }, (_, i) => {
      const ts = start + i * 50;
      const event: PredictionEvent = { schema_version: 1, prediction_id: newPredictionId(ts), model, model_version: '1', ts, features: { x: i }, outputs: { probability: 0.5 }, latency_ms: 1, status: 'ok', node: 'test', execution_provider: 'cpu' };
      return { key: event.prediction_id, value: encodeEvent('predictions', event) };
    });

    // The 2nd to 5th checkpoint inserts fail: the first failure is a write beside a batch, the next ones are
    // retries that hold the partition's intake back until ClickHouse takes the rows.
    let attempts = 0;
    const flaky = flakyClickHouse(env.clickhouse, () => ++attempts >= 2 && attempts <= 5);
    const logger = testLogger();
    const group = uniqueName('retry-group');
    const runtime = createProcessorRuntime({
      kafka: env.kafka,
      clickhouse: flaky.client,
      deadLetters: createDeadLetterPublisher(env.producer, topics.deadLetter),
      logger,
      topic: topics.predictions,
      groupId: group,
      aggregators: [],
      windowSizeMs: 60_000,
      allowedLatenessMs: 5_000,
      // Every batch finds a checkpoint due: each one is written beside the next batch.
      checkpointIntervalMs: 0,
      checkpointMaxEvents: 1_000_000,
    });
    await runtime.start();
    // Small sends: many batches per partition, so writes overlap batches both while failing and after. Until the
    // first refusal each send is consumed before the next: every send then makes its own batches and checkpoint
    // attempts. A refused partition retries at its next batch (never from a timer: writes happen inside
    // eachBatch), so events must still come after the first refusal: how many inserts the group commit
    // (checkpoint-writer.ts) makes of a burst of sends depends on timing, and once left them all before it.
    const send = (from: number) => env.producer.send({ topic: topics.predictions, acks: -1, messages: messages.slice(from, from + 200) });
    let sent = 0;
    while (flaky.failures() === 0 && sent < n / 2) {
      await send(sent);
      sent += 200;
      assert.ok(await waitFor(async () => runtime.stats().consumed >= sent, 30_000), `send consumed (${runtime.stats().consumed} of ${sent})`);
    }
    assert.ok(flaky.failures() > 0, `an insert refused within the first half of the events (${sent} sent)`);
    for (; sent < n; sent += 200) await send(sent);
    assert.ok(await waitFor(async () => runtime.stats().consumed >= n, 60_000), `every event consumed (${runtime.stats().consumed} of ${n})`);
    await runtime.close();

    const stats = runtime.stats();
    assert.equal(flaky.failures(), 4, 'four inserts refused');
    assert.equal(stats.checkpointFailures, flaky.failures());
    const [meta] = await queryRows<{ events: string; late: string }>(
      env.clickhouse,
      "SELECT sum(events) AS events, sum(late_events) AS late FROM processor_chunks FINAL WHERE pipeline = {g:String} AND part = 'meta'",
      { g: group },
    );
    assert.equal(Number(meta!.events) + Number(meta!.late), n, 'every event in exactly one chunk');

    // Each partition's checkpoint covers its last offset, and Kafka has that offset committed.
    const admin = env.kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topics.predictions);
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topics.predictions] });
      const checkpoints = await queryRows<{ partition: number; state: string }>(
        env.clickhouse,
        "SELECT partition, state FROM processor_chunks FINAL WHERE pipeline = {g:String} AND part = 'checkpoint'",
        { g: group },
      );
      const covered = new Map(checkpoints.map((c) => [Number(c.partition), (JSON.parse(c.state) as { offset: number }).offset]));
      for (const end of ends) {
        const last = Number(end.high) - 1;
        if (last < 0) continue;
        assert.equal(covered.get(end.partition), last, `partition ${end.partition}: checkpoint offset`);
        assert.equal(Number(committed!.partitions.find((p) => p.partition === end.partition)?.offset), last + 1, `partition ${end.partition}: committed offset`);
      }
    } finally {
      await admin.disconnect();
    }
  });

  it('the end of a backlog is checkpointed at once, not at the next batch or the interval', async () => {
    const topics = await uniqueTopics(env.kafka);
    const model = uniqueName('catch-up');
    const n = 4_000;
    const start = Date.now() - 600_000;
    // Published before the runtime starts: a backlog, read in fetches of at most 16 KiB per partition.
    for (let i = 0; i < n; i += 500) {
      const messages = Array.from({ length: Math.min(500, n - i) }, (_, k) => {
        const ts = start + (i + k) * 50;
        const event: PredictionEvent = { schema_version: 1, prediction_id: newPredictionId(ts), model, model_version: '1', ts, features: { x: i + k }, outputs: { probability: 0.5 }, latency_ms: 1, status: 'ok', node: 'test', execution_provider: 'cpu' };
        return { key: event.prediction_id, value: encodeEvent('predictions', event) };
      });
      await env.producer.send({ topic: topics.predictions, acks: -1, messages });
    }
    const group = uniqueName('catch-up-group');
    const runtime = createProcessorRuntime({
      kafka: env.kafka,
      clickhouse: env.clickhouse,
      deadLetters: createDeadLetterPublisher(env.producer, topics.deadLetter),
      logger: testLogger(),
      topic: topics.predictions,
      groupId: group,
      aggregators: [],
      windowSizeMs: 60_000,
      allowedLatenessMs: 5_000,
      // Neither the interval nor the size bound falls due during the test: only the end of the backlog checkpoints.
      checkpointIntervalMs: 3_600_000,
      checkpointMaxEvents: 1_000_000,
      fetch: { maxBytesPerPartition: 16 * 1024, maxBytes: 96 * 1024 },
    });
    try {
      await runtime.start();
      const admin = env.kafka.admin();
      await admin.connect();
      const ends = await admin.fetchTopicOffsets(topics.predictions).finally(() => admin.disconnect());
      const last = new Map(ends.filter((e) => Number(e.high) > 0).map((e) => [e.partition, Number(e.high) - 1]));
      const covered = async () => {
        const rows = await queryRows<{ partition: number; state: string }>(
          env.clickhouse,
          "SELECT partition, state FROM processor_chunks FINAL WHERE pipeline = {g:String} AND part = 'checkpoint'",
          { g: group },
        );
        return new Map(rows.map((r) => [Number(r.partition), (JSON.parse(r.state) as { offset: number }).offset]));
      };
      assert.ok(
        await waitFor(async () => {
          const c = await covered();
          return [...last].every(([p, offset]) => c.get(p) === offset);
        }, 30_000),
        `every partition's checkpoint covers its last offset without a close (${JSON.stringify([...(await covered())])} of ${JSON.stringify([...last])})`,
      );
      assert.equal(runtime.stats().consumed, n);
      assert.equal(runtime.stats().checkpoints, last.size, 'one checkpoint per partition: the end of its backlog');
    } finally {
      await runtime.close();
    }
  });
});
