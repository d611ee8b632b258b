import type { FeatureSpec } from './model-card.ts';
import type { Rng } from './random.ts';

/**
 * The demo domain "credit default": loan applications and whether the
 * borrower defaulted. The data come from a known generating process, so a
 * demo can show drift it caused on purpose and a trainer can be checked
 * against the truth.
 *
 * Rows: the covariates are drawn with realistic marginals and dependencies
 * (employment years grow with age, income with both, loan size with income and
 * purpose, late payments with utilization). The label is then drawn from a
 * TRUE LOGISTIC PROCESS that is linear in the raw feature values:
 *
 *   P(default = 1 | x) = sigmoid(intercept + Σ numeric[f]·x_f + Σ categorical[f][x_f])
 *
 * with the coefficients in TRUE_CONCEPT (categorical effects are relative to a
 * reference category whose effect is 0). A logistic regression on the same
 * features is therefore correctly specified and can recover the process.
 *
 * Drift hooks: `sampleRow(rng, drift)` applies covariate shift (affine change
 * of numeric features, new category mixes) before the label is drawn, so
 * P(y | x) is unchanged; `sampleLabel(row, rng, concept)` draws from other
 * coefficients, which is concept drift.
 */

export const NUMERIC_FEATURES = [
  'age',
  'income',
  'employment_years',
  'debt_ratio',
  'credit_utilization',
  'num_late_payments',
  'loan_amount',
] as const;
export type NumericFeature = (typeof NUMERIC_FEATURES)[number];

export const CATEGORY_DOMAINS = {
  home_ownership: ['rent', 'own', 'mortgage'],
  loan_purpose: ['car', 'home', 'education', 'business', 'debt_consolidation'],
  region: ['north', 'south', 'east', 'west'],
} as const;
export type CategoricalFeature = keyof typeof CATEGORY_DOMAINS;
export const CATEGORICAL_FEATURES = Object.keys(CATEGORY_DOMAINS) as CategoricalFeature[];

/** One loan application. Numeric values are in the units of CREDIT_FEATURES. */
export type CreditRow = { [F in NumericFeature]: number } & { [F in CategoricalFeature]: string };

/** The label column's name. */
export const LABEL = 'default';

/**
 * The feature schema (this becomes the model card's `features`). Ranges are the
 * ranges the undrifted process can produce; drifted data may leave them, which
 * the schema contract is there to catch.
 */
export const CREDIT_FEATURES: readonly FeatureSpec[] = [
  { name: 'age', kind: 'numeric', min: 21, max: 75, nullable: false, unit: 'years', description: 'Applicant age in whole years.' },
  { name: 'income', kind: 'numeric', min: 8_000, max: 400_000, nullable: false, unit: 'USD/year', description: 'Gross annual income.' },
  { name: 'employment_years', kind: 'numeric', min: 0, max: 45, nullable: false, unit: 'years', description: 'Years with the current employer.' },
  { name: 'debt_ratio', kind: 'numeric', min: 0, max: 1.2, nullable: false, description: 'Monthly debt payments / monthly income.' },
  { name: 'credit_utilization', kind: 'numeric', min: 0, max: 1, nullable: false, description: 'Revolving balance / revolving limit.' },
  { name: 'num_late_payments', kind: 'numeric', min: 0, max: 20, nullable: false, unit: 'count', description: 'Payments 30+ days late in the last 2 years.' },
  { name: 'loan_amount', kind: 'numeric', min: 1_000, max: 100_000, nullable: false, unit: 'USD', description: 'Requested principal.' },
  { name: 'home_ownership', kind: 'categorical', domain: [...CATEGORY_DOMAINS.home_ownership], nullable: false, description: 'Housing status.' },
  { name: 'loan_purpose', kind: 'categorical', domain: [...CATEGORY_DOMAINS.loan_purpose], nullable: false, description: 'Stated purpose of the loan.' },
  { name: 'region', kind: 'categorical', domain: [...CATEGORY_DOMAINS.region], nullable: false, description: 'Sales region.' },
];

/** Coefficients of the true logistic process, per raw unit of each feature. */
export interface Concept {
  intercept: number;
  numeric: Record<NumericFeature, number>;
  /** Effect on the logit of each category; missing categories (and the reference) are 0. */
  categorical: { [F in CategoricalFeature]: Partial<Record<string, number>> };
}

/**
 * The process the demo model is trained on. Per unit: −0.02 per year of age,
 * −0.15 per $10k income, +0.2 per $10k loan; a late payment adds 0.35 to the
 * logit (×1.42 odds). The intercept puts the default rate near 15%.
 */
export const TRUE_CONCEPT: Concept = {
  intercept: -2.45,
  numeric: {
    age: -0.02,
    income: -0.000015,
    employment_years: -0.04,
    debt_ratio: 2.5,
    credit_utilization: 2.0,
    num_late_payments: 0.35,
    loan_amount: 0.00002,
  },
  categorical: {
    home_ownership: { rent: 0, own: -0.4, mortgage: -0.2 },
    loan_purpose: { car: 0, home: -0.2, education: 0.3, business: 0.6, debt_consolidation: 0.4 },
    region: { north: 0, south: 0.15, east: -0.1, west: 0.05 },
  },
};

/** Changes to the true coefficients; unspecified ones keep their TRUE_CONCEPT value. */
export interface ConceptChange {
  intercept?: number;
  numeric?: Partial<Record<NumericFeature, number>>;
  categorical?: { [F in CategoricalFeature]?: Partial<Record<string, number>> };
}

/** TRUE_CONCEPT with the given coefficients replaced — a concept drift scenario. */
export function driftedConcept(change: ConceptChange, base: Concept = TRUE_CONCEPT): Concept {
  const categorical = { ...base.categorical };
  for (const f of CATEGORICAL_FEATURES) categorical[f] = { ...base.categorical[f], ...change.categorical?.[f] };
  return {
    intercept: change.intercept ?? base.intercept,
    numeric: { ...base.numeric, ...change.numeric },
    categorical,
  };
}

/** Category mixes of the undrifted population, in CATEGORY_DOMAINS order. */
export const BASE_CATEGORY_WEIGHTS: { [F in CategoricalFeature]: readonly number[] } = {
  home_ownership: [0.4, 0.25, 0.35],
  loan_purpose: [0.25, 0.15, 0.12, 0.13, 0.35],
  region: [0.3, 0.2, 0.25, 0.25],
};

/**
 * Covariate shift. A numeric feature becomes `value·scale + shift` after it is
 * sampled (and after the dependent features were derived from the undrifted
 * value, so e.g. shifting age does not silently change income). A category mix
 * replaces the base weights of that feature (relative weights by category name;
 * unnamed categories get 0). Values may leave the schema ranges on purpose.
 */
export interface CovariateDrift {
  numeric?: Partial<Record<NumericFeature, { shift?: number; scale?: number }>>;
  categoryWeights?: { [F in CategoricalFeature]?: Partial<Record<string, number>> };
}

/** Draws one application; with `drift`, from the shifted population. */
export function sampleRow(rng: Rng, drift?: CovariateDrift): CreditRow {
  const pick = (f: CategoricalFeature): string => {
    const domain = CATEGORY_DOMAINS[f];
    const mix = drift?.categoryWeights?.[f];
    const weights = mix ? domain.map((c) => mix[c] ?? 0) : BASE_CATEGORY_WEIGHTS[f];
    return domain[rng.weightedIndex(weights)]!;
  };
  const home_ownership = pick('home_ownership');
  const loan_purpose = pick('loan_purpose');
  const region = pick('region');

  const age = Math.round(clamp(rng.normal(42, 12), 21, 75));
  const employment_years = round(clamp(rng.normal(0.35 * (age - 21), 4), 0, Math.min(45, age - 18)), 1);
  const income = Math.round(clamp(Math.exp(rng.normal(Math.log(38_000) + 0.01 * (age - 42) + 0.015 * employment_years, 0.45)), 8_000, 400_000));
  const debt_ratio = round(clamp(rng.normal(0.33, 0.15), 0, 1.2), 3);
  const credit_utilization = round(1 / (1 + Math.exp(-rng.normal(-0.5, 1.1))), 3);
  const num_late_payments = Math.min(20, rng.poisson(0.2 + 1.6 * credit_utilization));
  const loan_amount = Math.round(clamp(Math.exp(rng.normal(Math.log(0.3 * income) + PURPOSE_LOAN_LOG_FACTOR[loan_purpose]!, 0.5)), 1_000, 100_000));

  const row: CreditRow = {
    age, income, employment_years, debt_ratio, credit_utilization, num_late_payments, loan_amount,
    home_ownership, loan_purpose, region,
  };
  for (const f of NUMERIC_FEATURES) {
    const change = drift?.numeric?.[f];
    if (change) row[f] = row[f] * (change.scale ?? 1) + (change.shift ?? 0);
  }
  return row;
}

/** Loans for a home are larger than the income-based typical size, education loans smaller. */
const PURPOSE_LOAN_LOG_FACTOR: Partial<Record<string, number>> = {
  car: 0, home: 0.7, education: -0.3, business: 0.4, debt_consolidation: 0,
};

/** The true logit of a row under a concept. Unknown categories contribute 0. */
export function trueLogit(row: CreditRow, concept: Concept = TRUE_CONCEPT): number {
  let z = concept.intercept;
  for (const f of NUMERIC_FEATURES) z += concept.numeric[f] * row[f];
  for (const f of CATEGORICAL_FEATURES) z += concept.categorical[f][row[f]] ?? 0;
  return z;
}

/** P(default = 1 | row) under a concept. */
export function trueProbability(row: CreditRow, concept: Concept = TRUE_CONCEPT): number {
  return 1 / (1 + Math.exp(-trueLogit(row, concept)));
}

/** Draws the label `default` (0 or 1) for a row; pass a changed concept for concept drift. */
export function sampleLabel(row: CreditRow, rng: Rng, concept: Concept = TRUE_CONCEPT): 0 | 1 {
  return rng.next() < trueProbability(row, concept) ? 1 : 0;
}

/** A labelled sample. Rows and labels use separate streams so the rows do not depend on the concept. */
export function sampleDataset(rng: Rng, n: number, opts: { drift?: CovariateDrift; concept?: Concept } = {}): { rows: CreditRow[]; labels: Uint8Array } {
  const rowRng = rng.fork();
  const labelRng = rng.fork();
  const rows: CreditRow[] = new Array(n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const row = sampleRow(rowRng, opts.drift);
    rows[i] = row;
    labels[i] = sampleLabel(row, labelRng, opts.concept);
  }
  return { rows, labels };
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
