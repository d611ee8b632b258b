import { z } from 'zod';
import { commonEnv, processorsEnv } from '../../libs/config/common.ts';
import type { ProcessorsConfig } from './processors-service.ts';

/** The processors' environment: common variables plus PROCESSORS_* (README "Configuration"). */
export const processorsConfigSchema = z.object({ ...commonEnv, ...processorsEnv });
export type ProcessorsEnv = z.infer<typeof processorsConfigSchema>;

/** Compiles parsed environment into the service's options. */
export function processorsConfigFrom(env: ProcessorsEnv): ProcessorsConfig {
  return {
    groupId: env.PROCESSORS_GROUP_ID,
    windowSizeMs: env.PROCESSORS_WINDOW,
    allowedLatenessMs: env.PROCESSORS_ALLOWED_LATENESS,
    checkpointIntervalMs: env.PROCESSORS_CHECKPOINT_INTERVAL,
    checkpointMaxEvents: env.PROCESSORS_CHECKPOINT_MAX_EVENTS,
    finalizeIntervalMs: env.PROCESSORS_FINALIZE_INTERVAL,
    idleTimeoutMs: env.PROCESSORS_IDLE_TIMEOUT,
    driftWorkers: env.PROCESSORS_DRIFT_WORKERS,
    webhookUrl: env.ALERT_WEBHOOK_URL,
  };
}
