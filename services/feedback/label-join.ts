import { queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { predictionIdTimeMs } from '../../libs/contracts/prediction-id.ts';
import { idTimeRanges } from './id-time-ranges.ts';
import { parseOutputs, predictedClassOf, scoreOf } from './prediction-outputs.ts';

/**
 * The late-label join: labels (already stored in `labels`) meet their
 * predictions by prediction_id and become `labeled_predictions` rows.
 *
 * - Last write wins: the label with the newest received_at (the broker's
 *   append time of the label event) is the one joined; every earlier label
 *   stays in `labels` as history, and label_versions counts them.
 * - Idempotent: labeled_predictions is a ReplacingMergeTree on the
 *   prediction with received_at as its version, and pending_labels is keyed by
 *   the label event, so a replay rewrites the same rows.
 * - Narrow: predictions are read per time range implied by the ids
 *   (id-time-ranges.ts), never across the whole horizon.
 * - Labels whose prediction is not found stay `pending` and are retried until
 *   the prediction is older than the horizon; then they become `orphaned`
 *   (kept and counted).
 */

export interface LabelJoinOptions {
  clickhouse: ClickHouseClient;
  /** How long after a prediction its label may still arrive (default 30 d). */
  horizonMs: number;
  /** Clock skew tolerated between a prediction id's time and its event time. */
  idSlackMs: number;
  /** Ids further apart than this are read with separate range queries. */
  maxGapMs: number;
}

export interface JoinedWindowKey {
  model: string;
  version: string;
  tsMs: number;
}

export interface JoinOutcome {
  joined: number;
  pending: number;
  orphaned: number;
  /** Prediction times of the joined rows, for the quality job's dirty windows. */
  touched: JoinedWindowKey[];
}

interface LatestLabel {
  id: string;
  latest_label: string;
  latest_label_ts: string;
  latest_received: string;
  versions: string;
  first_received: string;
}

interface PredictionMatch {
  id: string;
  model_version: string;
  ts_ms: string;
  features: string;
  outputs: string;
}

/** Ids per query: keeps each IN list and its parameter payload bounded. */
const IDS_PER_QUERY = 5_000;

/**
 * Joins the labels of these predictions of one model. `attempts` maps a
 * pending label's prediction id to the attempts made so far (retries), so the
 * pending row records how often it was tried.
 */
export async function joinLabels(options: LabelJoinOptions, model: string, ids: readonly string[], nowMs: number, attempts: ReadonlyMap<string, number> = new Map()): Promise<JoinOutcome> {
  const outcome: JoinOutcome = { joined: 0, pending: 0, orphaned: 0, touched: [] };
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += IDS_PER_QUERY) {
    await joinChunk(options, model, unique.slice(i, i + IDS_PER_QUERY), nowMs, attempts, outcome);
  }
  return outcome;
}

async function joinChunk(options: LabelJoinOptions, model: string, ids: string[], nowMs: number, attempts: ReadonlyMap<string, number>, outcome: JoinOutcome): Promise<void> {
  const { clickhouse } = options;
  // labels is ordered by (model, prediction_id, …): a primary-key lookup.
  const latest = await queryRows<LatestLabel>(
    clickhouse,
    `SELECT toString(prediction_id) AS id,
            argMax(label, received_at) AS latest_label,
            toUnixTimestamp64Milli(argMax(label_ts, received_at)) AS latest_label_ts,
            toUnixTimestamp64Milli(max(received_at)) AS latest_received,
            toUnixTimestamp64Milli(min(received_at)) AS first_received,
            count() AS versions
       FROM labels FINAL
      WHERE model = {model:String} AND prediction_id IN {ids:Array(UUID)}
      GROUP BY prediction_id`,
    { model, ids },
  );
  if (latest.length === 0) return;
  const labelById = new Map(latest.map((l) => [l.id, l]));

  const found = new Map<string, PredictionMatch>();
  for (const range of idTimeRanges(labelById.keys(), options.idSlackMs, options.maxGapMs)) {
    const rows = await queryRows<PredictionMatch>(
      clickhouse,
      `SELECT toString(prediction_id) AS id, model_version, toUnixTimestamp64Milli(ts) AS ts_ms, features, outputs
         FROM predictions
        WHERE model = {model:String}
          AND ts BETWEEN fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND fromUnixTimestamp64Milli({to:Int64}, 'UTC')
          AND prediction_id IN {ids:Array(UUID)}
        LIMIT 1 BY prediction_id`,
      { model, from: range.fromMs, to: range.toMs, ids: range.ids },
    );
    for (const row of rows) found.set(row.id, row);
  }

  const joinedRows: object[] = [];
  const pendingRows: object[] = [];
  for (const [id, label] of labelById) {
    const prediction = found.get(id);
    const tried = (attempts.get(id) ?? 0) + 1;
    const pendingKey = { model, prediction_id: id, received_at: Number(label.latest_received), label: label.latest_label, label_ts: Number(label.latest_label_ts), attempts: tried, first_seen_at: Number(label.first_received), updated_at: nowMs };
    if (prediction) {
      const outputs = parseOutputs(prediction.outputs);
      joinedRows.push({
        prediction_id: id,
        model,
        model_version: prediction.model_version,
        ts: Number(prediction.ts_ms),
        features: prediction.features,
        outputs: prediction.outputs,
        score: scoreOf(outputs),
        predicted: predictedClassOf(outputs),
        label: label.latest_label,
        label_ts: Number(label.latest_label_ts),
        received_at: Number(label.latest_received),
        label_versions: Number(label.versions),
        joined_at: nowMs,
      });
      outcome.touched.push({ model, version: prediction.model_version, tsMs: Number(prediction.ts_ms) });
      // Close a pending entry if this label waited for its prediction.
      if (attempts.has(id)) pendingRows.push({ ...pendingKey, state: 'joined' });
      outcome.joined++;
    } else if (nowMs - predictionIdTimeMs(id) > options.horizonMs) {
      pendingRows.push({ ...pendingKey, state: 'orphaned' });
      outcome.orphaned++;
    } else {
      pendingRows.push({ ...pendingKey, state: 'pending' });
      outcome.pending++;
    }
  }
  // Joined rows first: if the process dies between the two inserts, the
  // pending entry is retried and joins again (idempotently).
  if (joinedRows.length > 0) await clickhouse.insert({ table: 'labeled_predictions', values: joinedRows, format: 'JSONEachRow' });
  if (pendingRows.length > 0) await clickhouse.insert({ table: 'pending_labels', values: pendingRows, format: 'JSONEachRow' });
}

interface PendingRow {
  model: string;
  id: string;
  tried: number;
}

/**
 * Retries pending labels: up to `limit` of the oldest pending entries, joined
 * again per model. Returns the combined outcome.
 */
export async function retryPendingLabels(options: LabelJoinOptions, nowMs: number, limit = 20_000): Promise<JoinOutcome> {
  const pending = await queryRows<PendingRow>(
    options.clickhouse,
    `SELECT model, toString(prediction_id) AS id, max(attempts) AS tried
       FROM pending_labels FINAL
      WHERE state = 'pending'
      GROUP BY model, prediction_id
      ORDER BY min(first_seen_at)
      LIMIT {limit:UInt32}`,
    { limit },
  );
  const total: JoinOutcome = { joined: 0, pending: 0, orphaned: 0, touched: [] };
  const byModel = new Map<string, PendingRow[]>();
  for (const row of pending) {
    const list = byModel.get(row.model) ?? [];
    list.push(row);
    byModel.set(row.model, list);
  }
  for (const [model, rows] of byModel) {
    const attempts = new Map(rows.map((r) => [r.id, Number(r.tried)]));
    const outcome = await joinLabels(options, model, [...attempts.keys()], nowMs, attempts);
    total.joined += outcome.joined;
    total.pending += outcome.pending;
    total.orphaned += outcome.orphaned;
    total.touched.push(...outcome.touched);
  }
  return total;
}
