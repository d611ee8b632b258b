/**
 * Binary classification metrics for training reports and model cards. Scores
 * are probabilities of the positive class; labels are 0/1.
 */

/**
 * Area under the ROC curve: the probability that a random positive scores
 * above a random negative, ties counting one half (the Mann–Whitney U
 * statistic over n₁·n₀). NaN when either class is absent.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = checkLengths(scores, labels);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSumPositives = 0;
  // Tied scores share the average of their ranks (1-based).
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]!] === scores[order[start]!]) end += 1;
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (labels[order[k]!] === 1) { positives += 1; rankSumPositives += averageRank; }
    }
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSumPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean binary cross-entropy in nats; probabilities are clipped to [1e-15, 1 − 1e-15] as scikit-learn does. */
export function logLoss(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = checkLengths(probabilities, labels);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(Math.max(probabilities[i]!, 1e-15), 1 - 1e-15);
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / n;
}

/** Share of rows where (probability ≥ threshold) equals the label. */
export function accuracy(probabilities: ArrayLike<number>, labels: ArrayLike<number>, threshold = 0.5): number {
  const n = checkLengths(probabilities, labels);
  let correct = 0;
  for (let i = 0; i < n; i++) if ((probabilities[i]! >= threshold ? 1 : 0) === labels[i]) correct += 1;
  return correct / n;
}

/** The metrics a model card records for a holdout. */
export function evaluateBinary(probabilities: ArrayLike<number>, labels: ArrayLike<number>, threshold = 0.5) {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] === 1 ? 1 : 0;
  return {
    auc: rocAuc(probabilities, labels),
    log_loss: logLoss(probabilities, labels),
    accuracy: accuracy(probabilities, labels, threshold),
    positive_rate: labels.length > 0 ? positives / labels.length : 0,
  };
}

function checkLengths(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`scores (${a.length}) and labels (${b.length}) differ in length`);
  if (a.length === 0) throw new RangeError('no rows');
  return a.length;
}
