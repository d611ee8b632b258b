"""Reference binned distributions for libs/stats/column-histogram.ts, with numpy only.

Input (JSON file): {"cases": [{"kind": "numerical", "reference": [...], "current": [...], "bins": 10}
                              | {"kind": "categorical", "reference": [...], "current": [...]}]}
Output: [{"edges": [...] | null, "categories": [...] | null, "reference": [...], "current": [...]}]
Numeric bins: edges at np.quantile(reference, i/bins) (linear), np.unique'd; a value goes to
bin np.searchsorted(edges, x, side='left'). Categorical: union of categories, sorted.
Shares = counts / total of non-missing values.
"""
import json
import sys

import numpy as np


def shares(counts):
    total = counts.sum()
    return (counts / total).tolist() if total > 0 else [0.0] * len(counts)


def numeric(case):
    ref = np.asarray(case["reference"], dtype=float)
    cur = np.asarray(case["current"], dtype=float)
    bins = case.get("bins", 10)
    edges = np.unique(np.quantile(ref, np.arange(1, bins) / bins))
    ref_counts = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=len(edges) + 1)
    cur_counts = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1)
    return {"edges": edges.tolist(), "categories": None, "reference": shares(ref_counts.astype(float)), "current": shares(cur_counts.astype(float))}


def categorical(case):
    categories = sorted(set(case["reference"]) | set(case["current"]))
    ref = np.array([case["reference"].count(c) for c in categories], dtype=float)
    cur = np.array([case["current"].count(c) for c in categories], dtype=float)
    return {"edges": None, "categories": categories, "reference": shares(ref), "current": shares(cur)}


with open(sys.argv[1]) as f:
    cases = json.load(f)["cases"]
print(json.dumps([numeric(c) if c["kind"] == "numerical" else categorical(c) for c in cases]))
