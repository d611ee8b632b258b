/**
 * Drift windows computed by the real drift pipeline without the broker: rows
 * go through the drift aggregator (as events would), its encoded chunk
 * states through the drift finalizer, which writes drift_metrics and
 * drift_windows exactly as the running processors do.
 */
import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import type { PredictionEvent } from '../../libs/contracts/schemas.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import { createDriftAggregator } from '../../services/processors/drift/drift-aggregator.ts';
import { createDriftFinalizer, type DriftPolicy } from '../../services/processors/drift/drift-finalizer.ts';
import { createProfileCache } from '../../services/processors/drift/profile-cache.ts';
import { OutputRows, type AlertSignal, type ClosedWindow } from '../../services/processors/window-finalizer.ts';

export interface WindowInput {
  startMs: number;
  endMs: number;
  /** Feature rows of the window's events (null or absent = missing). */
  rows: Array<Record<string, number | string | null>>;
}

/**
 * Finalizes each window in turn (the reference profile must be saved
 * already); returns the alert signals. Chunks take the shape the running
 * processors give them once the profile is loaded (numeric values counted
 * on the reference grid), or with `raw` the shape of chunks written before
 * it was (exact values).
 */
export async function finalizeDriftWindows(
  deps: { clickhouse: ClickHouseClient; logger: Logger; policy?: DriftPolicy; raw?: boolean },
  model: string,
  modelVersion: string,
  windows: WindowInput[],
  nowMs: number,
): Promise<AlertSignal[][]> {
  const profiles = createProfileCache({ clickhouse: deps.clickhouse, logger: deps.logger, ttlMs: deps.policy?.profileCacheMs });
  await profiles.get(model, modelVersion, nowMs);
  const aggregator = createDriftAggregator(deps.raw ? {} : { profiles, policy: deps.policy, clock: () => nowMs });
  const finalizer = createDriftFinalizer({ ...deps, profiles });
  const signals: AlertSignal[][] = [];
  for (const w of windows) {
    const key = { model, modelVersion, windowStartMs: w.startMs, windowEndMs: w.endMs };
    const delta = aggregator.create(key);
    for (const features of w.rows) aggregator.add(delta, { features } as unknown as PredictionEvent);
    const parts = new Map<string, string[]>();
    for (const { part, state } of aggregator.encode(delta)) parts.set(part, [...(parts.get(part) ?? []), await state]);
    const out = new OutputRows();
    const closed: ClosedWindow = {
      ...key,
      events: w.rows.length,
      lateEvents: 0,
      readParts: async (prefix) => new Map([...parts].filter(([part]) => part.startsWith(prefix))),
      write: (table, rows) => out.add(table, rows),
    };
    signals.push(await finalizer.finalize(closed, nowMs));
    await out.insert(deps.clickhouse);
  }
  return signals;
}
