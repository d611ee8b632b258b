/**
 * Runs the numpy/scipy reference scripts for the tests and caches their
 * output per script content, so the test files of one run (and later runs)
 * share one Python execution. Set DRIFTLINE_REFERENCE_REFRESH=1 to force a
 * rerun (e.g. after upgrading numpy/scipy).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Absolute path of a file in test/reference/. */
export function referencePath(name: string): string {
  return join(here, name);
}

/** Output of `python3 test/reference/<script> OUT_DIR`, read from OUT_DIR/<output>. */
export function runReferenceScript(script: string, output: string, inputs: string[] = ['drift_reference.py']): unknown {
  const hash = createHash('sha256');
  for (const file of [script, ...inputs]) hash.update(readFileSync(referencePath(file)));
  const outDir = join(tmpdir(), 'driftline-reference', hash.digest('hex').slice(0, 16));
  const outFile = join(outDir, output);
  if (process.env.DRIFTLINE_REFERENCE_REFRESH === '1' || !existsSync(outFile)) {
    execFileSync('python3', [referencePath(script), outDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return JSON.parse(readFileSync(outFile, 'utf8'));
}

/** Cases written by test/reference/stats_cases.py (inputs and numpy/scipy outputs). */
export interface StatsCases {
  versions: { numpy: string; scipy: string };
  ks: Array<{ name: string; a: number[]; b: number[]; statistic: number; p_value: number; method: 'exact' | 'asymptotic' }>;
  kstwo_sf: Array<[number, number, number]>;
  smirnov_sf: Array<[number, number, number]>;
  chi2_sf: Array<[number, number, number]>;
  chi2: Array<{ name: string; reference: number[]; current: number[]; statistic: number; p_value: number; dof: number }>;
  bins: {
    numeric: Array<{
      name: string;
      reference: number[];
      current: number[];
      bins: number;
      edges: number[];
      reference_counts: number[];
      current_counts: number[];
      psi: number;
      jensen_shannon: number;
    }>;
    categorical: Array<{ name: string; reference: Record<string, number>; current: Record<string, number>; psi: number; jensen_shannon: number }>;
  };
  wasserstein: Array<{ name: string; reference: number[]; current: number[]; distance: number; std: number; normed: number }>;
  reports: Array<{
    name: string;
    kind: 'numerical' | 'categorical';
    reference: Array<number | string | null>;
    current: Array<number | string | null>;
    options: { bins?: number; thresholds?: Record<string, number> };
    expected: ExpectedColumnJson;
  }>;
}

/** A column report in the CLI's JSON shape, as the Python reference writes it. */
export interface ExpectedColumnJson {
  name: string;
  kind: 'numerical' | 'categorical';
  reference_count: number;
  current_count: number;
  missing: { reference: number; current: number };
  psi: number | null;
  ks: { statistic: number; p_value: number; method: string } | null;
  wasserstein_normed: number | null;
  chi2: { statistic: number; p_value: number; dof: number } | null;
  jensen_shannon: number | null;
  drift_method: string | null;
  drift_score: number | null;
  threshold: number | null;
  drifted: boolean | null;
}

let statsCases: StatsCases | undefined;

/** The stats reference cases (generated on first use). */
export function loadStatsCases(): StatsCases {
  statsCases ??= runReferenceScript('stats_cases.py', 'stats_cases.json') as StatsCases;
  return statsCases;
}
