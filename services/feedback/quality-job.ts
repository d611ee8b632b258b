import { queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import type { JoinedWindowKey } from './label-join.ts';
import { classificationQuality, parseBinaryLabel, regressionQuality, type ScoredLabel, type WindowQuality } from './quality-metrics.ts';

/**
 * Keeps `quality_metrics` current: one row per (model, version, window of
 * prediction time) with label coverage and the quality of the joined rows.
 *
 * A window is recomputed from ALL its rows when it is dirty: the label join
 * touched it (a late label arrived), or the coverage sweep found its
 * prediction count changed since the last computation (new predictions, or a
 * window never computed — coverage 0 is recorded too). Rows are replaced by
 * a newer computed_at, so the table converges however often this runs.
 */
export interface QualityJobOptions {
  clickhouse: ClickHouseClient;
  windowMs: number;
  /** The sweep looks this far back for windows whose prediction count changed. */
  sweepLookbackMs: number;
  /** Decision threshold when a classifier's events carry no class. */
  threshold?: number;
  logger: Logger;
}

export interface QualityJob {
  /** Marks the windows of joined rows for recomputation. */
  markDirty(keys: readonly JoinedWindowKey[]): void;
  /** Sweeps for changed windows and recomputes every dirty one; returns how many were written. */
  run(nowMs: number): Promise<number>;
  stats(): { windowsComputed: number; invalidLabels: number; failures: number; dirty: number };
}

interface WindowKey {
  model: string;
  version: string;
  windowStartMs: number;
}

export function createQualityJob(options: QualityJobOptions): QualityJob {
  const { clickhouse, windowMs } = options;
  const log = options.logger.child({ component: 'quality-job' });
  const dirty = new Map<string, WindowKey>();
  const stats = { windowsComputed: 0, invalidLabels: 0, failures: 0 };
  const keyOf = (k: WindowKey) => `${k.model}\u0000${k.version}\u0000${k.windowStartMs}`;
  const add = (k: WindowKey) => dirty.set(keyOf(k), k);

  async function sweep(nowMs: number): Promise<void> {
    const rows = await queryRows<{ model: string; model_version: string; ws: string }>(
      clickhouse,
      `SELECT p.model AS model, p.model_version AS model_version, p.ws AS ws
         FROM (SELECT model, model_version, intDiv(toUnixTimestamp64Milli(ts), {w:Int64}) * {w:Int64} AS ws, uniqExact(prediction_id) AS n
                 FROM predictions
                WHERE ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')
                GROUP BY model, model_version, ws) AS p
         LEFT JOIN (SELECT model, model_version, toUnixTimestamp64Milli(window_start) AS ws, predictions
                      FROM quality_metrics FINAL
                     WHERE window_start >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')) AS q
           ON p.model = q.model AND p.model_version = q.model_version AND p.ws = q.ws
        WHERE q.predictions != p.n`,
      { w: windowMs, from: Math.floor((nowMs - options.sweepLookbackMs) / windowMs) * windowMs },
    );
    for (const r of rows) add({ model: r.model, version: r.model_version, windowStartMs: Number(r.ws) });
  }

  async function computeWindow(k: WindowKey, nowMs: number): Promise<void> {
    const range = { model: k.model, version: k.version, from: k.windowStartMs, to: k.windowStartMs + windowMs };
    const inWindow = `model = {model:String} AND model_version = {version:String}
      AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')`;
    const [count] = await queryRows<{ n: string }>(clickhouse, `SELECT uniqExact(prediction_id) AS n FROM predictions WHERE ${inWindow}`, range);
    const rows = await queryRows<{ score: number | null; predicted: string; label: string }>(
      clickhouse,
      `SELECT score, predicted, label FROM labeled_predictions FINAL WHERE ${inWindow}`,
      range,
    );
    const predictions = Number(count?.n ?? 0);
    const scored: ScoredLabel[] = rows.map((r) => ({ score: r.score === null ? null : Number(r.score), predicted: r.predicted, label: r.label }));
    const { quality, invalid } = qualityOf(scored, options.threshold);
    stats.invalidLabels += invalid;
    await clickhouse.insert({
      table: 'quality_metrics',
      format: 'JSONEachRow',
      values: [
        {
          model: k.model,
          model_version: k.version,
          window_start: k.windowStartMs,
          window_end: k.windowStartMs + windowMs,
          task: quality?.task ?? '',
          predictions,
          labelled: quality?.labelled ?? 0,
          // Labels can outnumber the predictions still stored (TTL, a prediction not sunk yet): coverage is capped at 1.
          label_coverage: predictions > 0 ? Math.min(1, (quality?.labelled ?? 0) / predictions) : 0,
          ...columnsOf(quality),
          computed_at: nowMs,
        },
      ],
    });
    stats.windowsComputed++;
  }

  return {
    markDirty(keys) {
      for (const k of keys) add({ model: k.model, version: k.version, windowStartMs: Math.floor(k.tsMs / windowMs) * windowMs });
    },
    async run(nowMs) {
      await sweep(nowMs);
      let written = 0;
      for (const [key, k] of [...dirty]) {
        try {
          await computeWindow(k, nowMs);
          dirty.delete(key);
          written++;
        } catch (err) {
          // Stays dirty: retried next run.
          stats.failures++;
          log.warn({ err, model: k.model, version: k.version, window_start: new Date(k.windowStartMs).toISOString() }, 'quality window computation failed; retried next run');
        }
      }
      return written;
    },
    stats: () => ({ ...stats, dirty: dirty.size }),
  };
}

/**
 * The task is read from the labels: all binary spellings → binary
 * classification, else regression when they are numbers. A model whose
 * labels mix both gets a classification over the binary ones, with the rest
 * counted as invalid.
 */
function qualityOf(rows: ScoredLabel[], threshold = 0.5): { quality: WindowQuality | undefined; invalid: number } {
  if (rows.length === 0) return { quality: undefined, invalid: 0 };
  const binary = rows.filter((r) => parseBinaryLabel(r.label) !== undefined).length;
  return binary >= rows.length / 2 ? classificationQuality(rows, threshold) : regressionQuality(rows);
}

function columnsOf(q: WindowQuality | undefined) {
  const none = { positives: null, accuracy: null, precision: null, recall: null, f1: null, roc_auc: null, log_loss: null, calibration: '[]', mae: null, rmse: null, mape: null };
  if (!q) return none;
  if (q.task === 'regression') return { ...none, mae: q.mae, rmse: q.rmse, mape: q.mape };
  return { ...none, positives: q.positives, accuracy: q.accuracy, precision: q.precision, recall: q.recall, f1: q.f1, roc_auc: q.roc_auc, log_loss: q.log_loss, calibration: JSON.stringify(q.calibration) };
}
