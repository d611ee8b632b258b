/**
 * The trainer as its own process. Reads config, opens ClickHouse, starts
 * the training worker (TRAINER_MODE=local) or the webhook adapter
 * (TRAINER_MODE=webhook) on the training queue, and shuts down in order on
 * SIGINT/SIGTERM: stop taking jobs and let the running one finish (the
 * worker), then ClickHouse, which the finishing job still writes to.
 * The promotion routes are not served here: they belong to the API process
 * (services/trainer/promotion-routes.ts), behind its admin token.
 */
import { join } from 'node:path';
import { createClickHouse } from '../../libs/clickhouse/client.ts';
import { migrate } from '../../libs/clickhouse/migrations.ts';
import { parseEnv } from '../../libs/config/env.ts';
import { shutdownInOrder } from '../../libs/lifecycle/shutdown.ts';
import { repoRoot } from '../../libs/local/local-services.ts';
import { createLogger } from '../../libs/logging/logger.ts';
import { redisConnection } from '../../libs/training/training-job.ts';
import { type TrainerConfig, trainerConfigSchema } from './config.ts';
import type { PromotionPolicy } from './promotion-policy.ts';
import { createTrainerWorker, type TrainerWorker } from './trainer-worker.ts';
import { createWebhookTrainerWorker } from './webhook-trainer.ts';

/** The promotion policy the config describes. */
export function promotionPolicyOf(config: TrainerConfig): PromotionPolicy {
  return { metric: config.TRAINER_PROMOTION_METRIC, minImprovement: config.TRAINER_MIN_IMPROVEMENT, mode: config.TRAINER_PROMOTION_MODE, canaryShare: config.TRAINER_CANARY_SHARE };
}

export async function startTrainer(env: Record<string, string | undefined>) {
  const config = parseEnv(trainerConfigSchema, env);
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'driftline-trainer' });
  const clickhouse = await createClickHouse({ url: config.CLICKHOUSE_URL, dataDir: config.CLICKHOUSE_DATA_DIR, username: config.CLICKHOUSE_USER, password: config.CLICKHOUSE_PASSWORD, database: config.CLICKHOUSE_DATABASE });
  await migrate(clickhouse, join(repoRoot, 'migrations'), logger);
  const connection = redisConnection(config.REDIS_URL, { worker: true });
  const common = { connection, clickhouse, logger, concurrency: config.TRAINER_CONCURRENCY, queueName: config.TRAINER_QUEUE, holdoutFraction: config.TRAINER_HOLDOUT_FRACTION };
  const worker: TrainerWorker = config.TRAINER_MODE === 'webhook'
    ? createWebhookTrainerWorker({
      ...common,
      url: config.TRAINER_WEBHOOK_URL!,
      token: config.TRAINER_WEBHOOK_TOKEN,
      format: config.TRAINER_WEBHOOK_FORMAT,
      timeoutMs: config.TRAINER_WEBHOOK_TIMEOUT,
      tries: config.TRAINER_WEBHOOK_RETRIES,
      exportUrlTemplate: config.TRAINER_CANDIDATE_EXPORT_URL,
    })
    : createTrainerWorker({
      ...common,
      repoDir: config.TRAINER_REPO_DIR,
      policy: promotionPolicyOf(config),
      rules: { minRows: config.TRAINER_MIN_ROWS, minClassRows: config.TRAINER_MIN_CLASS_ROWS },
    });
  await worker.start();
  logger.info({ mode: config.TRAINER_MODE, queue: config.TRAINER_QUEUE, repo: config.TRAINER_REPO_DIR, promotion: config.TRAINER_PROMOTION_MODE }, 'trainer ready');
  return {
    worker,
    close: () =>
      shutdownInOrder(
        [
          { name: 'training worker (stop taking jobs, finish the running one)', run: () => worker.close() },
          { name: 'clickhouse', run: () => clickhouse.close() },
        ],
        { deadlineMs: config.SHUTDOWN_DEADLINE, logger },
      ),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const running = await startTrainer(process.env);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      running.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
