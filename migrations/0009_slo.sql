-- SLO counts per (model, version, window): merged from the processors'
-- 'slo' chunks. requests = all on-time events, errors = status "error",
-- slow = successful requests over the model's latency threshold; the
-- quantiles and the sketch (libs/slo LatencySketch JSON) describe successful
-- requests only. A recomputation (late chunks, a replay) writes a newer
-- computed_at and replaces the row: read FINAL.
CREATE TABLE IF NOT EXISTS slo_windows
(
    model           LowCardinality(String),
    model_version   LowCardinality(String),
    window_start    DateTime64(3, 'UTC'),
    window_end      DateTime64(3, 'UTC'),
    requests        UInt64,
    errors          UInt64,
    slow            UInt64,
    p50             Nullable(Float64),
    p90             Nullable(Float64),
    p95             Nullable(Float64),
    p99             Nullable(Float64),
    latency_sketch  String,
    computed_at     DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(window_start)
ORDER BY (model, model_version, window_start);

-- Burn rates and error budgets of a model (all versions together) as of
-- each closed window's end. burn_rates is JSON: {"<sli>:<lookback ms>": rate
-- or null}; firing_rules lists "<sli>:<rule>" comma-separated; severity is
-- the most severe firing rule's ('' when none). Budgets are null for an SLI
-- the model has no objective for. One row per (model, window_end), replaced
-- on recomputation: read FINAL.
CREATE TABLE IF NOT EXISTS slo_status
(
    model                          LowCardinality(String),
    evaluated_at                   DateTime64(3, 'UTC'),
    window_end                     DateTime64(3, 'UTC'),
    availability_budget_remaining  Nullable(Float64),
    latency_budget_remaining       Nullable(Float64),
    burn_rates                     String,
    severity                       LowCardinality(String),
    firing_rules                   String,
    computed_at                    DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(window_end)
ORDER BY (model, window_end);
