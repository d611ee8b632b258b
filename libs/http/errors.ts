import { DriftlineError, type ErrorCode } from '../errors/errors.ts';

/**
 * Error codes an HTTP API answers with: the typed error codes, plus three
 * that only exist at the HTTP edge (a refused credential is UNAUTHORIZED,
 * an admin route with no token configured is FORBIDDEN).
 */
export type HttpErrorCode = ErrorCode | 'INTERNAL' | 'RATE_LIMITED' | 'FORBIDDEN';

/** The one error body of Driftline's HTTP APIs. */
export interface ErrorBody {
  error: { code: HttpErrorCode; message: string };
}

/**
 * HTTP status of each code the query API (and the route plugins registered
 * on it) answers with; README "Query API" lists them. Other codes are 500.
 */
export const API_HTTP_STATUS: Readonly<Record<string, number>> = {
  INPUT_INVALID: 400,
  VALIDATION_FAILED: 400,
  MODEL_INVALID: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  NOT_READY: 503,
  CLICKHOUSE_UNAVAILABLE: 503,
  KAFKA_UNAVAILABLE: 503,
};

/** JSON schema of ErrorBody, for route response schemas and OpenAPI. */
export const errorBodySchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

/** An error body, typed. */
export function errorBody(code: HttpErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

export interface HttpErrorOptions {
  /** Request body limit in bytes, and the variable that sets it, for the 413 message. */
  bodyLimit: number;
  bodyLimitVariable: string;
  /** Where unexpected errors are logged, for the 500 message. */
  service: string;
}

/** Fastify's own client errors, in the terms of our error body. */
const FASTIFY_MESSAGES: Record<string, (o: HttpErrorOptions) => string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (o) => `request body exceeds the ${o.bodyLimit}-byte limit (${o.bodyLimitVariable})`,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => 'body must be JSON (content-type: application/json)',
  FST_ERR_CTP_EMPTY_JSON_BODY: () => 'body: expected JSON, got an empty body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => 'content-length does not match the body',
};

/** One ajv error as fastify hands it over (ajv runs with `verbose`, so the failing schema is there). */
interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
  parentSchema?: { properties?: Record<string, unknown> };
}

const CONTEXT_NAMES: Record<string, string> = { querystring: 'query parameter', params: 'path parameter', body: 'body field', headers: 'header' };

/**
 * A schema validation failure as one sentence naming the parameter, e.g.
 * `query parameter 'limit' must be <= 1000` or `unknown query parameter
 * 'lmit' (allowed: model, from, to, limit, cursor)`.
 */
export function validationMessage(errors: readonly AjvError[], context: string): string {
  const what = CONTEXT_NAMES[context] ?? context;
  const first = errors[0];
  if (!first) return `invalid ${what}`;
  const path = first.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (first.keyword === 'additionalProperties') {
    const name = String(first.params?.additionalProperty ?? '?');
    const allowed = Object.keys(first.parentSchema?.properties ?? {});
    const where = path ? ` in ${what} '${path}'` : '';
    return `unknown ${path ? 'field' : what} '${name}'${where}${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`;
  }
  if (first.keyword === 'required') return `${what} '${[path, String(first.params?.missingProperty ?? '?')].filter(Boolean).join('.')}' is required`;
  return `${what} '${path || '(all)'}' ${first.message ?? 'is invalid'}`;
}

/**
 * Maps anything a handler (or hook) throws to a status and the error body:
 * typed errors by their code; schema validation failures to INPUT_INVALID
 * naming the parameter; fastify's client errors (bad JSON, body too large)
 * and the rate limiter's 429 with their own status; anything else to 500
 * INTERNAL without leaking internals.
 */
export function httpErrorOf(err: unknown, options: HttpErrorOptions): { status: number; body: ErrorBody } {
  if (err instanceof DriftlineError) {
    return { status: API_HTTP_STATUS[err.code] ?? 500, body: errorBody(err.code, err.message) };
  }
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown; validation?: AjvError[]; validationContext?: string };
  if (Array.isArray(e?.validation)) {
    return { status: 400, body: errorBody('INPUT_INVALID', validationMessage(e.validation, e.validationContext ?? 'request')) };
  }
  if (typeof e?.statusCode === 'number' && e.statusCode === 429) {
    return { status: 429, body: errorBody('RATE_LIMITED', String(e.message)) };
  }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code = typeof e.code === 'string' ? e.code : '';
    const message = FASTIFY_MESSAGES[code]?.(options)
      ?? (err instanceof SyntaxError || code === 'FST_ERR_CTP_INVALID_JSON' ? `body is not valid JSON: ${String(e.message)}` : String(e.message));
    return { status: e.statusCode, body: errorBody('INPUT_INVALID', message) };
  }
  return { status: 500, body: errorBody('INTERNAL', `internal error (logged by ${options.service})`) };
}
