import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, type FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { CREDENTIAL_REDACT_PATHS, createGuards, credentialSafeRequest } from '../../libs/http/auth.ts';
import { errorBody, httpErrorOf } from '../../libs/http/errors.ts';
import { clickhouseCheck, type ReadinessCheck } from '../../libs/http/readiness.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import { createServiceRegistry } from '../../libs/metrics/registry.ts';
import { createApiMetrics } from './api-metrics.ts';
import { clickhouseQuery, type ApiLimits, type RouteContext } from './route-context.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { modelRoutes } from './routes/model-routes.ts';
import { monitoringRoutes } from './routes/monitoring-routes.ts';
import { retrainingRoutes } from './routes/retraining-routes.ts';
import { errorSchema } from './schemas.ts';

/** A route plugin registered next to the query API: label ingestion, promotion, bull-board, reports… */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ApiPlugin = FastifyPluginAsync<any> | { plugin: FastifyPluginAsync<any>; opts?: Record<string, unknown> };

export interface ApiAppDeps {
  clickhouse: ClickHouseClient;
  logger: Logger;
  /** Bearer tokens. Admin routes are closed without adminToken; reads are open without readToken. */
  auth: { adminToken?: string | undefined; readToken?: string | undefined };
  limits: ApiLimits;
  /**
   * More routes, registered after the query API's own (inside its error
   * handling, rate limit and OpenAPI document). Write/admin routes guard
   * themselves with `createGuards(auth).admin` from libs/http/auth.ts.
   */
  plugins?: ApiPlugin[];
  /** Readiness checks besides ClickHouse (`SELECT 1`), by name. */
  readiness?: Record<string, ReadinessCheck>;
  /** Where /metrics reads from; default: a registry of its own with service="api". */
  registry?: Registry;
  /** Trust X-Forwarded-For for the client address (only behind a proxy you run). */
  trustProxy?: boolean;
  clock?: () => number;
}

/**
 * The query API: read routes over ClickHouse (models, drift, violations,
 * SLOs, quality, alerts, retrain candidates, training runs, trigger
 * decisions), probes and metrics, and its OpenAPI document at /docs/json
 * with Swagger UI at /docs. Every query is parameterized; every error
 * answers `{ error: { code, message } }`. The app reads no environment:
 * config comes in through `deps` (services/api/main.ts parses it).
 */
export function buildApiApp(deps: ApiAppDeps): FastifyInstance {
  // A child with its own redaction (and a request serializer that cuts credentials from URLs): whatever logger comes in, credentials never reach a line.
  const log = deps.logger.child({ component: 'api' }, { redact: { paths: CREDENTIAL_REDACT_PATHS, censor: '[redacted]' }, serializers: { req: credentialSafeRequest } });
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: deps.limits.bodyLimit,
    trustProxy: deps.trustProxy ?? false,
    // Fastify's default ajv strips unknown properties; we refuse them instead,
    // and keep the failing schema on each error to name the allowed parameters.
    ajv: { customOptions: { removeAdditional: false, verbose: true } },
    // Router-level refusals (a malformed percent-encoding in the path, a parameter over maxParamLength)
    // bypass setErrorHandler; without this they answer fastify's own body, not { error: { code, message } }.
    frameworkErrors: (err, _request, reply) => {
      const { status, body } = httpErrorOf(err, { bodyLimit: deps.limits.bodyLimit, bodyLimitVariable: 'API_BODY_LIMIT', service: 'the API server' });
      void (reply as FastifyReply).code(status).send(body);
    },
  });
  const registry = deps.registry ?? createServiceRegistry('api');
  const metrics = createApiMetrics(registry);
  const guards = createGuards(deps.auth);
  const ctx: RouteContext = { query: clickhouseQuery(deps.clickhouse), limits: deps.limits, readGuard: guards.read, clock: deps.clock ?? Date.now };

  app.setErrorHandler((err, request, reply) => {
    const { status, body } = httpErrorOf(err, { bodyLimit: deps.limits.bodyLimit, bodyLimitVariable: 'API_BODY_LIMIT', service: 'the API server' });
    if (status >= 500) request.log.error({ err, url: request.url.split('?')[0] }, 'request failed');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]} (see /docs)`)));
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: clients must not mint series.
    const route = request.routeOptions.url ?? '(unmatched)';
    metrics.requests.inc({ method: request.method, route, code: String(reply.statusCode) });
    metrics.requestSeconds.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  app.addSchema(errorSchema);
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Driftline query API',
        version: '1',
        description: 'Reads of drift, validation, SLO, quality, alerts and the retraining loop. Lists are newest first, paginated with `limit` and `cursor` (pass `next_cursor` back). Time ranges: `from`/`to` as ISO-8601 or epoch ms, default last 24 h.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      ...(deps.auth.readToken ? { security: [{ bearer: [] }] } : {}),
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  app.register(swaggerUi, { routePrefix: '/docs' });
  if (deps.limits.rateLimitPerMinute > 0) {
    app.register(rateLimit, { max: deps.limits.rateLimitPerMinute, timeWindow: 60_000 });
  }

  app.register(healthRoutes({ checks: { clickhouse: clickhouseCheck(deps.clickhouse), ...deps.readiness }, registry }));
  app.register(modelRoutes(ctx));
  app.register(monitoringRoutes(ctx));
  app.register(retrainingRoutes(ctx));
  for (const entry of deps.plugins ?? []) {
    if (typeof entry === 'function') app.register(entry);
    else app.register(entry.plugin, entry.opts ?? {});
  }
  return app;
}
