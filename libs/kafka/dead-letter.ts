import type { KafkaMessage, Producer } from 'kafkajs';
import type { DriftlineError } from '../errors/errors.ts';
import { encodeEvent } from '../contracts/decode.ts';
import type { DeadLetterEvent } from '../contracts/schemas.ts';

export interface DeadLetterSource {
  topic: string;
  partition: number;
  message: Pick<KafkaMessage, 'key' | 'value' | 'offset'>;
}

/** Builds the dead-letter envelope: where it came from, why, and the raw bytes. */
export function deadLetterOf(source: DeadLetterSource, error: DriftlineError, nowMs: number): DeadLetterEvent {
  return {
    schema_version: 1,
    source: { topic: source.topic, partition: source.partition, offset: source.message.offset },
    error_code: error.code,
    reason: error.message,
    key_base64: source.message.key ? source.message.key.toString('base64') : null,
    value_base64: source.message.value ? source.message.value.toString('base64') : null,
    ts: nowMs,
  };
}

/**
 * Publishes dead letters and resolves once the broker has them (acks=all),
 * so a consumer may commit past the bad messages only after they are safe.
 */
export function createDeadLetterPublisher(producer: Producer, topic: string) {
  return {
    async publish(items: Array<{ source: DeadLetterSource; error: DriftlineError }>, nowMs: number): Promise<void> {
      if (items.length === 0) return;
      await producer.send({
        topic,
        acks: -1,
        messages: items.map(({ source, error }) => ({
          key: `${source.topic}/${source.partition}/${source.message.offset}`,
          value: encodeEvent('deadLetter', deadLetterOf(source, error, nowMs)),
        })),
      });
    },
  };
}
export type DeadLetterPublisher = ReturnType<typeof createDeadLetterPublisher>;
