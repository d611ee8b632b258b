/**
 * A small, fast, seeded PRNG for generating demo data. Same seed, same
 * stream, on every machine and Node version — which `Math.random` cannot
 * promise — so trained models, reference profiles and tests are reproducible.
 *
 * The generator is xoshiro128** (Blackman & Vigna), 128 bits of state seeded
 * through splitmix32 so that nearby seeds (1, 2, 3…) give unrelated streams.
 * It is not cryptographic.
 */
export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Normal(mean, sd) by Box–Muller; the second variate of each pair is cached. */
  normal(mean?: number, sd?: number): number;
  /** Poisson(lambda) by inversion; meant for small lambda (< ~30). */
  poisson(lambda: number): number;
  /** An index drawn with probability proportional to `weights` (non-negative, not all zero). */
  weightedIndex(weights: readonly number[]): number;
  /** An independent generator derived from this one, for a separate stream (e.g. labels vs rows). */
  fork(): Rng;
}

/** Creates a generator from a 32-bit integer seed (other numbers are truncated to 32 bits). */
export function createRng(seed: number): Rng {
  let sm = seed >>> 0;
  const splitmix32 = (): number => {
    sm = (sm + 0x9e3779b9) >>> 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const s = new Uint32Array([splitmix32(), splitmix32(), splitmix32(), splitmix32()]);
  // An all-zero state is the one fixed point of xoshiro; splitmix32 cannot produce four zeros, but be explicit.
  if (s[0] === 0 && s[1] === 0 && s[2] === 0 && s[3] === 0) s[0] = 1;
  return fromState(s);
}

function fromState(s: Uint32Array): Rng {
  let spare: number | undefined;

  const nextUint32 = (): number => {
    const s0 = s[0]!, s1 = s[1]!, s2 = s[2]!, s3 = s[3]!;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s[2] = s2 ^ s0;
    s[3] = s3 ^ s1;
    s[1] = s1 ^ s[2]!;
    s[0] = s0 ^ s[3]!;
    s[2] = s[2]! ^ t;
    s[3] = rotl(s[3]!, 11);
    return result;
  };
  const next = (): number => nextUint32() / 4294967296;

  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    normal(mean = 0, sd = 1) {
      if (spare !== undefined) {
        const z = spare;
        spare = undefined;
        return mean + sd * z;
      }
      // 1 - next() is in (0, 1], so the log is finite.
      const r = Math.sqrt(-2 * Math.log(1 - next()));
      const theta = 2 * Math.PI * next();
      spare = r * Math.sin(theta);
      return mean + sd * r * Math.cos(theta);
    },
    poisson(lambda) {
      if (!(lambda >= 0)) throw new RangeError(`poisson: lambda must be >= 0, got ${lambda}`);
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = next();
      while (p > limit) {
        k += 1;
        p *= next();
      }
      return k;
    },
    weightedIndex(weights) {
      let total = 0;
      for (const w of weights) {
        if (!(w >= 0)) throw new RangeError(`weightedIndex: weights must be >= 0, got ${w}`);
        total += w;
      }
      if (total <= 0) throw new RangeError('weightedIndex: weights must not all be zero');
      let u = next() * total;
      for (let i = 0; i < weights.length; i++) {
        u -= weights[i]!;
        if (u < 0) return i;
      }
      // Rounding can leave u at exactly 0 after the loop: give the last positive weight.
      for (let i = weights.length - 1; i >= 0; i--) if (weights[i]! > 0) return i;
      return weights.length - 1;
    },
    fork() {
      return fromState(new Uint32Array([nextUint32(), nextUint32(), nextUint32(), nextUint32() | 1]));
    },
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
