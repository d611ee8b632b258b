/**
 * The query API as its own process (distributed mode). Reads config, opens
 * ClickHouse, applies migrations, listens, and shuts down in order on
 * SIGINT/SIGTERM: stop accepting requests and finish those in flight
 * (fastify close), then ClickHouse.
 */
import { join } from 'node:path';
import { createClickHouse } from '../../libs/clickhouse/client.ts';
import { migrate } from '../../libs/clickhouse/migrations.ts';
import { parseEnv } from '../../libs/config/env.ts';
import { shutdownInOrder } from '../../libs/lifecycle/shutdown.ts';
import { repoRoot } from '../../libs/local/local-services.ts';
import { createLogger } from '../../libs/logging/logger.ts';
import { buildApiApp, type ApiPlugin } from './app.ts';
import { apiConfigSchema, apiLimitsFrom } from './config.ts';

/** Starts the API; `plugins` adds routes (labels, promotion, …) wired by the caller. */
export async function startApi(env: Record<string, string | undefined>, plugins: ApiPlugin[] = []) {
  const config = parseEnv(apiConfigSchema, env);
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'driftline-api' });
  const clickhouse = await createClickHouse({ url: config.CLICKHOUSE_URL, dataDir: config.CLICKHOUSE_DATA_DIR, username: config.CLICKHOUSE_USER, password: config.CLICKHOUSE_PASSWORD, database: config.CLICKHOUSE_DATABASE });
  await migrate(clickhouse, join(repoRoot, 'migrations'), logger);
  const app = buildApiApp({
    clickhouse,
    logger,
    auth: { adminToken: config.API_ADMIN_TOKEN, readToken: config.API_READ_TOKEN },
    limits: apiLimitsFrom(config),
    trustProxy: config.API_TRUST_PROXY,
    plugins,
  });
  const address = await app.listen({ port: config.API_PORT, host: config.API_HOST });
  logger.info({ address, docs: `${address}/docs`, readAuth: config.API_READ_TOKEN !== undefined, adminAuth: config.API_ADMIN_TOKEN !== undefined }, 'query API listening');
  return {
    app,
    address,
    close: () =>
      shutdownInOrder(
        [
          { name: 'http (stop accepting, finish in-flight requests)', run: () => app.close() },
          { name: 'clickhouse', run: () => clickhouse.close() },
        ],
        { deadlineMs: config.SHUTDOWN_DEADLINE, logger },
      ),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const running = await startApi(process.env);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      running.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
