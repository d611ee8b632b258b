import type { Kafka } from 'kafkajs';
import { contracts } from '../contracts/registry.ts';
import { ensureTopics } from './topics.ts';

export interface TopicNames {
  predictions: string;
  labels: string;
  alerts: string;
  deadLetter: string;
}

export function topicNamesFromConfig(config: { TOPIC_PREDICTIONS: string; TOPIC_LABELS: string; TOPIC_ALERTS: string; TOPIC_DEAD_LETTER: string }): TopicNames {
  return { predictions: config.TOPIC_PREDICTIONS, labels: config.TOPIC_LABELS, alerts: config.TOPIC_ALERTS, deadLetter: config.TOPIC_DEAD_LETTER };
}

/** Creates Driftline's topics with the registry's partition counts. */
export async function ensureDriftlineTopics(kafka: Kafka, names: TopicNames): Promise<void> {
  await ensureTopics(kafka, [
    { topic: names.predictions, partitions: contracts.predictions.partitions, config: { 'retention.ms': String(7 * 86_400_000) } },
    { topic: names.labels, partitions: contracts.labels.partitions, config: { 'retention.ms': String(30 * 86_400_000) } },
    { topic: names.alerts, partitions: contracts.alerts.partitions },
    { topic: names.deadLetter, partitions: contracts.deadLetter.partitions, config: { 'retention.ms': String(30 * 86_400_000) } },
  ]);
}
