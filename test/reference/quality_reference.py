"""Independent quality metrics for services/feedback tests (numpy/scipy only).

Input JSON: {"scores": [...], "labels": [...], "predicted": [...], "y": [...], "yhat": [...]}
Output JSON: classification and regression metrics computed with textbook
formulas: AUC through scipy's Mann-Whitney U, log loss with sklearn's clipping,
calibration with numpy.digitize on equal-width bins.
"""
import json
import sys

import numpy as np
from scipy.stats import mannwhitneyu


def classification(scores, labels, predicted):
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=int)
    p = np.asarray(predicted, dtype=int)
    tp = int(np.sum((p == 1) & (y == 1)))
    fp = int(np.sum((p == 1) & (y == 0)))
    fn = int(np.sum((p == 0) & (y == 1)))
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = None if precision is None or recall is None else (0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall))
    pos, neg = s[y == 1], s[y == 0]
    auc = None
    if len(pos) and len(neg):
        u = mannwhitneyu(pos, neg, alternative="two-sided").statistic
        auc = float(u) / (len(pos) * len(neg))
    clipped = np.clip(s, 1e-15, 1 - 1e-15)
    log_loss = float(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)))
    edges = np.linspace(0, 1, 11)
    # right=True: bin i holds (edges[i], edges[i+1]]; 0 goes to the first bin.
    idx = np.clip(np.digitize(np.clip(s, 0, 1), edges[1:-1], right=True), 0, 9)
    bins = []
    for b in range(10):
        m = idx == b
        c = int(m.sum())
        bins.append({"count": c, "mean_score": float(s[m].mean()) if c else None, "positive_rate": float(y[m].mean()) if c else None})
    return {"accuracy": float(np.mean(p == y)), "precision": precision, "recall": recall, "f1": f1, "roc_auc": auc, "log_loss": log_loss, "calibration": bins, "positives": int(y.sum())}


def regression(y, yhat):
    y = np.asarray(y, dtype=float)
    yhat = np.asarray(yhat, dtype=float)
    err = yhat - y
    nz = y != 0
    return {"mae": float(np.mean(np.abs(err))), "rmse": float(np.sqrt(np.mean(err ** 2))), "mape": float(np.mean(np.abs(err[nz] / y[nz]))) if nz.any() else None}


data = json.load(open(sys.argv[1]))
print(json.dumps({"classification": classification(data["scores"], data["labels"], data["predicted"]), "regression": regression(data["y"], data["yhat"])}))
