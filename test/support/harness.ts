/**
 * Shared pieces for integration tests: the real local broker (started by
 * scripts/test.sh), a fresh embedded ClickHouse per test file (chDB binds
 * one data directory per process; node --test runs each file in its own
 * process), and unique topic/group names per test so tests never share state.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import { after, before } from 'node:test';
import { createClickHouse, queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { migrate } from '../../libs/clickhouse/migrations.ts';
import { messageOf } from '../../libs/errors/errors.ts';
import { createKafka } from '../../libs/kafka/client.ts';
import { createIdempotentProducer } from '../../libs/kafka/producer.ts';
import type { TopicNames } from '../../libs/kafka/topology.ts';
import { ensureDriftlineTopics } from '../../libs/kafka/topology.ts';
import { settledWithin } from '../../libs/lifecycle/deadline.ts';
import { repoRoot } from '../../libs/local/local-services.ts';
import { createLogger, silentLogger, type Logger } from '../../libs/logging/logger.ts';

export const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export function testLogger(): Logger {
  return process.env.TEST_LOG_LEVEL ? createLogger({ level: process.env.TEST_LOG_LEVEL }) : silentLogger();
}

let counter = 0;
/** A name no other test (or earlier run) uses: prefix + pid + counter + time. */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}-${process.pid}-${counter}-${Date.now().toString(36)}`;
}

export function testKafka(logger = testLogger()): Kafka {
  return createKafka({ brokers, clientId: uniqueName('test'), logger });
}

export async function uniqueTopics(kafka: Kafka): Promise<TopicNames> {
  const base = uniqueName('t');
  const names = { predictions: `${base}.predictions`, labels: `${base}.labels`, alerts: `${base}.alerts`, deadLetter: `${base}.dead-letter` };
  await ensureDriftlineTopics(kafka, names);
  return names;
}

let sharedClickHouse: Promise<ClickHouseClient> | undefined;
/** The embedded ClickHouse of this test process, migrated once. */
export function testClickHouse(): Promise<ClickHouseClient> {
  sharedClickHouse ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftline-ch-'));
    const client = await createClickHouse({ url: process.env.CLICKHOUSE_URL, dataDir: dir });
    await migrate(client, join(repoRoot, 'migrations'), silentLogger());
    return client;
  })();
  return sharedClickHouse;
}

/** The broker client, a connected idempotent producer and this process's ClickHouse of an integration test file. */
export interface BrokerAndClickHouse {
  kafka: Kafka;
  producer: Producer;
  clickhouse: ClickHouseClient;
}

/**
 * Sets up (before the file's tests) and tears down (after them) the broker
 * client, a connected producer and the embedded ClickHouse; the returned
 * object's fields are filled in by the time a test runs.
 */
export function useBrokerAndClickHouse(): BrokerAndClickHouse {
  const env = {} as BrokerAndClickHouse;
  before(async () => {
    env.kafka = testKafka();
    env.producer = createIdempotentProducer(env.kafka);
    await env.producer.connect();
    env.clickhouse = await testClickHouse();
  });
  after(async () => {
    await env.producer.disconnect();
    await env.clickhouse.close();
  });
  return env;
}

export async function count(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}): Promise<number> {
  const rows = await queryRows<{ c: string }>(client, query, params);
  return Number(rows[0]?.c ?? 0);
}

/** Polls `probe` until it returns true or the timeout passes; returns the last result. */
export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Waits for `work` to settle, but at most `ms`; never throws (for finally
 * blocks, where a throw would hide the assertion that failed). A clean-up
 * that can wait out a client's retries, e.g. closing a consumer while its
 * broker is down, is bounded this way so the test reports its failure
 * instead of holding the run; a clean-up that gave up is said on stderr.
 */
export async function settleWithin(work: Promise<unknown> | undefined, ms: number, what: string): Promise<void> {
  if (!work) return;
  try {
    if (!(await settledWithin(work, ms))) console.error(`[clean-up] ${what}: not settled after ${ms} ms; left behind`);
  } catch (err) {
    console.error(`[clean-up] ${what}: failed: ${messageOf(err)}`);
  }
}
