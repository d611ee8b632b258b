import { predictionIdTimeMs } from '../../libs/contracts/prediction-id.ts';

/** A set of prediction ids whose predictions lie in [fromMs, toMs]. */
export interface IdTimeRange {
  fromMs: number;
  toMs: number;
  ids: string[];
}

/**
 * Groups prediction ids into narrow time ranges for the label join.
 *
 * A prediction id is a UUIDv7: its first 48 bits are the time the serving
 * node minted it, which is the prediction's event time (± clock skew between
 * nodes, covered by `slackMs`). So a label batch never has to scan the whole
 * join horizon: ids sorted by their time are cut wherever two neighbours are
 * more than `maxGapMs` apart, and each group becomes one query over
 * `predictions` restricted to its own time range (primary key (model, ts) +
 * daily partitions prune the rest; the bloom-filter skip index on
 * prediction_id narrows the granules inside the range).
 */
export function idTimeRanges(ids: Iterable<string>, slackMs: number, maxGapMs: number): IdTimeRange[] {
  const timed = [...new Set(ids)].map((id) => ({ id, t: predictionIdTimeMs(id) })).sort((a, b) => a.t - b.t);
  const ranges: IdTimeRange[] = [];
  let current: { first: number; last: number; ids: string[] } | undefined;
  for (const { id, t } of timed) {
    if (current && t - current.last <= maxGapMs) {
      current.last = t;
      current.ids.push(id);
      continue;
    }
    if (current) ranges.push({ fromMs: current.first - slackMs, toMs: current.last + slackMs, ids: current.ids });
    current = { first: t, last: t, ids: [id] };
  }
  if (current) ranges.push({ fromMs: current.first - slackMs, toMs: current.last + slackMs, ids: current.ids });
  return ranges;
}
