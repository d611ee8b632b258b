/**
 * The query API as its own process (distributed mode). Reads config, opens
 * ClickHouse, applies migrations, listens, and shuts down in order on
 * SIGINT/SIGTERM: stop accepting requests and finish those in flight
 * (fastify close), then ClickHouse.
 */
import { join } from 'node:path';
import { type ClickHouseClient, createClickHouse } from '../../libs/clickhouse/client.ts';
import { migrate } from '../../libs/clickhouse/migrations.ts';
import { parseEnv } from '../../libs/config/env.ts';
import { shutdownInOrder } from '../../libs/lifecycle/shutdown.ts';
import { repoRoot } from '../../libs/local/local-services.ts';
import { createLogger } from '../../libs/logging/logger.ts';
import { Queue } from 'bullmq';
import { createKafka } from '../../libs/kafka/client.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { redisConnection, TRAINING_QUEUE } from '../../libs/training/training-job.ts';
import { apiPlugins } from './api-plugins.ts';
import { buildApiApp, type ApiPlugin } from './app.ts';
import { apiConfigSchema, apiLimitsFrom } from './config.ts';

/** Starts the API; `plugins` adds routes (labels, promotion, …) wired by the caller. */
export async function startApi(env: Record<string, string | undefined>, plugins: ApiPlugin[] | ((clickhouse: ClickHouseClient) => ApiPlugin[]) = []) {
  const config = parseEnv(apiConfigSchema, env);
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'driftline-api' });
  const clickhouse = await createClickHouse({ url: config.CLICKHOUSE_URL, dataDir: config.CLICKHOUSE_DATA_DIR, username: config.CLICKHOUSE_USER, password: config.CLICKHOUSE_PASSWORD, database: config.CLICKHOUSE_DATABASE });
  await migrate(clickhouse, join(repoRoot, 'migrations'), logger);
  const app = buildApiApp({
    clickhouse,
    logger,
    auth: { adminToken: config.API_ADMIN_TOKEN, readToken: config.API_READ_TOKEN },
    limits: apiLimitsFrom(config),
    trustProxy: config.API_TRUST_PROXY,
    plugins: typeof plugins === 'function' ? plugins(clickhouse) : plugins,
  });
  const address = await app.listen({ port: config.API_PORT, host: config.API_HOST });
  logger.info({ address, docs: `${address}/docs`, readAuth: config.API_READ_TOKEN !== undefined, adminAuth: config.API_ADMIN_TOKEN !== undefined }, 'query API listening');
  return {
    app,
    address,
    close: () =>
      shutdownInOrder(
        [
          { name: 'http (stop accepting, finish in-flight requests)', run: () => app.close() },
          { name: 'clickhouse', run: () => clickhouse.close() },
        ],
        { deadlineMs: config.SHUTDOWN_DEADLINE, logger },
      ),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // The standalone API also carries the write routes: labels go to Kafka, bull-board reads Redis, promotion writes the model repository.
  const config = parseEnv(apiConfigSchema, process.env);
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'driftline-api' });
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-api`, logger });
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const trainingQueue = new Queue(TRAINING_QUEUE, { connection: redisConnection(config.REDIS_URL) });
  const running = await startApi(process.env, (clickhouse) =>
    apiPlugins({
      clickhouse,
      adminToken: config.API_ADMIN_TOKEN,
      readToken: config.API_READ_TOKEN,
      producer,
      labelsTopic: config.TOPIC_LABELS,
      maxLabelsPerRequest: config.API_MAX_LABELS_PER_REQUEST,
      trainingQueue,
      modelRepository: config.MODEL_REPOSITORY,
      maxRangeMs: config.API_MAX_RANGE,
    }),
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      running
        .close()
        .then(() => Promise.all([trainingQueue.close(), producer.disconnect()]))
        .then(
          () => process.exit(0),
          () => process.exit(1),
        );
    });
  }
}
