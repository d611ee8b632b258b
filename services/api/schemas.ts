import { errorBodySchema } from '../../libs/http/errors.ts';
import { timeParam } from './names.ts';

/** The shared error body, registered once with app.addSchema and referenced by every route. */
export const ERROR_SCHEMA_ID = 'ErrorBody';
export const errorSchema = { $id: ERROR_SCHEMA_ID, ...errorBodySchema } as const;

/** Error responses every read route can give (OpenAPI lists them). */
export function errorResponses(): Record<number, unknown> {
  const ref = { $ref: `${ERROR_SCHEMA_ID}#` };
  return {
    400: { description: 'Bad parameter (the message names it)', ...ref },
    401: { description: 'Missing or invalid bearer token (when API_READ_TOKEN is set)', ...ref },
    429: { description: 'Rate limit exceeded (API_RATE_LIMIT per minute)', ...ref },
    500: { description: 'Internal error (logged)', ...ref },
    503: { description: 'ClickHouse unavailable; retry', ...ref },
  };
}

/**
 * A list route's querystring schema: its filters, optional from/to, `limit`
 * (1..maxPageSize, default 100 or the maximum when smaller) and `cursor`.
 * Unknown parameters are refused (additionalProperties: false; the app's
 * ajv does not strip them).
 */
export function pageQuery(filters: Record<string, unknown>, maxPageSize: number, timeRanged: boolean): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...filters,
      ...(timeRanged ? { from: timeParam('from'), to: timeParam('to') } : {}),
      limit: { type: 'integer', minimum: 1, maximum: maxPageSize, default: Math.min(100, maxPageSize), description: `Items per page (1..${maxPageSize}).` },
      cursor: { type: 'string', minLength: 1, maxLength: 4096, description: 'The next_cursor of the previous page.' },
    },
  };
}
