import type { FeatureProfile } from '../../../libs/profiles/reference-profile.ts';
import { referenceColumnState } from '../../../libs/profiles/reference-profile.ts';
import { computeColumnHistogram, type ColumnHistogram } from '../../../libs/stats/column-histogram.ts';
import { computeColumnReport, type ColumnReport } from '../../../libs/stats/column-report.ts';
import type { DriftThresholds } from '../../../libs/stats/drift-decision.ts';
import type { ColumnState } from '../../../libs/stats/partial-state.ts';
import { decodeFeatureDelta, mergeFeatureDeltas } from './column-codec.ts';

/**
 * Everything the drift of one feature in one closed window depends on, as
 * plain data: it crosses to a worker thread by structured clone (see
 * drift-stats-pool.ts), so the result is the same wherever it is computed.
 */
export interface FeatureDriftTask {
  name: string;
  /** The feature's reference profile (kind, sample or categories, missing). */
  feature: FeatureProfile;
  /** The window's encoded deltas of this feature (column-codec.ts), from every chunk. */
  states: string[];
  /** Events in the window: missing rate = 1 − values present / events. */
  events: number;
  bins?: number | undefined;
  thresholds?: Partial<DriftThresholds> | undefined;
  columnThresholds?: Record<string, Partial<DriftThresholds>> | undefined;
  /** Fewest non-missing values for a verdict (DriftPolicy.minCurrentCount). */
  minCurrentCount: number;
}

export interface FeatureDriftResult {
  report: ColumnReport;
  /** The binned distributions behind the report, for the HTML report's charts (migration 0016). */
  histogram: ColumnHistogram | null;
}

/**
 * Merges the window's deltas of one feature and compares them with the
 * reference: PSI, KS (exact p-value up to 10 000 values a side, as scipy),
 * chi-square, normed Wasserstein, Jensen–Shannon and the drift decision.
 * The exact KS p-value is O(n·m): tens of milliseconds to seconds per
 * feature on a busy window, hence the worker threads.
 */
export function computeFeatureDrift(task: FeatureDriftTask): FeatureDriftResult {
  const merged = mergeFeatureDeltas(task.states.map(decodeFeatureDelta));
  let current: ColumnState;
  if (task.feature.kind === 'numerical') {
    current = merged.numeric;
    current.missing = Math.max(0, task.events - merged.numeric.count);
  } else {
    // Numbers sent for a categorical feature count as their text.
    current = merged.categorical;
    for (let i = 0; i < merged.numeric.count; i++) {
      const k = String(merged.numeric.values[i]);
      current.counts.set(k, (current.counts.get(k) ?? 0) + 1);
    }
    let present = 0;
    for (const c of current.counts.values()) present += c;
    current.missing = Math.max(0, task.events - present);
  }
  const reference = referenceColumnState(task.feature);
  const report = computeColumnReport(task.name, reference, current, { bins: task.bins, thresholds: task.thresholds, columnThresholds: task.columnThresholds });
  const histogram = computeColumnHistogram(reference, current, { bins: task.bins });
  if (report.drift && report.currentCount < task.minCurrentCount) {
    report.message = `only ${report.currentCount} values in the window (< ${task.minCurrentCount}): statistics without a verdict`;
    report.drift = null;
  }
  return { report, histogram };
}
