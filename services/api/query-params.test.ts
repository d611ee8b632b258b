import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '../../libs/errors/errors.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { KEY_TYPES } from './columns.ts';
import { clickhouseQuery } from './route-context.ts';
import { formatDuration, parseInstant, resolveTimeRange } from './time-range.ts';

const NOW = Date.UTC(2024, 5, 15, 12, 0, 0);
const DAY = 86_400_000;
const invalid = (fn: () => unknown, mentions: RegExp) => assert.throws(fn, (err: unknown) => hasCode(err, 'INPUT_INVALID') && mentions.test((err as Error).message));

describe('time ranges', () => {
  it('parses ISO-8601 with a zone, dates, and epoch ms', () => {
    assert.equal(parseInstant('from', '2024-06-01T12:00:00Z'), Date.UTC(2024, 5, 1, 12));
    assert.equal(parseInstant('from', '2024-06-01T14:00:00.250+02:00'), Date.UTC(2024, 5, 1, 12, 0, 0, 250));
    assert.equal(parseInstant('from', '2024-06-01'), Date.UTC(2024, 5, 1));
    assert.equal(parseInstant('from', String(NOW)), NOW);
  });

  it('refuses ambiguous or malformed instants, naming the parameter', () => {
    invalid(() => parseInstant('to', '2024-06-01T12:00:00'), /'to'.*time zone/);
    invalid(() => parseInstant('from', '1718452800'), /'from'.*seconds/);
    invalid(() => parseInstant('from', 'yesterday'), /'from'/);
    invalid(() => parseInstant('from', '2024-13-45T00:00:00Z'), /'from'/);
    invalid(() => parseInstant('from', '-5'), /'from'/);
  });

  it('defaults to the last 24 h and checks order and length', () => {
    assert.deepEqual(resolveTimeRange({}, NOW, 31 * DAY), { fromMs: NOW - DAY, toMs: NOW });
    assert.deepEqual(resolveTimeRange({ to: String(NOW - DAY) }, NOW, 31 * DAY), { fromMs: NOW - 2 * DAY, toMs: NOW - DAY });
    assert.deepEqual(resolveTimeRange({ from: String(NOW - 3 * DAY) }, NOW, 31 * DAY), { fromMs: NOW - 3 * DAY, toMs: NOW });
    assert.deepEqual(resolveTimeRange({ from: String(NOW), to: String(NOW) }, NOW, 31 * DAY), { fromMs: NOW, toMs: NOW });
    invalid(() => resolveTimeRange({ from: String(NOW), to: String(NOW - 1) }, NOW, 31 * DAY), /'from'.*after 'to'/);
    invalid(() => resolveTimeRange({ from: String(NOW - 31 * DAY - 1) }, NOW, 31 * DAY), /over the 31d limit \(API_MAX_RANGE\)/);
    assert.equal(formatDuration(90 * 60_000), '90m');
    assert.equal(formatDuration(1_500), '1.5s');
  });
});

describe('cursors', () => {
  const patterns = [KEY_TYPES.time.pattern, KEY_TYPES.string.pattern];

  it('round-trip the sort key and the pinned range', () => {
    const cursor = { key: ['2024-06-01 12:00:00.000', "it's ok"], range: [NOW - DAY, NOW] as const };
    assert.deepEqual(decodeCursor(encodeCursor(cursor), patterns), cursor);
    assert.deepEqual(decodeCursor(encodeCursor({ key: ['2024-06-01 12:00:00.000', 'x'] }), patterns), { key: ['2024-06-01 12:00:00.000', 'x'], range: undefined });
  });

  it('refuse anything this API did not make', () => {
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const text of ['nope', forged({ k: ['x'] }), forged({ k: ["2024-06-01' OR 1=1 --", 'a'] }), forged({ k: ['2024-06-01 12:00:00.000', 5] }), forged({ k: ['2024-06-01 12:00:00.000', 'a'], r: [2, 1] }), forged(null)]) {
      invalid(() => decodeCursor(text, patterns), /'cursor'/);
    }
  });
});

describe('ClickHouse failures', () => {
  it('are 503 CLICKHOUSE_UNAVAILABLE when ClickHouse is unreachable, and internal otherwise', async () => {
    const failing = (err: unknown) => clickhouseQuery({ query: async () => Promise.reject(err) } as unknown as Parameters<typeof clickhouseQuery>[0]);
    await assert.rejects(failing(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:8123'), { code: 'ECONNREFUSED' }))('SELECT 1', {}), (err: unknown) => hasCode(err, 'CLICKHOUSE_UNAVAILABLE') && (err as { retriable: boolean }).retriable);
    await assert.rejects(failing(new Error('Code: 47. Unknown identifier'))('SELECT 1', {}), (err: unknown) => !hasCode(err, 'CLICKHOUSE_UNAVAILABLE') && /query failed/.test((err as Error).message));
  });
});
