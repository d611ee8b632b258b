import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CATEGORY_DOMAINS, CREDIT_FEATURES, type CreditRow, driftedConcept, sampleDataset, sampleLabel, sampleRow,
  TRUE_CONCEPT, trueLogit, trueProbability,
} from './credit-domain.ts';
import { modelCardSchema } from './model-card.ts';
import { createRng } from './random.ts';

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const share = (rows: CreditRow[], pick: (r: CreditRow) => boolean): number => rows.filter(pick).length / rows.length;

test('undrifted rows respect the feature schema', () => {
  const rng = createRng(1);
  const rows = Array.from({ length: 20_000 }, () => sampleRow(rng));
  for (const f of CREDIT_FEATURES) {
    for (const row of rows) {
      const v = (row as Record<string, number | string>)[f.name];
      if (f.kind === 'numeric') {
        assert.equal(typeof v, 'number');
        assert.ok((v as number) >= f.min && (v as number) <= f.max, `${f.name}=${v} outside [${f.min}, ${f.max}]`);
      } else {
        assert.ok(f.domain.includes(v as string), `${f.name}=${v} outside its domain`);
      }
    }
  }
  // The schema is a valid card feature list.
  assert.ok(modelCardSchema.shape.features.safeParse(CREDIT_FEATURES).success);
});

test('the population looks like loan applications', () => {
  const { rows, labels } = sampleDataset(createRng(2), 20_000);
  const defaultRate = mean(Array.from(labels));
  assert.ok(defaultRate > 0.12 && defaultRate < 0.2, `default rate ${defaultRate}`);
  assert.ok(Math.abs(mean(rows.map((r) => r.age)) - 42) < 1);
  // Dependencies of the generating process: income grows with employment, late payments with utilization.
  const senior = rows.filter((r) => r.employment_years > 15), junior = rows.filter((r) => r.employment_years < 3);
  assert.ok(mean(senior.map((r) => r.income)) > 1.2 * mean(junior.map((r) => r.income)));
  const highUtil = rows.filter((r) => r.credit_utilization > 0.7), lowUtil = rows.filter((r) => r.credit_utilization < 0.2);
  assert.ok(mean(highUtil.map((r) => r.num_late_payments)) > 2 * mean(lowUtil.map((r) => r.num_late_payments)));
  assert.ok(Math.abs(share(rows, (r) => r.home_ownership === 'rent') - 0.4) < 0.02);
});

test('labels follow the true logistic process', () => {
  const { rows, labels } = sampleDataset(createRng(3), 40_000);
  // Calibration by probability band: the observed default rate matches the true probability.
  const bands = [[0, 0.1], [0.1, 0.2], [0.2, 0.35], [0.35, 1]] as const;
  for (const [lo, hi] of bands) {
    const idx = rows.map((r, i) => [trueProbability(r), i] as const).filter(([p]) => p >= lo && p < hi);
    const expected = mean(idx.map(([p]) => p));
    const observed = mean(idx.map(([, i]) => labels[i]!));
    const se = Math.sqrt((expected * (1 - expected)) / idx.length);
    assert.ok(Math.abs(observed - expected) < 4 * se, `band [${lo},${hi}): observed ${observed}, expected ${expected}`);
  }
  // The logit is linear in the documented coefficients.
  const row = rows[0]!;
  const bumped = { ...row, num_late_payments: row.num_late_payments + 1 };
  assert.ok(Math.abs(trueLogit(bumped) - trueLogit(row) - TRUE_CONCEPT.numeric.num_late_payments) < 1e-12);
});

test('covariate drift shifts and scales numeric features and changes category mixes', () => {
  const base = sampleDataset(createRng(4), 10_000).rows;
  const drifted = sampleDataset(createRng(4), 10_000, {
    drift: {
      numeric: { age: { shift: 10 }, income: { scale: 1.5 } },
      categoryWeights: { loan_purpose: { business: 1 } },
    },
  }).rows;
  // Same seed, so the drift is exactly the affine change on each row.
  assert.ok(Math.abs(mean(drifted.map((r) => r.age)) - mean(base.map((r) => r.age)) - 10) < 1e-9);
  assert.ok(Math.abs(mean(drifted.map((r) => r.income)) / mean(base.map((r) => r.income)) - 1.5) < 0.05);
  assert.equal(share(drifted, (r) => r.loan_purpose === 'business'), 1);
  // Untouched features keep their distribution.
  assert.ok(Math.abs(mean(drifted.map((r) => r.debt_ratio)) - mean(base.map((r) => r.debt_ratio))) < 0.01);
});

test('concept drift changes P(default | x) but not the rows', () => {
  const harsher = driftedConcept({ numeric: { debt_ratio: 6 }, categorical: { region: { west: 1.5 } } });
  assert.equal(harsher.numeric.debt_ratio, 6);
  assert.equal(harsher.numeric.age, TRUE_CONCEPT.numeric.age);
  assert.equal(harsher.categorical.region.west, 1.5);
  assert.equal(harsher.categorical.region.south, TRUE_CONCEPT.categorical.region.south);
  assert.equal(TRUE_CONCEPT.numeric.debt_ratio, 2.5, 'the base concept is not mutated');

  const before = sampleDataset(createRng(5), 20_000);
  const after = sampleDataset(createRng(5), 20_000, { concept: harsher });
  assert.deepEqual(after.rows.slice(0, 100), before.rows.slice(0, 100));
  const westRate = (d: typeof before) => mean(d.rows.map((r, i) => [r, d.labels[i]!] as const).filter(([r]) => r.region === 'west').map(([, y]) => y));
  assert.ok(westRate(after) > westRate(before) + 0.1);
});

test('an unknown category adds nothing to the true logit', () => {
  const row = sampleRow(createRng(6));
  const unknown = { ...row, region: 'atlantis' };
  const baseline = { ...row, region: 'north' }; // the reference category, effect 0
  assert.equal(trueLogit(unknown), trueLogit(baseline));
  assert.ok([0, 1].includes(sampleLabel(unknown, createRng(1))));
  assert.deepEqual([...CATEGORY_DOMAINS.region], ['north', 'south', 'east', 'west']);
});
