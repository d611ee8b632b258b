import type { FastifyPluginAsync } from 'fastify';
import { DriftlineError } from '../../../libs/errors/errors.ts';
import { isoFromClickHouse, itemSchema, mapRow, selectList, type Columns } from '../columns.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { modelName } from '../names.ts';
import type { RouteContext } from '../route-context.ts';
import { errorResponses, pageQuery } from '../schemas.ts';

const REGISTRY_COLUMNS: Columns = {
  version: 'string',
  stage: ['string', 'candidate (registered, not serving) | champion (serving) | archived'],
  artifact_uri: 'string',
  metrics: ['json', 'Holdout metrics of this version.'],
  champion_metrics: ['json', 'The champion\'s metrics on the same holdout, when compared.'],
  lineage: ['json', 'Candidate, base version, training run, trigger decision.'],
  promoted_by: 'string',
  created_at: 'time',
  updated_at: 'time',
};

/** One version as seen across predictions, reference profiles and the registry. */
interface VersionRow {
  model: string;
  version: string;
  predictions: string;
  first_ts: string | null;
  last_ts: string | null;
  has_profile: number;
  stage: string;
}

const versionSchema = {
  type: 'object',
  properties: {
    version: { type: 'string' },
    stage: { type: ['string', 'null'], description: 'Registry stage; null when the version is not in the registry.' },
    predictions: { type: 'integer', description: 'Prediction events stored (raw events are kept 90 days).' },
    first_prediction_at: { type: ['string', 'null'], format: 'date-time' },
    last_prediction_at: { type: ['string', 'null'], format: 'date-time' },
    has_reference_profile: { type: 'boolean' },
  },
} as const;

/**
 * Every (model, version) seen in predictions, reference_profiles or the
 * model registry, for the models in `{models:Array(String)}` (and versions
 * after `{_after:String}` when paging one model's versions).
 */
const VERSIONS_SQL = (extraWhere: string) => `
  SELECT model, version, sum(n) AS predictions, minOrNull(first_ts) AS first_ts, maxOrNull(last_ts) AS last_ts,
         max(profile) AS has_profile, max(stage) AS stage
    FROM (
      SELECT toString(model) AS model, toString(model_version) AS version, count() AS n, min(ts) AS first_ts, max(ts) AS last_ts, 0 AS profile, '' AS stage
        FROM predictions WHERE model IN {models:Array(String)} GROUP BY model, version
      UNION ALL
      SELECT toString(model), toString(model_version), 0, NULL, NULL, 1, '' FROM reference_profiles WHERE model IN {models:Array(String)} GROUP BY model, model_version
      UNION ALL
      SELECT toString(model), version, 0, NULL, NULL, 0, toString(stage) FROM model_registry FINAL WHERE model IN {models:Array(String)}
    )
   WHERE 1 = 1 ${extraWhere}
   GROUP BY model, version
   ORDER BY model, version`;

function versionItem(row: VersionRow) {
  return {
    version: row.version,
    stage: row.stage === '' ? null : row.stage,
    predictions: Number(row.predictions),
    first_prediction_at: row.first_ts ? isoFromClickHouse(row.first_ts) : null,
    last_prediction_at: row.last_ts ? isoFromClickHouse(row.last_ts) : null,
    has_reference_profile: Number(row.has_profile) === 1,
  };
}

/** Models and their versions. */
export function modelRoutes(ctx: RouteContext): FastifyPluginAsync {
  const guard = ctx.readGuard ? { preHandler: ctx.readGuard } : {};
  return async (app) => {
    app.get(
      '/v1/models',
      {
        ...guard,
        schema: {
          summary: 'Models and their versions',
          description: 'Every model seen in predictions, reference profiles or the model registry, by name, with each version\'s registry stage and prediction counts.',
          tags: ['models'],
          querystring: pageQuery({}, ctx.limits.maxPageSize, false),
          response: {
            200: {
              type: 'object',
              required: ['items', 'next_cursor'],
              properties: {
                items: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: { model: { type: 'string' }, last_prediction_at: { type: ['string', 'null'], format: 'date-time' }, versions: { type: 'array', items: versionSchema } },
                  },
                },
                next_cursor: { type: ['string', 'null'] },
              },
            },
            ...errorResponses(),
          },
        },
      },
      async (request) => {
        const query = request.query as { limit: number; cursor?: string };
        const after = query.cursor ? decodeCursor(query.cursor, [/^[\s\S]+$/]).key[0]! : undefined;
        const names = await ctx.query<{ model: string }>(
          `SELECT model FROM (
              SELECT DISTINCT toString(model) AS model FROM predictions
              UNION DISTINCT SELECT DISTINCT toString(model) FROM reference_profiles
              UNION DISTINCT SELECT DISTINCT toString(model) FROM model_registry)
            ${after !== undefined ? 'WHERE model > {_after:String}' : ''}
            ORDER BY model LIMIT {_limit:UInt32}`,
          { _limit: query.limit + 1, ...(after !== undefined ? { _after: after } : {}) },
        );
        const page = names.slice(0, query.limit).map((r) => r.model);
        const versions = page.length ? await ctx.query<VersionRow>(VERSIONS_SQL(''), { models: page }) : [];
        const items = page.map((model) => {
          const mine = versions.filter((v) => v.model === model).map(versionItem);
          const last = mine.map((v) => v.last_prediction_at).filter((t): t is string => t !== null).sort().pop() ?? null;
          return { model, last_prediction_at: last, versions: mine };
        });
        return { items, next_cursor: names.length > query.limit ? encodeCursor({ key: [page[page.length - 1]!] }) : null };
      },
    );

    app.get(
      '/v1/models/:model/versions',
      {
        ...guard,
        schema: {
          summary: 'Versions of one model',
          description: 'The model\'s versions from the registry (stage, metrics, lineage; `model_registry` FINAL) and any version seen in predictions or reference profiles. 404 when the model is unknown.',
          tags: ['models'],
          params: { type: 'object', additionalProperties: false, required: ['model'], properties: { model: modelName } },
          querystring: pageQuery({}, ctx.limits.maxPageSize, false),
          response: {
            200: {
              type: 'object',
              required: ['items', 'next_cursor'],
              properties: {
                model: { type: 'string' },
                items: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: { ...versionSchema.properties, registry: { ...itemSchema(REGISTRY_COLUMNS), type: ['object', 'null'], description: 'The registry entry (null when not registered).' } },
                  },
                },
                next_cursor: { type: ['string', 'null'] },
              },
            },
            404: { description: 'Unknown model', $ref: 'ErrorBody#' },
            ...errorResponses(),
          },
        },
      },
      async (request) => {
        const { model } = request.params as { model: string };
        const query = request.query as { limit: number; cursor?: string };
        const after = query.cursor ? decodeCursor(query.cursor, [/^[\s\S]+$/]).key[0]! : undefined;
        const rows = await ctx.query<VersionRow>(`${VERSIONS_SQL(after !== undefined ? 'AND version > {_after:String}' : '')} LIMIT {_limit:UInt32}`, {
          models: [model],
          _limit: query.limit + 1,
          ...(after !== undefined ? { _after: after } : {}),
        });
        if (rows.length === 0 && after === undefined) throw new DriftlineError('NOT_FOUND', `model ${JSON.stringify(model)} is unknown (no predictions, reference profile or registry entry)`);
        const page = rows.slice(0, query.limit);
        const registered = page.some((r) => r.stage !== '')
          ? await ctx.query<Record<string, unknown>>(`SELECT ${selectList(REGISTRY_COLUMNS)} FROM model_registry FINAL WHERE model = {model:String} AND version IN {versions:Array(String)}`, {
              model,
              versions: page.map((r) => r.version),
            })
          : [];
        const byVersion = new Map(registered.map((r) => [String(r.version), mapRow(REGISTRY_COLUMNS, r)]));
        return {
          model,
          items: page.map((r) => ({ ...versionItem(r), registry: byVersion.get(r.version) ?? null })),
          next_cursor: rows.length > query.limit ? encodeCursor({ key: [page[page.length - 1]!.version] }) : null,
        };
      },
    );
  };
}
