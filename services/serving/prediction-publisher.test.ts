import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEvent } from '../../libs/contracts/decode.ts';
import { newPredictionId } from '../../libs/contracts/prediction-id.ts';
import type { PredictionEvent } from '../../libs/contracts/schemas.ts';
import { silentLogger } from '../../libs/logging/logger.ts';
import { createPredictionPublisher, type EventTransport } from './prediction-publisher.ts';

const event = (i: number): PredictionEvent => ({
  schema_version: 1,
  prediction_id: newPredictionId(),
  model: 'm',
  model_version: '1',
  ts: Date.UTC(2026, 0, 1) + i,
  features: { x: i },
  outputs: { probability: 0.5 },
  latency_ms: 1,
  status: 'ok',
  node: 'n',
  execution_provider: 'cpu',
});

/** A transport whose sends can be held open (a slow broker) or made to fail. */
function fakeTransport() {
  const sent: PredictionEvent[][] = [];
  let gate: Promise<void> = Promise.resolve();
  let open = () => {};
  const t = {
    sent,
    failNext: [] as Array<Error & { retriable?: boolean }>,
    hold() {
      gate = new Promise((r) => (open = r));
    },
    release: () => open(),
    transport: {
      connect: async () => {},
      send: async (messages) => {
        await gate;
        const err = t.failNext.shift();
        if (err) throw err;
        sent.push(messages.map((m) => {
          const d = decodeEvent('predictions', m.value);
          assert.ok(d.ok);
          assert.equal(m.key, d.value.prediction_id, 'keyed by prediction id');
          return d.value;
        }));
      },
      disconnect: async () => {},
    } satisfies EventTransport,
  };
  return t;
}

const until = async (probe: () => boolean) => {
  for (let i = 0; i < 200 && !probe(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(probe());
};

describe('prediction publisher', () => {
  it('sends queued events in batches, in order', async () => {
    const t = fakeTransport();
    const p = createPredictionPublisher({ transport: t.transport, capacity: 100, batchSize: 4, lingerMs: 1, logger: silentLogger() });
    p.start();
    for (let i = 0; i < 10; i++) p.publish(event(i));
    await until(() => p.stats().published === 10);
    assert.deepEqual(t.sent.flat().map((e) => e.features.x), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.ok(t.sent.every((b) => b.length <= 4));
    await p.close(1_000);
  });

  it('never blocks publish() on a stalled broker: it sheds the oldest events and counts them', async () => {
    const t = fakeTransport();
    t.hold();
    const p = createPredictionPublisher({ transport: t.transport, capacity: 5, batchSize: 2, lingerMs: 0, logger: silentLogger() });
    p.start();
    p.publish(event(0));
    p.publish(event(1));
    await until(() => p.stats().depth === 0); // 0 and 1 are in flight, the send hangs
    const started = performance.now();
    for (let i = 2; i < 1_002; i++) p.publish(event(i));
    assert.ok(performance.now() - started < 200, 'publish is O(1) and does not wait');
    assert.equal(p.stats().depth, 5);
    assert.equal(p.stats().dropped.buffer_full, 995);
    t.release();
    await until(() => p.stats().published === 7);
    assert.deepEqual(t.sent.flat().map((e) => e.features.x), [0, 1, 997, 998, 999, 1000, 1001], 'the newest survive');
    await p.close(1_000);
  });

  it('puts a failed batch back and retries it; drops a batch the broker refuses for good', async () => {
    const t = fakeTransport();
    const p = createPredictionPublisher({ transport: t.transport, capacity: 100, batchSize: 3, lingerMs: 0, logger: silentLogger(), retryDelayMs: { initial: 1, max: 2 } });
    t.failNext.push(Object.assign(new Error('broker not available'), { retriable: true }));
    p.start();
    for (let i = 0; i < 3; i++) p.publish(event(i));
    await until(() => p.stats().published === 3);
    assert.deepEqual(t.sent.flat().map((e) => e.features.x), [0, 1, 2]);
    t.failNext.push(Object.assign(new Error('MESSAGE_TOO_LARGE'), { retriable: false }));
    for (let i = 3; i < 6; i++) p.publish(event(i));
    await until(() => p.stats().dropped.rejected === 3);
    assert.equal(p.stats().sendFailures, 2);
    await p.close(1_000);
  });

  it('drops events that break the contract instead of sending them', async () => {
    const t = fakeTransport();
    const p = createPredictionPublisher({ transport: t.transport, capacity: 100, batchSize: 10, lingerMs: 0, logger: silentLogger() });
    p.start();
    p.publish({ ...event(0), latency_ms: -1 });
    p.publish(event(1));
    await until(() => p.stats().published === 1);
    assert.equal(p.stats().dropped.invalid, 1);
    await p.close(1_000);
  });

  it('keeps retrying the connection in the background and counts what is left at the close deadline', async () => {
    let attempts = 0;
    const p = createPredictionPublisher({
      transport: { connect: async () => { attempts++; throw new Error('ECONNREFUSED'); }, send: async () => {}, disconnect: async () => {} },
      capacity: 10,
      batchSize: 10,
      lingerMs: 0,
      logger: silentLogger(),
      retryDelayMs: { initial: 1, max: 4 },
    });
    p.start();
    for (let i = 0; i < 25; i++) p.publish(event(i));
    await until(() => attempts >= 3);
    await p.close(50);
    const s = p.stats();
    assert.equal(s.connected, false);
    assert.deepEqual(s.dropped, { buffer_full: 15, invalid: 0, rejected: 0, shutdown: 10 });
    p.publish(event(99));
    assert.equal(p.stats().dropped.shutdown, 11, 'after close, events are counted as dropped');
  });

  it('flushes what is queued on close', async () => {
    const t = fakeTransport();
    const p = createPredictionPublisher({ transport: t.transport, capacity: 1000, batchSize: 100, lingerMs: 10_000, logger: silentLogger() });
    p.start();
    for (let i = 0; i < 30; i++) p.publish(event(i));
    await p.close(1_000);
    assert.equal(p.stats().published, 30, 'the linger is cut short by close');
  });
});
