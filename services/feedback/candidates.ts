import { randomBytes } from 'node:crypto';
import { queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { DriftlineError } from '../../libs/errors/errors.ts';

/**
 * Retrain-candidate datasets: a named, immutable snapshot of joined
 * feature+label rows. Creation copies the rows (INSERT … SELECT inside
 * ClickHouse: nothing passes through Node) into candidate_rows under a fresh
 * id and then records the lineage in retrain_candidates — rows first, so a
 * candidate that is listed always has all its rows. Later labels, replays or
 * TTLs never change a snapshot.
 */
export interface CandidateSpec {
  model: string;
  /** Only rows served by this version; undefined = every version. */
  version?: string;
  fromMs: number;
  toMs: number;
  /** Why the candidate exists (the trigger's summary, or "manual: …"). */
  reason: string;
  /** The trigger decision that created it ('' for manual ones). */
  decisionId: string;
}

export interface CandidateSummary {
  candidate_id: string;
  model: string;
  model_version: string;
  from_ts: number;
  to_ts: number;
  reason: string;
  decision_id: string;
  row_count: number;
  label_coverage: number;
  class_balance: Record<string, number>;
  created_at: number;
}

/** A readable, unique id: model, creation time, random suffix. */
export function newCandidateId(model: string, nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${model}-${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function createCandidate(clickhouse: ClickHouseClient, spec: CandidateSpec, nowMs: number): Promise<CandidateSummary> {
  if (!(spec.toMs > spec.fromMs)) throw new DriftlineError('INPUT_INVALID', `candidate time range is empty: from ${spec.fromMs} to ${spec.toMs}`);
  const id = newCandidateId(spec.model, nowMs);
  const params = { id, model: spec.model, version: spec.version ?? '', from: spec.fromMs, to: spec.toMs };
  const where = `model = {model:String}
      AND ({version:String} = '' OR model_version = {version:String})
      AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')`;
  await clickhouse.command({
    query: `INSERT INTO candidate_rows (candidate_id, prediction_id, model, model_version, ts, features, outputs, score, label)
            SELECT {id:String}, prediction_id, model, model_version, ts, features, outputs, score, label
              FROM labeled_predictions FINAL
             WHERE ${where}`,
    query_params: params,
  });
  const balance = await queryRows<{ label: string; n: string }>(
    clickhouse,
    'SELECT label, count() AS n FROM candidate_rows FINAL WHERE candidate_id = {id:String} GROUP BY label ORDER BY label',
    { id },
  );
  const [predicted] = await queryRows<{ n: string }>(clickhouse, `SELECT uniqExact(prediction_id) AS n FROM predictions WHERE ${where}`, params);
  const rowCount = balance.reduce((sum, b) => sum + Number(b.n), 0);
  const predictions = Number(predicted?.n ?? 0);
  const summary: CandidateSummary = {
    candidate_id: id,
    model: spec.model,
    model_version: spec.version ?? '',
    from_ts: spec.fromMs,
    to_ts: spec.toMs,
    reason: spec.reason,
    decision_id: spec.decisionId,
    row_count: rowCount,
    label_coverage: predictions > 0 ? Math.min(1, rowCount / predictions) : 0,
    class_balance: Object.fromEntries(balance.map((b) => [b.label, Number(b.n)])),
    created_at: nowMs,
  };
  await clickhouse.insert({
    table: 'retrain_candidates',
    format: 'JSONEachRow',
    values: [{ ...summary, filters: JSON.stringify({ version: spec.version ?? null }), class_balance: JSON.stringify(summary.class_balance) }],
  });
  return summary;
}

/** Labelled rows a candidate over this range would hold now (the trigger's min_labelled_rows gate). */
export async function countLabelledRows(clickhouse: ClickHouseClient, model: string, fromMs: number, toMs: number): Promise<number> {
  const [row] = await queryRows<{ n: string }>(
    clickhouse,
    `SELECT count() AS n FROM labeled_predictions FINAL
      WHERE model = {model:String} AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')`,
    { model, from: fromMs, to: toMs },
  );
  return Number(row?.n ?? 0);
}

/** Supported export formats, as ClickHouse output formats. */
export const EXPORT_FORMATS = { csv: 'CSVWithNames', parquet: 'Parquet', jsonl: 'JSONEachRow' } as const;
export type ExportFormat = keyof typeof EXPORT_FORMATS;

/**
 * Exports a candidate's rows in a ClickHouse output format (ClickHouse does
 * the encoding, Parquet included). Throws NOT_FOUND for an unknown id.
 */
export async function exportCandidate(clickhouse: ClickHouseClient, candidateId: string, format: ExportFormat): Promise<Buffer> {
  const [known] = await queryRows<{ n: string }>(clickhouse, 'SELECT count() AS n FROM retrain_candidates WHERE candidate_id = {id:String}', { id: candidateId });
  if (Number(known?.n ?? 0) === 0) throw new DriftlineError('NOT_FOUND', `no retrain candidate '${candidateId}'`);
  const result = await clickhouse.exec({
    query: `SELECT toString(prediction_id) AS prediction_id, model, model_version, ts, features, outputs, score, label
              FROM candidate_rows FINAL WHERE candidate_id = {id:String} ORDER BY ts, prediction_id
            FORMAT ${EXPORT_FORMATS[format]}`,
    query_params: { id: candidateId },
  });
  const chunks: Buffer[] = [];
  for await (const chunk of result.stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
