import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runLogisticReference } from '../../test/reference/python-reference.ts';
import { CREDIT_FEATURES, NUMERIC_FEATURES, sampleDataset, TRUE_CONCEPT, trueProbability } from './credit-domain.ts';
import { encodedColumnNames, encodeRows, fitEncoder } from './feature-encoder.ts';
import { predictProbabilities, rawScaleWeights, trainLogisticRegression } from './logistic-regression.ts';
import type { FeatureSpec } from './model-card.ts';
import { rocAuc } from './metrics.ts';
import { createRng } from './random.ts';

const train = sampleDataset(createRng(3), 40_000);
const holdout = sampleDataset(createRng(1003), 20_000);
const model = trainLogisticRegression(CREDIT_FEATURES, train.rows, train.labels);

test('training converges', () => {
  assert.equal(model.fit.converged, true);
  assert.ok(model.fit.iterations <= 15, `${model.fit.iterations} iterations`);
  assert.deepEqual(model.encoder.categorical.map((c) => c.categories), CREDIT_FEATURES.flatMap((f) => (f.kind === 'categorical' ? [f.domain] : [])));
});

test('holdout AUC (checked with scipy) is well above chance and close to the true process', () => {
  const modelScores = Array.from(predictProbabilities(model, holdout.rows));
  const trueScores = holdout.rows.map((r) => trueProbability(r));
  const auc = runLogisticReference<{ model: number; truth: number }>('auc', {
    labels: Array.from(holdout.labels),
    scores: { model: modelScores, truth: trueScores },
  });
  assert.ok(auc.truth > 0.7, `true-process AUC ${auc.truth}`);
  assert.ok(auc.model > 0.7, `model AUC ${auc.model}`);
  assert.ok(Math.abs(auc.model - auc.truth) < 0.01, `model ${auc.model} vs truth ${auc.truth}`);
  // Driftline's own AUC agrees with scipy's Mann–Whitney U.
  assert.ok(Math.abs(rocAuc(modelScores, holdout.labels) - auc.model) < 1e-12);
});

test('the raw-scale weights recover the true coefficients', () => {
  const w = rawScaleWeights(model);
  for (const f of NUMERIC_FEATURES) {
    const truth = TRUE_CONCEPT.numeric[f];
    assert.ok(Math.abs(w[f]! - truth) < 0.3 * Math.abs(truth), `${f}: learned ${w[f]}, true ${truth}`);
  }
  // One-hot weights are identified only up to a constant per feature: compare differences with the reference category.
  for (const f of ['home_ownership', 'loan_purpose', 'region'] as const) {
    const truth = TRUE_CONCEPT.categorical[f];
    const [reference] = Object.keys(truth);
    for (const [category, effect] of Object.entries(truth)) {
      const learned = w[`${f}=${category}`]! - w[`${f}=${reference}`]!;
      assert.ok(Math.abs(learned - effect!) < 0.15, `${f}=${category}: learned ${learned}, true ${effect}`);
    }
  }
});

test('training is deterministic', () => {
  const small = sampleDataset(createRng(8), 3_000);
  const a = trainLogisticRegression(CREDIT_FEATURES, small.rows, small.labels);
  const b = trainLogisticRegression(CREDIT_FEATURES, small.rows, small.labels);
  assert.deepEqual(a.weights, b.weights);
  assert.equal(a.bias, b.bias);
});

test('encoding: standardization, one-hot order, unknown and missing values', () => {
  const features: FeatureSpec[] = [
    { name: 'x', kind: 'numeric', min: 0, max: 10, nullable: true },
    { name: 'k', kind: 'numeric', min: 0, max: 10, nullable: false },
    { name: 'c', kind: 'categorical', domain: ['b', 'a'], nullable: true },
  ];
  const rows = [{ x: 1, k: 5, c: 'a' }, { x: 3, k: 5, c: 'z' }, { x: null, k: 5, c: 'b' }];
  const enc = fitEncoder(features, rows);
  assert.deepEqual(enc.numeric, [{ name: 'x', mean: 2, std: 1 }, { name: 'k', mean: 5, std: 1 }]); // constant k: std 1, not 0
  assert.deepEqual(encodedColumnNames(enc), ['x', 'k', 'c=b', 'c=a', 'c=z']); // schema order, then unseen-by-schema sorted
  const { matrix, columns } = encodeRows(enc, [{ x: 4, k: 5, c: 'b' }, { x: null, k: 5, c: 'nope' }, { x: Number.NaN, k: 5, c: null }]);
  assert.equal(columns, 5);
  assert.deepEqual(Array.from(matrix), [2, 0, 1, 0, 0, /**/ 0, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 0]);
  assert.throws(() => encodeRows(enc, [{ x: 'four', k: 5, c: 'a' }]), /finite number/);
  assert.throws(() => encodeRows(enc, [{ x: 1, k: 5, c: 7 }]), /string or null/);
});

test('rejects bad labels', () => {
  assert.throws(() => trainLogisticRegression(CREDIT_FEATURES, train.rows.slice(0, 2), [0, 2]), /0 or 1/);
  assert.throws(() => trainLogisticRegression(CREDIT_FEATURES, train.rows.slice(0, 2), [0]), /differ in length/);
});
