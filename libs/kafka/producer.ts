import { Partitioners, type Kafka, type Producer } from 'kafkajs';

/**
 * The producer every Driftline service uses: idempotent (the broker drops
 * retried duplicates within a session), one request in flight so ordering per
 * partition survives retries, murmur2 partitioning by key like the Java client.
 * Retries are unbounded by design, as kafkajs requires for idempotence: callers
 * that must not block (the serving node) put a bounded buffer in front.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5_000 },
  });
}
