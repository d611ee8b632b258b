/**
 * Drift detection end to end on the real broker and ClickHouse engine: live
 * traffic with a sudden shift in one feature must show up as drifted in
 * drift_metrics no later than window end + allowed lateness + 10 s, fire
 * exactly one alert for that feature, and leave the windows before the shift
 * undrifted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queryRows } from '../../libs/clickhouse/client.ts';
import { encodeEvent } from '../../libs/contracts/decode.ts';
import { newPredictionId } from '../../libs/contracts/prediction-id.ts';
import type { PredictionEvent } from '../../libs/contracts/schemas.ts';
import { sampleDataset, sampleRow } from '../../libs/model/credit-domain.ts';
import { createRng } from '../../libs/model/random.ts';
import { saveProfile } from '../../libs/profiles/profile-store.ts';
import { buildReferenceProfile } from '../../libs/profiles/reference-profile.ts';
import { createProcessorsService } from '../../services/processors/processors-service.ts';
import { testLogger, uniqueName, uniqueTopics, useBrokerAndClickHouse, waitFor } from '../support/harness.ts';

const env = useBrokerAndClickHouse();

const WINDOW_MS = 2_000;
const LATENESS_MS = 500;

function event(model: string, row: Record<string, unknown>, ts: number): PredictionEvent {
  return { schema_version: 1, prediction_id: newPredictionId(ts), model, model_version: '1', ts, features: row as PredictionEvent['features'], outputs: { probability: 0.1 }, latency_ms: 2, status: 'ok', node: 'test', execution_provider: 'cpu' };
}

describe('drift processor, live', () => {
  it('flags a sudden shift within window end + lateness + 10 s, once', async () => {
    const model = uniqueName('credit');
    const topics = await uniqueTopics(env.kafka);
    const rng = createRng(42);
    const reference = sampleDataset(rng, 5_000).rows;
    await saveProfile(env.clickhouse, buildReferenceProfile(reference as unknown as Array<Record<string, unknown>>, { model, modelVersion: '1', source: 'test' }));

    const group = uniqueName('proc');
    const service = createProcessorsService({
      kafka: env.kafka,
      clickhouse: env.clickhouse,
      producer: env.producer,
      logger: testLogger(),
      topics,
      config: { groupId: group, windowSizeMs: WINDOW_MS, allowedLatenessMs: LATENESS_MS, checkpointIntervalMs: 250, checkpointMaxEvents: 50_000, finalizeIntervalMs: 250, idleTimeoutMs: 5_000 },
    });
    await service.start();
    try {
      // Shift starts on the first window boundary at least 5 s from now.
      const t0 = Date.now();
      const shiftWindow = Math.ceil((t0 + 5_000) / WINDOW_MS) * WINDOW_MS;
      const stopAt = shiftWindow + 2 * WINDOW_MS + LATENESS_MS + 500;
      let sent = 0;
      while (Date.now() < stopAt) {
        const now = Date.now();
        const drift = now >= shiftWindow ? { numeric: { income: { scale: 2.5 } } } : undefined;
        const batch = Array.from({ length: 25 }, () => event(model, sampleRow(rng, drift) as unknown as Record<string, unknown>, now));
        await env.producer.send({ topic: topics.predictions, messages: batch.map((e) => ({ key: e.prediction_id, value: encodeEvent('predictions', e) })) });
        sent += batch.length;
        await new Promise((r) => setTimeout(r, 40));
      }

      const deadline = shiftWindow + WINDOW_MS + LATENESS_MS + 10_000;
      const query = `SELECT drifted, drift_method, drift_score FROM drift_metrics FINAL
                      WHERE model = {model:String} AND feature = 'income' AND window_start = fromUnixTimestamp64Milli({ws:Int64}, 'UTC')`;
      let detectedAt = 0;
      const seen = await waitFor(async () => {
        const rows = await queryRows<{ drifted: number }>(env.clickhouse, query, { model, ws: shiftWindow });
        if (rows[0]?.drifted === 1) detectedAt = Date.now();
        return detectedAt > 0;
      }, Math.max(0, deadline - Date.now()) + 50, 100);
      assert.ok(seen, `income drift in the window at ${new Date(shiftWindow).toISOString()} not visible by window end + lateness + 10 s (sent ${sent})`);
      const latency = detectedAt - (shiftWindow + WINDOW_MS + LATENESS_MS);
      assert.ok(latency <= 10_000, `detection latency ${latency} ms`);

      const before = await queryRows<{ drifted: number; score: number }>(env.clickhouse, query.replace('SELECT drifted, drift_method, drift_score', 'SELECT drifted, drift_score AS score'), { model, ws: shiftWindow - WINDOW_MS });
      assert.equal(before[0]?.drifted, 0, `the window before the shift is not drifted (score ${before[0]?.score})`);

      await waitFor(async () => service.stats().alerts.fired > 0, 5_000);
      const alerts = await queryRows<{ condition: string; state: string }>(env.clickhouse, "SELECT condition, state FROM alerts WHERE model = {model:String} AND kind = 'drift' AND condition LIKE '%/income' ORDER BY ts", { model });
      const history = await queryRows(env.clickhouse, "SELECT toUnixTimestamp64Milli(window_start) - {shift:Int64} AS rel_ws, current_count, drifted, round(drift_score, 3) AS score FROM drift_metrics FINAL WHERE model = {model:String} AND feature = 'income' ORDER BY window_start", { model, shift: shiftWindow });
      assert.deepEqual(alerts, [{ condition: `drift/${model}/income`, state: 'firing' }], `one firing alert for income, not one per window; windows: ${JSON.stringify(history)}`);

      // The profile was loaded before the first event (with the validation schemas): every numeric drift chunk,
      // the first window's included, is counted on its grid ({"g":…}), none kept as exact values ({"n":…}).
      const shapes = await queryRows<{ shape: string; chunks: string }>(
        env.clickhouse,
        "SELECT substring(state, 1, 4) AS shape, count() AS chunks FROM processor_chunks WHERE pipeline = {group:String} AND part LIKE 'drift:%' GROUP BY shape ORDER BY shape",
        { group },
      );
      assert.deepEqual(shapes.map((s) => s.shape), ['{"c"', '{"g"'], `drift chunk shapes: ${JSON.stringify(shapes)}`);
    } finally {
      await service.close();
    }
  });
});
