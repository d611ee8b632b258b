import { DriftlineError } from '../../libs/errors/errors.ts';

/** A half-open time range [fromMs, toMs) in ms since the epoch. */
export interface TimeRange {
  fromMs: number;
  toMs: number;
}

const DAY_MS = 86_400_000;
/** The range a request gets when it names neither end. */
export const DEFAULT_RANGE_MS = DAY_MS;
/** Epoch values are bounded like event times, to catch seconds passed as ms. */
const MIN_MS = Date.UTC(2000, 0, 1);
const MAX_MS = Date.UTC(2100, 0, 1);
const ISO_PATTERN = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;
const ISO_WITHOUT_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?$/;

/**
 * Parses one end of a time range: ISO-8601 (a date, or a date-time with `Z`
 * or an offset — a zone-less time would depend on the server's zone) or
 * epoch milliseconds. Throws INPUT_INVALID naming the parameter.
 */
export function parseInstant(name: string, text: string): number {
  let ms: number;
  if (/^\d+$/.test(text)) {
    ms = Number(text);
    if (ms < MIN_MS || ms >= MAX_MS) {
      throw new DriftlineError('INPUT_INVALID', `query parameter '${name}': ${text} is not epoch milliseconds between 2000 and 2100 (seconds? multiply by 1000)`);
    }
    return ms;
  }
  if (ISO_WITHOUT_ZONE.test(text)) {
    throw new DriftlineError('INPUT_INVALID', `query parameter '${name}': '${text}' has no time zone; add Z or an offset such as +02:00`);
  }
  ms = ISO_PATTERN.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms) || ms < MIN_MS || ms >= MAX_MS) {
    throw new DriftlineError('INPUT_INVALID', `query parameter '${name}': '${text}' is not an ISO-8601 date-time (2024-06-01T12:00:00Z) or epoch milliseconds`);
  }
  return ms;
}

/** Human form of a duration for messages: 31d, 6h, 90m, 1500ms. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', DAY_MS], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return ms >= 1_000 ? `${(ms / 1_000).toFixed(1)}s` : `${ms}ms`;
}

/**
 * Resolves `from`/`to` query parameters into a range: both optional, `to`
 * defaults to now and `from` to `to` − 24 h. Rejects from > to and ranges
 * longer than `maxRangeMs` (naming the limit and the variable setting it).
 */
export function resolveTimeRange(query: { from?: string | undefined; to?: string | undefined }, nowMs: number, maxRangeMs: number, maxRangeVariable = 'API_MAX_RANGE'): TimeRange {
  const toMs = query.to === undefined ? nowMs : parseInstant('to', query.to);
  const fromMs = query.from === undefined ? toMs - DEFAULT_RANGE_MS : parseInstant('from', query.from);
  if (fromMs > toMs) {
    throw new DriftlineError('INPUT_INVALID', `query parameter 'from' (${new Date(fromMs).toISOString()}) is after 'to' (${new Date(toMs).toISOString()})`);
  }
  if (toMs - fromMs > maxRangeMs) {
    throw new DriftlineError('INPUT_INVALID', `time range from..to spans ${formatDuration(toMs - fromMs)}, over the ${formatDuration(maxRangeMs)} limit (${maxRangeVariable}); narrow 'from'/'to' and page through`);
  }
  return { fromMs, toMs };
}
