"""Multi-group ordinal fits (WLSMV, ULSMV), threshold invariance and lavTestLRT vs lavaan 0.6.14.

Fixtures: ``tests/reference/make_groups_ordinal.R`` (``tests/fixtures/groups_ordinal``;
R, lavaan and semTools versions recorded in each). Every parameter (matched on lhs, op,
rhs, group; one on a single side fails), its label, estimate, robust standard error,
std.lv and std.all, every fit measure lavaan reports (a measure on one side only
fails; NA must be NaN), the standard and scaled-shifted tests with each group's
chi-square, lavTestScore of the equality constraints, and lavTestLRT (satorra.2000,
scaled.shifted) between invariance levels and between nested single-group fits are
compared under design.md §4 tolerances. The
tests run without R.
"""

from __future__ import annotations

import dataclasses
import json
import math
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from loyaltysem import fit, load_ecommerce
from loyaltysem.datasets import load_frame
from loyaltysem.errors import ModelSpecError, SurveyDataError
from loyaltysem.sem.group_blocks import MultiGroupResult
from loyaltysem.sem.invariance import (
    ORDINAL_INVARIANCE_LEVELS,
    ORDINAL_THETA_LEVELS,
    invariance_ordinal,
)
from loyaltysem.sem.ordinal_multigroup import fit_groups_ordinal, lrt_ordinal

FIXTURES = Path(__file__).parent / "fixtures" / "groups_ordinal"

ATOL_EST = 1e-4  # estimates and standardized estimates
RTOL_SE = 1e-3  # standard errors
ATOL_SE_ZERO = 1e-8  # fixed parameters: lavaan 0, ours 0
RTOL_CHISQ = 1e-4  # chi-square statistics, df, counts
ATOL_INDEX = 1e-4  # CFI, TLI, RMSEA (and CI), SRMR, p-values, other indices
ATOL_P = 1e-4
RTOL_THETA_EST = 1e-4  # theta's unstandardized estimates: plus relative (see test_estimates)

#: measures compared relatively (chi-square-like, counts)
RELATIVE = {
    "npar", "fmin", "chisq", "df", "chisq.scaled", "df.scaled", "baseline.chisq",
    "baseline.df", "baseline.chisq.scaled", "baseline.df.scaled", "cn_05", "cn_01",
    "chisq.shift.parameters", "chisq.scaling.factor", "baseline.chisq.scaling.factor",
    "ntotal",
}  # fmt: skip
LEVEL_CASES = {
    "hs": ["hs_configural", "hs_thresholds", "hs_scalar"],
    "ecommerce": ["ecommerce_configural", "ecommerce_thresholds", "ecommerce_scalar"],
}
OTHER_CASES = [
    "hs_metric_loadings",
    "hs_scalar_ulsmv",
    "hs_configural_ulsmv",
    "hs_scalar_partial",
    "hs_scalar_std_lv",
    "hs_scalar_all",
    "hs_scalar_pairwise",
    "hs_sem_defined",  # c(a1, a2) structural labels and := effects compared by school
]
#: parameterization = "theta": the ladder with strict, and variants
THETA_LEVEL_CASES = {
    kind: [f"theta_{kind}_{level}" for level in ("configural", "thresholds", "scalar", "strict")]
    for kind in ("hs", "ecommerce")
}
THETA_OTHER_CASES = [
    "theta_hs_strict_std_lv",
    "theta_hs_scalar_ulsmv",
    "theta_hs_scalar_partial",
    "theta_hs_strict_partial_residual",
]
THETA_CASES = [c for cases in THETA_LEVEL_CASES.values() for c in cases] + THETA_OTHER_CASES
ALL_CASES = [c for cases in LEVEL_CASES.values() for c in cases] + OTHER_CASES + THETA_CASES
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def cut5(v: np.ndarray) -> np.ndarray:
    """R: cut(v, quantile(v, seq(0, 1, .2)), include.lowest = TRUE, labels = FALSE)."""
    breaks = np.quantile(v, np.linspace(0.0, 1.0, 6))  # type 7, as R's default
    return np.clip(np.searchsorted(breaks, v, side="left"), 1, 5).astype(float)


@cache
def hs5() -> pd.DataFrame:
    hs = load_frame("holzinger_swineford")
    out = pd.DataFrame({f"x{i}": cut5(hs[f"x{i}"].to_numpy()) for i in range(1, 10)})
    out["school"] = hs["school"].to_numpy()
    return out


def _load(name: str) -> dict[str, Any]:
    with open(FIXTURES / f"{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


def _data(name: str) -> Any:
    name = name.removeprefix("theta_")
    if name.startswith("ecommerce"):
        return load_ecommerce()
    if name == "hs_scalar_pairwise":
        return pd.read_csv(FIXTURES / "hs5_mcar10.csv")  # R's MCAR cells, as used
    return hs5()


@cache
def _fit(name: str) -> MultiGroupResult:
    d = _load(name)
    pv = d["provenance"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deletion notes
        return fit_groups_ordinal(
            pv["model_syntax"],
            _data(name),
            pv["group"],
            ordered=d["ordered"],
            estimator="ULSMV" if d["options"]["estimator"] == "ULS" else "WLSMV",
            group_equal=pv["group_equal"],
            group_partial=pv["group_partial"],
            std_lv=d["options"]["std.lv"],
            missing=d["options"]["missing"],
            parameterization=d["options"]["parameterization"],
        )


@pytest.mark.parametrize("name", ALL_CASES)
def test_fixture_provenance(name: str) -> None:
    d = _load(name)
    pv = d["provenance"]
    assert pv["generator"] == "tests/reference/make_groups_ordinal.R"
    assert pv["lavaan_version"] == "0.6.14"
    assert pv["r_version"].startswith("R version")
    theta = 'parameterization = "theta"' in pv["call"]
    assert d["options"]["parameterization"] == ("theta" if theta else "delta")
    assert theta == name.startswith("theta_")
    assert _fit(name).provenance.options["parameterization"] == d["options"]["parameterization"]
    assert d["options"]["estimator"] in ("DWLS", "ULS")


@pytest.mark.parametrize("name", ALL_CASES)
def test_estimates(name: str) -> None:
    d = _load(name)
    res = _fit(name)
    assert res.converged and d["converged"]
    assert [str(v) for v in res.group_labels] == d["group_labels"]
    assert_allclose(res.nobs.to_numpy(), d["nobs"])
    ref = pd.DataFrame(d["parameter_estimates"])
    ref = ref[ref["op"] != "=="]
    ours = res.estimates
    key = ["lhs", "op", "rhs", "group"]
    m = ref.merge(ours, on=key, how="outer", indicator=True, suffixes=("_R", ""))
    one_sided = m[m["_merge"] != "both"]
    assert one_sided.empty, one_sided[[*key, "_merge"]]
    assert len(ours) == len(ref)
    # theta: the unstandardized values are in units of sd(y*) (up to 3.5 here): lavaan's
    # nlminb stopping (relative 5e-5, as in the delta fits) is then up to 1.8e-4 absolute
    rtol = RTOL_THETA_EST if name.startswith("theta_") else 0.0
    assert_allclose(m["est"], m["est_R"], atol=ATOL_EST, rtol=rtol, err_msg=f"{name}: est")
    free = m["se_R"] > 0
    assert_allclose(m.loc[free, "se"], m.loc[free, "se_R"], rtol=RTOL_SE, err_msg="se")
    assert_allclose(m.loc[~free, "se"], 0.0, atol=ATOL_SE_ZERO)
    assert_allclose(m["std_lv"], m["std.lv"], atol=ATOL_EST, rtol=rtol, err_msg="std.lv")
    assert_allclose(m["std_all"], m["std.all"], atol=ATOL_EST, err_msg="std.all")
    ref_label = m["label_R"] if "label_R" in m else pd.Series("", index=m.index)
    ref_label = ref_label.fillna("")
    assert (m["label"] == ref_label).all(), m.loc[m["label"] != ref_label, [*key, "label"]]
    # lavInspect(fit, "npar") counts the parameters before the "==" constraints
    n_eq = sum(row["op"] == "==" for row in d["partable"])
    assert int(res.fit_measures["npar"]) == d["npar"] - n_eq


@pytest.mark.parametrize("name", ALL_CASES)
def test_fit_measures(name: str) -> None:
    d = _load(name)
    fm = _fit(name).fit_measures
    ref = d["fit_measures"]
    missing = sorted(set(ref) - set(fm.index))
    assert not missing, missing
    for key, value in ref.items():
        ours = float(fm[key])
        if value is None:
            assert math.isnan(ours), f"{name}: {key} is NA in lavaan, {ours} here"
            continue
        assert not math.isnan(ours), f"{name}: {key} = {value} in lavaan, NaN here"
        if key in RELATIVE:
            assert_allclose(ours, value, rtol=RTOL_CHISQ, err_msg=f"{name}: {key}")
        else:
            assert_allclose(ours, value, atol=ATOL_INDEX, err_msg=f"{name}: {key}")


@pytest.mark.parametrize("name", ALL_CASES)
def test_tests_per_group(name: str) -> None:
    d = _load(name)
    res = _fit(name)
    std = d["test"]["standard"]
    assert_allclose(res.chisq_group.to_numpy(), std["stat_group"], rtol=RTOL_CHISQ)
    sh = d["test"]["scaled_shifted"]
    fm = res.fit_measures
    assert_allclose(fm["chisq.scaled"], sh["stat"], rtol=RTOL_CHISQ)
    assert_allclose(fm["chisq.scaling.factor"], sh["scaling_factor"], rtol=RTOL_CHISQ)
    assert_allclose(fm["chisq.shift.parameters"], sh["shift_parameter"], rtol=RTOL_CHISQ)
    assert_allclose(fm["pvalue.scaled"], sh["pvalue"], atol=ATOL_P)


@pytest.mark.parametrize("name", ["hs_scalar", "ecommerce_thresholds", "hs_scalar_pairwise"])
def test_sample_and_implied_statistics(name: str) -> None:
    d = _load(name)
    res = _fit(name)
    for label, sample in d["sample"].items():
        key = next(g for g in res.group_labels if str(g) == label)
        assert_allclose(res.sample_mean(key).to_numpy(), sample["thresholds"]["values"], atol=1e-6)
        assert_allclose(
            res.sample_cov(key).to_numpy(), np.array(sample["correlation"]["values"]), atol=1e-6
        )


SCORE_CASES = [
    "hs_thresholds", "hs_scalar", "hs_scalar_partial", "ecommerce_scalar",
    "theta_hs_thresholds", "theta_hs_scalar",
]  # fmt: skip
ATOL_SCORE = 1e-4  # a score statistic near 0 differs by lavaan's optimizer tolerance


@pytest.mark.parametrize("name", SCORE_CASES)
def test_score_tests_against_lavtestscore(name: str) -> None:
    d = _load(name)
    res = _fit(name)
    ref = pd.DataFrame(d["score_test"]["uni"])
    ours = res.score_tests()
    key_r = ["par_lhs", "par_op", "par_rhs", "par_group"]
    key = ["lhs", "op", "rhs", "group"]
    m = ref.merge(ours, left_on=key_r, right_on=key, how="outer", indicator=True,
                  suffixes=("_R", ""))  # fmt: skip
    assert (m["_merge"] == "both").all(), m.loc[m["_merge"] != "both", key_r + key]
    assert_allclose(m["X2"], m["X2_R"], rtol=RTOL_CHISQ, atol=ATOL_SCORE)
    assert (m["ref_group_R"] == m["ref_group"]).all()
    total = d["score_test"]["total"][0]
    ours_total = res.score_test_total()
    assert_allclose(ours_total["X2"], total["X2"], rtol=RTOL_CHISQ)
    assert ours_total["df"] == total["df"]
    assert_allclose(ours_total["pvalue"], total["p.value"], atol=ATOL_P)


def test_no_constraints_no_score_tests() -> None:
    with pytest.raises(ModelSpecError, match="no equality constraints"):
        _fit("hs_configural").score_tests()


@pytest.mark.parametrize("kind", ["hs", "ecommerce"])
def test_lrt_between_levels(kind: str) -> None:
    d = _load(f"ladder_{kind}")
    fits = {level: _fit(f"{kind}_{level}") for level in d["levels"]}
    pairs = {
        "thresholds_vs_configural": ("thresholds", "configural"),
        "scalar_vs_thresholds": ("scalar", "thresholds"),
        "scalar_vs_configural": ("scalar", "configural"),
    }
    for key, (restricted, free) in pairs.items():
        ref = d["pairs"][key]
        d_chisq, d_df, p = lrt_ordinal(fits[restricted], fits[free])
        assert_allclose(d_chisq, ref["delta_chisq"], rtol=RTOL_CHISQ, err_msg=key)
        assert d_df == ref["delta_df"]
        assert_allclose(p, ref["pvalue"], atol=ATOL_P)
        # the order of the arguments does not matter (lavaan sorts by df)
        assert lrt_ordinal(fits[free], fits[restricted]) == (d_chisq, d_df, p)


@pytest.mark.parametrize("kind", ["hs", "ecommerce"])
def test_invariance_ladder(kind: str) -> None:
    d = _load(f"ladder_{kind}")
    pv = d["provenance"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inv = invariance_ordinal(pv["model_syntax"], _data(kind), pv["group"])
    table = inv["table"]
    assert list(table.index) == d["levels"] == list(ORDINAL_INVARIANCE_LEVELS)
    assert {k: list(v) for k, v in ORDINAL_INVARIANCE_LEVELS.items()} == {
        k: [v] if isinstance(v, str) else list(v) for k, v in d["group_equal"].items()
    }  # jsonlite writes a one-element vector as a string
    lrt = pd.DataFrame(d["lrt"]["table"]).set_index("model")
    for level in d["levels"]:
        fm = d["fit_measures"][level]
        row = table.loc[level]
        assert_allclose(row["chisq"], fm["chisq.scaled"], rtol=RTOL_CHISQ)
        assert_allclose(row[["cfi", "tli", "rmsea", "srmr"]].to_numpy(dtype=float),
                        [fm["cfi.scaled"], fm["tli.scaled"], fm["rmsea.scaled"], fm["srmr"]],
                        atol=ATOL_INDEX)  # fmt: skip
        if level == "configural":
            assert row["decision"] == "baseline"
            continue
        assert_allclose(row["delta_chisq"], lrt.loc[level, "Chisq diff"], rtol=RTOL_CHISQ)
        assert row["delta_df"] == lrt.loc[level, "Df diff"]
        assert_allclose(row["p_delta"], lrt.loc[level, "Pr(>Chisq)"], atol=ATOL_P)
        assert row["decision"] in ("supported", "not supported")


def test_partial_search_names_the_drifted_wave() -> None:
    # wave 3 of the bundled survey has drifted loadings (scripts/make_ecommerce.py:
    # TRU2, SAT3, LOY1); the search frees the largest score test of the scalar level
    pv = _load("ladder_ecommerce")["provenance"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inv = invariance_ordinal(pv["model_syntax"], _data("ecommerce"), "wave", std_lv=True,
                                 partial=True)  # fmt: skip
    table, steps = inv["table"], inv["partial"]
    assert table.loc["thresholds", "decision"] == "supported"
    assert table.loc["scalar", "decision"] == "partially supported"
    assert steps["freed"].iloc[0] == "LOY =~ LOY1"
    assert set(steps["freed"]) <= {"LOY =~ LOY1", "SAT =~ SAT3", "TRU =~ TRU2"}
    assert (steps["group"] == 3).all() and (steps["level"] == "scalar").all()
    assert inv["fits"]["scalar"].group_partial == tuple(steps["freed"])
    with pytest.raises(ModelSpecError, match="partial_criterion"):
        invariance_ordinal(HS, hs5(), "school", partial=True, partial_criterion="aic")


def test_lrt_single_group() -> None:
    d = _load("lrt_single")
    data = hs5().drop(columns="school")
    free = fit(d["provenance"]["model_syntax"], data, ordered=True)
    cases = {
        "orthogonal": fit(d["orthogonal_syntax"], data, ordered=True),
        "equal": fit(d["equal_syntax"], data, ordered=True),
    }
    for key, restricted in cases.items():
        ref = d[key]
        assert_allclose(restricted.fit_measures["chisq"], ref["chisq_restricted"], rtol=RTOL_CHISQ)
        d_chisq, d_df, p = lrt_ordinal(restricted, free, data=data)
        assert_allclose(d_chisq, ref["delta_chisq"], rtol=RTOL_CHISQ, err_msg=key)
        assert d_df == ref["delta_df"]
        assert_allclose(p, ref["pvalue"], atol=ATOL_P)
        # the fits keep their Jacobian, weights, NACOV and information: no data needed
        kept = lrt_ordinal(restricted, free)
        assert kept[1] == d_df
        assert_allclose(kept[::2], (d_chisq, p), rtol=1e-6, err_msg=key)
    bare = dataclasses.replace(cases["equal"], _internals=None)
    with pytest.raises(ModelSpecError, match="needs the data"):
        lrt_ordinal(bare, free)
    other = data.copy()
    other.loc[:20, "x1"] = 1.0
    with pytest.raises(ModelSpecError, match="not the data"):
        lrt_ordinal(cases["equal"], free, data=other)


def test_result_display_and_accessors() -> None:
    res = _fit("hs_scalar_ulsmv")
    text = str(res)
    assert "estimator: ULSMV" in text and "thresholds, loadings" in text
    assert "~*~" in text and "Chi-square per group" in text  # scaling rows, per group
    assert repr(res).startswith("<MultiGroupResult groups=2")
    assert res.provenance.options["parameterization"] == "delta"
    imp = res.implied_cov("Grant-White")
    assert_allclose(np.diag(imp.to_numpy()), 1.0)
    assert list(res.implied_mean("Pasteur").index[:2]) == ["x1|t1", "x1|t2"]
    assert res.r2.index.names == ["group_label", "variable"]
    assert ((res.r2 > 0) & (res.r2 < 1)).all()


def test_kernel_jacobian_matches_finite_differences() -> None:
    from loyaltysem._kernels.multigroup_dwls import GroupLayout
    from loyaltysem._kernels.partable import ParTable, compile_partable

    # f =~ a + b + c (marker a), thresholds, a latent mean, a free scale of a, var(f)
    pt = ParTable(
        lhs=np.array(["f", "f", "f", "a", "b", "c", "f", "a", "f"], dtype=object),
        op=np.array(["=~", "=~", "=~", "|", "|", "|", "~1", "~*~", "~~"], dtype=object),
        rhs=np.array(["a", "b", "c", "t1", "t1", "t1", "", "a", "f"], dtype=object),
        free=np.array([0, 1, 2, 3, 4, 5, 6, 7, 8]),
        ustart=np.array([1.0, *[np.nan] * 8]),
        exo=np.zeros(9, dtype=int),
        label=np.full(9, "", dtype=object),
    )
    cm = compile_partable(pt, ["a", "b", "c"], np.eye(3))
    gl = GroupLayout(cm.layout, np.array([2, 3, 4]), np.full(3, np.nan), np.array([0, 1, 2]),
                     np.array([6, -1, -1]), np.ones(3), np.arange(8))  # fmt: skip
    x0 = np.array([0.8, 0.7, -0.3, 0.1, 0.4, 0.2, 1.1, 0.6])
    jac = gl.jacobian(x0)
    h = 1e-6
    num = np.column_stack([
        (gl.implied((x0 + h * e)[None])[0] - gl.implied((x0 - h * e)[None])[0]) / (2 * h)
        for e in np.eye(len(x0))
    ])  # fmt: skip
    assert np.abs(jac).max() > 0.1
    assert_allclose(jac, num, atol=1e-8)
    # implied: thresholds delta (tau - lambda alpha), correlations delta_i delta_j lam lam psi
    imp = gl.implied(x0[None])[0]
    assert_allclose(imp[0], 1.1 * (-0.3 - 1.0 * 0.2))
    assert_allclose(imp[3], 1.1 * 1.0 * 0.8 * 0.6)  # (b, a)


# ------------------------------------------------------------------------ bad input
def test_category_empty_in_one_group() -> None:
    d = _load("errors")
    assert "some categories of variable `x1' are empty in group 1" in d["error"]
    data = hs5().copy()
    data.loc[(data["school"] == "Pasteur") & (data["x1"] == 1), "x1"] = 2.0
    with pytest.raises(SurveyDataError, match="empty in group") as err:
        fit_groups_ordinal(HS, data, "school")
    assert err.value.column == "x1"
    assert "Pasteur" in str(err.value) and "merge category 1" in str(err.value)


def test_bad_options() -> None:
    with pytest.raises(ModelSpecError, match="group_equal"):
        fit_groups_ordinal(HS, hs5(), "school", group_equal=["threshold"])
    with pytest.raises(ModelSpecError, match="parameterization"):
        fit_groups_ordinal(HS, hs5(), "school", parameterization="Theta")
    with pytest.raises(ModelSpecError, match="missing"):
        fit_groups_ordinal(HS, hs5(), "school", missing="ml")
    with pytest.raises(ModelSpecError, match="estimator"):
        fit_groups_ordinal(HS, hs5(), "school", estimator="ML")
    with pytest.raises(ModelSpecError, match="continuous"):
        fit_groups_ordinal(HS, hs5(), "school", ordered=["x1", "x2"])
    with pytest.raises(ModelSpecError, match="group_partial"):
        fit_groups_ordinal(HS, hs5(), "school", group_equal=["thresholds"],
                           group_partial=["x1 | t9"])  # fmt: skip
    with pytest.raises(SurveyDataError, match="grouping column"):
        fit_groups_ordinal(HS, hs5(), "schol")
    with pytest.raises(ModelSpecError, match="strict"):
        invariance_ordinal(HS, hs5(), "school", levels=("configural", "strict"))


def test_lrt_refuses_other_results() -> None:
    conf = _fit("hs_configural")
    ml = fit(HS, load_frame("holzinger_swineford"))
    with pytest.raises(ModelSpecError, match="WLSMV or ULSMV"):
        lrt_ordinal(conf, ml)
    with pytest.raises(ModelSpecError, match="same data"):
        lrt_ordinal(conf, _fit("ecommerce_configural"))
    with pytest.raises(ModelSpecError, match="different estimators"):
        lrt_ordinal(_fit("hs_configural_ulsmv"), _fit("hs_scalar"))


# ------------------------------------------------- the public entry points dispatch
@pytest.mark.parametrize("kind", ["hs", "ecommerce"])
def test_public_invariance_with_ordered_is_the_ordinal_ladder(kind: str) -> None:
    # ls.invariance(..., ordered=...) and ls.fit(..., group=, ordered=) are the ordinal
    # fits: the same lavaan numbers as invariance_ordinal / fit_groups_ordinal
    import loyaltysem as ls

    d = _load(f"ladder_{kind}")
    pv = d["provenance"]
    ordered = d.get("ordered", True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inv = ls.invariance(pv["model_syntax"], _data(kind), group=pv["group"], ordered=ordered)
        scalar = ls.fit(
            pv["model_syntax"], _data(kind), group=pv["group"], ordered=ordered,
            group_equal=list(ORDINAL_INVARIANCE_LEVELS["scalar"]),
        )  # fmt: skip
    assert inv.kind == "ordinal" and list(inv.table.index) == d["levels"]
    assert "thresholds" in inv.summary() and "satorra.2000" in inv.summary()
    lrt = pd.DataFrame(d["lrt"]["table"]).set_index("model")
    for level in d["levels"][1:]:
        assert_allclose(inv.table.loc[level, "delta_chisq"], lrt.loc[level, "Chisq diff"],
                        rtol=RTOL_CHISQ)  # fmt: skip
    fm = d["fit_measures"]["scalar"]
    assert scalar.provenance.estimator == "WLSMV"
    assert_allclose(scalar.fit_measures["chisq.scaled"], fm["chisq.scaled"], rtol=RTOL_CHISQ)
    assert_allclose(inv.table.loc["scalar", "chisq"], fm["chisq.scaled"], rtol=RTOL_CHISQ)


# ----------------------------------------------------------------- theta and strict
THETA_PAIRS = {
    "thresholds_vs_configural": ("thresholds", "configural"),
    "scalar_vs_thresholds": ("scalar", "thresholds"),
    "strict_vs_scalar": ("strict", "scalar"),
    "strict_vs_configural": ("strict", "configural"),
}


@pytest.mark.parametrize("kind", ["hs", "ecommerce"])
def test_theta_lrt_between_levels(kind: str) -> None:
    d = _load(f"ladder_theta_{kind}")
    fits = {level: _fit(f"theta_{kind}_{level}") for level in d["levels"]}
    for key, (restricted, free) in THETA_PAIRS.items():
        ref = d["pairs"][key]
        d_chisq, d_df, p = lrt_ordinal(fits[restricted], fits[free])
        assert_allclose(d_chisq, ref["delta_chisq"], rtol=RTOL_CHISQ, err_msg=key)
        assert d_df == ref["delta_df"]
        assert_allclose(p, ref["pvalue"], atol=ATOL_P)


@pytest.mark.parametrize("kind", ["hs", "ecommerce"])
def test_theta_invariance_ladder_with_strict(kind: str) -> None:
    d = _load(f"ladder_theta_{kind}")
    pv = d["provenance"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inv = invariance_ordinal(pv["model_syntax"], _data(kind), pv["group"],
                                 parameterization="theta")  # fmt: skip
    table = inv["table"]
    assert list(table.index) == d["levels"] == list(ORDINAL_THETA_LEVELS)
    assert {k: list(v) for k, v in ORDINAL_THETA_LEVELS.items()} == {
        k: [v] if isinstance(v, str) else list(v) for k, v in d["group_equal"].items()
    }
    lrt = pd.DataFrame(d["lrt"]["table"]).set_index("model")
    for level in d["levels"]:
        fm = d["fit_measures"][level]
        row = table.loc[level]
        assert_allclose(row["chisq"], fm["chisq.scaled"], rtol=RTOL_CHISQ)
        assert_allclose(row[["cfi", "tli", "rmsea", "srmr"]].to_numpy(dtype=float),
                        [fm["cfi.scaled"], fm["tli.scaled"], fm["rmsea.scaled"], fm["srmr"]],
                        atol=ATOL_INDEX)  # fmt: skip
        if level == "configural":
            continue
        assert row["compared_with"] == d["levels"][d["levels"].index(level) - 1]
        assert_allclose(row["delta_chisq"], lrt.loc[level, "Chisq diff"], rtol=RTOL_CHISQ)
        assert row["delta_df"] == lrt.loc[level, "Df diff"]
        assert_allclose(row["p_delta"], lrt.loc[level, "Pr(>Chisq)"], atol=ATOL_P)


def test_theta_and_delta_lower_levels_are_the_same_model() -> None:
    """configural, thresholds, scalar: same chi-square in both parameterizations."""
    for level in ("configural", "thresholds", "scalar"):
        delta, theta = _fit(f"hs_{level}").fit_measures, _fit(f"theta_hs_{level}").fit_measures
        for key in ("chisq", "df", "chisq.scaled", "npar"):
            assert_allclose(theta[key], delta[key], rtol=1e-6, err_msg=f"{level}: {key}")


def test_theta_residual_variances_free_in_later_groups_and_equal_when_strict() -> None:
    """lav_partable_flat (theta): y* residual variances 1 in group 1, free in group 2 with
    equal thresholds; group.equal "residuals" keeps them at group 1's 1."""
    for level, free_later in (("configural", False), ("scalar", True), ("strict", False)):
        est = _fit(f"theta_hs_{level}").estimates
        resid = est[(est["op"] == "~~") & (est["lhs"] == est["rhs"]) & est["lhs"].str.match(r"x\d")]
        g1, g2 = resid[resid["group"] == 1], resid[resid["group"] == 2]
        assert (g1["free"] == 0).all() and np.allclose(g1["est"], 1.0)
        assert (g2["free"] > 0).all() if free_later else (g2["free"] == 0).all(), level
        if not free_later:
            assert np.allclose(g2["est"], 1.0)
        scales = est[est["op"] == "~*~"]
        assert (scales["free"] == 0).all()  # computed from the implied variances


def test_semtools_strict_model_is_lavaans_strict() -> None:
    """semTools measEq.syntax(ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", theta,
    group.equal = thresholds, loadings, intercepts, residuals) is our strict level."""
    ref = _load("ladder_theta_hs")["semtools_strict"]["fit_measures"]
    fm = _fit("theta_hs_strict_std_lv").fit_measures
    for key in ("npar", "chisq", "df", "chisq.scaled"):
        assert_allclose(fm[key], ref[key], rtol=RTOL_CHISQ, err_msg=key)
    for key in ("cfi.scaled", "rmsea.scaled", "srmr"):
        assert_allclose(fm[key], ref[key], atol=ATOL_INDEX, err_msg=key)


def test_strict_needs_theta() -> None:
    with pytest.raises(ModelSpecError, match="theta") as err:
        invariance_ordinal(HS, hs5(), "school", levels=("configural", "strict"))
    assert "parameterization='theta'" in err.value.fix
    with pytest.raises(ModelSpecError, match="unknown ordinal invariance level"):
        invariance_ordinal(HS, hs5(), "school", levels=("configural", "metric"),
                           parameterization="theta")  # fmt: skip


def test_lrt_single_group_theta() -> None:
    """lavTestLRT of nested single-group theta fits, from the kept and the recomputed parts."""
    d = _load("lrt_single_theta")
    data = hs5().drop(columns="school")
    kw = {"ordered": True, "parameterization": "theta"}
    free = fit(d["provenance"]["model_syntax"], data, **kw)
    for key in ("orthogonal", "equal"):
        ref = d[key]
        restricted = fit(d[f"{key}_syntax"], data, **kw)
        assert_allclose(restricted.fit_measures["chisq"], ref["chisq_restricted"], rtol=RTOL_CHISQ)
        for args in ({}, {"data": data}):
            d_chisq, d_df, p = lrt_ordinal(restricted, free, **args)
            assert_allclose(d_chisq, ref["delta_chisq"], rtol=RTOL_CHISQ, err_msg=key)
            assert d_df == ref["delta_df"]
            assert_allclose(p, ref["pvalue"], atol=ATOL_P)


@pytest.mark.parametrize("kind", ["hs", "ecommerce"])
def test_public_invariance_theta_goes_on_to_strict(kind: str) -> None:
    import loyaltysem as ls

    d = _load(f"ladder_theta_{kind}")
    pv = d["provenance"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inv = ls.invariance(
            pv["model_syntax"], _data(kind), group=pv["group"], ordered=True,
            parameterization="theta",
        )  # fmt: skip
    assert list(inv.table.index) == d["levels"] == ["configural", "thresholds", "scalar", "strict"]
    assert "(scalar, strict)" in inv.summary()
    for level in d["levels"]:
        assert_allclose(inv.table.loc[level, "chisq"], d["fit_measures"][level]["chisq.scaled"],
                        rtol=RTOL_CHISQ)  # fmt: skip
