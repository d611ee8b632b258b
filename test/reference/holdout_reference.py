#!/usr/bin/env python3
"""Independent reference for the trainer's holdout evaluation.

Written from the documented rules, sharing no code with the TypeScript:

Usage: holdout_reference.py input.json

  input:  {"ids": [prediction_id...], "labels": [0|1...], "holdout_fraction": f,
           "scores": {name: [probability per id...]}}
  stdout: {"holdout_rows": n, "positives": p,
           "auc": {name: U / (n1 * n0) via scipy.stats.mannwhitneyu},
           "log_loss": {name: mean cross-entropy, probabilities clipped to [1e-15, 1 - 1e-15]}}

  A row is in the holdout when the first four bytes of SHA-256(prediction_id),
  read as an unsigned big-endian integer and divided by 2**32, are below
  holdout_fraction.
"""
import hashlib
import json
import sys

import numpy as np
from scipy.stats import mannwhitneyu


def main(path):
    with open(path) as f:
        spec = json.load(f)
    fraction = spec["holdout_fraction"]
    keep = np.array([int.from_bytes(hashlib.sha256(i.encode()).digest()[:4], "big") / 2**32 < fraction for i in spec["ids"]])
    labels = np.asarray(spec["labels"])[keep]
    out = {"holdout_rows": int(keep.sum()), "positives": int(labels.sum()), "auc": {}, "log_loss": {}}
    for name, scores in spec["scores"].items():
        s = np.asarray(scores, dtype=np.float64)[keep]
        pos, neg = s[labels == 1], s[labels == 0]
        out["auc"][name] = float(mannwhitneyu(pos, neg).statistic / (len(pos) * len(neg)))
        p = np.clip(s, 1e-15, 1 - 1e-15)
        out["log_loss"][name] = float(-np.mean(np.where(labels == 1, np.log(p), np.log(1 - p))))
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: holdout_reference.py input.json")
    main(sys.argv[1])
