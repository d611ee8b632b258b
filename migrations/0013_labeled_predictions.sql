-- The late-label join: one row per labelled prediction with its features,
-- outputs and the winning label (last write by received_at wins: the
-- ReplacingMergeTree version column). Ordered like predictions so quality
-- windows and candidate snapshots scan (model, version, time ranges). Read
-- FINAL.
CREATE TABLE IF NOT EXISTS labeled_predictions
(
    prediction_id   UUID,
    model           LowCardinality(String),
    model_version   LowCardinality(String),
    ts              DateTime64(3, 'UTC'),
    features        String CODEC(ZSTD(3)),
    outputs         String CODEC(ZSTD(3)),
    score           Nullable(Float64),
    predicted       String,
    label           String,
    label_ts        DateTime64(3, 'UTC'),
    received_at     DateTime64(3, 'UTC'),
    label_versions  UInt32,
    joined_at       DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(received_at)
PARTITION BY toYYYYMM(ts)
ORDER BY (model, model_version, ts, prediction_id);

-- Labels whose prediction was not found yet (the label came first, or the
-- prediction is still in flight). Retried until the horizon passes; then the
-- state becomes 'orphaned' (kept and counted). 'joined' rows close the entry.
-- One entry per prediction (its newest label); the newest updated_at is
-- the state: read FINAL.
CREATE TABLE IF NOT EXISTS pending_labels
(
    model          LowCardinality(String),
    prediction_id  UUID,
    received_at    DateTime64(3, 'UTC'),
    label          String,
    label_ts       DateTime64(3, 'UTC'),
    state          Enum8('pending' = 1, 'joined' = 2, 'orphaned' = 3),
    attempts       UInt32,
    first_seen_at  DateTime64(3, 'UTC'),
    updated_at     DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (model, prediction_id);
