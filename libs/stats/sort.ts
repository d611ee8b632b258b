/**
 * Ascending sort of NaN-free Float64Array samples, in place.
 *
 * Large samples use an LSD radix sort over the IEEE-754 bit patterns: four
 * 16-bit digits, a pass skipped when every key shares its digit. On a
 * million doubles it takes about half the time of
 * `Float64Array.prototype.sort`, and a drift report sorts two columns per
 * numeric feature. The order is the built-in sort's (−0 before +0).
 */

/** Below this length the built-in sort wins (each radix pass has a fixed cost). */
const RADIX_MIN_LENGTH = 4096;
const DIGIT_BITS = 16;
const RADIX = 1 << DIGIT_BITS;
const MASK = RADIX - 1;

/** Scratch buffer reused across calls (grown on demand). */
let scratch = new Uint32Array(0);

/** One stable counting-sort pass on the digit at `shift` of half `word` (0 = lo, 1 = hi). */
function scatter(from: Uint32Array, to: Uint32Array, offsets: Uint32Array, base: number, word: number, shift: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const lo = from[2 * i]!;
    const hi = from[2 * i + 1]!;
    const digit = ((word === 0 ? lo : hi) >>> shift) & MASK;
    const position = offsets[base + digit]!++;
    to[2 * position] = lo;
    to[2 * position + 1] = hi;
  }
}

/**
 * Sorts `values` ascending in place and returns it. Values must not be NaN
 * (the statistics exclude missing values before sorting).
 */
export function sortAscending(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < RADIX_MIN_LENGTH) return values.sort();
  // Work on 32-bit halves: moving doubles through Float64Array could
  // canonicalise bit patterns that read as NaN (the key of −0 is one).
  const keys = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  const offsets = new Uint32Array(4 * RADIX);
  // Map each double to an unsigned key with the same order (all bits
  // flipped for negatives, the sign bit for the rest) and count digits.
  for (let i = 0; i < n; i++) {
    let lo = keys[2 * i]!;
    let hi = keys[2 * i + 1]!;
    if (hi & 0x80000000) {
      hi = ~hi >>> 0;
      lo = ~lo >>> 0;
    } else {
      hi = (hi | 0x80000000) >>> 0;
    }
    keys[2 * i] = lo;
    keys[2 * i + 1] = hi;
    offsets[lo & MASK]!++;
    offsets[RADIX + (lo >>> 16)]!++;
    offsets[2 * RADIX + (hi & MASK)]!++;
    offsets[3 * RADIX + (hi >>> 16)]!++;
  }
  if (scratch.length < n * 2) scratch = new Uint32Array(n * 2);
  let from: Uint32Array = keys;
  let to: Uint32Array = scratch.subarray(0, n * 2);
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * RADIX;
    let used = 0;
    let total = 0;
    for (let d = 0; d < RADIX; d++) {
      const count = offsets[base + d]!;
      if (count !== 0) used++;
      offsets[base + d] = total;
      total += count;
    }
    if (used === 1) continue; // every key shares this digit
    scatter(from, to, offsets, base, pass >> 1, (pass & 1) * DIGIT_BITS, n);
    [from, to] = [to, from];
  }
  // Undo the mapping, copying back from the scratch buffer in the same pass.
  for (let i = 0; i < n; i++) {
    const lo = from[2 * i]!;
    const hi = from[2 * i + 1]!;
    if (hi & 0x80000000) {
      keys[2 * i] = lo;
      keys[2 * i + 1] = (hi & 0x7fffffff) >>> 0;
    } else {
      keys[2 * i] = ~lo >>> 0;
      keys[2 * i + 1] = ~hi >>> 0;
    }
  }
  return values;
}
