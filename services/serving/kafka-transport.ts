import type { Kafka, Producer } from 'kafkajs';
import { ensureDriftlineTopics, type TopicNames } from '../../libs/kafka/topology.ts';
import type { EventTransport } from './prediction-publisher.ts';

/**
 * The publisher's transport on Kafka: the idempotent producer (acks=all, as
 * idempotence requires), keyed by prediction id, to the predictions topic.
 * Connecting also creates Driftline's topics if missing, so a node that
 * started while the broker was down still finds its topic when it comes back.
 */
export function kafkaTransport(options: { kafka: Kafka; producer: Producer; topics: TopicNames }): EventTransport {
  return {
    async connect() {
      await options.producer.connect();
      await ensureDriftlineTopics(options.kafka, options.topics);
    },
    async send(messages) {
      await options.producer.send({ topic: options.topics.predictions, acks: -1, messages });
    },
    disconnect: () => options.producer.disconnect(),
  };
}
