import type { Admin } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';
import { startPeriodic } from '../lifecycle/periodic.ts';
import type { Logger } from '../logging/logger.ts';
import { PIPELINE_METRIC_NAMES } from './pipeline-metrics.ts';

/** A partition's offsets as kafkajs `admin.fetchTopicOffsets` returns them. */
export interface PartitionOffsets {
  partition: number;
  /** Next offset to be written (log end). */
  high: string;
  /** Oldest retained offset (log start). */
  low: string;
}

/** A group's committed offset as kafkajs `admin.fetchOffsets` returns it ('-1' when none). */
export interface CommittedOffset {
  partition: number;
  offset: string;
}

/**
 * Lag per partition: messages written but not yet committed by the group,
 * `high − committed`. A partition the group has never committed counts
 * everything still retained (`high − low`), which is what a consumer
 * starting from the beginning has to read. Never negative.
 */
export function consumerLag(offsets: readonly PartitionOffsets[], committed: readonly CommittedOffset[]): Array<{ partition: number; lag: number }> {
  const byPartition = new Map(committed.map((c) => [c.partition, Number(c.offset)]));
  return offsets.map((o) => {
    const high = Number(o.high);
    const done = byPartition.get(o.partition) ?? -1;
    const from = done >= 0 ? done : Number(o.low);
    return { partition: o.partition, lag: Math.max(0, high - from) };
  });
}

export interface ConsumerLagOptions {
  /** A connected kafkajs admin client (the caller owns and disconnects it). */
  admin: Pick<Admin, 'fetchTopicOffsets' | 'fetchOffsets'>;
  groupId: string;
  topics: readonly string[];
  registry: Registry;
  intervalMs: number;
  logger: Logger;
}

export interface ConsumerLagMonitor {
  /** Fetches offsets and updates the gauge now. */
  refresh(): Promise<void>;
  /** Stops the timer. Idempotent. */
  close(): Promise<void>;
}

/**
 * Publishes `driftline_consumer_lag{group,topic,partition}`: every
 * `intervalMs` (and once at start) it compares each topic's log-end offsets
 * with the group's committed offsets. Commits happen only after effects are
 * durable, so this is the backlog still to be made durable. A failed
 * refresh keeps the previous values and counts a failure.
 */
export function startConsumerLagMonitor(options: ConsumerLagOptions): ConsumerLagMonitor {
  const log = options.logger.child({ component: 'consumer-lag', group: options.groupId });
  const gauge = new Gauge({
    name: PIPELINE_METRIC_NAMES.consumerLag,
    help: 'Messages not yet committed by the consumer group (log-end offset − committed offset), per topic and partition.',
    labelNames: ['group', 'topic', 'partition'] as const,
    registers: [options.registry],
  });
  const failures = new Counter({
    name: 'driftline_consumer_lag_refresh_failures_total',
    help: 'Consumer lag refreshes that failed (the lag gauge keeps its previous values).',
    labelNames: ['group'] as const,
    registers: [options.registry],
  });
  failures.inc({ group: options.groupId }, 0);

  async function refresh(): Promise<void> {
    try {
      for (const topic of options.topics) {
        const [offsets, committed] = await Promise.all([
          options.admin.fetchTopicOffsets(topic),
          options.admin.fetchOffsets({ groupId: options.groupId, topics: [topic] }),
        ]);
        const partitions = committed.find((c) => c.topic === topic)?.partitions ?? [];
        for (const { partition, lag } of consumerLag(offsets, partitions)) gauge.set({ group: options.groupId, topic, partition: String(partition) }, lag);
      }
    } catch (err) {
      failures.inc({ group: options.groupId });
      throw err;
    }
  }

  const periodic = startPeriodic('consumer lag', options.intervalMs, refresh, log);
  void periodic.runNow();
  return { refresh, close: () => periodic.close() };
}
