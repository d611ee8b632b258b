import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadStatsCases } from '../../test/reference/reference-cases.ts';
import { assertColumnMatches, thresholdsFromPython } from '../../test/reference/report-json.ts';
import { computeColumnReport, computeDatasetReport } from './column-report.ts';
import { decideDatasetDrift, DEFAULT_DRIFT_THRESHOLDS, resolveThresholds } from './drift-decision.ts';
import { addCategory, createCategoricalState, numericStateOf, type ColumnState } from './partial-state.ts';

const cases = loadStatsCases();

/** A column state from raw cells (null = missing), as a loader would build it. */
export function stateOf(kind: 'numerical' | 'categorical', cells: ReadonlyArray<number | string | null>): ColumnState {
  if (kind === 'numerical') return numericStateOf(Float64Array.from(cells, (v) => (v === null ? NaN : Number(v))));
  const state = createCategoricalState();
  for (const cell of cells) addCategory(state, cell === null ? null : String(cell));
  return state;
}

for (const c of cases.reports) {
  test(`column report matches the numpy/scipy reference: ${c.name}`, () => {
    const report = computeColumnReport(c.name, stateOf(c.kind, c.reference), stateOf(c.kind, c.current), {
      bins: c.options.bins,
      thresholds: thresholdsFromPython(c.options.thresholds),
    });
    assertColumnMatches(report, c.expected);
    assert.ok(!JSON.stringify(report).includes('NaN'));
  });
}

test('a column numeric on one side and categorical on the other is compared as categorical', () => {
  const report = computeColumnReport('mixed', stateOf('numerical', [1, 2, 2, null]), stateOf('categorical', ['1', '2', 'x']));
  assert.equal(report.kind, 'categorical');
  assert.equal(report.chiSquare?.dof, 2); // categories 1, 2, x
  assert.equal(report.ks, null);
});

test('per-column thresholds override the dataset thresholds', () => {
  const reference = () => stateOf('numerical', [1, 2, 3, 4, 5, 6, 7, 8]);
  const current = () => stateOf('numerical', [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5]);
  const strict = computeColumnReport('a', reference(), current(), { thresholds: { ksPValue: 0.05 }, columnThresholds: { a: { ksPValue: 1 } } });
  assert.equal(strict.drift?.threshold, 1);
  assert.equal(strict.drift?.drifted, true);
});

test('dataset drift share counts evaluated columns only and compares with ≥', () => {
  assert.deepEqual(decideDatasetDrift([true, false, true, false], DEFAULT_DRIFT_THRESHOLDS), { driftShare: 0.5, datasetDrift: true });
  assert.deepEqual(decideDatasetDrift([], DEFAULT_DRIFT_THRESHOLDS), { driftShare: 0, datasetDrift: false });
  const report = computeDatasetReport([
    { name: 'empty', reference: stateOf('numerical', [null]), current: stateOf('numerical', [1]) },
    { name: 'same', reference: stateOf('categorical', ['a', 'b']), current: stateOf('categorical', ['a', 'b']) },
  ]);
  assert.equal(report.columns[0]!.drift, null);
  assert.equal(report.driftShare, 0);
});

test('resolveThresholds overlays overrides on the defaults', () => {
  const t = resolveThresholds({ jensenShannon: 0.2 }, undefined, { datasetDriftShare: 0.3 });
  assert.equal(t.jensenShannon, 0.2);
  assert.equal(t.datasetDriftShare, 0.3);
  assert.equal(t.ksPValue, DEFAULT_DRIFT_THRESHOLDS.ksPValue);
});
