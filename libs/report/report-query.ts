/**
 * The query string of `GET /reports/drift`, validated into a report query.
 * Every failure is an INPUT_INVALID error naming the parameter.
 */
import { DriftlineError } from '../errors/errors.ts';
import { formatTime } from './report-format.ts';

/** Parameters the route accepts. */
export const REPORT_QUERY_PARAMETERS = ['model', 'version', 'from', 'to'] as const;

/** The range a request gets without `from`: the 24 hours before `to`. */
export const DEFAULT_REPORT_RANGE_MS = 86_400_000;
/** Longest range by default: 31 days. */
export const DEFAULT_MAX_REPORT_RANGE_MS = 31 * DEFAULT_REPORT_RANGE_MS;

const MIN_MS = Date.UTC(2000, 0, 1);
const MAX_MS = Date.UTC(2100, 0, 1);
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;
const ZONELESS_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?$/;
const MAX_NAME_LENGTH = 256;

function invalid(message: string): DriftlineError {
  return new DriftlineError('INPUT_INVALID', message);
}

/**
 * One end of the range: epoch milliseconds, or ISO-8601 — a date (UTC
 * midnight) or a date-time with `Z` or an offset (a zone-less time would
 * depend on the server's zone, so it is refused).
 */
export function parseInstant(name: string, text: string): number {
  if (/^\d+$/.test(text)) {
    const ms = Number(text);
    if (ms < MIN_MS || ms >= MAX_MS) throw invalid(`query parameter '${name}': ${text} is not epoch milliseconds between 2000 and 2100 (seconds? multiply by 1000)`);
    return ms;
  }
  if (ZONELESS_TIME.test(text)) throw invalid(`query parameter '${name}': '${text}' has no time zone; add Z or an offset such as +02:00`);
  const ms = ISO_DATE_TIME.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms) || ms < MIN_MS || ms >= MAX_MS) {
    throw invalid(`query parameter '${name}': '${text}' is not an ISO-8601 date-time (2024-06-01T12:00:00Z) or epoch milliseconds`);
  }
  return ms;
}

/** A validated report request. */
export interface ReportRequest {
  model: string;
  version: string | undefined;
  fromMs: number;
  toMs: number;
}

function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`query parameter '${name}' must be given once`);
  return value;
}

function name(query: Record<string, unknown>, parameter: string): string | undefined {
  const value = single(query, parameter);
  if (value === undefined) return undefined;
  if (value.trim() === '') throw invalid(`query parameter '${parameter}' is empty`);
  if (value.length > MAX_NAME_LENGTH) throw invalid(`query parameter '${parameter}' is longer than ${MAX_NAME_LENGTH} characters`);
  return value;
}

/**
 * Validates the query string: `model` required; `version` optional; `to`
 * defaults to now and `from` to `to` − 24 h; from < to and to − from ≤
 * `maxRangeMs`; unknown parameters are refused (a typo would otherwise be
 * silently ignored).
 */
export function parseReportQuery(query: Record<string, unknown>, nowMs: number, maxRangeMs = DEFAULT_MAX_REPORT_RANGE_MS): ReportRequest {
  const unknown = Object.keys(query).filter((k) => !(REPORT_QUERY_PARAMETERS as readonly string[]).includes(k));
  if (unknown.length > 0) throw invalid(`unknown query parameter '${unknown[0]}' (allowed: ${REPORT_QUERY_PARAMETERS.join(', ')})`);
  const model = name(query, 'model');
  if (model === undefined) throw invalid("query parameter 'model' is required");
  const version = name(query, 'version');
  const toText = single(query, 'to');
  const fromText = single(query, 'from');
  const toMs = toText === undefined ? nowMs : parseInstant('to', toText);
  const fromMs = fromText === undefined ? toMs - DEFAULT_REPORT_RANGE_MS : parseInstant('from', fromText);
  if (fromMs >= toMs) throw invalid(`query parameter 'from' (${formatTime(fromMs)}) must be before 'to' (${formatTime(toMs)})`);
  if (toMs - fromMs > maxRangeMs) {
    const days = (ms: number) => `${Number((ms / DEFAULT_REPORT_RANGE_MS).toFixed(2))} days`;
    throw invalid(`query parameters 'from'..'to' span ${days(toMs - fromMs)}, over the ${days(maxRangeMs)} limit; narrow the range`);
  }
  return { model, version, fromMs, toMs };
}
