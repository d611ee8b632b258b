/**
 * Fuzzing every service's config schema (services/<name>/config.ts, the
 * sink's, and the embedded stack's superset) through parseEnv: random bad
 * values for every variable, alone and several at once. A value is either
 * accepted or refused with CONFIG_INVALID naming exactly the bad variables;
 * nothing else may be thrown. Typed variables (numbers, durations, enums,
 * booleans, URLs, lists of providers) must refuse values no type accepts;
 * blank values fall back to the default; timer periods and deadlines refuse
 * more than a Node timer can hold; windows refuse zero.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import { commonConfigSchema } from '../../libs/config/common.ts';
import { MAX_TIMER_MS, parseEnv } from '../../libs/config/env.ts';
import { DriftlineError } from '../../libs/errors/errors.ts';
import { apiConfigSchema } from '../../services/api/config.ts';
import { feedbackConfigSchema } from '../../services/feedback/config.ts';
import { processorsConfigSchema } from '../../services/processors/config.ts';
import { servingConfigSchema } from '../../services/serving/config.ts';
import { sinkConfigSchema } from '../../services/sink/main.ts';
import { embeddedConfigSchema } from '../../services/stack/embedded-stack.ts';
import { trainerConfigSchema } from '../../services/trainer/config.ts';
import { recordFigures } from './support/figures.ts';
import { FuzzRandom, RELIABILITY_SEED } from './support/fuzz-random.ts';

const CASES = Number(process.env.RELIABILITY_CONFIG_CASES ?? 4_000);

// trainerConfigSchema is a refined object; its shape is the inner object's.
const SCHEMAS: Record<string, z.ZodObject> = {
  common: commonConfigSchema,
  sink: sinkConfigSchema,
  processors: processorsConfigSchema,
  serving: servingConfigSchema,
  feedback: feedbackConfigSchema,
  trainer: trainerConfigSchema as unknown as z.ZodObject,
  api: apiConfigSchema,
  embedded: embeddedConfigSchema,
};
const shapeOf = (schema: z.ZodObject) => Object.keys((schema as unknown as { shape?: Record<string, unknown> }).shape ?? (schema as unknown as { def: { in: { shape: Record<string, unknown> } } }).def.in.shape);

/** Values no typed variable (number, duration, enum, boolean, URL, provider list) accepts. */
const NO_TYPE_ACCEPTS = ['not-a-value', '@@', '{}', '[1]', 'NaN', 'ten', '1 2 3', '--5', '\u0000', '∞', 'Infinity', '1e999', '0x', 'null', 'yes please'];
/** Timer periods and deadlines (a Node timer longer than MAX_TIMER_MS fires after 1 ms). */
const TIMERS = ['SHUTDOWN_DEADLINE', 'CONSUMER_LAG_INTERVAL', 'SINK_BATCH_MAX_WAIT', 'PROCESSORS_CHECKPOINT_INTERVAL', 'PROCESSORS_FINALIZE_INTERVAL', 'FEEDBACK_RETRY_INTERVAL', 'FEEDBACK_QUALITY_INTERVAL', 'FEEDBACK_TRIGGER_INTERVAL', 'MODEL_POLL_INTERVAL', 'SERVING_PUBLISH_LINGER', 'TRAINER_WEBHOOK_TIMEOUT'];
const WINDOWS = ['PROCESSORS_WINDOW', 'FEEDBACK_WINDOW'];

type Outcome = { ok: true; value: Record<string, unknown> } | { ok: false; variables: string[]; message: string } | { ok: false; threw: string };

function parse(schema: z.ZodObject, env: Record<string, string>): Outcome {
  try {
    return { ok: true, value: parseEnv(schema, env) as Record<string, unknown> };
  } catch (err) {
    if (err instanceof DriftlineError && err.code === 'CONFIG_INVALID') return { ok: false, variables: (err.details?.variables as string[]) ?? [], message: err.message };
    return { ok: false, threw: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

/** A variable is free text when it takes an arbitrary word (strings, lists, names, paths). */
function isFreeText(schema: z.ZodObject, key: string): boolean {
  return parse(schema, { [key]: 'free-text-probe' }).ok;
}

function randomValue(r: FuzzRandom): string {
  switch (r.int(6)) {
    case 0:
      return r.pick(NO_TYPE_ACCEPTS);
    case 1:
      return r.pick(['-1', '0', '1.5', '-0', '999999999999999999999', '65536', '70000', '1e3', '0x10', ' 12 ', '00', '+5']);
    case 2:
      return r.pick(['5', '5s', '-5s', '1.5h', '99999999d', '30d', '25d', '0ms', '1 m', 'turn', '5 seconds', '1y']);
    case 3:
      return r.pick(['true', 'false', 'TRUE', 'on', 'off', '2', 'info', 'verbose', 'INFO', 'http://', 'ftp://x', 'redis://x', 'http://localhost:8123', 'cuda,gpu', 'cpu,,cpu', ',', 'auto', 'manual']);
    case 4:
      return r.nastyString(20);
    default:
      return 'x'.repeat(1 + r.int(600));
  }
}

describe('service config schemas under fuzzed environments', () => {
  const figures = { 'fuzz cases tried': 0, refused: 0, accepted: 0, crashes: 0 };

  it('refuse what no type accepts, naming the variable, for every typed variable of every schema', () => {
    const problems: string[] = [];
    for (const [service, schema] of Object.entries(SCHEMAS)) {
      for (const key of shapeOf(schema)) {
        if (isFreeText(schema, key)) continue;
        for (const value of NO_TYPE_ACCEPTS) {
          figures['fuzz cases tried']++;
          const out = parse(schema, { [key]: value });
          if ('threw' in out) problems.push(`${service} ${key}=${JSON.stringify(value)} threw ${out.threw}`);
          else if (out.ok) problems.push(`${service} ${key}=${JSON.stringify(value)} was accepted as ${JSON.stringify(out.value[key])}`);
          else if (!out.variables.includes(key) || !out.message.includes(`${key}=`)) problems.push(`${service} ${key}: message does not name it: ${out.message}`);
          else figures.refused++;
        }
      }
    }
    assert.deepEqual(problems.slice(0, 15), [], `${problems.length} problems`);
  });

  it(`accept or refuse ${CASES} random values (alone and together) only with CONFIG_INVALID naming exactly the refused variables`, () => {
    const r = new FuzzRandom(RELIABILITY_SEED + 71);
    const problems: string[] = [];
    const names = Object.keys(SCHEMAS);
    for (let i = 0; i < CASES; i++) {
      const service = r.pick(names);
      const schema = SCHEMAS[service]!;
      const keys = shapeOf(schema);
      const env: Record<string, string> = {};
      const n = 1 + (r.chance(0.3) ? r.int(4) : 0);
      for (let k = 0; k < n; k++) env[r.pick(keys)] = randomValue(r);
      figures['fuzz cases tried']++;
      const out = parse(schema, env);
      if ('threw' in out) {
        figures.crashes++;
        problems.push(`${service} ${JSON.stringify(env).slice(0, 200)} threw ${out.threw}`);
      } else if (out.ok) figures.accepted++;
      else {
        figures.refused++;
        // Every refused variable was one we set (a refine may name a related one: TRAINER_WEBHOOK_URL for TRAINER_MODE=webhook).
        const stray = out.variables.filter((v) => !(v in env) && !(v === 'TRAINER_WEBHOOK_URL' && env.TRAINER_MODE === 'webhook'));
        if (stray.length > 0 || out.variables.length === 0) problems.push(`${service} ${JSON.stringify(env).slice(0, 200)}: refused ${JSON.stringify(out.variables)}`);
        // Each refused variable set alone is refused too (the message is per variable, not per environment).
        for (const v of out.variables.filter((x) => x in env)) {
          const alone = parse(schema, { [v]: env[v]! });
          if (alone.ok && !(v === 'TRAINER_MODE')) problems.push(`${service} ${v}=${JSON.stringify(env[v])} refused with others, accepted alone`);
        }
      }
    }
    assert.deepEqual(problems.slice(0, 15), [], `${problems.length} problems (seed ${RELIABILITY_SEED})`);
  });

  it('treat blank values as unset, refuse timers longer than a Node timer holds, and zero-length windows', () => {
    const problems: string[] = [];
    for (const [service, schema] of Object.entries(SCHEMAS)) {
      const defaults = parseEnv(schema, {}) as Record<string, unknown>;
      for (const key of shapeOf(schema)) {
        for (const blank of [' ', '   ', '\t', ' \n ']) {
          figures['fuzz cases tried']++;
          const out = parse(schema, { [key]: blank });
          if (!out.ok || JSON.stringify(out.value[key]) !== JSON.stringify(defaults[key])) problems.push(`${service} ${key}=${JSON.stringify(blank)} did not fall back to the default: ${JSON.stringify(out)}`);
        }
        if (TIMERS.includes(key)) {
          for (const value of ['25d', `${MAX_TIMER_MS + 1}`, '9999h']) {
            figures['fuzz cases tried']++;
            const out = parse(schema, { [key]: value });
            if (out.ok || !('variables' in out) || !out.variables.includes(key)) problems.push(`${service} ${key}=${value} accepted`);
          }
          assert.ok(parse(schema, { [key]: '24d' }).ok, `${key}=24d is fine`);
        }
        if (WINDOWS.includes(key)) {
          figures['fuzz cases tried']++;
          const out = parse(schema, { [key]: '0' });
          if (out.ok) problems.push(`${service} ${key}=0 accepted`);
        }
      }
    }
    assert.deepEqual(problems.slice(0, 15), [], `${problems.length} problems`);
    recordFigures('config-fuzz', { ...figures, schemas: Object.keys(SCHEMAS).length, variables: new Set(Object.values(SCHEMAS).flatMap(shapeOf)).size });
  });
});
