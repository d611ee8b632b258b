/**
 * Reads one CSV record that contains quoted cells (RFC 4180): a cell that
 * starts with `"` runs to the matching closing `"`, may hold commas and line
 * breaks, and spells a quote as `""`. The record is validated completely
 * before any cell reaches a builder, so a record cut by the end of a chunk
 * ('need-more') leaves the builders untouched.
 */
import type { ColumnBuilder } from './column-builder.ts';

const COMMA = 44;
const LF = 10;
const CR = 13;
const QUOTE = 34;

/** A complete record, ready to push. */
export interface QuotedRecordOk {
  status: 'ok';
  cells: number;
  /** Physical lines the record spans. */
  lines: number;
  /** Index just past the record's line end. */
  next: number;
  /** Hands the cells to the builders (call only when `cells` is right). */
  push(): void;
}

/** What {@link readQuotedRecord} found. */
export type QuotedRecord = QuotedRecordOk | { status: 'need-more' | 'fallback' };

const NEED_MORE: QuotedRecord = { status: 'need-more' };
const FALLBACK: QuotedRecord = { status: 'fallback' };

/** Bytes [start, end) with every `""` collapsed to `"`. */
function unescapeQuotes(buf: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  let n = 0;
  for (let i = start; i < end; i++) {
    out[n++] = buf[i]!;
    if (buf[i] === QUOTE) i++; // skip the second quote of the pair
  }
  return out.subarray(0, n);
}

/**
 * Reads the record starting at `pos` within buf[pos, end). 'need-more':
 * the record continues past `end` (only when not `final`). 'fallback': the
 * quoting is not RFC 4180 (a quote inside an unquoted cell, text after a
 * closing quote, or a quote left open at the end of the data).
 */
export function readQuotedRecord(
  buf: Uint8Array,
  pos: number,
  end: number,
  final: boolean,
  builders: readonly ColumnBuilder[],
): QuotedRecord {
  const starts: number[] = [];
  const ends: number[] = [];
  const escaped: boolean[] = [];
  let lines = 1;
  let i = pos;
  for (;;) {
    let cellStart: number;
    let cellEnd: number;
    let hasEscape = false;
    let next: number; // the delimiter after the cell, or `end`
    if (i < end && buf[i] === QUOTE) {
      let k = i + 1;
      for (;;) {
        if (k >= end) return final ? FALLBACK : NEED_MORE;
        const c = buf[k]!;
        if (c === QUOTE) {
          if (k + 1 >= end) {
            if (!final) return NEED_MORE;
            break;
          }
          if (buf[k + 1] === QUOTE) {
            hasEscape = true;
            k += 2;
            continue;
          }
          break;
        }
        if (c === LF) lines++;
        k++;
      }
      cellStart = i + 1;
      cellEnd = k;
      next = k + 1;
      if (next >= end && !final) return NEED_MORE;
      if (next < end) {
        let c = buf[next]!;
        if (c === CR) {
          if (next + 1 < end && buf[next + 1] === LF) {
            next++;
            c = LF;
          } else if (next + 1 >= end && final) {
            next++;
          } else {
            return FALLBACK;
          }
        }
        if (next < end && c !== COMMA && c !== LF) return FALLBACK;
      }
    } else {
      let k = i;
      while (k < end && buf[k] !== COMMA && buf[k] !== LF) {
        if (buf[k] === QUOTE) return FALLBACK;
        k++;
      }
      // Data stopped mid-record: the region did not end at a record end.
      if (k >= end && !final) return NEED_MORE;
      cellStart = i;
      cellEnd = k > i && buf[k - 1] === CR && (k === end || buf[k] === LF) ? k - 1 : k;
      next = k;
    }
    starts.push(cellStart);
    ends.push(cellEnd);
    escaped.push(hasEscape);
    if (next >= end || buf[next] === LF) {
      const push = () => {
        for (let c = 0; c < starts.length; c++) {
          if (escaped[c]) {
            const text = unescapeQuotes(buf, starts[c]!, ends[c]!);
            builders[c]!.pushBytes(text, 0, text.length);
          } else {
            builders[c]!.pushBytes(buf, starts[c]!, ends[c]!);
          }
        }
      };
      return { status: 'ok', cells: starts.length, lines, next: Math.min(next + 1, end), push };
    }
    i = next + 1; // past the comma
  }
}
