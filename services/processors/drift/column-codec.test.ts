/**
 * A grid-shaped chunk state read back gives exactly the counts of its values
 * added one by one on the grid: interval codes (with ties, runs of equal
 * codes), grid points and exact tails, for chunks below and above the size
 * where encoding switches from the native sort to the radix sort of codes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../../libs/model/random.ts';
import { createCategoricalState } from '../../../libs/stats/partial-state.ts';
import { GridCounts, LEGACY_POSITION_LEVELS, POSITION_LEVELS, ReferenceGrid, referenceGridPoints, slotOfCode } from '../../../libs/stats/reference-grid.ts';
import { decodeInto, encodeGridValues } from './column-codec.ts';

const rng = createRng(31);
/** A grid key as gridKey() writes it (drift-grid.ts), and one of a chunk written before the position levels were named (64). */
const KEY = `1/1/10/levels=${POSITION_LEVELS}`;
const LEGACY_KEY = '1/1/10';

for (const points of [3, 2_000, 20_000]) {
  test(`encoded grid states decode to the counts of their values (${points}-point sample)`, () => {
    const sample = Float64Array.from({ length: points }, () => Math.round(rng.normal(0, 1) * 100) / 100).sort();
    const grid = new ReferenceGrid(referenceGridPoints(sample, 10));
    for (const size of [1, 40, 255, 256, 257, 3_000, 60_000]) {
      // A third of the values on the sample's 0.01 lattice (many equal a grid point), some beyond the sample's range.
      const values = Float64Array.from({ length: size }, () => {
        const v = rng.normal(0.2, 1.6);
        return rng.next() < 0.33 ? Math.round(v * 100) / 100 : v;
      });
      const expected = new GridCounts(grid);
      for (const v of values) expected.addValue(v);
      const decoded = new GridCounts(grid);
      decodeInto(encodeGridValues(grid, KEY, values), { numeric: decoded, categorical: createCategoricalState(), gridKey: KEY });
      assert.equal(decoded.total, size);
      assert.deepEqual(decoded.sortedValues(), expected.sortedValues(), `${size} values`);
    }
  });
}

/** A value's code at 64 position levels, as chunks written before 2026-12-07 carry it (-1 for a tail value). */
function legacyCode(grid: ReferenceGrid, v: number): number {
  const code = grid.code(v);
  if (code < 0) return -1;
  const slot = slotOfCode(code);
  if (slot % 2 === 1) return slot * LEGACY_POSITION_LEVELS;
  const a = grid.points[slot / 2 - 1]!;
  const b = grid.points[slot / 2]!;
  return slot * LEGACY_POSITION_LEVELS + Math.min(LEGACY_POSITION_LEVELS - 1, Math.max(0, Math.floor(((v - a) / (b - a)) * LEGACY_POSITION_LEVELS)));
}

function varints(values: number[]): string {
  const bytes: number[] = [];
  for (const value of values) {
    let v = value;
    while (v >= 0x80) {
      bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
  }
  return Buffer.from(bytes).toString('base64');
}

/** Runs of equal 64-level codes, as chunks written before 2026-12-07: "s" (a (step, count) varint pair per run, before 2026-12-06) or "r" (see encodeGridValues). */
function legacyCoded(grid: ReferenceGrid, values: Float64Array, coding: 's' | 'r'): string {
  const codes = [...values].map((v) => legacyCode(grid, v)).filter((c) => c >= 0).sort((a, b) => a - b);
  const out: number[] = [];
  let previous = 0;
  for (let i = 0; i < codes.length; ) {
    let j = i;
    while (j < codes.length && codes[j] === codes[i]) j++;
    const step = codes[i]! - previous;
    if (coding === 's') out.push(step, j - i);
    else if (j - i === 1) out.push(step * 2);
    else out.push(step * 2 + 1, j - i);
    previous = codes[i]!;
    i = j;
  }
  return `{"g":${JSON.stringify(LEGACY_KEY)},"${coding}":"${varints(out)}"}`;
}

test('grid states written at 64 position levels (before 2026-12-07), in either coding, decode to the counts of their values on this grid', () => {
  const sample = Float64Array.from({ length: 5_000 }, () => rng.normal(0, 1)).sort();
  const grid = new ReferenceGrid(referenceGridPoints(sample, 10));
  // A window chunk's worth of values (spread: mostly runs of one) and one with many ties.
  for (const values of [Float64Array.from({ length: 500 }, () => rng.normal(0.3, 1)), Float64Array.from({ length: 3_000 }, () => Math.round(rng.normal(0, 1) * 10) / 10)]) {
    const inRange = values.filter((v) => grid.code(v) >= 0);
    const expected = new GridCounts(grid);
    for (const v of inRange) expected.addValue(v);
    for (const coding of ['s', 'r'] as const) {
      const decoded = new GridCounts(grid);
      decodeInto(legacyCoded(grid, inRange, coding), { numeric: decoded, categorical: createCategoricalState(), gridKey: KEY });
      assert.equal(decoded.total, inRange.length);
      assert.deepEqual(decoded.sortedValues(), expected.sortedValues(), `"${coding}" coding, ${inRange.length} values`);
    }
  }
  // A chunk's worth of spread values takes about a quarter fewer bytes: more of its steps fit one varint byte.
  const spread = Float64Array.from({ length: 500 }, () => rng.normal(0, 1)).filter((v) => grid.code(v) >= 0);
  const now = Buffer.from((JSON.parse(encodeGridValues(grid, KEY, spread)) as { r: string }).r, 'base64').length;
  const before = Buffer.from((JSON.parse(legacyCoded(grid, spread, 'r')) as { r: string }).r, 'base64').length;
  assert.ok(now < 0.8 * before, `${now} bytes at ${POSITION_LEVELS} levels, ${before} at 64`);
});

test('a grid state coded coarser than this grid reads is refused, not guessed', () => {
  const grid = new ReferenceGrid(referenceGridPoints(Float64Array.from([1, 2, 3]), 10));
  const state = `{"g":"1/1/10/levels=2","r":"${varints([2])}"}`;
  assert.throws(() => decodeInto(state, { numeric: new GridCounts(grid), categorical: createCategoricalState(), gridKey: KEY }), /coded at 2 position levels/);
});

test('a run coded with a count below 2 is refused as a corrupt chunk', () => {
  const grid = new ReferenceGrid(referenceGridPoints(Float64Array.from([1, 2, 3]), 10));
  // Step 1 with the count flag (1 * 2 + 1 = 3), then a count of 1.
  const state = `{"g":${JSON.stringify(KEY)},"r":"${varints([3, 1])}"}`;
  assert.throws(() => decodeInto(state, { numeric: new GridCounts(grid), categorical: createCategoricalState(), gridKey: KEY }), /run of 1 values flagged/);
});
