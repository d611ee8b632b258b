"""Reference cases for libs/stats, computed with numpy/scipy.

usage: python3 test/reference/stats_cases.py OUT_DIR

Writes OUT_DIR/stats_cases.json: seeded inputs together with what
numpy/scipy (test/reference/drift_reference.py) computes for them. The
TypeScript tests (libs/stats/*.test.ts, through
test/reference/reference-cases.ts) run this script and compare; no expected
value is typed by hand.
"""
import json
import math
import os
import sys
import warnings

import numpy as np
from scipy import special, stats

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import drift_reference as ref  # noqa: E402

rng = np.random.default_rng(20240603)


def floats(a):
    return [float(v) for v in a]


def with_missing(values, rate, seed):
    """values as a list with None at random positions (missing cells)."""
    r = np.random.default_rng(seed)
    return [None if r.random() < rate else float(v) for v in values]


# ------------------------------------------------------------------------ KS

def ks_case(name, a, b):
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    return {"name": name, "a": floats(a), "b": floats(b), **ref.ks(a, b)}


def ks_cases():
    n = rng.normal
    r = rng.integers
    same = n(0, 1, 40).round(1).tolist() * 2
    cases = [
        ks_case("n1=n2=1", [0.5], [1.5]),
        ks_case("identical single values", [2.0], [2.0]),
        ks_case("tiny 3 vs 5", n(0, 1, 3), n(0.5, 1, 5)),
        ks_case("tiny equal n=10", n(0, 1, 10), n(0, 1, 10)),
        ks_case("ties small ints 20 vs 25", r(0, 4, 20), r(0, 4, 25)),
        ks_case("ties within and across samples", [1, 1, 1, 2, 2, 3, 3, 3, 3, 4], [1, 2, 2, 2, 3, 4, 4, 4, 5]),
        ks_case("identical samples p=1", same, same),
        ks_case("separated samples p~0", n(0, 1, 28), n(10, 1, 29)),
        ks_case("square n=500 shifted", n(0, 1, 500), n(0.2, 1, 500)),
        ks_case("n=1000 vs 1500 same dist", n(0, 1, 1000), n(0, 1, 1500)),
        ks_case("n=999 vs 1001 near-1 p", np.linspace(0, 1, 999), np.linspace(0.0005, 1.0005, 1001)),
        ks_case("exact max n 10000 vs 9999", n(0, 1, 10000), n(0.03, 1, 9999)),
        ks_case("exact square n=10000", n(0, 1, 10000), n(0, 1, 10000)),
        ks_case("asymptotic just above 10001 vs 10001", n(0, 1, 10001), n(0.02, 1, 10001)),
        ks_case("asymptotic 10001 vs 300 (en~291)", n(0, 1, 10001), n(0.1, 1, 300)),
        ks_case("asymptotic 20000 vs 30 (en~30)", n(0, 1, 20000), n(0.3, 1, 30)),
        ks_case("asymptotic 20000 vs 100 near-1", n(0, 1, 20000), n(0, 1, 100)),
        ks_case("asymptotic 12000 vs 12000 ties", r(0, 50, 12000), r(0, 50, 12000)),
        ks_case("asymptotic 30000 vs 20000 subtle shift", n(0, 1, 30000), n(0.03, 1, 20000)),
        ks_case("asymptotic 30000 vs 20000 p~0", n(0, 1, 30000), n(0.3, 1, 20000)),
        # scipy's exact result here rounds to just above 1: it falls back to asymptotic
        ks_case("exact fallback n=15 d=1/15", np.arange(15.0), np.arange(15.0) + 0.5),
    ]
    return cases


# -------------------------------------------------- distribution function grids

def kstwo_grid():
    out = []
    for n in [1, 2, 3, 5, 10, 20, 50, 100, 140, 141, 500, 1000, 5000, 20000, 100000, 100001, 400000]:
        xs = list(rng.uniform(0, 1, 4)) + list(np.minimum(rng.uniform(0, 3 / math.sqrt(n), 8), 1.0))
        xs += [0.5 / n, 0.75 / n, 1 / n, 1 - 1 / n, 0.5, 0.0, 1.0]
        for x in xs:
            x = float(x)
            sf = float(stats.kstwo.sf(x, n))
            # scipy switches to 2*smirnov at large n·x²: a few of those are slow, keep them few
            out.append([n, x, sf])
    return out


def smirnov_grid():
    out = []
    for n in [1, 2, 3, 5, 10, 11, 50, 140, 1000, 20000, 300000, 2000000]:
        xs = list(rng.uniform(0, 1, 3)) + list(np.minimum(rng.uniform(0, 2.5 / math.sqrt(n), 5), 1.0))
        xs += [1 / n, 0.3 / n, 1 - 0.5 / n, 0.0, 1.0]
        for x in xs:
            out.append([n, float(x), float(special.smirnov(n, float(x)))])
    return out


def chi2_sf_grid():
    out = []
    for dof in [1, 2, 3, 4, 5, 7, 10, 39, 40, 41, 100, 399, 400, 401, 1000, 5000, 20000, 100000]:
        xs = list(rng.uniform(0, 3 * dof, 4)) + list(dof + rng.normal(0, 1, 8) * math.sqrt(2 * dof) * 2)
        xs += [1e-3, 0.3, 0.6, 1.0, 1.2, 2 * dof + 200, dof]
        for x in xs:
            x = float(abs(x))
            out.append([dof, x, float(stats.chi2.sf(x, dof))])
    return out


# ---------------------------------------------------------------- chi-square

def chi2_case(name, reference, current):
    return {"name": name, "reference": reference, "current": current, **ref.chi2(reference, current)}


def chi2_cases():
    big = rng.integers(0, 50, 500).tolist()
    return [
        chi2_case("two categories", [30, 70], [45, 55]),
        chi2_case("new category in current", [50, 50, 0], [40, 40, 20]),
        chi2_case("category missing in current", [20, 30, 50], [25, 75, 0]),
        chi2_case("category absent on both sides is ignored", [10, 0, 20], [12, 0, 25]),
        chi2_case("single category (dof 0)", [100], [7]),
        chi2_case("identical shares p=1", [10, 20, 30], [20, 40, 60]),
        chi2_case("p near 0", [1000, 10, 10], [10, 1000, 10]),
        chi2_case("500 categories", big, rng.integers(0, 50, 500).tolist()),
        chi2_case("tiny counts", [1, 0, 2], [0, 1, 1]),
    ]


# ----------------------------------------------------------- PSI, JS, edges

def numeric_bins_case(name, reference, current, bins=10):
    reference = np.asarray(reference, float)
    current = np.asarray(current, float)
    edges = ref.psi_edges(reference, bins)
    rc = ref.numeric_bin_counts(reference, edges)
    cc = ref.numeric_bin_counts(current, edges)
    return {"name": name, "reference": floats(reference), "current": floats(current), "bins": bins,
            "edges": floats(edges), "reference_counts": floats(rc), "current_counts": floats(cc),
            "psi": ref.psi_from_counts(rc, cc), "jensen_shannon": ref.js_from_counts(rc, cc)}


def categorical_bins_case(name, reference, current):
    rc, cc = ref.aligned_counts(reference, current)
    return {"name": name, "reference": reference, "current": current,
            "psi": ref.psi_from_counts(rc, cc), "jensen_shannon": ref.js_from_counts(rc, cc)}


def psi_cases():
    n = rng.normal
    numeric = [
        numeric_bins_case("normal 500 vs shifted 400", n(0, 1, 500), n(0.3, 1.2, 400)),
        numeric_bins_case("same distribution 2000", n(5, 2, 2000), n(5, 2, 2000)),
        numeric_bins_case("heavy ties (small ints)", rng.integers(0, 4, 300), rng.integers(0, 6, 300)),
        numeric_bins_case("constant reference", [3.0] * 50, n(3, 1, 40)),
        numeric_bins_case("constant both, same value", [1.5] * 10, [1.5] * 12),
        numeric_bins_case("current entirely above the reference", n(0, 1, 100), n(50, 1, 100)),
        numeric_bins_case("tiny n=3 vs 2", [1.0, 2.0, 3.0], [2.5, 10.0]),
        numeric_bins_case("5 bins", n(0, 1, 300), n(0, 2, 300), bins=5),
        numeric_bins_case("20 bins", rng.exponential(1, 1000), rng.exponential(1.3, 900), bins=20),
        numeric_bins_case("values on the edges", np.repeat(np.arange(10.0), 10), np.arange(0, 10, 0.5)),
        numeric_bins_case("tiny share <= 1e-4 (epsilon = min/1e6)", n(0, 1, 20000), np.concatenate([n(0, 1, 19999), [100.0]])),
    ]
    categorical = [
        categorical_bins_case("new category in current", {"a": 50, "b": 50}, {"a": 40, "b": 40, "c": 20}),
        categorical_bins_case("category missing in current", {"a": 20, "b": 30, "c": 50}, {"a": 25, "b": 75}),
        categorical_bins_case("single category", {"x": 10}, {"x": 3}),
        categorical_bins_case("rare category share <= 1e-4", {"a": 20000, "b": 1}, {"a": 15000, "c": 3}),
        categorical_bins_case("disjoint categories", {"a": 5, "b": 5}, {"c": 5, "d": 5}),
    ]
    return {"numeric": numeric, "categorical": categorical}


# --------------------------------------------------------------- Wasserstein

def wasserstein_case(name, reference, current):
    reference = np.asarray(reference, float)
    current = np.asarray(current, float)
    return {"name": name, "reference": floats(reference), "current": floats(current),
            "distance": float(stats.wasserstein_distance(reference, current)),
            "std": float(np.std(reference)),
            "normed": ref.wasserstein_normed(reference, current)}


def wasserstein_cases():
    n = rng.normal
    return [
        wasserstein_case("normal shift", n(0, 1, 1000), n(0.5, 1, 800)),
        wasserstein_case("ties", rng.integers(0, 5, 200), rng.integers(0, 7, 150)),
        wasserstein_case("constant reference (std floor)", [2.0] * 30, n(2, 0.1, 20)),
        wasserstein_case("identical", [1.0, 2.0, 3.0], [3.0, 2.0, 1.0]),
        wasserstein_case("tiny", [0.0], [1.0, 3.0]),
        wasserstein_case("negative and zero", [-1.0, -0.0, 0.0, 2.0], [-3.0, 0.0, 1.0]),
        wasserstein_case("large 50000", n(0, 3, 50000), rng.standard_t(4, 40000)),
    ]


# -------------------------------------------------------------- column reports

def numeric_report_case(name, reference, current, **kw):
    """reference/current: lists of float or None (missing)."""
    rv = np.array([v for v in reference if v is not None], float)
    cv = np.array([v for v in current if v is not None], float)
    expected = ref.column_report(name, rv, cv, len(reference) - len(rv), len(current) - len(cv), **kw)
    return {"name": name, "kind": "numerical", "reference": reference, "current": current,
            "options": kw, "expected": expected}


def categorical_report_case(name, reference, current, **kw):
    """reference/current: lists of str or None (missing)."""
    def counts(cells):
        out = {}
        for c in cells:
            if c is not None:
                out[c] = out.get(c, 0) + 1
        return out
    expected = ref.column_report(name, counts(reference), counts(current),
                                 sum(c is None for c in reference), sum(c is None for c in current), **kw)
    return {"name": name, "kind": "categorical", "reference": reference, "current": current,
            "options": kw, "expected": expected}


def report_cases():
    n = rng.normal
    letters = np.array(list("abcdef"))
    return [
        numeric_report_case("small numeric -> KS", floats(n(0, 1, 200)), floats(n(0.4, 1, 150))),
        numeric_report_case("small numeric, missing values", with_missing(n(0, 1, 300), 0.1, 1),
                            with_missing(n(0, 1, 250), 0.3, 2)),
        numeric_report_case("large numeric -> Wasserstein", floats(n(0, 1, 1500)), floats(n(0.2, 1, 1200))),
        numeric_report_case("exactly 1000 reference values -> KS", floats(n(0, 1, 1000)), floats(n(0, 1, 700))),
        numeric_report_case("1001 reference values -> Wasserstein", floats(n(0, 1, 1001)), floats(n(0, 1, 700))),
        numeric_report_case("few-valued small -> chi-square", floats(rng.integers(0, 3, 400)),
                            floats(rng.integers(0, 4, 300))),
        numeric_report_case("few-valued large -> JS", floats(rng.integers(0, 5, 3000)),
                            floats(rng.integers(0, 5, 2000))),
        numeric_report_case("constant columns, same value", [4.0] * 60, [4.0] * 40),
        numeric_report_case("constant columns, different values", [4.0] * 60, [5.0] * 40),
        numeric_report_case("constant large columns", [1.0] * 1500, [1.0] * 1200),
        numeric_report_case("empty current", floats(n(0, 1, 50)), [None] * 20),
        numeric_report_case("empty both", [None] * 5, []),
        numeric_report_case("custom thresholds", floats(n(0, 1, 200)), floats(n(0.1, 1, 200)),
                            thresholds={"ks_p_value": 0.5, "few_values_max": 2}),
        numeric_report_case("3 bins", floats(n(0, 1, 200)), floats(n(0.1, 1, 200)), bins=3),
        categorical_report_case("categorical small -> chi-square", list(letters[rng.integers(0, 4, 300)]),
                                list(letters[rng.integers(0, 5, 200)])),
        categorical_report_case("categorical large -> JS", list(letters[rng.integers(0, 6, 2500)]),
                                list(letters[rng.integers(1, 6, 1800)])),
        categorical_report_case("categories only on one side each", ["a"] * 30 + ["b"] * 10, ["c"] * 25 + ["a"] * 5),
        categorical_report_case("categorical with missing", ["x", None, "y", "x", None, "z"] * 20,
                                ["x", "y", None, "y"] * 15),
        categorical_report_case("single category", ["only"] * 40, ["only"] * 10),
        categorical_report_case("empty reference", [None] * 7, ["a", "b"]),
    ]


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    warnings.simplefilter("ignore")
    cases = {
        "versions": {"numpy": np.__version__, "scipy": __import__("scipy").__version__},
        "ks": ks_cases(),
        "kstwo_sf": kstwo_grid(),
        "smirnov_sf": smirnov_grid(),
        "chi2_sf": chi2_sf_grid(),
        "chi2": chi2_cases(),
        "bins": psi_cases(),
        "wasserstein": wasserstein_cases(),
        "reports": report_cases(),
    }
    path = os.path.join(out_dir, "stats_cases.json")
    # A temporary name of this process's own: on a fresh machine several test files start this script at once,
    # and with one shared name the first os.replace took the file the others were about to rename.
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        json.dump(cases, f, allow_nan=False)
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
