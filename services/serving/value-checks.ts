import { hasLoneSurrogate } from '../../libs/contracts/well-formed.ts';

/**
 * The type rules for one feature value, shared by both request formats. The
 * serving node checks TYPES only: ranges, unknown categories and nulls on
 * non-nullable features are scored (the graph handles them) and left to the
 * validation processor downstream — rejecting them here would hide exactly
 * the data problems Driftline exists to report.
 */

/** Largest finite float32: beyond it a value would reach the graph as ±Infinity. */
const FLOAT32_MAX = 3.4028234663852886e38;
/** Longest string a prediction event may carry (libs/contracts/schemas.ts). */
export const MAX_STRING_LENGTH = 4096;

/** A short JSON rendering of a bad value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Why `value` is not a numeric feature value (a finite float32-range number, or null), or undefined when it is. */
export function numericProblem(value: unknown): string | undefined {
  if (value === null) return undefined;
  if (typeof value !== 'number') return `expected a number, got ${describeValue(value)}`;
  if (!Number.isFinite(value) || Math.abs(value) > FLOAT32_MAX) return `${value} is outside the float32 range`;
  return undefined;
}

/** Why `value` is not a categorical feature value (a string, or null), or undefined when it is. */
export function categoricalProblem(value: unknown): string | undefined {
  if (value === null) return undefined;
  if (typeof value !== 'string') return `expected a string, got ${describeValue(value)}`;
  if (value.length > MAX_STRING_LENGTH) return `string of ${value.length} characters exceeds ${MAX_STRING_LENGTH}`;
  // The event contract refuses such strings (libs/contracts/well-formed.ts): scored, the row could never be published.
  if (hasLoneSurrogate(value)) return `${describeValue(value)} holds a lone UTF-16 surrogate (\\ud800-\\udfff without its pair); send valid Unicode`;
  return undefined;
}

/** A JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
