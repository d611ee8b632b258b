import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CARD_FILE, listVersions, modelVersionDir, ONNX_FILE } from '../../libs/model/model-repository.ts';

/** The routing policy file of a model: `<repo>/<model>/routing.json`. */
export const ROUTING_FILE = 'routing.json';

export interface ScannedVersion {
  version: string;
  dir: string;
  /** Inode, size and mtime of the card and the ONNX file: changes when the version is rewritten. */
  fingerprint: string;
}

export interface ScannedModel {
  name: string;
  /** Complete versions (with a card), in repository order: whole numbers ascending, then others by name. */
  versions: ScannedVersion[];
  /** The parsed routing file; undefined when there is none, `{ unreadable }` when it cannot be read or parsed. */
  routing: unknown;
}

/**
 * One look at a model repository (`<repo>/<model>/<version>/…`): which
 * complete versions exist, their fingerprints, and each model's routing file.
 * A missing repository directory is an empty repository.
 */
export async function scanRepository(repoDir: string): Promise<ScannedModel[]> {
  const entries = await readdir(repoDir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  const models: ScannedModel[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const versions: ScannedVersion[] = [];
    for (const version of await listVersions(repoDir, entry.name)) {
      const dir = modelVersionDir(repoDir, entry.name, version);
      const fingerprint = await fingerprintOf(dir);
      // A version removed between the listing and the stat is simply not there.
      if (fingerprint !== undefined) versions.push({ version, dir, fingerprint });
    }
    if (versions.length > 0) models.push({ name: entry.name, versions, routing: await readRoutingFile(join(repoDir, entry.name, ROUTING_FILE)) });
  }
  return models.sort((a, b) => a.name.localeCompare(b.name));
}

async function fingerprintOf(dir: string): Promise<string | undefined> {
  try {
    const parts = [];
    for (const file of [CARD_FILE, ONNX_FILE]) {
      const s = await stat(join(dir, file));
      parts.push(`${s.ino}:${s.size}:${s.mtimeMs}`);
    }
    return parts.join('|');
  } catch {
    return undefined;
  }
}

async function readRoutingFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { unreadable: `cannot read ${path}: ${(err as Error).message}` };
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return { unreadable: `${path} is not JSON: ${(err as Error).message}` };
  }
}
