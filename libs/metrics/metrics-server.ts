import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { runReadinessChecks, type ReadinessCheck } from '../http/readiness.ts';
import type { Logger } from '../logging/logger.ts';

export interface MetricsServerOptions {
  /** TCP port; 0 picks a free one (see `port` on the result). */
  port: number;
  host?: string;
  registry: Registry;
  /** Readiness checks for /readyz, by name (ClickHouse answers, the consumer has started…). */
  ready?: Record<string, ReadinessCheck>;
  logger: Logger;
}

export interface MetricsServer {
  /** The port it listens on. */
  readonly port: number;
  /** Stops listening and closes open connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * A minimal HTTP server for services without an HTTP API of their own (the
 * sink, the processors): `GET /metrics` (Prometheus text format),
 * `GET /healthz` (the process is up: always 200) and `GET /readyz` (200 when
 * every readiness check passes, else 503 with the failing checks). Anything
 * else is 404; only GET and HEAD are served.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const log = options.logger.child({ component: 'metrics-server' });
  const json = (status: number, body: unknown) => ({ status, type: 'application/json; charset=utf-8', body: JSON.stringify(body) });
  const route = async (method: string, path: string): Promise<{ status: number; type: string; body: string }> => {
    if (method !== 'GET' && method !== 'HEAD') return json(405, { error: { code: 'INPUT_INVALID', message: `method ${method} is not allowed (GET only)` } });
    if (path === '/metrics') return { status: 200, type: options.registry.contentType, body: await options.registry.metrics() };
    if (path === '/healthz') return json(200, { live: true });
    if (path === '/readyz') {
      const report = await runReadinessChecks(options.ready ?? {});
      return json(report.ready ? 200 : 503, report);
    }
    return json(404, { error: { code: 'NOT_FOUND', message: `no route ${method} ${path} (try /metrics, /healthz, /readyz)` } });
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    route(req.method ?? 'GET', path).then(
      ({ status, type, body }) => {
        res.writeHead(status, { 'content-type': type, ...(status === 405 ? { allow: 'GET, HEAD' } : {}) });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err) => {
        log.error({ err, path }, 'metrics request failed');
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: { code: 'INTERNAL', message: 'internal error (logged by the metrics server)' } }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, host: options.host ?? '0.0.0.0' }, 'metrics server listening (/metrics, /healthz, /readyz)');
  let closing: Promise<void> | undefined;
  return {
    port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
