import { encodeEvent } from '../../libs/contracts/decode.ts';
import type { PredictionEvent } from '../../libs/contracts/schemas.ts';
import { messageOf } from '../../libs/errors/errors.ts';
import { settledWithin } from '../../libs/lifecycle/deadline.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import { DropReporter } from './drop-reporter.ts';
import { PublishBuffer } from './publish-buffer.ts';

/** Events encoded between two yields to the event loop. */
const ENCODE_CHUNK = 32;
const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Where encoded events go: the Kafka producer in production (kafka-transport.ts), fakes in unit tests. */
export interface EventTransport {
  connect(): Promise<void>;
  /** Resolves when the broker has the messages. */
  send(messages: Array<{ key: string; value: Buffer }>): Promise<void>;
  disconnect(): Promise<void>;
}

/** Why events were dropped: buffer full (oldest shed), invalid for the contract, refused by the broker for good, or still queued at shutdown. */
export type DropReason = 'buffer_full' | 'invalid' | 'rejected' | 'shutdown';

export interface PublisherStats {
  depth: number;
  capacity: number;
  published: number;
  dropped: Record<DropReason, number>;
  sendFailures: number;
  connected: boolean;
}

export interface PredictionPublisherOptions {
  transport: EventTransport;
  /** Events held at most; beyond, the oldest are dropped. */
  capacity: number;
  /** Events per send. */
  batchSize: number;
  /** How long to wait for a batch to fill before sending what there is. */
  lingerMs: number;
  logger: Logger;
  /** Backoff after a failed connect or send: doubles from `initial` up to `max`. */
  retryDelayMs?: { initial: number; max: number };
  /** At most one drop warning per this interval; default 10 s. */
  dropLogIntervalMs?: number;
  clock?: () => number;
}

export interface PredictionPublisher {
  /** Queues one event; never blocks and never throws. */
  publish(event: PredictionEvent): void;
  /** Starts the drain loop (connecting in the background, with backoff while the broker is away). */
  start(): void;
  /** Sends what is queued until empty or `deadlineMs` passes, then disconnects; what is left is counted as dropped. Idempotent. */
  close(deadlineMs: number): Promise<void>;
  stats(): PublisherStats;
}

/**
 * Publishes prediction events OFF the request path: `publish()` only puts the
 * event in a bounded PublishBuffer; one loop drains it in batches to the
 * transport (an idempotent producer, acks=all), encoding and validating each
 * event against the contract there rather than in the request. If the broker
 * is slow or down the loop waits and retries while the buffer sheds its
 * oldest events — inference never waits for Kafka. A failed send is put back
 * at the front (and retried after a backoff) unless the broker refused it for
 * good (`retriable: false`, e.g. a message too large), which drops it.
 */
export function createPredictionPublisher(options: PredictionPublisherOptions): PredictionPublisher {
  const log = options.logger.child({ component: 'prediction-publisher' });
  const buffer = new PublishBuffer<PredictionEvent>(options.capacity);
  const reporter = new DropReporter(log, options.dropLogIntervalMs ?? 10_000, options.clock);
  const retry = options.retryDelayMs ?? { initial: 200, max: 5_000 };
  const dropped: Record<DropReason, number> = { buffer_full: 0, invalid: 0, rejected: 0, shutdown: 0 };
  let published = 0;
  let sendFailures = 0;
  let failedConnects = 0;
  let connected = false;
  let closing = false;
  let stopped = false;
  let loop: Promise<void> | undefined;
  let closePromise: Promise<void> | undefined;

  // The loop sleeps until a timer fires or the buffer holds `wakeAt` events.
  let wakeAt = Number.POSITIVE_INFINITY;
  let wake: (() => void) | undefined;
  const pause = (ms: number | undefined, threshold: number) =>
    new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      timer?.unref();
      function done() {
        if (timer) clearTimeout(timer);
        wake = undefined;
        wakeAt = Number.POSITIVE_INFINITY;
        resolve();
      }
      wake = done;
      wakeAt = threshold;
      if (closing || buffer.depth >= threshold) done();
    });

  const drop = (count: number, reason: DropReason) => {
    if (count <= 0) return;
    dropped[reason] += count;
    reporter.note(count, reason, totalDropped());
  };
  const totalDropped = () => dropped.buffer_full + dropped.invalid + dropped.rejected + dropped.shutdown;

  async function drain(): Promise<void> {
    let backoff = retry.initial;
    while (!stopped) {
      if (!connected) {
        if (closing) return;
        try {
          await options.transport.connect();
          connected = true;
          backoff = retry.initial;
          log.info({ attempts: failedConnects + 1 }, 'connected to Kafka');
        } catch (err) {
          failedConnects++;
          // The first failure, then about once a minute at the 5 s ceiling: the buffer metrics tell the rest.
          const level = failedConnects === 1 || failedConnects % 12 === 0 ? 'warn' : 'debug';
          log[level]({ err: messageOf(err), attempts: failedConnects, retry_ms: backoff }, 'cannot reach Kafka; inference continues, events wait in the buffer');
          await pause(backoff, Number.POSITIVE_INFINITY);
          backoff = Math.min(backoff * 2, retry.max);
        }
        continue;
      }
      if (buffer.depth === 0) {
        if (closing) return;
        await pause(undefined, 1);
        continue;
      }
      if (buffer.depth < options.batchSize && !closing && options.lingerMs > 0) await pause(options.lingerMs, options.batchSize);
      const batch = buffer.take(options.batchSize);
      const events: PredictionEvent[] = [];
      const messages: Array<{ key: string; value: Buffer }> = [];
      for (let i = 0; i < batch.length; i++) {
        // Validating and encoding costs ~20 µs an event on the event loop that also serves requests:
        // yield between small chunks so a large batch never stalls them for milliseconds.
        if (i > 0 && i % ENCODE_CHUNK === 0) await yieldToRequests();
        const event = batch[i]!;
        try {
          messages.push({ key: event.prediction_id, value: encodeEvent('predictions', event) });
          events.push(event);
        } catch (err) {
          drop(1, 'invalid');
          log.debug({ err: messageOf(err) }, 'invalid prediction event dropped');
        }
      }
      if (messages.length === 0) continue;
      try {
        await options.transport.send(messages);
        published += messages.length;
        backoff = retry.initial;
      } catch (err) {
        sendFailures++;
        if ((err as { retriable?: unknown }).retriable === false) {
          drop(events.length, 'rejected');
          log.error({ err: messageOf(err), events: events.length }, 'Kafka refused prediction events; dropped');
        } else {
          drop(buffer.requeue(events), 'buffer_full');
          log.warn({ err: messageOf(err), retry_ms: backoff }, 'sending prediction events failed; retrying');
          await pause(backoff, Number.POSITIVE_INFINITY);
          backoff = Math.min(backoff * 2, retry.max);
        }
      }
    }
  }

  return {
    publish(event) {
      if (stopped) {
        drop(1, 'shutdown');
        return;
      }
      if (buffer.push(event)) drop(1, 'buffer_full');
      if (wake && buffer.depth >= wakeAt) wake();
    },

    start() {
      loop ??= drain().catch((err: unknown) => log.error({ err: messageOf(err) }, 'publisher loop failed'));
    },

    close(deadlineMs) {
      closePromise ??= (async () => {
        closing = true;
        wake?.();
        await settledWithin(loop ?? Promise.resolve(), deadlineMs, { unref: true });
        stopped = true;
        wake?.();
        drop(buffer.take(buffer.depth).length, 'shutdown');
        reporter.flush(totalDropped());
        await options.transport.disconnect().catch((err: unknown) => log.warn({ err: messageOf(err) }, 'disconnect failed'));
        log.info({ published, dropped }, 'prediction publisher closed');
      })();
      return closePromise;
    },

    stats: () => ({ depth: buffer.depth, capacity: buffer.capacity, published, dropped: { ...dropped }, sendFailures, connected }),
  };
}
