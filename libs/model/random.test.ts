import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from './random.ts';

const draw = (seed: number, n: number): number[] => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.next());
};

function meanVar(xs: number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, variance: xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length };
}

test('the same seed gives the same stream; nearby seeds give unrelated ones', () => {
  assert.deepEqual(draw(42, 100), draw(42, 100));
  const a = draw(1, 1000);
  const b = draw(2, 1000);
  assert.notDeepEqual(a, b);
  // Correlation of consecutive seeds' streams is ~0 (|r| < 4/sqrt(n) is far beyond chance here).
  const ma = meanVar(a), mb = meanVar(b);
  const cov = a.reduce((s, x, i) => s + (x - ma.mean) * (b[i]! - mb.mean), 0) / a.length;
  assert.ok(Math.abs(cov / Math.sqrt(ma.variance * mb.variance)) < 4 / Math.sqrt(a.length));
});

test('uniform draws lie in [0, 1) with mean 1/2 and variance 1/12', () => {
  const xs = draw(7, 100_000);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const { mean, variance } = meanVar(xs);
  assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1 / 12) < 0.002, `variance ${variance}`);
  // Each tenth of [0,1) gets its share (10,000 ± 4 sd of a binomial).
  const counts = new Array(10).fill(0);
  for (const x of xs) counts[Math.floor(x * 10)] += 1;
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 4 * Math.sqrt(100_000 * 0.1 * 0.9), `decile count ${c}`);
});

test('normal(mean, sd) has the right moments and tails', () => {
  const rng = createRng(3);
  const xs = Array.from({ length: 100_000 }, () => rng.normal(10, 2));
  const { mean, variance } = meanVar(xs);
  assert.ok(Math.abs(mean - 10) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 4) < 0.08, `variance ${variance}`);
  // P(|Z| > 1.96) = 5%.
  const tail = xs.filter((x) => Math.abs(x - 10) > 1.96 * 2).length / xs.length;
  assert.ok(Math.abs(tail - 0.05) < 0.004, `tail ${tail}`);
});

test('poisson(lambda) has mean and variance lambda', () => {
  const rng = createRng(5);
  const xs = Array.from({ length: 50_000 }, () => rng.poisson(1.7));
  assert.ok(xs.every((x) => Number.isInteger(x) && x >= 0));
  const { mean, variance } = meanVar(xs);
  assert.ok(Math.abs(mean - 1.7) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1.7) < 0.06, `variance ${variance}`);
  assert.equal(rng.poisson(0), 0);
  assert.throws(() => rng.poisson(-1), RangeError);
});

test('weightedIndex follows the weights and never picks a zero weight', () => {
  const rng = createRng(9);
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 40_000; i++) counts[rng.weightedIndex([1, 0, 3, 4])]! += 1;
  assert.equal(counts[1], 0);
  assert.ok(Math.abs(counts[0]! / 40_000 - 0.125) < 0.01);
  assert.ok(Math.abs(counts[2]! / 40_000 - 0.375) < 0.01);
  assert.ok(Math.abs(counts[3]! / 40_000 - 0.5) < 0.01);
  assert.throws(() => rng.weightedIndex([0, 0]), RangeError);
  assert.throws(() => rng.weightedIndex([1, -1]), RangeError);
});

test('fork gives a reproducible stream that differs from its parent', () => {
  const a = createRng(11);
  const b = createRng(11);
  const fa = a.fork();
  const fb = b.fork();
  const xs = Array.from({ length: 50 }, () => fa.next());
  assert.deepEqual(xs, Array.from({ length: 50 }, () => fb.next()));
  assert.notDeepEqual(xs, Array.from({ length: 50 }, () => a.next()));
});
