import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hasCode } from '../errors/errors.ts';
import { CREDIT_FEATURES } from './credit-domain.ts';
import { type ModelCard, modelCardSchema, parseModelCard } from './model-card.ts';
import { listVersions, modelVersionDir, nextVersion, readModelVersion, writeModelVersion } from './model-repository.ts';

const card: ModelCard = {
  schema_version: 1,
  model: 'credit-default',
  version: '3',
  task: 'binary_classification',
  algorithm: 'logistic_regression',
  features: [...CREDIT_FEATURES],
  outputs: [
    { name: 'probability', type: 'float32', semantics: 'P(default = 1)' },
    { name: 'label', type: 'int64', semantics: '1 when probability >= 0.5' },
  ],
  threshold: 0.5,
  training: {
    rows: 40_000,
    holdout_rows: 10_000,
    metrics: { auc: 0.75, log_loss: 0.38, accuracy: 0.85, positive_rate: 0.16 },
    trained_at: '2025-01-01T00:00:00.000Z',
    dataset_id: 'synthetic:credit-default:seed=7:rows=50000',
    hyperparameters: { l2: 1e-4, converged: true },
  },
  onnx: { ir_version: 8, opsets: [{ domain: '', version: 17 }, { domain: 'ai.onnx.ml', version: 3 }] },
  reference_profile: 'profiles/credit-default/3.json',
};

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempRepo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'driftline-models-'));
  dirs.push(dir);
  return dir;
}

test('a card round-trips through JSON and the zod schema unchanged', () => {
  const parsed = parseModelCard(JSON.parse(JSON.stringify(card)));
  assert.deepEqual(parsed, card);
  assert.deepEqual(modelCardSchema.parse(parsed), card);
});

test('invalid cards are rejected with the path of the problem', () => {
  const bad = (patch: (c: Record<string, unknown>) => void): unknown => {
    const c = JSON.parse(JSON.stringify(card)) as Record<string, unknown>;
    patch(c);
    return c;
  };
  const cases: [unknown, RegExp][] = [
    [bad((c) => { (c.features as { min?: number }[])[0]!.min = 100; }), /features\.0\.max: min must be <= max/],
    [bad((c) => { (c.features as unknown[]).push(CREDIT_FEATURES[0]); }), /features: feature names must be distinct/],
    [bad((c) => { (c.features as { kind: string }[])[0]!.kind = 'text'; }), /features\.0/],
    [bad((c) => { c.version = '../etc'; }), /version/],
    [bad((c) => { (c.training as { trained_at: string }).trained_at = 'yesterday'; }), /training\.trained_at/],
    [bad((c) => { (c.features as { name: string }[])[7]!.name = 'dl/x'; }), /features\.7\.name/],
    [bad((c) => { c.threshold = 2; }), /threshold/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => parseModelCard(value), (err: unknown) => hasCode(err, 'MODEL_INVALID') && message.test(err.message));
  }
});

test('a model version is written as <repo>/<model>/<version>/{model.onnx, model-card.json} and read back', async () => {
  const repo = await tempRepo();
  const onnx = new Uint8Array([8, 8, 18, 9]);
  const dir = await writeModelVersion(repo, onnx, card);
  assert.equal(dir, join(repo, 'credit-default', '3'));
  assert.deepEqual(JSON.parse(await readFile(join(dir, 'model-card.json'), 'utf8')), card);
  const read = await readModelVersion(dir);
  assert.deepEqual(read.card, card);
  assert.deepEqual(read.onnxBytes, onnx);
  // Versions are immutable.
  await assert.rejects(writeModelVersion(repo, onnx, card), (err: unknown) => hasCode(err, 'MODEL_INVALID'));
  await assert.rejects(readModelVersion(join(repo, 'credit-default', '9')), (err: unknown) => hasCode(err, 'NOT_FOUND'));
});

test('versions are listed numerically and the next one is max + 1', async () => {
  const repo = await tempRepo();
  assert.equal(await nextVersion(repo, 'credit-default'), '1');
  for (const version of ['2', '10', '9']) await writeModelVersion(repo, new Uint8Array([1]), { ...card, version });
  assert.deepEqual(await listVersions(repo, 'credit-default'), ['2', '9', '10']);
  assert.equal(await nextVersion(repo, 'credit-default'), '11');
  // A half-written version (no card) is not listed, and its number is not reused.
  await writeModelVersion(repo, new Uint8Array([1]), { ...card, version: '11' });
  await rm(join(modelVersionDir(repo, 'credit-default', '11'), 'model-card.json'));
  assert.deepEqual(await listVersions(repo, 'credit-default'), ['2', '9', '10']);
  assert.equal(await nextVersion(repo, 'credit-default'), '12');
  // A card that is not valid JSON is MODEL_INVALID, not a crash.
  await writeFile(join(modelVersionDir(repo, 'credit-default', '2'), 'model-card.json'), '{');
  await assert.rejects(readModelVersion(modelVersionDir(repo, 'credit-default', '2')), (err: unknown) => hasCode(err, 'MODEL_INVALID'));
});
