import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HoldoutMetrics } from './holdout-metrics.ts';
import { decidePromotion, type PromotionPolicy } from './promotion-policy.ts';

const metrics = (roc_auc: number, log_loss = 0.4): HoldoutMetrics => ({ roc_auc, log_loss, accuracy: 0.8, positive_rate: 0.2, rows: 1000 });
const auto: PromotionPolicy = { metric: 'roc_auc', minImprovement: 0.01, mode: 'auto' };

describe('decidePromotion', () => {
  it('promotes in auto mode when better by the margin, and says why', () => {
    const d = decidePromotion({ challenger: metrics(0.78), champion: metrics(0.7), policy: auto });
    assert.equal(d.action, 'promote');
    assert.equal(d.better, true);
    assert.ok(Math.abs(d.improvement! - 0.08) < 1e-12);
    assert.equal(d.reason, 'challenger roc_auc 0.7800 vs champion 0.7000 (+0.0800, margin 0.01): promoted (mode auto)');
  });

  it('holds a challenger that is better by less than the margin; exactly the margin counts', () => {
    const under = decidePromotion({ challenger: metrics(0.709), champion: metrics(0.7), policy: auto });
    assert.deepEqual([under.action, under.better], ['hold', false]);
    assert.match(under.reason, /not better by the margin; kept as a candidate$/);
    // 0.71 - 0.7 is 0.0099999… in floating point.
    assert.equal(decidePromotion({ challenger: metrics(0.71), champion: metrics(0.7), policy: auto }).action, 'promote');
    const worse = decidePromotion({ challenger: metrics(0.6), champion: metrics(0.7), policy: auto });
    assert.equal(worse.action, 'hold');
    assert.match(worse.reason, /\(−0\.1000, margin 0\.01\)/);
  });

  it('treats lower log loss as better', () => {
    const policy: PromotionPolicy = { metric: 'log_loss', minImprovement: 0.02, mode: 'auto' };
    assert.equal(decidePromotion({ challenger: metrics(0.5, 0.35), champion: metrics(0.9, 0.4), policy }).action, 'promote');
    assert.equal(decidePromotion({ challenger: metrics(0.9, 0.39), champion: metrics(0.5, 0.4), policy }).action, 'hold');
  });

  it('waits for a person in manual mode and routes a share in canary mode', () => {
    const manual = decidePromotion({ challenger: metrics(0.8), champion: metrics(0.7), policy: { ...auto, mode: 'manual' } });
    assert.deepEqual([manual.action, manual.better], ['hold', true]);
    assert.match(manual.reason, /waiting for a manual promotion/);
    const canary = decidePromotion({ challenger: metrics(0.8), champion: metrics(0.7), policy: { ...auto, mode: 'canary', canaryShare: 0.05 } });
    assert.deepEqual([canary.action, canary.canaryShare], ['canary', 0.05]);
    assert.equal(decidePromotion({ challenger: metrics(0.8), champion: metrics(0.7), policy: { ...auto, mode: 'canary' } }).canaryShare, 0.1);
  });

  it('promotes without a champion, never with a metric that is not a number', () => {
    const first = decidePromotion({ challenger: metrics(0.7), champion: undefined, policy: auto });
    assert.deepEqual([first.action, first.champion, first.improvement], ['promote', null, null]);
    assert.equal(decidePromotion({ challenger: metrics(NaN), champion: metrics(0.7), policy: auto }).action, 'hold');
    assert.equal(decidePromotion({ challenger: metrics(0.9), champion: metrics(NaN), policy: auto }).action, 'hold');
  });
});
