import type { Producer } from 'kafkajs';
import { encodeEvent } from '../libs/contracts/decode.ts';
import { DriftlineError, messageOf } from '../libs/errors/errors.ts';
import { type DriverClock, type DriverLoopOptions, type DriverLoopResult, runDriverLoop } from './driver-loop.ts';
import type { ScheduledLabel } from './label-scheduler.ts';
import { kafkaLabelSender, labelFor } from './label-sender.ts';
import { serializeSends } from '../libs/kafka/serial-producer.ts';

export interface KafkaDriverDeps {
  producer: Pick<Producer, 'send'>;
  topics: { predictions: string; labels: string };
  clock?: DriverClock;
}

export type KafkaDriverOptions = Omit<DriverLoopOptions, 'alone' | 'clock'>;

export interface KafkaDriverResult extends DriverLoopResult {
  /** Prediction events acknowledged by the broker. */
  predictions: number;
  /** Of those, events with status=error (errorBurst). */
  errorEvents: number;
  /** Predictions that label coverage left without a label. */
  labelsNotCovered: number;
}

/**
 * Load-test mode: publishes the simulation's prediction events straight to
 * the predictions topic (keyed by prediction_id, acks=all, batched, at most
 * `maxInFlight` batches outstanding, capped by a token bucket) and their
 * labels to the labels topic as they fall due. The producer's sends are
 * serialized (serial-producer.ts): an idempotent producer must not overlap
 * them. Stops by itself when the simulation ends (its duration), at
 * maxEvents, or on abort; resolves to the counts. A send the broker refuses
 * stops the run with KAFKA_UNAVAILABLE.
 */
export async function runKafkaDriver(deps: KafkaDriverDeps, options: KafkaDriverOptions): Promise<KafkaDriverResult> {
  let predictions = 0;
  let errorEvents = 0;
  let labelsNotCovered = 0;
  const producer = serializeSends(deps.producer);
  const loop = await runDriverLoop(
    {
      async sendBatch(items) {
        const messages = items.map((item) => ({ key: item.event.prediction_id, value: encodeEvent('predictions', item.event) }));
        try {
          await producer.send({ topic: deps.topics.predictions, acks: -1, messages });
        } catch (err) {
          throw new DriftlineError('KAFKA_UNAVAILABLE', `publishing ${items.length} predictions to ${deps.topics.predictions} failed: ${messageOf(err)}`, { cause: err, retriable: true });
        }
        predictions += items.length;
        const labels: ScheduledLabel[] = [];
        for (const item of items) {
          if (item.event.status === 'error') errorEvents++;
          const label = labelFor(item, item.event.prediction_id, item.event.model);
          if (label) labels.push(label);
          else labelsNotCovered++;
        }
        return labels;
      },
      sendLabels: kafkaLabelSender(producer, deps.topics.labels),
    },
    { ...options, ...(deps.clock ? { clock: deps.clock } : {}) },
  );
  return { ...loop, predictions, errorEvents, labelsNotCovered };
}
