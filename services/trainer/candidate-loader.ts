import { queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { DriftlineError } from '../../libs/errors/errors.ts';
import type { CandidateRow } from './candidate-dataset.ts';
import { clickhouseCall } from './clickhouse-call.ts';

/** retrain_candidates metadata the trainer records as lineage. */
export interface CandidateMeta {
  candidate_id: string;
  model: string;
  /** The version whose predictions were snapshotted ('' = every version). */
  model_version: string;
  reason: string;
  decision_id: string;
  row_count: number;
}

/**
 * Reads a retrain candidate's metadata. Throws NOT_FOUND when the candidate
 * does not exist, INPUT_INVALID when it belongs to another model than the job's.
 */
export async function loadCandidateMeta(clickhouse: ClickHouseClient, candidateId: string, model: string): Promise<CandidateMeta> {
  const [meta] = await clickhouseCall(`reading retrain candidate ${candidateId}`, () =>
    queryRows<CandidateMeta & { row_count: string | number }>(
      clickhouse,
      `SELECT candidate_id, model, model_version, reason, decision_id, row_count
         FROM retrain_candidates FINAL WHERE candidate_id = {id:String} LIMIT 1`,
      { id: candidateId },
    ));
  if (!meta) throw new DriftlineError('NOT_FOUND', `no retrain candidate '${candidateId}'`);
  if (meta.model !== model) {
    throw new DriftlineError('INPUT_INVALID', `retrain candidate '${candidateId}' belongs to model '${meta.model}', not '${model}'`);
  }
  return { ...meta, row_count: Number(meta.row_count) };
}

/** Reads a retrain candidate: its metadata (see loadCandidateMeta), then its rows ordered by prediction id (a stable order, so training is deterministic). */
export async function loadCandidate(clickhouse: ClickHouseClient, candidateId: string, model: string): Promise<{ meta: CandidateMeta; rows: CandidateRow[] }> {
  const meta = await loadCandidateMeta(clickhouse, candidateId, model);
  const rows = await clickhouseCall(`reading the rows of retrain candidate ${candidateId}`, () =>
    queryRows<CandidateRow>(
      clickhouse,
      `SELECT toString(prediction_id) AS prediction_id, features, label
         FROM candidate_rows FINAL WHERE candidate_id = {id:String} ORDER BY prediction_id`,
      { id: candidateId },
    ));
  return { meta, rows };
}
