/**
 * The trainer against the real Redis (BullMQ) and the embedded ClickHouse
 * engine: a retrain candidate drawn from the credit domain under a changed
 * concept and shifted covariates is enqueued; the worker trains version 2,
 * registers it with metrics and lineage, and promotes it (auto mode) or
 * keeps serving the champion until the promote route is called (manual
 * mode). The challenger's holdout AUC and log loss are checked against
 * scipy/numpy, which re-derive the holdout from the prediction ids
 * themselves. A one-class candidate fails at once, with the reason recorded.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type Job, Queue, QueueEvents } from 'bullmq';
import Fastify from 'fastify';
import * as ort from 'onnxruntime-node';
import { loadProfile } from '../../libs/profiles/profile-store.ts';
import { queryRows } from '../../libs/clickhouse/client.ts';
import { newPredictionId } from '../../libs/contracts/prediction-id.ts';
import { type CreditRow, driftedConcept, sampleDataset } from '../../libs/model/credit-domain.ts';
import { listVersions, modelVersionDir, readModelVersion } from '../../libs/model/model-repository.ts';
import { createRng } from '../../libs/model/random.ts';
import { DEMO_MODEL_NAME, writeDemoModel } from '../../libs/model/train-demo-model.ts';
import { enqueueTrainingJob, redisConnection, type TrainingJobData } from '../../libs/training/training-job.ts';
import type { PromotionPolicy } from '../../services/trainer/promotion-policy.ts';
import { promotionRoutes } from '../../services/trainer/promotion-routes.ts';
import { getRegistryEntry } from '../../services/trainer/registry-store.ts';
import { createTrainerWorker } from '../../services/trainer/trainer-worker.ts';
import { testClickHouse, testLogger, uniqueName } from '../support/harness.ts';

const MODEL = DEMO_MODEL_NAME;
const REFERENCE = join(dirname(fileURLToPath(import.meta.url)), '..', 'reference', 'holdout_reference.py');
const connection = redisConnection(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { worker: true });
const NOW = Date.UTC(2025, 5, 1);

/** The world after the change: other coefficients, more renters, higher incomes. */
const concept = driftedConcept({
  intercept: 0.8,
  numeric: { debt_ratio: -4.0, credit_utilization: 0.5, num_late_payments: -0.3, age: -0.03, employment_years: 0.05 },
  categorical: { loan_purpose: { business: -0.6, education: 1.0 } },
});
const drift = { numeric: { income: { scale: 1.2 } }, categoryWeights: { home_ownership: { rent: 0.6, own: 0.1, mortgage: 0.3 } } };

interface Candidate {
  id: string;
  ids: string[];
  rows: CreditRow[];
  labels: number[];
}

async function insertCandidate(ch: Awaited<ReturnType<typeof testClickHouse>>, rows: CreditRow[], labels: ArrayLike<number>): Promise<Candidate> {
  const id = uniqueName('cand');
  const ids = rows.map((_, i) => newPredictionId(NOW - 3_600_000 + i * 100));
  await ch.insert({
    table: 'candidate_rows',
    format: 'JSONEachRow',
    values: rows.map((row, i) => ({
      candidate_id: id, prediction_id: ids[i], model: MODEL, model_version: '1', ts: NOW - 3_600_000 + i * 100,
      features: JSON.stringify(row), outputs: '{}', score: null, label: String(labels[i]),
    })),
  });
  const positives = Array.from(labels).filter((l) => l === 1).length;
  await ch.insert({
    table: 'retrain_candidates',
    format: 'JSONEachRow',
    values: [{
      candidate_id: id, model: MODEL, model_version: '1', from_ts: NOW - 3_600_000, to_ts: NOW, filters: '{}', reason: 'quality: roc_auc dropped',
      decision_id: `decision-${id}`, row_count: rows.length, label_coverage: 1, class_balance: JSON.stringify({ 0: rows.length - positives, 1: positives }), created_at: NOW,
    }],
  });
  return { id, ids, rows, labels: Array.from(labels) };
}

function jobFor(candidate: Candidate): TrainingJobData {
  return { schema_version: 1, model: MODEL, candidate_id: candidate.id, base_version: '1', decision_id: `decision-${candidate.id}`, reason: 'quality: roc_auc dropped' };
}

/** Enqueues one job on a fresh queue, runs a worker until the job finished, and returns the job and its outcome. */
async function runJob(repoDir: string, policy: PromotionPolicy, data: TrainingJobData, ch: Awaited<ReturnType<typeof testClickHouse>>) {
  const queueName = uniqueName('training');
  const queue = new Queue(queueName, { connection });
  const events = new QueueEvents(queueName, { connection });
  const worker = createTrainerWorker({ connection, clickhouse: ch, repoDir, policy, logger: testLogger(), queueName });
  try {
    await events.waitUntilReady();
    await worker.start();
    const job = await enqueueTrainingJob(queue, data, { dedupId: MODEL, backoffMs: 100 });
    const outcome = await job.waitUntilFinished(events, 120_000).then(
      (result: Record<string, unknown>) => ({ result, error: undefined }),
      (error: Error) => ({ result: undefined, error }),
    );
    const finished = (await queue.getJob(job.id!)) as Job;
    return { job: { id: finished.id!, state: await finished.getState(), attemptsMade: finished.attemptsMade }, ...outcome };
  } finally {
    await worker.close();
    await worker.close();
    await events.close();
    await queue.close();
  }
}

/** Probabilities of a version for rows, straight from onnxruntime (what a serving node computes). */
async function scoreAll(repoDir: string, version: string, rows: CreditRow[]): Promise<number[]> {
  const { onnxBytes, card } = await readModelVersion(modelVersionDir(repoDir, MODEL, version));
  const session = await ort.InferenceSession.create(onnxBytes);
  const feeds: Record<string, ort.Tensor> = {};
  for (const f of card.features) {
    feeds[f.name] = f.kind === 'numeric'
      ? new ort.Tensor('float32', Float32Array.from(rows, (r) => r[f.name as keyof CreditRow] as number), [rows.length, 1])
      : new ort.Tensor('string', rows.map((r) => String(r[f.name as keyof CreditRow])), [rows.length, 1]);
  }
  const out = await session.run(feeds);
  await session.release();
  return Array.from(out.probability!.data as Float32Array);
}

describe('trainer', () => {
  let ch: Awaited<ReturnType<typeof testClickHouse>>;
  const repos: string[] = [];
  const newRepo = async () => {
    const repo = await mkdtemp(join(tmpdir(), 'driftline-trainer-'));
    repos.push(repo);
    // The champion: the demo model, trained on the old concept.
    await writeDemoModel(repo, { seed: 7, rows: 20_000, version: '1', nowMs: NOW - 86_400_000 });
    return repo;
  };
  const routing = async (repo: string) => JSON.parse(await readFile(join(repo, MODEL, 'routing.json'), 'utf8')) as unknown;
  const clearRegistry = async () => {
    for (const table of ['model_registry', 'model_promotions', 'training_runs']) await ch.command({ query: `TRUNCATE TABLE ${table}` });
  };
  const { rows: driftedRows, labels: driftedLabels } = sampleDataset(createRng(11), 4_000, { concept, drift });

  before(async () => {
    ch = await testClickHouse();
  });
  after(async () => {
    await Promise.all(repos.map((r) => rm(r, { recursive: true, force: true })));
  });

  it('deduplicates training jobs per model while one is waiting', async () => {
    const queue = new Queue(uniqueName('training'), { connection });
    try {
      const data = { schema_version: 1 as const, model: MODEL, candidate_id: 'c1', base_version: '1', decision_id: 'd1', reason: 'r' };
      const first = await enqueueTrainingJob(queue, data, { dedupId: MODEL });
      const second = await enqueueTrainingJob(queue, { ...data, candidate_id: 'c2' }, { dedupId: MODEL });
      assert.equal(second.id, first.id);
      assert.equal(await queue.getWaitingCount(), 1);
      assert.deepEqual([first.opts.attempts, first.opts.backoff], [3, { type: 'exponential', delay: 30_000 }]);
      await assert.rejects(enqueueTrainingJob(queue, { ...data, schema_version: 2 as never }, { dedupId: 'x' }), /training job invalid at schema_version/);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  let auto: { repo: string; candidate: Candidate } | undefined;

  it('auto mode: trains version 2, registers it with metrics and lineage, and promotes it', async () => {
    await clearRegistry();
    const repo = await newRepo();
    const candidate = await insertCandidate(ch, driftedRows, driftedLabels);
    auto = { repo, candidate };
    const { job, result, error } = await runJob(repo, { metric: 'roc_auc', minImprovement: 0.01, mode: 'auto' }, jobFor(candidate), ch);
    assert.equal(error, undefined);
    assert.equal(result?.version, '2');
    assert.equal(result?.action, 'promote');
    assert.deepEqual(await routing(repo), { champion: '2' });

    const entry = await getRegistryEntry(ch, MODEL, '2');
    assert.ok(entry);
    assert.equal(entry.stage, 'champion');
    assert.equal(entry.promoted_by, 'trainer (auto)');
    assert.equal(entry.artifact_uri, `file://${modelVersionDir(repo, MODEL, '2')}`);
    const challengerAuc = entry.metrics.roc_auc as number;
    const championAuc = entry.champion_metrics?.roc_auc as number;
    assert.ok(challengerAuc > championAuc + 0.1, `challenger ${challengerAuc} vs champion ${championAuc}`);
    assert.equal(entry.champion_metrics?.version, '1');
    const lineage = entry.lineage;
    assert.equal(lineage.candidate_id, candidate.id);
    assert.equal(lineage.decision_id, `decision-${candidate.id}`);
    assert.equal(lineage.reason, 'quality: roc_auc dropped');
    assert.equal(lineage.base_version, '1');
    assert.equal(lineage.rows, 4_000);
    assert.equal((lineage.train_rows as number) + (lineage.holdout_rows as number), 4_000);
    assert.equal(entry.metrics.rows, lineage.holdout_rows);
    assert.match(String(lineage.trained_at), /^\d{4}-\d\d-\d\dT/);
    assert.equal((await getRegistryEntry(ch, MODEL, '1'))?.stage, 'archived');

    const { card } = await readModelVersion(modelVersionDir(repo, MODEL, '2'));
    assert.equal(card.training.dataset_id, `candidate:${candidate.id}`);
    assert.equal(card.training.rows, lineage.train_rows);

    const runs = await queryRows<{ state: string; new_version: string; error: string; trainer: string }>(
      ch, 'SELECT state, new_version, error, trainer FROM training_runs FINAL WHERE job_id = {id:String}', { id: job.id });
    assert.deepEqual(runs, [{ state: 'registered', new_version: '2', error: '', trainer: 'local' }]);

    // Version 2 is measured against its own training population from now on.
    const stored = await loadProfile(ch, MODEL, '2');
    assert.equal(stored?.profile.model_version, '2');
    assert.equal(stored?.profile.source, `candidate:${candidate.id}`);
    assert.equal(stored?.profile.rows, 4_000);
  });

  it('the holdout AUC and log loss in the registry match scipy/numpy on an independently derived holdout', async () => {
    assert.ok(auto, 'needs the auto-mode run');
    const { repo, candidate } = auto;
    const spec = {
      ids: candidate.ids,
      labels: candidate.labels,
      holdout_fraction: 0.2,
      scores: { challenger: await scoreAll(repo, '2', candidate.rows), champion: await scoreAll(repo, '1', candidate.rows) },
    };
    const path = join(tmpdir(), `${uniqueName('holdout-ref')}.json`);
    await writeFile(path, JSON.stringify(spec));
    const py = spawnSync('python3', [REFERENCE, path], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    await rm(path, { force: true });
    assert.equal(py.status, 0, py.stderr);
    const ref = JSON.parse(py.stdout) as { holdout_rows: number; auc: Record<string, number>; log_loss: Record<string, number> };
    const entry = (await getRegistryEntry(ch, MODEL, '2'))!;
    assert.equal(entry.lineage.holdout_rows, ref.holdout_rows);
    assert.ok(Math.abs((entry.metrics.roc_auc as number) - ref.auc.challenger!) < 1e-9, `${String(entry.metrics.roc_auc)} vs ${ref.auc.challenger}`);
    assert.ok(Math.abs((entry.champion_metrics!.roc_auc as number) - ref.auc.champion!) < 1e-9);
    assert.ok(Math.abs((entry.metrics.log_loss as number) - ref.log_loss.challenger!) < 1e-9);
  });

  it('manual mode: registers a candidate, serving stays on the champion until the promote route is called', async () => {
    await clearRegistry();
    const repo = await newRepo();
    const candidate = await insertCandidate(ch, driftedRows, driftedLabels);
    const { result, error } = await runJob(repo, { metric: 'roc_auc', minImprovement: 0.01, mode: 'manual' }, jobFor(candidate), ch);
    assert.equal(error, undefined);
    assert.deepEqual([result?.version, result?.action], ['2', 'hold']);
    assert.match(String(result?.reason), /better, waiting for a manual promotion/);
    // Pinned: without routing.json, serving would take the newest version as champion.
    assert.deepEqual(await routing(repo), { champion: '1' });
    assert.equal((await getRegistryEntry(ch, MODEL, '2'))?.stage, 'candidate');
    assert.equal((await getRegistryEntry(ch, MODEL, '1'))?.stage, 'champion');

    const app = Fastify();
    await app.register(promotionRoutes({ clickhouse: ch, repoDir: repo, guard: async () => {} }));
    try {
      const res = await app.inject({ method: 'POST', url: `/v1/models/${MODEL}/versions/2/promote` });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(await routing(repo), { champion: '2' });
      assert.equal((await getRegistryEntry(ch, MODEL, '2'))?.stage, 'champion');
      assert.equal((await getRegistryEntry(ch, MODEL, '1'))?.stage, 'archived');
      assert.equal((await app.inject({ method: 'POST', url: `/v1/models/${MODEL}/versions/2/promote` })).statusCode, 409);
    } finally {
      await app.close();
    }
  });

  it('a candidate with one class fails at once, with the reason in training_runs', async () => {
    await clearRegistry();
    const repo = await newRepo();
    const zeros = new Uint8Array(600);
    const candidate = await insertCandidate(ch, driftedRows.slice(0, 600), zeros);
    const { job, result, error } = await runJob(repo, { metric: 'roc_auc', minImprovement: 0.01, mode: 'auto' }, jobFor(candidate), ch);
    assert.equal(result, undefined);
    assert.match(String(error?.message), new RegExp(`candidate ${candidate.id} cannot be trained on: a single class: all 600 labelled rows have label 0`));
    assert.equal(job.state, 'failed');
    assert.equal(job.attemptsMade, 1, 'not retried');
    const runs = await queryRows<{ state: string; error: string }>(ch, 'SELECT state, error FROM training_runs FINAL WHERE job_id = {id:String}', { id: job.id });
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.state, 'failed');
    assert.match(runs[0]!.error, /a single class/);
    // Refused before anything was written: no version 2, no routing file.
    assert.deepEqual(await listVersions(repo, MODEL), ['1']);
    await assert.rejects(readFile(join(repo, MODEL, 'routing.json')), { code: 'ENOENT' });
  });
});
