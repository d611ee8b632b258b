/**
 * Serving-node benchmark, in ONE process on the same rows:
 *   - bare `session.run` on one row at a time (tensors built per call, as the node does);
 *   - `POST /v1/models/:name/predict` with one row per request over real HTTP on
 *     127.0.0.1 (keep-alive agent), publishing every prediction to the real broker;
 *   - each at concurrency 1 and 32, with micro-batching off (window 0), on (2 ms),
 *     and batching per event-loop turn (window `turn`).
 * Reports throughput and p50/p99 latency, the HTTP-vs-bare overhead ratio and
 * the micro-batching gain as a markdown section.
 *
 *   node --import tsx test/bench/serving-bench.ts [--phase-ms 3000] [--concurrency 32]
 *
 * Client and server share the process (and, on the dev machine, 2 cores), so
 * the HTTP numbers include the client's own cost; that is the honest setting
 * the task asks for, not a best case.
 */
import { Agent, request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { createKafka } from '../../libs/kafka/client.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import type { TopicNames } from '../../libs/kafka/topology.ts';
import { ensureLocalKafka, localBrokerPort } from '../../libs/local/local-services.ts';
import { silentLogger, type Logger } from '../../libs/logging/logger.ts';
import { sampleDataset } from '../../libs/model/credit-domain.ts';
import type { FeatureRow } from '../../libs/model/feature-encoder.ts';
import { createRng } from '../../libs/model/random.ts';
import { DEMO_MODEL_NAME, writeDemoModel } from '../../libs/model/train-demo-model.ts';
import { createSessionWithFallback } from '../../services/serving/execution-providers.ts';
import type { FeatureBatch } from '../../services/serving/feature-batch.ts';
import { kafkaTransport } from '../../services/serving/kafka-transport.ts';
import type { BatchWindow } from '../../services/serving/micro-batcher.ts';
import { signatureOf } from '../../services/serving/model-signature.ts';
import { parseEnv } from '../../libs/config/env.ts';
import { servingConfigSchema } from '../../services/serving/config.ts';
import { type ServingNode, servingOptionsFromConfig, startServingNode } from '../../services/serving/serving-node.ts';
import { toFeeds } from '../../services/serving/tensor-feeds.ts';

export interface ServingBenchOptions {
  /** Measured time per phase, after a warm-up of a tenth of it; default 3000. */
  phaseMs?: number;
  /** Concurrency of the loaded phases; default 32. */
  concurrency?: number;
  brokers?: string[];
  /** Where the bench's events go (not the real driftline.predictions); default driftline-bench.*. */
  topics?: TopicNames;
  logger?: Logger;
  /** SERVING_* variables for the node (see config.ts); default none, i.e. the production defaults. */
  env?: Record<string, string | undefined>;
}

interface PhaseResult {
  name: string;
  concurrency: number;
  requests: number;
  throughput: number;
  p50: number;
  p99: number;
  rowsPerRun?: number;
}

const BENCH_TOPICS: TopicNames = { predictions: 'driftline-bench.predictions', labels: 'driftline-bench.labels', alerts: 'driftline-bench.alerts', deadLetter: 'driftline-bench.dead-letter' };

/** Runs `call(row)` with `concurrency` workers for `ms` (after a warm-up) and collects per-call latencies; with a node, also its rows per session.run. */
async function phase(name: string, concurrency: number, ms: number, rows: readonly FeatureRow[], call: (row: FeatureRow) => Promise<void>, node?: ServingNode): Promise<PhaseResult> {
  const runs = async () => {
    const values = node ? (await node.metrics.batchRows.get()).values : [];
    return { rows: values.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0, runs: values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0 };
  };
  const run = async (durationMs: number, record: boolean) => {
    const latencies: number[] = [];
    const end = performance.now() + durationMs;
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const row = rows[next++ % rows.length]!;
        const t0 = performance.now();
        await call(row);
        if (record) latencies.push(performance.now() - t0);
      }
    }));
    return latencies;
  };
  await run(Math.max(200, ms / 10), false);
  const before = await runs();
  const started = performance.now();
  const latencies = await run(ms, true);
  const elapsed = performance.now() - started;
  const after = await runs();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  const rowsPerRun = node ? (after.rows - before.rows) / Math.max(1, after.runs - before.runs) : undefined;
  return { name, concurrency, requests: latencies.length, throughput: (latencies.length / elapsed) * 1000, p50: q(0.5), p99: q(0.99), ...(rowsPerRun !== undefined ? { rowsPerRun } : {}) };
}

/** One keep-alive HTTP POST; rejects on a non-200 answer so a failing server cannot look fast. */
function post(agent: Agent, port: number, path: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The serving node's options as production would get them from `env` (defaults for an empty one). */
const nodeOptions = (env: Record<string, string | undefined>) => servingOptionsFromConfig(parseEnv(servingConfigSchema, env), 'serving-bench');

/** Starts a node with the configured options, but this repository and batch window. */
async function withNode<T>(repoDir: string, batchWindow: BatchWindow, opts: Required<Pick<ServingBenchOptions, 'brokers' | 'topics' | 'logger' | 'env'>>, work: (node: ServingNode, port: number) => Promise<T>): Promise<{ result: T; published: number; dropped: number }> {
  const kafka = createKafka({ brokers: opts.brokers, clientId: `serving-bench-${process.pid}`, logger: opts.logger });
  const node = await startServingNode({
    options: { ...nodeOptions(opts.env), repoDir, batchWindow, pollIntervalMs: 0 },
    transport: kafkaTransport({ kafka, producer: createIdempotentProducer(kafka), topics: opts.topics }),
    logger: opts.logger,
  });
  try {
    const address = await node.app.listen({ host: '127.0.0.1', port: 0 });
    // Publishing must be on for the measurement: wait for the producer before the clock starts.
    for (let i = 0; i < 200 && !node.publisher.stats().connected; i++) await new Promise((r) => setTimeout(r, 50));
    if (!node.publisher.stats().connected) throw new Error('the publisher did not connect to Kafka');
    const result = await work(node, Number(new URL(address).port));
    await node.close(10_000);
    const stats = node.publisher.stats();
    return { result, published: stats.published, dropped: stats.dropped.buffer_full + stats.dropped.shutdown + stats.dropped.invalid + stats.dropped.rejected };
  } catch (err) {
    await node.close(2_000);
    throw err;
  }
}

export async function runServingBench(options: ServingBenchOptions = {}): Promise<string> {
  const phaseMs = options.phaseMs ?? 3_000;
  const concurrency = options.concurrency ?? 32;
  const opts = { brokers: options.brokers ?? ['127.0.0.1:9092'], topics: options.topics ?? BENCH_TOPICS, logger: options.logger ?? silentLogger(), env: options.env ?? {} };
  const repoDir = mkdtempSync(join(tmpdir(), 'driftline-serving-bench-'));
  try {
    const { result: trained } = await writeDemoModel(repoDir, { seed: 7, rows: 20_000, version: '1' });
    const rows: FeatureRow[] = sampleDataset(createRng(99), 2_000).rows;
    const bodies = new Map(rows.map((r) => [r, JSON.stringify({ instances: [r] })]));
    const path = `/v1/models/${DEMO_MODEL_NAME}/predict`;

    // Bare session.run: the same provider choice and thread setting as the node.
    const { providers, intraOpThreads } = nodeOptions(opts.env);
    const { session, provider } = await createSessionWithFallback({ onnxBytes: trained.onnxBytes, providers, intraOpThreads, logger: opts.logger, label: 'bench' });
    const signature = signatureOf(session, trained.card, 'bench');
    const batchOf = (r: FeatureRow): FeatureBatch => ({ rows: 1, columns: Object.fromEntries(signature.inputs.map((i) => [i.name, [r[i.name] ?? null]])) as FeatureBatch['columns'] });
    const bare = (r: FeatureRow) => session.run(toFeeds(signature, batchOf(r))).then(() => undefined);
    const bare1 = await phase('bare session.run', 1, phaseMs, rows, bare);
    const bareN = await phase('bare session.run', concurrency, phaseMs, rows, bare);
    await session.release();

    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    // Each window setting gets its own node: concurrency 1, then `concurrency`.
    const windows = async (window: BatchWindow, label: string) =>
      withNode(repoDir, window, opts, async (node, port) => {
        const call = (r: FeatureRow) => post(agent, port, path, bodies.get(r)!);
        return [await phase(`HTTP predict, batch window ${label}`, 1, phaseMs, rows, call, node), await phase(`HTTP predict, batch window ${label}`, concurrency, phaseMs, rows, call, node)] as const;
      });
    const off = await windows(0, '0');
    const on = await windows(2, '2 ms');
    const turn = await windows('turn', '`turn`');
    agent.destroy();
    const [http1, httpN] = off.result;
    const [batched1, batched] = on.result;
    const [turn1, turnN] = turn.result;

    const pct = (a: number, b: number) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(0)}%`;
    const fmt = (r: PhaseResult) => `| ${r.name} | ${r.concurrency} | ${r.requests} | ${r.throughput.toFixed(0)} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${r.rowsPerRun?.toFixed(1) ?? '1'} |`;
    const overheadOk = (http: PhaseResult, b: PhaseResult) => (http.p99 <= b.p99 * 1.05 ? 'met' : 'not met');
    return [
      '## Serving node',
      '',
      `Model \`${DEMO_MODEL_NAME}\` (logistic regression, 10 features), execution provider **${provider}**, onnxruntime-node ${ort.env.versions.common}, intra-op threads ${intraOpThreads}, ${cpus().length} CPU cores, Node ${process.version}. ` +
        `${(phaseMs / 1000).toFixed(1)} s per phase after a warm-up, the same ${rows.length} rows cycled; client and server in one process; every HTTP prediction published to Kafka (${opts.brokers.join(',')}).`,
      '',
      '| path | concurrency | requests | throughput (req/s) | p50 (ms) | p99 (ms) | rows per session.run |',
      '|---|---|---|---|---|---|---|',
      fmt(bare1),
      fmt(http1),
      fmt(batched1),
      fmt(bareN),
      fmt(httpN),
      fmt(batched),
      fmt(turn1),
      fmt(turnN),
      '',
      `- **Overhead of the HTTP path over bare session.run** (p99): ${pct(http1.p99, bare1.p99)} at concurrency 1, ${pct(httpN.p99, bareN.p99)} at concurrency ${concurrency} without batching, ${pct(batched.p99, bareN.p99)} with 2 ms batching (p50: ${pct(http1.p50, bare1.p50)} / ${pct(httpN.p50, bareN.p50)} / ${pct(batched.p50, bareN.p50)}). Target ≤ 5% on p99: ${overheadOk(http1, bare1)} at concurrency 1, ${overheadOk(batched, bareN)} at concurrency ${concurrency}.`,
      `- **Micro-batching gain** at concurrency ${concurrency}: throughput ×${(batched.throughput / httpN.throughput).toFixed(2)} (${httpN.throughput.toFixed(0)} → ${batched.throughput.toFixed(0)} req/s), p99 ${httpN.p99.toFixed(2)} → ${batched.p99.toFixed(2)} ms, ${batched.rowsPerRun!.toFixed(1)} rows per session.run. Its price at concurrency 1: p50 ${http1.p50.toFixed(2)} → ${batched1.p50.toFixed(2)} ms (a lone request waits out the window).`,
      `- **Window \`turn\`** (batch what arrived during the previous run): concurrency ${concurrency} ${turnN.throughput.toFixed(0)} req/s, p99 ${turnN.p99.toFixed(2)} ms, ${turnN.rowsPerRun!.toFixed(1)} rows per session.run; concurrency 1 p50 ${turn1.p50.toFixed(2)} ms.`,
      '- onnxruntime-node runs `session.run` synchronously on the event loop (its async API is a `setImmediate` around a blocking call), so concurrent single-row runs queue behind each other; batching is what turns concurrency into throughput.',
      `- **Publishing**: ${off.published + on.published + turn.published} events acknowledged by Kafka, ${off.dropped + on.dropped + turn.dropped} dropped.`,
      '',
    ].join('\n');
  } finally {
    await rm(repoDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { 'phase-ms': { type: 'string', default: '3000' }, concurrency: { type: 'string', default: '32' } } });
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const port = localBrokerPort(brokers);
  if (port !== undefined) await ensureLocalKafka(port);
  process.stdout.write(`${await runServingBench({ phaseMs: Number(values['phase-ms']), concurrency: Number(values.concurrency), brokers, env: process.env })}\n`);
}
