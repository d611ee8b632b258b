/**
 * `GET /reports/drift?model=&version=&from=&to=`: the HTML drift report of
 * a model version over a time range, as a fastify plugin the query API
 * registers. Answers text/html on success, and the API's error body
 * `{ error: { code, message } }` with 400 (a bad parameter, named) or 404
 * (unknown model or version, or no windows in the range); anything else is
 * thrown to the host app's error handler.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ClickHouseClient } from '../clickhouse/client.ts';
import { DriftlineError } from '../errors/errors.ts';
import { loadDriftReport } from './drift-report-data.ts';
import { renderDriftReport } from './render-drift-report.ts';
import { DEFAULT_MAX_REPORT_RANGE_MS, parseReportQuery } from './report-query.ts';

export interface DriftReportRouteDeps {
  clickhouse: ClickHouseClient;
  /** Longest from..to accepted (default 31 days). */
  maxRangeMs?: number;
  /** Most windows in one report (default 1000, the newest). */
  maxWindows?: number;
  clock?: () => number;
}

/** The page carries everything inline; the policy forbids it to fetch anything at all. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STATUS: Partial<Record<string, number>> = { INPUT_INVALID: 400, NOT_FOUND: 404 };

const querySchema = {
  type: 'object',
  properties: {
    model: { type: 'string', description: 'Model name (required).' },
    version: { type: 'string', description: 'Model version; default: the version of the newest window in the range.' },
    from: { type: 'string', description: 'Start of the range on window_start, inclusive: ISO-8601 with a zone, or epoch ms. Default: `to` − 24 h.' },
    to: { type: 'string', description: 'End of the range, exclusive. Default: now.' },
  },
} as const;

/**
 * The drift report route as a plugin: `app.register(driftReportRoute({ clickhouse }))`.
 * Registered under a prefix, the path is `<prefix>/reports/drift`.
 */
export function driftReportRoute(deps: DriftReportRouteDeps): FastifyPluginAsync {
  const clock = deps.clock ?? Date.now;
  return async (app) => {
    app.get(
      '/reports/drift',
      {
        // The handler validates (naming the parameter, in the API's error body); the schema documents.
        attachValidation: true,
        schema: {
          summary: 'HTML drift report',
          description:
            'A self-contained HTML page (no external resources): summary (drifted share, dataset verdict, top drifted features), per-feature table ' +
            '(method, score, threshold, verdict, PSI, KS p-value, missing rate) and charts (reference vs current distribution of the newest window; drift score per window).',
          tags: ['drift'],
          querystring: querySchema,
        },
      },
      async (request, reply) => {
        try {
          const nowMs = clock();
          const query = parseReportQuery(request.query as Record<string, unknown>, nowMs, deps.maxRangeMs ?? DEFAULT_MAX_REPORT_RANGE_MS);
          const data = await loadDriftReport(deps.clickhouse, { ...query, maxWindows: deps.maxWindows, nowMs });
          return reply
            .header('content-type', 'text/html; charset=utf-8')
            .header('content-security-policy', CONTENT_SECURITY_POLICY)
            .header('cache-control', 'no-store')
            .send(renderDriftReport(data));
        } catch (err) {
          const status = err instanceof DriftlineError ? STATUS[err.code] : undefined;
          if (status === undefined || !(err instanceof DriftlineError)) throw err;
          return reply.code(status).send({ error: { code: err.code, message: err.message } });
        }
      },
    );
  };
}
