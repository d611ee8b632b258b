import { z } from 'zod';
import { isPredictionId } from './prediction-id.ts';

/**
 * The payload schemas of Driftline's topics. Each carries `schema_version`;
 * a consumer accepts the versions listed in the registry (contracts.ts) and
 * dead-letters the rest. Field names are snake_case because they are the wire
 * format and the ClickHouse column names.
 */
const predictionId = z.string().refine(isPredictionId, 'must be a UUIDv7');
const name = z.string().min(1).max(200);
/** Event time in ms since the epoch; bounded to catch seconds-vs-ms mix-ups. */
const eventTimeMs = z.number().int().min(946_684_800_000, 'must be ms since epoch (after 2000)').max(4_102_444_800_000, 'must be ms since epoch (before 2100)');
const scalar = z.union([z.number(), z.string().max(4096), z.boolean(), z.null()]);

export const predictionEventSchema = z.object({
  schema_version: z.literal(1),
  prediction_id: predictionId,
  model: name,
  model_version: z.string().min(1).max(64),
  ts: eventTimeMs,
  features: z.record(z.string().min(1).max(200), scalar),
  outputs: z.record(z.string().min(1).max(200), scalar),
  latency_ms: z.number().min(0).max(3_600_000),
  status: z.enum(['ok', 'error']),
  error: z.string().max(4096).optional(),
  node: z.string().max(200),
  execution_provider: z.string().max(64),
});
export type PredictionEvent = z.infer<typeof predictionEventSchema>;

export const labelEventSchema = z.object({
  schema_version: z.literal(1),
  prediction_id: predictionId,
  model: name,
  label: z.union([z.number(), z.string().max(4096)]),
  ts: eventTimeMs,
});
export type LabelEvent = z.infer<typeof labelEventSchema>;

export const alertEventSchema = z.object({
  schema_version: z.literal(1),
  alert_id: z.string().min(1).max(200),
  kind: z.enum(['drift', 'validation', 'slo', 'quality', 'pipeline']),
  /** Stable identity of the condition: one open alert per condition. */
  condition: z.string().min(1).max(500),
  model: name,
  severity: z.enum(['page', 'ticket', 'info']),
  state: z.enum(['firing', 'resolved']),
  ts: eventTimeMs,
  summary: z.string().max(4096),
  details: z.record(z.string(), z.unknown()).default({}),
});
export type AlertEvent = z.infer<typeof alertEventSchema>;

export const deadLetterEventSchema = z.object({
  schema_version: z.literal(1),
  source: z.object({ topic: z.string(), partition: z.number().int(), offset: z.string() }),
  error_code: z.string(),
  reason: z.string(),
  /** The original key and value, base64, so non-UTF-8 bytes survive. */
  key_base64: z.string().nullable(),
  value_base64: z.string().nullable(),
  ts: eventTimeMs,
});
export type DeadLetterEvent = z.infer<typeof deadLetterEventSchema>;
