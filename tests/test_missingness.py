"""Missing-data patterns, coverage, EM saturated moments and the FIML log-likelihood vs lavaan.

Fixtures: tests/fixtures/missing/*.json from tests/reference/make_missing.R (lavaan 0.6.14):
Holzinger-Swineford x1..x9 with 10% MCAR cells, and the bundled survey's own missing answers.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import loyaltysem as ls
from loyaltysem._kernels import fiml
from loyaltysem.errors import MissingDataWarning, SurveyDataError
from loyaltysem.survey.missingness import missing_patterns, saturated_moments

FIXTURES = Path(__file__).parent / "fixtures" / "missing"
CASES = ["hs_mcar10", "ecommerce"]
#: coverage is a ratio of counts: exact up to rounding
ATOL_COVERAGE = 1e-15
#: EM to 1e-10 vs lavaan with em.h1.tol = 1e-12
ATOL_EM_TIGHT = 1e-9
#: vs lavaan's default em.h1.tol = 1e-5 (its stopping rule leaves up to ~3e-6)
ATOL_EM_DEFAULT = 1e-5
#: log-likelihoods (|logl| ~ 1e3 to 6e4)
RTOL_LOGL = 1e-12
#: lavaan's default EM: unrestricted.logl
ATOL_LOGL_DEFAULT = 1e-6


def load(name: str) -> tuple[dict, pd.DataFrame]:
    fx = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    values = np.array([[np.nan if v is None else v for v in row] for row in fx["data"]], float)
    return fx, pd.DataFrame(values, columns=fx["items"])


def matrix(entry: dict) -> pd.DataFrame:
    return pd.DataFrame(
        np.array(entry["values"], float), index=entry["rows"], columns=entry["cols"]
    )


@pytest.mark.parametrize("name", CASES)
def test_patterns_and_coverage_match_lavinspect(name):
    fx, data = load(name)
    mp = missing_patterns(data)
    ours = {
        tuple(int(v) for v in row[fx["items"]]): int(row["n"]) for _, row in mp.table.iterrows()
    }
    theirs = {
        tuple(int(v) for v in obs): int(f)
        for obs, f in zip(fx["patterns"]["observed"], fx["patterns"]["freq"], strict=True)
    }
    assert ours == theirs  # every pattern with its frequency, none missing on either side
    assert list(mp.table["n"]) == sorted(mp.table["n"], reverse=True)
    assert mp.n == fx["nobs"] and mp.n_empty == 0
    assert mp.missing_cells == int(np.isnan(data.to_numpy()).sum())
    assert_allclose(mp.coverage, matrix(fx["coverage"]).loc[fx["items"], fx["items"]],
                    atol=ATOL_COVERAGE)  # fmt: skip


@pytest.mark.parametrize("name", CASES)
def test_em_moments_and_unrestricted_logl_match_lavaan(name):
    fx, data = load(name)
    h1 = saturated_moments(data)
    tight = fx["h1_tight"]
    assert_allclose(h1.mean, tight["mean"], atol=ATOL_EM_TIGHT)
    assert_allclose(h1.cov, matrix(tight["cov"]), atol=ATOL_EM_TIGHT)
    assert_allclose(h1.loglik, tight["unrestricted_logl"], rtol=RTOL_LOGL)
    default = fx["h1"]
    assert_allclose(h1.mean, default["mean"], atol=ATOL_EM_DEFAULT)
    assert_allclose(h1.cov, matrix(default["cov"]), atol=ATOL_EM_DEFAULT)
    assert_allclose(h1.loglik, default["unrestricted_logl"], atol=ATOL_LOGL_DEFAULT)


@pytest.mark.parametrize("name", CASES)
def test_fiml_loglik_at_lavaans_estimates_is_lavaans_logl(name):
    fx, data = load(name)
    pat = fiml.patterns(data.to_numpy())
    mu = np.array(fx["implied"]["mean"])
    sigma = matrix(fx["implied"]["cov"]).to_numpy()
    assert_allclose(fiml.loglik(pat, mu, sigma), fx["logl"], rtol=RTOL_LOGL)


def test_gradient_is_the_derivative_of_the_loglik():
    fx, data = load("hs_mcar10")
    pat = fiml.patterns(data.to_numpy())
    mu = np.array(fx["implied"]["mean"])
    sigma = matrix(fx["implied"]["cov"]).to_numpy()
    g_mu, g_sigma = fiml.loglik_gradient(pat, mu, sigma)
    h = 1e-5  # central differences: roundoff ~ eps |loglik| / h stays below 1e-7
    for j in (0, 4, 8):
        e = np.zeros(9)
        e[j] = h
        num = (fiml.loglik(pat, mu + e, sigma) - fiml.loglik(pat, mu - e, sigma)) / (2 * h)
        assert_allclose(g_mu[j], num, rtol=1e-6, atol=1e-6)
    for i, j in ((0, 0), (1, 5), (7, 8)):
        e = np.zeros((9, 9))
        e[i, j] = e[j, i] = h
        num = (fiml.loglik(pat, mu, sigma + e) - fiml.loglik(pat, mu, sigma - e)) / (2 * h)
        analytic = g_sigma[i, j] * (1 if i == j else 2)  # symmetric perturbation
        assert_allclose(analytic, num, rtol=1e-6, atol=1e-6)
    # at the EM maximum the gradient vanishes
    em = fiml.em_saturated(pat)
    g_mu, g_sigma = fiml.loglik_gradient(pat, em.mu, em.sigma)
    assert np.abs(g_mu).max() < 1e-6 and np.abs(g_sigma).max() < 1e-6


def test_complete_data_em_is_the_sample_moments():
    data = ls.load_holzinger_swineford().data
    h1 = saturated_moments(data)
    x = data.to_numpy()
    assert h1.iterations <= 2  # one step reaches them, the next confirms
    assert_allclose(h1.mean, x.mean(axis=0), atol=1e-12)
    assert_allclose(h1.cov, np.cov(x, rowvar=False, bias=True), atol=1e-12)


def test_empty_rows_are_counted_not_silently_dropped():
    _, data = load("hs_mcar10")
    data = data.copy()
    data.iloc[[3, 10]] = np.nan
    mp = missing_patterns(data)
    assert mp.n_empty == 2 and mp.n == len(data) - 2
    assert "answered none of the items" in mp.summary()
    with pytest.warns(MissingDataWarning, match="2 respondent"):
        h1 = saturated_moments(data)
    assert h1.n_empty == 2 and h1.n == len(data) - 2


def test_bad_input_is_a_typed_error():
    _, data = load("hs_mcar10")
    bad = data.copy()
    bad["x3"] = np.nan
    with pytest.raises(SurveyDataError, match="nobody answered") as err:
        saturated_moments(bad)
    assert "x3" in str(err.value)
    const = data.copy()
    const["x2"] = 3.0
    with pytest.raises(SurveyDataError, match="without variance"):
        saturated_moments(const)
    text = data.astype(object)
    text.loc[0, "x1"] = "high"
    with pytest.raises(SurveyDataError, match="numeric"):
        missing_patterns(text)
    with pytest.raises(SurveyDataError, match="needs item scores"):
        missing_patterns([[1.0, 2.0]])  # type: ignore[arg-type]


def test_zero_coverage_pair_warns():
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    x.loc[:29, "a"] = np.nan
    x.loc[30:, "b"] = np.nan
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        saturated_moments(x, max_iter=50)
    assert any("no respondent answered both a and b" in str(w.message) for w in caught)
