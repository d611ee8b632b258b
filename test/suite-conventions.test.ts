/**
 * Conventions the test runner depends on. scripts/test.sh runs node --test
 * with --test-force-exit, which ends a file's process once every test known
 * so far has finished: a test registered after a top-level await that
 * follows earlier tests may not be known yet, and would silently not run
 * (services/processors/chunk-tsv.test.ts lost one that way).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../libs/local/local-services.ts';

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? testFiles(path) : entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

test('no test file awaits at top level after registering a test', () => {
  const files = ['libs', 'services', 'simulators', 'dashboards', 'test'].flatMap((d) => testFiles(join(repoRoot, d)));
  assert.ok(files.length > 50, `found ${files.length} test files`);
  const offenders: string[] = [];
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    const firstTest = lines.findIndex((line) => /^(test|it|describe|suite)(\.\w+)?\(/.test(line));
    if (firstTest < 0) continue;
    // Top level: no indentation. An await on such a line (`const x = await …`, `await …`) runs after the tests above it.
    lines.forEach((line, i) => {
      if (i > firstTest && /^(?:export\s+)?(?:(?:const|let|var)\s[^=]*=\s*)?await\b/.test(line)) offenders.push(`${relative(repoRoot, file)}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offenders, [], 'move these above the first test, or into a before() hook');
});
