import { DriftlineError } from '../../libs/errors/errors.ts';

/**
 * Keyset pagination cursors. A cursor holds the sort key of the last row of
 * a page and the time range of the first page, base64url-encoded JSON:
 * opaque to clients, stable while rows are added (unlike an offset), and
 * harmless when forged — each value must match the pattern of its key
 * column and only reaches ClickHouse as a typed query parameter.
 */
export interface Cursor {
  key: readonly string[];
  /** The [from, to) range of the first page, so "last 24 h" does not move between pages. */
  range?: readonly [number, number] | undefined;
}

/** Encodes a cursor. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor.range ? { k: cursor.key, r: cursor.range } : { k: cursor.key }), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor whose key has one value per pattern (each value must
 * match its pattern); throws INPUT_INVALID naming the parameter otherwise.
 */
export function decodeCursor(text: string, patterns: readonly RegExp[]): Cursor {
  const invalid = () => new DriftlineError('INPUT_INVALID', "query parameter 'cursor' is not a cursor this endpoint returned (pass next_cursor back unchanged)");
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const { k, r } = (raw ?? {}) as { k?: unknown; r?: unknown };
  if (!Array.isArray(k) || k.length !== patterns.length) throw invalid();
  if (!k.every((v, i) => typeof v === 'string' && v.length <= 1_000 && patterns[i]!.test(v))) throw invalid();
  if (r !== undefined && !(Array.isArray(r) && r.length === 2 && r.every((v) => Number.isSafeInteger(v)) && r[0] <= r[1])) throw invalid();
  return { key: k as string[], range: r as [number, number] | undefined };
}
