import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluatePolicy, modelPolicySchema, type PolicyObservation, policyFor, triggerPolicyFileSchema } from './trigger-policy.ts';

const HOUR = 3_600_000;
const policy = modelPolicySchema.parse({
  drift: { psi_threshold: 0.2, features: ['income', 'age'], consecutive_windows: 3 },
  quality: { metric: 'roc_auc', max_drop: 0.05, min_labels: 100 },
  validation: { max_rate: 0.05, consecutive_windows: 2 },
  min_labelled_rows: 500,
  cooldown: '2h',
});

function observation(overrides: Partial<PolicyObservation> = {}): PolicyObservation {
  return {
    model: 'm',
    version: '1',
    psiByFeature: new Map([
      ['income', [0.05, 0.04, 0.3]],
      ['age', [0.01, 0.02, 0.01]],
      ['region', [0.9, 0.9, 0.9]],
    ]),
    liveQuality: { value: 0.8, labels: 1000 },
    baselineQuality: 0.82,
    violationRates: [0.01, 0.2],
    labelledRows: 5000,
    activeJobs: 0,
    ...overrides,
  };
}

describe('evaluatePolicy', () => {
  it('does not fire when no condition is met, and ignores unwatched features', () => {
    const d = evaluatePolicy(policy, observation(), 10 * HOUR);
    assert.equal(d.fire, false);
    assert.equal(d.summary, 'no condition met');
    assert.deepEqual(d.blockedBy, []);
    assert.equal(d.reasons.length, 3);
  });

  it('fires on PSI over the threshold for K consecutive newest windows', () => {
    const psi = new Map([['income', [0.25, 0.4, 0.21, 0.0]], ['age', [0.0]]]);
    const d = evaluatePolicy(policy, observation({ psiByFeature: psi }), 10 * HOUR);
    assert.equal(d.fire, true);
    assert.match(d.summary, /^fire: drift/);
    assert.match(String(d.reasons[0]!.observed), /income: 3 window/);
  });

  it('needs the run to start at the newest window', () => {
    const psi = new Map([['income', [0.1, 0.4, 0.4, 0.4]]]);
    assert.equal(evaluatePolicy(policy, observation({ psiByFeature: psi }), 10 * HOUR).fire, false);
  });

  it('treats a missing PSI (not computed) as breaking the run', () => {
    const psi = new Map<string, (number | null)[]>([['income', [0.4, null, 0.4]]]);
    assert.equal(evaluatePolicy(policy, observation({ psiByFeature: psi }), 10 * HOUR).fire, false);
  });

  it('fires on a quality drop only with enough labels', () => {
    const dropped = { value: 0.7, labels: 1000 };
    assert.equal(evaluatePolicy(policy, observation({ liveQuality: dropped }), 10 * HOUR).fire, true);
    assert.equal(evaluatePolicy(policy, observation({ liveQuality: { value: 0.7, labels: 99 } }), 10 * HOUR).fire, false);
    assert.equal(evaluatePolicy(policy, observation({ liveQuality: dropped, baselineQuality: undefined }), 10 * HOUR).fire, false);
  });

  it('fires on validation violations for consecutive windows', () => {
    assert.equal(evaluatePolicy(policy, observation({ violationRates: [0.06, 0.3, 0] }), 10 * HOUR).fire, true);
  });

  it('is blocked by the gates and says which', () => {
    const drop = { liveQuality: { value: 0.5, labels: 1000 } };
    const cooling = evaluatePolicy(policy, observation({ ...drop, lastFiredAtMs: 9 * HOUR }), 10 * HOUR);
    assert.equal(cooling.fire, false);
    assert.deepEqual(cooling.blockedBy.map((g) => g.rule), ['cooldown']);
    assert.match(cooling.summary, /blocked by cooldown \(quality met\)/);
    assert.equal(evaluatePolicy(policy, observation({ ...drop, lastFiredAtMs: 7 * HOUR }), 10 * HOUR).fire, true);
    const sustained = modelPolicySchema.parse({ quality: {}, sustain: '30s' });
    assert.deepEqual(evaluatePolicy(sustained, observation({ ...drop }), 10 * HOUR).blockedBy.map((g) => g.rule), ['sustain']);
    assert.deepEqual(evaluatePolicy(sustained, observation({ ...drop, conditionsMetSinceMs: 10 * HOUR - 29_000 }), 10 * HOUR).blockedBy.map((g) => g.rule), ['sustain']);
    assert.equal(evaluatePolicy(sustained, observation({ ...drop, conditionsMetSinceMs: 10 * HOUR - 30_000 }), 10 * HOUR).fire, true);
    const few = evaluatePolicy(policy, observation({ ...drop, labelledRows: 10, activeJobs: 1 }), 10 * HOUR);
    assert.deepEqual(few.blockedBy.map((g) => g.rule), ['min_labelled_rows', 'max_concurrent']);
  });
});

describe('policy file', () => {
  it('applies defaults, per-model overrides and durations', () => {
    const file = triggerPolicyFileSchema.parse({ default: { cooldown: '30m' }, models: { special: { cooldown: 5000, drift: {} } } });
    assert.equal(policyFor(file, 'other')!.cooldown, 1_800_000);
    assert.equal(policyFor(file, 'special')!.cooldown, 5000);
    assert.equal(policyFor(file, 'special')!.drift!.psi_threshold, 0.2);
    assert.equal(policyFor(triggerPolicyFileSchema.parse({}), 'x'), undefined);
  });

  it('names the bad field', () => {
    const bad = triggerPolicyFileSchema.safeParse({ models: { m: { cooldown: 'soon', drift: { psi_treshold: 1 } } } });
    assert.equal(bad.success, false);
    const paths = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    assert.match(paths, /models\.m\.cooldown: 'soon' is not a duration/);
    assert.match(paths, /psi_treshold/);
  });
});
