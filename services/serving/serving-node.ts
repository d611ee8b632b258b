import type { FastifyInstance } from 'fastify';
import { shutdownInOrder } from '../../libs/lifecycle/shutdown.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import { buildServingApp } from './app.ts';
import type { ExecutionProviderName, ServingConfig } from './config.ts';
import type { SessionFactory } from './execution-providers.ts';
import type { BatchWindow } from './micro-batcher.ts';
import { ModelRegistry } from './model-registry.ts';
import { createPredictionPublisher, type EventTransport, type PredictionPublisher } from './prediction-publisher.ts';
import { ServingMetrics } from './serving-metrics.ts';

/** The serving node's options, compiled from config (durations in ms). */
export interface ServingNodeOptions {
  repoDir: string;
  providers: readonly ExecutionProviderName[];
  intraOpThreads: number;
  pollIntervalMs: number;
  batchWindow: BatchWindow;
  maxBatchRows: number;
  bodyLimit: number;
  publishBuffer: number;
  publishBatch: number;
  publishLingerMs: number;
  /** This node's name in prediction events. */
  node: string;
}

/** Compiles parsed config into node options; `hostname` names the node unless SERVING_NODE_NAME does. */
export function servingOptionsFromConfig(config: ServingConfig, hostname: string): ServingNodeOptions {
  return {
    repoDir: config.MODEL_REPOSITORY,
    providers: config.SERVING_EXECUTION_PROVIDERS,
    intraOpThreads: config.SERVING_INTRA_OP_THREADS,
    pollIntervalMs: config.MODEL_POLL_INTERVAL,
    batchWindow: config.SERVING_BATCH_WINDOW,
    maxBatchRows: config.SERVING_MAX_BATCH_ROWS,
    bodyLimit: config.SERVING_BODY_LIMIT,
    publishBuffer: config.SERVING_PUBLISH_BUFFER,
    publishBatch: config.SERVING_PUBLISH_BATCH,
    publishLingerMs: config.SERVING_PUBLISH_LINGER,
    node: config.SERVING_NODE_NAME ?? hostname,
  };
}

export interface ServingNodeDeps {
  options: ServingNodeOptions;
  /** Where prediction events go (kafka-transport.ts in production). */
  transport: EventTransport;
  logger: Logger;
  sessionFactory?: SessionFactory;
  clock?: () => number;
  /** Publisher retry backoff; tests shorten it. */
  publishRetryMs?: { initial: number; max: number };
}

export interface ServingNode {
  app: FastifyInstance;
  registry: ModelRegistry;
  publisher: PredictionPublisher;
  metrics: ServingMetrics;
  /** Ordered shutdown within `deadlineMs`; idempotent. */
  close(deadlineMs: number): Promise<void>;
}

/**
 * Wires one serving node: the model registry (loaded before this resolves),
 * the publisher (connecting in the background — a node starts and serves
 * while Kafka is down), the metrics and the HTTP app. It does not listen:
 * main.ts (or a test, through `app.inject()`) decides that.
 */
export async function startServingNode(deps: ServingNodeDeps): Promise<ServingNode> {
  const { options, logger } = deps;
  const metrics = new ServingMetrics();
  const registry = new ModelRegistry({
    repoDir: options.repoDir,
    providers: options.providers,
    intraOpThreads: options.intraOpThreads,
    batchWindow: options.batchWindow,
    maxBatchRows: options.maxBatchRows,
    pollIntervalMs: options.pollIntervalMs,
    logger,
    ...(deps.sessionFactory ? { sessionFactory: deps.sessionFactory } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
    onBatch: (model, version, rows) => metrics.batchRows.observe({ model, version }, rows),
  });
  const publisher = createPredictionPublisher({
    transport: deps.transport,
    capacity: options.publishBuffer,
    batchSize: options.publishBatch,
    lingerMs: options.publishLingerMs,
    logger,
    ...(deps.publishRetryMs ? { retryDelayMs: deps.publishRetryMs } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  publisher.start();
  try {
    await registry.start();
  } catch (err) {
    await publisher.close(0);
    throw err;
  }
  const app = buildServingApp({ registry, publisher, metrics, logger, node: options.node, bodyLimit: options.bodyLimit, ...(deps.clock ? { clock: deps.clock } : {}) });
  await app.ready();

  let closing: Promise<void> | undefined;
  return {
    app,
    registry,
    publisher,
    metrics,
    close(deadlineMs) {
      // Order: stop taking requests and let running ones finish (their events
      // are queued by then); release the models; flush the queued events to
      // Kafka with most of the remaining time; the producer disconnects last.
      closing ??= shutdownInOrder(
        [
          { name: 'http', run: () => app.close() },
          { name: 'models', run: () => registry.close() },
          { name: 'publisher', run: () => publisher.close(Math.max(100, deadlineMs - 2_000)) },
        ],
        { deadlineMs, logger },
      );
      return closing;
    },
  };
}
