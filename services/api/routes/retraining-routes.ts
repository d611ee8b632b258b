import type { FastifyPluginAsync } from 'fastify';
import { DriftlineError } from '../../../libs/errors/errors.ts';
import { itemSchema, mapRow, selectList, type Columns } from '../columns.ts';
import { byFlag, byId, byKeyword, byModel } from '../filters.ts';
import { registerListRoute } from '../list-route.ts';
import { idName } from '../names.ts';
import type { RouteContext } from '../route-context.ts';
import { errorResponses } from '../schemas.ts';

const CANDIDATE_COLUMNS: Columns = {
  candidate_id: 'string',
  model: 'string',
  model_version: 'string',
  from_ts: ['time', 'Start of the prediction-time range the rows were taken from.'],
  to_ts: 'time',
  filters: ['json', 'The selection the snapshot was made with.'],
  reason: 'string',
  decision_id: ['string', 'The trigger decision that asked for it.'],
  row_count: 'int',
  label_coverage: 'float',
  class_balance: ['json', 'Rows per label.'],
  created_at: 'time',
};

const TRAINING_RUN_COLUMNS: Columns = {
  run_id: 'string',
  job_id: 'string',
  model: 'string',
  candidate_id: 'string',
  base_version: 'string',
  new_version: 'string',
  state: ['string', 'queued → training → registered | failed'],
  trainer: 'string',
  metrics: ['json', 'Holdout metrics of the new version.'],
  error: 'string',
  started_at: 'time',
  updated_at: 'time',
};

/**
 * The retraining loop's reads: retrain candidates (immutable snapshots of
 * joined feature+label rows), training runs and trigger-policy decisions.
 */
export function retrainingRoutes(ctx: RouteContext): FastifyPluginAsync {
  return async (app) => {
    registerListRoute(app, ctx, {
      path: '/v1/candidates',
      summary: 'Retrain-candidate datasets',
      description: 'Named, immutable snapshots of joined feature+label rows with their lineage (`retrain_candidates`), newest first.',
      tags: ['retraining'],
      from: 'retrain_candidates FINAL',
      columns: CANDIDATE_COLUMNS,
      filters: { model: byModel },
      orderKey: [
        { column: 'created_at', type: 'time' },
        { column: 'candidate_id', type: 'string' },
      ],
    });

    app.get(
      '/v1/candidates/:id',
      {
        ...(ctx.readGuard ? { preHandler: ctx.readGuard } : {}),
        schema: {
          summary: 'One retrain candidate, with its training runs',
          tags: ['retraining'],
          params: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { ...idName, description: 'candidate_id' } } },
          response: {
            200: { ...itemSchema(CANDIDATE_COLUMNS), properties: { ...(itemSchema(CANDIDATE_COLUMNS).properties as object), training_runs: { type: 'array', items: itemSchema(TRAINING_RUN_COLUMNS) } } },
            404: { description: 'No such candidate', $ref: 'ErrorBody#' },
            ...errorResponses(),
          },
        },
      },
      async (request) => {
        const { id } = request.params as { id: string };
        const [row] = await ctx.query<Record<string, unknown>>(`SELECT ${selectList(CANDIDATE_COLUMNS)} FROM retrain_candidates FINAL WHERE candidate_id = {id:String} LIMIT 1`, { id });
        if (!row) throw new DriftlineError('NOT_FOUND', `no retrain candidate with id ${JSON.stringify(id)}`);
        const runs = await ctx.query<Record<string, unknown>>(
          `SELECT ${selectList(TRAINING_RUN_COLUMNS)} FROM training_runs FINAL WHERE candidate_id = {id:String} ORDER BY started_at DESC, run_id DESC LIMIT {_max:UInt32}`,
          { id, _max: ctx.limits.maxPageSize },
        );
        return { ...mapRow(CANDIDATE_COLUMNS, row), training_runs: runs.map((r) => mapRow(TRAINING_RUN_COLUMNS, r)) };
      },
    );

    registerListRoute(app, ctx, {
      path: '/v1/training-runs',
      summary: 'Training runs',
      description: 'One row per training job attempt and its current state (`training_runs` FINAL), newest first.',
      tags: ['retraining'],
      from: 'training_runs FINAL',
      columns: TRAINING_RUN_COLUMNS,
      filters: { model: byModel, state: byKeyword('state', 'state', 'queued | training | registered | failed'), candidate_id: byId('candidate_id', 'candidate_id', 'Runs trained on this candidate.') },
      orderKey: [
        { column: 'started_at', type: 'time' },
        { column: 'run_id', type: 'string' },
      ],
    });

    registerListRoute(app, ctx, {
      path: '/v1/trigger-decisions',
      summary: 'Retraining trigger decisions',
      description: 'Every evaluation of a model\'s trigger policy: fired or not and why (`reasons`, `blocked_by`: [{rule, observed, threshold, met}]). Time range on `evaluated_at`.',
      tags: ['retraining'],
      from: 'trigger_decisions',
      columns: {
        decision_id: 'string',
        model: 'string',
        evaluated_at: 'time',
        fired: 'bool',
        reasons: ['json', '[{rule, observed, threshold, met}]'],
        blocked_by: ['json', '[{rule, observed, threshold, met}]'],
        candidate_id: 'string',
        job_id: 'string',
      },
      filters: { model: byModel, fired: byFlag('fired', 'fired', 'Only decisions that fired (true) or did not (false).') },
      timeColumn: 'evaluated_at',
      orderKey: [
        { column: 'evaluated_at', type: 'time' },
        { column: 'decision_id', type: 'string' },
      ],
    });
  };
}
