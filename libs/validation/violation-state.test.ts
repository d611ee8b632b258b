import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '../errors/errors.ts';
import { createRng } from '../model/random.ts';
import { fnv1a32, sampleHash } from './sample-hash.ts';
import type { ValidationSchema } from './schema.ts';
import { compileSchema } from './validate-event.ts';
import { finalizeViolations, OTHER_UNKNOWN_FEATURES, ViolationState, type ViolationStateOptions } from './violation-state.ts';

const SCHEMA: ValidationSchema = {
  schema_version: 1,
  features: [
    { name: 'income', type: 'numeric', required: true, max_null_rate: 0, min: 0, max: 1_000_000 },
    { name: 'age', type: 'numeric', required: true, max_null_rate: 0.1, min: 18, max: 99 },
    { name: 'region', type: 'categorical', required: true, max_null_rate: 0, domain: ['north', 'south'] },
    { name: 'vip', type: 'boolean', required: false, max_null_rate: 1 },
  ],
};
const checker = compileSchema(SCHEMA);

/** FNV-1a 32 written over bytes, straight from the spec, to check the string version against. */
function fnvOfBytes(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

interface Event {
  id: string;
  features: Record<string, unknown>;
}

/** Random events, a quarter of them with one or more problems. */
function randomEvents(n: number, seed: number, unknownNames = 12): Event[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => {
    const features: Record<string, unknown> = { income: Math.round(rng.uniform(0, 200_000)), age: Math.round(rng.uniform(18, 99)), region: rng.next() < 0.5 ? 'north' : 'south', vip: rng.next() < 0.2 };
    const r = rng.next();
    if (r < 0.05) features.income = -1;
    else if (r < 0.08) features.age = null;
    else if (r < 0.1) features.region = 'east';
    else if (r < 0.12) features.income = 'NaN';
    else if (r < 0.14) delete features.region;
    else if (r < 0.17) features[`u${Math.floor(rng.next() * unknownNames)}`] = i;
    else if (r < 0.2) features.vip = 'yes';
    else if (r < 0.22) features.vip = null;
    // A stable, unique id per event (the real ones are UUIDv7; any string works).
    return { id: `0190${seed.toString(16).padStart(4, '0')}-${i.toString(16).padStart(8, '0')}`, features };
  });
}

function stateOf(events: readonly Event[], options?: ViolationStateOptions): ViolationState {
  const state = new ViolationState(options);
  for (const e of events) state.observe(checker, e.id, e.features);
  return state;
}

const serialize = (s: ViolationState) => JSON.stringify(s.toJSON());

describe('sample hash', () => {
  it('is FNV-1a 32 over UTF-8 bytes (published vectors and a byte-level reference)', () => {
    assert.equal(fnv1a32(''), 0x811c9dc5);
    assert.equal(fnv1a32('a'), 0xe40c292c);
    assert.equal(fnv1a32('foobar'), 0xbf9cf968);
    for (const text of ['income', 'é', 'naïve café', '日本語', 'emoji 😀!', 'lone \ud800 surrogate', '\udc00']) {
      assert.equal(fnv1a32(text), fnvOfBytes(new TextEncoder().encode(text)), JSON.stringify(text));
    }
    const id = '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b';
    assert.equal(sampleHash(id, 'région'), fnvOfBytes(new Uint8Array([...new TextEncoder().encode(id), 0, ...new TextEncoder().encode('région')])));
  });
});

describe('ViolationState', () => {
  it('counts checked events, events with violations, violations per (rule, feature) and values missing', () => {
    const state = new ViolationState();
    state.observe(checker, 'e1', { income: 10, age: 30, region: 'north' });
    state.observe(checker, 'e2', { income: -5, age: 300, region: 'north' });
    state.observe(checker, 'e3', { income: 'NaN', age: null, region: 'west', extra: 1 });
    state.observe(checker, 'e4', { age: 20, region: 'south', vip: 'yes' });
    assert.equal(state.checked, 4);
    assert.equal(state.withViolations, 3);
    assert.equal(state.count('range', 'income'), 1);
    assert.equal(state.count('range', 'age'), 1);
    assert.equal(state.count('nan_inf', 'income'), 1);
    assert.equal(state.count('domain', 'region'), 1);
    assert.equal(state.count('unknown_feature', 'extra'), 1);
    assert.equal(state.count('missing', 'income'), 1);
    assert.equal(state.count('type', 'vip'), 1);
    assert.equal(state.count('missing', 'age'), 0, 'age may be null (10%)');
    assert.equal(state.noValueCount('age'), 1);
    assert.equal(state.noValueCount('income'), 1);
    assert.equal(state.noValueCount('vip'), 3);
  });

  it('finalizes rows with rates and per-feature samples, and the window-level null_rate rule', () => {
    const state = new ViolationState();
    for (let i = 0; i < 20; i++) {
      const features: Record<string, unknown> = { income: i === 0 ? -1 : 1, age: i < 3 ? null : 40, region: i === 1 ? 'east' : 'north' };
      state.observe(checker, `id-${String(i).padStart(2, '0')}`, features);
    }
    const report = finalizeViolations(state, SCHEMA);
    assert.equal(report.checked, 20);
    assert.equal(report.with_violations, 2);
    assert.equal(report.violation_rate, 2 / 20);
    assert.deepEqual(report.rows, [
      { rule: 'domain', feature: 'region', count: 1, rate: 1 / 20, samples: [{ prediction_id: 'id-01', feature: 'region', value: 'east' }] },
      // 3 of 20 without an age = 0.15 > 0.1 allowed. vip has no value in all 20 events but allows 100%.
      { rule: 'null_rate', feature: 'age', count: 3, rate: 3 / 20, allowed_rate: 0.1, samples: [] },
      { rule: 'range', feature: 'income', count: 1, rate: 1 / 20, samples: [{ prediction_id: 'id-00', feature: 'income', value: '-1' }] },
    ]);

    // At exactly the allowed rate (2 of 20 = 0.1) the rule does not fire.
    const atLimit = new ViolationState();
    for (let i = 0; i < 20; i++) atLimit.observe(checker, `id-${i}`, { income: 1, age: i < 2 ? null : 40, region: 'north' });
    assert.deepEqual(finalizeViolations(atLimit, SCHEMA).rows, []);
    // Nothing checked: no rows, rate 0.
    assert.deepEqual(finalizeViolations(new ViolationState(), SCHEMA), { checked: 0, with_violations: 0, violation_rate: 0, rows: [] });
  });

  it('keeps the k offending entries with the smallest (hash, prediction_id), whatever the arrival order', () => {
    const events = randomEvents(2000, 11);
    const state = stateOf(events, { sampleSize: 5 });
    const offending = events.flatMap((e) => checker.check(e.features).filter((v) => v.rule === 'range').map((v) => ({ id: e.id, feature: v.feature, value: String(v.value) })));
    assert.ok(offending.length > 20);
    const expected = offending
      .map((o) => ({ ...o, hash: fnvOfBytes(new Uint8Array([...new TextEncoder().encode(o.id), 0, ...new TextEncoder().encode(o.feature)])) }))
      .sort((a, b) => a.hash - b.hash || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, 5)
      .map((o) => ({ prediction_id: o.id, feature: o.feature, value: o.value }));
    assert.deepEqual(state.samplesOf('range'), expected);
    const shuffled = [...events].sort((a, b) => fnv1a32(a.id) - fnv1a32(b.id));
    assert.equal(serialize(stateOf(shuffled)), serialize(state));
    // A replayed event cannot enter a sample twice.
    const replayed = stateOf([...events, ...events]);
    assert.deepEqual(replayed.samplesOf('range'), expected);
  });

  it('merges 3 partitions to the bytes of one pass, in every grouping and order', () => {
    const events = randomEvents(6000, 5, 40);
    const options = { sampleSize: 4, maxUnknownFeatures: 10 };
    const onePass = serialize(stateOf(events, options));
    // Uneven partitions, split by id hash like Kafka keys would be.
    const partitions: Event[][] = [[], [], []];
    for (const e of events) partitions[fnv1a32(e.id) % 3 === 0 ? 0 : fnv1a32(e.id) % 7 < 3 ? 1 : 2]!.push(e);
    const [a, b, c] = partitions.map((p) => stateOf(p, options)) as [ViolationState, ViolationState, ViolationState];
    const m = ViolationState.merge;
    for (const merged of [m(m(a, b), c), m(a, m(b, c)), m(m(c, a), b), m(b, m(c, a)), m(m(b, c), a)]) assert.equal(serialize(merged), onePass);
    // Unknown names beyond the cap were folded the same way in the partitions and in one pass.
    const json = JSON.parse(onePass) as { counts: Array<[string, string, number]>; unknown_other: number };
    assert.equal(json.counts.filter(([rule]) => rule === 'unknown_feature').length, 10);
    assert.ok(json.unknown_other > 0);
  });

  it('round-trips through JSON text exactly', () => {
    const state = stateOf(randomEvents(3000, 9, 200));
    const text = serialize(state);
    const back = ViolationState.fromJSON(JSON.parse(text));
    assert.equal(serialize(back), text);
    assert.deepEqual(finalizeViolations(back, SCHEMA), finalizeViolations(state, SCHEMA));
  });

  it('bounds unknown feature names: the smallest names are counted by name, the rest as one row', () => {
    const state = new ViolationState({ maxUnknownFeatures: 3 });
    const names = ['u7', 'u3', 'u9', 'u1', 'u5', 'u3', 'u8'];
    names.forEach((name, i) => state.observe(checker, `id-${i}`, { income: 1, age: 30, region: 'north', [name]: i }));
    assert.equal(state.count('unknown_feature', 'u1'), 1);
    assert.equal(state.count('unknown_feature', 'u3'), 2);
    assert.equal(state.count('unknown_feature', 'u5'), 1);
    assert.equal(state.count('unknown_feature', 'u7'), 0);
    assert.equal(state.count('unknown_feature', OTHER_UNKNOWN_FEATURES), 3); // u7, u8, u9
    const rows = finalizeViolations(state, SCHEMA).rows.filter((r) => r.rule === 'unknown_feature');
    assert.deepEqual(rows.map((r) => [r.feature, r.count]), [[OTHER_UNKNOWN_FEATURES, 3], ['u1', 1], ['u3', 2], ['u5', 1]]);
    const other = rows.find((r) => r.feature === OTHER_UNKNOWN_FEATURES)!;
    for (const s of other.samples) assert.ok(['u7', 'u8', 'u9'].includes(s.feature));
  });

  it('merges states of different sample sizes to the smaller one', () => {
    const events = randomEvents(1000, 3);
    const merged = ViolationState.merge(stateOf(events.slice(0, 500), { sampleSize: 5 }), stateOf(events.slice(500), { sampleSize: 2 }));
    assert.equal(merged.sampleSize, 2);
    assert.equal(serialize(merged), serialize(stateOf(events, { sampleSize: 2 })));
  });

  it('refuses malformed JSON with DECODE_FAILED', () => {
    const json = stateOf(randomEvents(200, 1)).toJSON();
    for (const bad of [null, { ...json, v: 2 }, { ...json, checked: -1 }, { ...json, with_violations: json.checked + 1 }, { ...json, counts: [['bogus', 'x', 1]] }]) {
      assert.throws(() => ViolationState.fromJSON(bad), (err: unknown) => hasCode(err, 'DECODE_FAILED'), JSON.stringify(bad).slice(0, 80));
    }
  });
});
