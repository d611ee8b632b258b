import type { z } from 'zod';
import { alertEventSchema, deadLetterEventSchema, labelEventSchema, predictionEventSchema } from './schemas.ts';

/**
 * The one registry of event contracts: contract name → default topic,
 * accepted schema versions and schema. Services take topic names from config
 * (tests use unique topics) but always decode with the contract's schema.
 */
export const contracts = {
  predictions: { topic: 'driftline.predictions', versions: [1], schema: predictionEventSchema, partitions: 6 },
  labels: { topic: 'driftline.labels', versions: [1], schema: labelEventSchema, partitions: 3 },
  alerts: { topic: 'driftline.alerts', versions: [1], schema: alertEventSchema, partitions: 1 },
  deadLetter: { topic: 'driftline.dead-letter', versions: [1], schema: deadLetterEventSchema, partitions: 1 },
} as const;

export type ContractName = keyof typeof contracts;
export type EventOf<C extends ContractName> = z.infer<(typeof contracts)[C]['schema']>;
