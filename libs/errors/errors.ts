/**
 * Driftline's typed errors. Every error a caller may act on carries a stable
 * `code` (documented in README "Error codes"), whether a retry can help
 * (`retriable`), and the underlying `cause`. Retry decisions are made from
 * these fields alone, in libs/errors/retry.ts.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'DECODE_FAILED'
  | 'VALIDATION_FAILED'
  | 'MIGRATION_EDITED'
  | 'MIGRATION_MISSING'
  | 'MIGRATION_FAILED'
  | 'CLICKHOUSE_UNAVAILABLE'
  | 'KAFKA_UNAVAILABLE'
  | 'SHUTDOWN_TIMEOUT'
  | 'CSV_INVALID'
  | 'INPUT_INVALID'
  | 'NOT_FOUND'
  | 'MODEL_INVALID'
  | 'INFERENCE_FAILED'
  | 'NOT_READY'
  | 'CONFLICT'
  | 'WEBHOOK_FAILED'
  | 'UNAUTHORIZED'
  | 'WORKER_FAILED';

export interface DriftlineErrorOptions {
  retriable?: boolean;
  cause?: unknown;
  /** Structured context for logs and API error bodies (never secrets). */
  details?: Record<string, unknown>;
}

export class DriftlineError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: DriftlineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DriftlineError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details;
  }
}

/** True when `err` is a DriftlineError with the given code. */
export function hasCode(err: unknown, code: ErrorCode): err is DriftlineError {
  return err instanceof DriftlineError && err.code === code;
}

/** A message for any thrown value, for logs and CLI output. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
