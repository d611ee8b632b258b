import { ensureLocalKafka, localBrokerPort } from '../../libs/local/local-services.ts';
import { parseEnv } from '../../libs/config/env.ts';
import { processorsConfigSchema } from '../processors/config.ts';
import { startProcessors } from '../processors/main.ts';
import type { CliIo } from './main.ts';

/**
 * `driftline process`: the stream processors in the foreground (drift per
 * window against reference profiles, alerts) until Ctrl-C. Starts the local
 * broker when KAFKA_BROKERS points at it.
 */
export async function run(_argv: string[], io: CliIo): Promise<number> {
  const config = parseEnv(processorsConfigSchema, process.env);
  const port = localBrokerPort(config.KAFKA_BROKERS);
  if (port !== undefined) await ensureLocalKafka(port);
  const running = await startProcessors(process.env);
  io.stdout(`processors consuming ${config.TOPIC_PREDICTIONS} (group ${config.PROCESSORS_GROUP_ID}, window ${config.PROCESSORS_WINDOW} ms, lateness ${config.PROCESSORS_ALLOWED_LATENESS} ms); Ctrl-C stops\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.close();
  io.stdout(`stopped: ${JSON.stringify(running.service.stats())}\n`);
  return 0;
}
