import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DriftlineError } from '../../libs/errors/errors.ts';
import type { FeatureSpec } from '../../libs/model/model-card.ts';
import { assertTrainable, type Example, prepareExamples } from './candidate-dataset.ts';

const features: FeatureSpec[] = [
  { name: 'income', kind: 'numeric', min: 0, max: 1e6, nullable: true },
  { name: 'region', kind: 'categorical', domain: ['north', 'south'], nullable: true },
];

const row = (id: string, label: string, f: unknown) => ({ prediction_id: id, label, features: typeof f === 'string' ? f : JSON.stringify(f) });

describe('candidate rows to examples', () => {
  it('keeps usable rows, nulls missing features, ignores extra ones', () => {
    const { examples, skipped } = prepareExamples([
      row('a', '1', { income: 5, region: 'north', extra: 'x' }),
      row('b', '0', { region: null }),
      row('c', 'true', { income: 7, region: 'west' }),
    ], features);
    assert.deepEqual(examples, [
      { predictionId: 'a', row: { income: 5, region: 'north' }, label: 1 },
      { predictionId: 'b', row: { income: null, region: null }, label: 0 },
      { predictionId: 'c', row: { income: 7, region: 'west' }, label: 1 },
    ]);
    assert.deepEqual(skipped, { label_not_binary: 0, features_not_object: 0, feature_wrong_type: 0 });
  });

  it('drops and counts rows it cannot use', () => {
    const { examples, skipped } = prepareExamples([
      row('a', 'maybe', { income: 1 }),
      row('b', '1', 'not json'),
      row('c', '1', '[1,2]'),
      row('d', '0', { income: 'lots' }),
      row('e', '0', { region: 3 }),
      row('f', '0', { income: 2 }),
    ], features);
    assert.deepEqual(examples.map((e) => e.predictionId), ['f']);
    assert.deepEqual(skipped, { label_not_binary: 1, features_not_object: 2, feature_wrong_type: 2 });
  });
});

describe('trainability', () => {
  const ex = (n: number, label: 0 | 1): Example[] => Array.from({ length: n }, (_, i) => ({ predictionId: `${label}-${i}`, row: {}, label }));
  const rules = { minRows: 20, minClassRows: 2 };

  it('accepts a candidate with enough rows of both classes on both sides', () => {
    const train = [...ex(10, 0), ...ex(6, 1)];
    const holdout = [...ex(2, 0), ...ex(2, 1)];
    assert.doesNotThrow(() => assertTrainable('c1', { examples: [...train, ...holdout], skipped: { label_not_binary: 0, features_not_object: 0, feature_wrong_type: 0 } }, { train, holdout }, rules));
  });

  it('refuses a single class, naming the candidate, the class and the dropped rows', () => {
    const all = ex(50, 0);
    assert.throws(
      () => assertTrainable('cand-7', { examples: all, skipped: { label_not_binary: 3, features_not_object: 0, feature_wrong_type: 0 } }, { train: all.slice(10), holdout: all.slice(0, 10) }, rules),
      (err: unknown) => err instanceof DriftlineError && err.code === 'INPUT_INVALID' && !err.retriable
        && err.message === 'candidate cand-7 cannot be trained on: a single class: all 50 labelled rows have label 0 (dropped: 3 label_not_binary)',
    );
  });

  it('refuses too few rows, and a holdout missing a class', () => {
    const few = [...ex(5, 0), ...ex(5, 1)];
    const none = { label_not_binary: 0, features_not_object: 0, feature_wrong_type: 0 };
    assert.throws(() => assertTrainable('c', { examples: few, skipped: none }, { train: few, holdout: [] }, rules), /10 usable labelled rows, at least 20 needed/);
    const train = [...ex(10, 0), ...ex(10, 1)];
    const holdout = ex(4, 0);
    assert.throws(() => assertTrainable('c', { examples: [...train, ...holdout], skipped: none }, { train, holdout }, rules), /the holdout has 0 positive and 4 negative rows, at least 2 of each needed/);
  });
});
