import type { Kafka } from 'kafkajs';
import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import type { DeadLetterPublisher } from '../../libs/kafka/dead-letter.ts';
import { type PeriodicTask, startPeriodic } from '../../libs/lifecycle/periodic.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import { createLabelConsumer } from './label-consumer.ts';
import { type LabelJoinOptions, retryPendingLabels } from './label-join.ts';
import { createQualityJob } from './quality-job.ts';
import { createTriggerLoop, type TriggerLoopOptions } from './trigger-loop.ts';
import type { TriggerPolicyFile } from './trigger-policy.ts';

export interface FeedbackServiceOptions {
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  deadLetters: DeadLetterPublisher;
  logger: Logger;
  labelsTopic: string;
  groupId: string;
  join: Omit<LabelJoinOptions, 'clickhouse'>;
  windowMs: number;
  sweepLookbackMs: number;
  intervals: { retryMs: number; qualityMs: number; triggerMs: number };
  policies: TriggerPolicyFile;
  training: Pick<TriggerLoopOptions, 'enqueue' | 'activeJobs' | 'baselineFromCard'>;
  recordEveryMs: number;
  clock?: () => number;
}

/**
 * The feedback service: label consumer (store + join), a retry loop for
 * labels that came before their prediction, the quality job (coverage and
 * live metrics per window), and the trigger loop (policy → candidate →
 * training job). `start()` / `close()`; close stops the loops first, then
 * the consumer, so no loop writes after the caller closes ClickHouse.
 */
export function createFeedbackService(options: FeedbackServiceOptions) {
  const clock = options.clock ?? Date.now;
  const log = options.logger.child({ component: 'feedback' });
  const joinOptions: LabelJoinOptions = { ...options.join, clickhouse: options.clickhouse };
  const quality = createQualityJob({ clickhouse: options.clickhouse, windowMs: options.windowMs, sweepLookbackMs: options.sweepLookbackMs, logger: options.logger });
  const retried = { joined: 0, orphaned: 0 };
  const consumer = createLabelConsumer({
    kafka: options.kafka,
    clickhouse: options.clickhouse,
    join: options.join,
    deadLetters: options.deadLetters,
    topic: options.labelsTopic,
    groupId: options.groupId,
    logger: options.logger,
    onJoined: (outcome) => quality.markDirty(outcome.touched),
    clock,
  });
  const trigger = createTriggerLoop({ clickhouse: options.clickhouse, policies: options.policies, recordEveryMs: options.recordEveryMs, logger: options.logger, ...options.training });
  let loops: PeriodicTask[] = [];
  let closing: Promise<void> | undefined;

  const retryPending = async () => {
    const outcome = await retryPendingLabels(joinOptions, clock());
    retried.joined += outcome.joined;
    retried.orphaned += outcome.orphaned;
    quality.markDirty(outcome.touched);
  };

  return {
    async start() {
      await consumer.start();
      loops = [
        startPeriodic('retry pending labels', options.intervals.retryMs, retryPending, log),
        startPeriodic('quality metrics', options.intervals.qualityMs, () => quality.run(clock()), log),
        startPeriodic('trigger policy', options.intervals.triggerMs, () => trigger.run(clock()), log),
      ];
    },
    /** Runs every loop once, in order (tests and the demo use it to move on without waiting for timers). */
    async tick() {
      await retryPending();
      await quality.run(clock());
      return trigger.run(clock());
    },
    stats: () => ({ labels: consumer.stats(), retried: { ...retried }, quality: quality.stats() }),
    close() {
      closing ??= (async () => {
        await Promise.all(loops.map((l) => l.close()));
        await consumer.close();
      })();
      return closing;
    },
  };
}
export type FeedbackService = ReturnType<typeof createFeedbackService>;
