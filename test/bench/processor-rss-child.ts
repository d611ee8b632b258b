/**
 * The processors service alone in its own process (as deployed in embedded
 * mode: consumer, aggregators, finalizer and the embedded ClickHouse), with
 * the production PROCESSORS_* defaults, reading a topic that a publisher in
 * another process fills live. It samples its own memory every `--sample-every`
 * events (polled every 25 ms, so a sample lands within a few hundred events of
 * its mark) and stops once `--events` events have been consumed.
 *
 * stdout: `{"ready":true}` once consuming, one `{"sample":…}` line per
 * sample, and last a JSON summary line.
 *
 *   node --import tsx test/bench/processor-rss-child.ts --data-dir D --topic T --group G --events N --sample-every K [--profile F]...
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClickHouse, queryRows } from '../../libs/clickhouse/client.ts';
import { migrate } from '../../libs/clickhouse/migrations.ts';
import { parseEnv } from '../../libs/config/env.ts';
import { createKafka } from '../../libs/kafka/client.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import { repoRoot } from '../../libs/local/local-services.ts';
import { silentLogger } from '../../libs/logging/logger.ts';
import { saveProfile } from '../../libs/profiles/profile-store.ts';
import { referenceProfileSchema } from '../../libs/profiles/reference-profile.ts';
import { processorsConfigFrom, processorsConfigSchema } from '../../services/processors/config.ts';
import { createProcessorsService } from '../../services/processors/processors-service.ts';

/** One memory sample: process.memoryUsage() after `events` events. */
export interface MemorySample {
  events: number;
  elapsedMs: number;
  rss: number;
  heapUsed: number;
  external: number;
  /** The embedded ClickHouse engine's own tracked memory (system.metrics MemoryTracking). */
  clickhouseTracked: number;
  /** RSS by kind (Linux /proc/self/status; 0 elsewhere): anonymous memory (heaps, stacks, allocator arenas) and file-backed pages (mapped code, the engine's library above all). */
  rssAnon: number;
  rssFile: number;
  /** Threads of the process (Linux; 0 elsewhere): Node's, the workers' and the engine's pools. */
  threads: number;
  /** The engine's allocator (jemalloc): bytes allocated, and bytes resident (allocated plus freed pages not yet returned). 0 when unknown. */
  engineAllocated: number;
  engineResident: number;
  /** Parts of the engine's tables that a merge replaced and that wait out old_parts_lifetime (480 s by default) before they go. */
  inactiveParts: number;
}

/** RssAnon, RssFile and Threads from /proc/self/status (0 where there is no procfs). */
function procStatus(): { rssAnon: number; rssFile: number; threads: number } {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { rssAnon: field('RssAnon') * 1024, rssFile: field('RssFile') * 1024, threads: field('Threads') };
  } catch {
    return { rssAnon: 0, rssFile: 0, threads: 0 };
  }
}

/** The child's last stdout line. */
export interface RssChildSummary {
  samples: MemorySample[];
  consumed: number;
  late: number;
  windowsFinalized: number;
  driftRows: number;
  /** One more sample at the end, once the inactive parts were let go (old_parts_lifetime set to 1 s): what they held. */
  afterOldParts: MemorySample;
}

const { values: args } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    topic: { type: 'string' },
    group: { type: 'string' },
    events: { type: 'string' },
    'sample-every': { type: 'string' },
    profile: { type: 'string', multiple: true, default: [] },
  },
});
const total = Number(args.events);
const every = Number(args['sample-every']);
if (!args['data-dir'] || !args.topic || !args.group || !(total > 0) || !(every > 0)) {
  console.error('usage: processor-rss-child.ts --data-dir D --topic T --group G --events N --sample-every K [--profile F]...');
  process.exit(2);
}

const logger = silentLogger();
const clickhouse = await createClickHouse({ dataDir: args['data-dir'] });
await migrate(clickhouse, join(repoRoot, 'migrations'), logger);
for (const file of args.profile) await saveProfile(clickhouse, referenceProfileSchema.parse(JSON.parse(readFileSync(file, 'utf8'))));
const kafka = createKafka({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'processor-rss-child', logger });
const producer = createIdempotentProducer(kafka);
await producer.connect();
const base = args.topic.replace(/\.predictions$/, '');
const topics = { predictions: args.topic, labels: `${base}.labels`, alerts: `${base}.alerts`, deadLetter: `${base}.dead-letter` };
const config = { ...processorsConfigFrom(parseEnv(processorsConfigSchema, {})), groupId: args.group };
const service = createProcessorsService({ kafka, clickhouse, producer, logger, topics, config });
await service.start();
process.stdout.write('{"ready":true}\n');

const t0 = performance.now();
const samples: MemorySample[] = [];
const inactiveParts = async () => Number((await queryRows<{ c: string }>(clickhouse, 'SELECT count() AS c FROM system.parts WHERE NOT active'))[0]?.c ?? 0);
const measure = async (events: number): Promise<MemorySample> => {
  const m = process.memoryUsage();
  const [tracked] = await queryRows<{ value: string }>(clickhouse, "SELECT value FROM system.metrics WHERE metric = 'MemoryTracking'");
  const [jemalloc] = await queryRows<Record<string, string>>(clickhouse, 'SELECT * FROM system.jemalloc_stats').catch(() => []);
  const stats = /Allocated: (\d+), active: \d+, metadata: \d+ \([^)]*\), resident: (\d+)/.exec(Object.values(jemalloc ?? {})[0] ?? '');
  const s: MemorySample = {
    events,
    elapsedMs: Math.round(performance.now() - t0),
    rss: m.rss,
    heapUsed: m.heapUsed,
    external: m.external,
    clickhouseTracked: Number(tracked?.value ?? 0),
    ...procStatus(),
    engineAllocated: Number(stats?.[1] ?? 0),
    engineResident: Number(stats?.[2] ?? 0),
    inactiveParts: await inactiveParts(),
  };
  return s;
};
const sample = async (events: number) => {
  const s = await measure(events);
  samples.push(s);
  process.stdout.write(`${JSON.stringify({ sample: s })}\n`);
};
await sample(0);
let next = every;
for (;;) {
  const consumed = service.runtime.stats().consumed;
  if (consumed >= next || (consumed >= total && samples.at(-1)!.events < consumed)) {
    await sample(consumed);
    while (next <= consumed) next += every;
  }
  if (consumed >= total) break;
  await new Promise((r) => setTimeout(r, 25));
}
// Parts a merge replaced stay, with their in-memory metadata, for old_parts_lifetime (480 s by default): longer
// than this run, so here they only pile up. To show what they hold, they are let go now and measured once more.
const tables = await queryRows<{ name: string }>(clickhouse, "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree'");
for (const { name } of tables) await clickhouse.command({ query: `ALTER TABLE ${name} MODIFY SETTING old_parts_lifetime = 1` });
// The engine's cleanup runs every ~30 s; merges the finalizer's inserts cause go on meanwhile, so not quite all go.
const piled = await inactiveParts();
const deadline = Date.now() + 90_000;
while (Date.now() < deadline && (await inactiveParts()) > Math.max(10, piled / 10)) await new Promise((r) => setTimeout(r, 1_000));
await new Promise((r) => setTimeout(r, 3_000)); // the engine's allocator purge (every 2 s) hands the freed pages back
const afterOldParts = await measure(service.runtime.stats().consumed);
await service.close();
const stats = service.stats();
const [drift] = await queryRows<{ c: string }>(clickhouse, 'SELECT count() AS c FROM drift_metrics FINAL');
await producer.disconnect();
await clickhouse.close();
const summary: RssChildSummary = { samples, consumed: stats.consumed, late: stats.late, windowsFinalized: stats.windowsFinalized, driftRows: Number(drift?.c ?? 0), afterOldParts };
process.stdout.write(`${JSON.stringify(summary)}\n`);
