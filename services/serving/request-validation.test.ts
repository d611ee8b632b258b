import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '../../libs/errors/errors.ts';
import { concatFeatureBatches, sliceOutputBatch } from './feature-batch.ts';
import { instancesToBatch } from './instance-validation.ts';
import type { ModelSignature } from './model-signature.ts';
import { parseV2InferRequest } from './v2-request.ts';

const signature: ModelSignature = {
  inputs: [
    { name: 'age', kind: 'numeric', tensorType: 'float32', datatype: 'FP32' },
    { name: 'income', kind: 'numeric', tensorType: 'float32', datatype: 'FP32' },
    { name: 'region', kind: 'categorical', tensorType: 'string', datatype: 'BYTES' },
  ],
  outputs: [
    { name: 'probability', tensorType: 'float32', datatype: 'FP32' },
    { name: 'label', tensorType: 'int64', datatype: 'INT64' },
  ],
  fixedRows: null,
};
const row = { age: 40, income: 52_000, region: 'north' };

function rejects(fn: () => unknown, message: RegExp): void {
  try {
    fn();
    assert.fail(`expected INPUT_INVALID matching ${message}`);
  } catch (err) {
    assert.ok(hasCode(err, 'INPUT_INVALID'), String(err));
    assert.match(err.message, message);
  }
}

describe('v1 instances → columns', () => {
  it('builds one column per input, keeping nulls', () => {
    const batch = instancesToBatch({ instances: [row, { age: null, income: 1.5, region: null }] }, signature);
    assert.deepEqual(batch, { rows: 2, columns: { age: [40, null], income: [52_000, 1.5], region: ['north', null] } });
  });

  it('accepts values the model scores but the schema contract flags (unknown categories, out-of-range numbers)', () => {
    assert.equal(instancesToBatch({ instances: [{ age: -5, income: 1e12, region: 'atlantis' }] }, signature).rows, 1);
  });

  const cases: Array<[string, unknown, RegExp]> = [
    ['a string for a number', { instances: [row, row, row, { ...row, income: 'abc' }] }, /^instances\[3\]\.income: expected a number, got "abc"$/],
    ['a number for a category', { instances: [{ ...row, region: 7 }] }, /^instances\[0\]\.region: expected a string, got 7$/],
    ['a boolean', { instances: [{ ...row, age: true }] }, /^instances\[0\]\.age: expected a number, got true$/],
    ['a missing feature', { instances: [{ age: 1, region: 'x' }] }, /^instances\[0\]\.income: missing \(send null for a missing value\)$/],
    ['an extra feature', { instances: [{ ...row, colour: 'red' }] }, /^instances\[0\]\.colour: unknown feature \(the model takes: age, income, region\)$/],
    ['beyond float32', { instances: [{ ...row, income: 1e39 }] }, /^instances\[0\]\.income: 1e\+39 is outside the float32 range$/],
    ['a huge string', { instances: [{ ...row, region: 'x'.repeat(5000) }] }, /^instances\[0\]\.region: string of 5000 characters exceeds 4096$/],
    ['a row that is not an object', { instances: [row, [1, 2]] }, /^instances\[1\]: expected an object/],
    ['no instances', { instances: [] }, /^instances: must hold at least one record$/],
    ['instances not an array', { instances: { age: 1 } }, /^instances: expected an array/],
    ['a typo at the top level', { instance: [row] }, /^instance: unknown field/],
    ['a body that is not an object', [row], /^body: expected a JSON object/],
  ];
  for (const [name, body, message] of cases) it(`refuses ${name}, naming the field`, () => rejects(() => instancesToBatch(body, signature), message));

  it('enforces a fixed batch dimension', () => {
    rejects(() => instancesToBatch({ instances: [row, row] }, { ...signature, fixedRows: 1 }), /exactly 1 rows per request, got 2/);
  });
});

describe('v2 infer request → columns', () => {
  const inputs = (n = 2) => [
    { name: 'age', shape: [n, 1], datatype: 'FP32', data: Array.from({ length: n }, (_, i) => 30 + i) },
    { name: 'income', shape: [n, 1], datatype: 'FP32', data: Array.from({ length: n }, () => 40_000) },
    { name: 'region', shape: [n, 1], datatype: 'BYTES', data: Array.from({ length: n }, () => 'south') },
  ];

  it('reads flat and nested row-major data, the id and the requested outputs', () => {
    const body = { id: 'req-1', inputs: inputs().map((i) => (i.name === 'age' ? { ...i, data: [[30], [31]] } : i)), outputs: [{ name: 'label' }] };
    const parsed = parseV2InferRequest(body, signature);
    assert.equal(parsed.id, 'req-1');
    assert.deepEqual(parsed.outputs, ['label']);
    assert.deepEqual(parsed.batch, { rows: 2, columns: { age: [30, 31], income: [40_000, 40_000], region: ['south', 'south'] } });
  });

  const withInput = (name: string, change: Record<string, unknown>) => ({ inputs: inputs().map((i) => (i.name === name ? { ...i, ...change } : i)) });
  const cases: Array<[string, unknown, RegExp]> = [
    ['a wrong datatype', withInput('income', { datatype: 'INT64' }), /^inputs\[1\]\.datatype \(income\): expected FP32, got "INT64"$/],
    ['a wrong rank', withInput('age', { shape: [2] }), /^inputs\[0\]\.shape \(age\): expected \[N,1\] with N >= 1, got \[2\]$/],
    ['a shape that disagrees with the data', withInput('age', { shape: [3, 1] }), /^inputs\[0\]\.data \(age\): 2 values for shape \[3,1\]$/],
    ['inputs with different N', { inputs: inputs().map((i) => (i.name === 'region' ? { ...i, shape: [1, 1], data: ['x'] } : i)) }, /^inputs\[2\]\.shape \(region\): 1 rows, but inputs\[0\] \(age\) has 2$/],
    ['a string in FP32 data', withInput('income', { data: [1, 'abc'] }), /^inputs\[1\]\.data\[1\] \(income\): expected a number, got "abc"$/],
    ['a number in BYTES data', withInput('region', { data: ['a', 5] }), /^inputs\[2\]\.data\[1\] \(region\): expected a string, got 5$/],
    ['a missing input', { inputs: inputs().filter((i) => i.name !== 'region') }, /^inputs: missing input "region"$/],
    ['an unknown input', { inputs: [...inputs(), { name: 'colour', shape: [2, 1], datatype: 'BYTES', data: ['a', 'b'] }] }, /^inputs\[3\]\.name: unknown input "colour" \(the model takes: age, income, region\)$/],
    ['an input given twice', { inputs: [...inputs(), inputs()[0]] }, /^inputs\[3\]\.name: input "age" is given twice$/],
    ['an unknown output', { inputs: inputs(), outputs: [{ name: 'score' }] }, /^outputs\[0\]\.name: unknown output "score" \(the model returns: probability, label\)$/],
    ['no inputs', { inputs: [] }, /^inputs: expected a non-empty array/],
    ['an unknown field', { inputs: inputs(), input: [] }, /^input: unknown field/],
  ];
  for (const [name, body, message] of cases) it(`refuses ${name}, naming the field`, () => rejects(() => parseV2InferRequest(body, signature), message));
});

describe('micro-batch columns', () => {
  it('concatenates requests and slices outputs back per request', () => {
    const a = instancesToBatch({ instances: [row] }, signature);
    const b = instancesToBatch({ instances: [{ ...row, age: 50 }, { ...row, age: null }] }, signature);
    const all = concatFeatureBatches([a, b]);
    assert.deepEqual(all.columns.age, [40, 50, null]);
    assert.equal(all.rows, 3);
    const outputs = { rows: 3, columns: { probability: [0.1, 0.2, 0.3], label: [0, 0, 1] } };
    assert.deepEqual(sliceOutputBatch(outputs, 1, 3), { rows: 2, columns: { probability: [0.2, 0.3], label: [0, 1] } });
  });
});
