/**
 * The measured figures of the reliability suite. Each test file records its
 * figures (events processed, kills survived, events lost, duplicates found,
 * fuzz cases tried, crashes) under one name; they are printed as a test
 * diagnostic line and written as JSON to RELIABILITY_FIGURES_DIR (default
 * .driftline/reliability), where test/reliability/report.ts gathers them
 * into one markdown table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../../libs/local/local-services.ts';
import { RELIABILITY_SEED } from './fuzz-random.ts';

export type Figures = Record<string, number | string>;

export const FIGURES_DIR = process.env.RELIABILITY_FIGURES_DIR ?? join(repoRoot, '.driftline', 'reliability');

/** Records one test file's figures (merged over calls under the same name). */
export function recordFigures(name: string, figures: Figures): void {
  const merged = { ...(recorded.get(name) ?? {}), ...figures };
  recorded.set(name, merged);
  mkdirSync(FIGURES_DIR, { recursive: true });
  writeFileSync(join(FIGURES_DIR, `${name}.json`), `${JSON.stringify({ name, seed: RELIABILITY_SEED, recordedAt: new Date().toISOString(), figures: merged }, null, 2)}\n`);
  process.stdout.write(`[reliability] ${name}: ${Object.entries(figures).map(([k, v]) => `${k}=${v}`).join(' ')} (seed ${RELIABILITY_SEED})\n`);
}

const recorded = new Map<string, Figures>();
