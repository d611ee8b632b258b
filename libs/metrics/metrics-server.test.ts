import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { silentLogger } from '../logging/logger.ts';
import { consumerLag } from './consumer-lag.ts';
import { startMetricsServer, type MetricsServer } from './metrics-server.ts';
import { createPipelineMetrics, PIPELINE_METRIC_NAMES, timeInserts, type PipelineTotals } from './pipeline-metrics.ts';
import { createServiceRegistry } from './registry.ts';

const servers: MetricsServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

/** The value of the series `name` with exactly `labels` in Prometheus text format (label order free), or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]).sort();
    if (JSON.stringify(got) === want) return Number(m[3]);
  }
  return undefined;
}

describe('metrics server', () => {
  it('answers /metrics with the standard pipeline metrics, counting what the worker counted', async () => {
    const registry = createServiceRegistry('sink');
    const totals: PipelineTotals = { eventsIn: { 'driftline.predictions': 10 }, eventsOut: { predictions: 8 }, deadLettered: { 'driftline.predictions': 2 }, windowCloses: { g: 0 } };
    const metrics = createPipelineMetrics(registry, () => totals);
    const onFlush = metrics.observeFlush('predictions');
    onFlush(0.003, 100);
    onFlush(0.2, 100);
    let ready = false;
    const server = await startMetricsServer({ port: 0, host: '127.0.0.1', registry, ready: { started: async () => ready, clickhouse: async () => undefined }, logger: silentLogger() });
    servers.push(server);
    const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;

    let response = await fetch(url('/metrics'));
    assert.equal(response.status, 200);
    assert.match(String(response.headers.get('content-type')), /^text\/plain/);
    let text = await response.text();
    for (const name of Object.values(PIPELINE_METRIC_NAMES).filter((n) => n !== PIPELINE_METRIC_NAMES.consumerLag)) assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    assert.match(text, /^driftline_process_cpu_seconds_total\{service="sink"\}/m, 'process metrics, labelled with the service');
    assert.equal(sample(text, 'driftline_events_in_total', { topic: 'driftline.predictions', service: 'sink' }), 10);
    assert.equal(sample(text, 'driftline_events_out_total', { target: 'predictions', service: 'sink' }), 8);
    assert.equal(sample(text, 'driftline_dead_lettered_total', { topic: 'driftline.predictions', service: 'sink' }), 2);
    assert.equal(sample(text, 'driftline_window_closes_total', { pipeline: 'g', service: 'sink' }), 0, 'an explicit zero');
    assert.equal(sample(text, 'driftline_flush_duration_seconds_count', { target: 'predictions', service: 'sink' }), 2);
    assert.equal(sample(text, 'driftline_flush_duration_seconds_bucket', { le: '0.005', target: 'predictions', service: 'sink' }), 1);

    // Totals keep growing in the worker; scrapes add only what is new.
    totals.eventsIn = { 'driftline.predictions': 25 };
    text = await (await fetch(url('/metrics'))).text();
    assert.equal(sample(text, 'driftline_events_in_total', { topic: 'driftline.predictions', service: 'sink' }), 25);
    text = await (await fetch(url('/metrics'))).text();
    assert.equal(sample(text, 'driftline_events_in_total', { topic: 'driftline.predictions', service: 'sink' }), 25, 'a second scrape adds nothing');

    assert.deepEqual(await (await fetch(url('/healthz'))).json(), { live: true });
    response = await fetch(url('/readyz'));
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), { ready: false, checks: { started: 'not ready', clickhouse: 'ok' } });
    ready = true;
    response = await fetch(url('/readyz'));
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { ready: boolean }).ready, true);
    assert.equal((await fetch(url('/nothing'))).status, 404);
    assert.equal((await fetch(url('/metrics'), { method: 'POST' })).status, 405);
  });

  it('closes idempotently and frees its port', async () => {
    const server = await startMetricsServer({ port: 0, host: '127.0.0.1', registry: createServiceRegistry('x', { processMetrics: false }), logger: silentLogger() });
    await Promise.all([server.close(), server.close()]);
    await assert.rejects(fetch(`http://127.0.0.1:${server.port}/healthz`));
  });
});

describe('consumerLag', () => {
  it('is log end − committed offset, everything retained when nothing is committed, never negative', () => {
    assert.deepEqual(
      consumerLag(
        [
          { partition: 0, high: '100', low: '0' },
          { partition: 1, high: '50', low: '20' },
          { partition: 2, high: '7', low: '7' },
          { partition: 3, high: '10', low: '0' },
        ],
        [
          { partition: 0, offset: '60' },
          { partition: 1, offset: '-1' },
          { partition: 3, offset: '12' },
        ],
      ),
      [
        { partition: 0, lag: 40 },
        { partition: 1, lag: 30 },
        { partition: 2, lag: 0 },
        { partition: 3, lag: 0 },
      ],
    );
  });
});

describe('timeInserts', () => {
  it('reports each successful insert with its row count, and none for a failed one', async () => {
    const seen: Array<[number, number]> = [];
    let fail = false;
    const client = { insert: async () => (fail ? Promise.reject(new Error('down')) : ({} as never)) } as unknown as Parameters<typeof timeInserts>[0];
    const timed = timeInserts(client, (s, rows) => seen.push([s, rows]));
    await timed.insert({ table: 't', values: [{ a: 1 }, { a: 2 }], format: 'JSONEachRow' });
    fail = true;
    await assert.rejects(timed.insert({ table: 't', values: [{ a: 3 }], format: 'JSONEachRow' }));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]![1], 2);
    assert.ok(seen[0]![0] >= 0);
  });
});
