import type { Admin, Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { ReadinessCheck } from '../http/readiness.ts';
import type { Logger } from '../logging/logger.ts';
import { startConsumerLagMonitor, type ConsumerLagMonitor } from './consumer-lag.ts';
import { startMetricsServer, type MetricsServer } from './metrics-server.ts';
import { createPipelineMetrics, type PipelineTotals } from './pipeline-metrics.ts';
import { createServiceRegistry } from './registry.ts';

export interface WorkerMetricsOptions {
  /** The `service` label and the logger's component. */
  service: string;
  /** Port of /metrics, /healthz, /readyz; 0 turns the HTTP server off (METRICS_PORT=0). */
  port: number;
  host: string;
  /** Consumer lag of `groupId` on `topics`, refreshed every `lagIntervalMs`. */
  lag?: { kafka: Pick<Kafka, 'admin'>; groupId: string; topics: readonly string[]; intervalMs: number };
  /** Readiness checks besides the service's own started/stopping state. */
  ready?: Record<string, ReadinessCheck>;
  logger: Logger;
}

export interface WorkerMetrics {
  readonly registry: Registry;
  /** The port the server listens on (undefined when turned off). */
  readonly port: number | undefined;
  /** Where the standard counters read their totals from (the worker's stats()); call once the worker exists. */
  watch(read: () => PipelineTotals): void;
  /** `onFlush(seconds, rows)` recording flush latency for `target`. */
  observeFlush(target: string): (seconds: number, rows: number) => void;
  /** Readiness of the worker itself: false until it has started, and again once shutdown begins. */
  setReady(ready: boolean): void;
  /** Stops the lag monitor, the admin client and the server. Idempotent. */
  close(): Promise<void>;
}

/**
 * Everything a stream worker (sink, processors) needs to be observable, in
 * one call from its main.ts: a registry of its own, the standard pipeline
 * metrics, the consumer-lag monitor, and the /metrics, /healthz, /readyz
 * server. The worker's core stays free of metrics code: counters are read
 * from its stats(), flush latency comes through an `onFlush` callback.
 */
export async function startWorkerMetrics(options: WorkerMetricsOptions): Promise<WorkerMetrics> {
  const registry = createServiceRegistry(options.service);
  let read: () => PipelineTotals = () => ({});
  const pipeline = createPipelineMetrics(registry, () => read());
  let ready = false;
  let admin: Admin | undefined;
  let lag: ConsumerLagMonitor | undefined;
  if (options.lag) {
    admin = options.lag.kafka.admin();
    await admin.connect();
    lag = startConsumerLagMonitor({ admin, groupId: options.lag.groupId, topics: options.lag.topics, registry, intervalMs: options.lag.intervalMs, logger: options.logger });
  }
  let server: MetricsServer | undefined;
  if (options.port !== 0) {
    server = await startMetricsServer({
      port: options.port,
      host: options.host,
      registry,
      ready: { [options.service]: async () => ready || Promise.reject(new Error('not started, or shutting down')), ...options.ready },
      logger: options.logger,
    });
  }
  let closing: Promise<void> | undefined;
  return {
    registry,
    port: server?.port,
    watch: (fn) => void (read = fn),
    observeFlush: (target) => pipeline.observeFlush(target),
    setReady: (value) => void (ready = value),
    close: () =>
      (closing ??= (async () => {
        ready = false;
        await lag?.close();
        await admin?.disconnect();
        await server?.close();
      })()),
  };
}
