import type { HoldoutMetrics } from './holdout-metrics.ts';

/**
 * Whether a freshly trained challenger replaces the champion. Both were
 * scored on the same holdout of the same candidate, so their metrics are
 * directly comparable. The challenger must beat the champion by at least
 * `minImprovement` on the chosen metric (higher is better for roc_auc and
 * accuracy, lower for log_loss); then the mode says what happens:
 *
 * - auto: promote at once (routing.json champion = challenger);
 * - canary: route `canaryShare` of the traffic to it, the champion keeps the rest;
 * - manual: register it as a candidate and wait for
 *   `POST /v1/models/{m}/versions/{v}/promote`.
 *
 * A challenger that is not better enough is only registered (stage candidate).
 */

export type PromotionMetric = 'roc_auc' | 'log_loss' | 'accuracy';
export type PromotionMode = 'auto' | 'manual' | 'canary';

export interface PromotionPolicy {
  metric: PromotionMetric;
  /** The least improvement that counts as better, in the metric's units (e.g. 0.01 AUC). */
  minImprovement: number;
  mode: PromotionMode;
  /** Share of requests the challenger serves in canary mode; default 0.1. */
  canaryShare?: number;
}

export const DEFAULT_CANARY_SHARE = 0.1;

export interface PromotionDecision {
  action: 'promote' | 'canary' | 'hold';
  /** True when the challenger beats the champion by the margin (or there is no champion). */
  better: boolean;
  metric: PromotionMetric;
  challenger: number;
  /** Null when there is no champion to compare with. */
  champion: number | null;
  /** How much better the challenger is (positive = better, in the metric's direction); null without a champion. */
  improvement: number | null;
  /** Canary share, for action 'canary'. */
  canaryShare?: number;
  /** One sentence a person reads in the registry and logs. */
  reason: string;
}

const LOWER_IS_BETTER: ReadonlySet<PromotionMetric> = new Set(['log_loss']);

/** Decides what to do with a challenger; pure. */
export function decidePromotion(input: { challenger: HoldoutMetrics; champion: HoldoutMetrics | undefined; policy: PromotionPolicy }): PromotionDecision {
  const { policy } = input;
  const metric = policy.metric;
  const challenger = input.challenger[metric];
  const champion = input.champion ? input.champion[metric] : null;
  const base = { metric, challenger, champion };
  const fmt = (x: number) => x.toFixed(4);
  if (!Number.isFinite(challenger)) {
    return { ...base, action: 'hold', better: false, improvement: null, reason: `challenger ${metric} is not a number on the holdout; not promoted` };
  }
  if (champion !== null && !Number.isFinite(champion)) {
    return { ...base, action: 'hold', better: false, improvement: null, reason: `champion ${metric} is not a number on the holdout, so the two cannot be compared; not promoted` };
  }
  let better: boolean;
  let improvement: number | null = null;
  let comparison: string;
  if (champion === null) {
    better = true;
    comparison = `no champion to compare with (challenger ${metric} ${fmt(challenger)})`;
  } else {
    improvement = LOWER_IS_BETTER.has(metric) ? champion - challenger : challenger - champion;
    // A tolerance below any meaningful margin, so an improvement of exactly minImprovement counts despite rounding.
    better = improvement >= policy.minImprovement - 1e-12;
    const sign = improvement >= 0 ? '+' : '−';
    comparison = `challenger ${metric} ${fmt(challenger)} vs champion ${fmt(champion)} (${sign}${fmt(Math.abs(improvement))}, margin ${policy.minImprovement})`;
  }
  if (!better) return { ...base, action: 'hold', better, improvement, reason: `${comparison}: not better by the margin; kept as a candidate` };
  switch (policy.mode) {
    case 'auto':
      return { ...base, action: 'promote', better, improvement, reason: `${comparison}: promoted (mode auto)` };
    case 'canary': {
      const canaryShare = policy.canaryShare ?? DEFAULT_CANARY_SHARE;
      return { ...base, action: 'canary', better, improvement, canaryShare, reason: `${comparison}: canary at ${canaryShare} of traffic (mode canary)` };
    }
    case 'manual':
      return { ...base, action: 'hold', better, improvement, reason: `${comparison}: better, waiting for a manual promotion (mode manual)` };
  }
}
