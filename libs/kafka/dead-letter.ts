import type { KafkaMessage, Producer } from 'kafkajs';
import type { DriftlineError } from '../errors/errors.ts';
import { encodeEvent } from '../contracts/decode.ts';
import type { DeadLetterEvent } from '../contracts/schemas.ts';

export interface DeadLetterSource {
  topic: string;
  partition: number;
  message: Pick<KafkaMessage, 'key' | 'value' | 'offset'>;
}

/**
 * Most bytes of a bad message's key and value a dead letter keeps. The
 * envelope base64-encodes them (4/3 larger), and the broker refuses records
 * over `message.max.bytes` (1 MB by default): a full copy of a ~1 MB bad
 * message could never be dead-lettered, and its consumer would retry that
 * batch forever. The reason says when bytes were cut.
 */
export const DEAD_LETTER_MAX_VALUE_BYTES = 256 * 1024;
export const DEAD_LETTER_MAX_KEY_BYTES = 16 * 1024;
/** Longest reason kept (reasons may quote input). */
export const DEAD_LETTER_MAX_REASON_CHARS = 4_096;
/** Dead letters per produce request stay under this many encoded bytes (the broker limits a record batch, not just a record). */
const MAX_REQUEST_BYTES = 768 * 1024;

const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Builds the dead-letter envelope: where it came from, why, and the raw bytes (the first DEAD_LETTER_MAX_VALUE_BYTES of them). */
export function deadLetterOf(source: DeadLetterSource, error: DriftlineError, nowMs: number): DeadLetterEvent {
  const { key, value } = source.message;
  const cuts: string[] = [];
  const kept = (bytes: Buffer | null, max: number, what: string) => {
    if (!bytes) return null;
    if (bytes.length > max) cuts.push(`${what} truncated to ${max} of ${bytes.length} bytes`);
    return bytes.subarray(0, max).toString('base64');
  };
  const key_base64 = kept(key, DEAD_LETTER_MAX_KEY_BYTES, 'key');
  const value_base64 = kept(value, DEAD_LETTER_MAX_VALUE_BYTES, 'value');
  // Valid Unicode only (encodeEvent refuses lone surrogates), and bounded.
  let reason = error.message.replace(LONE_SURROGATES, '\ufffd');
  if (reason.length > DEAD_LETTER_MAX_REASON_CHARS) reason = `${reason.slice(0, DEAD_LETTER_MAX_REASON_CHARS)}…`;
  if (cuts.length > 0) reason += ` (${cuts.join(', ')} in this dead letter)`;
  return {
    schema_version: 1,
    source: { topic: source.topic, partition: source.partition, offset: source.message.offset },
    error_code: error.code,
    reason,
    key_base64,
    value_base64,
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
      // In requests of bounded size, one after the other, so every one fits the broker's limit.
      let messages: Array<{ key: string; value: Buffer }> = [];
      let bytes = 0;
      const send = async () => {
        if (messages.length === 0) return;
        await producer.send({ topic, acks: -1, messages });
        messages = [];
        bytes = 0;
      };
      for (const { source, error } of items) {
        const value = encodeEvent('deadLetter', deadLetterOf(source, error, nowMs));
        if (bytes + value.length > MAX_REQUEST_BYTES) await send();
        messages.push({ key: `${source.topic}/${source.partition}/${source.message.offset}`, value });
        bytes += value.length;
      }
      await send();
    },
  };
}

export type DeadLetterPublisher = ReturnType<typeof createDeadLetterPublisher>;
