import type { FastifyPluginAsync, preHandlerHookHandler } from 'fastify';
import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { hasCode } from '../../libs/errors/errors.ts';
import { EXPORT_FORMATS, type ExportFormat, exportCandidate } from './candidates.ts';

const CONTENT_TYPES: Record<ExportFormat, string> = { csv: 'text/csv; charset=utf-8', parquet: 'application/vnd.apache.parquet', jsonl: 'application/x-ndjson' };

/**
 * `GET /v1/candidates/:id/export?format=csv|parquet|jsonl`: a retrain
 * candidate's rows as a file, encoded by ClickHouse. For a training pipeline
 * outside Driftline (the webhook trainer hands it this URL). Guarded like the
 * other read routes when a read token is configured.
 */
export function candidateExportRoute(options: { clickhouse: ClickHouseClient; guard?: preHandlerHookHandler | undefined }): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/v1/candidates/:id/export',
      {
        ...(options.guard ? { preHandler: options.guard } : {}),
        schema: {
          summary: 'Download a retrain candidate (CSV, Parquet or JSON lines)',
          tags: ['retraining'],
          params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9._:-]+$' } } },
          querystring: { type: 'object', additionalProperties: false, properties: { format: { type: 'string', enum: Object.keys(EXPORT_FORMATS), default: 'csv' } } },
        },
      },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const { format } = request.query as { format: ExportFormat };
        try {
          const body = await exportCandidate(options.clickhouse, id, format);
          return reply
            .header('content-type', CONTENT_TYPES[format])
            .header('content-disposition', `attachment; filename="${id}.${format === 'jsonl' ? 'jsonl' : format}"`)
            .send(body);
        } catch (err) {
          if (hasCode(err, 'NOT_FOUND')) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: err.message } });
          throw err;
        }
      },
    );
  };
}
