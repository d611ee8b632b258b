/**
 * Runs the stream processors in their own process, as a deployment would:
 * `--instances N` runtimes in one consumer group over one embedded
 * ClickHouse, until every partition's checkpoint covers the topic's end;
 * then finalizes every window and prints the output tables as JSON on the
 * last stdout line. While consuming it prints `progress <events consumed>`
 * every 100 ms, so a test can kill it mid-stream by progress, not by a
 * guess at how long start-up takes. Killed at any moment, a rerun on the same data dir
 * resumes from the checkpoints.
 *
 *   node --import tsx test/support/processors-child.ts --data-dir D --topic T --group G --instances 3
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClickHouse, queryRows } from '../../libs/clickhouse/client.ts';
import { migrate } from '../../libs/clickhouse/migrations.ts';
import { createKafka } from '../../libs/kafka/client.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { repoRoot } from '../../libs/local/local-services.ts';
import { createLogger, silentLogger } from '../../libs/logging/logger.ts';
import { saveProfile } from '../../libs/profiles/profile-store.ts';
import { referenceProfileSchema } from '../../libs/profiles/reference-profile.ts';
import { createProcessorsService } from '../../services/processors/processors-service.ts';
import { readFileSync } from 'node:fs';

const { values: args } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    topic: { type: 'string' },
    group: { type: 'string' },
    instances: { type: 'string', default: '1' },
    profile: { type: 'string' },
    'window-ms': { type: 'string', default: '10000' },
    'lateness-ms': { type: 'string', default: '2000' },
  },
});
const logger = process.env.TEST_LOG_LEVEL ? createLogger({ level: process.env.TEST_LOG_LEVEL }) : silentLogger();
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const clickhouse = await createClickHouse({ dataDir: args['data-dir']! });
await migrate(clickhouse, join(repoRoot, 'migrations'), logger);
const [existing] = await queryRows<{ c: string }>(clickhouse, 'SELECT count() AS c FROM reference_profiles');
if (Number(existing?.c) === 0 && args.profile) await saveProfile(clickhouse, referenceProfileSchema.parse(JSON.parse(readFileSync(args.profile, 'utf8'))));

const kafka = createKafka({ brokers, clientId: 'processors-child', logger });
const producer = createIdempotentProducer(kafka);
await producer.connect();
// Topic names as test/support/harness.ts uniqueTopics makes them: <base>.predictions, <base>.alerts, …
const base = args.topic!.replace(/\.predictions$/, '');
const topics = { predictions: args.topic!, labels: `${base}.labels`, alerts: `${base}.alerts`, deadLetter: `${base}.dead-letter` };
const config = {
  groupId: args.group!,
  windowSizeMs: Number(args['window-ms']),
  allowedLatenessMs: Number(args['lateness-ms']),
  checkpointIntervalMs: 300,
  checkpointMaxEvents: 20_000,
  finalizeIntervalMs: 60_000,
  idleTimeoutMs: 600_000,
  // A SIGKILLed child's partitions come back after this (Kafka's minimum).
  sessionTimeoutMs: 6_000,
};
const services = Array.from({ length: Number(args.instances) }, () => createProcessorsService({ kafka, clickhouse, producer, logger, topics, config }));
for (const s of services) await s.start();
const consumed = () => services.reduce((sum, s) => sum + s.runtime.stats().consumed, 0);
const progress = setInterval(() => process.stdout.write(`progress ${consumed()}\n`), 100);

const admin = kafka.admin();
await admin.connect();
const ends = await admin.fetchTopicOffsets(topics.predictions);
await admin.disconnect();
const target = new Map(ends.map((e) => [e.partition, Number(e.high) - 1]));
// Done when every partition has been read to its end by whichever instance owns it.
for (;;) {
  const read = new Map<number, number>();
  // A partition finished and checkpointed by one instance may then move to
  // another that never gets a batch for it: count its checkpoint too.
  const checkpoints = await queryRows<{ partition: number; state: string }>(
    clickhouse,
    "SELECT partition, state FROM processor_chunks FINAL WHERE pipeline = {g:String} AND topic = {t:String} AND part = 'checkpoint'",
    { g: config.groupId, t: topics.predictions },
  );
  for (const c of checkpoints) read.set(Number(c.partition), (JSON.parse(c.state) as { offset: number }).offset);
  for (const s of services) for (const [p, o] of s.runtime.positions()) read.set(p, Math.max(read.get(p) ?? -1, o));
  if ([...target].every(([p, last]) => last < 0 || (read.get(p) ?? -1) >= last)) break;
  await new Promise((r) => setTimeout(r, 200));
}
clearInterval(progress);
for (const s of services) await s.close();
await services[0]!.finalizeAll();

const dump = async (query: string) => queryRows<Record<string, unknown>>(clickhouse, query);
const tables = {
  drift_metrics: await dump('SELECT * EXCEPT computed_at FROM drift_metrics FINAL ORDER BY model, model_version, window_start, feature'),
  drift_windows: await dump('SELECT * EXCEPT computed_at FROM drift_windows FINAL ORDER BY model, model_version, window_start'),
  slo_windows: await dump('SELECT * EXCEPT computed_at FROM slo_windows FINAL ORDER BY model, model_version, window_start'),
  slo_status: await dump('SELECT * EXCEPT (computed_at, evaluated_at) FROM slo_status FINAL ORDER BY model, window_end'),
  validation_metrics: await dump('SELECT * EXCEPT computed_at FROM validation_metrics FINAL ORDER BY model, model_version, window_start, rule, feature'),
  alerts: await dump("SELECT condition, state, count() AS n FROM alerts GROUP BY condition, state ORDER BY condition, state"),
};
await producer.disconnect();
await clickhouse.close();
process.stdout.write(JSON.stringify(tables) + '\n');
