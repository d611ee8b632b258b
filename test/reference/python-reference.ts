import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs test/reference/logistic_reference.py (numpy/scipy) on a JSON input
 * written to a temp file, for tests that check Driftline's numbers against an
 * implementation that shares no code with it.
 */
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'logistic_reference.py');

export function runLogisticReference<T>(mode: 'predict' | 'auc', input: unknown): T {
  const dir = mkdtempSync(join(tmpdir(), 'driftline-ref-'));
  try {
    const path = join(dir, 'input.json');
    // NaN is not JSON; the reference reads null as missing, which is what NaN means to the model.
    writeFileSync(path, JSON.stringify(input, (_k, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? null : v)));
    const result = spawnSync('python3', [SCRIPT, mode, path], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) throw new Error(`logistic_reference.py ${mode} failed (${result.status}): ${result.stderr || result.error?.message}`);
    return JSON.parse(result.stdout) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
