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
from typing import TYPE_CHECKING, Any, ClassVar

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

if TYPE_CHECKING:
    from loyaltysem.sem.engine import BlockTable

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
    """Refit a model of G >= 1 blocks to resampled respondents (picklable, for joblib).

    One group is the case G = 1 (lavaan's representation): the model is a
    :class:`~loyaltysem.sem.engine.BlockTable` and the rows it gets carry their block
    number (0-based) in their last column; each draw's blocks get their own moments
    (divisor ``n_g``; a bootstrap within groups keeps every group's size). Warm start at
    the original estimates, ML by BFGS from the inverse of the original Fisher Hessian
    ``2 I(x0)`` (:func:`loyaltysem._kernels.refit.bfgs_refit` for one
    group without a mean structure, the fastest;
    :func:`loyaltysem._kernels.batched_groups.refit_one` otherwise), with the robust
    optimizer of :func:`loyaltysem.fit` as a fallback. Returns every row of every block,
    the ``:=`` parameters, their standardized (``std.all``) values, the chi-square and
    an admissibility flag. Fixed.x covariances (and means) are taken from each
    resample, as lavaan does. With a mean structure (``means`` given) the sample means
    of each resample are fitted too; with ``fiml=True`` each block of a resample (rows
    with missing answers included) gets its own missing-data patterns and EM saturated
    moments, and the full-information likelihood is maximised (lavaan
    ``bootstrapLavaan`` of a ``missing = "ml"`` fit).

    Parameters
    ----------
    table : BlockTable
        The parameter table of the G blocks (``BlockTable.one_group(pt)`` for one).
    definitions : sequence of Definition
        The ``:=`` parameters (``spec.definitions``).
    ov : list of str
        The observed variables, in the columns' order.
    covs, means : sequences of ndarray, one per block
        The full-sample moments (``means``: None for every block without a mean
        structure).
    nobs : sequence of int
        Respondents per block.
    x0 : ndarray
        The estimates of the fit (the start of every refit).
    fiml : bool, default False
        Full-information ML (rows may be incomplete).
    """

    def __init__(
        self,
        table: BlockTable,
        definitions: Sequence[Any],
        ov: list[str],
        covs: Sequence[np.ndarray],
        means: Sequence[np.ndarray | None],
        nobs: Sequence[int],
        x0: np.ndarray,
        *,
        fiml: bool = False,
    ):
        from loyaltysem._kernels.partable import StandardizationPlan
        from loyaltysem.sem.specification import DefinedParameters

        self.ov, self.x0 = list(ov), np.asarray(x0, dtype=float)
        self.fiml = bool(fiml)
        self.n_groups = int(table.n_groups)
        self.q = int(table.n_free)
        self.means = all(m is not None for m in means)
        self.block_tables = [table.block(g) for g in range(self.n_groups)]  # read once
        self.index = [idx for _, idx in self.block_tables]
        self.nobs = [int(n) for n in nobs]
        self.compiled = self._compile(covs, means)
        self.plans = [StandardizationPlan.build(cm, "std.all") for cm in self.compiled]
        pt = table.pt
        self.has_fixed_x = bool(np.any(pt.exo == 1))
        self.n_rows = len(pt)
        self.variances = np.flatnonzero((pt.op == "~~") & (pt.lhs == pt.rhs) & (pt.free > 0))
        self.n_defined = len(definitions)
        self.defined = (
            DefinedParameters(definitions, pt, self._rows(self.compiled, self.x0))
            if definitions
            else None
        )
        kernel = self._kernel(self.compiled, covs, means, self.nobs)
        try:
            self.h0_inv = np.linalg.inv(2.0 * kernel.expected_information(kernel.state(self.x0)))
        except np.linalg.LinAlgError:
            self.h0_inv = np.eye(len(self.x0))

    # ---------------------------------------------------------------- the pieces
    def _compile(self, covs: Sequence[np.ndarray], means: Sequence[np.ndarray | None]) -> list[Any]:
        """Each block's compiled model at these moments (fixed.x rows take them)."""
        from loyaltysem._kernels.partable import compile_partable

        return [
            compile_partable(pt, self.ov, c, m if self.means else None)
            for (pt, _), c, m in zip(self.block_tables, covs, means, strict=True)
        ]

    def _kernel(
        self,
        compiled: Sequence[Any],
        covs: Sequence[np.ndarray],
        means: Sequence[np.ndarray | None],
        nobs: Sequence[int],
    ) -> Any:
        """The complete-data ML kernel: one group's own, or the weighted sum of the blocks'."""
        from loyaltysem._kernels.ml import MLKernel
        from loyaltysem._kernels.multigroup import MultiGroupKernel

        if self.n_groups == 1:
            return MLKernel(compiled[0].layout, covs[0], means[0] if self.means else None)
        layouts = [cm.layout for cm in compiled]
        return MultiGroupKernel(layouts, self.index, covs, means, nobs, self.q)

    def _rows(self, compiled: Sequence[Any], x: np.ndarray) -> np.ndarray:
        from loyaltysem._kernels.partable import row_estimates

        if self.n_groups == 1:
            return row_estimates(compiled[0], x)
        return np.concatenate(
            [row_estimates(cm, x[idx]) for cm, idx in zip(compiled, self.index, strict=True)]
        )

    def _block_rows(self, y: np.ndarray, codes: np.ndarray) -> list[np.ndarray]:
        """Each block's rows of a resample (one group: all of them)."""
        if self.n_groups == 1:  # contiguous, as the rows the draw was taken from
            return [np.ascontiguousarray(y)]
        return [y[codes == g] for g in range(self.n_groups)]

    @property
    def n_values(self) -> int:
        return 2 * (self.n_rows + self.n_defined) + 2

    # ------------------------------------------------------------- one by one
    def _refit(self, data: np.ndarray) -> tuple[list[Any], Any, np.ndarray, Any, float, bool]:
        """The compiled blocks, the kernel, the estimates, the state, N and convergence."""
        from loyaltysem._kernels.multigroup import MultiGroupKernel
        from loyaltysem._kernels.optimizer import bfgs, optimize

        blocks = self._block_rows(data[:, :-1], data[:, -1].astype(int))
        compiled = self.compiled
        kernel: Any
        if self.fiml:  # each block's patterns and EM moments of this resample
            from loyaltysem._kernels import fiml as fiml_kernel

            kernels = []
            for cm, block in zip(compiled, blocks, strict=True):
                pat = fiml_kernel.patterns(np.ascontiguousarray(block))
                kernels.append(
                    fiml_kernel.FIMLKernel(cm.layout, pat, fiml_kernel.em_saturated(pat))
                )
            if self.n_groups == 1:
                kernel = kernels[0]
            else:
                nobs = [k.n for k in kernels]
                kernel = MultiGroupKernel.from_kernels(kernels, self.index, nobs, self.q)
            st = kernel.state(self.x0)
            x, st, _, converged = bfgs(kernel, self.x0, st, max_iter=200, tol=1e-8)
            if not converged and self.n_groups == 1:  # FIML's own optimizer (fit())
                x, st, _, converged = fiml_kernel.optimize(kernel, self.x0)
            elif not converged:
                x, st, _, converged = optimize(kernel, self.x0)
            return compiled, kernel, x, st, float(sum(k.n for k in kernels)), converged
        covs, means = [], []
        for g, block in enumerate(blocks):
            if len(block) <= block.shape[1]:
                raise ArithmeticError(f"group {g + 1} has too few rows in this draw")
            mean = block.mean(axis=0)
            centered = block - mean
            covs.append(centered.T @ centered / len(block))
            means.append(mean)
        nobs = [len(block) for block in blocks]
        if self.has_fixed_x:  # the fixed.x rows take this resample's moments
            compiled = self._compile(covs, means)
        kernel = self._kernel(compiled, covs, means, nobs)
        if self.n_groups == 1 and not self.means:  # MLKernel's fast state, the same steps
            from loyaltysem._kernels.refit import bfgs_refit

            x, st, _, converged = bfgs_refit(kernel, self.x0, self.h0_inv)
        else:  # the steps of the batched refits (fit_batched_groups), draw by draw
            from loyaltysem._kernels.batched_groups import refit_one

            x, st, _, converged = refit_one(kernel, self.x0, self.h0_inv)
        if not converged:  # the one optimizer of fit() as a fallback
            x, st, _, converged = optimize(kernel, self.x0)
        return compiled, kernel, x, st, float(sum(nobs)), converged

    def __call__(self, data: np.ndarray) -> np.ndarray:
        """The values of one resample (rows with their block number in the last column)."""
        from loyaltysem._kernels.partable import StandardizationPlan

        compiled, kernel, x, st, n, converged = self._refit(data)
        if not converged:
            # ill-conditioned draws (often near-Heywood) can stall just above the strict
            # gradient tolerance of fit() at the optimum; accept them at 1e-6 (lavaan's
            # nlminb stops on the relative change of the objective, which is looser)
            grad = kernel.gradient(st)
            if not (np.all(np.isfinite(grad)) and np.max(np.abs(grad)) < _REFIT_GRAD_TOL):
                raise ArithmeticError("the refit did not converge")
        plans = (
            self.plans
            if compiled is self.compiled
            else [StandardizationPlan.build(cm, "std.all") for cm in compiled]
        )
        est = self._rows(compiled, x)
        std = np.concatenate(
            [plan.evaluate(x[idx][None, :])[0] for plan, idx in zip(plans, self.index, strict=True)]
        )
        parts, std_parts = [est], [std]
        if self.defined is not None:
            parts.append(self.defined.from_x(x[None, :])[0])
            std_parts.append(self.defined.from_rows(std[None, :])[0])
        chisq = n * kernel.objective(st)
        admissible = float(np.all(est[self.variances] >= 0))
        return np.concatenate([*parts, *std_parts, [chisq, admissible]])

    # ----------------------------------------------------------------- batched
    @property
    def batchable(self) -> bool:
        """Whether the draws can be refitted together (:meth:`batch`).

        Complete data (listwise), G >= 1 blocks, with or without a mean structure and
        fixed.x covariates (whose fixed values each draw gets from its own moments).
        """
        return not self.fiml

    def _batch_moments(
        self, data: np.ndarray, rows: np.ndarray
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Each block's (draws x p x p) covariances and (draws x p) means, as __call__'s."""
        n_draws, p = len(rows), data.shape[1] - 1
        covs = [np.empty((n_draws, p, p)) for _ in self.nobs]
        means = [np.empty((n_draws, p)) for _ in self.nobs]
        y, codes = np.ascontiguousarray(data[:, :-1]), data[:, -1].astype(int)
        for i, r in enumerate(rows):
            sample = y[r]
            blocks = [sample] if self.n_groups == 1 else self._block_rows(sample, codes[r])
            for g, block in enumerate(blocks):
                mean = block.mean(axis=0)
                centered = block - mean
                covs[g][i] = centered.T @ centered / len(block)
                means[g][i] = mean
        return covs, means

    def batch(self, data: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """The values of :meth:`__call__` for the resamples ``data[rows[b]]``, all at once.

        Each block's covariance matrices (and means) of the draws are stacked and the
        model refitted for every draw together by
        :func:`loyaltysem._kernels.batched_groups.fit_batched_groups` (one group: its
        case G = 1), each draw taking the steps of its own one-by-one refit. A draw the
        batch does not bring to convergence is refitted by :meth:`__call__`, so nothing
        changes for it. Returns the values (one row per draw, NaN for a
        failed one) and the reasons of failure (``""`` when it worked), as the
        one-by-one chunks of :func:`bootstrap_statistic` do.
        """
        from loyaltysem._kernels.batched_groups import (
            fit_batched_groups,
            objective_batched_groups,
        )

        rows = np.asarray(rows)
        n_draws = len(rows)
        k = self.n_values
        if not self.batchable or n_draws == 0 or min(self.nobs) <= data.shape[1] - 1:
            return _run_chunk(self, data, rows, k)
        covs, means = self._batch_moments(data, rows)
        layouts = [cm.layout for cm in self.compiled]
        n_total = float(sum(self.nobs))
        weights = np.asarray(self.nobs, dtype=float) / n_total
        mean_list = means if self.means else None
        fixed = None
        if self.has_fixed_x:  # each draw's covariate moments in the fixed entries
            fixed = [
                _fixed_x_values(cm, c, m)
                for cm, c, m in zip(self.compiled, covs, means, strict=True)
            ]
        x, converged, _ = fit_batched_groups(
            layouts, self.index, covs, mean_list, weights, self.x0, self.h0_inv, fixed=fixed
        )
        out = np.full((n_draws, k), np.nan)
        reasons = [""] * n_draws
        done = np.flatnonzero(converged)
        if len(done):
            xs = x[done]
            fixed_done = None if fixed is None else [_take_fixed(fx, done) for fx in fixed]
            ests, stds = [], []
            for g, (plan, idx) in enumerate(zip(self.plans, self.index, strict=True)):
                x_g = xs if self.n_groups == 1 else xs[:, idx]
                est_g, scale = plan.scales_and_values(
                    x_g, None if fixed_done is None else fixed_done[g]
                )
                ests.append(est_g)
                stds.append(est_g * scale)
            est, std = np.hstack(ests), np.hstack(stds)
            parts, std_parts = [est], [std]
            if self.defined is not None:
                parts.append(self.defined.from_x(xs))
                std_parts.append(self.defined.from_rows(std))
            f = objective_batched_groups(
                layouts, self.index, [c[done] for c in covs],
                None if mean_list is None else [m[done] for m in mean_list],
                weights, xs, fixed_done,
            )  # fmt: skip
            chisq = n_total * f
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
    refit: _Refitter,
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
    if kind not in BOOT_KINDS:
        raise SurveyDataError(
            "unknown kind of bootstrap",
            found=kind,
            expected=f"one of {list(BOOT_KINDS)}",
            fix="kind='nonparametric' (or 'bollen-stine' for the chi-square p-value)",
        )
    _require_converged(result)
    groups = isinstance(result, MultiGroupResult)
    setup = (_groups_setup if groups else _one_group_setup)(result, data, kind)
    gd = setup.gd
    blocks = list(gd.data)
    if kind == "bollen-stine":  # every block transformed to its implied moments (lavaan)
        blocks = [
            _bollen_stine(block, sigma, mu)
            for block, (sigma, mu) in zip(blocks, setup.implied(), strict=True)
        ]
    # the rows with their block number in the last column (the _Refitter's input)
    stacked = np.vstack(
        [np.column_stack([block, np.full(len(block), g)]) for g, block in enumerate(blocks)]
    )
    idx = _draw_indices(gd.nobs, n_boot, random_state, indices)
    refit = _Refitter(
        setup.table, setup.definitions, setup.ov, gd.covs, gd.means, gd.nobs, setup.x0,
        fiml=setup.fiml,
    )  # fmt: skip
    names = [f"est:{i}" for i in setup.labels] + [f"std:{i}" for i in setup.labels]
    run = _batched_statistic if _BATCH_REFITS and refit.batchable else bootstrap_statistic
    boot = run(
        stacked, refit, [*names, "chisq", "admissible"], n_boot=len(idx), random_state=None,
        indices=idx, n_jobs=n_jobs, progress=progress, jackknife=(ci == "bca"),
    )  # fmt: skip
    boot = replace(boot, random_state=None if indices is not None else random_state)
    chisq = float(result.fit_measures["chisq"]) if kind == "bollen-stine" else None
    table = _sem_bootstrap_table(
        setup.est_tab, boot, level, ci, kind, extra=setup.extra, chisq_observed=chisq
    )
    return _with_status(table, result)


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


@dataclass(frozen=True)
class _Setup:
    """What :func:`bootstrap` resamples and refits, for either shape of result (G >= 1).

    ``table``, ``definitions``, ``ov``, ``x0`` and ``fiml`` make the :class:`_Refitter`;
    ``gd`` holds each block's moments and rows (``means``: None per block without a
    mean structure); ``implied`` each block's model-implied covariance and means (None:
    the sample means) for the Bollen-Stine transform; ``est_tab`` and ``extra`` the
    rows and the group columns of the table; ``labels`` the rows' names in the draws.
    """

    table: BlockTable
    definitions: Sequence[Any]
    ov: list[str]
    gd: Any
    x0: np.ndarray
    fiml: bool
    implied: Callable[[], list[tuple[np.ndarray, np.ndarray | None]]]
    est_tab: pd.DataFrame
    labels: list[str]
    extra: tuple[str, ...]


def _one_group_setup(result: Any, data: Any, kind: str) -> _Setup:
    """The :class:`_Setup` of a single-group fit: the case G = 1."""
    from loyaltysem.errors import ModelSpecError
    from loyaltysem.sem.engine import BlockTable
    from loyaltysem.sem.group_blocks import one_block
    from loyaltysem.sem.moments import moments_from_data
    from loyaltysem.sem.specification import specify

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
    _check_options(kind, fiml, data)
    means = bool(opts.get("meanstructure")) or fiml
    spec = specify(
        result.model,
        std_lv=bool(opts.get("std_lv", False)),
        orthogonal=bool(opts.get("orthogonal", False)),
        fixed_x=bool(opts.get("fixed_x", True)),
        meanstructure=means,
    )
    _check_fiml_covariates(fiml, spec.ov_x, groups=False)
    ov = list(result.sample_cov.index)
    moments, _ = moments_from_data(data, ov, missing=missing)
    _check_same_data(moments.data_hash, prov.data_hash, moments.n, prov.n)
    gd = one_block(moments)
    if not means:
        gd = replace(gd, means=(None,))

    def implied() -> list[tuple[np.ndarray, np.ndarray | None]]:
        mu = result.implied_mean.to_numpy() if means and result.implied_mean is not None else None
        return [(result.implied_cov.to_numpy(), mu)]

    est_tab = result.estimates
    labels = [f"{a} {o} {b}" for a, o, b in zip(est_tab["lhs"], est_tab["op"], est_tab["rhs"],
                                                 strict=True)]  # fmt: skip
    return _Setup(
        BlockTable.one_group(spec.partable()), spec.definitions, ov, gd, result._x, fiml,
        implied, est_tab, labels, (),
    )  # fmt: skip


def _groups_setup(result: Any, data: Any, kind: str) -> _Setup:
    """The :class:`_Setup` of a :class:`~loyaltysem.sem.group_blocks.MultiGroupResult`."""
    from loyaltysem.errors import ModelSpecError
    from loyaltysem.sem.engine import BlockTable
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
    if not opts.get("meanstructure", True):  # the refits of several groups model the means
        raise ModelSpecError(
            "the bootstrap of a multi-group fit without a mean structure is not available yet",
            found="meanstructure=False",
            expected="a multi-group fit with its mean structure (lavaan's default)",
            fix="refit without meanstructure=False (the same covariance structure) and "
            "bootstrap that",
        )
    _check_options(kind, fiml, data, missing=missing)
    spec = _spec(
        result.model,
        std_lv=bool(opts.get("std_lv")),
        orthogonal=bool(opts.get("orthogonal")),
        fixed_x=bool(opts.get("fixed_x", True)),
    )
    _check_fiml_covariates(fiml, spec.ov_x, groups=True)
    ov = list(spec.ov)
    gd = _split_groups(data, result.group, ov, missing=missing)
    _check_same_data(gd.data_hash, result.provenance.data_hash)
    mt = _multigroup_table(
        spec, len(gd.labels), _check_group_equal(result.group_equal), result.group_partial
    )
    est_tab = result.estimates
    params = est_tab[est_tab["op"] != ":="]
    x0 = np.zeros(mt.n_free)
    free = params["free"].to_numpy(dtype=int)
    x0[free[free > 0] - 1] = params["est"].to_numpy(dtype=float)[free > 0]
    table = BlockTable.from_frame(mt.frame, int(mt.frame["free"].max()), ())

    def implied() -> list[tuple[np.ndarray, np.ndarray | None]]:
        return [
            (
                result.implied_cov(label).loc[ov, ov].to_numpy(),
                result.implied_mean(label).loc[ov].to_numpy(),
            )
            for label in result.group_labels
        ]

    labels = [
        f"{a} {o} {b} [{g}]"
        for a, o, b, g in zip(est_tab["lhs"], est_tab["op"], est_tab["rhs"], est_tab["group"],
                              strict=True)
    ]  # fmt: skip
    return _Setup(
        table, spec.definitions, ov, gd, x0, fiml, implied, est_tab, labels,
        ("group", "group_label"),
    )  # fmt: skip


def _check_options(kind: str, fiml: bool, data: Any, missing: str = "ml") -> None:
    """The options both shapes refuse: Bollen-Stine with FIML, no data."""
    from loyaltysem.errors import ModelSpecError

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


def _check_fiml_covariates(fiml: bool, ov_x: Sequence[str], *, groups: bool) -> None:
    """FIML with fixed.x covariates cannot be bootstrapped yet (either shape)."""
    from loyaltysem.errors import ModelSpecError

    if fiml and ov_x:
        raise ModelSpecError(
            f"the bootstrap of a full-information ML{' multi-group' if groups else ''} fit "
            "with fixed.x covariates is not available yet",
            found=list(ov_x),
            expected="a model without observed exogenous covariates",
            fix="refit with fixed_x=False, or bootstrap a listwise fit",
        )


def _check_same_data(
    found_hash: str | None,
    expected_hash: str | None,
    found_n: int | None = None,
    expected_n: int | None = None,
) -> None:
    """A typed error unless the data are those the model was fitted to (hash, and N)."""
    if found_hash == expected_hash and found_n == expected_n:
        return
    sizes = ("", "") if found_n is None else (f"N = {found_n}, ", f"N = {expected_n}, ")
    raise SurveyDataError(
        "these are not the data the model was fitted to",
        found=f"{sizes[0]}data hash {str(found_hash)[:12]}...",
        expected=f"{sizes[1]}data hash {str(expected_hash)[:12]}...",
        fix="pass the same Survey or DataFrame that was given to fit()",
    )


def _draw_indices(
    nobs: Sequence[int], n_boot: int, random_state: int | None, indices: Any
) -> np.ndarray:
    """(n_boot, N) row indices of the draws, for G >= 1 blocks of ``nobs`` rows.

    One group: :func:`_resample_rows` (``resample_indices`` of
    ``default_rng(random_state)``, or the explicit (n_boot, N) indices), the draws of
    :func:`bootstrap_statistic`; several groups: :func:`_stratified_indices`, every
    group resampled within itself (lavaan). The two are kept apart so that a seed
    gives the draws it has always given.
    """
    if len(nobs) == 1:
        return _resample_rows(int(nobs[0]), n_boot, random_state, indices)[0]
    return _stratified_indices(nobs, n_boot, random_state, indices)


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
