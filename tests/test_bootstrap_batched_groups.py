"""The batched multi-group bootstrap refits equal the one-by-one refits, draw by draw.

``bootstrap()`` of a multi-group complete-data ML fit (listwise, no fixed.x covariates)
refits the draws together (``_Refitter.batch``, ``_kernels/batched_groups.py``): each
group's covariance matrices and means of the draws are stacked and the joint discrepancy,
summed over groups with equality constraints as one parameter, is minimised for every draw
at once. The reference is the one-by-one path on the same resample indices
(``resampling._BATCH_REFITS = False``, ``_Refitter.__call__``), which
tests/test_sem_bootstrap.py checks against lavaan's ``bootstrapLavaan`` (fixture
hs_groups_indirect.json, make_bootstrap.R).

Tolerances. Each draw of the batch takes the BFGS steps of its one-by-one refit
(``batched_groups.refit_one``: the same start, first inverse Hessian, line search and
stopping rule), so the two differ by rounding only (measured: 2e-12 on the estimates,
``:=`` rows and std.all values of 2,000 draws of Holzinger-Swineford by school); ATOL_DRAW
= 1e-8 is asserted, as in tests/test_bootstrap_batched.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import loyaltysem as ls
import loyaltysem._kernels.batched_groups as batched_groups
from loyaltysem.datasets import load_frame
from loyaltysem.sem import bootstrap as resampling
from loyaltysem.sem.engine import BlockTable

ATOL_DRAW = 1e-8
RTOL_CHISQ = 1e-10

#: benchmarks/bench_bootstrap.py GROUP_MODEL (fitted with group_equal=["loadings"])
HS_INDIRECT = """
visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
textual ~ c(a1, a2)*visual
speed ~ c(b1, b2)*textual + c*visual
ind1 := a1*b1
ind2 := a2*b2
diff := ind1 - ind2
"""

HS_CFA = """
visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
"""


def _one_by_one(monkeypatch, *args, **kwargs):
    with monkeypatch.context() as m:
        m.setattr(resampling, "_BATCH_REFITS", False)
        return ls.bootstrap(*args, **kwargs)


def _columns(draws: pd.DataFrame, prefix: str) -> np.ndarray:
    return draws[[c for c in draws.columns if c.startswith(prefix)]].to_numpy()


def _indices(res, n_boot: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, n, size=(n_boot, n)) for n in res.nobs]


def _assert_same_draws(fast, slow) -> None:
    a, b = fast.draws.draws, slow.draws.draws
    assert list(a.columns) == list(b.columns) and list(a.index) == list(b.index)
    assert_allclose(_columns(a, "est:"), _columns(b, "est:"), rtol=0, atol=ATOL_DRAW)
    std_a, std_b = _columns(a, "std:"), _columns(b, "std:")
    assert np.array_equal(np.isnan(std_a), np.isnan(std_b))
    assert_allclose(std_a, std_b, rtol=0, atol=ATOL_DRAW, equal_nan=True)
    assert_allclose(a["chisq"], b["chisq"], rtol=RTOL_CHISQ)
    assert np.array_equal(a["admissible"], b["admissible"])
    assert fast.n_inadmissible == slow.n_inadmissible
    num = ["boot_se", "ci_lower", "ci_upper", "std_boot_se", "std_ci_lower", "std_ci_upper"]
    assert_allclose(
        fast.estimates[num].to_numpy(float), slow.estimates[num].to_numpy(float),
        rtol=0, atol=ATOL_DRAW, equal_nan=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def hs():
    data = load_frame("holzinger_swineford")
    res = ls.fit(HS_INDIRECT, data, group="school", group_equal=["loadings"])
    return res, data, _indices(res, 200, 3)


@pytest.fixture(scope="module")
def hs_batched(hs):
    res, data, idx = hs
    return ls.bootstrap(res, data=data, indices=idx)


def test_hs_indirect_every_draw_equals_its_one_by_one_refit(hs, hs_batched, monkeypatch):
    res, data, idx = hs
    fast, slow = hs_batched, _one_by_one(monkeypatch, res, data=data, indices=idx)
    assert fast.n_ok == slow.n_ok == 200 and fast.n_failed == slow.n_failed == 0
    _assert_same_draws(fast, slow)
    # the three := rows (group 0), estimates and std.all, draw by draw
    a, b = fast.draws.draws, slow.draws.draws
    for name in ("ind1", "ind2", "diff"):
        for kind in ("est", "std"):
            col = f"{kind}:{name} := {dict(ind1='a1*b1', ind2='a2*b2', diff='ind1-ind2')[name]} [0]"
            assert col in a.columns, col
            assert_allclose(a[col], b[col], rtol=0, atol=ATOL_DRAW)
    assert fast.estimates.query("op == ':='")["boot_se"].notna().all()


def test_loadings_and_intercepts_equal_across_groups(monkeypatch):
    """group_equal=["loadings", "intercepts"]: shared intercepts, free latent means."""
    data = load_frame("holzinger_swineford")
    res = ls.fit(HS_CFA, data, group="school", group_equal=["loadings", "intercepts"])
    idx = _indices(res, 150, 8)
    fast = ls.bootstrap(res, data=data, indices=idx)
    slow = _one_by_one(monkeypatch, res, data=data, indices=idx)
    assert fast.n_ok == slow.n_ok == 150
    _assert_same_draws(fast, slow)
    # the latent means of the second group are estimated (and bootstrapped)
    means = fast.estimates.query("op == '~1' and lhs == 'visual' and group == 2")
    assert len(means) == 1 and means["boot_se"].iloc[0] > 0


def test_the_batch_takes_the_one_by_one_steps(hs):
    """Draw by draw, the kernel's estimates and step counts are refit_one's."""
    from loyaltysem._kernels.multigroup import MultiGroupKernel

    res, data, idx = hs
    refit, stacked = _refitter(res, data)
    offsets = np.concatenate([[0], np.cumsum(res.nobs)[:-1]])
    rows = np.hstack([b[:30] + o for b, o in zip(idx, offsets, strict=True)])
    layouts = [cm.layout for cm in refit.compiled]
    covs = [np.empty((30, 9, 9)) for _ in range(2)]
    means = [np.empty((30, 9)) for _ in range(2)]
    for i, r in enumerate(rows):
        for g in range(2):
            block = stacked[r][stacked[r][:, -1] == g, :-1]
            c = block - block.mean(axis=0)
            covs[g][i], means[g][i] = c.T @ c / len(block), block.mean(axis=0)
    weights = np.asarray(res.nobs) / sum(res.nobs)
    xb, converged, steps = batched_groups.fit_batched_groups(
        layouts, refit.index, covs, means, weights, refit.x0, refit.h0_inv
    )
    assert converged.all()
    for i in range(30):
        kernel = MultiGroupKernel(
            layouts, refit.index, [c[i] for c in covs], [m[i] for m in means], res.nobs, refit.q
        )
        x1, _, it, ok = batched_groups.refit_one(kernel, refit.x0, refit.h0_inv)
        assert ok and it == steps[i]
        assert_allclose(xb[i], x1, rtol=0, atol=1e-11)


def _refitter(res, data):
    from loyaltysem.sem.multigroup import (
        _check_group_equal,
        _multigroup_table,
        _spec,
        _split_groups,
    )

    spec = _spec(res.model, std_lv=False, orthogonal=False, fixed_x=True)
    ov = list(spec.ov)
    gd = _split_groups(data, res.group, ov, missing="listwise")
    mt = _multigroup_table(spec, 2, _check_group_equal(res.group_equal), res.group_partial)
    params = res.estimates[res.estimates["op"] != ":="]
    x0 = np.zeros(mt.n_free)
    free = params["free"].to_numpy(dtype=int)
    x0[free[free > 0] - 1] = params["est"].to_numpy(dtype=float)[free > 0]
    table = BlockTable.from_frame(mt.frame, int(mt.frame["free"].max()), ())
    refit = resampling._Refitter(table, spec.definitions, ov, gd.covs, gd.means, gd.nobs, x0)
    assert refit.batchable
    stacked = np.vstack([np.column_stack([b, np.full(len(b), g)]) for g, b in enumerate(gd.data)])
    return refit, stacked


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_seeded_draws_do_not_depend_on_batches_or_workers(hs, monkeypatch, n_jobs):
    res, data, _ = hs
    a = ls.bootstrap(res, 60, data=data, random_state=5)
    with monkeypatch.context() as m:
        m.setattr(resampling, "_BATCH_SIZE", 7)
        b = ls.bootstrap(res, 60, data=data, random_state=5, n_jobs=n_jobs)
    c = ls.bootstrap(res, 60, data=data, random_state=5, n_jobs=n_jobs)
    d = _one_by_one(monkeypatch, res, 60, data=data, random_state=5, n_jobs=n_jobs)
    assert a.random_state == b.random_state == c.random_state == 5
    assert_allclose(b.draws.draws.to_numpy(), a.draws.draws.to_numpy(), rtol=0, atol=1e-12)
    assert_allclose(c.draws.draws.to_numpy(), a.draws.draws.to_numpy(), rtol=0, atol=1e-12)
    # the same resamples as the one-by-one path (the seed's indices are today's)
    assert_allclose(d.draws.draws.to_numpy(), a.draws.draws.to_numpy(), rtol=0, atol=ATOL_DRAW)


def test_draws_the_batch_leaves_are_refitted_one_by_one(hs, monkeypatch):
    """A batch stopped after 3 steps leaves every draw to __call__: the one-by-one numbers."""
    res, data, idx = hs
    idx = [b[:20] for b in idx]
    real = batched_groups.fit_batched_groups
    calls = []

    def three_steps(*args, **kwargs):
        x, converged, steps = real(*args, **{**kwargs, "max_iter": 3})
        calls.append(int((~converged).sum()))
        return x, converged, steps

    with monkeypatch.context() as m:
        m.setattr(batched_groups, "fit_batched_groups", three_steps)
        fast = ls.bootstrap(res, data=data, indices=idx)
    slow = _one_by_one(monkeypatch, res, data=data, indices=idx)
    assert calls == [20]
    assert_allclose(fast.draws.draws.to_numpy(), slow.draws.draws.to_numpy(), rtol=0, atol=0)


def test_failed_draws_are_the_one_by_one_failures(hs, monkeypatch):
    """A draw with a singular covariance (one respondent repeated) fails in both paths."""
    res, data, idx = hs
    idx = [b[:5].copy() for b in idx]
    idx[1][2] = 0
    fast = ls.bootstrap(res, data=data, indices=idx)
    slow = _one_by_one(monkeypatch, res, data=data, indices=idx)
    assert fast.n_failed == slow.n_failed == 1
    assert fast.draws.failed.equals(slow.draws.failed)
    assert_allclose(
        fast.draws.draws.to_numpy(), slow.draws.draws.to_numpy(), rtol=0, atol=ATOL_DRAW
    )


def test_bollen_stine_is_batched_too(hs, monkeypatch):
    res, data, idx = hs
    idx = [b[:50] for b in idx]
    fast = ls.bootstrap(res, data=data, indices=idx, kind="bollen-stine")
    slow = _one_by_one(monkeypatch, res, data=data, indices=idx, kind="bollen-stine")
    assert_allclose(fast.draws.draws["chisq"], slow.draws.draws["chisq"], rtol=RTOL_CHISQ)
    assert fast.chisq_pvalue == slow.chisq_pvalue


def test_fiml_keeps_the_one_by_one_path(monkeypatch):
    """missing="ml" is not batched (each draw has its own patterns): batch() is never called."""
    data = load_frame("holzinger_swineford")

    def no_batch(*args, **kwargs):
        raise AssertionError("batched")

    res = ls.fit(HS_CFA, data, group="school", missing="ml")
    with monkeypatch.context() as m:
        m.setattr(resampling._Refitter, "batch", no_batch)
        boot = ls.bootstrap(res, 10, data=data, random_state=1)
    assert boot.n_ok + boot.n_failed == 10


def _spy_batches(monkeypatch) -> list[int]:
    """Record the number of draws each call of fit_batched_groups brings to convergence."""
    calls: list[int] = []
    real = batched_groups.fit_batched_groups

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        calls.append(int(out[1].sum()))
        return out

    monkeypatch.setattr(batched_groups, "fit_batched_groups", spy)
    return calls


@pytest.mark.parametrize("meanstructure", [False, True])
def test_one_group_with_fixed_x_covariates_is_batched(monkeypatch, meanstructure):
    """Fixed.x covariates: each draw's covariate moments are its fixed values (lavaan)."""
    data = load_frame("political_democracy")
    model = "dem60 =~ y1 + y2 + y3 + y4\ndem60 ~ b1*x1 + b2*x2\nd := b1 - b2"
    res = ls.fit(model, data, meanstructure=meanstructure)
    idx = np.random.default_rng(6).integers(0, len(data), size=(100, len(data)))
    with monkeypatch.context() as m:
        calls = _spy_batches(m)
        fast = ls.bootstrap(res, data=data, indices=idx)
    slow = _one_by_one(monkeypatch, res, data=data, indices=idx)
    assert calls == [100] and fast.n_ok == slow.n_ok == 100
    _assert_same_draws(fast, slow)
    # the covariates' variance is fixed at each draw's sample value: it varies by draw
    col = "est:x1 ~~ x1"
    assert fast.draws.draws[col].std() > 0
    assert_allclose(fast.draws.draws[col], slow.draws.draws[col], rtol=0, atol=1e-12)


def test_groups_with_fixed_x_covariates_are_batched(monkeypatch):
    data = load_frame("holzinger_swineford")
    model = "visual =~ x1 + x2 + x3\nvisual ~ c(g1, g2)*x4 + x5\ndg := g1 - g2"
    res = ls.fit(model, data, group="school", group_equal=["loadings"])
    idx = _indices(res, 100, 9)
    with monkeypatch.context() as m:
        calls = _spy_batches(m)
        fast = ls.bootstrap(res, data=data, indices=idx)
    slow = _one_by_one(monkeypatch, res, data=data, indices=idx)
    assert calls == [100] and fast.n_ok == slow.n_ok == 100
    _assert_same_draws(fast, slow)
    for col in ("est:x4 ~~ x5 [1]", "est:x4 ~1  [2]", "std:dg := g1-g2 [0]"):
        assert col in fast.draws.draws.columns, col


def test_one_group_with_a_mean_structure_is_batched(monkeypatch):
    """A single-group fit with meanstructure=True: the case G = 1 of the same batch."""
    data = load_frame("political_democracy")
    model = """
    ind60 =~ x1 + x2 + x3
    dem60 =~ y1 + y2 + y3 + y4
    dem60 ~ a*ind60
    y1 ~ 0.5*1
    """
    res = ls.fit(model, data, meanstructure=True)
    idx = np.random.default_rng(4).integers(0, len(data), size=(120, len(data)))
    calls = []
    real = batched_groups.fit_batched_groups

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        calls.append(int(out[1].sum()))
        return out

    with monkeypatch.context() as m:
        m.setattr(batched_groups, "fit_batched_groups", spy)
        fast = ls.bootstrap(res, data=data, indices=idx)
    slow = _one_by_one(monkeypatch, res, data=data, indices=idx)
    assert calls == [120] and fast.n_ok == slow.n_ok == 120
    _assert_same_draws(fast, slow)
    intercepts = fast.estimates.query("op == '~1' and lhs == 'y2'")
    assert len(intercepts) == 1 and intercepts["boot_se"].iloc[0] > 0
