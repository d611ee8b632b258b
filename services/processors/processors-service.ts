import type { Kafka, Producer } from 'kafkajs';
import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { messageOf } from '../../libs/errors/errors.ts';
import { createDeadLetterPublisher } from '../../libs/kafka/dead-letter.ts';
import type { TopicNames } from '../../libs/kafka/topology.ts';
import { settledWithin } from '../../libs/lifecycle/deadline.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import { createAlertManager, type AlertManager } from '../alerts/alert-manager.ts';
import type { WindowAggregator } from './aggregator.ts';
import { createDriftAggregator } from './drift/drift-aggregator.ts';
import { createDriftFinalizer, type DriftPolicy } from './drift/drift-finalizer.ts';
import { createDriftStatsPool } from './drift/drift-stats-pool.ts';
import { createGridEncoderPool } from './drift/grid-encoder-pool.ts';
import { createProfileCache } from './drift/profile-cache.ts';
import { createSloAggregator, type SloPolicy } from './slo/slo-aggregator.ts';
import { createSloFinalizer } from './slo/slo-finalizer.ts';
import { createSchemaProvider } from './validation/schema-provider.ts';
import { createValidationAggregator } from './validation/validation-aggregator.ts';
import { createValidationFinalizer, type ValidationPolicy } from './validation/validation-finalizer.ts';
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
  /** SLO objectives per model (default for every other model: 100 ms @ 99%, 99.9% available, 30 d). */
  slo?: SloPolicy;
  /** Validation alert threshold (default rate 0.01) and schema refresh interval (default 30 s). */
  validation?: ValidationPolicy;
  sessionTimeoutMs?: number;
  /** Worker threads computing drift statistics (0: on the event loop; default 1; PROCESSORS_DRIFT_WORKERS). */
  driftWorkers?: number;
}

export interface ProcessorsDeps {
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  producer: Producer;
  logger: Logger;
  topics: TopicNames;
  config: ProcessorsConfig;
  /** Extra aggregators/finalizers wired by the caller (after drift, SLO and validation). */
  extra?: { aggregators: WindowAggregator[]; finalizers: WindowFinalizer[] };
  clock?: () => number;
  /** Called after each checkpoint insert with its duration (flush latency metric). */
  onFlush?: (seconds: number, rows: number) => void;
  /** Benchmarks only: built-in aggregators to leave out, to measure what each one costs. */
  without?: ReadonlyArray<'drift' | 'validation'>;
}

/** How long start() waits for the drift worker threads to load their code. */
const WORKERS_READY_MS = 30_000;

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
  const without = new Set(deps.without ?? []);
  // One profile cache for the drift aggregator (which shapes chunks by the profile) and finalizer, so they agree on the profile in force.
  const profiles = createProfileCache({ clickhouse: deps.clickhouse, logger: log, ttlMs: config.drift?.profileCacheMs });
  // Validation schemas are loaded before consuming starts (start()) and then refreshed on a timer: see schema-provider.ts.
  // They are read through the profile cache, which so holds every profile before the first event: the drift chunks of
  // the first checkpoint interval are counted on the profiles' grids too, not kept as exact values until a profile
  // loads (which was 26% of the drift chunk bytes of the processors benchmark's catch-up, encoded on the event loop).
  const clock = deps.clock ?? Date.now;
  const schemas = createSchemaProvider({ clickhouse: deps.clickhouse, logger: log, loadProfile: (model, version) => profiles.refresh(model, version, clock()) });
  // Checkpoints' drift states are sorted and coded on a worker thread (none with PROCESSORS_DRIFT_WORKERS=0).
  const gridEncoder = (config.driftWorkers ?? 1) > 0 ? createGridEncoderPool({ logger: log }) : undefined;
  const aggregators: WindowAggregator[] = [
    ...(without.has('drift') ? [] : [createDriftAggregator({ profiles, policy: config.drift, encoder: gridEncoder })]),
    createSloAggregator(config.slo),
    ...(without.has('validation') ? [] : [createValidationAggregator(schemas)]),
    ...(deps.extra?.aggregators ?? []),
  ];
  const driftStats = createDriftStatsPool({ size: config.driftWorkers ?? 1, logger: log });
  const alerts: AlertManager = createAlertManager({ clickhouse: deps.clickhouse, producer: deps.producer, topic: deps.topics.alerts, logger: log, webhookUrl: config.webhookUrl });
  const finalizers: WindowFinalizer[] = [
    createDriftFinalizer({ clickhouse: deps.clickhouse, logger: log, policy: config.drift, stats: driftStats, profiles }),
    createSloFinalizer({ clickhouse: deps.clickhouse, logger: log, policy: config.slo }),
    // Open alerts from the manager that applies every signal: no query of the alerts table per window.
    createValidationFinalizer({ logger: log, schemas, policy: config.validation, openConditions: alerts.openConditions }),
    ...(deps.extra?.finalizers ?? []),
  ];
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
    onCheckpoint: deps.onFlush,
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

  async function workersReady(): Promise<void> {
    if (!(await settledWithin(Promise.all([gridEncoder?.ready(), driftStats.ready()]), WORKERS_READY_MS))) {
      log.warn({ waitedMs: WORKERS_READY_MS }, 'drift worker threads still loading; consuming without waiting for them');
    }
  }

  let timer: NodeJS.Timeout | undefined;
  let schemaTimer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let windowsFinalized = 0;
  let closing = false;
  const tick = () => {
    if (running || closing || !runtime.assignedPartitions().has(0)) return;
    running = finalizer
      .runOnce(config.allowedLatenessMs, false, () => closing)
      .then((n) => void (windowsFinalized += n))
      .catch((err) => log.warn({ err: messageOf(err) }, 'finalizer pass failed'))
      .finally(() => (running = undefined));
  };

  return {
    runtime,
    alerts,
    stats: () => ({ ...runtime.stats(), windowsFinalized, alerts: alerts.stats() }),
    async start(): Promise<void> {
      // The worker threads load their code (~0.3 CPU-seconds in all) before the first event, not beside the first
      // fetches; a worker that is slow to load does not hold the start up past WORKERS_READY_MS.
      await Promise.all([schemas.refresh(), workersReady()]);
      schemaTimer = setInterval(() => void schemas.refresh(), config.validation?.schemaRefreshMs ?? 30_000);
      schemaTimer.unref();
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
      // The finalizer stops after its current window: a pass over a long backlog would hold the shutdown deadline up.
      closing = true;
      if (timer) clearInterval(timer);
      if (schemaTimer) clearInterval(schemaTimer);
      // The final checkpoints need not wait for the finalizer's last window: both run at once.
      await Promise.all([running, runtime.close()]);
      await gridEncoder?.close(); // after the runtime: its last checkpoints still use it
      await driftStats.close();
    },
  };
}
export type ProcessorsService = ReturnType<typeof createProcessorsService>;
