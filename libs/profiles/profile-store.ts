import { queryRows, type ClickHouseClient } from '../clickhouse/client.ts';
import { DriftlineError } from '../errors/errors.ts';
import { referenceProfileSchema, type ReferenceProfile } from './reference-profile.ts';

export interface StoredProfile {
  profile: ReferenceProfile;
  profileVersion: number;
}

/**
 * Reference profiles in ClickHouse (`reference_profiles`), versioned per
 * (model, model_version). Saving never overwrites: it adds version n+1.
 */
export async function saveProfile(client: ClickHouseClient, profile: ReferenceProfile): Promise<number> {
  const parsed = referenceProfileSchema.parse(profile);
  const [row] = await queryRows<{ v: string }>(
    client,
    'SELECT max(profile_version) AS v FROM reference_profiles WHERE model = {model:String} AND model_version = {version:String}',
    { model: parsed.model, version: parsed.model_version },
  );
  const profileVersion = Number(row?.v ?? 0) + 1;
  await client.insert({
    table: 'reference_profiles',
    values: [{ model: parsed.model, model_version: parsed.model_version, profile_version: profileVersion, source: parsed.source, rows: parsed.rows, profile: JSON.stringify(parsed) }],
    format: 'JSONEachRow',
  });
  return profileVersion;
}

/**
 * The profile in force for a model version: its newest profile, or — when the
 * version has none yet (a fresh retrain) — the model's newest profile of any
 * version, so drift is still measured against the last known baseline.
 */
export async function loadProfile(client: ClickHouseClient, model: string, modelVersion: string): Promise<StoredProfile | undefined> {
  const rows = await queryRows<{ profile: string; profile_version: number; exact: number }>(
    client,
    `SELECT profile, profile_version, model_version = {version:String} AS exact
       FROM reference_profiles FINAL
      WHERE model = {model:String}
      ORDER BY exact DESC, created_at DESC, profile_version DESC
      LIMIT 1`,
    { model, version: modelVersion },
  );
  return storedProfileOf(rows[0], model, modelVersion);
}

/** One exact version of a model version's profiles (profiles are never changed once saved). */
export async function loadProfileVersion(client: ClickHouseClient, model: string, modelVersion: string, profileVersion: number): Promise<StoredProfile | undefined> {
  const rows = await queryRows<{ profile: string; profile_version: number }>(
    client,
    `SELECT profile, profile_version FROM reference_profiles FINAL
      WHERE model = {model:String} AND model_version = {version:String} AND profile_version = {profileVersion:UInt32}
      LIMIT 1`,
    { model, version: modelVersion, profileVersion },
  );
  return storedProfileOf(rows[0], model, modelVersion);
}

function storedProfileOf(row: { profile: string; profile_version: number } | undefined, model: string, modelVersion: string): StoredProfile | undefined {
  if (!row) return undefined;
  const parsed = referenceProfileSchema.safeParse(JSON.parse(row.profile));
  if (!parsed.success) throw new DriftlineError('INPUT_INVALID', `stored reference profile of ${model}/${modelVersion} is invalid: ${parsed.error.issues[0]?.message}`);
  return { profile: parsed.data, profileVersion: Number(row.profile_version) };
}
