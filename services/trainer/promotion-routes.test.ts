/**
 * The promotion routes on a bare Fastify app (inject), against the embedded
 * ClickHouse engine (registry, promotion log) and a temporary model
 * repository (routing.json): promote, canary, rollback through history,
 * and the 400/401/404/409 answers.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { queryRows } from '../../libs/clickhouse/client.ts';
import { writeDemoModel } from '../../libs/model/train-demo-model.ts';
import { testClickHouse } from '../../test/support/harness.ts';
import { promotionRoutes } from './promotion-routes.ts';
import { getRegistryEntry } from './registry-store.ts';

const MODEL = 'credit-default';

describe('promotion routes', () => {
  let repo: string;
  let app: FastifyInstance;
  let ch: Awaited<ReturnType<typeof testClickHouse>>;
  let now = Date.UTC(2025, 0, 1);

  const post = (url: string, body?: unknown, token = 'secret') =>
    app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body as object }) });
  const routing = async () => JSON.parse(await readFile(join(repo, MODEL, 'routing.json'), 'utf8')) as unknown;
  const stage = async (version: string) => (await getRegistryEntry(ch, MODEL, version))?.stage;

  before(async () => {
    ch = await testClickHouse();
    repo = await mkdtemp(join(tmpdir(), 'driftline-promote-'));
    for (const version of ['1', '2', '3']) await writeDemoModel(repo, { seed: Number(version), rows: 1_000, version, nowMs: now });
    await writeFile(join(repo, MODEL, 'routing.json'), JSON.stringify({ champion: '1' }));
    app = Fastify();
    // A stand-in for the bearer guard: the plugin must run whatever preHandler it is given.
    const guard = async (request: { headers: Record<string, unknown> }, reply: { code(n: number): { send(b: unknown): unknown } }) => {
      if (request.headers.authorization !== 'Bearer secret') return reply.code(401).send({ error: { code: 'UNAUTHORIZED', message: 'no' } });
    };
    await app.register(promotionRoutes({ clickhouse: ch, repoDir: repo, guard: guard as never, clock: () => (now += 1_000) }));
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await rm(repo, { recursive: true, force: true });
  });

  it('runs the guard it is given', async () => {
    const res = await post(`/v1/models/${MODEL}/versions/2/promote`, undefined, 'wrong');
    assert.equal(res.statusCode, 401);
    assert.deepEqual(await routing(), { champion: '1' });
  });

  it('answers 404 for a version not in the repository and 409 for the champion', async () => {
    const missing = await post(`/v1/models/${MODEL}/versions/9/promote`);
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'NOT_FOUND');
    assert.match(missing.json().error.message, /credit-default\/9 is not in the model repository/);
    const unknownModel = await post('/v1/models/no-such-model/versions/1/promote');
    assert.equal(unknownModel.statusCode, 404);
    const champion = await post(`/v1/models/${MODEL}/versions/1/promote`, {});
    assert.equal(champion.statusCode, 409);
    assert.equal(champion.json().error.code, 'CONFLICT');
    assert.match(champion.json().error.message, /already the champion/);
  });

  it('refuses bad input with 400', async () => {
    assert.equal((await post(`/v1/models/${MODEL}/versions/2/promote`, { canary_share: 1.5 })).statusCode, 400);
    assert.equal((await post(`/v1/models/${MODEL}/versions/2/promote`, { canary_share: 0 })).statusCode, 400);
    assert.equal((await post(`/v1/models/${MODEL}/versions/2/promote`, { share: 0.1 })).statusCode, 400);
    assert.equal((await post(`/v1/models/${MODEL}/versions/v$1/promote`)).statusCode, 400);
    assert.deepEqual(await routing(), { champion: '1' });
  });

  it('promotes a version: routing.json, registry stages and the promotion log', async () => {
    const res = await post(`/v1/models/${MODEL}/versions/2/promote`);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { model: MODEL, action: 'promote', routing: { champion: '2' }, previous_champion: '1' });
    assert.deepEqual(await routing(), { champion: '2' });
    const entry = await getRegistryEntry(ch, MODEL, '2');
    assert.equal(entry?.stage, 'champion');
    assert.equal(entry?.promoted_by, 'api');
    // Version 1 was never registered: it is registered from its model card, as archived.
    const old = await getRegistryEntry(ch, MODEL, '1');
    assert.equal(old?.stage, 'archived');
    assert.equal(old?.metrics.source, 'model_card');
    assert.equal(typeof old?.metrics.roc_auc, 'number');
    const log = await queryRows<{ action: string; version: string; previous_champion: string }>(ch, 'SELECT action, version, previous_champion FROM model_promotions WHERE model = {m:String} ORDER BY promoted_at', { m: MODEL });
    assert.deepEqual(log, [{ action: 'promote', version: '2', previous_champion: '1' }]);
    assert.deepEqual((await readdir(join(repo, MODEL))).filter((f) => f.endsWith('.tmp')), []);
  });

  it('starts a canary, and a rollback ends it', async () => {
    const canary = await post(`/v1/models/${MODEL}/versions/3/promote`, { canary_share: 0.25 });
    assert.equal(canary.statusCode, 200, canary.body);
    assert.deepEqual(await routing(), { champion: '2', canary: { version: '3', share: 0.25 } });
    assert.equal(await stage('3'), 'canary');
    assert.equal(await stage('2'), 'champion');

    const rollback = await post(`/v1/models/${MODEL}/rollback`);
    assert.equal(rollback.statusCode, 200, rollback.body);
    assert.deepEqual(await routing(), { champion: '2' });
    assert.equal(await stage('3'), 'candidate');
  });

  it('rolls back through history, then has nothing left to roll back to', async () => {
    await post(`/v1/models/${MODEL}/versions/3/promote`);
    assert.deepEqual(await routing(), { champion: '3' });
    assert.equal((await post(`/v1/models/${MODEL}/rollback`, { reason: 'latency regression' })).statusCode, 200);
    assert.deepEqual(await routing(), { champion: '2' });
    assert.deepEqual([await stage('3'), await stage('2')], ['archived', 'champion']);
    assert.equal((await post(`/v1/models/${MODEL}/rollback`)).statusCode, 200);
    assert.deepEqual(await routing(), { champion: '1' });
    const last = await post(`/v1/models/${MODEL}/rollback`);
    assert.equal(last.statusCode, 409);
    assert.match(last.json().error.message, /no previous champion of credit-default/);
    assert.deepEqual(await routing(), { champion: '1' });
    const [reason] = await queryRows<{ reason: string }>(ch, "SELECT reason FROM model_promotions WHERE model = {m:String} AND action = 'rollback' AND version = '2' ORDER BY promoted_at DESC LIMIT 1", { m: MODEL });
    assert.equal(reason?.reason, 'latency regression');
  });
});
