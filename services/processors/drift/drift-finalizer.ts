import type { ClickHouseClient } from '../../../libs/clickhouse/client.ts';
import type { Logger } from '../../../libs/logging/logger.ts';
import type { FeatureProfile } from '../../../libs/profiles/reference-profile.ts';
import { decideDatasetDrift, resolveThresholds, type DriftThresholds } from '../../../libs/stats/drift-decision.ts';
import type { AlertSignal, ClosedWindow, WindowFinalizer } from '../window-finalizer.ts';
import type { DriftStatsPool } from './drift-stats-pool.ts';
import { gridKey, gridKeyBase, parseGridKey } from './grid-key.ts';
import { gridKeyOf } from './column-codec.ts';
import { computeFeatureDrift, type FeatureDriftTask } from './feature-drift.ts';
import { createProfileCache, type ProfileCache } from './profile-cache.ts';

export interface DriftPolicy {
  /** Thresholds for every feature of every model (defaults: Evidently's). */
  thresholds?: Partial<DriftThresholds>;
  /** Per model, per feature overrides: { credit: { income: { wassersteinNormed: 0.2 } } }. */
  featureThresholds?: Record<string, Record<string, Partial<DriftThresholds>>>;
  bins?: number;
  /**
   * Fewest non-missing window values for a drift verdict (default 500).
   * Smaller windows (the first, partial window of a stream; a quiet hour)
   * still get their statistics, but no verdict: the distance rules are too
   * noisy there (a 200-value window of unshifted data reached a normed
   * Wasserstein of 0.12 in testing).
   */
  minCurrentCount?: number;
  /** Profiles are re-read at most this often per model version. */
  profileCacheMs?: number;
}

/**
 * Drift of a closed window: for each feature of the reference profile, the
 * merged window values against the reference with the statistics library's
 * conventions (PSI, KS, chi-square, normed Wasserstein, Jensen–Shannon and
 * the default decision), written to drift_metrics; the dataset verdict to
 * drift_windows. Missing rate = 1 − values present / window events (absent
 * and null features alike). Features not in the profile are the validation
 * processor's business, not drift's.
 */
export function createDriftFinalizer(deps: { clickhouse: ClickHouseClient; logger: Logger; policy?: DriftPolicy; stats?: DriftStatsPool; profiles?: ProfileCache }): WindowFinalizer {
  const policy = deps.policy ?? {};
  const run = deps.stats ? (task: FeatureDriftTask) => deps.stats!.run(task) : async (task: FeatureDriftTask) => computeFeatureDrift(task);
  const profiles = deps.profiles ?? createProfileCache({ clickhouse: deps.clickhouse, logger: deps.logger, ttlMs: policy.profileCacheMs });

  /**
   * The features of the other profiles some of a feature's chunks were
   * counted against (the profile changed while the window was open), by
   * grid key. A profile no longer found leaves its chunks unreadable: the
   * report says how many.
   */
  async function otherGridFeatures(model: string, name: string, states: readonly string[], ownKey: string): Promise<Record<string, FeatureProfile> | undefined> {
    // This grid's own chunks, and those of its points at another resolution (chunks of before the levels changed), are read on it.
    const ownPrefixes = [`{"g":${JSON.stringify(ownKey)}`, `{"g":${JSON.stringify(gridKeyBase(ownKey))}`];
    const own = (state: string) => ownPrefixes.some((prefix) => state.startsWith(prefix) && (state[prefix.length] === ',' || state[prefix.length] === '}'));
    let result: Record<string, FeatureProfile> | undefined;
    for (const state of states) {
      if (!state.startsWith('{"g":') || own(state)) continue;
      const key = gridKeyOf(state);
      const parsed = key === undefined ? undefined : parseGridKey(key);
      if (!key || !parsed || result?.[key]) continue;
      const other = await profiles.version(model, parsed.modelVersion, parsed.profileVersion);
      const feature = other?.profile.features[name];
      if (feature) (result ??= {})[key] = feature;
    }
    return result;
  }

  return {
    name: 'drift',
    async finalize(window: ClosedWindow, nowMs: number): Promise<AlertSignal[]> {
      const stored = await profiles.get(window.model, window.modelVersion, nowMs);
      if (!stored) {
        deps.logger.debug({ model: window.model, version: window.modelVersion }, 'no reference profile; drift not computed');
        return [];
      }
      const parts = await window.readParts('drift:');
      const minCurrentCount = policy.minCurrentCount ?? 500;
      const columnThresholds = policy.featureThresholds?.[window.model];
      const ownKey = gridKey(stored, policy.bins);
      // One task per feature, computed by the worker pool (or inline without one): the event loop stays free.
      const results = await Promise.all(
        Object.entries(stored.profile.features).map(async ([name, feature]) => {
          const states = parts.get(`drift:${name}`) ?? [];
          const others = await otherGridFeatures(window.model, name, states, ownKey);
          return run({ name, feature, states, events: window.events, bins: policy.bins, thresholds: policy.thresholds, columnThresholds, minCurrentCount, gridKey: ownKey, otherGridFeatures: others });
        }),
      );
      const reports = results.map((r) => r.report);
      const histograms = results.map((r) => r.histogram);
      const thresholds = resolveThresholds(policy.thresholds);
      const verdict = decideDatasetDrift(reports.flatMap((r) => (r.drift ? [r.drift.drifted] : [])), thresholds);
      const common = { model: window.model, model_version: window.modelVersion, window_start: window.windowStartMs, window_end: window.windowEndMs, profile_version: stored.profileVersion, computed_at: nowMs };
      window.write(
        'drift_metrics',
        reports.map((r, i) => ({
          ...common,
          feature: r.name,
          kind: r.kind,
          reference_count: r.referenceCount,
          current_count: r.currentCount,
          missing_rate: r.missing.current,
          psi: r.psi,
          ks_statistic: r.ks?.statistic ?? null,
          ks_p_value: r.ks?.pValue ?? null,
          wasserstein_normed: r.wassersteinNormed,
          chi2_statistic: r.chiSquare?.statistic ?? null,
          chi2_p_value: r.chiSquare?.pValue ?? null,
          chi2_dof: r.chiSquare?.dof ?? null,
          jensen_shannon: r.jensenShannon,
          drift_method: r.drift?.method ?? '',
          drift_score: r.drift?.score ?? null,
          threshold: r.drift?.threshold ?? null,
          drifted: r.drift?.drifted ? 1 : 0,
          message: r.message ?? '',
          bin_labels: histograms[i] ? JSON.stringify(histograms[i].labels) : '',
          reference_shares: histograms[i] ? JSON.stringify(histograms[i].reference) : '',
          current_shares: histograms[i] ? JSON.stringify(histograms[i].current) : '',
        })),
      );
      const drifted = reports.filter((r) => r.drift?.drifted);
      window.write('drift_windows', [
        { ...common, events: window.events, late_events: window.lateEvents, features: reports.length, drifted_features: drifted.length, drift_share: verdict.driftShare, dataset_drift: verdict.datasetDrift ? 1 : 0 },
      ]);
      // One alert condition per feature, plus the dataset verdict.
      const signals: AlertSignal[] = reports
        .filter((r) => r.drift)
        .map((r) => ({
          kind: 'drift',
          model: window.model,
          condition: `drift/${window.model}/${r.name}`,
          severity: 'ticket',
          firing: r.drift!.drifted,
          windowStartMs: window.windowStartMs,
          summary: `${r.name}: ${r.drift!.method} ${r.drift!.score.toPrecision(4)} vs threshold ${r.drift!.threshold} (PSI ${r.psi?.toFixed(3)})`,
          details: { feature: r.name, method: r.drift!.method, score: r.drift!.score, threshold: r.drift!.threshold, psi: r.psi, window_start: window.windowStartMs, model_version: window.modelVersion },
        }));
      signals.push({
        kind: 'drift',
        model: window.model,
        condition: `drift/${window.model}/dataset`,
        severity: 'ticket',
        firing: verdict.datasetDrift,
        windowStartMs: window.windowStartMs,
        summary: `${drifted.length} of ${reports.length} features drifted (share ${verdict.driftShare.toFixed(2)})`,
        details: { drifted: drifted.map((r) => r.name), drift_share: verdict.driftShare, window_start: window.windowStartMs, model_version: window.modelVersion },
      });
      return signals;
    },
  };
}
