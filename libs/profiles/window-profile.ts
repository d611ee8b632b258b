import { queryRows, type ClickHouseClient } from '../clickhouse/client.ts';
import { DriftlineError } from '../errors/errors.ts';
import { buildReferenceProfile, type ReferenceProfile } from './reference-profile.ts';

export interface WindowProfileOptions {
  model: string;
  /** Version whose traffic is the baseline; the profile is stored under `targetVersion` (default the same). */
  modelVersion: string;
  targetVersion?: string;
  fromMs: number;
  toMs: number;
  /** At most this many events, taken evenly by prediction id hash (default 200,000). */
  maxRows?: number;
}

/**
 * A reference profile from a chosen production window: the features of the
 * model version's successful predictions in [from, to) from the raw
 * `predictions` table. Useful when training data is not at hand, or to
 * re-baseline after an accepted shift. Large windows are sampled
 * deterministically (by hash of prediction_id), so the same request gives the
 * same profile.
 */
export async function profileFromWindow(client: ClickHouseClient, options: WindowProfileOptions): Promise<ReferenceProfile> {
  if (!(options.toMs > options.fromMs)) throw new DriftlineError('INPUT_INVALID', `window end ${new Date(options.toMs).toISOString()} is not after its start ${new Date(options.fromMs).toISOString()}`);
  const rows = await queryRows<{ features: string }>(
    client,
    `SELECT features FROM predictions FINAL
      WHERE model = {model:String} AND model_version = {version:String} AND status = 'ok'
        AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
      ORDER BY cityHash64(prediction_id)
      LIMIT {limit:UInt32}`,
    { model: options.model, version: options.modelVersion, from: options.fromMs, to: options.toMs, limit: options.maxRows ?? 200_000 },
  );
  if (rows.length === 0) throw new DriftlineError('NOT_FOUND', `no successful predictions of ${options.model}/${options.modelVersion} between ${new Date(options.fromMs).toISOString()} and ${new Date(options.toMs).toISOString()}`);
  const records = rows.map((r) => JSON.parse(r.features) as Record<string, unknown>);
  return buildReferenceProfile(records, {
    model: options.model,
    modelVersion: options.targetVersion ?? options.modelVersion,
    source: `window:${options.model}/${options.modelVersion}@${new Date(options.fromMs).toISOString()}..${new Date(options.toMs).toISOString()}`,
  });
}
