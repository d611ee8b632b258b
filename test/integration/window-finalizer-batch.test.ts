/**
 * The window finalizer writes a batch of windows' outputs with one insert per
 * table, on the embedded ClickHouse: a window whose finalizer fails leaves no
 * row and is not marked finalized (the next pass retries it), the others are;
 * window_finalizations is inserted after every output table; signals are
 * applied window by window, in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { silentLogger } from '../../libs/logging/logger.ts';
import { createWindowFinalizer, type AlertSignal, type WindowFinalizer } from '../../services/processors/window-finalizer.ts';
import { testClickHouse, uniqueName } from '../support/harness.ts';

const MINUTE = 60_000;

describe('window finalizer: one insert per table per batch', () => {
  let clickhouse: ClickHouseClient;
  const pipeline = uniqueName('batch-pipeline');
  const topic = uniqueName('batch-topic');
  const model = uniqueName('batch-model');
  const start = Date.UTC(2026, 11, 1);
  const starts = [0, 1, 2, 3].map((i) => start + i * MINUTE);
  const table = `finalizer_batch_${process.pid}`;

  before(async () => {
    clickhouse = await testClickHouse();
    await clickhouse.command({ query: `CREATE TABLE ${table} (model String, window_start DateTime64(3, 'UTC'), what String) ENGINE = MergeTree ORDER BY (model, window_start)` });
    const chunk = (ws: number, part: string, state: string) => ({ pipeline, topic, partition: 0, chunk_offset: 1, model, model_version: '1', window_start: ws, window_end: ws + MINUTE, part, events: part === 'meta' ? 10 : 0, late_events: 0, state });
    await clickhouse.insert({
      table: 'processor_chunks',
      format: 'JSONEachRow',
      values: [
        ...starts.flatMap((ws) => [chunk(ws, 'meta', ''), chunk(ws, 'test', `state of ${ws}`)]),
        { ...chunk(0, 'checkpoint', JSON.stringify({ offset: 1, max_event_ms: start + 10 * MINUTE })), model: '', model_version: '' },
      ],
    });
  });
  after(async () => {
    await clickhouse.command({ query: `DROP TABLE IF EXISTS ${table}` });
  });

  it('writes the windows that succeed, skips the one that fails, and marks only the written ones finalized', async () => {
    const inserts: string[] = [];
    // The real client, with its inserts listed in order.
    const counting = new Proxy(clickhouse, {
      get(target, key, receiver) {
        if (key === 'insert') return (params: { table: string }) => (inserts.push(params.table), target.insert(params as never));
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const failing = starts[2]!;
    let failures = 0;
    const testFinalizer: WindowFinalizer = {
      name: 'test',
      async finalize(window) {
        if (window.windowStartMs === failing && failures++ === 0) throw new Error('boom'); // once
        const parts = await window.readParts('test');
        window.write(table, [{ model: window.model, window_start: window.windowStartMs, what: parts.get('test')!.join(',') }]);
        return [{ kind: 'drift', model: window.model, condition: `test/${window.windowStartMs}`, severity: 'info', firing: true, windowStartMs: window.windowStartMs, summary: '', details: {} }];
      },
    };
    const applied: AlertSignal[][] = [];
    const finalizer = createWindowFinalizer({
      clickhouse: counting,
      pipeline,
      topic,
      finalizers: [testFinalizer],
      idleTimeoutMs: 60_000,
      logger: silentLogger(),
      onSignals: async (signals) => void applied.push(signals),
    });

    assert.equal(await finalizer.runOnce(0), 3);
    // One batch: one insert of the outputs, then one of window_finalizations.
    assert.deepEqual(inserts, [table, 'window_finalizations']);
    const written = await queryRows<{ ws: string; what: string }>(clickhouse, `SELECT toUnixTimestamp64Milli(window_start) AS ws, what FROM ${table} WHERE model = {model:String} ORDER BY window_start`, { model });
    const succeeded = starts.filter((ws) => ws !== failing);
    assert.deepEqual(written.map((r) => [Number(r.ws), r.what]), succeeded.map((ws) => [ws, `state of ${ws}`]));
    const marked = await queryRows<{ ws: string }>(clickhouse, `SELECT toUnixTimestamp64Milli(window_start) AS ws FROM window_finalizations FINAL WHERE pipeline = {pipeline:String} ORDER BY window_start`, { pipeline });
    assert.deepEqual(marked.map((r) => Number(r.ws)), succeeded);
    assert.deepEqual(applied.map((signals) => signals.map((s) => s.windowStartMs)), succeeded.map((ws) => [ws]));

    // The next pass computes only the window that failed.
    inserts.length = 0;
    assert.equal(await finalizer.runOnce(0), 1);
    assert.deepEqual(inserts, [table, 'window_finalizations']);
    assert.deepEqual(applied.at(-1)!.map((s) => s.windowStartMs), [failing]);
    assert.equal((await queryRows(clickhouse, `SELECT 1 FROM ${table} WHERE model = {model:String}`, { model })).length, 4);
  });
});
