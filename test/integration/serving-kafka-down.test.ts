/**
 * The serving node with no broker at all: requests are still answered, the
 * bounded publish buffer sheds its oldest events, and every drop is counted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createKafka } from '../../libs/kafka/client.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { writeDemoModel } from '../../libs/model/train-demo-model.ts';
import { kafkaTransport } from '../../services/serving/kafka-transport.ts';
import { startServingNode } from '../../services/serving/serving-node.ts';
import { testLogger, uniqueName } from '../support/harness.ts';
import { clientRows, metricValue, predict, servingOptions } from '../support/serving.ts';

describe('serving node with Kafka down', () => {
  it('keeps answering 200 while the bounded buffer sheds the oldest events and counts every drop', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'driftline-serving-down-'));
    await writeDemoModel(repo, { seed: 7, rows: 2_000, version: '1' });
    // Nothing listens on port 1; a short connection retry keeps the test quick (the node retries forever on its own).
    const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: uniqueName('down'), logger: testLogger(), config: { retry: { retries: 0 }, connectionTimeout: 200 } });
    const node = await startServingNode({
      options: servingOptions(repo, { publishBuffer: 10 }),
      transport: kafkaTransport({ kafka, producer: createIdempotentProducer(kafka), topics: { predictions: 'p', labels: 'l', alerts: 'a', deadLetter: 'd' } }),
      logger: testLogger(),
      publishRetryMs: { initial: 50, max: 200 },
    });
    try {
      const rows = clientRows(3, 30);
      const results = await Promise.all(rows.map((r) => predict(node, [r])));
      assert.ok(results.every((r) => r.status === 200));
      const metrics = (await node.app.inject('/metrics')).body;
      assert.equal(metricValue(metrics, 'driftline_serving_events_dropped_total{reason="buffer_full"}'), 20);
      assert.equal(metricValue(metrics, 'driftline_serving_publish_buffer_events'), 10);
      assert.equal(metricValue(metrics, 'driftline_serving_publish_connected'), 0);
      assert.equal(metricValue(metrics, 'driftline_serving_events_published_total'), 0);
    } finally {
      await node.close(500);
      await rm(repo, { recursive: true, force: true });
    }
    assert.deepEqual(node.publisher.stats().dropped, { buffer_full: 20, invalid: 0, rejected: 0, shutdown: 10 });
  });
});
