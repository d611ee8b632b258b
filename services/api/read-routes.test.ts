/**
 * The query API's read routes against the real ClickHouse engine (embedded,
 * a temp data dir migrated from migrations/): what was inserted comes back,
 * JSON columns parsed, replaced rows only once (FINAL), filters narrow,
 * pages cover every row exactly once, and bad parameters are 400s naming
 * the parameter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { testClickHouse } from '../../test/support/harness.ts';
import { DAY, DEFAULT_LIMITS, driftRows, insertFixtures, iso, MINUTE, NOW, testApp, windowStart } from './test-fixtures.ts';

let clickhouse: ClickHouseClient;
let app: FastifyInstance;

before(async () => {
  clickhouse = await testClickHouse();
  await insertFixtures(clickhouse);
  app = testApp(clickhouse);
  await app.ready();
});
after(async () => {
  await app.close();
  await clickhouse.close();
});

type Page = { items: Array<Record<string, unknown>>; next_cursor: string | null; [k: string]: unknown };

async function get(url: string): Promise<{ status: number; body: Page & { error?: { code: string; message: string } } }> {
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json() };
}

async function ok(url: string): Promise<Page> {
  const { status, body } = await get(url);
  assert.equal(status, 200, `${url}: ${JSON.stringify(body)}`);
  return body;
}

/** Follows next_cursor from `url` until the last page; returns every item and the page count. */
async function allPages(url: string): Promise<{ items: Array<Record<string, unknown>>; pages: number }> {
  const items: Array<Record<string, unknown>> = [];
  let pages = 0;
  let cursor: string | null = null;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const page = await ok(cursor ? `${url}${sep}cursor=${encodeURIComponent(cursor)}` : url);
    items.push(...page.items);
    cursor = page.next_cursor;
    pages++;
    assert.ok(pages < 1_000, 'pagination terminates');
  } while (cursor);
  return { items, pages };
}

async function expectBadRequest(url: string, mentions: string | RegExp): Promise<string> {
  const { status, body } = await get(url);
  assert.equal(status, 400, `${url} → ${status} ${JSON.stringify(body)}`);
  assert.equal(body.error?.code, 'INPUT_INVALID');
  if (typeof mentions === 'string') assert.ok(body.error!.message.includes(mentions), `${url}: "${body.error!.message}" should mention ${mentions}`);
  else assert.match(body.error!.message, mentions);
  return body.error!.message;
}

describe('GET /v1/drift', () => {
  it('returns every drift row of the last 24 h, newest first, numbers as numbers and times as ISO-8601', async () => {
    const { items } = await allPages('/v1/drift?limit=1000');
    const expected = driftRows().filter((r) => (r.window_start as number) >= NOW - DAY);
    assert.equal(items.length, expected.length);
    const newest = items[0]!;
    assert.equal(newest.window_start, iso(windowStart(0)));
    const times = items.map((i) => Date.parse(i.window_start as string));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
    const row = items.find((i) => i.model === 'm-beta' && i.feature === 'age' && i.window_start === iso(windowStart(3)))!;
    assert.deepEqual(row, {
      model: 'm-beta',
      model_version: '1',
      window_start: iso(windowStart(3)),
      window_end: iso(windowStart(3) + MINUTE),
      feature: 'age',
      kind: 'numeric',
      reference_count: 1000,
      current_count: 103,
      missing_rate: 0.03,
      psi: 0.05 * 3,
      ks_statistic: 0.02 * 3,
      ks_p_value: 0.25,
      wasserstein_normed: null,
      chi2_statistic: null,
      chi2_p_value: null,
      chi2_dof: null,
      jensen_shannon: null,
      drift_method: 'ks',
      drift_score: 0.1 * 3,
      threshold: 0.05,
      drifted: false,
      message: 'm-beta/1/age/3',
      profile_version: 1,
      computed_at: iso(NOW),
    });
  });

  it('answers a recomputed row once, with the newest values (FINAL)', async () => {
    const page = await ok(`/v1/drift?model=m-alpha&version=1&feature=age&from=${windowStart(0)}&to=${NOW}`);
    assert.equal(page.items.length, 1);
    assert.equal(page.items[0]!.psi, 9.99);
    assert.equal(page.items[0]!.message, 'recomputed');
  });

  it('filters by model, version, feature and drifted', async () => {
    assert.equal((await ok('/v1/drift?model=m-beta&limit=1000')).items.length, 15);
    assert.equal((await ok('/v1/drift?model=m-alpha&version=2&limit=1000')).items.length, 30);
    const income = (await ok('/v1/drift?model=m-alpha&feature=income&limit=1000')).items;
    assert.equal(income.length, 20);
    assert.ok(income.every((i) => i.feature === 'income' && i.model === 'm-alpha'));
    const drifted = (await ok('/v1/drift?drifted=true&limit=1000')).items;
    assert.equal(drifted.length, 10, 'windows 5..9 of income, both versions of m-alpha');
    assert.ok(drifted.every((i) => i.drifted === true && i.feature === 'income'));
    assert.equal((await ok('/v1/drift?model=nobody')).items.length, 0);
  });

  it('selects windows by from/to (half-open, ISO-8601 or epoch ms) and reaches rows older than 24 h when asked', async () => {
    const fromIso = iso(windowStart(2));
    const byIso = (await ok(`/v1/drift?model=m-alpha&version=1&from=${fromIso}&to=${iso(windowStart(0))}`)).items;
    assert.deepEqual([...new Set(byIso.map((i) => i.window_start))], [iso(windowStart(1)), iso(windowStart(2))]);
    const byMs = (await ok(`/v1/drift?model=m-alpha&version=1&from=${windowStart(2)}&to=${windowStart(0)}`)).items;
    assert.deepEqual(byMs, byIso);
    const old = (await ok(`/v1/drift?model=m-alpha&from=${NOW - 41 * DAY}&to=${NOW - 39 * DAY}`)).items;
    assert.equal(old.length, 1);
    assert.equal(old[0]!.window_start, iso(NOW - 40 * DAY));
    const page = await ok('/v1/drift?limit=1');
    assert.equal(page.from, iso(NOW - DAY), 'default range: the last 24 h');
    assert.equal(page.to, iso(NOW));
  });

  it('pages through every row exactly once, whatever the page size', async () => {
    const everything = (await ok('/v1/drift?limit=1000')).items.map((i) => JSON.stringify(i));
    for (const limit of [1, 7, 45, 75]) {
      const { items, pages } = await allPages(`/v1/drift?limit=${limit}`);
      assert.equal(pages, Math.ceil(everything.length / limit), `pages at limit ${limit}`);
      assert.deepEqual(items.map((i) => JSON.stringify(i)), everything, `limit ${limit}: same rows, same order, none twice`);
    }
    const filtered = await allPages('/v1/drift?model=m-alpha&feature=region&limit=3');
    assert.equal(filtered.items.length, 20);
    assert.equal(new Set(filtered.items.map((i) => `${i.model_version}/${i.window_start}`)).size, 20);
  });

  it('keeps the first page\'s time range on later pages and refuses a cursor with another range', async () => {
    const first = await ok('/v1/drift?limit=10');
    const later = app.inject({ url: `/v1/drift?limit=10&cursor=${first.next_cursor}` });
    const second = (await later).json() as Page;
    assert.equal(second.from, first.from);
    assert.equal(second.to, first.to);
    await expectBadRequest(`/v1/drift?limit=10&from=${NOW - 2 * DAY}&cursor=${first.next_cursor}`, "'cursor' belongs to another time range");
  });
});

describe('other monitoring routes', () => {
  it('GET /v1/drift/windows', async () => {
    const { items } = await ok('/v1/drift/windows');
    assert.equal(items.length, 3);
    assert.deepEqual(items[2], {
      model: 'm-alpha', model_version: '1', window_start: iso(windowStart(2)), window_end: iso(windowStart(2) + MINUTE), events: 102, late_events: 2,
      features: 3, drifted_features: 2, drift_share: 2 / 3, dataset_drift: true, profile_version: 1, computed_at: iso(NOW),
    });
    assert.equal((await ok('/v1/drift/windows?dataset_drift=true')).items.length, 1);
  });

  it('GET /v1/violations parses samples and filters by rule and (any) feature name', async () => {
    const { items } = await ok('/v1/violations');
    assert.equal(items.length, 3);
    const range = (await ok('/v1/violations?rule=range')).items;
    assert.deepEqual(range.map((i) => i.samples), [[{ prediction_id: 'p1', feature: 'age', value: 130 }]]);
    const odd = (await ok(`/v1/violations?feature=${encodeURIComponent("it's odd")}`)).items;
    assert.equal(odd.length, 1);
    assert.equal(odd[0]!.rule, 'unknown_feature');
    assert.equal((await ok('/v1/violations?model=m-alpha&rule=missing')).items[0]!.violations, 1);
  });

  it('GET /v1/slo answers windows and the latest status per model, burn rates parsed', async () => {
    const page = await ok('/v1/slo');
    assert.equal(page.items.length, 2);
    assert.equal(page.items[0]!.p99, 40);
    const status = page.status as Array<Record<string, unknown>>;
    assert.deepEqual(status.map((s) => s.model), ['m-alpha', 'm-beta']);
    assert.deepEqual(status[0], {
      model: 'm-alpha', evaluated_at: iso(NOW - MINUTE), window_end: iso(NOW), availability_budget_remaining: 0.5, latency_budget_remaining: null,
      burn_rates: { 'availability:3600000': 15.2, 'availability:300000': null }, severity: 'page', firing_rules: ['availability:page_1h', 'latency:ticket_1d'], computed_at: iso(NOW),
    });
    const before = await ok(`/v1/slo?model=m-alpha&to=${NOW - MINUTE}`);
    assert.deepEqual((before.status as Array<Record<string, unknown>>).map((s) => [s.model, s.availability_budget_remaining, s.firing_rules]), [['m-alpha', 0.9, []]], 'status as of `to`');
  });

  it('GET /v1/quality parses calibration', async () => {
    const { items } = await ok('/v1/quality?model=m-alpha&version=1');
    assert.equal(items.length, 1);
    assert.equal(items[0]!.accuracy, 0.91);
    assert.equal(items[0]!.positives, 50);
    assert.equal(items[0]!.mae, null);
    assert.deepEqual(items[0]!.calibration, [{ bin_lo: 0, bin_hi: 0.1, count: 100, mean_score: 0.05, positive_rate: 0.04 }]);
  });

  it('GET /v1/alerts filters by model, state and kind; details parsed', async () => {
    const all = (await ok('/v1/alerts')).items;
    assert.deepEqual(all.map((a) => `${a.alert_id}:${a.state}`), ['a-3:firing', 'a-2:firing', 'a-1:resolved', 'a-1:firing']);
    assert.deepEqual(all[3]!.details, { psi: 0.4, feature: 'income' });
    assert.equal(all[0]!.details, null, "'' is null");
    assert.deepEqual((await ok('/v1/alerts?state=firing&model=m-alpha')).items.map((a) => a.alert_id), ['a-2', 'a-1']);
    assert.deepEqual((await ok('/v1/alerts?kind=slo')).items.map((a) => a.alert_id), ['a-2']);
    assert.deepEqual((await ok(`/v1/alerts?from=${NOW - 6 * MINUTE}`)).items.map((a) => a.alert_id), ['a-3', 'a-2', 'a-1']);
    const paged = await allPages('/v1/alerts?limit=1');
    assert.deepEqual(paged.items, all);
  });
});

describe('models and the retraining loop', () => {
  it('GET /v1/models lists models from predictions, reference profiles and the registry, with versions', async () => {
    const { items } = await ok('/v1/models');
    assert.deepEqual(items.map((m) => m.model), ['m-alpha', 'm-delta', 'm-gamma']);
    const alpha = items[0]!;
    assert.equal(alpha.last_prediction_at, iso(NOW - 3 * MINUTE));
    assert.deepEqual(alpha.versions, [
      { version: '1', stage: 'champion', predictions: 2, first_prediction_at: iso(NOW - 5 * MINUTE), last_prediction_at: iso(NOW - 4 * MINUTE), has_reference_profile: true },
      { version: '2', stage: 'champion', predictions: 1, first_prediction_at: iso(NOW - 3 * MINUTE), last_prediction_at: iso(NOW - 3 * MINUTE), has_reference_profile: false },
    ]);
    assert.deepEqual(items[1]!.versions, [{ version: '1', stage: null, predictions: 0, first_prediction_at: null, last_prediction_at: null, has_reference_profile: true }]);
    const paged = await allPages('/v1/models?limit=1');
    assert.equal(paged.pages, 3);
    assert.deepEqual(paged.items, items);
  });

  it('GET /v1/models/:model/versions joins the registry (FINAL) with what predictions saw', async () => {
    const page = await ok('/v1/models/m-alpha/versions');
    assert.equal(page.model, 'm-alpha');
    assert.equal(page.items.length, 2);
    const v2 = page.items[1]!;
    assert.equal(v2.version, '2');
    assert.deepEqual(v2.registry, {
      version: '2', stage: 'champion', artifact_uri: 'file:///models/m-alpha/2', metrics: { auc: 0.9 }, champion_metrics: null,
      lineage: { candidate_id: 'cand-1', run_id: 'run-1' }, promoted_by: 'ops', created_at: iso(NOW - 20 * MINUTE), updated_at: iso(NOW - 10 * MINUTE),
    });
    assert.equal((await ok('/v1/models/m-gamma/versions')).items[0]!.registry, null);
    const paged = await allPages('/v1/models/m-alpha/versions?limit=1');
    assert.deepEqual(paged.items.map((i) => i.version), ['1', '2']);
    const missing = await get('/v1/models/m-nobody/versions');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error?.code, 'NOT_FOUND');
  });

  it('GET /v1/candidates and /v1/candidates/:id', async () => {
    const { items } = await ok('/v1/candidates');
    assert.deepEqual(items.map((c) => c.candidate_id), ['cand-2', 'cand-1']);
    assert.deepEqual((await ok('/v1/candidates?model=m-alpha')).items.map((c) => c.candidate_id), ['cand-1']);
    const one = await app.inject({ url: '/v1/candidates/cand-1' });
    assert.equal(one.statusCode, 200);
    const body = one.json() as Record<string, unknown> & { training_runs: Array<Record<string, unknown>> };
    assert.deepEqual(body.class_balance, { '0': 1000, '1': 200 });
    assert.deepEqual(body.filters, { min_label_ts: null });
    assert.equal(body.row_count, 1200);
    assert.deepEqual(body.training_runs.map((r) => [r.run_id, r.state, r.metrics]), [['run-1', 'registered', { auc: 0.9 }]]);
    assert.equal((await app.inject({ url: '/v1/candidates/cand-404' })).statusCode, 404);
  });

  it('GET /v1/training-runs answers the current state of each run (FINAL)', async () => {
    const { items } = await ok('/v1/training-runs?model=m-alpha');
    assert.deepEqual(items.map((r) => [r.run_id, r.state, r.new_version, r.metrics]), [['run-1', 'registered', '2', { auc: 0.9 }]]);
    assert.equal((await ok('/v1/training-runs?state=queued')).items.length, 0);
    assert.equal((await ok('/v1/training-runs?candidate_id=cand-1')).items.length, 1);
  });

  it('GET /v1/trigger-decisions parses reasons and blocked_by', async () => {
    const { items } = await ok('/v1/trigger-decisions?model=m-alpha');
    assert.deepEqual(items.map((d) => [d.decision_id, d.fired]), [['dec-1', true], ['dec-0', false]]);
    assert.deepEqual(items[1]!.blocked_by, [{ rule: 'min_labels', observed: 10, threshold: 100, met: false }]);
    assert.deepEqual((await ok('/v1/trigger-decisions?fired=true')).items.map((d) => d.decision_id), ['dec-1']);
  });
});

describe('bad parameters', () => {
  it('answers 400 naming the parameter', async () => {
    await expectBadRequest('/v1/drift?limit=0', "'limit' must be >= 1");
    await expectBadRequest(`/v1/drift?limit=${DEFAULT_LIMITS.maxPageSize + 1}`, `'limit' must be <= ${DEFAULT_LIMITS.maxPageSize}`);
    await expectBadRequest('/v1/drift?limit=ten', "'limit' must be integer");
    await expectBadRequest('/v1/drift?modle=m-alpha', "unknown query parameter 'modle'");
    await expectBadRequest('/v1/models?model=x', "unknown query parameter 'model'");
    await expectBadRequest('/v1/drift?from=yesterday', "'from'");
    await expectBadRequest('/v1/drift?to=2024-06-01T12:00:00', "'to'");
    await expectBadRequest('/v1/drift?from=1717200000', /'from'.*seconds/);
    await expectBadRequest(`/v1/drift?from=${NOW}&to=${NOW - MINUTE}`, "'from'");
    await expectBadRequest('/v1/drift?model=has%20space', "'model' must match pattern");
    await expectBadRequest(`/v1/drift?model=${'m'.repeat(201)}`, "'model'");
    await expectBadRequest('/v1/drift?model=a&model=b', "'model'");
    await expectBadRequest('/v1/drift?drifted=maybe', "'drifted'");
    await expectBadRequest('/v1/alerts?state=FIRING', "'state'");
    await expectBadRequest('/v1/drift?cursor=not-a-cursor', "'cursor'");
    await expectBadRequest(`/v1/drift?cursor=${Buffer.from(JSON.stringify({ k: ['2024-01-01', 'a', 'b', 'c'] })).toString('base64url')}`, "'cursor'");
    await expectBadRequest('/v1/models/bad%20name/versions', "path parameter 'model'");
    await expectBadRequest('/v1/candidates/..%2Fetc', "path parameter 'id'");
  });

  it('enforces the time-range limit, naming it', async () => {
    const message = await expectBadRequest(`/v1/drift?from=${NOW - 32 * DAY}&to=${NOW}`, '31d limit (API_MAX_RANGE)');
    assert.match(message, /spans 32d/);
    await ok(`/v1/drift?from=${NOW - 31 * DAY}&to=${NOW}`);
    await expectBadRequest(`/v1/alerts?from=${NOW - 40 * DAY}`, 'API_MAX_RANGE');
    const narrow = testApp(clickhouse, { limits: { ...DEFAULT_LIMITS, maxRangeMs: 3_600_000 } });
    try {
      const r = await narrow.inject({ url: '/v1/drift' });
      assert.equal(r.statusCode, 400, 'the default 24 h is over a 1 h limit');
      assert.match((r.json() as { error: { message: string } }).error.message, /over the 1h limit/);
      assert.equal((await narrow.inject({ url: `/v1/drift?from=${NOW - MINUTE * 30}` })).statusCode, 200);
    } finally {
      await narrow.close();
    }
  });

  it('answers unknown routes with the error body', async () => {
    const { status, body } = await get('/v1/nothing');
    assert.equal(status, 404);
    assert.equal(body.error?.code, 'NOT_FOUND');
  });
});
