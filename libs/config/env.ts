import { z } from 'zod';
import { DriftlineError } from '../errors/errors.ts';
import { parseDurationMs } from './duration.ts';

/**
 * Helpers for one-schema-per-service config. Each service declares a zod
 * object whose keys are environment variable names, parses `process.env`
 * once in its main.ts, and gets typed, compiled values (durations in ms,
 * lists as arrays). A bad value fails fast with the variable's name.
 */
export const envDuration = (fallback: string, bounds: { minMs?: number; maxMs?: number } = {}) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDurationMs(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `'${text}' is not a duration (use e.g. 250ms, 5s, 1m, 6h, 30d)` });
        return z.NEVER;
      }
      if (bounds.minMs !== undefined && ms < bounds.minMs) {
        ctx.addIssue({ code: 'custom', message: `'${text}' is too short: at least ${bounds.minMs} ms` });
        return z.NEVER;
      }
      if (bounds.maxMs !== undefined && ms > bounds.maxMs) {
        ctx.addIssue({ code: 'custom', message: `'${text}' is too long: at most ${bounds.maxMs} ms` });
        return z.NEVER;
      }
      return ms;
    });

/**
 * Longest delay a Node timer takes (2^31 − 1 ms, about 24.8 days). A longer
 * setTimeout/setInterval fires after 1 ms instead, so a period or deadline
 * set to e.g. 30d would turn into a busy loop or an instant timeout.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** A duration used as a timer period or deadline: refused above MAX_TIMER_MS. */
export const envTimer = (fallback: string, bounds: { minMs?: number } = {}) => envDuration(fallback, { ...bounds, maxMs: MAX_TIMER_MS });

export const envInt = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const envNumber = (fallback: number) => z.coerce.number().refine(Number.isFinite, 'must be a finite number').default(fallback);

export const envList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean));

export const envBool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const envString = (fallback: string) => z.string().min(1).default(fallback);

/**
 * Parses `env` with `schema`; on failure throws CONFIG_INVALID naming every
 * bad variable and why, e.g. `KAFKA_BATCH_SIZE: expected number, got 'ten'`.
 * Empty (or blank) strings count as unset, so `FOO=` falls back to the
 * default. Blank counts too because number coercion would read `FOO=' '`
 * as 0 (e.g. API_RATE_LIMIT=' ' would silently turn the rate limit off).
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(config)');
    return `${name}=${JSON.stringify(cleaned[name] ?? '')}: ${issue.message}`;
  });
  throw new DriftlineError('CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`, {
    details: { variables: result.error.issues.map((i) => String(i.path[0])) },
  });
}
