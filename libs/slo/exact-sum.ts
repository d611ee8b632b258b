/**
 * An exact running sum of integers, for sums that must merge bit-identically
 * in any grouping. Float addition is not associative — (a + b) + c can differ
 * from a + (b + c) in the last bit — so N partitions summing latencies in
 * floats would not reproduce one pass. Integers added exactly are.
 *
 * The hot path stays in a plain number (exact while |small| ≤ 2^53) and
 * spills into a BigInt only when it grows past 2^52, so `add` costs no
 * allocation in practice.
 */
const SPILL = 2 ** 52;

/** An exact, mergeable integer sum. */
export class ExactSum {
  private big = 0n;
  private small = 0;

  /** Adds an integer (a safe integer or any integer-valued double). */
  add(units: number): void {
    if (!Number.isInteger(units)) throw new RangeError(`ExactSum.add expects an integer, got ${units}`);
    if (units > SPILL || units < -SPILL) {
      this.big += BigInt(units);
      return;
    }
    // |small| ≤ 2^52 and |units| ≤ 2^52, so this addition is exact.
    const next = this.small + units;
    if (next > SPILL || next < -SPILL) {
      this.big += BigInt(next);
      this.small = 0;
    } else this.small = next;
  }

  /** Adds an integer given as a bigint. */
  addBig(units: bigint): void {
    this.big += units;
  }

  /** Adds another sum's total. */
  addSum(other: ExactSum): void {
    this.big += other.total();
  }

  /** The exact total. */
  total(): bigint {
    return this.big + BigInt(this.small);
  }

  /** The total as the nearest double. */
  toNumber(): number {
    return this.big === 0n ? this.small : Number(this.total());
  }

  /** Decimal text of the total: JSON-safe and exact at any size. */
  toString(): string {
    return this.total().toString();
  }

  /** A sum holding `total` (decimal text or bigint); throws on anything else. */
  static of(total: string | bigint): ExactSum {
    const sum = new ExactSum();
    if (typeof total === 'string' && !/^-?\d{1,400}$/.test(total)) throw new RangeError(`not an integer: ${JSON.stringify(total.slice(0, 40))}`);
    sum.big = typeof total === 'bigint' ? total : BigInt(total);
    return sum;
  }
}
