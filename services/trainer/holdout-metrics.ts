import { evaluateBinary } from '../../libs/model/metrics.ts';

/**
 * What a model scores on a candidate's holdout. The names match the live
 * quality metrics (services/feedback/quality-metrics.ts), so a registry
 * baseline and a live value can be compared by name.
 */
export interface HoldoutMetrics {
  /** Area under the ROC curve (Mann–Whitney, ties ½). */
  roc_auc: number;
  /** Mean binary cross-entropy in nats (probabilities clipped to [1e-15, 1 − 1e-15]). */
  log_loss: number;
  /** Accuracy of `probability >= threshold`. */
  accuracy: number;
  /** Share of positive labels in the holdout. */
  positive_rate: number;
  /** Holdout rows scored. */
  rows: number;
}

/** Metrics of one model's probabilities on the holdout labels (0/1). */
export function holdoutMetrics(probabilities: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): HoldoutMetrics {
  const m = evaluateBinary(probabilities, labels, threshold);
  return { roc_auc: m.auc, log_loss: m.log_loss, accuracy: m.accuracy, positive_rate: m.positive_rate, rows: labels.length };
}
