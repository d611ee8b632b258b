-- Ground-truth labels as they arrive (HTTP or driftline.labels), history kept:
-- the latest label per prediction wins (argMax(label, received_at)), earlier
-- ones stay for audit. Ordered by prediction_id for the join.
CREATE TABLE IF NOT EXISTS labels
(
    prediction_id  UUID,
    model          LowCardinality(String),
    label          String,
    label_ts       DateTime64(3, 'UTC'),
    received_at    DateTime64(3, 'UTC') DEFAULT now64(3),
    source         LowCardinality(String),
    topic          LowCardinality(String),
    partition      UInt32,
    offset         UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(label_ts)
ORDER BY (model, prediction_id, received_at)
TTL toDateTime(label_ts) + INTERVAL 400 DAY;
