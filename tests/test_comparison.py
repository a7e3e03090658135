"""compare() against lavaan's lavTestLRT (tests/fixtures/compare.json, make_compare.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import loyaltysem as ls
from loyaltysem.comparison import ModelComparison, compare
from loyaltysem.errors import ModelSpecError, SurveyDataError

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
