import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '../errors/errors.ts';
import { CATEGORY_DOMAINS, CREDIT_FEATURES } from '../model/credit-domain.ts';
import type { ModelCard } from '../model/model-card.ts';
import { buildReferenceProfile } from '../profiles/reference-profile.ts';
import { summarizeRows, summaryFromProfile } from './column-summary.ts';
import { inferSchema } from './infer-schema.ts';
import { parseValidationSchema, schemaFromModelCard, type FeatureContract, type ValidationSchema } from './schema.ts';

/** A small reference set; expected values below are counted from it by hand. */
const ROWS: Array<Record<string, unknown>> = [
  { age: 20, city: 'a', flag: true, mixed: 1, free: 's0', all_null: null },
  { age: 25, city: 'b', flag: false, mixed: 2, free: 's1', all_null: null },
  { age: 30, city: 'c', flag: true, mixed: 'x', free: 's2', all_null: null },
  { age: 35, city: 'a', flag: true, mixed: 3, free: 's3', all_null: null },
  { age: null, city: 'b', flag: 'yes', mixed: 'y', free: 's4', all_null: null },
  { age: 45, city: 'a', flag: false, mixed: 4, free: 's5', all_null: null },
  { age: 50, flag: true, mixed: 'z', free: 's6', all_null: null },
  { age: 55, city: null, flag: true, mixed: 5, free: 's7', all_null: null },
  { age: 60, city: 'c', flag: false, mixed: 6, free: 's8', all_null: null },
  { age: 65, city: 'a', flag: true, mixed: 'w', free: 's9', all_null: null, extra: 1 },
];

const byName = (schema: ValidationSchema) => new Map(schema.features.map((f) => [f.name, f]));

describe('inferSchema', () => {
  it('infers types, ranges, domains, presence and null rates from rows', () => {
    const schema = inferSchema(ROWS, { maxDomainSize: 5 });
    const f = byName(schema);
    assert.deepEqual([...f.keys()], ['age', 'city', 'flag', 'mixed', 'free', 'all_null', 'extra']);
    // age: 9 numbers from 20 to 65, one null → 1/10 no value, + 0.01 margin.
    assert.deepEqual(f.get('age'), { name: 'age', type: 'numeric', required: true, max_null_rate: 0.1 + 0.01, min: 20, max: 65 });
    // city: absent once (9/10 present < 0.99 → not required), null once → 2/10 without a value.
    assert.deepEqual(f.get('city'), { name: 'city', type: 'categorical', required: false, max_null_rate: 0.2 + 0.01, domain: ['a', 'b', 'c'] });
    // flag: 9 booleans beat 1 string.
    assert.equal(f.get('flag')!.type, 'boolean');
    assert.equal(f.get('flag')!.domain, undefined);
    // mixed: 6 numbers beat 4 strings; the range covers the numbers only.
    assert.deepEqual([f.get('mixed')!.type, f.get('mixed')!.min, f.get('mixed')!.max], ['numeric', 1, 6]);
    // free: 10 distinct strings > maxDomainSize 5 → no domain.
    assert.deepEqual(f.get('free'), { name: 'free', type: 'categorical', required: true, max_null_rate: 0.01 });
    // all_null: nothing but nulls → categorical, no domain, any null rate.
    assert.deepEqual(f.get('all_null'), { name: 'all_null', type: 'categorical', required: true, max_null_rate: 1 });
    // extra: present in 1 row of 10.
    assert.deepEqual(f.get('extra'), { name: 'extra', type: 'numeric', required: false, max_null_rate: 0.9 + 0.01, min: 1, max: 1 });
    parseValidationSchema(schema);
  });

  it('applies the options: range margin, domain cap, presence threshold, null margin', () => {
    const schema = inferSchema(ROWS, { rangeMargin: 0.1, maxDomainSize: 100, requiredPresence: 0.9, nullRateMargin: 0 });
    const f = byName(schema);
    // Range 20..65 widened by 0.1 × 45 on each side.
    assert.equal(f.get('age')!.min, 20 - 0.1 * 45);
    assert.equal(f.get('age')!.max, 65 + 0.1 * 45);
    assert.equal(f.get('age')!.max_null_rate, 0.1);
    assert.equal(f.get('city')!.required, true, '9/10 ≥ 0.9');
    assert.equal(f.get('free')!.domain!.length, 10);
  });

  it('infers the same from a column summary or a stored reference profile', () => {
    const fromRows = inferSchema(ROWS, { maxDomainSize: 5 });
    assert.deepEqual(inferSchema(summarizeRows(ROWS, { maxTrackedCategories: 5 }), { maxDomainSize: 5 }), fromRows);

    const clean = ROWS.map((r) => ({ age: r.age, free: r.free }));
    const profile = buildReferenceProfile(clean, { model: 'm', modelVersion: '1', source: 'test' });
    const viaProfile = byName(inferSchema(summaryFromProfile(profile), { maxDomainSize: 5 }));
    const direct = byName(inferSchema(clean, { maxDomainSize: 5 }));
    assert.deepEqual(viaProfile.get('age'), direct.get('age'));
    assert.deepEqual(viaProfile.get('free'), direct.get('free'));
  });

  it('refuses no rows and bad options', () => {
    assert.throws(() => inferSchema([]), RangeError);
    assert.throws(() => inferSchema(ROWS, { requiredPresence: 2 }), RangeError);
    assert.throws(() => inferSchema(ROWS, { maxDomainSize: 1.5 }), RangeError);
  });
});

describe('schemaFromModelCard', () => {
  it('turns the card features into a schema: required, ranges, domains, nullability', () => {
    const card = { features: [...CREDIT_FEATURES, { name: 'score', kind: 'numeric', min: 0, max: 1, nullable: true }] } as unknown as ModelCard;
    const schema = schemaFromModelCard(card);
    parseValidationSchema(schema);
    const f = byName(schema);
    assert.equal(schema.features.length, CREDIT_FEATURES.length + 1);
    assert.deepEqual(f.get('age'), { name: 'age', type: 'numeric', required: true, max_null_rate: 0, min: 21, max: 75 });
    assert.deepEqual(f.get('region'), { name: 'region', type: 'categorical', required: true, max_null_rate: 0, domain: [...CATEGORY_DOMAINS.region] });
    assert.equal(f.get('score')!.max_null_rate, 1);
  });
});

describe('parseValidationSchema', () => {
  it('names the bad field', () => {
    const good: FeatureContract = { name: 'x', type: 'numeric', required: true, max_null_rate: 0, min: 0, max: 1 };
    const cases: Array<[unknown, RegExp]> = [
      [{ schema_version: 1, features: [{ ...good, min: 2 }] }, /features\.0\.max: min must be <= max/],
      [{ schema_version: 1, features: [{ ...good, domain: ['a'] }] }, /features\.0\.domain: domain applies to categorical/],
      [{ schema_version: 1, features: [{ ...good, type: 'categorical', min: undefined, max: undefined, domain: ['a', 'a'] }] }, /categories must be distinct/],
      [{ schema_version: 1, features: [good, good] }, /feature names must be distinct/],
      [{ schema_version: 1, features: [{ ...good, max_null_rate: 1.5 }] }, /features\.0\.max_null_rate/],
    ];
    for (const [value, message] of cases) {
      assert.throws(() => parseValidationSchema(value), (err: unknown) => hasCode(err, 'INPUT_INVALID') && message.test(err.message), JSON.stringify(value));
    }
  });
});
