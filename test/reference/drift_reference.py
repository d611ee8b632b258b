"""Independent numpy/scipy implementation of Driftline's drift conventions.

The TypeScript tests compare against this module; the benchmark's scipy
pipeline (test/bench/drift_scipy.py) uses it too. Nothing here is derived
from the TypeScript code: each statistic is written the way a numpy/scipy
user would write it from the documented conventions (DESIGN.md,
libs/stats/*.ts doc comments):

- PSI: bins at np.quantile(ref, i/bins) (numpy 'linear'), np.unique'd,
  bins (-inf,e1], (e1,e2], ..., (ek,+inf) via searchsorted 'left';
  categorical bins = union of categories; zero share -> 1e-4, or
  (min non-zero share)/1e6 when that is <= 1e-4, per side.
- JS: scipy.spatial.distance.jensenshannon on the raw bin shares (base e).
- KS: scipy.stats.ks_2samp(method='auto').
- chi-square: scipy.stats.chi2_contingency(2xK, correction=False).
- Wasserstein: scipy.stats.wasserstein_distance / max(np.std(ref), 0.001).
- Decision: Evidently's rules with the thresholds below.
"""
import csv
import math
import re
import warnings

import numpy as np
from scipy import stats
from scipy.spatial import distance

MISSING_TOKENS = frozenset(["", "NA", "N/A", "NaN", "nan", "NULL", "null", "None"])
NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z", re.ASCII)

DEFAULT_THRESHOLDS = {
    "small_reference_max_rows": 1000,
    "few_values_max": 5,
    "ks_p_value": 0.05,
    "chi_square_p_value": 0.05,
    "wasserstein_normed": 0.1,
    "jensen_shannon": 0.1,
    "dataset_drift_share": 0.5,
}


# ---------------------------------------------------------------- statistics

def psi_edges(ref, bins=10):
    return np.unique(np.quantile(np.asarray(ref, dtype=float), np.arange(1, bins) / bins))


def numeric_bin_counts(values, edges):
    idx = np.searchsorted(edges, values, side="left")
    return np.bincount(idx, minlength=len(edges) + 1).astype(float)


def zero_floor(shares):
    smallest = shares[shares > 0].min()
    eps = smallest / 1e6 if smallest <= 1e-4 else 1e-4
    return np.where(shares == 0, eps, shares)


def psi_from_counts(ref_counts, cur_counts):
    r = zero_floor(np.asarray(ref_counts, float) / np.sum(ref_counts))
    c = zero_floor(np.asarray(cur_counts, float) / np.sum(cur_counts))
    return float(np.sum((r - c) * np.log(r / c)))


def js_from_counts(ref_counts, cur_counts):
    return float(distance.jensenshannon(np.asarray(ref_counts, float), np.asarray(cur_counts, float)))


def ks(ref, cur):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = stats.ks_2samp(ref, cur, method="auto")
    fell_back = any("Exact calculation unsuccessful" in str(w.message) for w in caught)
    exact = max(len(ref), len(cur)) <= 10000 and not fell_back
    return {"statistic": float(res.statistic), "p_value": float(res.pvalue),
            "method": "exact" if exact else "asymptotic"}


def wasserstein_normed(ref, cur):
    return float(stats.wasserstein_distance(ref, cur) / max(float(np.std(ref)), 0.001))


def chi2(ref_counts, cur_counts):
    table = np.array([ref_counts, cur_counts], dtype=float)
    table = table[:, table.sum(axis=0) > 0]
    res = stats.chi2_contingency(table, correction=False)
    return {"statistic": float(res.statistic), "p_value": float(res.pvalue), "dof": int(res.dof)}


def aligned_counts(ref_counter, cur_counter):
    keys = sorted(set(ref_counter) | set(cur_counter))
    return ([ref_counter.get(k, 0) for k in keys], [cur_counter.get(k, 0) for k in keys])


def value_counts(values):
    """Counts of a float array's distinct values, keyed by value (so -0.0 == 0.0)."""
    uniq, counts = np.unique(np.asarray(values, float) + 0.0, return_counts=True)
    return {float(u): int(c) for u, c in zip(uniq, counts)}


# ------------------------------------------------------------------- reports

def _decide(method, score, t):
    if method == "ks":
        return t["ks_p_value"], score <= t["ks_p_value"]
    if method == "chi_square":
        return t["chi_square_p_value"], score <= t["chi_square_p_value"]
    if method == "wasserstein_normed":
        return t["wasserstein_normed"], score >= t["wasserstein_normed"]
    return t["jensen_shannon"], score >= t["jensen_shannon"]


def column_report(name, ref, cur, ref_missing, cur_missing, bins=10, thresholds=None):
    """Report of one column in the CLI's JSON shape.

    ref/cur: float arrays of non-missing values (numerical) or dicts
    category -> count (categorical). A numerical side facing a categorical
    one becomes categorical by value.
    """
    t = dict(DEFAULT_THRESHOLDS, **(thresholds or {}))
    numerical = not isinstance(ref, dict) and not isinstance(cur, dict)
    if not numerical:
        ref = ref if isinstance(ref, dict) else {canonical_number(v): c for v, c in value_counts(ref).items()}
        cur = cur if isinstance(cur, dict) else {canonical_number(v): c for v, c in value_counts(cur).items()}
    ref_n = len(ref) if numerical else sum(ref.values())
    cur_n = len(cur) if numerical else sum(cur.values())
    report = {
        "name": name,
        "kind": "numerical" if numerical else "categorical",
        "reference_count": ref_n,
        "current_count": cur_n,
        "missing": {
            "reference": ref_missing / (ref_n + ref_missing) if ref_n + ref_missing else 0.0,
            "current": cur_missing / (cur_n + cur_missing) if cur_n + cur_missing else 0.0,
        },
        "psi": None, "ks": None, "wasserstein_normed": None, "chi2": None, "jensen_shannon": None,
        "drift_method": None, "drift_score": None, "threshold": None, "drifted": None,
    }
    if ref_n == 0 or cur_n == 0:
        return report
    if numerical:
        ref = np.asarray(ref, float)
        cur = np.asarray(cur, float)
        edges = psi_edges(ref, bins)
        rc, cc = numeric_bin_counts(ref, edges), numeric_bin_counts(cur, edges)
        report["psi"] = psi_from_counts(rc, cc)
        report["jensen_shannon"] = js_from_counts(rc, cc)
        report["ks"] = ks(ref, cur)
        report["wasserstein_normed"] = wasserstein_normed(ref, cur)
        distinct = len(np.unique(np.concatenate([ref, cur])))
        if distinct <= t["few_values_max"]:
            report["chi2"] = chi2(*aligned_counts(value_counts(ref), value_counts(cur)))
    else:
        rc, cc = aligned_counts(ref, cur)
        report["psi"] = psi_from_counts(rc, cc)
        report["jensen_shannon"] = js_from_counts(rc, cc)
        report["chi2"] = chi2(rc, cc)
        distinct = len(rc)
    categorical_like = not numerical or distinct <= t["few_values_max"]
    if ref_n <= t["small_reference_max_rows"]:
        method = "chi_square" if categorical_like else "ks"
    else:
        method = "jensen_shannon" if categorical_like else "wasserstein_normed"
    score = {"ks": lambda: report["ks"]["p_value"], "chi_square": lambda: report["chi2"]["p_value"],
             "wasserstein_normed": lambda: report["wasserstein_normed"],
             "jensen_shannon": lambda: report["jensen_shannon"]}[method]()
    threshold, drifted = _decide(method, score, t)
    report.update(drift_method=method, drift_score=score, threshold=threshold, drifted=bool(drifted))
    return report


def dataset_report(columns, ref_rows, cur_rows, bins=10, thresholds=None):
    """columns: list of (name, ref, cur, ref_missing, cur_missing)."""
    t = dict(DEFAULT_THRESHOLDS, **(thresholds or {}))
    reports = [column_report(*c, bins=bins, thresholds=t) for c in columns]
    verdicts = [r["drifted"] for r in reports if r["drifted"] is not None]
    share = sum(verdicts) / len(verdicts) if verdicts else 0.0
    return {"reference_rows": ref_rows, "current_rows": cur_rows, "columns": reports,
            "drift_share": share, "dataset_drift": bool(verdicts) and share >= t["dataset_drift_share"]}


# ----------------------------------------------------------------- CSV input

def is_number(cell):
    """Driftline's number grammar, finite values only."""
    return bool(NUMBER_RE.match(cell)) and math.isfinite(float(cell))


def canonical_number(value):
    """Category key of a number in a categorical column: by value, so 1.50 == 1.5 and -0 == 0."""
    return repr(float(value) + 0.0)


def load_csv_cells(path, forced_categorical=()):
    """Driftline's CSV rules with the csv module, cell by cell.

    Returns (header, rows, columns) where columns[name] is ("numerical",
    [float | None per row]) or ("categorical", [key | None per row]); in an
    inferred-categorical column a number-looking cell's key is its float value
    (Driftline keys it by the value's canonical text).
    """
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f, strict=True)
        header = next(reader)
        cells = [[] for _ in header]
        rows = 0
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise ValueError(f"{path}: line {reader.line_num}: expected {len(header)} fields, found {len(row)}")
            rows += 1
            for column, cell in zip(cells, row):
                column.append(cell)
    out = {}
    for name, column in zip(header, cells):
        if name not in forced_categorical and all(c in MISSING_TOKENS or is_number(c) for c in column):
            out[name] = ("numerical", [None if c in MISSING_TOKENS else float(c) for c in column])
        else:
            keys = []
            for c in column:
                if c in MISSING_TOKENS:
                    keys.append(None)
                elif name in forced_categorical or not is_number(c):
                    keys.append(c)
                else:
                    keys.append(float(c) + 0.0)
            out[name] = ("categorical", keys)
    return header, rows, out


def load_csv_columns(path, forced_categorical=()):
    """General loader (csv module): Driftline's CSV rules, any valid file.

    Returns (rows, {name: (values, missing)}) where values is a float array
    (numerical) or a dict category -> count (categorical).
    """
    header, rows, cells = load_csv_cells(path, forced_categorical)
    out = {}
    for name in header:
        kind, column = cells[name]
        present = [c for c in column if c is not None]
        missing = len(column) - len(present)
        if kind == "numerical":
            out[name] = (np.array(present, dtype=float), missing)
        else:
            counts = {}
            for c in present:
                key = canonical_number(c) if isinstance(c, float) else c
                counts[key] = counts.get(key, 0) + 1
            out[name] = (counts, missing)
    return rows, out
