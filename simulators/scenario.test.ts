/**
 * The scenario format and the pure core: validation errors name the bad
 * field; times resolve against the run; intensities ramp; several effects
 * combine as documented.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DriftlineError } from '../libs/errors/errors.ts';
import { BASE_CATEGORY_WEIGHTS, TRUE_CONCEPT } from '../libs/model/credit-domain.ts';
import { PRESET_NAMES, presetScenario } from './presets.ts';
import { conditionsAt, intensityAt, peakRateMultiplier, planScenario } from './scenario.ts';
import { parseScenario, parseScenarioJson, type ScenarioInput } from './scenario-schema.ts';

const HOUR = 3_600_000;

function rejects(input: unknown, field: string, why: RegExp): void {
  assert.throws(() => parseScenario(input, 'bad.json'), (err: unknown) => {
    assert.ok(err instanceof DriftlineError, 'a DriftlineError');
    assert.equal(err.code, 'INPUT_INVALID');
    assert.ok(err.message.startsWith(`bad.json: ${field}: `), `message names ${field}: ${err.message}`);
    assert.match(err.message, why);
    return true;
  });
}

describe('scenario file validation', () => {
  test('every preset is a valid scenario', () => {
    assert.ok(PRESET_NAMES.includes('demo') && PRESET_NAMES.includes('baseline'));
    for (const name of PRESET_NAMES) assert.equal(presetScenario(name).name, name);
    assert.throws(() => presetScenario('nope'), /no scenario preset "nope" \(presets: baseline/);
  });

  test('times parse as ms, durations or shares of the run', () => {
    const s = parseScenario({ effects: [{ type: 'errorBurst', start: '90s', end: '40%', share: 0.1 }, { type: 'errorBurst', start: 1500, share: 0.1 }] });
    assert.deepEqual(s.effects[0]!.start, { ms: 90_000 });
    assert.deepEqual(s.effects[0]!.end, { fraction: 0.4 });
    assert.deepEqual(s.effects[1]!.start, { ms: 1500 });
    assert.equal(s.name, 'custom');
  });

  test('errors name the field and say what is wrong', () => {
    rejects({ effects: [{ type: 'labelNoise', share: 0.1 }, { type: 'errorBurst', share: 1.5 }] }, 'effects[1].share', /share in \[0, 1\]/);
    rejects({ effects: [{ type: 'covariateShift', features: { incom: { shift: 1 } } }] }, 'effects[0].features.incom', /unknown feature \(known here: age, income/);
    rejects({ effects: [{ type: 'conceptDrift', delta: { numeric: { region: 1 } } }] }, 'effects[0].delta.numeric.region', /unknown feature \(known here: age,/);
    rejects({ effects: [{ type: 'covariateShift', features: { income: { shift: 1 } }, colour: 'red' }] }, 'effects[0].colour', /unknown field/);
    rejects({ effects: [{ type: 'teleport' }] }, 'effects[0].type', /covariateShift/);
    rejects({ effects: [{ type: 'covariateShift', mode: 'gradual', features: { income: { shift: 1 } } }] }, 'effects[0].ramp', /gradual" needs a ramp/);
    rejects({ effects: [{ type: 'covariateShift', ramp: '1h', features: { income: { shift: 1 } } }] }, 'effects[0].ramp', /only applies to mode "gradual"/);
    rejects({ effects: [{ type: 'covariateShift', features: { region: { shift: 1 } } }] }, 'effects[0].features.region', /categorical/);
    rejects({ effects: [{ type: 'covariateShift', features: { region: { weights: { mars: 1 } } } }] }, 'effects[0].features.region.weights.mars', /unknown category of region/);
    rejects({ effects: [{ type: 'conceptDrift' }] }, 'effects[0].delta', /delta .* and\/or set/);
    rejects({ effects: [{ type: 'qualityIncident', kind: 'out_of_range', feature: 'region', share: 0.1 }] }, 'effects[0].feature', /numeric feature/);
    rejects({ effects: [{ type: 'qualityIncident', kind: 'new_category', feature: 'region', share: 0.1, value: 'north' }] }, 'effects[0].value', /outside the domain/);
    rejects({ effects: [{ type: 'qualityIncident', kind: 'renamed_feature', feature: 'age', share: 0.1, renameTo: 'income' }] }, 'effects[0].renameTo', /already a feature/);
    rejects({ effects: [{ type: 'qualityIncident', kind: 'melted', feature: 'age', share: 0.1 }] }, 'effects[0].kind', /nulls/);
    rejects({ effects: [{ type: 'labelDelay', distribution: { kind: 'lognormal', median: 'soon', sigma: 1 } }] }, 'effects[0].distribution.median', /duration like "90s"/);
    rejects({ effects: [{ type: 'labelDelay', distribution: { kind: 'fixed', delay: '10%' } }] }, 'effects[0].distribution.delay', /duration/);
    rejects({ effects: [{ type: 'seasonality', target: 'rate', period: '1d', amplitude: 1.5 }] }, 'effects[0].amplitude', /\(0, 1\)/);
    rejects({ effects: [{ type: 'errorBurst', start: '150%', share: 0.1 }] }, 'effects[0].start', /at most 100%/);
    rejects({ rate: -1 }, 'rate', /greater than 0/);
    assert.throws(() => parseScenarioJson('{"effects": [', 'x.json'), /x\.json: not valid JSON/);
  });
});

describe('planning and conditions', () => {
  test('shares of the run resolve against the run; a share without a run length or an end before the start is refused', () => {
    const s = parseScenario({ effects: [{ type: 'covariateShift', start: '25%', end: '75%', mode: 'gradual', ramp: '10%', features: { age: { shift: 5 } } }] });
    const plan = planScenario(s, 8 * HOUR);
    assert.deepEqual([plan.effects[0]!.startMs, plan.effects[0]!.endMs, plan.effects[0]!.rampMs], [2 * HOUR, 6 * HOUR, 0.8 * HOUR]);
    assert.throws(() => planScenario(s, Infinity), /effects\[0\]\.start: 25% of the run needs a run duration/);
    const backwards = parseScenario({ effects: [{ type: 'errorBurst', start: '2h', end: '1h', share: 0.1 }] });
    assert.throws(() => planScenario(backwards, 10 * HOUR), /effects\[0\]\.end: must be after start/);
  });

  test('intensity: 0 outside [start, end), 1 when sudden, a linear ramp when gradual', () => {
    const gradual = { startMs: 100, endMs: 1000, rampMs: 400 };
    assert.deepEqual([99, 100, 200, 300, 500, 999, 1000].map((t) => intensityAt(gradual, t)), [0, 0, 0.25, 0.5, 1, 1, 0]);
    assert.deepEqual([99, 100, 999, 1000].map((t) => intensityAt({ startMs: 100, endMs: 1000, rampMs: 0 }, t)), [0, 1, 1, 0]);
  });

  test('active effects combine: affine shifts compose, category mixes blend, concepts stack, label settings: last wins', () => {
    const input: ScenarioInput = {
      effects: [
        { type: 'covariateShift', features: { income: { scale: 2, shift: 100 } } },
        { type: 'covariateShift', start: '1h', features: { income: { scale: 3 }, region: { weights: { north: 1 } } } },
        { type: 'covariateShift', start: '1h', mode: 'gradual', ramp: '2h', features: { region: { weights: { south: 1 } } } },
        { type: 'conceptDrift', start: '1h', delta: { intercept: 1, numeric: { age: 0.5 }, categorical: { region: { south: 1 } } } },
        { type: 'conceptDrift', start: '1h', mode: 'gradual', ramp: '2h', set: { numeric: { debt_ratio: 0.5 } } },
        { type: 'qualityIncident', start: '1h', kind: 'nulls', feature: 'income', share: 0.4 },
        { type: 'errorBurst', start: '1h', share: 0.5 },
        { type: 'errorBurst', start: '1h', share: 0.5 },
        { type: 'latencySpike', start: '1h', end: '3h', extraMs: 100, share: 0.2 },
        { type: 'labelNoise', share: 0.1 },
        { type: 'labelNoise', start: '1h', share: 0.3 },
        { type: 'labelCoverage', start: '1h', share: 0.5 },
        { type: 'labelDelay', start: '1h', distribution: { kind: 'fixed', delay: '5m' } },
      ],
    };
    const plan = planScenario(parseScenario(input), 10 * HOUR);
    const before = conditionsAt(plan, 0);
    assert.deepEqual(before.drift, { numeric: { income: { scale: 2, shift: 100 } } });
    assert.equal(before.concept, TRUE_CONCEPT);
    assert.deepEqual([before.incidents, before.errorShare, before.labelNoise, before.labelCoverage, before.labelDelay], [[], 0, 0.1, 1, { kind: 'fixed', delay: 0 }]);

    const mid = conditionsAt(plan, 2 * HOUR); // the gradual ones at half strength
    assert.deepEqual(mid.drift.numeric, { income: { scale: 6, shift: 300 } });
    // north-only, then blended halfway towards south-only.
    assert.deepEqual(mid.drift.categoryWeights, { region: { north: 0.5, south: 0.5, east: 0, west: 0 } });
    assert.equal(mid.concept.intercept, TRUE_CONCEPT.intercept + 1);
    assert.equal(mid.concept.numeric.age, TRUE_CONCEPT.numeric.age + 0.5);
    assert.equal(mid.concept.categorical.region.south, TRUE_CONCEPT.categorical.region.south! + 1);
    assert.equal(mid.concept.numeric.debt_ratio, (TRUE_CONCEPT.numeric.debt_ratio + 0.5) / 2);
    assert.deepEqual(mid.incidents, [{ kind: 'nulls', feature: 'income', share: 0.4, value: undefined, renameTo: undefined }]);
    assert.equal(mid.errorShare, 0.75);
    assert.deepEqual(mid.latencySpikes, [{ extraMs: 100, share: 0.2 }]);
    assert.deepEqual([mid.labelNoise, mid.labelCoverage, mid.labelDelay], [0.3, 0.5, { kind: 'fixed', delay: 300_000 }]);

    const after = conditionsAt(plan, 5 * HOUR);
    assert.deepEqual(after.drift.categoryWeights, { region: { north: 0, south: 1, east: 0, west: 0 } });
    assert.equal(after.concept.numeric.debt_ratio, 0.5);
    assert.deepEqual(after.latencySpikes, []);
    // The base mix is what sampleRow would use without drift.
    assert.deepEqual(conditionsAt(planScenario(parseScenario({ effects: [{ type: 'covariateShift', mode: 'gradual', ramp: '1h', features: { home_ownership: { weights: { rent: 1 } } } }] }), 10 * HOUR), 0.5 * HOUR).drift.categoryWeights,
      { home_ownership: { rent: 0.5 * BASE_CATEGORY_WEIGHTS.home_ownership[0]! + 0.5, own: 0.5 * BASE_CATEGORY_WEIGHTS.home_ownership[1]!, mortgage: 0.5 * BASE_CATEGORY_WEIGHTS.home_ownership[2]! } });
  });

  test('seasonality: a sine on a feature or on the rate; the peak rate bounds it', () => {
    const plan = planScenario(parseScenario({
      effects: [
        { type: 'seasonality', target: 'rate', period: '24h', amplitude: 0.5 },
        { type: 'seasonality', target: 'income', period: '24h', amplitude: 1000, phase: 0.25 },
      ],
    }), 48 * HOUR);
    const at6h = conditionsAt(plan, 6 * HOUR);
    assert.ok(Math.abs(at6h.rateMultiplier - 1.5) < 1e-12);
    assert.ok(Math.abs((at6h.drift.numeric?.income?.shift ?? NaN) - 0) < 1e-9, 'phase 0.25 puts the income peak at 0 h');
    assert.ok(Math.abs((conditionsAt(plan, 0).drift.numeric?.income?.shift ?? NaN) - 1000) < 1e-9);
    assert.ok(Math.abs(conditionsAt(plan, 18 * HOUR).rateMultiplier - 0.5) < 1e-12);
    assert.equal(peakRateMultiplier(plan), 1.5);
  });
});
