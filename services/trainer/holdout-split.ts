import { createHash } from 'node:crypto';

/**
 * The train/holdout split of a retrain candidate. A row's side depends only
 * on its prediction id: the first 32 bits of SHA-256(prediction_id), as an
 * unsigned big-endian integer over 2³², is the row's bucket in [0, 1), and
 * the holdout is every row whose bucket is below the holdout fraction. So
 * the split is the same in every run, on every machine and in any row order,
 * an external trainer can reproduce it, and a prediction that appears in two
 * candidates is on the same side in both.
 */

/** The bucket in [0, 1) of a prediction id. */
export function holdoutBucket(predictionId: string): number {
  return createHash('sha256').update(predictionId, 'utf8').digest().readUInt32BE(0) / 0x1_0000_0000;
}

/** True when the row with this prediction id belongs to the holdout. */
export function inHoldout(predictionId: string, holdoutFraction: number): boolean {
  return holdoutBucket(predictionId) < holdoutFraction;
}

/**
 * Splits items by their prediction ids; both sides keep the input order.
 * Throws RangeError for a fraction outside (0, 1).
 */
export function splitByPredictionId<T>(items: readonly T[], idOf: (item: T) => string, holdoutFraction: number): { train: T[]; holdout: T[] } {
  if (!(holdoutFraction > 0 && holdoutFraction < 1)) throw new RangeError(`holdout fraction must be in (0, 1), got ${holdoutFraction}`);
  const train: T[] = [];
  const holdout: T[] = [];
  for (const item of items) (inHoldout(idOf(item), holdoutFraction) ? holdout : train).push(item);
  return { train, holdout };
}
