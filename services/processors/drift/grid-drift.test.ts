/**
 * Drift of a window whose numeric values were counted on the reference grid
 * (the shape checkpoint chunks take once the profile is loaded) against the
 * exact values: KS statistic and p-value checked against scipy on the exact
 * data, PSI and Jensen–Shannon equal to the exact path (itself checked
 * against numpy in libs/stats), normed Wasserstein against scipy within the
 * grid's documented resolution. Chunks of both shapes mixed in one window.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { createRng } from '../../../libs/model/random.ts';
import { buildReferenceProfile, referenceColumnState } from '../../../libs/profiles/reference-profile.ts';
import type { StoredProfile } from '../../../libs/profiles/profile-store.ts';
import { computeColumnReport } from '../../../libs/stats/column-report.ts';
import { createNumericState, addNumeric } from '../../../libs/stats/partial-state.ts';
import { wassersteinGridBound } from '../../../libs/stats/reference-grid.ts';
import { GridAccumulator, RawAccumulator } from './column-codec.ts';
import { buildFeatureGrid } from './drift-grid.ts';
import { gridKey } from './grid-key.ts';
import { computeFeatureDrift } from './feature-drift.ts';

const rng = createRng(2024);
const n = 4_000;
const generators: Record<string, { reference: () => number; current: () => number }> = {
  normal_shifted: { reference: () => rng.normal(0, 1), current: () => rng.normal(0.15, 1.1) },
  income_lognormal: { reference: () => Math.round(Math.exp(rng.normal(10, 0.8))), current: () => Math.round(Math.exp(rng.normal(10.05, 0.8))) },
  // Integers: most current values equal a reference point (ties across the samples).
  ties_integers: { reference: () => Math.round(rng.normal(0, 20)), current: () => Math.round(rng.normal(1, 20)) },
  // Half the window beyond the reference's range: exact tail values.
  beyond_range: { reference: () => rng.next(), current: () => rng.next() * 2 },
};

const referenceRows = Array.from({ length: 3_000 }, () => Object.fromEntries(Object.entries(generators).map(([k, g]) => [k, g.reference()])));
const profile = buildReferenceProfile(referenceRows, { model: 'grid', modelVersion: '1', source: 'test' });
const stored: StoredProfile = { profile, profileVersion: 1 };
const key = gridKey(stored, undefined);

function scipy(reference: number[], current: number[]): { ks: number; p: number; wn: number } {
  const script = `
import json, sys, numpy as np
from scipy import stats
d = json.load(sys.stdin)
r, c = np.array(d["r"]), np.array(d["c"])
ks = stats.ks_2samp(r, c)
print(json.dumps({"ks": float(ks.statistic), "p": float(ks.pvalue), "wn": float(stats.wasserstein_distance(r, c) / max(np.std(r), 0.001))}))`;
  const out = spawnSync('python3', ['-c', script], { input: JSON.stringify({ r: reference, c: current }), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (out.status !== 0) throw new Error(`scipy reference failed: ${out.stderr}`);
  return JSON.parse(out.stdout) as { ks: number; p: number; wn: number };
}

function sampleStd(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
}

for (const [name, g] of Object.entries(generators)) {
  test(`grid-counted window = exact values: ${name}`, async () => {
    const feature = profile.features[name]!;
    const grid = buildFeatureGrid(feature, undefined)!;
    const current = Array.from({ length: n }, () => g.current());
    // Eight chunks, alternately grid-shaped and raw (written before the profile was loaded).
    const states: string[] = [];
    for (let c = 0; c < 8; c++) {
      const acc = c % 2 === 0 ? new GridAccumulator(grid, key) : new RawAccumulator();
      for (let i = c; i < n; i += 8) acc.add(current[i]);
      acc.add('not a number');
      states.push((await acc.encode())!);
    }
    const events = n + 100; // 100 events without the feature
    const { report } = computeFeatureDrift({ name, feature, states, events, minCurrentCount: 500, gridKey: key });

    const exact = createNumericState(n);
    for (const v of current) addNumeric(exact, v);
    exact.missing = events - n;
    const expected = computeColumnReport(name, referenceColumnState(feature), exact);
    assert.equal(report.currentCount, n);
    assert.equal(report.missing.current, expected.missing.current);
    assert.equal(report.ks!.statistic, expected.ks!.statistic, 'KS statistic exact');
    assert.equal(report.ks!.pValue, expected.ks!.pValue, 'KS p-value exact');
    assert.equal(report.psi, expected.psi, 'PSI exact');
    assert.equal(report.jensenShannon, expected.jensenShannon, 'Jensen–Shannon exact');

    const sample = [...(referenceColumnState(feature) as { values: Float64Array }).values];
    const reference = scipy(sample, current);
    assert.ok(Math.abs(report.ks!.statistic - reference.ks) < 1e-12, `KS ${report.ks!.statistic} vs scipy ${reference.ks}`);
    assert.ok(Math.abs(report.ks!.pValue - reference.p) <= 1e-9 * Math.max(1, reference.p), `KS p ${report.ks!.pValue} vs scipy ${reference.p}`);
    // Within the grid's bound (mean half level width of the values' intervals), normed by the reference std as the statistic is.
    const std = Math.max(feature.summary ? sampleStd(sample) : 1, 0.001);
    const bound = wassersteinGridBound(grid, current) / std;
    assert.ok(bound < 1e-3, `bound ${bound}`);
    assert.ok(Math.abs(report.wassersteinNormed! - reference.wn) <= bound + 1e-12, `normed Wasserstein ${report.wassersteinNormed} vs scipy ${reference.wn} (bound ${bound})`);
    assert.equal(report.drift?.drifted, expected.drift?.drifted);
  });
}

test('chunks counted on an older profile grid are read on their own grid', async () => {
  const name = 'normal_shifted';
  const older = buildReferenceProfile(Array.from({ length: 1_000 }, () => ({ [name]: rng.normal(0, 1) })), { model: 'grid', modelVersion: '1', source: 'test' });
  const olderKey = gridKey({ profile: older, profileVersion: 7 }, undefined);
  const olderGrid = buildFeatureGrid(older.features[name]!, undefined)!;
  const values = Array.from({ length: 2_000 }, () => rng.normal(0, 1));
  const acc = new GridAccumulator(olderGrid, olderKey);
  for (const v of values) acc.add(v);
  const states = [(await acc.encode())!];
  const feature = profile.features[name]!;
  const withOther = computeFeatureDrift({ name, feature, states, events: values.length, minCurrentCount: 1, gridKey: key, otherGridFeatures: { [olderKey]: older.features[name]! } });
  assert.equal(withOther.report.currentCount, values.length);
  assert.equal(withOther.report.message, undefined);
  // Without that grid the chunk cannot be read: said, not guessed.
  const without = computeFeatureDrift({ name, feature, states, events: values.length, minCurrentCount: 1, gridKey: key });
  assert.equal(without.report.currentCount, 0);
  assert.match(without.report.message ?? '', /1 chunk state\(s\) of this window could not be read.*grid 1\/7\/10/);
});

test('a corrupt chunk state is left out and said; the other chunks count', async () => {
  const name = 'normal_shifted';
  const feature = profile.features[name]!;
  const grid = buildFeatureGrid(feature, undefined)!;
  const acc = new GridAccumulator(grid, key);
  for (let i = 0; i < 600; i++) acc.add(rng.normal(0, 1));
  const good = (await acc.encode())!;
  // A state whose codes go wrong halfway: its good first half must not be counted either.
  const halfBad = JSON.parse(good) as { g: string; r: string };
  halfBad.r = Buffer.concat([Buffer.from(halfBad.r, 'base64'), Buffer.from([0xff, 0xff, 0xff, 0x7f, 0x01])]).toString('base64');
  // The second one is in the older pair coding ("s"), which is still read.
  const states = [good, `{"g":${JSON.stringify(key)},"s":"/////w=="}`, 'not json', JSON.stringify(halfBad), '{"c":[["a",1],"b"]}'];
  const { report } = computeFeatureDrift({ name, feature, states, events: 600, minCurrentCount: 1, gridKey: key });
  assert.equal(report.currentCount, 600);
  assert.match(report.message ?? '', /^4 chunk state\(s\) of this window could not be read/);
});

test('a reference prepared for one window is reused by content, and not for a feature that differs', async () => {
  const name = 'normal_shifted';
  const feature = profile.features[name]!;
  const values = Array.from({ length: 800 }, () => rng.normal(0.2, 1));
  const acc = new GridAccumulator(buildFeatureGrid(feature, undefined)!, key);
  for (const v of values) acc.add(v);
  const states = [(await acc.encode())!];
  const task = { name, feature, states, events: 800, minCurrentCount: 1, gridKey: key };
  const first = computeFeatureDrift(task);
  // A structured clone (as a worker receives it) finds the prepared reference and gives the same report.
  assert.deepEqual(computeFeatureDrift(structuredClone(task)), first);
  // The same sample with another missing count, or other bins: not the prepared one.
  const moreMissing = computeFeatureDrift({ ...task, feature: { ...feature, missing: feature.missing + feature.count } });
  assert.equal(moreMissing.report.missing.reference, 0.5);
  assert.equal(moreMissing.report.ks!.statistic, first.report.ks!.statistic);
  // Five PSI bins: another grid (its edges are grid points), so PSI is still the exact values'.
  const fiveKey = gridKey(stored, 5);
  const onFive = new GridAccumulator(buildFeatureGrid(feature, 5)!, fiveKey);
  for (const v of values) onFive.add(v);
  const fiveBins = computeFeatureDrift({ ...task, states: [(await onFive.encode())!], bins: 5, gridKey: fiveKey });
  const exact = createNumericState(800);
  for (const v of values) addNumeric(exact, v);
  assert.equal(fiveBins.report.psi, computeColumnReport(name, referenceColumnState(feature), exact, { bins: 5 }).psi);
  assert.equal(fiveBins.histogram!.labels.length, 5);
});
