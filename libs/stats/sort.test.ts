import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sortAscending } from './sort.ts';

/** Deterministic pseudo-random values (inputs only; the expectation is the built-in sort). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function assertSameOrder(actual: Float64Array, expected: Float64Array): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

test('radix sort orders like Float64Array.prototype.sort, including −0, denormals and infinities', () => {
  const random = lcg(7);
  for (const n of [0, 1, 17, 4095, 4096, 50_000]) {
    const values = new Float64Array(n);
    const specials = [-0, 0, Number.MIN_VALUE, -Number.MIN_VALUE, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, 1e-310];
    for (let i = 0; i < n; i++) {
      const r = random();
      values[i] = r < 0.05 ? specials[i % specials.length]! : r < 0.5 ? Math.round((random() - 0.5) * 100) : (random() - 0.5) * 1e6;
    }
    assertSameOrder(sortAscending(values.slice()), values.slice().sort());
  }
});

test('radix sort handles constant and already sorted input', () => {
  assertSameOrder(sortAscending(new Float64Array(10_000).fill(3.5)), new Float64Array(10_000).fill(3.5));
  const ascending = Float64Array.from({ length: 10_000 }, (_, i) => i - 5000);
  assertSameOrder(sortAscending(ascending.slice()), ascending);
});
