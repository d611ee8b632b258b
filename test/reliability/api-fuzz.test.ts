/**
 * Fuzzing every endpoint of the query API as deployed (support/api-under-test.ts):
 *  - read routes, enumerated from the OpenAPI document at /docs/json, with
 *    generated bad values for every parameter (types, ranges, dates,
 *    cursors, hostile strings, repeats, unknown parameters);
 *  - the write routes of services/api/api-plugins.ts: POST /v1/labels
 *    (bad bodies; good items next to bad ones must be kept and published),
 *    reference upload, promote and rollback (bad bodies and parameters), and
 *    bull-board's API under /admin/queues.
 * Answers must be 4xx with `{error:{code,message}}` (or 200/202 where the
 * request is acceptable), never 5xx; every table keeps its rows; the process
 * sees no unhandled rejection.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import type { Kafka, Producer } from 'kafkajs';
import { queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { newPredictionId } from '../../libs/contracts/prediction-id.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { insertFixtures, TABLES } from '../../services/api/test-fixtures.ts';
import { testClickHouse, testKafka, uniqueTopics } from '../support/harness.ts';
import { ADMIN_TOKEN, type ApiUnderTest, buildApiUnderTest, demoRepository, MAX_LABELS, topicMessages } from './support/api-under-test.ts';
import { encodeHostile, HOSTILE_VALUES, notJsonBody, oddHeaders, refusalProblem, wrongTopLevel } from './support/bad-http.ts';
import { type CrashRecorder, recordCrashes } from './support/crash-recorder.ts';
import { recordFigures } from './support/figures.ts';
import { FuzzRandom, RELIABILITY_SEED } from './support/fuzz-random.ts';

const READ_CASES = Number(process.env.RELIABILITY_API_READ_CASES ?? 1_200);
const WRITE_CASES = Number(process.env.RELIABILITY_API_WRITE_CASES ?? 1_200);

let clickhouse: ClickHouseClient;
let kafka: Kafka;
let producer: Producer;
let labelsTopic: string;
let api: ApiUnderTest;
let crashes: CrashRecorder;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const fiveHundreds: string[] = [];
const figures = { 'fuzz cases tried': 0, '5xx answers': 0, 'good label items kept': 0, 'bad label items refused': 0 };

before(async () => {
  crashes = recordCrashes();
  clickhouse = await testClickHouse();
  await insertFixtures(clickhouse);
  kafka = testKafka();
  producer = createIdempotentProducer(kafka);
  await producer.connect();
  labelsTopic = (await uniqueTopics(kafka)).labels;
  api = await buildApiUnderTest({ clickhouse, producer, labelsTopic, repoDir: await demoRepository() });
});
after(async () => {
  await api?.close();
  await producer?.disconnect();
  crashes?.stop();
  if (api) rmSync(api.repoDir, { recursive: true, force: true });
});

const countAll = async () => Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, Number((await queryRows<{ c: string }>(clickhouse, `SELECT count() AS c FROM ${t}`))[0]!.c)] as const)));

/** Runs one request, checks the answer, and returns a problem or undefined. */
async function probe(request: InjectOptions, allowed: readonly number[], what: string): Promise<string | undefined> {
  figures['fuzz cases tried']++;
  const res = await api.app.inject(request);
  if (res.statusCode >= 500) {
    figures['5xx answers']++;
    fiveHundreds.push(`${what} ${request.method ?? 'GET'} ${String(request.url).slice(0, 140)} → ${res.statusCode} ${res.body.slice(0, 200)}`);
  }
  // bull-board's own API keeps its own error body (its UI reads it): there only "no 5xx, JSON" is asked.
  const problem = what === 'queue-board' ? (res.statusCode >= 500 ? `answered ${res.statusCode}: ${res.body.slice(0, 300)}` : undefined) : refusalProblem(res.statusCode, res.body, allowed);
  return problem ? `${what} ${request.method ?? 'GET'} ${String(request.url).slice(0, 140)}: ${problem}` : undefined;
}

interface OpenApiDoc {
  paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string; schema?: { type?: string } }> }>>;
}

const BAD_QUERY_VALUES = ['', '-1', '0', '1.5', '1e309', 'abc', '99999999999999999999', '2020-13-45', '2020-02-30T25:61:00Z', 'now', '-8640000000000001', 'eyJ4IjoxfQ', 'Zm9v..', `${'A'.repeat(3_000)}`, ...HOSTILE_VALUES];

describe('query API read routes under fuzzed parameters', () => {
  it(`answers ${READ_CASES} bad parameter combinations with 4xx (or an honest 200), never 5xx`, async () => {
    const r = new FuzzRandom(RELIABILITY_SEED + 31);
    const before = await countAll();
    const doc = (await api.app.inject({ url: '/docs/json' })).json() as OpenApiDoc;
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => (ops.get && (path.startsWith('/v1/') || path.startsWith('/reports/')) ? [{ path, params: ops.get.parameters ?? [] }] : []));
    assert.ok(routes.length >= 12, `read routes in the OpenAPI document: ${routes.map((x) => x.path).join(', ')}`);
    const problems: string[] = [];
    for (let i = 0; i < READ_CASES; i++) {
      const route = r.pick(routes);
      const value = () => encodeHostile(r.pick(BAD_QUERY_VALUES));
      let path = route.path.replace(/\{(\w+)\}/g, () => (r.chance(0.3) ? value() || 'x' : 'm-alpha'));
      const query: string[] = [];
      for (const param of route.params.filter((p) => p.in === 'query')) if (r.chance(0.4)) query.push(`${param.name}=${value()}`);
      const mutation = r.int(5);
      if (mutation === 0) query.push(`unknown_${r.int(9)}=${value()}`);
      else if (mutation === 1 && route.params.length > 0) {
        const p = r.pick(route.params.filter((x) => x.in === 'query').map((x) => x.name).concat('limit'));
        query.push(`${p}=1`, `${p}=2`);
      } else if (mutation === 2) query.push('from=2030-01-01T00:00:00Z', 'to=2020-01-01T00:00:00Z');
      else if (mutation === 3) query.push('from=1970-01-01T00:00:00Z', 'to=2100-01-01T00:00:00Z');
      if (route.path.includes('{') && path === route.path) path = path.replace(/\{\w+\}/g, 'x');
      const problem = await probe({ method: 'GET', url: `${path}${query.length ? `?${query.join('&')}` : ''}`, headers: r.chance(0.1) ? oddHeaders(r) : {} }, [200], 'read');
      if (problem) problems.push(`#${i} ${problem}`);
    }
    assert.deepEqual(problems.slice(0, 10), [], `${problems.length} problems (seed ${RELIABILITY_SEED})`);
    assert.deepEqual(await countAll(), before, 'no table lost or gained a row');
  });
});

/** A label item the contract refuses, with the reason it must name. */
function badLabelItem(r: FuzzRandom): unknown {
  const good = { prediction_id: newPredictionId(), model: 'm-alpha', label: 1 };
  switch (r.int(9)) {
    case 0:
      return { ...good, prediction_id: r.pick(['', 'x', '123e4567-e89b-42d3-a456-426614174000', 1, null]) };
    case 1:
      return { ...good, model: r.pick(['', 'x'.repeat(201), 1, null, {}, 'a\ud800b']) };
    case 2:
      return { ...good, label: r.pick([null, true, {}, [], 'x'.repeat(4_097), '\udfff']) };
    case 3:
      return { ...good, ts: r.pick(['now', 1_700_000_000, -1, 1.5, null]) };
    case 4:
      return { ...good, schema_version: r.pick([2, '1', null]) };
    case 5: {
      const { model: _m, ...rest } = good;
      return rest;
    }
    case 6:
      return r.json(3);
    case 7:
      return r.pick<unknown>([null, 1, 'x', [], [good]]);
    default:
      return { prediction_id: good.prediction_id, model: "m-alpha'; DROP TABLE labels; --", label: "1' OR '1'='1", ts: 'x' };
  }
}

/** The i-th bad write request (kinds cycle over the routes). */
function badWrite(i: number, r: FuzzRandom): { what: string; request: InjectOptions; allowed: number[] } {
  const raw = () => r.pick(HOSTILE_VALUES.filter((v) => v !== '..')) || 'x';
  const hostile = () => encodeHostile(raw());
  const post = (url: string, payload: unknown, raw = false): InjectOptions => ({ method: 'POST', url, headers: { ...admin, 'content-type': 'application/json' }, payload: raw ? (payload as string) : JSON.stringify(payload) });
  const reference = '/v1/models/credit-default/versions/9/reference';
  const routes = ['/v1/labels', reference, '/v1/models/credit-default/versions/2/promote', '/v1/models/credit-default/rollback'];
  const url = routes[i % routes.length]!;
  switch (r.int(7)) {
    case 0:
      return { what: 'not-json', request: post(url, notJsonBody(r, '{"labels":[{"a":1}]}'), true), allowed: [] };
    case 1:
      return { what: 'wrong-top-level', request: post(url, wrongTopLevel(r)), allowed: url.endsWith('rollback') || url.endsWith('promote') ? [] : [] };
    case 2:
      return { what: 'odd-headers', request: { method: 'POST', url, headers: { ...admin, ...oddHeaders(r) }, payload: 'labels=1' }, allowed: [] };
    case 3: {
      // Hostile path parameters on the routes that take them.
      const which = r.int(3);
      const [model, version] = [raw(), raw()];
      const target = which === 0 ? `/v1/models/${encodeHostile(model)}/versions/${encodeHostile(version)}/reference` : which === 1 ? `/v1/models/${encodeHostile(model)}/versions/${encodeHostile(version)}/promote` : `/v1/models/${encodeHostile(model)}/rollback`;
      // Some hostile values ('toString', 'NaN', '1e309') are well-formed names: a reference for them may be stored.
      const wellFormed = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/.test(model) && /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(version);
      return { what: which === 0 && wellFormed ? 'well-formed-reference' : 'hostile-path', request: post(target, which === 0 ? { rows: [{ a: 1 }] } : {}), allowed: which === 0 && wellFormed ? [201] : [] };
    }
    case 4: {
      const bodies: Record<string, unknown[]> = {
        '/v1/labels': [{}, { labels: [] }, { labels: {} }, { labels: 'x' }, { labels: Array.from({ length: MAX_LABELS + 1 }, () => ({})) }, { labels: [], extra: 1 }, { items: [] }],
        [reference]: [{}, { rows: [] }, { rows: 'x' }, { rows: [1, 2] }, { rows: [null] }, { rows: [[]] }, { rows: [{ a: 1 }], categorical: 'b' }, { rows: [{ a: 1 }], categorical: [1] }, { rows: [{ a: 1 }], categorical: [''] }, { rows: [{ a: 1 }], source: 'x'.repeat(501) }, { rows: [{ a: 1 }], extra: true }],
        '/v1/models/credit-default/versions/2/promote': [{ canary_share: 0 }, { canary_share: 2 }, { canary_share: -1 }, { canary_share: 'half' }, { canary_shar: 0.1 }, { reason: 1 }, { reason: 'x'.repeat(1_001) }],
        '/v1/models/credit-default/rollback': [{ reason: 1 }, { reason: null }, { why: 'x' }, { reason: 'x'.repeat(1_001) }],
      };
      return { what: 'bad-fields', request: post(url, r.pick(bodies[url]!)), allowed: [] };
    }
    case 5: {
      // Reference rows whose values are nested garbage: objects and arrays are not feature values.
      const rows = Array.from({ length: 1 + r.int(20) }, () => ({ income: r.float() * 1e5, region: r.pick(['north', 'south']), odd: r.json(3) }));
      rows[r.int(rows.length)]!.odd = r.pick<unknown>([{}, [1, 2], { deep: { deeper: [] } }, [[]]]);
      return { what: 'reference-garbage-values', request: post(reference, { rows }), allowed: [] };
    }
    default: {
      // bull-board's own API with hostile queue names, job ids and bodies.
      const queue = r.chance(0.5) ? api.queue.name : hostile();
      const paths = [`api/queues/${queue}/${hostile()}`, `api/queues/${queue}/${hostile()}/retry`, `api/queues/${queue}/retry/${hostile()}`, `api/queues/${queue}/clean/${hostile()}`, `api/queues/${queue}/${hostile()}/logs`, `api/queues?activeQueue=${hostile()}&status=${hostile()}&page=${hostile()}`];
      const method = r.pick(['GET', 'PUT', 'POST', 'DELETE'] as const);
      return { what: 'queue-board', request: { method, url: `/admin/queues/${r.pick(paths)}`, headers: { ...admin, 'content-type': 'application/json' }, payload: method === 'GET' ? undefined : JSON.stringify(r.json(2) ?? {}) }, allowed: [200] };
    }
  }
}

describe('write routes under fuzzed requests (with the admin token)', () => {
  it(`answers ${WRITE_CASES} bad write requests with 4xx and the error body, never 5xx, changing nothing`, async () => {
    const r = new FuzzRandom(RELIABILITY_SEED + 37);
    const before = await countAll();
    const labelsBefore = await topicMessages(kafka, labelsTopic);
    const problems: string[] = [];
    let stored = 0;
    for (let i = 0; i < WRITE_CASES; i++) {
      const bad = badWrite(i, r);
      const problem = await probe(bad.request, bad.allowed, bad.what);
      if (problem) problems.push(`#${i} ${problem}`);
      if (bad.what === 'well-formed-reference') stored++;
    }
    assert.deepEqual(problems.slice(0, 10), [], `${problems.length} problems (seed ${RELIABILITY_SEED})`);
    assert.deepEqual(await countAll(), { ...before, reference_profiles: before.reference_profiles! + stored }, 'no refused write changed a table');
    assert.equal(await topicMessages(kafka, labelsTopic), labelsBefore, 'no refused label was published');
  });

  it('keeps the good label items next to bad ones: 202, each bad item named by index, only the good ones published', async () => {
    const r = new FuzzRandom(RELIABILITY_SEED + 41);
    let published = await topicMessages(kafka, labelsTopic);
    const problems: string[] = [];
    for (let i = 0; i < 60; i++) {
      const items: unknown[] = [];
      const badIndexes: number[] = [];
      const n = 2 + r.int(MAX_LABELS - 2);
      for (let k = 0; k < n; k++) {
        if (r.chance(0.4)) {
          badIndexes.push(k);
          items.push(badLabelItem(r));
        } else items.push({ prediction_id: newPredictionId(), model: 'm-alpha', label: r.pick([0, 1, 'yes']) });
      }
      const good = n - badIndexes.length;
      const res = await api.app.inject({ method: 'POST', url: '/v1/labels', headers: admin, payload: { labels: items } });
      figures['fuzz cases tried']++;
      const body = res.json() as { accepted?: number; rejected?: number; errors?: Array<{ index: number; error: string }> };
      const expected = good > 0 ? 202 : 400;
      if (res.statusCode !== expected) problems.push(`request ${i}: ${res.statusCode} (expected ${expected}): ${res.body.slice(0, 300)}`);
      else if (good > 0 && (body.accepted !== good || body.rejected !== badIndexes.length)) problems.push(`request ${i}: accepted ${body.accepted}/${good}, rejected ${body.rejected}/${badIndexes.length}`);
      else if (JSON.stringify(body.errors?.map((e) => e.index)) !== JSON.stringify(badIndexes) || body.errors?.some((e) => e.error.length === 0)) problems.push(`request ${i}: error indexes ${JSON.stringify(body.errors?.map((e) => e.index))}, expected ${JSON.stringify(badIndexes)}`);
      figures['good label items kept'] += good;
      figures['bad label items refused'] += badIndexes.length;
      published += res.statusCode === 202 ? good : 0;
    }
    assert.deepEqual(problems.slice(0, 10), [], `${problems.length} problems (seed ${RELIABILITY_SEED})`);
    assert.equal(await topicMessages(kafka, labelsTopic), published, 'exactly the good items were published');
  });

  it('records the figures', () => {
    recordFigures('api-fuzz', { ...figures, crashes: crashes.crashes.length });
    assert.deepEqual(crashes.crashes, []);
    assert.deepEqual(fiveHundreds, [], 'no 5xx answer');
  });
});
