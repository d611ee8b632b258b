import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ExitRecord } from './exit-reporter.ts';

const reporter = join(import.meta.dirname, 'exit-reporter.mjs');

/** Runs node:test on `files` (name → source) with the exit reporter, as scripts/test.sh does; returns its records. */
function runWithReporter(files: Record<string, string>): ExitRecord[] {
  const dir = mkdtempSync(join(tmpdir(), 'driftline-exit-reporter-'));
  for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, name), source);
  const exits = join(dir, 'exits.jsonl');
  writeFileSync(exits, '');
  const run = spawnSync(
    process.execPath,
    ['--test', '--test-force-exit', '--test-reporter=tap', '--test-reporter-destination=stdout', `--test-reporter=${reporter}`, '--test-reporter-destination=stderr', ...Object.keys(files).map((f) => join(dir, f))],
    // Without NODE_TEST_CONTEXT: set in this file's own process by its runner, it makes node:test report to that runner.
    { cwd: dir, env: { ...process.env, NODE_TEST_CONTEXT: undefined, DRIFTLINE_TEST_EXITS: exits }, encoding: 'utf8' },
  );
  assert.notEqual(run.status, 0, 'the run fails');
  // Paths relative to the files' folder.
  const text = readFileSync(exits, 'utf8').replaceAll(`${dir}/`, '');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as ExitRecord);
}

test('the exit reporter tells a file killed by a signal after its tests passed from every other failure', () => {
  const records = runWithReporter({
    'segv.test.mjs': "import { after, it } from 'node:test';\nit('passes', () => {});\nafter(() => process.kill(process.pid, 'SIGSEGV'));\n",
    'exit.test.mjs': "import { after, it } from 'node:test';\nit('passes', () => {});\nafter(() => process.exit(3));\n",
    'fail.test.mjs': "import assert from 'node:assert/strict';\nimport { it } from 'node:test';\nit('fails', () => assert.equal(1, 2));\n",
    'pass.test.mjs': "import { it } from 'node:test';\nit('passes', () => {});\n",
  });
  const sorted = records.map((r) => JSON.stringify(r)).sort();
  assert.deepEqual(sorted, [
    JSON.stringify({ died: { file: 'segv.test.mjs', signal: 'SIGSEGV', exitCode: null } }),
    JSON.stringify({ failed: 'exit.test.mjs: exit.test.mjs (process exit code 3)' }),
    JSON.stringify({ failed: 'fail.test.mjs: fails' }),
  ].sort());
});
