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
  /** Embedded mode: how often the engine's allocator hands freed pages back (EMBEDDED_PURGE_INTERVAL_MS; 0: never). */
  purgeIntervalMs?: number | undefined;
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
  // Read by the engine's allocator when the library loads (the first embedded client of the process).
  process.env.JE_MALLOC_CONF ??= EMBEDDED_JEMALLOC_CONF;
  const { Session } = await import('chdb');
  const { createChdbConnection } = await import('chdb/connection');
  // The engine starts with the first connection to a directory and takes its server settings from that
  // connection's arguments; the client's connection (which takes none) then shares it. A session that is
  // only there to start the engine is closed once the client's connection holds it.
  const starter = new Session(options.dataDir, { connectionArgs: EMBEDDED_SERVER_ARGS });
  let connection: ChdbConnection;
  try {
    connection = createChdbConnection({ path: options.dataDir });
  } finally {
    starter.close();
  }
  const client = createClient({ connection } as Parameters<typeof createClient>[0]);
  embedded.set(client, connection);
  const purgeMs = options.purgeIntervalMs ?? EMBEDDED_PURGE_INTERVAL_MS;
  if (purgeMs > 0) {
    // Best effort: a purge that fails (the engine closing) changes nothing but memory.
    const timer = setInterval(() => void client.command({ query: 'SYSTEM JEMALLOC PURGE' }).catch(() => {}), purgeMs);
    timer.unref();
    const close = client.close.bind(client);
    client.close = () => {
      clearInterval(timer);
      return close();
    };
  }
  return client;
}

/**
 * How often the embedded engine's allocator is told to hand every freed page
 * back to the system (SYSTEM JEMALLOC PURGE, ~2 ms). Its decay timer alone
 * (EMBEDDED_JEMALLOC_CONF) did not keep up: over 10M events of
 * test/bench/processor-rss-bench.ts the engine held ~60 MiB while its
 * allocator kept 110–400 MiB resident. With a purge every 2 s the freed
 * pages it holds stay at 4–20 MiB between bursts (its stats sampled every
 * 50k events of a 2.5M run); what a burst frees (a processor_chunks merge
 * tracks 60–80 MiB) can still show for up to 2 s. One purge on its own: 706
 * -> 39 MiB resident after a 3M-row insert and read (30 MiB allocated). The
 * processors benchmark includes its cost.
 */
export const EMBEDDED_PURGE_INTERVAL_MS = 2_000;

/**
 * Server settings of the embedded engine (the ones a ClickHouse server reads
 * from its config file).
 *
 * max_thread_pool_free_size: the engine's global thread pool keeps up to
 * 1,000 idle threads by default. Embedded in a long-running processors
 * process it only ever grew: ~160 threads after 2M events of
 * test/bench/processor-rss-bench.ts (bursts of concurrent queries, inserts
 * and merges), each idle one keeping its stack and allocator arena. With
 * sixteen idle threads kept, the same run stays under 50 threads; a burst
 * beyond them starts threads that exit when idle again.
 */
export const EMBEDDED_SERVER_ARGS: readonly string[] = ['--max_thread_pool_free_size=16'];

/**
 * The embedded engine's allocator (its own jemalloc, configured through
 * JE_MALLOC_CONF; a value set by the operator wins). A ClickHouse server
 * keeps freed pages for dirty_decay_ms = 5 s before handing them back: a
 * dedicated host's trade. Sharing a process with the services, that was
 * ~100 MiB of freed-but-resident memory under a steady stream of checkpoint
 * inserts, merges and finalizer reads, growing with the tables' merges
 * (test/bench/processor-rss-bench.ts, which reports the allocator's
 * allocated and resident bytes); at 1 s it is typically 30–70 MiB, with
 * bursts while large merges run. JE_MALLOC_CONF=dirty_decay_ms:0 keeps it
 * near 16 MiB at a CPU cost not measured yet.
 */
export const EMBEDDED_JEMALLOC_CONF = 'dirty_decay_ms:1000';

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
