/**
 * Fuzzing every endpoint of the serving node (a demo model, the real
 * onnxruntime, events to the real broker): generated bad bodies for
 * `/v1/models/:name/predict` and `/v2/models/:name/infer` (not JSON, wrong
 * top level, wrong types per feature, missing/extra features, wrong tensor
 * shapes, datatypes and names, lone surrogates, oversize bodies), hostile
 * path parameters on every route, odd content types and methods.
 *
 * Every bad request must answer 4xx with `{error:{code,message}}`, never
 * 5xx; good requests interleaved with them must still score; exactly the
 * rows answered 200 are published (refused rows never are); no unhandled
 * rejection or uncaught exception.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { decodeEvent } from '../../libs/contracts/decode.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { writeDemoModel } from '../../libs/model/train-demo-model.ts';
import { kafkaTransport } from '../../services/serving/kafka-transport.ts';
import { type ServingNode, startServingNode } from '../../services/serving/serving-node.ts';
import { testKafka, testLogger, uniqueName, uniqueTopics, waitFor } from '../support/harness.ts';
import { encodeHostile, type FuzzRequest, HOSTILE_VALUES, notJsonBody, oddHeaders, refusalProblem, wrongTopLevel } from './support/bad-http.ts';
import { type CrashRecorder, recordCrashes } from './support/crash-recorder.ts';
import { recordFigures } from './support/figures.ts';
import { FuzzRandom, RELIABILITY_SEED } from './support/fuzz-random.ts';

const MODEL = 'credit-default';
const CASES = Number(process.env.RELIABILITY_SERVING_CASES ?? 2_400);
const BODY_LIMIT = 64 * 1024;

interface Input {
  name: string;
  datatype: 'FP32' | 'BYTES';
}

let node: ServingNode;
let kafka: Kafka;
let producer: Producer;
let consumer: Consumer;
let inputs: Input[];
let crashes: CrashRecorder;
let published = 0;
const repo = mkdtempSync(join(tmpdir(), 'driftline-rel-serving-'));

before(async () => {
  crashes = recordCrashes();
  await writeDemoModel(repo, { seed: 7, rows: 1_000, version: '1' });
  kafka = testKafka();
  const topics = await uniqueTopics(kafka);
  producer = createIdempotentProducer(kafka);
  node = await startServingNode({
    options: { repoDir: repo, providers: ['cpu'], intraOpThreads: 1, pollIntervalMs: 0, batchWindow: 0, maxBatchRows: 256, bodyLimit: BODY_LIMIT, publishBuffer: 100_000, publishBatch: 250, publishLingerMs: 20, node: 'fuzz-node' },
    transport: kafkaTransport({ kafka, producer, topics }),
    logger: testLogger(),
  });
  consumer = kafka.consumer({ groupId: uniqueName('serving-fuzz'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.predictions, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      assert.ok(decodeEvent('predictions', message.value).ok, 'every published event honours the contract');
      published++;
    },
  });
  inputs = (await node.app.inject(`/v2/models/${MODEL}`)).json().inputs as Input[];
});
after(async () => {
  await node?.close(5_000);
  await consumer?.disconnect();
  crashes?.stop();
  await rm(repo, { recursive: true, force: true });
});

const goodValue = (input: Input, r: FuzzRandom) => (input.datatype === 'FP32' ? Math.round(r.float() * 1_000) / 10 : r.pick(['rent', 'own', 'north', 'car', 'unseen-category']));
const goodRow = (r: FuzzRandom) => Object.fromEntries(inputs.map((i) => [i.name, goodValue(i, r)]));
const goodV1 = (r: FuzzRandom, rows = 1 + r.int(3)) => ({ instances: Array.from({ length: rows }, () => goodRow(r)) });
function goodV2(r: FuzzRandom, rows = 1 + r.int(3)) {
  return { id: `req-${r.int(1e6)}`, inputs: inputs.map((i) => ({ name: i.name, shape: [rows, 1], datatype: i.datatype, data: Array.from({ length: rows }, () => goodValue(i, r)) })) };
}

/** A value of the wrong type for a feature (or a lone surrogate, which no string may hold). */
function badValue(input: Input, r: FuzzRandom): unknown {
  // (No arrays: v2 data may be nested, [[v],[v]], so [1] is a value there.)
  const wrong = input.datatype === 'FP32' ? ['12', 'abc', true, {}, '', 1e39, -1e39] : [1, 0, true, {}, 'x'.repeat(4_097), 'a\ud800b', '\udc00'];
  return r.pick<unknown>(wrong);
}

const json = (url: string, payload: unknown, extra: Partial<FuzzRequest['request']> = {}): FuzzRequest['request'] => ({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload), ...extra });

/** The i-th bad request (kinds cycle). */
function badRequest(i: number, r: FuzzRandom): FuzzRequest {
  const v1 = r.chance(0.5) ? `/v1/models/${MODEL}/predict` : `/v1/models/${MODEL}/versions/1/predict`;
  const v2 = r.chance(0.5) ? `/v2/models/${MODEL}/infer` : `/v2/models/${MODEL}/versions/1/infer`;
  const url = r.chance(0.5) ? v1 : v2;
  const good = url === v1 ? goodV1(r) : goodV2(r);
  switch (i % 14) {
    case 0:
      return { kind: 'not-json', request: { method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: notJsonBody(r, JSON.stringify(good)) } };
    case 1:
      return { kind: 'wrong-top-level', request: json(url, wrongTopLevel(r)) };
    case 2: {
      const body = goodV1(r) as { instances: Array<Record<string, unknown>> };
      const row = r.int(body.instances.length);
      const input = r.pick(inputs);
      body.instances[row]![input.name] = badValue(input, r);
      return { kind: 'v1-wrong-type', request: json(v1, body) };
    }
    case 3: {
      const body = goodV1(r) as { instances: Array<Record<string, unknown>> };
      const row = body.instances[r.int(body.instances.length)]!;
      if (r.chance(0.5)) delete row[r.pick(inputs).name];
      else row[r.pick(['extra', '', 'Age', ' age', 'a\ud800'])] = 1;
      return { kind: 'v1-missing-or-extra-feature', request: json(v1, body) };
    }
    case 4:
      return { kind: 'v1-instances', request: json(v1, r.pick<unknown>([{}, { instances: [] }, { instances: {} }, { instances: 'x' }, { instances: [1, 2] }, { instances: [null] }, { instances: [[]] }, { ...goodV1(r), extra: 1 }, { rows: goodV1(r).instances }])) };
    case 5: {
      const body = goodV2(r) as { inputs: Array<Record<string, unknown>> };
      const input = r.pick(body.inputs);
      const field = r.pick(['shape', 'datatype', 'data', 'name']);
      const values: Record<string, unknown[]> = {
        shape: [[1], [1, 2], [-1, 1], [1.5, 1], 'x', [0, 1], [2 ** 40, 1], null, [1, 1, 1]],
        datatype: ['INT64', 'FP64', input.datatype === 'FP32' ? 'BYTES' : 'FP32', 'fp32', '', null, 1],
        data: ['x', null, {}, [], [[[[]]]], Array.from({ length: 50 }, () => 1)],
        name: [1, null, 'unknown', '', body.inputs[0]!.name === input.name ? body.inputs[1]!.name : body.inputs[0]!.name],
      };
      input[field] = r.pick(values[field]!);
      return { kind: `v2-tensor-${field}`, request: json(v2, body) };
    }
    case 6: {
      const body = goodV2(r) as { inputs: Array<{ name: string; datatype: string; data: unknown[] }> };
      const input = r.pick(body.inputs);
      input.data[r.int(input.data.length)] = badValue(input as Input, r);
      return { kind: 'v2-wrong-value', request: json(v2, body) };
    }
    case 7: {
      const body = goodV2(r) as Record<string, unknown> & { inputs: unknown[] };
      const mutation = r.int(6);
      if (mutation === 0) body.inputs = body.inputs.slice(1);
      else if (mutation === 1) body.inputs = [];
      else if (mutation === 2) body.outputs = r.pick<unknown>(['x', [{ name: 'nope' }], [{}], [null], [1]]);
      else if (mutation === 3) body.id = r.pick<unknown>([1, {}, [], true]);
      else if (mutation === 4) body.parameters = r.pick<unknown>(['x', 1, []]);
      else body.unknown_field = 1;
      return { kind: 'v2-request-fields', request: json(v2, body) };
    }
    case 8: {
      // Over the body limit.
      let rows = 200;
      let body: unknown;
      do body = url === v1 ? goodV1(r, (rows *= 2)) : goodV2(r, (rows *= 2));
      while (JSON.stringify(body).length <= BODY_LIMIT);
      return { kind: 'oversize', request: json(url, body) };
    }
    case 9: {
      // Hostile model names and versions on every route.
      // Not '..': URL normalisation resolves it before routing (/versions/../infer is /infer).
      const segment = () => encodeHostile(r.pick(HOSTILE_VALUES.filter((v) => v !== '..')));
      const name = segment();
      const version = segment();
      const routes: Array<[string, string]> = [
        ['POST', `/v1/models/${name}/predict`],
        ['POST', `/v1/models/${MODEL}/versions/${version}/predict`],
        ['POST', `/v2/models/${name}/infer`],
        ['POST', `/v2/models/${MODEL}/versions/${version}/infer`],
        ['GET', `/v2/models/${name}`],
        ['GET', `/v2/models/${name}/ready`],
        ['GET', `/v2/models/${MODEL}/versions/${version}`],
        ['GET', `/v2/models/${MODEL}/versions/${version}/ready`],
      ];
      const [method, path] = r.pick(routes);
      return { kind: 'hostile-path', request: method === 'GET' ? { method: 'GET', url: path } : json(path, path.startsWith('/v1') ? goodV1(r) : goodV2(r)) };
    }
    case 10:
      // A JSON content type with a charset or an encoding fastify ignores may still be scored: allowed, and then published.
      return { kind: 'odd-headers', request: { method: 'POST', url, headers: oddHeaders(r), payload: r.chance(0.5) ? JSON.stringify(good) : 'instances=1' } };
    case 11:
      return { kind: 'wrong-method', request: { method: r.pick(['GET', 'PUT', 'DELETE', 'PATCH'] as const), url } };
    case 12:
      return { kind: 'query-garbage', request: json(`${url}?${encodeHostile(r.pick(HOSTILE_VALUES))}=${encodeHostile(r.pick(HOSTILE_VALUES))}&instances=1`, wrongTopLevel(r)) };
    default:
      return { kind: 'nested-garbage', request: json(url, { [url === v1 ? 'instances' : 'inputs']: [r.json(5)] }) };
  }
}

describe('serving node under fuzzed requests', () => {
  it(`answers ${CASES} bad requests with 4xx and the error body, and keeps scoring good ones`, async () => {
    const r = new FuzzRandom(RELIABILITY_SEED + 4_001);
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    let goodRows = 0;
    let goodRequests = 0;
    for (let i = 0; i < CASES; i++) {
      const bad = badRequest(i, r);
      const res = await node.app.inject(bad.request);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const mayScore = bad.kind === 'odd-headers' && String(bad.request.headers?.['content-type']).startsWith('application/json');
      const problem = refusalProblem(res.statusCode, res.body, mayScore ? [200] : []);
      if (res.statusCode === 200) {
        const answered = res.json() as { predictions?: unknown[]; parameters?: { prediction_ids?: unknown[] } };
        goodRows += answered.predictions?.length ?? answered.parameters?.prediction_ids?.length ?? 0;
      }
      if (problem) problems.push(`#${i} ${bad.kind} ${bad.request.method} ${String(bad.request.url).slice(0, 120)}: ${problem}`);
      if (i % 8 === 0) {
        const body = r.chance(0.5) ? goodV1(r) : goodV2(r);
        const url = 'instances' in body ? `/v1/models/${MODEL}/predict` : `/v2/models/${MODEL}/infer`;
        const good = await node.app.inject(json(url, body));
        const rows = 'instances' in body ? body.instances.length : body.inputs[0]!.shape[0]!;
        if (good.statusCode !== 200) problems.push(`good request after #${i} answered ${good.statusCode}: ${good.body.slice(0, 200)}`);
        else {
          goodRequests++;
          goodRows += rows;
        }
      }
    }
    // Rows answered 200 are published; refused ones never are.
    await waitFor(async () => published >= goodRows, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stats = node.publisher.stats();
    recordFigures('serving-fuzz', {
      'fuzz cases tried': CASES,
      'good requests': goodRequests,
      '5xx answers': [...statuses].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0),
      'status counts': [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`).join(','),
      'events published': published,
      'events dropped': Object.values(stats.dropped).reduce((a, b) => a + b, 0),
      crashes: crashes.crashes.length,
    });
    assert.deepEqual(problems.slice(0, 15), [], `${problems.length} problems (seed ${RELIABILITY_SEED})`);
    assert.ok((statuses.get(413) ?? 0) > 0, 'oversize bodies answered 413');
    assert.equal(published, goodRows, 'exactly the rows answered 200 were published');
    assert.deepEqual(stats.dropped, { buffer_full: 0, invalid: 0, rejected: 0, shutdown: 0 });
    assert.deepEqual(crashes.crashes, []);
    const metrics = (await node.app.inject('/metrics')).body;
    assert.ok(!metrics.includes('DROP TABLE') && !metrics.includes('__proto__'), 'fuzzed names minted no metric series');
  });
});
