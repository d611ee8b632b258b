import { DriftlineError, type ErrorCode } from '../../libs/errors/errors.ts';

/** The one error body of the serving API. */
export interface ErrorBody {
  error: { code: ErrorCode | 'INTERNAL'; message: string };
}

/** HTTP status for each error code the serving API can answer with (README "Serving node" lists them). */
export const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  INPUT_INVALID: 400,
  NOT_FOUND: 404,
  INFERENCE_FAILED: 500,
  NOT_READY: 503,
};

/** Fastify's own client errors, in the terms of our error body. */
const FASTIFY_MESSAGES: Record<string, (err: { message: string }, bodyLimit: number) => string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (_e, limit) => `request body exceeds the ${limit}-byte limit (SERVING_BODY_LIMIT)`,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => 'body must be JSON (content-type: application/json)',
  FST_ERR_CTP_EMPTY_JSON_BODY: () => 'body: expected JSON, got an empty body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => 'content-length does not match the body',
};

/**
 * Maps anything a handler throws to a status and the error body: typed
 * errors by their code, fastify's client errors (bad JSON, body too large,
 * wrong content type) to INPUT_INVALID with their own 4xx status, and
 * anything else to 500 INTERNAL without leaking internals.
 */
export function httpErrorOf(err: unknown, bodyLimit: number): { status: number; body: ErrorBody } {
  if (err instanceof DriftlineError) {
    return { status: HTTP_STATUS[err.code] ?? 500, body: { error: { code: err.code, message: err.message } } };
  }
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown };
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code = typeof e.code === 'string' ? e.code : '';
    const message = FASTIFY_MESSAGES[code]?.({ message: String(e.message) }, bodyLimit)
      ?? (err instanceof SyntaxError || code === 'FST_ERR_CTP_INVALID_JSON' ? `body is not valid JSON: ${String(e.message)}` : String(e.message));
    return { status: e.statusCode, body: { error: { code: 'INPUT_INVALID', message } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error (logged on the serving node)' } } };
}
