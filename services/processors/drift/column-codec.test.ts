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
