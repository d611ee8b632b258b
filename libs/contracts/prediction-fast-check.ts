import type { PredictionEvent } from './schemas.ts';

/**
 * A hand-written check of the prediction contract, for the stream's hot path.
 *
 * The zod schema (schemas.ts) stays the contract and the source of every
 * error message; this function only answers "is this exactly a valid event
 * with no extra keys?" about 10× faster, because the processors decode every
 * event and zod's generic machinery dominated their profile. When it says
 * no, the caller runs zod, which either accepts (e.g. unknown keys to strip)
 * or names the problem. contracts' tests check both agree on generated valid
 * and mutated events, so the two cannot drift apart silently.
 */
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const TOP_KEYS = new Set(['schema_version', 'prediction_id', 'model', 'model_version', 'ts', 'features', 'outputs', 'latency_ms', 'status', 'error', 'node', 'execution_provider']);
const MIN_TS = 946_684_800_000;
const MAX_TS = 4_102_444_800_000;

export function isExactPredictionEvent(v: unknown): v is PredictionEvent {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const e = v as Record<string, unknown>;
  let keys = 0;
  for (const key in e) {
    if (!TOP_KEYS.has(key)) return false;
    keys++;
  }
  if (keys !== (e.error === undefined ? 11 : 12)) return false;
  return (
    e.schema_version === 1 &&
    typeof e.prediction_id === 'string' &&
    UUID_V7.test(e.prediction_id) &&
    isString(e.model, 1, 200) &&
    isString(e.model_version, 1, 64) &&
    typeof e.ts === 'number' &&
    Number.isInteger(e.ts) &&
    e.ts >= MIN_TS &&
    e.ts <= MAX_TS &&
    isScalarRecord(e.features) &&
    isScalarRecord(e.outputs) &&
    typeof e.latency_ms === 'number' &&
    Number.isFinite(e.latency_ms) &&
    e.latency_ms >= 0 &&
    e.latency_ms <= 3_600_000 &&
    (e.status === 'ok' || e.status === 'error') &&
    (e.error === undefined || isString(e.error, 0, 4096)) &&
    isString(e.node, 0, 200) &&
    isString(e.execution_provider, 0, 64)
  );
}

function isString(v: unknown, min: number, max: number): v is string {
  return typeof v === 'string' && v.length >= min && v.length <= max;
}

function isScalarRecord(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  // Objects from JSON.parse have Object.prototype; anything else goes to zod.
  if (Object.getPrototypeOf(v) !== Object.prototype) return false;
  const r = v as Record<string, unknown>;
  for (const key in r) {
    if (key.length < 1 || key.length > 200) return false;
    const x = r[key];
    if (x === null || typeof x === 'boolean') continue;
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) return false;
      continue;
    }
    if (typeof x === 'string' && x.length <= 4096) continue;
    return false;
  }
  return true;
}
