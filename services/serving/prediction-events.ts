import type { PredictionEvent } from '../../libs/contracts/schemas.ts';
import { type FeatureBatch, type OutputBatch, rowRecord } from './feature-batch.ts';

/** What every event of one request shares. */
export interface RequestFacts {
  model: string;
  version: string;
  node: string;
  executionProvider: string;
  /** Request arrival, ms since the epoch: the events' event time. */
  ts: number;
  /** Time the serving node spent on the request, from validation to the split-back result (queueing in the batcher included). */
  latencyMs: number;
}

/** One `driftline.predictions` event per row of a scored request. */
export function predictionEvents(facts: RequestFacts, ids: readonly string[], features: FeatureBatch, outputs: OutputBatch): PredictionEvent[] {
  return ids.map((id, row) => ({
    ...base(facts, id, features, row),
    outputs: rowRecord(outputs.columns, row),
    status: 'ok' as const,
  }));
}

/** One event with status=error per row of a request whose inference failed; outputs are empty. */
export function failedPredictionEvents(facts: RequestFacts, ids: readonly string[], features: FeatureBatch, error: string): PredictionEvent[] {
  return ids.map((id, row) => ({
    ...base(facts, id, features, row),
    outputs: {},
    status: 'error' as const,
    error: error.slice(0, 4096),
  }));
}

function base(facts: RequestFacts, id: string, features: FeatureBatch, row: number) {
  return {
    schema_version: 1 as const,
    prediction_id: id,
    model: facts.model,
    model_version: facts.version,
    ts: facts.ts,
    features: rowRecord(features.columns as Record<string, readonly (number | string | null)[]>, row),
    latency_ms: Math.round(facts.latencyMs * 1000) / 1000,
    node: facts.node,
    execution_provider: facts.executionProvider,
  };
}
