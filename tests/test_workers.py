"""loyaltysem._workers: tasks over forked processes, handed out as the processes become free.

The caller is one of the workers; which process runs which task depends on timing, so
the tests that need one task in the caller and one in a worker make each of two tasks
wait, at its start, until the other has started in another process (:func:`_meet`).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from loyaltysem import _workers
from loyaltysem._workers import run_tasks, wait_for_workers

FORK = sys.platform.startswith("linux")
needs_fork = pytest.mark.skipif(not FORK, reason="forked workers are Linux only (joblib elsewhere)")


def _in_caller(parent: int) -> bool:
    return os.getpid() == parent


def _meet(folder: Path, seconds: float = 60.0) -> None:
    """Wait until two processes have called this: two tasks, one in each process."""
    (folder / str(os.getpid())).write_text("")
    end = time.monotonic() + seconds
    while len(list(folder.iterdir())) < 2:
        if time.monotonic() > end:
            raise TimeoutError("the other task did not start in another process")
        time.sleep(0.002)


def test_results_come_in_task_order_whatever_the_worker_count():
    tasks = [(i,) for i in range(37)]
    for n_jobs in (1, 2, 3, -1):
        assert list(run_tasks(lambda i: i * i, tasks, n_jobs)) == [i * i for i in range(37)]
    assert list(run_tasks(lambda i: i, [], 2)) == []
    assert list(run_tasks(lambda i: -i, [(5,)], 2)) == [-5]


@needs_fork
def test_a_forked_worker_runs_tasks_beside_the_caller(tmp_path):
    parent = os.getpid()

    def task(i: int) -> tuple[int, int]:
        _meet(tmp_path)
        return i, os.getpid()

    out = list(run_tasks(task, [(0,), (1,)], 2))
    assert [i for i, _ in out] == [0, 1]
    pids = {pid for _, pid in out}
    assert parent in pids and len(pids) == 2
    wait_for_workers()
    with pytest.raises(ChildProcessError):  # the worker has exited and was reaped
        os.waitpid(next(iter(pids - {parent})), os.WNOHANG)


@needs_fork
def test_the_tasks_of_a_slow_worker_are_taken_by_the_caller(tmp_path):
    """Handed out as processes become free: a worker stuck on one task holds up no other."""
    parent = os.getpid()

    def task(i: int) -> int:
        if i < 2:
            _meet(tmp_path)  # one task in each process
        if not _in_caller(parent):
            time.sleep(1.0)  # slow: the caller meanwhile runs every other task
        return os.getpid()

    pids = list(run_tasks(task, [(i,) for i in range(12)], 2))
    assert sum(pid != parent for pid in pids) == 1
    assert pids.count(parent) == 11


@needs_fork
def test_errors_are_raised_in_the_caller_in_task_order(tmp_path):
    parent = os.getpid()

    def fails_in_worker(i: int) -> int:
        _meet(tmp_path)
        if _in_caller(parent):
            return i
        raise ArithmeticError(f"draw {i} in a worker")

    with pytest.raises(ArithmeticError, match="in a worker"):
        list(run_tasks(fails_in_worker, [(0,), (1,)], 2))

    def fails_here(i: int) -> int:
        if i == 2:
            raise ArithmeticError("draw 2")
        return i

    with pytest.raises(ArithmeticError, match="draw 2"):
        list(run_tasks(fails_here, [(i,) for i in range(7)], 2))
    # the results before the failing task are yielded first
    got: list[int] = []
    with pytest.raises(ArithmeticError, match="draw 2"):
        got.extend(run_tasks(fails_here, [(i,) for i in range(7)], 2))
    assert got == [0, 1]


@needs_fork
def test_a_result_that_cannot_be_pickled_is_a_clear_error(tmp_path):
    parent = os.getpid()

    def task(i: int) -> object:
        _meet(tmp_path)
        if _in_caller(parent):
            return i
        return lambda: i  # a lambda cannot be pickled back to the caller

    with pytest.raises(RuntimeError, match="cannot be sent back"):
        list(run_tasks(task, [(0,), (1,)], 2))


@needs_fork
def test_a_worker_that_dies_is_reported_not_waited_for(tmp_path):
    parent = os.getpid()

    def task(i: int) -> int:
        _meet(tmp_path)
        if not _in_caller(parent):
            os.kill(os.getpid(), signal.SIGKILL)
        return i

    with pytest.raises(RuntimeError, match="ended without returning task"):
        list(run_tasks(task, [(0,), (1,)], 2))


@needs_fork
def test_stopping_early_ends_the_workers_at_once(tmp_path):
    parent = os.getpid()

    def task(i: int) -> int:
        if i < 2:
            _meet(tmp_path)  # tasks 0 and 1: one in each process, quick
        elif not _in_caller(parent):
            time.sleep(60.0)  # the worker's next task: stuck
        return i

    start = time.monotonic()
    gen = run_tasks(task, [(i,) for i in range(4)], 2)
    first = next(gen)
    gen.close()  # the worker stuck in its task is killed, not waited for
    assert first == 0 and time.monotonic() - start < 30.0


@needs_fork
def test_a_worker_runs_nested_tasks_itself(tmp_path):
    parent = os.getpid()

    def inner(j: int) -> int:
        return os.getpid()

    def task(i: int) -> tuple[int, list[int]]:
        _meet(tmp_path)
        return os.getpid(), list(run_tasks(inner, [(j,) for j in range(4)], 2))

    out = list(run_tasks(task, [(0,), (1,)], 2))
    worker_run = [(pid, inner_pids) for pid, inner_pids in out if pid != parent]
    assert len(worker_run) == 1
    pid, inner_pids = worker_run[0]
    assert inner_pids == [pid] * 4  # no fork in a worker


def test_large_results_travel_whole():
    """Results far larger than a pipe's buffer (a chunk of bootstrap draws: 1 MB here)."""
    tasks = [(i,) for i in range(6)]
    out = list(run_tasks(lambda i: np.full((1000, 130), float(i)), tasks, 2))
    assert [float(a[0, 0]) for a in out] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert all(a.shape == (1000, 130) and np.all(a == a[0, 0]) for a in out)


def test_the_number_of_processes():
    assert _workers.effective_workers(1) == 1
    assert _workers.effective_workers(-1) == (os.cpu_count() or 1)
    assert _workers.effective_workers(-2) == max(1, (os.cpu_count() or 1) - 1)
