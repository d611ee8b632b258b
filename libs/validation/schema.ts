import { z } from 'zod';
import { DriftlineError } from '../errors/errors.ts';
import type { ModelCard } from '../model/model-card.ts';

/**
 * The validation schema: the data contract a model's prediction events are
 * checked against, one entry per feature — like a TFDV schema. It is written
 * with the reference profile (inferred from reference data, infer-schema.ts)
 * or derived from a model card (below). Field names are snake_case because
 * the schema is stored and served as JSON as is.
 *
 * Per feature:
 * - `type`: numeric (a finite JSON number), categorical (a string) or boolean.
 * - `required`: the feature key must be present in every event.
 * - `max_null_rate`: the share of events allowed to carry no value (null or
 *   absent). 0 means no value is ever allowed: each such event is a
 *   'missing' violation. Above 0 it is checked per window ('null_rate').
 * - `min`/`max` (numeric, inclusive, optional): the plausible range.
 * - `domain` (categorical, optional): the known categories; absent = any
 *   string is accepted.
 */
export const featureTypeSchema = z.enum(['numeric', 'categorical', 'boolean']);
export type FeatureType = z.infer<typeof featureTypeSchema>;

/** One feature's contract. */
export const featureContractSchema = z
  .object({
    name: z.string().min(1).max(200),
    type: featureTypeSchema,
    required: z.boolean(),
    max_null_rate: z.number().min(0).max(1),
    min: z.number().optional(),
    max: z.number().optional(),
    domain: z
      .array(z.string().max(4096))
      .refine((d) => new Set(d).size === d.length, 'categories must be distinct')
      .optional(),
  })
  .superRefine((f, ctx) => {
    if (f.type !== 'numeric' && (f.min !== undefined || f.max !== undefined)) ctx.addIssue({ code: 'custom', path: ['min'], message: 'min/max apply to numeric features only' });
    if (f.type !== 'categorical' && f.domain !== undefined) ctx.addIssue({ code: 'custom', path: ['domain'], message: 'domain applies to categorical features only' });
    if (f.min !== undefined && f.max !== undefined && f.min > f.max) ctx.addIssue({ code: 'custom', path: ['max'], message: 'min must be <= max' });
  });
export type FeatureContract = z.infer<typeof featureContractSchema>;

/** A model's validation schema: the features' contracts. */
export const validationSchemaSchema = z.object({
  schema_version: z.literal(1),
  features: z.array(featureContractSchema).refine((fs) => new Set(fs.map((f) => f.name)).size === fs.length, 'feature names must be distinct'),
});
export type ValidationSchema = z.infer<typeof validationSchemaSchema>;

/** Validates an unknown value as a validation schema; throws INPUT_INVALID naming the first bad field. */
export function parseValidationSchema(value: unknown): ValidationSchema {
  const result = validationSchemaSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
  throw new DriftlineError('INPUT_INVALID', `validation schema invalid at ${where}: ${issue?.message ?? 'unknown error'}`, {
    details: { issues: result.error.issues.slice(0, 10) },
  });
}

/**
 * The schema a model card implies: every feature required (the serving node
 * refuses requests without one), the card's range or domain, and nulls
 * allowed without limit when the card says `nullable`, never otherwise.
 */
export function schemaFromModelCard(card: ModelCard): ValidationSchema {
  return {
    schema_version: 1,
    features: card.features.map((f): FeatureContract => {
      const base = { name: f.name, required: true, max_null_rate: f.nullable ? 1 : 0 };
      return f.kind === 'numeric' ? { ...base, type: 'numeric', min: f.min, max: f.max } : { ...base, type: 'categorical', domain: [...f.domain] };
    }),
  };
}
