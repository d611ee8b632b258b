import { readFile } from 'node:fs/promises';
import { DriftlineError } from '../../libs/errors/errors.ts';
import { type TriggerPolicyFile, triggerPolicyFileSchema } from './trigger-policy.ts';

/**
 * The built-in policy, used when FEEDBACK_POLICY_FILE is unset: retrain any
 * model whose champion drifts (PSI ≥ 0.2 on a feature for 3 windows in a row)
 * or loses 0.05 AUC against its training baseline over ≥ 200 fresh labels,
 * given ≥ 500 labelled rows, at most once an hour. Validation violations are
 * not a default trigger: a broken upstream pipeline needs a fix, not a model
 * trained on the broken data. Add `validation` per model to opt in.
 */
export const DEFAULT_POLICY_FILE: TriggerPolicyFile = triggerPolicyFileSchema.parse({
  default: {
    drift: { psi_threshold: 0.2, consecutive_windows: 3 },
    quality: { metric: 'roc_auc', max_drop: 0.05, min_labels: 200, lookback: '1h' },
    min_labelled_rows: 500,
    cooldown: '1h',
    max_concurrent: 1,
    candidate_lookback: '6h',
  },
});

/** Reads and validates a policy file; errors name the file and the offending field. */
export async function loadPolicyFile(path: string | undefined): Promise<TriggerPolicyFile> {
  if (!path) return DEFAULT_POLICY_FILE;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new DriftlineError('CONFIG_INVALID', `trigger policy file ${path} could not be read as JSON: ${(cause as Error).message}`, { cause });
  }
  const parsed = triggerPolicyFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new DriftlineError('CONFIG_INVALID', `trigger policy file ${path} is invalid: ${problems}`);
  }
  return parsed.data;
}
