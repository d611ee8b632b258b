import { z } from 'zod';
import { commonEnv } from '../../libs/config/common.ts';
import { envDuration, envString, envTimer } from '../../libs/config/env.ts';

/** The feedback service's environment (README "Configuration" lists each variable). */
export const feedbackEnv = {
  FEEDBACK_GROUP_ID: envString('driftline.feedback'),
  /** Labels may arrive this long after their prediction; later ones are orphaned. */
  FEEDBACK_HORIZON: envDuration('30d'),
  /** Clock skew tolerated between a prediction id's embedded time and the event time. */
  FEEDBACK_ID_SLACK: envDuration('5m'),
  /** Label ids further apart in time than this are joined with separate range queries. */
  FEEDBACK_JOIN_MAX_GAP: envDuration('1h'),
  /** How often labels still waiting for their prediction are retried. */
  FEEDBACK_RETRY_INTERVAL: envTimer('30s'),
  /** Window of prediction time for quality metrics and label coverage. */
  FEEDBACK_WINDOW: envDuration('1h', { minMs: 1 }),
  FEEDBACK_QUALITY_INTERVAL: envTimer('15s'),
  /** The coverage sweep looks this far back for windows whose prediction count changed. */
  FEEDBACK_SWEEP_LOOKBACK: envDuration('6h'),
  FEEDBACK_TRIGGER_INTERVAL: envTimer('30s'),
  /** Non-firing trigger decisions are recorded when they change, or at least this often. */
  FEEDBACK_RECORD_EVERY: envDuration('5m'),
  /** JSON trigger policy file (see README "Trigger policy"); unset = the built-in default policy. */
  FEEDBACK_POLICY_FILE: z.string().min(1).optional(),
  REDIS_URL: envString('redis://127.0.0.1:6379'),
  /** The model repository (for the versions' training baselines in their model cards). */
  MODEL_REPOSITORY: envString('.driftline/models'),
};

export const feedbackConfigSchema = z.object({ ...commonEnv, ...feedbackEnv });
export type FeedbackConfig = z.infer<typeof feedbackConfigSchema>;
