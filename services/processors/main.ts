/**
 * The stream processors as their own process (distributed mode, one
 * container per instance; more instances join the same consumer group).
 * Reads config, opens connections, wires, and shuts down in order on
 * SIGINT/SIGTERM: stop intake and checkpoint (processors), then producer,
 * then ClickHouse.
 */
import { join } from 'node:path';
import { createClickHouse } from '../../libs/clickhouse/client.ts';
import { migrate } from '../../libs/clickhouse/migrations.ts';
import { parseEnv } from '../../libs/config/env.ts';
import { createKafka } from '../../libs/kafka/client.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { ensureDriftlineTopics, topicNamesFromConfig } from '../../libs/kafka/topology.ts';
import { shutdownInOrder } from '../../libs/lifecycle/shutdown.ts';
import { repoRoot } from '../../libs/local/local-services.ts';
import { createLogger } from '../../libs/logging/logger.ts';
import { processorsConfigFrom, processorsConfigSchema } from './config.ts';
import { createProcessorsService } from './processors-service.ts';

export async function startProcessors(env: Record<string, string | undefined>) {
  const config = parseEnv(processorsConfigSchema, env);
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'driftline-processors' });
  const clickhouse = await createClickHouse({ url: config.CLICKHOUSE_URL, dataDir: config.CLICKHOUSE_DATA_DIR, username: config.CLICKHOUSE_USER, password: config.CLICKHOUSE_PASSWORD, database: config.CLICKHOUSE_DATABASE });
  await migrate(clickhouse, join(repoRoot, 'migrations'), logger);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-processors`, logger });
  const topics = topicNamesFromConfig(config);
  await ensureDriftlineTopics(kafka, topics);
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const service = createProcessorsService({ kafka, clickhouse, producer, logger, topics, config: processorsConfigFrom(config) });
  await service.start();
  logger.info({ topic: topics.predictions, group: config.PROCESSORS_GROUP_ID }, 'processors started');
  return {
    service,
    close: () =>
      shutdownInOrder(
        [
          { name: 'processors (stop intake, checkpoint, commit)', run: () => service.close() },
          { name: 'producer', run: () => producer.disconnect() },
          { name: 'clickhouse', run: () => clickhouse.close() },
        ],
        { deadlineMs: config.SHUTDOWN_DEADLINE, logger },
      ),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const running = await startProcessors(process.env);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      running.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
