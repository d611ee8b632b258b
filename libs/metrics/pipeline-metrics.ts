import { Histogram, type Registry } from 'prom-client';
import type { ClickHouseClient } from '../clickhouse/client.ts';
import { counterFromTotals, type Totals } from './totals-counter.ts';

/**
 * What a stream worker has counted since it started, read at scrape time
 * from its own stats. Keys are label values: a topic for events in, dead
 * letters and late events; a target (table or topic written) for events
 * out; a pipeline (consumer group) for window closes.
 */
export interface PipelineTotals {
  eventsIn?: Record<string, number>;
  eventsOut?: Record<string, number>;
  deadLettered?: Record<string, number>;
  lateEvents?: Record<string, number>;
  windowCloses?: Record<string, number>;
}

/** The standard metric names every stream worker exposes (README "Metrics and health"). */
export const PIPELINE_METRIC_NAMES = {
  eventsIn: 'driftline_events_in_total',
  eventsOut: 'driftline_events_out_total',
  deadLettered: 'driftline_dead_lettered_total',
  lateEvents: 'driftline_late_events_total',
  windowCloses: 'driftline_window_closes_total',
  flushSeconds: 'driftline_flush_duration_seconds',
  consumerLag: 'driftline_consumer_lag',
} as const;

export interface PipelineMetrics {
  /** Latency of each durable write (a batch insert, a checkpoint), by target. */
  readonly flushSeconds: Histogram<'target'>;
  /** An `onFlush(seconds, rows)` callback recording into flushSeconds for one target. */
  observeFlush(target: string): (seconds: number, rows: number) => void;
}

const entries = (record: Record<string, number> | undefined, label: string): Totals => Object.entries(record ?? {}).map(([value, n]) => [{ [label]: value }, n] as const);

/**
 * Registers the standard stream-worker metrics on `registry`: counters of
 * events in / out, dead-lettered, late events and window closes (pulled from
 * `read` at scrape time) and the flush latency histogram (pushed by the
 * worker through `observeFlush`).
 */
export function createPipelineMetrics(registry: Registry, read: () => PipelineTotals): PipelineMetrics {
  const n = PIPELINE_METRIC_NAMES;
  counterFromTotals(registry, n.eventsIn, 'Events consumed, by topic (replays of already-processed offsets excluded).', ['topic'], () => entries(read().eventsIn, 'topic'));
  counterFromTotals(registry, n.eventsOut, 'Records written downstream, by target (a ClickHouse table or a Kafka topic).', ['target'], () => entries(read().eventsOut, 'target'));
  counterFromTotals(registry, n.deadLettered, 'Undecodable or invalid events sent to the dead-letter topic, by source topic.', ['topic'], () => entries(read().deadLettered, 'topic'));
  counterFromTotals(registry, n.lateEvents, 'Events later than the allowed lateness (counted, not aggregated), by topic.', ['topic'], () => entries(read().lateEvents, 'topic'));
  counterFromTotals(registry, n.windowCloses, 'Windows finalized (metrics computed from the merged partial states), by pipeline.', ['pipeline'], () => entries(read().windowCloses, 'pipeline'));
  const flushSeconds = new Histogram({
    name: n.flushSeconds,
    help: 'Latency of durable writes (batch inserts, checkpoints), by target.',
    labelNames: ['target'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    flushSeconds,
    observeFlush: (target) => {
      const child = flushSeconds.labels({ target });
      return (seconds) => child.observe(seconds);
    },
  };
}

/**
 * Wraps a ClickHouse client's `insert` so each call reports its duration
 * (successful inserts only) — for writers such as BatchWriter that take the
 * client as `Pick<ClickHouseClient, 'insert'>`.
 */
export function timeInserts(client: Pick<ClickHouseClient, 'insert'>, onInsert: (seconds: number, rows: number) => void): Pick<ClickHouseClient, 'insert'> {
  return {
    insert: (async (params: Parameters<ClickHouseClient['insert']>[0]) => {
      const t0 = performance.now();
      const result = await client.insert(params);
      onInsert((performance.now() - t0) / 1000, Array.isArray(params.values) ? params.values.length : 0);
      return result;
    }) as ClickHouseClient['insert'],
  };
}
