"""One BLAS thread during a fit, the caller's thread count restored afterwards.

``loyaltysem._threads`` finds the BLAS libraries once per process and, per fit, only sets
and restores their thread counts (the per-call ``threadpool_limits`` it replaced read
``/proc/self/maps`` on every fit).
"""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits

import loyaltysem
from loyaltysem import _threads
from loyaltysem._threads import blas_single_threaded, blas_thread_counts, single_blas_thread
from loyaltysem.datasets import load_frame
from loyaltysem.sem import single_group as estimation

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def test_numpy_and_scipy_blas_are_found() -> None:
    counts = blas_thread_counts()
    assert len(counts) >= 1  # numpy's OpenBLAS at least (scipy's too, when it has its own)
    assert all(n >= 1 for n in counts)


def test_the_controller_is_made_once() -> None:
    first = _threads._blas_controllers()
    with single_blas_thread():
        pass
    assert _threads._blas_controllers() is first


@pytest.mark.parametrize("outer", [2, 1])
def test_one_thread_inside_a_fit_and_restored_after(monkeypatch, outer: int) -> None:
    seen: list[tuple[int, ...]] = []
    original = estimation.fit_partable

    def spy(*args, **kwargs):
        seen.append(blas_thread_counts())
        return original(*args, **kwargs)

    monkeypatch.setattr(estimation, "fit_partable", spy)
    with threadpool_limits(outer, user_api="blas"):
        before = blas_thread_counts()
        assert set(before) == {outer}
        res = loyaltysem.fit(HS_MODEL, load_frame("holzinger_swineford"))
        after = blas_thread_counts()
    assert res.converged
    assert seen == [tuple(1 for _ in before)]
    assert after == before


def test_restored_when_the_fit_raises() -> None:
    @blas_single_threaded
    def fails() -> None:
        assert set(blas_thread_counts()) == {1}
        raise ValueError("inside")

    with threadpool_limits(2, user_api="blas"):
        with pytest.raises(ValueError, match="inside"):
            fails()
        assert set(blas_thread_counts()) == {2}


def test_nested_limits_keep_one_thread_until_the_outer_exit() -> None:
    with threadpool_limits(2, user_api="blas"):
        with single_blas_thread():
            with single_blas_thread():
                assert set(blas_thread_counts()) == {1}
            assert set(blas_thread_counts()) == {1}
        assert set(blas_thread_counts()) == {2}
