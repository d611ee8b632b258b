/**
 * How Driftline reads one CSV cell: missing-value tokens and the decimal
 * number grammar, for raw bytes (the fast path) and for strings (cells that
 * came through csv-parse). Both paths give identical results.
 *
 * - Missing: the empty cell and the tokens in {@link MISSING_TOKENS}.
 * - Number: `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`,
 *   nothing else (no spaces, no "inf", no hex, no thousands separators),
 *   converted to the nearest double exactly as `Number()`/Python `float()`;
 *   a literal that overflows to ±Infinity (1e999) is not a number either —
 *   numeric columns hold finite values only.
 */

/** Cell texts read as a missing value, in every column. */
export const MISSING_TOKENS: ReadonlySet<string> = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'NULL', 'null', 'None']);

const NUMBER_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

// 10^0 … 10^22 are exact doubles: one multiply/divide by them rounds once.
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const MAX_FAST_DIGITS = 15; // 10^15 < 2^53: the digit accumulator stays exact

/** Whether bytes [start, end) spell a missing-value token. */
export function isMissingBytes(buf: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  if (length === 0) return true;
  if (length > 4) return false;
  const b0 = buf[start]!;
  // Every token starts with N, n or N/A's N.
  if (b0 !== 78 && b0 !== 110) return false;
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(buf[i]!);
  return MISSING_TOKENS.has(text);
}

/** Whether a cell string is a missing-value token. */
export function isMissingText(text: string): boolean {
  return MISSING_TOKENS.has(text);
}

/** Correctly rounded conversion of already-validated decimal text; NaN when it overflows. */
function slowNumber(buf: Uint8Array, start: number, end: number): number {
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(buf[i]!);
  const value = Number(text);
  return Number.isFinite(value) ? value : NaN;
}

/** Where the last {@link scanNumber} stopped (one shared slot: no allocation per cell). */
const numberScan = { end: 0 };

/**
 * Reads the decimal number that starts at `start`, stopping at the first
 * byte (before `limit`) that cannot continue it, and records that position
 * in `numberScan.end`. Returns NaN when no valid number starts there.
 *
 * Short decimals (≤ 15 significant digits, |exponent| ≤ 22) are converted
 * with one exact integer and one rounding step (Clinger's fast path);
 * anything longer goes through `Number()`, so the result is always the
 * correctly rounded double.
 */
function scanNumber(buf: Uint8Array, start: number, limit: number): number {
  let i = start;
  numberScan.end = start;
  if (i >= limit) return NaN;
  let negative = false;
  let c = buf[i]!;
  if (c === 45) {
    negative = true;
    i++;
  } else if (c === 43) {
    i++;
  }
  let mantissa = 0;
  let significant = 0;
  let exponent = 0;
  let digits = 0;
  let exact = true;
  while (i < limit) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) break;
    digits++;
    if (mantissa !== 0 || d !== 0) {
      if (significant < MAX_FAST_DIGITS) {
        mantissa = mantissa * 10 + d;
        significant++;
      } else {
        exact = false;
      }
    }
    i++;
  }
  if (i < limit && buf[i] === 46) {
    i++;
    while (i < limit) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) break;
      digits++;
      if (mantissa === 0 && d === 0) {
        exponent--;
      } else if (significant < MAX_FAST_DIGITS) {
        mantissa = mantissa * 10 + d;
        significant++;
        exponent--;
      } else {
        exact = false;
      }
      i++;
    }
  }
  numberScan.end = i;
  if (digits === 0) return NaN;
  if (i < limit && (buf[i] === 101 || buf[i] === 69)) {
    i++;
    let expNegative = false;
    if (i < limit && (buf[i] === 45 || buf[i] === 43)) {
      expNegative = buf[i] === 45;
      i++;
    }
    let expValue = 0;
    const expStart = i;
    while (i < limit) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) break;
      if (expValue < 1e6) expValue = expValue * 10 + d;
      i++;
    }
    numberScan.end = i;
    if (i === expStart) return NaN; // "1e" / "1e+": not a number
    exponent += expNegative ? -expValue : expValue;
  }
  if (!exact) return slowNumber(buf, start, i);
  let value: number;
  if (mantissa === 0) value = 0;
  else if (exponent >= 0 && exponent <= 22) value = mantissa * POW10[exponent]!;
  else if (exponent < 0 && exponent >= -22) value = mantissa / POW10[-exponent]!;
  else return slowNumber(buf, start, i);
  return negative ? -value : value;
}

/**
 * The number spelled by exactly the bytes [start, end), or NaN when they
 * are not a decimal number of the grammar above.
 */
export function parseNumberBytes(buf: Uint8Array, start: number, end: number): number {
  const value = scanNumber(buf, start, end);
  return numberScan.end === end ? value : NaN;
}

/** The number spelled by a cell string, or NaN (same grammar and rounding as {@link parseNumberBytes}). */
export function parseNumberText(text: string): number {
  if (!NUMBER_PATTERN.test(text)) return NaN;
  const value = Number(text);
  return Number.isFinite(value) ? value : NaN;
}
