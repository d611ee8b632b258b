/**
 * Durbin's matrix algorithm for the CDF of the two-sided one-sample KS
 * statistic, P(D_n ≤ d), in Marsaglia–Tsang–Wang's form — a port of scipy's
 * `_kolmogn_DMTW` (scipy/stats/_ksstats.py). Cost O(m³ log n) with
 * m = 2⌈nd⌉ − 1, so scipy (and we) use it only where nd is small.
 */
import { ldexp } from './float-utils.ts';

const E128 = 128;
const EP128 = 2 ** 128;
const EM128 = 2 ** -128;

/** Square m×m matrices stored row-major in Float64Array. */
function multiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j]! += aik * b[k * m + j]!;
    }
  }
  return out;
}

/** P(D_n ≤ d) by the Durbin/MTW matrix power, unclipped as scipy's helper returns it before selection. */
export function kolmogorovCdfDurbin(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;

  // v: first column (and reversed last row) of H; w[j] = 1/j!.
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;

  let hMatrix: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) hMatrix[r * m + i] = w[r - (i - 1)]!;
  }
  for (let r = 0; r < m; r++) hMatrix[r * m] = v[r]!;
  for (let c = 0; c < m; c++) hMatrix[(m - 1) * m + c] = v[m - 1 - c]!;

  // Binary powering of H with a separate power-of-two exponent for scaling.
  let power: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) power[i * m + i] = 1;
  let nn = n;
  let exponent = 0;
  let hExponent = 0;
  while (nn > 0) {
    if (nn % 2) {
      power = multiply(power, hMatrix, m);
      exponent += hExponent;
    }
    hMatrix = multiply(hMatrix, hMatrix, m);
    hExponent *= 2;
    if (Math.abs(hMatrix[(k - 1) * m + (k - 1)]!) > EP128) {
      for (let i = 0; i < hMatrix.length; i++) hMatrix[i]! /= EP128;
      hExponent += E128;
    }
    nn = Math.floor(nn / 2);
  }

  let p = power[(k - 1) * m + (k - 1)]!;
  // Multiply by n!/n^n, rescaling to stay out of the denormals.
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= EP128;
      exponent -= E128;
    }
  }
  return exponent !== 0 ? ldexp(p, exponent) : p;
}
