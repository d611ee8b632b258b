/**
 * Generated bad Kafka message values for every event contract, each invalid
 * by construction (so the oracle is simply "must be refused"), plus the
 * valid events they are mutated from. Kinds: empty, truncated JSON, wrong
 * JSON type per field, out-of-range value per field, missing field, wrong
 * schema_version, non-UTF-8 bytes, lone surrogate escapes, oversize values,
 * top-level arrays/scalars, nested garbage.
 */
import { MAX_MESSAGE_BYTES } from '../../../libs/contracts/decode.ts';
import { newPredictionId } from '../../../libs/contracts/prediction-id.ts';
import type { ContractName } from '../../../libs/contracts/registry.ts';
import type { FuzzRandom } from './fuzz-random.ts';

type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'object' | 'array';

interface FieldSpec {
  /** JSON types the contract accepts for this field. */
  accepts: JsonType[];
  /** Values of an accepted type that the contract still refuses. */
  invalid: unknown[];
  /** Absent is allowed (optional or defaulted). */
  optional?: boolean;
}

const long = (n: number) => 'x'.repeat(n);
const UUID_V4 = '123e4567-e89b-42d3-a456-426614174000';
const TS_INVALID = [1_700_000_000, 946_684_799_999, 4_102_444_800_001, 1_700_000_000_000.5, -1];
const nameSpec: FieldSpec = { accepts: ['string'], invalid: ['', long(201)] };
const scalarRecordSpec: FieldSpec = { accepts: ['object'], invalid: [{ '': 1 }, { [long(201)]: 1 }, { a: {} }, { a: [1] }, { a: long(4097) }, { a: { b: { c: null } } }] };

/** Per contract: the fields and what each accepts (mirrors libs/contracts/schemas.ts). */
export const FIELD_SPECS: Record<ContractName, Record<string, FieldSpec>> = {
  predictions: {
    schema_version: { accepts: ['integer'], invalid: [0, 2, -1] },
    prediction_id: { accepts: ['string'], invalid: ['', 'abc', UUID_V4, `${newPredictionId(1_700_000_000_000)}x`] },
    model: nameSpec,
    model_version: { accepts: ['string'], invalid: ['', long(65)] },
    ts: { accepts: ['integer'], invalid: TS_INVALID },
    features: scalarRecordSpec,
    outputs: scalarRecordSpec,
    latency_ms: { accepts: ['number'], invalid: [-1, 3_600_001, -0.001] },
    status: { accepts: ['string'], invalid: ['OK', 'maybe', ''] },
    error: { accepts: ['string'], invalid: [long(4097)], optional: true },
    node: { accepts: ['string'], invalid: [long(201)] },
    execution_provider: { accepts: ['string'], invalid: [long(65)] },
  },
  labels: {
    schema_version: { accepts: ['integer'], invalid: [0, 2] },
    prediction_id: { accepts: ['string'], invalid: ['', UUID_V4, 'not-a-uuid'] },
    model: nameSpec,
    label: { accepts: ['string', 'number'], invalid: [long(4097)] },
    ts: { accepts: ['integer'], invalid: TS_INVALID },
  },
  alerts: {
    schema_version: { accepts: ['integer'], invalid: [0, 2] },
    alert_id: { accepts: ['string'], invalid: ['', long(201)] },
    kind: { accepts: ['string'], invalid: ['Drift', 'other', ''] },
    condition: { accepts: ['string'], invalid: ['', long(501)] },
    model: nameSpec,
    severity: { accepts: ['string'], invalid: ['critical', ''] },
    state: { accepts: ['string'], invalid: ['open', ''] },
    ts: { accepts: ['integer'], invalid: TS_INVALID },
    summary: { accepts: ['string'], invalid: [long(4097)] },
    details: { accepts: ['object'], invalid: [], optional: true },
  },
  deadLetter: {
    schema_version: { accepts: ['integer'], invalid: [0, 2] },
    source: { accepts: ['object'], invalid: [{}, { topic: 't', partition: 1.5, offset: '1' }, { topic: 1, partition: 0, offset: '1' }, { topic: 't', partition: 0, offset: 1 }] },
    error_code: { accepts: ['string'], invalid: [] },
    reason: { accepts: ['string'], invalid: [] },
    key_base64: { accepts: ['string', 'null'], invalid: [] },
    value_base64: { accepts: ['string', 'null'], invalid: [] },
    ts: { accepts: ['integer'], invalid: TS_INVALID },
  },
};

/** A valid event of the contract, varied by `r`. */
export function validEvent(contract: ContractName, r: FuzzRandom, tsMs = 1_760_000_000_000 + r.int(1_000_000)): Record<string, unknown> {
  switch (contract) {
    case 'predictions':
      return {
        schema_version: 1,
        prediction_id: newPredictionId(tsMs),
        model: 'fuzz-model',
        model_version: String(1 + r.int(3)),
        ts: tsMs,
        features: { income: r.float() * 100_000, region: r.pick(['north', 'south']), missing: null, flag: r.chance(0.5) },
        outputs: { probability: r.float(), label: r.int(2) },
        latency_ms: r.float() * 20,
        status: 'ok',
        node: 'fuzz-node',
        execution_provider: 'cpu',
      };
    case 'labels':
      return { schema_version: 1, prediction_id: newPredictionId(tsMs), model: 'fuzz-model', label: r.chance(0.5) ? r.int(2) : r.pick(['yes', 'no']), ts: tsMs };
    case 'alerts':
      return { schema_version: 1, alert_id: `a-${r.int(1e6)}`, kind: 'drift', condition: 'drift:fuzz-model:income', model: 'fuzz-model', severity: 'ticket', state: 'firing', ts: tsMs, summary: 'income drifted', details: { psi: r.float() } };
    case 'deadLetter':
      return { schema_version: 1, source: { topic: 't', partition: r.int(6), offset: String(r.int(1e6)) }, error_code: 'DECODE_FAILED', reason: 'x', key_base64: null, value_base64: 'eA==', ts: tsMs };
  }
}

const SAMPLE_OF: Record<JsonType, unknown[]> = {
  string: ['', 'x', '1', 'null', '{}'],
  number: [1.5, -2.25, 1e300],
  integer: [0, 1, 42],
  boolean: [true, false],
  null: [null],
  object: [{}, { a: 1 }, { nested: { deeper: [1, { x: null }] } }],
  array: [[], [1, 2], [{}], [[[]]]],
};

/** A value of a JSON type the field does not accept. */
function wrongType(spec: FieldSpec, r: FuzzRandom): unknown {
  const accepted = new Set<JsonType>(spec.accepts);
  if (accepted.has('number')) accepted.add('integer');
  // An 'integer' field still refuses non-integral numbers, so 'number' stays a wrong type for it.
  const type = r.pick((Object.keys(SAMPLE_OF) as JsonType[]).filter((t) => !accepted.has(t)));
  const pool = type === 'number' && accepted.has('integer') ? [1.5, -2.25] : SAMPLE_OF[type];
  return r.pick(pool);
}

export interface BadMessage {
  kind: string;
  /** The field the mutation targets, when it targets one (the reason must name it). */
  field?: string;
  value: Buffer | null;
}

const INVALID_UTF8 = [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xc0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]];

/** Inserts a JSON fragment as the field's value, keeping the rest of the event. */
const withField = (event: Record<string, unknown>, field: string, value: unknown) => Buffer.from(JSON.stringify({ ...event, [field]: value }));

/**
 * The i-th bad message of a contract (kinds cycle so every kind gets an
 * equal share). `hugeEvery` spaces the >1 MB values out: they cost memory.
 */
export function badMessage(contract: ContractName, i: number, r: FuzzRandom, options: { hugeEvery?: number } = {}): BadMessage {
  const specs = FIELD_SPECS[contract];
  const fields = Object.keys(specs);
  const event = validEvent(contract, r);
  const text = JSON.stringify(event);
  const kinds = 12;
  const hugeEvery = options.hugeEvery ?? 500;
  if (i % hugeEvery === hugeEvery - 1) {
    // Over the decode limit: valid JSON padded past MAX_MESSAGE_BYTES.
    return { kind: 'oversize', value: Buffer.from(JSON.stringify({ ...event, padding: long(MAX_MESSAGE_BYTES + r.int(1_000)) })) };
  }
  switch (i % kinds) {
    case 0:
      return { kind: 'empty', value: r.chance(0.5) ? null : Buffer.alloc(0) };
    case 1:
      return { kind: 'truncated', value: Buffer.from(text.slice(0, 1 + r.int(text.length - 1))) };
    case 2: {
      const field = r.pick(fields);
      return { kind: 'wrong-type', field, value: withField(event, field, wrongType(specs[field]!, r)) };
    }
    case 3: {
      const withInvalid = fields.filter((f) => specs[f]!.invalid.length > 0);
      const field = r.pick(withInvalid);
      return { kind: 'out-of-range', field, value: withField(event, field, r.pick(specs[field]!.invalid)) };
    }
    case 4: {
      const field = r.pick(fields.filter((f) => !specs[f]!.optional));
      const { [field]: _gone, ...rest } = event;
      return { kind: 'missing-field', field, value: Buffer.from(JSON.stringify(rest)) };
    }
    case 5:
      return { kind: 'schema-version', field: 'schema_version', value: withField(event, 'schema_version', r.pick([0, 2, 99, '1', null, true, [], {}, -1, 1.5, long(200), long(100_000)])) };
    case 6: {
      // Invalid UTF-8 bytes inside a string of an otherwise valid event.
      const at = text.indexOf('"', 2) + 1;
      const raw = Buffer.from(text);
      return { kind: 'non-utf8', value: Buffer.concat([raw.subarray(0, at), Buffer.from(r.pick(INVALID_UTF8)), raw.subarray(at)]) };
    }
    case 7:
      return { kind: 'array-or-scalar', value: Buffer.from(JSON.stringify(r.pick<unknown>([[event], [], [1, 2], 1, 'x', null, true, 0]))) };
    case 8: {
      // Nested garbage: random JSON in place of each field, at least one required field broken.
      const garbage: Record<string, unknown> = { schema_version: 1 };
      for (const f of fields) if (r.chance(0.5)) garbage[f] = r.json(4);
      const field = r.pick(fields.filter((f) => f !== 'schema_version' && !specs[f]!.optional));
      garbage[field] = wrongType(specs[field]!, r);
      return { kind: 'nested-garbage', field, value: Buffer.from(JSON.stringify(garbage)) };
    }
    case 9: {
      // Valid JSON and valid UTF-8 bytes, but a lone UTF-16 surrogate escape: not a Unicode string.
      const stringFields = fields.filter((f) => specs[f]!.accepts.includes('string') && specs[f]!.invalid.length > 0 && f !== 'prediction_id' && f !== 'status' && f !== 'kind' && f !== 'severity' && f !== 'state');
      const field = r.pick(stringFields.length > 0 ? stringFields : ['reason']);
      const raw = JSON.stringify({ ...event, [field]: 'LONE' }).replace('"LONE"', `"a${r.pick(['\\ud800', '\\udbff', '\\udc00', '\\udfff'])}b"`);
      return { kind: 'lone-surrogate', field, value: Buffer.from(raw) };
    }
    case 10:
      return { kind: 'random-bytes', value: r.bytes(1 + r.int(64)) };
    default: {
      // Deep nesting in the one place every contract refuses anything but a scalar or an object of them.
      const depth = 50 + r.int(2_000);
      return { kind: 'deep-nesting', value: Buffer.from(`${'['.repeat(depth)}${']'.repeat(r.chance(0.5) ? depth : depth - 1)}`) };
    }
  }
}
