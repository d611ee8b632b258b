import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { FeatureContract, ValidationSchema } from './schema.ts';
import { compileSchema, validateFeatures } from './validate-event.ts';
import { ViolationState } from './violation-state.ts';

/**
 * Micro-benchmark of per-event validation, printed and not asserted (timings
 * on a shared 2-core machine are not a pass/fail signal). Its own file, so
 * its process's JIT feedback comes from what production looks like: events
 * decoded from JSON for a few models with different feature sets.
 */
const DOMAIN = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];

function schemaOf(prefix: string, size: number): ValidationSchema {
  return {
    schema_version: 1,
    features: Array.from({ length: size }, (_, i): FeatureContract =>
      i % 2 === 0
        ? { name: `${prefix}num_${i}`, type: 'numeric', required: true, max_null_rate: 0.01, min: 0, max: 1000 }
        : { name: `${prefix}cat_${i}`, type: 'categorical', required: true, max_null_rate: 0, domain: DOMAIN },
    ),
  };
}

/** Events as the consumer sees them: JSON.parse output, so objects of one model share a shape. */
function eventsOf(schema: ValidationSchema, n: number): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, e) => {
    const features: Record<string, unknown> = {};
    for (const f of schema.features) features[f.name] = f.type === 'numeric' ? (e * 7 + f.name.length) % 1000 : DOMAIN[e % 5];
    return JSON.parse(JSON.stringify(features)) as Record<string, unknown>;
  });
}

function nsPerCall(rounds: number, body: (i: number) => number): number {
  let sink = 0;
  for (let i = 0; i < rounds / 5; i++) sink += body(i); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) sink += body(i);
  const ns = Number(process.hrtime.bigint() - start) / rounds;
  assert.ok(Number.isFinite(sink));
  return ns;
}

it('micro-benchmark: validateFeatures and ViolationState.observe, 20 features per event (printed, not asserted)', () => {
  // Other models first, so the checker's code sees several shapes, as in a multi-model processor.
  for (const [prefix, size] of [['a_', 8], ['b_', 35], ['c_', 12]] as const) {
    const schema = schemaOf(prefix, size);
    const checker = compileSchema(schema);
    for (const e of eventsOf(schema, 200)) for (let r = 0; r < 50; r++) checker.check(e);
  }

  const schema = schemaOf('', 20);
  const checker = compileSchema(schema);
  const clean = eventsOf(schema, 1000);
  // One event in ten with two violations (an out-of-range number, an unknown category).
  const dirty = clean.map((e, i) => (i % 10 === 0 ? (JSON.parse(JSON.stringify({ ...e, num_0: -1, cat_1: 'zeta' })) as Record<string, unknown>) : e));
  const ids = clean.map((_, i) => `0190c0de-0000-7000-8000-${String(i).padStart(12, '0')}`);
  assert.equal(validateFeatures(clean[0]!, schema).length, 0);

  const rounds = 1_000_000;
  const cleanNs = nsPerCall(rounds, (i) => validateFeatures(clean[i % 1000]!, checker).length);
  const dirtyNs = nsPerCall(rounds, (i) => validateFeatures(dirty[i % 1000]!, checker).length);
  const state = new ViolationState();
  const observeNs = nsPerCall(rounds, (i) => state.observe(checker, ids[i % 1000]!, dirty[i % 1000]!).length);
  assert.equal(state.withViolations, Math.round((rounds * 1.2) / 10));
  console.log(
    `validateFeatures, 20 features: ${cleanNs.toFixed(0)} ns/event (valid events), ${dirtyNs.toFixed(0)} ns/event (10% with 2 violations); ` +
      `ViolationState.observe (check + counts + samples): ${observeNs.toFixed(0)} ns/event`,
  );
});
