"""The bootstrap engine: seeded, reproducible, parallel = serial, failures counted."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from loyaltysem.errors import SurveyDataError
from loyaltysem.sem.bootstrap import bootstrap_statistic


def mean_and_sd(x: np.ndarray) -> np.ndarray:
    return np.array([x[:, 0].mean(), x[:, 0].std(ddof=1)])


def fails_on_small_first_value(x: np.ndarray, threshold: float) -> np.ndarray:
    if x[0, 0] < threshold:
        raise np.linalg.LinAlgError("singular")
    return np.array([x[:, 0].mean()])


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    return pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120)})


def test_seeded_and_reproducible(data):
    a = bootstrap_statistic(data, mean_and_sd, ["mean", "sd"], n_boot=500, random_state=3)
    b = bootstrap_statistic(data, mean_and_sd, ["mean", "sd"], n_boot=500, random_state=3)
    c = bootstrap_statistic(data, mean_and_sd, ["mean", "sd"], n_boot=500, random_state=4)
    pd.testing.assert_frame_equal(a.draws, b.draws)
    assert not a.draws.equals(c.draws)
    assert a.random_state == 3 and a.n_ok == 500 and a.failed.empty


def test_standard_error_of_the_mean_is_close_to_theory(data):
    res = bootstrap_statistic(data, mean_and_sd, ["mean", "sd"], n_boot=4000, random_state=5)
    table = res.table()
    theory = data["a"].std(ddof=1) / np.sqrt(len(data))
    assert_allclose(table.loc["mean", "boot_se"], theory, rtol=0.05)
    assert_allclose(table.loc["mean", "estimate"], data["a"].mean(), rtol=1e-12)


def test_explicit_indices_reproduce_a_hand_computed_bootstrap(data):
    rng = np.random.default_rng(9)
    idx = rng.integers(0, len(data), size=(50, len(data)))
    res = bootstrap_statistic(data, mean_and_sd, ["mean", "sd"], indices=idx)
    by_hand = np.array([data["a"].to_numpy()[i].mean() for i in idx])
    assert_allclose(res.draws["mean"].to_numpy(), by_hand, rtol=1e-14)
    assert res.random_state is None and res.n_boot == 50
    with pytest.raises(SurveyDataError, match="minus one"):
        bootstrap_statistic(data, mean_and_sd, ["mean", "sd"], indices=idx + 1)


def test_parallel_equals_serial(data):
    serial = bootstrap_statistic(data, mean_and_sd, ["mean", "sd"], n_boot=200, random_state=1)
    parallel = bootstrap_statistic(
        data, mean_and_sd, ["mean", "sd"], n_boot=200, random_state=1, n_jobs=2
    )
    pd.testing.assert_frame_equal(serial.draws, parallel.draws)


def test_failed_draws_are_counted_and_named(data):
    threshold = float(np.quantile(data["a"], 0.3))
    stat = functools.partial(fails_on_small_first_value, threshold=threshold)
    res = bootstrap_statistic(data, stat, ["mean"], n_boot=300, random_state=2)
    assert 0 < len(res.failed) < 300
    assert res.n_ok + len(res.failed) == 300
    assert res.failed["reason"].str.contains("LinAlgError").all()
    assert "draws failed" in res.summary()


def test_intervals_bc_and_bca(data):
    res = bootstrap_statistic(
        data, mean_and_sd, ["mean", "sd"], n_boot=2000, random_state=8, jackknife=True
    )
    perc, bc, bca = (res.table(ci=k) for k in ("percentile", "bc", "bca"))
    # for a mean of symmetric data the corrections are small: all three agree closely
    assert_allclose(
        bc.loc["mean", ["ci_lower", "ci_upper"]],
        perc.loc["mean", ["ci_lower", "ci_upper"]],
        atol=0.03,
    )
    assert_allclose(
        bca.loc["mean", ["ci_lower", "ci_upper"]],
        perc.loc["mean", ["ci_lower", "ci_upper"]],
        atol=0.03,
    )
    # percentile bounds are R's quantile(type = 7) of the draws
    draws = res.draws["sd"].to_numpy()
    assert_allclose(perc.loc["sd", "ci_lower"], np.quantile(draws, 0.025), rtol=1e-14)
    with pytest.raises(SurveyDataError, match="jackknife"):
        bootstrap_statistic(data, mean_and_sd, ["mean", "sd"], n_boot=50, random_state=1).table(
            ci="bca"
        )
    with pytest.raises(SurveyDataError, match="unknown kind"):
        res.table(ci="normal")
