/**
 * The API process entry: config parsed from the environment (bad values
 * named), migrations applied, listening, and an ordered shutdown.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseEnv } from '../../libs/config/env.ts';
import { hasCode } from '../../libs/errors/errors.ts';
import { apiConfigSchema, apiLimitsFrom } from './config.ts';
import { startApi } from './main.ts';

describe('API config', () => {
  it('has documented defaults and compiles durations', () => {
    const config = parseEnv(apiConfigSchema, {});
    assert.equal(config.API_PORT, 8081);
    assert.equal(config.API_ADMIN_TOKEN, undefined);
    assert.deepEqual(apiLimitsFrom(config), { maxRangeMs: 31 * 86_400_000, maxPageSize: 1_000, bodyLimit: 1_048_576, rateLimitPerMinute: 600 });
    assert.equal(parseEnv(apiConfigSchema, { API_MAX_RANGE: '7d' }).API_MAX_RANGE, 7 * 86_400_000);
  });

  it('refuses weak or malformed tokens and bad limits, naming the variable', () => {
    for (const [name, value] of [['API_ADMIN_TOKEN', 'short'], ['API_READ_TOKEN', 'has spaces in it, sixteen+'], ['API_MAX_RANGE', 'a month'], ['API_MAX_PAGE_SIZE', '0'], ['API_PORT', '70000']] as const) {
      assert.throws(() => parseEnv(apiConfigSchema, { [name]: value }), (err: unknown) => hasCode(err, 'CONFIG_INVALID') && (err as Error).message.includes(name), name);
    }
  });
});

describe('startApi', () => {
  it('migrates, listens, answers, and shuts down', async () => {
    const running = await startApi({ API_PORT: '0', API_HOST: '127.0.0.1', LOG_LEVEL: 'silent', CLICKHOUSE_DATA_DIR: mkdtempSync(join(tmpdir(), 'driftline-api-main-')) });
    try {
      assert.equal((await fetch(`${running.address}/readyz`)).status, 200);
      const page = (await (await fetch(`${running.address}/v1/alerts`)).json()) as { items: unknown[] };
      assert.deepEqual(page.items, [], 'the tables exist (migrated) and are empty');
      assert.equal((await fetch(`${running.address}/v1/labels`, { method: 'POST' })).status, 404, 'no write routes unless plugins add them');
    } finally {
      await running.close();
    }
    await assert.rejects(fetch(`${running.address}/healthz`));
  });
});
