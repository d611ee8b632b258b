-- Durable state of the stream processors. Each processor instance, per
-- Kafka partition it owns, periodically writes ONE insert holding:
--   * chunk rows: the mergeable window state accumulated since its previous
--     checkpoint (part = 'meta' | 'slo' | 'validation' | 'drift:<feature>'),
--   * one checkpoint row (part = 'checkpoint', chunk_offset = last offset
--     covered, state = {"watermark_ms":…,"max_event_ms":…}).
-- One insert is one part, so chunks and their checkpoint become visible
-- together; a restarted processor resumes after the checkpoint offset and a
-- replay can neither lose nor double count. Final window metrics are merges
-- of all chunks of a window, whatever instance wrote them — so N instances
-- produce the same numbers as one.
CREATE TABLE IF NOT EXISTS processor_chunks
(
    pipeline       LowCardinality(String),
    topic          LowCardinality(String),
    partition      UInt32,
    chunk_offset   Int64,
    model          LowCardinality(String),
    model_version  LowCardinality(String),
    window_start   DateTime64(3, 'UTC'),
    window_end     DateTime64(3, 'UTC'),
    part           LowCardinality(String),
    events         UInt64,
    late_events    UInt64,
    state          String CODEC(ZSTD(1)),
    inserted_at    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY (pipeline, topic, model, model_version, window_start, part, partition, chunk_offset)
TTL toDateTime(inserted_at) + INTERVAL 14 DAY DELETE WHERE part != 'checkpoint';
