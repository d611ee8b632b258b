import type { Producer } from 'kafkajs';

/**
 * A producer whose sends run one at a time, in call order. kafkajs'
 * idempotent producer assigns sequence numbers per send, and overlapping
 * send() calls to one partition can reach the broker out of order
 * (OUT_OF_ORDER_SEQUENCE_NUMBER, fatal for the producer; tulios/kafkajs#598 —
 * seen here in the simulator's integration test). Queued sends still
 * overlap with the caller's own work, so the drivers keep their pace.
 */
export function serializeSends(producer: Pick<Producer, 'send'>): Pick<Producer, 'send'> {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    send(record) {
      const result = tail.then(() => producer.send(record));
      tail = result.catch(() => undefined);
      return result;
    },
  };
}
