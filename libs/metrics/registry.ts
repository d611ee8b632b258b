import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A Prometheus registry of one service, never the global one: two services
 * in one process (the embedded mode, tests) keep their numbers apart. Every
 * series carries `service="<name>"`; the process metrics (CPU, memory, event
 * loop lag, GC) are included unless `processMetrics` is false.
 */
export function createServiceRegistry(service: string, options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'driftline_' });
  return registry;
}
