import { randomUUID } from 'node:crypto';
import { queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import { countLabelledRows, createCandidate } from './candidates.ts';
import { classificationQuality } from './quality-metrics.ts';
import { evaluatePolicy, type ModelPolicy, type PolicyObservation, policyFor, type TriggerDecision, type TriggerPolicyFile } from './trigger-policy.ts';

/** What a fired trigger hands to the training queue. */
export interface TrainingRequest {
  model: string;
  candidate_id: string;
  base_version: string;
  decision_id: string;
  reason: string;
}

export interface TriggerLoopOptions {
  clickhouse: ClickHouseClient;
  policies: TriggerPolicyFile;
  /** Enqueues a training job; returns its job id (deduplicated per model by the queue). */
  enqueue(request: TrainingRequest): Promise<string>;
  /** Training jobs of the model waiting or running. */
  activeJobs(model: string): Promise<number>;
  /** The version's baseline for a quality metric when the registry has none (e.g. the model card). */
  baselineFromCard?(model: string, version: string, metric: string): Promise<number | undefined>;
  /** Non-firing decisions are recorded when they change, or at least this often. */
  recordEveryMs: number;
  logger: Logger;
}

export interface TriggerOutcome {
  model: string;
  version: string;
  decision: TriggerDecision;
  candidateId?: string;
  jobId?: string;
}

/**
 * Evaluates every active model's trigger policy against ClickHouse and acts
 * on it: a firing snapshots a retrain candidate and enqueues one training
 * job. Firing happens once per condition episode, not once per window: the
 * cooldown gate, the max_concurrent gate and the queue's per-model
 * deduplication all stand between two firings.
 */
export function createTriggerLoop(options: TriggerLoopOptions) {
  const { clickhouse } = options;
  const log = options.logger.child({ component: 'trigger-loop' });
  const lastRecorded = new Map<string, { summary: string; atMs: number }>();
  /** Per model, since when a condition has been met at every evaluation (the policy's `sustain` gate). In memory: a restart starts the streak again. */
  const metSince = new Map<string, number>();

  async function activeModels(nowMs: number): Promise<string[]> {
    const rows = await queryRows<{ model: string }>(
      clickhouse,
      `SELECT DISTINCT model FROM predictions WHERE ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') ORDER BY model`,
      { from: nowMs - 24 * 3_600_000 },
    );
    return rows.map((r) => r.model);
  }

  /** The champion: the registry's, else the version that served the newest prediction. */
  async function championOf(model: string): Promise<string | undefined> {
    const [registered] = await queryRows<{ version: string }>(
      clickhouse,
      `SELECT version FROM model_registry FINAL WHERE model = {model:String} AND stage = 'champion' ORDER BY updated_at DESC LIMIT 1`,
      { model },
    );
    if (registered) return registered.version;
    const [served] = await queryRows<{ v: string }>(clickhouse, 'SELECT argMax(model_version, ts) AS v FROM predictions WHERE model = {model:String}', { model });
    return served?.v || undefined;
  }

  async function observe(model: string, version: string, policy: ModelPolicy, nowMs: number): Promise<PolicyObservation> {
    const depth = Math.max(policy.drift?.consecutive_windows ?? 1, policy.validation?.consecutive_windows ?? 1);
    const psi = await queryRows<{ feature: string; series: Array<number | null> }>(
      clickhouse,
      `SELECT feature, arrayMap(x -> x.2, arrayReverseSort(x -> x.1, groupArray((toUnixTimestamp64Milli(window_start), psi)))) AS series
         FROM (SELECT feature, window_start, psi FROM drift_metrics FINAL
                WHERE model = {model:String} AND model_version = {version:String}
                ORDER BY window_start DESC LIMIT {depth:UInt32} BY feature)
        GROUP BY feature`,
      { model, version, depth },
    );
    // Windows come from drift_windows (every window with events has one); a window without violations has rate 0.
    const violations = await queryRows<{ rate: number }>(
      clickhouse,
      `SELECT w.window_start AS ws, max(ifNull(v.rate, 0)) AS rate
         FROM (SELECT window_start FROM drift_windows FINAL WHERE model = {model:String} AND model_version = {version:String}
                ORDER BY window_start DESC LIMIT {depth:UInt32}) AS w
         LEFT JOIN (SELECT window_start, rate FROM validation_metrics FINAL WHERE model = {model:String} AND model_version = {version:String}) AS v
           ON v.window_start = w.window_start
        GROUP BY ws ORDER BY ws DESC`,
      { model, version, depth },
    );
    const observation: PolicyObservation = {
      model,
      version,
      psiByFeature: new Map(psi.map((r) => [r.feature, r.series.map((v) => (v === null ? null : Number(v)))])),
      violationRates: violations.map((v) => Number(v.rate)),
      labelledRows: await countLabelledRows(clickhouse, model, nowMs - policy.candidate_lookback, nowMs + 1),
      activeJobs: await options.activeJobs(model),
    };
    const [fired] = await queryRows<{ t: string; n: string }>(
      clickhouse,
      'SELECT toUnixTimestamp64Milli(max(evaluated_at)) AS t, count() AS n FROM trigger_decisions WHERE model = {model:String} AND fired = 1',
      { model },
    );
    if (fired && Number(fired.n) > 0) observation.lastFiredAtMs = Number(fired.t);
    if (policy.quality) {
      const rows = await queryRows<{ score: number | null; predicted: string; label: string }>(
        clickhouse,
        `SELECT score, predicted, label FROM labeled_predictions FINAL
          WHERE model = {model:String} AND model_version = {version:String} AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')`,
        { model, version, from: nowMs - policy.quality.lookback },
      );
      const { quality } = classificationQuality(rows.map((r) => ({ ...r, score: r.score === null ? null : Number(r.score) })));
      observation.liveQuality = { value: quality ? quality[policy.quality.metric] : null, labels: quality?.labelled ?? 0 };
      const baseline = await baselineOf(model, version, policy.quality.metric);
      if (baseline !== undefined) observation.baselineQuality = baseline;
    }
    return observation;
  }

  async function baselineOf(model: string, version: string, metric: string): Promise<number | undefined> {
    const [row] = await queryRows<{ metrics: string }>(
      clickhouse,
      'SELECT metrics FROM model_registry FINAL WHERE model = {model:String} AND version = {version:String} LIMIT 1',
      { model, version },
    );
    if (row) {
      const metrics = JSON.parse(row.metrics || '{}') as Record<string, unknown>;
      const value = metrics[metric] ?? (metric === 'roc_auc' ? metrics.auc : undefined);
      if (typeof value === 'number') return value;
    }
    return options.baselineFromCard?.(model, version, metric);
  }

  async function record(outcome: TriggerOutcome, decisionId: string, nowMs: number): Promise<void> {
    const previous = lastRecorded.get(outcome.model);
    const due = outcome.decision.fire || !previous || previous.summary !== outcome.decision.summary || nowMs - previous.atMs >= options.recordEveryMs;
    if (!due) return;
    lastRecorded.set(outcome.model, { summary: outcome.decision.summary, atMs: nowMs });
    await clickhouse.insert({
      table: 'trigger_decisions',
      format: 'JSONEachRow',
      values: [
        {
          decision_id: decisionId,
          model: outcome.model,
          evaluated_at: nowMs,
          fired: outcome.decision.fire ? 1 : 0,
          reasons: JSON.stringify(outcome.decision.reasons),
          blocked_by: JSON.stringify(outcome.decision.blockedBy),
          candidate_id: outcome.candidateId ?? '',
          job_id: outcome.jobId ?? '',
        },
      ],
    });
  }

  async function evaluateModel(model: string, policy: ModelPolicy, nowMs: number): Promise<TriggerOutcome | undefined> {
    const version = await championOf(model);
    if (!version) return undefined;
    const observation = await observe(model, version, policy, nowMs);
    const since = metSince.get(model);
    if (since !== undefined) observation.conditionsMetSinceMs = since;
    const decision = evaluatePolicy(policy, observation, nowMs);
    if (!decision.reasons.some((r) => r.met) || decision.fire) metSince.delete(model);
    else if (since === undefined) metSince.set(model, nowMs);
    const outcome: TriggerOutcome = { model, version, decision };
    const decisionId = randomUUID();
    if (decision.fire) {
      const candidate = await createCandidate(clickhouse, { model, fromMs: nowMs - policy.candidate_lookback, toMs: nowMs + 1, reason: decision.summary, decisionId }, nowMs);
      outcome.candidateId = candidate.candidate_id;
      outcome.jobId = await options.enqueue({ model, candidate_id: candidate.candidate_id, base_version: version, decision_id: decisionId, reason: decision.summary });
      log.info({ model, version, candidate: candidate.candidate_id, rows: candidate.row_count, job: outcome.jobId, why: decision.summary }, 'retraining triggered');
    }
    await record(outcome, decisionId, nowMs);
    return outcome;
  }

  return {
    /** One evaluation of every active model with a policy. */
    async run(nowMs: number): Promise<TriggerOutcome[]> {
      const outcomes: TriggerOutcome[] = [];
      for (const model of await activeModels(nowMs)) {
        const policy = policyFor(options.policies, model);
        if (!policy) continue;
        try {
          const outcome = await evaluateModel(model, policy, nowMs);
          if (outcome) outcomes.push(outcome);
        } catch (err) {
          log.warn({ err, model }, 'trigger evaluation failed; retried next round');
        }
      }
      return outcomes;
    },
  };
}
