import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import type { ModelCard } from '../../libs/model/model-card.ts';
import { modelVersionDir } from '../../libs/model/model-repository.ts';
import { clickhouseCall } from './clickhouse-call.ts';

/**
 * The model registry in ClickHouse (migrations 0015, 0017): one row per
 * model version in model_registry — its stage, artifact, metrics and
 * lineage; the newest updated_at is the state (ReplacingMergeTree, read
 * FINAL) — and an append-only model_promotions log of every change of what
 * serves. Stages: candidate (registered, not serving), canary (serving a
 * share), champion (serving), archived (a former champion).
 */

export type RegistryStage = 'candidate' | 'canary' | 'champion' | 'archived';

export interface RegistryEntry {
  model: string;
  version: string;
  stage: RegistryStage;
  /** Where the version's files are, e.g. file:///models/credit-default/2 */
  artifact_uri: string;
  /** Holdout metrics of this version (roc_auc, log_loss, accuracy, positive_rate, rows). */
  metrics: Record<string, unknown>;
  /** The champion's metrics on the same holdout when this version was evaluated; null when not compared. */
  champion_metrics: Record<string, unknown> | null;
  /** Where the version came from: candidate_id, decision_id, reason, row counts, base_version, trained_at… */
  lineage: Record<string, unknown>;
  /** Who put it in its current stage ("trainer (auto)", "api", …); '' for a plain registration. */
  promoted_by: string;
  created_at: number;
  updated_at: number;
}

interface RegistryRow {
  model: string;
  version: string;
  stage: string;
  artifact_uri: string;
  metrics: string;
  champion_metrics: string;
  lineage: string;
  promoted_by: string;
  created_ms: string | number;
  updated_ms: string | number;
}

const SELECT = `SELECT model, version, stage, artifact_uri, metrics, champion_metrics, lineage, promoted_by,
                       toUnixTimestamp64Milli(created_at) AS created_ms, toUnixTimestamp64Milli(updated_at) AS updated_ms
                  FROM model_registry FINAL`;

/** file:// URI of a version directory. */
export function artifactUri(repoDir: string, model: string, version: string): string {
  return pathToFileURL(resolve(modelVersionDir(repoDir, model, version))).href;
}

/** One version's registry entry; undefined when it was never registered. */
export async function getRegistryEntry(clickhouse: ClickHouseClient, model: string, version: string): Promise<RegistryEntry | undefined> {
  const rows = await clickhouseCall(`reading registry entry ${model}/${version}`, () =>
    queryRows<RegistryRow>(clickhouse, `${SELECT} WHERE model = {model:String} AND version = {version:String} LIMIT 1`, { model, version }));
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** Every registered version of a model, newest update first. */
export async function listRegistryEntries(clickhouse: ClickHouseClient, model: string): Promise<RegistryEntry[]> {
  const rows = await clickhouseCall(`listing registry entries of ${model}`, () =>
    queryRows<RegistryRow>(clickhouse, `${SELECT} WHERE model = {model:String} ORDER BY updated_at DESC, version`, { model }));
  return rows.map(fromRow);
}

/** Inserts (or replaces, by a newer updated_at) an entry. */
export async function putRegistryEntry(clickhouse: ClickHouseClient, entry: RegistryEntry): Promise<void> {
  await clickhouseCall(`writing registry entry ${entry.model}/${entry.version}`, () =>
    clickhouse.insert({
      table: 'model_registry',
      format: 'JSONEachRow',
      values: [{
        ...entry,
        metrics: JSON.stringify(entry.metrics),
        champion_metrics: entry.champion_metrics === null ? '' : JSON.stringify(entry.champion_metrics),
        lineage: JSON.stringify(entry.lineage),
      }],
    }));
}

/**
 * Moves a version to a stage. A version the registry does not know yet (a
 * model written outside the trainer, like the demo's first version) is
 * registered from its model card first, so the registry always describes
 * what serves. updated_at strictly grows per version, so the newest state
 * wins even within one millisecond.
 */
export async function moveToStage(
  clickhouse: ClickHouseClient,
  options: { model: string; version: string; stage: RegistryStage; promotedBy: string; nowMs: number; describe: () => Promise<RegistryEntry> },
): Promise<RegistryEntry> {
  const current = (await getRegistryEntry(clickhouse, options.model, options.version)) ?? (await options.describe());
  const next: RegistryEntry = { ...current, stage: options.stage, promoted_by: options.promotedBy, updated_at: Math.max(options.nowMs, current.updated_at + 1) };
  await putRegistryEntry(clickhouse, next);
  return next;
}

/** A registry entry for a version known only from its model card (metrics are the card's holdout metrics). */
export function entryFromCard(repoDir: string, card: ModelCard, stage: RegistryStage, nowMs: number): RegistryEntry {
  const m = card.training.metrics;
  return {
    model: card.model,
    version: card.version,
    stage,
    artifact_uri: artifactUri(repoDir, card.model, card.version),
    metrics: { roc_auc: m.auc, log_loss: m.log_loss, accuracy: m.accuracy, positive_rate: m.positive_rate, rows: card.training.holdout_rows, source: 'model_card' },
    champion_metrics: null,
    lineage: { source: 'model_card', dataset_id: card.training.dataset_id, train_rows: card.training.rows, holdout_rows: card.training.holdout_rows, trained_at: card.training.trained_at },
    promoted_by: '',
    created_at: Date.parse(card.training.trained_at) || nowMs,
    updated_at: nowMs,
  };
}

/** One change of what a model serves. */
export interface PromotionEvent {
  model: string;
  promoted_at: number;
  action: 'promote' | 'canary' | 'rollback';
  version: string;
  previous_champion: string;
  canary_share: number;
  promoted_by: string;
  reason: string;
}

export async function recordPromotionEvent(clickhouse: ClickHouseClient, event: PromotionEvent): Promise<void> {
  await clickhouseCall(`recording the ${event.action} of ${event.model}/${event.version}`, () =>
    clickhouse.insert({ table: 'model_promotions', format: 'JSONEachRow', values: [event] }));
}

/**
 * The champion that `version` replaced the last time it was PROMOTED (not
 * rolled back to): what a rollback from `version` returns to. Following
 * promotions only makes repeated rollbacks walk back through history
 * (3 → 2 → 1) instead of flipping between two versions.
 */
export async function championBefore(clickhouse: ClickHouseClient, model: string, version: string): Promise<string | undefined> {
  const [row] = await clickhouseCall(`reading the promotion history of ${model}`, () =>
    queryRows<{ previous_champion: string }>(
      clickhouse,
      `SELECT previous_champion FROM model_promotions
        WHERE model = {model:String} AND version = {version:String} AND action = 'promote'
        ORDER BY promoted_at DESC LIMIT 1`,
      { model, version },
    ));
  return row?.previous_champion || undefined;
}

function fromRow(r: RegistryRow): RegistryEntry {
  return {
    model: r.model,
    version: r.version,
    stage: r.stage as RegistryStage,
    artifact_uri: r.artifact_uri,
    metrics: parseJson(r.metrics) ?? {},
    champion_metrics: parseJson(r.champion_metrics) ?? null,
    lineage: parseJson(r.lineage) ?? {},
    promoted_by: r.promoted_by,
    created_at: Number(r.created_ms),
    updated_at: Number(r.updated_ms),
  };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
