/**
 * The simulator's Kafka mode against the real broker: predictions and
 * delayed labels published to unique topics are consumed back and counted;
 * the run follows its schedule rather than dumping everything at once; it
 * stops by itself at maxEvents; `driftline simulate --mode kafka` does the
 * same from the command line.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { decodeEvent } from '../../libs/contracts/decode.ts';
import type { LabelEvent, PredictionEvent } from '../../libs/contracts/schemas.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import type { TopicNames } from '../../libs/kafka/topology.ts';
import { run as simulateCommand } from '../../services/cli/simulate-command.ts';
import { runKafkaDriver } from '../../simulators/kafka-driver.ts';
import { parseScenario } from '../../simulators/scenario-schema.ts';
import { simulate } from '../../simulators/simulate.ts';
import { testKafka, uniqueName, uniqueTopics, waitFor } from '../support/harness.ts';

/** Collects every decoded prediction and label of a topic pair, by prediction id. */
async function collect(kafka: Kafka, topics: TopicNames) {
  const predictions = new Map<string, PredictionEvent>();
  const labels = new Map<string, LabelEvent>();
  let undecodable = 0;
  const consumer: Consumer = kafka.consumer({ groupId: uniqueName('simulator-check'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.predictions, topics.labels], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      if (topic === topics.predictions) {
        const d = decodeEvent('predictions', message.value);
        if (d.ok && message.key?.toString() === d.value.prediction_id) predictions.set(d.value.prediction_id, d.value);
        else undecodable++;
      } else {
        const d = decodeEvent('labels', message.value);
        if (d.ok && message.key?.toString() === d.value.prediction_id) labels.set(d.value.prediction_id, d.value);
        else undecodable++;
      }
    },
  });
  return { predictions, labels, undecodable: () => undecodable, close: () => consumer.disconnect() };
}

describe('simulator, Kafka mode', () => {
  let kafka: Kafka;
  let producer: Producer;
  before(async () => {
    kafka = testKafka();
    producer = createIdempotentProducer(kafka);
    await producer.connect();
  });
  after(async () => {
    await producer?.disconnect();
  });

  it('publishes every prediction and each covered label after its delay, at the scheduled pace', async () => {
    const topics = await uniqueTopics(kafka);
    const scenario = parseScenario({
      effects: [
        { type: 'errorBurst', start: '50%', share: 0.2 },
        { type: 'labelDelay', distribution: { kind: 'fixed', delay: '1s' } },
        { type: 'labelCoverage', share: 0.8 },
        { type: 'qualityIncident', kind: 'renamed_feature', feature: 'income', share: 0.1 },
      ],
    });
    const rate = 400, durationMs = 2_500;
    const sim = simulate(scenario, { seed: 11, rate, durationMs, startMs: Date.now(), timeScale: 1, node: uniqueName('sim') });
    const expected = [...sim];
    assert.equal(expected.length, 1_000);
    const result = await runKafkaDriver({ producer, topics }, { items: sim, batchSize: 100, maxInFlight: 4, maxRatePerSec: sim.peakRatePerSec, labelGraceMs: 5_000 });

    assert.equal(result.stoppedBy, 'end');
    assert.equal(result.predictions, expected.length);
    const covered = expected.filter((i) => i.label.covered);
    assert.equal(result.labelsSent, covered.length);
    assert.equal(result.labelsPendingAtStop, 0);
    assert.equal(result.errorEvents, expected.filter((i) => i.event.status === 'error').length);
    // The schedule is the rate limit: 1000 events at 400/s cannot all be out before ~2.5 s (a lower bound only; no upper bound on a busy machine).
    assert.ok(result.elapsedMs >= 0.9 * durationMs, `finished in ${result.elapsedMs} ms`);

    const seen = await collect(kafka, topics);
    try {
      assert.ok(await waitFor(async () => seen.predictions.size >= expected.length && seen.labels.size >= covered.length, 30_000), `consumed ${seen.predictions.size} predictions, ${seen.labels.size} labels`);
      assert.equal(seen.undecodable(), 0);
      assert.equal(seen.predictions.size, expected.length);
      assert.equal(seen.labels.size, covered.length);
      for (const item of expected) {
        const event = seen.predictions.get(item.event.prediction_id)!;
        assert.deepEqual(event, item.event);
        const label = seen.labels.get(item.event.prediction_id);
        assert.equal(label !== undefined, item.label.covered);
        if (label) {
          assert.equal(label.label, item.label.value);
          assert.equal(label.ts - event.ts, 1_000, 'label time = prediction time + the delay');
        }
      }
      assert.ok([...seen.predictions.values()].some((e) => 'income_v2' in e.features && !('income' in e.features)), 'the renamed feature reached Kafka as sent');
    } finally {
      await seen.close();
    }
  });

  it('stops by itself at maxEvents', async () => {
    const topics = await uniqueTopics(kafka);
    const sim = simulate(parseScenario({}), { seed: 12, rate: 2_000, durationMs: Infinity, maxEvents: 300, startMs: Date.now() });
    const result = await runKafkaDriver({ producer, topics }, { items: sim, batchSize: 200, maxInFlight: 2, maxRatePerSec: sim.peakRatePerSec, labelGraceMs: 2_000 });
    assert.equal(result.predictions, 300);
    assert.equal(result.labelsSent, 300);
    const seen = await collect(kafka, topics);
    try {
      assert.ok(await waitFor(async () => seen.predictions.size >= 300 && seen.labels.size >= 300, 30_000));
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(seen.predictions.size, 300, 'nothing after the bound');
    } finally {
      await seen.close();
    }
  });

  it('driftline simulate --mode kafka publishes the run and prints the counts', async () => {
    const topics = await uniqueTopics(kafka);
    let out = '';
    const code = await simulateCommand(
      ['--scenario', 'demo', '--mode', 'kafka', '--rate', '100', '--duration', '2s', '--time-scale', '600', '--label-grace', '3s', '--seed', '3'],
      { stdout: (t) => void (out += t), stderr: (t) => void (out += t) },
      undefined,
      { ...process.env, TOPIC_PREDICTIONS: topics.predictions, TOPIC_LABELS: topics.labels, TOPIC_ALERTS: topics.alerts, TOPIC_DEAD_LETTER: topics.deadLetter },
    );
    assert.equal(code, 0, out);
    const m = /predictions (\d+) \(status error (\d+)\) in \d+ batches; labels sent (\d+), not covered (\d+), still pending at stop (\d+)/.exec(out);
    assert.ok(m, out);
    const [predictions, , labelsSent, notCovered, pending] = m.slice(1).map(Number) as [number, number, number, number, number];
    assert.equal(predictions, 200);
    assert.equal(labelsSent + notCovered + pending, 200);
    const seen = await collect(kafka, topics);
    try {
      assert.ok(await waitFor(async () => seen.predictions.size >= 200 && seen.labels.size >= labelsSent, 30_000));
      assert.equal(seen.labels.size, labelsSent);
      for (const id of seen.labels.keys()) assert.ok(seen.predictions.has(id), 'every label names a published prediction');
    } finally {
      await seen.close();
    }
  });
});
