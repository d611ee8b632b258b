import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PredictionEvent } from '../../../libs/contracts/schemas.ts';
import { evaluateSlo } from '../../../libs/slo/slo.ts';
import { createSloAggregator, DEFAULT_SLO_OBJECTIVE, mergeSloParts, sloObjectiveFor } from './slo-aggregator.ts';
import { sloSignals, sloStatusRow } from './slo-finalizer.ts';

const window = { model: 'm', modelVersion: '1', windowStartMs: 0, windowEndMs: 60_000 };
const event = (i: number): PredictionEvent =>
  ({ schema_version: 1, prediction_id: `p${i}`, model: 'm', model_version: '1', ts: i, features: {}, outputs: {}, latency_ms: i % 200, status: i % 10 === 0 ? 'error' : 'ok', node: 'n', execution_provider: 'cpu' }) as unknown as PredictionEvent;

describe('SLO processor', () => {
  it('uses the configured objective, else the default', () => {
    assert.equal(sloObjectiveFor(undefined, 'x').latency?.thresholdMs, DEFAULT_SLO_OBJECTIVE.latency?.thresholdMs);
    assert.equal(sloObjectiveFor({ objectives: [{ model: 'x', periodMs: 1, latency: { thresholdMs: 7, target: 0.9 } }] }, 'x').latency?.thresholdMs, 7);
  });

  it('encodes deltas whose merge, in any split, equals one pass', () => {
    const agg = createSloAggregator();
    const whole = agg.create(window);
    const parts = [agg.create(window), agg.create(window), agg.create(window)];
    for (let i = 0; i < 900; i++) {
      agg.add(whole, event(i));
      agg.add(parts[i % 3]!, event(i));
    }
    const encoded = parts.flatMap((p) => agg.encode(p)).map((p) => p.state);
    const merged = mergeSloParts(encoded.reverse())!;
    assert.equal(JSON.stringify(merged), agg.encode(whole)[0]!.state);
    assert.equal(merged.total, 900);
    assert.equal(merged.errors, 90);
    assert.equal(merged.slow, [...Array(900).keys()].filter((i) => i % 10 !== 0 && i % 200 > 100).length);
    assert.deepEqual(agg.encode(agg.create(window)), []);
    assert.equal(mergeSloParts([]), undefined);
  });

  it('turns a report into a status row and signals', () => {
    const objective = sloObjectiveFor(undefined, 'm');
    const windows = Array.from({ length: 12 }, (_, i) => ({ startMs: i * 300_000, endMs: (i + 1) * 300_000, total: 1000, errors: 100, slow: 0 }));
    const bad = evaluateSlo(objective, windows, 3_600_000);
    const row = sloStatusRow(bad);
    assert.equal(row.severity, 'page');
    assert.match(row.firing_rules, /availability:page-1h/);
    const signals = sloSignals(bad, 0);
    assert.deepEqual(signals.map((s) => [s.condition, s.firing, s.severity]), [['slo/m/availability', true, 'page'], ['slo/m/latency', false, 'ticket']]);
    const quiet = sloStatusRow(evaluateSlo(objective, [], 3_600_000));
    assert.equal(quiet.severity, '');
    assert.equal(quiet.availability_budget_remaining, 1);
  });
});
