import type { Kafka, Producer } from 'kafkajs';
import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { messageOf } from '../../libs/errors/errors.ts';
import { createDeadLetterPublisher } from '../../libs/kafka/dead-letter.ts';
import type { TopicNames } from '../../libs/kafka/topology.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import { createAlertManager, type AlertManager } from '../alerts/alert-manager.ts';
import type { WindowAggregator } from './aggregator.ts';
import { createDriftAggregator } from './drift/drift-aggregator.ts';
import { createDriftFinalizer, type DriftPolicy } from './drift/drift-finalizer.ts';
import { createProcessorRuntime, type ProcessorRuntime } from './processor-runtime.ts';
import { createWindowFinalizer, type WindowFinalizer } from './window-finalizer.ts';

export interface ProcessorsConfig {
  groupId: string;
  windowSizeMs: number;
  allowedLatenessMs: number;
  checkpointIntervalMs: number;
  checkpointMaxEvents: number;
  finalizeIntervalMs: number;
  idleTimeoutMs: number;
  webhookUrl?: string | undefined;
  drift?: DriftPolicy;
  sessionTimeoutMs?: number;
}

export interface ProcessorsDeps {
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  producer: Producer;
  logger: Logger;
  topics: TopicNames;
  config: ProcessorsConfig;
  /** Extra aggregators/finalizers (validation, SLO) wired by the caller. */
  extra?: { aggregators: WindowAggregator[]; finalizers: WindowFinalizer[] };
  clock?: () => number;
}

/**
 * The stream processors as one deployable role: the windowing runtime with
 * the drift (and any extra) aggregators, and the finalizer loop that turns
 * closed windows into metrics and alerts. Only the instance owning partition
 * 0 runs the finalizer, so alerts are emitted once however many instances
 * share the consumer group.
 */
export function createProcessorsService(deps: ProcessorsDeps) {
  const log = deps.logger.child({ component: 'processors' });
  const { config } = deps;
  const aggregators: WindowAggregator[] = [createDriftAggregator(), ...(deps.extra?.aggregators ?? [])];
  const finalizers: WindowFinalizer[] = [createDriftFinalizer({ clickhouse: deps.clickhouse, logger: log, policy: config.drift }), ...(deps.extra?.finalizers ?? [])];
  const alerts: AlertManager = createAlertManager({ clickhouse: deps.clickhouse, producer: deps.producer, topic: deps.topics.alerts, logger: log, webhookUrl: config.webhookUrl });
  const runtime: ProcessorRuntime = createProcessorRuntime({
    kafka: deps.kafka,
    clickhouse: deps.clickhouse,
    deadLetters: createDeadLetterPublisher(deps.producer, deps.topics.deadLetter),
    logger: log,
    topic: deps.topics.predictions,
    groupId: config.groupId,
    aggregators,
    windowSizeMs: config.windowSizeMs,
    allowedLatenessMs: config.allowedLatenessMs,
    checkpointIntervalMs: config.checkpointIntervalMs,
    checkpointMaxEvents: config.checkpointMaxEvents,
    sessionTimeoutMs: config.sessionTimeoutMs,
    clock: deps.clock,
  });
  const finalizer = createWindowFinalizer({
    clickhouse: deps.clickhouse,
    pipeline: config.groupId,
    topic: deps.topics.predictions,
    finalizers,
    idleTimeoutMs: config.idleTimeoutMs,
    logger: log,
    onSignals: async (signals) => void (await alerts.apply(signals)),
    clock: deps.clock,
  });

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let windowsFinalized = 0;
  const tick = () => {
    if (running || !runtime.assignedPartitions().has(0)) return;
    running = finalizer
      .runOnce(config.allowedLatenessMs)
      .then((n) => void (windowsFinalized += n))
      .catch((err) => log.warn({ err: messageOf(err) }, 'finalizer pass failed'))
      .finally(() => (running = undefined));
  };

  return {
    runtime,
    alerts,
    stats: () => ({ ...runtime.stats(), windowsFinalized, alerts: alerts.stats() }),
    async start(): Promise<void> {
      await runtime.start();
      timer = setInterval(tick, config.finalizeIntervalMs);
    },
    /** Computes every window with chunks now, watermark or not (end of a bounded replay). */
    async finalizeAll(): Promise<number> {
      await running;
      const n = await finalizer.runOnce(config.allowedLatenessMs, true);
      windowsFinalized += n;
      return n;
    },
    /** Finalizer pass as the timer would run it (tests). */
    finalizeReady: () => finalizer.runOnce(config.allowedLatenessMs),
    async close(): Promise<void> {
      if (timer) clearInterval(timer);
      await running;
      await runtime.close();
    },
  };
}
export type ProcessorsService = ReturnType<typeof createProcessorsService>;
