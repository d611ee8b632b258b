-- Raw prediction events from driftline.predictions, one row per event.
-- Ordered by (model, ts) for per-model time-range scans; the bloom filter on
-- prediction_id serves label joins that look one id up.
-- Replays cannot double count: the sink skips offsets already stored
-- (topic, partition, offset) and ReplacingMergeTree collapses any duplicate
-- that slips through a rebalance race at merge time (read with FINAL when an
-- exact count matters).
CREATE TABLE IF NOT EXISTS predictions
(
    prediction_id       UUID,
    model               LowCardinality(String),
    model_version       LowCardinality(String),
    ts                  DateTime64(3, 'UTC'),
    features            String CODEC(ZSTD(3)),
    outputs             String CODEC(ZSTD(3)),
    latency_ms          Float64,
    status              Enum8('ok' = 1, 'error' = 2),
    error               String,
    node                LowCardinality(String),
    execution_provider  LowCardinality(String),
    topic               LowCardinality(String),
    partition           UInt32,
    offset              UInt64,
    ingested_at         DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_prediction_id prediction_id TYPE bloom_filter(0.001) GRANULARITY 4
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (model, ts, prediction_id)
TTL toDateTime(ts) + INTERVAL 90 DAY;
