import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outerProbInsideMethod } from './ks-exact.ts';

/**
 * The recursion as scipy writes it (`_compute_outer_prob_inside_method`):
 * one column at a time over a sliding window of the band. The wavefront
 * in ks-exact.ts must give the same bits; scipy's own numbers are checked
 * in ks.test.ts.
 */
function columnByColumn(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const a = new Float64Array(Math.min(2 * maxj + 2, n + 1)).fill(1);
  a.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (a[jj + minj - lastminj]! * i + val * j) / (i + j);
      a[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) a.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return a[maxj - minj - 1]!;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

function check(na: number, nb: number, h: number): void {
  const g = gcd(na, nb);
  const expected = columnByColumn(na, nb, g, h);
  const actual = outerProbInsideMethod(na, nb, g, h);
  assert.ok(Object.is(actual, expected), `m=${na} n=${nb} h=${h}: ${actual} where the column loop gives ${expected}`);
}

test('the wavefront gives the column loop\'s bits: every h of small samples', () => {
  // Every band width, sizes 1…24 both ways round: bands narrower than the four columns, bands that start mid-wavefront, the 1 of a path forced out.
  for (let na = 1; na <= 24; na++) {
    for (let nb = 1; nb <= 24; nb++) {
      if (na === nb) continue;
      const lcm = (na / gcd(na, nb)) * nb;
      for (let h = 1; h <= lcm; h++) check(na, nb, h);
    }
  }
});

test('the wavefront gives the column loop\'s bits: windows of drift-finalizer size', () => {
  let seed = 5;
  const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  for (let t = 0; t < 60; t++) {
    const na = 1 + Math.floor(next() * 3000);
    const nb = 1 + Math.floor(next() * 3000);
    if (na === nb) continue;
    const lcm = (na / gcd(na, nb)) * nb;
    // D from 0.001 to ~0.3: no drift to strong drift.
    check(na, nb, Math.max(1, Math.round(lcm * 0.3 * next() ** 2)));
  }
  // The processors benchmark's windows: 3,333 values against a 5,000-value sample, unshifted (D ≈ 0.02) and shifted (D ≈ 0.2).
  for (const d of [0.02, 0.2]) check(3333, 5000, Math.round(d * 3333 * 5000));
});
