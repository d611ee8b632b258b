import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { uniqueName } from '../support/harness.ts';
import { run } from '../../services/cli/serve-command.ts';

test('driftline serve trains the demo model into an empty repository and answers predictions over HTTP', async () => {
  const repo = await mkdtemp(join(tmpdir(), 'driftline-serve-cmd-'));
  // The command reads its config from the environment: keep its events off the real topics.
  const base = uniqueName('serve-cmd');
  Object.assign(process.env, { TOPIC_PREDICTIONS: `${base}.predictions`, TOPIC_LABELS: `${base}.labels`, TOPIC_ALERTS: `${base}.alerts`, TOPIC_DEAD_LETTER: `${base}.dead-letter` });
  const lines: string[] = [];
  const stop = new AbortController();
  const exit = run(['--repository', repo, '--port', '0'], { stdout: (t) => lines.push(t), stderr: (t) => lines.push(t) }, stop.signal);
  try {
    let address: string | undefined;
    for (let i = 0; i < 300 && !address; i++) {
      address = /listening on (http:\/\/\S+);/.exec(lines.join(''))?.[1];
      if (!address) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(address, lines.join(''));
    assert.match(lines.join(''), /model repository was empty: trained credit-default/);
    assert.match(lines.join(''), new RegExp(`events to ${base}\\.predictions`));
    const curl = /curl -s (\S+) -H 'content-type: application\/json' -d '(.+)'/.exec(lines.join(''))!;
    const res = await fetch(curl[1]!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: curl[2] });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { model: string; model_version: string; predictions: Array<{ probability: number }> };
    assert.equal(body.model, 'credit-default');
    assert.equal(body.model_version, '1');
    assert.ok(body.predictions[0]!.probability > 0 && body.predictions[0]!.probability < 1);
  } finally {
    stop.abort();
    assert.equal(await exit, 0);
    await rm(repo, { recursive: true, force: true });
  }
  assert.match(lines.join(''), /stopped; prediction events published: 1, dropped: 0/);
});
