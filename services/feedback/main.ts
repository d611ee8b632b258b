/**
 * The feedback service as its own process (distributed mode):
 *   node --import tsx services/feedback/main.ts
 * Joins late labels, keeps live quality and coverage, evaluates the trigger
 * policy and enqueues training jobs. Shuts down in order on SIGINT/SIGTERM:
 * loops and consumer first, then the producer, the queue and ClickHouse.
 */
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { createClickHouse } from '../../libs/clickhouse/client.ts';
import { migrate } from '../../libs/clickhouse/migrations.ts';
import { parseEnv } from '../../libs/config/env.ts';
import { messageOf } from '../../libs/errors/errors.ts';
import { createKafka } from '../../libs/kafka/client.ts';
import { createDeadLetterPublisher } from '../../libs/kafka/dead-letter.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { ensureDriftlineTopics, topicNamesFromConfig } from '../../libs/kafka/topology.ts';
import { once, shutdownInOrder } from '../../libs/lifecycle/shutdown.ts';
import { repoRoot } from '../../libs/local/local-services.ts';
import { createLogger, type Logger } from '../../libs/logging/logger.ts';
import { redisConnection, TRAINING_QUEUE } from '../../libs/training/training-job.ts';
import { type FeedbackConfig, feedbackConfigSchema } from './config.ts';
import { createFeedbackService } from './feedback-service.ts';
import { loadPolicyFile } from './policy-file.ts';
import { trainingAdapter } from './training-adapter.ts';
import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import type { Kafka, Producer } from 'kafkajs';

/** Wires the feedback service from config onto existing clients (the embedded mode shares them). */
export async function feedbackFromConfig(config: FeedbackConfig, deps: { kafka: Kafka; producer: Producer; clickhouse: ClickHouseClient; logger: Logger }, queueName = TRAINING_QUEUE) {
  const topics = topicNamesFromConfig(config);
  const queue = new Queue(queueName, { connection: redisConnection(config.REDIS_URL) });
  const service = createFeedbackService({
    kafka: deps.kafka,
    clickhouse: deps.clickhouse,
    deadLetters: createDeadLetterPublisher(deps.producer, topics.deadLetter),
    logger: deps.logger,
    labelsTopic: topics.labels,
    groupId: config.FEEDBACK_GROUP_ID,
    join: { horizonMs: config.FEEDBACK_HORIZON, idSlackMs: config.FEEDBACK_ID_SLACK, maxGapMs: config.FEEDBACK_JOIN_MAX_GAP },
    windowMs: config.FEEDBACK_WINDOW,
    sweepLookbackMs: config.FEEDBACK_SWEEP_LOOKBACK,
    intervals: { retryMs: config.FEEDBACK_RETRY_INTERVAL, qualityMs: config.FEEDBACK_QUALITY_INTERVAL, triggerMs: config.FEEDBACK_TRIGGER_INTERVAL },
    policies: await loadPolicyFile(config.FEEDBACK_POLICY_FILE),
    training: trainingAdapter(queue, config.MODEL_REPOSITORY),
    recordEveryMs: config.FEEDBACK_RECORD_EVERY,
  });
  return { service, queue };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = parseEnv(feedbackConfigSchema, process.env);
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'driftline-feedback' });
  try {
    const clickhouse = await createClickHouse({ url: config.CLICKHOUSE_URL, dataDir: config.CLICKHOUSE_DATA_DIR, username: config.CLICKHOUSE_USER, password: config.CLICKHOUSE_PASSWORD, database: config.CLICKHOUSE_DATABASE });
    await migrate(clickhouse, join(repoRoot, 'migrations'), logger);
    const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-feedback`, logger });
    await ensureDriftlineTopics(kafka, topicNamesFromConfig(config));
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    const { service, queue } = await feedbackFromConfig(config, { kafka, producer, clickhouse, logger });
    await service.start();
    logger.info({ group: config.FEEDBACK_GROUP_ID }, 'feedback service started');
    const shutdown = once(() =>
      shutdownInOrder(
        [
          { name: 'feedback loops and label consumer', run: () => service.close() },
          { name: 'training queue', run: () => queue.close() },
          { name: 'producer', run: () => producer.disconnect() },
          { name: 'clickhouse', run: () => clickhouse.close() },
        ],
        { deadlineMs: config.SHUTDOWN_DEADLINE, logger },
      ),
    );
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutdown().then(() => process.exit(0), () => process.exit(1)));
  } catch (err) {
    logger.fatal({ err: messageOf(err) }, 'feedback service failed to start');
    process.exit(1);
  }
}
