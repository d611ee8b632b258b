import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { hasCode } from '../errors/errors.ts';
import { parseDurationMs } from './duration.ts';
import { envBool, envDuration, envInt, envList, parseEnv } from './env.ts';

describe('parseDurationMs', () => {
  it('compiles operator durations to ms', () => {
    assert.equal(parseDurationMs('250ms'), 250);
    assert.equal(parseDurationMs('5s'), 5_000);
    assert.equal(parseDurationMs('1.5m'), 90_000);
    assert.equal(parseDurationMs('6h'), 21_600_000);
    assert.equal(parseDurationMs('30d'), 2_592_000_000);
    assert.equal(parseDurationMs('1200'), 1_200);
    assert.equal(parseDurationMs('five seconds'), undefined);
    assert.equal(parseDurationMs('-5s'), undefined);
  });
});

describe('parseEnv', () => {
  const schema = z.object({ BATCH: envInt(100, 1, 1000), WAIT: envDuration('1s'), BROKERS: envList('a:1'), DEBUG: envBool(false) });

  it('applies defaults and treats empty strings as unset', () => {
    assert.deepEqual(parseEnv(schema, { WAIT: '' }), { BATCH: 100, WAIT: 1_000, BROKERS: ['a:1'], DEBUG: false });
  });
  it('compiles values', () => {
    assert.deepEqual(parseEnv(schema, { BATCH: '7', WAIT: '2m', BROKERS: 'x:1, y:2', DEBUG: 'yes' }), { BATCH: 7, WAIT: 120_000, BROKERS: ['x:1', 'y:2'], DEBUG: true });
  });
  it('fails fast naming every bad variable and its value', () => {
    try {
      parseEnv(schema, { BATCH: 'ten', WAIT: 'soon' });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(hasCode(err, 'CONFIG_INVALID'));
      assert.match(err.message, /BATCH="ten"/);
      assert.match(err.message, /WAIT="soon": 'soon' is not a duration/);
    }
  });
  it('enforces bounds', () => {
    assert.throws(() => parseEnv(schema, { BATCH: '0' }), /BATCH="0"/);
  });
});
