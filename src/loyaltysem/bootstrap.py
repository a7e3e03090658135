"""The bootstrap engine: seeded, parallel, every failed draw counted.

:func:`bootstrap_statistic` resamples respondents and recomputes any statistic of the
data (HTMT, reliability coefficients, indirect effects...). It is the one engine the
library uses: the seed is recorded, draws run in parallel over ``n_jobs`` processes
(joblib), a progress bar shows on request, a draw whose statistic fails or is not
finite is counted and reported (never silently dropped), and explicit resample
``indices`` reproduce another program's bootstrap exactly (e.g. R's
``sample.int(n, replace = TRUE)`` indices minus one).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from loyaltysem.bootstrap import bootstrap_statistic
>>> x = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) ** 0.5})
>>> res = bootstrap_statistic(
...     x, lambda d: np.array([np.corrcoef(d[:, 0], d[:, 1])[0, 1]]), ["r"],
...     n_boot=200, random_state=1)
>>> res.n_ok, res.random_state
(200, 1)
>>> table = res.table(ci="percentile")
>>> bool(table.loc["r", "ci_lower"] < table.loc["r", "estimate"] <= 1)
True
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from loyaltysem._display import DisplayMixin
from loyaltysem._kernels.resampling import (
    bca_interval,
    bias_corrected_interval,
    percentile_interval,
    resample_indices,
)
from loyaltysem.errors import SurveyDataError

__all__ = ["BootstrapResult", "bootstrap_statistic"]

CI_KINDS = ("percentile", "bc", "bca")
_PANDAS_COW = int(pd.__version__.split(".")[0]) >= 3


@dataclass(frozen=True, eq=False)
class BootstrapResult(DisplayMixin):
    """Bootstrap draws of a statistic, with what failed.

    Attributes
    ----------
    estimate : Series
        The statistic on the original sample.
    draws : DataFrame
        One row per successful draw (index: draw number), one column per statistic.
    failed : DataFrame
        ``draw, reason`` for every draw that failed or gave a non-finite value.
    n_boot : int
        Draws requested.
    random_state : int or None
        The seed (``None`` when explicit indices were given or no seed was set).
    jackknife : DataFrame or None
        Leave-one-out estimates (for BCa intervals).
    """

    _estimate: pd.Series
    _draws: pd.DataFrame
    _failed: pd.DataFrame
    n_boot: int
    random_state: int | None
    _jackknife: pd.DataFrame | None = None
    _title: ClassVar[str] = "Bootstrap"

    @property
    def estimate(self) -> pd.Series:
        """The statistic on the original sample."""
        return self._estimate.copy(deep=not _PANDAS_COW)

    @property
    def draws(self) -> pd.DataFrame:
        """Successful draws (rows) by statistic (columns)."""
        return self._draws.copy(deep=not _PANDAS_COW)

    @property
    def failed(self) -> pd.DataFrame:
        """Failed draws and why."""
        return self._failed.copy(deep=not _PANDAS_COW)

    @property
    def n_ok(self) -> int:
        """Number of successful draws."""
        return len(self._draws)

    def table(self, level: float = 0.95, ci: str = "percentile") -> pd.DataFrame:
        """Estimate, bootstrap mean, SE (SD of the draws, n - 1), bias and interval.

        Parameters
        ----------
        level : float, default 0.95
        ci : {"percentile", "bc", "bca"}
            Percentile, bias-corrected, or bias-corrected and accelerated
            (Efron & Tibshirani 1993); ``"bca"`` needs the jackknife (computed when the
            bootstrap was run with ``jackknife=True``).
        """
        if ci not in CI_KINDS:
            raise SurveyDataError(
                "unknown kind of bootstrap interval",
                found=ci,
                expected=f"one of {list(CI_KINDS)}",
                fix="use ci='percentile', 'bc' or 'bca'",
            )
        if not 0 < level < 1:
            raise SurveyDataError(
                "the confidence level must lie between 0 and 1",
                found=level,
                expected="e.g. 0.95",
                fix="pass level=0.95",
            )
        draws = self._draws.to_numpy(dtype=float)
        est = self._estimate.to_numpy(dtype=float)
        if ci == "percentile":
            lower, upper = percentile_interval(draws, level)
        elif ci == "bc":
            lower, upper = bias_corrected_interval(draws, est, level)
        else:
            if self._jackknife is None:
                raise SurveyDataError(
                    "BCa intervals need the jackknife estimates",
                    expected="a bootstrap run with jackknife=True",
                    fix="rerun with jackknife=True, or use ci='percentile' or 'bc'",
                )
            lower, upper = bca_interval(draws, est, self._jackknife.to_numpy(), level)
        mean = np.nanmean(draws, axis=0) if len(draws) else np.full(len(est), np.nan)
        se = np.nanstd(draws, axis=0, ddof=1) if len(draws) > 1 else np.full(len(est), np.nan)
        return pd.DataFrame(
            {
                "estimate": est,
                "boot_mean": mean,
                "boot_se": se,
                "bias": mean - est,
                "ci_lower": lower,
                "ci_upper": upper,
            },
            index=self._estimate.index,
        )

    def _header(self) -> list[str]:
        lines = [
            f"draws: {self.n_boot} requested, {self.n_ok} used, {len(self._failed)} failed",
            f"random_state: {self.random_state}",
        ]
        if len(self._failed):
            reasons = self._failed["reason"].value_counts()
            lines += [f"WARNING: {count} draws failed: {why}" for why, count in reasons.items()]
        return lines

    def _sections(self):
        yield "Percentile intervals (95%)", self.table()


class _Progress:
    """A one-line progress bar on stderr (only when it is a terminal, or forced)."""

    def __init__(self, total: int, enabled: bool, label: str) -> None:
        self.total, self.enabled, self.label = total, enabled, label
        self.done = 0
        self.start = time.perf_counter()

    def update(self, k: int) -> None:
        if not self.enabled:
            return
        self.done += k
        frac = self.done / max(self.total, 1)
        bar = "#" * int(30 * frac)
        elapsed = time.perf_counter() - self.start
        sys.stderr.write(f"\r{self.label} [{bar:<30}] {self.done}/{self.total} ({elapsed:.1f} s)")
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _run_chunk(
    statistic: Callable[[np.ndarray], np.ndarray], x: np.ndarray, rows: np.ndarray, k: int
) -> tuple[np.ndarray, list[str]]:
    out = np.full((len(rows), k), np.nan)
    reasons: list[str] = []
    for i, idx in enumerate(rows):
        try:
            value = np.asarray(statistic(x[idx]), dtype=float).reshape(-1)
            if value.shape != (k,):
                raise ValueError(f"the statistic returned {value.shape[0]} values, not {k}")
            if not np.all(np.isfinite(value)):
                reasons.append("non-finite value")
                continue
            out[i] = value
            reasons.append("")
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
            reasons.append(f"{type(exc).__name__}: {exc}"[:120])
    return out, reasons


def bootstrap_statistic(
    data: pd.DataFrame | np.ndarray | Any,
    statistic: Callable[[np.ndarray], np.ndarray],
    names: Sequence[str],
    *,
    n_boot: int = 5000,
    random_state: int | None = None,
    indices: np.ndarray | None = None,
    n_jobs: int = 1,
    progress: bool | None = None,
    jackknife: bool = False,
) -> BootstrapResult:
    """Nonparametric bootstrap of a statistic of the respondents (rows).

    Parameters
    ----------
    data : DataFrame, ndarray or Survey
        Respondents in rows (a Survey's item scores are used).
    statistic : callable
        Maps an (n, p) float array to a 1-d array of ``len(names)`` values. It must be
        picklable for ``n_jobs > 1`` (a module-level function or a functools.partial).
    names : sequence of str
        Names of the statistic's values.
    n_boot : int, default 5000
    random_state : int, optional
        Seed of ``numpy.random.default_rng``; recorded in the result.
    indices : ndarray, optional
        Explicit (n_boot, n) 0-based row indices (another program's resamples).
    n_jobs : int, default 1
        Processes (``-1``: every core), via joblib.
    progress : bool, optional
        Show a progress bar on stderr (default: when stderr is a terminal).
    jackknife : bool, default False
        Also compute the n leave-one-out estimates (needed for BCa intervals).

    Returns
    -------
    BootstrapResult
    """
    if hasattr(data, "data") and hasattr(data, "data_hash"):
        data = data.data
    x = np.asarray(data, dtype=float)
    if x.ndim != 2 or len(x) < 2:
        raise SurveyDataError(
            "the bootstrap needs a table of respondents",
            found=getattr(x, "shape", None),
            expected="a 2-d table with at least two rows",
            fix="pass a DataFrame with one row per respondent",
        )
    n, k = len(x), len(names)
    if indices is not None:
        idx = np.asarray(indices)
        if idx.ndim != 2 or idx.shape[1] != n or idx.min() < 0 or idx.max() >= n:
            raise SurveyDataError(
                "explicit bootstrap indices do not fit the data",
                found=f"shape {idx.shape}, range {idx.min()}..{idx.max()}",
                expected=f"(n_boot, {n}) integers in 0..{n - 1} (R's indices minus one)",
                fix="subtract 1 from R's 1-based indices and check N",
            )
        n_boot = len(idx)
    else:
        if int(n_boot) != n_boot or n_boot < 2:
            raise SurveyDataError(
                "n_boot must be a whole number of at least 2",
                found=n_boot,
                expected="e.g. 5000",
                fix="pass n_boot=5000",
            )
        idx = resample_indices(n, int(n_boot), np.random.default_rng(random_state))
    estimate = np.asarray(statistic(x), dtype=float).reshape(-1)
    if estimate.shape != (k,):
        raise SurveyDataError(
            "the statistic returns a different number of values than names",
            found=f"{estimate.shape[0]} values, {k} names",
            expected="one name per value",
            fix="pass one name per value the statistic returns",
        )
    show = sys.stderr.isatty() if progress is None else bool(progress)
    bar = _Progress(int(n_boot), show, "bootstrap")
    chunks = np.array_split(np.arange(int(n_boot)), max(1, min(int(n_boot), 20 * max(n_jobs, 1))))
    results: list[tuple[np.ndarray, list[str]]] = []
    if n_jobs == 1:
        for c in chunks:
            results.append(_run_chunk(statistic, x, idx[c], k))
            bar.update(len(c))
    else:
        from joblib import Parallel, delayed

        runner = Parallel(n_jobs=n_jobs, return_as="generator")
        for c, res in zip(
            chunks,
            runner(delayed(_run_chunk)(statistic, x, idx[c], k) for c in chunks),
            strict=True,
        ):
            results.append(res)
            bar.update(len(c))
    values = np.vstack([r[0] for r in results])
    reasons = [why for r in results for why in r[1]]
    ok = np.array([why == "" for why in reasons])
    failed = pd.DataFrame(
        {
            "draw": np.flatnonzero(~ok),
            "reason": [why for why in reasons if why],
        }
    )
    jack = None
    if jackknife:
        keep = np.ones(n, dtype=bool)
        rows = []
        for i in range(n):
            keep[i] = False
            rows.append(np.asarray(statistic(x[keep]), dtype=float).reshape(-1))
            keep[i] = True
        jack = pd.DataFrame(np.vstack(rows), columns=list(names))
    return BootstrapResult(
        _estimate=pd.Series(estimate, index=list(names), name="estimate"),
        _draws=pd.DataFrame(values[ok], index=np.flatnonzero(ok), columns=list(names)),
        _failed=failed,
        n_boot=int(n_boot),
        random_state=None if indices is not None else random_state,
        _jackknife=jack,
    )
