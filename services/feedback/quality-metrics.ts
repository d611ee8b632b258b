import { logLoss, rocAuc } from '../../libs/model/metrics.ts';

/**
 * Live model quality of one window, computed from all of the window's joined
 * rows at once. Windows are never averaged from chunks: AUC, F1 and
 * calibration do not compose that way, so a recomputation (late labels)
 * reads every row of the window again.
 */

export type ModelTask = 'binary_classification' | 'regression';

export interface CalibrationBin {
  bin_lo: number;
  bin_hi: number;
  count: number;
  mean_score: number | null;
  positive_rate: number | null;
}

export interface ClassificationQuality {
  task: 'binary_classification';
  labelled: number;
  positives: number;
  accuracy: number;
  /** Null when nothing was predicted positive (undefined, as scikit-learn's zero_division warns). */
  precision: number | null;
  /** Null when the window has no positive label. */
  recall: number | null;
  f1: number | null;
  /** Null when the window holds one class only, or rows lack scores. */
  roc_auc: number | null;
  log_loss: number | null;
  calibration: CalibrationBin[];
}

export interface RegressionQuality {
  task: 'regression';
  labelled: number;
  mae: number;
  rmse: number;
  /** Mean |error / label| over rows with a non-zero label; null when every label is 0. */
  mape: number | null;
}

export type WindowQuality = ClassificationQuality | RegressionQuality;

/** One joined row as the quality job reads it. */
export interface ScoredLabel {
  /** P(positive) for classifiers, the prediction for regressors; null when the event had none. */
  score: number | null;
  /** The served class ('0'/'1') when the model outputs one; '' otherwise. */
  predicted: string;
  label: string;
}

/** Calibration bins: equal width on [0, 1]. */
export const CALIBRATION_BINS = 10;

/**
 * Binary classification metrics. Labels are parsed as 0/1 ('1', 'true',
 * 'yes' are positive); rows whose label is none of the known spellings are
 * skipped and counted in `invalid`. The predicted class is the served one
 * when present, else score ≥ threshold.
 */
export function classificationQuality(rows: readonly ScoredLabel[], threshold = 0.5): { quality: ClassificationQuality | undefined; invalid: number } {
  const labels: number[] = [];
  const predicted: number[] = [];
  const scoredLabels: number[] = [];
  const scores: number[] = [];
  let invalid = 0;
  for (const row of rows) {
    const y = parseBinaryLabel(row.label);
    const p = row.predicted !== '' ? parseBinaryLabel(row.predicted) : row.score !== null ? (row.score >= threshold ? 1 : 0) : undefined;
    if (y === undefined || p === undefined) {
      invalid++;
      continue;
    }
    labels.push(y);
    predicted.push(p);
    if (row.score !== null && Number.isFinite(row.score)) {
      scores.push(row.score);
      scoredLabels.push(y);
    }
  }
  const n = labels.length;
  if (n === 0) return { quality: undefined, invalid };
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < n; i++) {
    if (predicted[i] === 1) labels[i] === 1 ? tp++ : fp++;
    else labels[i] === 1 ? fn++ : tn++;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : null;
  const recall = tp + fn > 0 ? tp / (tp + fn) : null;
  const f1 = precision !== null && recall !== null ? (precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0) : null;
  const auc = scores.length > 0 ? rocAuc(scores, scoredLabels) : NaN;
  return {
    invalid,
    quality: {
      task: 'binary_classification',
      labelled: n,
      positives: tp + fn,
      accuracy: (tp + tn) / n,
      precision,
      recall,
      f1,
      roc_auc: Number.isNaN(auc) ? null : auc,
      log_loss: scores.length > 0 ? logLoss(scores, scoredLabels) : null,
      calibration: calibrationBins(scores, scoredLabels),
    },
  };
}

/** Regression metrics over rows whose label and prediction are finite numbers; the rest count as invalid. */
export function regressionQuality(rows: readonly ScoredLabel[]): { quality: RegressionQuality | undefined; invalid: number } {
  let n = 0;
  let absSum = 0;
  let sqSum = 0;
  let apeSum = 0;
  let apeCount = 0;
  let invalid = 0;
  for (const row of rows) {
    const y = Number(row.label);
    const yhat = row.score ?? Number(row.predicted);
    if (row.label.trim() === '' || !Number.isFinite(y) || !Number.isFinite(yhat)) {
      invalid++;
      continue;
    }
    const err = yhat - y;
    n++;
    absSum += Math.abs(err);
    sqSum += err * err;
    if (y !== 0) {
      apeSum += Math.abs(err / y);
      apeCount++;
    }
  }
  if (n === 0) return { quality: undefined, invalid };
  return { invalid, quality: { task: 'regression', labelled: n, mae: absSum / n, rmse: Math.sqrt(sqSum / n), mape: apeCount > 0 ? apeSum / apeCount : null } };
}

/** Equal-width bins of the predicted probability with the observed positive rate in each (a reliability diagram). */
export function calibrationBins(scores: readonly number[], labels: readonly number[], bins = CALIBRATION_BINS): CalibrationBin[] {
  const count = new Array<number>(bins).fill(0);
  const scoreSum = new Array<number>(bins).fill(0);
  const positives = new Array<number>(bins).fill(0);
  for (let i = 0; i < scores.length; i++) {
    const s = Math.min(Math.max(scores[i]!, 0), 1);
    // Right-closed except the first bin: 0.1 falls in [0, 0.1], 1.0 in (0.9, 1].
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(s * bins) - 1));
    count[b]!++;
    scoreSum[b]! += s;
    positives[b]! += labels[i]!;
  }
  return count.map((c, b) => ({
    bin_lo: b / bins,
    bin_hi: (b + 1) / bins,
    count: c,
    mean_score: c > 0 ? scoreSum[b]! / c : null,
    positive_rate: c > 0 ? positives[b]! / c : null,
  }));
}

/** '1'/'true'/'yes'/'1.0' → 1, '0'/'false'/'no'/'0.0' → 0, anything else → undefined. */
export function parseBinaryLabel(text: string): 0 | 1 | undefined {
  const t = text.trim().toLowerCase();
  if (t === '1' || t === 'true' || t === 'yes' || t === '1.0') return 1;
  if (t === '0' || t === 'false' || t === 'no' || t === '0.0') return 0;
  return undefined;
}
