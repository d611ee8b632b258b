/**
 * The raw-events sink as its own process (distributed mode). Reads config,
 * opens connections, wires, and shuts down in order on SIGINT/SIGTERM: stop
 * intake and flush + commit (sink), then producer, then ClickHouse, then
 * the metrics server (METRICS_PORT: /metrics, /healthz, /readyz).
 */
import { join } from 'node:path';
import { z } from 'zod';
import { createClickHouse } from '../../libs/clickhouse/client.ts';
import { migrate } from '../../libs/clickhouse/migrations.ts';
import { commonEnv, sinkEnv } from '../../libs/config/common.ts';
import { parseEnv } from '../../libs/config/env.ts';
import { createKafka } from '../../libs/kafka/client.ts';
import { createDeadLetterPublisher } from '../../libs/kafka/dead-letter.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { ensureDriftlineTopics, topicNamesFromConfig } from '../../libs/kafka/topology.ts';
import { clickhouseCheck } from '../../libs/http/readiness.ts';
import { shutdownInOrder } from '../../libs/lifecycle/shutdown.ts';
import { repoRoot } from '../../libs/local/local-services.ts';
import { createLogger } from '../../libs/logging/logger.ts';
import { startWorkerMetrics } from '../../libs/metrics/worker-metrics.ts';
import { createRawSink } from './raw-sink.ts';

export const sinkConfigSchema = z.object({ ...commonEnv, ...sinkEnv });

export async function startSink(env: Record<string, string | undefined>) {
  const config = parseEnv(sinkConfigSchema, env);
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'driftline-sink' });
  const clickhouse = await createClickHouse({ url: config.CLICKHOUSE_URL, dataDir: config.CLICKHOUSE_DATA_DIR, username: config.CLICKHOUSE_USER, password: config.CLICKHOUSE_PASSWORD, database: config.CLICKHOUSE_DATABASE });
  await migrate(clickhouse, join(repoRoot, 'migrations'), logger);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-sink`, logger });
  const topics = topicNamesFromConfig(config);
  await ensureDriftlineTopics(kafka, topics);
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const metrics = await startWorkerMetrics({
    service: 'sink',
    port: config.METRICS_PORT,
    host: config.METRICS_HOST,
    lag: { kafka, groupId: config.SINK_GROUP_ID, topics: [topics.predictions], intervalMs: config.CONSUMER_LAG_INTERVAL },
    ready: { clickhouse: clickhouseCheck(clickhouse) },
    logger,
  });
  const sink = createRawSink({
    kafka,
    clickhouse,
    deadLetters: createDeadLetterPublisher(producer, topics.deadLetter),
    logger,
    topic: topics.predictions,
    groupId: config.SINK_GROUP_ID,
    batchRows: config.SINK_BATCH_ROWS,
    batchMaxWaitMs: config.SINK_BATCH_MAX_WAIT,
    maxBufferedRows: config.SINK_MAX_BUFFERED_ROWS,
    onFlush: metrics.observeFlush('predictions'),
  });
  await sink.start();
  metrics.watch(() => {
    const s = sink.stats();
    return { eventsIn: { [topics.predictions]: s.consumed }, eventsOut: { predictions: s.inserted }, deadLettered: { [topics.predictions]: s.deadLettered } };
  });
  metrics.setReady(true);
  return {
    sink,
    close: () =>
      shutdownInOrder(
        [
          { name: 'readiness off', run: () => metrics.setReady(false) },
          { name: 'raw sink (stop intake, flush, commit)', run: () => sink.close() },
          { name: 'producer', run: () => producer.disconnect() },
          { name: 'clickhouse', run: () => clickhouse.close() },
          // Last, so the final counts can still be scraped while the sink drains.
          { name: 'metrics (lag monitor, server)', run: () => metrics.close() },
        ],
        { deadlineMs: config.SHUTDOWN_DEADLINE, logger },
      ),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const running = await startSink(process.env);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      running.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
