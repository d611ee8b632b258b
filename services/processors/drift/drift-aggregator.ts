import type { PredictionEvent } from '../../../libs/contracts/schemas.ts';
import type { EncodedPart, WindowAggregator } from '../aggregator.ts';
import { addFeatureValue, createFeatureDelta, encodeFeatureDelta, type FeatureDelta } from './column-codec.ts';

/** Drift deltas of a window: one per feature seen. */
export type DriftDelta = Map<string, FeatureDelta>;

/**
 * Collects every feature value of every on-time event. Missing values are
 * not stored: the finalizer derives the missing rate from the window's
 * event count minus the values present.
 */
export function createDriftAggregator(): WindowAggregator<DriftDelta> {
  return {
    name: 'drift',
    create: () => new Map(),
    add(delta: DriftDelta, event: PredictionEvent) {
      for (const name in event.features) {
        let feature = delta.get(name);
        if (!feature) {
          feature = createFeatureDelta();
          delta.set(name, feature);
        }
        addFeatureValue(feature, event.features[name]);
      }
    },
    encode(delta: DriftDelta): EncodedPart[] {
      return [...delta].map(([name, feature]) => ({ part: `drift:${name}`, state: encodeFeatureDelta(feature) }));
    },
  };
}
