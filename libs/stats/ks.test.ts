import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertPValue, assertStatistic } from '../../test/reference/assert-close.ts';
import { loadStatsCases } from '../../test/reference/reference-cases.ts';
import { ksTwoSampleSorted } from './ks.ts';
import { sortAscending } from './sort.ts';

const cases = loadStatsCases();

for (const c of cases.ks) {
  test(`KS matches scipy ks_2samp: ${c.name} (n=${c.a.length}/${c.b.length})`, () => {
    const result = ksTwoSampleSorted(sortAscending(Float64Array.from(c.a)), sortAscending(Float64Array.from(c.b)));
    assertStatistic(result.statistic, c.statistic, 'statistic');
    assertPValue(result.pValue, c.p_value, 'p-value');
    assert.equal(result.method, c.method);
  });
}

test('KS reference cases cover both regimes and the exact-to-asymptotic fallback', () => {
  const exactMax = Math.max(...cases.ks.filter((c) => c.method === 'exact').map((c) => Math.max(c.a.length, c.b.length)));
  const asymptotic = cases.ks.filter((c) => c.method === 'asymptotic');
  assert.equal(exactMax, 10000);
  assert.ok(asymptotic.some((c) => Math.max(c.a.length, c.b.length) === 10001));
  assert.ok(asymptotic.some((c) => Math.max(c.a.length, c.b.length) <= 10000), 'a fallback case');
  assert.ok(cases.ks.some((c) => c.p_value < 1e-12) && cases.ks.some((c) => c.p_value > 0.99));
});

test('KS refuses empty samples', () => {
  assert.throws(() => ksTwoSampleSorted(new Float64Array(0), Float64Array.of(1)), RangeError);
});
