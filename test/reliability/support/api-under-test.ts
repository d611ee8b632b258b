/**
 * The query API as a deployment mounts it: buildApiApp with exactly the
 * write routes of services/api/api-plugins.ts (labels → a unique Kafka
 * topic, reference upload and promotion → this process's ClickHouse and a
 * temp model repository holding demo versions 1 and 2, bull-board → a
 * unique BullMQ queue on the shared Redis), over the API test fixtures.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from '../../../libs/logging/logger.ts';
import type { ClickHouseClient } from '../../../libs/clickhouse/client.ts';
import { silentLogger } from '../../../libs/logging/logger.ts';
import { writeDemoModel } from '../../../libs/model/train-demo-model.ts';
import { apiPlugins } from '../../../services/api/api-plugins.ts';
import type { ApiLimits } from '../../../services/api/route-context.ts';
import { DEFAULT_LIMITS, testApp } from '../../../services/api/test-fixtures.ts';
import { uniqueName } from '../../support/harness.ts';

export const ADMIN_TOKEN = 'reliability-admin-token-0123456789';
export const READ_TOKEN = 'reliability-read-token-0123456789';
export const MAX_LABELS = 50;

export interface ApiUnderTest {
  app: FastifyInstance;
  queue: Queue;
  repoDir: string;
  close(): Promise<void>;
}

/** A model repository with demo versions 1 and 2 of credit-default (1 serves). */
export async function demoRepository(): Promise<string> {
  const repoDir = mkdtempSync(join(tmpdir(), 'driftline-rel-repo-'));
  await writeDemoModel(repoDir, { seed: 7, rows: 600, version: '1' });
  await writeDemoModel(repoDir, { seed: 8, rows: 600, version: '2' });
  return repoDir;
}

export async function buildApiUnderTest(deps: {
  clickhouse: ClickHouseClient;
  producer: Pick<Producer, 'send'>;
  labelsTopic: string;
  repoDir: string;
  auth?: { adminToken?: string; readToken?: string };
  limits?: Partial<ApiLimits>;
  logger?: Logger;
}): Promise<ApiUnderTest> {
  const auth = deps.auth ?? { adminToken: ADMIN_TOKEN, readToken: READ_TOKEN };
  const queue = new Queue(uniqueName('rel-training'), { connection: { host: '127.0.0.1', port: 6379 } });
  const limits = { ...DEFAULT_LIMITS, bodyLimit: 256 * 1024, ...deps.limits };
  const plugins = apiPlugins({
    clickhouse: deps.clickhouse,
    adminToken: auth.adminToken,
    producer: deps.producer,
    labelsTopic: deps.labelsTopic,
    maxLabelsPerRequest: MAX_LABELS,
    trainingQueue: queue,
    modelRepository: deps.repoDir,
    maxRangeMs: limits.maxRangeMs,
  });
  const app = testApp(deps.clickhouse, { auth, limits, plugins }, deps.logger ?? silentLogger());
  await app.ready();
  return {
    app,
    queue,
    repoDir: deps.repoDir,
    async close() {
      await app.close();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    },
  };
}

/** Counts messages on a topic (all partitions), from the broker's offsets. */
export async function topicMessages(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((s, o) => s + Number(o.high) - Number(o.low), 0);
  } finally {
    await admin.disconnect();
  }
}
