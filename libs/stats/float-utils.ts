/**
 * Small IEEE-754 helpers the special functions need and JavaScript lacks.
 */

/** x·2^exponent without the intermediate overflow/underflow of `x * 2 ** exponent`. */
export function ldexp(x: number, exponent: number): number {
  let e = exponent;
  let y = x;
  // 2^±1000 are finite; stepping keeps every intermediate representable.
  while (e > 1000) {
    y *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    y *= 2 ** -1000;
    e += 1000;
  }
  return y * 2 ** e;
}

/** Clamps a probability to [0, 1]; NaN stays NaN. */
export function clipProbability(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/** Rounds half to even, as `np.round` does (Math.round rounds half up). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round(2.5) = 3: step back to the even neighbour on exact ties.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Dekker split of a double into two halves whose products are exact. */
function split(a: number): [number, number] {
  const c = 134217729 * a; // 2^27 + 1
  const hi = c - (c - a);
  return [hi, a - hi];
}

/** The rounding error of the product p = fl(a·b): a·b = p + twoProductError(a, b, p) exactly. */
export function twoProductError(a: number, b: number, p: number): number {
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** log(1+x) − x, accurate for small |x| (cephes `log1pmx`). */
export function log1pmx(x: number): number {
  if (Math.abs(x) < 0.5) {
    let xfac = x;
    let result = 0;
    for (let n = 2; n < 500; n++) {
      xfac *= -x;
      const term = xfac / n;
      result += term;
      if (Math.abs(term) < MACHEP * Math.abs(result)) break;
    }
    return result;
  }
  return Math.log1p(x) - x;
}

/** Cephes' machine epsilon, 2^-53. */
export const MACHEP = 1.11022302462515654042e-16;
/** ln of the largest double (cephes MAXLOG). */
export const MAXLOG = 7.09782712893383996732e2;
/** ln of the smallest denormal (cephes MINLOG). */
export const MINLOG = -7.451332191019412076235e2;
