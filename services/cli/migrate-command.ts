import { join } from 'node:path';
import { createClickHouse } from '../../libs/clickhouse/client.ts';
import { migrate } from '../../libs/clickhouse/migrations.ts';
import { commonConfigSchema } from '../../libs/config/common.ts';
import { parseEnv } from '../../libs/config/env.ts';
import { repoRoot } from '../../libs/local/local-services.ts';
import { createLogger } from '../../libs/logging/logger.ts';
import type { CliIo } from './main.ts';

/** `driftline migrate`: applies pending ClickHouse migrations. */
export async function run(_argv: string[], io: CliIo): Promise<number> {
  const config = parseEnv(commonConfigSchema, process.env);
  const logger = createLogger({ level: config.LOG_LEVEL });
  const clickhouse = await createClickHouse({ url: config.CLICKHOUSE_URL, dataDir: config.CLICKHOUSE_DATA_DIR, username: config.CLICKHOUSE_USER, password: config.CLICKHOUSE_PASSWORD, database: config.CLICKHOUSE_DATABASE });
  try {
    const report = await migrate(clickhouse, join(repoRoot, 'migrations'), logger);
    io.stdout(`migrations: ${report.applied.length} applied (${report.applied.join(', ') || 'none pending'}), ${report.alreadyApplied} already applied\n`);
    return 0;
  } finally {
    await clickhouse.close();
  }
}
