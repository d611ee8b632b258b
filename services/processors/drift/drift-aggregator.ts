import type { PredictionEvent } from '../../../libs/contracts/schemas.ts';
import type { EncodedPart, WindowAggregator } from '../aggregator.ts';
import { addFeatureValue, createFeatureDelta, encodeFeatureDelta, type FeatureDelta } from './column-codec.ts';

/** Drift deltas of a window: one per feature seen. */
export class DriftDelta {
  readonly features = new Map<string, FeatureDelta>();
  /*
   * The hot path: ~20 features per event. Like the validation checker
   * (libs/validation/validate-event.ts), it remembers the key order of the
   * last event, so a key is compared with the key seen at its position
   * (interned strings: a pointer comparison) instead of looked up in the Map;
   * a mismatch falls back to the Map and relearns.
   */
  private readonly keyAt: string[] = [];
  private readonly deltaAt: FeatureDelta[] = [];

  add(values: Readonly<Record<string, unknown>>): void {
    let position = 0;
    for (const name in values) {
      let feature: FeatureDelta;
      if (this.keyAt[position] === name) feature = this.deltaAt[position]!;
      else {
        let known = this.features.get(name);
        if (!known) {
          known = createFeatureDelta();
          this.features.set(name, known);
        }
        feature = known;
        this.keyAt[position] = name;
        this.deltaAt[position] = feature;
      }
      position++;
      addFeatureValue(feature, values[name]);
    }
  }
}

/**
 * Collects every feature value of every on-time event. Missing values are
 * not stored: the finalizer derives the missing rate from the window's
 * event count minus the values present.
 */
export function createDriftAggregator(): WindowAggregator<DriftDelta> {
  return {
    name: 'drift',
    create: () => new DriftDelta(),
    add(delta: DriftDelta, event: PredictionEvent) {
      delta.add(event.features);
    },
    encode(delta: DriftDelta): EncodedPart[] {
      return [...delta.features].map(([name, feature]) => ({ part: `drift:${name}`, state: encodeFeatureDelta(feature) }));
    },
  };
}
