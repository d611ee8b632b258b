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
  const lines = new Array<string>(rows.length + 1);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    lines[i] = `${tsvString(r.pipeline)}\t${tsvString(r.topic)}\t${r.partition}\t${r.chunk_offset}\t${tsvString(r.model)}\t${tsvString(r.model_version)}\t${tsvDateTime64(r.window_start)}\t${tsvDateTime64(r.window_end)}\t${tsvString(r.part)}\t${r.events}\t${r.late_events}\t${tsvString(r.state)}`;
  }
  lines[rows.length] = '';
  return lines.join('\n');
}
