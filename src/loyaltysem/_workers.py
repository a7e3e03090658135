"""Run independent tasks over worker processes that start in milliseconds.

The bootstrap splits its draws into chunks and runs them over ``n_jobs`` processes.
With joblib's default (loky) every worker is a new Python interpreter that imports
what the task needs before it can start: unpickling a bootstrap refitter imports
``loyaltysem.sem.bootstrap`` with scipy.stats, pandas and the estimation modules, 1.1 s
per worker measured on the 2-core test machine, 6 s for the first two-worker call
with the machine busy, more than a whole batched bootstrap of Political Democracy
(0.5 to 1 s for 2,000 draws). A second call reuses loky's workers, but each call
still pickles the refitter and its data to every task.

On Linux the workers here are forked from the calling process instead (``os.fork``):
they start with every module, the model and the data already in memory
(copy-on-write), so a task is known by its number and only the results travel back,
pickled, through one pipe per worker. The calling process is one of the ``n_jobs``
workers. The tasks are handed out as the processes become free (a counter in shared
memory, guarded by a one-byte pipe used as a lock): whichever process finishes its
task first takes the next one, so a worker slowed by another job on the machine does
not hold the others up. A thread of the calling process drains each worker's pipe
while the caller computes, so a worker never waits for its results to be read.
Forking directly instead of through ``multiprocessing.Pool`` saves the pool's three
threads, its queues and its shutdown: the pool took 18 to 30 ms per call on the 2-core
test machine, the caller now starts its first task 6 to 11 ms after the call, most of
it the fork itself (docs/bootstrap.md, Two cores).

Elsewhere (macOS, where fork is unsafe with the system frameworks, and Windows, which
has no fork), and inside a daemon worker process, joblib runs the tasks; inside a
worker forked here, the tasks run one after the other. The order of the results is
the order of the tasks whatever the number of workers and whichever process ran a
task; seeds are the caller's business (the bootstrap draws its indices before
splitting them).

Examples
--------
>>> from loyaltysem._workers import run_tasks
>>> list(run_tasks(pow, [(2, 3), (3, 2), (10, 2)], n_jobs=2))
[8, 9, 100]
"""

from __future__ import annotations

import contextlib
import mmap
import multiprocessing
import os
import pickle
import queue
import signal
import struct
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

__all__ = ["effective_workers", "run_tasks", "wait_for_workers"]

#: True in a process forked by :func:`run_tasks` (its own tasks then run in it, serially).
_IN_WORKER = False
#: The length prefix of one result on a worker's pipe.
_HEADER = struct.Struct("<Q")
#: Pipe capacity asked for (Linux ``F_SETPIPE_SZ``; the default 64 KiB makes a reader
#: thread wake up for every 64 KiB of a result).
_PIPE_BYTES = 1 << 20


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
        and hasattr(os, "fork")
        and not multiprocessing.current_process().daemon
    )


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
    The result of each task, in the order of ``tasks``. An exception raised by a task
    is raised here when its turn comes, whichever process ran it.

    Examples
    --------
    >>> import os
    >>> from loyaltysem._workers import run_tasks
    >>> results = list(run_tasks(lambda i: (i * i, os.getpid()), [(i,) for i in range(6)], 2))
    >>> [square for square, _ in results]
    [0, 1, 4, 9, 16, 25]
    >>> len({pid for _, pid in results}) <= 2
    True
    """
    workers = min(effective_workers(n_jobs), len(tasks))
    if workers <= 1 or _IN_WORKER:
        for task in tasks:
            yield func(*task)
        return
    if not _forkable():
        from joblib import Parallel, delayed

        runner = Parallel(n_jobs=workers, return_as="generator")
        yield from runner(delayed(func)(*task) for task in tasks)
        return
    yield from _forked(func, tasks, workers)


class _Counter:
    """The number of the next task to hand out, shared by forked processes.

    An 8-byte anonymous shared mapping holds the number; a pipe holding one byte is the
    lock (reading the byte takes it, writing it back releases it), so nothing but file
    descriptors is needed (no ``/dev/shm`` semaphore).
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self._memory = mmap.mmap(-1, 8)
        self._value = memoryview(self._memory).cast("q")
        self._lock_r, self._lock_w = os.pipe()
        os.write(self._lock_w, b"\0")

    def claim(self) -> int:
        """The next task's number (``n`` or more: none left)."""
        if self._value[0] >= self.n:  # a stale read only sends us to the lock
            return self.n
        os.read(self._lock_r, 1)
        try:
            i = int(self._value[0])
            self._value[0] = i + 1
        finally:
            os.write(self._lock_w, b"\0")
        return i

    def close(self) -> None:
        self._value.release()
        self._memory.close()
        os.close(self._lock_r)
        os.close(self._lock_w)


def _worker_main(
    func: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], counter: _Counter, fd: int
) -> None:
    """The loop of a forked worker: claim a task, run it, send ``(i, ok, value)`` back."""
    global _IN_WORKER
    _IN_WORKER = True
    with open(fd, "wb", closefd=True) as out:  # buffered: a partial write is resumed
        while (i := counter.claim()) < counter.n:
            try:
                item: tuple[int, bool, Any] = (i, True, func(*tasks[i]))
            except BaseException as exc:  # raised again in the caller
                item = (i, False, exc)
            try:
                data = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # an unpicklable result or error
                error = RuntimeError(f"task {i}: its result cannot be sent back: {exc!r}")
                data = pickle.dumps((i, False, error), protocol=pickle.HIGHEST_PROTOCOL)
            out.write(_HEADER.pack(len(data)))
            out.write(data)
            out.flush()


def _read_exactly(fd: int, size: int) -> bytes | None:
    parts, left = [], size
    while left:
        chunk = os.read(fd, min(left, _PIPE_BYTES))
        if not chunk:
            return None
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def _drain(fd: int, inbox: queue.SimpleQueue[bytes | None]) -> None:
    """Move a worker's results from its pipe to ``inbox`` (``None`` when it is closed)."""
    try:
        while (header := _read_exactly(fd, _HEADER.size)) is not None:
            (size,) = _HEADER.unpack(header)
            body = _read_exactly(fd, size)
            if body is None:
                break
            inbox.put(body)
    finally:
        os.close(fd)
        inbox.put(None)


def _fork_worker(
    func: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], counter: _Counter
) -> tuple[int, int]:
    """Fork one worker; its pid and the read end of its result pipe."""
    read_fd, write_fd = os.pipe()
    with contextlib.suppress(OSError, AttributeError):  # Linux only; a hint
        import fcntl

        fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
        with contextlib.suppress(Exception):
            stream.flush()
    with warnings.catch_warnings():
        # Python 3.12+ warns that a process with threads (BLAS's idle ones, which
        # reinitialize after fork, or a progress bar's monitor) is forked
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the worker: never return into the caller's code
        code = 1
        try:
            os.close(read_fd)
            with contextlib.suppress(ValueError):  # Ctrl-C ends it at once
                signal.signal(signal.SIGINT, signal.SIG_DFL)
            _worker_main(func, tasks, counter, write_fd)
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    return pid, read_fd


def _forked(
    func: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], workers: int
) -> Iterator[Any]:
    """:func:`run_tasks` over ``workers - 1`` forked processes and this one."""
    n = len(tasks)
    counter = _Counter(n)
    pids: list[int] = []
    readers: list[threading.Thread] = []
    inbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    turn = 0
    try:
        fds = []
        for _ in range(workers - 1):
            pid, fd = _fork_worker(func, tasks, counter)
            pids.append(pid)
            fds.append(fd)
        # the readers start after the forks: no worker inherits a thread
        for fd in fds:
            reader = threading.Thread(target=_drain, args=(fd, inbox), daemon=True)
            reader.start()
            readers.append(reader)
        done: dict[int, tuple[bool, Any]] = {}
        open_pipes, failed = len(readers), False

        def receive(block: bool) -> None:
            nonlocal open_pipes
            while open_pipes:
                if not block and inbox.empty():
                    return
                body = inbox.get()
                if body is None:
                    open_pipes -= 1
                else:
                    i, ok, value = pickle.loads(body)
                    done[i] = (ok, value)
                if block:
                    return

        while turn < n:
            receive(block=False)
            if turn in done:
                ok, value = done.pop(turn)
                turn += 1
                if not ok:
                    raise value
                yield value
                continue
            i = n if failed else counter.claim()
            if i < n:  # this process is one of the workers
                try:
                    done[i] = (True, func(*tasks[i]))
                except Exception as exc:  # raised when its turn comes, as a worker's
                    done[i], failed = (False, exc), True
                continue
            if not open_pipes:
                raise RuntimeError(
                    f"a worker process ended without returning task {turn} (killed, "
                    "or out of memory?); run with n_jobs=1 to see the error"
                )
            receive(block=True)
    finally:
        complete = turn == n
        _REAPERS[:] = [reaper for reaper in _REAPERS if reaper.is_alive()]
        for pid in pids:
            if complete:  # it is exiting (5 ms for a large process): reaped meanwhile
                reaper = threading.Thread(target=_reap, args=(pid,), daemon=True)
                reaper.start()
                _REAPERS.append(reaper)
            else:  # the caller stopped early or a task failed: stop the worker
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                _reap(pid)
        for reader in readers:
            reader.join()
        counter.close()


#: Threads waiting for workers to exit (joined by :func:`wait_for_workers`).
_REAPERS: list[threading.Thread] = []


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def wait_for_workers() -> None:
    """Wait until every worker forked so far has exited (and its CPU time is counted).

    :func:`run_tasks` returns as soon as the last result has arrived; its workers exit
    meanwhile. A benchmark calls this before reading ``os.times()``'s children times.

    Examples
    --------
    >>> from loyaltysem._workers import run_tasks, wait_for_workers
    >>> sum(run_tasks(abs, [(-1,), (-2,), (-3,)], n_jobs=2))
    6
    >>> wait_for_workers()
    """
    while _REAPERS:
        _REAPERS.pop().join()
