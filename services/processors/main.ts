/**
 * The stream processors as their own process (distributed mode, one
 * container per instance; more instances join the same consumer group).
 * Reads config, opens connections, wires, and shuts down in order on
 * SIGINT/SIGTERM: stop intake and checkpoint (processors), then producer,
 * then ClickHouse, then the metrics server (METRICS_PORT: /metrics,
 * /healthz, /readyz).
 */
import { join } from 'node:path';
import { createClickHouse } from '../../libs/clickhouse/client.ts';
import { migrate } from '../../libs/clickhouse/migrations.ts';
import { parseEnv } from '../../libs/config/env.ts';
import { createKafka } from '../../libs/kafka/client.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { ensureDriftlineTopics, topicNamesFromConfig } from '../../libs/kafka/topology.ts';
import { clickhouseCheck } from '../../libs/http/readiness.ts';
import { shutdownInOrder } from '../../libs/lifecycle/shutdown.ts';
import { repoRoot } from '../../libs/local/local-services.ts';
import { createLogger } from '../../libs/logging/logger.ts';
import { startWorkerMetrics } from '../../libs/metrics/worker-metrics.ts';
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
  const metrics = await startWorkerMetrics({
    service: 'processors',
    port: config.METRICS_PORT,
    host: config.METRICS_HOST,
    lag: { kafka, groupId: config.PROCESSORS_GROUP_ID, topics: [topics.predictions], intervalMs: config.CONSUMER_LAG_INTERVAL },
    ready: { clickhouse: clickhouseCheck(clickhouse) },
    logger,
  });
  const service = createProcessorsService({ kafka, clickhouse, producer, logger, topics, config: processorsConfigFrom(config), onFlush: metrics.observeFlush('processor_chunks') });
  await service.start();
  metrics.watch(() => {
    const s = service.stats();
    return {
      eventsIn: { [topics.predictions]: s.consumed },
      eventsOut: { [topics.alerts]: s.alerts.fired + s.alerts.resolved },
      deadLettered: { [topics.predictions]: s.deadLettered },
      lateEvents: { [topics.predictions]: s.late },
      windowCloses: { [config.PROCESSORS_GROUP_ID]: s.windowsFinalized },
    };
  });
  metrics.setReady(true);
  logger.info({ topic: topics.predictions, group: config.PROCESSORS_GROUP_ID }, 'processors started');
  return {
    service,
    close: () =>
      shutdownInOrder(
        [
          { name: 'readiness off', run: () => metrics.setReady(false) },
          { name: 'processors (stop intake, checkpoint, commit)', run: () => service.close() },
          { name: 'producer', run: () => producer.disconnect() },
          { name: 'clickhouse', run: () => clickhouse.close() },
          // Last, so the final counts can still be scraped while the processors drain.
          { name: 'metrics (lag monitor, server)', run: () => metrics.close() },
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
