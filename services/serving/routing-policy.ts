import { z } from 'zod';

/**
 * Which version of a model answers a request. A model directory may hold a
 * `routing.json`:
 *
 *   { "champion": "1", "canary": { "version": "2", "share": 0.1 } }
 *
 * The champion takes every request the canary does not; the canary takes
 * `share` of them, chosen by hashing the request's prediction id, so the
 * split is deterministic (the same id always lands on the same version) and
 * needs no shared state between serving nodes. Without a routing file the
 * latest version is the champion. Rollback is writing the old champion back.
 */

/** The schema of `routing.json`; unknown keys are refused so a typo cannot be silently ignored. */
export const routingFileSchema = z
  .object({
    champion: z.string().min(1),
    canary: z.object({ version: z.string().min(1), share: z.number().min(0).max(1) }).strict().optional(),
  })
  .strict();

export type RoutingPolicy = z.infer<typeof routingFileSchema>;

export interface ResolvedRouting {
  policy: RoutingPolicy;
  /** Where the policy came from: the routing file, the latest version (no file), or the last good policy (file broken). */
  source: 'file' | 'latest' | 'previous';
  /** Why the routing file was not used, for a log line. */
  problem?: string;
}

/**
 * Decides the policy for a model from its routing file (`undefined` when
 * there is none; `{ unreadable }` when it could not be read or parsed) and
 * the versions loaded. A file that names a version not loaded, or is invalid,
 * is not applied: the previous policy stays when it is still servable, else
 * the latest version serves everything. `versions` must not be empty.
 */
export function resolveRouting(file: unknown, versions: readonly string[], previous?: RoutingPolicy): ResolvedRouting {
  const latest: ResolvedRouting = { policy: { champion: versions[versions.length - 1]! }, source: 'latest' };
  if (file === undefined) return latest;
  const fallback = (problem: string): ResolvedRouting =>
    previous && servable(previous, versions) ? { policy: previous, source: 'previous', problem } : { ...latest, problem };
  if (typeof file === 'object' && file !== null && 'unreadable' in file) return fallback(String((file as { unreadable: unknown }).unreadable));
  const parsed = routingFileSchema.safeParse(file);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return fallback(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const policy = parsed.data;
  if (!servable(policy, versions)) {
    const missing = [policy.champion, policy.canary?.version].filter((v): v is string => v !== undefined && !versions.includes(v));
    return fallback(`names version ${missing.join(', ')}, which is not loaded (loaded: ${versions.join(', ')})`);
  }
  return { policy, source: 'file' };
}

function servable(policy: RoutingPolicy, versions: readonly string[]): boolean {
  return versions.includes(policy.champion) && (policy.canary === undefined || versions.includes(policy.canary.version));
}

/** A prediction id's position in [0, 1): FNV-1a (32 bit) of the id, scaled. */
export function routingBucket(predictionId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < predictionId.length; i++) {
    hash ^= predictionId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 0x1_0000_0000;
}

/** The version that answers a request routed by `predictionId` under `policy`. */
export function chooseVersion(policy: RoutingPolicy, predictionId: string): string {
  const canary = policy.canary;
  if (canary && canary.share > 0 && routingBucket(predictionId) < canary.share) return canary.version;
  return policy.champion;
}
