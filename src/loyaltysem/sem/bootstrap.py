"""The bootstrap engine: seeded, parallel, every failed draw counted.

:func:`bootstrap_statistic` resamples respondents and recomputes any statistic of the
data (HTMT, reliability coefficients, indirect effects...). It is the one engine the
library uses: the seed is recorded, draws run in parallel over ``n_jobs`` processes
(joblib), a progress bar (tqdm) shows in a terminal or in Jupyter, a draw whose
statistic fails or is not finite is counted and reported (never silently dropped), and
explicit resample ``indices`` reproduce another program's bootstrap exactly (e.g. R's
``sample.int(n, replace = TRUE)`` indices minus one).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from loyaltysem.sem.bootstrap import bootstrap_statistic
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

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from loyaltysem._display import DisplayMixin, format_p, repr_p
from loyaltysem._kernels.resampling import (
    bca_interval,
    bias_corrected_interval,
    percentile_interval,
    resample_indices,
)
from loyaltysem._progress import Counter, ProgressArg, shows_bar
from loyaltysem._threads import blas_single_threaded
from loyaltysem._workers import effective_workers, run_tasks
from loyaltysem.errors import ConvergenceError, SurveyDataError
from loyaltysem.sem.group_blocks import MultiGroupResult
from loyaltysem.status import Status, warns_status

__all__ = ["BootstrapResult", "SEMBootstrap", "bootstrap", "bootstrap_statistic"]

CI_KINDS = ("percentile", "bc", "bca")
_PANDAS_COW = int(pd.__version__.split(".")[0]) >= 3


@dataclass(frozen=True, eq=False, repr=False)
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

    def _repr_parts(self) -> list[str]:
        return [
            f"statistics={len(self._estimate)}",
            f"n_boot={self.n_boot}",
            f"ok={self.n_ok}",
            f"failed={len(self._failed)}",
            f"random_state={self.random_state}",
        ]

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

    @property
    def status(self) -> Status:
        """The bootstrap's status: the failed draws as a note (a statistic has no fit)."""
        return Status().with_reasons(_failed_notes(self._failed, self.n_boot))

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


def _failed_notes(failed: pd.DataFrame, n_boot: int) -> list[tuple[str, str]]:
    if not len(failed):
        return []
    return [("note", f"{len(failed)} of {n_boot} bootstrap draws failed and were left out")]


def _resample_rows(
    n: int, n_boot: int, random_state: int | None, indices: np.ndarray | None
) -> tuple[np.ndarray, int]:
    """The (n_boot, n) row indices of the draws: explicit ones checked, or drawn from the seed."""
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
    return idx, int(n_boot)


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
    progress: ProgressArg = None,
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
    progress : bool or callable, optional
        A progress bar of the draws (tqdm: a widget in Jupyter, text on stderr in a
        terminal). ``None`` (default): when stderr is a terminal or in Jupyter; ``True``:
        always; ``False``: never; a callable: called with the number of draws just
        finished each time a chunk of draws finishes (the numbers add up to ``n_boot``),
        nothing drawn. See ``loyaltysem._progress``.
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
    idx, n_boot = _resample_rows(n, n_boot, random_state, indices)
    estimate = np.asarray(statistic(x), dtype=float).reshape(-1)
    if estimate.shape != (k,):
        raise SurveyDataError(
            "the statistic returns a different number of values than names",
            found=f"{estimate.shape[0]} values, {k} names",
            expected="one name per value",
            fix="pass one name per value the statistic returns",
        )
    bounds = _split(int(n_boot), 20 * max(n_jobs, 1))
    results: list[tuple[np.ndarray, list[str]]] = []
    tasks = [(statistic, x, idx[a:b], k) for a, b in bounds]
    with Counter(int(n_boot), progress, "bootstrap") as bar:
        for (a, b), res in zip(bounds, run_tasks(_run_chunk, tasks, n_jobs), strict=True):
            results.append(res)
            bar.update(b - a)
    return _collect(
        results, statistic, x, estimate, names, int(n_boot),
        None if indices is not None else random_state, jackknife,
    )  # fmt: skip


def _collect(
    results: Sequence[tuple[np.ndarray, list[str]]],
    statistic: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    estimate: np.ndarray,
    names: Sequence[str],
    n_boot: int,
    random_state: int | None,
    jackknife: bool,
) -> BootstrapResult:
    """The :class:`BootstrapResult` of the chunks' values and reasons (and the jackknife)."""
    n = len(x)
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
        random_state=random_state,
        _jackknife=jack,
    )


# ------------------------------------------------------------------ SEM bootstrap
BOOT_KINDS = ("nonparametric", "bollen-stine")
#: Largest gradient entry accepted for a bootstrap refit that stalled (see _Refitter).
_REFIT_GRAD_TOL = 1e-6


class _Refitter:
    """Refit one model to resampled respondents (picklable, for joblib).

    Warm start at the original estimates, ML by the same Fisher scoring/BFGS as
    :func:`loyaltysem.fit`; returns the parameter rows, the ``:=`` parameters, their
    standardized (``std.all``) values, the chi-square and an admissibility flag.
    Fixed.x covariances are taken from each resample, as lavaan does. With a mean
    structure (``mean`` given) the sample means of each resample are fitted too; with
    ``fiml=True`` each resample (rows with missing answers included) gets its own
    missing-data patterns and EM saturated moments, and the full-information
    likelihood is maximised (lavaan ``bootstrapLavaan`` of a ``missing = "ml"`` fit).
    """

    def __init__(
        self,
        spec: Any,
        pt: Any,
        ov: list[str],
        s: np.ndarray,
        x0: np.ndarray,
        mean: np.ndarray | None = None,
        fiml: bool = False,
    ):
        from loyaltysem._kernels.ml import MLKernel
        from loyaltysem._kernels.partable import StandardizationPlan, compile_partable
        from loyaltysem.sem.specification import DefinedParameters

        self.pt, self.ov, self.x0 = pt, ov, np.asarray(x0, dtype=float)
        self.means, self.fiml = mean is not None, bool(fiml)
        self.cm = compile_partable(pt, ov, s, mean)
        kernel = MLKernel(self.cm.layout, s, mean)
        try:
            self.h0_inv = np.linalg.inv(2.0 * kernel.expected_information(kernel.state(self.x0)))
        except np.linalg.LinAlgError:
            self.h0_inv = np.eye(len(self.x0))
        self.has_fixed_x = bool(np.any(pt.exo == 1))
        self.std_plan = StandardizationPlan.build(self.cm, "std.all")
        self.definitions = spec.definitions
        self.n_rows = len(pt)
        self.variances = np.flatnonzero((pt.op == "~~") & (pt.lhs == pt.rhs) & (pt.free > 0))
        self.defined = (
            DefinedParameters(spec.definitions, pt, self._rows(self.x0))
            if spec.definitions
            else None
        )

    def _rows(self, x: np.ndarray) -> np.ndarray:
        from loyaltysem._kernels.partable import row_estimates

        return row_estimates(self.cm, x)

    @property
    def n_values(self) -> int:
        k = len(self.definitions)
        return 2 * (self.n_rows + k) + 2

    def _refit(self, data: np.ndarray) -> tuple[Any, Any, np.ndarray, Any, int]:
        """The compiled model, the kernel, the estimates, the state and N of a resample."""
        from loyaltysem._kernels import fiml as fiml_kernel
        from loyaltysem._kernels.ml import MLKernel, _bfgs, fisher_scoring
        from loyaltysem._kernels.partable import compile_partable
        from loyaltysem._kernels.refit import bfgs_refit

        cm = self.cm
        if self.fiml:
            pat = fiml_kernel.patterns(data)
            h1 = fiml_kernel.em_saturated(pat)
            kernel: Any = fiml_kernel.FIMLKernel(cm.layout, pat, h1)
            st = kernel.state(self.x0)
            x, st, _, converged = _bfgs(kernel, self.x0, st, max_iter=200, tol=1e-8)
            if not converged:
                x, st, _, converged = fiml_kernel.optimize(kernel, self.x0)
            return cm, kernel, x, st, pat.n if converged else -1
        n = len(data)
        mean = data.mean(axis=0)
        centered = data - mean
        s = centered.T @ centered / n
        if self.has_fixed_x:
            cm = compile_partable(self.pt, self.ov, s, mean if self.means else None)
        kernel = MLKernel(cm.layout, s, mean if self.means else None)
        if self.means:  # the steps of the batched refits (batch), draw by draw
            from loyaltysem._kernels.batched_groups import refit_one

            x, st, _, converged = refit_one(kernel, self.x0, self.h0_inv)
        else:
            x, st, _, converged = bfgs_refit(kernel, self.x0, self.h0_inv)
        if not converged:  # the robust path of fit() as a fallback
            x, st, _, converged = fisher_scoring(kernel, self.x0)
        return cm, kernel, x, st, n if converged else -1

    def __call__(self, data: np.ndarray) -> np.ndarray:
        from loyaltysem._kernels.partable import StandardizationPlan, row_estimates

        cm, kernel, x, st, n = self._refit(data)
        if n < 0:
            # ill-conditioned draws (often near-Heywood) can stall just above the strict
            # gradient tolerance of fit() at the optimum; accept them at 1e-6 (lavaan's
            # nlminb stops on the relative change of the objective, which is looser)
            grad = kernel.gradient(st)
            if not (np.all(np.isfinite(grad)) and np.max(np.abs(grad)) < _REFIT_GRAD_TOL):
                raise ArithmeticError("the refit did not converge")
            n = kernel.pat.n if self.fiml else len(data)
        plan = self.std_plan if cm is self.cm else StandardizationPlan.build(cm, "std.all")
        est = row_estimates(cm, x)
        std = plan.evaluate(x[None, :])[0]
        parts = [est]
        std_parts = [std]
        if self.defined is not None:
            parts.append(self.defined.from_x(x[None, :])[0])
            std_parts.append(self.defined.from_rows(std[None, :])[0])
        chisq = n * kernel.objective(st)
        admissible = float(np.all(est[self.variances] >= 0))
        return np.concatenate([*parts, *std_parts, [chisq, admissible]])

    @property
    def batchable(self) -> bool:
        """Whether the draws can be refitted together (:meth:`batch`).

        The single-group complete-data ML case, with or without a mean structure and
        fixed.x covariates (whose fixed values each draw gets from its own moments).
        """
        return not self.fiml

    def batch(self, data: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """The values of :meth:`__call__` for the resamples ``data[rows[b]]``, all at once.

        The draws' covariance matrices are stacked and refitted together by
        :func:`loyaltysem._kernels.batched.fit_batched` (each draw taking the steps of
        its own one-by-one refit); a draw it does not bring to convergence is refitted
        by :meth:`__call__`, so nothing changes for it. Returns the values (one row per
        draw, NaN for a failed one) and the reasons of failure (``""`` when it worked),
        as the one-by-one chunks of :func:`bootstrap_statistic` do.
        """
        from loyaltysem._kernels.batched import fit_batched, objective_batched
        from loyaltysem._kernels.batched_groups import (
            fit_batched_groups,
            objective_batched_groups,
        )

        rows = np.asarray(rows)
        n_draws, n = rows.shape
        k = self.n_values
        if not self.batchable or n_draws == 0:
            return _run_chunk(self, data, rows, k)
        # each draw's covariance matrix (divisor n) computed as __call__ computes it, so
        # that a draw's refit starts from the same numbers (a loop of BLAS products)
        covs = np.empty((n_draws, data.shape[1], data.shape[1]))
        means = np.empty((n_draws, data.shape[1]))
        for i, r in enumerate(rows):
            sample = data[r]
            means[i] = sample.mean(axis=0)
            centred = sample - means[i]
            covs[i] = centred.T @ centred / n
        layout = self.cm.layout
        index = [np.arange(len(self.x0))]
        mean_list = [means] if self.means else None
        # fixed.x covariates: each draw's moments in the fixed entries
        fixed = [_fixed_x_values(self.cm, covs, means)] if self.has_fixed_x else None
        if self.means or fixed is not None:  # the case G = 1 of the multi-group batch
            x, converged, _ = fit_batched_groups(
                [layout], index, [covs], mean_list, [1.0], self.x0, self.h0_inv, fixed=fixed
            )
        else:
            x, converged, _ = fit_batched(layout, covs, self.x0, self.h0_inv)
        out = np.full((n_draws, k), np.nan)
        reasons = [""] * n_draws
        done = np.flatnonzero(converged)
        if len(done):
            xs = x[done]
            fixed_done = None if fixed is None else _take_fixed(fixed[0], done)
            est, scale = self.std_plan.scales_and_values(xs, fixed_done)
            std = est * scale
            parts, std_parts = [est], [std]
            if self.defined is not None:
                parts.append(self.defined.from_x(xs))
                std_parts.append(self.defined.from_rows(std))
            if self.means or fixed_done is not None:
                f = objective_batched_groups(
                    [layout], index, [covs[done]], None if mean_list is None else [means[done]],
                    [1.0], xs, None if fixed_done is None else [fixed_done],
                )  # fmt: skip
            else:
                f = objective_batched(layout, covs[done], xs)
            chisq = n * f
            admissible = np.all(est[:, self.variances] >= 0, axis=1).astype(float)
            values = np.column_stack([*parts, *std_parts, chisq, admissible])
            finite = np.all(np.isfinite(values), axis=1)
            out[done[finite]] = values[finite]
            for i in done[~finite]:
                reasons[i] = "non-finite value"
        rest = np.flatnonzero(~converged)
        if len(rest):  # one by one, exactly as without batching
            values, why = _run_chunk(self, data, rows[rest], k)
            out[rest] = values
            for i, reason in zip(rest, why, strict=True):
                reasons[i] = reason
        return out, reasons


#: Refit the draws of the supported case together (:meth:`_Refitter.batch`); False
#: refits every draw one by one (the benchmark's "before").
_BATCH_REFITS = True
#: Draws refitted together in one batch at most.
_BATCH_SIZE = 1000
#: With progress shown or counted, batches of at most max(this, n_boot / 10) draws, so
#: that the count moves about ten times. Each draw's refit is its own within a batch: the
#: draws are the same whatever the batch size (tests/test_progress.py).
_PROGRESS_BATCH = 100
#: Entries of one (draws x q x q) array of a batch at most (5e6 doubles: 40 MB): a model
#: with many free parameters gets smaller batches (each draw holds a q x q inverse Hessian).
_BATCH_ENTRIES = 5_000_000


#: With several workers, at least this many batches per worker (handed out as the
#: processes become free, so that one slowed by another job does not hold the others up),
#: each of at least _PARALLEL_BATCH draws: batches of 500 to 1,000 draws cost the same per
#: draw on one core, 250 about 7 % more, 125 about 23 % more (docs/bootstrap.md, Two cores).
_BATCHES_PER_WORKER = 2
_PARALLEL_BATCH = 500
#: With several workers, batches whose (draws x q x q) arrays hold this many entries at most
#: (750,000 doubles: 6 MB), but not under _PARALLEL_MIN_BATCH draws: two processes share one
#: cache, and a batch of 1,000 draws of HS by school (q = 53, 22 MB per array) took 21 % more
#: CPU beside another than alone, one of 250 draws 8 % more.
_PARALLEL_ENTRIES = 750_000
_PARALLEL_MIN_BATCH = 250


def _chunk_bounds(n_boot: int, size: int, workers: int, q: int = 1) -> list[tuple[int, int]]:
    """The ``(start, stop)`` draws of each batch: ``size`` draws at most, split evenly.

    With several workers: a whole number of batches per worker, at least
    :data:`_BATCHES_PER_WORKER` each while batches keep :data:`_PARALLEL_BATCH` draws, and
    batches of :data:`_PARALLEL_ENTRIES` ``q x q`` entries at most while they keep
    :data:`_PARALLEL_MIN_BATCH` draws (``q`` free parameters).

    Examples
    --------
    >>> _chunk_bounds(2000, 1000, 1)
    [(0, 1000), (1000, 2000)]
    >>> _chunk_bounds(2000, 1000, 2, q=31)   # Political Democracy
    [(0, 500), (500, 1000), (1000, 1500), (1500, 2000)]
    >>> len(_chunk_bounds(2000, 1000, 2, q=53))   # HS by school: 8 batches of 250
    8
    >>> _chunk_bounds(600, 1000, 2)
    [(0, 300), (300, 600)]
    >>> _chunk_bounds(250, 100, 1)
    [(0, 84), (84, 167), (167, 250)]
    """
    n_chunks = -(-n_boot // max(1, size))
    if workers > 1:
        wanted = min(_BATCHES_PER_WORKER * workers, n_boot // _PARALLEL_BATCH)
        small = max(_PARALLEL_MIN_BATCH, _PARALLEL_ENTRIES // max(q * q, 1))
        n_chunks = max(n_chunks, wanted, n_boot // small)
        n_chunks = workers * -(-n_chunks // workers)
    return _split(n_boot, n_chunks)


def _split(n: int, k: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of the parts of ``numpy.array_split(range(n), k)`` (k in 1..n)."""
    k = max(1, min(n, k))
    sizes = [n // k + (i < n % k) for i in range(k)]  # the first n % k one more
    return list(pairwise(np.concatenate([[0], np.cumsum(sizes)]).tolist()))


def _batched_statistic(
    x: np.ndarray,
    refit: _Refitter | _GroupRefitter,
    names: Sequence[str],
    *,
    n_boot: int,
    random_state: int | None,
    indices: np.ndarray | None,
    n_jobs: int,
    progress: ProgressArg,
    jackknife: bool,
) -> BootstrapResult:
    """:func:`bootstrap_statistic` of a :class:`_Refitter` whose draws are refitted in batches.

    The same draws (indices from the same seed), the same values and the same result;
    only the refits of a chunk of draws run together.
    """
    n = len(x)
    idx, n_boot = _resample_rows(n, n_boot, random_state, indices)
    estimate = np.asarray(refit(x), dtype=float).reshape(-1)
    q = len(refit.x0)
    size = max(1, min(_BATCH_SIZE, _BATCH_ENTRIES // max(q * q, 1)))
    if shows_bar(progress) or callable(progress):
        size = min(size, max(_PROGRESS_BATCH, -(-n_boot // 10)))
    bounds = _chunk_bounds(n_boot, size, effective_workers(n_jobs), q)
    results: list[tuple[np.ndarray, list[str]]] = []
    # the resamples of a chunk are a view of the indices (forked workers share them)
    tasks = [(x, idx[a:b]) for a, b in bounds]
    with Counter(n_boot, progress, "bootstrap") as bar:
        for (a, b), res in zip(bounds, run_tasks(refit.batch, tasks, n_jobs), strict=True):
            results.append(res)
            bar.update(b - a)
    return _collect(
        results, refit, x, estimate, names, n_boot,
        None if indices is not None else random_state, jackknife,
    )  # fmt: skip


@dataclass(frozen=True, eq=False, repr=False)
class SEMBootstrap(DisplayMixin):
    """Bootstrap of a fitted model: SEs and intervals of every estimate.

    Attributes
    ----------
    estimates : DataFrame
        One row per parameter and ``:=`` parameter (the rows of
        ``result.estimates``): ``lhs, op, rhs, label, est, boot_se, ci_lower,
        ci_upper, std_all, std_boot_se, std_ci_lower, std_ci_upper``.
    draws : BootstrapResult
        Every successful draw of every quantity (columns ``est:<row>``,
        ``std:<row>``, ``chisq``), with the failed draws and why.
    n_boot, n_ok, n_failed, n_inadmissible : int
        Draws requested, used, failed (not converged: left out, listed in
        ``draws.failed``), and used but with a negative variance estimate (kept, as
        lavaan keeps them, and counted).
    kind, ci : str
        ``"nonparametric"`` or ``"bollen-stine"``; interval type.
    random_state : int or None
    chisq_pvalue : float
        Bollen–Stine bootstrap p-value of the chi-square (share of draws with a
        chi-square at least the observed one); NaN for the ordinary bootstrap.
    status : Status
        The status of the fit bootstrapped (an inadmissible or not identified fit says
        so here), with notes of the failed and the inadmissible draws.
    """

    estimates: pd.DataFrame
    draws: BootstrapResult
    n_boot: int
    n_ok: int
    n_failed: int
    n_inadmissible: int
    kind: str
    ci: str
    random_state: int | None
    chisq_pvalue: float
    status: Status = field(default_factory=Status)

    _title: ClassVar[str] = "Bootstrap of a structural equation model"

    def _repr_parts(self) -> list[str]:
        return [
            f"kind={self.kind}",
            f"ci={self.ci}",
            f"n_boot={self.n_boot}",
            f"ok={self.n_ok}",
            f"failed={self.n_failed}",
            f"inadmissible={self.n_inadmissible}",
            f"random_state={self.random_state}",
            repr_p("bollen_stine_p", self.chisq_pvalue)
            if self.chisq_pvalue == self.chisq_pvalue
            else "",
        ]

    _na_rep: ClassVar[str] = ""

    def _header(self) -> list[str]:
        lines = [
            f"status of the fit bootstrapped: {self.status.label}",
            *(f"  - {r}" for r in self.status.problems()),
            f"{self.kind} bootstrap, {self.ci} intervals; draws: {self.n_boot} requested, "
            f"{self.n_ok} used, {self.n_failed} failed (not converged, left out)",
            f"random_state: {self.random_state}",
        ]
        if self.n_inadmissible:
            lines.append(
                f"WARNING: {self.n_inadmissible} draws have a negative variance estimate "
                "(nonadmissible; kept, as lavaan keeps them)"
            )
        if np.isfinite(self.chisq_pvalue):
            lines.append(f"Bollen-Stine p-value of the chi-square: {format_p(self.chisq_pvalue)}")
        return lines

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "Estimates", self.estimates


def _bollen_stine(x: np.ndarray, sigma: np.ndarray, mu: np.ndarray | None = None) -> np.ndarray:
    """Transform the data so that its covariance (and means) are the model-implied ones.

    As lavaan's ``bootstrapLavaan(type = "bollen.stine")``: centred data times
    ``S^-1/2 Sigma^1/2``, plus the implied means ``mu`` with a mean structure (else the
    sample means).
    """
    from scipy import linalg

    n = len(x)
    centered = x - x.mean(axis=0)
    s = centered.T @ centered / n
    s_inv_sqrt = np.linalg.inv(linalg.sqrtm(s).real)
    sigma_sqrt = linalg.sqrtm(sigma).real
    return centered @ s_inv_sqrt @ sigma_sqrt + (x.mean(axis=0) if mu is None else mu)


@warns_status("bootstrap: the fit bootstrapped: ")
@blas_single_threaded
def bootstrap(
    result: Any,
    n_boot: int = 5000,
    *,
    data: Any = None,
    ci: str = "percentile",
    level: float = 0.95,
    kind: str = "nonparametric",
    random_state: int | None = None,
    n_jobs: int = 1,
    indices: np.ndarray | None = None,
    progress: ProgressArg = None,
) -> SEMBootstrap:
    """Bootstrap a fitted model: SEs and intervals of every raw and standardized estimate.

    Each draw resamples respondents with replacement and refits the model from the
    original estimates (warm start) with the engine of :func:`loyaltysem.fit`; the
    ``:=`` parameters (indirect effects) and the standardized solution are recomputed
    per draw. Draws that do not converge are left out and counted; draws with a
    negative variance are kept and counted (as lavaan's ``bootstrapLavaan``).

    Parameters
    ----------
    result : SEMResult or MultiGroupResult
        A model fitted by :func:`loyaltysem.fit` to raw data with ML estimates (ML,
        MLM or MLR; listwise or ``missing="ml"``, whose incomplete rows are resampled
        too). A multi-group fit is resampled within each group, as lavaan's
        ``bootstrapLavaan`` does, and its table has a ``group`` column (0 for ``:=``
        rows).
    n_boot : int, default 5000
    data : Survey or DataFrame
        The data the model was fitted to (checked against the result's data hash).
    ci : {"percentile", "bc", "bca"}
        Interval type (BCa runs the jackknife as well: n more refits).
    level : float, default 0.95
    kind : {"nonparametric", "bollen-stine"}
        Ordinary resampling, or Bollen & Stine's (1992) resampling of data
        transformed to fit the model exactly (for the chi-square p-value).
    random_state : int, optional
        Seed; recorded.
    n_jobs : int, default 1
        Processes (``-1``: every core).
    indices : ndarray or list of ndarray, optional
        Explicit (n_boot, N) 0-based resample indices (e.g. lavaan's ``boot.idx``
        minus one): reproduces that bootstrap exactly. For a multi-group fit, one
        (n_boot, n_g) array per group of row numbers within the group (lavaan's
        ``attr(boot, "boot.idx")`` minus one).
    progress : bool or callable, optional
        A progress bar of the draws: ``None`` (default) when stderr is a terminal or in
        Jupyter, ``True`` always, ``False`` never; a callable is called with the number
        of draws just finished (adding up to ``n_boot``) instead (as
        :func:`bootstrap_statistic`).

    Returns
    -------
    SEMBootstrap

    Raises
    ------
    ConvergenceError
        The fit did not converge (``result.status.converged`` is False).
    SurveyDataError
        No data, data other than the model was fitted to, bad indices or options.
    ModelSpecError
        A result fitted to summary statistics (nothing to resample) or by an
        estimator other than ML.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> from loyaltysem.datasets import load_frame
    >>> pd_data = load_frame("political_democracy")
    >>> model = '''
    ... ind60 =~ x1 + x2 + x3
    ... dem60 =~ y1 + y2 + y3 + y4
    ... dem65 =~ y5 + y6 + y7 + y8
    ... dem60 ~ a*ind60
    ... dem65 ~ c*ind60 + b*dem60
    ... ind := a*b
    ... '''
    >>> res = ls.fit(model, pd_data)
    >>> boot = ls.bootstrap(res, 200, data=pd_data, random_state=1)
    >>> boot.n_ok + boot.n_failed
    200

    In R: ``bootstrapLavaan(fit, R = 200, FUN = "coef")``.
    """
    from loyaltysem.errors import ModelSpecError
    from loyaltysem.sem.moments import moments_from_data
    from loyaltysem.sem.specification import specify

    if kind not in BOOT_KINDS:
        raise SurveyDataError(
            "unknown kind of bootstrap",
            found=kind,
            expected=f"one of {list(BOOT_KINDS)}",
            fix="kind='nonparametric' (or 'bollen-stine' for the chi-square p-value)",
        )
    _require_converged(result)
    if isinstance(result, MultiGroupResult):
        return _with_status(
            _bootstrap_groups(
                result, n_boot, data=data, ci=ci, level=level, kind=kind,
                random_state=random_state, n_jobs=n_jobs, indices=indices, progress=progress,
            ),
            result,
        )  # fmt: skip
    prov = result.provenance
    opts = dict(prov.options)
    if opts.get("source") == "summary statistics":
        raise ModelSpecError(
            "a model fitted to summary statistics cannot be bootstrapped",
            found="sample_cov / sample_cor",
            expected="a model fitted to raw data",
            fix="fit the model to the respondents' data, then bootstrap",
        )
    missing = opts.get("missing", "listwise")
    if str(prov.estimator).upper() not in ("ML", "MLM", "MLR") or missing not in ("listwise", "ml"):
        raise ModelSpecError(
            "the bootstrap is available for ML estimates (ML, MLM, MLR) with listwise "
            "deletion or full-information ML",
            found=f"estimator={prov.estimator}, missing={missing}",
            expected="estimator='ML'/'MLM'/'MLR', missing='listwise' or 'ml'",
            fix="bootstrap an ML fit (the robust SEs of an ordinal fit need no bootstrap)",
        )
    fiml = missing == "ml"
    if fiml and kind == "bollen-stine":
        raise ModelSpecError(
            "the Bollen-Stine bootstrap of a full-information ML fit is not available",
            found="kind='bollen-stine', missing='ml'",
            expected="kind='nonparametric' with missing data (lavaan refuses it too)",
            fix="use kind='nonparametric'",
        )
    if data is None:
        raise SurveyDataError(
            "the bootstrap needs the data the model was fitted to",
            expected="data=<the Survey or DataFrame passed to fit()>",
            fix="bootstrap(result, n_boot, data=survey)",
        )
    means = bool(opts.get("meanstructure")) or fiml
    spec = specify(
        result.model,
        std_lv=bool(opts.get("std_lv", False)),
        orthogonal=bool(opts.get("orthogonal", False)),
        fixed_x=bool(opts.get("fixed_x", True)),
        meanstructure=means,
    )
    if fiml and spec.ov_x:
        raise ModelSpecError(
            "the bootstrap of a full-information ML fit with fixed.x covariates is not "
            "available yet",
            found=list(spec.ov_x),
            expected="a model without observed exogenous covariates",
            fix="refit with fixed_x=False, or bootstrap a listwise fit",
        )
    ov = list(result.sample_cov.index)
    moments, _ = moments_from_data(data, ov, missing=missing)
    if moments.data_hash != prov.data_hash or moments.n != prov.n:
        raise SurveyDataError(
            "these are not the data the model was fitted to",
            found=f"N = {moments.n}, data hash {str(moments.data_hash)[:12]}...",
            expected=f"N = {prov.n}, data hash {str(prov.data_hash)[:12]}...",
            fix="pass the same Survey or DataFrame that was given to fit()",
        )
    frame = data.to_frame() if hasattr(data, "to_frame") else data
    x = frame[ov].to_numpy(dtype=float)
    # the rows the fit used: complete ones, or (FIML) every row with an answer
    x = x[np.isfinite(x).any(axis=1)] if fiml else x[np.isfinite(x).all(axis=1)]
    if kind == "bollen-stine":
        mu = result.implied_mean.to_numpy() if means and result.implied_mean is not None else None
        x = _bollen_stine(x, result.implied_cov.to_numpy(), mu)
    pt = spec.partable()
    refit = _Refitter(
        spec, pt, ov, moments.s, result._x, moments.mean if means else None, fiml=fiml
    )
    est_tab = result.estimates
    labels = [f"{a} {o} {b}" for a, o, b in zip(est_tab["lhs"], est_tab["op"], est_tab["rhs"],
                                                 strict=True)]  # fmt: skip
    names = [f"est:{i}" for i in labels] + [f"std:{i}" for i in labels] + ["chisq", "admissible"]
    run = _batched_statistic if _BATCH_REFITS and refit.batchable else bootstrap_statistic
    boot = run(
        x,
        refit,
        names,
        n_boot=n_boot,
        random_state=random_state,
        indices=indices,
        n_jobs=n_jobs,
        progress=progress,
        jackknife=(ci == "bca"),
    )
    chisq = float(result.fit_measures["chisq"]) if kind == "bollen-stine" else None
    return _with_status(
        _sem_bootstrap_table(est_tab, boot, level, ci, kind, chisq_observed=chisq), result
    )


def _require_converged(result: Any) -> None:
    """A typed error for a fit that did not converge: its estimates are no starting point."""
    status = getattr(result, "status", None)
    if isinstance(status, Status) and not status.converged:
        iterations = getattr(result, "iterations", "?")
        raise ConvergenceError(
            "the model to bootstrap did not converge: its estimates are neither a result to "
            "bootstrap nor a starting point for the refits"
            f"\n  found: {status.label} (after {iterations} iterations)"
            "\n  expected: a converged fit (result.status.converged is True)"
            "\n  fix: make the fit converge first (simplify the model, check the data for "
            "outliers or nearly collinear items, or give start values), then bootstrap it"
        )


def _with_status(boot: SEMBootstrap, result: Any) -> SEMBootstrap:
    """The bootstrap with the status of the fit and notes of failed/inadmissible draws."""
    notes = _failed_notes(boot.draws.failed, boot.n_boot)
    if boot.n_inadmissible:
        notes.append(
            (
                "note",
                f"{boot.n_inadmissible} of {boot.n_ok} bootstrap draws used have a negative "
                "variance estimate (inadmissible; kept, as lavaan keeps them)",
            )
        )
    status = getattr(result, "status", None)
    base = status if isinstance(status, Status) else Status()
    return replace(boot, status=base.with_reasons(notes))


def _sem_bootstrap_table(
    est_tab: pd.DataFrame,
    boot: BootstrapResult,
    level: float,
    ci: str,
    kind: str,
    *,
    extra: Sequence[str] = (),
    chisq_observed: float | None = None,
) -> SEMBootstrap:
    """The :class:`SEMBootstrap` of the draws of every row (``est:``, ``std:``) of a fit."""
    table = boot.table(level=level, ci=ci)
    draws = boot.draws
    n_inadmissible = int((draws["admissible"] < 0.5).sum()) if len(draws) else 0
    k = len(est_tab)
    est_part = table.iloc[:k]
    std_part = table.iloc[k : 2 * k]
    out = est_tab[["lhs", "op", "rhs", *extra, "label"]].copy()
    out["est"] = est_tab["est"].to_numpy()
    out["boot_se"] = est_part["boot_se"].to_numpy()
    out["ci_lower"] = est_part["ci_lower"].to_numpy()
    out["ci_upper"] = est_part["ci_upper"].to_numpy()
    out["std_all"] = est_tab["std_all"].to_numpy()
    out["std_boot_se"] = std_part["boot_se"].to_numpy()
    out["std_ci_lower"] = std_part["ci_lower"].to_numpy()
    out["std_ci_upper"] = std_part["ci_upper"].to_numpy()
    fixed = (est_tab["free"].to_numpy() == 0) & (est_tab["op"].to_numpy() != ":=")
    out.loc[fixed, ["boot_se", "ci_lower", "ci_upper"]] = np.nan
    chisq_p = np.nan
    if chisq_observed is not None and len(draws):
        chisq_p = float(np.mean(draws["chisq"].to_numpy() >= chisq_observed))
    return SEMBootstrap(
        estimates=out,
        draws=boot,
        n_boot=boot.n_boot,
        n_ok=boot.n_ok,
        n_failed=len(boot.failed),
        n_inadmissible=n_inadmissible,
        kind=kind,
        ci=ci,
        random_state=boot.random_state,
        chisq_pvalue=chisq_p,
    )


# ------------------------------------------------------------ multi-group bootstrap
class _GroupRefitter:
    """Refit a multi-group model to respondents resampled within their groups.

    The rows it gets carry the group number (0-based) in their last column; each
    draw's groups get their own moments (divisor ``n_g``), and the joint ML
    discrepancy is minimised by BFGS from the original estimates (Fisher scoring as a
    fallback), as :func:`loyaltysem.sem.multigroup.fit_groups` does. Returns every row of every
    group, the ``:=`` parameters, their standardized values, the chi-square and an
    admissibility flag. Fixed.x covariate moments are taken from each resample. With
    ``fiml=True`` the rows may be incomplete: each group of a resample gets its own
    missing-data patterns and EM moments and the joint FIML likelihood is maximised.
    """

    def __init__(
        self,
        spec: Any,
        table: pd.DataFrame,
        ov: list[str],
        gd: Any,
        x0: np.ndarray,
        fiml: bool = False,
    ):
        from loyaltysem._kernels.partable import StandardizationPlan
        from loyaltysem.sem.engine import BlockTable, compile_blocks
        from loyaltysem.sem.specification import DefinedParameters

        self.table, self.ov, self.x0 = table, ov, np.asarray(x0, dtype=float)
        self.fiml = bool(fiml)
        self.q = int(table["free"].max())
        self.n_groups = len(gd.covs)
        self.blocks = BlockTable.from_frame(table, self.q, ())  # read once, not per draw
        self.compiled, self.index, _ = compile_blocks(self.blocks, ov, gd.covs, gd.means)
        self.plans = [StandardizationPlan.build(cm, "std.all") for cm in self.compiled]
        self.has_fixed_x = bool(np.any(table["exo"].to_numpy() == 1))
        self.nobs = [int(n) for n in gd.nobs]
        self.h0_inv = _group_h0_inv(
            [cm.layout for cm in self.compiled], self.index, gd.covs, gd.means, self.nobs,
            self.q, self.x0,
        )  # fmt: skip
        free = table["free"].to_numpy(dtype=int)
        is_var = (table["op"] == "~~").to_numpy() & (table["lhs"] == table["rhs"]).to_numpy()
        self.variances = np.flatnonzero(is_var & (free > 0))
        self.defined = None
        self.n_defined = len(spec.definitions)
        if spec.definitions:
            from types import SimpleNamespace

            pt = SimpleNamespace(free=free, label=table["label"].to_numpy(dtype=object))
            self.defined = DefinedParameters(spec.definitions, pt, self._rows(self.compiled, x0))  # type: ignore[arg-type]

    def _rows(self, compiled: Sequence[Any], x: np.ndarray) -> np.ndarray:
        from loyaltysem._kernels.partable import row_estimates

        return np.concatenate(
            [row_estimates(cm, x[idx]) for cm, idx in zip(compiled, self.index, strict=True)]
        )

    def __call__(self, data: np.ndarray) -> np.ndarray:
        from loyaltysem._kernels.ml import _bfgs, fisher_scoring
        from loyaltysem._kernels.multigroup import MultiGroupKernel
        from loyaltysem._kernels.partable import StandardizationPlan
        from loyaltysem.sem.engine import compile_blocks

        codes = data[:, -1].astype(int)
        y = data[:, :-1]
        compiled, plans = self.compiled, self.plans
        if self.fiml:  # each group's patterns and EM moments of this resample
            from loyaltysem._kernels import fiml as fiml_kernel

            kernels = []
            for g, cm in enumerate(compiled):
                pat = fiml_kernel.patterns(y[codes == g])
                kernels.append(
                    fiml_kernel.FIMLKernel(cm.layout, pat, fiml_kernel.em_saturated(pat))
                )
            nobs = [k.n for k in kernels]
            kernel = MultiGroupKernel.from_kernels(kernels, self.index, nobs, self.q)
        else:
            covs, means, nobs = [], [], []
            for g in range(self.n_groups):
                block = y[codes == g]
                if len(block) <= y.shape[1]:
                    raise ArithmeticError(f"group {g + 1} has too few rows in this draw")
                mean = block.mean(axis=0)
                centered = block - mean
                covs.append(centered.T @ centered / len(block))
                means.append(mean)
                nobs.append(len(block))
            if self.has_fixed_x:
                compiled = compile_blocks(self.blocks, self.ov, covs, means)[0]
                plans = [StandardizationPlan.build(cm, "std.all") for cm in compiled]
            layouts = [cm.layout for cm in compiled]
            kernel = MultiGroupKernel(layouts, self.index, covs, means, nobs, self.q)
        if self.fiml:
            st = kernel.state(self.x0)
            x, st, _, converged = _bfgs(kernel, self.x0, st, max_iter=200, tol=1e-8)  # type: ignore[arg-type]
        else:  # the steps of the batched refits (batch), draw by draw
            from loyaltysem._kernels.batched_groups import refit_one

            x, st, _, converged = refit_one(kernel, self.x0, self.h0_inv)
        if not converged:
            x, st, _, converged = fisher_scoring(kernel, self.x0)  # type: ignore[arg-type]
        if not converged:
            grad = kernel.gradient(st)
            if not (np.all(np.isfinite(grad)) and np.max(np.abs(grad)) < _REFIT_GRAD_TOL):
                raise ArithmeticError("the refit did not converge")
        est = self._rows(compiled, x)
        std = np.concatenate(
            [plan.evaluate(x[idx][None, :])[0] for plan, idx in zip(plans, self.index, strict=True)]
        )
        parts, std_parts = [est], [std]
        if self.defined is not None:
            parts.append(self.defined.from_x(x[None, :])[0])
            std_parts.append(self.defined.from_rows(std[None, :])[0])
        chisq = kernel.n * kernel.objective(st)
        admissible = float(np.all(est[self.variances] >= 0))
        return np.concatenate([*parts, *std_parts, [chisq, admissible]])

    @property
    def batchable(self) -> bool:
        """Whether the draws can be refitted together (:meth:`batch`).

        Complete data (listwise), with or without fixed.x covariates (whose fixed
        values each draw gets from its own moments).
        """
        return not self.fiml

    def batch(self, data: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """The values of :meth:`__call__` for the resamples ``data[rows[b]]``, all at once.

        Each group's covariance matrices and means of the draws are stacked and the
        joint model refitted by
        :func:`loyaltysem._kernels.batched_groups.fit_batched_groups` (each draw taking
        the steps of its own one-by-one refit); a draw it does not bring to convergence
        is refitted by :meth:`__call__`. Values and reasons as
        :meth:`_Refitter.batch`.
        """
        from loyaltysem._kernels.batched_groups import fit_batched_groups, objective_batched_groups

        rows = np.asarray(rows)
        n_draws = len(rows)
        k = self.n_values
        p = data.shape[1] - 1
        if not self.batchable or n_draws == 0 or min(self.nobs) <= p:
            return _run_chunk(self, data, rows, k)
        # each group's moments of each draw, computed as __call__ computes them (the
        # groups' rows of a draw are consecutive columns of its indices, in order)
        covs = [np.empty((n_draws, p, p)) for _ in self.nobs]
        means = [np.empty((n_draws, p)) for _ in self.nobs]
        y = data[:, :-1]
        for i, r in enumerate(rows):
            codes = data[r, -1].astype(int)
            sample = y[r]
            for g in range(self.n_groups):
                block = sample[codes == g]
                mean = block.mean(axis=0)
                centered = block - mean
                covs[g][i] = centered.T @ centered / len(block)
                means[g][i] = mean
        layouts = [cm.layout for cm in self.compiled]
        weights = np.asarray(self.nobs, dtype=float) / float(sum(self.nobs))
        fixed = None
        if self.has_fixed_x:  # each draw's covariate moments in the fixed entries
            fixed = [
                _fixed_x_values(cm, c, m) for cm, c, m in zip(self.compiled, covs, means,
                                                              strict=True)
            ]  # fmt: skip
        x, converged, _ = fit_batched_groups(
            layouts, self.index, covs, means, weights, self.x0, self.h0_inv, fixed=fixed
        )
        out = np.full((n_draws, k), np.nan)
        reasons = [""] * n_draws
        done = np.flatnonzero(converged)
        if len(done):
            xs = x[done]
            ests, stds = [], []
            fixed_done = None if fixed is None else [_take_fixed(fx, done) for fx in fixed]
            for g, (plan, idx) in enumerate(zip(self.plans, self.index, strict=True)):
                fx = None if fixed_done is None else fixed_done[g]
                est_g, scale = plan.scales_and_values(xs[:, idx], fx)
                ests.append(est_g)
                stds.append(est_g * scale)
            est, std = np.hstack(ests), np.hstack(stds)
            parts, std_parts = [est], [std]
            if self.defined is not None:
                parts.append(self.defined.from_x(xs))
                std_parts.append(self.defined.from_rows(std))
            f = objective_batched_groups(
                layouts, self.index, [c[done] for c in covs], [m[done] for m in means],
                weights, xs, fixed_done,
            )  # fmt: skip
            chisq = float(sum(self.nobs)) * f
            admissible = np.all(est[:, self.variances] >= 0, axis=1).astype(float)
            values = np.column_stack([*parts, *std_parts, chisq, admissible])
            finite = np.all(np.isfinite(values), axis=1)
            out[done[finite]] = values[finite]
            for i in done[~finite]:
                reasons[i] = "non-finite value"
        rest = np.flatnonzero(~converged)
        if len(rest):  # one by one, exactly as without batching
            values, why = _run_chunk(self, data, rows[rest], k)
            out[rest] = values
            for i, reason in zip(rest, why, strict=True):
                reasons[i] = reason
        return out, reasons

    @property
    def n_values(self) -> int:
        return 2 * (sum(len(cm.position) for cm in self.compiled) + self.n_defined) + 2


def _group_h0_inv(
    layouts: Sequence[Any],
    index: Sequence[np.ndarray],
    covs: Sequence[np.ndarray],
    means: Sequence[np.ndarray],
    nobs: Sequence[int],
    q: int,
    x0: np.ndarray,
) -> np.ndarray:
    """The inverse of the Fisher Hessian ``2 I(x0)`` of the joint discrepancy (refit start)."""
    from loyaltysem._kernels.multigroup import MultiGroupKernel

    kernel = MultiGroupKernel(layouts, index, covs, means, nobs, q)
    try:
        return np.linalg.inv(2.0 * kernel.expected_information(kernel.state(x0)))
    except np.linalg.LinAlgError:
        return np.eye(q)


def _fixed_x_values(cm: Any, covs: np.ndarray, means: np.ndarray) -> dict[str, np.ndarray]:
    """Each draw's fixed matrices where fixed.x rows take the draw's moments (B x r x c).

    The values :func:`loyaltysem._kernels.partable.compile_partable` gives the fixed.x
    rows of one resample (its covariances and, with a mean structure, its means),
    for a stack of draws at once.
    """
    pt, lay = cm.table, cm.layout
    pos = {name: i for i, name in enumerate(cm.ov)}
    out: dict[str, np.ndarray] = {}
    for i in np.flatnonzero((pt.exo == 1) & (pt.free == 0)):
        where = cm.position[i]
        if where is None:
            continue
        mat, r, c = where
        if mat not in out:
            out[mat] = np.broadcast_to(lay.fixed[mat], (len(covs), *lay.fixed[mat].shape)).copy()
        if pt.op[i] == "~1":
            value = means[:, pos[pt.lhs[i]]]
        else:
            value = covs[:, pos[pt.lhs[i]], pos[pt.rhs[i]]]
        out[mat][:, r, c] = value
        if mat in ("psi", "theta"):
            out[mat][:, c, r] = value
    return out


def _take_fixed(fixed: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    return {name: values[rows] for name, values in fixed.items()}


def _stratified_indices(
    nobs: Sequence[int],
    n_boot: int,
    random_state: int | None,
    indices: Any,
) -> np.ndarray:
    """(n_boot, N) row indices that resample every group within itself (lavaan).

    ``indices``: one (n_boot, n_g) array of 0-based row numbers within group g per
    group (lavaan's ``boot.idx`` of a multi-group fit, minus one), or None to draw
    them (group after group, from one generator seeded with ``random_state``).
    """
    offsets = np.concatenate([[0], np.cumsum(nobs)[:-1]])
    if indices is None:
        if int(n_boot) != n_boot or n_boot < 2:
            raise SurveyDataError(
                "n_boot must be a whole number of at least 2",
                found=n_boot,
                expected="e.g. 5000",
                fix="pass n_boot=5000",
            )
        rng = np.random.default_rng(random_state)
        blocks = [resample_indices(int(n), int(n_boot), rng) for n in nobs]
    else:
        blocks = [np.asarray(b) for b in indices]
        bad = len(blocks) != len(nobs) or any(
            b.ndim != 2 or b.shape[1] != n or len(b) != len(blocks[0]) or b.min() < 0
            or b.max() >= n
            for b, n in zip(blocks, nobs, strict=False)
        )  # fmt: skip
        if bad:
            raise SurveyDataError(
                "explicit bootstrap indices do not fit the groups",
                found=[getattr(b, "shape", None) for b in blocks],
                expected=f"one (n_boot, n_g) array per group, n_g = {list(nobs)}, with "
                "0-based row numbers within the group (R's boot.idx minus one)",
                fix="pass indices=[idx_group1, idx_group2, ...]",
            )
    return np.hstack([b + o for b, o in zip(blocks, offsets, strict=True)])


def _bootstrap_groups(
    result: Any,
    n_boot: int,
    *,
    data: Any,
    ci: str,
    level: float,
    kind: str,
    random_state: int | None,
    n_jobs: int,
    indices: Any,
    progress: ProgressArg,
) -> SEMBootstrap:
    """:func:`bootstrap` of a :class:`~loyaltysem.sem.multigroup.MultiGroupResult`."""
    from loyaltysem.errors import ModelSpecError
    from loyaltysem.sem.multigroup import (
        _check_group_equal,
        _multigroup_table,
        _spec,
        _split_groups,
    )

    opts = dict(result.provenance.options)
    if str(result.provenance.estimator).upper() not in ("ML", "MLM", "MLR"):
        raise ModelSpecError(
            "the bootstrap of an ordinal multi-group fit is not available yet",
            found=f"estimator={result.provenance.estimator}",
            expected="a multi-group fit by ML, MLM or MLR",
            fix="use the robust standard errors of the WLSMV fit, or bootstrap an ML fit",
        )
    missing = opts.get("missing", "listwise")
    fiml = missing in ("ml", "ml.x")
    if missing not in ("listwise", "ml", "ml.x"):  # as for one group
        raise ModelSpecError(
            f"the bootstrap of a multi-group fit with missing={missing!r} is not available",
            found=f"missing={missing!r}",
            expected="missing='listwise', 'ml' or 'ml.x'",
            fix="refit with missing='ml' (full-information ML) and bootstrap that",
        )
    if fiml and kind == "bollen-stine":
        raise ModelSpecError(
            "the Bollen-Stine bootstrap of a full-information ML fit is not available",
            found=f"kind='bollen-stine', missing={missing!r}",
            expected="kind='nonparametric' with missing data (lavaan refuses it too)",
            fix="use kind='nonparametric'",
        )
    if data is None:
        raise SurveyDataError(
            "the bootstrap needs the data the model was fitted to",
            expected="data=<the Survey or DataFrame passed to fit()>",
            fix="bootstrap(result, n_boot, data=survey)",
        )
    spec = _spec(
        result.model,
        std_lv=bool(opts.get("std_lv")),
        orthogonal=bool(opts.get("orthogonal")),
        fixed_x=bool(opts.get("fixed_x", True)),
    )
    if not opts.get("meanstructure", True):  # the batched refits model the means
        raise ModelSpecError(
            "the bootstrap of a multi-group fit without a mean structure is not available yet",
            found="meanstructure=False",
            expected="a multi-group fit with its mean structure (lavaan's default)",
            fix="refit without meanstructure=False (the same covariance structure) and "
            "bootstrap that",
        )
    if fiml and spec.ov_x:
        raise ModelSpecError(
            "the bootstrap of a full-information ML multi-group fit with fixed.x covariates "
            "is not available yet",
            found=list(spec.ov_x),
            expected="a model without observed exogenous covariates",
            fix="refit with fixed_x=False, or bootstrap a listwise fit",
        )
    ov = list(spec.ov)
    gd = _split_groups(data, result.group, ov, missing=missing)
    if gd.data_hash != result.provenance.data_hash:
        raise SurveyDataError(
            "these are not the data the model was fitted to",
            found=f"data hash {gd.data_hash[:12]}...",
            expected=f"data hash {str(result.provenance.data_hash)[:12]}...",
            fix="pass the same Survey or DataFrame that was given to fit()",
        )
    mt = _multigroup_table(
        spec, len(gd.labels), _check_group_equal(result.group_equal), result.group_partial
    )
    est_tab = result.estimates
    params = est_tab[est_tab["op"] != ":="]
    x0 = np.zeros(mt.n_free)
    free = params["free"].to_numpy(dtype=int)
    x0[free[free > 0] - 1] = params["est"].to_numpy(dtype=float)[free > 0]
    refit = _GroupRefitter(spec, mt.frame, ov, gd, x0, fiml=fiml)
    blocks = list(gd.data)
    if kind == "bollen-stine":  # every group transformed to its implied moments (lavaan)
        blocks = [
            _bollen_stine(
                block,
                result.implied_cov(label).loc[ov, ov].to_numpy(),
                result.implied_mean(label).loc[ov].to_numpy(),
            )
            for label, block in zip(result.group_labels, blocks, strict=True)
        ]
    stacked = np.vstack(
        [np.column_stack([block, np.full(len(block), g)]) for g, block in enumerate(blocks)]
    )
    idx = _stratified_indices(gd.nobs, n_boot, random_state, indices)
    labels = [
        f"{a} {o} {b} [{g}]"
        for a, o, b, g in zip(est_tab["lhs"], est_tab["op"], est_tab["rhs"], est_tab["group"],
                              strict=True)
    ]  # fmt: skip
    names = [f"est:{i}" for i in labels] + [f"std:{i}" for i in labels] + ["chisq", "admissible"]
    run = _batched_statistic if _BATCH_REFITS and refit.batchable else bootstrap_statistic
    boot = run(
        stacked, refit, names, n_boot=len(idx), random_state=None, indices=idx,  # type: ignore[arg-type]
        n_jobs=n_jobs, progress=progress, jackknife=(ci == "bca"),
    )  # fmt: skip
    boot = replace(boot, random_state=None if indices is not None else random_state)
    chisq = float(result.fit_measures["chisq"]) if kind == "bollen-stine" else None
    return _sem_bootstrap_table(
        est_tab, boot, level, ci, kind, extra=["group", "group_label"], chisq_observed=chisq
    )
