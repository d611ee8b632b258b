/**
 * The report's summary: the latest window's verdict, how often the dataset
 * drifted over the range, and the features furthest past their thresholds.
 */
import type { DriftReportData, FeatureWindowStats, ReportWindow } from './drift-report-types.ts';

const P_VALUE_METHODS = new Set(['ks', 'chi_square']);

/**
 * How far a verdict is past its threshold, comparable across methods: 1 at
 * the threshold, above 1 when drifted, below when not. Distances (normed
 * Wasserstein, Jensen–Shannon) drift high: score / threshold. P-values (KS,
 * chi-square) drift low: ln(p) / ln(threshold), so p = 0.05 at threshold
 * 0.05 is 1 and p = 1e-10 is 7.7 (p = 0 counts as 1e-300). −1 without a
 * verdict.
 */
export function driftSeverity(stats: Pick<FeatureWindowStats, 'method' | 'score' | 'threshold'>): number {
  const { method, score, threshold } = stats;
  if (method === null || score === null || threshold === null || !(threshold > 0)) return -1;
  if (P_VALUE_METHODS.has(method)) {
    if (threshold >= 1) return score <= threshold ? 1 : 0;
    return Math.log(Math.max(score, 1e-300)) / Math.log(threshold);
  }
  return score / threshold;
}

/** A feature in the summary's top list. */
export interface TopFeature {
  name: string;
  stats: FeatureWindowStats;
  severity: number;
}

export interface DriftSummary {
  latest: ReportWindow;
  windows: number;
  windowsWithDatasetDrift: number;
  /** Mean of the windows' drifted shares. */
  meanDriftShare: number;
  /** Features of the latest window with a verdict, most severe first (at most `top`). */
  topFeatures: TopFeature[];
}

/** Summary of a report with at least one window. */
export function summarizeDriftReport(data: DriftReportData, top = 5): DriftSummary {
  const latest = data.windows[data.windows.length - 1];
  if (!latest) throw new RangeError('a drift report needs at least one window');
  const topFeatures = data.features
    .filter((f) => f.latest.windowStartMs === latest.startMs && f.latest.drifted !== null)
    .map((f) => ({ name: f.name, stats: f.latest, severity: driftSeverity(f.latest) }))
    .sort((a, b) => Number(b.stats.drifted) - Number(a.stats.drifted) || b.severity - a.severity || (a.name < b.name ? -1 : 1))
    .slice(0, top);
  return {
    latest,
    windows: data.windows.length,
    windowsWithDatasetDrift: data.windows.filter((w) => w.datasetDrift).length,
    meanDriftShare: data.windows.reduce((s, w) => s + w.driftShare, 0) / data.windows.length,
    topFeatures,
  };
}
