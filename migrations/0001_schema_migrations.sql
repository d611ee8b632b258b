-- The migration ledger: one row per applied file with its checksum, so the
-- runner can refuse edited or missing history. Created by the runner before
-- anything else, then recorded like any other migration.
CREATE TABLE IF NOT EXISTS schema_migrations
(
    version     UInt32,
    name        String,
    checksum    FixedString(64),
    applied_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY version;
