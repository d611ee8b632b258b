import type { FastifyPluginAsync, preHandlerHookHandler } from 'fastify';
import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { errorBodySchema } from '../../libs/http/errors.ts';
import { buildReferenceProfile } from '../../libs/profiles/reference-profile.ts';
import { saveProfile } from '../../libs/profiles/profile-store.ts';

/**
 * `POST /v1/models/:model/versions/:version/reference`: uploads a version's
 * reference profile from training rows (`{ rows: [{feature: value…}],
 * categorical?: [names], source? }`). The profile (bins, category shares,
 * the exact KS sample, the inferred validation schema) is built here exactly
 * as `driftline profile` builds it from a CSV, and stored as the version's
 * next profile_version; the processors use it for the next windows they close.
 */
export function referenceRoutes(options: { clickhouse: ClickHouseClient; guard: preHandlerHookHandler; maxRows: number }): FastifyPluginAsync {
  return async (app) => {
    app.post(
      '/v1/models/:model/versions/:version/reference',
      {
        preHandler: options.guard,
        schema: {
          summary: 'Upload a reference profile built from training rows',
          tags: ['models'],
          params: {
            type: 'object',
            properties: { model: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,127}$' }, version: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } },
            required: ['model', 'version'],
          },
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['rows'],
            properties: {
              // Feature values are scalars: an object or array would become a category spelled "[object Object]".
              rows: { type: 'array', minItems: 1, maxItems: options.maxRows, items: { type: 'object', additionalProperties: { anyOf: [{ type: 'number' }, { type: 'string' }, { type: 'boolean' }, { type: 'null' }] } } },
              categorical: { type: 'array', items: { type: 'string', minLength: 1 } },
              source: { type: 'string', maxLength: 500 },
            },
          },
          response: { 201: { type: 'object', properties: { model: { type: 'string' }, model_version: { type: 'string' }, profile_version: { type: 'integer' }, rows: { type: 'integer' }, features: { type: 'array', items: { type: 'string' } } } }, 400: errorBodySchema },
        },
      },
      async (request, reply) => {
        const { model, version } = request.params as { model: string; version: string };
        const body = request.body as { rows: Array<Record<string, unknown>>; categorical?: string[]; source?: string };
        // A misspelt categorical name would silently leave that column numeric (the drift CLI refuses it too).
        const columns = new Set(body.rows.flatMap((row) => Object.keys(row)));
        const unknown = (body.categorical ?? []).filter((name) => !columns.has(name));
        if (unknown.length > 0) return reply.code(400).send({ error: { code: 'INPUT_INVALID', message: `categorical names unknown column(s): ${unknown.slice(0, 10).map((n) => JSON.stringify(n)).join(', ')}` } });
        const profile = buildReferenceProfile(body.rows, { model, modelVersion: version, source: body.source ?? 'api upload', ...(body.categorical ? { categorical: body.categorical } : {}) });
        const profileVersion = await saveProfile(options.clickhouse, profile);
        return reply.code(201).send({ model, model_version: version, profile_version: profileVersion, rows: profile.rows, features: Object.keys(profile.features).sort() });
      },
    );
  };
}
