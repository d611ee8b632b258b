import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { hasCode } from '../errors/errors.ts';
import { LatencySketch } from './latency-sketch.ts';

/**
 * numpy draws the samples and computes the exact quantiles with
 * method='lower' (x₍⌊q·(n−1)⌋₎, the documented convention), so the expected
 * values share no code with the sketch. json.dumps writes floats with repr,
 * which JSON.parse reads back to the same doubles.
 */
const QS = [0, 0.5, 0.9, 0.95, 0.99, 0.999, 1];
const NUMPY = `
import json, math, sys
import numpy as np
rng = np.random.default_rng(20240605)
n = 40000
samples = {
  "lognormal": rng.lognormal(mean=3.0, sigma=1.0, size=n),
  "bimodal": np.abs(np.concatenate([rng.normal(20, 3, size=n * 7 // 10), rng.normal(300, 40, size=n - n * 7 // 10)])),
  "pareto_with_zeros": np.concatenate([(rng.pareto(1.5, size=n - 400) + 1) * 0.5, np.zeros(400)]),
}
qs = ${JSON.stringify(QS)}
out = {}
for name, x in samples.items():
  rng.shuffle(x)
  out[name] = {
    "values": x.tolist(),
    "quantiles": [float(np.quantile(x, q, method="lower")) for q in qs],
    "sum": math.fsum(x), "min": float(x.min()), "max": float(x.max()),
  }
json.dump(out, sys.stdout)
`;

interface Case {
  values: number[];
  quantiles: number[];
  sum: number;
  min: number;
  max: number;
}

function numpyCases(): Record<string, Case> {
  const result = spawnSync('python3', ['-c', NUMPY], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`numpy reference failed: ${result.stderr || result.error?.message}`);
  return JSON.parse(result.stdout) as Record<string, Case>;
}

function sketchOf(values: readonly number[], alpha?: number): LatencySketch {
  const sketch = new LatencySketch(alpha);
  for (const v of values) sketch.add(v);
  return sketch;
}

const serialize = (s: LatencySketch) => JSON.stringify(s.toJSON());

describe('LatencySketch', () => {
  const cases = numpyCases();

  for (const [name, data] of Object.entries(cases)) {
    for (const alpha of [0.01, 0.002, 0.05]) {
      it(`${name}, α=${alpha}: every quantile within α of numpy's exact lower quantile`, () => {
        const sketch = sketchOf(data.values, alpha);
        const estimates = sketch.quantiles(QS);
        QS.forEach((q, i) => {
          const exact = data.quantiles[i]!;
          const estimate = estimates[i]!;
          // 1e-12 slack: a value sitting exactly on a bucket boundary may land one bucket up by log rounding.
          assert.ok(Math.abs(estimate - exact) <= alpha * exact * (1 + 1e-12), `q=${q}: estimate ${estimate}, exact ${exact}, relative error ${Math.abs(estimate - exact) / exact}`);
        });
      });
    }

    it(`${name}: count, sum, min, max match numpy`, () => {
      const sketch = sketchOf(data.values);
      assert.equal(sketch.count, data.values.length);
      assert.equal(sketch.min, data.min);
      assert.equal(sketch.max, data.max);
      // The sum is exact in integer ns, so it differs from fsum by at most n·0.5 ns of rounding.
      assert.ok(Math.abs(sketch.sum - data.sum) <= data.values.length * 0.5e-6 + 1e-9 * data.sum, `sum ${sketch.sum} vs ${data.sum}`);
    });
  }

  it('merging 3 partitions gives the bytes of one pass, in every grouping and order', () => {
    const values = cases.bimodal!.values;
    const cut1 = 5_000;
    const cut2 = 27_345;
    const parts = () => [sketchOf(values.slice(0, cut1)), sketchOf(values.slice(cut1, cut2)), sketchOf(values.slice(cut2))] as const;
    const onePass = serialize(sketchOf(values));
    const [a, b, c] = parts();
    const m = LatencySketch.merge;
    const groupings = [m(m(a, b), c), m(a, m(b, c)), m(m(c, a), b), m(b, m(c, a)), m(c, m(b, a)), m(m(b, c), a)];
    for (const merged of groupings) assert.equal(serialize(merged), onePass);
    // The inputs are untouched by merge.
    assert.equal(serialize(a), serialize(parts()[0]));
    // Insertion order does not matter either.
    assert.equal(serialize(sketchOf([...values].reverse())), onePass);
  });

  it('the exact sum is associative where float addition is not', () => {
    const values = [0.1, 0.2, 0.3, 1e6 + 0.7, 3.3333333];
    assert.notEqual((0.1 + 0.2) + 0.3, 0.1 + (0.2 + 0.3));
    const left = LatencySketch.merge(LatencySketch.merge(sketchOf(values.slice(0, 1)), sketchOf(values.slice(1, 2))), sketchOf(values.slice(2)));
    const right = LatencySketch.merge(sketchOf(values.slice(0, 1)), LatencySketch.merge(sketchOf(values.slice(1, 2)), sketchOf(values.slice(2))));
    assert.equal(left.toJSON().sum_ns, right.toJSON().sum_ns);
    assert.equal(left.toJSON().sum_ns, '1000004633333'); // 0.1 + 0.2 + 0.3 + 1000000.7 + 3.3333333 ms, in ns
  });

  it('round-trips through JSON text exactly', () => {
    const sketch = sketchOf(cases.lognormal!.values);
    const text = serialize(sketch);
    const back = LatencySketch.fromJSON(JSON.parse(text));
    assert.equal(serialize(back), text);
    assert.deepEqual(back.quantiles(QS), sketch.quantiles(QS));
    assert.equal(back.sum, sketch.sum);
    // Compact: a few hundred buckets of small integers, not one number per value.
    assert.ok(text.length < 4_000, `${text.length} bytes`);
  });

  it('uses the lower-rank convention on a small sample', () => {
    const sketch = sketchOf([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    // q = 0.5: rank ⌊0.5·9⌋ = 4 → 50 (numpy 'lower'), not the interpolated 55.
    assert.ok(Math.abs(sketch.quantile(0.5)! - 50) <= 0.5);
    // q = 0.99: rank ⌊8.91⌋ = 8 → 90, not 100.
    assert.ok(Math.abs(sketch.quantile(0.99)! - 90) <= 0.9);
    assert.equal(sketch.quantile(0), 10);
    assert.equal(sketch.quantile(1), 100);
  });

  it('edge cases: empty, zeros, a single value, bad input', () => {
    const empty = new LatencySketch();
    assert.equal(empty.quantile(0.5), undefined);
    assert.equal(empty.min, undefined);
    assert.equal(empty.mean, undefined);
    assert.deepEqual(empty.toJSON(), { v: 1, alpha: 0.01, count: 0, zero: 0, sum_ns: '0', min: null, max: null, bins: [] });
    assert.equal(serialize(LatencySketch.fromJSON(empty.toJSON())), serialize(empty));

    const zeros = sketchOf([0, -0, 0, 5]);
    assert.equal(zeros.quantile(0.5), 0);
    assert.equal(Object.is(zeros.min, 0), true, '−0 is stored as 0');
    assert.equal(zeros.quantile(1), 5);

    const one = sketchOf([42.5]);
    for (const q of QS) assert.equal(one.quantile(q), 42.5, 'clamped to the exact min = max');

    const weighted = new LatencySketch();
    weighted.add(3, 4);
    assert.equal(weighted.count, 4);
    assert.equal(weighted.sum, 12);

    assert.throws(() => empty.add(Number.NaN), RangeError);
    assert.throws(() => empty.add(Infinity), RangeError);
    assert.throws(() => one.quantile(1.5), RangeError);
    assert.throws(() => new LatencySketch(0), RangeError);
    assert.throws(() => LatencySketch.merge(new LatencySketch(0.01), new LatencySketch(0.02)), RangeError);
  });

  it('refuses malformed JSON with DECODE_FAILED', () => {
    const good = sketchOf([1, 2, 3]).toJSON();
    const bad: unknown[] = [
      null,
      { ...good, v: 2 },
      { ...good, count: 4 },
      { ...good, bins: [1, 2, 3] },
      { ...good, bins: [good.bins[0], 1, 0, 1, 1, 1] },
      { ...good, sum_ns: '1.5' },
      { ...good, min: null },
    ];
    for (const value of bad) assert.throws(() => LatencySketch.fromJSON(value), (err: unknown) => hasCode(err, 'DECODE_FAILED'), JSON.stringify(value));
  });
});
