"""Ordinal estimation (WLSMV, ULSMV) of ``loyaltysem.sem.ordinal.fit_ordinal`` against lavaan.

Fixtures: ``tests/reference/make_wlsmv.R`` (``wlsmv_*.json``; R and lavaan versions,
date, call and syntax recorded in each). Every parameter row (a row on one side only
fails), estimate, standard error, standardized value and its standard error, every fit
measure lavaan reports (a measure on one side only fails) and every R² are compared
under design.md §4 tolerances. No R is needed: the numbers come from the fixtures.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from loyaltysem import fit, load_ecommerce
from loyaltysem.datasets import load_frame
from loyaltysem.errors import MissingDataWarning, ModelSpecError, SurveyDataError
from loyaltysem.sem.ordinal import fit_ordinal
from loyaltysem.sem.specification import specify

FIXTURES = Path(__file__).parent / "fixtures" / "estimation"

ATOL_EST = 1e-4  # estimates and standardized estimates
RTOL_SE = 1e-3  # standard errors
RTOL_CHISQ = 1e-4  # chi-square statistics and their degrees of freedom
ATOL_INDEX = 1e-4  # CFI, TLI, RMSEA (and CI), SRMR, p-values, other indices
ATOL_R2 = 1e-4
ATOL_ZERO = 1e-8  # a chi-square of a df = 0 model is 0 up to the optimizers' noise

CASES = [
    "wlsmv_hs_cfa_wlsmv",
    "wlsmv_hs_cfa_ulsmv",
    "wlsmv_hs_cfa_rescov",
    "wlsmv_hs_cfa_std_lv",
    "wlsmv_hs_cfa_mixed_categories",
    "wlsmv_hs_second_order",
    "wlsmv_ecommerce_cfa",
    "wlsmv_ecommerce_cfa_pairwise",
    "wlsmv_hs_cfa_pairwise_mcar10",
    "wlsmv_ecommerce_default",
    "wlsmv_ecommerce_tru_df0",
    # parameterization = "theta" (residual variances of y* fixed at 1)
    "wlsmv_theta_hs_cfa",
    "wlsmv_theta_hs_cfa_ulsmv",
    "wlsmv_theta_hs_cfa_rescov",
    "wlsmv_theta_hs_cfa_std_lv",
    "wlsmv_theta_hs_cfa_mixed_categories",
    "wlsmv_theta_ecommerce_cfa_pairwise",
    "wlsmv_theta_ecommerce_default",
]
CHISQ_LIKE = {
    "npar", "fmin", "chisq", "df", "chisq.scaled", "df.scaled", "baseline.chisq",
    "baseline.df", "baseline.chisq.scaled", "baseline.df.scaled", "cn_05", "cn_01",
    "chisq.shift.parameters",
}  # fmt: skip
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def cut5(v: np.ndarray) -> np.ndarray:
    """R: cut(v, quantile(v, seq(0, 1, .2)), include.lowest = TRUE, labels = FALSE)."""
    breaks = np.quantile(v, np.linspace(0.0, 1.0, 6))  # type 7, as R's default
    return np.clip(np.searchsorted(breaks, v, side="left"), 1, 5).astype(float)


def hs5() -> pd.DataFrame:
    hs = load_frame("holzinger_swineford")
    return pd.DataFrame({f"x{i}": cut5(hs[f"x{i}"].to_numpy()) for i in range(1, 10)})


def hs_mixed() -> pd.DataFrame:
    """x1-x3 at the median (R: v > median(v)), x4-x6 at the tertiles, x7-x9 in quintiles."""
    hs = load_frame("holzinger_swineford")
    out = hs5()
    for i in range(1, 7):
        v = hs[f"x{i}"].to_numpy()
        if i <= 3:
            out[f"x{i}"] = (v > np.median(v)) + 1.0
        else:
            breaks = np.quantile(v, np.linspace(0.0, 1.0, 4))
            out[f"x{i}"] = np.clip(np.searchsorted(breaks, v, side="left"), 1, 3).astype(float)
    return out


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def parameterization(fx: dict) -> str:
    """lavaan's ``parameterization=`` of the fixture's call (default delta)."""
    return "theta" if 'parameterization = "theta"' in fx["provenance"]["call"] else "delta"


def run(fx: dict):
    """The user's path: ``fit(model, data, ordered=True, estimator=..., missing=...)``."""
    call = fx["provenance"]["call"]
    if "data = hs5m" in call:  # the cells as R had them (NA = missing)
        data = pd.DataFrame(np.array(fx["data"], dtype=float), columns=fx["items"])
    elif "data = hs5" in call:
        data = hs5()
    elif "data = hs_mixed" in call:
        data = hs_mixed()
    else:
        data = load_ecommerce().data
    estimator = call.split('estimator = "')[1].split('"')[0]
    missing = "pairwise" if 'missing = "pairwise"' in call else "listwise"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        return fit(
            fx["provenance"]["model_syntax"],
            data,
            ordered=True,
            estimator=estimator,
            missing=missing,
            std_lv="std.lv = TRUE" in call,
            parameterization=parameterization(fx),
        )


@pytest.fixture(scope="module", params=CASES)
def case(request):
    fx = load(request.param)
    return request.param, fx, run(fx)


def merged(ours: pd.DataFrame, theirs: pd.DataFrame) -> pd.DataFrame:
    """Join on (lhs, op, rhs); a parameter on one side only fails."""
    m = ours.merge(
        theirs, on=["lhs", "op", "rhs"], how="outer", suffixes=("", "_R"), indicator=True
    )
    one_side = m[m["_merge"] != "both"]
    assert one_side.empty, f"parameters on one side only:\n{one_side[['lhs', 'op', 'rhs']]}"
    return m


def test_fixture_provenance(case):
    _, fx, _ = case
    prov = fx["provenance"]
    assert prov["lavaan_version"] == "0.6.14"
    assert prov["generator"] == "tests/reference/make_wlsmv.R"
    assert fx["options"]["parameterization"] == parameterization(fx)
    assert fx["options"]["se"] == "robust.sem"
    assert fx["options"]["test"] == ["scaled.shifted"]


def test_same_parameter_rows_in_lavaans_order(case):
    _, fx, res = case
    theirs = pd.DataFrame(fx["parameter_estimates"])
    ours = res.estimates
    assert list(zip(ours.lhs, ours.op, ours.rhs, strict=True)) == list(
        zip(theirs.lhs, theirs.op, theirs.rhs, strict=True)
    )
    # free parameters: lavaan's count (thresholds included)
    assert int((ours["free"] > 0).sum()) == fx["npar"]


def test_estimates_standard_errors_and_standardized_values(case):
    _, fx, res = case
    m = merged(res.estimates, pd.DataFrame(fx["parameter_estimates"]))
    free = m["se_R"] > 0
    assert free.sum() >= fx["npar"]
    assert_allclose(m["est"], m["est_R"], atol=ATOL_EST)
    assert_allclose(m.loc[free, "se"], m.loc[free, "se_R"], rtol=RTOL_SE)
    assert_allclose(m.loc[free, "z"], m.loc[free, "z_R"], rtol=RTOL_SE)
    assert_allclose(m.loc[free, "pvalue"], m.loc[free, "pvalue_R"], atol=ATOL_INDEX)
    # CI = est -/+ z se: the bounds within the estimate's tolerance, their half-widths
    # within the SE's (theta's large SEs, e.g. 22, make 1e-4 absolute too tight there)
    f = m.loc[free]
    assert_allclose(f["ci_lower"], f["ci.lower"], atol=ATOL_EST + 2.0 * RTOL_SE * f["se_R"].max())
    assert_allclose(f["ci_upper"], f["ci.upper"], atol=ATOL_EST + 2.0 * RTOL_SE * f["se_R"].max())
    assert_allclose(f["est"] - f["ci_lower"], f["est_R"] - f["ci.lower"], rtol=RTOL_SE)
    assert_allclose(f["ci_upper"] - f["est"], f["ci.upper"] - f["est_R"], rtol=RTOL_SE)
    assert_allclose(m["std_lv"], m["std.lv"], atol=ATOL_EST)
    assert_allclose(m["std_all"], m["std.all"], atol=ATOL_EST)


def test_standardized_solution_standard_errors(case):
    _, fx, res = case
    m = merged(res.estimates, pd.DataFrame(fx["standardized_solution"]))
    assert_allclose(m["std_all"], m["est.std"], atol=ATOL_EST)
    positive = m["se_R"] > 1e-8
    assert_allclose(m.loc[positive, "se_std_all"], m.loc[positive, "se_R"], rtol=RTOL_SE)
    # residual variances of y* are functions of the free parameters: their SEs too
    theta = m["op"].eq("~~") & m["lhs"].eq(m["rhs"]) & m["lhs"].isin(fx["names"]["ov"])
    assert positive[theta].all()


def test_thresholds_equal_the_sample_thresholds(case):
    """Delta: the estimates are the sample thresholds; theta: their std.all (tau / sd(y*))."""
    _, fx, res = case
    est = res.estimates
    th = est[est["op"] == "|"]
    names = (th["lhs"] + "|" + th["rhs"]).tolist()
    assert names == fx["sample"]["thresholds"]["names"]
    assert names == fx["implied"]["thresholds"]["names"]
    column = "est" if parameterization(fx) == "delta" else "std_all"
    assert_allclose(th[column], fx["sample"]["thresholds"]["values"], atol=1e-10)
    assert_allclose(th[column], fx["implied"]["thresholds"]["values"], atol=ATOL_EST)


def test_sample_and_implied_correlations(case):
    _, fx, res = case
    for ours, key in ((res.sample_cov, "sample"), (res.implied_cov, "implied")):
        ref = fx[key]["correlation"]
        theirs = pd.DataFrame(ref["values"], index=ref["names"], columns=ref["names"])
        assert_allclose(ours.loc[theirs.index, theirs.columns], theirs, atol=ATOL_EST)


def test_every_fit_measure(case):
    _, fx, res = case
    theirs = dict(fx["fit_measures"])
    theirs["chisq.shift.parameters"] = fx["test"]["scaled_shifted"]["shift_parameter"]
    ours = res.fit_measures
    assert set(ours.index) == set(theirs), (
        f"only ours: {sorted(set(ours.index) - set(theirs))}; "
        f"only lavaan's: {sorted(set(theirs) - set(ours.index))}"
    )
    for key, value in theirs.items():
        expected = np.nan if value is None else value
        if fx["fit_measures"]["df"] == 0 and key in ("cn_05", "cn_01"):
            # lavaan: NA if chisq < .Machine$double.eps, else qchisq(., 0) / (chisq / N) + 1
            # = 1; at df = 0 the statistic is 0 up to noise (ours 1e-20, lavaan's 2e-12)
            assert np.isnan(ours[key]) and expected == 1.0
            continue
        tol = {"rtol": RTOL_CHISQ, "atol": ATOL_ZERO} if key in CHISQ_LIKE else {"atol": ATOL_INDEX}
        assert_allclose(ours[key], expected, err_msg=key, **tol)


def test_scaled_shifted_test_parts(case):
    _, fx, res = case
    fm = res.fit_measures
    t = fx["test"]["scaled_shifted"]
    assert_allclose(fm["chisq.scaled"], t["stat"], rtol=RTOL_CHISQ, atol=ATOL_ZERO)
    if t["df"] == 0:  # lavaan keeps the standard test, with NA scaling and shift
        assert t["scaling_factor"] is None and np.isnan(fm["chisq.scaling.factor"])
        assert np.isnan(fm["chisq.shift.parameters"])
        return
    assert_allclose(fm["chisq.scaling.factor"], t["scaling_factor"], atol=ATOL_INDEX)
    # chisq.scaled = chisq / scaling factor + shift
    recomposed = fm["chisq"] / fm["chisq.scaling.factor"] + fm["chisq.shift.parameters"]
    assert_allclose(fm["chisq.scaled"], recomposed, rtol=1e-12)


def test_rsquare(case):
    _, fx, res = case
    theirs = pd.Series(fx["rsquare"], dtype=float)
    assert sorted(res.r2.index) == sorted(theirs.index)
    assert_allclose(res.r2.reindex(theirs.index), theirs, atol=ATOL_R2)


def test_provenance_and_listwise_deletion_are_reported(case):
    name, fx, res = case
    assert res.converged
    assert res.provenance.n == fx["nobs"]
    assert res.provenance.estimator == fx["provenance"]["call"].split('"')[1]
    assert res.provenance.options["parameterization"] == parameterization(fx)
    assert res.provenance.options["missing"] == fx["options"]["missing"]
    if name == "wlsmv_hs_cfa_pairwise_mcar10":
        data = np.array(fx["data"], dtype=float)
        incomplete = int(np.isnan(data).any(axis=1).sum())
        assert res.provenance.n_excluded == len(data) - fx["nobs"] == 0
        assert any(f"pairwise deletion: {incomplete} of {len(data)} rows" in w
                   for w in res.warnings)  # fmt: skip
    elif "pairwise" in name:
        assert res.provenance.n_excluded == 1225 - fx["nobs"] == 0
        assert any("pairwise deletion: 166 of 1225 rows" in w for w in res.warnings)
    elif "ecommerce" in name:
        dropped = 1225 - fx["nobs"]
        assert res.provenance.n_excluded == dropped
        assert any(f"listwise deletion: {dropped} of 1225 rows" in w for w in res.warnings)
    else:
        assert res.provenance.n_excluded == 0


def test_listwise_deletion_warns():
    spec = specify("TRU =~ TRU1 + TRU2 + TRU3")
    with pytest.warns(MissingDataWarning, match="listwise deletion"):
        res = fit_ordinal(spec, load_ecommerce().data, ordered=list(spec.ov))
    assert res.provenance.n_excluded > 0


# ----------------------------------------------------------------------------- bad input
@pytest.fixture(scope="module")
def data5() -> pd.DataFrame:
    return hs5()


def test_single_category_item_is_refused(data5):
    data = data5.copy()
    data["x2"] = 3.0
    with pytest.raises(SurveyDataError, match="single value") as err:
        fit_ordinal(specify(HS), data, ordered=list(data.columns))
    assert err.value.column == "x2"
    assert "only the value 3" in str(err.value)
    assert "drop the item" in err.value.fix


def test_more_than_twenty_categories_are_refused(data5):
    data = data5.copy()
    data["x4"] = np.arange(len(data)) % 25 + 1.0
    with pytest.raises(SurveyDataError, match="more than 20") as err:
        fit_ordinal(specify(HS), data, ordered=list(data.columns))
    assert err.value.column == "x4"
    assert "25 distinct values" in str(err.value)
    assert "continuous" in err.value.fix


def test_ordered_name_not_in_the_model_is_refused(data5):
    with pytest.raises(ModelSpecError, match="not an observed variable") as err:
        fit_ordinal(specify(HS), data5, ordered=[*data5.columns, "x10"])
    assert err.value.column == "x10"
    assert "x10" in str(err.value) and "ordered=" in err.value.fix
    with pytest.raises(ModelSpecError, match="latent variable"):
        fit_ordinal(specify(HS), data5, ordered=[*data5.columns, "speed"])


def test_mixing_ordinal_and_continuous_indicators_is_refused(data5):
    ordered = [c for c in data5.columns if c != "x7"]
    with pytest.raises(ModelSpecError, match="mixing ordinal and continuous") as err:
        fit_ordinal(specify(HS), data5, ordered=ordered)
    assert err.value.column == "x7"
    assert err.value.line == 3
    assert "ordered" in err.value.fix


def test_unknown_estimator_is_refused(data5):
    with pytest.raises(ModelSpecError, match="not available for ordinal") as err:
        fit_ordinal(specify(HS), data5, ordered=list(data5.columns), estimator="ML")
    assert "WLSMV" in err.value.fix


@pytest.mark.parametrize(
    ("extra", "needle", "column"),
    [
        ("visual ~ x9", "regression", "x9"),
        ("x1 ~~ x1", "residual variance", "x1"),
        ("x1 ~ 1", "intercepts", "x1"),
    ],
)
def test_unsupported_model_parts_are_refused(data5, extra, needle, column):
    spec = specify(HS + "\n" + extra)
    with pytest.raises(ModelSpecError, match=needle) as err:
        fit_ordinal(spec, data5, ordered=list(data5.columns))
    assert err.value.column == column
    assert err.value.line == 4
    assert err.value.fix


def test_model_variable_missing_from_the_data_is_refused(data5):
    with pytest.raises(ModelSpecError, match="not in the data") as err:
        fit_ordinal(specify(HS), data5.drop(columns="x5"), ordered=list(data5.columns))
    assert err.value.column == "x5"


def test_residual_covariance_between_ordinal_items(data5):
    """A free residual covariance of y* (theta off the diagonal) is estimated."""
    spec = specify(HS + "\nx1 ~~ x4")
    res = fit_ordinal(spec, data5, ordered=list(data5.columns))
    est = res.estimates
    row = est[(est.lhs == "x1") & (est.op == "~~") & (est.rhs == "x4")]
    assert len(row) == 1 and row["free"].iloc[0] > 0
    assert res.fit_measures["df"] == 23
    # the user row precedes the thresholds, as in lavaan's parTable
    assert row.index[0] < est.index[est.op == "|"][0]


def test_effects_of_an_ordinal_fit_match_lavaans_defined_rows():
    """``effects()`` works on an ordinal result: its total effect is lavaan's ``:=`` row."""
    from loyaltysem import effects

    fx = load("wlsmv_ecommerce_default")
    res = run(fx)
    row = effects(res).table.query("source == 'TRU' and target == 'LOY' and kind == 'total'")
    pe = pd.DataFrame(fx["parameter_estimates"]).set_index("lhs").loc["total_TRU"]
    ss = pd.DataFrame(fx["standardized_solution"]).set_index("lhs").loc["total_TRU"]
    assert_allclose(row["est"].iloc[0], pe["est"], atol=ATOL_EST)
    assert_allclose(row["se"].iloc[0], pe["se"], rtol=RTOL_SE)
    assert_allclose(row["std_all"].iloc[0], ss["est.std"], atol=ATOL_EST)
    assert_allclose(row["se_std_all"].iloc[0], ss["se"], rtol=RTOL_SE)


def test_meanstructure_rows_are_lavaans_fixed_intercepts(data5):
    """``meanstructure=True`` adds nothing: lavaan's ordinal table has the ~1 rows at 0."""
    ref = fit_ordinal(specify(HS), data5, ordered=list(data5.columns))
    res = fit_ordinal(specify(HS, meanstructure=True), data5, ordered=list(data5.columns))
    pd.testing.assert_frame_equal(res.estimates, ref.estimates)


def test_more_parameters_than_correlations_is_refused(data5):
    from loyaltysem.errors import IdentificationError

    spec = specify("f =~ x1 + x2 + x3\nx1 ~~ x2\nx2 ~~ x3")  # 3 correlations, 4 parameters
    with pytest.raises(IdentificationError, match="df < 0") as err:
        fit_ordinal(spec, data5, ordered=list(spec.ov))
    assert err.value.fix


def test_heywood_case_is_reported_as_lavaan_warns():
    """lavaan: 'some estimated lv variances are negative' (second-order fixture)."""
    fx = load("wlsmv_hs_second_order")
    res = run(fx)
    pe = pd.DataFrame(fx["parameter_estimates"]).set_index(["lhs", "op", "rhs"])
    assert pe.loc[("visual", "~~", "visual"), "est"] < 0
    assert any("Heywood" in w and "visual ~~ visual" in w for w in res.warnings)
    assert np.isnan(res.r2["visual"])  # lavaan's rsquare is NA above 1


def test_unknown_missing_rule_is_refused(data5):
    with pytest.raises(ModelSpecError, match="missing='ml'") as err:
        fit_ordinal(specify(HS), data5, ordered=list(data5.columns), missing="ml")
    assert "pairwise" in err.value.fix


# ----------------------------------------------------------------------------- theta
def test_theta_is_the_delta_model_in_other_units(data5):
    """Same chi-square, fit measures and std.all; the ~*~ rows are sd(y*)^-1 (lavaan)."""
    fx_d, fx_t = load("wlsmv_hs_cfa_wlsmv"), load("wlsmv_theta_hs_cfa")
    delta, theta = run(fx_d), run(fx_t)
    keys = ["chisq", "chisq.scaled", "cfi.scaled", "rmsea.scaled", "cfi.robust", "srmr"]
    assert_allclose(theta.fit_measures[keys], delta.fit_measures[keys], rtol=1e-7)
    assert_allclose(theta.estimates["std_all"], delta.estimates["std_all"], atol=1e-6)
    est = theta.estimates
    resid = est[(est["op"] == "~~") & (est["lhs"] == est["rhs"]) & est["lhs"].str.match(r"x\d")]
    assert (resid["free"] == 0).all() and np.allclose(resid["est"], 1.0)
    scales = est[est["op"] == "~*~"].set_index("lhs")["est"]
    # Delta = 1 / sd(y*) and var(y*) = 1 / (1 - R^2) with theta_ii = 1
    assert_allclose(scales.loc[theta.r2.index], np.sqrt(1.0 - theta.r2), rtol=1e-10)


def test_theta_options_are_checked(data5):
    spec = specify(HS)
    with pytest.raises(ModelSpecError, match="parameterization") as err:
        fit_ordinal(spec, data5, ordered=list(data5.columns), parameterization="Theta")
    assert "theta" in err.value.fix
    with pytest.raises(ModelSpecError, match="fixed at 1 in the theta") as err:
        fit_ordinal(specify(HS + "\nx1 ~~ x1"), data5, ordered=list(data5.columns),
                    parameterization="theta")  # fmt: skip
    assert err.value.column == "x1"
    with pytest.raises(ModelSpecError, match="needs ordered="):
        fit(HS, load_frame("holzinger_swineford"), parameterization="theta")
