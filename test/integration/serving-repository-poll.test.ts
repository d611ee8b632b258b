/**
 * The serving node polling its model repository: a version written while it
 * runs is served without an explicit reload, and a version rewritten in
 * place is reloaded with its new weights.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { predictProbabilities } from '../../libs/model/logistic-regression.ts';
import { writeDemoModel } from '../../libs/model/train-demo-model.ts';
import { startServingNode } from '../../services/serving/serving-node.ts';
import { testLogger, waitFor } from '../support/harness.ts';
import { clientRows, MODEL, predict, servingOptions } from '../support/serving.ts';

describe('serving node polling its repository', () => {
  it('serves a version written while it runs without an explicit reload, and reloads a version rewritten in place', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'driftline-serving-poll-'));
    await writeDemoModel(repo, { seed: 7, rows: 2_000, version: '1' });
    const node = await startServingNode({
      options: servingOptions(repo, { pollIntervalMs: 100 }),
      transport: { connect: async () => {}, send: async () => {}, disconnect: async () => {} },
      logger: testLogger(),
    });
    try {
      assert.equal((await predict(node, clientRows(1, 1))).body.model_version, '1');
      await writeDemoModel(repo, { seed: 8, rows: 2_000, version: '2' });
      assert.ok(await waitFor(async () => (await predict(node, clientRows(1, 1))).body.model_version === '2', 5_000), 'the poll loaded version 2 and made it the champion');

      // Version 2 rewritten in place (new files, same name): reloaded, and the new weights serve.
      await rm(join(repo, MODEL, '2'), { recursive: true });
      const rewritten = (await writeDemoModel(repo, { seed: 9, rows: 2_000, version: '2' })).result;
      // The 100 ms poll may reload it before this explicit reload does; either way the new weights must serve.
      await node.registry.reload();
      const rows = clientRows(2, 5);
      const want = predictProbabilities(rewritten.model, rows);
      const servesNew = async () => (await predict(node, rows)).body.predictions.every((p, i) => Math.abs(p.probability - want[i]!) < 1e-5);
      assert.ok(await waitFor(servesNew, 5_000), 'the rewritten version 2 serves its new weights');
    } finally {
      await node.close(1_000);
      await rm(repo, { recursive: true, force: true });
    }
  });
});
