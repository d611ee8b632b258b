/**
 * The generator against what its scenario promises, checked with numbers a
 * user would check and, where a distribution is involved, against scipy
 * (test/reference/simulator_reference.py): determinism, covariate shift of
 * the configured size, gradual ramps, concept drift that changes P(y|x) and
 * nothing else, data-quality incidents of exactly the configured kinds and
 * shares, label delay quantiles, noise, coverage, rate seasonality, latency
 * and errors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { predictionEventSchema } from '../libs/contracts/schemas.ts';
import { CATEGORICAL_FEATURES, CATEGORY_DOMAINS, CREDIT_FEATURES, type CreditRow, NUMERIC_FEATURES, TRUE_CONCEPT } from '../libs/model/credit-domain.ts';
import { runSimulatorReference } from '../test/reference/simulator-reference.ts';
import { PRESET_NAMES, presetScenario } from './presets.ts';
import { REQUEST_BREAKING_KINDS } from './quality-incidents.ts';
import { parseScenario, type ScenarioInput } from './scenario-schema.ts';
import { type SimulatedItem, simulate, type SimulateOptions } from './simulate.ts';

const START = Date.UTC(2025, 5, 1);
const HOUR = 3_600_000;

/** 1000 events/s for 20 wall seconds at time scale 360: the run is 2 scenario hours, 20 000 events. */
function run(input: ScenarioInput, options: Partial<SimulateOptions> = {}): SimulatedItem[] {
  return [...simulate(parseScenario(input), { seed: 1, rate: 1000, durationMs: 20_000, startMs: START, timeScale: 360, ...options })];
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};
/** |observed − expected| within `z` binomial standard errors. */
function assertShare(observed: number, n: number, expected: number, label: string, z = 4): void {
  const se = Math.sqrt((expected * (1 - expected)) / n);
  assert.ok(Math.abs(observed / n - expected) <= z * se + 1e-12, `${label}: ${observed}/${n} = ${(observed / n).toFixed(4)}, expected ${expected} ± ${(z * se).toFixed(4)}`);
}

describe('simulate', () => {
  test('deterministic for a seed; another seed gives other traffic; events satisfy the contract', () => {
    const demo = presetScenario('demo');
    const options = { seed: 7, rate: 200, durationMs: 30_000, startMs: START, timeScale: 60 };
    const sim = simulate(demo, options);
    const a = [...sim];
    assert.equal(a.length, 6000);
    assert.deepEqual([...sim], a, 'iterating again replays the same items');
    assert.deepEqual([...simulate(demo, options)], a, 'a new simulation with the same seed is identical');
    const other = [...simulate(demo, { ...options, seed: 8 })];
    assert.notDeepEqual(other.map((i) => i.row), a.map((i) => i.row));
    assert.equal(new Set(a.map((i) => i.event.prediction_id)).size, a.length, 'prediction ids are unique');
    for (const item of a) assert.ok(predictionEventSchema.safeParse(item.event).success, `event ${item.index} fits the contract`);
    assert.ok(a.every((item, i) => i === 0 || item.offsetMs > a[i - 1]!.offsetMs), 'offsets increase');
    for (const name of PRESET_NAMES) assert.ok([...simulate(presetScenario(name), { ...options, durationMs: 2_000 })].length > 0, name);
  });

  test('a sudden covariate shift moves the feature by the configured amount from its start, and nothing else', () => {
    const shift = 10_000;
    const shifted = run({ effects: [{ type: 'covariateShift', start: '50%', features: { income: { shift } } }] });
    const base = run({});
    const control = run({}, { seed: 2 });
    const half = shifted.length / 2;
    // Same seed: the affine change is applied after the row is drawn, so each row moves exactly.
    shifted.forEach((item, i) => assert.equal(item.row.income - base[i]!.row.income, i < half ? 0 : shift, `row ${i}`));
    assert.deepEqual(shifted.map((i) => i.row.age), base.map((i) => i.row.age), 'other features untouched');
    // Independent samples: the window means differ by the shift within 4 standard errors.
    const after = shifted.slice(half).map((i) => i.row.income);
    const ref = control.slice(half).map((i) => i.row.income);
    const se = Math.sqrt(variance(after) / after.length + variance(ref) / ref.length);
    assert.ok(Math.abs(mean(after) - mean(ref) - shift) < 4 * se, `mean moved by ${mean(after) - mean(ref)}, expected ${shift} ± ${4 * se}`);
    // Scale and category mixes.
    const scaled = run({ effects: [{ type: 'covariateShift', features: { income: { scale: 0.7 } }, start: '0%' }] });
    scaled.forEach((item, i) => assert.ok(Math.abs(item.row.income - 0.7 * base[i]!.row.income) < 1e-6));
    const mixed = run({ effects: [{ type: 'covariateShift', features: { region: { weights: { north: 1, south: 3 } } } }] });
    const north = mixed.filter((i) => i.row.region === 'north').length;
    assert.equal(mixed.filter((i) => i.row.region === 'east' || i.row.region === 'west').length, 0);
    assertShare(north, mixed.length, 0.25, 'north share');
  });

  test('a gradual shift ramps linearly from its start to full strength', () => {
    const shift = -0.2;
    // Run of 2 scenario hours: the ramp starts at 30 min and lasts 60 min.
    const ramped = run({ effects: [{ type: 'covariateShift', start: '25%', mode: 'gradual', ramp: '50%', features: { credit_utilization: { shift } } }] });
    const base = run({});
    for (const [from, to] of [[0, 0.5], [0.5, 1], [1, 1.5], [1.5, 2]] as const) {
      const idx = ramped.map((_, i) => i).filter((i) => ramped[i]!.simMs >= from * HOUR && ramped[i]!.simMs < to * HOUR);
      const moved = mean(idx.map((i) => ramped[i]!.row.credit_utilization - base[i]!.row.credit_utilization));
      const expected = mean(idx.map((i) => shift * Math.min(1, Math.max(0, (ramped[i]!.simMs - 0.5 * HOUR) / HOUR))));
      assert.ok(Math.abs(moved - expected) < 1e-9, `[${from} h, ${to} h): moved ${moved}, expected ${expected}`);
    }
    const atQuarter = ramped.filter((i) => Math.abs(i.simMs - 0.75 * HOUR) < 1);
    assert.ok(atQuarter.length > 0);
  });

  test('concept drift changes P(y|x) as configured while x stays exactly as it was', () => {
    const options = { rate: 2000, durationMs: 20_000 };
    const drifted = run({ effects: [{ type: 'conceptDrift', delta: { numeric: { debt_ratio: 2.5 }, intercept: -0.3 } }] }, options);
    const base = run({}, options);
    assert.deepEqual(drifted.map((i) => i.row), base.map((i) => i.row), 'the rows do not depend on the concept');
    // An independent maximum-likelihood fit (scipy) recovers the drifted coefficients from (x, y).
    const names = [...NUMERIC_FEATURES, ...CATEGORICAL_FEATURES.flatMap((f) => CATEGORY_DOMAINS[f].slice(1).map((c) => `${f}=${c}`))];
    const design = (row: CreditRow) => [...NUMERIC_FEATURES.map((f) => row[f]), ...CATEGORICAL_FEATURES.flatMap((f) => CATEGORY_DOMAINS[f].slice(1).map((c) => (row[f] === c ? 1 : 0)))];
    const X = drifted.map((i) => design(i.row));
    const [fitDrifted, fitBase, chiDrifted, chiControl] = runSimulatorReference([
      { op: 'logit', names, X, y: drifted.map((i) => i.label.trueValue) },
      { op: 'logit', names, X, y: base.map((i) => i.label.trueValue) },
      ...[drifted, run({}, { ...options, seed: 3 })].map((other) => {
        // Labels at fixed x: default counts among the top debt-ratio quartile (debt_ratio > 0.43) of each sample.
        const counts = (items: SimulatedItem[]) => {
          const top = items.filter((i) => i.row.debt_ratio > 0.43);
          const ones = top.filter((i) => i.label.trueValue === 1).length;
          return [ones, top.length - ones];
        };
        return { op: 'chi2', table: [counts(base), counts(other)] };
      }),
    ]) as [Record<string, number>, Record<string, number>, number, number];
    assert.ok(Math.abs(fitDrifted.debt_ratio! - (TRUE_CONCEPT.numeric.debt_ratio + 2.5)) < 0.3, `debt_ratio coefficient ${fitDrifted.debt_ratio}, expected 5.0`);
    assert.ok(Math.abs(fitBase.debt_ratio! - TRUE_CONCEPT.numeric.debt_ratio) < 0.3, `baseline debt_ratio coefficient ${fitBase.debt_ratio}, expected 2.5`);
    assert.ok(Math.abs(fitDrifted.intercept! - (TRUE_CONCEPT.intercept - 0.3)) < 0.3, `intercept ${fitDrifted.intercept}`);
    assert.ok(Math.abs(fitDrifted.num_late_payments! - TRUE_CONCEPT.numeric.num_late_payments) < 0.08, 'an untouched coefficient stays');
    assert.ok(chiDrifted < 1e-6, `labels at fixed x differ after the drift (p = ${chiDrifted})`);
    assert.ok(chiControl > 1e-4, `two undrifted samples agree at fixed x (p = ${chiControl})`);
  });

  test('quality incidents produce exactly the configured kinds, on their features, at about their shares, only while they last', () => {
    const incidents = [
      { kind: 'nulls', feature: 'income', share: 0.2 },
      { kind: 'out_of_range', feature: 'loan_amount', share: 0.1 },
      { kind: 'new_category', feature: 'region', share: 0.15, value: 'atlantis' },
      { kind: 'renamed_feature', feature: 'debt_ratio', share: 0.05, renameTo: 'dti' },
      { kind: 'missing_feature', feature: 'employment_years', share: 0.05 },
      { kind: 'wrong_type', feature: 'age', share: 0.1 },
      { kind: 'wrong_type', feature: 'home_ownership', share: 0.1 },
    ] as const;
    const items = run({ effects: incidents.map((i) => ({ type: 'qualityIncident' as const, start: '25%', end: '75%', ...i })) });
    const spec = new Map(CREDIT_FEATURES.map((f) => [f.name, f]));
    /** What is wrong with an instance compared with its clean row, found independently of the incident code. */
    const problems = (item: SimulatedItem): string[] => {
      const found: string[] = [];
      const extra = Object.keys(item.instance).filter((k) => !spec.has(k));
      for (const f of CREDIT_FEATURES) {
        const v = item.instance[f.name];
        if (!Object.hasOwn(item.instance, f.name)) found.push(`${extra.length > 0 && item.instance[extra[0]!] === item.row[f.name as keyof CreditRow] ? 'renamed_feature' : 'missing_feature'}:${f.name}`);
        else if (v === null) found.push(`nulls:${f.name}`);
        else if (f.kind === 'numeric' && typeof v !== 'number') found.push(`wrong_type:${f.name}`);
        else if (f.kind === 'categorical' && typeof v !== 'string') found.push(`wrong_type:${f.name}`);
        else if (f.kind === 'numeric' && ((v as number) < f.min || (v as number) > f.max)) found.push(`out_of_range:${f.name}`);
        else if (f.kind === 'categorical' && !f.domain.includes(v as string)) found.push(`new_category:${f.name}`);
        else assert.equal(v, item.row[f.name as keyof CreditRow], `${f.name} unchanged`);
      }
      if (extra.length > 0) assert.deepEqual(extra, ['dti']);
      return found;
    };
    const inWindow = items.filter((i) => i.offsetMs >= 5_000 && i.offsetMs < 15_000);
    for (const item of items) {
      const found = problems(item);
      assert.deepEqual(found.sort(), [...item.incidents].sort(), `item ${item.index}: found ${found}, reported ${item.incidents}`);
      if (item.offsetMs < 5_000 || item.offsetMs >= 15_000) assert.deepEqual(found, [], `item ${item.index} outside the incident`);
      assert.equal(item.requestValid, !found.some((p) => REQUEST_BREAKING_KINDS.has(p.split(':')[0] as never)));
      assert.equal(item.event.features, item.instance, 'the event carries what was sent');
    }
    const pValues = runSimulatorReference(incidents.map((i) => ({
      op: 'binomtest', k: inWindow.filter((item) => problems(item).includes(`${i.kind}:${i.feature}`)).length, n: inWindow.length, p: i.share,
    }))) as number[];
    incidents.forEach((i, k) => assert.ok(pValues[k]! > 1e-4, `${i.kind}:${i.feature} share off its ${i.share} (p = ${pValues[k]})`));
    assert.ok(inWindow.every((i) => !Object.values(i.instance).includes('atlantis') || i.instance.region === 'atlantis'));
  });

  test('label delays follow the configured distribution on the scenario clock, compressed by the time scale', () => {
    const q = [0.1, 0.25, 0.5, 0.75, 0.9];
    const quantile = (xs: number[], p: number) => {
      const s = [...xs].sort((a, b) => a - b);
      const h = (s.length - 1) * p;
      return s[Math.floor(h)]! + (h - Math.floor(h)) * (s[Math.ceil(h)]! - s[Math.floor(h)]!);
    };
    const logn = run({ effects: [{ type: 'labelDelay', distribution: { kind: 'lognormal', median: '30m', sigma: 0.8 } }] }, { timeScale: 60 });
    const expo = run({ effects: [{ type: 'labelDelay', distribution: { kind: 'exponential', mean: '2h' } }] }, { timeScale: 3600 });
    const fixed = run({ effects: [{ type: 'labelDelay', start: '50%', distribution: { kind: 'fixed', delay: '1d' } }] }, { timeScale: 86_400 });
    const lognSim = logn.map((i) => i.label.delaySimMs);
    const expoSim = expo.map((i) => i.label.delaySimMs);
    const [lognQ, expoQ, lognP, expoP] = runSimulatorReference([
      { op: 'ppf', dist: 'lognorm', median: 1_800_000, sigma: 0.8, q },
      { op: 'ppf', dist: 'expon', mean: 7_200_000, q },
      { op: 'kstest', dist: 'lognorm', median: 1_800_000, sigma: 0.8, sample: lognSim },
      { op: 'kstest', dist: 'expon', mean: 7_200_000, sample: expoSim },
    ]) as [number[], number[], number, number];
    q.forEach((p, k) => {
      assert.ok(Math.abs(quantile(lognSim, p) / lognQ[k]! - 1) < 0.04, `lognormal q${p}: ${quantile(lognSim, p)} vs scipy ${lognQ[k]}`);
      assert.ok(Math.abs(quantile(expoSim, p) / expoQ[k]! - 1) < 0.05, `exponential q${p}: ${quantile(expoSim, p)} vs scipy ${expoQ[k]}`);
    });
    assert.ok(lognP > 1e-4 && expoP > 1e-4, `KS p-values ${lognP}, ${expoP}`);
    for (const item of logn) {
      assert.ok(Math.abs(item.label.delayMs - item.label.delaySimMs / 60) < 1e-9);
      assert.ok(Math.abs(item.label.dueOffsetMs - item.offsetMs - item.label.delayMs) < 1e-9);
      assert.equal(item.label.ts, Math.floor(START + item.label.dueOffsetMs));
    }
    // One scenario day at 86400× is one wall second; before the effect starts, labels are immediate.
    assert.ok(fixed.every((i) => (i.offsetMs < 10_000 ? i.label.delayMs === 0 : i.label.delayMs === 1_000)));
  });

  test('label noise flips and label coverage drops the configured shares', () => {
    const items = run({ effects: [{ type: 'labelNoise', share: 0.1 }, { type: 'labelCoverage', share: 0.7 }] });
    assertShare(items.filter((i) => i.label.flipped).length, items.length, 0.1, 'flipped');
    assertShare(items.filter((i) => i.label.covered).length, items.length, 0.7, 'covered');
    assert.ok(items.every((i) => i.label.value === (i.label.flipped ? 1 - i.label.trueValue : i.label.trueValue)));
    const base = run({});
    assert.deepEqual(items.map((i) => i.label.trueValue), base.map((i) => i.label.trueValue), 'noise does not change the true labels');
    assert.ok(base.every((i) => i.label.covered && !i.label.flipped));
  });

  test('rate seasonality modulates the arrivals; latency spikes and error bursts shape Kafka-mode events in their window', () => {
    // Period = the whole run (2 scenario hours): the first half carries 1 + 2A/π of the mean rate, the second 1 − 2A/π.
    const seasonal = run({ effects: [{ type: 'seasonality', target: 'rate', period: '2h', amplitude: 0.5 }] });
    const firstHalf = seasonal.filter((i) => i.offsetMs < 10_000).length;
    const secondHalf = seasonal.length - firstHalf;
    const expected = (1 + 1 / Math.PI) / (1 - 1 / Math.PI);
    assert.ok(Math.abs(firstHalf / secondHalf / expected - 1) < 0.01, `half ratio ${firstHalf / secondHalf}, expected ${expected}`);
    assert.ok(Math.abs(seasonal.length / 20_000 - 1) < 0.01, `total ${seasonal.length}`);
    assert.equal(simulate(parseScenario({ effects: [{ type: 'seasonality', target: 'rate', period: '2h', amplitude: 0.5 }] }), { seed: 1, rate: 100, durationMs: 1000, startMs: START }).peakRatePerSec, 150);

    const items = run({ effects: [{ type: 'latencySpike', start: '50%', extraMs: 500, share: 0.3 }, { type: 'errorBurst', start: '50%', end: '75%', share: 0.2, message: 'GPU fell off the bus' }] });
    const before = items.filter((i) => i.offsetMs < 10_000);
    const spike = items.filter((i) => i.offsetMs >= 10_000);
    const burst = items.filter((i) => i.offsetMs >= 10_000 && i.offsetMs < 15_000);
    assert.ok(before.every((i) => i.event.latency_ms < 500 && i.event.status === 'ok'));
    assertShare(spike.filter((i) => i.event.latency_ms >= 500).length, spike.length, 0.3, 'slow');
    assertShare(burst.filter((i) => i.event.status === 'error').length, burst.length, 0.2, 'errors');
    assert.ok(items.filter((i) => i.event.status === 'error').every((i) => i.offsetMs >= 10_000 && i.offsetMs < 15_000 && i.event.error === 'GPU fell off the bus' && Object.keys(i.event.outputs).length === 0));
  });

  test('a run needs a bound; maxEvents stops it; effects that never start are reported', () => {
    const s = parseScenario({ effects: [{ type: 'errorBurst', start: '5h', share: 0.1 }] });
    assert.throws(() => simulate(s, { seed: 1, rate: 10, durationMs: Infinity, startMs: START }), /durationMs: an unbounded run needs maxEvents/);
    assert.throws(() => simulate(s, { seed: 1, rate: 0, durationMs: 1000, startMs: START }), /rate: must be a positive number/);
    assert.throws(() => simulate(s, { seed: 1, rate: 10, durationMs: 1000, startMs: 1_700_000_000 }), /startMs: must be ms since the epoch/);
    assert.equal([...simulate(s, { seed: 1, rate: 10, durationMs: Infinity, maxEvents: 25, startMs: START })].length, 25);
    assert.match(simulate(s, { seed: 1, rate: 10, durationMs: 60_000, startMs: START, timeScale: 60 }).warnings[0]!, /effects\[0\] \(errorBurst\) starts at 5 h .* after the run ends \(60 min\)/);
  });
});
