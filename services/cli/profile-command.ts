import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { createClickHouse } from '../../libs/clickhouse/client.ts';
import { migrate } from '../../libs/clickhouse/migrations.ts';
import { commonConfigSchema } from '../../libs/config/common.ts';
import { parseEnv } from '../../libs/config/env.ts';
import { repoRoot } from '../../libs/local/local-services.ts';
import { createLogger } from '../../libs/logging/logger.ts';
import { sampleDataset } from '../../libs/model/credit-domain.ts';
import { createRng } from '../../libs/model/random.ts';
import { profileFromCsv } from '../../libs/profiles/csv-profile.ts';
import { saveProfile } from '../../libs/profiles/profile-store.ts';
import { profileFromWindow } from '../../libs/profiles/window-profile.ts';
import { buildReferenceProfile, type ReferenceProfile } from '../../libs/profiles/reference-profile.ts';
import type { CliIo } from './main.ts';

const USAGE = 'usage: driftline profile --model M --version V (--csv train.csv [--categorical c1,c2] | --demo [--rows N] | --from ISO --to ISO [--source-version V0])\n';

/**
 * `driftline profile`: builds a reference profile and stores it as the next
 * profile version of (model, version) in ClickHouse, where the drift
 * processor picks it up.
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { model: { type: 'string' }, version: { type: 'string' }, csv: { type: 'string' }, categorical: { type: 'string' }, demo: { type: 'boolean' }, rows: { type: 'string', default: '20000' }, from: { type: 'string' }, to: { type: 'string' }, 'source-version': { type: 'string' } },
  });
  if (!values.model || !values.version || (!values.csv && !values.demo && !(values.from && values.to))) {
    io.stderr(USAGE);
    return 2;
  }
  const config = parseEnv(commonConfigSchema, process.env);
  const logger = createLogger({ level: process.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn' });
  const clickhouse = await createClickHouse({ url: config.CLICKHOUSE_URL, dataDir: config.CLICKHOUSE_DATA_DIR, username: config.CLICKHOUSE_USER, password: config.CLICKHOUSE_PASSWORD, database: config.CLICKHOUSE_DATABASE });
  try {
    await migrate(clickhouse, join(repoRoot, 'migrations'), logger);
    let profile: ReferenceProfile;
    const base = { model: values.model, modelVersion: values.version };
    if (values.from && values.to) {
      const fromMs = Date.parse(values.from);
      const toMs = Date.parse(values.to);
      if (Number.isNaN(fromMs) || Number.isNaN(toMs)) {
        io.stderr(`--from/--to must be ISO timestamps, got '${values.from}' and '${values.to}'\n`);
        return 2;
      }
      profile = await profileFromWindow(clickhouse, { model: values.model, modelVersion: values['source-version'] ?? values.version, targetVersion: values.version, fromMs, toMs });
    } else if (values.csv) {
    profile = await profileFromCsv(values.csv, { ...base, source: `csv:${values.csv}`, categorical: values.categorical?.split(',').map((s) => s.trim()) });
    } else {
      const rows = Number(values.rows);
      if (!Number.isInteger(rows) || rows < 1) {
        io.stderr(`--rows must be a positive integer, got '${values.rows}'\n`);
        return 2;
      }
      profile = buildReferenceProfile(sampleDataset(createRng(7), rows).rows as unknown as Array<Record<string, unknown>>, { ...base, source: `demo-domain:${rows}` });
    }
    const version = await saveProfile(clickhouse, profile);
    io.stdout(`stored reference profile ${profile.model}/${profile.model_version} v${version}: ${profile.rows} rows, ${Object.keys(profile.features).length} features (${profile.source})\n`);
    return 0;
  } finally {
    await clickhouse.close();
  }
}
