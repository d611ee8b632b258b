import { addCategory, addNumeric, createCategoricalState, createNumericState, type CategoricalColumnState, type NumericColumnState } from '../../../libs/stats/partial-state.ts';
import { codeFromLevels, GridCounts, POSITION_LEVELS, readableLevels, ReferenceGrid } from '../../../libs/stats/reference-grid.ts';
import { gridKeyBase, gridKeyLevels } from './grid-key.ts';

/*
 * The drift delta of one feature in one window (a checkpoint chunk's
 * `drift:<feature>` part), in one of three shapes:
 *
 * - grid: a numeric feature whose reference profile was known when the
 *   chunk was written: its values as counts per code (interval and
 *   position level) on the profile's grid (libs/stats/reference-grid.ts;
 *   the grid key names the position levels, 64 when it does not),
 *   tails exact. JSON {"g": grid key, "r": base64 runs of equal codes,
 *   "t": base64 float64 tails}: per run one varint, the step from the
 *   previous run's code times two, plus one when a count (a second varint,
 *   at least 2) follows. Chunks of before 2026-12-06 carry "s" instead: a
 *   (step, count) varint pair per run, read as before.
 * - categories: a categorical feature of the profile: category counts,
 *   numbers and booleans counted as their text. JSON {"c": [[category, n]…]}.
 * - raw: no profile known yet (the first chunks after a start, a model
 *   without a profile): exact numeric values (base64 little-endian float64,
 *   bit-exact) and category counts, both kept because the profile that
 *   decides which side counts is not known. JSON {"n": …, "c": …}.
 *
 * The finalizer reads all three into the same statistics, so a window's
 * numbers do not depend on which shape each chunk happened to take.
 */

/** How a feature is aggregated, decided from the reference profile. */
export interface FeatureAccumulator {
  add(value: unknown): void;
  /** The chunk state (or its promise, when a worker encodes it), or undefined when there is nothing to write. */
  encode(): string | Promise<string> | undefined;
}

interface EncodedFeature {
  /** raw: base64 float64 values. */
  n?: string;
  c?: Array<[string, number]>;
  /** grid: its key, varint runs ("s": the older pair coding), base64 float64 tails. */
  g?: string;
  r?: string;
  s?: string;
  t?: string;
}

const categoryList = (categorical: CategoricalColumnState) => [...categorical.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const base64Of = (values: Float64Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');

function float64sOf(text: string): Float64Array {
  const bytes = Buffer.from(text, 'base64');
  const values = new Float64Array(bytes.byteLength / 8);
  new Uint8Array(values.buffer).set(bytes);
  return values;
}

/** raw shape (no profile known): exact finite numbers, and strings and booleans as categories. */
export class RawAccumulator implements FeatureAccumulator {
  private readonly numeric = createNumericState(64);
  private readonly categorical = createCategoricalState();
  add(value: unknown): void {
    if (typeof value === 'number') {
      if (Number.isFinite(value)) addNumeric(this.numeric, value);
    } else if (typeof value === 'string') addCategory(this.categorical, value);
    else if (typeof value === 'boolean') addCategory(this.categorical, value ? 'true' : 'false');
  }
  encode(): string | undefined {
    if (this.numeric.count === 0 && this.categorical.counts.size === 0) return undefined;
    const out: EncodedFeature = {};
    if (this.numeric.count > 0) out.n = base64Of(this.numeric.values.subarray(0, this.numeric.count));
    if (this.categorical.counts.size > 0) out.c = categoryList(this.categorical);
    return JSON.stringify(out);
  }
}

/** categories shape: a categorical feature of the profile. */
export class CategoryAccumulator implements FeatureAccumulator {
  private readonly counts = createCategoricalState();
  add(value: unknown): void {
    if (typeof value === 'string') addCategory(this.counts, value);
    else if (typeof value === 'number') {
      // As the raw shape's numbers are counted by the finalizer: their text (String(1.5) === '1.5').
      if (Number.isFinite(value)) addCategory(this.counts, String(value));
    } else if (typeof value === 'boolean') addCategory(this.counts, value ? 'true' : 'false');
  }
  encode(): string | undefined {
    return this.counts.counts.size > 0 ? JSON.stringify({ c: categoryList(this.counts) } satisfies EncodedFeature) : undefined;
  }
}

/** A feature the profile does not know: drift ignores it (validation reports it). */
export const SKIP_ACCUMULATOR: FeatureAccumulator = { add() {}, encode: () => undefined };

/**
 * A grid-shaped chunk state from a feature's finite values. Pure, so it
 * gives the same text on a worker thread (grid-encoder-pool.ts) as inline.
 *
 * One feature's values are coded at a time, so only its grid is in the
 * cache (looked up as events came, twenty features' grids competed for it
 * and a lookup cost ~230 ns); the codes are then sorted by a two-pass radix
 * sort (codes < 2^22: MAX_GRID_POINTS) and run-length encoded. Sorting the
 * values first and coding them in order gave the same text at about twice
 * the cost (~100 vs ~50 ns per value, 555 values of a 5,000-point grid).
 *
 * Most runs are one value (a window's few hundred values spread over a
 * grid of thousands of codes), so a run's count is written only when it is
 * not 1, flagged in the step's low bit: ~2.3 bytes per value in the
 * processors benchmark where the (step, count) pairs took 2.85, and 14%
 * fewer checkpoint bytes in all (42.2 -> 35.6-37.0 MB per 500k events).
 * With 4 position levels instead of 64 (reference-grid.ts, 2026-12-07)
 * more steps fit one varint byte: the benchmark's drift states went from
 * 22.1 to 16.6 MB of text per 500k events. These states are the bulk of
 * every checkpoint, and each byte is base64-coded, written, merged and
 * read back by the finalizer.
 */
export function encodeGridValues(grid: ReferenceGrid, key: string, values: Float64Array): string {
  const codes = codeScratch(values.length);
  let count = 0;
  let tails: number[] | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const code = grid.code(v);
    if (code < 0) (tails ??= []).push(v);
    else codes[count++] = code;
  }
  const sorted = sortCodes(codes, count);
  const out = new VarintWriter(count * 2 + 16);
  let previous = 0;
  let runCode = -1;
  let runCount = 0;
  for (let i = 0; i < count; i++) {
    const code = sorted[i]!;
    if (code === runCode) runCount++;
    else {
      if (runCount > 0) {
        writeRun(out, runCode - previous, runCount);
        previous = runCode;
      }
      runCode = code;
      runCount = 1;
    }
  }
  if (runCount > 0) writeRun(out, runCode - previous, runCount);
  let text = `{"g":${JSON.stringify(key)}`;
  if (out.length > 0) text += `,"r":"${out.base64()}"`;
  if (tails) text += `,"t":"${base64Of(Float64Array.from(tails).sort())}"`;
  return `${text}}`;
}

function writeRun(out: VarintWriter, step: number, count: number): void {
  if (count === 1) out.write(step * 2);
  else {
    out.write(step * 2 + 1);
    out.write(count);
  }
}

/** Reused code buffers (per thread) up to this many entries; a larger chunk gets its own. */
const SCRATCH_MAX = 1 << 20;
let scratch = new Uint32Array(1024);
let scratchSwap = new Uint32Array(1024);
const RADIX = 2048;
const lowCounts = new Uint32Array(RADIX);
const highCounts = new Uint32Array(RADIX);

function codeScratch(length: number): Uint32Array {
  if (length <= scratch.length) return scratch;
  if (length > SCRATCH_MAX) return new Uint32Array(length);
  scratch = new Uint32Array(Math.min(SCRATCH_MAX, length * 2));
  scratchSwap = new Uint32Array(scratch.length);
  return scratch;
}

/** The first `count` codes ascending (in place in `codes`; returns that prefix). */
function sortCodes(codes: Uint32Array, count: number): Uint32Array {
  const prefix = codes.subarray(0, count);
  // Below a few hundred codes the native sort is as fast as clearing the two count tables.
  if (count < 256) return prefix.sort();
  const swap = count <= scratchSwap.length && codes === scratch ? scratchSwap : new Uint32Array(count);
  lowCounts.fill(0);
  highCounts.fill(0);
  for (let i = 0; i < count; i++) {
    const c = codes[i]!;
    lowCounts[c & (RADIX - 1)]!++;
    highCounts[c >>> 11]!++;
  }
  let low = 0;
  let high = 0;
  for (let k = 0; k < RADIX; k++) {
    const l = lowCounts[k]!;
    lowCounts[k] = low;
    low += l;
    const h = highCounts[k]!;
    highCounts[k] = high;
    high += h;
  }
  for (let i = 0; i < count; i++) {
    const c = codes[i]!;
    swap[lowCounts[c & (RADIX - 1)]!++] = c;
  }
  for (let i = 0; i < count; i++) {
    const c = swap[i]!;
    codes[highCounts[c >>> 11]!++] = c;
  }
  return prefix;
}

/** Encodes grid-shaped states somewhere (a worker thread); undefined from `encode` means "do it inline". */
export interface GridEncoder {
  encode(grid: ReferenceGrid, key: string, values: Float64Array): Promise<string> | undefined;
  /** Starts the work encode() has queued now, instead of when the caller's synchronous code ends. */
  flush?(): void;
}

/**
 * grid shape: a numeric feature of the profile, counted on its grid.
 * Strings and booleans are missing values there, as in the finalizer.
 * Values are kept as they come; encoding codes and sorts them, on the
 * encoder's worker thread when there is one (off the event loop).
 */
export class GridAccumulator implements FeatureAccumulator {
  private values: Float64Array;
  private count = 0;

  /**
   * `size` is shared by the accumulators of one feature: each starts at the
   * size the previous one reached (a checkpoint interval's values of the
   * feature in a window), instead of doubling up from a small array every
   * interval (~1.5x the values in garbage, on the hot path).
   */
  constructor(
    private readonly grid: ReferenceGrid,
    private readonly key: string,
    private readonly encoder?: GridEncoder,
    private readonly size: { last: number } = { last: 64 },
  ) {
    this.values = new Float64Array(size.last);
  }

  add(value: unknown): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) return;
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = value;
  }

  encode(): string | Promise<string> | undefined {
    if (this.count === 0) return undefined;
    this.size.last = Math.min(MAX_START_SIZE, Math.max(64, 2 ** Math.ceil(Math.log2(this.count))));
    const values = this.values.subarray(0, this.count);
    return this.encoder?.encode(this.grid, this.key, values) ?? encodeGridValues(this.grid, this.key, values);
  }
}

/** The largest array a grid accumulator starts with (values; 32 KiB: a late event opening an old window allocates it too). */
const MAX_START_SIZE = 4_096;

/** A varint reader over base64 text. */
function varintReader(text: string): { done: () => boolean; read: () => number } {
  const bytes = Buffer.from(text, 'base64');
  let at = 0;
  return {
    done: () => at >= bytes.length,
    read(): number {
      let value = 0;
      let scale = 1;
      for (;;) {
        if (at >= bytes.length) throw new RangeError('truncated grid codes in a drift chunk');
        const b = bytes[at++]!;
        value += (b & 0x7f) * scale;
        if (b < 0x80) return value;
        scale *= 128;
      }
    },
  };
}

/** Adds a code written at `levels` position levels (the chunk's grid key says which) to counts on the same grid points. */
function addCode(target: GridCounts, written: number, count: number, levels: number): void {
  const code = codeFromLevels(written, levels);
  if (!target.fits(code)) throw new RangeError(`drift chunk code ${written} does not fit its grid of ${target.grid.points.length} points`);
  target.addCode(code, count);
}

/** Adds encoded runs ("r", see encodeGridValues), written at `levels` position levels, into counts on the same grid points. */
function decodeRunsInto(text: string, target: GridCounts, levels: number): void {
  const input = varintReader(text);
  let code = 0;
  while (!input.done()) {
    const head = input.read();
    code += Math.floor(head / 2);
    let count = 1;
    if (head % 2 === 1) {
      count = input.read();
      if (count < 2) throw new RangeError(`drift chunk run of ${count} values flagged as a counted run`);
    }
    addCode(target, code, count, levels);
  }
}

/** Adds the older (step, count) pairs ("s") into counts on the same grid points: chunks written before the run coding. */
function decodeCodesInto(text: string, target: GridCounts, levels: number): void {
  const input = varintReader(text);
  let code = 0;
  while (!input.done()) {
    code += input.read();
    addCode(target, code, input.read(), levels);
  }
}

class VarintWriter {
  private bytes: Uint8Array;
  length = 0;
  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity);
  }
  write(value: number): void {
    if (this.length + 8 > this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2 + 16);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    let v = value;
    while (v >= 0x80) {
      this.bytes[this.length++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.bytes[this.length++] = v;
  }
  base64(): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.length).toString('base64');
  }
}

/** The grid key a chunk state was written against, or undefined for the raw and categories shapes. */
export function gridKeyOf(state: string): string | undefined {
  if (!state.startsWith('{"g":')) return undefined;
  return (JSON.parse(state) as EncodedFeature).g;
}

/**
 * Where a window's encoded states of one feature go: numeric values onto
 * `numeric` (a grid's counts, or exact values), categories into `categorical`.
 * A grid chunk written against another grid (the profile changed while the
 * window was open) is read on its own grid and its values, at their
 * positions there, counted again here: `otherGrids` holds those grids.
 */
export interface DecodeTarget {
  numeric: GridCounts | NumericColumnState;
  categorical: CategoricalColumnState;
  gridKey?: string | undefined;
  otherGrids?: ReadonlyMap<string, ReferenceGrid> | undefined;
}

function addNumericValues(target: DecodeTarget, values: Float64Array): void {
  const numeric = target.numeric;
  if (numeric instanceof GridCounts) for (let i = 0; i < values.length; i++) numeric.addValue(values[i]!);
  else for (let i = 0; i < values.length; i++) addNumeric(numeric, values[i]!);
}

/** Adds one encoded state (any shape) to `target`. Everything is read before anything is added: a state that fails halfway adds nothing. */
export function decodeInto(text: string, target: DecodeTarget): void {
  const parsed = JSON.parse(text) as EncodedFeature;
  const categories = parsed.c ?? [];
  if (!Array.isArray(categories) || !categories.every((e) => Array.isArray(e) && typeof e[0] === 'string' && Number.isInteger(e[1]) && e[1] >= 0)) {
    throw new RangeError('drift chunk categories are not [category, count] pairs');
  }
  const raw = parsed.n ? float64sOf(parsed.n) : undefined;
  let onGrid: GridCounts | undefined;
  let same = false;
  if (parsed.g !== undefined) {
    const levels = gridKeyLevels(parsed.g);
    if (!readableLevels(levels)) throw new RangeError(`drift chunk coded at ${levels} position levels; this version reads ${POSITION_LEVELS} or a finer power of two`);
    // The same grid points at another resolution (a chunk of before the levels changed) are read onto this grid too.
    same = target.numeric instanceof GridCounts && target.gridKey !== undefined && (parsed.g === target.gridKey || gridKeyBase(parsed.g) === gridKeyBase(target.gridKey));
    const grid = same ? (target.numeric as GridCounts).grid : target.otherGrids?.get(parsed.g);
    if (!grid) throw new RangeError(`drift chunk written against grid ${parsed.g}, which is not available`);
    onGrid = new GridCounts(grid);
    if (parsed.r) decodeRunsInto(parsed.r, onGrid, levels);
    if (parsed.s) decodeCodesInto(parsed.s, onGrid, levels);
    if (parsed.t) for (const v of float64sOf(parsed.t)) onGrid.addTail(v);
  }
  for (const [category, count] of categories) addCategory(target.categorical, category, count);
  if (raw) addNumericValues(target, raw);
  if (onGrid && same) (target.numeric as GridCounts).addAll(onGrid);
  else if (onGrid) addNumericValues(target, onGrid.sortedValues());
}
