-- Retrain-candidate datasets: a named, immutable snapshot of joined
-- feature+label rows with its lineage (why it exists, what it holds).
CREATE TABLE IF NOT EXISTS retrain_candidates
(
    candidate_id     String,
    model            LowCardinality(String),
    model_version    String,
    from_ts          DateTime64(3, 'UTC'),
    to_ts            DateTime64(3, 'UTC'),
    filters          String,
    reason           String,
    decision_id      String,
    row_count        UInt64,
    label_coverage   Float64,
    class_balance    String,
    created_at       DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (model, candidate_id);

-- The rows of each candidate, copied at creation (INSERT … SELECT), so later
-- labels or TTLs never change a snapshot.
CREATE TABLE IF NOT EXISTS candidate_rows
(
    candidate_id   String,
    prediction_id  UUID,
    model          LowCardinality(String),
    model_version  LowCardinality(String),
    ts             DateTime64(3, 'UTC'),
    features       String CODEC(ZSTD(3)),
    outputs        String CODEC(ZSTD(3)),
    score          Nullable(Float64),
    label          String
)
ENGINE = ReplacingMergeTree
ORDER BY (candidate_id, prediction_id);

-- Every evaluation of a model's trigger policy: fired or not, and why.
-- reasons/blocked_by are JSON arrays of {rule, observed, threshold, met}.
CREATE TABLE IF NOT EXISTS trigger_decisions
(
    decision_id    String,
    model          LowCardinality(String),
    evaluated_at   DateTime64(3, 'UTC'),
    fired          UInt8,
    reasons        String,
    blocked_by     String,
    candidate_id   String,
    job_id         String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(evaluated_at)
ORDER BY (model, evaluated_at)
TTL toDateTime(evaluated_at) + INTERVAL 180 DAY;

-- Training runs (one per BullMQ job attempt that got as far as training)
-- and their outcome; state moves queued → training → registered/failed.
CREATE TABLE IF NOT EXISTS training_runs
(
    run_id           String,
    job_id           String,
    model            LowCardinality(String),
    candidate_id     String,
    base_version     String,
    new_version      String,
    state            LowCardinality(String),
    trainer          LowCardinality(String),
    metrics          String,
    error            String,
    started_at       DateTime64(3, 'UTC'),
    updated_at       DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (model, run_id);

-- The model registry: every version with its metrics, lineage and stage.
-- stage: candidate (registered, not serving), champion (serving), archived.
-- The newest updated_at per (model, version) is the state: read FINAL.
CREATE TABLE IF NOT EXISTS model_registry
(
    model             LowCardinality(String),
    version           String,
    stage             LowCardinality(String),
    artifact_uri      String,
    metrics           String,
    champion_metrics  String,
    lineage           String,
    promoted_by       String,
    created_at        DateTime64(3, 'UTC'),
    updated_at        DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (model, version);
