-- Every change of what a model serves, append-only: a promotion to champion,
-- a canary start, a rollback. model_registry holds each version's current
-- stage (candidate, canary, champion, archived); this table holds the
-- order of champions, which a rollback needs ("the champion before this
-- one") and an audit needs (who changed serving, when, why).
-- action: promote | canary | rollback. previous_champion: the champion
-- just before this change ('' when there was none).
CREATE TABLE IF NOT EXISTS model_promotions
(
    model              LowCardinality(String),
    promoted_at        DateTime64(3, 'UTC'),
    action             LowCardinality(String),
    version            String,
    previous_champion  String,
    canary_share       Float64,
    promoted_by        String,
    reason             String
)
ENGINE = MergeTree
ORDER BY (model, promoted_at);
