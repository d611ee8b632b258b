import { CREDIT_FEATURES, type CreditRow } from '../libs/model/credit-domain.ts';
import type { Rng } from '../libs/model/random.ts';
import type { ActiveIncident } from './scenario.ts';
import type { QualityKind } from './scenario-schema.ts';

/** A feature record as a client sends it (and as a prediction event carries it). */
export type Instance = Record<string, number | string | null>;

/** Kinds the serving node's type checks reject with 400 (a renamed or missing feature, a value of the wrong type). */
export const REQUEST_BREAKING_KINDS: ReadonlySet<QualityKind> = new Set(['renamed_feature', 'missing_feature', 'wrong_type']);

export interface CorruptedInstance {
  instance: Instance;
  /** The incidents applied to this row, in order, as `kind:feature`. */
  applied: string[];
  /** False when the serving node would reject the request (see REQUEST_BREAKING_KINDS). */
  requestValid: boolean;
}

const SPEC = new Map(CREDIT_FEATURES.map((f) => [f.name, f]));

/**
 * Applies the active data-quality incidents to one clean row: each incident
 * hits the row with probability `share`, independently and in order, and
 * only if its feature is still there (a feature renamed by an earlier
 * incident cannot also be nulled). One uniform draw per incident, always, so
 * the stream stays aligned whatever happens.
 *
 * - nulls: the value becomes null
 * - out_of_range: the configured value, or above the schema maximum by 10–100% of the range
 * - new_category: the configured value, or "unknown"
 * - renamed_feature: the key becomes `renameTo` (default `<feature>_v2`)
 * - missing_feature: the key is dropped
 * - wrong_type: a numeric feature is sent as a string ("42", or "n/a" for null), a categorical one as a number
 */
export function applyIncidents(row: CreditRow, incidents: readonly ActiveIncident[], rng: Rng): CorruptedInstance {
  const instance: Instance = { ...row };
  const applied: string[] = [];
  let requestValid = true;
  for (const incident of incidents) {
    const u = rng.next();
    const u2 = rng.next();
    if (u >= incident.share || !Object.hasOwn(instance, incident.feature)) continue;
    const f = incident.feature;
    const value = instance[f]!;
    switch (incident.kind) {
      case 'nulls':
        instance[f] = null;
        break;
      case 'out_of_range': {
        const spec = SPEC.get(f);
        const max = spec?.kind === 'numeric' ? spec.max : 0;
        const span = spec?.kind === 'numeric' ? spec.max - spec.min : 1;
        instance[f] = typeof incident.value === 'number' ? incident.value : max + span * (0.1 + 0.9 * u2);
        break;
      }
      case 'new_category':
        instance[f] = typeof incident.value === 'string' ? incident.value : 'unknown';
        break;
      case 'renamed_feature':
        delete instance[f];
        instance[incident.renameTo ?? `${f}_v2`] = value;
        break;
      case 'missing_feature':
        delete instance[f];
        break;
      case 'wrong_type':
        instance[f] = SPEC.get(f)?.kind === 'numeric' ? (value === null ? 'n/a' : String(value)) : Math.floor(u2 * 10);
        break;
    }
    applied.push(`${incident.kind}:${f}`);
    if (REQUEST_BREAKING_KINDS.has(incident.kind)) requestValid = false;
  }
  return { instance, applied, requestValid };
}
