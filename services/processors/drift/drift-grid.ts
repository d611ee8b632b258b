import { referenceColumnState, type FeatureProfile } from '../../../libs/profiles/reference-profile.ts';
import { DEFAULT_BIN_COUNT } from '../../../libs/stats/binning.ts';
import { sortedValues, type NumericColumnState } from '../../../libs/stats/partial-state.ts';
import { distinctSorted, MAX_GRID_POINTS, ReferenceGrid, referenceGridPoints } from '../../../libs/stats/reference-grid.ts';

/** The sorted reference sample of a numeric feature. */
function sampleOf(feature: FeatureProfile): Float64Array {
  return sortedValues(referenceColumnState(feature) as NumericColumnState);
}

/** The grid of a numeric feature's profile for `bins` PSI bins (undefined without a sample). */
export function buildFeatureGrid(feature: FeatureProfile, bins: number | undefined): ReferenceGrid | undefined {
  return featureGridPlan(feature, bins, Infinity).grid;
}

/**
 * A numeric feature's grid, and whether its window values are counted on
 * it: numeric, with more distinct reference values than the few-valued
 * limit. A few-valued feature keeps exact values: its chi-square runs over
 * the distinct values of both sides, which the grid does not keep.
 */
export function featureGridPlan(feature: FeatureProfile, bins: number | undefined, fewValuesMax: number): { grid: ReferenceGrid | undefined; onGrid: boolean } {
  if (feature.kind !== 'numerical') return { grid: undefined, onGrid: false };
  const sample = sampleOf(feature);
  const points = sample.length === 0 ? undefined : referenceGridPoints(sample, bins ?? DEFAULT_BIN_COUNT);
  // A sample beyond the grid's size (a profile built with a larger cap) keeps exact values.
  if (!points || points.length > MAX_GRID_POINTS) return { grid: undefined, onGrid: false };
  return { grid: new ReferenceGrid(points), onGrid: distinctSorted(sample) > fewValuesMax };
}
