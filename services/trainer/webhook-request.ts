import type { TrainingJobData } from '../../libs/training/training-job.ts';
import type { CandidateMeta } from './candidate-loader.ts';

/**
 * What the webhook adapter sends an external training pipeline, and how it
 * reads the answer. The payload carries the job, where the candidate's rows
 * are (export URLs when configured, else the ClickHouse tables), the split
 * rule (so the pipeline evaluates on the same holdout the local trainer
 * would), and how to hand a version back. It has ten top-level keys: GitHub's
 * repository_dispatch accepts at most ten in client_payload.
 */

export type WebhookFormat = 'plain' | 'github' | 'airflow';

export interface WebhookPayloadInput {
  job: TrainingJobData;
  jobId: string;
  runId: string;
  candidate: CandidateMeta;
  holdoutFraction: number;
  /** URL template with {candidate_id} and {format}; undefined = no export URLs. */
  exportUrlTemplate?: string | undefined;
}

export const EXPORT_FORMATS = ['csv', 'parquet', 'jsonl'] as const;

/** The plain payload. */
export function webhookPayload(input: WebhookPayloadInput): Record<string, unknown> {
  const { job, candidate } = input;
  const template = input.exportUrlTemplate;
  const exportUrls = template
    ? Object.fromEntries(EXPORT_FORMATS.map((f) => [f, template.replaceAll('{candidate_id}', encodeURIComponent(candidate.candidate_id)).replaceAll('{format}', f)]))
    : null;
  return {
    job_id: input.jobId,
    run_id: input.runId,
    model: job.model,
    candidate_id: job.candidate_id,
    base_version: job.base_version,
    decision_id: job.decision_id,
    reason: job.reason,
    candidate: {
      row_count: candidate.row_count,
      model_version: candidate.model_version,
      export: exportUrls,
      clickhouse: { rows: 'candidate_rows', metadata: 'retrain_candidates', where: { candidate_id: candidate.candidate_id } },
    },
    split: {
      holdout_fraction: input.holdoutFraction,
      rule: 'holdout when uint32_be(sha256(prediction_id)[0:4]) / 2^32 < holdout_fraction',
    },
    register: {
      model_repository: '<repo>/<model>/<version>/model.onnx + model-card.json (same ONNX contract as the champion)',
      promote: `POST /v1/models/${job.model}/versions/{version}/promote`,
    },
  };
}

/** The request body for the configured format. */
export function webhookBody(format: WebhookFormat, payload: Record<string, unknown>, runId: string): Record<string, unknown> {
  switch (format) {
    case 'plain':
      return payload;
    case 'github':
      // POST https://api.github.com/repos/{owner}/{repo}/dispatches; a workflow `on: repository_dispatch: types: [driftline-retrain]`.
      return { event_type: 'driftline-retrain', client_payload: payload };
    case 'airflow':
      // POST {airflow}/api/v1/dags/{dag_id}/dagRuns; the run id makes a repeated delivery a 409 instead of a second run.
      return { dag_run_id: `driftline-${runId}`.replace(/[^A-Za-z0-9_.~:+-]/g, '_'), conf: payload };
  }
}

export type WebhookVerdict = 'delivered' | 'already_delivered' | 'retry' | 'refused';

/**
 * How an HTTP status is taken: 2xx delivered; 409 from Airflow means the
 * run id exists (an earlier delivery got through); 408, 425, 429 and 5xx
 * may pass on retry; any other 4xx is a configuration problem (URL, token,
 * payload) that retrying cannot fix.
 */
export function webhookVerdict(format: WebhookFormat, status: number): WebhookVerdict {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 409 && format === 'airflow') return 'already_delivered';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'refused';
}
