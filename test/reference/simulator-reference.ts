import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'simulator_reference.py');

/**
 * Runs test/reference/simulator_reference.py (numpy/scipy) on a list of tasks
 * — quantiles, KS and binomial tests, chi-square, a logistic fit; see its
 * docstring — and returns one result per task.
 */
export function runSimulatorReference(tasks: unknown[]): unknown[] {
  const result = spawnSync('python3', [SCRIPT], { input: JSON.stringify(tasks), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`simulator_reference.py failed (${result.status}): ${result.stderr || result.error?.message}`);
  return JSON.parse(result.stdout) as unknown[];
}
