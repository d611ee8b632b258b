/**
 * The query API's edges: bearer tokens on admin and read routes, credentials
 * kept out of logs, SQL injection attempts in every parameter of every route
 * (from the OpenAPI document itself), rate and body limits, probes, and the
 * OpenAPI document checked by an independent validator (Python's
 * openapi-spec-validator).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, FastifyPluginAsync, RouteOptions } from 'fastify';
import { pino } from 'pino';
import { queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { createGuards } from '../../libs/http/auth.ts';
import { testClickHouse } from '../../test/support/harness.ts';
import type { ApiAppDeps } from './app.ts';
import { DEFAULT_LIMITS, insertFixtures, TABLES, testApp } from './test-fixtures.ts';

const ADMIN = 'admin-token-0123456789abcdef';
const READ = 'read-token-0123456789abcdef';

let clickhouse: ClickHouseClient;
const apps: FastifyInstance[] = [];

before(async () => {
  clickhouse = await testClickHouse();
  await insertFixtures(clickhouse);
});
after(async () => {
  for (const app of apps) await app.close();
  await clickhouse.close();
});

/** A write route as other parts register one: guarded by the shared admin guard. */
function adminPlugin(auth: ApiAppDeps['auth']): FastifyPluginAsync {
  const guards = createGuards(auth);
  return async (app) => {
    app.post(
      '/v1/test/admin',
      { preHandler: guards.admin, schema: { summary: 'test admin route', body: { type: 'object', properties: { note: { type: 'string' } } } } },
      async (request) => {
        request.log.info({ headers: request.headers }, 'admin request headers');
        request.log.info({ req: { headers: request.headers }, authorization: request.headers.authorization }, 'admin request again');
        return { ok: true };
      },
    );
  };
}

async function build(deps: Partial<ApiAppDeps> = {}, logger?: pino.Logger): Promise<FastifyInstance> {
  const auth = deps.auth ?? {};
  const app = testApp(clickhouse, { plugins: [{ plugin: adminPlugin(auth) }], ...deps }, logger);
  apps.push(app);
  await app.ready();
  return app;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('admin routes (registered through deps.plugins)', () => {
  it('are closed (403) when no admin token is configured', async () => {
    const app = await build();
    const r = await app.inject({ method: 'POST', url: '/v1/test/admin', payload: {}, headers: bearer(ADMIN) });
    assert.equal(r.statusCode, 403);
    assert.equal(r.json().error.code, 'FORBIDDEN');
    assert.match(r.json().error.message, /API_ADMIN_TOKEN/);
  });

  it('answer 401 with a challenge without the token, with a wrong or malformed one, and 200 with it', async () => {
    const app = await build({ auth: { adminToken: ADMIN, readToken: READ } });
    const post = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/v1/test/admin', payload: { note: 'x' }, headers });
    const missing = await post({});
    assert.equal(missing.statusCode, 401);
    assert.equal(missing.headers['www-authenticate'], 'Bearer realm="driftline"');
    assert.deepEqual(missing.json(), { error: { code: 'UNAUTHORIZED', message: 'missing bearer token (Authorization: Bearer <token>)' } });
    const wrong = await post(bearer(`${ADMIN}x`));
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.headers['www-authenticate'], 'Bearer realm="driftline", error="invalid_token"');
    assert.equal((await post(bearer(ADMIN.slice(0, -1)))).statusCode, 401, 'a prefix of the token');
    assert.equal((await post(bearer(READ))).statusCode, 401, 'the read token does not open admin routes');
    const malformed = await post({ authorization: `Basic ${Buffer.from(`u:${ADMIN}`).toString('base64')}` });
    assert.equal(malformed.statusCode, 401);
    assert.match(String(malformed.headers['www-authenticate']), /error="invalid_request"/);
    const good = await post(bearer(ADMIN));
    assert.equal(good.statusCode, 200);
    assert.deepEqual(good.json(), { ok: true });
    assert.equal((await post({ authorization: `bearer ${ADMIN}` })).statusCode, 200, 'the scheme is case-insensitive');
  });

  it('refuse bodies over the limit with 413 naming API_BODY_LIMIT', async () => {
    const app = await build({ auth: { adminToken: ADMIN } });
    const r = await app.inject({ method: 'POST', url: '/v1/test/admin', payload: { note: 'x'.repeat(DEFAULT_LIMITS.bodyLimit) }, headers: bearer(ADMIN) });
    assert.equal(r.statusCode, 413);
    assert.deepEqual(r.json(), { error: { code: 'INPUT_INVALID', message: `request body exceeds the ${DEFAULT_LIMITS.bodyLimit}-byte limit (API_BODY_LIMIT)` } });
  });
});

describe('read routes', () => {
  it('are open without a read token', async () => {
    const app = await build({ auth: { adminToken: ADMIN } });
    assert.equal((await app.inject({ url: '/v1/alerts' })).statusCode, 200);
  });

  it('require the read (or admin) token when one is configured; probes, metrics and docs stay open', async () => {
    const app = await build({ auth: { adminToken: ADMIN, readToken: READ } });
    for (const url of ['/v1/alerts', '/v1/models', '/v1/models/m-alpha/versions', '/v1/candidates/cand-1', '/v1/slo']) {
      const none = await app.inject({ url });
      assert.equal(none.statusCode, 401, url);
      assert.equal(none.headers['www-authenticate'], 'Bearer realm="driftline"');
      assert.equal((await app.inject({ url, headers: bearer('nope-nope-nope-nope') })).statusCode, 401, url);
      assert.equal((await app.inject({ url, headers: bearer(READ) })).statusCode, 200, url);
      assert.equal((await app.inject({ url, headers: bearer(ADMIN) })).statusCode, 200, url);
    }
    for (const url of ['/healthz', '/readyz', '/metrics', '/docs/json']) assert.equal((await app.inject({ url })).statusCode, 200, url);
  });
});

describe('logs', () => {
  it('never contain a bearer token, even when a handler logs the headers', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: 'trace' }, sink);
    const app = await build({ auth: { adminToken: ADMIN, readToken: READ } }, logger);
    assert.equal((await app.inject({ method: 'POST', url: '/v1/test/admin', payload: {}, headers: bearer(ADMIN) })).statusCode, 200);
    await app.inject({ url: '/v1/alerts', headers: bearer(`${READ}-wrong`) });
    await app.inject({ url: '/v1/alerts?from=bad', headers: bearer(READ) });
    const text = lines.join('');
    assert.ok(text.includes('admin request headers'), 'the handler logged');
    assert.ok(text.includes('[redacted]'), 'the header was there, redacted');
    for (const secret of [ADMIN, READ]) assert.ok(!text.includes(secret), 'no token in the logs');
  });
});

describe('SQL injection', () => {
  const attacks = ["x' OR 1=1 --", "'; DROP TABLE alerts; --", "m-alpha' OR '1'='1", '1; DROP TABLE drift_metrics', "\\' OR 1=1 --", 'm-alpha") OR 1=1 --', '{model:String}', '%27%20OR%201%3D1'];

  it('in every parameter of every route gives 400, 404 or nothing, and leaves every table intact', async () => {
    const app = await build();
    const countAll = async () => Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, Number((await queryRows<{ c: string }>(clickhouse, `SELECT count() AS c FROM ${t}`))[0]!.c)] as const)));
    const before = await countAll();
    const doc = (await app.inject({ url: '/docs/json' })).json() as OpenApiDoc;
    let probes = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      const op = item.get;
      if (!op || !path.startsWith('/v1/')) continue;
      for (const param of op.parameters ?? []) {
        for (const attack of attacks) {
          const url = param.in === 'path' ? path.replace(`{${param.name}}`, encodeURIComponent(attack)) : `${path.replace(/\{(\w+)\}/g, 'm-alpha')}?${param.name}=${encodeURIComponent(attack)}`;
          const r = await app.inject({ url });
          probes++;
          if (r.statusCode === 200) {
            const body = r.json() as { items?: unknown[]; status?: unknown[] };
            assert.deepEqual(body.items, [], `${url} matched rows`);
          } else {
            assert.ok([400, 404].includes(r.statusCode), `${url} → ${r.statusCode} ${r.body}`);
            assert.ok(r.json().error.message.length > 0);
          }
        }
      }
    }
    assert.ok(probes > 200, `probed ${probes} parameter values`);
    assert.deepEqual(await countAll(), before, 'no table lost or gained a row');
  });
});

interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, { summary?: string; parameters?: Array<{ name: string; in: string }>; responses: Record<string, unknown> }>>;
}

describe('OpenAPI', () => {
  it('/docs/json is a valid OpenAPI 3.1 document listing every route, with summaries and error responses', async () => {
    const routes: string[] = [];
    const app = testApp(clickhouse, { plugins: [adminPlugin({})] });
    apps.push(app);
    app.addHook('onRoute', (route: RouteOptions) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const m of methods) if (m !== 'HEAD' && !route.url.startsWith('/docs')) routes.push(`${m} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
    });
    await app.ready();
    const response = await app.inject({ url: '/docs/json' });
    assert.equal(response.statusCode, 200);
    const doc = response.json() as OpenApiDoc;
    assert.equal(doc.openapi, '3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    assert.deepEqual([...documented].sort(), [...routes].sort());
    for (const expected of ['GET /v1/models', 'GET /v1/models/{model}/versions', 'GET /v1/drift', 'GET /v1/drift/windows', 'GET /v1/violations', 'GET /v1/slo', 'GET /v1/quality', 'GET /v1/alerts', 'GET /v1/candidates', 'GET /v1/candidates/{id}', 'GET /v1/training-runs', 'GET /v1/trigger-decisions', 'GET /healthz', 'GET /readyz', 'GET /metrics', 'POST /v1/test/admin']) {
      assert.ok(documented.includes(expected), `${expected} is documented`);
    }
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.startsWith('/v1/') || path.startsWith('/v1/test')) continue;
      assert.ok(ops.get?.summary, `${path} has a summary`);
      assert.ok(ops.get?.responses['200'] && ops.get.responses['400'], `${path} documents 200 and 400`);
    }
    const check = spawnSync('python3', ['-c', 'import json,sys\nfrom openapi_spec_validator import validate\nvalidate(json.load(sys.stdin))\nprint("valid")'], { input: response.body, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    assert.equal(check.stdout.trim(), 'valid');
    const ui = await app.inject({ url: '/docs/' });
    assert.equal(ui.statusCode, 200);
    assert.match(ui.body, /swagger/i);
  });
});

describe('limits and probes', () => {
  it('rate-limits per client with 429 RATE_LIMITED and Retry-After, never the probes', async () => {
    const app = await build({ limits: { ...DEFAULT_LIMITS, rateLimitPerMinute: 3 } });
    for (let i = 0; i < 3; i++) assert.equal((await app.inject({ url: '/v1/alerts' })).statusCode, 200);
    const limited = await app.inject({ url: '/v1/alerts' });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    for (const url of ['/healthz', '/readyz', '/metrics']) assert.equal((await app.inject({ url })).statusCode, 200, url);
    assert.equal((await app.inject({ url: '/v1/alerts', remoteAddress: '10.0.0.9' })).statusCode, 200, 'another client has its own budget');
  });

  it('/readyz checks ClickHouse and the extra checks; /healthz only the process', async () => {
    const app = await build({ readiness: { kafka: async () => Promise.reject(new Error('broker down')), cache: async () => true } });
    const ready = await app.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.deepEqual(ready.json(), { ready: false, checks: { clickhouse: 'ok', kafka: 'broker down', cache: 'ok' } });
    assert.deepEqual((await app.inject({ url: '/healthz' })).json(), { live: true });
  });

  it('/metrics counts requests by route pattern, not by raw URL', async () => {
    const app = await build();
    await app.inject({ url: '/v1/models/m-alpha/versions' });
    await app.inject({ url: '/v1/models/m-gamma/versions' });
    const text = (await app.inject({ url: '/metrics' })).body;
    assert.match(text, /driftline_api_requests_total\{method="GET",route="\/v1\/models\/:model\/versions",code="200",service="api"\} 2/);
    assert.ok(!text.includes('m-gamma'));
    assert.match(text, /driftline_api_request_duration_seconds_bucket/);
  });
});
