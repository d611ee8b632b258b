import type { Producer } from 'kafkajs';
import { encodeEvent } from '../libs/contracts/decode.ts';
import type { LabelEvent } from '../libs/contracts/schemas.ts';
import type { ScheduledLabel } from './label-scheduler.ts';
import type { SimulatedItem } from './simulate.ts';

/** Where due labels go: Kafka (below), or e.g. `POST /v1/labels` when the caller routes them there. */
export type LabelSender = (labels: LabelEvent[]) => Promise<void>;

/** Publishes labels to the labels topic, keyed by prediction_id, acks=all; each is validated against the contract first. */
export function kafkaLabelSender(producer: Pick<Producer, 'send'>, topic: string): LabelSender {
  return async (labels) => {
    await producer.send({ topic, acks: -1, messages: labels.map((l) => ({ key: l.prediction_id, value: encodeEvent('labels', l) })) });
  };
}

/**
 * The label to schedule for an item answered under `predictionId`, or
 * undefined when label coverage leaves it without one. `lateMs` moves it
 * later when the request went out behind schedule, so a label never
 * precedes its prediction by more than the simulated delay allows.
 */
export function labelFor(item: SimulatedItem, predictionId: string, model: string, lateMs = 0): ScheduledLabel | undefined {
  if (!item.label.covered) return undefined;
  return {
    dueOffsetMs: item.label.dueOffsetMs + lateMs,
    event: { schema_version: 1, prediction_id: predictionId, model, label: item.label.value, ts: Math.floor(item.label.ts + lateMs) },
  };
}
