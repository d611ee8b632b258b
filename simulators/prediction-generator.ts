import type { Producer } from 'kafkajs';
import { encodeEvent } from '../libs/contracts/decode.ts';
import { newPredictionId } from '../libs/contracts/prediction-id.ts';
import type { PredictionEvent } from '../libs/contracts/schemas.ts';

/**
 * A small, dependency-free source of prediction events for the walking
 * skeleton and tests: a seeded generator (mulberry32) over a toy tabular
 * domain. The full simulator with scenarios lives beside it.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GeneratorOptions {
  model: string;
  modelVersion: string;
  node: string;
  seed: number;
  /** Event time of the first event and the spacing between events. */
  startMs: number;
  stepMs: number;
}

export function* generatePredictions(count: number, options: GeneratorOptions): Generator<PredictionEvent> {
  const rand = mulberry32(options.seed);
  const regions = ['north', 'south', 'east', 'west'];
  for (let i = 0; i < count; i++) {
    const ts = options.startMs + i * options.stepMs;
    const income = 20_000 + rand() * 100_000;
    const debtRatio = rand();
    const score = 1 / (1 + Math.exp(-(3 * debtRatio - income / 50_000)));
    yield {
      schema_version: 1,
      prediction_id: newPredictionId(ts),
      model: options.model,
      model_version: options.modelVersion,
      ts,
      features: { income, debt_ratio: debtRatio, region: regions[Math.floor(rand() * regions.length)]! },
      outputs: { probability: score, label: score >= 0.5 ? 1 : 0 },
      latency_ms: 1 + rand() * 10,
      status: 'ok',
      node: options.node,
      execution_provider: 'cpu',
    };
  }
}

/** Publishes events in chunks, keyed by prediction_id; resolves when all are acknowledged. */
export async function publishPredictions(producer: Producer, topic: string, events: Iterable<PredictionEvent>, chunk = 500): Promise<number> {
  let sent = 0;
  let messages: Array<{ key: string; value: Buffer }> = [];
  for (const event of events) {
    messages.push({ key: event.prediction_id, value: encodeEvent('predictions', event) });
    if (messages.length >= chunk) {
      await producer.send({ topic, acks: -1, messages });
      sent += messages.length;
      messages = [];
    }
  }
  if (messages.length > 0) {
    await producer.send({ topic, acks: -1, messages });
    sent += messages.length;
  }
  return sent;
}
