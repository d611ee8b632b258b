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
import { GridCounts, ReferenceGrid, referenceGridPoints } from '../../../libs/stats/reference-grid.ts';
import { decodeInto, encodeGridValues } from './column-codec.ts';

const rng = createRng(31);

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
      decodeInto(encodeGridValues(grid, 'k', values), { numeric: decoded, categorical: createCategoricalState(), gridKey: 'k' });
      assert.equal(decoded.total, size);
      assert.deepEqual(decoded.sortedValues(), expected.sortedValues(), `${size} values`);
    }
  });
}

/** The older grid state coding ("s": a (step, count) varint pair per run of equal codes), as chunks before 2026-12-06 carry it. */
function pairCoded(grid: ReferenceGrid, key: string, values: Float64Array): string {
  const codes = [...values].map((v) => grid.code(v)).filter((c) => c >= 0).sort((a, b) => a - b);
  const bytes: number[] = [];
  const varint = (value: number) => {
    let v = value;
    while (v >= 0x80) {
      bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
  };
  let previous = 0;
  for (let i = 0; i < codes.length; ) {
    let j = i;
    while (j < codes.length && codes[j] === codes[i]) j++;
    varint(codes[i]! - previous);
    varint(j - i);
    previous = codes[i]!;
    i = j;
  }
  return `{"g":${JSON.stringify(key)},"s":"${Buffer.from(bytes).toString('base64')}"}`;
}

test('grid states of the older pair coding still decode, to the same counts; the run coding is smaller', () => {
  const sample = Float64Array.from({ length: 5_000 }, () => rng.normal(0, 1)).sort();
  const grid = new ReferenceGrid(referenceGridPoints(sample, 10));
  // A window chunk's worth of values (spread: mostly runs of one) and one with many ties (where the two codings are about even).
  for (const values of [Float64Array.from({ length: 500 }, () => rng.normal(0.3, 1)), Float64Array.from({ length: 3_000 }, () => Math.round(rng.normal(0, 1) * 10) / 10)]) {
    const inRange = values.filter((v) => grid.code(v) >= 0);
    const fromPairs = new GridCounts(grid);
    decodeInto(pairCoded(grid, 'k', inRange), { numeric: fromPairs, categorical: createCategoricalState(), gridKey: 'k' });
    const fromRuns = new GridCounts(grid);
    const runs = encodeGridValues(grid, 'k', inRange);
    decodeInto(runs, { numeric: fromRuns, categorical: createCategoricalState(), gridKey: 'k' });
    assert.equal(fromPairs.total, inRange.length);
    assert.deepEqual(fromRuns.sortedValues(), fromPairs.sortedValues());
  }
  const spread = Float64Array.from({ length: 500 }, () => rng.normal(0, 1)).filter((v) => grid.code(v) >= 0);
  // Mostly runs of one value: fewer bytes than the pairs (the processors benchmark's chunks: ~2.3 vs 2.85 bytes per value).
  const runChars = encodeGridValues(grid, 'k', spread).length;
  const pairChars = pairCoded(grid, 'k', spread).length;
  assert.ok(runChars < 0.9 * pairChars, `run coding ${runChars} chars, pairs ${pairChars}`);
});

test('a run coded with a count below 2 is refused as a corrupt chunk', () => {
  const grid = new ReferenceGrid(referenceGridPoints(Float64Array.from([1, 2, 3]), 10));
  // Step 1 with the count flag (1 * 2 + 1 = 3), then a count of 1.
  const state = `{"g":"k","r":"${Buffer.from([3, 1]).toString('base64')}"}`;
  assert.throws(() => decodeInto(state, { numeric: new GridCounts(grid), categorical: createCategoricalState(), gridKey: 'k' }), /run of 1 values flagged/);
});
