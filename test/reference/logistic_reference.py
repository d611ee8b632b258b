#!/usr/bin/env python3
"""Independent reference for Driftline's logistic-regression model tests.

Written from the model's documented semantics, sharing no code with the
TypeScript implementation:

Usage: logistic_reference.py predict|auc [input.json]   (stdin when no file)

  predict  input: {"model": {numeric: [{name, mean, std}], categorical: [{name, categories}],
                             weights, bias, threshold}, "rows": [{feature: value|null}]}
           stdout: {"probability": [...], "label": [...]}
           Numeric inputs and parameters are rounded to float32 (as the ONNX graph holds
           them), then everything is computed in float64: null/NaN -> training mean,
           (x - mean) / std, one-hot over the categories (unknown or null -> all zeros),
           logit = X @ weights + bias, probability = 1 / (1 + exp(-logit)),
           label = probability >= threshold.

  auc      input: {"labels": [0|1...], "scores": {name: [...]}}
           stdout: {name: auc}  via scipy.stats.mannwhitneyu (U / (n1 * n0)).
"""
import json
import sys

import numpy as np
from scipy.stats import mannwhitneyu


def f32(values):
    return np.asarray(values, dtype=np.float32).astype(np.float64)


def predict(spec):
    model, rows = spec["model"], spec["rows"]
    columns = []
    for enc in model["numeric"]:
        raw = f32([np.nan if r.get(enc["name"]) is None else r[enc["name"]] for r in rows])
        mean, std = f32(enc["mean"]), f32(enc["std"])
        raw = np.where(np.isnan(raw), mean, raw)
        columns.append(((raw - mean) / std)[:, None])
    for enc in model["categorical"]:
        values = [r.get(enc["name"]) for r in rows]
        onehot = np.array([[1.0 if v == c else 0.0 for c in enc["categories"]] for v in values])
        columns.append(onehot.reshape(len(rows), len(enc["categories"])))
    X = np.hstack(columns)
    logit = X @ f32(model["weights"]) + f32(model["bias"])
    probability = 1.0 / (1.0 + np.exp(-logit))
    label = (probability >= f32(model["threshold"])).astype(int)
    return {"probability": probability.tolist(), "label": label.tolist()}


def auc(spec):
    labels = np.asarray(spec["labels"])
    out = {}
    for name, scores in spec["scores"].items():
        scores = np.asarray(scores, dtype=np.float64)
        pos, neg = scores[labels == 1], scores[labels == 0]
        out[name] = float(mannwhitneyu(pos, neg).statistic / (len(pos) * len(neg)))
    return out


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    handlers = {"predict": predict, "auc": auc}
    if mode not in handlers:
        sys.exit("usage: logistic_reference.py predict|auc [input.json]")
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as f:
            spec = json.load(f)
    else:
        spec = json.load(sys.stdin)
    json.dump(handlers[mode](spec), sys.stdout)
