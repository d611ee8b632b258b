import { access, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DriftlineError } from '../errors/errors.ts';
import { type ModelCard, parseModelCard } from './model-card.ts';

/**
 * A model repository on a file system (the layout a Triton-style registry
 * uses): `<repo>/<model>/<version>/model.onnx` + `model-card.json`. A version
 * is immutable once written; the card is written last, so its presence marks
 * the version as complete.
 */

export const ONNX_FILE = 'model.onnx';
export const CARD_FILE = 'model-card.json';

/** The directory of one model version. */
export function modelVersionDir(repoDir: string, model: string, version: string): string {
  return join(repoDir, model, version);
}

/**
 * Writes a model version and returns its directory. The card is validated
 * first; both files go to temporary names and are renamed, ONNX first and card
 * last. Throws MODEL_INVALID when the version already exists.
 */
export async function writeModelVersion(repoDir: string, onnxBytes: Uint8Array, card: ModelCard): Promise<string> {
  const valid = parseModelCard(card);
  const dir = modelVersionDir(repoDir, valid.model, valid.version);
  await mkdir(dir, { recursive: true });
  const cardPath = join(dir, CARD_FILE);
  if (await exists(cardPath)) {
    throw new DriftlineError('MODEL_INVALID', `model version already exists: ${valid.model}/${valid.version}`, { details: { dir } });
  }
  const onnxPath = join(dir, ONNX_FILE);
  await writeFile(`${onnxPath}.tmp`, onnxBytes);
  await rename(`${onnxPath}.tmp`, onnxPath);
  await writeFile(`${cardPath}.tmp`, `${JSON.stringify(valid, null, 2)}\n`);
  await rename(`${cardPath}.tmp`, cardPath);
  return dir;
}

/** Reads and validates one model version. Throws NOT_FOUND when it has no card, MODEL_INVALID when the card is bad. */
export async function readModelVersion(dir: string): Promise<{ onnxBytes: Uint8Array; card: ModelCard }> {
  const cardText = await readFile(join(dir, CARD_FILE), 'utf8').catch((cause: unknown) => {
    throw new DriftlineError('NOT_FOUND', `no model card in ${dir}`, { cause });
  });
  let json: unknown;
  try {
    json = JSON.parse(cardText);
  } catch (cause) {
    throw new DriftlineError('MODEL_INVALID', `model card in ${dir} is not JSON`, { cause });
  }
  const card = parseModelCard(json);
  const onnxBytes = new Uint8Array(await readFile(join(dir, ONNX_FILE)));
  return { onnxBytes, card };
}

/** The complete versions of a model (those with a card), numeric ones in numeric order, then the rest sorted. */
export async function listVersions(repoDir: string, model: string): Promise<string[]> {
  const entries = await readdir(join(repoDir, model), { withFileTypes: true }).catch(() => []);
  const versions: string[] = [];
  for (const e of entries) {
    if (e.isDirectory() && (await exists(join(repoDir, model, e.name, CARD_FILE)))) versions.push(e.name);
  }
  const numeric = versions.filter(isWholeNumber).sort((a, b) => Number(a) - Number(b));
  return [...numeric, ...versions.filter((v) => !isWholeNumber(v)).sort()];
}

/** One more than the highest whole-number version ("1" for a new model). Directories without a card count too, so a half-written version is never reused. */
export async function nextVersion(repoDir: string, model: string): Promise<string> {
  const entries = await readdir(join(repoDir, model), { withFileTypes: true }).catch(() => []);
  const taken = entries.filter((e) => e.isDirectory() && isWholeNumber(e.name)).map((e) => Number(e.name));
  return String(Math.max(0, ...taken) + 1);
}

function isWholeNumber(s: string): boolean {
  return /^[1-9][0-9]{0,8}$/.test(s);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
