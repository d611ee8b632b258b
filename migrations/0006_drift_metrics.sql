-- Drift per (model, version, feature, window), computed from the merged
-- window state against the reference profile. A recomputation (a replay, a
-- late chunk) writes a newer computed_at and replaces the row: read FINAL.
CREATE TABLE IF NOT EXISTS drift_metrics
(
    model               LowCardinality(String),
    model_version       LowCardinality(String),
    window_start        DateTime64(3, 'UTC'),
    window_end          DateTime64(3, 'UTC'),
    feature             LowCardinality(String),
    kind                LowCardinality(String),
    reference_count     UInt64,
    current_count       UInt64,
    missing_rate        Float64,
    psi                 Nullable(Float64),
    ks_statistic        Nullable(Float64),
    ks_p_value          Nullable(Float64),
    wasserstein_normed  Nullable(Float64),
    chi2_statistic      Nullable(Float64),
    chi2_p_value        Nullable(Float64),
    chi2_dof            Nullable(UInt32),
    jensen_shannon      Nullable(Float64),
    drift_method        LowCardinality(String),
    drift_score         Nullable(Float64),
    threshold           Nullable(Float64),
    drifted             UInt8,
    message             String,
    profile_version     UInt32,
    computed_at         DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(window_start)
ORDER BY (model, model_version, window_start, feature);

-- Dataset-level verdict per window.
CREATE TABLE IF NOT EXISTS drift_windows
(
    model              LowCardinality(String),
    model_version      LowCardinality(String),
    window_start       DateTime64(3, 'UTC'),
    window_end         DateTime64(3, 'UTC'),
    events             UInt64,
    late_events        UInt64,
    features           UInt32,
    drifted_features   UInt32,
    drift_share        Float64,
    dataset_drift      UInt8,
    profile_version    UInt32,
    computed_at        DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(window_start)
ORDER BY (model, model_version, window_start);
