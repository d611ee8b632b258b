import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { webhookBody, webhookPayload, webhookVerdict } from './webhook-request.ts';

const input = {
  job: { schema_version: 1 as const, model: 'credit-default', candidate_id: 'cand/1', base_version: '3', decision_id: 'd-9', reason: 'psi' },
  jobId: '17',
  runId: '17#2',
  candidate: { candidate_id: 'cand/1', model: 'credit-default', model_version: '3', reason: 'psi', decision_id: 'd-9', row_count: 5000 },
  holdoutFraction: 0.25,
  exportUrlTemplate: 'http://api:8080/v1/candidates/{candidate_id}/export?format={format}',
};

describe('webhook request', () => {
  it('carries the job, the candidate export URLs and the split rule in ten top-level keys', () => {
    const payload = webhookPayload(input);
    assert.equal(Object.keys(payload).length, 10, 'GitHub repository_dispatch allows at most 10 client_payload keys');
    assert.equal(payload.run_id, '17#2');
    assert.equal(payload.base_version, '3');
    const candidate = payload.candidate as { row_count: number; export: Record<string, string> };
    assert.equal(candidate.row_count, 5000);
    assert.equal(candidate.export.parquet, 'http://api:8080/v1/candidates/cand%2F1/export?format=parquet');
    assert.deepEqual(Object.keys(candidate.export), ['csv', 'parquet', 'jsonl']);
    assert.equal((payload.split as { holdout_fraction: number }).holdout_fraction, 0.25);
    assert.equal((webhookPayload({ ...input, exportUrlTemplate: undefined }).candidate as { export: unknown }).export, null);
  });

  it('wraps the payload for GitHub and Airflow', () => {
    const payload = webhookPayload(input);
    assert.equal(webhookBody('plain', payload, '17#2'), payload);
    assert.deepEqual(webhookBody('github', payload, '17#2'), { event_type: 'driftline-retrain', client_payload: payload });
    assert.deepEqual(webhookBody('airflow', payload, '17#2'), { dag_run_id: 'driftline-17_2', conf: payload });
  });

  it('retries what may pass, refuses configuration errors', () => {
    assert.equal(webhookVerdict('plain', 200), 'delivered');
    assert.equal(webhookVerdict('github', 204), 'delivered');
    assert.equal(webhookVerdict('airflow', 409), 'already_delivered');
    assert.equal(webhookVerdict('plain', 409), 'refused');
    for (const status of [408, 425, 429, 500, 502, 503]) assert.equal(webhookVerdict('plain', status), 'retry', String(status));
    for (const status of [400, 401, 403, 404, 422]) assert.equal(webhookVerdict('plain', status), 'refused', String(status));
  });
});
