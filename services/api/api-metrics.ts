import { Counter, Histogram, type Registry } from 'prom-client';

/** HTTP metrics of the query API, labelled by route pattern (never the raw URL: clients must not mint series). */
export function createApiMetrics(registry: Registry) {
  return {
    requests: new Counter({
      name: 'driftline_api_requests_total',
      help: 'Query API requests by method, route pattern and status code.',
      labelNames: ['method', 'route', 'code'] as const,
      registers: [registry],
    }),
    requestSeconds: new Histogram({
      name: 'driftline_api_request_duration_seconds',
      help: 'Query API latency (receive to reply) by method and route pattern.',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
export type ApiMetrics = ReturnType<typeof createApiMetrics>;
