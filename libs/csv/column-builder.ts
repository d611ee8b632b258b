/**
 * Accumulates one CSV column, row by row, into compact typed storage:
 * a growable Float64Array while every cell is a number (NaN marks a missing
 * cell), or dictionary-encoded Int32Array codes (−1 marks a missing cell)
 * once a cell is not a number or the column is forced categorical.
 *
 * The switch happens at most once per column and costs one pass over the
 * rows seen so far: earlier numbers become categories keyed by their
 * canonical text `String(value)`. To keep one rule for the whole column,
 * every number-looking cell of an inferred-categorical column is keyed the
 * same way, so "1.50", "1.5" and "+1.5" are one category. Forced-categorical
 * columns keep every cell's exact text.
 *
 * Categorical cells arriving as bytes are looked up by their raw bytes
 * (./byte-key-table.ts): a string is decoded once per distinct spelling,
 * not once per cell.
 */
import { ByteKeyTable, hashBytes } from './byte-key-table.ts';
import { isMissingBytes, isMissingText, parseNumberBytes, parseNumberText } from './cell-values.ts';

/** A column every non-missing cell of which is a finite number. */
export interface NumericColumn {
  name: string;
  kind: 'numerical';
  /** One value per row; NaN where the cell was missing. */
  values: Float64Array;
  missing: number;
}

/** A dictionary-encoded categorical column. */
export interface CategoricalColumn {
  name: string;
  kind: 'categorical';
  /** One code per row, indexing `categories`; −1 where the cell was missing. */
  codes: Int32Array;
  categories: string[];
  missing: number;
}

/** A loaded column. */
export type LoadedColumn = NumericColumn | CategoricalColumn;

const INITIAL_CAPACITY = 1024;
const utf8 = new TextDecoder();

/** Builds one column; see module doc. */
export class ColumnBuilder {
  readonly name: string;
  private readonly forcedCategorical: boolean;
  private numeric: boolean;
  private values: Float64Array;
  private codes: Int32Array;
  private readonly ids = new Map<string, number>();
  private readonly byteCodes = new ByteKeyTable();
  private readonly categories: string[] = [];
  private length = 0;
  private missing = 0;

  constructor(name: string, options: { categorical?: boolean; capacity?: number } = {}) {
    this.name = name;
    this.forcedCategorical = options.categorical ?? false;
    this.numeric = !this.forcedCategorical;
    const capacity = Math.max(INITIAL_CAPACITY, options.capacity ?? 0);
    this.values = this.numeric ? new Float64Array(capacity) : new Float64Array(0);
    this.codes = this.numeric ? new Int32Array(0) : new Int32Array(capacity);
  }

  /** Appends the cell spelled by bytes [start, end) of `buf` (UTF-8). */
  pushBytes(buf: Uint8Array, start: number, end: number): void {
    if (this.numeric) {
      const value = parseNumberBytes(buf, start, end);
      if (value === value) return this.pushNumber(value);
      if (isMissingBytes(buf, start, end)) return this.pushNumber(NaN);
      this.switchToCategorical();
    }
    this.pushCategoricalBytes(buf, start, end, hashBytes(buf, start, end));
  }

  /**
   * Appends a cell known to be a number (NaN: missing) — the fast path's
   * shortcut while {@link isNumeric}.
   */
  pushNumber(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    if (value !== value) this.missing++;
    this.values[this.length++] = value;
  }

  /** Appends a cell of a categorical column by its bytes and their {@link hashBytes}. */
  pushCategoricalBytes(buf: Uint8Array, start: number, end: number, hash: number): void {
    let code = this.byteCodes.get(buf, start, end, hash);
    if (code === undefined) {
      code = this.codeOfNewSpelling(buf, start, end);
      this.byteCodes.set(buf, start, end, hash, code);
    }
    this.pushCode(code);
  }

  /** Appends a cell given as a string (cells parsed by csv-parse). */
  pushText(text: string): void {
    if (this.numeric) {
      const value = parseNumberText(text);
      if (value === value) return this.pushNumber(value);
      if (isMissingText(text)) return this.pushNumber(NaN);
      this.switchToCategorical();
    }
    if (isMissingText(text)) return this.pushCode(-1);
    if (!this.forcedCategorical) {
      const value = parseNumberText(text);
      if (value === value) return this.pushCode(this.idOf(String(value)));
    }
    this.pushCode(this.idOf(text));
  }

  /** Whether the column is still numeric. */
  get isNumeric(): boolean {
    return this.numeric;
  }

  /** Rows appended so far. */
  get rows(): number {
    return this.length;
  }

  /** The finished column (storage trimmed to the row count, no copy). */
  finish(): LoadedColumn {
    if (this.numeric) {
      return { name: this.name, kind: 'numerical', values: this.values.subarray(0, this.length), missing: this.missing };
    }
    return {
      name: this.name,
      kind: 'categorical',
      codes: this.codes.subarray(0, this.length),
      categories: this.categories,
      missing: this.missing,
    };
  }

  /** Code of a spelling not seen before: missing (−1), a number's canonical key, or the text. */
  private codeOfNewSpelling(buf: Uint8Array, start: number, end: number): number {
    if (isMissingBytes(buf, start, end)) return -1;
    if (!this.forcedCategorical) {
      const value = parseNumberBytes(buf, start, end);
      if (value === value) return this.idOf(String(value));
    }
    return this.idOf(utf8.decode(buf.subarray(start, end)));
  }

  private pushCode(code: number): void {
    if (this.length === this.codes.length) {
      const grown = new Int32Array(Math.max(INITIAL_CAPACITY, this.codes.length * 2));
      grown.set(this.codes);
      this.codes = grown;
    }
    if (code < 0) this.missing++;
    this.codes[this.length++] = code;
  }

  private idOf(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.categories.length;
      this.ids.set(key, id);
      this.categories.push(key);
    }
    return id;
  }

  /** Re-encodes the numbers seen so far as categories (once per column). */
  private switchToCategorical(): void {
    const codes = new Int32Array(Math.max(INITIAL_CAPACITY, this.values.length));
    for (let i = 0; i < this.length; i++) {
      const value = this.values[i]!;
      codes[i] = value === value ? this.idOf(String(value)) : -1;
    }
    this.codes = codes;
    this.values = new Float64Array(0);
    this.numeric = false;
  }
}
