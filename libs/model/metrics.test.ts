import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accuracy, evaluateBinary, logLoss, rocAuc } from './metrics.ts';

test('AUC counts correctly ordered positive/negative pairs, ties as one half', () => {
  assert.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75); // 3 of 4 pairs ordered
  assert.equal(rocAuc([0.2, 0.9], [0, 1]), 1);
  assert.equal(rocAuc([0.9, 0.2], [0, 1]), 0);
  assert.equal(rocAuc([0.5, 0.5, 0.5], [0, 1, 1]), 0.5);
  // Pairs: (p.7 vs n.3) 1, (p.7 vs n.7) .5, (p.3 vs n.3) .5, (p.3 vs n.7) 0 → 2/4.
  assert.equal(rocAuc([0.7, 0.3, 0.3, 0.7], [1, 1, 0, 0]), 0.5);
  assert.ok(Number.isNaN(rocAuc([0.1, 0.2], [1, 1])));
});

test('log loss is the mean negative log-likelihood, clipped', () => {
  assert.ok(Math.abs(logLoss([0.8, 0.3], [1, 0]) - -(Math.log(0.8) + Math.log(0.7)) / 2) < 1e-15);
  assert.ok(Number.isFinite(logLoss([0, 1], [1, 0])));
});

test('accuracy thresholds at >=', () => {
  assert.equal(accuracy([0.5, 0.49, 0.9], [1, 0, 0]), 2 / 3);
  assert.equal(accuracy([0.5, 0.49], [1, 1], 0.4), 1);
  assert.deepEqual(evaluateBinary([0.9, 0.1], [1, 0]), { auc: 1, log_loss: -Math.log(0.9), accuracy: 1, positive_rate: 0.5 });
  assert.throws(() => rocAuc([0.1], [1, 0]), RangeError);
});
