/**
 * The seeded randomness behind every fuzz test of test/reliability: one
 * seed (RELIABILITY_SEED, printed by each test) reproduces every generated
 * input exactly. Built on the simulators' mulberry32.
 */
import { mulberry32 } from '../../../simulators/prediction-generator.ts';

/** The suite's seed: RELIABILITY_SEED, or a fixed default so CI runs are reproducible. */
export const RELIABILITY_SEED = Number(process.env.RELIABILITY_SEED ?? 20_260_409);

/** Characters that break parsers, quoting, SQL and terminals. */
const NASTY = ['"', "'", '\\', ',', ';', '\n', '\r', '\t', '\u0000', '\u001f', '\u2028', '\u202e', '\ufeff', '\ud83d\ude00', 'é', '{', '}', '[', ']', '<', '>', '&', '%', '$', '`', '/'];

export class FuzzRandom {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** A short string mixing letters and characters that break parsers. */
  nastyString(maxLength = 12): string {
    let s = '';
    const n = 1 + this.int(maxLength);
    for (let i = 0; i < n; i++) s += this.chance(0.5) ? String.fromCharCode(97 + this.int(26)) : this.pick(NASTY);
    return s;
  }

  /** Random bytes (any value, so usually not UTF-8). */
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  /** A random JSON value, nested up to `depth` levels. */
  json(depth: number): unknown {
    const kind = depth <= 0 ? this.int(6) : this.int(8);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, -0, 946_684_799_999, 4_102_444_800_001, 1_700_000_000]);
      case 3:
        return this.nastyString();
      case 4:
        return '';
      case 5:
        return this.int(1_000_000);
      case 6:
        return Array.from({ length: this.int(4) }, () => this.json(depth - 1));
      default:
        return Object.fromEntries(Array.from({ length: this.int(4) }, () => [this.nastyString(6), this.json(depth - 1)]));
    }
  }
}
