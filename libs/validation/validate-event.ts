import type { FeatureContract, ValidationSchema } from './schema.ts';

/**
 * Checks one event's features against a validation schema. This runs on
 * every prediction event, so the schema is compiled once into a checker
 * (flat arrays, a Set per domain) and an event without violations allocates
 * nothing.
 *
 * Rules, at most one per feature and event, in this order:
 * - 'missing': no value (absent or null) where the schema forbids it — the
 *   feature is required and absent, or its max_null_rate is 0.
 * - 'nan_inf': a numeric feature holding NaN or ±Infinity, or a string that
 *   spells one ("NaN", "nan", "Infinity", "-inf", …, case-insensitive):
 *   what a NaN becomes after a trip through JSON.
 * - 'type': any other value of the wrong type (a string or boolean for a
 *   numeric, a number for a categorical, "true" for a boolean…).
 * - 'range': a numeric value below min or above max (bounds inclusive).
 * - 'domain': a category outside the domain.
 * - 'unknown_feature': a key the schema does not list.
 * The window-level 'null_rate' rule lives in violation-state.ts.
 *
 * Violations come in the event's key order, then absent features in schema
 * order. A checker keeps a little scratch state between calls (see below), so
 * it is not reentrant: do not call `check` from inside `onNoValue`.
 */
export type EventRule = 'missing' | 'nan_inf' | 'type' | 'range' | 'domain' | 'unknown_feature';
/** The per-event rules, in order of precedence. */
export const EVENT_RULES: readonly EventRule[] = ['missing', 'nan_inf', 'type', 'range', 'domain', 'unknown_feature'];

/** One broken rule. `value` is the offending value as received (undefined when absent). */
export interface Violation {
  rule: EventRule;
  feature: string;
  value: unknown;
}

/** A compiled schema. */
export interface FeatureChecker {
  readonly schema: ValidationSchema;
  /**
   * The violations of one event's features; a shared empty array when there
   * are none (do not mutate it). `onNoValue` is called with the name of each
   * schema feature that is absent or null, for the window's null rates.
   */
  check(features: Readonly<Record<string, unknown>>, onNoValue?: (feature: string) => void): readonly Violation[];
}

const NUMERIC = 0;
const CATEGORICAL = 1;
const BOOLEAN = 2;
const KIND = { numeric: NUMERIC, categorical: CATEGORICAL, boolean: BOOLEAN } as const;

/** NaN/Infinity as text: JSON has no literal for them, so producers write these. */
const NAN_INF_TEXT = /^[+-]?(?:nan|inf|infinity)$/i;

const NO_VIOLATIONS: readonly Violation[] = Object.freeze([]);

/** Compiles a schema into a checker. */
export function compileSchema(schema: ValidationSchema): FeatureChecker {
  const features = schema.features;
  const n = features.length;
  const names = features.map((f) => f.name);
  const kinds = Uint8Array.from(features, (f) => KIND[f.type]);
  const required = features.map((f) => f.required);
  const noValueAllowed = features.map((f) => f.max_null_rate > 0);
  const mins = Float64Array.from(features, (f) => f.min ?? -Infinity);
  const maxs = Float64Array.from(features, (f) => f.max ?? Infinity);
  const domains = features.map((f: FeatureContract) => (f.domain ? new Set(f.domain) : null));
  const indexOf = new Map(names.map((name, i) => [name, i]));

  /*
   * The event's keys are walked with for…in, whose keyed loads V8 serves from
   * the object's enum cache — several times faster than looking each schema
   * name up. Mapping a key to its feature would cost a Map lookup per key, so
   * the checker remembers the key order of the last event (producers send the
   * same order every time) and only compares each key with the key seen at
   * that position before; property keys are interned strings, so a match is
   * a pointer comparison. A mismatch falls back to the Map and relearns.
   */
  const keyAt: string[] = [];
  const featureAt: number[] = [];
  /** seen[i] === stamp when feature i had a key in the current event. */
  const seen = new Uint32Array(n);
  let stamp = 0;

  function check(values: Readonly<Record<string, unknown>>, onNoValue?: (feature: string) => void): readonly Violation[] {
    let out: Violation[] | null = null;
    stamp = (stamp + 1) >>> 0;
    if (stamp === 0) {
      seen.fill(0);
      stamp = 1;
    }
    let position = 0;
    let present = 0;
    for (const key in values) {
      let i: number;
      if (keyAt[position] === key) i = featureAt[position]!;
      else {
        i = indexOf.get(key) ?? -1;
        keyAt[position] = key;
        featureAt[position] = i;
      }
      position++;
      const v = values[key];
      if (i < 0) {
        if (Object.hasOwn(values, key)) (out ??= []).push({ rule: 'unknown_feature', feature: key, value: v });
        continue;
      }
      if (v === undefined) continue; // a key holding undefined is absent
      seen[i] = stamp;
      present++;
      if (v === null) {
        onNoValue?.(key);
        if (!noValueAllowed[i]) (out ??= []).push({ rule: 'missing', feature: key, value: null });
        continue;
      }
      const kind = kinds[i];
      let rule: EventRule | null = null;
      if (kind === NUMERIC) {
        if (typeof v === 'number') {
          if (v !== v || v === Infinity || v === -Infinity) rule = 'nan_inf';
          else if (v < mins[i]! || v > maxs[i]!) rule = 'range';
        } else rule = typeof v === 'string' && NAN_INF_TEXT.test(v) ? 'nan_inf' : 'type';
      } else if (kind === CATEGORICAL) {
        if (typeof v !== 'string') rule = 'type';
        else if (domains[i] !== null && !domains[i]!.has(v)) rule = 'domain';
      } else if (typeof v !== 'boolean') rule = 'type';
      if (rule !== null) (out ??= []).push({ rule, feature: key, value: v });
    }
    if (present < n) {
      // Absent features, in schema order.
      for (let i = 0; i < n; i++) {
        if (seen[i] === stamp) continue;
        onNoValue?.(names[i]!);
        if (required[i] || !noValueAllowed[i]) (out ??= []).push({ rule: 'missing', feature: names[i]!, value: undefined });
      }
    }
    return out ?? NO_VIOLATIONS;
  }

  return { schema, check };
}

const compiled = new WeakMap<ValidationSchema, FeatureChecker>();

/**
 * The violations of one event's features (a shared empty array when there
 * are none: do not mutate it). Given a schema rather than a
 * checker, compiles it once and caches the checker on the schema object (so
 * do not mutate a schema after validating with it).
 */
export function validateFeatures(features: Readonly<Record<string, unknown>>, schema: ValidationSchema | FeatureChecker): readonly Violation[] {
  let checker: FeatureChecker | undefined;
  if ('check' in schema) checker = schema;
  else {
    checker = compiled.get(schema);
    if (!checker) {
      checker = compileSchema(schema);
      compiled.set(schema, checker);
    }
  }
  return checker.check(features);
}
