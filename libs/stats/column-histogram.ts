/**
 * The reference and current distributions of a column over the same bins
 * PSI uses (./binning.ts), as shares, for charts: numeric columns over the
 * reference-quantile bins, categorical ones over the union of categories.
 * Kinds are reconciled like ./column-report.ts does: a column numeric on
 * one side and categorical on the other is shown as categorical.
 */
import { alignCategoryCounts, countSortedIntoBins, DEFAULT_BIN_COUNT, referenceQuantileEdges } from './binning.ts';
import { numericAsCategorical, sortedValues, type CategoricalColumnState, type ColumnState } from './partial-state.ts';

/** Shares of the non-missing values per bin, per side; each side sums to 1 (or is all 0 when empty). */
export interface ColumnHistogram {
  kind: 'numerical' | 'categorical';
  /** One label per bin: `≤ 1.5`, `1.5 – 3`, `> 3`, or the category. */
  labels: string[];
  reference: number[];
  current: number[];
}

/** Options of a histogram. */
export interface HistogramOptions {
  /** Numeric bin count (default 10, as PSI). */
  bins?: number;
  /**
   * Most categories shown (default 30): the ones with the largest share on
   * either side; the rest are folded into one `(N others)` bin so a
   * high-cardinality column stays a small chart and a small stored row.
   */
  maxCategories?: number;
}

/** Shares rounded to 6 significant digits: enough for a chart, short when stored as JSON. */
function shares(counts: ArrayLike<number>): number[] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  return Array.from(counts, (c) => (total === 0 ? 0 : Number((c / total).toPrecision(6))));
}

/** Edge labels with the fewest significant digits (4 to 12) that keep neighbouring edges distinct. */
function edgeLabels(edges: Float64Array): string[] {
  for (let digits = 4; digits <= 12; digits++) {
    const texts = Array.from(edges, (e) => String(Number(e.toPrecision(digits))));
    if (new Set(texts).size === texts.length) return texts;
  }
  return Array.from(edges, String);
}

/** `≤ e1`, `e1 – e2`, …, `> ek`: the bins (−∞,e1], (e1,e2], …, (ek,+∞). */
export function numericBinLabels(edges: Float64Array): string[] {
  const texts = edgeLabels(edges);
  if (texts.length === 0) return ['all values'];
  return [`≤ ${texts[0]}`, ...texts.slice(1).map((t, i) => `${texts[i]} – ${t}`), `> ${texts[texts.length - 1]}`];
}

function asCategorical(state: ColumnState): CategoricalColumnState {
  return state.kind === 'categorical' ? state : numericAsCategorical(state);
}

/**
 * The histogram of a column, or null when the reference has no non-missing
 * value (there are no bins to show). Numeric states are sorted in place,
 * as the statistics do.
 */
export function computeColumnHistogram(reference: ColumnState, current: ColumnState, options: HistogramOptions = {}): ColumnHistogram | null {
  if (reference.kind === 'numerical' && current.kind === 'numerical') {
    const ref = sortedValues(reference);
    if (ref.length === 0) return null;
    const edges = referenceQuantileEdges(ref, options.bins ?? DEFAULT_BIN_COUNT);
    return {
      kind: 'numerical',
      labels: numericBinLabels(edges),
      reference: shares(countSortedIntoBins(ref, edges)),
      current: shares(countSortedIntoBins(sortedValues(current), edges)),
    };
  }
  const aligned = alignCategoryCounts(asCategorical(reference).counts, asCategorical(current).counts);
  if (aligned.reference.every((c) => c === 0)) return null;
  const ref = shares(aligned.reference);
  const cur = shares(aligned.current);
  const max = Math.max(1, options.maxCategories ?? 30);
  if (aligned.categories.length <= max) return { kind: 'categorical', labels: aligned.categories, reference: ref, current: cur };
  // Keep the `max − 1` categories with the largest share on either side (ties by name), in name order.
  const ranked = aligned.categories.map((_, i) => i).sort((a, b) => Math.max(ref[b]!, cur[b]!) - Math.max(ref[a]!, cur[a]!) || a - b);
  const kept = ranked.slice(0, max - 1).sort((a, b) => a - b);
  const rest = ranked.slice(max - 1);
  const sum = (values: number[]) => Number(rest.reduce((s, i) => s + values[i]!, 0).toPrecision(6));
  return {
    kind: 'categorical',
    labels: [...kept.map((i) => aligned.categories[i]!), `(${rest.length} others)`],
    reference: [...kept.map((i) => ref[i]!), sum(ref)],
    current: [...kept.map((i) => cur[i]!), sum(cur)],
  };
}
