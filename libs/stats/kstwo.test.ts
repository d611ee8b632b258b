import { test } from 'node:test';
import { assertPValue } from '../../test/reference/assert-close.ts';
import { loadStatsCases } from '../../test/reference/reference-cases.ts';
import { kolmogorovTwoSidedSf } from './kstwo.ts';
import { smirnovSf } from './smirnov.ts';

const cases = loadStatsCases();

test('kstwo survival function matches scipy.stats.kstwo.sf over n ∈ [1, 4e5] and every branch', () => {
  for (const [n, x, expected] of cases.kstwo_sf) assertPValue(kolmogorovTwoSidedSf(n, x), expected, `kstwo.sf(${x}, ${n})`);
});

test('one-sided Smirnov survival function matches scipy.special.smirnov, n up to 2e6', () => {
  for (const [n, x, expected] of cases.smirnov_sf) assertPValue(smirnovSf(n, x), expected, `smirnov(${n}, ${x})`);
});
