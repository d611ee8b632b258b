/**
 * The webhook trigger adapter against a local HTTP server (standing in for
 * a Kubeflow/Airflow/GitHub Actions dispatch endpoint), the real Redis and
 * the embedded ClickHouse: an accepted POST records the run as delegated;
 * 5xx is retried within the attempt; 401 fails the job at once; a server
 * that never answers times out and uses up the job's attempts.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Queue, QueueEvents } from 'bullmq';
import { queryRows } from '../../libs/clickhouse/client.ts';
import { enqueueTrainingJob, redisConnection, type TrainingJobData } from '../../libs/training/training-job.ts';
import type { WebhookFormat } from '../../services/trainer/webhook-request.ts';
import { createWebhookTrainerWorker } from '../../services/trainer/webhook-trainer.ts';
import { testClickHouse, testLogger, uniqueName } from '../support/harness.ts';

const connection = redisConnection(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { worker: true });

interface Received {
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

describe('webhook trainer', () => {
  let ch: Awaited<ReturnType<typeof testClickHouse>>;
  let server: Server;
  let url: string;
  const received: Received[] = [];
  /** What the server does with the next requests, in order; the last one repeats. */
  let script: Array<(res: ServerResponse) => void> = [];

  before(async () => {
    ch = await testClickHouse();
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
        const next = script.length > 1 ? script.shift()! : script[0]!;
        next(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dispatch`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const answer = (status: number, body = '') => (res: ServerResponse) => res.writeHead(status, { 'content-type': 'application/json' }).end(body);

  async function delegate(format: WebhookFormat, options: { timeoutMs?: number; tries?: number } = {}) {
    const candidateId = uniqueName('cand');
    await ch.insert({
      table: 'retrain_candidates',
      format: 'JSONEachRow',
      values: [{ candidate_id: candidateId, model: 'credit-default', model_version: '1', from_ts: 0, to_ts: 1, filters: '{}', reason: 'drift', decision_id: 'd1', row_count: 1234, label_coverage: 1, class_balance: '{}', created_at: 0 }],
    });
    const data: TrainingJobData = { schema_version: 1, model: 'credit-default', candidate_id: candidateId, base_version: '1', decision_id: 'd1', reason: 'drift' };
    const queueName = uniqueName('training');
    const queue = new Queue(queueName, { connection });
    const events = new QueueEvents(queueName, { connection });
    const worker = createWebhookTrainerWorker({
      connection, clickhouse: ch, url, token: 's3cret', format, logger: testLogger(), queueName, retryDelayMs: 10,
      timeoutMs: options.timeoutMs ?? 2_000, tries: options.tries ?? 3,
      exportUrlTemplate: 'http://api.local/v1/candidates/{candidate_id}/export?format={format}',
    });
    try {
      await events.waitUntilReady();
      await worker.start();
      const job = await enqueueTrainingJob(queue, data, { dedupId: candidateId, backoffMs: 50 });
      const outcome = await job.waitUntilFinished(events, 30_000).then(() => undefined, (err: Error) => err);
      const finished = (await queue.getJob(job.id!))!;
      const runs = await queryRows<{ run_id: string; state: string; error: string; metrics: string; trainer: string }>(
        ch, 'SELECT run_id, state, error, metrics, trainer FROM training_runs FINAL WHERE candidate_id = {c:String} ORDER BY run_id', { c: candidateId });
      return { candidateId, error: outcome, attemptsMade: finished.attemptsMade, runs };
    } finally {
      await worker.close();
      await events.close();
      await queue.close();
    }
  }

  it('delegates: POSTs the job with the candidate export URLs and records the run as delegated', async () => {
    received.length = 0;
    script = [answer(202, '{"run":"abc"}')];
    const { candidateId, error, runs } = await delegate('plain');
    assert.equal(error, undefined);
    assert.equal(received.length, 1);
    const [request] = received;
    assert.equal(request!.headers.authorization, 'Bearer s3cret');
    assert.equal(request!.headers['content-type'], 'application/json');
    assert.equal(request!.body.candidate_id, candidateId);
    assert.equal(request!.body.model, 'credit-default');
    const candidate = request!.body.candidate as { row_count: number; export: Record<string, string> };
    assert.equal(candidate.row_count, 1234);
    assert.equal(candidate.export.csv, `http://api.local/v1/candidates/${candidateId}/export?format=csv`);
    assert.equal(runs.length, 1);
    assert.deepEqual([runs[0]!.state, runs[0]!.trainer, runs[0]!.error], ['delegated', 'webhook', '']);
    assert.deepEqual(JSON.parse(runs[0]!.metrics), { http_status: 202, verdict: 'delivered', answer: '{"run":"abc"}' });
  });

  it('retries 5xx within the attempt, and wraps the job for GitHub repository_dispatch', async () => {
    received.length = 0;
    script = [answer(503), answer(502), answer(204)];
    const { error, runs, attemptsMade } = await delegate('github');
    assert.equal(error, undefined);
    assert.equal(received.length, 3);
    assert.equal(received[2]!.body.event_type, 'driftline-retrain');
    assert.equal((received[2]!.body.client_payload as { model: string }).model, 'credit-default');
    assert.equal(attemptsMade, 1, 'one job attempt: the retries were within it');
    assert.equal(runs[0]!.state, 'delegated');
  });

  it('fails at once on 401, with the status in training_runs', async () => {
    received.length = 0;
    script = [answer(401, '{"message":"Bad credentials"}')];
    const { error, runs, attemptsMade } = await delegate('plain');
    assert.match(String(error?.message), /training webhook answered HTTP 401: \{"message":"Bad credentials"\}/);
    assert.equal(received.length, 1, 'a refused request is not retried');
    assert.equal(attemptsMade, 1);
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.state, 'failed');
    assert.match(runs[0]!.error, /HTTP 401/);
    assert.deepEqual(JSON.parse(runs[0]!.metrics), { http_status: 401 });
  });

  it('times out a silent server and uses up the job attempts: retrying, retrying, failed', async () => {
    received.length = 0;
    script = [() => {}];
    const { error, runs, attemptsMade } = await delegate('plain', { timeoutMs: 150, tries: 1 });
    assert.match(String(error?.message), /training webhook did not answer within 150 ms/);
    assert.equal(attemptsMade, 3);
    assert.deepEqual(runs.map((r) => [r.run_id.replace(/^.*#/, '#'), r.state]), [['#1', 'retrying'], ['#2', 'retrying'], ['#3', 'failed']]);
  });
});
