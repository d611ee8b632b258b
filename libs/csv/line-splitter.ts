/**
 * The CSV reader's byte-level splitter: turns complete lines into cells and
 * hands each cell's byte range to its column builder — no string per cell,
 * no array per row.
 *
 * - Quote-free lines (the common case) take a tight loop that parses a
 *   numeric column's cell while scanning it and hashes a categorical one.
 * - Lines with RFC 4180 quoted cells ("a, b", "say ""hi""", line breaks
 *   inside quotes) are split by ./quoted-record.ts.
 * - A quote the splitter cannot read (inside an unquoted cell, or text
 *   after a closing quote) stops it with status 'fallback': the reader hands
 *   the rest of the file to csv-parse, which reports the problem.
 *
 * Shared conventions: `\n` or `\r\n` ends a line, blank lines are skipped,
 * every other line must have the header's number of cells.
 */
import type { ColumnBuilder } from './column-builder.ts';
import { readQuotedRecord } from './quoted-record.ts';

const COMMA = 44;
const LF = 10;
const CR = 13;
const QUOTE = 34;
const MAX_FAST_DIGITS = 15; // 10^15 < 2^53: the digit accumulator stays exact
// 10^0 … 10^22 are exact doubles.
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** Raised for a line whose cell count differs from the header's. */
export class RaggedLineError extends Error {
  constructor(
    readonly line: number,
    readonly cells: number,
    readonly expected: number,
  ) {
    super(`expected ${expected} fields as in the header, found ${cells}`);
    this.name = 'RaggedLineError';
  }
}

/** What {@link feedLines} did with a region. */
export interface FeedResult {
  rows: number;
  /** Physical lines consumed (blank lines and line breaks inside quotes included). */
  lines: number;
  /** Bytes consumed: everything before this index went to the builders. */
  consumed: number;
  /**
   * 'done': the region was consumed. 'need-more': the line at `consumed`
   * continues past the region (a quoted line break); call again with more
   * data. 'fallback': the line at `consumed` has quoting this splitter does
   * not read.
   */
  status: 'done' | 'need-more' | 'fallback';
}

/**
 * Feeds the lines of buf[start, end) to `builders`, one cell per builder.
 * The region must end at a line end unless `final` (end of data).
 * `firstLine` is the 1-based line number at `start`.
 */
export function feedLines(
  buf: Uint8Array,
  start: number,
  end: number,
  final: boolean,
  builders: readonly ColumnBuilder[],
  firstLine: number,
): FeedResult {
  const columns = builders.length;
  let rows = 0;
  let lines = 0;
  let pos = start;
  // Next quote at or after pos (end when none): lines before it take the fast loop.
  let nextQuote = buf.indexOf(QUOTE, pos);
  if (nextQuote < 0 || nextQuote > end) nextQuote = end;
  while (pos < end) {
    if (nextQuote < end) {
      if (nextQuote < pos) {
        nextQuote = buf.indexOf(QUOTE, pos);
        if (nextQuote < 0 || nextQuote > end) nextQuote = end;
      }
      const lf = buf.indexOf(LF, pos);
      if (nextQuote < (lf < 0 || lf > end ? end : lf)) {
        const record = readQuotedRecord(buf, pos, end, final, builders);
        if (record.status !== 'ok') return { rows, lines, consumed: pos, status: record.status };
        if (record.cells !== columns) throw new RaggedLineError(firstLine + lines, record.cells, columns);
        record.push();
        rows++;
        lines += record.lines;
        pos = record.next;
        continue;
      }
    }
    lines++;
    // Blank line (or a lone CR before the LF): skipped.
    const first = buf[pos]!;
    if (first === LF || (first === CR && (pos + 1 >= end || buf[pos + 1] === LF))) {
      pos += first === LF ? 1 : 2;
      continue;
    }
    let column = 0;
    let i = pos;
    // Each iteration consumes one cell and its delimiter.
    for (;;) {
      const cellStart = i;
      const builder = column < columns ? builders[column]! : null;
      let cellEnd = -1;
      if (builder !== null && builder.isNumeric) {
        // Inline fast path for the common cell: [+-]digits[.digits] with at
        // most 15 significant digits and 22 decimals, read as one exact
        // integer divided once by an exact power of ten (correctly rounded,
        // as Number() would). Exponents, long digit strings and non-numbers
        // take the general path below.
        let k = i;
        let c = k < end ? buf[k]! : LF;
        let negative = false;
        if (c === 45 || c === 43) {
          negative = c === 45;
          c = ++k < end ? buf[k]! : LF;
        }
        let mantissa = 0;
        let significant = 0;
        let digits = 0;
        let decimals = 0;
        while (c >= 48 && c <= 57) {
          if (mantissa !== 0 || c !== 48) {
            mantissa = mantissa * 10 + (c - 48);
            significant++;
          }
          digits++;
          c = ++k < end ? buf[k]! : LF;
        }
        if (c === 46) {
          c = ++k < end ? buf[k]! : LF;
          while (c >= 48 && c <= 57) {
            if (mantissa !== 0 || c !== 48) {
              mantissa = mantissa * 10 + (c - 48);
              significant++;
            }
            digits++;
            decimals++;
            c = ++k < end ? buf[k]! : LF;
          }
        }
        if (
          digits > 0 &&
          significant <= MAX_FAST_DIGITS &&
          decimals <= 22 &&
          (c === COMMA || c === LF || (c === CR && (k + 1 >= end || buf[k + 1] === LF)))
        ) {
          const magnitude = decimals === 0 ? mantissa : mantissa / POW10[decimals]!;
          builder.pushNumber(negative ? -magnitude : magnitude);
          cellEnd = k < end ? k : end;
        }
      } else if (builder !== null) {
        // Categorical: hash while scanning to the delimiter.
        let h = 0x811c9dc5;
        let k = i;
        for (; k < end; k++) {
          const b = buf[k]!;
          if (b === COMMA || b === LF) break;
          h = Math.imul(h ^ b, 0x01000193);
        }
        if (k > cellStart && buf[k - 1] === CR && (k === end || buf[k] === LF)) {
          builder.pushBytes(buf, cellStart, k - 1); // rare: CRLF after a categorical cell
        } else {
          builder.pushCategoricalBytes(buf, cellStart, k, h);
        }
        cellEnd = k;
      }
      if (cellEnd < 0) {
        // General path: find the delimiter, drop a CR before LF, let the builder decide.
        let k = i;
        while (k < end && buf[k] !== COMMA && buf[k] !== LF) k++;
        const e = k > cellStart && buf[k - 1] === CR && (k === end || buf[k] === LF) ? k - 1 : k;
        if (builder !== null) builder.pushBytes(buf, cellStart, e);
        cellEnd = k;
      } else if (cellEnd < end && buf[cellEnd] === CR) {
        cellEnd++; // the CR of a CRLF after a number
      }
      column++;
      i = cellEnd + 1;
      if (cellEnd >= end || buf[cellEnd] === LF) break;
    }
    if (column !== columns) throw new RaggedLineError(firstLine + lines - 1, column, columns);
    rows++;
    pos = i;
  }
  return { rows, lines, consumed: Math.min(pos, end), status: 'done' };
}
