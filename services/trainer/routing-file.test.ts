import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DriftlineError } from '../../libs/errors/errors.ts';
import { CARD_FILE } from '../../libs/model/model-repository.ts';
import { currentRouting, pinChampion, readRouting, writeRouting } from './routing-file.ts';

describe('routing file', () => {
  let repo: string;
  before(async () => {
    repo = await mkdtemp(join(tmpdir(), 'driftline-routing-'));
    // Complete versions are directories with a card; their content does not matter here.
    for (const v of ['1', '2', '10']) {
      await mkdir(join(repo, 'm', v), { recursive: true });
      await writeFile(join(repo, 'm', v, CARD_FILE), '{}');
    }
  });
  after(() => rm(repo, { recursive: true, force: true }));

  it('without a file, the latest version is what serves (as serving nodes decide)', async () => {
    assert.equal(await readRouting(repo, 'm'), undefined);
    assert.deepEqual(await currentRouting(repo, 'm'), { champion: '10' });
    assert.equal(await currentRouting(repo, 'none'), undefined);
  });

  it('pins the champion once and never overwrites an existing policy', async () => {
    await pinChampion(repo, 'm', '2');
    assert.deepEqual(await readRouting(repo, 'm'), { champion: '2' });
    await pinChampion(repo, 'm', '10');
    assert.deepEqual(await currentRouting(repo, 'm'), { champion: '2' });
  });

  it('writes atomically and validates what it writes', async () => {
    await writeRouting(repo, 'm', { champion: '2', canary: { version: '10', share: 0.2 } });
    assert.deepEqual(JSON.parse(await readFile(join(repo, 'm', 'routing.json'), 'utf8')), { champion: '2', canary: { version: '10', share: 0.2 } });
    assert.deepEqual((await readdir(join(repo, 'm'))).filter((f) => f.includes('.tmp')), []);
    await assert.rejects(writeRouting(repo, 'm', { champion: '2', canary: { version: '10', share: 2 } }));
    assert.deepEqual(await readRouting(repo, 'm'), { champion: '2', canary: { version: '10', share: 0.2 } });
  });

  it('refuses a broken file with MODEL_INVALID naming it', async () => {
    await writeFile(join(repo, 'm', 'routing.json'), '{"champion": ');
    await assert.rejects(readRouting(repo, 'm'), (err: unknown) => err instanceof DriftlineError && err.code === 'MODEL_INVALID' && /routing\.json is not JSON/.test(err.message));
    await writeFile(join(repo, 'm', 'routing.json'), '{"champion": "1", "canry": {}}');
    await assert.rejects(readRouting(repo, 'm'), /is not a routing policy/);
  });
});
