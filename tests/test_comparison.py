"""compare() against lavaan's lavTestLRT (tests/fixtures/compare.json, make_compare.R)."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import loyaltysem as ls
from loyaltysem.errors import ModelSpecError, SurveyDataError
from loyaltysem.sem.comparison import ModelComparison, compare

FIXTURE = json.loads(
    (Path(__file__).parent / "fixtures" / "compare.json").read_text(encoding="utf-8")
)["cases"]
#: design.md section 4: chi-square rtol 1e-4, RMSEA and p-values atol 1e-4
RTOL_CHISQ = 1e-4
ATOL_INDEX = 1e-4
ATOL_P = 1e-4
COLUMNS = {
    "Df": "df",
    "AIC": "aic",
    "BIC": "bic",
    "Chisq": "chisq",
    "Chisq diff": "chisq_diff",
    "RMSEA": "rmsea",
    "Df diff": "df_diff",
    "Pr(>Chisq)": "pvalue",
}


def lavaan_table(case: dict) -> pd.DataFrame:
    lrt = case["lrt"]
    values = {
        col: [np.nan if v is None else v for v in vals]
        for col, vals in zip(lrt["columns"], lrt["values"], strict=True)
    }
    return pd.DataFrame(values, index=lrt["rows"]).rename(columns=COLUMNS)


def assert_matches(ours: ModelComparison, theirs: pd.DataFrame) -> None:
    assert list(ours.table.index) == list(theirs.index)
    for col in theirs.columns:  # every lavaan column is present in ours
        mine, ref = ours.table[col].to_numpy(), theirs[col].to_numpy()
        assert np.array_equal(np.isnan(mine), np.isnan(ref)), col
        ok = ~np.isnan(ref)
        if col in ("chisq", "chisq_diff", "aic", "bic"):
            assert_allclose(mine[ok], ref[ok], rtol=RTOL_CHISQ, err_msg=col)
        elif col == "pvalue":
            assert_allclose(mine[ok], ref[ok], atol=ATOL_P, err_msg=col)
        else:
            assert_allclose(mine[ok], ref[ok], atol=ATOL_INDEX, err_msg=col)


def fit_case(name: str) -> dict[str, ls.SEMResult]:
    case = FIXTURE[name]
    data = (
        ls.load_ecommerce() if "ecommerce" in case["data_file"] else ls.load_holzinger_swineford()
    )
    out = {}
    for i, (model_name, m) in enumerate(case["models"].items()):
        options = m["options"] or {}  # R's empty list() is written as []
        orthogonal = bool(options.get("orthogonal_second")) and i == 1
        kwargs = {k: options[k] for k in ("estimator", "missing") if k in options}
        out[model_name] = ls.fit(m["syntax"], data, orthogonal=orthogonal, **kwargs)
    return out


@pytest.mark.parametrize(
    "name",
    [
        "hs_three_vs_one_ml",
        "hs_oblique_vs_orthogonal_ml",
        "ecommerce_default_vs_rival_ml",
        "ecommerce_default_vs_rival_fiml_ml",
    ],
)
def test_ml_difference_test_is_lavtestlrt(name):
    fits = fit_case(name)
    cmp = compare(*fits.values(), names=list(fits))
    assert cmp.method == "standard"
    assert_matches(cmp, lavaan_table(FIXTURE[name]))
    assert np.isnan(cmp.table["scaling_factor"]).all()


def test_default_and_rival_syntax_are_the_instruments_templates():
    models = FIXTURE["ecommerce_default_vs_rival_ml"]["models"]
    assert models["default"]["syntax"] == ls.DEFAULT_MODEL
    assert models["rival"]["syntax"] == ls.RIVAL_MODEL


def test_rival_adds_nothing_on_the_bundled_survey():
    fits = fit_case("ecommerce_default_vs_rival_ml")
    cmp = compare(fits["default"], fits["rival"], names=["default", "rival"])
    # ordered by df: the rival (three more paths) comes first
    assert list(cmp.table.index) == ["rival", "default"]
    row = cmp.table.loc["default"]
    assert row["pvalue"] > 0.05 and row["delta_bic"] < 0  # the simpler model is preferred
    fm_d, fm_r = fits["default"].fit_measures, fits["rival"].fit_measures
    assert_allclose(row["delta_cfi"], fm_d["cfi"] - fm_r["cfi"], atol=1e-15)
    assert_allclose(row["delta_srmr"], fm_d["srmr"] - fm_r["srmr"], atol=1e-15)


@pytest.mark.parametrize(
    "name", ["hs_three_vs_one_mlr", "hs_three_vs_one_mlm", "ecommerce_default_vs_rival_fiml_mlr"]
)
def test_scaled_difference_is_satorra_bentler_2001(name):
    """Robust fits (MLR, MLM; MLR with full-information ML): lavTestLRT's scaled test."""
    fits = fit_case(name)
    cmp = compare(*fits.values(), names=list(fits))
    assert cmp.method == "satorra.bentler.2001"
    theirs = lavaan_table(FIXTURE[name])
    assert "rmsea" not in theirs.columns and np.isnan(cmp.table["rmsea"]).all()
    assert_matches(cmp, theirs)
    assert cmp.table["scaling_factor"].iloc[1] > 0


def test_bad_input():
    hs = ls.load_holzinger_swineford()
    three = ls.fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6", hs)
    with pytest.raises(ModelSpecError, match="at least two"):
        compare(three)
    with pytest.raises(ModelSpecError, match="not a fitted model"):
        compare(three, "visual =~ x1 + x2 + x3")  # type: ignore[arg-type]
    with pytest.raises(ModelSpecError, match="distinct name"):
        compare(three, three, names=["a", "a"])
    other = ls.fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6", hs.data.iloc[:200])
    with pytest.raises(SurveyDataError, match="different data"):
        compare(three, other)
    mixed = ls.fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6", hs, estimator="MLR")
    with pytest.raises(ModelSpecError, match="some models \\(but not all\\)"):
        compare(three, mixed)


def test_same_df_and_better_fitting_restricted_model_warn():
    hs = ls.load_holzinger_swineford()
    a = ls.fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6", hs)
    b = ls.fit("visual =~ x1 + x2 + x4\ntextual =~ x3 + x5 + x6", hs)
    cmp = compare(a, b)
    assert np.isnan(cmp.table["pvalue"].iloc[1])
    assert any("same degrees of freedom" in w for w in cmp.warnings)
    assert "WARNING" in cmp.summary()


# ------------------------------------------------------------------ multi-group fits
GROUP_FIXTURE = json.loads(
    (Path(__file__).parent / "fixtures" / "compare_groups.json").read_text(encoding="utf-8")
)


def test_group_fixture_provenance():
    pv = GROUP_FIXTURE["provenance"]
    assert pv["generator"] == "tests/reference/make_compare.R"
    assert pv["lavaan_version"] == "0.6.14" and pv["r_version"].startswith("R version")


_GROUP_FITS: dict[tuple[str, str], ls.MultiGroupResult] = {}


def fit_group_case(name: str) -> dict[str, ls.MultiGroupResult]:
    """The case's models fitted as in R (ML), in the order lavTestLRT was given them."""
    case = GROUP_FIXTURE["cases"][name]
    kind = "ecommerce" if "ecommerce" in case["data_file"] else "hs"
    data = ls.load_ecommerce() if kind == "ecommerce" else ls.load_holzinger_swineford()
    out = {}
    for model_name, m in case["models"].items():
        key = (kind, model_name)
        if key not in _GROUP_FITS:
            _GROUP_FITS[key] = ls.fit(
                m["syntax"], data, group=case["group"], group_equal=m["group_equal"]
            )
        res = _GROUP_FITS[key]
        assert [str(v) for v in res.group_labels] == m["group_labels"]
        assert res.provenance.n == m["ntotal"] and len(res.group_labels) == m["ngroups"]
        out[model_name] = res
    return out


def assert_deltas(cmp: ModelComparison, case: dict) -> None:
    """delta_* columns: this model's lavaan fitMeasures minus the one above it."""
    rows = list(cmp.table.index)
    for key in ("cfi", "tli", "rmsea", "srmr"):
        ref = [case["models"][r]["fit_measures"][key] for r in rows]
        assert_allclose(cmp.table[f"delta_{key}"].iloc[1:], np.diff(ref), atol=ATOL_INDEX)
    for key in ("aic", "bic"):
        ref = [case["models"][r]["fit_measures"][key] for r in rows]
        d = cmp.table[f"delta_{key}"].to_numpy()[1:]
        assert_allclose(d, np.diff(ref), rtol=0, atol=RTOL_CHISQ * max(map(abs, ref)))


@pytest.mark.parametrize("name", ["hs_school_ml", "ecommerce_wave_ml", "hs_school_ml_scalar_first"])
def test_multigroup_difference_test_is_lavtestlrt(name):
    """lavTestLRT(configural, metric, scalar) of multi-group ML fits, every column."""
    case = GROUP_FIXTURE["cases"][name]
    fits = fit_group_case(name)
    cmp = compare(*fits.values(), names=list(fits))
    assert cmp.method == "standard" and not cmp.warnings
    theirs = lavaan_table(case)
    assert "rmsea" in theirs.columns
    assert_matches(cmp, theirs)
    assert_deltas(cmp, case)
    assert np.isnan(cmp.table["scaling_factor"]).all()


def test_multigroup_rmsea_of_the_difference_has_the_sqrt_g_factor():
    """Three waves: the single-group formula times sqrt(3) (lav_fit_rmsea, G = ngroups)."""
    case = GROUP_FIXTURE["cases"]["ecommerce_wave_ml"]
    fits = fit_group_case("ecommerce_wave_ml")
    row = compare(*fits.values(), names=list(fits)).table.loc["metric"]
    n = case["models"]["configural"]["ntotal"]
    single = np.sqrt(max(row["chisq_diff"] / n / row["df_diff"] - 1 / n, 0))
    assert_allclose(row["rmsea"], single * np.sqrt(3), rtol=1e-12)
    ref = lavaan_table(case).loc["metric", "rmsea"]
    assert_allclose(row["rmsea"], ref, atol=ATOL_INDEX)
    assert abs(single - ref) > 0.03  # without the factor the RMSEA would be far off


@pytest.mark.parametrize("name", ["hs_school_mlr", "ecommerce_wave_mlr"])
def test_multigroup_scaled_difference_from_lavaan_statistics(name):
    """The scaled branch with groups, on lavaan's own MLR statistics of each model.

    Each ML fit is given lavaan's MLR fit measures (chisq, df, chisq.scaling.factor,
    ...) and estimator; compare() must then print lavTestLRT's Satorra-Bentler (2001)
    table. The multi-group MLR fit itself is tested in
    test_multigroup_mlr_fits_are_lavtestlrt.
    """
    case = GROUP_FIXTURE["cases"][name]
    ml = fit_group_case(name.replace("_mlr", "_ml"))
    fits = []
    for model_name, res in ml.items():
        fm = pd.Series(case["models"][model_name]["fit_measures"], dtype=float)
        prov = dataclasses.replace(res.provenance, estimator="MLR")
        fits.append(dataclasses.replace(res, _fit_measures=fm, provenance=prov))
    cmp = compare(*fits, names=list(ml))
    assert cmp.method == "satorra.bentler.2001"
    theirs = lavaan_table(case)
    assert "rmsea" not in theirs.columns and np.isnan(cmp.table["rmsea"]).all()
    assert_matches(cmp, theirs)
    assert (cmp.table["scaling_factor"].iloc[1:] > 0).all()


@pytest.mark.parametrize("name", ["hs_school_mlr", "ecommerce_wave_mlr"])
def test_multigroup_mlr_fits_are_lavtestlrt(name):
    case = GROUP_FIXTURE["cases"][name]
    kind = "ecommerce" if "ecommerce" in case["data_file"] else "hs"
    data = ls.load_ecommerce() if kind == "ecommerce" else ls.load_holzinger_swineford()
    fits = {}
    for model_name, m in case["models"].items():
        fits[model_name] = ls.fit(
            m["syntax"], data, group=case["group"], group_equal=m["group_equal"],
            estimator="MLR",
        )  # fmt: skip
    cmp = compare(*fits.values(), names=list(fits))
    assert cmp.method == "satorra.bentler.2001"
    assert_matches(cmp, lavaan_table(case))


def test_multigroup_bad_input():
    hs = ls.load_holzinger_swineford()
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"
    by_school = ls.fit(model, hs, group="school")
    single = ls.fit(model, hs)
    with pytest.raises(ModelSpecError, match="single-group and multi-group") as err:
        compare(by_school, single)
    assert err.value.fix and err.value.expected
    by_sex = ls.fit(model, hs, group="sex")
    with pytest.raises(SurveyDataError, match="different groups") as err:
        compare(by_school, by_sex)
    assert "school" in str(err.value.found) and "sex" in str(err.value.found)
    frame = hs.to_frame()
    relabelled = frame.assign(school=frame["school"].map({"Pasteur": "P", "Grant-White": "G"}))
    other = ls.fit(model, relabelled, group="school", group_equal=["loadings"])
    with pytest.raises(SurveyDataError, match="different groups"):
        compare(by_school, other)
    subset = ls.fit(model, frame.iloc[:250], group="school", group_equal=["loadings"])
    with pytest.raises(SurveyDataError, match="different data"):
        compare(by_school, subset)


def test_multigroup_summary_prints():
    fits = fit_group_case("hs_school_ml")
    cmp = compare(*fits.values(), names=list(fits))
    text = cmp.summary()
    assert "scalar" in text and "method: standard" in text


# ------------------------------------------------------------------ ordinal fits
ORDINAL_FIXTURE = json.loads(
    (Path(__file__).parent / "fixtures" / "compare_ordinal.json").read_text(encoding="utf-8")
)
ORDINAL_CASES = list(ORDINAL_FIXTURE["cases"])
#: lavaan's shift b of a difference on 1 df is 0 up to rounding (2e-15 in R, 4e-15 here)
ATOL_SHIFT = 1e-8


def _cut5(v: np.ndarray) -> np.ndarray:
    """R: cut(v, quantile(v, seq(0, 1, .2)), include.lowest = TRUE, labels = FALSE)."""
    breaks = np.quantile(v, np.linspace(0.0, 1.0, 6))  # type 7, as R's default
    return np.clip(np.searchsorted(breaks, v, side="left"), 1, 5).astype(float)


def _hs5() -> pd.DataFrame:
    """HolzingerSwineford1939 x1-x9 cut at their quintiles (make_wlsmv.R), with school."""
    hs = ls.load_holzinger_swineford().to_frame()
    out = pd.DataFrame({f"x{i}": _cut5(hs[f"x{i}"].to_numpy()) for i in range(1, 10)})
    out["school"] = hs["school"].to_numpy()
    return out


_ORDINAL_FITS: dict[tuple[str, str], ls.SEMResult | ls.MultiGroupResult] = {}


def fit_ordinal_case(name: str) -> dict[str, ls.SEMResult | ls.MultiGroupResult]:
    """The case's models fitted as in R, in the order lavTestLRT was given them."""
    case = ORDINAL_FIXTURE["cases"][name]
    out = {}
    for model_name, m in case["models"].items():
        key = (name, model_name)
        if key not in _ORDINAL_FITS:
            estimator = {"DWLS": "WLSMV", "ULS": "ULSMV"}[m["estimator"]]
            kwargs = {"ordered": m["ordered"], "estimator": estimator}
            if case["group"]:
                kwargs |= {"group": case["group"], "group_equal": m["group_equal"]}
            if "ecommerce" in case["data_file"]:
                data = ls.load_ecommerce()
            else:
                data = _hs5() if case["group"] else _hs5().drop(columns="school")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # listwise-deletion notes
                _ORDINAL_FITS[key] = ls.fit(m["syntax"], data, **kwargs)
        res = _ORDINAL_FITS[key]
        assert res.provenance.n == m["ntotal"]
        assert_allclose(res.fit_measures["chisq"], m["fit_measures"]["chisq"], rtol=RTOL_CHISQ)
        out[model_name] = res
    return out


def test_ordinal_fixture_provenance():
    pv = ORDINAL_FIXTURE["provenance"]
    assert pv["generator"] == "tests/reference/make_compare.R"
    assert pv["lavaan_version"] == "0.6.14" and pv["r_version"].startswith("R version")
    for case in ORDINAL_FIXTURE["cases"].values():
        assert "satorra.2000" in case["lrt"]["heading"]


@pytest.mark.parametrize("name", ORDINAL_CASES)
def test_ordinal_difference_test_is_lavtestlrt(name):
    """lavTestLRT of WLSMV/ULSMV fits (satorra.2000, scaled.shifted): every column.

    Single-group (HS cut into 5 categories; the survey's TRU, SAT, LOY items) and
    multi-group (by school: configural vs scalar, the ULSMV ladder); lavaan prints no
    RMSEA of the difference and no AIC/BIC (NA) for these estimators.
    """
    case = ORDINAL_FIXTURE["cases"][name]
    fits = fit_ordinal_case(name)
    cmp = compare(*fits.values(), names=list(fits))
    assert cmp.method == "satorra.2000" and not cmp.warnings
    theirs = lavaan_table(case)
    assert "rmsea" not in theirs.columns and np.isnan(cmp.table["rmsea"]).all()
    assert theirs["aic"].isna().all() and theirs["bic"].isna().all()
    assert_matches(cmp, theirs)  # aic, bic NaN on both sides; chisq the standard tests
    scale = np.array([np.nan if v is None else v for v in case["lrt"]["scale"]])
    shift = np.array([np.nan if v is None else v for v in case["lrt"]["shift"]])
    assert np.isnan(cmp.table["scaling_factor"].iloc[0]) and np.isnan(shift[0])
    assert_allclose(cmp.table["scaling_factor"].iloc[1:], scale[1:], rtol=RTOL_CHISQ)
    assert_allclose(cmp.table["shift"].iloc[1:], shift[1:], rtol=RTOL_CHISQ, atol=ATOL_SHIFT)
    # T_d = a (chisq_0 - chisq_1) + b, lavaan's attributes
    t = cmp.table
    assert_allclose(
        t["chisq_diff"].iloc[1:],
        t["scaling_factor"].iloc[1:] * np.diff(t["chisq"]) + t["shift"].iloc[1:],
        rtol=1e-12,
    )


def test_ordinal_compare_is_lrt_ordinal():
    """compare() and ordinal_groups.lrt_ordinal give one and the same test."""
    from loyaltysem.sem.ordinal_multigroup import lrt_ordinal

    fits = fit_ordinal_case("hs5_school_configural_vs_scalar_wlsmv")
    row = compare(fits["scalar"], fits["configural"]).table.iloc[1]
    d_chisq, d_df, p = lrt_ordinal(fits["scalar"], fits["configural"])
    assert (row["chisq_diff"], row["df_diff"], row["pvalue"]) == (d_chisq, d_df, p)
    single = fit_ordinal_case("hs5_three_vs_one_wlsmv")
    row = compare(*single.values()).table.iloc[1]
    assert row["chisq_diff"] == lrt_ordinal(single["one"], single["three"])[0]


def test_ordinal_bad_input():
    single = fit_ordinal_case("hs5_three_vs_one_wlsmv")
    uls = fit_ordinal_case("hs5_three_vs_one_ulsmv")
    data = _hs5().drop(columns="school")
    ml = ls.fit(ORDINAL_FIXTURE["cases"]["hs5_three_vs_one_wlsmv"]["models"]["one"]["syntax"], data)
    with pytest.raises(ModelSpecError, match=r"ordinal .* and continuous") as err:
        compare(single["three"], ml)
    assert err.value.fix and "WLSMV" in str(err.value.found) and "ML" in str(err.value.found)
    with pytest.raises(ModelSpecError, match="different estimators"):
        compare(single["three"], uls["one"])
    bare = dataclasses.replace(single["one"], _internals=None)
    with pytest.raises(ModelSpecError, match="no Jacobian") as err:
        compare(single["three"], bare)
    assert "lrt_ordinal" in str(err.value.fix)
    groups = fit_ordinal_case("hs5_school_configural_vs_scalar_wlsmv")
    model = ORDINAL_FIXTURE["cases"]["hs5_school_configural_vs_scalar_wlsmv"]["models"]
    ml_groups = ls.fit(model["configural"]["syntax"], _hs5(), group="school")
    with pytest.raises(ModelSpecError, match=r"ordinal .* and continuous"):
        compare(groups["scalar"], ml_groups)
    with pytest.raises(ModelSpecError, match="single-group and multi-group"):
        compare(groups["scalar"], single["three"])
    # the same items in another order: the statistics would be misaligned
    reordered = ls.fit("g =~ x9 + x8 + x7 + x6 + x5 + x4 + x3 + x2 + x1", data, ordered=True)
    assert_allclose(reordered.fit_measures["chisq"], single["one"].fit_measures["chisq"], rtol=1e-6)
    with pytest.raises(ModelSpecError, match="same order") as err:
        compare(single["three"], reordered)
    assert "x9" in str(err.value.found)


def test_ordinal_summary_prints_the_method():
    fits = fit_ordinal_case("hs5_nested_three_wlsmv")
    text = compare(*fits.values(), names=list(fits)).summary()
    assert "method: satorra.2000" in text and "standard test statistic" in text
    assert "equal_orthogonal" in text and "shift" in text
