import { CATEGORICAL_FEATURES, NUMERIC_FEATURES, type NumericFeature, sampleRow, TRUE_CONCEPT } from '../libs/model/credit-domain.ts';
import { createRng, type Rng } from '../libs/model/random.ts';
import type { Instance } from './quality-incidents.ts';
import type { Conditions } from './scenario.ts';

/**
 * What stands in for the serving node in Kafka mode: a model that learned the
 * undrifted process exactly (TRUE_CONCEPT, threshold 0.5) and never updates —
 * so concept drift really costs it accuracy — and a latency/error process the
 * scenario's latencySpike and errorBurst effects shape.
 */

/** Training means of the numeric features: the model's imputation for a missing or non-numeric value. */
const IMPUTED: Record<NumericFeature, number> = (() => {
  const rng = createRng(20_240_601);
  const sums = Object.fromEntries(NUMERIC_FEATURES.map((f) => [f, 0])) as Record<NumericFeature, number>;
  const n = 5_000;
  for (let i = 0; i < n; i++) {
    const row = sampleRow(rng);
    for (const f of NUMERIC_FEATURES) sums[f] += row[f];
  }
  for (const f of NUMERIC_FEATURES) sums[f] /= n;
  return sums;
})();

/** Model outputs for what the model was sent: `{ probability, label }` like the demo ONNX model. */
export function scoreInstance(instance: Instance, threshold = 0.5): { probability: number; label: number } {
  let z = TRUE_CONCEPT.intercept;
  for (const f of NUMERIC_FEATURES) {
    const v = instance[f];
    z += TRUE_CONCEPT.numeric[f] * (typeof v === 'number' ? v : IMPUTED[f]);
  }
  for (const f of CATEGORICAL_FEATURES) {
    const v = instance[f];
    // Unknown or missing categories contribute nothing, as with one-hot encoding.
    z += typeof v === 'string' ? (TRUE_CONCEPT.categorical[f][v] ?? 0) : 0;
  }
  const probability = 1 / (1 + Math.exp(-z));
  return { probability: Math.round(probability * 1e6) / 1e6, label: probability >= threshold ? 1 : 0 };
}

/** Base latency: lognormal with this median (ms) and shape — a healthy CPU node. */
const BASE_LATENCY_MEDIAN_MS = 6;
const BASE_LATENCY_SIGMA = 0.35;

/** Latency and outcome of one request under the conditions; a fixed number of draws per call (2 + 1 per spike + 1). */
export function serviceOutcome(conditions: Pick<Conditions, 'latencySpikes' | 'errorShare'>, rng: Rng): { latencyMs: number; failed: boolean } {
  const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  let latencyMs = BASE_LATENCY_MEDIAN_MS * Math.exp(BASE_LATENCY_SIGMA * z);
  for (const spike of conditions.latencySpikes) if (rng.next() < spike.share) latencyMs += spike.extraMs;
  const failed = rng.next() < conditions.errorShare;
  return { latencyMs: Math.round(latencyMs * 1000) / 1000, failed };
}
