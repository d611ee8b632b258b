/**
 * The serving node end to end: a model repository written by the demo
 * trainer, the fastify app through app.inject(), the real onnxruntime and the
 * real broker. Scores are checked against the numpy reference; events are read
 * back from Kafka; hot reload, canary routing and rollback run under load.
 * (Kafka down: serving-kafka-down.test.ts; repository polling:
 * serving-repository-poll.test.ts; shared helpers: test/support/serving.ts.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { decodeEvent } from '../../libs/contracts/decode.ts';
import { predictionIdTimeMs } from '../../libs/contracts/prediction-id.ts';
import type { PredictionEvent } from '../../libs/contracts/schemas.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import type { TopicNames } from '../../libs/kafka/topology.ts';
import { predictProbabilities } from '../../libs/model/logistic-regression.ts';
import { type DemoTrainResult, writeDemoModel } from '../../libs/model/train-demo-model.ts';
import { kafkaTransport } from '../../services/serving/kafka-transport.ts';
import { chooseVersion } from '../../services/serving/routing-policy.ts';
import { type ServingNode, startServingNode } from '../../services/serving/serving-node.ts';
import { runLogisticReference } from '../reference/python-reference.ts';
import { testKafka, testLogger, uniqueName, uniqueTopics, waitFor } from '../support/harness.ts';
import { clientRows, instrumentedFactory, loadLoop, metricValue, MODEL, POISON_AGE, predict, referenceInput, servingOptions } from '../support/serving.ts';

describe('serving node', () => {
  const repo = mkdtempSync(join(tmpdir(), 'driftline-serving-'));
  const sessions = instrumentedFactory();
  let kafka: Kafka;
  let topics: TopicNames;
  let node: ServingNode;
  let v1: DemoTrainResult;
  let consumer: Consumer;
  const events = new Map<string, PredictionEvent>();

  before(async () => {
    v1 = (await writeDemoModel(repo, { seed: 7, rows: 4_000, version: '1' })).result;
    kafka = testKafka();
    topics = await uniqueTopics(kafka);
    const producer: Producer = createIdempotentProducer(kafka);
    node = await startServingNode({ options: servingOptions(repo), transport: kafkaTransport({ kafka, producer, topics }), logger: testLogger(), sessionFactory: sessions.factory });
    consumer = kafka.consumer({ groupId: uniqueName('serving-events'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: topics.predictions, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const decoded = decodeEvent('predictions', message.value);
        assert.ok(decoded.ok, 'every published event decodes under the contract');
        assert.equal(message.key?.toString(), decoded.value.prediction_id);
        events.set(decoded.value.prediction_id, decoded.value);
      },
    });
  });
  after(async () => {
    await node?.close(5_000);
    await consumer?.disconnect();
    await rm(repo, { recursive: true, force: true });
  });

  it('is live and ready, and describes the model with the provider really used', async () => {
    assert.equal((await node.app.inject('/v2/health/live')).statusCode, 200);
    assert.deepEqual((await node.app.inject('/v2/health/ready')).json(), { ready: true });
    const meta = (await node.app.inject(`/v2/models/${MODEL}`)).json();
    assert.equal(meta.name, MODEL);
    assert.deepEqual(meta.versions, ['1']);
    assert.equal(meta.platform, 'onnxruntime');
    assert.deepEqual(meta.inputs.map((i: { name: string }) => i.name), v1.card.features.map((f) => f.name));
    for (const input of meta.inputs) {
      const kind = v1.card.features.find((f) => f.name === input.name)!.kind;
      assert.deepEqual(input, { name: input.name, datatype: kind === 'numeric' ? 'FP32' : 'BYTES', shape: [-1, 1] });
    }
    assert.deepEqual(meta.outputs, [{ name: 'probability', datatype: 'FP32', shape: [-1, 1] }, { name: 'label', datatype: 'INT64', shape: [-1, 1] }]);
    // No GPU libraries on CPU-only hosts: CUDA must have been tried and CPU really used; a CUDA host reports cuda.
    assert.ok(['cuda', 'cpu'].includes(meta.execution_provider));
    const loaded = node.registry.model(MODEL)!.versions.get('1')!;
    assert.equal(loaded.provider, meta.execution_provider);
    if (meta.execution_provider === 'cpu') assert.equal(loaded.failedProviders[0]?.provider, 'cuda');
    const metrics = (await node.app.inject('/metrics')).body;
    assert.equal(metricValue(metrics, `driftline_serving_execution_provider{model="${MODEL}",version="1",provider="${meta.execution_provider}"}`), 1);
    const versionMeta = (await node.app.inject(`/v2/models/${MODEL}/versions/1`)).json();
    assert.deepEqual(versionMeta.versions, ['1']);
    assert.equal(versionMeta.execution_provider, meta.execution_provider);
  });

  it('scores like the numpy reference, the same through v1, v2 and micro-batched single rows, and publishes every row', async () => {
    const rows = clientRows(2024, 60);
    const reference = runLogisticReference<{ probability: number[]; label: number[] }>('predict', referenceInput(v1, rows));

    const whole = await predict(node, rows);
    assert.equal(whole.status, 200);
    assert.equal(whole.body.model_version, '1');
    assert.equal(whole.body.predictions.length, rows.length);
    whole.body.predictions.forEach((p, i) => {
      assert.ok(Math.abs(p.probability - reference.probability[i]!) < 1e-5, `row ${i}: ${p.probability} vs numpy ${reference.probability[i]}`);
      if (Math.abs(reference.probability[i]! - v1.card.threshold) > 1e-5) assert.equal(p.label, reference.label[i], `row ${i} label`);
    });

    const inputs = v1.card.features.map((f) => ({ name: f.name, shape: [rows.length, 1], datatype: f.kind === 'numeric' ? 'FP32' : 'BYTES', data: rows.map((r) => r[f.name] ?? null) }));
    const v2 = await node.app.inject({ method: 'POST', url: `/v2/models/${MODEL}/infer`, payload: { id: 'batch-1', inputs } });
    assert.equal(v2.statusCode, 200, v2.body);
    const v2Body = v2.json();
    assert.equal(v2Body.id, 'batch-1');
    assert.equal(v2Body.model_version, '1');
    assert.equal(v2Body.parameters.prediction_ids.length, rows.length);
    const [probability, label] = v2Body.outputs;
    assert.deepEqual([probability.name, probability.datatype, probability.shape], ['probability', 'FP32', [rows.length, 1]]);
    assert.deepEqual([label.name, label.datatype], ['label', 'INT64']);
    assert.deepEqual(probability.data, whole.body.predictions.map((p) => p.probability));
    assert.deepEqual(label.data, whole.body.predictions.map((p) => p.label));

    // The same rows as 60 concurrent single-row requests: batched by the micro-batcher, same scores.
    const batchesBefore = metricValue((await node.app.inject('/metrics')).body, `driftline_serving_batch_rows_count{model="${MODEL}",version="1"}`)!;
    const singles = await Promise.all(rows.map((r) => predict(node, [r])));
    singles.forEach((s, i) => {
      assert.equal(s.status, 200);
      assert.equal(s.headers['x-prediction-id'], s.body.predictions[0]!.prediction_id);
      assert.ok(Math.abs(s.body.predictions[0]!.probability - whole.body.predictions[i]!.probability) < 1e-6, `row ${i}`);
    });
    const batchesAfter = metricValue((await node.app.inject('/metrics')).body, `driftline_serving_batch_rows_count{model="${MODEL}",version="1"}`)!;
    assert.ok(batchesAfter - batchesBefore < rows.length / 2, `60 concurrent requests ran as ${batchesAfter - batchesBefore} session runs`);

    // Every row of every request arrives in Kafka with what the client sent and what it got back.
    const ids = [...whole.body.predictions, ...singles.map((s) => s.body.predictions[0]!)].map((p) => p.prediction_id).concat(v2Body.parameters.prediction_ids);
    assert.equal(new Set(ids).size, 180, 'prediction ids are unique');
    assert.ok(await waitFor(async () => ids.every((id) => events.has(id)), 20_000), `events arrived: ${ids.filter((id) => events.has(id)).length} of ${ids.length}`);
    singles.forEach((s, i) => {
      const p = s.body.predictions[0]!;
      const e = events.get(p.prediction_id)!;
      assert.deepEqual(e.features, Object.fromEntries(v1.card.features.map((f) => [f.name, rows[i]![f.name] ?? null])));
      assert.deepEqual(e.outputs, { probability: p.probability, label: p.label });
      assert.equal(e.model, MODEL);
      assert.equal(e.model_version, '1');
      assert.equal(e.status, 'ok');
      assert.equal(e.node, 'serving-test-node');
      assert.equal(e.execution_provider, node.registry.model(MODEL)!.versions.get('1')!.provider);
      assert.ok(e.latency_ms > 0 && e.latency_ms < 10_000);
      assert.equal(predictionIdTimeMs(e.prediction_id), e.ts, 'the id carries the event time');
    });
  });

  it('answers a failed inference with 500 and publishes its rows with status=error', async () => {
    const row = { ...clientRows(5, 1)[0]!, age: POISON_AGE };
    const res = await predict(node, [row]);
    assert.equal(res.status, 500);
    assert.equal(res.body.error?.code, 'INFERENCE_FAILED');
    assert.match(res.body.error!.message, /injected fault/);
    const ok = await predict(node, clientRows(6, 1));
    assert.equal(ok.status, 200, 'the node keeps serving');
    assert.ok(await waitFor(async () => [...events.values()].some((e) => e.status === 'error'), 10_000));
    const failed = [...events.values()].filter((e) => e.status === 'error');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.features.age, POISON_AGE);
    assert.deepEqual(failed[0]!.outputs, {});
    assert.match(failed[0]!.error!, /injected fault/);
    const metrics = (await node.app.inject('/metrics')).body;
    assert.equal(metricValue(metrics, `driftline_serving_predictions_total{model="${MODEL}",version="1",status="error"}`), 1);
  });

  it('refuses bad input with 400 naming the field, unknown models and versions with 404, and keeps serving', async () => {
    const good = clientRows(9, 4);
    const bad = await predict(node, [...good.slice(0, 3), { ...good[3]!, income: 'abc' }]);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { error: { code: 'INPUT_INVALID', message: 'instances[3].income: expected a number, got "abc"' } });
    const missing = await predict(node, [{ ...good[0]!, region: undefined }]);
    assert.match(missing.body.error!.message, /^instances\[0\]\.region: missing/);
    const extra = await predict(node, [{ ...good[0]!, colour: 'red' }]);
    assert.match(extra.body.error!.message, /^instances\[0\]\.colour: unknown feature/);

    const v2 = await node.app.inject({ method: 'POST', url: `/v2/models/${MODEL}/infer`, payload: { inputs: [{ name: 'age', shape: [2], datatype: 'FP32', data: [1, 2] }] } });
    assert.equal(v2.statusCode, 400);
    assert.match(v2.json().error.message, /^inputs\[0\]\.shape \(age\): expected \[N,1\]/);

    const notJson = await node.app.inject({ method: 'POST', url: `/v1/models/${MODEL}/predict`, headers: { 'content-type': 'application/json' }, payload: '{"instances": [' });
    assert.equal(notJson.statusCode, 400);
    assert.equal(notJson.json().error.code, 'INPUT_INVALID');
    assert.match(notJson.json().error.message, /not valid JSON/);

    const huge = await node.app.inject({ method: 'POST', url: `/v1/models/${MODEL}/predict`, payload: { instances: Array.from({ length: 1_000 }, () => good[0]) } });
    assert.equal(huge.statusCode, 413);
    assert.deepEqual(huge.json(), { error: { code: 'INPUT_INVALID', message: 'request body exceeds the 65536-byte limit (SERVING_BODY_LIMIT)' } });

    const unknownModel = await node.app.inject({ method: 'POST', url: '/v1/models/nope/predict', payload: { instances: good } });
    assert.equal(unknownModel.statusCode, 404);
    assert.deepEqual(unknownModel.json(), { error: { code: 'NOT_FOUND', message: `model "nope" is not loaded (loaded: ${MODEL})` } });
    const unknownVersion = await node.app.inject({ method: 'POST', url: `/v2/models/${MODEL}/versions/9/infer`, payload: {} });
    assert.equal(unknownVersion.statusCode, 404);
    assert.match(unknownVersion.json().error.message, /version "9" of model "credit-default" is not loaded \(loaded: 1\)/);
    assert.equal((await node.app.inject(`/v2/models/${MODEL}/versions/9`)).statusCode, 404);
    assert.equal((await node.app.inject('/v3/whatever')).json().error.code, 'NOT_FOUND');

    assert.equal((await predict(node, good)).status, 200, 'still serving');
    const metrics = (await node.app.inject('/metrics')).body;
    assert.ok(metricValue(metrics, `driftline_serving_requests_total{endpoint="v1_predict",model="${MODEL}",version="1",code="400"}`)! >= 3);
    assert.equal(metricValue(metrics, 'driftline_serving_requests_total{endpoint="v1_predict",model="(unknown)",version="",code="404"}'), 1, 'unknown names do not mint label values');
  });

  it('hot-reloads a new version and unloads a removed one under concurrent load without failing a request', async () => {
    const rows = clientRows(31, 200);
    const expected = new Map<string, Float64Array>([['1', predictProbabilities(v1.model, rows)]]);
    const outcomes: Array<{ status: number; version: string; probability: number; row: number; startedMs: number }> = [];
    let stop = false;
    const load = loadLoop(16, async (i) => {
      const row = i % rows.length;
      const startedMs = performance.now();
      const res = await predict(node, [rows[row]!]);
      outcomes.push({ status: res.status, version: res.body.model_version, probability: res.body.predictions?.[0]?.probability ?? NaN, row, startedMs });
    }, { stop: () => stop });

    await new Promise((r) => setTimeout(r, 300));
    const v2 = (await writeDemoModel(repo, { seed: 8, rows: 4_000, version: '2' })).result;
    expected.set('2', predictProbabilities(v2.model, rows));
    const added = await node.registry.reload();
    assert.deepEqual(added.loaded, [`${MODEL}/2`]);
    const swappedAt = performance.now();
    await new Promise((r) => setTimeout(r, 300));
    await rm(join(repo, MODEL, '1'), { recursive: true });
    const removed = await node.registry.reload();
    assert.deepEqual(removed.removed, [`${MODEL}/1`]);
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await load;

    assert.ok(outcomes.length > 100, `${outcomes.length} requests`);
    const failures = outcomes.filter((o) => o.status !== 200);
    assert.equal(failures.length, 0, `failed: ${JSON.stringify(failures.slice(0, 3))}`);
    assert.ok(outcomes.some((o) => o.version === '1') && outcomes.some((o) => o.version === '2'));
    for (const o of outcomes) {
      const want = expected.get(o.version)![o.row]!;
      assert.ok(Math.abs(o.probability - want) < 1e-5, `v${o.version} row ${o.row}: ${o.probability} vs ${want}`);
    }
    // Without a routing file the latest version is the champion: everything after the swap went to 2.
    assert.ok(outcomes.filter((o) => o.startedMs > swappedAt + 1).every((o) => o.version === '2'));
    // The old session was released once its last request finished; the new one is live.
    assert.ok(await waitFor(async () => sessions.sessions.filter((s) => s.released).length === 1, 5_000), 'v1 session released');
    assert.equal((await predict(node, [rows[0]!], '1')).status, 404);
    assert.deepEqual((await node.app.inject(`/v2/models/${MODEL}`)).json().versions, ['2']);
    v1 = v2;
  });

  it('splits traffic to a canary by prediction id, serves explicit versions as asked, and rolls back', async () => {
    await writeDemoModel(repo, { seed: 9, rows: 4_000, version: '3' });
    const policy = { champion: '2', canary: { version: '3', share: 0.25 } };
    await writeFile(join(repo, MODEL, 'routing.json'), JSON.stringify(policy));
    await node.registry.reload();
    const meta = (await node.app.inject(`/v2/models/${MODEL}`)).json();
    assert.deepEqual(meta.routing, { ...policy, source: 'file' });

    const rows = clientRows(41, 50);
    const seen: Array<{ id: string; version: string }> = [];
    await loadLoop(16, async (i) => {
      const res = await predict(node, [rows[i % rows.length]!]);
      assert.equal(res.status, 200);
      seen.push({ id: res.body.predictions[0]!.prediction_id, version: res.body.model_version });
    }, { total: 400 });
    for (const s of seen) assert.equal(s.version, chooseVersion(policy, s.id), 'the version follows from the prediction id');
    const canaryShare = seen.filter((s) => s.version === '3').length / seen.length;
    // Binomial(400, 0.25): sd ≈ 0.022.
    assert.ok(canaryShare > 0.15 && canaryShare < 0.35, `canary share ${canaryShare}`);
    const metrics = (await node.app.inject('/metrics')).body;
    assert.equal(metricValue(metrics, `driftline_serving_traffic_share{model="${MODEL}",version="3"}`), 0.25);

    const pinned = await Promise.all(rows.slice(0, 20).map((r) => predict(node, [r], '3')));
    assert.ok(pinned.every((p) => p.status === 200 && p.body.model_version === '3'), 'an explicit version is served as asked');

    // A routing file naming a version that is not loaded is not applied: the last good policy stays.
    await writeFile(join(repo, MODEL, 'routing.json'), JSON.stringify({ champion: '7' }));
    await node.registry.reload();
    assert.deepEqual((await node.app.inject(`/v2/models/${MODEL}`)).json().routing, { ...policy, source: 'previous' });

    // Rollback: the champion written back, no canary.
    await writeFile(join(repo, MODEL, 'routing.json'), JSON.stringify({ champion: '2' }));
    await node.registry.reload();
    const after = await Promise.all(rows.map((r) => predict(node, [r])));
    assert.ok(after.every((a) => a.body.model_version === '2'));
  });
});
