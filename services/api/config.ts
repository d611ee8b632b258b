import { z } from 'zod';
import { commonEnv } from '../../libs/config/common.ts';
import { envBool, envDuration, envInt, envString } from '../../libs/config/env.ts';
import type { ApiLimits } from './route-context.ts';

/** A bearer token: RFC 6750 token characters, long enough not to be guessed. */
const token = z
  .string()
  .min(16, 'must be at least 16 characters (e.g. openssl rand -hex 32)')
  .max(512)
  .regex(/^[A-Za-z0-9\-._~+/]+=*$/, 'must use bearer-token characters only: letters, digits, - . _ ~ + / and trailing =')
  .optional();

/** The query API's environment (README "Query API" lists each variable). */
export const apiEnv = {
  /** 8081: the serving node has 8080. */
  API_PORT: envInt(8081, 0, 65_535),
  API_HOST: envString('0.0.0.0'),
  /** Protects write/admin routes (labels, promotion, reference upload, bull-board); unset = those routes answer 403. */
  API_ADMIN_TOKEN: token,
  /** When set, read routes require it too (the admin token also works); unset = reads are open. */
  API_READ_TOKEN: token,
  /** Longest from..to one request may ask for. */
  API_MAX_RANGE: envDuration('31d'),
  API_MAX_PAGE_SIZE: envInt(1_000, 1, 100_000),
  /** Request body limit in bytes. */
  API_BODY_LIMIT: envInt(1_048_576, 1_024, 1_073_741_824),
  /** Requests per minute per client address; 0 turns the limit off. */
  API_RATE_LIMIT: envInt(600, 0, 1_000_000),
  /** Trust X-Forwarded-For (only behind a reverse proxy you run). */
  API_TRUST_PROXY: envBool(false),
  /** Most labels one POST /v1/labels may carry. */
  API_MAX_LABELS_PER_REQUEST: envInt(10_000, 1, 100_000),
  /** The training queue shown at /admin/queues. */
  REDIS_URL: envString('redis://127.0.0.1:6379'),
  /** The model repository promotion and rollback write routing.json into. */
  MODEL_REPOSITORY: envString('.driftline/models'),
};

export const apiConfigSchema = z.object({ ...commonEnv, ...apiEnv });
export type ApiConfig = z.infer<typeof apiConfigSchema>;

/** The limits buildApiApp enforces, from parsed config. */
export function apiLimitsFrom(config: ApiConfig): ApiLimits {
  return { maxRangeMs: config.API_MAX_RANGE, maxPageSize: config.API_MAX_PAGE_SIZE, bodyLimit: config.API_BODY_LIMIT, rateLimitPerMinute: config.API_RATE_LIMIT };
}
