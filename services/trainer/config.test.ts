import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEnv } from '../../libs/config/env.ts';
import { trainerConfigSchema } from './config.ts';
import { promotionPolicyOf } from './main.ts';

describe('trainer config', () => {
  it('has the documented defaults', () => {
    const c = parseEnv(trainerConfigSchema, {});
    assert.deepEqual(
      [c.TRAINER_REPO_DIR, c.TRAINER_MODE, c.TRAINER_PROMOTION_MODE, c.TRAINER_MIN_IMPROVEMENT, c.TRAINER_CONCURRENCY, c.REDIS_URL, c.TRAINER_QUEUE, c.TRAINER_HOLDOUT_FRACTION, c.TRAINER_MIN_ROWS, c.TRAINER_WEBHOOK_TIMEOUT],
      ['.driftline/models', 'local', 'auto', 0.01, 1, 'redis://127.0.0.1:6379', 'driftline-training', 0.2, 200, 10_000],
    );
    assert.deepEqual(promotionPolicyOf(c), { metric: 'roc_auc', minImprovement: 0.01, mode: 'auto', canaryShare: 0.1 });
  });

  it('names the bad variable', () => {
    assert.throws(() => parseEnv(trainerConfigSchema, { TRAINER_PROMOTION_MODE: 'sometimes' }), /TRAINER_PROMOTION_MODE="sometimes"/);
    assert.throws(() => parseEnv(trainerConfigSchema, { TRAINER_HOLDOUT_FRACTION: '1' }), /TRAINER_HOLDOUT_FRACTION="1"/);
    assert.throws(() => parseEnv(trainerConfigSchema, { TRAINER_MODE: 'webhook' }), /TRAINER_WEBHOOK_URL="": is required when TRAINER_MODE=webhook/);
    assert.equal(parseEnv(trainerConfigSchema, { TRAINER_MODE: 'webhook', TRAINER_WEBHOOK_URL: 'https://ci.example/dispatch' }).TRAINER_WEBHOOK_URL, 'https://ci.example/dispatch');
  });
});
