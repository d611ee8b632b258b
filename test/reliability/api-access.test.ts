/**
 * Access control of the write and admin endpoints as deployed
 * (services/api/api-plugins.ts on the query API): labels, reference upload,
 * promotion, rollback and bull-board. services/api/security.test.ts covers
 * the guard itself on a stand-in route and the read routes; this covers the
 * real write routes:
 *  - missing, wrong, read-only, malformed, query-string and Basic tokens are
 *    refused (401), and a refused request changes nothing (no label
 *    published, no profile stored, no routing.json, queue not paused);
 *  - with no admin token configured they are all closed (403);
 *  - tokens never reach a log line, whatever the request;
 *  - SQL injection in every path parameter and label field leaves every table intact;
 *  - bodies over the limit get 413, and bursts get 429, with the error body.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import type { Kafka, Producer } from 'kafkajs';
import { pino } from 'pino';
import { queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { newPredictionId } from '../../libs/contracts/prediction-id.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { insertFixtures, TABLES } from '../../services/api/test-fixtures.ts';
import { testClickHouse, testKafka, uniqueTopics } from '../support/harness.ts';
import { ADMIN_TOKEN, type ApiUnderTest, buildApiUnderTest, demoRepository, READ_TOKEN, topicMessages } from './support/api-under-test.ts';
import { refusalProblem } from './support/bad-http.ts';
import { recordFigures } from './support/figures.ts';

let clickhouse: ClickHouseClient;
let kafka: Kafka;
let producer: Producer;
let labelsTopic: string;
let repoDir: string;
const opened: ApiUnderTest[] = [];
const figures = { 'access probes': 0, 'refused as expected': 0 };

before(async () => {
  clickhouse = await testClickHouse();
  await insertFixtures(clickhouse);
  kafka = testKafka();
  producer = createIdempotentProducer(kafka);
  await producer.connect();
  labelsTopic = (await uniqueTopics(kafka)).labels;
  repoDir = await demoRepository();
});
after(async () => {
  for (const api of opened) await api.close();
  await producer?.disconnect();
  if (repoDir) rmSync(repoDir, { recursive: true, force: true });
  recordFigures('api-access', figures);
});

async function build(options: Parameters<typeof buildApiUnderTest>[0] extends infer O ? Partial<O> : never = {}): Promise<ApiUnderTest> {
  const api = await buildApiUnderTest({ clickhouse, producer, labelsTopic, repoDir, ...options });
  opened.push(api);
  return api;
}

const countAll = async () => Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, Number((await queryRows<{ c: string }>(clickhouse, `SELECT count() AS c FROM ${t}`))[0]!.c)] as const)));
const basic = (password: string) => `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;

/** Every write/admin endpoint with a body it would accept. */
function writeRequests(queueName: string): Array<{ name: string; request: InjectOptions }> {
  const json = (url: string, payload: unknown): InjectOptions => ({ method: 'POST', url, payload: payload as InjectOptions['payload'] });
  return [
    { name: 'labels', request: json('/v1/labels', { labels: [{ prediction_id: newPredictionId(), model: 'm-alpha', label: 1 }] }) },
    { name: 'reference', request: json('/v1/models/m-access/versions/1/reference', { rows: [{ income: 1, region: 'north' }, { income: 2, region: 'south' }] }) },
    // Without routing.json the newest version (2) serves, so promoting 1 is a real change.
    { name: 'promote', request: json('/v1/models/credit-default/versions/1/promote', { reason: 'access test' }) },
    { name: 'rollback', request: json('/v1/models/credit-default/rollback', {}) },
    { name: 'queue board page', request: { method: 'GET', url: '/admin/queues' } },
    { name: 'queue board API', request: { method: 'GET', url: '/admin/queues/api/queues' } },
    { name: 'queue board pause', request: { method: 'PUT', url: `/admin/queues/api/queues/${encodeURIComponent(queueName)}/pause` } },
  ];
}

const BAD_CREDENTIALS: Array<{ what: string; headers: Record<string, string>; query?: string }> = [
  { what: 'no header', headers: {} },
  { what: 'wrong bearer', headers: { authorization: 'Bearer not-the-admin-token-at-all' } },
  { what: 'the read token', headers: { authorization: `Bearer ${READ_TOKEN}` } },
  { what: 'the token plus a character', headers: { authorization: `Bearer ${ADMIN_TOKEN}x` } },
  { what: 'a prefix of the token', headers: { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` } },
  { what: 'the token upper-cased', headers: { authorization: `Bearer ${ADMIN_TOKEN.toUpperCase()}` } },
  { what: 'an empty bearer', headers: { authorization: 'Bearer ' } },
  { what: 'a scheme only', headers: { authorization: 'Bearer' } },
  { what: 'the token without a scheme', headers: { authorization: ADMIN_TOKEN } },
  { what: 'Basic with a wrong password', headers: { authorization: basic('wrong-password') } },
  { what: 'Basic with the token as user name', headers: { authorization: `Basic ${Buffer.from(`${ADMIN_TOKEN}:`).toString('base64')}` } },
  { what: 'Basic garbage', headers: { authorization: 'Basic !!!' } },
  { what: 'the token in the query string', headers: {}, query: `token=${ADMIN_TOKEN}&access_token=${ADMIN_TOKEN}` },
  { what: 'the token in a cookie', headers: { cookie: `token=${ADMIN_TOKEN}` } },
  { what: 'the token in x-api-key', headers: { 'x-api-key': ADMIN_TOKEN } },
  { what: 'two authorization values', headers: { authorization: `Bearer wrong, Bearer ${ADMIN_TOKEN}` } },
];

describe('write and admin endpoints: access', () => {
  it('refuse every missing or wrong credential with 401, and a refused request changes nothing', async () => {
    const api = await build();
    const tablesBefore = await countAll();
    const labelsBefore = await topicMessages(kafka, labelsTopic);
    const problems: string[] = [];
    for (const { name, request } of writeRequests(api.queue.name)) {
      for (const credential of BAD_CREDENTIALS) {
        const url = credential.query ? `${request.url}?${credential.query}` : String(request.url);
        const res = await api.app.inject({ ...request, url, headers: { ...(request.headers ?? {}), ...credential.headers } });
        figures['access probes']++;
        if (res.statusCode !== 401) problems.push(`${name} with ${credential.what}: ${res.statusCode} ${res.body.slice(0, 120)}`);
        else if (!res.headers['www-authenticate']) problems.push(`${name} with ${credential.what}: 401 without a challenge`);
        else if (refusalProblem(res.statusCode, res.body)) problems.push(`${name} with ${credential.what}: ${refusalProblem(res.statusCode, res.body)}`);
        else figures['refused as expected']++;
      }
    }
    assert.deepEqual(problems, []);
    assert.deepEqual(await countAll(), tablesBefore, 'no table changed');
    assert.equal(await topicMessages(kafka, labelsTopic), labelsBefore, 'no label published');
    assert.equal(existsSync(join(repoDir, 'credit-default', 'routing.json')), false, 'no routing.json written');
    assert.equal(await api.queue.isPaused(), false, 'queue not paused');

    // And the right token opens each of them (so the refusals above were about the credential).
    for (const { name, request } of writeRequests(api.queue.name)) {
      const res = await api.app.inject({ ...request, headers: { ...(request.headers ?? {}), authorization: name.startsWith('queue') && name.endsWith('page') ? basic(ADMIN_TOKEN) : `Bearer ${ADMIN_TOKEN}` } });
      assert.ok([200, 201, 202, 409].includes(res.statusCode), `${name} with the admin token: ${res.statusCode} ${res.body.slice(0, 200)}`);
    }
    assert.equal(await api.queue.isPaused(), true, 'the authorized pause went through');
    assert.ok(existsSync(join(repoDir, 'credit-default', 'routing.json')), 'the authorized promotion wrote routing.json');
  });

  it('are closed (403) when no admin token is configured, whatever is presented', async () => {
    const api = await build({ auth: { readToken: READ_TOKEN } });
    const problems: string[] = [];
    for (const { name, request } of writeRequests(api.queue.name)) {
      for (const authorization of [`Bearer ${ADMIN_TOKEN}`, `Bearer ${READ_TOKEN}`, basic(ADMIN_TOKEN), '']) {
        const res = await api.app.inject({ ...request, headers: authorization ? { authorization } : {} });
        figures['access probes']++;
        if (res.statusCode !== 403 || res.json().error?.code !== 'FORBIDDEN') problems.push(`${name} (${authorization.slice(0, 10)}): ${res.statusCode} ${res.body.slice(0, 100)}`);
        else figures['refused as expected']++;
      }
    }
    assert.deepEqual(problems, []);
  });

  it('never write a token to the logs, whatever the request', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const api = await build({ logger: pino({ level: 'trace' }, sink) });
    const tokens = [ADMIN_TOKEN, READ_TOKEN];
    const secrets = [...tokens, Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')];
    for (const { request } of writeRequests(api.queue.name)) {
      for (const authorization of [`Bearer ${ADMIN_TOKEN}`, `Bearer ${READ_TOKEN}`, `Bearer ${ADMIN_TOKEN}x`, basic(ADMIN_TOKEN), ADMIN_TOKEN]) {
        await api.app.inject({ ...request, headers: { authorization, cookie: `session=${ADMIN_TOKEN}` } });
        // A bad body and a bad parameter with the token: the error paths log too.
        await api.app.inject({ ...request, payload: '{"broken', headers: { authorization, 'content-type': 'application/json' } });
      }
    }
    await api.app.inject({ url: '/v1/alerts?from=bad', headers: { authorization: `Bearer ${READ_TOKEN}` } });
    // A client that puts the token in the URL by mistake: refused, and the URL is logged without it.
    await api.app.inject({ method: 'POST', url: `/v1/labels?token=${ADMIN_TOKEN}&access_token=${READ_TOKEN}`, payload: {} });
    await api.app.inject({ url: `/admin/queues/api/queues?api_key=${ADMIN_TOKEN}` });
    const text = lines.join('');
    assert.ok(lines.length > 20, `the app logged (${lines.length} lines)`);
    for (const secret of secrets) assert.ok(!text.includes(secret), `a secret reached the logs: ${text.split('\n').find((l) => l.includes(secret))?.slice(0, 300)}`);
    figures['access probes'] += 70;
  });

  it('leave every table intact under SQL injection in every path parameter and label field', async () => {
    const api = await build();
    const before = await countAll();
    const attacks = ["x' OR 1=1 --", "'; DROP TABLE labels; --", "m-alpha' OR '1'='1", '1; DROP TABLE reference_profiles', "\\' OR 1=1 --", 'm") OR 1=1 --', '{model:String}', '%27%20OR%201%3D1'];
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    let labelled = 0;
    for (const attack of attacks) {
      const e = encodeURIComponent(attack);
      for (const url of [`/v1/models/${e}/versions/1/reference`, `/v1/models/m-x/versions/${e}/reference`, `/v1/models/${e}/versions/1/promote`, `/v1/models/credit-default/versions/${e}/promote`, `/v1/models/${e}/rollback`]) {
        const res = await api.app.inject({ method: 'POST', url, headers: auth, payload: url.endsWith('reference') ? { rows: [{ a: 1 }] } : {} });
        figures['access probes']++;
        assert.ok([400, 404].includes(res.statusCode), `${url}: ${res.statusCode} ${res.body}`);
      }
      // In a label the attack is data: published as is, never SQL.
      const res = await api.app.inject({ method: 'POST', url: '/v1/labels', headers: auth, payload: { labels: [{ prediction_id: newPredictionId(), model: attack, label: attack }] } });
      assert.equal(res.statusCode, 202, res.body);
      labelled++;
    }
    assert.deepEqual(await countAll(), before, 'no table lost or gained a row');
    assert.ok(labelled === attacks.length);
  });

  it('refuse bodies over API_BODY_LIMIT with 413 and bursts with 429, with the error body', async () => {
    const api = await build({ limits: { bodyLimit: 2_048, rateLimitPerMinute: 4 } });
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const big = 'x'.repeat(3_000);
    for (const { name, request } of writeRequests(api.queue.name).filter((w) => w.request.method === 'POST')) {
      const res = await api.app.inject({ ...request, headers: auth, payload: { labels: [{ prediction_id: newPredictionId(), model: big, label: 1 }], rows: [{ a: big }], reason: big }, remoteAddress: `10.0.1.${name.length}` });
      figures['access probes']++;
      assert.equal(res.statusCode, 413, `${name}: ${res.statusCode} ${res.body}`);
      assert.match(res.json().error.message, /API_BODY_LIMIT/);
    }
    for (const { name, request } of writeRequests(api.queue.name)) {
      const remoteAddress = `10.0.2.${name.length + (request.method === 'PUT' ? 100 : 0)}`;
      const answers: number[] = [];
      for (let i = 0; i < 6; i++) answers.push((await api.app.inject({ ...request, headers: auth, remoteAddress })).statusCode);
      figures['access probes'] += 6;
      const limited = await api.app.inject({ ...request, headers: auth, remoteAddress });
      assert.equal(limited.statusCode, 429, `${name}: ${answers.join(',')} then ${limited.statusCode}`);
      // bull-board's routes answer in bull-board's own error format (its UI reads it); ours in { error: { code, message } }.
      if (!name.startsWith('queue')) assert.equal(limited.json().error.code, 'RATE_LIMITED');
      assert.ok(Number(limited.headers['retry-after']) > 0);
    }
  });
});
