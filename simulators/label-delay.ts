import type { Rng } from '../libs/model/random.ts';
import type { DelayDistribution } from './scenario-schema.ts';

/**
 * Draws one label delay in scenario-clock ms. Exactly two uniform draws per
 * call whatever the distribution, so changing the distribution mid-run does
 * not shift the other streams.
 *
 * - fixed: always `delay`
 * - exponential: mean `mean` (inversion: −mean·ln(1 − u))
 * - lognormal: median `median`, shape `sigma` (median·exp(sigma·z), z standard normal by Box–Muller)
 */
export function sampleDelayMs(distribution: DelayDistribution, rng: Rng): number {
  const u1 = rng.next();
  const u2 = rng.next();
  switch (distribution.kind) {
    case 'fixed':
      return distribution.delay;
    case 'exponential':
      return -distribution.mean * Math.log(1 - u1);
    case 'lognormal': {
      // 1 − u1 is in (0, 1], so the log is finite.
      const z = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
      return distribution.median * Math.exp(distribution.sigma * z);
    }
  }
}
