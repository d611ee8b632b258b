/**
 * CSV files must be UTF-8 (see ./column-reader.ts). The splitter decodes
 * cells leniently, so without a check a Latin-1 file would load with every
 * accented category turned into U+FFFD — 'Zürich' and 'Zärich' silently
 * becoming one category. This guard validates the raw chunks as they are
 * read (node's native isUtf8, so the cost is a fraction of the parse), and
 * on the first invalid byte finds its line and column for the error.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';

const EMPTY = new Uint8Array(0);

/** Bytes a UTF-8 sequence starting with `lead` has in all (1 for a byte that cannot start one). */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

/** Index of the first byte of `bytes` that is not part of valid UTF-8 (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const n = sequenceLength(b);
    if (n === 1 || i + n > bytes.length) return i;
    const b1 = bytes[i + 1]!;
    // The second byte's range depends on the lead (excludes overlongs and surrogates).
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k < n; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += n;
  }
  return -1;
}

/** Validates a byte stream chunk by chunk; a sequence cut by a chunk boundary is completed by the next chunk. */
export class Utf8Guard {
  private carry: Uint8Array = EMPTY;
  /** Bytes validated so far (not counting the carry). */
  private offset = 0;

  /** Checks the next chunk (`final`: no more follow). Returns the file offset of the first invalid byte, or -1. */
  check(chunk: Uint8Array | undefined, final: boolean): number {
    const data = this.carry.length === 0 ? (chunk ?? EMPTY) : Buffer.concat([this.carry, chunk ?? EMPTY]);
    let tail = 0;
    if (!final) {
      // Hold back an incomplete sequence at the end (at most 3 bytes).
      for (let i = 1; i <= Math.min(3, data.length); i++) {
        const b = data[data.length - i]!;
        if ((b & 0xc0) === 0x80) continue;
        if (sequenceLength(b) > i) tail = i;
        break;
      }
    }
    const body = data.subarray(0, data.length - tail);
    if (!isUtf8(body)) return this.offset + firstInvalidUtf8(body);
    this.offset += body.length;
    this.carry = data.subarray(data.length - tail);
    return -1;
  }
}

/**
 * Where a byte offset of a file is: 1-based line, 0-based byte in the line,
 * the line's bytes before it, and the first line's bytes (each kept up to
 * 64 KiB, else null).
 */
export async function bytePosition(path: string, offset: number): Promise<{ line: number; column: number; before: Buffer | null; firstLine: Buffer | null }> {
  let line = 1;
  let lineStart = 0;
  let pos = 0;
  let prefix: Buffer[] = [];
  let prefixBytes = 0;
  let firstLine: Buffer | null = null;
  const LIMIT = 64 * 1024;
  for await (const chunk of createReadStream(path, { start: 0, end: Math.max(0, offset - 1) }) as AsyncIterable<Buffer>) {
    if (offset === 0) break;
    let from = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, nl + 1)) {
      if (line === 1) firstLine = prefixBytes + nl <= LIMIT ? Buffer.concat([...prefix, chunk.subarray(0, nl)]) : null;
      line++;
      lineStart = pos + nl + 1;
      from = nl + 1;
      prefix = [];
      prefixBytes = 0;
    }
    if (prefixBytes <= LIMIT) {
      prefix.push(chunk.subarray(from));
      prefixBytes += chunk.length - from;
    }
    pos += chunk.length;
  }
  const before = prefixBytes <= LIMIT ? Buffer.concat(prefix) : null;
  return { line, column: offset - lineStart, before, firstLine: line === 1 ? before : firstLine };
}
