import { createKafka } from '../../libs/kafka/client.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { topicNamesFromConfig } from '../../libs/kafka/topology.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import type { ServingConfig } from './config.ts';
import { kafkaTransport } from './kafka-transport.ts';
import { type ServingNode, servingOptionsFromConfig, startServingNode } from './serving-node.ts';

/**
 * Opens the connections a serving node needs from its config (the Kafka
 * client and idempotent producer), starts the node and listens. Shared by
 * services/serving/main.ts and `driftline serve`, which add signal handling.
 */
export async function serveFromConfig(config: ServingConfig, logger: Logger, hostname: string): Promise<{ node: ServingNode; address: string }> {
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, logger });
  const producer = createIdempotentProducer(kafka);
  const node = await startServingNode({
    options: servingOptionsFromConfig(config, hostname),
    transport: kafkaTransport({ kafka, producer, topics: topicNamesFromConfig(config) }),
    logger,
  });
  try {
    const address = await node.app.listen({ host: config.SERVING_HOST, port: config.SERVING_PORT });
    return { node, address };
  } catch (err) {
    await node.close(config.SHUTDOWN_DEADLINE);
    throw err;
  }
}
