/** The migration runner against the real (embedded) ClickHouse engine. */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hasCode } from '../errors/errors.ts';
import { repoRoot } from '../local/local-services.ts';
import { silentLogger } from '../logging/logger.ts';
import { createClickHouse, queryRows, type ClickHouseClient } from './client.ts';
import { migrate, splitStatements } from './migrations.ts';

const EXTRA = 'CREATE TABLE IF NOT EXISTS extra_test (x UInt8) ENGINE = MergeTree ORDER BY x;\n';
let client: ClickHouseClient;
let dir: string;
before(async () => {
  client = await createClickHouse({ dataDir: mkdtempSync(join(tmpdir(), 'driftline-mig-')) });
  dir = mkdtempSync(join(tmpdir(), 'driftline-migfiles-'));
  cpSync(join(repoRoot, 'migrations'), dir, { recursive: true });
});
after(() => client.close());

describe('migrations', () => {
  it('splits statements at line-ending semicolons and drops comment lines', () => {
    assert.deepEqual(splitStatements('-- c;\nCREATE TABLE a (x UInt8) ENGINE = Memory;\n\nSELECT 1;'), ['CREATE TABLE a (x UInt8) ENGINE = Memory', 'SELECT 1']);
  });

  it('applies every file once, records checksums, and is safe to run twice', async () => {
    const first = await migrate(client, dir, silentLogger());
    assert.ok(first.applied.includes('0002_predictions.sql'));
    const second = await migrate(client, dir, silentLogger());
    assert.deepEqual(second.applied, []);
    assert.equal(second.alreadyApplied, first.applied.length);
    const ledger = await queryRows<{ name: string; checksum: string }>(client, 'SELECT name, checksum FROM schema_migrations ORDER BY version');
    assert.equal(ledger.length, first.applied.length);
    assert.ok(ledger.every((r) => /^[0-9a-f]{64}$/.test(r.checksum)));
    const tables = await queryRows<{ name: string }>(client, "SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN ('predictions','labels')");
    assert.equal(tables.length, 2);
  });

  it('applies a new file on the next run', async () => {
    writeFileSync(join(dir, '0900_extra.sql'), EXTRA);
    const report = await migrate(client, dir, silentLogger());
    assert.deepEqual(report.applied, ['0900_extra.sql']);
  });

  it('refuses an edited applied file', async () => {
    appendFileSync(join(dir, '0900_extra.sql'), '-- sneaky edit\n');
    await assert.rejects(migrate(client, dir, silentLogger()), (err) => hasCode(err, 'MIGRATION_EDITED') && /0900_extra\.sql was edited/.test(err.message));
  });

  it('refuses a missing applied file', async () => {
    rmSync(join(dir, '0900_extra.sql'));
    await assert.rejects(migrate(client, dir, silentLogger()), (err) => hasCode(err, 'MIGRATION_MISSING') && /0900_extra\.sql/.test(err.message));
  });

  it('reports a failing statement with its file', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'driftline-migbad-'));
    cpSync(dir, bad, { recursive: true });
    writeFileSync(join(bad, '0900_extra.sql'), EXTRA);
    writeFileSync(join(bad, '0950_broken.sql'), 'CREATE TABLE broken (x NoSuchType) ENGINE = Memory;\n');
    await assert.rejects(migrate(client, bad, silentLogger()), (err) => hasCode(err, 'MIGRATION_FAILED') && /0950_broken\.sql, statement 1 of 1/.test(err.message));
  });
});
