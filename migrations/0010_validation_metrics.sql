-- Data validation per (model, version, window, rule, feature): violations of
-- the model version's schema (from its reference profile) counted by the
-- processors' 'validation' chunks. Only (rule, feature) pairs with
-- violations get a row; events_checked is the window's total, repeated on
-- each row, so rate = violations / events_checked. samples is JSON: up to 5
-- hash-chosen offending {prediction_id, feature, value}. A recomputation
-- writes a newer computed_at and replaces the row: read FINAL.
CREATE TABLE IF NOT EXISTS validation_metrics
(
    model           LowCardinality(String),
    model_version   LowCardinality(String),
    window_start    DateTime64(3, 'UTC'),
    window_end      DateTime64(3, 'UTC'),
    rule            LowCardinality(String),
    feature         String,
    violations      UInt64,
    rate            Float64,
    events_checked  UInt64,
    samples         String,
    computed_at     DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(window_start)
ORDER BY (model, model_version, window_start, rule, feature);
