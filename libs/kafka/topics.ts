import type { Kafka } from 'kafkajs';
import { DriftlineError, messageOf } from '../errors/errors.ts';

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Topic-level configs, e.g. retention.ms. */
  config?: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Creates the topics that do not exist yet (the broker runs with
 * auto.create.topics.enable=false, so nothing appears by accident) and waits
 * until every partition has a leader. Existing topics are left as they are.
 *
 * Retries retriable broker errors: right after a broker starts, or right
 * after a topic is created, metadata can briefly answer
 * UNKNOWN_TOPIC_OR_PARTITION even though the creation succeeded (kafkajs'
 * own waitForLeaders gives up on it), so the whole step is repeated — it is
 * idempotent — until leaders are confirmed.
 */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[], attempts = 15): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = new Set(await admin.listTopics());
        const missing = specs.filter((s) => !existing.has(s.topic));
        if (missing.length > 0) {
          await admin.createTopics({
            waitForLeaders: false,
            topics: missing.map((s) => ({
              topic: s.topic,
              numPartitions: s.partitions,
              replicationFactor: 1,
              configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
            })),
          });
        }
        const metadata = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
        const leaderless = metadata.topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
        if (leaderless.length === 0) return;
        throw Object.assign(new Error(`no leader yet for ${leaderless.map((t) => t.name).join(', ')}`), { retriable: true });
      } catch (err) {
        const retriable = (err as { retriable?: boolean }).retriable === true;
        if (!retriable || attempt >= attempts) {
          throw new DriftlineError('KAFKA_UNAVAILABLE', `could not create or confirm topics ${specs.map((s) => s.topic).join(', ')}: ${messageOf(err)}`, { retriable, cause: err });
        }
        await sleep(Math.min(100 * attempt, 1_000));
      }
    }
  } finally {
    await admin.disconnect();
  }
}
