import { z } from 'zod';
import { commonEnv } from '../../libs/config/common.ts';
import { envInt, envString, envTimer } from '../../libs/config/env.ts';
import { TRAINING_QUEUE } from '../../libs/training/training-job.ts';

/** The trainer's environment (README "Trainer" lists each variable). */
export const trainerEnv = {
  /** The model repository serving nodes read; new versions and routing.json go here. */
  TRAINER_REPO_DIR: envString('.driftline/models'),
  /** local: this process trains; webhook: POST each job to TRAINER_WEBHOOK_URL (an external pipeline trains). */
  TRAINER_MODE: z.enum(['local', 'webhook']).default('local'),
  /** auto: promote a better challenger at once; canary: route TRAINER_CANARY_SHARE to it; manual: wait for POST …/promote. */
  TRAINER_PROMOTION_MODE: z.enum(['auto', 'manual', 'canary']).default('auto'),
  TRAINER_PROMOTION_METRIC: z.enum(['roc_auc', 'log_loss', 'accuracy']).default('roc_auc'),
  /** The least holdout improvement that counts as better (metric units). */
  TRAINER_MIN_IMPROVEMENT: z.coerce.number().min(0).max(1).default(0.01),
  TRAINER_CANARY_SHARE: z.coerce.number().gt(0).max(1).default(0.1),
  /** Share of a candidate held out (by hash of prediction_id) to compare challenger and champion. */
  TRAINER_HOLDOUT_FRACTION: z.coerce.number().gt(0).lt(1).default(0.2),
  /** Fewest usable labelled rows a candidate needs; fewer fail the job with the count. */
  TRAINER_MIN_ROWS: envInt(200, 2),
  /** Fewest rows of each class in the training part and in the holdout. */
  TRAINER_MIN_CLASS_ROWS: envInt(5, 1),
  TRAINER_CONCURRENCY: envInt(1, 1, 64),
  TRAINER_QUEUE: envString(TRAINING_QUEUE),
  REDIS_URL: envString('redis://127.0.0.1:6379'),
  /** Webhook mode: where jobs are POSTed (a Kubeflow/Airflow/GitHub Actions dispatch endpoint, or your own). */
  TRAINER_WEBHOOK_URL: z.url().optional(),
  /** Sent as `Authorization: Bearer …`; never logged. */
  TRAINER_WEBHOOK_TOKEN: z.string().min(1).optional(),
  /** Body shape: plain (the job JSON), github (repository_dispatch), airflow (dagRuns conf). */
  TRAINER_WEBHOOK_FORMAT: z.enum(['plain', 'github', 'airflow']).default('plain'),
  TRAINER_WEBHOOK_TIMEOUT: envTimer('10s'),
  /** Tries per job attempt (network errors, 5xx, 429), with backoff. */
  TRAINER_WEBHOOK_RETRIES: envInt(3, 1, 10),
  /** URL template of a candidate export with {candidate_id} and {format}, sent to the webhook, e.g. http://api:8081/v1/candidates/{candidate_id}/export?format={format} */
  TRAINER_CANDIDATE_EXPORT_URL: z.string().min(1).optional(),
};

export const trainerConfigSchema = z
  .object({ ...commonEnv, ...trainerEnv })
  .refine((c) => c.TRAINER_MODE !== 'webhook' || c.TRAINER_WEBHOOK_URL !== undefined, { message: 'is required when TRAINER_MODE=webhook', path: ['TRAINER_WEBHOOK_URL'] });
export type TrainerConfig = z.infer<typeof trainerConfigSchema>;
