"""Seeded reference/current CSVs for the drift benchmark.

usage: python3 test/bench/make_drift_data.py OUT_DIR ROWS [SEED]

Writes OUT_DIR/reference.csv and OUT_DIR/current.csv: ROWS rows x 25 columns
(20 numeric, 5 categorical, interleaved), numbers with 6 decimals. The current
file shifts some columns (strongly, subtly, or by changing category shares or
adding a category) and leaves the others alone, so the report has a mix of
drifted and stable columns and the KS p-values span the interesting range.
"""
import os
import sys

import numpy as np

CATEGORIES = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]


def numeric_columns(rng, rows, current):
    """20 numeric columns; `current` applies the shifts."""
    shift = (lambda a, b: b) if current else (lambda a, b: a)
    cols = {}
    for i in range(20):
        kind = i % 5
        if kind == 0:
            loc = shift(0.0, {0: 0.0, 5: 0.5, 10: 0.02, 15: 0.0}[i])
            values = rng.normal(loc, 1.0, rows)
        elif kind == 1:
            sigma = shift(0.8, 1.1 if i == 6 else 0.8)
            values = rng.lognormal(0.0, sigma, rows)
        elif kind == 2:
            values = rng.uniform(-5.0, shift(5.0, 5.5 if i == 2 else 5.0), rows)
        elif kind == 3:
            lam = shift(3.0, 3.3 if i == 13 else 3.0)
            values = rng.poisson(lam, rows).astype(float)
        else:
            # few distinct values: the categorical-like rules apply
            p = shift([0.5, 0.3, 0.15, 0.05], [0.4, 0.3, 0.2, 0.1] if i == 19 else [0.5, 0.3, 0.15, 0.05])
            values = rng.choice(4, size=rows, p=p).astype(float)
        cols[f"num_{i:02d}"] = values
    return cols


def categorical_columns(rng, rows, current):
    cols = {}
    for i in range(5):
        k = 4 + i
        p = np.full(k, 1.0 / k)
        if current and i == 1:
            p = np.linspace(1.0, 2.0, k)
            p /= p.sum()
        names = CATEGORIES[:k]
        if current and i == 3:
            names = names[:-1] + ["new_category"]
        cols[f"cat_{i}"] = np.array(names, dtype=object)[rng.choice(k, size=rows, p=p)]
    return cols


def write_csv(path, rows, seed, current):
    rng = np.random.default_rng(seed + (1 if current else 0))
    num = numeric_columns(rng, rows, current)
    cat = categorical_columns(rng, rows, current)
    order = []
    num_names = list(num)
    cat_names = list(cat)
    for i in range(5):
        order += num_names[4 * i: 4 * i + 4] + [cat_names[i]]
    text_cols = []
    for name in order:
        if name in num:
            text_cols.append([f"{v:.6f}" for v in num[name]])
        else:
            text_cols.append(list(cat[name]))
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        f.write(",".join(order) + "\n")
        chunk = 100_000
        for start in range(0, rows, chunk):
            part = [c[start:start + chunk] for c in text_cols]
            f.write("\n".join(map(",".join, zip(*part))) + "\n")
    os.replace(tmp, path)


def main():
    out_dir, rows = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20240603
    os.makedirs(out_dir, exist_ok=True)
    write_csv(os.path.join(out_dir, "reference.csv"), rows, seed, current=False)
    write_csv(os.path.join(out_dir, "current.csv"), rows, seed, current=True)


if __name__ == "__main__":
    main()
