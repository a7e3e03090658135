"""The estimation engine against lavaan, model by model, on lavaan's own parameter tables.

Fixtures: ``tests/reference/make_estimation.R`` (lavaan 0.6.14, versions recorded in each
fixture). Here the model enters as lavaan's ``parTable()`` so that the engine is tested
on its own; ``tests/test_fit.py`` goes from model syntax to the same numbers.
Tolerances are design.md §4.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from test_modindices import merged_strict

from loyaltysem.sem.moments import _Moments
from loyaltysem.sem.single_group import fit_partable

FIXTURES = Path(__file__).parent / "fixtures" / "estimation"

ATOL_EST = 1e-4  # estimates and standardized estimates
RTOL_SE = 1e-3  # standard errors (also of standardized estimates)
ATOL_SE_ZERO = 1e-8  # where lavaan reports se = 0 (fixed parameters)
RTOL_CHISQ = 1e-4
ATOL_INDEX = 1e-4  # CFI, TLI, RMSEA (and CI), SRMR, GFI, R², p-values ...
RTOL_LARGE = 1e-4  # logl, AIC, BIC, baseline chi-square, CN

MODELS = ["hs_cfa", "hs_cfa_std_lv", "poldem_sem", "hs_chain_fixed_x", "poldem_sem_from_cor"]
PARAM_OPS = ["=~", "~", "~~"]
LARGE = {
    "chisq",
    "baseline.chisq",
    "logl",
    "unrestricted.logl",
    "aic",
    "bic",
    "bic2",
    "cn_05",
    "cn_01",
    "npar",
    "df",
    "baseline.df",
    "ntotal",
}


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def fit_fixture(fx: dict):
    pt = pd.DataFrame(fx["partable"])
    s = np.array(fx["sample_cov"]["values"], dtype=float)
    return fit_partable(pt, _Moments(s, int(fx["nobs"]), fx["names"]["ov"], None, 0))


@pytest.fixture(scope="module", params=MODELS)
def case(request):
    fx = load(request.param)
    return fx, fit_fixture(fx)


def merge_exact(ours: pd.DataFrame, theirs: pd.DataFrame) -> pd.DataFrame:
    """Join on (lhs, op, rhs); a parameter present on one side only fails."""
    ours = ours[ours["op"].isin(PARAM_OPS)]
    theirs = theirs[theirs["op"].isin(PARAM_OPS)]
    merged = ours.merge(
        theirs, on=["lhs", "op", "rhs"], how="outer", suffixes=("", "_R"), indicator=True
    )
    unmatched = merged[merged["_merge"] != "both"]
    assert unmatched.empty, f"parameters on one side only:\n{unmatched[['lhs', 'op', 'rhs']]}"
    return merged


def test_converged(case):
    fx, res = case
    assert res.converged and fx["converged"]
    assert res.warnings == ()


def test_estimates_ses_and_pvalues(case):
    fx, res = case
    m = merge_exact(res.estimates, pd.DataFrame(fx["parameter_estimates"]))
    assert_allclose(m["est"], m["est_R"], atol=ATOL_EST)
    free = m["se_R"] > 0
    assert_allclose(m.loc[free, "se"], m.loc[free, "se_R"], rtol=RTOL_SE)
    assert_allclose(m.loc[~free, "se"], 0.0, atol=ATOL_SE_ZERO)
    assert_allclose(m.loc[free, "z"], m.loc[free, "z_R"], rtol=RTOL_SE)
    assert_allclose(m.loc[free, "pvalue"], m.loc[free, "pvalue_R"], atol=ATOL_INDEX)
    assert_allclose(m.loc[free, "ci_lower"], m.loc[free, "ci.lower"], atol=ATOL_EST * 10)
    assert_allclose(m.loc[free, "ci_upper"], m.loc[free, "ci.upper"], atol=ATOL_EST * 10)
    assert_allclose(m["std_lv"], m["std.lv"], atol=ATOL_EST)
    assert_allclose(m["std_all"], m["std.all"], atol=ATOL_EST)


def test_standardized_solution_with_delta_method_ses(case):
    fx, res = case
    m = merge_exact(res.estimates, pd.DataFrame(fx["standardized_solution"]))
    assert_allclose(m["std_all"], m["est.std"], atol=ATOL_EST)
    positive = m["se_R"] > ATOL_SE_ZERO
    assert_allclose(m.loc[positive, "se_std_all"], m.loc[positive, "se_R"], rtol=RTOL_SE)
    assert_allclose(m.loc[~positive, "se_std_all"], 0.0, atol=1e-6)


def test_every_fit_measure(case):
    fx, res = case
    theirs = {k: v for k, v in fx["fit_measures"].items() if v is not None}
    missing = sorted(set(theirs) - set(res.fit_measures.index))
    assert not missing, f"fit measures lavaan reports and we do not: {missing}"
    for key, value in theirs.items():
        ours = res.fit_measures[key]
        if key in LARGE:
            assert_allclose(ours, value, rtol=RTOL_CHISQ, err_msg=key)
        else:
            assert_allclose(ours, value, atol=ATOL_INDEX, err_msg=key)


def test_r_squared(case):
    fx, res = case
    theirs = pd.Series(fx["rsquare"], dtype=float)
    assert sorted(res.r2.index) == sorted(theirs.index)
    assert_allclose(res.r2.reindex(theirs.index), theirs, atol=ATOL_INDEX)


def test_implied_covariance_and_residuals(case):
    fx, res = case
    implied = np.array(fx["implied_cov"]["values"], dtype=float)
    assert list(res.implied_cov.index) == fx["implied_cov"]["names"]
    assert_allclose(res.implied_cov.to_numpy(), implied, atol=ATOL_EST)
    raw = np.array(fx["residuals"]["raw"]["values"], dtype=float)
    assert_allclose(res.residuals("raw").to_numpy(), raw, atol=ATOL_EST)
    cor = np.array(fx["residuals"]["cor"]["values"], dtype=float)
    assert_allclose(res.residuals("cor").to_numpy(), cor, atol=ATOL_EST)


def test_result_is_immutable_and_has_provenance(case):
    _, res = case
    with pytest.raises(AttributeError):
        res.converged = False  # type: ignore[misc]
    assert res.provenance.estimator == "ML"
    assert res.provenance.n == int(res.fit_measures["ntotal"])
    assert "numpy" in res.provenance.versions


RTOL_MI = 1e-3


@pytest.mark.parametrize("name", MODELS)
def test_modification_indices_top_30(name):
    """lavaan's 30 largest indices are ours, and ours above its 30th are lavaan's."""
    fx = load(name)
    res = fit_fixture(fx)
    ours = res.modification_indices()
    m = merged_strict(ours, pd.DataFrame(fx["modindices_top30"]), top=30)
    assert_allclose(m["mi"], m["mi_R"], rtol=RTOL_MI, atol=ATOL_EST)
    assert_allclose(m["epc"], m["epc_R"], atol=ATOL_EST)
    assert_allclose(m["sepc.lv"], m["sepc.lv_R"], atol=ATOL_EST)
    assert_allclose(m["sepc.all"], m["sepc.all_R"], atol=ATOL_EST)
    assert_allclose(m["sepc.nox"], m["sepc.nox_R"], atol=ATOL_EST)
    # sorted largest first, as modindices(sort. = TRUE)
    assert (np.diff(ours["mi"].to_numpy()) <= 0).all()


ATOL_STD_RESID = 1e-3  # z-statistics of residuals: ratios of small numbers


def test_standardized_residuals(case):
    fx, res = case
    theirs = np.array(fx["residuals"]["standardized"]["values"], dtype=float)
    ours = res.residuals("standardized").to_numpy()
    assert_allclose(ours, theirs, atol=ATOL_STD_RESID)
