"""The batched bootstrap refits equal the one-by-one refits, draw by draw.

``bootstrap()`` of a single-group complete-data ML fit refits the draws together
(``_Refitter.batch``: ``_kernels/batched_groups.py`` ``fit_batched_groups``, one group being
its case G = 1); FIML fits, and the draws the batch does not bring to convergence, are
refitted one by one (``_Refitter.__call__``: for one group without a mean structure
``_kernels/refit.py`` ``bfgs_refit``). The reference here is that one-by-one path on the
same resample indices (``resampling._BATCH_REFITS = False``), which
tests/test_sem_bootstrap.py checks against lavaan's ``bootstrapLavaan`` (fixture
poldem_indirect.json, make_bootstrap.R).

Tolerances. Each draw of the batch takes the BFGS steps of its one-by-one refit and stops by
the same rule (largest gradient entry below 1e-8), computing the objective with the same
summation, so the two differ by rounding only: on Political Democracy (p = 11) and on the
default model of the e-commerce survey (p = 29, N = 1059) by less than 1e-10, and
ATOL_DRAW = 1e-8 is asserted. (With the trace summed otherwise, a draw whose objective or
gradient lands within rounding of the line search's or the stopping rule's threshold took
one step more on one side: 2e-8 apart on 1 default-model draw in 200.)
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

PD_MODEL = """
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ a*ind60
dem65 ~ c*ind60 + b*dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
ind := a*b
"""


def _one_by_one(monkeypatch, *args, **kwargs):
    with monkeypatch.context() as m:
        m.setattr(resampling, "_BATCH_REFITS", False)
        return ls.bootstrap(*args, **kwargs)


def _columns(draws: pd.DataFrame, prefix: str) -> np.ndarray:
    return draws[[c for c in draws.columns if c.startswith(prefix)]].to_numpy()


@pytest.fixture(scope="module")
def poldem():
    data = load_frame("political_democracy")
    res = ls.fit(PD_MODEL, data)
    idx = np.random.default_rng(11).integers(0, len(data), size=(300, len(data)))
    return res, data, idx


@pytest.fixture(scope="module")
def poldem_batched(poldem):
    res, data, idx = poldem
    return ls.bootstrap(res, data=data, indices=idx)


def test_poldem_every_draw_equals_its_one_by_one_refit(poldem, poldem_batched, monkeypatch):
    res, data, idx = poldem
    fast, slow = poldem_batched, _one_by_one(monkeypatch, res, data=data, indices=idx)
    assert fast.n_ok == slow.n_ok == 300 and fast.n_failed == slow.n_failed == 0
    a, b = fast.draws.draws, slow.draws.draws
    assert list(a.columns) == list(b.columns) and list(a.index) == list(b.index)
    assert_allclose(_columns(a, "est:"), _columns(b, "est:"), rtol=0, atol=ATOL_DRAW)
    assert_allclose(a["est:ind := a*b"], b["est:ind := a*b"], rtol=0, atol=ATOL_DRAW)
    std_a, std_b = _columns(a, "std:"), _columns(b, "std:")
    assert np.array_equal(np.isnan(std_a), np.isnan(std_b))
    assert_allclose(std_a, std_b, rtol=0, atol=ATOL_DRAW, equal_nan=True)
    assert_allclose(a["chisq"], b["chisq"], rtol=RTOL_CHISQ)
    assert np.array_equal(a["admissible"], b["admissible"])
    assert fast.n_inadmissible == slow.n_inadmissible
    # the tables built from the draws agree too
    num = ["boot_se", "ci_lower", "ci_upper", "std_boot_se", "std_ci_lower", "std_ci_upper"]
    assert_allclose(
        fast.estimates[num].to_numpy(float), slow.estimates[num].to_numpy(float),
        rtol=0, atol=ATOL_DRAW, equal_nan=True,
    )  # fmt: skip


def test_the_batch_takes_the_one_by_one_bfgs_steps(poldem):
    """Draw by draw, the batch of one block takes bfgs_refit's steps on the same covariance."""
    from loyaltysem._kernels.ml import MLKernel
    from loyaltysem._kernels.refit import bfgs_refit
    from loyaltysem.sem.specification import specify

    res, data, idx = poldem
    spec = specify(res.model)
    ov = list(res.sample_cov.index)
    refit = resampling._Refitter(
        BlockTable.one_group(spec.partable()), spec.definitions, ov,
        [res.sample_cov.to_numpy()], [None], [len(data)], res._x,
    )  # fmt: skip
    assert refit.batchable and refit.n_groups == 1
    x = data[ov].to_numpy(float)
    covs = []
    for r in idx[:40]:
        c = x[r] - x[r].mean(axis=0)
        covs.append(c.T @ c / len(r))
    xb, converged, steps = batched_groups.fit_batched_groups(
        [refit.compiled[0].layout], refit.index, [np.stack(covs)], None, [1.0], res._x,
        refit.h0_inv,
    )  # fmt: skip
    assert converged.all()
    for i, s in enumerate(covs):
        x1, _, it, ok = bfgs_refit(MLKernel(refit.compiled[0].layout, s), res._x, refit.h0_inv)
        assert ok and it == steps[i]
        assert_allclose(xb[i], x1, rtol=0, atol=1e-11)


def test_seeded_draws_do_not_depend_on_batches_or_workers(poldem, monkeypatch):
    res, data, _ = poldem
    a = ls.bootstrap(res, 60, data=data, random_state=5)
    with monkeypatch.context() as m:
        m.setattr(resampling, "_BATCH_SIZE", 7)
        b = ls.bootstrap(res, 60, data=data, random_state=5)
    c = ls.bootstrap(res, 60, data=data, random_state=5, n_jobs=2)
    d = _one_by_one(monkeypatch, res, 60, data=data, random_state=5)
    assert a.random_state == b.random_state == 5
    assert_allclose(b.draws.draws.to_numpy(), a.draws.draws.to_numpy(), rtol=0, atol=1e-12)
    assert_allclose(c.draws.draws.to_numpy(), a.draws.draws.to_numpy(), rtol=0, atol=1e-12)
    # the same resamples as the one-by-one path (the seed's indices are today's)
    assert_allclose(d.draws.draws.to_numpy(), a.draws.draws.to_numpy(), rtol=0, atol=ATOL_DRAW)


def test_draws_the_batch_leaves_are_refitted_one_by_one(poldem, monkeypatch):
    """A batch stopped after 3 steps leaves every draw to __call__: the one-by-one numbers."""
    res, data, idx = poldem
    real = batched_groups.fit_batched_groups
    calls = []

    def three_steps(*args, **kwargs):
        x, converged, steps = real(*args, **{**kwargs, "max_iter": 3})
        calls.append(int((~converged).sum()))
        return x, converged, steps

    with monkeypatch.context() as m:
        m.setattr(batched_groups, "fit_batched_groups", three_steps)
        fast = ls.bootstrap(res, data=data, indices=idx[:30])
    slow = _one_by_one(monkeypatch, res, data=data, indices=idx[:30])
    assert calls == [30]
    assert_allclose(fast.draws.draws.to_numpy(), slow.draws.draws.to_numpy(), rtol=0, atol=0)


def test_failed_draws_are_the_one_by_one_failures(poldem, monkeypatch):
    """A draw with a singular covariance (one respondent repeated) fails in both paths."""
    res, data, idx = poldem
    idx = idx[:5].copy()
    idx[2] = 0
    fast = ls.bootstrap(res, data=data, indices=idx)
    slow = _one_by_one(monkeypatch, res, data=data, indices=idx)
    assert fast.n_failed == slow.n_failed == 1
    assert fast.draws.failed.equals(slow.draws.failed)
    assert_allclose(
        fast.draws.draws.to_numpy(), slow.draws.draws.to_numpy(), rtol=0, atol=ATOL_DRAW
    )


def test_bollen_stine_is_batched_too(poldem, monkeypatch):
    res, data, idx = poldem
    fast = ls.bootstrap(res, data=data, indices=idx[:50], kind="bollen-stine")
    slow = _one_by_one(monkeypatch, res, data=data, indices=idx[:50], kind="bollen-stine")
    assert_allclose(fast.draws.draws["chisq"], slow.draws.draws["chisq"], rtol=RTOL_CHISQ)
    assert fast.chisq_pvalue == slow.chisq_pvalue


def test_default_model_draws_equal_their_one_by_one_refits(monkeypatch):
    survey = ls.load_ecommerce()
    res = ls.fit(ls.DEFAULT_MODEL, survey)
    fast = ls.bootstrap(res, 100, data=survey, random_state=1)
    slow = _one_by_one(monkeypatch, res, 100, data=survey, random_state=1)
    assert fast.n_ok == slow.n_ok and list(fast.draws.draws.index) == list(slow.draws.draws.index)
    a, b = fast.draws.draws, slow.draws.draws
    assert_allclose(_columns(a, "est:"), _columns(b, "est:"), rtol=0, atol=ATOL_DRAW)
    assert_allclose(_columns(a, "std:"), _columns(b, "std:"), rtol=0, atol=ATOL_DRAW)
    assert np.array_equal(a["admissible"], b["admissible"])
    assert_allclose(a["chisq"], b["chisq"], rtol=RTOL_CHISQ)
