import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ValidationSchema } from './schema.ts';
import { compileSchema, validateFeatures, type Violation } from './validate-event.ts';

const SCHEMA: ValidationSchema = {
  schema_version: 1,
  features: [
    { name: 'income', type: 'numeric', required: true, max_null_rate: 0, min: 0, max: 1_000_000 },
    { name: 'age', type: 'numeric', required: true, max_null_rate: 0.05, min: 18, max: 99 },
    { name: 'region', type: 'categorical', required: true, max_null_rate: 0, domain: ['north', 'south'] },
    { name: 'note', type: 'categorical', required: false, max_null_rate: 0.5 },
    { name: 'vip', type: 'boolean', required: false, max_null_rate: 0.1 },
    { name: 'constructor', type: 'numeric', required: false, max_null_rate: 1 },
  ],
};

const VALID = { income: 52_000, age: 41, region: 'north', note: 'hello', vip: false, constructor: 3 };

const rules = (violations: readonly Violation[]) => violations.map((v) => `${v.rule}:${v.feature}`);
const check = (patch: Record<string, unknown>, drop: string[] = []) => {
  const features: Record<string, unknown> = { ...VALID, ...patch };
  for (const name of drop) delete features[name];
  return rules(validateFeatures(features, SCHEMA));
};

describe('validateFeatures', () => {
  it('passes a valid event and inclusive bounds', () => {
    assert.deepEqual(check({}), []);
    assert.deepEqual(check({ income: 0, age: 99 }), []);
    assert.deepEqual(check({ income: 1_000_000, age: 18 }), []);
    assert.equal(validateFeatures(VALID, SCHEMA).length, 0);
  });

  it("'type': a value of the wrong type", () => {
    assert.deepEqual(check({ income: '52000' }), ['type:income']);
    assert.deepEqual(check({ income: true }), ['type:income']);
    assert.deepEqual(check({ region: 3 }), ['type:region']);
    assert.deepEqual(check({ vip: 'true' }), ['type:vip']);
    assert.deepEqual(check({ vip: 1 }), ['type:vip']);
    assert.deepEqual(check({ income: { amount: 1 } }), ['type:income']);
  });

  it("'range': below min or above max", () => {
    assert.deepEqual(check({ income: -0.01 }), ['range:income']);
    assert.deepEqual(check({ age: 17.999 }), ['range:age']);
    assert.deepEqual(check({ age: 100 }), ['range:age']);
  });

  it("'domain': an unknown category, only where a domain is given", () => {
    assert.deepEqual(check({ region: 'east' }), ['domain:region']);
    assert.deepEqual(check({ region: 'North' }), ['domain:region']);
    assert.deepEqual(check({ note: 'anything at all' }), []);
  });

  it("'missing': required and absent, or no value where none is allowed", () => {
    assert.deepEqual(check({}, ['income']), ['missing:income']);
    assert.deepEqual(check({ income: null }), ['missing:income']);
    assert.deepEqual(check({ region: null }), ['missing:region']);
    // age allows 5% without a value: null is fine per event (the window checks the rate), absence is not (required).
    assert.deepEqual(check({ age: null }), []);
    assert.deepEqual(check({}, ['age']), ['missing:age']);
    // note and vip are optional and may be null.
    assert.deepEqual(check({ vip: null }, ['note']), []);
    // An inherited property is not a value: 'constructor' absent is just absent.
    assert.deepEqual(check({}, ['constructor']), []);
    assert.deepEqual(check({}, ['income', 'region']), ['missing:income', 'missing:region']);
  });

  it("'nan_inf': non-finite numbers and their spellings", () => {
    for (const value of [Number.NaN, Infinity, -Infinity, 'NaN', 'nan', 'Infinity', '-Infinity', 'inf', '+INF', '-inf']) {
      assert.deepEqual(check({ income: value }), ['nan_inf:income'], String(value));
    }
    assert.deepEqual(check({ income: 'infinite' }), ['type:income']);
    assert.deepEqual(check({ region: 'NaN' }), ['domain:region'], 'for a categorical, "NaN" is just a category');
  });

  it("'unknown_feature': keys the schema does not list", () => {
    assert.deepEqual(check({ favourite_colour: 'blue' }), ['unknown_feature:favourite_colour']);
    assert.deepEqual(check({ a: 1, b: null }), ['unknown_feature:a', 'unknown_feature:b']);
    // A key present with the value undefined is absent; it is not unknown.
    assert.deepEqual(check({ vip: undefined }), []);
    const parsed = JSON.parse('{"income":1,"age":30,"region":"south","__proto__":5}') as Record<string, unknown>;
    assert.deepEqual(rules(validateFeatures(parsed, SCHEMA)), ['unknown_feature:__proto__']);
  });

  it('reports every feature that breaks a rule, one violation each, with the value received', () => {
    const violations = validateFeatures({ income: 'NaN', age: 5, region: 'east', vip: 'no', x: 1 }, SCHEMA);
    assert.deepEqual(violations, [
      { rule: 'nan_inf', feature: 'income', value: 'NaN' },
      { rule: 'range', feature: 'age', value: 5 },
      { rule: 'domain', feature: 'region', value: 'east' },
      { rule: 'type', feature: 'vip', value: 'no' },
      { rule: 'unknown_feature', feature: 'x', value: 1 },
    ]);
  });

  it('reports features without a value to the callback', () => {
    const seen: string[] = [];
    compileSchema(SCHEMA).check({ income: null, age: 30, region: 'north', vip: null }, (f) => seen.push(f));
    // Keys in the event's order, then absent features in schema order.
    assert.deepEqual(seen, ['income', 'vip', 'note', 'constructor']);
  });
});
