-- Which windows the finalizer has computed, from which chunks: a window is
-- recomputed when a chunk newer than its last finalization appears (late
-- events, a slow partition), so the output tables converge to the merge of
-- every chunk.
CREATE TABLE IF NOT EXISTS window_finalizations
(
    pipeline         LowCardinality(String),
    model            LowCardinality(String),
    model_version    LowCardinality(String),
    window_start     DateTime64(3, 'UTC'),
    newest_chunk_at  DateTime64(3, 'UTC'),
    chunks           UInt64,
    finalized_at     DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(finalized_at)
ORDER BY (pipeline, model, model_version, window_start);
