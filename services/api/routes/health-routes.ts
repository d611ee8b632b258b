import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import { runReadinessChecks, type ReadinessCheck } from '../../../libs/http/readiness.ts';

/**
 * Probes and metrics, outside authentication and rate limiting (an
 * orchestrator or Prometheus must always get through): `/healthz` (the
 * process answers), `/readyz` (every readiness check passes: ClickHouse
 * answers `SELECT 1`, plus any the caller adds), `/metrics`.
 */
export function healthRoutes(options: { checks: Record<string, ReadinessCheck>; registry: Registry }): FastifyPluginAsync {
  const probe = { rateLimit: false } as const;
  return async (app) => {
    app.get('/healthz', { config: probe, schema: { summary: 'Liveness: the process answers', tags: ['health'], response: { 200: { type: 'object', properties: { live: { type: 'boolean' } } } } } }, async () => ({ live: true }));

    app.get(
      '/readyz',
      {
        config: probe,
        schema: {
          summary: 'Readiness: ClickHouse answers and every extra check passes (503 otherwise)',
          tags: ['health'],
          response: {
            200: { type: 'object', properties: { ready: { type: 'boolean' }, checks: { type: 'object', additionalProperties: { type: 'string' } } } },
            503: { type: 'object', properties: { ready: { type: 'boolean' }, checks: { type: 'object', additionalProperties: { type: 'string' } } } },
          },
        },
      },
      async (_request, reply) => {
        const report = await runReadinessChecks(options.checks);
        return reply.code(report.ready ? 200 : 503).send(report);
      },
    );

    app.get('/metrics', { config: probe, schema: { summary: 'Prometheus metrics (text format)', tags: ['health'] } }, async (_request, reply) =>
      reply.type(options.registry.contentType).send(await options.registry.metrics()));
  };
}
