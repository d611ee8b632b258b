/*
 * Grid keys: which grid a grid-shaped chunk state was counted on. Apart
 * from drift-grid.ts (which builds grids from profiles) so that the chunk
 * codec, loaded by the encoder worker too, reads them without the profile
 * code.
 */
import type { StoredProfile } from '../../../libs/profiles/profile-store.ts';
import { DEFAULT_BIN_COUNT } from '../../../libs/stats/binning.ts';
import { LEGACY_POSITION_LEVELS, POSITION_LEVELS } from '../../../libs/stats/reference-grid.ts';

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
  const match = /^(.+)\/(\d+)\/(\d+)$/.exec(gridKeyBase(key));
  if (!match) return undefined;
  return { modelVersion: match[1]!, profileVersion: Number(match[2]), bins: Number(match[3]), levels: gridKeyLevels(key) };
}

const LEVELS_SUFFIX = /\/levels=(\d+)$/;

/** The position levels a grid key names at its end, or 64 for keys written before 2026-12-07. */
export function gridKeyLevels(key: string): number {
  const match = LEVELS_SUFFIX.exec(key);
  return match ? Number(match[1]) : LEGACY_POSITION_LEVELS;
}

/** A grid key without its position levels: keys with the same base name the same grid points. */
export const gridKeyBase = (key: string): string => key.replace(LEVELS_SUFFIX, '');
