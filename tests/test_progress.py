"""Progress of bootstrap draws and study waves (issue 15 item 5): loyaltysem._progress.

The bars are tqdm's; these tests check what the library decides (when a bar shows, which
tqdm class in Jupyter, what a callable receives, that reports from worker processes
arrive) and that progress never changes a result.
"""

from __future__ import annotations

import multiprocessing
import sys
import types

import numpy as np
import pandas as pd
import pytest
from joblib import Parallel, delayed

import loyaltysem as ls
from loyaltysem import _progress
from loyaltysem._progress import Counter, QueueDrain, QueueSink, bar_class, in_notebook, shows_bar
from loyaltysem.datasets import load_frame
from loyaltysem.sem.bootstrap import bootstrap_statistic
from loyaltysem.study.run import _Draws

MODEL = """
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ a*ind60
dem65 ~ c*ind60 + b*dem60
ind := a*b
"""


@pytest.fixture(scope="module")
def democracy():
    data = load_frame("political_democracy")
    return data, ls.fit(MODEL, data)


def _jupyter(monkeypatch, kernel: bool) -> None:
    """Pretend to run in IPython: a Jupyter kernel (IPKernelApp) or a terminal IPython."""
    fake = types.ModuleType("IPython")
    config = {"IPKernelApp": {"connection_file": "kernel-1.json"}} if kernel else {}
    shell = types.SimpleNamespace(config=config)
    fake.get_ipython = lambda: shell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)


# --------------------------------------------------------------------------- when, which bar
def test_a_jupyter_kernel_gets_the_notebook_widget_when_ipywidgets_is_there(monkeypatch):
    from tqdm.notebook import tqdm as notebook_tqdm
    from tqdm.std import tqdm as text_tqdm

    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert not in_notebook() and bar_class() is text_tqdm
    _jupyter(monkeypatch, kernel=False)  # IPython in a terminal: text
    assert not in_notebook() and bar_class() is text_tqdm
    _jupyter(monkeypatch, kernel=True)
    assert in_notebook()
    monkeypatch.setattr(_progress, "_has_widgets", lambda: True)
    assert bar_class() is notebook_tqdm
    monkeypatch.setattr(_progress, "_has_widgets", lambda: False)  # no widgets: text
    assert bar_class() is text_tqdm


def test_the_default_shows_a_bar_on_a_terminal_or_in_jupyter_only(monkeypatch):
    class Stream:
        def __init__(self, tty: bool) -> None:
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    monkeypatch.setattr(sys, "stderr", Stream(False))
    assert shows_bar(None) is False  # cron, a log file, CI
    assert shows_bar(True) is True and shows_bar(False) is False
    assert shows_bar(lambda k: None) is False  # a callable: counts, no bar
    monkeypatch.setattr(sys, "stderr", Stream(True))
    assert shows_bar(None) is True
    monkeypatch.setattr(sys, "stderr", Stream(False))
    _jupyter(monkeypatch, kernel=True)  # a kernel's stderr is no terminal
    assert shows_bar(None) is True


def test_a_forced_bar_draws_on_stderr_and_false_draws_nothing(capsys):
    with Counter(10, True, "bootstrap") as bar:
        bar.update(4)
        bar.update(6)
        bar.write("a line above the bar")
    out, err = capsys.readouterr()
    assert out == "a line above the bar\n"
    assert "bootstrap" in err and "10/10" in err and "draw" in err
    with Counter(10, False, "bootstrap") as quiet:
        quiet.update(10)
    assert quiet.done == 10 and capsys.readouterr() == ("", "")


# --------------------------------------------------------------------------- the bootstrap
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_the_bootstraps_progress_callable_gets_n_boot_in_total(democracy, n_jobs, capsys):
    data, res = democracy
    counts: list[int] = []
    with_counts = ls.bootstrap(
        res, 250, data=data, random_state=3, n_jobs=n_jobs, progress=counts.append
    )
    assert sum(counts) == 250 and all(k > 0 for k in counts)
    # counted in batches of at most 100 draws (one batch of 250 without progress)
    assert counts == ([84, 83, 83] if n_jobs == 1 else [63, 63, 62, 62])
    assert capsys.readouterr() == ("", "")  # a callable draws nothing
    plain = ls.bootstrap(res, 250, data=data, random_state=3, n_jobs=n_jobs, progress=False)
    # nothing changes: the same draws, whatever the batches
    pd.testing.assert_frame_equal(with_counts.draws.draws, plain.draws.draws)
    pd.testing.assert_frame_equal(with_counts.estimates, plain.estimates)


def test_the_draws_of_a_study_size_bootstrap_do_not_depend_on_progress():
    wave = ls.load_ecommerce(wave=1)
    cleaned = wave.clean(wave.screen())
    res = ls.fit(ls.DEFAULT_MODEL, cleaned, estimator="ML")
    counts: list[int] = []
    shown = ls.bootstrap(res, 1000, data=cleaned, random_state=5, progress=counts.append)
    plain = ls.bootstrap(res, 1000, data=cleaned, random_state=5, progress=False)
    assert counts == [100] * 10
    pd.testing.assert_frame_equal(shown.draws.draws, plain.draws.draws, check_exact=True)
    pd.testing.assert_frame_equal(shown.estimates, plain.estimates, check_exact=True)


def test_the_generic_bootstraps_callable_counts_every_chunk():
    x = np.random.default_rng(1).normal(size=(40, 2))
    counts: list[int] = []
    res = bootstrap_statistic(
        x, lambda d: d.mean(axis=0), ["a", "b"], n_boot=97, random_state=2, progress=counts.append
    )
    assert sum(counts) == 97 and len(counts) == 20  # 20 chunks with one job
    again = bootstrap_statistic(
        x, lambda d: d.mean(axis=0), ["a", "b"], n_boot=97, random_state=2, progress=False
    )
    pd.testing.assert_frame_equal(res.draws, again.draws)


# --------------------------------------------------------------------------- worker processes
def test_a_queue_sink_reports_from_loky_workers_to_the_drain_thread():
    got: list[tuple[int, int]] = []
    with multiprocessing.Manager() as manager:
        queue = manager.Queue()
        with QueueDrain(queue, lambda tag, k: got.append((tag, k))):
            Parallel(n_jobs=2)(delayed(QueueSink(queue, i))(10 * i + 1) for i in range(4))
    assert sorted(got) == [(0, 1), (1, 11), (2, 21), (3, 31)]


def test_the_study_draws_count_ends_at_the_total_whatever_the_order():
    seen: list[int] = []
    draws = _Draws(100, [seen.append])
    draws.add("w1", 60)
    draws.finish("w1")  # its last report still in the queue: counted at the finish
    draws.add("w1", 40)  # ... and ignored when it arrives
    draws.finish("w2")  # a failed wave (no draws): counted at the finish
    draws.add("w3", 70)
    draws.add("w3", 70)  # never more than a wave's draws
    draws.finish("w3")
    assert seen == [60, 40, 100, 70, 30] and sum(seen) == 300
