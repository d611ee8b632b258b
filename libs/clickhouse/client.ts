import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { mkdirSync } from 'node:fs';

export type { ClickHouseClient } from '@clickhouse/client';

export interface ClickHouseOptions {
  /** A ClickHouse server (http://host:8123). Unset → the embedded engine. */
  url?: string | undefined;
  /** Data directory of the embedded engine (chDB). */
  dataDir: string;
  username?: string | undefined;
  password?: string | undefined;
  /** Server mode only: the database queries run in. The embedded engine uses `default`. */
  database?: string | undefined;
}

/**
 * One code path, one SQL dialect: the same @clickhouse/client API talks either
 * to a ClickHouse server (CLICKHOUSE_URL) or to the real ClickHouse engine
 * embedded in this process through chDB. chDB binds one data directory per
 * process, so in embedded mode every service of the process shares a client
 * created from the same `dataDir`.
 */
export async function createClickHouse(options: ClickHouseOptions): Promise<ClickHouseClient> {
  if (options.url) {
    return createClient({
      url: options.url,
      username: options.username ?? 'default',
      password: options.password ?? '',
      database: options.database ?? 'default',
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    });
  }
  mkdirSync(options.dataDir, { recursive: true });
  // Imported lazily: server deployments never load the native engine.
  const { createChdbConnection } = await import('chdb/connection');
  return createClient({ connection: createChdbConnection({ path: options.dataDir }) } as Parameters<typeof createClient>[0]);
}

/** Runs a query with parameters and returns its rows as objects. */
export async function queryRows<T>(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return result.json<T>();
}
