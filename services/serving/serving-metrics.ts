import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ServedModel } from './model-registry.ts';
import type { DropReason, PublisherStats } from './prediction-publisher.ts';

/** Where the pulled metrics come from, read at scrape time. */
export interface MetricSources {
  models: () => ServedModel[];
  publisher: () => PublisherStats;
  registryStats: () => { loads: number; loadFailures: number };
}

/**
 * The serving node's Prometheus metrics, on a registry of its own (never the
 * global one, so two apps in one process — tests, the embedded mode — do not
 * mix their numbers). Request-path metrics are pushed as requests finish;
 * the publisher's and the model registry's state is pulled at scrape time.
 */
export class ServingMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'driftline_serving_requests_total',
    help: 'Inference requests by endpoint, model, version and HTTP status code.',
    labelNames: ['endpoint', 'model', 'version', 'code'] as const,
    registers: [this.registry],
  });
  readonly requestSeconds = new Histogram({
    name: 'driftline_serving_request_duration_seconds',
    help: 'Inference request latency as fastify sees it (receive to reply), by endpoint, model and version.',
    labelNames: ['endpoint', 'model', 'version'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly predictions = new Counter({
    name: 'driftline_serving_predictions_total',
    help: 'Rows scored, by model, version and status (ok | error).',
    labelNames: ['model', 'version', 'status'] as const,
    registers: [this.registry],
  });
  readonly batchRows = new Histogram({
    name: 'driftline_serving_batch_rows',
    help: 'Rows per session.run (micro-batch size), by model and version.',
    labelNames: ['model', 'version'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
    registers: [this.registry],
  });

  private sources: MetricSources | undefined;

  /** Registers the pulled metrics; called once by buildServingApp. */
  watch(sources: MetricSources): void {
    if (this.sources) throw new Error('ServingMetrics.watch called twice');
    this.sources = sources;
    const registers = [this.registry];
    new Gauge({
      name: 'driftline_serving_publish_buffer_events',
      help: 'Prediction events waiting for Kafka.',
      registers,
      collect() {
        this.set(sources.publisher().depth);
      },
    });
    new Gauge({
      name: 'driftline_serving_publish_buffer_capacity',
      help: 'Bound of the publish buffer (SERVING_PUBLISH_BUFFER).',
      registers,
      collect() {
        this.set(sources.publisher().capacity);
      },
    });
    new Gauge({
      name: 'driftline_serving_publish_connected',
      help: '1 once the publisher has connected to Kafka (the producer reconnects on its own after that; watch the buffer depth).',
      registers,
      collect() {
        this.set(sources.publisher().connected ? 1 : 0);
      },
    });
    monotonic('driftline_serving_events_published_total', 'Prediction events acknowledged by Kafka.', [], () => [[{}, sources.publisher().published]]);
    monotonic('driftline_serving_events_dropped_total', 'Prediction events dropped, by reason (buffer_full: oldest shed; invalid; rejected by the broker; shutdown: still queued at shutdown).', ['reason'], () =>
      Object.entries(sources.publisher().dropped).map(([reason, n]) => [{ reason: reason as DropReason }, n]));
    monotonic('driftline_serving_model_loads_total', 'Model version loads, by result.', ['result'], () => {
      const s = sources.registryStats();
      return [[{ result: 'ok' }, s.loads], [{ result: 'error' }, s.loadFailures]];
    });
    new Gauge({
      name: 'driftline_serving_execution_provider',
      help: 'Execution provider really used by each loaded model version (value 1).',
      labelNames: ['model', 'version', 'provider'] as const,
      registers,
      collect() {
        this.reset();
        for (const m of sources.models()) for (const v of m.versions.values()) this.set({ model: m.name, version: v.version, provider: v.provider }, 1);
      },
    });
    new Gauge({
      name: 'driftline_serving_traffic_share',
      help: 'Share of routed traffic each version gets from the routing policy (explicit version requests aside).',
      labelNames: ['model', 'version'] as const,
      registers,
      collect() {
        this.reset();
        for (const m of sources.models()) {
          const { champion, canary } = m.routing.policy;
          for (const version of m.versions.keys()) {
            const share = version === canary?.version ? canary.share : version === champion ? 1 - (canary?.share ?? 0) : 0;
            this.set({ model: m.name, version }, share);
          }
        }
      },
    });

    /** A counter whose total lives in another component: each scrape adds what is new. */
    function monotonic(name: string, help: string, labelNames: string[], read: () => Array<[Record<string, string>, number]>) {
      const seen = new Map<string, number>();
      new Counter({
        name,
        help,
        labelNames,
        registers,
        collect() {
          for (const [labels, total] of read()) {
            const key = JSON.stringify(labels);
            const delta = total - (seen.get(key) ?? 0);
            seen.set(key, total);
            // inc by 0 still exposes the series, so dashboards see an explicit zero.
            if (delta >= 0) this.inc(labels, delta);
          }
        },
      });
    }
  }
}
