import type { preHandlerAsyncHookHandler } from 'fastify';
import { queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { DriftlineError, messageOf } from '../../libs/errors/errors.ts';

/** Limits the query API enforces (README "Query API": API_MAX_RANGE, API_MAX_PAGE_SIZE…). */
export interface ApiLimits {
  /** Longest from..to a request may ask for, in ms. */
  maxRangeMs: number;
  /** Largest `limit` (items per page). */
  maxPageSize: number;
  /** Request body limit in bytes. */
  bodyLimit: number;
  /** Requests per minute per client address; 0 turns rate limiting off. */
  rateLimitPerMinute: number;
}

/** What every read route needs, passed in (no globals). */
export interface RouteContext {
  /** Runs a parameterized query; ClickHouse failures become typed errors. */
  query<T>(sql: string, params: Record<string, unknown>): Promise<T[]>;
  limits: ApiLimits;
  /** The read guard (undefined when reads are open). */
  readGuard: preHandlerAsyncHookHandler | undefined;
  clock: () => number;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * A query function over `client` that maps an unreachable ClickHouse to
 * CLICKHOUSE_UNAVAILABLE (503, retriable) and lets anything else (a bad
 * query is our bug) through as a 500.
 */
export function clickhouseQuery(client: ClickHouseClient): RouteContext['query'] {
  return async <T>(sql: string, params: Record<string, unknown>) => {
    try {
      return await queryRows<T>(client, sql, params);
    } catch (err) {
      const code = (err as { code?: unknown; cause?: { code?: unknown } }).code ?? (err as { cause?: { code?: unknown } }).cause?.code;
      if (typeof code === 'string' && NETWORK_CODES.has(code)) {
        throw new DriftlineError('CLICKHOUSE_UNAVAILABLE', `ClickHouse is unreachable (${code}); retry later`, { retriable: true, cause: err });
      }
      throw new Error(`query failed: ${messageOf(err)}`, { cause: err });
    }
  };
}
