-- Reference profiles: what "normal" looks like for a model version, built
-- from training data (CSV), the demo trainer, or a production window. The
-- newest profile_version of (model, model_version) is the one in force.
CREATE TABLE IF NOT EXISTS reference_profiles
(
    model            LowCardinality(String),
    model_version    LowCardinality(String),
    profile_version  UInt32,
    source           String,
    rows             UInt64,
    profile          String CODEC(ZSTD(3)),
    created_at       DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY (model, model_version, profile_version);
