import { DriftlineError } from '../errors/errors.ts';
import { isExactPredictionEvent } from './prediction-fast-check.ts';
import { contracts, type ContractName, type EventOf } from './registry.ts';
import { loneSurrogatePath, mayHoldLoneSurrogate } from './well-formed.ts';

/** Messages above this size are rejected before parsing (DoS guard). */
export const MAX_MESSAGE_BYTES = 1_000_000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: DriftlineError };

/*
 * Module level on purpose: a closure made inside decodeEvent is a new function per event, and under tsx
 * (esbuild keepNames) each one is also renamed with Object.defineProperty — a few % of a consumer's time.
 */
function fail(reason: string): { ok: false; error: DriftlineError } {
  return { ok: false, error: new DriftlineError('DECODE_FAILED', reason) };
}

/**
 * Decodes one message value against a contract. Never throws: any problem —
 * empty, oversize, non-UTF-8, not JSON, unsupported schema_version, schema
 * violation — becomes a DECODE_FAILED error whose message names the first
 * offending field, ready for the dead-letter topic.
 */
export function decodeEvent<C extends ContractName>(contract: C, value: Buffer | null): DecodeResult<EventOf<C>> {
  if (value === null || value.length === 0) return fail('empty message value');
  if (value.length > MAX_MESSAGE_BYTES) return fail(`message of ${value.length} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte limit`);
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return fail('message value is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return fail(`message value is not JSON: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('message value is not a JSON object');
  const spec = contracts[contract];
  const version = (json as { schema_version?: unknown }).schema_version;
  if (!(spec.versions as readonly unknown[]).includes(version)) {
    // Shortened: the reason travels in a dead letter, and a hostile value may be most of a megabyte.
    const shown = JSON.stringify(version) ?? 'undefined';
    return fail(`unsupported schema_version ${shown.length > 64 ? `${shown.slice(0, 64)}…` : shown} for ${spec.topic} (accepted: ${spec.versions.join(', ')})`);
  }
  // Valid UTF-8 can still spell a lone surrogate as a \u escape; ClickHouse refuses such strings (see well-formed.ts).
  if (mayHoldLoneSurrogate(text)) {
    const where = loneSurrogatePath(json);
    if (where !== undefined) return fail(`${where}: contains a lone UTF-16 surrogate escape (\\ud800-\\udfff without its pair); strings must be valid Unicode`);
  }
  // Hot path: an exact, valid prediction event needs no zod pass (see prediction-fast-check.ts).
  if (contract === 'predictions' && isExactPredictionEvent(json)) return { ok: true, value: json as EventOf<C> };
  const parsed = spec.schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return fail(`${where}: ${issue.message}`);
  }
  return { ok: true, value: parsed.data as EventOf<C> };
}

/** Encodes an event after validating it: producers never emit what consumers would reject. */
export function encodeEvent<C extends ContractName>(contract: C, event: EventOf<C>): Buffer {
  const parsed = contracts[contract].schema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DriftlineError('VALIDATION_FAILED', `refusing to publish an invalid ${contract} event: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const text = JSON.stringify(parsed.data);
  // JSON.stringify escapes lone surrogates, so the cheap text check finds every candidate (decodeEvent would refuse them).
  const where = mayHoldLoneSurrogate(text) ? loneSurrogatePath(parsed.data) : undefined;
  if (where !== undefined) throw new DriftlineError('VALIDATION_FAILED', `refusing to publish an invalid ${contract} event: ${where}: contains a lone UTF-16 surrogate`);
  return Buffer.from(text);
}
