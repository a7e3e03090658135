"""Thresholds, polychoric correlations, NACOV and ordinal alpha against lavaan and psych.

Fixtures come from ``tests/reference/make_polychoric.R`` (R 4.2.2, lavaan 0.6-14,
psych 2.2.9) on the data the tests load through :mod:`loyaltysem.datasets`; R is not
needed here.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from loyaltysem import datasets
from loyaltysem._kernels import polychoric as kern
from loyaltysem.errors import LoyaltySemWarning, MissingDataWarning, SurveyDataError
from loyaltysem.measurement.polychoric import (
    OrdinalAlphaResult,
    PolychoricResult,
    ThresholdResult,
    _psych_polychoric,
    ordinal_alpha,
    polychoric,
    thresholds,
)

# Tolerances (measured maxima in docs/polychoric.md).
# Thresholds are closed-form (qnorm of cumulative proportions): ~5e-15 measured.
ATOL_THRESHOLD = 1e-5
# Correlations: we follow nlminb's path and stopping rules (PORT, as lavaan calls it);
# measured max |diff| 3.7e-8 (the last step taken one iteration apart near rel.tol).
ATOL_CORRELATION = 1e-5
# NACOV (gamma) entries are O(1-10); measured max |diff| 4.4e-8, relative 1.1e-7.
ATOL_GAMMA = 1e-5
RTOL_WLS_V = 1e-5
# psych::polychoric: same likelihood, R's optimize() reproduced step by step; 1.7e-11.
ATOL_PSYCH = 1e-5
ATOL_ALPHA = 1e-5
# bivariate normal distribution function against scipy (Genz's bvnu in Fortran).
ATOL_BVN = 1e-12

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
CORP_ITEMS = [
    "comp_1",
    "comp_2",
    "comp_3",
    "like_1",
    "like_2",
    "like_3",
    "cusl_1",
    "cusl_2",
    "cusl_3",
]
NAMES = ["holzinger", "ecommerce", "corp_rep"]


def cut5(v: np.ndarray) -> np.ndarray:
    """R: cut(v, quantile(v, seq(0, 1, .2)), include.lowest = TRUE, labels = FALSE)."""
    breaks = np.quantile(v, np.linspace(0.0, 1.0, 6))  # type 7, as R's default
    return np.clip(np.searchsorted(breaks, v, side="left"), 1, 5).astype(float)


def load_data(name: str) -> pd.DataFrame:
    if name == "holzinger":
        hs = datasets.load_holzinger_swineford().data
        return pd.DataFrame({c: cut5(hs[c].to_numpy()) for c in hs.columns})
    if name == "ecommerce":
        return datasets.load_ecommerce().data  # -99 -> NaN, LOY4 reversed by the codebook
    if name == "corp_rep":
        return datasets.load_corp_rep().data[CORP_ITEMS]
    raise AssertionError(name)  # pragma: no cover


def load_fixture(name: str) -> dict:
    with open(FIXTURES / f"polychoric_{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


def blocks():
    for name in NAMES:
        for missing in load_fixture(name)["lavaan"]:
            yield name, missing


BLOCKS = list(blocks())


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        return fn(*args, **kwargs)


def labelled(block: dict) -> pd.DataFrame:
    return pd.DataFrame(block["values"], index=block["rows"], columns=block["columns"])


def assert_same_labels(ours, theirs, what: str):
    """A quantity present on one side only fails."""
    assert list(ours) == list(theirs), f"{what}: labels differ"


# --------------------------------------------------------------------------- fixtures


@pytest.mark.parametrize("name", NAMES)
def test_fixture_provenance_and_data(name):
    fx = load_fixture(name)
    prov = fx["provenance"]
    assert prov["r_version"].startswith("R version ")
    assert prov["lavaan_version"] and prov["psych_version"] and prov["jsonlite_version"]
    data = load_data(name)
    assert [str(c) for c in data.columns] == prov["items"]
    assert fx["n_rows"] == len(data)
    assert fx["n_complete"] == int(data.notna().all(axis=1).sum())
    # the same categories with the same counts (checks the quintile rule of Holzinger)
    for item, counts in fx["counts"].items():
        ours = data[item].value_counts().sort_index()
        assert [float(k) for k in counts] == ours.index.tolist(), item
        assert list(counts.values()) == ours.tolist(), item


# --------------------------------------------------------------------------- lavaan


@pytest.mark.parametrize(("name", "missing"), BLOCKS)
def test_thresholds_match_lavcor(name, missing):
    ref = load_fixture(name)["lavaan"][missing]["thresholds"]
    th = quiet(thresholds, load_data(name), missing=missing)
    assert isinstance(th, ThresholdResult)
    assert_same_labels(th.values.index, ref["names"], "thresholds")
    assert_allclose(th.values.to_numpy(), ref["values"], rtol=0, atol=ATOL_THRESHOLD)


@pytest.mark.parametrize(("name", "missing"), BLOCKS)
def test_polychoric_matches_lavcor(name, missing):
    ref = load_fixture(name)["lavaan"][missing]
    res = quiet(polychoric, load_data(name), missing=missing)
    assert isinstance(res, PolychoricResult)
    expected = labelled(ref["correlation"])
    assert_same_labels(res.correlation.index, expected.index, "rows")
    assert_same_labels(res.correlation.columns, expected.columns, "columns")
    assert_allclose(res.correlation.to_numpy(), expected.to_numpy(), rtol=0, atol=ATOL_CORRELATION)
    assert res.n == ref["n"]
    assert_same_labels(res.thresholds.values.index, ref["thresholds"]["names"], "thresholds")
    assert_allclose(
        res.thresholds.values.to_numpy(), ref["thresholds"]["values"], atol=ATOL_THRESHOLD
    )


@pytest.mark.parametrize(("name", "missing"), BLOCKS)
def test_nacov_matches_lavaan_gamma(name, missing):
    ref = load_fixture(name)["lavaan"][missing]
    res = quiet(polychoric, load_data(name), missing=missing, nacov=True)
    assert_same_labels(res.gamma.index, ref["gamma_names"], "gamma rows")
    assert_same_labels(res.gamma.columns, ref["gamma_names"], "gamma columns")
    assert_allclose(np.diag(res.gamma), ref["gamma_diag"], rtol=0, atol=ATOL_GAMMA)
    if "gamma" in ref:
        assert_allclose(res.gamma.to_numpy(), ref["gamma"], rtol=0, atol=ATOL_GAMMA)
    assert_allclose(res.wls_v.to_numpy(), ref["wls_v_diag"], rtol=RTOL_WLS_V)
    assert_allclose(res.gamma.to_numpy(), res.gamma.to_numpy().T, atol=1e-12)


def test_nacov_full_matrix_is_present_for_the_nine_item_sets():
    for name in ("holzinger", "corp_rep"):
        for block in load_fixture(name)["lavaan"].values():
            assert "gamma" in block, name


# --------------------------------------------------------------------------- psych


@pytest.mark.parametrize("name", NAMES)
def test_psych_polychoric_matches(name):
    fx = load_fixture(name)
    expected = labelled(fx["psych"]["rho"])
    data = load_data(name)
    assert_same_labels(data.columns, expected.columns, "psych items")
    rho, global_ = _psych_polychoric(data)
    assert global_
    assert_allclose(rho, expected.to_numpy(), rtol=0, atol=ATOL_PSYCH)


def test_psych_local_branch_with_unequal_categories():
    # x1-x3 in quintiles, x4-x6 in quartiles: psych sets global = FALSE, drops empty
    # rows/columns, adds correct = 0.5 to empty cells, thresholds from each pair's table
    fx = load_fixture("psych_local")
    hs = datasets.load_holzinger_swineford().data
    cut4 = {
        c: np.clip(
            np.searchsorted(np.quantile(hs[c], np.linspace(0, 1, 5)), hs[c], side="left"), 1, 4
        ).astype(float)
        for c in ("x4", "x5", "x6")
    }
    data = pd.DataFrame({**{c: cut5(hs[c].to_numpy()) for c in ("x1", "x2", "x3")}, **cut4})
    assert list(data.columns) == fx["items"]
    rho, global_ = _psych_polychoric(data)
    assert not global_
    assert_allclose(rho, labelled(fx["rho"]).to_numpy(), rtol=0, atol=ATOL_PSYCH)


@pytest.mark.parametrize("name", NAMES)
def test_psych_thresholds_are_per_item_from_all_answers(name):
    tau = labelled(load_fixture(name)["psych"]["tau"])
    th = quiet(thresholds, load_data(name), missing="pairwise")
    for item in tau.index:
        ours = th.table.loc[th.table["item"] == item, "value"].to_numpy()
        assert_allclose(ours, tau.loc[item].to_numpy(dtype=float), atol=ATOL_THRESHOLD)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("method", "missing", "key"),
    [
        ("psych", "listwise", "psych_std_alpha"),
        ("lavaan", "listwise", "lavaan_std_alpha"),
        ("lavaan", "pairwise", "lavaan_pairwise_std_alpha"),
    ],
)
def test_ordinal_alpha_matches_references(name, method, missing, key):
    ref = load_fixture(name)["ordinal_alpha"]
    constructs = {c: v["items"] for c, v in ref.items()}
    res = quiet(ordinal_alpha, load_data(name), constructs, method=method, missing=missing)
    assert isinstance(res, OrdinalAlphaResult)
    assert_same_labels(res.table.index, list(ref), "constructs")
    expected = [ref[c][key] for c in ref]
    assert_allclose(res.table["alpha"].to_numpy(), expected, rtol=0, atol=ATOL_ALPHA)
    if method == "psych":
        for c in ref:
            assert_allclose(
                res.correlations[c].to_numpy(),
                labelled(ref[c]["psych_rho"]).to_numpy(),
                atol=ATOL_PSYCH,
            )


def test_ordinal_alpha_formula():
    r = np.array([[1.0, 0.5, 0.4], [0.5, 1.0, 0.3], [0.4, 0.3, 1.0]])
    data = pd.DataFrame(
        stats.multivariate_normal(cov=r, seed=1).rvs(2000), columns=["a", "b", "c"]
    ).apply(lambda v: np.digitize(v, [-1.0, 0.0, 1.0]) + 1.0)
    res = ordinal_alpha(data, {"F": ["a", "b", "c"]})
    rr = res.correlations["F"].to_numpy()
    k = 3
    mean_r = (rr.sum() - k) / (k * (k - 1))
    assert res.table.loc["F", "alpha"] == pytest.approx(k * mean_r / (1 + (k - 1) * mean_r))
    # ordinal alpha = k/(k-1) (1 - k / sum(R))
    assert res.table.loc["F", "alpha"] == pytest.approx(k / (k - 1) * (1 - k / rr.sum()))


# --------------------------------------------------------------------------- kernels


def test_bvn_cdf_matches_scipy_everywhere():
    rng = np.random.default_rng(20261123)
    n = 400
    h = rng.uniform(-5, 5, n)
    k = rng.uniform(-5, 5, n)
    edges = [0.0, 0.3, -0.3, 0.75, -0.75, 0.925, -0.925, 0.99, -0.99, 0.9999, -0.9999]
    r = np.concatenate([rng.uniform(-0.9999, 0.9999, n - len(edges)), edges])
    ours = kern.bvn_cdf(h, k, r)
    ref = np.array(
        [
            stats.multivariate_normal(mean=[0, 0], cov=[[1, c], [c, 1]]).cdf([a, b])
            for a, b, c in zip(h, k, r, strict=True)
        ]
    )
    assert_allclose(ours, ref, rtol=0, atol=ATOL_BVN)


def test_bvn_cdf_limits_and_closed_forms():
    assert float(kern.bvn_cdf(0.0, 0.0, 0.5)) == pytest.approx(
        0.25 + math.asin(0.5) / (2 * math.pi), abs=1e-15
    )
    assert float(kern.bvn_cdf(np.inf, 0.3, 0.4)) == pytest.approx(stats.norm.cdf(0.3))
    assert float(kern.bvn_cdf(-np.inf, 0.3, 0.4)) == 0.0
    assert float(kern.bvn_cdf(1.0, 2.0, 0.0)) == pytest.approx(
        stats.norm.cdf(1.0) * stats.norm.cdf(2.0), abs=1e-15
    )


def test_cell_probabilities_sum_to_one():
    t1 = np.array([[-1.0, 0.0, 1.2]])
    t2 = np.array([[-0.5, 0.7]])
    pi = kern.cell_probabilities(t1, t2, np.array([0.6]))
    assert pi.shape == (1, 4, 3)
    assert pi.sum() == pytest.approx(1.0, abs=1e-13)


def test_two_by_two_closed_forms_as_lavaan():
    # both thresholds 0: rho = -cos(2 pi p11)
    x = pd.DataFrame({"a": [1] * 30 + [2] * 30, "b": [1] * 20 + [2] * 10 + [1] * 10 + [2] * 20})
    res = polychoric(x)
    assert res.correlation.loc["a", "b"] == pytest.approx(-math.cos(2 * math.pi * 20 / 60))
    # two empty cells: +1 (lavaan: "correlation between variables ... is (nearly) 1.0")
    y = pd.DataFrame({"a": [1] * 10 + [2] * 20, "b": [1] * 10 + [2] * 20})
    with pytest.warns(LoyaltySemWarning, match=r"nearly\) \+-1 for 1 pair\(s\): a x b"):
        res = polychoric(y)
    assert res.correlation.loc["a", "b"] == 1.0
    assert res.at_bound == [("a", "b")]
    assert res.empty_cells.loc["a", "b"] == 2


def test_two_by_two_one_empty_cell_and_sparse_tables_as_lavaan():
    # R: lavCor(x, ordered = names(x)) gives a~b 0.91524034303777 (0.5 moved into the
    # empty cell keeping the margins), c3~d3 0.801241013509732, the others at 0.999
    a = [1] * 30 + [2] * 40
    b = [1] * 45 + [2] * 25
    c3 = [1] * 20 + [2] * 30 + [3] * 20
    d3 = [1] * 10 + [2] * 10 + [1] * 5 + [2] * 20 + [3] * 5 + [2] * 5 + [3] * 15
    x = pd.DataFrame({"a": a, "b": b, "c3": c3, "d3": d3}).astype(float)
    with pytest.warns(LoyaltySemWarning, match="4 pair"):
        res = polychoric(x)
    r = res.correlation
    assert r.loc["a", "b"] == pytest.approx(0.91524034303777, abs=ATOL_CORRELATION)
    assert r.loc["c3", "d3"] == pytest.approx(0.801241013509732, abs=ATOL_CORRELATION)
    for pair in [("a", "c3"), ("a", "d3"), ("b", "c3"), ("b", "d3")]:
        assert r.loc[pair] == pytest.approx(0.999)
        assert pair in res.at_bound


def test_empty_cells_are_counted_per_pair():
    res = quiet(polychoric, load_data("corp_rep"))
    cells = res.empty_cells.to_numpy()
    assert (np.diag(cells) == 0).all()
    assert (cells == cells.T).all()
    assert cells.max() > 0  # corp_rep's sparse 7 x 7 tables have empty cells


def test_all_pairs_of_the_survey_in_well_under_a_second():
    data = load_data("ecommerce")
    quiet(polychoric, data)  # warm up
    start = time.perf_counter()
    res = quiet(polychoric, data)
    elapsed = time.perf_counter() - start
    assert res.correlation.shape == (29, 29)
    # measured ~0.09 s on one core; 1 s leaves room for a loaded CI machine
    assert elapsed < 1.0


def test_brent_fmin_reproduces_a_known_minimum():
    x, fx = kern.brent_fmin(lambda v: (v - 0.3) ** 2 + 1.0, -1.0, 1.0, 1e-10)
    assert x == pytest.approx(0.3, abs=1e-8)
    assert fx == pytest.approx(1.0)


# --------------------------------------------------------------------------- missing rows


def test_all_missing_rows_are_counted_and_reported():
    data = load_data("holzinger").copy()
    data.iloc[[3, 10, 20], :] = np.nan
    data.iloc[5, 0] = np.nan
    with pytest.warns(MissingDataWarning, match="3 of them with no answer"):
        res = polychoric(data)
    assert (res.n_rows, res.n_empty_rows, res.n_incomplete_rows, res.n) == (301, 3, 4, 297)
    with pytest.warns(MissingDataWarning, match="3 of 301 rows have no answer"):
        res = polychoric(data, missing="pairwise")
    assert res.n == 298
    assert res.pairwise_n.loc["x1", "x2"] == 297
    assert "with no answer 3" in res.summary()


def test_complete_data_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        polychoric(load_data("holzinger"))


# --------------------------------------------------------------------------- bad input


def test_single_category_item_is_rejected():
    data = load_data("holzinger").copy()
    data["x2"] = 3.0
    with pytest.raises(SurveyDataError, match="single value") as err:
        polychoric(data)
    assert err.value.column == "x2"
    assert "3" in str(err.value.found)
    assert err.value.fix


def test_non_integer_codes_are_rejected():
    data = load_data("holzinger").copy()
    data.loc[7, "x4"] = 2.5
    with pytest.raises(SurveyDataError, match="whole-number") as err:
        thresholds(data)
    assert err.value.column == "x4"
    assert "2.5" in str(err.value.found)
    assert "continuous" in err.value.fix


def test_too_many_categories_suggest_continuous():
    hs = datasets.load_holzinger_swineford().data
    data = pd.DataFrame({"x1": np.round(hs["x1"] * 6), "x2": cut5(hs["x2"].to_numpy())})
    with pytest.raises(SurveyDataError, match="more than 20") as err:
        polychoric(data)
    assert err.value.column == "x1"
    assert "continuous" in err.value.fix


def test_undefined_pair_after_pairwise_deletion():
    rng = np.random.default_rng(3)
    a = rng.integers(1, 4, 200).astype(float)
    b = rng.integers(1, 4, 200).astype(float)
    # b is answered only by respondents with a == 1: the pair's table has one row
    b[a != 1] = np.nan
    data = pd.DataFrame({"a": a, "b": b})
    with pytest.raises(SurveyDataError, match="undefined") as err:
        polychoric(data, missing="pairwise")
    assert err.value.column == "a x b"
    assert "constant item: a" in str(err.value.found)


def test_category_emptied_by_listwise_deletion():
    rng = np.random.default_rng(4)
    data = pd.DataFrame(
        {"a": rng.integers(1, 4, 100).astype(float), "b": rng.integers(1, 4, 100).astype(float)}
    )
    data.loc[0, "a"] = 9.0
    data.loc[0, "b"] = np.nan
    with pytest.raises(SurveyDataError, match="no answers left") as err:
        quiet(polychoric, data)
    assert err.value.column == "a"
    assert "pairwise" in err.value.fix


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"missing": "ml"}, "missing-data rule"),
        ({"ordered": ["x1", "nope"]}, "not in the data"),
        ({"ordered": ["x1", "x2"]}, "polyserial"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(SurveyDataError, match=match):
        polychoric(load_data("holzinger"), **kwargs)


def test_non_frame_and_text_columns():
    with pytest.raises(SurveyDataError, match="DataFrame"):
        polychoric(np.ones((5, 2)))
    with pytest.raises(SurveyDataError, match="numeric") as err:
        polychoric(pd.DataFrame({"a": ["x", "y", "x"], "b": [1, 2, 1]}))
    assert err.value.column == "a"


def test_ordinal_alpha_bad_constructs():
    data = load_data("holzinger")
    with pytest.raises(SurveyDataError, match="at least two items"):
        ordinal_alpha(data, {"F": ["x1"]})
    with pytest.raises(SurveyDataError, match="not found"):
        ordinal_alpha(data, {"F": ["x1", "y"]})
    with pytest.raises(SurveyDataError, match="unknown polychoric method"):
        ordinal_alpha(data, {"F": ["x1", "x2"]}, method="polycor")


def test_results_display():
    res = polychoric(load_data("holzinger"))
    text = res.summary()
    assert "Polychoric correlations" in text and "x9|t4" in text
    assert "Thresholds" in thresholds(load_data("holzinger")).summary()
