import type { PredictionEvent } from '../../../libs/contracts/schemas.ts';
import { SloWindowState } from '../../../libs/slo/slo-window.ts';
import type { SloObjective } from '../../../libs/slo/slo.ts';
import type { EncodedPart, WindowAggregator, WindowKey } from '../aggregator.ts';

const DAY = 24 * 60 * 60 * 1000;

/** The objective of a model without one in config: 99% of successful requests ≤ 100 ms, 99.9% available, over 30 days. */
export const DEFAULT_SLO_OBJECTIVE: Readonly<Omit<SloObjective, 'model'>> = Object.freeze({
  periodMs: 30 * DAY,
  latency: { thresholdMs: 100, target: 0.99 },
  availability: { target: 0.999 },
});

export interface SloPolicy {
  /** Per model objectives (compiled with parseSloObjectives); models not listed get `defaults`. */
  objectives?: readonly SloObjective[];
  /** The objective of every model not in `objectives` (default DEFAULT_SLO_OBJECTIVE). */
  defaults?: Omit<SloObjective, 'model'>;
}

/** Resolves a model's objective from the policy. */
export function sloObjectiveFor(policy: SloPolicy | undefined, model: string): SloObjective {
  const own = policy?.objectives?.find((o) => o.model === model);
  return own ?? { ...(policy?.defaults ?? DEFAULT_SLO_OBJECTIVE), model };
}

/**
 * Counts requests, errors and slow requests (latency over the model's
 * objective threshold) per window, with a latency sketch of the successful
 * requests. The threshold is fixed per model by config: a changed threshold
 * takes effect for whole windows only after a restart of every instance (a
 * window counted under two thresholds refuses to merge and is not computed).
 */
export function createSloAggregator(policy?: SloPolicy): WindowAggregator<SloWindowState, EncodedPart> {
  return {
    name: 'slo',
    create: (window: WindowKey) => new SloWindowState(sloObjectiveFor(policy, window.model).latency?.thresholdMs),
    add(delta: SloWindowState, event: PredictionEvent) {
      delta.add(event.latency_ms, event.status);
    },
    encode(delta: SloWindowState): EncodedPart[] {
      return delta.total === 0 ? [] : [{ part: 'slo', state: JSON.stringify(delta) }];
    },
  };
}

/** Merges a window's 'slo' parts (any order, any grouping: same result). */
export function mergeSloParts(parts: readonly string[]): SloWindowState | undefined {
  if (parts.length === 0) return undefined;
  return parts.map((p) => SloWindowState.fromJSON(JSON.parse(p))).reduce(SloWindowState.merge);
}
