import type { PredictionEvent } from '../../../libs/contracts/schemas.ts';
import type { StoredProfile } from '../../../libs/profiles/profile-store.ts';
import { resolveThresholds } from '../../../libs/stats/drift-decision.ts';
import type { EncodedPart, PendingPart, WindowAggregator, WindowKey } from '../aggregator.ts';
import { CategoryAccumulator, GridAccumulator, RawAccumulator, SKIP_ACCUMULATOR, type FeatureAccumulator, type GridEncoder } from './column-codec.ts';
import type { DriftPolicy } from './drift-finalizer.ts';
import { featureGridPlan } from './drift-grid.ts';
import { gridKey } from './grid-key.ts';
import type { ProfileCache } from './profile-cache.ts';

/** How each feature of a model version is aggregated, from the profile in force: made once per profile. */
class DriftPlan {
  private readonly makers = new Map<string, () => FeatureAccumulator>();

  constructor(
    readonly stored: StoredProfile | undefined,
    policy: DriftPolicy,
    model: string,
    encoder?: GridEncoder,
  ) {
    if (!stored) return;
    const key = gridKey(stored, policy.bins);
    for (const [name, feature] of Object.entries(stored.profile.features)) {
      if (feature.kind === 'categorical') {
        this.makers.set(name, () => new CategoryAccumulator());
        continue;
      }
      const { fewValuesMax } = resolveThresholds(policy.thresholds, policy.featureThresholds?.[model]?.[name]);
      const { grid, onGrid } = featureGridPlan(feature, policy.bins, fewValuesMax);
      const size = { last: 64 }; // shared by this feature's accumulators (see GridAccumulator)
      this.makers.set(name, grid && onGrid ? () => new GridAccumulator(grid, key, encoder, size) : () => new RawAccumulator());
    }
  }

  /** The accumulator of a feature in a new delta: without a profile every feature is kept raw; with one, features it lacks are skipped. */
  accumulator(name: string): FeatureAccumulator {
    if (!this.stored) return new RawAccumulator();
    return this.makers.get(name)?.() ?? SKIP_ACCUMULATOR;
  }
}

/** Drift deltas of a window: one accumulator per feature seen. */
export class DriftDelta {
  readonly features = new Map<string, FeatureAccumulator>();
  /*
   * The hot path: ~20 features per event. Like the validation checker
   * (libs/validation/validate-event.ts), it remembers the key order of the
   * last event, so a key is compared with the key seen at its position
   * (interned strings: a pointer comparison) instead of looked up in the Map;
   * a mismatch falls back to the Map and relearns.
   */
  private readonly keyAt: string[] = [];
  private readonly accumulatorAt: FeatureAccumulator[] = [];

  constructor(private readonly plan: DriftPlan) {}

  add(values: Readonly<Record<string, unknown>>): void {
    let position = 0;
    for (const name in values) {
      let feature: FeatureAccumulator;
      if (this.keyAt[position] === name) feature = this.accumulatorAt[position]!;
      else {
        let known = this.features.get(name);
        if (!known) {
          known = this.plan.accumulator(name);
          this.features.set(name, known);
        }
        feature = known;
        this.keyAt[position] = name;
        this.accumulatorAt[position] = feature;
      }
      position++;
      feature.add(values[name]);
    }
  }
}

/**
 * Aggregates every feature value of every on-time event, shaped by the
 * reference profile in force when the window's delta starts (column-codec.ts):
 * numeric features counted on the profile's grid, categorical ones as
 * category counts, features the profile lacks skipped; until the profile
 * is loaded (or for a model without one), exact values. Missing values are
 * not stored: the finalizer derives the missing rate from the window's
 * event count minus the values present.
 *
 * Without `profiles` every chunk is raw (tests of the raw path; the
 * finalizer computes the same statistics from either shape). With an
 * `encoder`, grid states are encoded on its worker thread.
 */
export function createDriftAggregator(options: { profiles?: ProfileCache; policy?: DriftPolicy; clock?: () => number; encoder?: GridEncoder } = {}): WindowAggregator<DriftDelta> {
  const policy = options.policy ?? {};
  const clock = options.clock ?? Date.now;
  const plans = new Map<string, DriftPlan>();
  const noProfile = new DriftPlan(undefined, policy, '');

  function planFor(window: WindowKey): DriftPlan {
    const stored = options.profiles?.peek(window.model, window.modelVersion, clock());
    if (!stored) return noProfile;
    const id = `${window.model}\u0000${window.modelVersion}`;
    let plan = plans.get(id);
    if (plan?.stored !== stored) {
      plan = new DriftPlan(stored, policy, window.model, options.encoder);
      plans.set(id, plan);
    }
    return plan;
  }

  return {
    name: 'drift',
    create: (window) => new DriftDelta(planFor(window)),
    add(delta: DriftDelta, event: PredictionEvent) {
      delta.add(event.features);
    },
    encode(delta: DriftDelta): Array<EncodedPart | PendingPart> {
      const parts: Array<EncodedPart | PendingPart> = [];
      for (const [name, feature] of delta.features) {
        const state = feature.encode();
        if (state === undefined) continue;
        parts.push(typeof state === 'string' ? { part: `drift:${name}`, state } : { part: `drift:${name}`, state });
      }
      return parts;
    },
    flush: () => options.encoder?.flush?.(),
  };
}
