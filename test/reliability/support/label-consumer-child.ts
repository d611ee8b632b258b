/**
 * Runs the feedback service's label consumer in its own process, as a
 * deployment would, over an embedded ClickHouse data directory this process
 * owns while it runs (chDB binds one data directory per process). On first
 * start it stores the predictions of --predictions (JSON lines); then it
 * consumes --topic as --group until the group has committed --expect
 * messages, and prints the join's tables as JSON on the last stdout line.
 * It prints `ready` once consuming, so a test knows when a SIGKILL lands
 * mid-stream. Killed at any moment, a rerun on the same data dir and group
 * resumes from the committed offsets.
 *
 *   node --import tsx test/reliability/support/label-consumer-child.ts --data-dir D --topic T --group G --predictions P --dead-letter T2 --expect N
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClickHouse, queryRows } from '../../../libs/clickhouse/client.ts';
import { migrate } from '../../../libs/clickhouse/migrations.ts';
import { createKafka } from '../../../libs/kafka/client.ts';
import { createDeadLetterPublisher } from '../../../libs/kafka/dead-letter.ts';
import { createIdempotentProducer } from '../../../libs/kafka/producer.ts';
import { repoRoot } from '../../../libs/local/local-services.ts';
import { createLogger, silentLogger } from '../../../libs/logging/logger.ts';
import { createLabelConsumer } from '../../../services/feedback/label-consumer.ts';
import { toPredictionRow } from '../../../services/sink/prediction-row.ts';
import type { PredictionEvent } from '../../../libs/contracts/schemas.ts';

const { values: args } = parseArgs({ options: { 'data-dir': { type: 'string' }, topic: { type: 'string' }, group: { type: 'string' }, predictions: { type: 'string' }, 'dead-letter': { type: 'string' }, expect: { type: 'string' } } });
const logger = process.env.TEST_LOG_LEVEL ? createLogger({ level: process.env.TEST_LOG_LEVEL }) : silentLogger();
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const clickhouse = await createClickHouse({ dataDir: args['data-dir']! });
await migrate(clickhouse, join(repoRoot, 'migrations'), logger);

// The predictions the labels join to, stored once (one insert: all or nothing).
const [stored] = await queryRows<{ c: string }>(clickhouse, 'SELECT count() AS c FROM predictions');
if (Number(stored?.c) === 0) {
  const events = readFileSync(args.predictions!, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as PredictionEvent);
  await clickhouse.insert({ table: 'predictions', values: events.map((e, i) => toPredictionRow(e, { topic: 'fixture', partition: 0, offset: i })), format: 'JSONEachRow' });
}

const kafka = createKafka({ brokers, clientId: 'label-consumer-child', logger });
const producer = createIdempotentProducer(kafka);
await producer.connect();
const consumer = createLabelConsumer({
  kafka,
  clickhouse,
  deadLetters: createDeadLetterPublisher(producer, args['dead-letter']!),
  logger,
  topic: args.topic!,
  groupId: args.group!,
  join: { horizonMs: 30 * 86_400_000, idSlackMs: 300_000, maxGapMs: 3_600_000 },
  // A SIGKILLed child's partitions come back after this (Kafka's minimum), not kafkajs' 30 s.
  sessionTimeoutMs: 6_000,
});
await consumer.start();
process.stdout.write('ready\n');

// Done when the group has committed --expect messages (all of them: the test may still be publishing).
const admin = kafka.admin();
await admin.connect();
for (;;) {
  const committed = (await admin.fetchOffsets({ groupId: args.group!, topics: [args.topic!] }))[0]!.partitions;
  if (committed.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0) >= Number(args.expect)) break;
  await new Promise((r) => setTimeout(r, 100));
}
await admin.disconnect();
await consumer.close();
await producer.disconnect();

const dump = (query: string) => queryRows<Record<string, unknown>>(clickhouse, query);
const tables = {
  labeled_predictions: await dump('SELECT * EXCEPT joined_at FROM labeled_predictions FINAL ORDER BY prediction_id'),
  pending_labels: await dump('SELECT * EXCEPT updated_at FROM pending_labels FINAL ORDER BY prediction_id'),
  labels: await dump('SELECT prediction_id, label, received_at, partition, offset FROM labels FINAL ORDER BY partition, offset'),
};
await clickhouse.close();
process.stdout.write(`${JSON.stringify({ stats: consumer.stats(), tables })}\n`);
