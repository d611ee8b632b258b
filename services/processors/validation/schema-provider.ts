import { queryRows, type ClickHouseClient } from '../../../libs/clickhouse/client.ts';
import { messageOf } from '../../../libs/errors/errors.ts';
import type { Logger } from '../../../libs/logging/logger.ts';
import { loadProfile, type StoredProfile } from '../../../libs/profiles/profile-store.ts';
import { summaryFromProfile } from '../../../libs/validation/column-summary.ts';
import { inferSchema } from '../../../libs/validation/infer-schema.ts';
import { parseValidationSchema, type ValidationSchema } from '../../../libs/validation/schema.ts';
import { compileSchema, type FeatureChecker, type Violation } from '../../../libs/validation/validate-event.ts';

/** The schema of a model without a reference profile: no features, no checks. */
export const PERMISSIVE_SCHEMA: ValidationSchema = Object.freeze({ schema_version: 1, features: [] }) as ValidationSchema;

const NO_VIOLATIONS: readonly Violation[] = Object.freeze([]);
/**
 * Checks nothing: events of a model with no schema (yet) are counted as
 * checked, without violations. (A compiled empty schema would instead flag
 * every feature as unknown.)
 */
export const PERMISSIVE_CHECKER: FeatureChecker = Object.freeze({ schema: PERMISSIVE_SCHEMA, check: () => NO_VIOLATIONS });

interface Entry {
  schema: ValidationSchema;
  checker: FeatureChecker;
  /** JSON of the schema, to keep the compiled checker when a refresh changes nothing. */
  text: string;
}

/** The schema in force for a stored profile: its own `schema`, else one inferred from its summary. */
export function schemaOfProfile(stored: StoredProfile, logger?: Logger): ValidationSchema {
  if (stored.profile.schema !== undefined) {
    try {
      return parseValidationSchema(stored.profile.schema);
    } catch (err) {
      logger?.warn({ model: stored.profile.model, err: messageOf(err) }, 'stored profile schema invalid; inferring one from the profile');
    }
  }
  return inferSchema(summaryFromProfile(stored.profile));
}

/**
 * Validation schemas per model version, for the (synchronous) validation
 * aggregator. `refresh()` loads the schema of every model version with a
 * reference profile, and for each model the schema a new version would get
 * (loadProfile's fallback: the model's newest profile); the service calls it
 * before consuming and then every 30 s.
 *
 * Choice: an event of a model with no profile known at the last refresh is
 * checked against PERMISSIVE_CHECKER (counted, never a violation) rather
 * than held back or validated later. Instances refresh on their own timers,
 * so for up to one refresh interval after a profile is first saved,
 * instances may disagree on whether a model is validated; windows closed
 * before the profile existed, or after every instance refreshed, are the
 * same however events are split. Loading at start keeps replays and
 * restarts deterministic when profiles do not change meanwhile.
 */
export function createSchemaProvider(deps: {
  clickhouse: ClickHouseClient;
  logger: Logger;
  /** How a profile in force is read (default: loadProfile); the processors pass their drift profile cache's refresh. */
  loadProfile?: (model: string, modelVersion: string) => Promise<StoredProfile | undefined>;
}) {
  const load = deps.loadProfile ?? ((model: string, modelVersion: string) => loadProfile(deps.clickhouse, model, modelVersion));
  const exact = new Map<string, Entry>();
  const byModel = new Map<string, Entry>();
  const key = (model: string, version: string) => `${model}\u0000${version}`;

  function entryOf(previous: Entry | undefined, schema: ValidationSchema): Entry {
    const text = JSON.stringify(schema);
    return previous?.text === text ? previous : { schema, checker: compileSchema(schema), text };
  }

  const checkerFor = (model: string, version: string): FeatureChecker => (exact.get(key(model, version)) ?? byModel.get(model))?.checker ?? PERMISSIVE_CHECKER;

  return {
    /** Reloads every schema; on failure keeps the previous ones. */
    async refresh(): Promise<void> {
      try {
        const rows = await queryRows<{ model: string; model_version: string }>(deps.clickhouse, 'SELECT DISTINCT model, model_version FROM reference_profiles ORDER BY model, model_version');
        const models = [...new Set(rows.map((r) => r.model))];
        for (const r of rows) {
          const stored = await load(r.model, r.model_version);
          if (stored) exact.set(key(r.model, r.model_version), entryOf(exact.get(key(r.model, r.model_version)), schemaOfProfile(stored, deps.logger)));
        }
        for (const model of models) {
          // A version with no profile of its own: loadProfile's fallback, the model's newest profile.
          const stored = await load(model, '');
          if (stored) byModel.set(model, entryOf(byModel.get(model), schemaOfProfile(stored, deps.logger)));
        }
      } catch (err) {
        deps.logger.warn({ err: messageOf(err) }, 'validation schema refresh failed; keeping the previous schemas');
      }
    },
    checkerFor,
    schemaFor: (model: string, version: string): ValidationSchema => checkerFor(model, version).schema,
  };
}
export type SchemaProvider = Pick<ReturnType<typeof createSchemaProvider>, 'checkerFor' | 'schemaFor'>;
