import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEnv } from '../../libs/config/env.ts';
import { servingConfigSchema } from './config.ts';
import { servingOptionsFromConfig } from './serving-node.ts';

describe('serving config', () => {
  it('has the documented defaults', () => {
    const options = servingOptionsFromConfig(parseEnv(servingConfigSchema, {}), 'host-1');
    assert.deepEqual(options, {
      repoDir: '.driftline/models',
      providers: ['cuda', 'cpu'],
      intraOpThreads: 1,
      pollIntervalMs: 5_000,
      batchWindow: 2,
      maxBatchRows: 256,
      bodyLimit: 1_048_576,
      publishBuffer: 100_000,
      publishBatch: 250,
      publishLingerMs: 200,
      node: 'host-1',
    });
  });

  it('reads provider lists, batch windows and the node name', () => {
    const c = parseEnv(servingConfigSchema, { SERVING_EXECUTION_PROVIDERS: ' CPU , cuda,cpu', SERVING_BATCH_WINDOW: 'turn', SERVING_NODE_NAME: 'edge-7' });
    assert.deepEqual(c.SERVING_EXECUTION_PROVIDERS, ['cpu', 'cuda']);
    assert.equal(c.SERVING_BATCH_WINDOW, 'turn');
    assert.equal(parseEnv(servingConfigSchema, { SERVING_BATCH_WINDOW: '0' }).SERVING_BATCH_WINDOW, 0);
    assert.equal(servingOptionsFromConfig(c, 'host-1').node, 'edge-7');
  });

  it('fails naming the bad variable', () => {
    assert.throws(() => parseEnv(servingConfigSchema, { SERVING_EXECUTION_PROVIDERS: 'cuda,tpu' }), /SERVING_EXECUTION_PROVIDERS="cuda,tpu": expected a comma-separated list/);
    assert.throws(() => parseEnv(servingConfigSchema, { SERVING_BATCH_WINDOW: 'soon' }), /SERVING_BATCH_WINDOW="soon": 'soon' is neither a duration/);
    assert.throws(() => parseEnv(servingConfigSchema, { SERVING_PUBLISH_BUFFER: '0' }), /SERVING_PUBLISH_BUFFER="0"/);
  });
});
