import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { envDuration, envInt, envList, envString, envTimer } from './env.ts';

/**
 * Variables every service reads the same way. Each service's config schema
 * spreads these in and adds its own (see services/<name>/config.ts); the
 * README configuration table lists them all.
 */
export const commonEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KAFKA_BROKERS: envList('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: envString('driftline'),
  CLICKHOUSE_URL: z.url().optional(),
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  CLICKHOUSE_DATABASE: z.string().default('default'),
  CLICKHOUSE_DATA_DIR: envString('.driftline/clickhouse'),
  TOPIC_PREDICTIONS: envString('driftline.predictions'),
  TOPIC_LABELS: envString('driftline.labels'),
  TOPIC_ALERTS: envString('driftline.alerts'),
  TOPIC_DEAD_LETTER: envString('driftline.dead-letter'),
  SHUTDOWN_DEADLINE: envTimer('30s'),
};

/**
 * The /metrics, /healthz, /readyz server of a stream worker (sink,
 * processors), which has no HTTP API of its own. Each worker has its own
 * default port so that, in one machine, they do not collide; METRICS_PORT=0
 * turns the server off. CONSUMER_LAG_INTERVAL: how often the consumer lag
 * gauge is refreshed from the broker.
 */
export const metricsEnv = (defaultPort: number) => ({
  METRICS_PORT: envInt(defaultPort, 0, 65_535),
  METRICS_HOST: envString('0.0.0.0'),
  CONSUMER_LAG_INTERVAL: envTimer('15s'),
});

export const sinkEnv = {
  ...metricsEnv(9465),
  SINK_GROUP_ID: envString('driftline.raw-sink'),
  SINK_BATCH_ROWS: envInt(5_000, 1, 1_000_000),
  SINK_BATCH_MAX_WAIT: envTimer('1s'),
  SINK_MAX_BUFFERED_ROWS: envInt(50_000, 1, 10_000_000),
};

export const commonConfigSchema = z.object(commonEnv);
export type CommonConfig = z.infer<typeof commonConfigSchema>;

export const processorsEnv = {
  ...metricsEnv(9464),
  PROCESSORS_GROUP_ID: envString('driftline.processors'),
  /** Tumbling event-time window size. */
  PROCESSORS_WINDOW: envDuration('1m', { minMs: 1 }),
  /** Watermark = max event time − this; events later than that are counted as late. */
  PROCESSORS_ALLOWED_LATENESS: envDuration('10s'),
  PROCESSORS_CHECKPOINT_INTERVAL: envTimer('2s'),
  PROCESSORS_CHECKPOINT_MAX_EVENTS: envInt(50_000, 1, 10_000_000),
  PROCESSORS_FINALIZE_INTERVAL: envTimer('1s'),
  /** Partitions without a checkpoint for this long stop holding the global watermark back. */
  PROCESSORS_IDLE_TIMEOUT: envDuration('30s'),
  /** Worker threads computing drift statistics off the event loop (0: on it). Default: CPUs − 1, at least 1, at most 4. */
  PROCESSORS_DRIFT_WORKERS: envInt(Math.max(1, Math.min(4, availableParallelism() - 1)), 0, 64),
  /** Optional webhook receiving alert events (POST JSON, retried). */
  ALERT_WEBHOOK_URL: z.url().optional(),
};
