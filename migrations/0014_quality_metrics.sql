-- Live model quality per (model, version, window of prediction time),
-- computed from all joined rows of the window at once (never averaged over
-- chunks). Classification columns are null for regression models and the
-- reverse. calibration is JSON: [{bin_lo, bin_hi, count, mean_score,
-- positive_rate}]. label_coverage = labelled / predictions of the window.
-- Recomputed when late labels arrive: read FINAL.
CREATE TABLE IF NOT EXISTS quality_metrics
(
    model            LowCardinality(String),
    model_version    LowCardinality(String),
    window_start     DateTime64(3, 'UTC'),
    window_end       DateTime64(3, 'UTC'),
    task             LowCardinality(String),
    predictions      UInt64,
    labelled         UInt64,
    label_coverage   Float64,
    positives        Nullable(UInt64),
    accuracy         Nullable(Float64),
    precision        Nullable(Float64),
    recall           Nullable(Float64),
    f1               Nullable(Float64),
    roc_auc          Nullable(Float64),
    log_loss         Nullable(Float64),
    calibration      String,
    mae              Nullable(Float64),
    rmse             Nullable(Float64),
    mape             Nullable(Float64),
    computed_at      DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(window_start)
ORDER BY (model, model_version, window_start);
