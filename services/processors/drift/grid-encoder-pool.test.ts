/**
 * The grid encoder's worker thread gives the same chunk state, byte for
 * byte, as encoding inline; a closed encoder hands the work back to the
 * caller (inline), so a checkpoint never waits on a thread that is gone.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { silentLogger } from '../../../libs/logging/logger.ts';
import { createRng } from '../../../libs/model/random.ts';
import { ReferenceGrid, referenceGridPoints } from '../../../libs/stats/reference-grid.ts';
import { encodeGridValues, GridAccumulator } from './column-codec.ts';
import { createGridEncoderPool } from './grid-encoder-pool.ts';

const rng = createRng(5);
const grid = new ReferenceGrid(referenceGridPoints(Float64Array.from({ length: 2_000 }, () => rng.normal(0, 1)).sort(), 10));
const pool = createGridEncoderPool({ logger: silentLogger() });
after(() => pool.close());

test('worker-encoded states equal inline ones, for every chunk of a checkpoint encoded at once', async () => {
  const chunks = Array.from({ length: 12 }, (_, c) => Float64Array.from({ length: 500 + 100 * c }, () => rng.normal(c / 10, 1.2)));
  const viaWorker = await Promise.all(chunks.map((values) => pool.encode(grid, 'm/1/10', values)));
  const inline = chunks.map((values) => encodeGridValues(grid, 'm/1/10', values.slice()));
  assert.deepEqual(viaWorker, inline);
  // A second grid goes to the worker too (grids are sent once each, by id).
  const other = new ReferenceGrid(Float64Array.from([0, 1, 2]));
  assert.equal(await pool.encode(other, 'm/2/10', Float64Array.from([0.5, 1, 3])), encodeGridValues(other, 'm/2/10', Float64Array.from([0.5, 1, 3])));
});

test('an accumulator with the encoder returns a promise of the same state; a closed encoder leaves it inline', async () => {
  const values = Array.from({ length: 1_000 }, () => rng.normal(0, 1));
  const viaPool = new GridAccumulator(grid, 'k', pool);
  const plain = new GridAccumulator(grid, 'k');
  for (const v of values) {
    viaPool.add(v);
    plain.add(v);
  }
  const pending = viaPool.encode();
  assert.ok(pending instanceof Promise);
  assert.equal(await pending, plain.encode());
  const closed = createGridEncoderPool({ logger: silentLogger() });
  await closed.ready(); // settles on the worker's "loaded" message
  await closed.close();
  await closed.ready(); // and at once without a worker
  assert.equal(closed.encode(grid, 'k', Float64Array.from(values)), undefined);
});

test('grids beyond the worker\'s bound are dropped there and sent again when needed: results unchanged', async () => {
  const small = createGridEncoderPool({ logger: silentLogger(), maxWorkerGridPoints: 25 });
  try {
    const grids = [0, 1, 2].map((g) => new ReferenceGrid(Float64Array.from({ length: 10 }, (_, i) => g * 100 + i)));
    for (let round = 0; round < 3; round++) {
      for (const [g, grid] of grids.entries()) {
        const values = Float64Array.from({ length: 50 }, () => g * 100 + rng.next() * 12 - 1);
        assert.equal(await small.encode(grid, `k${g}`, values), encodeGridValues(grid, `k${g}`, values.slice()));
      }
    }
  } finally {
    await small.close();
  }
});

test('one checkpoint\'s states on more grids than the worker keeps are encoded by the worker, in one message', async () => {
  // Warnings mean a state fell back to inline encoding, which would give the same text: the test counts them.
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  const small = createGridEncoderPool({ logger, maxWorkerGridPoints: 25 });
  try {
    const grids = [0, 1, 2, 3].map((g) => new ReferenceGrid(Float64Array.from({ length: 10 }, (_, i) => g * 100 + i)));
    // The second message starts with grids the worker holds (2, 3) and then needs room for 0 and 1: 2 and 3 must
    // not be dropped before the worker has used them.
    for (const order of [[0, 1, 2, 3], [2, 3, 0, 1]]) {
      const chunks = order.map((g) => Float64Array.from({ length: 40 }, () => g * 100 + rng.next() * 12 - 1));
      const viaWorker = await Promise.all(order.map((g, i) => small.encode(grids[g]!, `k${g}`, chunks[i]!)));
      assert.deepEqual(viaWorker, order.map((g, i) => encodeGridValues(grids[g]!, `k${g}`, chunks[i]!.slice())));
    }
    assert.deepEqual(warnings, []);
  } finally {
    await small.close();
  }
});
