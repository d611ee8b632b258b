/**
 * The drivers' shared loop on a virtual clock (no real waiting, no timed
 * assertions): pacing, batching, the token bucket after a stall, bounded
 * in-flight sends, label scheduling and grace, stopping; and the HTTP and
 * Kafka drivers with fake transports, for the outcomes a real server or
 * broker rarely produces on demand.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeEvent } from '../libs/contracts/decode.ts';
import type { LabelEvent } from '../libs/contracts/schemas.ts';
import { createRng } from '../libs/model/random.ts';
import { type DriverClock, runDriverLoop } from './driver-loop.ts';
import { runHttpDriver } from './http-driver.ts';
import { runKafkaDriver } from './kafka-driver.ts';
import { LabelScheduler } from './label-scheduler.ts';
import { labelFor } from './label-sender.ts';
import { parseScenario, type ScenarioInput } from './scenario-schema.ts';
import { type SimulatedItem, simulate } from './simulate.ts';
import { createTokenBucket } from './token-bucket.ts';

const START = Date.UTC(2025, 5, 1);

/** Time that moves only when someone sleeps (or `advance`s it). */
function virtualClock(): DriverClock & { advance(ms: number): void } {
  let t = 1_000_000;
  return {
    now: () => t,
    sleep: async (ms) => {
      t += Math.max(ms, 0);
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

function items(input: ScenarioInput, rate: number, durationMs: number, timeScale = 1): SimulatedItem[] {
  return [...simulate(parseScenario(input), { seed: 3, rate, durationMs, startMs: START, timeScale })];
}

describe('token bucket and label scheduler', () => {
  test('the bucket refills at its rate up to its capacity', () => {
    let now = 0;
    const bucket = createTokenBucket({ ratePerSec: 100, capacity: 10, clock: () => now });
    assert.equal(bucket.tryTake(10), 0, 'starts full');
    assert.equal(bucket.tryTake(5), 50, '5 tokens at 100/s take 50 ms');
    now += 20;
    assert.equal(bucket.tryTake(5), 30);
    now += 30;
    assert.equal(bucket.tryTake(5), 0);
    now += 10_000;
    assert.equal(bucket.tryTake(10), 0);
    assert.equal(bucket.tryTake(1), 10, 'saved tokens stop at the capacity');
  });

  test('labels come out in due order, only when due', () => {
    const rng = createRng(5);
    const scheduler = new LabelScheduler();
    const dues = Array.from({ length: 500 }, () => Math.floor(rng.next() * 1000));
    dues.forEach((d, i) => scheduler.push({ dueOffsetMs: d, event: { schema_version: 1, prediction_id: String(i), model: 'm', label: 0, ts: START } }));
    assert.equal(scheduler.takeDue(-1).length, 0);
    const out: number[] = [];
    for (let t = 0; t < 1000; t += 37) for (const e of scheduler.takeDue(t)) out.push(dues[Number(e.prediction_id)]!);
    out.push(...scheduler.takeDue(Infinity).map((e) => dues[Number(e.prediction_id)]!));
    assert.deepEqual(out, [...dues].sort((a, b) => a - b));
    assert.equal(scheduler.size, 0);
  });
});

describe('driver loop', () => {
  test('sends every item no earlier than due, batches what is due, and sends each label no earlier than due', async () => {
    const clock = virtualClock();
    const list = items({ effects: [{ type: 'labelDelay', distribution: { kind: 'exponential', mean: '2s' } }, { type: 'labelCoverage', share: 0.8 }] }, 200, 5_000);
    const sentAt = new Map<string, number>();
    const labels: Array<{ event: LabelEvent; at: number }> = [];
    const due = new Map<string, number>();
    let batches = 0;
    let stalled = false;
    const result = await runDriverLoop(
      {
        async sendBatch(batch, sentOffsetMs) {
          batches++;
          for (const item of batch) {
            assert.ok(sentOffsetMs >= item.offsetMs, `item ${item.index} sent at ${sentOffsetMs}, due ${item.offsetMs}`);
            sentAt.set(item.event.prediction_id, sentOffsetMs);
          }
          // A 300 ms stall once: the items that fall due meanwhile must go out in batches.
          if (!stalled && sentOffsetMs > 1_000) {
            stalled = true;
            clock.advance(300);
          }
          return batch.flatMap((item) => {
            const label = labelFor(item, item.event.prediction_id, item.event.model);
            if (label) due.set(item.event.prediction_id, label.dueOffsetMs);
            return label ? [label] : [];
          });
        },
        async sendLabels(batch) {
          for (const event of batch) labels.push({ event, at: clock.now() });
        },
      },
      { items: list, batchSize: 25, maxInFlight: 2, maxRatePerSec: 400, labelGraceMs: 60_000, clock },
    );
    assert.equal(result.items, list.length);
    assert.equal(sentAt.size, list.length);
    assert.equal(result.batches, batches);
    assert.ok(batches < list.length, 'the stall made the loop batch');
    const covered = list.filter((i) => i.label.covered).length;
    assert.equal(result.labelsSent, covered, 'with a long grace every covered prediction got its label');
    assert.equal(result.labelsPendingAtStop, 0);
    const t0 = 1_000_000;
    for (const { event, at } of labels) assert.ok(at - t0 >= due.get(event.prediction_id)!, `label for ${event.prediction_id} sent early`);
    assert.equal(result.stoppedBy, 'end');
  });

  test('after a stall the token bucket caps the catch-up at the peak rate', async () => {
    const clock = virtualClock();
    const list = items({}, 100, 10_000);
    const sends: Array<{ at: number; n: number }> = [];
    await runDriverLoop(
      {
        async sendBatch(batch, sentOffsetMs) {
          sends.push({ at: sentOffsetMs, n: batch.length });
          if (sends.length === 10) clock.advance(3_000); // the broker hangs for 3 s
          return [];
        },
        sendLabels: async () => {},
      },
      { items: list, batchSize: 20, maxInFlight: 1, maxRatePerSec: 150, labelGraceMs: 0, clock },
    );
    assert.equal(sends.reduce((a, s) => a + s.n, 0), list.length);
    // In any 1 s window the loop sent at most the bucket's rate plus one batch of saved-up tokens.
    for (const s of sends) {
      const inWindow = sends.filter((o) => o.at >= s.at && o.at < s.at + 1_000).reduce((a, o) => a + o.n, 0);
      assert.ok(inWindow <= 150 + 20, `${inWindow} items in the second from ${s.at} ms`);
    }
    assert.ok(sends.some((s) => s.n > 1), 'it did catch up in batches');
  });

  test('bounded in flight; stops at maxEvents; a short grace leaves labels pending; alone items travel alone', async () => {
    const clock = virtualClock();
    const list = items({ effects: [{ type: 'labelDelay', distribution: { kind: 'fixed', delay: '1h' } }, { type: 'qualityIncident', kind: 'missing_feature', feature: 'age', share: 0.2 }] }, 1000, 5_000);
    let inFlight = 0;
    let peak = 0;
    const result = await runDriverLoop(
      {
        async sendBatch(batch) {
          inFlight++;
          peak = Math.max(peak, inFlight);
          if (batch.some((i) => !i.requestValid)) assert.equal(batch.length, 1, 'an invalid row travels alone');
          await clock.sleep(15); // the send takes a while: the loop must not stack more than maxInFlight
          inFlight--;
          return batch.flatMap((item) => labelFor(item, item.event.prediction_id, 'm') ?? []);
        },
        sendLabels: async () => {},
      },
      { items: list, batchSize: 10, maxInFlight: 3, maxRatePerSec: 1000, maxEvents: 1_500, labelGraceMs: 2_000, alone: (i) => !i.requestValid, clock },
    );
    assert.ok(peak <= 3, `peak in flight ${peak}`);
    assert.equal(result.items, 1_500);
    assert.equal(result.stoppedBy, 'max-events');
    // Labels come an hour after their predictions; a 2 s grace after the last send sends none of them.
    assert.equal(result.labelsSent, 0);
    assert.equal(result.labelsPendingAtStop, 1_500);
  });

  test('abort stops at once; a failing send stops the run with its error', async () => {
    const clock = virtualClock();
    const list = items({}, 100, 60_000);
    const controller = new AbortController();
    let sent = 0;
    const aborted = await runDriverLoop(
      {
        async sendBatch(batch) {
          sent += batch.length;
          if (sent >= 50) controller.abort();
          return [];
        },
        sendLabels: async () => {},
      },
      { items: list, batchSize: 10, maxInFlight: 1, maxRatePerSec: 100, labelGraceMs: 10_000, signal: controller.signal, clock },
    );
    assert.equal(aborted.stoppedBy, 'aborted');
    assert.equal(aborted.items, 50);
    await assert.rejects(
      runDriverLoop(
        { sendBatch: async (batch) => (batch[0]!.index === 20 ? Promise.reject(new Error('broker says no')) : []), sendLabels: async () => {} },
        { items: list, batchSize: 1, maxInFlight: 4, maxRatePerSec: 100, labelGraceMs: 0, clock: virtualClock() },
      ),
      /broker says no/,
    );
  });
});

describe('drivers with fake transports', () => {
  test('HTTP: counts outcomes by status, labels only scored rows under the returned ids', async () => {
    const list = items({ effects: [{ type: 'qualityIncident', kind: 'wrong_type', feature: 'income', share: 0.1 }] }, 100, 3_000);
    let call = 0;
    const fakeFetch = (async (_url: string, init: RequestInit) => {
      call++;
      const { instances } = JSON.parse(String(init.body)) as { instances: Array<Record<string, unknown>> };
      if (instances.some((r) => typeof r.income === 'string')) return new Response(JSON.stringify({ error: { code: 'INPUT_INVALID', message: 'x' } }), { status: 400 });
      if (call % 7 === 0) return new Response('{"error":{}}', { status: 503 });
      if (call % 11 === 0) throw new TypeError('fetch failed');
      if (call % 13 === 0) return new Response('{"predictions": []}', { status: 200 });
      return Response.json({ model: 'credit-default', predictions: instances.map((_, i) => ({ prediction_id: `id-${call}-${i}`, probability: 0.1 })) });
    }) as typeof fetch;
    const labels: LabelEvent[] = [];
    const result = await runHttpDriver(
      { baseUrl: 'http://serving.invalid/', model: 'credit-default', fetch: fakeFetch, sendLabels: async (b) => void labels.push(...b), clock: virtualClock() },
      { items: list, batchSize: 5, maxInFlight: 2, maxRatePerSec: 100, labelGraceMs: 0 },
    );
    const invalid = list.filter((i) => !i.requestValid).length;
    assert.ok(invalid > 0);
    assert.equal(result.invalidRowsSent, invalid);
    assert.equal(result.byStatus['400'], invalid, 'each invalid row went alone and earned its own 400');
    assert.equal(result.rowsRejected, invalid);
    assert.equal(result.rowsScored + result.rowsRejected + result.rowsFailed, list.length);
    assert.ok(result.byStatus['503']! > 0 && result.byStatus.network! > 0 && result.byStatus.bad_response! > 0, JSON.stringify(result.byStatus));
    assert.equal(Object.values(result.byStatus).reduce((a, b) => a + b, 0), result.requests);
    assert.equal(labels.length, result.rowsScored, 'immediate labels, full coverage: one per scored row');
    assert.ok(labels.every((l) => l.prediction_id.startsWith('id-') && l.model === 'credit-default'));
  });

  test('Kafka: encodes events and labels under the contract, keyed by prediction id, and counts them', async () => {
    const list = items({ effects: [{ type: 'errorBurst', share: 0.2 }, { type: 'labelCoverage', share: 0.5 }] }, 200, 2_000);
    const sent: Array<{ topic: string; key: string; value: Buffer }> = [];
    const producer = {
      send: async (record: { topic: string; messages: Array<{ key: string; value: Buffer }> }) => {
        for (const m of record.messages) sent.push({ topic: record.topic, ...m });
        return [];
      },
    };
    const result = await runKafkaDriver(
      { producer: producer as never, topics: { predictions: 'p', labels: 'l' }, clock: virtualClock() },
      { items: list, batchSize: 50, maxInFlight: 2, maxRatePerSec: 200, labelGraceMs: 0 },
    );
    const predictions = sent.filter((m) => m.topic === 'p');
    const labels = sent.filter((m) => m.topic === 'l');
    assert.equal(result.predictions, list.length);
    assert.equal(predictions.length, list.length);
    assert.equal(result.errorEvents, list.filter((i) => i.event.status === 'error').length);
    assert.equal(labels.length, list.filter((i) => i.label.covered).length);
    assert.equal(result.labelsNotCovered + result.labelsSent, list.length);
    for (const m of [...predictions, ...labels]) {
      const decoded = decodeEvent(m.topic === 'p' ? 'predictions' : 'labels', m.value);
      assert.ok(decoded.ok);
      assert.equal(decoded.value.prediction_id, m.key);
    }
    const failing = { send: async () => Promise.reject(new Error('leader not available')) };
    await assert.rejects(
      runKafkaDriver({ producer: failing as never, topics: { predictions: 'p', labels: 'l' }, clock: virtualClock() }, { items: list, batchSize: 50, maxInFlight: 2, maxRatePerSec: 200, labelGraceMs: 0 }),
      (err: Error & { code?: string }) => err.code === 'KAFKA_UNAVAILABLE' && /publishing \d+ predictions to p failed: leader not available/.test(err.message),
    );
  });
});
