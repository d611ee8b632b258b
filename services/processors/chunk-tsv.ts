import type { ChunkRow } from './chunk-buffer.ts';

/** A chunk row with the columns a checkpoint adds. */
export interface StoredChunkRow extends Omit<ChunkRow, 'state'> {
  state: string;
  pipeline: string;
  topic: string;
  partition: number;
  chunk_offset: number;
}

/** processor_chunks columns in the order `encodeChunkRows` writes them. */
export const CHUNK_COLUMNS = ['pipeline', 'topic', 'partition', 'chunk_offset', 'model', 'model_version', 'window_start', 'window_end', 'part', 'events', 'late_events', 'state'] as const;

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A string field of ClickHouse's TabSeparated format. */
export function tsvString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : s;
}

/** Epoch ms → DateTime64(3) text ('1970-01-01 00:00:00.000'). */
export function tsvDateTime64(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23).replace('T', ' ');
}

/** The columns a checkpoint adds to each of its chunk rows. */
export type ChunkRowKey = Pick<StoredChunkRow, 'pipeline' | 'topic' | 'partition' | 'chunk_offset'>;

/**
 * A checkpoint's rows as one TabSeparated body (columns: CHUNK_COLUMNS).
 *
 * Why not JSONEachRow: the drift parts carry every numeric value of the
 * interval (base64 float64, ~180 bytes per event), and JSONEachRow built an
 * object per row and re-scanned each state for escapes in JSON.stringify.
 * The states are ASCII base64 or JSON, so TabSeparated passes them through
 * as they are (one regex test each), and the body is built with one join —
 * on the event loop, before the batch it is written beside, so every copy
 * counts.
 */
export function encodeChunkRows(rows: readonly StoredChunkRow[]): string {
  return encodeRows(rows, undefined);
}

/** The same body for rows that share their checkpoint's key (no copy of each row with the key added). */
export function encodeChunkRowsOf(key: ChunkRowKey, rows: ReadonlyArray<Omit<StoredChunkRow, keyof ChunkRowKey>>): string {
  return encodeRows(rows, key);
}

/**
 * Consecutive rows of one checkpoint share their key and, part after part,
 * their window: those leading columns are encoded once per run of equal
 * values (formatting the two DateTime64 columns per row was most of the
 * cost of a catch-up's checkpoints, ~1,800 rows each).
 */
function encodeRows(rows: ReadonlyArray<Omit<StoredChunkRow, keyof ChunkRowKey> & Partial<ChunkRowKey>>, fixedKey: ChunkRowKey | undefined): string {
  const lines = new Array<string>(rows.length + 1);
  let key: ChunkRowKey | undefined;
  let keyText = '';
  let window: Pick<StoredChunkRow, 'model' | 'model_version' | 'window_start' | 'window_end'> | undefined;
  let windowText = '';
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const k = fixedKey ?? (r as ChunkRowKey);
    if (key === undefined || k.pipeline !== key.pipeline || k.topic !== key.topic || k.partition !== key.partition || k.chunk_offset !== key.chunk_offset) {
      key = k;
      keyText = `${tsvString(k.pipeline)}\t${tsvString(k.topic)}\t${k.partition}\t${k.chunk_offset}\t`;
    }
    if (window === undefined || r.model !== window.model || r.model_version !== window.model_version || r.window_start !== window.window_start || r.window_end !== window.window_end) {
      window = r;
      windowText = `${tsvString(r.model)}\t${tsvString(r.model_version)}\t${tsvDateTime64(r.window_start)}\t${tsvDateTime64(r.window_end)}\t`;
    }
    lines[i] = `${keyText}${windowText}${tsvString(r.part)}\t${r.events}\t${r.late_events}\t${tsvString(r.state)}`;
  }
  lines[rows.length] = '';
  return lines.join('\n');
}
