import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { computeColumnHistogram, numericBinLabels } from './column-histogram.ts';
import { addCategory, createCategoricalState, numericStateOf, type CategoricalColumnState } from './partial-state.ts';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'reference', 'histogram_reference.py');

interface Expected { edges: number[] | null; categories: string[] | null; reference: number[]; current: number[] }

/** The numpy reference of test/reference/histogram_reference.py. */
function numpyHistograms(cases: unknown[]): Expected[] {
  const dir = mkdtempSync(join(tmpdir(), 'driftline-hist-'));
  try {
    const path = join(dir, 'cases.json');
    writeFileSync(path, JSON.stringify({ cases }));
    const result = spawnSync('python3', [SCRIPT, path], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) throw new Error(`histogram_reference.py failed: ${result.stderr}`);
    return JSON.parse(result.stdout) as Expected[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function categorical(values: string[]): CategoricalColumnState {
  const state = createCategoricalState();
  for (const v of values) addCategory(state, v);
  return state;
}

function assertShares(actual: number[], expected: number[], label: string): void {
  assert.equal(actual.length, expected.length, `${label}: bin count`);
  // Shares are stored with 6 significant digits.
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) <= 5e-6 * Math.max(1e-12, Math.abs(expected[i]!)) + 1e-15, `${label}[${i}]: ${a} vs numpy ${expected[i]}`));
}

test('numeric shares equal numpy quantile bins + searchsorted, for several bin counts and ties', () => {
  const random = lcg(7);
  const normal = () => random() + random() + random() - 1.5;
  const cases = [
    { kind: 'numerical', reference: Array.from({ length: 1000 }, () => 10 * normal()), current: Array.from({ length: 700 }, () => 10 * normal() + 3), bins: 10 },
    { kind: 'numerical', reference: Array.from({ length: 333 }, () => Math.floor(random() * 4)), current: Array.from({ length: 50 }, () => Math.floor(random() * 6)), bins: 10 },
    { kind: 'numerical', reference: Array.from({ length: 200 }, () => Math.exp(normal())), current: Array.from({ length: 200 }, () => Math.exp(normal())), bins: 4 },
    { kind: 'numerical', reference: [5, 5, 5], current: [4, 5, 6], bins: 10 },
  ] as const;
  const expected = numpyHistograms([...cases]);
  cases.forEach((c, k) => {
    const h = computeColumnHistogram(numericStateOf(Float64Array.from(c.reference)), numericStateOf(Float64Array.from(c.current)), { bins: c.bins });
    assert.ok(h, `case ${k}`);
    assert.equal(h.kind, 'numerical');
    assert.equal(h.labels.length, expected[k]!.edges!.length + 1, `case ${k}: one label per bin`);
    assertShares(h.reference, expected[k]!.reference, `case ${k} reference`);
    assertShares(h.current, expected[k]!.current, `case ${k} current`);
  });
});

test('categorical shares equal numpy counts over the union of categories', () => {
  const reference = ['a', 'b', 'b', 'c', 'c', 'c', 'é', '<x>'];
  const current = ['b', 'c', 'd', 'd', 'é'];
  const [expected] = numpyHistograms([{ kind: 'categorical', reference, current }]);
  const h = computeColumnHistogram(categorical(reference), categorical(current));
  assert.ok(h);
  assert.deepEqual(h.labels, expected!.categories);
  assertShares(h.reference, expected!.reference, 'reference');
  assertShares(h.current, expected!.current, 'current');
});

test('numeric on one side and categorical on the other is shown as categorical, as the report does', () => {
  const h = computeColumnHistogram(numericStateOf(Float64Array.from([1, 2, 2])), categorical(['1', 'x']));
  assert.deepEqual(h, { kind: 'categorical', labels: ['1', '2', 'x'], reference: [0.333333, 0.666667, 0], current: [0.5, 0, 0.5] });
});

test('many categories fold into one "(N others)" bin holding the rest of the shares', () => {
  const reference = Array.from({ length: 50 }, (_, i) => Array(i + 1).fill(`c${String(i).padStart(2, '0')}`)).flat();
  const h = computeColumnHistogram(categorical(reference), categorical(['c49', 'c48', 'new']), { maxCategories: 5 });
  assert.ok(h);
  assert.equal(h.labels.length, 5);
  // The largest on either side: c49, c48, c47 by reference share, `new` by current share.
  assert.deepEqual(h.labels, ['c47', 'c48', 'c49', 'new', '(47 others)']);
  const total = 50 * 51 / 2;
  assert.ok(Math.abs(h.reference[4]! - (total - 50 - 49 - 48) / total) < 1e-6);
  assert.equal(h.current[4], 0);
  assert.ok(Math.abs(h.reference.reduce((a, b) => a + b, 0) - 1) < 1e-5);
});

test('an empty reference has no histogram; an empty current side is all zeros', () => {
  assert.equal(computeColumnHistogram(numericStateOf(new Float64Array(0)), numericStateOf(Float64Array.from([1]))), null);
  assert.equal(computeColumnHistogram(categorical([]), categorical(['a'])), null);
  const h = computeColumnHistogram(numericStateOf(Float64Array.from([1, 2, 3, 4])), numericStateOf(new Float64Array(0)), { bins: 2 });
  assert.deepEqual(h?.current, [0, 0]);
  assert.deepEqual(h?.reference, [0.5, 0.5]);
});

test('bin labels name the bins (−∞,e1], (e1,e2], …, (ek,+∞) and stay distinct for close edges', () => {
  assert.deepEqual(numericBinLabels(Float64Array.from([1.5, 3])), ['≤ 1.5', '1.5 – 3', '> 3']);
  assert.deepEqual(numericBinLabels(Float64Array.from([1.00001, 1.00002])), ['≤ 1.00001', '1.00001 – 1.00002', '> 1.00002']);
  assert.deepEqual(numericBinLabels(new Float64Array(0)), ['all values']);
});
