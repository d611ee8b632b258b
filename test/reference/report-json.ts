/**
 * Helpers to compare Driftline column reports with the Python reference's
 * JSON-shaped reports (test/reference/drift_reference.py).
 */
import assert from 'node:assert/strict';
import type { ColumnReport } from '../../libs/stats/column-report.ts';
import type { DriftThresholds } from '../../libs/stats/drift-decision.ts';
import { assertPValue, assertStatistic } from './assert-close.ts';
import type { ExpectedColumnJson } from './reference-cases.ts';

const THRESHOLD_KEYS: Record<string, keyof DriftThresholds> = {
  small_reference_max_rows: 'smallReferenceMaxRows',
  few_values_max: 'fewValuesMax',
  ks_p_value: 'ksPValue',
  chi_square_p_value: 'chiSquarePValue',
  wasserstein_normed: 'wassersteinNormed',
  jensen_shannon: 'jensenShannon',
  dataset_drift_share: 'datasetDriftShare',
};

/** Python threshold names → DriftThresholds fields. */
export function thresholdsFromPython(python: Record<string, number> | undefined): Partial<DriftThresholds> {
  const out: Partial<DriftThresholds> = {};
  for (const [key, value] of Object.entries(python ?? {})) {
    const field = THRESHOLD_KEYS[key];
    assert.ok(field, `unknown threshold ${key}`);
    out[field] = value;
  }
  return out;
}

function nullable<A, E>(actual: A | null, expected: E | null, label: string, check: (a: A, e: E) => void): void {
  assert.equal(actual === null, expected === null, `${label}: ${actual} vs ${expected}`);
  if (actual !== null && expected !== null) check(actual, expected);
}

/** Asserts a ColumnReport equals the reference JSON within the test tolerances. */
export function assertColumnMatches(actual: ColumnReport, expected: ExpectedColumnJson): void {
  const label = expected.name;
  assert.equal(actual.name, expected.name);
  assert.equal(actual.kind, expected.kind, `${label}: kind`);
  assert.equal(actual.referenceCount, expected.reference_count, `${label}: reference_count`);
  assert.equal(actual.currentCount, expected.current_count, `${label}: current_count`);
  assertStatistic(actual.missing.reference, expected.missing.reference, `${label}: missing.reference`);
  assertStatistic(actual.missing.current, expected.missing.current, `${label}: missing.current`);
  nullable(actual.psi, expected.psi, `${label}: psi`, (a, e) => assertStatistic(a, e, `${label}: psi`));
  nullable(actual.jensenShannon, expected.jensen_shannon, `${label}: js`, (a, e) => assertStatistic(a, e, `${label}: js`));
  nullable(actual.wassersteinNormed, expected.wasserstein_normed, `${label}: wasserstein`, (a, e) =>
    assertStatistic(a, e, `${label}: wasserstein`),
  );
  nullable(actual.ks, expected.ks, `${label}: ks`, (a, e) => {
    assertStatistic(a.statistic, e.statistic, `${label}: ks.statistic`);
    assertPValue(a.pValue, e.p_value, `${label}: ks.p_value`);
    assert.equal(a.method, e.method, `${label}: ks.method`);
  });
  nullable(actual.chiSquare, expected.chi2, `${label}: chi2`, (a, e) => {
    assertStatistic(a.statistic, e.statistic, `${label}: chi2.statistic`);
    assertPValue(a.pValue, e.p_value, `${label}: chi2.p_value`);
    assert.equal(a.dof, e.dof, `${label}: chi2.dof`);
  });
  assert.equal(actual.drift?.method ?? null, expected.drift_method, `${label}: drift_method`);
  assert.equal(actual.drift?.drifted ?? null, expected.drifted, `${label}: drifted`);
  assert.equal(actual.drift?.threshold ?? null, expected.threshold, `${label}: threshold`);
  nullable(actual.drift?.score ?? null, expected.drift_score, `${label}: drift_score`, (a, e) =>
    actual.drift!.method === 'ks' || actual.drift!.method === 'chi_square'
      ? assertPValue(a, e, `${label}: drift_score`)
      : assertStatistic(a, e, `${label}: drift_score`),
  );
  if (actual.drift === null) assert.ok(actual.message, `${label}: an unevaluated column carries a message`);
}
