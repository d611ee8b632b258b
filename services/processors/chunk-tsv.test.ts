import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createClickHouse, insertTabSeparated, queryRows } from '../../libs/clickhouse/client.ts';
import { CHUNK_COLUMNS, encodeChunkRows, encodeChunkRowsOf, tsvDateTime64, tsvString, type StoredChunkRow } from './chunk-tsv.ts';

const ch = await createClickHouse({ dataDir: mkdtempSync(join(tmpdir(), 'driftline-chunk-tsv-')) });
after(() => ch.close());

test('TabSeparated escaping covers backslash, tab, newline and carriage return, and nothing else', () => {
  assert.equal(tsvString('plain {"n":"QUJD+/="}'), 'plain {"n":"QUJD+/="}');
  assert.equal(tsvString('a\\b\tc\nd\re'), 'a\\\\b\\tc\\nd\\re');
  assert.equal(tsvDateTime64(0), '1970-01-01 00:00:00.000');
  assert.equal(tsvDateTime64(1_700_000_000_123), '2023-11-14 22:13:20.123');
});

test('rows sharing their checkpoint key and window encode as each row written out in full', () => {
  const key = { pipeline: 'p\tipe', topic: 't', partition: 3, chunk_offset: 42 };
  const w = (model: string, start: number) => ({ model, model_version: 'v\\1', window_start: start, window_end: start + 60_000 });
  // Runs of one window, a change of model only, of start only, and a window coming back after another.
  const windows = [w('a', 0), w('a', 0), w('b', 0), w('b', 60_000), w('a', 0), w('a', 0)];
  const rows = windows.map((win, i) => ({ ...win, part: i % 2 ? 'meta' : `drift:x${i}`, events: i, late_events: 0, state: i === 2 ? 'tab\there' : `{"s":"${i}"}` }));
  const full = encodeChunkRows(rows.map((r) => ({ ...key, ...r })));
  assert.equal(encodeChunkRowsOf(key, rows), full);
  const perRow = rows.map((r) => encodeChunkRows([{ ...key, ...r }])).join('');
  assert.equal(full, perRow);
  // Rows with their own keys: a key change in the middle is written too.
  const mixed = rows.map((r, i) => ({ ...key, chunk_offset: i < 3 ? 42 : 43, ...r }));
  assert.equal(encodeChunkRows(mixed), mixed.map((r) => encodeChunkRows([r])).join(''));
  assert.match(encodeChunkRows(mixed).split('\n')[3]!, /^p\\tipe\tt\t3\t43\tb\t/);
});

test('chunk rows written as TabSeparated (chDB raw insert and the HTTP client path) read back byte for byte', async () => {
  await ch.command({
    query: `CREATE TABLE chunks_tsv_test (pipeline LowCardinality(String), topic LowCardinality(String), partition UInt32, chunk_offset Int64,
      model LowCardinality(String), model_version LowCardinality(String), window_start DateTime64(3, 'UTC'), window_end DateTime64(3, 'UTC'),
      part LowCardinality(String), events UInt64, late_events UInt64, state String) ENGINE = MergeTree ORDER BY (partition, chunk_offset)`,
  });
  const nasty = ['', 'tab\there', 'new\nline', 'back\\slash\\n', 'cr\r', 'ünïcødé – 中文 🙂', '{"c":[["a\\"b",2]]}', '\\\t\n\\'];
  const rows: StoredChunkRow[] = nasty.map((state, i) => ({
    pipeline: 'p\tipe',
    topic: 'driftline.predictions',
    partition: i,
    chunk_offset: 1_000_000 + i,
    model: `m\\${i}`,
    model_version: 'v\n1',
    window_start: 1_700_000_000_000 + i * 60_000,
    window_end: 1_700_000_060_000 + i * 60_000,
    part: `drift:feature ${i}`,
    events: i * 3,
    late_events: i,
    state,
  }));
  // The embedded client takes chDB's raw Buffer insert; a wrapper the embedded map does not know takes
  // client.insert, the path a ClickHouse server deployment uses.
  const viaClient = new Proxy(ch, {
    get: (target, prop) => {
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  for (const [path, client] of [['raw', ch], ['client', viaClient]] as const) {
    await ch.command({ query: 'TRUNCATE TABLE chunks_tsv_test' });
    await insertTabSeparated(client, { table: 'chunks_tsv_test', columns: CHUNK_COLUMNS, body: encodeChunkRows(rows) });
    const back = await queryRows<Record<string, unknown>>(
      ch,
      `SELECT pipeline, topic, partition, chunk_offset, model, model_version, toUnixTimestamp64Milli(window_start) AS window_start,
              toUnixTimestamp64Milli(window_end) AS window_end, part, events, late_events, state FROM chunks_tsv_test ORDER BY partition`,
    );
    assert.deepEqual(
      back.map((r) => ({ ...r, chunk_offset: Number(r.chunk_offset), window_start: Number(r.window_start), window_end: Number(r.window_end), events: Number(r.events), late_events: Number(r.late_events) })),
      rows,
      `${path} path`,
    );
  }
});
