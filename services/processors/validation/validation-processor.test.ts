import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PredictionEvent } from '../../../libs/contracts/schemas.ts';
import type { ValidationSchema } from '../../../libs/validation/schema.ts';
import { compileSchema } from '../../../libs/validation/validate-event.ts';
import { finalizeViolations } from '../../../libs/validation/violation-state.ts';
import { PERMISSIVE_CHECKER } from './schema-provider.ts';
import { createValidationAggregator, mergeValidationParts } from './validation-aggregator.ts';
import { validationSignals } from './validation-finalizer.ts';

const schema: ValidationSchema = {
  schema_version: 1,
  features: [
    { name: 'age', type: 'numeric', required: true, max_null_rate: 0, min: 18, max: 99 },
    { name: 'home', type: 'categorical', required: true, max_null_rate: 0, domain: ['own', 'rent'] },
  ],
};
const checker = compileSchema(schema);
const window = { model: 'm', modelVersion: '1', windowStartMs: 0, windowEndMs: 60_000 };
const event = (i: number): PredictionEvent =>
  ({ prediction_id: `p${i}`, model: 'm', model_version: '1', features: { age: i % 50 === 0 ? 5 : 30, home: i % 20 === 0 ? 'boat' : 'own' } }) as unknown as PredictionEvent;

describe('validation processor', () => {
  it('encodes deltas whose merge, in any split, equals one pass', () => {
    const agg = createValidationAggregator({ checkerFor: () => checker });
    const whole = agg.create(window);
    const parts = [agg.create(window), agg.create(window)];
    for (let i = 0; i < 1000; i++) {
      agg.add(whole, event(i));
      agg.add(parts[i % 2]!, event(i));
    }
    const merged = mergeValidationParts(parts.flatMap((p) => agg.encode(p)).map((p) => p.state).reverse())!;
    assert.equal(JSON.stringify(merged), agg.encode(whole)[0]!.state);
    const report = finalizeViolations(merged, schema);
    assert.deepEqual(report.rows.map((r) => [r.rule, r.feature, r.count]), [['domain', 'home', 50], ['range', 'age', 20]]);
    const signals = validationSignals('m', '1', 0, report, 0.03);
    assert.deepEqual(signals.map((s) => [s.condition, s.firing, s.severity]), [['validation/m/domain/home', true, 'ticket'], ['validation/m/range/age', false, 'ticket']]);
  });

  it('counts events of a model without a schema, without violations', () => {
    const agg = createValidationAggregator({ checkerFor: () => PERMISSIVE_CHECKER });
    const delta = agg.create(window);
    agg.add(delta, event(0));
    const merged = mergeValidationParts(agg.encode(delta).map((p) => p.state))!;
    assert.equal(merged.checked, 1);
    assert.equal(finalizeViolations(merged, PERMISSIVE_CHECKER.schema).rows.length, 0);
  });
});
