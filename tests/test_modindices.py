"""Single-group modification indices against lavaan 0.6.14 ``modindices(fit, sort. = TRUE)``.

Fixtures: ``tests/reference/make_modindices.R`` (``tests/fixtures/estimation/mi_*.json``; R,
lavaan and jsonlite versions recorded in each). lavaan extends the model by
``lav_object_extended(..., all.free = TRUE)``: every fixed parameter is freed at its current
value and the missing candidates of ``lav_partable_full`` are added. The cases have such
fixed parameters: ``orthogonal = TRUE`` (latent covariances fixed at 0; also with MLR,
which has the same indices: lavaan's expected information), ``std.lv`` with ``orthogonal``,
a user's ``0*x9`` loading, a residual variance fixed at 0.5 and a covariance fixed at 0, a
mean structure with latent means fixed at 0 (not identified when freed, and identified
through two equal intercepts), fixed.x covariates (with and without a mean structure), path
models of observed variables, Political Democracy, the default e-commerce model on the
bundled survey and a full-information ML fit (``missing = "ml"``).

Every row lavaan reports is matched on (lhs, op, rhs); a row on one side only fails, and
the candidates lavaan has no index for (NA) have none here. Tolerances as the other MI
tests (tests/test_fit.py, tests/test_fiml.py; design.md §4): mi relative 1e-3 (absolute
1e-4), EPCs and standardized EPCs absolute 1e-4 (relative 1e-4 beyond 1). At lavaan's own
estimates the formula agrees to 1e-6. The tests run without R.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from loyaltysem import fit, load_ecommerce
from loyaltysem.datasets import dataset_path, load_frame
from loyaltysem.sem import single_group as estimation
from loyaltysem.sem.modindices import ONE_GROUP_MI_COLUMNS as MI_COLUMNS
from loyaltysem.sem.results import SEMResult
from loyaltysem.sem.specification import specify

FIXTURES = Path(__file__).parent / "fixtures" / "estimation"
DATASETS = dataset_path("mobi").parent  # the packaged copies (src/loyaltysem/data)
CASES = [
    "hs_orthogonal",
    "hs_orthogonal_mlr",
    "hs_std_lv_orthogonal",
    "hs_fixed_values",
    "hs_meanstructure",
    "hs_latent_means",
    "hs_chain_fixed_x",
    "hs_chain_fixed_x_meanstructure",
    "hs_path",
    "hs_mixed_path",
    "poldem_sem",
    "ecommerce_default",
    "fiml_hs_orthogonal",
]
KEY = ["lhs", "op", "rhs"]
SEPC = ["sepc.lv", "sepc.all", "sepc.nox"]
RTOL_MI = 1e-3
ATOL_EST = 1e-4
#: EPCs beyond 1 in size (x1 ~~ x3 = -2.33 in hs_mixed_path) move with lavaan's stopping
#: point by more than 1e-4 absolute (1.6e-4 there, 7e-5 relative; exact at its estimates)
RTOL_EPC = 1e-4


def _load(name: str) -> dict[str, Any]:
    with open(FIXTURES / f"mi_{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


def _options(fx: dict[str, Any]) -> dict[str, Any]:
    o = fx["options"]
    return {
        "std_lv": bool(o["std.lv"]),
        "orthogonal": bool(o["orthogonal"]),
        "meanstructure": bool(o["meanstructure"]),
    }


def _estimator(fx: dict[str, Any]) -> dict[str, Any]:
    """``estimator="MLR"`` where lavaan's call has it (MLR resolves to estimator "ML")."""
    return {"estimator": "MLR"} if 'estimator = "MLR"' in fx["provenance"]["call"] else {}


@cache
def _data(name: str) -> pd.DataFrame:
    fx = _load(name)
    call = fx["provenance"]["call"]
    if "data = ecom" in call:  # the bundled survey, through its codebook
        return load_ecommerce()
    if "data = pd" in call:
        return load_frame("political_democracy")
    if "data" in fx:  # the cells as lavaan read them (NA = missing)
        return pd.DataFrame(np.array(fx["data"], dtype=float), columns=fx["items"])
    return load_frame("holzinger_swineford")


@cache
def _fit(name: str) -> SEMResult:
    fx = _load(name)
    missing = "ml" if fx["options"]["missing"] == "ml" else "listwise"
    options = {**_options(fx), **_estimator(fx)}
    return fit(fx["provenance"]["model_syntax"], _data(name), missing=missing, **options)


def merged_strict(ours: pd.DataFrame, theirs: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    """lavaan's rows with ours beside them (suffix ``_R``: lavaan's); a row on one side fails.

    With ``top``, ``theirs`` is lavaan's ``top`` largest indices (``modindices(fit, sort. =
    TRUE)`` cut at ``top`` rows, the fixtures of make_estimation.R): each of them must be
    ours, and when the list is cut, each row of ours above its smallest index (by more
    than the mi tolerance) must be lavaan's. Also used by tests/test_fit.py and
    tests/test_estimation_engine.py.
    """
    m = theirs.merge(ours, on=KEY, how="outer", suffixes=("_R", ""), indicator=True)
    if top is not None and len(theirs) >= top:
        cutoff = float(theirs["mi"].min()) * (1 + RTOL_MI) + ATOL_EST
        m = m[(m["_merge"] != "right_only") | (m["mi"] > cutoff)]
    one_side = m[m["_merge"] != "both"]
    assert one_side.empty, f"rows on one side only:\n{one_side[[*KEY, 'mi_R', 'mi', '_merge']]}"
    return m.drop(columns="_merge").reset_index(drop=True)


def _merged(ours: pd.DataFrame, name: str) -> pd.DataFrame:
    return merged_strict(ours, pd.DataFrame(_load(name)["modindices"]))


def _assert_close(
    m: pd.DataFrame, rtol_mi: float = RTOL_MI, rtol_epc: float = RTOL_EPC, atol: float = ATOL_EST
) -> None:
    assert_allclose(m["mi"], m["mi_R"], rtol=rtol_mi, atol=atol)
    assert_allclose(m["epc"], m["epc_R"], rtol=rtol_epc, atol=atol)
    for col in SEPC:
        # NA where lavaan has NA (a covariance of two fixed.x covariates), and only there
        theirs = m[f"{col}_R"].astype(float)
        assert_allclose(m[col], theirs, rtol=rtol_epc, atol=atol, err_msg=col)


@pytest.mark.parametrize("name", CASES)
def test_every_row_lavaan_lists(name):
    """Same rows as modindices(fit) (NA rows removed); mi, epc and sepc.* as lavaan's."""
    ours = _fit(name).modification_indices()
    assert list(ours.columns) == list(MI_COLUMNS)
    m = _merged(ours, name)
    assert len(m) == len(_load(name)["modindices"])
    _assert_close(m)
    assert (np.diff(ours["mi"].to_numpy()) <= 0).all()  # sort. = TRUE


@pytest.mark.parametrize("name", CASES)
def test_no_index_where_lavaan_has_none(name):
    """The candidates lavaan gives NA (a freed marker loading, a latent mean of a model with
    free intercepts, a latent variance with std.lv, a fixed.x variance, ...) are not listed."""
    ours = _fit(name).modification_indices()
    na = pd.DataFrame(_load(name)["modindices_na"])
    if na.empty:
        return
    both = na.merge(ours, on=KEY, how="inner")
    assert both.empty, both


def _at_lavaan_estimates(name: str) -> pd.DataFrame:
    """estimation.modification_indices at lavaan's estimates (its parTable est column)."""
    fx = _load(name)
    opts = _options(fx)
    fiml = fx["options"]["missing"] == "ml"
    spec = specify(
        fx["provenance"]["model_syntax"],
        std_lv=opts["std_lv"],
        orthogonal=opts["orthogonal"],
        meanstructure=opts["meanstructure"] or fiml,
    )
    pt = spec.partable()
    ov = list(spec.ov)
    moments, _ = estimation.moments_from_data(
        _data(name), ov, missing="ml" if fiml else "listwise", ov_x=list(spec.ov_x)
    )
    lav = pd.DataFrame(fx["partable"])
    est = {(a, b, c): e for a, b, c, e in zip(lav.lhs, lav.op, lav.rhs, lav.est, strict=True)}
    x = np.zeros(int(pt.free.max()))
    for i in np.flatnonzero(pt.free > 0):
        x[pt.free[i] - 1] = est[(pt.lhs[i], pt.op[i], pt.rhs[i])]
    mean = moments.mean if (opts["meanstructure"] or fiml) else None
    missing = (moments.patterns, moments.h1) if fiml else None
    return estimation.modification_indices(pt, ov, moments.s, moments.n, x, mean, missing)


@pytest.mark.parametrize("name", CASES)
def test_at_lavaan_estimates_the_formula_is_lavaan_s(name):
    """At lavaan's own estimates every number agrees to rounding: what is left in
    test_every_row_lavaan_lists is lavaan's stopping point (estimates to ~1e-5)."""
    m = _merged(_at_lavaan_estimates(name), name)
    _assert_close(m, rtol_mi=1e-6, rtol_epc=1e-6, atol=1e-6)


def test_orthogonal_factors_get_their_covariances():
    """The colleague's case: cfa(model, hs, orthogonal = TRUE), visual ~~ textual."""
    mi = _fit("hs_orthogonal").modification_indices().set_index(KEY)
    row = mi.loc[("visual", "~~", "textual")]
    assert_allclose(row["mi"], 26.551871, rtol=RTOL_MI)
    assert_allclose(row["epc"], 0.277, atol=5e-4)
    assert_allclose(row["sepc.all"], 0.388, atol=5e-4)


def test_user_fixed_parameters_are_freed():
    """0*x9, x2 ~~ 0.5*x2 and visual ~~ 0*speed get lavaan's indices; the fixed variance
    is standardized at its value (0.5), with its EPC's sign (lavaan cov.std)."""
    mi = _fit("hs_fixed_values").modification_indices().set_index(KEY)
    theirs = pd.DataFrame(_load("hs_fixed_values")["modindices"]).set_index(KEY)
    for key in [("visual", "=~", "x9"), ("x2", "~~", "x2"), ("visual", "~~", "speed")]:
        assert_allclose(mi.loc[key, "mi"], theirs.loc[key, "mi"], rtol=RTOL_MI)
        assert_allclose(mi.loc[key, "epc"], theirs.loc[key, "epc"], atol=ATOL_EST)
    var = mi.loc[("x2", "~~", "x2")]
    assert_allclose(abs(var["sepc.lv"]), 0.5)
    assert np.sign(var["sepc.lv"]) == np.sign(var["epc"])


def test_latent_mean_identified_by_equal_intercepts():
    mi = _fit("hs_latent_means").modification_indices().set_index(KEY)
    assert ("speed", "~1", "") in mi.index
    assert ("visual", "~1", "") not in mi.index  # free intercepts: not identified (NA)
    assert_allclose(mi.loc[("speed", "~1", ""), "mi"], 6.533299, rtol=RTOL_MI)


def test_covariate_regressed_on_a_latent_variable():
    """ageyr ~ textual while textual ~ ageyr: lavaan leaves the covariate's moments out of
    the information (x.idx); the index is that of the equivalent ageyr ~ visual."""
    mi = _fit("hs_chain_fixed_x").modification_indices().set_index(KEY)
    assert_allclose(mi.loc[("ageyr", "~", "textual"), "mi"], 0.335504784, rtol=RTOL_MI)
    assert_allclose(mi.loc[("ageyr", "~", "textual"), "mi"], mi.loc[("ageyr", "~", "visual"), "mi"])
    # sepc.nox leaves the covariate unstandardized (lav_standardize_all_nox)
    row = mi.loc[("visual", "~", "ageyr")]
    assert row["sepc.nox"] != pytest.approx(row["sepc.all"], abs=1e-4)


def test_minimum_value():
    mi = _fit("hs_orthogonal").modification_indices(minimum_value=10.0)
    theirs = pd.DataFrame(_load("hs_orthogonal")["modindices"])
    assert len(mi) == int((theirs["mi"] > 10.0).sum())


def test_multi_group_with_a_covariate():
    """group_diagnostics shares the extended model and the fixed.x information: by school,
    every row of lavaan's modindices(sem(model, hs, group = "school")) with its numbers."""
    from loyaltysem import fit_groups

    fx = _load("groups_hs_chain_fixed_x")
    res = fit_groups(fx["provenance"]["model_syntax"], load_frame("holzinger_swineford"), "school")
    ours = res.modification_indices()
    theirs = pd.DataFrame(fx["modindices"])
    m = theirs.merge(ours, on=[*KEY, "group"], how="outer", suffixes=("_R", ""), indicator=True)
    assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"]
    assert len(m) == len(theirs) > 0
    _assert_close(m)
    na = pd.DataFrame(fx["modindices_na"]).merge(ours, on=[*KEY, "group"], how="inner")
    assert na.empty, na
