import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { PredictionEvent } from '../../../libs/contracts/schemas.ts';
import { silentLogger } from '../../../libs/logging/logger.ts';
import { createRng } from '../../../libs/model/random.ts';
import type { ValidationSchema } from '../../../libs/validation/schema.ts';
import type { SchemaSnapshot } from '../validation/schema-provider.ts';
import type { IngestSpec } from './ingest-core.ts';
import type { PackedBatch } from './partition-aggregation.ts';
import { createPartitionIngest, packBatch, type PartitionIngest } from './partition-ingest.ts';

const spec: IngestSpec = { pipeline: 'test-pipeline', topic: 'test.predictions', windowSizeMs: 60_000, allowedLatenessMs: 5_000 };
const T0 = Date.UTC(2026, 0, 1);
/** A UUIDv7 from the event time and the index (newPredictionId adds random bits: two runs would differ). */
const predictionId = (i: number, tsMs: number) => {
  const t = tsMs.toString(16).padStart(12, '0');
  return `${t.slice(0, 8)}-${t.slice(8)}-7000-8000-${i.toString(16).padStart(12, '0')}`;
};

/** Deterministic per index: every script run hands over the same bytes. */
function event(i: number, tsMs: number): PredictionEvent {
  const rng = createRng(1000 + i);
  return {
    schema_version: 1,
    prediction_id: predictionId(i, tsMs),
    model: `m${i % 2}`,
    model_version: '1',
    ts: tsMs,
    features: { x: rng.normal(0, 1), y: i % 7 === 0 ? 250 : rng.normal(10, 2), c: `v${i % 3}` },
    outputs: { probability: rng.next() },
    latency_ms: rng.next() * 50,
    status: i % 50 === 0 ? 'error' : 'ok',
    node: 'test',
    execution_provider: 'cpu',
  };
}

/** Messages with offsets from `first`: mostly events (ts from `tsOf`), one undecodable value and one null. */
function messages(first: number, count: number, tsOf: (i: number) => number) {
  return Array.from({ length: count }, (_, k) => {
    const i = first + k;
    const value = i % 97 === 5 ? Buffer.from('{"schema_version":1,"model":') : i % 89 === 7 ? null : Buffer.from(JSON.stringify(event(i, tsOf(i))));
    return { offset: String(i), value };
  });
}

const schemas: SchemaSnapshot = {
  exact: [['m0', '1', { schema_version: 1, features: [{ name: 'x', type: 'numeric', required: true, max_null_rate: 0 }, { name: 'y', type: 'numeric', required: true, max_null_rate: 0, min: 0, max: 100 }] } as ValidationSchema]],
  byModel: [],
};

/** The same requests against an ingest; returns every answer. */
async function script(ingest: PartitionIngest) {
  ingest.setSchemas(schemas);
  ingest.open(0, { offset: -1, maxEventMs: null });
  ingest.open(1, { offset: 499, maxEventMs: T0 + 200_000 });
  const batch1 = messages(0, 300, (i) => T0 + i * 400); // two windows
  const b1 = ingest.ingest(0, packBatch(batch1));
  const d1 = ingest.drain(0);
  // Overlaps the first by 10 offsets (replays), and carries 20 events a window older than the watermark (late).
  const batch2 = messages(290, 200, (i) => (i >= 400 && i < 420 ? T0 : T0 + i * 400));
  const b2 = ingest.ingest(0, packBatch(batch2));
  const b3 = ingest.ingest(1, packBatch(messages(450, 100, (i) => T0 + 100_000 + i * 100)));
  const d2 = ingest.drain(0);
  const d3 = ingest.drain(1);
  const nothing = ingest.drain(0);
  return { outcomes: await Promise.all([b1, b2, b3]), drains: await Promise.all([d1, d2, d3, nothing]) };
}

const thread = createPartitionIngest({ spec, threaded: true, logger: silentLogger() });
const inline = createPartitionIngest({ spec, threaded: false, logger: silentLogger() });
after(async () => {
  await thread.close();
  await inline.close();
});

/** processor_chunks rows of a drained body: [partition, chunk_offset, model, window_start, part, events, late]. */
const rowsOf = (body: string) =>
  body
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t'))
    .map((f) => ({ partition: Number(f[2]), offset: Number(f[3]), model: f[4]!, windowStart: f[6]!, part: f[8]!, events: Number(f[9]), late: Number(f[10]), state: f[11]! }));

test('the ingest thread answers exactly what the event loop computes, byte for byte', async () => {
  const [a, b] = [await script(thread), await script(inline)];
  assert.equal(thread.mode, 'thread');
  assert.equal(inline.mode, 'inline');
  assert.deepEqual(a, b);
});

test('batches are decoded, windowed and counted; a drain covers exactly what was handed over before it', async () => {
  const { outcomes, drains } = await script(inline);
  const [b1, b2, b3] = outcomes;
  const [d1, d2, d3, nothing] = drains;
  const bad1 = [5, 102, 199, 296].length; // i % 97 === 5 below 300
  const null1 = [7, 96, 185, 274].length; // i % 89 === 7
  assert.deepEqual(
    { consumed: b1!.consumed, late: b1!.late, replays: b1!.replays, dead: b1!.dead.length, lastOffset: b1!.lastOffset },
    { consumed: 300, late: 0, replays: 0, dead: bad1 + null1, lastOffset: 299 },
  );
  assert.match(b1!.dead[0]!.reason, /not JSON/);
  assert.match(b1!.dead.find((d) => d.index === 7)!.reason, /empty message value/);
  assert.equal(b2!.replays, 10);
  assert.equal(b2!.consumed, 190);
  assert.equal(b2!.late, 20); // offsets 400..419 carry T0, a window closed long ago
  assert.equal(b3!.replays, 50); // partition 1 restored at offset 499
  assert.equal(b3!.consumed, 50);
  // Its restored watermark (max event time T0+200 s, lateness 5 s) had closed their window already: late, all but one null value.
  assert.equal(b3!.late, 49);

  const meta = (body: string) => rowsOf(body).filter((r) => r.part === 'meta');
  assert.equal(d1!.offset, 299);
  assert.equal(meta(d1!.body).reduce((n, r) => n + r.events, 0), 300 - bad1 - null1);
  assert.ok(rowsOf(d1!.body).every((r) => r.offset === 299 && r.partition === 0));
  assert.equal(d2!.offset, 489);
  const lateRows = meta(d2!.body).filter((r) => r.late > 0);
  assert.equal(lateRows.reduce((n, r) => n + r.late, 0), 20);
  assert.equal(d3!.offset, 549);
  assert.equal(d3!.maxEventMs, T0 + 200_000);
  assert.equal(nothing, undefined);
  // Validation ran against the pushed schema: y > 100 on every 7th event of m0 is a range violation.
  const validation = rowsOf(d1!.body).find((r) => r.model === 'm0' && r.part === 'validation');
  assert.match(validation!.state, /"range","y",\d+/);
  // Every numeric value of the window is there, bit-exact (base64 float64), one part per feature.
  assert.deepEqual([...new Set(rowsOf(d1!.body).map((r) => r.part))].sort(), ['drift:c', 'drift:x', 'drift:y', 'meta', 'slo', 'validation']);
});

test('a partition that is not open is refused with WORKER_FAILED; the thread keeps serving', async () => {
  await assert.rejects(thread.ingest(9, packBatch(messages(0, 3, () => T0))), (err: Error & { code?: string }) => err.code === 'WORKER_FAILED' && /partition 9 is not open/.test(err.message));
  thread.open(9, { offset: -1, maxEventMs: null });
  assert.equal((await thread.ingest(9, packBatch(messages(0, 3, () => T0)))).consumed, 3);
});

test('packBatch keeps values end to end, null as an empty slice, offsets as numbers', () => {
  const packed: PackedBatch = packBatch([
    { offset: '10', value: Buffer.from('ab') },
    { offset: '11', value: null },
    { offset: '12', value: Buffer.from('cde') },
  ]);
  assert.equal(Buffer.from(packed.values).toString(), 'abcde');
  assert.deepEqual([...packed.ends], [2, 2, 5]);
  assert.deepEqual([...packed.offsets], [10, 11, 12]);
});
