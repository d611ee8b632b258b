import type { FeatureProfile } from '../../../libs/profiles/reference-profile.ts';
import { referenceColumnState } from '../../../libs/profiles/reference-profile.ts';
import { computeColumnHistogram, type ColumnHistogram } from '../../../libs/stats/column-histogram.ts';
import { computeColumnReport, type ColumnReport } from '../../../libs/stats/column-report.ts';
import { resolveThresholds, type DriftThresholds } from '../../../libs/stats/drift-decision.ts';
import { createCategoricalState, createNumericState, type ColumnState, type NumericColumnState } from '../../../libs/stats/partial-state.ts';
import { GridCounts, type ReferenceGrid } from '../../../libs/stats/reference-grid.ts';
import { messageOf } from '../../../libs/errors/errors.ts';
import { decodeInto, type DecodeTarget } from './column-codec.ts';
import { buildFeatureGrid, featureGridPlan } from './drift-grid.ts';
import { parseGridKey } from './grid-key.ts';

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
  /** Key of the grid of `feature` for `bins` (drift-grid.ts): chunks written against it are counted as they are. */
  gridKey?: string | undefined;
  /** Other grids some chunks were written against (the profile changed while the window was open): key → that profile's feature. */
  otherGridFeatures?: Record<string, FeatureProfile> | undefined;
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
 * A numeric feature with more distinct reference values than the few-valued
 * limit is computed from its values counted on the reference grid
 * (libs/stats/reference-grid.ts: KS, PSI and JS as from the exact values,
 * Wasserstein to ~1e-5), whatever shape each chunk took; other features
 * from exact values. The exact KS p-value is O(n·m): tens of milliseconds
 * to seconds per feature on a busy window, hence the worker threads.
 */
export function computeFeatureDrift(task: FeatureDriftTask): FeatureDriftResult {
  const thresholds = resolveThresholds(task.thresholds, task.columnThresholds?.[task.name]);
  const numerical = task.feature.kind === 'numerical';
  const { reference, grid: ownGrid, onGrid } = preparedReference(task.feature, task.bins, thresholds.fewValuesMax);
  const otherGrids = new Map<string, ReferenceGrid>();
  for (const [key, feature] of Object.entries(task.otherGridFeatures ?? {})) {
    const grid = buildFeatureGrid(feature, parseGridKey(key)?.bins);
    if (grid) otherGrids.set(key, grid);
  }
  // Chunks counted on this profile's grid while this window is computed from exact values (a different few-valued limit when they were written).
  if (!onGrid && ownGrid && task.gridKey !== undefined) otherGrids.set(task.gridKey, ownGrid);
  const target: DecodeTarget = { numeric: onGrid && ownGrid ? new GridCounts(ownGrid) : createNumericState(64), categorical: createCategoricalState(), gridKey: task.gridKey, otherGrids };

  let unreadable = 0;
  let firstError = '';
  for (const state of task.states) {
    try {
      decodeInto(state, target);
    } catch (err) {
      // One bad chunk must not cost the window its other chunks' values.
      unreadable++;
      firstError ||= messageOf(err);
    }
  }

  let current: ColumnState;
  if (numerical) {
    const numeric = target.numeric instanceof GridCounts ? { kind: 'numerical' as const, values: target.numeric.sortedValues(), count: target.numeric.total, missing: 0, sorted: true } : target.numeric;
    numeric.missing = Math.max(0, task.events - numeric.count);
    current = numeric;
  } else {
    // Numbers sent for a categorical feature count as their text.
    const categorical = target.categorical;
    // (A categorical feature is never counted on a grid: its numbers are exact values here.)
    const numeric = target.numeric;
    if (!(numeric instanceof GridCounts)) {
      for (let i = 0; i < numeric.count; i++) {
        const k = String(numeric.values[i]);
        categorical.counts.set(k, (categorical.counts.get(k) ?? 0) + 1);
      }
    }
    let present = 0;
    for (const c of categorical.counts.values()) present += c;
    categorical.missing = Math.max(0, task.events - present);
    current = categorical;
  }
  const report = computeColumnReport(task.name, reference, current, { bins: task.bins, thresholds: task.thresholds, columnThresholds: task.columnThresholds });
  const histogram = computeColumnHistogram(reference, current, { bins: task.bins });
  if (report.drift && report.currentCount < task.minCurrentCount) {
    report.message = `only ${report.currentCount} values in the window (< ${task.minCurrentCount}): statistics without a verdict`;
    report.drift = null;
  }
  if (unreadable > 0) {
    const note = `${unreadable} chunk state(s) of this window could not be read and were left out (${firstError})`;
    report.message = report.message ? `${report.message}; ${note}` : note;
  }
  return { report, histogram };
}

/** A feature's reference as the statistics read it, and its grid plan (drift-grid.ts featureGridPlan). */
interface PreparedReference {
  reference: ColumnState;
  grid: ReferenceGrid | undefined;
  onGrid: boolean;
}

/** Numeric references prepared, by base64 sample (insertion order: oldest first), with what else they were prepared for. */
const prepared = new Map<string, { key: string; value: PreparedReference }>();
let preparedValues = 0;
/** Sample values the prepared references hold at most (~40 bytes each with the grid); the oldest are dropped beyond. */
const PREPARED_VALUES_MAX = 1_000_000;

/**
 * The reference side of a feature, prepared once per profile feature rather
 * than per window: decoding a numeric sample and building its grid's points
 * and lookup tables took ~6 ms per window of 17 features (~1 s of the 150
 * windows the processors benchmark finalizes). Tasks arrive structured-
 * cloned, a new object each time, so a prepared reference is found by its
 * content: the sample text, then the missing count, bins and few-valued
 * limit. Categorical references are cheap and built every time.
 */
function preparedReference(feature: FeatureProfile, bins: number | undefined, fewValuesMax: number): PreparedReference {
  if (feature.kind !== 'numerical' || !feature.sample) return { reference: referenceColumnState(feature), ...featureGridPlan(feature, bins, fewValuesMax) };
  const key = `${feature.missing}/${bins}/${fewValuesMax}`;
  const found = prepared.get(feature.sample);
  if (found?.key === key) return found.value;
  const value = { reference: referenceColumnState(feature), ...featureGridPlan(feature, bins, fewValuesMax) };
  if (found) {
    prepared.delete(feature.sample);
    preparedValues -= sampleSize(found.value);
  }
  for (const [sample, entry] of prepared) {
    if (preparedValues + sampleSize(value) <= PREPARED_VALUES_MAX) break;
    prepared.delete(sample);
    preparedValues -= sampleSize(entry.value);
  }
  prepared.set(feature.sample, { key, value });
  preparedValues += sampleSize(value);
  return value;
}

const sampleSize = (p: PreparedReference) => (p.reference as NumericColumnState).count;
