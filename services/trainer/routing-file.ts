import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DriftlineError } from '../../libs/errors/errors.ts';
import { listVersions } from '../../libs/model/model-repository.ts';
import { ROUTING_FILE } from '../serving/repository-scan.ts';
import { type RoutingPolicy, routingFileSchema } from '../serving/routing-policy.ts';

/**
 * The trainer's side of `<repo>/<model>/routing.json`, the file serving
 * nodes route by (services/serving/routing-policy.ts): promotion, canary and
 * rollback are writes of this file, which the nodes pick up on their next
 * repository scan. Writes are atomic (a unique temporary file renamed over
 * the old one), so a node never reads half a file.
 */

export function routingPath(repoDir: string, model: string): string {
  return join(repoDir, model, ROUTING_FILE);
}

/** The model's routing policy; undefined when it has no routing file. Throws MODEL_INVALID for a file that is not a valid policy. */
export async function readRouting(repoDir: string, model: string): Promise<RoutingPolicy | undefined> {
  const path = routingPath(repoDir, model);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new DriftlineError('MODEL_INVALID', `${path} is not JSON; fix or delete it`, { cause });
  }
  const parsed = routingFileSchema.safeParse(json);
  if (!parsed.success) throw new DriftlineError('MODEL_INVALID', `${path} is not a routing policy: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** Writes the routing policy atomically (temporary file, then rename). */
export async function writeRouting(repoDir: string, model: string, policy: RoutingPolicy): Promise<void> {
  const valid = routingFileSchema.parse(policy);
  const path = routingPath(repoDir, model);
  await mkdir(join(repoDir, model), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(valid, null, 2)}\n`);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * What the model serves now, as a serving node decides it: the routing
 * file's policy, else (no file) the latest complete version as champion.
 * Undefined when the model has no version at all.
 */
export async function currentRouting(repoDir: string, model: string): Promise<RoutingPolicy | undefined> {
  const file = await readRouting(repoDir, model);
  if (file) return file;
  const versions = await listVersions(repoDir, model);
  return versions.length > 0 ? { champion: versions[versions.length - 1]! } : undefined;
}

/**
 * Pins the current champion in a routing file when the model has none yet.
 * Without a file, serving nodes treat the LATEST version as champion, so
 * writing a new version would silently put it in service; the trainer pins
 * first, and only a promotion changes what serves.
 */
export async function pinChampion(repoDir: string, model: string, champion: string): Promise<void> {
  if ((await readRouting(repoDir, model)) === undefined) await writeRouting(repoDir, model, { champion });
}
