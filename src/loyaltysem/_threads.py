"""One BLAS thread while fitting: the matrices are small and BLAS threads cost more.

Measured on a 2-core machine: ``validate(load_corp_rep())`` takes 100 s with OpenBLAS'
threads and 12 s with one (many 10 x 10 to 30 x 30 solves and Cholesky factors per
iteration, where thread start-up and contention dominate); the e-commerce multi-group
configural fit 2.0 s against 0.26 s. ``threadpoolctl`` (a scikit-learn dependency)
limits the threads for the duration of a fit only and restores them afterwards.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - declared as a dependency
    threadpool_limits = None

__all__ = ["blas_single_threaded", "single_blas_thread"]

P = ParamSpec("P")
R = TypeVar("R")


def single_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """A context in which BLAS uses one thread (restored on exit)."""
    if threadpool_limits is None:  # pragma: no cover
        return contextlib.nullcontext()
    limits: contextlib.AbstractContextManager[Any] = threadpool_limits(1, user_api="blas")
    return limits


def blas_single_threaded(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate ``func`` to run in :func:`single_blas_thread`."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with single_blas_thread():
            return func(*args, **kwargs)

    return wrapper
