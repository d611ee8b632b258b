/**
 * The alert manager's view of open conditions, which the validation finalizer
 * asks instead of querying the alerts table once per window: per kind and
 * model, as applied so far, and after a restart as the alerts table says.
 * Real broker (alert events are published) and embedded ClickHouse.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../libs/logging/logger.ts';
import { createAlertManager } from '../../services/alerts/alert-manager.ts';
import type { AlertSignal } from '../../services/processors/window-finalizer.ts';
import { uniqueTopics, uniqueName, useBrokerAndClickHouse } from '../support/harness.ts';

describe('alert manager: open conditions by kind and model', () => {
  const env = useBrokerAndClickHouse();

  it('lists what fired and has not resolved, for one kind and model, also after a restart', async () => {
    const topics = await uniqueTopics(env.kafka);
    const m = uniqueName('open-model');
    const other = `${m}/b`; // a model whose conditions share m's prefix
    const signal = (kind: AlertSignal['kind'], model: string, condition: string, firing: boolean, windowStartMs: number): AlertSignal => ({ kind, model, condition, severity: 'ticket', firing, windowStartMs, summary: condition, details: {} });
    const manager = () => createAlertManager({ clickhouse: env.clickhouse, producer: env.producer, topic: topics.alerts, logger: silentLogger() });
    const first = manager();
    await first.apply([
      signal('validation', m, `validation/${m}/range/x`, true, 1),
      signal('validation', m, `validation/${m}/domain/c`, true, 1),
      signal('validation', m, `validation/${m}/type/y`, false, 1),
      signal('drift', m, `drift/${m}/x`, true, 1),
      signal('validation', other, `validation/${other}/range/x`, true, 1),
    ]);
    assert.deepEqual(await first.openConditions('validation', m), [`validation/${m}/domain/c`, `validation/${m}/range/x`]);
    await first.apply([signal('validation', m, `validation/${m}/domain/c`, false, 2)]);
    assert.deepEqual(await first.openConditions('validation', m), [`validation/${m}/range/x`]);
    assert.deepEqual(await first.openConditions('drift', m), [`drift/${m}/x`]);
    // A new manager (a restart, or another instance taking over the finalizer) reads the alerts table.
    const second = manager();
    assert.deepEqual(await second.openConditions('validation', m), [`validation/${m}/range/x`]);
    assert.deepEqual(await second.openConditions('validation', other), [`validation/${other}/range/x`]);
  });
});
