import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { type Concept, CREDIT_FEATURES, type CovariateDrift, sampleDataset, TRUE_CONCEPT, trueProbability } from './credit-domain.ts';
import { LABEL_OUTPUT, PROBABILITY_OUTPUT } from './logistic-onnx.ts';
import type { LogisticModel } from './logistic-regression.ts';
import { trainLogisticVersion } from './logistic-version.ts';
import { rocAuc } from './metrics.ts';
import type { ModelCard, TrainingMetrics } from './model-card.ts';
import { nextVersion, writeModelVersion } from './model-repository.ts';
import { createRng } from './random.ts';

/**
 * Trains the demo model "credit-default": samples the credit domain, holds out
 * a share for evaluation, fits logistic regression and exports ONNX with the
 * model card in its metadata (logistic-version.ts, which the trainer service
 * also uses for retraining with other data and a new version).
 */

export const DEMO_MODEL_NAME = 'credit-default';

export interface DemoTrainOptions {
  seed: number;
  /** Total rows drawn; `holdoutFraction` of them are held out. */
  rows: number;
  /** The true process the labels come from; default TRUE_CONCEPT. */
  concept?: Concept;
  /** Covariate shift of the training population, e.g. to train on drifted data. */
  drift?: CovariateDrift;
  /** Default 0.2. */
  holdoutFraction?: number;
  /** Default 0.5. */
  threshold?: number;
  /** Default 1e-4; see trainLogisticRegression. */
  l2?: number;
  /** Default "1". */
  version?: string;
  /** When training finished, for the card; default now. */
  nowMs?: number;
}

export interface DemoTrainResult {
  onnxBytes: Uint8Array;
  card: ModelCard;
  model: LogisticModel;
  metrics: TrainingMetrics & {
    /** AUC on the same holdout of the true probabilities: the best any model can do there. */
    true_process_auc: number;
    train_ms: number;
  };
}

/** Samples, trains, evaluates and exports; deterministic for a seed except `trained_at`. */
export function trainDemoModel(options: DemoTrainOptions): DemoTrainResult {
  const holdoutFraction = options.holdoutFraction ?? 0.2;
  const threshold = options.threshold ?? 0.5;
  const l2 = options.l2 ?? 1e-4;
  const concept = options.concept ?? TRUE_CONCEPT;
  const holdoutRows = Math.round(options.rows * holdoutFraction);
  const trainRows = options.rows - holdoutRows;
  if (!(holdoutRows >= 1 && trainRows >= 1)) throw new RangeError(`rows=${options.rows} with holdoutFraction=${holdoutFraction} leaves an empty split`);

  // The holdout is drawn after the training rows from one stream, so it is just the next rows of the same population.
  const { rows, labels } = sampleDataset(createRng(options.seed), options.rows, { concept, ...(options.drift ? { drift: options.drift } : {}) });
  const train = rows.slice(0, trainRows);
  const holdout = rows.slice(trainRows);
  const holdoutLabels = labels.subarray(trainRows);

  const { onnxBytes, card, model, metrics: holdoutMetrics, trainMs } = trainLogisticVersion({
    model: DEMO_MODEL_NAME,
    version: options.version ?? '1',
    description: 'Probability that a loan application defaults, from the synthetic credit-default domain.',
    features: CREDIT_FEATURES,
    outputs: [
      { name: PROBABILITY_OUTPUT, type: 'float32', semantics: 'P(default = 1): probability that the loan defaults' },
      { name: LABEL_OUTPUT, type: 'int64', semantics: `1 (default predicted) when probability >= ${threshold}, else 0` },
    ],
    threshold,
    l2,
    train: { rows: train, labels: labels.subarray(0, trainRows) },
    holdout: { rows: holdout, labels: holdoutLabels },
    datasetId: datasetId(options, concept),
    hyperparameters: { seed: options.seed, holdout_fraction: holdoutFraction },
    nowMs: options.nowMs,
  });
  const trueAuc = rocAuc(holdout.map((r) => trueProbability(r, concept)), holdoutLabels);
  return { onnxBytes, card, model, metrics: { ...holdoutMetrics, true_process_auc: trueAuc, train_ms: trainMs } };
}

/**
 * Trains and writes the demo model into a model repository. Without a
 * version, takes the next free whole number, so repeated runs add versions.
 */
export async function writeDemoModel(repoDir: string, options: DemoTrainOptions): Promise<{ dir: string; result: DemoTrainResult }> {
  const version = options.version ?? (await nextVersion(repoDir, DEMO_MODEL_NAME));
  const result = trainDemoModel({ ...options, version });
  const dir = await writeModelVersion(repoDir, result.onnxBytes, result.card);
  return { dir, result };
}

/** A lineage id that names the generating process, so two datasets with the same id are the same data. */
function datasetId(options: DemoTrainOptions, concept: Concept): string {
  const parts = [`synthetic:${DEMO_MODEL_NAME}`, `seed=${options.seed}`, `rows=${options.rows}`];
  if (concept !== TRUE_CONCEPT) parts.push(`concept=${shortHash(concept)}`);
  if (options.drift) parts.push(`drift=${shortHash(options.drift)}`);
  return parts.join(':');
}

function shortHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 12);
}

/**
 * Script entry, used by the demo:
 *   node --import tsx libs/model/train-demo-model.ts <repoDir> [--seed 7] [--rows 50000] [--version 1]
 * Prints one JSON line with the written directory and the holdout metrics.
 */
async function main(argv: string[]): Promise<void> {
  const [repoDir, ...flags] = argv;
  if (!repoDir || repoDir.startsWith('--')) throw new Error('usage: train-demo-model.ts <repoDir> [--seed N] [--rows N] [--version V]');
  const flag = (name: string): string | undefined => {
    const i = flags.indexOf(`--${name}`);
    return i >= 0 ? flags[i + 1] : undefined;
  };
  const wholeNumber = (name: string, fallback: number): number => {
    const text = flag(name);
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text)) throw new Error(`--${name} must be a whole number, got ${text}`);
    return Number(text);
  };
  const version = flag('version');
  const { dir, result } = await writeDemoModel(repoDir, {
    seed: wholeNumber('seed', 7),
    rows: wholeNumber('rows', 50_000),
    ...(version ? { version } : {}),
  });
  process.stdout.write(`${JSON.stringify({ dir, model: result.card.model, version: result.card.version, metrics: result.metrics })}\n`);
}

// Runs only when executed as a script, not when imported.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
