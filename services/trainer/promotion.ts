import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { DriftlineError } from '../../libs/errors/errors.ts';
import { listVersions, modelVersionDir, readModelVersion } from '../../libs/model/model-repository.ts';
import type { RoutingPolicy } from '../serving/routing-policy.ts';
import { championBefore, entryFromCard, getRegistryEntry, moveToStage, recordPromotionEvent, type RegistryStage } from './registry-store.ts';
import { currentRouting, writeRouting } from './routing-file.ts';

/**
 * Changing what a model serves: promote a version to champion, start (or
 * re-weight) a canary, roll back. Each change updates the registry stages,
 * appends to model_promotions, and writes routing.json LAST: the file is
 * what serving nodes act on, and a change that failed before it can simply
 * be retried (the conflict checks read routing.json, so a retry is not
 * refused as "already champion"). Not a distributed lock: two changes of
 * the same model at the same moment race, the last routing write wins.
 */

export interface PromotionDeps {
  clickhouse: ClickHouseClient;
  repoDir: string;
  clock?: () => number;
}

export interface PromotionResult {
  model: string;
  action: 'promote' | 'canary' | 'rollback';
  /** The routing policy now in routing.json. */
  routing: RoutingPolicy;
  /** The champion before the change. */
  previous_champion: string;
}

const MODEL_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;
const VERSION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Promotes `version` to champion, or with `canaryShare` in (0, 1] makes it
 * the canary next to the current champion. Throws NOT_FOUND for a version
 * not in the repository, CONFLICT when it is already the champion,
 * INPUT_INVALID for a bad name or share.
 */
export async function promoteVersion(
  deps: PromotionDeps,
  request: { model: string; version: string; canaryShare?: number | undefined; promotedBy: string; reason: string },
): Promise<PromotionResult> {
  const { model, version, canaryShare } = request;
  checkNames(model, version);
  if (canaryShare !== undefined && !(canaryShare > 0 && canaryShare <= 1)) {
    throw new DriftlineError('INPUT_INVALID', `canary_share must be in (0, 1], got ${canaryShare}`);
  }
  const versions = await listVersions(deps.repoDir, model);
  if (!versions.includes(version)) throw new DriftlineError('NOT_FOUND', `model version ${model}/${version} is not in the model repository`);
  const routing = (await currentRouting(deps.repoDir, model))!;
  const champion = routing.champion;
  if (champion === version) throw new DriftlineError('CONFLICT', `${model}/${version} is already the champion`);
  const nowMs = (deps.clock ?? Date.now)();
  const move = (v: string, stage: RegistryStage) => setVersionStage(deps, model, v, stage, request.promotedBy, nowMs);
  const endedCanary = routing.canary && routing.canary.version !== version ? routing.canary.version : undefined;
  if (endedCanary) await move(endedCanary, 'candidate');

  let next: RoutingPolicy;
  if (canaryShare === undefined) {
    await move(version, 'champion');
    await move(champion, 'archived');
    next = { champion: version };
  } else {
    await move(version, 'canary');
    await move(champion, 'champion');
    next = { champion, canary: { version, share: canaryShare } };
  }
  const action = canaryShare === undefined ? 'promote' : 'canary';
  await recordPromotionEvent(deps.clickhouse, {
    model, promoted_at: nowMs, action, version, previous_champion: champion, canary_share: canaryShare ?? 0, promoted_by: request.promotedBy, reason: request.reason,
  });
  await writeRouting(deps.repoDir, model, next);
  return { model, action, routing: next, previous_champion: champion };
}

/**
 * Undoes the latest change of what serves: an active canary is ended (the
 * champion keeps all traffic); otherwise the champion before the current
 * one (the one it replaced when it was promoted) becomes champion again and
 * the current one is archived. Throws CONFLICT when there is nothing to roll
 * back to.
 */
export async function rollbackModel(deps: PromotionDeps, request: { model: string; promotedBy: string; reason: string }): Promise<PromotionResult> {
  const { model } = request;
  checkNames(model);
  const routing = await currentRouting(deps.repoDir, model);
  if (!routing) throw new DriftlineError('NOT_FOUND', `model ${model} has no versions in the model repository`);
  const current = routing.champion;
  const nowMs = (deps.clock ?? Date.now)();
  const move = (v: string, stage: RegistryStage) => setVersionStage(deps, model, v, stage, request.promotedBy, nowMs);

  let next: RoutingPolicy;
  let reason: string;
  if (routing.canary) {
    await move(routing.canary.version, 'candidate');
    next = { champion: current };
    reason = `canary ${routing.canary.version} ended; ${request.reason}`;
  } else {
    const target = await championBefore(deps.clickhouse, model, current);
    if (!target) throw new DriftlineError('CONFLICT', `no previous champion of ${model} to roll back to: ${current} was not promoted over another version`);
    if (!(await listVersions(deps.repoDir, model)).includes(target)) {
      throw new DriftlineError('CONFLICT', `the previous champion ${model}/${target} is no longer in the model repository`);
    }
    await move(target, 'champion');
    await move(current, 'archived');
    next = { champion: target };
    reason = request.reason;
  }
  await recordPromotionEvent(deps.clickhouse, {
    model, promoted_at: nowMs, action: 'rollback', version: next.champion, previous_champion: current, canary_share: 0, promoted_by: request.promotedBy, reason,
  });
  await writeRouting(deps.repoDir, model, next);
  return { model, action: 'rollback', routing: next, previous_champion: current };
}

/**
 * Moves a version's registry stage (nothing to do when it is already there);
 * a version never registered is registered from its model card, and one
 * that is neither registered nor in the repository is skipped.
 */
export async function setVersionStage(deps: PromotionDeps, model: string, version: string, stage: RegistryStage, promotedBy: string, nowMs: number): Promise<void> {
  const known = await getRegistryEntry(deps.clickhouse, model, version);
  if (known?.stage === stage) return;
  if (!known && !(await listVersions(deps.repoDir, model)).includes(version)) return;
  await moveToStage(deps.clickhouse, {
    model, version, stage, promotedBy, nowMs,
    describe: async () => entryFromCard(deps.repoDir, (await readModelVersion(modelVersionDir(deps.repoDir, model, version))).card, stage, nowMs),
  });
}

function checkNames(model: string, version?: string): void {
  if (!MODEL_NAME.test(model)) throw new DriftlineError('INPUT_INVALID', `model name ${JSON.stringify(model)} is not valid (letters, digits, _ . - ; starting with a letter)`);
  if (version !== undefined && !VERSION_NAME.test(version)) throw new DriftlineError('INPUT_INVALID', `version ${JSON.stringify(version)} is not valid (letters, digits, _ . - ; starting with a letter or digit)`);
}
