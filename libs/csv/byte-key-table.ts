/**
 * Open-addressing hash table from a cell's raw bytes to an integer code, so
 * a categorical cell costs a hash and a byte compare instead of a decoded
 * string and a Map lookup. Keys live in one growing byte arena; the table
 * doubles at half load. Only the column builder uses it.
 */

const EMPTY = -2;

/** FNV-1a over bytes [start, end): the hash {@link ByteKeyTable} expects. */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h;
}

/** Byte-string → code map; see module doc. */
export class ByteKeyTable {
  private mask = 255;
  private codes = new Int32Array(256).fill(EMPTY);
  private hashes = new Int32Array(256);
  private offsets = new Int32Array(256);
  private lengths = new Int32Array(256);
  private arena = new Uint8Array(4096);
  private arenaUsed = 0;
  private size = 0;

  /** The code stored for bytes [start, end) with hash `hash`, or undefined. */
  get(buf: Uint8Array, start: number, end: number, hash: number): number | undefined {
    const length = end - start;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const code = this.codes[slot]!;
      if (code === EMPTY) return undefined;
      if (this.hashes[slot] === hash && this.lengths[slot] === length && this.sameBytes(slot, buf, start, length)) return code;
    }
  }

  /** Stores `code` for bytes [start, end) (which must not be present yet). */
  set(buf: Uint8Array, start: number, end: number, hash: number, code: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const length = end - start;
    if (this.arenaUsed + length > this.arena.length) {
      const arena = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + length));
      arena.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = arena;
    }
    this.arena.set(buf.subarray(start, end), this.arenaUsed);
    this.place(hash, code, this.arenaUsed, length);
    this.arenaUsed += length;
    this.size++;
  }

  private sameBytes(slot: number, buf: Uint8Array, start: number, length: number): boolean {
    const offset = this.offsets[slot]!;
    for (let k = 0; k < length; k++) if (this.arena[offset + k] !== buf[start + k]) return false;
    return true;
  }

  private place(hash: number, code: number, offset: number, length: number): void {
    let slot = hash & this.mask;
    while (this.codes[slot] !== EMPTY) slot = (slot + 1) & this.mask;
    this.codes[slot] = code;
    this.hashes[slot] = hash;
    this.offsets[slot] = offset;
    this.lengths[slot] = length;
  }

  private grow(): void {
    const { codes, hashes, offsets, lengths } = this;
    const capacity = (this.mask + 1) * 2;
    this.mask = capacity - 1;
    this.codes = new Int32Array(capacity).fill(EMPTY);
    this.hashes = new Int32Array(capacity);
    this.offsets = new Int32Array(capacity);
    this.lengths = new Int32Array(capacity);
    for (let slot = 0; slot < codes.length; slot++) {
      if (codes[slot] !== EMPTY) this.place(hashes[slot]!, codes[slot]!, offsets[slot]!, lengths[slot]!);
    }
  }
}
