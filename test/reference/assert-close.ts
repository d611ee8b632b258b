/**
 * Tolerances the tests hold Driftline to against numpy/scipy:
 * statistics 1e-9 relative, p-values 1e-6 relative or 1e-12 absolute.
 */
import assert from 'node:assert/strict';

/** |actual − expected| ≤ rel·|expected| + abs. */
export function assertClose(actual: number, expected: number, rel: number, abs: number, label: string): void {
  const ok = actual === expected || Math.abs(actual - expected) <= rel * Math.abs(expected) + abs;
  assert.ok(ok, `${label}: got ${actual}, expected ${expected} (rel ${rel}, abs ${abs})`);
}

/** A statistic: 1e-9 relative (plus 1e-15 absolute, for values that are 0 up to rounding). */
export function assertStatistic(actual: number, expected: number, label: string): void {
  assertClose(actual, expected, 1e-9, 1e-15, label);
}

/** A p-value: within 1e-6 relative or 1e-12 absolute. */
export function assertPValue(actual: number, expected: number, label: string): void {
  const ok = Math.abs(actual - expected) <= 1e-12 || Math.abs(actual - expected) <= 1e-6 * Math.abs(expected);
  assert.ok(ok, `${label}: p-value ${actual}, expected ${expected}`);
}
