"""Modification indices of multi-group ML fits against lavaan 0.6.14 ``modindices(fit)``.

Fixtures: ``tests/reference/make_groups_mi.R`` (``tests/fixtures/groups/mi_*.json``; R and
lavaan versions recorded in each): Holzinger-Swineford by school (configural; metric,
loadings equal; a structural model with loadings and regressions equal) and the bundled
survey's nine-construct CFA by wave (metric, three groups); and full-information ML fits
of the survey by wave on its own missing answers (``missing = "ml"``; configural and metric,
ML and MLR: the FIML score and expected FIML information). Every row lavaan reports is
matched on (lhs, op, rhs, group), a row on one side only fails, and the candidates lavaan
has no index for (NA) have none here. The tests run without R.
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

from loyaltysem import load_ecommerce
from loyaltysem._kernels.multigroup import MultiGroupKernel, localize
from loyaltysem._kernels.partable import ParTable, compile_partable
from loyaltysem.datasets import load_frame
from loyaltysem.errors import ModelSpecError
from loyaltysem.sem.group_blocks import _check_group_equal, _multigroup_table, _split_groups
from loyaltysem.sem.modindices import MI_COLUMNS, modification_indices
from loyaltysem.sem.multigroup import MultiGroupResult, _spec, fit_groups

FIXTURES = Path(__file__).parent / "fixtures" / "groups"
CASES = ["hs_configural", "hs_metric", "hs_sem_metric", "ecommerce_metric"]
KEY = ["lhs", "op", "rhs", "group"]
#: as the single-group MI tests (tests/test_fit.py, tests/test_fiml.py): mi relative 1e-3
#: where it matters (mi >= 3.84, significant at .05), EPCs and standardized EPCs 1e-4
RTOL_MI = 1e-3
ATOL_EST = 1e-4
MI_SIGNIFICANT = 3.84


def _load(name: str) -> dict[str, Any]:
    with open(FIXTURES / f"mi_{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


@cache
def _data(kind: str) -> Any:
    return load_ecommerce() if kind == "ecommerce" else load_frame("holzinger_swineford")


@cache
def _fit(name: str) -> MultiGroupResult:
    pv = _load(name)["provenance"]
    data = _data(name.split("_")[0])
    return fit_groups(pv["model_syntax"], data, pv["group"], group_equal=pv["group_equal"])


@cache
def _inputs(name: str) -> tuple[Any, ...]:
    """The inputs groups._fit_table has (kernel, compiled, index, table, x, gd), rebuilt."""
    pv = _load(name)["provenance"]
    res = _fit(name)
    spec = _spec(pv["model_syntax"], std_lv=False, orthogonal=False, fixed_x=True)
    gd = _split_groups(_data(name.split("_")[0]), pv["group"], list(spec.ov))
    mt = _multigroup_table(spec, len(gd.labels), _check_group_equal(pv["group_equal"]), ())
    t = mt.frame
    est = res.estimates
    assert (est[["lhs", "op", "rhs", "group"]].to_numpy() == t[KEY].to_numpy()).all()
    x = np.full(mt.n_free, np.nan)
    free = t["free"].to_numpy(dtype=int)
    x[free[free > 0] - 1] = est["est"].to_numpy()[free > 0]
    compiled, index = [], []
    for g in range(len(gd.labels)):
        rows = t[t["group"] == g + 1]
        local, idx = localize(rows["free"].to_numpy(dtype=int))
        pt = ParTable(
            lhs=rows["lhs"].to_numpy(dtype=object),
            op=rows["op"].to_numpy(dtype=object),
            rhs=rows["rhs"].to_numpy(dtype=object),
            free=local,
            ustart=rows["ustart"].to_numpy(dtype=float),
            exo=rows["exo"].to_numpy(dtype=int),
            label=rows["label"].to_numpy(dtype=object),
        )
        compiled.append(compile_partable(pt, list(spec.ov), gd.covs[g], gd.means[g]))
        index.append(idx)
    kernel = MultiGroupKernel(
        [cm.layout for cm in compiled], index, gd.covs, gd.means, gd.nobs, mt.n_free
    )
    return kernel, compiled, index, t, x, gd


@cache
def _ours(name: str) -> pd.DataFrame:
    """modification_indices() on the rebuilt inputs of groups._fit_table."""
    return modification_indices(*_inputs(name))


def _merged(name: str) -> pd.DataFrame:
    theirs = pd.DataFrame(_load(name)["modindices"])
    theirs = theirs[theirs["mi"].notna()]
    m = theirs.merge(_ours(name), on=KEY, how="outer", suffixes=("_R", ""), indicator=True)
    one_side = m[m["_merge"] != "both"]
    assert one_side.empty, one_side[[*KEY, "mi", "mi_R", "_merge"]]
    return m


@pytest.mark.parametrize("name", CASES)
def test_fixture_provenance(name):
    d = _load(name)
    pv = d["provenance"]
    assert pv["generator"] == "tests/reference/make_groups_mi.R"
    assert pv["lavaan_version"] == "0.6.14" and pv["r_version"].startswith("R version")
    assert d["converged"]
    res = _fit(name)
    assert [str(v) for v in res.group_labels] == d["group_labels"]
    assert_allclose(res.fit_measures["chisq"], d["fit_measures"]["chisq"], rtol=1e-4)
    assert res.fit_measures["npar"] == d["fit_measures"]["npar"]


@pytest.mark.parametrize("name", CASES)
def test_every_row_is_lavaan_s(name):
    """Every candidate and group lavaan lists, and no other; mi, epc, sepc.*."""
    m = _merged(name)
    assert len(m) == len(pd.DataFrame(_load(name)["modindices"]).dropna(subset=["mi"]))
    big = m[m["mi_R"] >= MI_SIGNIFICANT]
    assert len(big) > 0
    assert_allclose(big["mi"], big["mi_R"], rtol=RTOL_MI, atol=ATOL_EST)
    for col in ("epc", "sepc.lv", "sepc.all", "sepc.nox"):
        assert_allclose(big[col], big[f"{col}_R"], atol=ATOL_EST, err_msg=col)
    assert_allclose(m["mi"], m["mi_R"], rtol=5e-3, atol=1e-3)  # all of them, looser
    assert_allclose(m["epc"], m["epc_R"], rtol=5e-3, atol=1e-3)


@pytest.mark.parametrize("name", CASES)
def test_lavaan_s_na_candidates_have_no_index(name):
    """lavaan's NA rows (not identified: latent means; marker loadings when configural)."""
    na = pd.DataFrame(_load(name)["modindices_na"])
    assert len(na) > 0
    m = na.merge(_ours(name), on=KEY, how="inner")
    assert m.empty, m


def test_metric_frees_the_marker_loadings_one_group_at_a_time():
    """With equal loadings the marker loading of one group is identified (lavaan lists it)."""
    ours = _ours("hs_metric").set_index(KEY)
    row = ours.loc[("visual", "=~", "x1", 1)]
    theirs = pd.DataFrame(_load("hs_metric")["modindices"]).set_index(KEY)
    ref = theirs.loc[("visual", "=~", "x1", 1)]
    assert_allclose(row["mi"], ref["mi"], rtol=RTOL_MI)
    assert_allclose(row["epc"], ref["epc"], atol=ATOL_EST)
    assert ("visual", "=~", "x1", 1) not in _ours("hs_configural").set_index(KEY).index
    # the equality constraints themselves are lavaan's "==" rows: never in the table
    assert not (ours.reset_index()["op"] == "==").any()


def test_largest_first_and_the_biggest_are_lavaan_s():
    ours = _ours("ecommerce_metric")
    assert list(ours.columns) == list(MI_COLUMNS)
    assert (np.diff(ours["mi"].to_numpy()) <= 0).all()
    theirs = pd.DataFrame(_load("ecommerce_metric")["modindices"])
    top = theirs.sort_values("mi", ascending=False).head(10)
    assert [tuple(r) for r in ours[KEY].head(10).to_numpy()] == [
        tuple(r) for r in top[KEY].to_numpy()
    ]
    assert set(ours["group"]) == {1, 2, 3}


def test_bad_inputs():
    pv = _load("hs_metric")["provenance"]
    res = _fit("hs_metric")
    with pytest.raises(ModelSpecError, match="do not belong"):
        spec = _spec(pv["model_syntax"], std_lv=False, orthogonal=False, fixed_x=True)
        gd = _split_groups(_data("hs"), "school", list(spec.ov))
        mt = _multigroup_table(spec, 2, ("loadings",), ())
        kernel = MultiGroupKernel([], [], [], [], [], mt.n_free)
        modification_indices(kernel, [], [], mt.frame, np.zeros(3), gd)
    assert res.converged


@pytest.mark.parametrize("name", ["hs_metric"])
def test_result_method_is_the_function(name):
    """MultiGroupResult.modification_indices() (wired in groups._fit_table) is this function."""
    res = _fit(name)
    ours = res.modification_indices()
    pd.testing.assert_frame_equal(ours.reset_index(drop=True), _ours(name))
    top = ours.iloc[0]
    assert (top["lhs"], top["op"], top["rhs"], int(top["group"])) == ("visual", "=~", "x9", 2)
    assert_allclose(top["mi"], 21.190127, rtol=RTOL_MI)


def test_full_information_ml_is_refused():
    import dataclasses

    kernel, compiled, index, t, x, gd = _inputs("hs_metric")
    fiml = dataclasses.replace(gd, missing="ml")
    with pytest.raises(ModelSpecError, match="full-information") as err:
        modification_indices(kernel, compiled, index, t, x, fiml)
    assert err.value.fix and err.value.expected


# ------------------------------------------------------- full-information ML (missing="ml")
#: make_groups_mi.R's FIML cases: the survey by wave on its own missing answers (-99)
FIML_CASES = [
    "ecommerce_configural_fiml",
    "ecommerce_metric_fiml",
    "ecommerce_configural_fiml_mlr",
    "ecommerce_metric_fiml_mlr",
]


@cache
def _fit_fiml(name: str) -> MultiGroupResult:
    pv = _load(name)["provenance"]
    return fit_groups(
        pv["model_syntax"],
        _data("ecommerce"),
        pv["group"],
        group_equal=pv["group_equal"],
        missing=pv["missing"],
        estimator=pv["estimator"],
    )


@cache
def _ours_fiml(name: str) -> pd.DataFrame:
    return _fit_fiml(name).modification_indices()


def _merged_fiml(name: str) -> pd.DataFrame:
    theirs = pd.DataFrame(_load(name)["modindices"])
    theirs = theirs[theirs["mi"].notna()]
    m = theirs.merge(_ours_fiml(name), on=KEY, how="outer", suffixes=("_R", ""), indicator=True)
    one_side = m[m["_merge"] != "both"]
    assert one_side.empty, one_side[[*KEY, "mi", "mi_R", "_merge"]]
    return m


@pytest.mark.parametrize("name", FIML_CASES)
def test_fiml_fixture_provenance(name):
    d = _load(name)
    pv = d["provenance"]
    assert pv["generator"] == "tests/reference/make_groups_mi.R"
    assert pv["lavaan_version"] == "0.6.14" and pv["r_version"].startswith("R version")
    assert pv["missing"] == "ml" and pv["estimator"] in ("ML", "MLR")
    assert d["converged"]
    res = _fit_fiml(name)
    assert res.converged
    assert res.provenance.options["missing"] == "ml"
    assert res.provenance.estimator == pv["estimator"]
    assert [str(v) for v in res.group_labels] == d["group_labels"]
    # every respondent with an answer (1,225), not the 1,059 of listwise deletion
    assert res.nobs.tolist() == d["nobs"] == [410, 395, 420]
    assert_allclose(res.fit_measures["chisq"], d["fit_measures"]["chisq"], rtol=1e-4)
    assert res.fit_measures["npar"] == d["fit_measures"]["npar"]


@pytest.mark.parametrize("name", FIML_CASES)
def test_fiml_every_row_is_lavaan_s(name):
    """Every candidate and group lavaan lists for a FIML fit, and no other."""
    m = _merged_fiml(name)
    assert len(m) == len(pd.DataFrame(_load(name)["modindices"]).dropna(subset=["mi"]))
    big = m[m["mi_R"] >= MI_SIGNIFICANT]
    assert len(big) > 50
    assert_allclose(big["mi"], big["mi_R"], rtol=RTOL_MI, atol=ATOL_EST)
    for col in ("epc", "sepc.lv", "sepc.all", "sepc.nox"):
        assert_allclose(big[col], big[f"{col}_R"], atol=ATOL_EST, err_msg=col)
    assert_allclose(m["mi"], m["mi_R"], rtol=5e-3, atol=1e-3)  # all of them, looser
    assert_allclose(m["epc"], m["epc_R"], rtol=5e-3, atol=1e-3)
    assert set(m["group"]) == {1, 2, 3}


@pytest.mark.parametrize("name", FIML_CASES)
def test_fiml_lavaan_s_na_candidates_have_no_index(name):
    """lavaan's NA rows (latent means; with configural, also the marker loadings)."""
    na = pd.DataFrame(_load(name)["modindices_na"])
    assert len(na) > 0
    m = na.merge(_ours_fiml(name), on=KEY, how="inner")
    assert m.empty, m
    markers = na[(na["op"] == "=~")]
    assert markers.empty == name.startswith("ecommerce_metric")


def test_fiml_metric_top_rows_and_marker_loadings():
    ours = _ours_fiml("ecommerce_metric_fiml")
    assert list(ours.columns) == list(MI_COLUMNS)
    assert (np.diff(ours["mi"].to_numpy()) <= 0).all()
    theirs = pd.DataFrame(_load("ecommerce_metric_fiml")["modindices"])
    top = theirs.sort_values("mi", ascending=False).head(10)
    assert [tuple(r) for r in ours[KEY].head(10).to_numpy()] == [
        tuple(r) for r in top[KEY].to_numpy()
    ]
    # with equal loadings, a marker loading freed in one group has an index (lavaan's too)
    key = ("REP", "=~", "REP1", 1)
    row = ours.set_index(KEY).loc[key]
    ref = theirs.set_index(KEY).loc[key]
    assert_allclose(row["mi"], ref["mi"], rtol=RTOL_MI, atol=ATOL_EST)
    assert_allclose(row["epc"], ref["epc"], atol=ATOL_EST)
    assert key not in _ours_fiml("ecommerce_configural_fiml").set_index(KEY).index
    assert not (ours["op"] == "==").any()


@pytest.mark.parametrize("level", ["configural", "metric"])
def test_fiml_mlr_indices_are_the_ml_ones(level):
    """lavaan's modindices of an MLR fit: the ML score and expected information (same rows)."""
    ml, mlr = _ours_fiml(f"ecommerce_{level}_fiml"), _ours_fiml(f"ecommerce_{level}_fiml_mlr")
    m = ml.merge(mlr, on=KEY, how="outer", suffixes=("", "_mlr"), indicator=True)
    assert (m["_merge"] == "both").all()
    for col in ("mi", "epc", "sepc.all"):
        assert_allclose(m[col], m[f"{col}_mlr"], rtol=1e-5, atol=1e-6, err_msg=col)
    r_ml = pd.DataFrame(_load(f"ecommerce_{level}_fiml")["modindices"])
    r_mlr = pd.DataFrame(_load(f"ecommerce_{level}_fiml_mlr")["modindices"])
    pd.testing.assert_frame_equal(r_ml, r_mlr)


def _wired(res):
    """The inputs the result's deferred modification indices use (``engine._Fitted``)."""
    fitted = res._modindices.func.__self__  # _pickling.Once over the bound method
    return (
        fitted.kernel, fitted.compiled, fitted.index, fitted.table.frame, fitted.x, fitted.gd,
        fitted.fiml,
    )  # fmt: skip


def test_fiml_result_method_is_the_function_and_bad_fiml_inputs():
    """The wired method (engine._Fitted) passes each group's patterns and EM moments."""
    import dataclasses

    res = _fit_fiml("ecommerce_metric_fiml")
    kernel, compiled, index, t, x, gd, fiml = _wired(res)
    pats, h1s = fiml
    assert gd.missing == "ml" and len(pats) == len(h1s) == 3
    direct = modification_indices(kernel, compiled, index, t, x, gd, fiml=(pats, h1s))
    pd.testing.assert_frame_equal(direct, _ours_fiml("ecommerce_metric_fiml"))
    big = direct[direct["mi"] > 10.0]
    assert len(res.modification_indices(minimum_value=10.0)) == len(big) > 0
    with pytest.raises(ModelSpecError, match="do not belong") as err:
        modification_indices(kernel, compiled, index, t, x, gd, fiml=(pats[:2], h1s[:2]))
    assert err.value.fix
    # without the patterns a missing='ml' fit is refused, not computed from the EM moments
    with pytest.raises(ModelSpecError, match="full-information"):
        modification_indices(kernel, compiled, index, t, x, gd)
    pairwise = dataclasses.replace(gd, missing="pairwise")
    with pytest.raises(ModelSpecError, match="do not belong"):
        modification_indices(kernel, compiled, index, t, x, pairwise, fiml=(pats, h1s))


@pytest.mark.parametrize("level", ["configural", "metric"])
def test_fiml_at_lavaan_s_estimates_is_lavaan_s_to_rounding(level):
    """At lavaan's own estimates (make_groups.R's parameterEstimates) the FIML indices agree
    to rounding: the differences above are lavaan's optimizer stopping ~5e-5 early."""
    name = f"ecommerce_{level}_fiml"
    kernel, compiled, index, t, x, gd, fiml = _wired(_fit_fiml(name))
    with open(FIXTURES / f"{name}.json", encoding="utf-8") as fh:
        pe = pd.DataFrame(json.load(fh)["parameter_estimates"])
    rows = t[[*KEY, "free"]].merge(pe[pe["op"] != "=="][[*KEY, "est"]], on=KEY, how="left")
    assert rows["est"].notna().all()
    free = rows["free"].to_numpy(dtype=int)
    x_lavaan = np.full(len(x), np.nan)
    x_lavaan[free[free > 0] - 1] = rows["est"].to_numpy()[free > 0]
    assert 1e-6 < np.max(np.abs(x - x_lavaan)) < ATOL_EST
    ours = modification_indices(kernel, compiled, index, t, x_lavaan, gd, fiml=fiml)
    theirs = pd.DataFrame(_load(name)["modindices"]).dropna(subset=["mi"])
    m = theirs.merge(ours, on=KEY, how="outer", suffixes=("_R", ""), indicator=True)
    assert (m["_merge"] == "both").all()
    for col in ("mi", "epc", "sepc.lv", "sepc.all", "sepc.nox"):
        assert_allclose(m[col], m[f"{col}_R"], rtol=1e-8, atol=1e-9, err_msg=col)
