"""The numpy/scipy pipeline the drift benchmark races against Driftline.

usage: python3 test/bench/drift_scipy.py --reference A.csv --current B.csv
           [--categorical c1,c2] [--bins N] [--loader auto|csv]

Prints one JSON object in the shape of `driftline drift --json`, computed
with numpy/scipy (test/reference/drift_reference.py), and stage timings on
stderr.

Loading: with --loader auto (the default) each file is read in one pass by
np.loadtxt with a structured dtype — float64 for columns whose first data
cell is a number, fixed-width bytes for the others. Measured on the
benchmark files this is the fastest numpy-only approach: ~5x faster than the
csv module plus np.array(..., float), ~4x faster than np.genfromtxt, and
one pass instead of one np.loadtxt call per dtype. It cannot read missing
cells, a later non-number in a numeric column, or category text wider than
the byte width; then (and with --loader csv) the csv-module loader reads the
file with Driftline's full CSV rules.
"""
import argparse
import csv
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
import drift_reference as ref  # noqa: E402

CATEGORY_BYTES = 64


def load_fast(path, forced_categorical):
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader)
        first = next(reader, None)
    if first is None or len(first) != len(header) or any(c in ref.MISSING_TOKENS for c in first):
        raise ValueError("first row unusable for type inference")
    numeric = [h not in forced_categorical and ref.is_number(c) for h, c in zip(header, first)]
    dtype = [(f"f{i}", np.float64 if num else f"S{CATEGORY_BYTES}") for i, num in enumerate(numeric)]
    table = np.loadtxt(path, delimiter=",", skiprows=1, dtype=dtype, encoding="utf-8-sig", ndmin=1)
    out = {}
    for i, (name, num) in enumerate(zip(header, numeric)):
        column = table[f"f{i}"]
        if num:
            if np.any(np.isinf(column)):
                raise ValueError("'inf' makes a column categorical under Driftline's rules")
            present = column[~np.isnan(column)]
            out[name] = (present, len(column) - len(present))
        else:
            if np.any(np.char.str_len(column) >= CATEGORY_BYTES):
                raise ValueError("category text may be truncated")
            uniq, counts = np.unique(column, return_counts=True)
            missing = sum(int(c) for u, c in zip(uniq, counts) if u.decode() in ref.MISSING_TOKENS)
            keep = {u.decode(): int(c) for u, c in zip(uniq, counts) if u.decode() not in ref.MISSING_TOKENS}
            numeric_looking = [k for k in keep if ref.is_number(k)]
            if numeric_looking:
                raise ValueError("numbers in a categorical column need canonical keys")
            out[name] = (keep, missing)
    return len(table), out


def load(path, forced_categorical, loader):
    if loader == "auto":
        try:
            return load_fast(path, forced_categorical), "np.loadtxt"
        except ValueError:
            pass
    return ref.load_csv_columns(path, forced_categorical), "csv"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", required=True)
    parser.add_argument("--current", required=True)
    parser.add_argument("--categorical", default="")
    parser.add_argument("--bins", type=int, default=10)
    parser.add_argument("--loader", choices=["auto", "csv"], default="auto")
    args = parser.parse_args()
    forced = frozenset(c for c in args.categorical.split(",") if c)

    t0 = time.perf_counter()
    (ref_rows, ref_cols), ref_loader = load(args.reference, forced, args.loader)
    (cur_rows, cur_cols), cur_loader = load(args.current, forced, args.loader)
    t1 = time.perf_counter()
    if list(ref_cols) != list(cur_cols) and set(ref_cols) != set(cur_cols):
        sys.exit("column sets differ")
    columns = [(name, ref_cols[name][0], cur_cols[name][0], ref_cols[name][1], cur_cols[name][1])
               for name in ref_cols]
    report = ref.dataset_report(columns, ref_rows, cur_rows, bins=args.bins)
    t2 = time.perf_counter()
    print(json.dumps(report))
    print(json.dumps({"load_s": t1 - t0, "stats_s": t2 - t1, "loader": [ref_loader, cur_loader]}), file=sys.stderr)


if __name__ == "__main__":
    main()
