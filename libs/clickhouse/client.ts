import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { mkdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { ChdbConnection } from 'chdb/connection';

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
  const connection = createChdbConnection({ path: options.dataDir });
  const client = createClient({ connection } as Parameters<typeof createClient>[0]);
  embedded.set(client, connection);
  return client;
}

/** The chDB connection behind each embedded client (for insertTabSeparated). */
const embedded = new WeakMap<ClickHouseClient, ChdbConnection>();

/**
 * Inserts a TabSeparated body (rows in `columns` order, each ending in '\n')
 * as one insert. On the embedded engine the body goes to chDB as one Buffer
 * (its raw insert); through @clickhouse/client's embedded connection the
 * body was gathered from a stream and concatenated onto the statement as JS
 * strings first, which doubled the insert's CPU time on multi-megabyte
 * bodies. Same statement, format and settings on both paths.
 */
export async function insertTabSeparated(
  client: ClickHouseClient,
  params: { table: string; columns: readonly [string, ...string[]]; body: string; settings?: Record<string, string | number> },
): Promise<void> {
  const connection = embedded.get(client);
  if (connection) {
    await connection.chdb.rawInsert({ table: params.table, columns: params.columns, values: Buffer.from(params.body, 'utf8'), format: 'TabSeparated', settings: params.settings });
    return;
  }
  await client.insert({
    table: params.table,
    columns: [...params.columns] as [string, ...string[]],
    values: Readable.from([params.body], { objectMode: false, encoding: 'utf8' }),
    format: 'TabSeparated',
    clickhouse_settings: params.settings,
  });
}

/** Runs a query with parameters and returns its rows as objects. */
export async function queryRows<T>(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return result.json<T>();
}
