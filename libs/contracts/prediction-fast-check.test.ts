import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { newPredictionId } from './prediction-id.ts';
import { isExactPredictionEvent } from './prediction-fast-check.ts';
import { predictionEventSchema } from './schemas.ts';

const base = () => ({
  schema_version: 1,
  prediction_id: newPredictionId(Date.UTC(2026, 5, 1)),
  model: 'credit',
  model_version: '2',
  ts: Date.UTC(2026, 5, 1),
  features: { income: 52_000, region: 'north', flag: true, note: null } as Record<string, unknown>,
  outputs: { probability: 0.2 } as Record<string, unknown>,
  latency_ms: 3.5,
  status: 'ok',
  node: 'n1',
  execution_provider: 'cpu',
});

/** Values to try in every field: right and wrong types, and both sides of every bound. */
const probes: unknown[] = [
  undefined, null, true, 0, 1, -1, 1.5, Number.NaN, '', 'x', 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(200), 'x'.repeat(201), 'x'.repeat(4096), 'x'.repeat(4097),
  [], {}, { a: 1 }, 946_684_800_000, 946_684_799_999, 4_102_444_800_000, 4_102_444_800_001, 1_780_000_000_000.5, 3_600_000, 3_600_000.5,
  'ok', 'error', 'OK', 2, '1', '01a20623-f6f0-79ca-8cbe-167f24f65300', '01A20623-F6F0-79CA-8CBE-167F24F65300', '01a20623-f6f0-49ca-8cbe-167f24f65300',
  '01a20623-f6f0-79ca-ccbe-167f24f65300', '00000000-0000-0000-0000-000000000000', ' 01a20623-f6f0-79ca-8cbe-167f24f65300',
];
const recordProbes: unknown[] = [
  {}, { a: null }, { a: [1] }, { a: { b: 1 } }, { '': 1 }, { ['k'.repeat(200)]: 1 }, { ['k'.repeat(201)]: 1 }, { a: 'v'.repeat(4096) }, { a: 'v'.repeat(4097) }, [], null, 'x', { a: Number.NaN },
];

/** The fast check must say yes exactly when zod accepts the event unchanged (nothing stripped). */
function agree(event: Record<string, unknown>, label: string): void {
  const zod = predictionEventSchema.safeParse(event);
  const exact = zod.success && isDeepStrictEqual(zod.data, event);
  assert.equal(isExactPredictionEvent(event), exact, `${label}: fast=${!exact} zod=${zod.success} ${zod.success ? '' : zod.error.issues[0]?.message}`);
}

describe('isExactPredictionEvent agrees with the zod contract', () => {
  it('accepts valid events, with and without error', () => {
    assert.equal(isExactPredictionEvent(base()), true);
    assert.equal(isExactPredictionEvent({ ...base(), status: 'error', error: 'boom' }), true);
  });

  it('on every field × every probe value', () => {
    let cases = 0;
    for (const field of Object.keys(base()).concat(['error', 'extra'])) {
      for (const value of field === 'features' || field === 'outputs' ? [...probes, ...recordProbes] : probes) {
        const event: Record<string, unknown> = { ...base(), [field]: value };
        if (value === undefined) delete event[field];
        agree(event, `${field}=${JSON.stringify(value)?.slice(0, 40)}`);
        cases++;
      }
    }
    assert.ok(cases > 400);
  });

  it('on non-objects', () => {
    for (const v of [null, 1, 'x', [], [base()]]) assert.equal(isExactPredictionEvent(v), false);
  });
});
