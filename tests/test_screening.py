"""Screening: psych/stats/careless reference numbers, properties of the indices, bad input.

Reference fixtures come from ``tests/reference/make_screening.R`` (psych::describe,
psych::mardia, stats::mahalanobis, and the base-R expressions of careless::irv and
careless::longstring) on real survey data that the package ships (``src/loyaltysem/data``,
byte-identical to the files the R script read; provenance in ``data/PROVENANCE.md``); R is
not needed here.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

import loyaltysem.survey.screening as screening_module
from loyaltysem.datasets import dataset_path
from loyaltysem.errors import MissingDataWarning, SurveyDataError
from loyaltysem.survey.screening import (
    DESCRIBE_COLUMNS,
    MardiaResult,
    ScreeningReport,
    describe,
    irv,
    longstring,
    mahalanobis,
    mardia,
    screen,
)

# Tolerances. design.md §4 allows estimates atol=1e-4 and p-values atol=1e-4; these
# computations are exact in closed form, so we hold them to rounding error. The fixtures
# carry 15 significant digits (jsonlite digits = NA), hence a relative part for large
# statistics (Mardia's skew statistic for mobi is ~7177).
ATOL_DESCRIBE = 1e-10
RTOL_EXACT = 1e-12
ATOL_EXACT = 1e-10
ATOL_PVALUE = 1e-12

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"

CORP_ITEMS = [
    "comp_1",
    "comp_2",
    "comp_3",
    "like_1",
    "like_2",
    "like_3",
    "cusa",
    "cusl_1",
    "cusl_2",
    "cusl_3",
]


def load_dataset(name: str) -> pd.DataFrame:
    """The data exactly as make_screening.R gives it to R; index = 1-based CSV row."""
    if name == "mobi":
        df = pd.read_csv(dataset_path("mobi"))
    elif name == "holzinger":
        df = pd.read_csv(dataset_path("holzinger_swineford"))[[f"x{i}" for i in range(1, 10)]]
    elif name == "corp_rep":
        df = pd.read_csv(dataset_path("corp_rep"))[CORP_ITEMS]
        df = df.mask(df == -99)
    else:  # pragma: no cover - guards the parametrisation
        raise AssertionError(name)
    df = df.astype(float)
    df.index = pd.RangeIndex(1, len(df) + 1, name="row")
    return df


def load_fixture(name: str) -> dict:
    with open(FIXTURES / f"screening_{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


DATASET_NAMES = ["mobi", "holzinger", "corp_rep"]


def assert_same_labels(ours, theirs, what: str) -> None:
    ours, theirs = [str(x) for x in ours], [str(x) for x in theirs]
    only_ours = sorted(set(ours) - set(theirs))
    only_theirs = sorted(set(theirs) - set(ours))
    assert not only_ours and not only_theirs, (
        f"{what}: only in loyaltysem {only_ours}, only in R {only_theirs}"
    )
    assert ours == theirs, f"{what}: order differs"


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        return func(*args, **kwargs)


# --------------------------------------------------------------------------- fixtures


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_fixture_records_provenance(name):
    fx = load_fixture(name)
    prov = fx["provenance"]
    assert prov["r_version"].startswith("R version ")
    assert prov["psych_version"]
    assert prov["date"]
    assert "psych::mardia(x, plot = FALSE)" in prov["calls"]
    assert_same_labels(load_dataset(name).columns, prov["items"], "fixture items")
    assert fx["n_rows"] == len(load_dataset(name))


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_describe_matches_psych(name):
    data = load_dataset(name)
    ref = pd.DataFrame(load_fixture(name)["describe"]).T
    ours = describe(data)
    assert list(ours.columns) == list(DESCRIBE_COLUMNS)
    assert ours.index.name == "item"
    assert_same_labels(ours.index, ref.index, "describe items")
    for col in ref.columns:
        assert_allclose(
            ours[col].to_numpy(float),
            ref[col].to_numpy(float),
            rtol=0,
            atol=ATOL_DESCRIBE,
            err_msg=f"{name}: {col}",
        )
    assert_array_equal(ours["missing"], len(data) - ref["n"].to_numpy(int))
    assert_allclose(ours["missing_pct"], 100 * ours["missing"] / len(data), rtol=0, atol=1e-12)
    assert ours["n"].dtype == np.int64 and ours["missing"].dtype == np.int64


MARDIA_FIELDS = [
    ("b1p", "b1p"),
    ("b2p", "b2p"),
    ("skew", "skew"),
    ("small_skew", "small_skew"),
    ("kurtosis", "kurtosis"),
]
MARDIA_PVALUES = [
    ("skew_pvalue", "p_skew"),
    ("small_skew_pvalue", "p_small"),
    ("kurtosis_pvalue", "p_kurt"),
]


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_mardia_matches_psych(name):
    data = load_dataset(name)
    ref = load_fixture(name)["mardia"]
    ours = quiet(mardia, data)
    assert ours.n == ref["n_obs"]
    assert ours.n_items == ref["n_var"]
    assert ours.n_excluded == len(data) - ref["n_obs"]
    p = ours.n_items
    assert ours.skew_df == p * (p + 1) * (p + 2) / 6
    for attr, key in MARDIA_FIELDS:
        assert_allclose(
            getattr(ours, attr), ref[key], rtol=RTOL_EXACT, atol=ATOL_EXACT, err_msg=attr
        )
    for attr, key in MARDIA_PVALUES:
        assert_allclose(getattr(ours, attr), ref[key], rtol=0, atol=ATOL_PVALUE, err_msg=attr)
    assert ours.computed and ours.note == ""


def test_mardia_listwise_counts_corp_rep():
    # corp_rep has 8 rows with a -99 among the ten items; psych drops them (na.omit).
    data = load_dataset("corp_rep")
    with pytest.warns(MissingDataWarning, match="8 of 344"):
        result = mardia(data)
    assert (result.n, result.n_excluded) == (336, 8)


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_mahalanobis_matches_stats(name):
    data = load_dataset(name)
    ref = load_fixture(name)["mahalanobis"]
    ours = quiet(mahalanobis, data)
    complete_rows = ours.index[ours["complete"]]
    assert_same_labels(complete_rows, ref["row"], "complete respondents")
    assert_allclose(
        ours.loc[complete_rows, "d2"], ref["d2"], rtol=RTOL_EXACT, atol=ATOL_EXACT, err_msg="d2"
    )
    assert_allclose(ours.loc[complete_rows, "pvalue"], ref["pvalue"], rtol=0, atol=ATOL_PVALUE)
    assert (ours["df"] == ref["df"]).all()
    critical = stats.chi2.isf(0.001, ref["df"])
    assert_array_equal(ours.loc[complete_rows, "flagged"], np.asarray(ref["d2"]) > critical)
    incomplete = ours.loc[~ours["complete"]]
    assert len(incomplete) == len(data) - len(ref["row"])
    assert incomplete["d2"].isna().all() and incomplete["pvalue"].isna().all()
    assert not incomplete["flagged"].any()
    assert ours.index.equals(data.index)


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_psych_mardia_d_is_root_of_mahalanobis(name):
    # psych::mardia returns d = sqrt(diag(D)): the same distances from another R function.
    ours = quiet(mahalanobis, load_dataset(name))
    ref = load_fixture(name)["mardia"]["d"]
    assert_allclose(
        np.sqrt(ours.loc[ours["complete"], "d2"]), ref, rtol=RTOL_EXACT, atol=ATOL_EXACT
    )


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_careless_indices_match_r(name):
    data = load_dataset(name)
    ref = load_fixture(name)["careless"]
    ref_irv = np.array([np.nan if v is None else v for v in ref["irv"]], dtype=float)
    assert_allclose(irv(data), ref_irv, rtol=0, atol=ATOL_DESCRIBE)
    assert_array_equal(longstring(data), np.asarray(ref["longstring"], dtype=float))


def test_mahalanobis_missing_warning_and_count():
    with pytest.warns(MissingDataWarning, match="8 of 344"):
        table = mahalanobis(load_dataset("corp_rep"))
    assert int((~table["complete"]).sum()) == 8


# --------------------------------------------------------------------------- properties


def brute_longstring(row: np.ndarray) -> float:
    best = run = 0
    prev = None
    for v in row:
        if np.isnan(v):
            run, prev = 0, None
            continue
        run = run + 1 if prev is not None and v == prev else 1
        prev = v
        best = max(best, run)
    return float(best) if best else np.nan


answers = st.one_of(st.integers(1, 4).map(float), st.just(np.nan))
matrices = st.integers(1, 8).flatmap(
    lambda k: arrays(np.float64, st.tuples(st.integers(1, 12), st.just(k)), elements=answers)
)


@settings(max_examples=200, deadline=None)
@given(matrices)
def test_longstring_equals_brute_force(x):
    got = longstring(pd.DataFrame(x)).to_numpy()
    expected = np.array([brute_longstring(r) for r in x])
    assert_array_equal(got, expected)
    answered = ~np.isnan(x).all(axis=1)
    assert ((got[answered] >= 1) & (got[answered] <= x.shape[1])).all()
    # Runs read the same backwards.
    assert_array_equal(longstring(pd.DataFrame(x[:, ::-1])).to_numpy(), got)


@settings(max_examples=200, deadline=None)
@given(matrices, st.floats(-5, 5), st.floats(0.5, 3))
def test_irv_is_row_sd_and_location_scale_equivariant(x, shift, scale):
    got = irv(pd.DataFrame(x)).to_numpy()
    k = (~np.isnan(x)).sum(axis=1)
    for i, row in enumerate(x):
        if k[i] < 2:
            assert np.isnan(got[i])
        else:
            assert_allclose(got[i], np.std(row[~np.isnan(row)], ddof=1), rtol=1e-12, atol=1e-12)
    moved = irv(pd.DataFrame(x * scale + shift)).to_numpy()
    assert_allclose(moved, got * scale, rtol=1e-9, atol=1e-9)
    # Zero exactly when every given answer is the same.
    same = np.array([np.unique(r[~np.isnan(r)]).size == 1 for r in x])
    assert_array_equal(got[k >= 2] == 0, same[k >= 2])


def test_longstring_documented_cases():
    x = pd.DataFrame(
        [[3, 3, 3, 3], [1, 1, np.nan, 1], [np.nan] * 4, [1, 2, 1, 2], [2, np.nan, np.nan, 2]],
        index=pd.Index(["a", "b", "c", "d", "e"], name="rid"),
    )
    result = longstring(x)
    assert result.name == "longstring" and result.index.equals(x.index)
    assert_array_equal(result.to_numpy(), [4.0, 2.0, np.nan, 1.0, 1.0])


def psych_mardia_direct(x: np.ndarray) -> tuple[float, float]:
    """psych's own algorithm: the full n x n matrix D."""
    xc = x - x.mean(axis=0)
    n = len(x)
    d = xc @ np.linalg.inv(np.cov(x, rowvar=False)) @ xc.T
    return float(np.sum(d**3) / n**2), float(np.sum(np.diag(d) ** 2) / n)


@pytest.mark.parametrize(("n", "p"), [(12, 4), (30, 3), (3000, 3), (5000, 2)])
def test_mardia_both_algorithms_agree_with_direct_formula(n, p):
    # n <= p**2 takes the blockwise n x n path, n > p**2 the third-moment tensor path.
    rng = np.random.default_rng(n + p)
    x = rng.gamma(2.0, size=(n, p)) @ rng.normal(size=(p, p))
    b1p, b2p = psych_mardia_direct(x)
    result = mardia(pd.DataFrame(x))
    assert_allclose(result.b1p, b1p, rtol=1e-10)
    assert_allclose(result.b2p, b2p, rtol=1e-10)


def test_mardia_affine_invariance():
    rng = np.random.default_rng(3)
    x = rng.exponential(size=(150, 4))
    a = rng.normal(size=(4, 4)) + 4 * np.eye(4)
    base = mardia(pd.DataFrame(x))
    moved = mardia(pd.DataFrame(x @ a + 10.0))
    assert_allclose([moved.b1p, moved.b2p], [base.b1p, base.b2p], rtol=1e-9)
    # Skewed data: Mardia rejects.
    assert base.skew_pvalue < 1e-6


def test_mahalanobis_distances_sum_to_n_minus_1_times_p():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(80, 5))
    d2 = mahalanobis(pd.DataFrame(x))["d2"].to_numpy()
    assert_allclose(d2.sum(), 79 * 5, rtol=1e-12)


def test_mahalanobis_flags_planted_outlier_at_alpha():
    rng = np.random.default_rng(5)
    data = pd.DataFrame(rng.normal(size=(200, 4)), columns=list("abcd"))
    data.iloc[17] = [5.0, -5.0, 5.0, -5.0]
    loose = mahalanobis(data, alpha=0.5)
    strict = mahalanobis(data, alpha=1e-6)
    assert strict.loc[17, "flagged"] and strict["flagged"].sum() == 1
    assert_array_equal(loose["flagged"], loose["pvalue"] < 0.5)
    assert loose["flagged"].sum() > strict["flagged"].sum()


# --------------------------------------------------------------------------- screen


def small_survey() -> pd.DataFrame:
    rng = np.random.default_rng(2026)
    k = 8
    x = rng.integers(1, 8, size=(60, k)).astype(float)
    x[0] = 4.0  # straight-liner: longstring 8, IRV 0
    x[1] = [1, 2, 1, 2, 1, 2, 1, 2]  # alternating: longstring 1
    x[2, :4] = 6.0  # run of exactly k/2 = 4
    x[2, 4:] = [1, 2, 3, 2]
    x[3, :3] = 5.0  # run of 3 < k/2
    x[3, 3:] = [1, 2, 1, 7, 3]
    x[4] = [np.nan, np.nan, 1, 2, 3, 4, 5, 6]  # 25 % missing
    x[5] = np.nan  # nothing answered
    x[6, 0] = 9.0  # out of range on a 1-7 scale
    x[7, 5] = 0.0  # out of range
    index = pd.Index([f"r{i:02d}" for i in range(60)], name="rid")
    return pd.DataFrame(x, columns=[f"Q{j}" for j in range(1, k + 1)], index=index)


def test_screen_report_contents():
    data = small_survey()
    report = screen(data, item_min=1, item_max=7)
    assert isinstance(report, ScreeningReport)
    assert (report.n, report.n_items) == (60, 8)
    assert_same_labels(report.items.index, data.columns, "items")
    assert list(report.items.columns) == [*DESCRIBE_COLUMNS, "out_of_range"]
    assert report.items.loc["Q1", "out_of_range"] == 1
    assert report.items.loc["Q6", "out_of_range"] == 1
    assert int(report.items["out_of_range"].sum()) == 2
    pd.testing.assert_frame_equal(report.items[list(DESCRIBE_COLUMNS)], describe(data))

    assert report.missing.loc["r04", "n_missing"] == 2
    assert report.missing.loc["r04", "missing_pct"] == 25.0
    assert report.missing.loc["r05", "missing_pct"] == 100.0
    assert report.missing["flagged"].sum() == 2  # r04 and r05, default 15 %

    # Curran's rule: a run as long as half the items or longer is flagged.
    assert report.policy.longstring_max == 3
    careless = report.careless
    assert careless.loc["r00", "longstring"] == 8 and careless.loc["r00", "irv"] == 0
    assert careless.loc["r00", "longstring_flag"] and careless.loc["r00", "irv_flag"]
    assert careless.loc["r02", "longstring_flag"]
    assert not careless.loc["r03", "longstring_flag"]
    assert not careless.loc["r01", "flagged"]
    assert np.isnan(careless.loc["r05", "longstring"]) and not careless.loc["r05", "flagged"]
    assert_array_equal(careless["flagged"], careless["longstring_flag"] | careless["irv_flag"])

    complete = ~data.isna().any(axis=1)
    pd.testing.assert_frame_equal(report.outliers, quiet(mahalanobis, data))
    assert report.mardia == quiet(mardia, data)
    assert report.mardia.n == int(complete.sum())
    assert any("2 of 60 respondents" in note for note in report.notes)


def test_screen_default_policy_and_overrides():
    data = small_survey()
    default = screen(data)
    assert default.policy.to_dict() == {
        "item_min": {},
        "item_max": {},
        "longstring_max": 3,
        "irv_min": 0.0,
        "mahalanobis_alpha": 0.001,
        "max_missing_pct": 15.0,
        "reverse_keyed": [],
        "speeder_fraction": 0.3,
    }
    assert default.items["out_of_range"].isna().all()
    custom = screen(
        data,
        item_min={"Q1": 1},
        item_max={"Q1": 8, "Q6": 7},
        longstring_max=7,
        irv_min=1.0,
        mahalanobis_alpha=0.05,
        max_missing_pct=30,
    )
    assert custom.items.loc["Q1", "out_of_range"] == 1  # the 9
    assert custom.items.loc["Q6", "out_of_range"] == 0  # 0 is below, no lower bound on Q6
    assert pd.isna(custom.items.loc["Q2", "out_of_range"])
    assert custom.careless["longstring_flag"].sum() == 1  # only the 8-long run
    assert_array_equal(custom.careless["irv_flag"], (custom.careless["irv"] <= 1.0).to_numpy())
    assert custom.missing["flagged"].sum() == 1  # only r05 (100 %); r04 has 25 %
    assert_array_equal(custom.outliers["flagged"], quiet(mahalanobis, data, alpha=0.05)["flagged"])


def test_curran_rule_for_24_items():
    rng = np.random.default_rng(9)
    x = rng.integers(1, 8, size=(40, 24)).astype(float)
    # make every random row free of long runs
    x[:, 1::2] = np.where(x[:, 1::2] == x[:, 0::2], (x[:, 0::2] % 7) + 1, x[:, 1::2])
    x[0, :12] = 7.0  # 12 = half of 24: flagged
    x[0, 12] = 1.0
    x[1, :11] = 7.0  # 11: not flagged
    x[1, 11] = 1.0
    report = screen(pd.DataFrame(x))
    assert report.policy.longstring_max == 11
    assert report.careless.loc[0, "longstring"] == 12 and report.careless.loc[0, "longstring_flag"]
    assert report.careless.loc[1, "longstring"] == 11
    assert not report.careless.loc[1, "longstring_flag"]


def test_exclusions_table():
    report = screen(small_survey(), item_min=1, item_max=7)
    excl = report.exclusions()
    assert list(excl.columns) == ["missing", "longstring", "irv", "reasons"]
    assert excl.index.name == "rid"
    for col in ["missing", "longstring", "irv"]:
        assert excl[col].dtype == bool
    expected = report.missing["flagged"] | report.careless["flagged"]
    assert_same_labels(excl.index, report.missing.index[expected], "excluded respondents")
    assert excl.loc["r00", "reasons"] == "longstring; irv"
    assert excl.loc["r04", "reasons"] == "missing"
    assert excl.loc["r05", "reasons"] == "missing"
    assert excl[["missing", "longstring", "irv"]].any(axis=1).all()

    only_missing = report.exclusions(careless=False)
    assert list(only_missing.columns) == ["missing", "reasons"]
    assert_same_labels(only_missing.index, ["r04", "r05"], "missing only")
    assert_same_labels(report.exclusions(careless=False, max_missing_pct=30).index, ["r05"], "30%")
    assert report.exclusions(careless=False, max_missing_pct=100).empty

    with_outliers = report.exclusions(outliers=True)
    assert list(with_outliers.columns) == ["missing", "longstring", "irv", "outlier", "reasons"]
    flagged = report.outliers.index[report.outliers["flagged"]]
    assert set(flagged) <= set(with_outliers.index)


def test_exclusions_outlier_reason_named():
    rng = np.random.default_rng(21)
    data = pd.DataFrame(rng.normal(4, 1, size=(150, 5)), columns=list("abcde"))
    data.iloc[3] = [1.0, 7.0, 1.5, 7.0, 1.0]
    report = screen(data)
    excl = report.exclusions(careless=False, outliers=True)
    assert 3 in excl.index and excl.loc[3, "reasons"] == "outlier"
    assert report.exclusions(careless=False, outliers=False).empty


def test_report_is_immutable_and_displays():
    report = screen(small_survey(), item_min=1, item_max=7)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.n = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        report.policy.item_min["Q1"] = 0  # type: ignore[index]
    text = report.summary()
    assert text.startswith("Screening report")
    assert "Mardia" in text and "longstring > 3" in text
    assert "<h3>Screening report</h3>" in report._repr_html_()
    assert repr(report).startswith("<ScreeningReport n=60 items=8")
    frame = report.mardia.to_frame()
    assert list(frame.index) == ["skew", "small_skew", "kurtosis"]
    assert frame.loc["kurtosis", "statistic"] == report.mardia.kurtosis
    assert "Mardia" in report.mardia.summary()


def test_screen_stores_full_precision():
    report = screen(load_dataset("holzinger"))
    ref = pd.DataFrame(load_fixture("holzinger")["describe"]).T
    assert_allclose(report.items["mean"], ref["mean"].astype(float), rtol=0, atol=ATOL_DESCRIBE)
    assert_allclose(report.mardia.b2p, load_fixture("holzinger")["mardia"]["b2p"], rtol=1e-12)


# --------------------------------------------------------------------------- edge cases


def test_constant_item():
    rng = np.random.default_rng(1)
    data = pd.DataFrame(rng.integers(1, 8, size=(30, 3)).astype(float), columns=["a", "b", "c"])
    data["b"] = 4.0
    table = describe(data)
    assert table.loc["b", "sd"] == 0 and table.loc["b", "se"] == 0
    assert np.isnan(table.loc["b", "skew"]) and np.isnan(table.loc["b", "kurtosis"])
    with pytest.raises(SurveyDataError, match="without variance") as err:
        mardia(data)
    assert err.value.column == "b"
    with pytest.raises(SurveyDataError, match="without variance"):
        mahalanobis(data)
    report = screen(data)
    assert not report.mardia.computed and np.isnan(report.mardia.b1p)
    assert "item 'b'" in report.mardia.note
    assert report.outliers["d2"].isna().all() and not report.outliers["flagged"].any()
    assert any("not computed" in note for note in report.notes)
    assert report.mardia.to_frame()["statistic"].isna().all()
    assert report.summary()


def test_linearly_dependent_items():
    rng = np.random.default_rng(2)
    data = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    data["total"] = data.sum(axis=1)
    with pytest.raises(SurveyDataError, match="singular"):
        mardia(data)


def test_all_missing_row():
    data = small_survey()
    assert data.loc["r05"].isna().all()
    assert np.isnan(longstring(data)["r05"]) and np.isnan(irv(data)["r05"])
    table = quiet(mahalanobis, data)
    assert np.isnan(table.loc["r05", "d2"]) and not table.loc["r05", "flagged"]
    report = screen(data)
    assert report.missing.loc["r05", "n_answered"] == 0
    assert report.exclusions().loc["r05", "reasons"] == "missing"


def test_all_missing_item():
    data = small_survey()
    data["Q9"] = np.nan
    table = describe(data)
    assert table.loc["Q9", "n"] == 0 and table.loc["Q9", "missing"] == 60
    assert table.loc["Q9", "missing_pct"] == 100.0
    assert table.loc[["Q9"], ["mean", "sd", "min", "max", "skew"]].isna().all(axis=None)
    report = screen(data)
    assert not report.mardia.computed and report.mardia.n == 0
    assert "more complete respondents" in report.mardia.note


def test_single_respondent():
    one = pd.DataFrame({"a": [3.0], "b": [4.0], "c": [5.0]})
    with pytest.raises(SurveyDataError, match="at least two respondents"):
        screen(one)
    with pytest.raises(SurveyDataError, match="more complete respondents than items"):
        mardia(one)
    with pytest.raises(SurveyDataError, match="more complete respondents than items"):
        mahalanobis(one)
    table = describe(one)  # as psych::describe: n = 1, sd NA
    assert (table["n"] == 1).all() and table["sd"].isna().all()
    assert longstring(one).iloc[0] == 1 and irv(one).iloc[0] == 1.0


def test_too_few_complete_respondents():
    rng = np.random.default_rng(4)
    data = pd.DataFrame(rng.normal(size=(6, 6)))
    with pytest.raises(SurveyDataError, match="more complete respondents") as err:
        mardia(data)
    assert "6 complete respondents, 6 items" in str(err.value)


def test_nullable_and_integer_dtypes_accepted():
    data = small_survey()
    as_int = data.round().astype("Int64")
    pd.testing.assert_frame_equal(describe(as_int), describe(data.round()))
    assert_array_equal(longstring(as_int), longstring(data.round()))


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (np.ones((5, 3)), "needs a pandas DataFrame"),
        (pd.DataFrame(index=range(3)), "without item columns"),
        (pd.DataFrame({"a": []}, dtype=float), "without respondents"),
        (pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}), "must be numeric"),
        (pd.DataFrame({"a": [1.0, 2.0], "b": [True, False]}), "must be numeric"),
        (pd.DataFrame({"a": [1.0, np.inf], "b": [1.0, 2.0]}), "must be finite"),
        (pd.DataFrame([[1.0, 2.0], [2.0, 3.0]], columns=["a", "a"]), "unique"),
    ],
)
@pytest.mark.parametrize("func", [describe, longstring, irv, mardia, mahalanobis, screen])
def test_bad_frames_raise_survey_data_error(func, bad, match):
    with pytest.raises(SurveyDataError, match=match):
        func(bad)


def test_error_names_the_column():
    with pytest.raises(SurveyDataError) as err:
        describe(pd.DataFrame({"a": [1.0, 2.0], "LOY1": ["x", "y"]}))
    assert err.value.column == "LOY1" and "fix" in str(err.value)


@pytest.mark.parametrize("func", [longstring, irv, mahalanobis, screen])
def test_duplicated_respondent_ids(func):
    data = pd.DataFrame(np.arange(12.0).reshape(4, 3) % 5, index=[1, 2, 2, 3])
    with pytest.raises(SurveyDataError, match="respondent ids"):
        func(data)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"item_min": {"NOPE": 1}}, "not in the data"),
        ({"item_min": 5, "item_max": 3}, "above item_max"),
        ({"item_min": "1"}, "must be a number"),
        ({"item_max": math.inf}, "must be finite"),
        ({"longstring_max": 0}, "out of range"),
        ({"longstring_max": 99}, "out of range"),
        ({"longstring_max": 2.5}, "whole number"),
        ({"longstring_max": True}, "whole number"),
        ({"irv_min": -1}, "out of range"),
        ({"mahalanobis_alpha": 0}, "out of range"),
        ({"mahalanobis_alpha": 1.5}, "out of range"),
        ({"mahalanobis_alpha": "0.05"}, "must be a number"),
        ({"max_missing_pct": 150}, "out of range"),
    ],
)
def test_bad_options(options, match):
    with pytest.raises(SurveyDataError, match=match):
        screen(small_survey(), **options)


def test_bad_exclusion_threshold_and_alpha():
    report = screen(small_survey())
    with pytest.raises(SurveyDataError, match="out of range"):
        report.exclusions(max_missing_pct=-1)
    with pytest.raises(SurveyDataError, match="out of range"):
        mahalanobis(small_survey().dropna(), alpha=0.0)


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        screen(small_survey(), 1, 7)  # type: ignore[misc]
    with pytest.raises(TypeError):
        mahalanobis(small_survey().dropna(), 0.01)  # type: ignore[misc]


def test_input_is_not_modified():
    data = small_survey()
    before = data.copy()
    screen(data, item_min=1, item_max=7).exclusions(outliers=True)
    pd.testing.assert_frame_equal(data, before)


def test_screening_imports_respect_layers():
    tree = ast.parse(Path(screening_module.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(
                node.module if node.module.startswith("loyaltysem") else node.module.split(".")[0]
            )
    allowed = {
        "__future__",
        "datetime",
        "math",
        "re",
        "unicodedata",
        "warnings",
        "collections",
        "dataclasses",
        "types",
        "typing",
        "numpy",
        "pandas",
        "scipy",
        "loyaltysem.errors",
        "loyaltysem._display",
    }
    assert imported <= allowed, imported - allowed


def test_mardia_result_is_frozen_value():
    result = mardia(load_dataset("holzinger"))
    assert isinstance(result, MardiaResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.b1p = 0.0  # type: ignore[misc]


# --------------------------------------------------------------------------- as given


def simulated_survey(seed: int = 11, *, n_attentive: int = 300, k: int = 10):
    """N attentive respondents from the default model + k straight-liners + k random.

    Returns the survey (LOY4 reverse-keyed as the codebook says) and each respondent's
    true type, from loyaltysem.planning.simulation with a fixed seed.
    """
    from loyaltysem.instruments import default_instrument
    from loyaltysem.planning.simulation import simulate_survey
    from loyaltysem.survey import Codebook, Survey

    n = n_attentive + 2 * k
    df = simulate_survey(
        n=n,
        random_state=seed,
        careless={"straightline": k / n, "random": k / n},
        return_latent=True,
    )
    kind = pd.Series(df["respondent_type"].to_numpy(), index=df["respondent_id"], name="kind")
    items = default_instrument().item_names
    frame = df[["respondent_id", "wave", "gender", "platform", "age", *items]]
    columns = {"wave": "group", "gender": "group", "platform": "group", "age": "covariate"}
    cb = Codebook.from_dict(
        {**default_instrument().to_dict(), "columns": columns, "id_column": "respondent_id"}
    )
    return Survey.from_frame(frame, cb), kind, frame


def test_generated_survey_straightliners_flagged_ordinary_respondents_not():
    """300 attentive + 10 straight-liners + 10 random responders, seed 11.

    Asserted: every straight-liner is flagged by both indices (IRV 0 and a long string
    of all 29 items, LOY4 included although it is reverse-keyed in survey.data); no
    attentive respondent is flagged by the default policy (0 of 300); random
    responders are not what long strings and IRV detect (0 of 10 flagged; documented).
    """
    survey, kind, _ = simulated_survey()
    assert kind.value_counts().to_dict() == {"attentive": 300, "straightline": 10, "random": 10}
    report = survey.screen()
    assert report.policy.reverse_keyed == ("LOY4",)
    assert report.policy.longstring_max == 14  # ceil(29 / 2) - 1: a run of 15+ is flagged
    careless = report.careless.join(kind)
    straight = careless[careless["kind"] == "straightline"]
    assert (straight["irv"] == 0).all() and (straight["longstring"] == 29).all()
    assert straight["longstring_flag"].all() and straight["irv_flag"].all()
    counts = careless.groupby("kind")["flagged"].sum().to_dict()
    assert counts == {"attentive": 0, "random": 0, "straightline": 10}
    assert careless.loc[careless["kind"] == "attentive", "longstring"].max() == 7
    # random answering is what Mahalanobis D² finds (off by default in exclusions())
    outliers = report.outliers.join(kind).groupby("kind")["flagged"].sum().to_dict()
    assert outliers == {"attentive": 1, "random": 10, "straightline": 0}
    excl = report.exclusions()
    assert_same_labels(excl.index, straight.index, "excluded = the straight-liners")
    assert (excl["reasons"] == "longstring; irv").all()
    cleaned = survey.clean(report)
    assert cleaned.n == 310 and len(cleaned.exclusions) == 10


def test_reverse_keyed_items_screened_as_given():
    """On survey.data (LOY4 reverse-keyed) a straight-liner has IRV > 0; as given, 0."""
    survey, kind, frame = simulated_survey()
    straight = kind.index[kind == "straightline"]
    keyed = screen(survey.data, item_min=1, item_max=7)  # the old behaviour
    # 7 of the 10 straight-liners escape IRV <= 0 there; the 3 who answered the midpoint 4
    # throughout (4 -> 8 - 4 = 4) do not
    assert (keyed.careless.loc[straight, "irv"] > 0).sum() == 7
    assert keyed.careless.loc[straight, "longstring"].value_counts().to_dict() == {28: 7, 29: 3}
    given = screen(survey.data, item_min=1, item_max=7, reverse_keyed=["LOY4"])
    answers = frame.set_index("respondent_id")[survey.items].astype(float)
    assert_allclose(given.careless["irv"], irv(answers), rtol=0, atol=1e-12)
    assert_array_equal(given.careless["longstring"], longstring(answers))
    # the item table, Mahalanobis and Mardia still describe the keyed scores
    pd.testing.assert_frame_equal(given.items, keyed.items)
    pd.testing.assert_frame_equal(given.outliers, keyed.outliers)
    assert given.mardia == keyed.mardia


def test_reverse_keyed_is_an_involution_and_needs_bounds():
    data = small_survey()
    report = screen(data, item_min=1, item_max=7, reverse_keyed=["Q2", "Q5"])
    flipped = data.assign(Q2=8 - data["Q2"], Q5=8 - data["Q5"])
    assert_allclose(report.careless["irv"], irv(flipped), rtol=0, atol=1e-12)
    with pytest.raises(SurveyDataError, match="needs item_min and item_max") as err:
        screen(data, item_max=7, reverse_keyed=["Q2"])
    assert err.value.column == "Q2"
    with pytest.raises(SurveyDataError, match="not in the data"):
        screen(data, item_min=1, item_max=7, reverse_keyed=["Q99"])
    with pytest.raises(SurveyDataError, match="list of item names"):
        screen(data, item_min=1, item_max=7, reverse_keyed="Q2")


def test_codebook_order_is_longstring_order():
    """Survey.data keeps codebook order, so a run is counted as the questionnaire shows it."""
    survey, _, _ = simulated_survey()
    assert list(survey.data.columns) == survey.codebook.item_names


# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("cell", "seconds"),
    [
        (230, 230.0),
        (230.5, 230.5),
        (np.int64(12), 12.0),
        ("230", 230.0),
        ("230秒", 230.0),
        (" 230 秒 ", 230.0),
        ("２３０秒", 230.0),  # full-width digits
        ("3分50秒", 230.0),
        ("3分钟50秒", 230.0),
        ("1小时2分3秒", 3723.0),
        ("1时", 3600.0),
        ("2分", 120.0),
        ("3m50s", 230.0),
        ("1h 2m 3s", 3723.0),
        ("90 sec", 90.0),
        ("00:03:50", 230.0),
        ("1:02:03", 3723.0),
        ("0:00:01.5", 1.5),
        ("1天1小时", 90000.0),
        (pd.Timedelta(seconds=230), 230.0),
        (__import__("datetime").time(0, 3, 50), 230.0),
    ],
)
def test_parse_duration_forms(cell, seconds):
    assert screening_module.parse_duration(cell) == seconds


@pytest.mark.parametrize("cell", [None, np.nan, "", "   ", pd.NA])
def test_parse_duration_empty(cell):
    assert math.isnan(screening_module.parse_duration(cell))


@pytest.mark.parametrize(
    "cell", ["3:50", "abc", "230毫秒", "-5", -5, "秒", "1e400", float("inf"), True, "5分3小时"]
)
def test_parse_duration_refuses(cell):
    with pytest.raises(SurveyDataError) as err:
        screening_module.parse_duration(cell)
    assert err.value.found == cell
    assert "230秒" in err.value.expected


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=20), st.integers(), st.floats(allow_nan=True)))
def test_parse_duration_any_input_is_seconds_or_typed_error(value):
    try:
        out = screening_module.parse_duration(value)
    except SurveyDataError as err:
        assert err.found == value or (isinstance(value, float) and math.isnan(value))
        return
    assert math.isnan(out) or (math.isfinite(out) and out >= 0)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 99),
    st.integers(0, 59),
    st.integers(0, 59),
    st.sampled_from(["{h}小时{m}分{s}秒", "{h}h{m}m{s}s", "{h}:{m:02d}:{s:02d}", "{t}秒", "{t}"]),
)
def test_parse_duration_round_trips_written_forms(h, m, s, form):
    total = h * 3600 + m * 60 + s
    text = form.format(h=h, m=m, s=s, t=total)
    assert screening_module.parse_duration(text) == float(total)


@pytest.mark.parametrize(
    ("start", "end", "seconds"),
    [
        ("2024/5/6 10:11:12", "2024/5/6 10:15:02", 230.0),  # 问卷星
        ("2024-05-06 10:11:12", "2024-05-06 10:15:02", 230.0),  # 腾讯问卷, Qualtrics
        ("2024-05-06T10:11:12", "2024-05-06T10:15:02", 230.0),  # ISO 8601
        ("2024年5月6日 10:11:12", "2024年5月6日 10时15分2秒", 230.0),
        ("2024/5/6 23:59:00", "2024/5/7 0:01:00", 120.0),  # across midnight
        ("2024-05-06T10:11:12+08:00", "2024-05-06T02:15:02Z", 230.0),  # time zones
        ("2024/5/6 10:11", "2024/5/6 10:15", 240.0),  # minutes only
        (pd.Timestamp("2024-05-06 10:11:12"), "2024-05-06 10:15:02", 230.0),  # an Excel date
    ],
)
def test_completion_times_from_start_and_end(start, end, seconds):
    times = screening_module.completion_times(
        start=pd.Series([start], name="开始答题时间"), end=pd.Series([end], name="结束答题时间")
    )
    assert times.tolist() == [seconds]


@pytest.mark.parametrize(
    "cell", ["2024/5/6", "2024/13/6 10:11:12", "2024/5/6 25:00:00", "45383.42", 45383.42, "x"]
)
def test_parse_timestamp_refuses(cell):
    with pytest.raises(SurveyDataError, match="date and time"):
        screening_module.parse_timestamp(cell)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=30), st.integers(), st.floats()))
def test_parse_timestamp_any_input_is_a_time_or_typed_error(value):
    try:
        seconds, aware = screening_module.parse_timestamp(value)
    except SurveyDataError:
        return
    assert math.isnan(seconds) or math.isfinite(seconds)
    assert isinstance(aware, bool)


def test_completion_time_errors_name_the_place():
    rows = pd.Series([2, 3, 4], index=["a", "b", "c"])
    with pytest.raises(SurveyDataError, match="not a completion time") as err:
        screening_module.completion_times(
            duration=pd.Series(["230秒", "快", "100"], index=rows.index, name="所用时间"),
            rows=rows,
            file="export.csv",
        )
    assert (err.value.file, err.value.row, err.value.column, err.value.found) == (
        "export.csv",
        3,
        "所用时间",
        "快",
    )
    start = pd.Series(["2024/5/6 10:00:00", "2024/5/6 10:05:00"], name="start")
    end = pd.Series(["2024/5/6 10:04:00", "2024/5/6 10:01:00"], name="end")
    with pytest.raises(SurveyDataError, match="end time is before the start") as err:
        screening_module.completion_times(start=start, end=end)
    assert (err.value.row, err.value.column) == (2, "end")
    with pytest.raises(SurveyDataError, match="time zone"):
        screening_module.completion_times(
            start=pd.Series(["2024/5/6 10:00:00+08:00"]), end=pd.Series(["2024/5/6 10:04:00"])
        )
    with pytest.raises(SurveyDataError, match="a start and an end column"):
        screening_module.completion_times(start=start)


# --------------------------------------------------------------------------- speeders


def test_speeders_rule_and_boundary():
    t = pd.Series([100.0, 200.0, 300.0, 400.0, 500.0, 90.0, 89.9, np.nan], index=list("abcdefgh"))
    out = screening_module.speeders(t)  # median of the 7 known times: 200
    assert list(out.columns) == ["seconds", "relative", "flagged"]
    assert_allclose(out["relative"], t / 200.0)
    # flagged strictly below 0.3 x 200 = 60 s: nobody; at 0.5 (Leiner's RSI 2), below
    # 100 s: f and g (a, at exactly 100 s, is not)
    assert not out["flagged"].any()
    half = screening_module.speeders(t, fraction=0.5)
    assert half.index[half["flagged"]].tolist() == ["f", "g"]
    assert not half.loc["h", "flagged"] and np.isnan(half.loc["h", "relative"])
    exact = screening_module.speeders(pd.Series([60.0, 200.0, 200.0]), fraction=0.3)
    assert not exact["flagged"].any()  # 60 = 0.3 x 200 is not faster than the cut-off


@pytest.mark.parametrize(
    ("times", "fraction", "match"),
    [
        (pd.Series([1.0, 2.0]), 0.0, "out of range"),
        (pd.Series([1.0, 2.0]), 1.0, "out of range"),
        (pd.Series([1.0, 2.0]), "0.3", "must be a number"),
        (pd.Series([1.0, -2.0]), 0.3, "not negative"),
        (pd.Series([1.0, np.inf]), 0.3, "finite"),
        (pd.Series([np.nan, np.nan]), 0.3, "no respondent has a completion time"),
        (pd.Series(["230秒"]), 0.3, "numeric Series"),
        ([230.0], 0.3, "numeric Series"),
    ],
)
def test_speeders_bad_input(times, fraction, match):
    with pytest.raises(SurveyDataError, match=match):
        screening_module.speeders(times, fraction=fraction)


def timed_survey(seed: int = 11):
    """The generated survey plus a 问卷星 所用时间 column: 10 planted speeders.

    Attentive and careless respondents take log-normal times (median 300 s, sd of the
    log 0.35); the 10 speeders (the first 10 attentive respondents) take 40-80 s.
    """
    from loyaltysem.survey import Codebook, Survey

    survey, kind, frame = simulated_survey(seed)
    rng = np.random.default_rng(seed)
    seconds = np.round(300.0 * np.exp(0.35 * rng.standard_normal(len(frame))))
    fast = kind.index[kind == "attentive"][:10]
    ids = frame["respondent_id"].to_numpy()
    seconds[np.isin(ids, fast)] = rng.integers(40, 81, size=10)
    frame = frame.assign(所用时间=[f"{int(s)}秒" for s in seconds])
    spec = survey.codebook.to_dict()
    spec["columns"] = {**spec.get("columns", {}), "所用时间": "duration"}
    return Survey.from_frame(frame, Codebook.from_dict(spec)), kind, fast


def test_survey_speeder_screen_from_wjx_duration():
    survey, _, fast = timed_survey()
    report = survey.screen()
    assert report.speeders_screened and report.speed_source == "所用时间"
    assert not any("speeder screen not run" in note for note in report.notes)
    median = float(report.speeders["seconds"].median())
    assert 280 <= median <= 320
    flagged = report.speeders.index[report.speeders["flagged"]]
    assert_same_labels(sorted(flagged), sorted(fast), "speeders = the 10 planted")
    excl = report.exclusions()
    assert list(excl.columns) == ["missing", "longstring", "irv", "speeder", "reasons"]
    assert (excl.loc[fast, "reasons"] == "speeder").all()
    assert len(excl) == 20  # 10 straight-liners + 10 speeders
    text = report.summary()
    assert "speeders: faster than 0.3 x the median time" in text and "所用时间" in text
    assert "speeders_flagged=10" in repr(report)

    cleaned = survey.clean(report)
    assert cleaned.n == 300
    assert set(cleaned.exclusions.index) == set(excl.index)
    assert (cleaned.exclusions.loc[fast, "reasons"] == "speeder").all()
    details = [e.detail for e in cleaned.log if e.step == "exclude"]
    counts = {e.detail: e.count for e in cleaned.log if e.step == "exclude"}
    assert counts["excluded: speeder"] == 10 and counts["excluded: irv"] == 10
    assert any("speeders=True" in d for d in details)
    kept_speeders = survey.clean(report, speeders=False)
    assert kept_speeders.n == 310
    assert "speeder" not in kept_speeders.exclusions.columns


def test_survey_without_duration_says_so():
    survey, _, _ = simulated_survey()
    assert survey.completion_times() is None
    report = survey.screen()
    assert not report.speeders_screened
    assert report.speeders["seconds"].isna().all() and not report.speeders["flagged"].any()
    assert any(note.startswith("speeder screen not run") for note in report.notes)
    assert "speeder" not in report.exclusions().columns
    assert "speeders_flagged=n/a" in repr(report)
    cleaned = survey.clean(report)
    assert any(
        e.detail.startswith("speeders not screened") for e in cleaned.log if e.step == "exclude"
    )
    with pytest.raises(SurveyDataError, match="no completion times"):
        survey.clean(report, speeders=True)


def test_survey_start_end_columns_and_bad_cell_row(tmp_path):
    from loyaltysem.survey import Codebook, read_survey

    spec = {
        "items": [{"item": f"Q{j}", "construct": "C", "min": 1, "max": 5} for j in (1, 2, 3)],
        "columns": {"开始答题时间": "start", "结束答题时间": "end"},
        "id_column": "序号",
    }
    rows = [
        ("1", "4", "5", "4", "2024/5/6 10:00:00", "2024/5/6 10:05:00"),
        ("2", "3", "3", "3", "2024/5/6 11:00:00", "2024/5/6 11:00:40"),
        ("3", "2", "4", "1", "2024/5/6 12:00:00", "2024/5/6 12:04:00"),
        ("4", "5", "4", "5", "", ""),
    ]
    header = "序号,Q1,Q2,Q3,开始答题时间,结束答题时间\n"
    path = tmp_path / "wjx.csv"
    path.write_text(header + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    survey = read_survey(path, Codebook.from_dict(spec))
    times = survey.completion_times()
    assert times.name == "结束答题时间 - 开始答题时间"
    assert times.iloc[:3].tolist() == [300.0, 40.0, 240.0] and np.isnan(times.iloc[3])
    report = survey.screen()
    assert report.speeders["flagged"].tolist() == [False, True, False, False]  # 40 < .3 x 240
    assert any("1 of 4 respondents have no completion time" in n for n in report.notes)

    bad = [*rows[:2], ("3", "2", "4", "1", "2024/5/6 12:00:00", "noon")]
    path.write_text(header + "".join(",".join(r) + "\n" for r in bad), encoding="utf-8")
    survey = read_survey(path, Codebook.from_dict(spec))
    with pytest.raises(SurveyDataError, match="not a date and time") as err:
        survey.screen()
    assert err.value.row == int(survey.rows.iloc[2]) == 4  # line 4: the header is line 1
    assert (err.value.column, err.value.found, err.value.file) == (
        "结束答题时间",
        "noon",
        str(path),
    )


def test_codebook_timing_roles_must_be_usable():
    from loyaltysem.survey import Codebook, Survey

    frame = pd.DataFrame({"Q1": [4, 5], "Q2": [3, 5], "开始答题时间": ["2024/5/6 10:00"] * 2})
    items = [{"item": q, "construct": "C", "min": 1, "max": 5} for q in ("Q1", "Q2")]
    only_start = Codebook.from_dict({"items": items, "columns": {"开始答题时间": "start"}})
    survey = Survey.from_frame(frame, only_start)
    with pytest.raises(SurveyDataError, match="a start column but no end column") as err:
        survey.screen()
    assert err.value.column == "开始答题时间"
    absent = Codebook.from_dict(
        {"items": items, "columns": {"开始答题时间": "start", "所用时间": "duration"}}
    )
    with pytest.raises(SurveyDataError, match="a column the data does not have") as err:
        Survey.from_frame(frame, absent).completion_times()
    assert err.value.column == "所用时间"


def test_durations_must_match_respondents():
    data = small_survey()
    with pytest.raises(SurveyDataError, match="same respondents"):
        screen(data, durations=pd.Series(300.0, index=data.index[:-1]))
    with pytest.raises(SurveyDataError, match="Series of seconds"):
        screen(data, durations=[300.0] * len(data))
    times = pd.Series(300.0, index=data.index[::-1], name="t")  # any order: aligned by id
    report = screen(data, durations=times)
    assert report.speeders.index.equals(data.index) and report.speed_source == "t"


def test_an_unknown_screening_option_is_a_typed_error_with_a_suggestion():
    from loyaltysem.datasets import load_ecommerce

    with pytest.raises(SurveyDataError) as err:
        load_ecommerce().screen(longstring_maxx=10)
    assert err.value.found == ["longstring_maxx"]
    assert "(did you mean 'longstring_max'?)" in err.value.fix
