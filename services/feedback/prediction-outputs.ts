/**
 * Reads the score and the predicted class out of a prediction event's
 * `outputs`. Output names follow the serving node's conventions: the demo
 * classifier answers `probability` (P(positive)) and `label`; other models
 * may answer `score`/`class`, and regressors `value`/`prediction`. The first
 * present name wins.
 */
const SCORE_NAMES = ['probability', 'score', 'value', 'prediction'] as const;
const CLASS_NAMES = ['label', 'class', 'predicted_class'] as const;

export function scoreOf(outputs: Record<string, unknown>): number | null {
  for (const name of SCORE_NAMES) {
    const v = outputs[name];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    // A tensor output of one row arrives as a one-element array.
    if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number' && Number.isFinite(v[0])) return v[0];
  }
  return null;
}

export function predictedClassOf(outputs: Record<string, unknown>): string {
  for (const name of CLASS_NAMES) {
    const v = outputs[name];
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return String(v);
    if (Array.isArray(v) && v.length === 1 && (typeof v[0] === 'number' || typeof v[0] === 'string')) return String(v[0]);
  }
  return '';
}

/** Parses an outputs JSON column; a malformed one reads as empty (the raw sink only stores validated events). */
export function parseOutputs(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
