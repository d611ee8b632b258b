import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose, assertPValue, assertStatistic } from '../../test/reference/assert-close.ts';
import { loadStatsCases } from '../../test/reference/reference-cases.ts';
import { chiSquareHomogeneity, chiSquareSf } from './chi-square.ts';

const cases = loadStatsCases();

test('chi-square survival function matches scipy.stats.chi2.sf to 1e-12 relative (dof 1 … 1e5)', () => {
  for (const [dof, x, expected] of cases.chi2_sf) {
    // 1e-12 relative; absolute 1e-300 only lets both-underflowed values pass.
    assertClose(chiSquareSf(dof, x), expected, 1e-12, 1e-300, `chi2.sf(${x}, ${dof})`);
  }
});

for (const c of cases.chi2) {
  test(`chi-square homogeneity matches chi2_contingency(correction=False): ${c.name}`, () => {
    const result = chiSquareHomogeneity(c.reference, c.current);
    assertStatistic(result.statistic, c.statistic, 'statistic');
    assertPValue(result.pValue, c.p_value, 'p-value');
    assert.equal(result.dof, c.dof);
  });
}

test('chi-square refuses an empty side', () => {
  assert.throws(() => chiSquareHomogeneity([0, 0], [1, 2]), RangeError);
});
