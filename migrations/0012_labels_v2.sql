-- Labels, version 2. 0003 kept the arrival time as now() at insert, so a
-- replayed Kafka message became a second history row. Labels now carry the
-- broker's append time (deterministic on replay) and the source offset, and
-- ReplacingMergeTree collapses a replayed row into the original. History is
-- kept: every distinct label event for a prediction stays; the latest
-- received_at wins in the join (labeled_predictions).
DROP TABLE IF EXISTS labels;

CREATE TABLE IF NOT EXISTS labels
(
    prediction_id  UUID,
    model          LowCardinality(String),
    label          String,
    label_ts       DateTime64(3, 'UTC'),
    received_at    DateTime64(3, 'UTC'),
    source         LowCardinality(String),
    topic          LowCardinality(String),
    partition      UInt32,
    offset         UInt64
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (model, prediction_id, received_at, partition, offset)
TTL toDateTime(received_at) + INTERVAL 400 DAY;
