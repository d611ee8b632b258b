import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { DriftlineError } from '../../libs/errors/errors.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import { trainLogisticVersion } from '../../libs/model/logistic-version.ts';
import type { ModelCard } from '../../libs/model/model-card.ts';
import { buildReferenceProfile } from '../../libs/profiles/reference-profile.ts';
import { saveProfile } from '../../libs/profiles/profile-store.ts';
import { listVersions, modelVersionDir, nextVersion, readModelVersion, writeModelVersion } from '../../libs/model/model-repository.ts';
import type { TrainingJobData } from '../../libs/training/training-job.ts';
import { assertTrainable, type Example, prepareExamples, type TrainabilityRules } from './candidate-dataset.ts';
import { loadCandidate } from './candidate-loader.ts';
import { type HoldoutMetrics, holdoutMetrics } from './holdout-metrics.ts';
import { splitByPredictionId } from './holdout-split.ts';
import { scoreWithOnnx } from './onnx-scorer.ts';
import { promoteVersion, setVersionStage } from './promotion.ts';
import { decidePromotion, type PromotionDecision, type PromotionPolicy } from './promotion-policy.ts';
import { artifactUri, putRegistryEntry } from './registry-store.ts';
import { currentRouting, pinChampion } from './routing-file.ts';

/**
 * One retraining, start to end: load the candidate, split it by prediction
 * id, train a version of the champion's model family on the training part,
 * write it to the model repository, score challenger and champion (both
 * ONNX artifacts, as serving runs them) on the same holdout, register the
 * challenger with metrics and lineage, and promote it when the policy says
 * so. Everything it needs is passed in; the BullMQ worker is a thin shell.
 */

export interface CandidateTrainingDeps {
  clickhouse: ClickHouseClient;
  repoDir: string;
  policy: PromotionPolicy;
  /** Share of the candidate held out for the comparison; default 0.2. */
  holdoutFraction: number;
  rules: TrainabilityRules;
  logger: Logger;
  clock?: () => number;
}

export interface TrainingOutcome {
  model: string;
  version: string;
  championVersion: string;
  challenger: HoldoutMetrics;
  champion: HoldoutMetrics;
  decision: PromotionDecision;
  lineage: Record<string, unknown>;
  /** True when an earlier attempt of the same job had already written the version. */
  reused: boolean;
}

/** Trains, evaluates, registers and (per policy) promotes a new version from a retrain candidate. */
export async function trainFromCandidate(deps: CandidateTrainingDeps, job: TrainingJobData, jobId: string): Promise<TrainingOutcome> {
  const clock = deps.clock ?? Date.now;
  const { model } = job;
  const log = deps.logger.child({ model, candidate: job.candidate_id, job: jobId });

  const { meta, rows } = await loadCandidate(deps.clickhouse, job.candidate_id, model);
  const routing = await currentRouting(deps.repoDir, model);
  if (!routing) throw new DriftlineError('NOT_FOUND', `model ${model} has no version in the model repository ${deps.repoDir} to retrain from`);
  const championVersion = routing.champion;
  const champion = await readModelVersion(modelVersionDir(deps.repoDir, model, championVersion));
  if (championVersion !== job.base_version) log.info({ base: job.base_version, champion: championVersion }, 'champion changed since the trigger fired; comparing with the current one');

  const prepared = prepareExamples(rows, champion.card.features);
  const split = splitByPredictionId(prepared.examples, (e) => e.predictionId, deps.holdoutFraction);
  assertTrainable(job.candidate_id, prepared, split, deps.rules);

  // Before a new version directory appears: without a routing file, serving would treat the newest version as champion.
  await pinChampion(deps.repoDir, model, championVersion);
  const existing = await versionOfJob(deps.repoDir, model, job.candidate_id, jobId);
  const challenger = existing ?? (await trainAndWrite(deps, job, jobId, champion.card, split, clock()));
  const version = challenger.card.version;

  const holdoutRows = split.holdout.map((e) => e.row);
  const labels = Uint8Array.from(split.holdout, (e) => e.label);
  const challengerMetrics = holdoutMetrics(await scoreWithOnnx(challenger.onnxBytes, challenger.card, holdoutRows), labels, challenger.card.threshold);
  const championMetrics = holdoutMetrics(await scoreWithOnnx(champion.onnxBytes, champion.card, holdoutRows), labels, champion.card.threshold);
  const decision = decidePromotion({ challenger: challengerMetrics, champion: championMetrics, policy: deps.policy });

  const nowMs = clock();
  const lineage = {
    candidate_id: job.candidate_id,
    decision_id: job.decision_id,
    reason: job.reason,
    job_id: jobId,
    rows: rows.length,
    usable_rows: prepared.examples.length,
    skipped_rows: prepared.skipped,
    train_rows: split.train.length,
    holdout_rows: split.holdout.length,
    holdout_fraction: deps.holdoutFraction,
    base_version: job.base_version,
    champion_version: championVersion,
    candidate_model_version: meta.model_version,
    dataset_id: challenger.card.training.dataset_id,
    trained_at: challenger.card.training.trained_at,
    promotion: { action: decision.action, reason: decision.reason },
  };
  // The champion gets a registry row if it has none yet (a version written outside the trainer), so a later rollback can find it.
  await setVersionStage({ clickhouse: deps.clickhouse, repoDir: deps.repoDir }, model, championVersion, 'champion', '', nowMs);
  await putRegistryEntry(deps.clickhouse, {
    model,
    version,
    stage: 'candidate',
    artifact_uri: artifactUri(deps.repoDir, model, version),
    metrics: { ...challengerMetrics },
    champion_metrics: { version: championVersion, ...championMetrics },
    lineage,
    promoted_by: '',
    created_at: nowMs,
    updated_at: nowMs,
  });
  log.info({ version, challenger: challengerMetrics, champion: championMetrics, decision: decision.action, why: decision.reason }, 'model version registered');
  // The new version's reference profile is its training population, so drift is measured against what it learned, not
  // against the population its predecessor was trained on (that drift is why it exists). Saved before it can serve.
  const profile = buildReferenceProfile(
    prepared.examples.map((e) => e.row as Record<string, unknown>),
    { model, modelVersion: version, source: `candidate:${job.candidate_id}`, categorical: champion.card.features.filter((f) => f.kind === 'categorical').map((f) => f.name) },
  );
  await saveProfile(deps.clickhouse, profile);

  if (decision.action !== 'hold') {
    await promoteVersion(
      { clickhouse: deps.clickhouse, repoDir: deps.repoDir, clock: () => Math.max(clock(), nowMs + 1) },
      { model, version, canaryShare: decision.action === 'canary' ? decision.canaryShare : undefined, promotedBy: `trainer (${deps.policy.mode})`, reason: decision.reason },
    );
    log.info({ version, action: decision.action }, decision.action === 'promote' ? 'model version promoted to champion' : 'model version serving as canary');
  }
  return { model, version, championVersion, challenger: challengerMetrics, champion: championMetrics, decision, lineage, reused: existing !== undefined };
}

async function trainAndWrite(
  deps: CandidateTrainingDeps,
  job: TrainingJobData,
  jobId: string,
  championCard: ModelCard,
  split: { train: Example[]; holdout: Example[] },
  nowMs: number,
): Promise<{ onnxBytes: Uint8Array; card: ModelCard }> {
  const version = await nextVersion(deps.repoDir, job.model);
  const trained = trainLogisticVersion({
    model: job.model,
    version,
    description: championCard.description,
    features: championCard.features,
    outputs: championCard.outputs,
    threshold: championCard.threshold,
    train: { rows: split.train.map((e) => e.row), labels: Uint8Array.from(split.train, (e) => e.label) },
    holdout: { rows: split.holdout.map((e) => e.row), labels: Uint8Array.from(split.holdout, (e) => e.label) },
    datasetId: `candidate:${job.candidate_id}`,
    hyperparameters: { holdout_fraction: deps.holdoutFraction, split: 'sha256(prediction_id)', job_id: jobId, base_version: job.base_version },
    nowMs,
  });
  await writeModelVersion(deps.repoDir, trained.onnxBytes, trained.card);
  deps.logger.info({ model: job.model, version, trainRows: split.train.length, ms: Math.round(trained.trainMs) }, 'model version trained');
  return trained;
}

/**
 * The version an earlier attempt of this job wrote, if any (its card names
 * the candidate and the job): a retry after a failure past the write re-evaluates that version
 * instead of training another.
 */
async function versionOfJob(repoDir: string, model: string, candidateId: string, jobId: string): Promise<{ onnxBytes: Uint8Array; card: ModelCard } | undefined> {
  const versions = await listVersions(repoDir, model);
  for (const v of versions.slice().reverse()) {
    const found = await readModelVersion(modelVersionDir(repoDir, model, v)).catch(() => undefined);
    if (found?.card.training.dataset_id === `candidate:${candidateId}` && found.card.training.hyperparameters.job_id === jobId) return found;
  }
  return undefined;
}
