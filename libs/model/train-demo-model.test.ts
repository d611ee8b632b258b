import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { driftedConcept } from './credit-domain.ts';
import { readModelVersion } from './model-repository.ts';
import { trainDemoModel } from './train-demo-model.ts';

const SCRIPT = fileURLToPath(new URL('./train-demo-model.ts', import.meta.url));
const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

test('the demo model card describes the trained model', () => {
  const { card, metrics, model } = trainDemoModel({ seed: 21, rows: 8_000, nowMs: Date.UTC(2025, 5, 1) });
  assert.equal(card.model, 'credit-default');
  assert.equal(card.version, '1');
  assert.equal(card.training.rows, 6_400);
  assert.equal(card.training.holdout_rows, 1_600);
  assert.equal(card.training.trained_at, '2025-06-01T00:00:00.000Z');
  assert.equal(card.training.dataset_id, 'synthetic:credit-default:seed=21:rows=8000');
  assert.equal(card.training.hyperparameters.iterations, model.fit.iterations);
  assert.deepEqual(card.outputs.map((o) => o.name), ['probability', 'label']);
  assert.ok(metrics.auc > 0.65 && metrics.auc < metrics.true_process_auc + 0.02, `auc ${metrics.auc} vs ${metrics.true_process_auc}`);
  assert.equal(card.training.metrics.auc, metrics.auc);
});

test('same seed, same model bytes; a changed concept changes the model and the lineage id', () => {
  const a = trainDemoModel({ seed: 4, rows: 3_000, nowMs: 0 });
  const b = trainDemoModel({ seed: 4, rows: 3_000, nowMs: 0 });
  assert.deepEqual(a.onnxBytes, b.onnxBytes);
  const drifted = trainDemoModel({ seed: 4, rows: 3_000, nowMs: 0, concept: driftedConcept({ numeric: { debt_ratio: 6 } }) });
  assert.match(drifted.card.training.dataset_id, /^synthetic:credit-default:seed=4:rows=3000:concept=[0-9a-f]{12}$/);
  // debt_ratio is the first numeric after age, income and employment_years.
  assert.ok(drifted.model.weights[3]! > 1.5 * a.model.weights[3]!);
});

test('the script writes numbered versions into a model repository', async () => {
  const repo = await mkdtemp(join(tmpdir(), 'driftline-demo-'));
  dirs.push(repo);
  const run = async (): Promise<{ dir: string; version: string }> => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', SCRIPT, repo, '--rows', '4000', '--seed', '3']);
    return JSON.parse(stdout) as { dir: string; version: string };
  };
  const first = await run();
  const second = await run();
  assert.deepEqual([first.version, second.version], ['1', '2']);
  const { onnxBytes, card } = await readModelVersion(second.dir);
  assert.equal(card.version, '2');
  const session = await ort.InferenceSession.create(onnxBytes);
  assert.deepEqual(session.inputNames, card.features.map((f) => f.name));
});
