import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadStatsCases } from '../../test/reference/reference-cases.ts';
import { assertColumnMatches, thresholdsFromPython } from '../../test/reference/report-json.ts';
import { computeColumnReport } from './column-report.ts';
import {
  addCategory,
  addNumeric,
  createCategoricalState,
  createNumericState,
  merge,
  sortedValues,
  type ColumnState,
} from './partial-state.ts';

const cases = loadStatsCases();

/** Splits cells into `parts` contiguous pieces of uneven sizes. */
function split<T>(cells: readonly T[], parts: number): T[][] {
  const pieces: T[][] = [];
  let start = 0;
  for (let p = 0; p < parts; p++) {
    const end = p === parts - 1 ? cells.length : Math.min(cells.length, start + Math.ceil(((p + 1) * cells.length) / (parts * (p + 1.5))));
    pieces.push(cells.slice(start, end));
    start = end;
  }
  return pieces;
}

function stateOfPiece(kind: 'numerical' | 'categorical', cells: ReadonlyArray<number | string | null>): ColumnState {
  if (kind === 'numerical') {
    const state = createNumericState(1);
    for (const cell of cells) addNumeric(state, cell === null ? null : Number(cell));
    return state;
  }
  const state = createCategoricalState();
  for (const cell of cells) addCategory(state, cell === null ? null : String(cell));
  return state;
}

/** Merges states left to right, right to left, or as a balanced tree. */
function mergeAll(states: ColumnState[], order: 'left' | 'right' | 'tree'): ColumnState {
  if (order === 'left') return states.reduce((a, b) => merge(a, b));
  if (order === 'right') return states.reduceRight((a, b) => merge(b, a));
  let level = states;
  while (level.length > 1) {
    const next: ColumnState[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? merge(level[i + 1]!, level[i]!) : level[i]!);
    level = next;
  }
  return level[0]!;
}

for (const c of cases.reports.slice(0, 8)) {
  test(`merged partial states give the single-pass numbers: ${c.name}`, () => {
    for (const order of ['left', 'right', 'tree'] as const) {
      const reference = mergeAll(split(c.reference, 4).map((p) => stateOfPiece(c.kind, p)), order);
      const current = mergeAll(split(c.current, 3).map((p) => stateOfPiece(c.kind, p)), order);
      const report = computeColumnReport(c.name, reference, current, {
        bins: c.options.bins,
        thresholds: thresholdsFromPython(c.options.thresholds),
      });
      assertColumnMatches(report, c.expected);
    }
  });
}

test('numeric merge is commutative and associative bit for bit', () => {
  const pieces = [[3, 1, null, 2], [-0, 0, 5], [2, 2, null, -1]].map((p) => stateOfPiece('numerical', p));
  const a = mergeAll(pieces, 'left');
  const b = mergeAll([...pieces].reverse(), 'tree');
  assert.equal(a.kind, 'numerical');
  assert.equal(b.kind, 'numerical');
  if (a.kind !== 'numerical' || b.kind !== 'numerical') return;
  assert.deepEqual([...sortedValues(a)].map(Math.abs), [...sortedValues(b)].map(Math.abs));
  assert.equal(a.missing, 2);
  assert.equal(b.missing, 2);
});

test('categorical merge adds counts', () => {
  const a = stateOfPiece('categorical', ['x', 'y', null]);
  const b = stateOfPiece('categorical', ['y', 'z']);
  const ab = merge(a, b);
  const ba = merge(b, a);
  assert.equal(ab.kind, 'categorical');
  if (ab.kind !== 'categorical' || ba.kind !== 'categorical') return;
  assert.deepEqual(new Map([...ab.counts].sort()), new Map([...ba.counts].sort()));
  assert.equal(ab.counts.get('y'), 2);
  assert.equal(ab.missing, 1);
});

test('merging states of different kinds is refused', () => {
  assert.throws(() => merge<ColumnState>(createNumericState(), createCategoricalState()), TypeError);
});
