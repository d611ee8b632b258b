import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { parseEnv } from '../../libs/config/env.ts';
import { ensureLocalKafka, localBrokerPort } from '../../libs/local/local-services.ts';
import { createLogger } from '../../libs/logging/logger.ts';
import { DEMO_MODEL_NAME, writeDemoModel } from '../../libs/model/train-demo-model.ts';
import { servingConfigSchema } from '../serving/config.ts';
import { scanRepository } from '../serving/repository-scan.ts';
import { serveFromConfig } from '../serving/serve.ts';
import type { CliIo } from './main.ts';

/**
 * `driftline serve [--repository DIR] [--host H] [--port N]`: the serving node
 * in the foreground. With a local broker in KAFKA_BROKERS it starts that
 * broker first; with an empty model repository it trains the demo model
 * (credit-default, 50k rows, about a second) and writes it as version 1, so
 * the command answers predictions on a fresh machine. Flags override the
 * environment (MODEL_REPOSITORY, SERVING_HOST, SERVING_PORT). Serves until
 * SIGINT/SIGTERM, or until `stop` aborts (tests).
 */
export async function run(argv: string[], io: CliIo, stop?: AbortSignal): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { repository: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' } } });
  const env: Record<string, string | undefined> = { ...process.env };
  if (values.repository !== undefined) env.MODEL_REPOSITORY = values.repository;
  if (values.host !== undefined) env.SERVING_HOST = values.host;
  if (values.port !== undefined) env.SERVING_PORT = values.port;
  const config = parseEnv(servingConfigSchema, env);
  // Progress lines are the interface here; logs only for warnings unless asked.
  const logger = createLogger({ level: process.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn', name: 'driftline-serving' });
  const t0 = Date.now();
  const step = (text: string) => io.stdout(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${text}\n`);

  const brokerPort = localBrokerPort(config.KAFKA_BROKERS);
  if (brokerPort !== undefined) {
    step(`ensuring the local Kafka broker on 127.0.0.1:${brokerPort}`);
    await ensureLocalKafka(brokerPort, (line) => step(line));
  }
  if ((await scanRepository(config.MODEL_REPOSITORY)).length === 0) {
    const { dir, result } = await writeDemoModel(config.MODEL_REPOSITORY, { seed: 7, rows: 50_000 });
    step(`model repository was empty: trained ${DEMO_MODEL_NAME} (holdout AUC ${result.metrics.auc.toFixed(3)}) into ${dir}`);
  }

  const { node, address } = await serveFromConfig(config, logger, hostname());
  for (const model of node.registry.served()) {
    const versions = [...model.versions.values()].map((v) => `${v.version} (${v.provider})`).join(', ');
    step(`serving ${model.name}: versions ${versions}; routing ${JSON.stringify(model.routing.policy)}`);
  }
  step(`listening on ${address}; events to ${config.TOPIC_PREDICTIONS} on ${config.KAFKA_BROKERS.join(',')}`);
  const example = node.registry.served()[0];
  if (example) {
    const instance = Object.fromEntries([...example.versions.values()][0]!.signature.inputs.map((i) => [i.name, i.kind === 'numeric' ? 1 : 'x']));
    step(`try: curl -s ${address}/v1/models/${example.name}/predict -H 'content-type: application/json' -d '${JSON.stringify({ instances: [instance] })}'`);
  }

  await new Promise<void>((resolve) => {
    if (stop?.aborted) return resolve();
    stop?.addEventListener('abort', () => resolve(), { once: true });
    if (!stop) {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }
  });
  step('shutting down');
  await node.close(config.SHUTDOWN_DEADLINE);
  const stats = node.publisher.stats();
  step(`stopped; prediction events published: ${stats.published}, dropped: ${Object.values(stats.dropped).reduce((a, b) => a + b, 0)}`);
  return 0;
}
