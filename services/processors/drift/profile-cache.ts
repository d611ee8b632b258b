import type { ClickHouseClient } from '../../../libs/clickhouse/client.ts';
import { messageOf } from '../../../libs/errors/errors.ts';
import type { Logger } from '../../../libs/logging/logger.ts';
import { loadProfile, loadProfileVersion, type StoredProfile } from '../../../libs/profiles/profile-store.ts';

/**
 * Reference profiles as the drift aggregator and finalizer see them, one
 * cache for both so they agree on the profile in force. Entries are
 * re-read at most every `ttlMs` per model version.
 */
export interface ProfileCache {
  /** The profile in force (loaded or refreshed when missing or older than the TTL). */
  get(model: string, modelVersion: string, nowMs: number): Promise<StoredProfile | undefined>;
  /**
   * What the cache holds now, without waiting: the event path's view. A
   * missing or stale entry starts a load in the background; until it lands
   * the caller goes on without (or with the previous) profile.
   */
  peek(model: string, modelVersion: string, nowMs: number): StoredProfile | undefined;
  /**
   * Reads the profile in force now, whatever the cache holds, and keeps it:
   * the validation schemas are loaded through it (at start and on their
   * timer), so the drift aggregator finds the profiles there from the first
   * event.
   */
  refresh(model: string, modelVersion: string, nowMs: number): Promise<StoredProfile | undefined>;
  /** One exact profile version (immutable, so cached for good). */
  version(model: string, modelVersion: string, profileVersion: number): Promise<StoredProfile | undefined>;
}

const keyOf = (model: string, modelVersion: string) => `${model}\u0000${modelVersion}`;

export function createProfileCache(deps: { clickhouse: ClickHouseClient; logger: Logger; ttlMs?: number }): ProfileCache {
  const ttlMs = deps.ttlMs ?? 30_000;
  const entries = new Map<string, { at: number; profile: StoredProfile | undefined; loading?: Promise<StoredProfile | undefined> | undefined }>();
  const versions = new Map<string, Promise<StoredProfile | undefined>>();

  function load(model: string, modelVersion: string, nowMs: number): Promise<StoredProfile | undefined> {
    const key = keyOf(model, modelVersion);
    const entry = entries.get(key);
    if (entry?.loading) return entry.loading;
    const loading = loadProfile(deps.clickhouse, model, modelVersion).then(
      (loaded) => {
        // The same profile version keeps its object: the drift aggregator builds its grids once per profile object.
        const previous = entries.get(key)?.profile;
        const profile = previous && loaded && previous.profileVersion === loaded.profileVersion && previous.profile.model_version === loaded.profile.model_version ? previous : loaded;
        entries.set(key, { at: nowMs, profile });
        return profile;
      },
      (err: unknown) => {
        // Keep what was there; try again in a few seconds (peek() runs per new window delta: no retry storm).
        const previous = entries.get(key);
        if (previous) {
          previous.loading = undefined;
          previous.at = nowMs - ttlMs + Math.min(5_000, ttlMs);
        }
        throw err;
      },
    );
    entries.set(key, { at: entry?.at ?? -Infinity, profile: entry?.profile, loading });
    return loading;
  }

  return {
    async get(model, modelVersion, nowMs) {
      const entry = entries.get(keyOf(model, modelVersion));
      if (entry && !entry.loading && nowMs - entry.at < ttlMs) return entry.profile;
      return load(model, modelVersion, nowMs);
    },
    peek(model, modelVersion, nowMs) {
      const key = keyOf(model, modelVersion);
      const entry = entries.get(key);
      if (!entry || (!entry.loading && nowMs - entry.at >= ttlMs)) {
        load(model, modelVersion, nowMs).catch((err: unknown) => deps.logger.warn({ model, modelVersion, err: messageOf(err) }, 'reference profile could not be loaded; drift chunks keep exact values meanwhile'));
      }
      return entries.get(key)?.profile;
    },
    refresh: load,
    version(model, modelVersion, profileVersion) {
      const key = `${keyOf(model, modelVersion)}\u0000${profileVersion}`;
      let hit = versions.get(key);
      if (!hit) {
        hit = loadProfileVersion(deps.clickhouse, model, modelVersion, profileVersion);
        hit.catch(() => versions.delete(key));
        versions.set(key, hit);
      }
      return hit;
    },
  };
}
