import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../model/random.ts';
import { GridCounts, levelOfCode, POSITION_LEVELS, ReferenceGrid, referenceGridPoints, slotOfCode } from './reference-grid.ts';
import { referenceQuantileEdges } from './binning.ts';

/** Points strictly below v, by a linear scan: the definition the bucketed search must agree with. */
function lowerBoundByScan(points: Float64Array, v: number): number {
  let k = 0;
  while (k < points.length && points[k]! < v) k++;
  return k;
}

const rng = createRng(7);
const samples: Record<string, Float64Array> = {
  normal: Float64Array.from({ length: 5_000 }, () => rng.normal(3, 2)),
  // Skewed like an income: most points crowd a small part of the range, so buckets hold many points.
  lognormal: Float64Array.from({ length: 5_000 }, () => Math.exp(rng.normal(10, 1.5))),
  // Few distinct values with ties.
  rounded: Float64Array.from({ length: 2_000 }, () => Math.round(rng.normal(0, 3))),
  // Near the grid's size limit (MAX_GRID_POINTS): the bucket table's 16-bit counts are at their largest.
  largest: Float64Array.from({ length: 31_980 }, () => rng.normal(0, 1)),
  single: Float64Array.from([4.5]),
};

for (const [name, sample] of Object.entries(samples)) {
  test(`grid codes agree with a linear scan: ${name}`, () => {
    const sorted = sample.slice().sort();
    const points = referenceGridPoints(sorted, 10);
    for (const edge of referenceQuantileEdges(sorted, 10)) assert.ok(points.includes(edge), 'PSI edges are grid points');
    const grid = new ReferenceGrid(points);
    const probes = [...points, ...Array.from({ length: 3_000 }, () => sorted[Math.floor(rng.next() * sorted.length)]! * (1 + (rng.next() - 0.5) * 0.01)), points[0]! - 1, points.at(-1)! + 1];
    for (const v of probes) {
      const code = grid.code(v);
      const k = lowerBoundByScan(points, v);
      if (v < points[0]! || v > points.at(-1)!) {
        assert.equal(code, -1, `${v} is a tail value`);
        continue;
      }
      const slot = slotOfCode(code);
      if (points[k] === v) assert.equal(slot, 2 * k + 1, `${v} equals point ${k}`);
      else {
        assert.equal(slot, 2 * k, `${v} lies between points ${k - 1} and ${k}`);
        const level = levelOfCode(code);
        const a = points[k - 1]!;
        const b = points[k]!;
        assert.ok(level >= 0 && level < POSITION_LEVELS);
        // The level is the position inside the interval, to 1/LEVELS.
        assert.ok(Math.abs((v - a) / (b - a) - (level + 0.5) / POSITION_LEVELS) <= 0.5 / POSITION_LEVELS + 1e-9);
        const p = grid.position(slot, level);
        assert.ok(p > a && p < b, 'a stand-in value stays inside its interval');
      }
    }
  });
}

test('grid counts rebuild the sorted values: grid points exact, tails exact, interval values in their interval', () => {
  const grid = new ReferenceGrid(Float64Array.from([0, 1, 2, 3]));
  const counts = new GridCounts(grid);
  for (const v of [2, -5, 0.25, 0.3, 3, 7, 1, 1, 2.99]) counts.addValue(v);
  const values = [...counts.sortedValues()];
  assert.equal(values.length, 9);
  assert.deepEqual(values.filter((v) => v < 0 || v > 3), [-5, 7]);
  assert.deepEqual(values.filter((v) => Number.isInteger(v) && v >= 0 && v <= 3), [1, 1, 2, 3]);
  const inside = values.filter((v) => !Number.isInteger(v));
  assert.equal(inside.length, 3);
  // Each interval value at the middle of its 1/LEVELS level.
  assert.equal(inside[0], (Math.floor(0.25 * POSITION_LEVELS) + 0.5) / POSITION_LEVELS);
  assert.equal(inside[1], (Math.floor(0.3 * POSITION_LEVELS) + 0.5) / POSITION_LEVELS);
  assert.equal(inside[2], 2 + (Math.floor(0.99 * POSITION_LEVELS) + 0.5) / POSITION_LEVELS);
  assert.deepEqual(values, values.slice().sort((a, b) => a - b));
});

test('a grid needs strictly ascending points', () => {
  assert.throws(() => new ReferenceGrid(Float64Array.from([1, 1])), /strictly ascending/);
  assert.throws(() => new ReferenceGrid(new Float64Array(0)), /at least one point/);
});

test('grid counts merge in any order: large counts, repeated codes, tails', () => {
  const grid = new ReferenceGrid(Float64Array.from([0, 1, 2, 3]));
  const a = new GridCounts(grid);
  const b = new GridCounts(grid);
  a.addCode(grid.code(0.5), 1_000_000);
  b.addCode(grid.code(0.5), 3);
  b.addCode(grid.code(2), 2);
  b.addValue(-1);
  a.addValue(9);
  const ab = new GridCounts(grid);
  ab.addAll(a);
  ab.addAll(b);
  const ba = new GridCounts(grid);
  ba.addAll(b);
  ba.addAll(a);
  assert.equal(ab.total, 1_000_007);
  assert.deepEqual(ab.sortedValues(), ba.sortedValues());
  const values = ab.sortedValues();
  assert.equal(values[0], -1);
  assert.equal(values.filter((v) => v === 2).length, 2);
  assert.equal(values.at(-1), 9);
  assert.throws(() => a.addCode(grid.code(0.5), 2 ** 31), /grid count/);
  assert.throws(() => new ReferenceGrid(Float64Array.from({ length: 32_001 }, (_, i) => i)), /at most 32000 points/);
});
