import type { PredictionEvent } from '../../libs/contracts/schemas.ts';

/** A row of the `predictions` table (migrations/0002_predictions.sql). */
export interface PredictionRow {
  prediction_id: string;
  model: string;
  model_version: string;
  /** Event time, ms since the epoch (DateTime64(3) accepts it as is). */
  ts: number;
  features: string;
  outputs: string;
  latency_ms: number;
  status: 'ok' | 'error';
  error: string;
  node: string;
  execution_provider: string;
  topic: string;
  partition: number;
  offset: number;
}

export function toPredictionRow(event: PredictionEvent, source: { topic: string; partition: number; offset: number }): PredictionRow {
  return {
    prediction_id: event.prediction_id,
    model: event.model,
    model_version: event.model_version,
    ts: event.ts,
    features: JSON.stringify(event.features),
    outputs: JSON.stringify(event.outputs),
    latency_ms: event.latency_ms,
    status: event.status,
    error: event.error ?? '',
    node: event.node,
    execution_provider: event.execution_provider,
    topic: source.topic,
    partition: source.partition,
    offset: source.offset,
  };
}
