/**
 * A token bucket: `ratePerSec` tokens per second, at most `capacity` saved
 * up. Pure over the clock it is given, so tests drive it with a fake one.
 */
export interface TokenBucket {
  /** Takes `n` tokens (n ≤ capacity) and returns 0, or returns the ms to wait before they are there (taking nothing). */
  tryTake(n: number): number;
}

export function createTokenBucket(options: { ratePerSec: number; capacity: number; clock: () => number }): TokenBucket {
  const { ratePerSec, capacity, clock } = options;
  if (!(ratePerSec > 0)) throw new RangeError(`token bucket: ratePerSec must be > 0, got ${ratePerSec}`);
  if (!(capacity >= 1)) throw new RangeError(`token bucket: capacity must be >= 1, got ${capacity}`);
  let tokens = capacity;
  let last = clock();
  return {
    tryTake(n) {
      const want = Math.min(n, capacity);
      const now = clock();
      tokens = Math.min(capacity, tokens + ((now - last) * ratePerSec) / 1000);
      last = now;
      if (tokens >= want) {
        tokens -= want;
        return 0;
      }
      return Math.max(1, Math.ceil(((want - tokens) * 1000) / ratePerSec));
    },
  };
}
