import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createRng } from '../../libs/model/random.ts';
import { assertClose } from '../../test/reference/assert-close.ts';
import { calibrationBins, classificationQuality, parseBinaryLabel, regressionQuality, type ScoredLabel } from './quality-metrics.ts';

interface Reference {
  classification: { accuracy: number; precision: number | null; recall: number | null; f1: number | null; roc_auc: number | null; log_loss: number; positives: number; calibration: Array<{ count: number; mean_score: number | null; positive_rate: number | null }> };
  regression: { mae: number; rmse: number; mape: number | null };
}

function reference(input: unknown): Reference {
  const dir = mkdtempSync(join(tmpdir(), 'driftline-quality-'));
  const path = join(dir, 'input.json');
  writeFileSync(path, JSON.stringify(input));
  const out = spawnSync('python3', [join(import.meta.dirname, '../../test/reference/quality_reference.py'), path], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout) as Reference;
}

/** Scores with ties (rounded to 2 decimals) and labels drawn from the scores, so the metrics are informative. */
function sample(n: number, seed: number) {
  const rng = createRng(seed);
  const scores: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = Math.round(rng.uniform(0, 1) * 100) / 100;
    scores.push(s);
    labels.push(rng.uniform(0, 1) < s * 0.8 + 0.1 ? 1 : 0);
  }
  return { scores, labels };
}

describe('classificationQuality', () => {
  for (const [n, seed] of [[37, 1], [2_000, 2], [25_000, 3]] as const) {
    it(`matches numpy/scipy on ${n} rows with tied scores`, () => {
      const { scores, labels } = sample(n, seed);
      const predicted = scores.map((s) => (s >= 0.5 ? 1 : 0));
      const rows: ScoredLabel[] = scores.map((s, i) => ({ score: s, predicted: String(predicted[i]), label: String(labels[i]) }));
      const { quality, invalid } = classificationQuality(rows);
      const ref = reference({ scores, labels, predicted, y: [1], yhat: [1] }).classification;
      assert.equal(invalid, 0);
      assert.ok(quality);
      assert.equal(quality.labelled, n);
      assert.equal(quality.positives, ref.positives);
      for (const key of ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'log_loss'] as const) {
        const expected = ref[key];
        assert.ok(expected !== null && quality[key] !== null, key);
        assertClose(quality[key]!, expected, 1e-12, 1e-14, key);
      }
      quality.calibration.forEach((bin, b) => {
        const r = ref.calibration[b]!;
        assert.equal(bin.count, r.count, `bin ${b} count`);
        if (r.mean_score === null) assert.equal(bin.mean_score, null);
        else assertClose(bin.mean_score!, r.mean_score, 1e-12, 1e-15, `bin ${b} mean`);
        if (r.positive_rate === null) assert.equal(bin.positive_rate, null);
        else assertClose(bin.positive_rate!, r.positive_rate, 1e-12, 1e-15, `bin ${b} rate`);
      });
    });
  }

  it('reports undefined precision/recall/AUC as null instead of NaN', () => {
    const rows: ScoredLabel[] = [0.1, 0.2, 0.3].map((s) => ({ score: s, predicted: '0', label: '0' }));
    const { quality } = classificationQuality(rows);
    assert.equal(quality?.precision, null);
    assert.equal(quality?.recall, null);
    assert.equal(quality?.f1, null);
    assert.equal(quality?.roc_auc, null);
    assert.equal(quality?.accuracy, 1);
  });

  it('skips and counts rows whose label is not binary', () => {
    const rows: ScoredLabel[] = [
      { score: 0.9, predicted: '1', label: '1' },
      { score: 0.2, predicted: '0', label: 'maybe' },
      { score: 0.4, predicted: '', label: 'false' },
    ];
    const { quality, invalid } = classificationQuality(rows);
    assert.equal(invalid, 1);
    assert.equal(quality?.labelled, 2);
    assert.equal(quality?.accuracy, 1);
  });

  it('puts bin edges in the lower bin and 0 in the first', () => {
    const bins = calibrationBins([0, 0.1, 0.10000001, 1], [0, 1, 0, 1]);
    assert.deepEqual(bins.map((b) => b.count).slice(0, 2), [2, 1]);
    assert.equal(bins[9]!.count, 1);
  });

  it('parses label spellings', () => {
    assert.deepEqual(['1', 'true', 'YES', '0', 'False', 'no', '2', ''].map(parseBinaryLabel), [1, 1, 1, 0, 0, 0, undefined, undefined]);
  });
});

describe('regressionQuality', () => {
  it('matches numpy', () => {
    const rng = createRng(9);
    const y = Array.from({ length: 500 }, (_, i) => (i % 50 === 0 ? 0 : rng.uniform(0, 1) * 100 - 20));
    const yhat = y.map((v) => v + (rng.uniform(0, 1) - 0.5) * 10);
    const rows: ScoredLabel[] = y.map((v, i) => ({ score: yhat[i]!, predicted: '', label: String(v) }));
    const { quality, invalid } = regressionQuality([...rows, { score: 1, predicted: '', label: 'n/a' }]);
    const ref = reference({ scores: [0.5], labels: [1], predicted: [1], y, yhat }).regression;
    assert.equal(invalid, 1);
    assertClose(quality!.mae, ref.mae, 1e-12, 0, 'mae');
    assertClose(quality!.rmse, ref.rmse, 1e-12, 0, 'rmse');
    assertClose(quality!.mape!, ref.mape!, 1e-12, 0, 'mape');
  });
});
