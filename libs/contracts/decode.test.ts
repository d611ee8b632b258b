import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEvent, encodeEvent, MAX_MESSAGE_BYTES } from './decode.ts';
import { isPredictionId, newPredictionId, predictionIdTimeMs } from './prediction-id.ts';
import type { PredictionEvent } from './schemas.ts';

const valid = (): PredictionEvent => ({
  schema_version: 1,
  prediction_id: newPredictionId(Date.UTC(2026, 5, 1)),
  model: 'credit',
  model_version: '2',
  ts: Date.UTC(2026, 5, 1),
  features: { income: 52_000, region: 'north', note: null },
  outputs: { probability: 0.2 },
  latency_ms: 3.5,
  status: 'ok',
  node: 'n1',
  execution_provider: 'cpu',
});
const bytes = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('prediction ids', () => {
  it('are UUIDv7 carrying their creation time', () => {
    const t = Date.UTC(2026, 10, 23, 12, 0, 0, 123);
    const id = newPredictionId(t);
    assert.ok(isPredictionId(id));
    assert.equal(predictionIdTimeMs(id), t);
    assert.equal(isPredictionId('6f1c1d1e-0000-4000-8000-000000000000'), false, 'a v4 id is refused');
  });
  it('sort by time', () => {
    const a = newPredictionId(1_800_000_000_000);
    const b = newPredictionId(1_800_000_000_001);
    assert.ok(a < b);
  });
});

describe('decodeEvent', () => {
  it('accepts a valid prediction and round-trips through encodeEvent', () => {
    const event = valid();
    const decoded = decodeEvent('predictions', encodeEvent('predictions', event));
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value, event);
  });

  const cases: Array<[string, Buffer | null, RegExp]> = [
    ['null value', null, /empty/],
    ['empty value', Buffer.alloc(0), /empty/],
    ['oversize', Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x20), /exceeds/],
    ['non-UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), /UTF-8/],
    ['truncated JSON', bytes(valid()).subarray(0, 40), /not JSON/],
    ['array', bytes([1, 2]), /not a JSON object/],
    ['unknown schema_version', bytes({ ...valid(), schema_version: 2 }), /schema_version 2/],
    ['missing schema_version', bytes({ ...valid(), schema_version: undefined }), /schema_version undefined/],
    ['bad prediction_id', bytes({ ...valid(), prediction_id: 'abc' }), /prediction_id: must be a UUIDv7/],
    ['ts in seconds', bytes({ ...valid(), ts: 1_780_000_000 }), /^ts: must be ms since epoch/],
    ['wrong feature type', bytes({ ...valid(), features: { income: { nested: 1 } } }), /^features\.income/],
    ['bad status', bytes({ ...valid(), status: 'maybe' }), /^status/],
    ['negative latency', bytes({ ...valid(), latency_ms: -1 }), /^latency_ms/],
  ];
  for (const [name, input, reason] of cases) {
    it(`rejects ${name} with a reason naming what is wrong`, () => {
      const decoded = decodeEvent('predictions', input);
      assert.equal(decoded.ok, false);
      if (!decoded.ok) {
        assert.equal(decoded.error.code, 'DECODE_FAILED');
        assert.match(decoded.error.message, reason);
      }
    });
  }

  it('refuses to encode an invalid event', () => {
    assert.throws(() => encodeEvent('predictions', { ...valid(), model: '' }), /refusing to publish an invalid predictions event: model/);
  });

  it('decodes labels, alerts and dead letters with their own schemas', () => {
    const label = { schema_version: 1, prediction_id: newPredictionId(), model: 'credit', label: 1, ts: Date.now() };
    assert.ok(decodeEvent('labels', bytes(label)).ok);
    assert.equal(decodeEvent('labels', bytes({ ...label, label: [1] })).ok, false);
    const alert = { schema_version: 1, alert_id: 'a1', kind: 'drift', condition: 'credit/psi/income', model: 'credit', severity: 'ticket', state: 'firing', ts: Date.now(), summary: 'PSI 0.31 ≥ 0.2' };
    assert.ok(decodeEvent('alerts', bytes(alert)).ok);
  });
});
