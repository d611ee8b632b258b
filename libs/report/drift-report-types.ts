/**
 * What the HTML drift report shows, independent of where it came from: the
 * windows of the stream processors (drift_metrics / drift_windows, many
 * windows) or the CLI's offline comparison of two CSV files (one window).
 * Plain data, JSON-serializable: the renderer embeds it in the page.
 */

/** Where the report's current data comes from. */
export type DriftReportSource =
  | {
      kind: 'stream';
      /** The requested range [fromMs, toMs) on window_start. */
      fromMs: number;
      toMs: number;
      /** Other model versions with windows in the range (the report shows one version). */
      otherVersions: string[];
      /** Windows left out because the range held more than the report's window limit (the oldest go). */
      omittedWindows: number;
    }
  | {
      kind: 'offline';
      /** The reference and current files, as given on the command line. */
      reference: string;
      current: string;
      referenceRows: number;
      currentRows: number;
    };

/** Dataset-level verdict of one window. */
export interface ReportWindow {
  startMs: number;
  endMs: number;
  /** Events in the window (null when unknown). */
  events: number | null;
  /** Features evaluated, and how many of them drifted. */
  features: number;
  driftedFeatures: number;
  driftShare: number;
  datasetDrift: boolean;
}

/** One feature's statistics in one window. Null: does not apply, or not evaluated. */
export interface FeatureWindowStats {
  windowStartMs: number;
  /** The method that decided the verdict: ks, chi_square, wasserstein_normed, jensen_shannon. */
  method: string | null;
  score: number | null;
  threshold: number | null;
  drifted: boolean | null;
  psi: number | null;
  ksPValue: number | null;
  /** Missing share of the current rows. */
  missingRate: number;
  referenceCount: number;
  currentCount: number;
  /** Why there is no verdict (too few values, an empty side). */
  message: string | null;
}

/** Reference vs current shares over the same bins (see libs/stats/column-histogram.ts). */
export interface FeatureDistribution {
  /** The window the current shares are from. */
  windowStartMs: number;
  labels: string[];
  reference: number[];
  current: number[];
}

/** A feature: its latest window, its history over the report's windows, and its latest distribution. */
export interface ReportFeature {
  name: string;
  kind: 'numerical' | 'categorical';
  latest: FeatureWindowStats;
  /** One entry per window the feature has a row in, oldest first. */
  history: FeatureWindowStats[];
  distribution: FeatureDistribution | null;
}

/** Everything renderDriftReport needs. */
export interface DriftReportData {
  model: string;
  modelVersion: string | null;
  source: DriftReportSource;
  generatedAtMs: number;
  /** Oldest first; at least one. */
  windows: ReportWindow[];
  /** In table order. */
  features: ReportFeature[];
}
