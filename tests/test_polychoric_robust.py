"""Polychoric and tetrachoric correlations where the likelihood is awkward, against lavaan.

Fixture: ``tests/fixtures/polychoric_robust.json`` from
``tests/reference/make_polychoric_robust.R`` (R 4.2.2, lavaan 0.6-14, psych 2.2.9): the
2 x 2 table [[187, 3], [14, 18]] of issue 14 and simulated sparse tables on which
lavaan's floored likelihood has two local maxima or flattens towards +-1. Each table is
expanded to raw answers here, as the R script expands it, and given to
:func:`loyaltysem.sem.polychoric.polychoric`. R is not needed.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import optimize

from loyaltysem._kernels import polychoric as kern
from loyaltysem.sem.polychoric import polychoric

# design.md section 4: estimates atol 1e-4. We hold the correlations to 1e-5 as
# tests/test_polychoric.py does; measured max |ours - lavaan| over the fixture: 5e-11
# (the same optimizer path as nlminb; see docs/polychoric.md).
ATOL_CORRELATION = 1e-5
ATOL_THRESHOLD = 1e-5

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "polychoric_robust.json"
DATA = json.loads(FIXTURE.read_text(encoding="utf-8"))
CASES = {c["name"]: c for c in DATA["cases"]}


def expand(table: list[list[int]]) -> pd.DataFrame:
    """One row per answer, categories 1..K, as ``expand()`` in the R script."""
    tab = np.asarray(table, dtype=np.int64)
    a, b = np.nonzero(tab >= 0)
    reps = tab[a, b]
    return pd.DataFrame({"a": np.repeat(a + 1, reps), "b": np.repeat(b + 1, reps)}).astype(float)


def lavaan_polychoric(x: pd.DataFrame) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # near +-1 warnings are tested elsewhere
        return float(polychoric(x).correlation.loc["a", "b"])


def test_fixture_provenance():
    prov = DATA["provenance"]
    assert prov["generator"] == "tests/reference/make_polychoric_robust.R"
    assert prov["lavaan_version"] == "0.6.14"
    assert prov["psych_version"] == "2.2.9"
    assert prov["r_version"].startswith("R version 4.")
    assert len(CASES) == len(DATA["cases"]) >= 12


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_lavcor(name):
    case = CASES[name]
    x = expand(case["table"])
    assert len(x) == case["n"]
    assert math.isclose(float(np.corrcoef(x["a"], x["b"])[0, 1]), case["pearson_start"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = polychoric(x)
    assert_allclose(
        res.correlation.loc["a", "b"], case["lavaan_rho"], rtol=0, atol=ATOL_CORRELATION
    )
    th = case["lavaan_thresholds"]
    assert list(res.thresholds.values.index) == th["names"]
    assert_allclose(res.thresholds.values.to_numpy(), th["values"], rtol=0, atol=ATOL_THRESHOLD)


def test_tetrachoric_of_issue_14_iterates_to_lavaans_value():
    # R: lavCor 0.91454246; psych::tetrachoric 0.91454109 (optimize() tolerance).
    case = CASES["tetrachoric_187_3_14_18"]
    rho = lavaan_polychoric(expand(case["table"]))
    assert_allclose(rho, case["lavaan_rho"], rtol=0, atol=ATOL_CORRELATION)
    assert_allclose(rho, case["psych_tetrachoric_rho"], rtol=0, atol=1e-5)
    assert_allclose(case["psych_tetrachoric_rho"], case["psych_polychoric_rho"], atol=1e-12)
    # the old bound check returned -0.999 here: the score at -0.999 underflows to 0
    tab = np.asarray(case["table"], dtype=float)
    t1 = kern.univariate_thresholds(tab.sum(axis=1))[None, :]
    t2 = kern.univariate_thresholds(tab.sum(axis=0))[None, :]
    _, g, _ = kern._objective(tab[None], t1, t2, np.array([-kern.RHO_BOUND]))
    assert g[0] == 0.0
    fit = kern.fit_polychoric(tab[None], t1, t2, np.array([case["pearson_start"]]))
    assert fit.converged[0]
    assert fit.special[0] == 0


@pytest.mark.parametrize("name", sorted(n for n in CASES if n.startswith("sparse_")))
def test_sparse_tables_follow_lavaan_not_psych(name):
    # lavaan floors cell probabilities at sqrt(eps), so a careless answer in a far corner
    # costs at most log(sqrt(eps)); psych's unfloored likelihood penalises it without
    # bound and settles at a lower correlation. Policy: lavaan's number.
    case = CASES[name]
    rho = lavaan_polychoric(expand(case["table"]))
    assert_allclose(rho, case["lavaan_rho"], rtol=0, atol=ATOL_CORRELATION)
    assert abs(case["lavaan_rho"] - case["psych_polychoric_rho"]) > 0.03


def floored_loglik(table: np.ndarray, rho: np.ndarray) -> np.ndarray:
    t1 = kern.univariate_thresholds(table.sum(axis=1))
    t2 = kern.univariate_thresholds(table.sum(axis=0))
    n = rho.size
    f, _, _ = kern._objective(
        np.repeat(table[None], n, 0), np.repeat(t1[None], n, 0), np.repeat(t2[None], n, 0), rho
    )
    return -f


@pytest.mark.parametrize(
    ("name", "higher"),
    [("sparse_116", True), ("sparse_1533", True), ("sparse_929", False), ("sparse_489", False)],
)
def test_two_local_maxima_and_lavaan_takes_the_one_nlminb_reaches(name, higher):
    # Not always the higher maximum: nlminb's path from the Pearson start decides.
    case = CASES[name]
    table = np.asarray(case["table"], dtype=float)
    grid = np.linspace(0.3, 0.99, 1381)
    ll = floored_loglik(table, grid)
    inner = (ll[1:-1] > ll[:-2]) & (ll[1:-1] >= ll[2:])
    peaks = grid[1:-1][inner]
    assert peaks.size == 2
    lavaan_peak = peaks[np.argmin(np.abs(peaks - case["lavaan_rho"]))]
    assert abs(lavaan_peak - case["lavaan_rho"]) < 1e-3
    other = peaks[peaks != lavaan_peak][0]
    assert abs(other - case["psych_polychoric_rho"]) < 1e-3  # psych sits on the other one
    ll_lavaan, ll_other = floored_loglik(table, np.array([case["lavaan_rho"], other]))
    assert bool(ll_lavaan > ll_other) == higher


@pytest.mark.parametrize("name", sorted(n for n in CASES if n.startswith("flat_")))
def test_flat_likelihood_stops_where_nlminb_stops(name):
    # The likelihood rises towards +-1 and flattens: lavaan reports the point where its
    # relative function convergence test first holds (or the bound), not the supremum.
    case = CASES[name]
    rho = lavaan_polychoric(expand(case["table"]))
    assert_allclose(rho, case["lavaan_rho"], rtol=0, atol=ATOL_CORRELATION)
    table = np.asarray(case["table"], dtype=float)
    at_lavaan, at_bound = floored_loglik(
        table, np.array([case["lavaan_rho"], math.copysign(kern.RHO_BOUND, rho)])
    )
    assert (at_bound - at_lavaan) * table.sum() < 1e-8  # log-likelihood: measured <= 4.7e-9


# --------------------------------------------------------------------------- property


def exact_tetrachoric(table: np.ndarray) -> float:
    """Solve Phi2(t1, t2; rho) = p11 (the 2 x 2 likelihood is maximised by fitting p11)."""
    t1 = kern.univariate_thresholds(table.sum(axis=1))
    t2 = kern.univariate_thresholds(table.sum(axis=0))
    p11 = table[0, 0] / table.sum()

    def gap(r: float) -> float:
        return float(kern.bvn_cdf(t1[0], t2[0], r)) - p11

    lo, hi = -1.0 + 1e-12, 1.0 - 1e-12
    if gap(lo) >= 0:
        return -1.0
    if gap(hi) <= 0:
        return 1.0
    return float(optimize.brentq(gap, lo, hi, xtol=1e-14))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=300), min_size=4, max_size=4))
def test_tetrachoric_property(cells):
    table = np.array(cells, dtype=float).reshape(2, 2)
    if (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
        return  # a constant item has no correlation (SurveyDataError, tested elsewhere)
    rho = lavaan_polychoric(expand(table.astype(int).tolist()))
    n_zero = int((table == 0).sum())
    assert -1.0 <= rho <= 1.0
    if n_zero == 2:  # lavaan: +-1 with a warning
        assert abs(rho) == 1.0
        assert (rho > 0) == (table[0, 0] > 0)
        return
    assert -1.0 < rho < 1.0
    adjusted = table.copy()
    if n_zero == 1:  # lavaan moves 0.5 into the empty cell keeping the margins
        sign = 1.0 if table[0, 0] == 0 or table[1, 1] == 0 else -1.0
        adjusted += sign * np.array([[0.5, -0.5], [-0.5, 0.5]])
    log_or = math.log(adjusted[0, 0] * adjusted[1, 1]) - math.log(adjusted[0, 1] * adjusted[1, 0])
    assert np.sign(rho) == np.sign(round(log_or, 12))
    if n_zero == 0:
        exact = exact_tetrachoric(table)
        if abs(exact) < kern.RHO_BOUND - 1e-4 and not _floored_stop(table, rho):
            assert abs(rho) < kern.RHO_BOUND  # not stuck at a bound
            assert rho == pytest.approx(exact, abs=1e-4)
        elif abs(exact) >= kern.RHO_BOUND - 1e-4:
            assert abs(rho) >= kern.RHO_BOUND - 1e-3


def _floored_stop(table: np.ndarray, rho: float) -> bool:
    """lavaan's own stop at the bound: a non-empty cell's probability is floored there.

    There the floored objective's gradient leaves that cell out and is zero, and lavaan's
    nlminb stops (lavCor gives 0.999 for [[56, 1], [49, 256]], whose unfloored maximum
    is 0.953; psych gives the latter). We follow lavaan (docs/polychoric.md).
    """
    if abs(rho) < kern.RHO_BOUND:
        return False
    t1 = kern.univariate_thresholds(table.sum(axis=1))[None]
    t2 = kern.univariate_thresholds(table.sum(axis=0))[None]
    p = kern.cell_probabilities(t1, t2, np.array([rho]))[0]
    return bool(((p <= kern._PI_FLOOR) & (table > 0)).any())


def test_lavaans_floored_stop_is_recognised():
    case = CASES["tetrachoric_56_1_49_256"]
    table = np.array(case["table"], dtype=float)
    rho = lavaan_polychoric(expand(table.astype(int).tolist()))
    assert rho == pytest.approx(case["lavaan_rho"], abs=1e-5)  # lavCor stops at the bound
    assert _floored_stop(table, rho)
    assert abs(exact_tetrachoric(table)) < kern.RHO_BOUND - 1e-2


def test_random_tables_match_lavcor():
    # 307 tables of 2-7 x 2-7 categories, N 10-300, some answers replaced at random: the
    # estimates before this optimizer differed from lavCor by more than 1e-5 on 48 of them
    # (up to a flipped sign at -0.999); now measured max 4.1e-8.
    random = DATA["random"]
    assert len(random) == 307
    ours = np.array([lavaan_polychoric(expand(c["table"])) for c in random])
    ref = np.array([c["lavaan_rho"] for c in random])
    assert_allclose(ours, ref, rtol=0, atol=ATOL_CORRELATION)


# --------------------------------------------------------------------------- WLSMV on top


RTOL_CHISQ = 1e-4  # design.md section 4
ATOL_EST = 1e-4
RTOL_SE = 1e-3
ATOL_INDEX = 1e-4


@pytest.fixture(scope="module")
def wlsmv_case():
    from loyaltysem import fit

    wl = DATA["wlsmv"]
    items = pd.DataFrame(np.array(wl["data"], dtype=float), columns=wl["items"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit(wl["model_syntax"], items, ordered=True, estimator="WLSMV")
    return wl, items, res


def test_wlsmv_fit_on_a_two_maxima_pair_matches_lavaan(wlsmv_case):
    # y1-y2 has two careless answers (1 and 7): lavaan's floored likelihood peaks at 0.8187
    # and psych's at 0.7545 (our previous solver's answer); the WLSMV fit inherits it
    # (previous scaled chi-square 7.628 against lavaan's 7.857).
    wl, items, res = wlsmv_case
    ours = lavaan_polychoric_matrix(items)
    assert_allclose(ours, np.array(wl["lavcor"]), rtol=0, atol=ATOL_CORRELATION)
    psych = np.array(wl["psych_rho"])
    assert abs(psych[0, 1] - np.array(wl["lavcor"])[0, 1]) > 0.05
    fm, theirs = res.fit_measures, wl["fit_measures"]
    for key in ("chisq", "chisq.scaled"):
        assert_allclose(fm[key], theirs[key], rtol=RTOL_CHISQ)
    assert fm["df"] == theirs["df"]
    for key in ("cfi.scaled", "tli.scaled", "rmsea.scaled", "srmr"):
        assert_allclose(fm[key], theirs[key], atol=ATOL_INDEX)
    pe = pd.DataFrame(wl["parameter_estimates"])
    m = res.estimates.merge(pe, on=["lhs", "op", "rhs"], how="outer", suffixes=("", "_R"))
    assert m["est_R"].notna().all() and m["est"].notna().all()
    assert_allclose(m["est"], m["est_R"], atol=ATOL_EST)
    free = m["se_R"] > 0
    assert free.sum() >= 4 + 24  # loadings and thresholds at least
    assert_allclose(m.loc[free, "se"], m.loc[free, "se_R"], rtol=RTOL_SE)


def lavaan_polychoric_matrix(items: pd.DataFrame) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return polychoric(items).correlation.to_numpy()


def test_failed_optimizer_restarts_then_returns_the_start_as_lavaan(monkeypatch):
    # lavaan: nlminb from 0 on [-0.995, 0.995] when the first run does not converge, and
    # the Pearson start value with a warning when that fails too. One iteration allowed:
    # both runs stop at their iteration limit.
    from loyaltysem.errors import ConvergenceWarning

    case = CASES["sparse_116"]
    tab = np.asarray(case["table"], dtype=float)
    t1 = kern.univariate_thresholds(tab.sum(axis=1))[None, :]
    t2 = kern.univariate_thresholds(tab.sum(axis=0))[None, :]
    monkeypatch.setattr(kern, "_ITER_MAX", 1)
    fit = kern.fit_polychoric(tab[None], t1, t2, np.array([case["pearson_start"]]))
    assert not fit.converged[0]
    assert fit.rho[0] == case["pearson_start"]
    assert fit.special[0] == 3
    with pytest.warns(ConvergenceWarning, match="Pearson start value"):
        res = polychoric(expand(case["table"]))
    assert res.correlation.loc["a", "b"] == pytest.approx(case["pearson_start"], abs=1e-14)
    monkeypatch.setattr(kern, "_ITER_MAX", 150)
    restart = kern.fit_polychoric(tab[None], t1, t2, np.array([case["pearson_start"]]))
    assert restart.converged[0] and restart.special[0] == 0


def test_restart_runs_from_zero_within_the_narrower_bounds(monkeypatch):
    case = CASES["tetrachoric_187_3_14_18"]
    tab = np.asarray(case["table"], dtype=float)
    t1 = kern.univariate_thresholds(tab.sum(axis=1))[None, :]
    t2 = kern.univariate_thresholds(tab.sum(axis=0))[None, :]
    original = kern._nlminb_1d
    starts = []

    def first_run_fails(x_start, lower, upper):
        starts.append((x_start, lower, upper))
        if upper == kern.RHO_BOUND:
            yield x_start  # one evaluation, then "no convergence"
            return x_start, False, 1
        return (yield from original(x_start, lower, upper))

    monkeypatch.setattr(kern, "_nlminb_1d", first_run_fails)
    fit = kern.fit_polychoric(tab[None], t1, t2, np.array([case["pearson_start"]]))
    assert starts == [(case["pearson_start"], -0.999, 0.999), (0.0, -0.995, 0.995)]
    assert fit.converged[0] and fit.special[0] == 3
    assert_allclose(fit.rho[0], case["lavaan_rho"], atol=ATOL_CORRELATION)
