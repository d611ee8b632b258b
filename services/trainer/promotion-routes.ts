import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { DriftlineError } from '../../libs/errors/errors.ts';
import { errorBody, errorBodySchema, validationMessage } from '../../libs/http/errors.ts';
import { promoteVersion, type PromotionResult, rollbackModel } from './promotion.ts';

export interface PromotionRoutesOptions {
  clickhouse: ClickHouseClient;
  /** The model repository serving nodes read (routing.json lives there). */
  repoDir: string;
  /** The admin bearer-token check: promotion changes what serves. */
  guard: preHandlerHookHandler;
  clock?: () => number;
}

/** Statuses of the errors these routes answer themselves; anything else goes to the app's error handler. */
const STATUS: Partial<Record<string, number>> = { INPUT_INVALID: 400, NOT_FOUND: 404, CONFLICT: 409 };

const params = {
  model: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,127}$' },
  version: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
} as const;

const resultSchema = {
  type: 'object',
  properties: {
    model: { type: 'string' },
    action: { type: 'string', enum: ['promote', 'canary', 'rollback'] },
    routing: {
      type: 'object',
      properties: {
        champion: { type: 'string' },
        canary: { type: 'object', properties: { version: { type: 'string' }, share: { type: 'number' } } },
      },
    },
    previous_champion: { type: 'string' },
  },
} as const;

const errors = { 400: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema };

/**
 * Manual promotion and rollback:
 *
 * - `POST /v1/models/:model/versions/:version/promote` — body optional
 *   `{ canary_share?, reason? }`: without a share the version becomes
 *   champion (the old champion is archived); with one it serves that share as
 *   a canary. 404 when the version is not in the repository, 409 when it is
 *   already the champion.
 * - `POST /v1/models/:model/rollback` — body optional `{ reason? }`: ends an
 *   active canary, else returns to the champion before the current one.
 *   409 when there is none.
 *
 * Both update the registry and write routing.json, which serving nodes pick
 * up on their next repository scan.
 */
export function promotionRoutes(options: PromotionRoutesOptions): FastifyPluginAsync {
  const deps = { clickhouse: options.clickhouse, repoDir: options.repoDir, ...(options.clock ? { clock: options.clock } : {}) };
  // Validation errors are attached, not thrown, so the guard (a preHandler) runs before a 400 and the answer has the usual error body.
  const answer = async (request: FastifyRequest, reply: FastifyReply, action: () => Promise<PromotionResult>) => {
    const invalid = request.validationError as (Error & { validation?: Parameters<typeof validationMessage>[0]; validationContext?: string }) | undefined;
    if (invalid) return reply.code(400).send(errorBody('INPUT_INVALID', validationMessage(invalid.validation ?? [], invalid.validationContext ?? 'request')));
    const unknown = unknownFields.get(request);
    if (unknown) return reply.code(400).send(errorBody('INPUT_INVALID', unknown));
    try {
      return await action();
    } catch (err) {
      const status = err instanceof DriftlineError ? STATUS[err.code] : undefined;
      if (status === undefined) throw err;
      return reply.code(status).send(errorBody((err as DriftlineError).code, (err as DriftlineError).message));
    }
  };
  // The body is optional (no body is an empty one), and unknown fields are refused even where the
  // app's ajv strips them (fastify's default): a typo like `canary_shar` must not become a full promotion.
  const unknownFields = new WeakMap<FastifyRequest, string>();
  const bodyGate = (allowed: readonly string[]) => async (request: FastifyRequest) => {
    request.body ??= {};
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
    const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
    if (unknown.length > 0) unknownFields.set(request, `unknown body field '${unknown[0]}' (allowed: ${allowed.join(', ')})`);
  };

  return async (app) => {
    app.post<{ Params: { model: string; version: string }; Body: { canary_share?: number; reason?: string } | undefined }>(
      '/v1/models/:model/versions/:version/promote',
      {
        preValidation: bodyGate(['canary_share', 'reason']),
        attachValidation: true,
        preHandler: options.guard,
        schema: {
          summary: 'Promote a model version to champion, or to canary with canary_share',
          tags: ['models'],
          params: { type: 'object', required: ['model', 'version'], properties: params },
          body: {
            type: 'object',
            additionalProperties: false,
            properties: {
              canary_share: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
              reason: { type: 'string', maxLength: 1000 },
            },
          },
          response: { 200: resultSchema, ...errors },
        },
      },
      (request, reply) =>
        answer(request, reply, () =>
          promoteVersion(deps, {
            model: request.params.model,
            version: request.params.version,
            canaryShare: request.body?.canary_share,
            promotedBy: 'api',
            reason: request.body?.reason ?? 'manual promotion (API)',
          })),
    );

    app.post<{ Params: { model: string }; Body: { reason?: string } | undefined }>(
      '/v1/models/:model/rollback',
      {
        preValidation: bodyGate(['reason']),
        attachValidation: true,
        preHandler: options.guard,
        schema: {
          summary: 'Roll back: end the canary, else return to the previous champion',
          tags: ['models'],
          params: { type: 'object', required: ['model'], properties: { model: params.model } },
          body: { type: 'object', additionalProperties: false, properties: { reason: { type: 'string', maxLength: 1000 } } },
          response: { 200: resultSchema, ...errors },
        },
      },
      (request, reply) =>
        answer(request, reply, () => rollbackModel(deps, { model: request.params.model, promotedBy: 'api', reason: request.body?.reason ?? 'manual rollback (API)' })),
    );
  };
}
