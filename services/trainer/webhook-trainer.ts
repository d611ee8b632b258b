import { type ConnectionOptions, type Job, Worker } from 'bullmq';
import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { DriftlineError, messageOf } from '../../libs/errors/errors.ts';
import { withRetry } from '../../libs/errors/retry.ts';
import { once } from '../../libs/lifecycle/shutdown.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import { TRAINING_QUEUE } from '../../libs/training/training-job.ts';
import { loadCandidateMeta } from './candidate-loader.ts';
import { acceptTrainingJob, errorForQueue, failedRunState } from './job-failure.ts';
import type { TrainerWorker } from './trainer-worker.ts';
import { createRunRecorder, runIdOf } from './training-runs.ts';
import { type WebhookFormat, webhookBody, webhookPayload, webhookVerdict } from './webhook-request.ts';

/**
 * The webhook trigger adapter: instead of training here, each training job
 * is POSTed to an external pipeline (Kubeflow Pipelines, Airflow, GitHub
 * Actions, or a small bridge in front of any of them). The run is recorded
 * as `delegated` with the HTTP status once the pipeline accepted it, or
 * `failed` with the status and the start of the answer. Network errors,
 * timeouts, 5xx and 429 are retried within the attempt, then the job's own
 * attempts take over; other 4xx fail the job at once. The pipeline hands a
 * version back by writing it to the model repository and calling the
 * promote route.
 */

export interface WebhookTrainerOptions {
  connection: ConnectionOptions;
  clickhouse: ClickHouseClient;
  url: string;
  /** Sent as `Authorization: Bearer …`; never logged. */
  token?: string | undefined;
  format?: WebhookFormat;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** Tries per job attempt; default 3. */
  tries?: number;
  /** First backoff between tries; default 500 ms (doubling, full jitter, at most 10 s). */
  retryDelayMs?: number;
  exportUrlTemplate?: string | undefined;
  holdoutFraction?: number;
  logger: Logger;
  concurrency?: number;
  queueName?: string;
  fetchImpl?: typeof fetch;
  clock?: () => number;
}

export function createWebhookTrainerWorker(options: WebhookTrainerOptions): TrainerWorker {
  const log = options.logger.child({ component: 'webhook-trainer' });
  const doFetch = options.fetchImpl ?? fetch;
  const format = options.format ?? 'plain';
  const clock = options.clock ?? Date.now;

  /** One POST; resolves with the status when accepted, throws WEBHOOK_FAILED (retriable or not) otherwise. */
  async function post(body: Record<string, unknown>, runId: string): Promise<{ status: number; verdict: string; answer: string }> {
    let response: Response;
    try {
      response = await doFetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, application/vnd.github+json',
          'user-agent': 'driftline-trainer',
          'idempotency-key': runId,
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
    } catch (cause) {
      const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
      throw new DriftlineError('WEBHOOK_FAILED', timedOut ? `training webhook did not answer within ${options.timeoutMs ?? 10_000} ms` : `training webhook unreachable: ${messageOf(cause)}`, { retriable: true, cause });
    }
    const answer = (await response.text().catch(() => '')).slice(0, 500);
    const verdict = webhookVerdict(format, response.status);
    if (verdict === 'delivered' || verdict === 'already_delivered') return { status: response.status, verdict, answer };
    throw new DriftlineError('WEBHOOK_FAILED', `training webhook answered HTTP ${response.status}${answer ? `: ${answer}` : ''}`, {
      retriable: verdict === 'retry',
      details: { status: response.status },
    });
  }

  async function processJob(job: Job): Promise<Record<string, unknown>> {
    const { jobId, data, attempt, maxAttempts } = acceptTrainingJob(job, log);
    const runId = runIdOf(jobId, attempt);
    const run = createRunRecorder(options.clickhouse, {
      run_id: runId, job_id: jobId, model: data.model, candidate_id: data.candidate_id, base_version: data.base_version, trainer: 'webhook',
    }, clock);
    try {
      const candidate = await loadCandidateMeta(options.clickhouse, data.candidate_id, data.model);
      const payload = webhookPayload({ job: data, jobId, runId, candidate, holdoutFraction: options.holdoutFraction ?? 0.2, exportUrlTemplate: options.exportUrlTemplate });
      const result = await withRetry(() => post(webhookBody(format, payload, runId), runId), {
        attempts: options.tries ?? 3,
        initialDelayMs: options.retryDelayMs ?? 500,
        maxDelayMs: 10_000,
        onRetry: (err, n, delayMs) => log.warn({ job: jobId, try: n, delayMs, err: messageOf(err) }, 'training webhook failed; retrying'),
      });
      await run.update('delegated', { metrics: { http_status: result.status, verdict: result.verdict, answer: result.answer } });
      log.info({ job: jobId, model: data.model, candidate: data.candidate_id, status: result.status }, 'training delegated to the webhook');
      return { delegated: true, status: result.status };
    } catch (err) {
      const state = failedRunState(err, attempt, maxAttempts);
      const status = err instanceof DriftlineError ? err.details?.status : undefined;
      log.warn({ job: jobId, model: data.model, attempt, maxAttempts, state, err: messageOf(err) }, 'training delegation failed');
      await run.update(state, { error: messageOf(err), ...(typeof status === 'number' ? { metrics: { http_status: status } } : {}) })
        .catch((recordErr: unknown) => log.error({ job: jobId, err: messageOf(recordErr) }, 'could not record the failed training run'));
      throw errorForQueue(err);
    }
  }

  const worker = new Worker(options.queueName ?? TRAINING_QUEUE, processJob, { connection: options.connection, concurrency: options.concurrency ?? 1, autorun: false });
  worker.on('error', (err) => log.error({ err: messageOf(err) }, 'webhook trainer worker error'));
  return {
    async start() {
      await worker.waitUntilReady();
      worker.run().catch((err: unknown) => log.error({ err: messageOf(err) }, 'webhook trainer worker stopped'));
      log.info({ queue: worker.name, format }, 'webhook trainer started');
    },
    close: once(() => worker.close()),
  };
}
