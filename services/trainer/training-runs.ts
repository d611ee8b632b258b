import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { clickhouseCall } from './clickhouse-call.ts';

/**
 * training_runs rows (migration 0015): one run per job attempt, its state
 * moving training → registered | failed (or retrying, when the job will be
 * attempted again; delegated when an external pipeline trains). Each update
 * rewrites the whole row (ReplacingMergeTree by updated_at), so the
 * recorder carries the fields set earlier forward.
 */

export type RunState = 'queued' | 'training' | 'registered' | 'retrying' | 'failed' | 'delegated';

export interface RunIdentity {
  run_id: string;
  job_id: string;
  model: string;
  candidate_id: string;
  base_version: string;
  /** Who trains: 'local' (this worker) or 'webhook'. */
  trainer: string;
}

export interface RunUpdate {
  new_version?: string;
  metrics?: Record<string, unknown>;
  error?: string;
}

export interface RunRecorder {
  update(state: RunState, fields?: RunUpdate): Promise<void>;
}

/** The run id of one attempt of a job: `<job id>#<attempt>` (1-based). */
export function runIdOf(jobId: string, attempt: number): string {
  return `${jobId}#${attempt}`;
}

/** A recorder for one run; updated_at strictly grows, so the latest update is the state. */
export function createRunRecorder(clickhouse: ClickHouseClient, identity: RunIdentity, clock: () => number = Date.now): RunRecorder {
  const startedAt = clock();
  let lastAt = 0;
  const fields: Required<RunUpdate> = { new_version: '', metrics: {}, error: '' };
  return {
    async update(state, update = {}) {
      Object.assign(fields, update);
      lastAt = Math.max(clock(), lastAt + 1, startedAt);
      await clickhouseCall(`recording training run ${identity.run_id} as ${state}`, () =>
        clickhouse.insert({
          table: 'training_runs',
          format: 'JSONEachRow',
          values: [{ ...identity, ...fields, metrics: JSON.stringify(fields.metrics), state, started_at: startedAt, updated_at: lastAt }],
        }));
    },
  };
}
