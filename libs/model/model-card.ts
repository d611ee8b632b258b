import { z } from 'zod';
import { DriftlineError } from '../errors/errors.ts';

/**
 * The model card: what a model version expects, what it returns and how it
 * was trained. It is written next to `model.onnx` (and embedded in the ONNX
 * metadata) and is the source of the schema contract, the reference profile
 * and the dashboards' labels. Field names are snake_case, like the event
 * contracts, because the card is served by the API as is.
 */

/** Names that are safe as ONNX input names, ClickHouse values and path segments. */
const identifier = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,127}$/, 'must start with a letter; letters, digits, _ . - only');

export const numericFeatureSchema = z.object({
  name: identifier,
  kind: z.literal('numeric'),
  /** Plausible range; values outside it are schema-contract violations, not model errors. */
  min: z.number(),
  max: z.number(),
  /** When true, null is a legal value; the ONNX graph imputes NaN with the training mean. */
  nullable: z.boolean(),
  unit: z.string().max(64).optional(),
  description: z.string().max(1000).optional(),
}).refine((f) => f.min <= f.max, { message: 'min must be <= max', path: ['max'] });

export const categoricalFeatureSchema = z.object({
  name: identifier,
  kind: z.literal('categorical'),
  /** The known categories; others are unknown (all-zero one-hot in the model, a violation in the contract). */
  domain: z.array(z.string().min(1).max(200)).min(1).refine((d) => new Set(d).size === d.length, 'categories must be distinct'),
  nullable: z.boolean(),
  description: z.string().max(1000).optional(),
});

export const featureSpecSchema = z.discriminatedUnion('kind', [numericFeatureSchema, categoricalFeatureSchema]);
export type NumericFeatureSpec = z.infer<typeof numericFeatureSchema>;
export type CategoricalFeatureSpec = z.infer<typeof categoricalFeatureSchema>;
export type FeatureSpec = z.infer<typeof featureSpecSchema>;

export const outputSpecSchema = z.object({
  name: identifier,
  /** The ONNX element type of the output tensor. */
  type: z.enum(['float32', 'int64', 'string']),
  /** What the value means, for people and dashboards, e.g. "P(default = 1)". */
  semantics: z.string().min(1).max(1000),
});
export type OutputSpec = z.infer<typeof outputSpecSchema>;

export const trainingMetricsSchema = z.object({
  /** Area under the ROC curve on the holdout. */
  auc: z.number().min(0).max(1),
  /** Mean binary cross-entropy (natural log) on the holdout. */
  log_loss: z.number().min(0),
  /** Accuracy of `label` at the card's threshold on the holdout. */
  accuracy: z.number().min(0).max(1),
  /** Share of positive labels in the holdout. */
  positive_rate: z.number().min(0).max(1),
});
export type TrainingMetrics = z.infer<typeof trainingMetricsSchema>;

export const modelCardSchema = z.object({
  schema_version: z.literal(1),
  model: identifier,
  version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a path-safe version, e.g. "1" or "2024-06-01.1"'),
  description: z.string().max(4000).optional(),
  task: z.literal('binary_classification'),
  algorithm: z.string().min(1).max(200),
  /** In the order of the ONNX graph's inputs; each is one input tensor [N,1]. */
  features: z.array(featureSpecSchema).min(1).refine((fs) => new Set(fs.map((f) => f.name)).size === fs.length, 'feature names must be distinct'),
  outputs: z.array(outputSpecSchema).min(1),
  /** Probability at or above which `label` is 1. */
  threshold: z.number().min(0).max(1),
  training: z.object({
    rows: z.number().int().min(1),
    holdout_rows: z.number().int().min(1),
    metrics: trainingMetricsSchema,
    /** ISO-8601 UTC timestamp of the end of training. */
    trained_at: z.iso.datetime(),
    /** Lineage id of the training dataset, e.g. "credit-default/seed=7/rows=50000". */
    dataset_id: z.string().min(1).max(500),
    hyperparameters: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  }),
  onnx: z.object({
    ir_version: z.number().int().min(3),
    opsets: z.array(z.object({ domain: z.string(), version: z.number().int().min(1) })).min(1),
  }),
  /** Where the reference profile for drift lives (a path or URL), once computed. */
  reference_profile: z.string().min(1).max(2000).optional(),
});
export type ModelCard = z.infer<typeof modelCardSchema>;

/** The key under which the card JSON is stored in the ONNX model's metadata_props. */
export const MODEL_CARD_METADATA_KEY = 'driftline.model_card';

/** Validates an unknown value as a model card; throws MODEL_INVALID naming the first bad field. */
export function parseModelCard(value: unknown): ModelCard {
  const result = modelCardSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
  throw new DriftlineError('MODEL_INVALID', `model card invalid at ${where}: ${issue?.message ?? 'unknown error'}`, {
    details: { issues: result.error.issues.slice(0, 10) },
  });
}
