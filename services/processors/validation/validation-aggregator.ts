import type { PredictionEvent } from '../../../libs/contracts/schemas.ts';
import type { FeatureChecker } from '../../../libs/validation/validate-event.ts';
import { ViolationState } from '../../../libs/validation/violation-state.ts';
import type { EncodedPart, WindowAggregator, WindowKey } from '../aggregator.ts';
import type { SchemaProvider } from './schema-provider.ts';

export interface ValidationDelta {
  state: ViolationState;
  /** The checker in force when the delta was created (one per checkpoint interval). */
  checker: FeatureChecker;
}

/**
 * Validates every on-time event's features against its model version's
 * schema (see schema-provider.ts for where schemas come from and what
 * happens before one is loaded) into a mergeable ViolationState.
 */
export function createValidationAggregator(schemas: Pick<SchemaProvider, 'checkerFor'>): WindowAggregator<ValidationDelta, EncodedPart> {
  return {
    name: 'validation',
    create: (window: WindowKey) => ({ state: new ViolationState(), checker: schemas.checkerFor(window.model, window.modelVersion) }),
    add(delta: ValidationDelta, event: PredictionEvent) {
      delta.state.observe(delta.checker, event.prediction_id, event.features);
    },
    encode(delta: ValidationDelta): EncodedPart[] {
      return delta.state.checked === 0 ? [] : [{ part: 'validation', state: JSON.stringify(delta.state) }];
    },
  };
}

/** Merges a window's 'validation' parts (any order, any grouping: same bytes). */
export function mergeValidationParts(parts: readonly string[]): ViolationState | undefined {
  if (parts.length === 0) return undefined;
  return parts.map((p) => ViolationState.fromJSON(JSON.parse(p))).reduce(ViolationState.merge);
}
