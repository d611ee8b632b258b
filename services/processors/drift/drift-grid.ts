import type { FeatureProfile } from '../../../libs/profiles/reference-profile.ts';
import { referenceColumnState } from '../../../libs/profiles/reference-profile.ts';
import type { StoredProfile } from '../../../libs/profiles/profile-store.ts';
import { DEFAULT_BIN_COUNT } from '../../../libs/stats/binning.ts';
import { sortedValues, type NumericColumnState } from '../../../libs/stats/partial-state.ts';
import { distinctSorted, LEGACY_POSITION_LEVELS, MAX_GRID_POINTS, POSITION_LEVELS, ReferenceGrid, referenceGridPoints } from '../../../libs/stats/reference-grid.ts';

/**
 * Which grid a chunk's values are counted on: the profile in force (its
 * model version and profile version), the PSI bin count, whose edges are
 * grid points, and the position levels inside an interval
 * (`1/3/10/levels=4`). Written into every grid-shaped chunk state. Keys of
 * chunks written before 2026-12-07 end at the bin count: 64 levels
 * (LEGACY_POSITION_LEVELS). A reader older than the levels cannot parse
 * the newer keys, so it reports such chunks as unreadable rather than
 * misreading their codes.
 */
export function gridKey(stored: StoredProfile, bins: number | undefined): string {
  return `${stored.profile.model_version}/${stored.profileVersion}/${bins ?? DEFAULT_BIN_COUNT}/levels=${POSITION_LEVELS}`;
}

/** The parts of a grid key (the model version may itself contain '/'). */
export function parseGridKey(key: string): { modelVersion: string; profileVersion: number; bins: number; levels: number } | undefined {
  const match = /^(.+)\/(\d+)\/(\d+)(?:\/levels=(\d+))?$/.exec(key);
  if (!match) return undefined;
  return { modelVersion: match[1]!, profileVersion: Number(match[2]), bins: Number(match[3]), levels: match[4] === undefined ? LEGACY_POSITION_LEVELS : Number(match[4]) };
}

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
