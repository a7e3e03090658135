"""Modification indices of ordinal (WLSMV/ULSMV) fits against lavaan 0.6.14.

Fixtures: tests/reference/make_ordinal_mi.R (``modindices(fit, sort. = TRUE)`` of
single-group fits (HS in quintile categories: delta, theta, ULSMV, ``std_lv``, theta
with residual covariances, a Heywood residual correlation (delta and theta); the
bundled survey's nine-construct CFA, listwise and pairwise, and its structural model)
and of multi-group fits (HS by school: configural and scalar delta, scalar with
``std_lv``, scalar, strict and partially strict theta; the survey by wave: configural
and scalar)). Every row is matched on ``(lhs, op, rhs[, group])``; a row on one side
only fails. Tolerances as tests/test_modindices.py: ``mi`` rtol 1e-3, ``epc`` and
``sepc.*`` rtol 1e-4, both with atol 1e-4.
"""

from __future__ import annotations

import dataclasses
import json
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
from loyaltysem.errors import ModelSpecError
from loyaltysem.sem.invariance import _top_modindex, invariance_ordinal
from loyaltysem.sem.ordinal import ORDINAL_MI_COLUMNS, ordinal_modification_indices
from loyaltysem.sem.ordinal_multigroup import fit_groups_ordinal

FIXTURES = Path(__file__).parent / "fixtures" / "groups_ordinal"
RTOL_MI = 1e-3
RTOL_EPC = 1e-4
ATOL = 1e-4
SINGLE = [
    "hs_delta",
    "hs_theta",
    "hs_ulsmv",
    "hs_std_lv",
    "hs_theta_rescov",
    "hs_heywood_delta",
    "hs_heywood_theta",
    "ecommerce_cfa",
    "ecommerce_cfa_pairwise",
    "ecommerce_sem",
]
GROUPS = [
    "hs_configural",
    "hs_scalar",
    "hs_scalar_std_lv",
    "hs_theta_scalar",
    "hs_theta_strict",
    "hs_theta_strict_partial",
    "ecommerce_configural",
    "ecommerce_scalar",
]


def _load(name: str) -> dict[str, Any]:
    with open(FIXTURES / f"mi_{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


def _hs5() -> pd.DataFrame:
    """R: cut(v, quantile(v, seq(0, 1, .2)), include.lowest = TRUE, labels = FALSE)."""
    hs = load_frame("holzinger_swineford")
    out = {}
    for i in range(1, 10):
        v = hs[f"x{i}"].to_numpy()
        breaks = np.quantile(v, np.linspace(0.0, 1.0, 6))
        out[f"x{i}"] = np.clip(np.searchsorted(breaks, v, side="left"), 1, 5).astype(float)
    frame = pd.DataFrame(out)
    frame["school"] = hs["school"].to_numpy()
    return frame


def _call_option(call: str, name: str, default: str) -> str:
    key = f'{name} = "'
    return call.split(key)[1].split('"')[0] if key in call else default


@cache
def _fit(name: str) -> Any:
    pv = _load(name)["provenance"]
    data: Any = load_ecommerce() if name.startswith("ecommerce") else _hs5()
    par = pv["parameterization"]
    std_lv = "std.lv = TRUE" in pv["call"]
    missing = _call_option(pv["call"], "missing", "listwise")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # listwise deletion notes
        if pv["group"] is None:
            estimator = _call_option(pv["call"], "estimator", "WLSMV")
            return fit(pv["model_syntax"], data, ordered=True, estimator=estimator,
                       parameterization=par, std_lv=std_lv, missing=missing)  # fmt: skip
        return fit_groups_ordinal(
            pv["model_syntax"], data, pv["group"], group_equal=pv["group_equal"],
            group_partial=pv["group_partial"], parameterization=par, std_lv=std_lv,
        )  # fmt: skip


def _matched(name: str) -> pd.DataFrame:
    fx = _load(name)
    theirs = pd.DataFrame(fx["modindices"])
    theirs["rhs"] = theirs["rhs"].fillna("")
    ours = _fit(name).modification_indices()
    keys = ["lhs", "op", "rhs"] + (["group"] if "group" in theirs else [])
    m = ours.merge(theirs, on=keys, how="outer", suffixes=("", "_R"), indicator=True)
    one_side = m[m["_merge"] != "both"]
    assert one_side.empty, f"rows on one side only:\n{one_side[[*keys, 'mi', 'mi_R', '_merge']]}"
    assert len(ours) == len(theirs)
    return m


@pytest.mark.parametrize("name", SINGLE + GROUPS)
def test_modindices_match_lavaan(name: str) -> None:
    m = _matched(name)
    assert_allclose(m["mi"], m["mi_R"], rtol=RTOL_MI, atol=ATOL)
    for col in ("epc", "sepc.lv", "sepc.all", "sepc.nox"):
        assert_allclose(m[col], m[f"{col}_R"], rtol=RTOL_EPC, atol=ATOL, err_msg=col)


@pytest.mark.parametrize("name", ["hs_delta", "hs_scalar"])
def test_columns_and_order(name: str) -> None:
    mi = _fit(name).modification_indices()
    expected = list(ORDINAL_MI_COLUMNS) if "group" in mi else [
        c for c in ORDINAL_MI_COLUMNS if c != "group"
    ]  # fmt: skip
    assert list(mi.columns) == expected
    assert np.all(np.diff(mi["mi"].to_numpy()) <= 0)  # sort. = TRUE
    top = pd.DataFrame(_load(name)["modindices"]).iloc[0]
    assert (mi.iloc[0]["lhs"], mi.iloc[0]["op"], mi.iloc[0]["rhs"]) == (
        top["lhs"], top["op"], top["rhs"],
    )  # fmt: skip


def test_single_group_candidates() -> None:
    # one group: only cross loadings and residual covariances of y* have an index (the
    # freed thresholds scales, intercepts, means, residual variances are equivalent)
    for name in ("hs_delta", "hs_theta"):
        mi = _fit(name).modification_indices()
        assert set(mi["op"]) == {"=~", "~~"}
        assert not np.any((mi["op"] == "~~") & (mi["lhs"] == mi["rhs"]))


def test_theta_scaling_factors_and_residual_variances() -> None:
    # scalar theta: the scaling factors ~*~ get indices (lavaan's computeDelta moves the
    # thresholds only); strict theta: the fixed residual variances of y* in both groups
    scalar = _fit("hs_theta_scalar").modification_indices()
    row = scalar[(scalar["lhs"] == "x7") & (scalar["op"] == "~*~") & (scalar["group"] == 2)]
    assert_allclose(row["mi"], 3.403, atol=5e-4)
    assert_allclose(row["sepc.all"], 1.0)
    strict = _fit("hs_theta_strict").modification_indices()
    var = strict[(strict["op"] == "~~") & (strict["lhs"] == "x4") & (strict["rhs"] == "x4")]
    assert sorted(var["group"]) == [1, 2]
    assert_allclose(var["mi"], 4.941, atol=5e-4)
    assert_allclose(np.abs(var["sepc.lv"]), 1.0)  # standardized at its value, 1


def test_minimum_value() -> None:
    res = _fit("hs_scalar")
    mi = res.modification_indices(minimum_value=10)
    assert len(mi) and (mi["mi"] > 10).all()
    theirs = pd.DataFrame(_load("hs_scalar")["modindices"])
    assert len(mi) == int((theirs["mi"] > 10).sum())


def test_strict_partial_search_ranks_residual_variances_by_mi() -> None:
    # the strict step of the search: the residual variance of y* with lavaan's largest
    # index in group 2 (fixture: the strict fit with the thresholds freed below)
    res = _fit("hs_theta_strict_partial")
    theirs = pd.DataFrame(_load("hs_theta_strict_partial")["modindices"])
    var = theirs[(theirs["op"] == "~~") & (theirs["lhs"] == theirs["rhs"])]
    var = var[var["lhs"].str.startswith("x") & (var["group"] > 1)].iloc[0]
    name, group, mi = _top_modindex(res, ())
    assert (name, group) == (f"{var['lhs']} ~~ {var['rhs']}", int(var["group"]))
    assert_allclose(mi, var["mi"], rtol=RTOL_MI)
    # already freed: the next one
    name2, _, _ = _top_modindex(res, (name,))
    assert name2 != name


def test_invariance_ordinal_strict_partial() -> None:
    hs = _hs5()
    model = _load("hs_theta_strict")["provenance"]["model_syntax"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inv = invariance_ordinal(model, hs, "school", parameterization="theta", partial=True)
    steps = inv["partial"]
    assert list(steps.loc[steps["level"] == "thresholds", "freed"]) == [
        "x3 | t1",
        "x3 | t2",
        "x7 | t4",
        "x7 | t3",
    ]  # fmt: skip (the fixture's group.partial)
    strict = steps[steps["level"] == "strict"]
    assert len(strict) >= 1
    theirs = pd.DataFrame(_load("hs_theta_strict_partial")["modindices"])
    var = theirs[(theirs["op"] == "~~") & (theirs["lhs"] == theirs["rhs"])]
    top = var[var["lhs"].str.startswith("x") & (var["group"] > 1)].iloc[0]
    first = strict.iloc[0]
    assert first["freed"] == f"{top['lhs']} ~~ {top['rhs']}"
    assert_allclose(first["X2"], top["mi"], rtol=RTOL_MI)
    assert inv["table"].loc["strict", "decision"] in ("partially supported", "not supported")


def test_result_without_indices_raises_typed_error() -> None:
    res = dataclasses.replace(_fit("hs_delta"), _modindices=None)
    with pytest.raises(ModelSpecError, match="no modification indices"):
        res.modification_indices()


def test_heywood_residual_correlation_start_check() -> None:
    # x7 ~~ x9 implies a residual correlation of y* beyond 1: lavaan evaluates the
    # extended model at start values shrunk by lav_start_check_cov (delta: visual =~ x7
    # gets 101.57), and in the theta parameterization four cross loadings lose their index
    delta = _fit("hs_heywood_delta").modification_indices().set_index(["lhs", "op", "rhs"])
    assert_allclose(delta.loc[("visual", "=~", "x7"), "mi"], 101.570, atol=5e-4)
    theta = _fit("hs_heywood_theta").modification_indices()
    assert not ((theta["op"] == "=~") & theta["rhs"].isin(["x7", "x9"])).any()


def _at_lavaan_estimates(name: str) -> pd.DataFrame:
    """Our indices evaluated at lavaan's estimates (the fixture's parameterEstimates)."""
    res = _fit(name)
    part = res._modindices
    pe = pd.DataFrame(_load(name)["estimates"])
    pe["rhs"] = pe["rhs"].fillna("")
    if "group" not in pe:
        pe["group"] = 1
    cols = pe[["lhs", "op", "rhs", "group", "est"]].itertuples(index=False)
    est = {(a, o, b, int(g)): v for a, o, b, g, v in cols}
    single = part.func is not ordinal_modification_indices
    groups = [part.args[0]] if single else list(part.args[0])
    ov, x = part.args[1], np.array(part.args[2], dtype=float)
    theta = part.args[3] if single else part.keywords["theta"]
    moved = []
    for gr in groups:
        pt, values = gr.table, np.array(gr.values, dtype=float)
        for i in range(len(pt)):
            key = (pt.lhs[i], pt.op[i], pt.rhs[i] or "", gr.group)
            if key in est:
                values[i] = est[key]
                if pt.free[i] > 0:
                    x[pt.free[i] - 1] = est[key]
        moved.append(dataclasses.replace(gr, values=values))
    return ordinal_modification_indices(moved, ov, x, theta=theta)


@pytest.mark.parametrize("name", SINGLE + GROUPS)
def test_at_lavaan_estimates_the_indices_are_lavaan_s(name: str) -> None:
    # the differences of test_modindices_match_lavaan are those of the estimates (lavaan's
    # optimizer stops earlier): at lavaan's estimates the formulas agree to rounding
    theirs = pd.DataFrame(_load(name)["modindices"])
    theirs["rhs"] = theirs["rhs"].fillna("")
    ours = _at_lavaan_estimates(name)
    keys = ["lhs", "op", "rhs"] + (["group"] if "group" in theirs else [])
    m = ours.merge(theirs, on=keys, how="outer", suffixes=("", "_R"), indicator=True)
    assert (m["_merge"] == "both").all()
    assert_allclose(m["mi"], m["mi_R"], rtol=1e-4, atol=1e-5)
    for col in ("epc", "sepc.lv", "sepc.all", "sepc.nox"):
        assert_allclose(m[col], m[f"{col}_R"], rtol=1e-5, atol=1e-6, err_msg=col)
