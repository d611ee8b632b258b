/**
 * The SLO finalizer's read of slo_windows (closedWindows) on the embedded
 * ClickHouse: the last 3 days window by window (versions summed, the newest
 * row of a replaced window only), older windows inside the objective's
 * period as one sum, nothing outside the period or past `now`. The expected
 * values are computed here from the rows inserted, independently of the SQL.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { closedWindows } from '../../services/processors/slo/slo-finalizer.ts';
import { testClickHouse, uniqueName } from '../support/harness.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('SLO finalizer: closed windows read from slo_windows', () => {
  let clickhouse: ClickHouseClient;
  const model = uniqueName('slo-model');
  const now = Math.floor(Date.UTC(2026, 10, 20) / HOUR) * HOUR;
  // Hourly windows over 40 days before `now` plus 2 after it, two versions each.
  const rows: Array<{ v: string; ws: number; requests: number; errors: number; slow: number; computed: number }> = [];

  before(async () => {
    clickhouse = await testClickHouse();
    for (let ws = now - 40 * DAY; ws < now + 2 * HOUR; ws += HOUR) {
      const i = (ws - (now - 40 * DAY)) / HOUR;
      for (const v of ['1', '2']) rows.push({ v, ws, requests: 100 + (i % 7) + (v === '2' ? 50 : 0), errors: i % 5, slow: i % 3, computed: 1 });
    }
    // A replaced (recomputed) window: only the newer row may count.
    rows.push({ v: '1', ws: now - 5 * HOUR, requests: 999, errors: 9, slow: 9, computed: 2 });
    await clickhouse.insert({
      table: 'slo_windows',
      format: 'JSONEachRow',
      values: rows.map((r) => ({ model, model_version: r.v, window_start: r.ws, window_end: r.ws + HOUR, requests: r.requests, errors: r.errors, slow: r.slow, p50: null, p90: null, p95: null, p99: null, latency_sketch: '', computed_at: r.computed })),
    });
  });

  /** The rows that count: the newest of each (version, window). */
  function effective() {
    const newest = new Map<string, (typeof rows)[number]>();
    for (const r of rows) {
      const key = `${r.v}/${r.ws}`;
      const seen = newest.get(key);
      if (!seen || r.computed > seen.computed) newest.set(key, r);
    }
    return [...newest.values()];
  }

  it('lists the last 3 days window by window and sums the older part of a 30-day period', async () => {
    const windows = await closedWindows(clickhouse, { model, periodMs: 30 * DAY, availability: { target: 0.99 } }, now);
    const live = effective().filter((r) => r.ws + HOUR <= now);
    const recent = new Map<number, { total: number; errors: number; slow: number }>();
    for (const r of live.filter((r) => r.ws >= now - 3 * DAY)) {
      const w = recent.get(r.ws) ?? { total: 0, errors: 0, slow: 0 };
      recent.set(r.ws, { total: w.total + r.requests, errors: w.errors + r.errors, slow: w.slow + r.slow });
    }
    const expected = [...recent].sort(([a], [b]) => a - b).map(([ws, w]) => ({ startMs: ws, endMs: ws + HOUR, ...w }));
    const older = live.filter((r) => r.ws >= now - 30 * DAY && r.ws < now - 3 * DAY);
    expected.push({
      startMs: now - 30 * DAY,
      endMs: now - 3 * DAY,
      total: older.reduce((s, r) => s + r.requests, 0),
      errors: older.reduce((s, r) => s + r.errors, 0),
      slow: older.reduce((s, r) => s + r.slow, 0),
    });
    assert.equal(windows.length, 72 + 1);
    assert.deepEqual(windows, expected);
    // The replaced window counts its newer row (999 requests for version 1), not both.
    assert.equal(windows.find((w) => w.startMs === now - 5 * HOUR)!.total, 999 + 150 + ((((now - 5 * HOUR) - (now - 40 * DAY)) / HOUR) % 7));
  });

  it('reads no older sum when the period fits in the 3 days of the burn-rate rules', async () => {
    const windows = await closedWindows(clickhouse, { model, periodMs: 2 * DAY, availability: { target: 0.99 } }, now);
    assert.equal(windows.length, 72);
    assert.ok(windows.every((w) => w.endMs - w.startMs === HOUR));
  });
});
