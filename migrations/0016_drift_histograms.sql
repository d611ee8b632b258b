-- The distributions behind each drift_metrics row, for the HTML drift
-- report's charts: per bin (numeric: the reference-quantile bins PSI uses;
-- categorical: the categories, the smallest folded into one "(N others)"
-- bin), the bin label and the share of the non-missing values on each side.
-- JSON arrays of equal length; '' on rows written before this migration or
-- when the reference had no values.
ALTER TABLE drift_metrics ADD COLUMN IF NOT EXISTS bin_labels String DEFAULT '' CODEC(ZSTD(1));
ALTER TABLE drift_metrics ADD COLUMN IF NOT EXISTS reference_shares String DEFAULT '' CODEC(ZSTD(1));
ALTER TABLE drift_metrics ADD COLUMN IF NOT EXISTS current_shares String DEFAULT '' CODEC(ZSTD(1));
