/**
 * The simulator's HTTP mode against a real serving node: the demo model in a
 * temp repository, the fastify app listening on a real port, onnxruntime,
 * and the node publishing its prediction events to a unique Kafka topic.
 * The driver's labels go to the labels topic through kafkaLabelSender; both
 * topics are consumed back and joined by prediction id.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { decodeEvent } from '../../libs/contracts/decode.ts';
import type { LabelEvent, PredictionEvent } from '../../libs/contracts/schemas.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import type { TopicNames } from '../../libs/kafka/topology.ts';
import { DEMO_MODEL_NAME, writeDemoModel } from '../../libs/model/train-demo-model.ts';
import { kafkaTransport } from '../../services/serving/kafka-transport.ts';
import { run as simulateCommand } from '../../services/cli/simulate-command.ts';
import { type ServingNode, startServingNode } from '../../services/serving/serving-node.ts';
import { httpModeNotes, runHttpDriver } from '../../simulators/http-driver.ts';
import { kafkaLabelSender } from '../../simulators/label-sender.ts';
import { parseScenario } from '../../simulators/scenario-schema.ts';
import { simulate } from '../../simulators/simulate.ts';
import { testKafka, testLogger, uniqueName, uniqueTopics, waitFor } from '../support/harness.ts';

describe('simulator, HTTP mode', () => {
  const repo = mkdtempSync(join(tmpdir(), 'driftline-sim-http-'));
  let kafka: Kafka;
  let topics: TopicNames;
  let node: ServingNode;
  let baseUrl: string;
  let labelProducer: Producer;
  let consumer: Consumer;
  const predictions = new Map<string, PredictionEvent>();
  const labels = new Map<string, LabelEvent>();

  before(async () => {
    await writeDemoModel(repo, { seed: 7, rows: 4_000, version: '1' });
    kafka = testKafka();
    topics = await uniqueTopics(kafka);
    node = await startServingNode({
      options: {
        repoDir: repo, providers: ['cpu'], intraOpThreads: 1, pollIntervalMs: 0, batchWindow: 2, maxBatchRows: 256, bodyLimit: 256 * 1024,
        publishBuffer: 100_000, publishBatch: 500, publishLingerMs: 5, node: uniqueName('sim-serving'),
      },
      transport: kafkaTransport({ kafka, producer: createIdempotentProducer(kafka), topics }),
      logger: testLogger(),
    });
    baseUrl = await node.app.listen({ host: '127.0.0.1', port: 0 });
    labelProducer = createIdempotentProducer(kafka);
    await labelProducer.connect();
    consumer = kafka.consumer({ groupId: uniqueName('sim-http-check'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.predictions, topics.labels], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (topic === topics.predictions) {
          const d = decodeEvent('predictions', message.value);
          assert.ok(d.ok, 'the node publishes valid events');
          predictions.set(d.value.prediction_id, d.value);
        } else {
          const d = decodeEvent('labels', message.value);
          assert.ok(d.ok, 'the simulator publishes valid labels');
          assert.equal(message.key?.toString(), d.value.prediction_id);
          labels.set(d.value.prediction_id, d.value);
        }
      },
    });
  });
  after(async () => {
    await node?.close(5_000);
    await labelProducer?.disconnect();
    await consumer?.disconnect();
    await rm(repo, { recursive: true, force: true });
  });

  it('drives the predict endpoint at the rate, and labels exactly the scored rows under the ids the node returned', async () => {
    const scenario = parseScenario({
      effects: [
        { type: 'qualityIncident', kind: 'nulls', feature: 'income', share: 0.1 },
        { type: 'qualityIncident', kind: 'new_category', feature: 'region', share: 0.1, value: 'atlantis' },
        { type: 'qualityIncident', start: '50%', kind: 'wrong_type', feature: 'age', share: 0.05 },
        { type: 'labelDelay', distribution: { kind: 'lognormal', median: '400ms', sigma: 0.5 } },
        { type: 'labelCoverage', share: 0.8 },
        { type: 'latencySpike', extraMs: 100, share: 0.5 },
      ],
    });
    const sim = simulate(scenario, { seed: 21, rate: 200, durationMs: 3_000, startMs: Date.now(), timeScale: 1 });
    const expected = [...sim];
    const invalid = expected.filter((i) => !i.requestValid).length;
    assert.ok(invalid > 0, 'the scenario breaks some requests');
    assert.deepEqual(httpModeNotes(sim.plan), ['latencySpike effects shape Kafka-mode events only; in HTTP mode latency and errors are the serving node\'s own']);

    const result = await runHttpDriver(
      { baseUrl, model: DEMO_MODEL_NAME, sendLabels: kafkaLabelSender(labelProducer, topics.labels) },
      { items: sim, batchSize: 10, maxInFlight: 4, maxRatePerSec: sim.peakRatePerSec, labelGraceMs: 10_000 },
    );
    assert.equal(result.items, expected.length);
    assert.equal(result.invalidRowsSent, invalid);
    assert.deepEqual(result.byStatus, { 200: result.requests - invalid, 400: invalid }, 'valid batches scored, each broken row refused alone');
    assert.equal(result.rowsScored, expected.length - invalid);
    assert.equal(result.rowsFailed, 0);
    const covered = expected.filter((i) => i.requestValid && i.label.covered).length;
    assert.equal(result.labelsSent, covered);
    assert.equal(result.labelsPendingAtStop, 0);
    assert.ok(result.elapsedMs >= 0.9 * 3_000, `paced over the duration (${result.elapsedMs} ms)`);

    assert.ok(await waitFor(async () => predictions.size >= result.rowsScored && labels.size >= covered, 30_000), `consumed ${predictions.size} predictions, ${labels.size} labels`);
    assert.equal(predictions.size, result.rowsScored, 'the node published one event per scored row, none for refused ones');
    assert.equal(labels.size, covered);
    for (const [id, label] of labels) {
      const prediction = predictions.get(id);
      assert.ok(prediction, `label ${id} joins a prediction the node made`);
      assert.equal(label.model, DEMO_MODEL_NAME);
      assert.ok(label.ts >= prediction.ts - 50, 'a label does not precede its prediction');
    }
    // What the incidents sent reached the node's events as data problems to detect downstream.
    const events = [...predictions.values()];
    assert.ok(events.some((e) => e.features.income === null) && events.some((e) => e.features.region === 'atlantis'));
    assert.ok(events.every((e) => typeof e.features.age === 'number'));
  });

  it('driftline simulate --mode http drives the node and reports what it answered', async () => {
    let out = '';
    const before = predictions.size;
    const code = await simulateCommand(
      ['--scenario', 'quality-incident', '--mode', 'http', '--url', baseUrl, '--rate', '100', '--duration', '2s', '--time-scale', '600', '--label-grace', '5s'],
      { stdout: (t) => void (out += t), stderr: (t) => void (out += t) },
      undefined,
      { ...process.env, TOPIC_PREDICTIONS: topics.predictions, TOPIC_LABELS: topics.labels, TOPIC_ALERTS: topics.alerts, TOPIC_DEAD_LETTER: topics.deadLetter },
    );
    assert.equal(code, 0, out);
    const m = /rows scored (\d+), rejected (\d+) \((\d+) broken on purpose\), failed (\d+)/.exec(out);
    assert.ok(m, out);
    const [scored, rejected, broken, failed] = m.slice(1).map(Number) as [number, number, number, number];
    assert.equal(scored + rejected + failed, 200);
    assert.equal(rejected, broken, 'only the rows broken on purpose were refused');
    assert.equal(failed, 0);
    assert.ok(await waitFor(async () => predictions.size >= before + scored, 30_000));
  });
});
