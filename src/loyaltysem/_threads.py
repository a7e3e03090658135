"""One BLAS thread while fitting: the matrices are small and BLAS threads cost more.

Measured on a 2-core machine: ``validate(load_corp_rep())`` takes 100 s with OpenBLAS'
threads and 12 s with one (many 10 x 10 to 30 x 30 solves and Cholesky factors per
iteration, where thread start-up and contention dominate); the e-commerce multi-group
configural fit 2.0 s against 0.26 s. ``threadpoolctl`` (a scikit-learn dependency)
limits the threads for the duration of a fit only and restores them afterwards.

The controller that finds the BLAS libraries is made once per process, at the first fit
(``threadpoolctl.ThreadpoolController()`` reads ``/proc/self/maps`` and opens every
library: 1.3 ms, a fifth of a Political Democracy fit, when it was made per call);
each fit then only sets and restores the thread count of the libraries it found
(``controller.limit(limits=1, user_api="blas")``, about 10 µs). When every BLAS
already runs one thread, nothing is set at all. A BLAS loaded after the first fit (by a
package imported later) is not limited; numpy's and scipy's, which loyaltysem uses, are
loaded before the controller looks for them.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

try:
    from threadpoolctl import ThreadpoolController
except ImportError:  # pragma: no cover - declared as a dependency
    ThreadpoolController = None

__all__ = ["blas_single_threaded", "blas_thread_counts", "single_blas_thread"]

P = ParamSpec("P")
R = TypeVar("R")


@functools.cache
def _blas_controllers() -> tuple[Any, ...]:
    """The BLAS libraries of this process, found once (threadpoolctl controllers)."""
    if ThreadpoolController is None:  # pragma: no cover
        return ()
    import numpy.linalg  # noqa: F401 - load the BLAS libraries before looking for them
    import scipy.linalg  # noqa: F401

    controller = ThreadpoolController().select(user_api="blas")
    return tuple(controller.lib_controllers)


def blas_thread_counts() -> tuple[int, ...]:
    """The number of threads of each BLAS library loaded in this process.

    Examples
    --------
    >>> from loyaltysem._threads import blas_thread_counts, single_blas_thread
    >>> with single_blas_thread():
    ...     all(n == 1 for n in blas_thread_counts())
    True
    """
    return tuple(int(lib.num_threads) for lib in _blas_controllers())


@contextlib.contextmanager
def _limited(libs: tuple[Any, ...], counts: tuple[int, ...]) -> Any:
    for lib in libs:
        lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, count in zip(libs, counts, strict=True):
            lib.set_num_threads(count)


def single_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """A context in which BLAS uses one thread (restored on exit).

    Examples
    --------
    >>> from loyaltysem._threads import blas_thread_counts, single_blas_thread
    >>> before = blas_thread_counts()
    >>> with single_blas_thread():
    ...     set(blas_thread_counts()) <= {1}
    True
    >>> blas_thread_counts() == before
    True
    """
    libs = _blas_controllers()
    counts = tuple(int(lib.num_threads) for lib in libs)
    if all(count == 1 for count in counts):
        return contextlib.nullcontext()
    return _limited(libs, counts)


def blas_single_threaded(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate ``func`` to run in :func:`single_blas_thread`."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with single_blas_thread():
            return func(*args, **kwargs)

    return wrapper
