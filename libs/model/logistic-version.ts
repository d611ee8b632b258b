import type { FeatureRow } from './feature-encoder.ts';
import { exportLogisticOnnx, LABEL_OUTPUT, LOGISTIC_IR_VERSION, LOGISTIC_OPSETS, PROBABILITY_OUTPUT } from './logistic-onnx.ts';
import { type LogisticModel, predictProbabilities, trainLogisticRegression } from './logistic-regression.ts';
import { evaluateBinary } from './metrics.ts';
import { type FeatureSpec, MODEL_CARD_METADATA_KEY, type ModelCard, type OutputSpec, parseModelCard, type TrainingMetrics } from './model-card.ts';

/**
 * One model version of the logistic family, from labelled rows to ONNX bytes
 * with the model card embedded: fit on the training rows, evaluate on the
 * holdout, describe it in a card, export. The demo model
 * (train-demo-model.ts) and the trainer service (services/trainer) both build
 * their versions here, so a retrained version is the same model family and
 * the same graph as the version it replaces.
 */

export const LOGISTIC_ALGORITHM = 'logistic_regression (L2, Newton/IRLS; standardized numeric, one-hot categorical)';

/** Labelled rows: `labels[i]` (0 or 1) is the label of `rows[i]`. */
export interface LabelledRows {
  rows: readonly FeatureRow[];
  labels: ArrayLike<number>;
}

export interface LogisticVersionInput {
  model: string;
  version: string;
  /** The input schema, in ONNX input order. */
  features: readonly FeatureSpec[];
  train: LabelledRows;
  holdout: LabelledRows;
  /** Lineage id of the training data, recorded in the card. */
  datasetId: string;
  description?: string;
  /** Default: `probability` (P(positive class)) and `label`. */
  outputs?: OutputSpec[];
  /** Default 0.5. */
  threshold?: number;
  /** Default 1e-4; see trainLogisticRegression. */
  l2?: number;
  /** Recorded after l2, iterations and converged. */
  hyperparameters?: Record<string, number | string | boolean>;
  /** When training finished, for the card; default now. */
  nowMs?: number;
}

export interface LogisticVersion {
  onnxBytes: Uint8Array;
  card: ModelCard;
  model: LogisticModel;
  /** Holdout metrics (also in the card). */
  metrics: TrainingMetrics;
  trainMs: number;
}

/** Trains, evaluates on the holdout and exports; deterministic for the same input except `trained_at` and `trainMs`. */
export function trainLogisticVersion(input: LogisticVersionInput): LogisticVersion {
  const threshold = input.threshold ?? 0.5;
  const l2 = input.l2 ?? 1e-4;
  const started = performance.now();
  const model = trainLogisticRegression(input.features, input.train.rows, input.train.labels, { l2 });
  const trainMs = performance.now() - started;
  const metrics = evaluateBinary(predictProbabilities(model, input.holdout.rows), input.holdout.labels, threshold);

  const card = parseModelCard({
    schema_version: 1,
    model: input.model,
    version: input.version,
    description: input.description,
    task: 'binary_classification',
    algorithm: LOGISTIC_ALGORITHM,
    features: input.features,
    outputs: input.outputs ?? [
      { name: PROBABILITY_OUTPUT, type: 'float32', semantics: 'P(label = 1): probability of the positive class' },
      { name: LABEL_OUTPUT, type: 'int64', semantics: `1 when probability >= ${threshold}, else 0` },
    ],
    threshold,
    training: {
      rows: input.train.rows.length,
      holdout_rows: input.holdout.rows.length,
      metrics,
      trained_at: new Date(input.nowMs ?? Date.now()).toISOString(),
      dataset_id: input.datasetId,
      hyperparameters: { l2, iterations: model.fit.iterations, converged: model.fit.converged, ...input.hyperparameters },
    },
    onnx: { ir_version: LOGISTIC_IR_VERSION, opsets: LOGISTIC_OPSETS.map((o) => ({ ...o })) },
  });

  const onnxBytes = exportLogisticOnnx(model, {
    threshold,
    graphName: input.model.replace(/[^A-Za-z0-9_]/g, '_'),
    docString: card.description,
    metadata: { [MODEL_CARD_METADATA_KEY]: JSON.stringify(card) },
  });
  return { onnxBytes, card, model, metrics, trainMs };
}
