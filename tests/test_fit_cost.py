"""The shortcuts that make a single fit cheaper give the numbers and decisions of the long way.

Issue 14, item 5: the estimates stage reads ``est``, ``std.lv`` and ``std.all`` from one
batch per block (the delta method's central-difference points), and the covariance
stage answers its two eigenvalue checks by a Cholesky factorization where that is sure.
Each shortcut is compared here with what it replaces, bit for bit where it reads the
same numbers, and decision for decision on matrices at and around the thresholds.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from test_bootstrap_batched import PD_MODEL as PD

import loyaltysem as ls
from loyaltysem._kernels.delta import central_points, delta_method, delta_se
from loyaltysem._kernels.partable import StandardizationPlan, row_estimates
from loyaltysem.datasets import load_frame
from loyaltysem.sem import engine
from loyaltysem.sem.engine import DEFAULTS, BlockTable, _clearly_above
from loyaltysem.sem.group_blocks import one_block
from loyaltysem.sem.moments import moments_from_data
from loyaltysem.sem.specification import specify

EPS = float(np.finfo(float).eps)
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _fitted(model: str, data_name: str, **spec_options):
    spec = specify(model, **spec_options)
    moments, notes = moments_from_data(load_frame(data_name), list(spec.ov))
    table = BlockTable.one_group(spec.partable())
    fitted, *_ = engine._estimate(
        table, one_block(moments, notes), list(spec.ov), DEFAULTS["ML"], None, None
    )
    return fitted


@pytest.mark.parametrize(
    ("model", "data"), [(PD, "political_democracy"), (HS, "holzinger_swineford")]
)
def test_one_batch_gives_the_separate_evaluations_bit_for_bit(model, data):
    fitted = _fitted(model, data)
    cm, x, vcov = fitted.compiled[0], fitted.x, fitted.vcov
    plan_all = StandardizationPlan.build(cm, "std.all")
    plan_lv = StandardizationPlan.build(cm, "std.lv")
    points, h = central_points(x)
    values, sds = plan_all.values_and_sds(points)
    # row 0 of the batch is the estimate; std.lv from the same SDs is its own evaluation
    assert np.array_equal(values[0], row_estimates(cm, x), equal_nan=True)
    std_lv = values[0] * plan_lv.scale(sds[:1])[0]
    assert np.array_equal(std_lv, plan_lv.evaluate(x)[0], equal_nan=True)
    std_all_b = values * plan_all.scale(sds)
    est_all, se_all = delta_method(plan_all.evaluate, x, vcov)
    assert np.array_equal(std_all_b[0], est_all, equal_nan=True)
    assert np.array_equal(delta_se(std_all_b, h, vcov), se_all, equal_nan=True)
    # and the table the pipeline writes holds exactly these
    table = engine._estimates(fitted, (), engine.Findings([]))
    assert np.array_equal(table["std_lv"].to_numpy(), std_lv, equal_nan=True)
    assert np.array_equal(table["se_std_all"].to_numpy(), se_all, equal_nan=True)


def _eigen_decision(a: np.ndarray, floor) -> bool:
    eig = np.linalg.eigvalsh((a + a.T) / 2.0)
    return bool(np.all(np.isfinite(eig)) and eig[0] > floor(eig[-1]))


@pytest.mark.parametrize("q", [1, 3, 31, 82])
def test_cholesky_check_never_contradicts_the_eigenvalues(q):
    rng = np.random.default_rng(q)
    info_floor = lambda top: EPS * max(top, 1.0)  # noqa: E731 - the engine's first check
    vcov_floor = lambda _: EPS**0.75  # noqa: E731 - the engine's second check
    sure = 0
    for k in range(200):
        basis, _ = np.linalg.qr(rng.standard_normal((q, q)))
        eig = np.sort(rng.uniform(0.5, 2.0, q)) * 10.0 ** rng.uniform(-4, 2)
        # the smallest eigenvalue at, just below and just above each threshold
        eig[0] = [0.0, -1e-13, 1e-13, EPS * eig[-1], 3.0 * EPS**0.75, eig[0]][k % 6]
        a = (basis * eig) @ basis.T
        for floor in (info_floor, vcov_floor):
            if _clearly_above(a, floor):
                sure += 1
                assert _eigen_decision(a, floor), (q, k, eig[0])
    assert sure > 100  # it is the common answer, not a rare one


def test_cholesky_check_on_non_finite_matrices_leaves_it_to_the_eigenvalues():
    a = np.eye(3)
    a[0, 1] = np.nan
    assert not _clearly_above(a, lambda top: 0.0)
    assert not _clearly_above(np.full((2, 2), np.inf), lambda top: 0.0)


def test_a_singular_information_still_gives_no_standard_errors():
    # two factors of two indicators each, uncorrelated: not identified (lavaan: the
    # information matrix is singular); the Cholesky shortcut must not pass it
    with pytest.warns(UserWarning):
        res = ls.fit("f =~ x1 + x2\n g =~ x4 + x5\n f ~~ 0*g", load_frame("holzinger_swineford"))
    assert res.status.identified is False
    assert any("singular" in w for w in res.warnings)
    assert np.isnan(res.estimates.loc[res.estimates["free"] > 0, "se"]).all()


@pytest.mark.parametrize("group", [None, "platform"])
def test_shared_products_give_the_full_batch_bit_for_bit(monkeypatch, group):
    # the e-commerce model is big enough for the shared evaluation (one group, and each of
    # three groups with its own parameters: the other groups' moves share member 0's)
    from loyaltysem._kernels import partable

    frame = ls.simulate_survey(n=900, random_state=3)
    model = "\n".join(line for line in ls.DEFAULT_MODEL.splitlines() if ":=" not in line)
    calls = []
    real = partable.StandardizationPlan._shared_variances

    def spy(self, mats, moved):
        calls.append(len(moved))
        return real(self, mats, moved)

    monkeypatch.setattr(partable.StandardizationPlan, "_shared_variances", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shared = ls.fit(model, frame, group=group).estimates
        assert calls, "the shared evaluation was not used"
        monkeypatch.setattr(partable, "_SHARE_FROM", 10**12)
        full = ls.fit(model, frame, group=group).estimates
    for column in ("est", "std_lv", "std_all", "se_std_all"):
        assert np.array_equal(shared[column].to_numpy(), full[column].to_numpy(), equal_nan=True)
