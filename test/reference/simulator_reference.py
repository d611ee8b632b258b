#!/usr/bin/env python3
"""Independent reference for the traffic simulator's statistical tests.

Reads a JSON list of tasks on stdin, writes a JSON list of results:

  {"op": "ppf", "dist": "lognorm", "median": m, "sigma": s, "q": [...]}      -> [quantiles]
  {"op": "ppf", "dist": "expon", "mean": m, "q": [...]}                      -> [quantiles]
  {"op": "kstest", "dist": "lognorm"|"expon", ...params, "sample": [...]}    -> p-value (one-sample KS)
  {"op": "binomtest", "k": k, "n": n, "p": p}                                -> two-sided p-value
  {"op": "chi2", "table": [[...], [...]]}                                    -> p-value of chi2_contingency(correction=False)
  {"op": "logit", "names": [...], "X": [[...]], "y": [...]}                  -> {name: coefficient, "intercept": b}
      maximum-likelihood logistic regression (scipy.optimize, BFGS on standardized columns,
      coefficients mapped back to raw units).
"""
import json
import sys

import numpy as np
from scipy import optimize, stats


def frozen(task):
    if task["dist"] == "lognorm":
        return stats.lognorm(s=task["sigma"], scale=task["median"])
    if task["dist"] == "expon":
        return stats.expon(scale=task["mean"])
    raise ValueError(task["dist"])


def logit_fit(task):
    X = np.asarray(task["X"], dtype=float)
    y = np.asarray(task["y"], dtype=float)
    mu, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd == 0] = 1.0
    Z = np.hstack([np.ones((len(X), 1)), (X - mu) / sd])

    def nll(w):
        z = Z @ w
        return np.sum(np.logaddexp(0.0, z) - y * z)

    def grad(w):
        p = 1.0 / (1.0 + np.exp(-(Z @ w)))
        return Z.T @ (p - y)

    w = optimize.minimize(nll, np.zeros(Z.shape[1]), jac=grad, method="BFGS", options={"gtol": 1e-8, "maxiter": 10000}).x
    coef = w[1:] / sd
    out = {name: float(c) for name, c in zip(task["names"], coef)}
    out["intercept"] = float(w[0] - np.sum(coef * mu))
    return out


def run(task):
    op = task["op"]
    if op == "ppf":
        return [float(v) for v in frozen(task).ppf(task["q"])]
    if op == "kstest":
        return float(stats.kstest(task["sample"], frozen(task).cdf).pvalue)
    if op == "binomtest":
        return float(stats.binomtest(task["k"], task["n"], task["p"]).pvalue)
    if op == "chi2":
        return float(stats.chi2_contingency(np.asarray(task["table"]), correction=False).pvalue)
    if op == "logit":
        return logit_fit(task)
    raise ValueError(op)


print(json.dumps([run(t) for t in json.load(sys.stdin)]))
