import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createClickHouse, queryRows } from '../../libs/clickhouse/client.ts';
import { migrate } from '../../libs/clickhouse/migrations.ts';
import { commonEnv, sinkEnv } from '../../libs/config/common.ts';
import { parseEnv } from '../../libs/config/env.ts';
import { newPredictionId } from '../../libs/contracts/prediction-id.ts';
import { shutdownInOrder } from '../../libs/lifecycle/shutdown.ts';
import { createKafka } from '../../libs/kafka/client.ts';
import { createDeadLetterPublisher } from '../../libs/kafka/dead-letter.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { ensureDriftlineTopics, topicNamesFromConfig } from '../../libs/kafka/topology.ts';
import { ensureLocalKafka, ensureLocalRedis, localBrokerPort, repoRoot } from '../../libs/local/local-services.ts';
import { createLogger } from '../../libs/logging/logger.ts';
import { generatePredictions, publishPredictions } from '../../simulators/prediction-generator.ts';
import { createRawSink } from '../sink/raw-sink.ts';
import type { CliIo } from './main.ts';

const configSchema = z.object({ ...commonEnv, ...sinkEnv });

/**
 * `driftline run`: the walking skeleton end to end on one machine — local
 * broker up, migrations, the raw sink, a generator publishing predictions
 * (plus a few malformed messages to show the dead-letter path), and the
 * ClickHouse count once everything has landed.
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { events: { type: 'string', default: '20000' }, timeout: { type: 'string', default: '120' } } });
  const events = Number(values.events);
  if (!Number.isInteger(events) || events < 1) {
    io.stderr(`--events must be a positive integer, got '${values.events}'\n`);
    return 2;
  }
  const config = parseEnv(configSchema, process.env);
  // Progress lines are the interface here; logs only for warnings unless asked.
  const logger = createLogger({ level: process.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn' });
  const t0 = Date.now();
  const step = (text: string) => io.stdout(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${text}\n`);

  const brokerPort = localBrokerPort(config.KAFKA_BROKERS);
  if (brokerPort !== undefined) {
    step(`ensuring the local Kafka broker on 127.0.0.1:${brokerPort}`);
    await ensureLocalKafka(brokerPort, (line) => step(line));
  }
  await ensureLocalRedis();
  step('Redis answers on 127.0.0.1:6379');

  const clickhouse = await createClickHouse({ url: config.CLICKHOUSE_URL, dataDir: config.CLICKHOUSE_DATA_DIR, username: config.CLICKHOUSE_USER, password: config.CLICKHOUSE_PASSWORD, database: config.CLICKHOUSE_DATABASE });
  const migrations = await migrate(clickhouse, join(repoRoot, 'migrations'), logger);
  step(`ClickHouse ${config.CLICKHOUSE_URL ?? `embedded at ${config.CLICKHOUSE_DATA_DIR}`}: ${migrations.applied.length} migrations applied, ${migrations.alreadyApplied} already`);

  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, logger });
  const topics = topicNamesFromConfig(config);
  await ensureDriftlineTopics(kafka, topics);
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const sink = createRawSink({
    kafka,
    clickhouse,
    deadLetters: createDeadLetterPublisher(producer, topics.deadLetter),
    logger,
    topic: topics.predictions,
    groupId: config.SINK_GROUP_ID,
    batchRows: config.SINK_BATCH_ROWS,
    batchMaxWaitMs: config.SINK_BATCH_MAX_WAIT,
    maxBufferedRows: config.SINK_MAX_BUFFERED_ROWS,
  });
  await sink.start();
  step(`raw sink consuming ${topics.predictions} as group ${config.SINK_GROUP_ID}`);

  const runId = `run-${newPredictionId().slice(-12)}`;
  try {
    const tPublish = Date.now();
    const sent = await publishPredictions(
      producer,
      topics.predictions,
      generatePredictions(events, { model: 'skeleton', modelVersion: '1', node: runId, seed: Date.now() % 100_000, startMs: Date.now() - events, stepMs: 1 }),
    );
    await producer.send({ topic: topics.predictions, messages: [{ value: Buffer.from('{"not": "a prediction"}') }, { value: Buffer.from([0xff, 0xfe, 0x00]) }] });
    step(`published ${sent} predictions + 2 malformed messages in ${Date.now() - tPublish} ms (run ${runId})`);

    const deadline = Date.now() + Number(values.timeout) * 1000;
    let stored = 0;
    while (Date.now() < deadline) {
      const rows = await queryRows<{ c: string }>(clickhouse, 'SELECT count() AS c FROM predictions FINAL WHERE node = {node:String}', { node: runId });
      stored = Number(rows[0]?.c ?? 0);
      if (stored >= sent && sink.stats().deadLettered >= 2) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const total = await queryRows<{ c: string }>(clickhouse, 'SELECT count() AS c FROM predictions FINAL');
    const s = sink.stats();
    step(`ClickHouse predictions for this run: ${stored} of ${sent}; table total ${total[0]?.c}; dead-lettered ${s.deadLettered}; replays skipped ${s.replaysSkipped}`);
    return stored === sent ? 0 : 1;
  } finally {
    await shutdownInOrder(
      [
        { name: 'raw sink', run: () => sink.close() },
        { name: 'producer', run: () => producer.disconnect() },
        { name: 'clickhouse', run: () => clickhouse.close() },
      ],
      { deadlineMs: config.SHUTDOWN_DEADLINE, logger },
    );
    step('stopped cleanly (the broker keeps running: scripts/kafka.sh stop)');
  }
}
