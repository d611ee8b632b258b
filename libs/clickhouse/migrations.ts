import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DriftlineError, messageOf } from '../errors/errors.ts';
import type { Logger } from '../logging/logger.ts';
import { queryRows, type ClickHouseClient } from './client.ts';

/** A numbered SQL file: `0007_drift_metrics.sql` → version 7. */
export interface MigrationFile {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

const FILE_PATTERN = /^(\d{4})_[a-z0-9_]+\.sql$/;
const LEDGER_VERSION = 1;

export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const m = FILE_PATTERN.exec(name);
    if (!m) throw new DriftlineError('MIGRATION_FAILED', `migration file '${name}' does not match NNNN_snake_name.sql`);
    const sql = await readFile(join(dir, name), 'utf8');
    files.push({ version: Number(m[1]), name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.version === files[i - 1]!.version) {
      throw new DriftlineError('MIGRATION_FAILED', `two migrations share version ${files[i]!.version}: ${files[i - 1]!.name}, ${files[i]!.name}`);
    }
  }
  return files;
}

/**
 * Splits a file into statements at semicolons that end a line; `--` comment
 * lines are dropped. Migration files keep one statement per such block.
 */
export function splitStatements(sql: string): string[] {
  const body = sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n');
  return body
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

/**
 * Applies pending migrations in version order and records each with its
 * checksum. Refuses to run when history was rewritten: an applied file that
 * is now missing (MIGRATION_MISSING) or whose content changed
 * (MIGRATION_EDITED) — fix forward with a new numbered file instead.
 * Safe to run twice: applied versions are skipped and DDL uses IF NOT EXISTS.
 * Not a distributed lock: run migrations from one place (the deploy job).
 */
export async function migrate(client: ClickHouseClient, dir: string, logger: Logger): Promise<MigrationReport> {
  const files = await readMigrations(dir);
  const ledgerFile = files.find((f) => f.version === LEDGER_VERSION);
  if (!ledgerFile) throw new DriftlineError('MIGRATION_MISSING', `the ledger migration ${String(LEDGER_VERSION).padStart(4, '0')}_*.sql is missing from ${dir}`);
  // The ledger must exist before anything can be recorded in it.
  for (const statement of splitStatements(ledgerFile.sql)) await client.command({ query: statement });

  const applied = await queryRows<{ version: number; name: string; checksum: string }>(
    client,
    'SELECT version, any(name) AS name, any(checksum) AS checksum FROM schema_migrations GROUP BY version ORDER BY version',
  );
  const byVersion = new Map(files.map((f) => [f.version, f]));
  for (const row of applied) {
    const file = byVersion.get(Number(row.version));
    if (!file) {
      throw new DriftlineError('MIGRATION_MISSING', `migration ${row.name} (version ${row.version}) was applied but its file is gone from ${dir}; restore it`);
    }
    if (file.checksum !== row.checksum) {
      throw new DriftlineError(
        'MIGRATION_EDITED',
        `migration ${file.name} was edited after it was applied (checksum ${row.checksum.slice(0, 12)}… now ${file.checksum.slice(0, 12)}…); revert the edit and add a new migration instead`,
      );
    }
  }
  const done = new Set(applied.map((r) => Number(r.version)));
  const report: MigrationReport = { applied: [], alreadyApplied: done.size };
  for (const file of files) {
    if (done.has(file.version)) continue;
    const statements = splitStatements(file.sql);
    for (const [i, statement] of statements.entries()) {
      try {
        await client.command({ query: statement });
      } catch (err) {
        throw new DriftlineError('MIGRATION_FAILED', `migration ${file.name}, statement ${i + 1} of ${statements.length} failed: ${messageOf(err)}`, { cause: err });
      }
    }
    await client.insert({
      table: 'schema_migrations',
      values: [{ version: file.version, name: file.name, checksum: file.checksum }],
      format: 'JSONEachRow',
    });
    report.applied.push(file.name);
    logger.info({ migration: file.name }, 'migration applied');
  }
  return report;
}
