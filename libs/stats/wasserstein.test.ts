import { test } from 'node:test';
import { assertStatistic } from '../../test/reference/assert-close.ts';
import { loadStatsCases } from '../../test/reference/reference-cases.ts';
import { sortAscending } from './sort.ts';
import { normedWassersteinSorted, populationStd, wassersteinDistanceSorted } from './wasserstein.ts';

const cases = loadStatsCases();

for (const c of cases.wasserstein) {
  test(`Wasserstein matches scipy.stats.wasserstein_distance: ${c.name}`, () => {
    const ref = sortAscending(Float64Array.from(c.reference));
    const cur = sortAscending(Float64Array.from(c.current));
    assertStatistic(wassersteinDistanceSorted(ref, cur), c.distance, 'distance');
    assertStatistic(populationStd(ref), c.std, 'std');
    assertStatistic(normedWassersteinSorted(ref, cur), c.normed, 'normed');
  });
}
