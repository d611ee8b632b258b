/**
 * The serving node as its own process:
 *   node --import tsx services/serving/main.ts
 * Reads config once (README "Serving node" lists the variables), serves
 * until SIGINT/SIGTERM, then shuts down in order within SHUTDOWN_DEADLINE.
 */
import { hostname } from 'node:os';
import { parseEnv } from '../../libs/config/env.ts';
import { messageOf } from '../../libs/errors/errors.ts';
import { once } from '../../libs/lifecycle/shutdown.ts';
import { createLogger } from '../../libs/logging/logger.ts';
import { servingConfigSchema } from './config.ts';
import { serveFromConfig } from './serve.ts';

const config = parseEnv(servingConfigSchema, process.env);
const logger = createLogger({ level: config.LOG_LEVEL, name: 'driftline-serving' });

try {
  const { node, address } = await serveFromConfig(config, logger, hostname());
  logger.info({ address, repository: config.MODEL_REPOSITORY, models: node.registry.served().map((m) => m.name) }, 'serving node listening');
  const shutdown = once(async () => {
    logger.info('shutting down');
    try {
      await node.close(config.SHUTDOWN_DEADLINE);
      process.exitCode = 0;
    } catch (err) {
      logger.error({ err: messageOf(err) }, 'shutdown did not finish cleanly');
      process.exitCode = 1;
    }
    // A producer still retrying a broker that never answered keeps timers alive; the ordered part is done.
    process.exit();
  });
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
} catch (err) {
  logger.fatal({ err: messageOf(err) }, 'serving node failed to start');
  process.exit(1);
}
