"""Progress of long runs (bootstrap draws, study waves) in a terminal and in Jupyter.

The bars are tqdm's: in a Jupyter kernel with ipywidgets installed a notebook widget
(``tqdm.notebook``), elsewhere a text bar on stderr (``tqdm.std``), the choice
``tqdm.auto`` makes, taken here at call time (:func:`bar_class`) so that a test can
pretend to be a notebook. What the library's ``progress`` arguments mean:

- ``None`` (the default): a bar when stderr is a terminal or the code runs in Jupyter,
  nothing otherwise (a cron job, a log file, CI);
- ``True``: a bar, always; ``False``: nothing;
- a callable: called with the number of draws (or waves) just finished, each time some
  finish; the numbers add up to the total. Nothing is drawn.

Work done in worker processes reports through a queue: :class:`QueueSink` is a
picklable callable that puts ``(tag, k)`` on a ``multiprocessing.Manager().Queue()``
proxy (which travels to loky workers), and :class:`QueueDrain` reads the queue in a
thread of the calling process and hands each ``(tag, k)`` on.

Examples
--------
>>> seen = []
>>> with Counter(10, seen.append, "bootstrap") as bar:
...     bar.update(4)
...     bar.update(6)
>>> seen, bar.done
([4, 6], 10)
>>> with Counter(10, False, "bootstrap") as quiet:
...     quiet.update(10)
>>> quiet.done
10
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Callable
from typing import Any

__all__ = [
    "Counter",
    "ProgressArg",
    "QueueDrain",
    "QueueSink",
    "bar_class",
    "in_notebook",
    "shows_bar",
]

#: What a ``progress`` argument accepts (see the module's docstring).
ProgressArg = bool | Callable[[int], None] | None


def in_notebook() -> bool:
    """Whether the code runs in a Jupyter kernel (IPython's ``IPKernelApp``), as tqdm checks.

    Examples
    --------
    >>> in_notebook()
    False
    """
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    get = getattr(ipython, "get_ipython", None)
    shell = get() if callable(get) else None
    config = getattr(shell, "config", None)
    try:
        return config is not None and "IPKernelApp" in config
    except TypeError:
        return False


def _has_widgets() -> bool:
    return importlib.util.find_spec("ipywidgets") is not None


def bar_class() -> type[Any]:
    """The tqdm class to draw with: the notebook widget in Jupyter with ipywidgets, else text.

    Examples
    --------
    >>> bar_class().__module__
    'tqdm.std'
    """
    if in_notebook() and _has_widgets():
        from tqdm.notebook import tqdm as notebook_tqdm

        return notebook_tqdm  # type: ignore[no-any-return]
    from tqdm.std import tqdm as text_tqdm

    return text_tqdm


def shows_bar(progress: ProgressArg) -> bool:
    """Whether ``progress`` draws a bar (``None``: stderr is a terminal, or Jupyter).

    Examples
    --------
    >>> shows_bar(True), shows_bar(False), shows_bar(print)
    (True, False, False)
    """
    if callable(progress):
        return False
    if progress is None:
        isatty = getattr(sys.stderr, "isatty", None)
        return bool(isatty is not None and isatty()) or in_notebook()
    return bool(progress)


class Counter:
    """Count finished work toward a total: a tqdm bar, a callable, or nothing.

    Parameters
    ----------
    total : int
        The number of units (draws, waves) expected.
    progress : bool, None or callable
        As the library's ``progress`` arguments (module docstring).
    desc : str
        The bar's label.
    unit : str
        The bar's unit (``"draw"``, ``"wave"``).
    position : int, optional
        The bar's line when several bars show at once (text bars).

    Attributes
    ----------
    done : int
        Units counted so far.
    """

    def __init__(
        self,
        total: int,
        progress: ProgressArg,
        desc: str,
        *,
        unit: str = "draw",
        position: int | None = None,
    ) -> None:
        self.total = int(total)
        self.done = 0
        self._lock = threading.Lock()
        self._call = progress if callable(progress) else None
        self._bar: Any = None
        if self._call is None and shows_bar(progress):
            self._bar = bar_class()(
                total=self.total,
                desc=desc,
                unit=unit,
                position=position,
                file=sys.stderr,
                dynamic_ncols=True,
                leave=True,
            )

    @property
    def drawn(self) -> bool:
        """Whether a bar is drawn."""
        return self._bar is not None

    def update(self, k: int) -> None:
        """Count ``k`` more finished units (thread-safe)."""
        k = int(k)
        if k <= 0:
            return
        with self._lock:
            self.done += k
            if self._call is not None:
                self._call(k)
            if self._bar is not None:
                self._bar.update(k)

    def write(self, line: str) -> None:
        """Print a line on stdout without breaking the bar."""
        if self._bar is not None:
            self._bar.write(line, file=sys.stdout)
        else:
            print(line, flush=True)

    def close(self) -> None:
        """Close the bar (it stays on screen)."""
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> Counter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class QueueSink:
    """A picklable ``progress`` callable of a worker: puts ``(tag, k)`` on a queue.

    Parameters
    ----------
    queue : queue-like
        A ``multiprocessing.Manager().Queue()`` proxy (picklable to loky workers), or any
        object with ``put``.
    tag : object
        What the receiving side uses to tell the tasks apart (a wave's number).

    Examples
    --------
    >>> import queue
    >>> q = queue.Queue()
    >>> QueueSink(q, 3)(25)
    >>> q.get_nowait()
    (3, 25)
    """

    def __init__(self, queue: Any, tag: Any) -> None:
        self.queue, self.tag = queue, tag

    def __call__(self, k: int) -> None:
        self.queue.put((self.tag, int(k)))


class QueueDrain:
    """Read ``(tag, k)`` items off a queue in a thread and pass them to ``handle(tag, k)``.

    Use as a context manager: on exit the items already queued are handled, then the
    thread stops.

    Examples
    --------
    >>> import queue
    >>> q, got = queue.Queue(), []
    >>> with QueueDrain(q, lambda tag, k: got.append((tag, k))):
    ...     QueueSink(q, "a")(5)
    >>> got
    [('a', 5)]
    """

    _STOP = ("__stop__", 0)

    def __init__(self, queue: Any, handle: Callable[[Any, int], None]) -> None:
        self.queue, self.handle = queue, handle
        self._thread = threading.Thread(target=self._run, name="loyaltysem-progress", daemon=True)

    def _run(self) -> None:
        while True:
            try:
                item = self.queue.get()
            except (EOFError, OSError):  # the manager went away
                return
            if tuple(item) == self._STOP:
                return
            tag, k = item
            self.handle(tag, int(k))

    def __enter__(self) -> QueueDrain:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.queue.put(self._STOP)
        except (EOFError, OSError):
            return
        self._thread.join(timeout=30)
