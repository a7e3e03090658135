"""Run independent tasks over worker processes that start in milliseconds.

The bootstrap splits its draws into chunks and runs them over ``n_jobs`` processes.
With joblib's default (loky) every worker is a new Python interpreter that imports
what the task needs before it can start: unpickling a bootstrap refitter imports
``loyaltysem.sem.bootstrap`` with scipy.stats, pandas and the estimation modules, 1.1 s
per worker measured on the 2-core test machine, 6 s for the first two-worker call
with the machine busy, more than a whole batched bootstrap of Political Democracy
(0.5 to 1 s for 2,000 draws). A second call reuses loky's workers, but each call
still pickles the refitter and its data to every task.

On Linux the workers here are forked from the calling process instead: they start
with every module, the model and the data already in memory (copy-on-write), so a
task is sent as its number and only the results travel back (pickled). The calling
process is one of the ``n_jobs`` workers: it runs every ``n_jobs``-th task itself
while the forked ones run the rest (Political Democracy, 2,000 draws on two cores:
1.44× one core with two forked workers and the caller waiting, see docs/bootstrap.md). Elsewhere
(macOS, where fork is unsafe with the system frameworks, and Windows, which has no
fork), and inside a worker process, joblib runs the tasks as before. The order of
the results is the order of the tasks whatever the number of workers; seeds are the
caller's business (the bootstrap draws its indices before splitting them).

Examples
--------
>>> from loyaltysem._workers import run_tasks
>>> list(run_tasks(pow, [(2, 3), (3, 2), (10, 2)], n_jobs=2))
[8, 9, 100]
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

__all__ = ["effective_workers", "run_tasks"]

#: The function and argument tuples of the running call, read by forked workers.
_TASKS: tuple[Callable[..., Any], Sequence[tuple[Any, ...]]] | None = None


def effective_workers(n_jobs: int) -> int:
    """The number of processes ``n_jobs`` asks for (``-1`` every core, ``-2`` all but one).

    Examples
    --------
    >>> effective_workers(1), effective_workers(3)
    (1, 3)
    >>> effective_workers(-1) == (os.cpu_count() or 1)
    True
    """
    n_cpu = os.cpu_count() or 1
    if n_jobs < 0:
        return max(1, n_cpu + 1 + n_jobs)
    return max(1, int(n_jobs))


def _forkable() -> bool:
    return (
        sys.platform.startswith("linux")
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


def _run(i: int) -> Any:
    assert _TASKS is not None
    func, tasks = _TASKS
    return func(*tasks[i])


def run_tasks(
    func: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], n_jobs: int
) -> Iterator[Any]:
    """``func(*task)`` for every task, in order, over ``n_jobs`` processes.

    Parameters
    ----------
    func : callable
        The work of one task. With forked workers it need not be picklable; its
        result must be.
    tasks : sequence of tuple
        The arguments of each task.
    n_jobs : int
        Processes (``-1``: every core). One process, or one task, runs in this process.

    Yields
    ------
    The result of each task, in the order of ``tasks``.
    """
    global _TASKS
    workers = min(effective_workers(n_jobs), len(tasks))
    if workers <= 1:
        for task in tasks:
            yield func(*task)
        return
    if not _forkable():
        from joblib import Parallel, delayed

        runner = Parallel(n_jobs=workers, return_as="generator")
        yield from runner(delayed(func)(*task) for task in tasks)
        return
    previous, _TASKS = _TASKS, (func, tasks)
    try:  # the workers get the tasks with their copy of this process's memory
        with warnings.catch_warnings():
            # Python 3.12+ warns that a process with threads (here BLAS's idle ones,
            # which reinitialize after fork) is forked
            warnings.simplefilter("ignore", DeprecationWarning)
            pool = multiprocessing.get_context("fork").Pool(workers - 1)
    finally:
        _TASKS = previous
    # This process is one of the workers: it runs tasks 0, w, 2w, ... itself (at full
    # speed, nothing to send back) while the forked ones run the others in order, so a
    # short run does not wait on one more fork and one more result to unpickle.
    mine = set(range(0, len(tasks), workers))
    try:
        theirs = pool.imap(_run, [i for i in range(len(tasks)) if i not in mine])
        for i, task in enumerate(tasks):
            yield func(*task) if i in mine else next(theirs)
    finally:
        pool.terminate()
        pool.join()
