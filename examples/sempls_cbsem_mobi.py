"""Reproduce the published CB-SEM paths of the ECSI model on ``mobi`` (semPLS vignette).

Monecke & Leisch (2012), *semPLS: Structural Equation Modeling Using Partial Least
Squares*, Journal of Statistical Software 48(3), Section 5.2, compare PLS with a
covariance-based fit made with R's ``sem`` package: maximum likelihood on the
correlation matrix of ``mobi`` (N = 250), with the first loading of every construct
fixed to 1, every latent (and disturbance) variance fixed to 1 and every indicator's
error variance fixed to 1. The ``sem`` package fits the matrix as given (divisor
N - 1); lavaan and loyaltysem rescale an input covariance matrix by (N - 1) / N, so
the matrix is passed multiplied by N / (N - 1) to fit exactly what ``sem`` fitted.

The published values are in ``tests/thirdparty/semPLS_vignette_mobi/pls_vs_cbsem_paths.csv``
(provenance in ``tests/thirdparty/README.md``); ``tests/test_examples.py`` checks all
twelve paths to 1e-4.

Run: ``python examples/sempls_cbsem_mobi.py``.
"""

from __future__ import annotations

import pandas as pd

from loyaltysem import fit
from loyaltysem.datasets import load_frame

BLOCKS = {
    "Image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
    "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
    "Quality": ["PERQ1", "PERQ2", "PERQ3", "PERQ4", "PERQ5", "PERQ6", "PERQ7"],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
    "Complaints": ["CUSCO"],
    "Loyalty": ["CUSL1", "CUSL2", "CUSL3"],
}
PATHS = """
Expectation  ~ Image
Quality      ~ Expectation
Value        ~ Expectation + Quality
Satisfaction ~ Image + Expectation + Quality + Value
Complaints   ~ Satisfaction
Loyalty      ~ Image + Satisfaction + Complaints
"""


def sempls_model() -> str:
    """The vignette's restrictive CB-SEM parametrisation in lavaan syntax."""
    lines = []
    for construct, items in BLOCKS.items():
        lines.append(f"{construct} =~ 1*{items[0]}" + "".join(f" + {i}" for i in items[1:]))
        lines.append(f"{construct} ~~ 1*{construct}")
        lines += [f"{item} ~~ 1*{item}" for item in items]
    return "\n".join(lines) + PATHS


def fit_sempls_cbsem() -> pd.DataFrame:
    """Fit the vignette's model; return the 12 paths (``lhs, rhs, est``)."""
    mobi = load_frame("mobi")
    n = len(mobi)
    cor = mobi.corr()
    result = fit(sempls_model(), sample_cov=cor * n / (n - 1), sample_nobs=n)
    paths = result.estimates[result.estimates["op"] == "~"]
    return paths[["lhs", "rhs", "est", "se"]].reset_index(drop=True)


if __name__ == "__main__":
    table = fit_sempls_cbsem()
    table.insert(0, "path", table["rhs"] + " -> " + table["lhs"])
    print("ECSI on mobi, CB-SEM as in Monecke & Leisch (2012), Section 5.2")
    print(table[["path", "est", "se"]].to_string(index=False, float_format="%.4f"))
