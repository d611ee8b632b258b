/**
 * Consumer lag against the real broker: a group's committed offsets versus
 * each partition's log end, as the sink and processors publish it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { startConsumerLagMonitor } from '../../libs/metrics/consumer-lag.ts';
import { createServiceRegistry } from '../../libs/metrics/registry.ts';
import { startWorkerMetrics } from '../../libs/metrics/worker-metrics.ts';
import { testKafka, testLogger, uniqueName } from '../support/harness.ts';

let kafka: Kafka;
let admin: Admin;
let producer: Producer;
before(async () => {
  kafka = testKafka();
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
});
after(async () => {
  await producer.disconnect();
  await admin.disconnect();
});

/** The lag gauge's value for one partition, from the registry's text output. */
function lagOf(text: string, group: string, topic: string, partition: number): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith('driftline_consumer_lag{') && l.includes(`group="${group}"`) && l.includes(`topic="${topic}"`) && l.includes(`partition="${partition}"`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('consumer lag', () => {
  async function topicWithBacklog(): Promise<{ topic: string; group: string }> {
    const topic = uniqueName('lag');
    const group = uniqueName('lag-group');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const send = (partition: number, n: number) => producer.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ partition, value: `m${i}` })) });
    await send(0, 10);
    await send(1, 3);
    // The group has committed partition 0 up to offset 4 (next to read) and never committed partition 1.
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '4' }] });
    return { topic, group };
  }

  it('is log end − committed offset per partition, and everything retained when the group never committed', async () => {
    const { topic, group } = await topicWithBacklog();
    const registry = createServiceRegistry('test', { processMetrics: false });
    const monitor = startConsumerLagMonitor({ admin, groupId: group, topics: [topic], registry, intervalMs: 60_000, logger: testLogger() });
    try {
      await monitor.refresh();
      let text = await registry.metrics();
      assert.equal(lagOf(text, group, topic, 0), 6);
      assert.equal(lagOf(text, group, topic, 1), 3);
      await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '10' }, { partition: 1, offset: '3' }] });
      await monitor.refresh();
      text = await registry.metrics();
      assert.equal(lagOf(text, group, topic, 0), 0);
      assert.equal(lagOf(text, group, topic, 1), 0);
    } finally {
      await monitor.close();
    }
  });

  it('is published by startWorkerMetrics from its own admin client', async () => {
    const { topic, group } = await topicWithBacklog();
    const metrics = await startWorkerMetrics({ service: 'test', port: 0, host: '127.0.0.1', lag: { kafka, groupId: group, topics: [topic], intervalMs: 100 }, logger: testLogger() });
    try {
      let text = await metrics.registry.metrics();
      for (let i = 0; i < 200 && lagOf(text, group, topic, 1) === undefined; i++) {
        await new Promise((r) => setTimeout(r, 50));
        text = await metrics.registry.metrics();
      }
      assert.equal(lagOf(text, group, topic, 0), 6);
      assert.equal(lagOf(text, group, topic, 1), 3);
      assert.equal(metrics.port, undefined, 'port 0: no HTTP server');
    } finally {
      await metrics.close();
    }
  });
});
