import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { holdoutBucket, inHoldout, splitByPredictionId } from './holdout-split.ts';

const ids = Array.from({ length: 10_000 }, (_, i) => `0190a5c2-7f3e-7${String(i % 1000).padStart(3, '0')}-8${String(Math.floor(i / 1000)).padStart(3, '0')}-00000000${String(i).padStart(4, '0')}`);

describe('holdout split by prediction id', () => {
  it('buckets match an independent SHA-256 computation (python hashlib)', () => {
    const sample = ids.slice(0, 50);
    const script = 'import hashlib,json,sys\nprint(json.dumps([int.from_bytes(hashlib.sha256(i.encode()).digest()[:4],"big")/2**32 for i in json.load(sys.stdin)]))';
    const py = spawnSync('python3', ['-c', script], { input: JSON.stringify(sample), encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
    const expected = JSON.parse(py.stdout) as number[];
    assert.deepEqual(sample.map(holdoutBucket), expected);
  });

  it('holds out about the fraction asked for, the same rows in any order', () => {
    const { train, holdout } = splitByPredictionId(ids, (id) => id, 0.2);
    assert.equal(train.length + holdout.length, ids.length);
    // Binomial(10000, 0.2): sd = 40 rows; 5 sd either side.
    assert.ok(Math.abs(holdout.length - 2_000) < 200, `holdout ${holdout.length}`);
    const shuffled = [...ids].reverse();
    const again = splitByPredictionId(shuffled, (id) => id, 0.2);
    assert.deepEqual(new Set(again.holdout), new Set(holdout));
    assert.deepEqual(again.holdout, [...holdout].reverse());
    assert.ok(holdout.every((id) => inHoldout(id, 0.2)) && train.every((id) => !inHoldout(id, 0.2)));
  });

  it('a larger fraction only adds rows to the holdout', () => {
    const small = new Set(splitByPredictionId(ids, (id) => id, 0.1).holdout);
    const large = new Set(splitByPredictionId(ids, (id) => id, 0.3).holdout);
    assert.ok([...small].every((id) => large.has(id)));
  });

  it('refuses a fraction outside (0, 1)', () => {
    assert.throws(() => splitByPredictionId(ids, (id) => id, 0), /holdout fraction must be in \(0, 1\), got 0/);
    assert.throws(() => splitByPredictionId(ids, (id) => id, 1), RangeError);
  });
});
