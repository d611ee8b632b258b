-- Alert events as published on driftline.alerts: a condition fires once and
-- stays open until a `resolved` event with the same alert_id closes it.
CREATE TABLE IF NOT EXISTS alerts
(
    alert_id    String,
    kind        LowCardinality(String),
    condition   String,
    model       LowCardinality(String),
    severity    LowCardinality(String),
    state       LowCardinality(String),
    ts          DateTime64(3, 'UTC'),
    summary     String,
    details     String
)
ENGINE = MergeTree
ORDER BY (model, condition, ts);
