import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runTsxChild, theilSenSlope, threadCpu, threadCpuDelta, waitForQuiet } from './bench-support.ts';

// The scale-out proof compares tables a child prints as one long JSON line.
// Decoding each stdout chunk on its own turned a '–' (3 bytes in UTF-8) that
// straddled a pipe read into U+FFFD and showed up as a false mismatch.
test('runTsxChild keeps multi-byte characters whole across pipe reads', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'driftline-child-'));
  const script = join(dir, 'child.ts');
  // 1 byte then 3-byte characters: every 64 KiB read boundary falls inside a character somewhere.
  writeFileSync(script, "process.stdout.write(JSON.stringify({ text: 'x' + '–≤'.repeat(200_000) }) + '\\n');\n");
  const run = await runTsxChild<{ text: string }>(script, []);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.result, 'the last line parses as JSON');
  assert.equal(run.result.text.length, 1 + 400_000);
  assert.ok(!run.result.text.includes('\uFFFD'), 'no replacement characters');
  assert.equal(run.result.text, 'x' + '–≤'.repeat(200_000));
});

test('threadCpu attributes CPU burnt on the main thread to main', { skip: process.platform !== 'linux' }, () => {
  const before = threadCpu();
  const t0 = performance.now();
  let x = 0;
  while (performance.now() - t0 < 300) x += Math.sqrt(x + 1); // ~0.3 s on this thread
  const delta = threadCpuDelta(before, threadCpu());
  assert.ok(x > 0);
  assert.ok(delta, '/proc/self/task is readable on Linux');
  assert.ok(delta.main >= 0.15, `main thread CPU ${delta.main} s after 0.3 s of spinning`);
  assert.ok(delta.main <= 1, `main thread CPU ${delta.main} s`);
  assert.ok(delta.engine < 0.1, `no engine threads in this process (${delta.engine} s)`);
});

// Expected values from scipy.stats.theilslopes (scipy 1.17): theilslopes(y, x)[0].
test('theilSenSlope matches scipy.stats.theilslopes, outliers and ties in x included', () => {
  const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const y = [10, 12, 11, 40, 13, 15, 14, 90, 16, 17];
  assert.equal(theilSenSlope(x.map((xi, i) => [xi, y[i]!] as const)), 0.75);
  const x2 = [0.5, 1.0, 1.0, 2.0, 3.5];
  const y2 = [3.0, 1.0, 2.0, 5.0, 4.0];
  assert.ok(Math.abs(theilSenSlope(x2.map((xi, i) => [xi, y2[i]!] as const)) - 0.8) < 1e-12);
  assert.equal(theilSenSlope([[1, 5]]), 0);
});

test('waitForQuiet waits for the extra condition, and no longer than maxMs', async () => {
  // idleShare 0: the machine always counts as quiet, so only extra() decides.
  let asked = 0;
  const waited = await waitForQuiet({ idleShare: 0, maxMs: 10_000, extra: async () => ++asked >= 3 });
  assert.equal(asked, 3, 'asked until it said yes');
  assert.ok(waited >= 1_400 && waited < 5_000, `three 500 ms samples (${waited} ms)`);
  const capped = await waitForQuiet({ idleShare: 0, maxMs: 1_200, extra: async () => false });
  assert.ok(capped >= 1_200 && capped < 3_000, `gives up after maxMs (${capped} ms)`);
});

test('threadCpu counts a worker thread that ended between the two samples', { skip: process.platform !== 'linux' }, async () => {
  const { Worker } = await import('node:worker_threads');
  const before = threadCpu();
  // ~0.3 s of spinning on a worker, which then exits: gone from /proc/self/task by the second sample.
  const worker = new Worker('const t0 = Date.now(); let x = 0; while (Date.now() - t0 < 300) x += Math.sqrt(x + 1);', { eval: true });
  await new Promise((resolve) => worker.once('exit', resolve));
  const delta = threadCpuDelta(before, threadCpu());
  assert.ok(delta, '/proc/self/task is readable on Linux');
  assert.ok(delta.node >= 0.15, `other threads' CPU ${delta.node} s after a worker spun 0.3 s and ended`);
});
