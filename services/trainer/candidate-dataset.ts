import { DriftlineError } from '../../libs/errors/errors.ts';
import type { FeatureRow } from '../../libs/model/feature-encoder.ts';
import type { FeatureSpec } from '../../libs/model/model-card.ts';
import { parseBinaryLabel } from '../feedback/quality-metrics.ts';

/**
 * A retrain candidate's rows turned into labelled examples for the model's
 * feature schema. Rows that cannot be used are dropped and counted by reason
 * (never silently): a label that is not binary, features that are not a JSON
 * object, or a value of the wrong type. A missing or null feature stays null —
 * the model imputes it exactly as serving does.
 */

/** One row of candidate_rows as the loader reads it. */
export interface CandidateRow {
  prediction_id: string;
  /** The prediction event's features, as JSON text. */
  features: string;
  /** The label as stored ('0'/'1' for a binary model; 'true'/'false' are accepted too). */
  label: string;
}

export interface Example {
  predictionId: string;
  row: FeatureRow;
  label: 0 | 1;
}

export type SkipReason = 'label_not_binary' | 'features_not_object' | 'feature_wrong_type';

export interface PreparedExamples {
  examples: Example[];
  /** Rows dropped, by reason. */
  skipped: Record<SkipReason, number>;
}

/** Turns candidate rows into examples for `features`; extra feature names in a row are ignored. */
export function prepareExamples(rows: readonly CandidateRow[], features: readonly FeatureSpec[]): PreparedExamples {
  const skipped: Record<SkipReason, number> = { label_not_binary: 0, features_not_object: 0, feature_wrong_type: 0 };
  const examples: Example[] = [];
  for (const r of rows) {
    const label = parseBinaryLabel(r.label);
    if (label === undefined) { skipped.label_not_binary += 1; continue; }
    const parsed = parseObject(r.features);
    if (!parsed) { skipped.features_not_object += 1; continue; }
    const row: Record<string, number | string | null> = {};
    let ok = true;
    for (const f of features) {
      const v = parsed[f.name];
      if (v === undefined || v === null) row[f.name] = null;
      else if (f.kind === 'numeric' && typeof v === 'number' && Number.isFinite(v)) row[f.name] = v;
      else if (f.kind === 'categorical' && typeof v === 'string') row[f.name] = v;
      else { ok = false; break; }
    }
    if (!ok) { skipped.feature_wrong_type += 1; continue; }
    examples.push({ predictionId: r.prediction_id, row, label });
  }
  return { examples, skipped };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Counts of each class. */
export function classCounts(examples: readonly Example[]): { negatives: number; positives: number } {
  let positives = 0;
  for (const e of examples) positives += e.label;
  return { negatives: examples.length - positives, positives };
}

export interface TrainabilityRules {
  /** Fewest usable rows in the whole candidate. */
  minRows: number;
  /** Fewest rows of each class in the training part and in the holdout (AUC needs both classes). */
  minClassRows: number;
}

/**
 * Refuses a candidate a model cannot honestly be trained and compared on:
 * too few usable rows, a single class, or a split with too few of either
 * class. Throws INPUT_INVALID (not retriable: the snapshot is immutable, so
 * retrying cannot help) with a message that names the candidate and counts.
 */
export function assertTrainable(candidateId: string, prepared: PreparedExamples, split: { train: readonly Example[]; holdout: readonly Example[] }, rules: TrainabilityRules): void {
  const all = prepared.examples;
  const dropped = Object.entries(prepared.skipped).filter(([, n]) => n > 0).map(([why, n]) => `${n} ${why}`);
  const droppedNote = dropped.length > 0 ? ` (dropped: ${dropped.join(', ')})` : '';
  const fail = (why: string) => new DriftlineError('INPUT_INVALID', `candidate ${candidateId} cannot be trained on: ${why}${droppedNote}`, {
    details: { candidate_id: candidateId, rows: all.length, skipped: prepared.skipped },
  });
  if (all.length < rules.minRows) throw fail(`${all.length} usable labelled rows, at least ${rules.minRows} needed`);
  const total = classCounts(all);
  if (total.positives === 0 || total.negatives === 0) {
    throw fail(`a single class: all ${all.length} labelled rows have label ${total.positives === 0 ? '0' : '1'}`);
  }
  for (const [name, part] of [['training part', split.train], ['holdout', split.holdout]] as const) {
    const c = classCounts(part);
    if (c.positives < rules.minClassRows || c.negatives < rules.minClassRows) {
      throw fail(`the ${name} has ${c.positives} positive and ${c.negatives} negative rows, at least ${rules.minClassRows} of each needed`);
    }
  }
}
