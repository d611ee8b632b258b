import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '../errors/errors.ts';
import { createRng } from '../model/random.ts';
import { evaluateSlo, parseSloObjectives, type SloWindowCounts } from './slo.ts';
import { SloWindowState } from './slo-window.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2024, 5, 1);

describe('parseSloObjectives', () => {
  it('compiles durations and defaults the period to 30 days', () => {
    const [a, b] = parseSloObjectives([
      { model: 'credit-default', latency: { threshold: '100ms', target: 0.99 }, availability: { target: 0.999 } },
      { model: 'churn', period: '7d', latency: { threshold: 250, target: 0.95 } },
    ]);
    assert.deepEqual(a, { model: 'credit-default', periodMs: 30 * 24 * HOUR, latency: { thresholdMs: 100, target: 0.99 }, availability: { target: 0.999 } });
    assert.deepEqual(b, { model: 'churn', periodMs: 7 * 24 * HOUR, latency: { thresholdMs: 250, target: 0.95 } });
  });

  it('fails with CONFIG_INVALID naming the bad field', () => {
    const cases: Array<[unknown, RegExp]> = [
      [[{ model: 'm', availability: { target: 1 } }], /slo\[0\]\.availability\.target: target must be < 1/],
      [[{ model: 'm', latency: { threshold: 'fast', target: 0.9 } }], /slo\[0\]\.latency\.threshold: 'fast' is not a duration/],
      [[{ model: 'm' }], /latency or an availability objective/],
      [[{ model: 'm', availability: { target: 0.9 } }, { model: 'm', availability: { target: 0.99 } }], /slo\[1\]\.model: 'm' has objectives twice/],
    ];
    for (const [value, message] of cases) {
      assert.throws(() => parseSloObjectives(value), (err: unknown) => hasCode(err, 'CONFIG_INVALID') && message.test(err.message), JSON.stringify(value));
    }
  });
});

describe('SloWindowState', () => {
  it('counts errors and slow successes exactly; only successes are sketched', () => {
    const state = new SloWindowState(100);
    state.add(50, 'ok');
    state.add(100, 'ok'); // at the threshold: not slow (slow is latency > threshold)
    state.add(100.001, 'ok');
    state.add(5000, 'error'); // a timeout: bad for availability, not a latency sample
    assert.deepEqual([state.total, state.errors, state.slow, state.latency.count], [4, 1, 1, 3]);
    assert.equal(state.latency.max, 100.001);

    const noLatencyObjective = new SloWindowState(undefined);
    noLatencyObjective.add(10_000, 'ok');
    assert.equal(noLatencyObjective.slow, 0);
  });

  it('merges 3 partitions bit-identically in any grouping and round-trips through JSON', () => {
    const rng = createRng(7);
    const events = Array.from({ length: 30_000 }, () => ({ latency: Math.exp(3 + rng.next() * 2), ok: rng.next() > 0.01 }));
    const stateOf = (slice: typeof events) => {
      const s = new SloWindowState(120);
      for (const e of slice) s.add(e.latency, e.ok ? 'ok' : 'error');
      return s;
    };
    const onePass = JSON.stringify(stateOf(events));
    const parts = () => [stateOf(events.slice(0, 7000)), stateOf(events.slice(7000, 19_000)), stateOf(events.slice(19_000))] as const;
    const [a, b, c] = parts();
    const m = SloWindowState.merge;
    for (const merged of [m(m(a, b), c), m(a, m(b, c)), m(m(c, b), a), m(b, m(a, c))]) assert.equal(JSON.stringify(merged), onePass);
    assert.equal(JSON.stringify(SloWindowState.fromJSON(JSON.parse(onePass))), onePass);
    assert.throws(() => m(a, new SloWindowState(150)), RangeError);
  });

  it('refuses inconsistent JSON with DECODE_FAILED', () => {
    const state = new SloWindowState(100);
    state.add(10, 'ok');
    const json = JSON.parse(JSON.stringify(state)) as Record<string, unknown>;
    for (const bad of [{ ...json, slow: 2 }, { ...json, errors: 2 }, { ...json, total: 3 }, { ...json, v: 0 }]) {
      assert.throws(() => SloWindowState.fromJSON(bad), (err: unknown) => hasCode(err, 'DECODE_FAILED'));
    }
  });
});

describe('evaluateSlo', () => {
  it('evaluates each objective on its own SLI from window states', () => {
    const [objective] = parseSloObjectives([{ model: 'credit-default', latency: { threshold: '100ms', target: 0.99 }, availability: { target: 0.999 } }]);
    // Two hours of minute windows: 1000 requests each, 5 errors (0.5%) and 30 of the 995 successes slower than 100 ms.
    const windows: SloWindowCounts[] = [];
    for (let i = 0; i < 120; i++) {
      const state = new SloWindowState(100);
      for (let j = 0; j < 1000; j++) {
        if (j < 5) state.add(20, 'error');
        else state.add(j < 35 ? 180 : 40, 'ok');
      }
      windows.push({ startMs: T0 + i * MIN, endMs: T0 + (i + 1) * MIN, total: state.total, errors: state.errors, slow: state.slow });
    }
    const report = evaluateSlo(objective!, windows, T0 + 2 * HOUR);
    const availability = report.availability!;
    const latency = report.latency!;

    // Availability: 5/1000 against 99.9% → burn 5: below both pages, above the 3× ticket (1 d and 2 h lookbacks).
    const availabilityBurn = 5 / 1000 / (1 - 0.999);
    assert.ok(Math.abs(availability.lookbacks.find((l) => l.lookbackMs === HOUR)!.burnRate! - availabilityBurn) < 1e-9);
    assert.deepEqual(availability.alerts.map((a) => a.rule.name), ['ticket-1d', 'ticket-3d']);
    assert.equal(availability.severity, 'ticket');

    // Latency: 30/995 of successes slow against 99% → burn ≈ 3.02: the same tickets.
    const latencyBurn = 30 / 995 / (1 - 0.99);
    const hour = latency.lookbacks.find((l) => l.lookbackMs === HOUR)!;
    assert.equal(hour.total, 60 * 995);
    assert.equal(hour.bad, 60 * 30);
    assert.ok(Math.abs(hour.burnRate! - latencyBurn) < 1e-9);
    assert.deepEqual(latency.alerts.map((a) => a.rule.name), ['ticket-1d', 'ticket-3d']);
    assert.equal(latency.budget.remaining, 1 - (120 * 30) / (120 * 995) / (1 - 0.99));
  });

  it('skips an objective the model does not have', () => {
    const [objective] = parseSloObjectives([{ model: 'm', availability: { target: 0.99 } }]);
    const report = evaluateSlo(objective!, [], T0);
    assert.equal(report.latency, undefined);
    assert.equal(report.availability!.budget.remaining, 1);
  });
});
