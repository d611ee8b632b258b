/**
 * `driftline simulate` without a broker: dry runs of presets and files, and
 * bad input answered with exit 2 and a message naming what was wrong.
 * (Kafka and HTTP modes: test/integration/simulator-*.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { main } from './main.ts';

const dir = mkdtempSync(join(tmpdir(), 'driftline-simulate-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  let out = '', err = '';
  const code = await main(['simulate', ...argv], { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
  return { code, out, err };
}

test('dry run of a preset prints the timeline and what each slice of the run looks like', async () => {
  const { code, out } = await cli('--scenario', 'slo-burn', '--mode', 'dry-run', '--rate', '50', '--duration', '20s', '--time-scale', '180');
  assert.equal(code, 0);
  assert.match(out, /run: 50 events\/s for 20 s, time scale 180× \(60 min on the scenario clock\)/);
  assert.match(out, /\[0\] latencySpike +18 min → 36 min/);
  assert.match(out, /dry run: 1000 events/);
  const rows = out.split('\n').filter((l) => /^\d.* – /.test(l));
  assert.equal(rows.length, 10);
  // The error burst (40%–50% of the run) shows up in the fifth slice only.
  assert.deepEqual(rows.map((r) => r.split(/\s{2,}/)[6] !== '0.0%'), [false, false, false, false, true, false, false, false, false, false]);
});

test('a scenario file is validated; errors name the file and field and exit 2', async () => {
  const good = join(dir, 'good.json');
  writeFileSync(good, JSON.stringify({ name: 'nulls', rate: 20, duration: '5s', effects: [{ type: 'qualityIncident', kind: 'nulls', feature: 'income', share: 0.5 }] }));
  const ok = await cli('--scenario', good, '--mode', 'dry-run');
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /run: 20 events\/s for 5 s/);
  assert.match(ok.out, /dry run: 100 events/);

  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ effects: [{ type: 'qualityIncident', kind: 'nulls', feature: 'income', share: 5 }] }));
  const refused = await cli('--scenario', bad, '--mode', 'dry-run');
  assert.equal(refused.code, 2);
  assert.match(refused.err, /bad\.json: effects\[0\]\.share: must be a share in \[0, 1\]/);

  for (const [args, message] of [
    [['--scenario', 'no-such-preset'], /no scenario preset "no-such-preset"/],
    [['--scenario', join(dir, 'missing.json')], /cannot read scenario file .*missing\.json/],
    [['--mode', 'carrier-pigeon'], /--mode must be kafka, http or dry-run/],
    [['--rate', 'fast', '--mode', 'dry-run'], /--rate must be a positive number, got 'fast'/],
    [['--duration', 'forever', '--mode', 'dry-run'], /--duration must be a duration/],
  ] as const) {
    const r = await cli(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, message);
  }
});

test('--list names every preset', async () => {
  const { code, out } = await cli('--list');
  assert.equal(code, 0);
  for (const name of ['baseline', 'covariate-shift', 'concept-drift', 'quality-incident', 'slo-burn', 'demo']) assert.match(out, new RegExp(`^${name} `, 'm'));
});
