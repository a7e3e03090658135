"""The single-group WLSMV/ULSMV fit is the case G = 1 of the one ordinal pipeline.

``loyaltysem.fit(..., ordered=...)``, ``loyaltysem.sem.ordinal.fit_ordinal`` and the
multi-group ``fit_groups_ordinal`` all run :func:`loyaltysem.sem.ordinal.fit_blocks`
(the single group as one block); the single-group result keeps its single-group shape.
The numbers are pinned by the lavaan fixtures of ``test_wlsmv.py`` and
``test_groups_ordinal.py``; here: which code runs, and the shape of what it returns.
"""

from __future__ import annotations

import json
import pickle
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import loyaltysem as ls
from loyaltysem._kernels import converge
from loyaltysem._kernels.dwls import CorrelationKernel
from loyaltysem._kernels.multigroup_dwls import MultiGroupDWLS
from loyaltysem.datasets import load_frame
from loyaltysem.errors import HeywoodWarning, MissingDataWarning
from loyaltysem.sem import ordinal, ordinal_multigroup
from loyaltysem.sem.ordinal import fit_ordinal
from loyaltysem.sem.specification import specify

HS = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"


def quartiles(v: np.ndarray) -> np.ndarray:
    """R: cut(v, quantile(v), include.lowest = TRUE, labels = FALSE)."""
    breaks = np.quantile(v, np.linspace(0.0, 1.0, 5))
    return np.clip(np.searchsorted(breaks, v, side="left"), 1, 4).astype(float)


@pytest.fixture(scope="module")
def hs4() -> pd.DataFrame:
    hs = load_frame("holzinger_swineford")
    return pd.DataFrame({f"x{i}": quartiles(hs[f"x{i}"].to_numpy()) for i in range(1, 10)})


def spy_blocks(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[dict[str, Any]]:
    """Record every call of ``fit_blocks`` made through ``module``."""
    calls: list[dict[str, Any]] = []
    real = ordinal.fit_blocks

    def spy(spec, blocks, **kwargs):
        calls.append({"labels": tuple(blocks.labels), "blocks": blocks, **kwargs})
        return real(spec, blocks, **kwargs)

    monkeypatch.setattr(module, "fit_blocks", spy)
    return calls


def test_the_multigroup_fit_runs_the_same_engine() -> None:
    assert ordinal_multigroup.fit_blocks is ordinal.fit_blocks


@pytest.mark.parametrize("parameterization", ["delta", "theta"])
def test_fit_with_ordered_is_one_block_of_the_pipeline(
    monkeypatch: pytest.MonkeyPatch, hs4: pd.DataFrame, parameterization: str
) -> None:
    calls = spy_blocks(monkeypatch, ordinal)
    res = ls.fit(HS, hs4, ordered=True, parameterization=parameterization)
    assert len(calls) == 1
    call = calls[0]
    assert call["labels"] == ("all",) and call["group"] is None
    assert call["parameterization"] == parameterization and call["est_name"] == "WLSMV"
    assert isinstance(call["blocks"], ordinal.OneBlock)
    assert res.converged and res.provenance.n == 301


def test_fit_ordinal_is_a_wrapper_of_the_same_pipeline(
    monkeypatch: pytest.MonkeyPatch, hs4: pd.DataFrame
) -> None:
    calls = spy_blocks(monkeypatch, ordinal)
    direct = fit_ordinal(specify(HS), hs4, list(hs4.columns), estimator="ULSMV")
    via_fit = ls.fit(HS, hs4, ordered=True, estimator="ULSMV")
    assert len(calls) == 2 and all(c["est_name"] == "ULSMV" for c in calls)
    pd.testing.assert_frame_equal(direct.estimates, via_fit.estimates)
    pd.testing.assert_series_equal(direct.fit_measures, via_fit.fit_measures)


def test_the_multigroup_fit_goes_through_the_same_stages(
    monkeypatch: pytest.MonkeyPatch, hs4: pd.DataFrame
) -> None:
    calls = spy_blocks(monkeypatch, ordinal_multigroup)
    data = hs4.assign(school=load_frame("holzinger_swineford")["school"].to_numpy())
    res = ordinal_multigroup.fit_groups_ordinal(HS, data, "school")
    assert len(calls) == 1 and calls[0]["group"] == "school"
    assert len(calls[0]["labels"]) == 2 and res.n_groups == 2


def test_single_group_result_keeps_its_shape(hs4: pd.DataFrame) -> None:
    model = HS + "\nvisual ~~ c*textual\ntextual ~~ c*speed\nd := 2*c"
    res = ls.fit(model, hs4, ordered=True)
    assert type(res) is ls.SEMResult and res.n_groups == 1
    assert res.group is None and res.group_labels == ()
    est = res.estimates
    assert "group_label" not in est.columns
    assert set(est.loc[est["op"] != ":=", "group"]) == {1}
    assert set(est.loc[est["op"] == ":=", "group"]) == {0}
    assert est.query("lhs == 'visual' and rhs == 'textual'")["label"].iloc[0] == "c"
    assert_allclose(
        est.query("op == ':='")["est"].iloc[0],
        2 * est.query("lhs == 'visual' and rhs == 'textual'")["est"].iloc[0],
    )
    assert not isinstance(res.r2.index, pd.MultiIndex)
    assert list(res.r2.index) == [f"x{i}" for i in range(1, 10)]
    for table in (res.implied_cov, res.sample_cov):
        assert isinstance(table, pd.DataFrame) and list(table.columns) == list(hs4.columns)
    assert_allclose(np.diag(res.implied_cov.to_numpy()), 1.0)
    options = res.provenance.options
    assert options["parameterization"] == "delta" and options["lavaan_estimator"] == "DWLS"
    assert "group" not in options and options["source"] == "data"
    mi = res.modification_indices()
    assert "group" not in mi.columns and len(mi) > 0
    internals = res._internals
    assert len(internals.jac) == 1 and internals.nobs == (301,)
    xs = np.vstack([res._x, res._x])
    assert res._std_all_batch(xs).shape == (2, (est["op"] != ":=").sum())
    back = pickle.loads(pickle.dumps(res))
    assert_allclose(back._std_all_batch(xs), res._std_all_batch(xs))


def test_single_group_warnings_carry_no_group_prefix(hs4: pd.DataFrame) -> None:
    data = hs4.copy()
    data.iloc[:7, 0] = np.nan
    with pytest.warns(MissingDataWarning, match="listwise deletion: 7 of 301 rows"):
        res = ls.fit(HS, data, ordered=True)
    assert res.warnings[0].startswith("listwise deletion: 7 of 301 rows")
    assert res.provenance.n == 294 and res.provenance.n_excluded == 7
    assert not any(w.startswith("group ") for w in res.warnings)


def spy_minimize(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, list[str], Any]]:
    seen: list[tuple[Any, list[str], Any]] = []
    real = converge.minimize

    def spy(kernel, starts, optimizer, **kwargs):
        run = real(kernel, starts, optimizer, **kwargs)
        seen.append((kernel, [name for name, _ in starts], run))
        return run

    monkeypatch.setattr(ordinal, "minimize", spy)
    return seen


@pytest.mark.parametrize(
    ("parameterization", "kernel_type"),
    [("delta", CorrelationKernel), ("theta", MultiGroupDWLS)],
)
def test_both_parameterizations_get_the_same_starts_and_a_checked_point(
    monkeypatch: pytest.MonkeyPatch, hs4: pd.DataFrame, parameterization: str, kernel_type: type
) -> None:
    seen = spy_minimize(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a clean fit: no warning at all
        res = ls.fit(HS, hs4, ordered=True, parameterization=parameterization)
    assert len(seen) == 1
    kernel, names, run = seen[0]
    assert isinstance(kernel, kernel_type)
    assert names == ["principal component", "default", "simple"]
    assert run.converged and run.reason == "" and run.start == "principal component"
    assert res.converged and res.iterations == run.iterations


# ---------------------------------------------------- against lavaan: what the pipeline gained
FIXTURES = Path(__file__).parent / "fixtures" / "ordinal_one_pipeline"
ATOL_EST = 1e-4  # design.md section 4
RTOL_SE = 1e-3
RTOL_CHISQ = 1e-4
ATOL_INDEX = 1e-4


def load(name: str) -> dict[str, Any]:
    d = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    assert d["provenance"]["lavaan_version"] == "0.6.14" and d["converged"]
    return d


def assert_as_lavaan(res: ls.SEMResult, d: dict[str, Any], key: list[str]) -> None:
    """Every row, estimate, SE, std.all and the main fit measures (design.md section 4)."""
    ref = pd.DataFrame(d["parameter_estimates"])
    ref = ref[ref["op"] != "=="]
    merged = ref.merge(res.estimates, on=key, how="outer", suffixes=("_r", ""), indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", key]
    assert_allclose(merged["est"], merged["est_r"], atol=ATOL_EST)
    se_r = merged["se_r"].astype(float).fillna(0.0)
    assert_allclose(merged["se"], se_r, rtol=RTOL_SE, atol=1e-8)
    assert_allclose(merged["std_all"], merged["std.all"].astype(float), atol=ATOL_EST)
    fm, ref_fm = res.fit_measures, d["fit_measures"]
    for name in ("chisq", "df", "chisq.scaled", "baseline.chisq.scaled"):
        assert_allclose(fm[name], ref_fm[name], rtol=RTOL_CHISQ, err_msg=name)
    for name in ("cfi.scaled", "tli.scaled", "rmsea.scaled", "srmr", "pvalue.scaled"):
        assert_allclose(fm[name], ref_fm[name], atol=ATOL_INDEX, err_msg=name)


def test_orthogonal_in_several_groups_as_lavaan() -> None:
    """``cfa(..., group = "school", orthogonal = TRUE)``: the single-group option, G = 2."""
    d = load("hs_scalar_orthogonal")
    hs = load_frame("holzinger_swineford")
    breaks = {c: np.quantile(hs[c], np.linspace(0.0, 1.0, 6)) for c in d["ordered"]}
    hs5 = pd.DataFrame(
        {c: np.clip(np.searchsorted(breaks[c], hs[c], side="left"), 1, 5) for c in breaks}
    ).assign(school=hs["school"].to_numpy())
    with pytest.warns(HeywoodWarning, match="negative residual variance of y"):
        res = ls.fit(
            d["provenance"]["model_syntax"], hs5, group="school", ordered=True,
            group_equal=d["group_equal"], orthogonal=True,
        )  # fmt: skip
    assert res.provenance.options["orthogonal"] is True
    est = res.estimates
    lv_cov = est.query("op == '~~' and lhs != rhs and lhs in ['visual', 'textual', 'speed']")
    assert len(lv_cov) == 6 and (lv_cov["free"] == 0).all() and (lv_cov["est"] == 0).all()
    assert_as_lavaan(res, d, ["lhs", "op", "rhs", "group"])


def test_theta_reaches_lavaans_point_from_lavaans_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """The theta fit whose principal-component start fails (before: not converged, 500
    iterations, chi-square 342.27) converges from lavaan's default start, to lavaan's numbers."""
    d = load("theta_equal_loadings_sem")
    data = pd.read_csv(Path(__file__).parent / "data" / "ecommerce_rep_sat_loy.csv")
    seen = spy_minimize(monkeypatch)
    res = ls.fit(d["provenance"]["model_syntax"], data, ordered=True, parameterization="theta")
    run = seen[0][2]
    assert run.start == "default" and run.converged
    assert res.converged and res.warnings == ()
    assert_as_lavaan(res, d, ["lhs", "op", "rhs"])


def test_one_estimates_stage_for_one_group_and_several(
    monkeypatch: pytest.MonkeyPatch, hs4: pd.DataFrame
) -> None:
    """Both result shapes take their estimates table from ``ordinal.block_estimates``."""
    calls: list[int] = []
    real = ordinal.block_estimates

    def spy(fit, definitions, labels=None):
        calls.append(len(fit.groups))
        return real(fit, definitions, labels)

    monkeypatch.setattr(ordinal, "block_estimates", spy)
    monkeypatch.setattr(ordinal_multigroup, "block_estimates", spy)
    grouped = hs4.assign(school=load_frame("holzinger_swineford")["school"].to_numpy())
    single = ls.fit(HS, hs4, ordered=True)
    several = ls.fit(HS, grouped, ordered=True, group="school")
    assert calls == [1, 2]
    # the several-group table has the columns and dtypes of a continuous multi-group fit
    ml = ls.fit(HS, grouped, group="school").estimates
    assert list(several.estimates.columns) == list(ml.columns)
    assert several.estimates.dtypes.equals(ml.dtypes)
    assert "group_label" not in single.estimates


def test_a_point_that_fails_the_check_is_reported_with_its_reason(
    monkeypatch: pytest.MonkeyPatch, hs4: pd.DataFrame
) -> None:
    """As the continuous pipeline: the warning says why the point failed the check."""
    import dataclasses

    real = ordinal.minimize
    why = f"{converge.SINGULAR} (eigenvalues from 0 to 3): not a proper minimum"

    def failing(kernel, starts, optimize, **kwargs):
        run = real(kernel, starts, optimize, **kwargs)
        return dataclasses.replace(run, converged=False, reason=why)

    monkeypatch.setattr(ordinal, "minimize", failing)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ls.fit(HS, hs4, ordered=True)
    assert not res.converged and not res.status.converged
    assert f"{why}: the estimates are not to be trusted" in res.warnings
