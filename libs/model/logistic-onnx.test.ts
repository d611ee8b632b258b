import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { runLogisticReference } from '../../test/reference/python-reference.ts';
import { sampleDataset, sampleRow } from './credit-domain.ts';
import type { FeatureRow } from './feature-encoder.ts';
import { exportLogisticOnnx, LOGISTIC_IR_VERSION } from './logistic-onnx.ts';
import { type LogisticModel, predictProbabilities } from './logistic-regression.ts';
import { MODEL_CARD_METADATA_KEY, parseModelCard } from './model-card.ts';
import { decodeModel, readMetadata } from './onnx-writer.ts';
import { createRng } from './random.ts';
import { trainDemoModel } from './train-demo-model.ts';

const trained = trainDemoModel({ seed: 11, rows: 10_000, threshold: 0.3, nowMs: Date.UTC(2025, 0, 1) });
const session = await ort.InferenceSession.create(trained.onnxBytes);

/** One [N,1] tensor per feature, as a serving node feeds them: null numeric → NaN, null category → "". */
function feeds(model: LogisticModel, rows: readonly FeatureRow[]): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const f of model.features) {
    const values = rows.map((r) => r[f.name] ?? null);
    out[f.name] = f.kind === 'numeric'
      ? new ort.Tensor('float32', Float32Array.from(values, (v) => (v === null ? Number.NaN : Number(v))), [rows.length, 1])
      : new ort.Tensor('string', values.map((v) => (v === null ? '' : String(v))), [rows.length, 1]);
  }
  return out;
}

async function score(rows: readonly FeatureRow[]): Promise<{ probability: Float32Array; label: BigInt64Array; dims: readonly number[] }> {
  const result = await session.run(feeds(trained.model, rows));
  assert.deepEqual(result.label!.dims, result.probability!.dims);
  return { probability: result.probability!.data as Float32Array, label: result.label!.data as BigInt64Array, dims: result.probability!.dims };
}

/** 1000 rows: ordinary ones from another seed, plus unknown/missing categories, missing numerics and out-of-range values. */
function batch(): FeatureRow[] {
  const rows: FeatureRow[] = sampleDataset(createRng(2024), 980).rows;
  const rng = createRng(99);
  const oddities: ((r: FeatureRow) => FeatureRow)[] = [
    (r) => ({ ...r, home_ownership: 'houseboat' }),
    (r) => ({ ...r, loan_purpose: 'crypto', region: 'atlantis' }),
    (r) => ({ ...r, region: null }),
    (r) => ({ ...r, income: null }),
    (r) => ({ ...r, age: Number.NaN, debt_ratio: null }),
    (r) => ({ ...r, income: 5_000_000, loan_amount: 900_000 }),
    (r) => ({ ...r, credit_utilization: 3.5, num_late_payments: 40 }),
    (r) => ({ ...r, home_ownership: '', loan_purpose: 'CAR' }), // case matters: "CAR" is unknown
  ];
  for (let i = 0; rows.length < 1000; i++) rows.push(oddities[i % oddities.length]!(sampleRow(rng)));
  return rows;
}

test('onnxruntime loads the model with one [N,1] input per feature and two outputs', () => {
  assert.deepEqual(session.inputNames, trained.card.features.map((f) => f.name));
  assert.deepEqual(session.outputNames, ['probability', 'label']);
  for (const meta of session.inputMetadata) {
    const feature = trained.card.features.find((f) => f.name === meta.name)!;
    assert.ok(meta.isTensor);
    assert.equal(meta.type, feature.kind === 'numeric' ? 'float32' : 'string');
    assert.deepEqual(meta.shape, ['N', 1]);
  }
  assert.deepEqual(session.outputMetadata.map((m) => (m.isTensor ? [m.name, m.type, m.shape] : [])), [
    ['probability', 'float32', ['N', 1]],
    ['label', 'int64', ['N', 1]],
  ]);
});

test('outputs equal an independent numpy reference within 1e-5', async () => {
  const rows = batch();
  const onnx = await score(rows);
  assert.deepEqual(onnx.dims, [1000, 1]);
  const { model } = trained;
  const reference = runLogisticReference<{ probability: number[]; label: number[] }>('predict', {
    model: { numeric: model.encoder.numeric, categorical: model.encoder.categorical, weights: model.weights, bias: model.bias, threshold: trained.card.threshold },
    rows,
  });
  let maxDiff = 0;
  for (let i = 0; i < rows.length; i++) {
    const p = onnx.probability[i]!;
    assert.ok(Number.isFinite(p), `row ${i}: probability ${p}`);
    maxDiff = Math.max(maxDiff, Math.abs(p - reference.probability[i]!));
    // The label may legitimately differ only within float32 rounding of the threshold.
    if (Math.abs(reference.probability[i]! - trained.card.threshold) > 1e-5) assert.equal(Number(onnx.label[i]), reference.label[i], `row ${i} label`);
  }
  assert.ok(maxDiff < 1e-5, `max |onnx − numpy| = ${maxDiff}`);
  // Both labels occur at threshold 0.3, so the comparison above exercised both branches.
  assert.ok(onnx.label.includes(1n) && onnx.label.includes(0n));
  // The TypeScript scorer (used for the card's metrics) agrees with the exported graph.
  const ts = predictProbabilities(model, rows);
  for (let i = 0; i < rows.length; i++) assert.ok(Math.abs(ts[i]! - onnx.probability[i]!) < 1e-5, `row ${i}`);
});

test('an unknown category scores as if that one-hot block were all zeros', async () => {
  const row = sampleDataset(createRng(5), 1).rows[0]!;
  const { model } = trained;
  const regionStart = model.encoder.numeric.length + model.encoder.categorical.slice(0, 2).reduce((s, c) => s + c.categories.length, 0);
  const known = { ...row, region: 'north' };
  const unknown = { ...row, region: 'atlantis' };
  const [pKnown, pUnknown] = (await score([known, unknown])).probability;
  // logit(unknown) = logit(north) − w[region=north].
  const logit = (p: number) => Math.log(p / (1 - p));
  assert.ok(Math.abs(logit(pKnown!) - logit(pUnknown!) - model.weights[regionStart]!) < 1e-4);
});

test('batches of 1 and of 1000 give the same scores row by row', async () => {
  const rows = batch();
  const whole = await score(rows);
  for (const i of [0, 1, 500, 981, 983, 984, 999]) {
    const single = await score([rows[i]!]);
    assert.deepEqual(single.dims, [1, 1]);
    assert.ok(Math.abs(single.probability[0]! - whole.probability[i]!) < 1e-6, `row ${i}`);
    assert.equal(single.label[0], whole.label[i]);
  }
});

test('the model card travels in metadata_props', () => {
  const metadata = readMetadata(trained.onnxBytes);
  const card = parseModelCard(JSON.parse(metadata[MODEL_CARD_METADATA_KEY]!));
  assert.deepEqual(card, trained.card);
  const decoded = decodeModel(trained.onnxBytes) as { ir_version: number; producer_name: string; opset_import: { domain?: string; version: number }[] };
  assert.equal(decoded.ir_version, LOGISTIC_IR_VERSION);
  assert.equal(decoded.producer_name, 'driftline');
  assert.deepEqual(decoded.opset_import.map((o) => [o.domain ?? '', o.version]), [['', 17], ['ai.onnx.ml', 3]]);
});

test('the graph uses exactly the documented operators', () => {
  const decoded = decodeModel(trained.onnxBytes) as { graph: { node: { op_type: string; domain?: string }[] } };
  const ops = decoded.graph.node.map((n) => (n.domain ? `${n.domain}:${n.op_type}` : n.op_type));
  assert.deepEqual([...new Set(ops)].sort(), [
    'Add', 'Cast', 'Concat', 'Div', 'Flatten', 'GreaterOrEqual', 'MatMul', 'Sigmoid', 'Sub',
    'ai.onnx.ml:Imputer', 'ai.onnx.ml:OneHotEncoder',
  ]);
});

test('export rejects a threshold outside [0, 1]', () => {
  assert.throws(() => exportLogisticOnnx(trained.model, { threshold: 1.5 }), RangeError);
});
