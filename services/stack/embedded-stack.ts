import { hostname } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Kafka, Producer } from 'kafkajs';
import { z } from 'zod';
import { type ClickHouseClient, createClickHouse } from '../../libs/clickhouse/client.ts';
import { migrate } from '../../libs/clickhouse/migrations.ts';
import { commonEnv, processorsEnv, sinkEnv } from '../../libs/config/common.ts';
import { parseEnv } from '../../libs/config/env.ts';
import { createKafka } from '../../libs/kafka/client.ts';
import { createDeadLetterPublisher } from '../../libs/kafka/dead-letter.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { ensureDriftlineTopics, type TopicNames, topicNamesFromConfig } from '../../libs/kafka/topology.ts';
import { shutdownInOrder } from '../../libs/lifecycle/shutdown.ts';
import { ensureLocalKafka, ensureLocalRedis, localBrokerPort, repoRoot } from '../../libs/local/local-services.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import { sampleDataset } from '../../libs/model/credit-domain.ts';
import { createRng } from '../../libs/model/random.ts';
import { DEMO_MODEL_NAME, writeDemoModel } from '../../libs/model/train-demo-model.ts';
import { loadProfile, saveProfile } from '../../libs/profiles/profile-store.ts';
import { buildReferenceProfile } from '../../libs/profiles/reference-profile.ts';
import { redisConnection } from '../../libs/training/training-job.ts';
import { apiPlugins } from '../api/api-plugins.ts';
import { buildApiApp } from '../api/app.ts';
import { apiEnv, apiLimitsFrom } from '../api/config.ts';
import { feedbackEnv } from '../feedback/config.ts';
import { feedbackFromConfig } from '../feedback/main.ts';
import { processorsConfigFrom } from '../processors/config.ts';
import { createProcessorsService } from '../processors/processors-service.ts';
import { servingEnv } from '../serving/config.ts';
import { kafkaTransport } from '../serving/kafka-transport.ts';
import { scanRepository } from '../serving/repository-scan.ts';
import { type ServingNode, servingOptionsFromConfig, startServingNode } from '../serving/serving-node.ts';
import { createRawSink } from '../sink/raw-sink.ts';
import { trainerEnv } from '../trainer/config.ts';
import { promotionPolicyOf } from '../trainer/main.ts';
import { createTrainerWorker } from '../trainer/trainer-worker.ts';

/**
 * Every service's variables at once: the embedded mode reads one
 * environment. Where two services name the same thing differently
 * (TRAINER_REPO_DIR), the embedded stack passes MODEL_REPOSITORY to both.
 */
export const embeddedConfigSchema = z.object({ ...commonEnv, ...sinkEnv, ...processorsEnv, ...servingEnv, ...feedbackEnv, ...trainerEnv, ...apiEnv });
export type EmbeddedConfig = z.infer<typeof embeddedConfigSchema>;

export interface EmbeddedStack {
  config: EmbeddedConfig;
  clickhouse: ClickHouseClient;
  kafka: Kafka;
  producer: Producer;
  topics: TopicNames;
  serving: ServingNode;
  servingUrl: string;
  api: FastifyInstance;
  apiUrl: string;
  trainingQueue: Queue;
  sink: ReturnType<typeof createRawSink>;
  processors: ReturnType<typeof createProcessorsService>;
  feedback: Awaited<ReturnType<typeof feedbackFromConfig>>['service'];
  /** Stops everything in dependency order within SHUTDOWN_DEADLINE. Idempotent. */
  close(): Promise<void>;
}

/**
 * The whole loop in one process (the DESIGN's embedded mode): local broker
 * and Redis when the config points at them, the embedded ClickHouse engine
 * (chDB binds one data directory per process, so every service shares this
 * one client), and serving, raw sink, processors, feedback, trainer and the
 * API wired exactly as their own main.ts files wire them. On an empty model
 * repository the demo model is trained as version 1 with its reference
 * profile, so a fresh machine has something to serve and measure.
 */
export async function startEmbeddedStack(env: Record<string, string | undefined>, logger: Logger, progress: (line: string) => void = () => {}): Promise<EmbeddedStack> {
  const config = parseEnv(embeddedConfigSchema, env);
  const brokerPort = localBrokerPort(config.KAFKA_BROKERS);
  if (brokerPort !== undefined) await ensureLocalKafka(brokerPort, progress);
  if (/^redis:\/\/(127\.0\.0\.1|localhost)(:6379)?\/?$/.test(config.REDIS_URL)) await ensureLocalRedis();

  const clickhouse = await createClickHouse({ url: config.CLICKHOUSE_URL, dataDir: config.CLICKHOUSE_DATA_DIR, username: config.CLICKHOUSE_USER, password: config.CLICKHOUSE_PASSWORD, database: config.CLICKHOUSE_DATABASE });
  const migrations = await migrate(clickhouse, join(repoRoot, 'migrations'), logger);
  progress(`ClickHouse ${config.CLICKHOUSE_URL ?? `embedded at ${config.CLICKHOUSE_DATA_DIR}`}: ${migrations.applied.length} migrations applied`);

  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, logger });
  const topics = topicNamesFromConfig(config);
  await ensureDriftlineTopics(kafka, topics);
  const producer = createIdempotentProducer(kafka);
  await producer.connect();

  const repoDir = config.MODEL_REPOSITORY;
  if ((await scanRepository(repoDir)).length === 0) {
    const { result } = await writeDemoModel(repoDir, { seed: 7, rows: 50_000 });
    progress(`trained ${DEMO_MODEL_NAME} v1 (holdout AUC ${result.metrics.auc.toFixed(3)}) into ${repoDir}`);
  }
  if (!(await loadProfile(clickhouse, DEMO_MODEL_NAME, '1'))) {
    // The same population the demo model was trained on (seed 7).
    const { rows } = sampleDataset(createRng(7), 20_000);
    await saveProfile(clickhouse, buildReferenceProfile(rows as unknown as Array<Record<string, unknown>>, { model: DEMO_MODEL_NAME, modelVersion: '1', source: 'demo-domain:seed=7:rows=20000' }));
    progress(`stored the reference profile of ${DEMO_MODEL_NAME} v1`);
  }

  const deadLetters = createDeadLetterPublisher(producer, topics.deadLetter);
  const sink = createRawSink({
    kafka,
    clickhouse,
    deadLetters,
    logger,
    topic: topics.predictions,
    groupId: config.SINK_GROUP_ID,
    batchRows: config.SINK_BATCH_ROWS,
    batchMaxWaitMs: config.SINK_BATCH_MAX_WAIT,
    maxBufferedRows: config.SINK_MAX_BUFFERED_ROWS,
  });
  const processors = createProcessorsService({ kafka, clickhouse, producer, logger, topics, config: processorsConfigFrom(config) });
  const { service: feedback, queue: feedbackQueue } = await feedbackFromConfig({ ...config, MODEL_REPOSITORY: repoDir }, { kafka, producer, clickhouse, logger }, config.TRAINER_QUEUE);
  const trainer = createTrainerWorker({
    connection: redisConnection(config.REDIS_URL, { worker: true }),
    clickhouse,
    repoDir,
    policy: promotionPolicyOf(config),
    logger,
    concurrency: config.TRAINER_CONCURRENCY,
    queueName: config.TRAINER_QUEUE,
    holdoutFraction: config.TRAINER_HOLDOUT_FRACTION,
    rules: { minRows: config.TRAINER_MIN_ROWS, minClassRows: config.TRAINER_MIN_CLASS_ROWS },
  });
  const trainingQueue = new Queue(config.TRAINER_QUEUE, { connection: redisConnection(config.REDIS_URL) });

  await sink.start();
  await processors.start();
  await feedback.start();
  await trainer.start();
  progress('raw sink, processors, feedback service and trainer running');

  const serving = await startServingNode({
    options: servingOptionsFromConfig({ ...config, MODEL_REPOSITORY: repoDir }, config.SERVING_NODE_NAME ?? hostname()),
    transport: kafkaTransport({ kafka, producer: createIdempotentProducer(kafka), topics }),
    logger,
  });
  const servingUrl = await serving.app.listen({ host: config.SERVING_HOST, port: config.SERVING_PORT });
  const api = buildApiApp({
    clickhouse,
    logger,
    auth: { adminToken: config.API_ADMIN_TOKEN, readToken: config.API_READ_TOKEN },
    limits: apiLimitsFrom(config),
    plugins: apiPlugins({
      clickhouse,
      adminToken: config.API_ADMIN_TOKEN,
      readToken: config.API_READ_TOKEN,
      producer,
      labelsTopic: topics.labels,
      maxLabelsPerRequest: config.API_MAX_LABELS_PER_REQUEST,
      trainingQueue,
      modelRepository: repoDir,
      maxRangeMs: config.API_MAX_RANGE,
    }),
  });
  const apiUrl = await api.listen({ host: config.API_HOST, port: config.API_PORT });
  progress(`serving on ${servingUrl}, API on ${apiUrl}`);

  let closing: Promise<void> | undefined;
  return {
    config,
    clickhouse,
    kafka,
    producer,
    topics,
    serving,
    servingUrl,
    api,
    apiUrl,
    trainingQueue,
    sink,
    processors,
    feedback,
    close() {
      // Intake first (HTTP), then the consumers that write ClickHouse, then
      // the clients they write through; ClickHouse closes last.
      closing ??= shutdownInOrder(
        [
          { name: 'serving node (stop requests, flush prediction events)', run: () => serving.close(config.SHUTDOWN_DEADLINE / 2) },
          { name: 'api', run: () => api.close() },
          { name: 'trainer (finish the running job)', run: () => trainer.close() },
          { name: 'feedback (loops, label consumer)', run: () => feedback.close() },
          { name: 'processors (checkpoint, commit)', run: () => processors.close() },
          { name: 'raw sink (flush, commit)', run: () => sink.close() },
          { name: 'queues', run: async () => void (await Promise.all([trainingQueue.close(), feedbackQueue.close()])) },
          { name: 'producer', run: () => producer.disconnect() },
          { name: 'clickhouse', run: () => clickhouse.close() },
        ],
        { deadlineMs: config.SHUTDOWN_DEADLINE, logger },
      );
      return closing;
    },
  };
}
