"""Every estimator runs one optimizer on one kernel interface (issue 14).

ML (one group or several), FIML and (D)WLS (delta and theta, one group or several)
minimise a kernel with ``state``, ``objective``, ``gradient`` and
``expected_information`` (:class:`loyaltysem._kernels.optimizer.Kernel`) by
:func:`loyaltysem._kernels.optimizer.optimize`. The numbers each fit reaches are pinned by
the lavaan fixtures of the estimator's own tests (``test_wlsmv.py``, ``test_fiml.py``,
``test_groups*.py``, ``test_convergence*.py``); here: which code runs, on what.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import loyaltysem as ls
from loyaltysem._kernels import converge, dwls, fiml, ml, multigroup, multigroup_dwls, optimizer
from loyaltysem.datasets import load_frame
from loyaltysem.sem import engine, ordinal

HS = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
ITEMS = [f"x{i}" for i in range(1, 10)]


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return load_frame("holzinger_swineford")


@pytest.fixture(scope="module")
def hs4(hs: pd.DataFrame) -> pd.DataFrame:
    """x1..x9 cut at their quartiles (R: ``cut(v, quantile(v), labels = FALSE)``), school."""
    out = {}
    for item in ITEMS:
        v = hs[item].to_numpy()
        breaks = np.quantile(v, np.linspace(0.0, 1.0, 5))
        out[item] = np.clip(np.searchsorted(breaks, v, side="left"), 1, 4).astype(float)
    return pd.DataFrame(out).assign(school=hs["school"].to_numpy())


@pytest.fixture(scope="module")
def hs_mcar(hs: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    out = hs.copy()
    for item in ITEMS:
        out.loc[rng.random(len(out)) < 0.1, item] = np.nan
    return out


def test_every_optimizer_name_is_the_one_optimizer():
    assert ml.fisher_scoring is optimizer.optimize
    assert multigroup.optimize is optimizer.optimize
    assert dwls.optimize.func is optimizer.optimize  # with the least-squares handover
    assert dwls.optimize.keywords == optimizer.LEAST_SQUARES
    assert multigroup_dwls.optimize is dwls.optimize
    assert engine.optimize is optimizer.optimize
    assert ordinal.mg_dwls_optimize is dwls.optimize
    assert multigroup.polish is optimizer.polish


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """Record the kernel of every damped-scoring stage :func:`optimizer.optimize` runs."""
    seen: list[tuple[str, Any]] = []
    real = optimizer.damped_scoring

    def spy(kernel, x, st, **kwargs):
        seen.append((type(kernel).__name__, kernel))
        return real(kernel, x, st, **kwargs)

    monkeypatch.setattr(optimizer, "damped_scoring", spy)
    return seen


@pytest.mark.parametrize(
    ("case", "kernels"),
    [
        ("ml", {"MultiGroupKernel"}),
        ("ml_groups", {"MultiGroupKernel"}),
        ("fiml", {"MultiGroupKernel"}),  # the approach (ML at the EM moments), then FIML
        ("wlsmv", {"CorrelationKernel"}),
        ("wlsmv_theta", {"MultiGroupDWLS"}),
        ("wlsmv_groups", {"MultiGroupDWLS"}),
    ],
)
def test_each_estimator_runs_the_one_optimizer_on_a_kernel(
    monkeypatch, hs, hs4, hs_mcar, case, kernels
):
    fits = {
        "ml": lambda: ls.fit(HS, hs),
        "ml_groups": lambda: ls.fit(HS, hs, group="school"),
        "fiml": lambda: ls.fit(HS, hs_mcar, missing="ml"),
        "wlsmv": lambda: ls.fit(HS, hs4, ordered=ITEMS),
        "wlsmv_theta": lambda: ls.fit(HS, hs4, ordered=ITEMS, parameterization="theta"),
        "wlsmv_groups": lambda: ls.fit(HS, hs4, ordered=ITEMS, group="school"),
    }
    seen = _spy(monkeypatch)
    res = fits[case]()
    assert res.converged
    assert seen, "the one optimizer was not run"
    assert {name for name, _ in seen} == kernels
    for _, kernel in seen:
        assert isinstance(kernel, optimizer.Kernel)


def _captured(module: Any, run: Any) -> tuple[dict[str, Any], Any]:
    """The kernel and starts ``module.minimize`` gets while ``run()`` fits."""
    seen: dict[str, Any] = {}
    real = module.minimize

    def spy(kernel, starts, optimize, **kwargs):
        seen["kernel"], seen["starts"] = kernel, starts
        return real(kernel, starts, optimize, **kwargs)

    mp = pytest.MonkeyPatch()
    mp.setattr(module, "minimize", spy)
    try:
        res = run()
    finally:
        mp.undo()
    x0 = seen["starts"][0][1]
    seen["x0"] = x0() if callable(x0) else x0
    return seen, res


def test_the_fiml_kernel_is_a_kernel_and_the_optimizer_reaches_the_fit(hs_mcar):
    """FIML: the one optimizer on the block's FIML kernel, approached by ML, gives the fit."""
    seen, res = _captured(engine, lambda: ls.fit(HS, hs_mcar, missing="ml"))
    (kernel,) = seen["kernel"].kernels  # one block: its own kernel
    assert isinstance(kernel, fiml.FIMLKernel) and isinstance(kernel, optimizer.Kernel)
    x, st, _, done = fiml.optimize(kernel, seen["x0"])
    assert done
    assert converge.check_point(kernel, st, information="observed") == ""
    assert_allclose(x, res._x, atol=1e-6)


def test_damped_scoring_alone_is_gauss_newton_and_stops_short_where_bfgs_finishes(hs4):
    """On a (D)WLS kernel the damped scoring steps are damped Gauss-Newton steps."""
    seen, res = _captured(ordinal, lambda: ls.fit(HS, hs4, ordered=ITEMS, parameterization="theta"))
    kernel, x0 = seen["kernel"], seen["x0"]
    assert isinstance(kernel, multigroup_dwls.MultiGroupDWLS)
    st0 = kernel.state(x0)
    # one Gauss-Newton step by hand: (J'WJ + mu D) d = J'W e, mu = 1e-3
    jacs, res0 = kernel.jacobians(st0), kernel.residuals(st0)
    parts = list(zip(kernel.factors, kernel.weights, jacs, res0, strict=True))
    jtwj = sum(c * j.T @ (w[:, None] * j) for c, w, j, _ in parts)
    jtwe = sum(c * j.T @ (w * e) for c, w, j, e in parts)
    d = np.diag(jtwj).copy()
    step = np.linalg.solve(jtwj + 1e-3 * np.diag(d), jtwe)
    x1, _, it, _ = optimizer.damped_scoring(kernel, x0, st0, max_iter=1, tol=0.0, until=0.0)
    assert it == 1
    assert_allclose(x1, x0 + step, rtol=1e-10, atol=1e-12)
    _, st, _, done = optimizer.optimize(kernel, x0)
    assert done and converge.check_point(kernel, st, information="expected") == ""
    assert_allclose(kernel.objective(st), kernel.objective(kernel.state(res._x)), rtol=1e-10)
