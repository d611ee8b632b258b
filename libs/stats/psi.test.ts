import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertStatistic } from '../../test/reference/assert-close.ts';
import { loadStatsCases } from '../../test/reference/reference-cases.ts';
import { alignCategoryCounts, countSortedIntoBins, referenceQuantileEdges } from './binning.ts';
import { jensenShannonDistance } from './jensen-shannon.ts';
import { categoricalPsi, numericPsi, populationStabilityIndex } from './psi.ts';
import { sortAscending } from './sort.ts';

const cases = loadStatsCases();

for (const c of cases.bins.numeric) {
  test(`numeric bins, PSI and JS match numpy: ${c.name}`, () => {
    const ref = sortAscending(Float64Array.from(c.reference));
    const cur = sortAscending(Float64Array.from(c.current));
    const edges = referenceQuantileEdges(ref, c.bins);
    // Same quantile formula as numpy: the edges agree bit for bit.
    assert.deepEqual([...edges], c.edges);
    assert.deepEqual([...countSortedIntoBins(ref, edges)], c.reference_counts);
    assert.deepEqual([...countSortedIntoBins(cur, edges)], c.current_counts);
    const refCounts = countSortedIntoBins(ref, edges);
    const curCounts = countSortedIntoBins(cur, edges);
    assertStatistic(populationStabilityIndex(refCounts, curCounts), c.psi, 'PSI');
    assertStatistic(numericPsi(ref, cur, c.bins), c.psi, 'numericPsi');
    assertStatistic(jensenShannonDistance(refCounts, curCounts), c.jensen_shannon, 'Jensen–Shannon');
  });
}

for (const c of cases.bins.categorical) {
  test(`categorical PSI and JS match numpy/scipy: ${c.name}`, () => {
    const aligned = alignCategoryCounts(new Map(Object.entries(c.reference)), new Map(Object.entries(c.current)));
    assertStatistic(populationStabilityIndex(aligned.reference, aligned.current), c.psi, 'PSI');
    assertStatistic(categoricalPsi(new Map(Object.entries(c.reference)), new Map(Object.entries(c.current))), c.psi, 'categoricalPsi');
    assertStatistic(jensenShannonDistance(aligned.reference, aligned.current), c.jensen_shannon, 'Jensen–Shannon');
  });
}

test('bin count must be a positive integer', () => {
  assert.throws(() => referenceQuantileEdges(Float64Array.of(1, 2), 0), RangeError);
  assert.throws(() => referenceQuantileEdges(Float64Array.of(1, 2), 2.5), RangeError);
});
