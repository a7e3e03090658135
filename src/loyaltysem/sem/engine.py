r"""The one estimation pipeline of continuous SEM: G >= 1 blocks of respondents.

lavaan represents every model as G groups, a single group being G = 1; so does this
module. :func:`fit_blocks` takes the parameter table of all blocks
(:class:`BlockTable`), each block's sample statistics (``_GroupData``: covariance,
means, N and the rows, or the response patterns and EM moments for
full-information ML) and the estimator, and runs the same stages for one group and
for several:

1. **compile** each block's rows into its matrices, with the block's parameters
   mapped to the global vector (equality constraints across blocks are shared
   entries);
2. **start and optimize** one kernel (:class:`~loyaltysem._kernels.multigroup.MultiGroupKernel`:
   objective, gradient and information summed over blocks with weights ``n_g / N``)
   from principal-component starts, then lavaan's, until the convergence check holds
   (:func:`~loyaltysem._kernels.converge.minimize`); with ``missing = "ml"`` on from
   there to the full-information optimum, checked the same way;
3. **the covariance of the estimates**: expected or observed information, or the
   robust sandwiches (``robust.sem``, ``robust.huber.white``; Huber–White from the
   casewise scores with missing data);
4. **tables**: each block's estimates, standardized solution and checks
   (Heywood cases, lavaan's post-checks), the ``:=`` rows, fit measures (one
   block's own; with several, lavaan's joint rules in
   :func:`~loyaltysem.sem.group_blocks._multigroup_measures`), the scaled tests;
5. **one result type**, :class:`~loyaltysem.sem.results.SEMResult` (a
   :class:`~loyaltysem.sem.results.MultiGroupResult` for a grouped fit), with the
   diagnostics (modification indices, standardized residuals, score tests) deferred
   until asked for.

The front ends only build the blocks: :func:`loyaltysem.sem.dispatch.fit` one block
from the data or from summary statistics, :func:`loyaltysem.sem.multigroup.fit_groups`
one block per group. The conventions of several groups, with their lavaan sources,
are in :mod:`loyaltysem.sem.multigroup`; those of one group in
:mod:`loyaltysem.sem.single_group`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, cast

import numpy as np
import pandas as pd

from loyaltysem._kernels import fiml as fiml_kernel
from loyaltysem._kernels import fit_indices as fi
from loyaltysem._kernels.converge import minimize
from loyaltysem._kernels.delta import central_points, delta_se
from loyaltysem._kernels.multigroup import (
    MultiGroupKernel,
    corrected_groups,
    localize,
    observed_information,
    robust_baseline_groups,
    robust_groups,
    robust_mlr_groups,
    score_tests,
)
from loyaltysem._kernels.optimizer import optimize
from loyaltysem._kernels.partable import (
    CompiledModel,
    ParTable,
    StandardizationPlan,
    compile_partable,
)
from loyaltysem._kernels.robust import RobustParts
from loyaltysem._kernels.starts import _start_values, group_starts
from loyaltysem._pickling import Once
from loyaltysem.errors import IdentificationError, ModelSpecError, SurveyDataError
from loyaltysem.sem import modindices
from loyaltysem.sem.group_blocks import (
    RowParameterization,
    _GroupData,
    _multigroup_measures,
    _own_parameters,
    _plain,
    score_table,
)
from loyaltysem.sem.measures import (
    _fiml_measures,
    _fit_measures,
    _measures_series,
    _post_check,
    _Robust,
    _rsquare,
    _scaled_measures,
    _table_masks,
    fiml_gfi,
)
from loyaltysem.sem.residuals import residual_parts, standardized_residuals
from loyaltysem.sem.results import MultiGroupResult, Provenance, SEMResult, estimates_table
from loyaltysem.sem.specification import DefinedParameters, Definition
from loyaltysem.status import Findings

__all__ = ["BlockTable", "Estimation", "fit_blocks", "resolve_estimation"]

#: Full-information ML of each block: its response patterns and EM saturated moments.
FIMLData = tuple[list[fiml_kernel.Patterns], list[fiml_kernel.EMResult]]


@dataclass(frozen=True)
class Estimation:
    """What is estimated and how its uncertainty is computed (lavaan's resolved options).

    ``estimator``: ``"ML"``, ``"MLM"`` or ``"MLR"`` (ML estimates in every case);
    ``se``: ``"standard"``, ``"robust.sem"`` or ``"robust.huber.white"``;
    ``information``: ``"expected"`` or ``"observed"`` (the bread of a sandwich).
    """

    estimator: str = "ML"
    se: str = "standard"
    information: str = "expected"


#: The test statistic lavaan reports with each continuous estimator.
TESTS = {"ML": "standard", "MLM": "satorra.bentler", "MLR": "yuan.bentler.mplus"}

_DEFAULT_SE = {"ML": "standard", "MLM": "robust.sem", "MLR": "robust.huber.white"}
# (estimator, se) -> information matrices available for the standard errors
_SE_INFORMATION = {
    ("ML", "standard"): ("expected", "observed"),
    ("ML", "robust.sem"): ("expected",),
    ("ML", "robust.huber.white"): ("expected", "observed"),
    ("MLM", "robust.sem"): ("expected",),
    ("MLR", "robust.huber.white"): ("observed", "expected"),
}


def resolve_estimation(
    estimator: str, se: str | None, information: str | None, *, fiml: bool = False
) -> Estimation:
    """Lavaan's ``se`` and ``information`` for ``estimator``, resolved, or the error to fix.

    Defaults: ML standard + expected, MLM robust.sem + expected, MLR robust.huber.white
    + observed; with full-information ML (``fiml``) the observed information, and only
    standard or Huber-White standard errors (lavaan: robust.sem needs complete data).
    ``se = "robust"`` means ``robust.sem`` for ML and MLM, ``robust.huber.white`` for MLR
    (lavaan ``lav_options_set``). The same for one group and for several.

    Examples
    --------
    >>> resolve_estimation("MLR", None, "expected")
    Estimation(estimator='MLR', se='robust.huber.white', information='expected')
    """
    if fiml and information is None:
        information = "observed"  # lavaan's default with missing = "ml"
    se = _DEFAULT_SE[estimator] if se is None else se
    if se == "robust":
        se = "robust.huber.white" if estimator == "MLR" else "robust.sem"
    allowed_se = sorted({s for (e, s) in _SE_INFORMATION if e == estimator} | {"robust"})
    if (estimator, se) not in _SE_INFORMATION:
        raise ModelSpecError(
            f"se={se!r} is not available with estimator={estimator!r}",
            found=se,
            expected=f"se in {allowed_se} (or None for lavaan's default)",
            fix=f"leave se unset (estimator {estimator} implies se={_DEFAULT_SE[estimator]!r})",
        )
    options = _SE_INFORMATION[(estimator, se)]
    information = options[0] if information is None else information
    if information not in options:
        raise ModelSpecError(
            f"information={information!r} is not available with estimator={estimator!r} "
            f"and se={se!r}",
            found=information,
            expected=f"information in {list(options)}",
            fix=f"use information={options[0]!r} (lavaan's default here) or leave it unset",
        )
    if fiml and se not in ("standard", "robust.huber.white"):
        raise ModelSpecError(
            f"se={se!r} with missing='ml' is not available",
            found=se,
            expected="se='standard' or 'robust.huber.white' with missing='ml' (lavaan: "
            "robust.sem needs complete data)",
            fix="leave se unset with missing='ml', or use estimator='MLR'",
        )
    return Estimation(estimator, se, information)


#: lavaan's defaults of the continuous estimators (``se`` and ``information``).
DEFAULTS = {name: resolve_estimation(name, None, None) for name in ("ML", "MLM", "MLR")}


@dataclass(frozen=True)
class BlockTable:
    """The parameter table of G >= 1 blocks (lavaan's ``parTable()`` with its ``group``).

    ``pt`` holds every block's rows, ``free`` numbering the global parameters (a
    number shared by rows of several blocks is an equality constraint across them);
    ``group`` is each row's block (1..G). ``frame`` is the same table as a DataFrame
    with ``plabel`` and ``user``, which the score tests and the modification indices
    of several groups read (``None`` for one group); ``eq_pairs`` the (reference row,
    constrained row) of each equality constraint across groups, in lavaan's order.
    """

    pt: ParTable
    group: np.ndarray
    n_groups: int
    n_free: int
    eq_pairs: tuple[tuple[int, int], ...] = ()
    frame: pd.DataFrame | None = None

    @classmethod
    def one_group(cls, pt: ParTable) -> BlockTable:
        """The table of one block (G = 1): the model's own parameter table (made once per table)."""
        cached = pt.__dict__.get("_one_block_table")
        if cached is None:
            n_free = int(pt.free.max()) if len(pt) else 0
            group = np.ones(len(pt), dtype=np.int64)
            group.flags.writeable = False
            cached = pt.__dict__["_one_block_table"] = cls(pt, group, 1, n_free)
        return cached

    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, n_free: int, eq_pairs: Sequence[tuple[int, int]]
    ) -> BlockTable:
        """The table of several blocks from the multi-group ``parTable()`` frame."""
        group = frame["group"].to_numpy(dtype=np.int64)
        return cls(
            ParTable.from_frame(frame),
            group,
            int(group.max()) if len(group) else 1,
            int(n_free),
            tuple(eq_pairs),
            frame,
        )

    def block(self, g: int) -> tuple[ParTable, np.ndarray]:
        """Block ``g``'s rows (0-based ``g``) with local free numbers, and their global index."""
        pt = self.pt
        if self.n_groups == 1:
            own = pt.__dict__.get("_localized")  # a table is immutable: localized once
            if own is None:
                own = localize(pt.free)
                for arr in own:
                    arr.flags.writeable = False
                pt.__dict__["_localized"] = own
            local, idx = own
            if np.array_equal(local, pt.free):  # the table itself: what is made of it is kept
                return pt, idx
            rows: Any = slice(None)
        else:
            rows = np.flatnonzero(self.group == g + 1)
            local, idx = localize(pt.free[rows])
        return (
            ParTable(
                lhs=pt.lhs[rows],
                op=pt.op[rows],
                rhs=pt.rhs[rows],
                free=local,
                ustart=pt.ustart[rows],
                exo=pt.exo[rows],
                label=pt.label[rows],
            ),
            idx,
        )


# ----------------------------------------------------------------------- stages
def compile_blocks(
    table: BlockTable,
    ov: Sequence[str],
    covs: Sequence[np.ndarray],
    means: Sequence[np.ndarray | None],
) -> tuple[list[CompiledModel], list[np.ndarray], np.ndarray]:
    """Each block's compiled model, its global parameter index, and start values.

    A parameter shared by several blocks starts at the first block's value.
    """
    compiled: list[CompiledModel] = []
    index: list[np.ndarray] = []
    x0 = np.full(table.n_free, np.nan)
    for g in range(table.n_groups):
        pt, idx = table.block(g)
        cm = compile_partable(pt, list(ov), covs[g], means[g])
        compiled.append(cm)
        index.append(idx)
        start = _start_values(cm, covs[g], means[g])
        unset = np.isnan(x0[idx])
        x0[idx[unset]] = start[unset]
    return compiled, index, x0


def _means(gd: _GroupData, table: BlockTable) -> list[np.ndarray | None]:
    """Each block's sample means where the model has a mean structure (``~1`` rows), else None."""
    if not _table_masks(table.pt).meanstructure:
        return [None] * table.n_groups
    if any(m is None for m in gd.means):
        raise SurveyDataError(
            "a mean structure needs the sample means",
            found="a covariance or correlation matrix without sample_mean",
            expected="raw data, or sample_mean= with the summary statistics",
            fix="pass sample_mean=..., or drop the '~ 1' lines and meanstructure=True",
        )
    return list(gd.means)


def _vcov(
    kernel: MultiGroupKernel,
    st: Any,
    run: Any,
    gd: _GroupData,
    how: Estimation,
    fiml: FIMLData | None,
    ov_x: list[int],
    warnings: Findings,
) -> tuple[np.ndarray, RobustParts | None, Any]:
    """The covariance of the estimates, or NaN with the reason, and the robust parts.

    Returns ``(vcov, robust, extra)``: ``robust`` the sandwich parts of a scaled test;
    ``extra`` the parts of MLR with missing data (``RobustFIMLGroups``: the independence
    model's trace, each block's first-order information), else None.
    """
    n_total = int(sum(gd.nobs))
    robust: RobustParts | None = None
    extra: Any = None
    q = kernel.n_free
    try:
        if run.information is not None:  # the check's matrix at this point: computed once
            info = run.information
        elif how.information == "observed":
            info = observed_information(kernel, st)
        else:
            info = kernel.expected_information(st)
        # R's solve() refuses a matrix whose reciprocal condition is below machine epsilon
        if info.size and not _clearly_above(info, lambda top: _EPS * max(top, 1.0)):
            eig = np.linalg.eigvalsh((info + info.T) / 2.0)
            if not np.all(np.isfinite(eig)) or eig[0] <= _EPS * max(eig[-1], 1.0):
                raise np.linalg.LinAlgError
        if how.se == "standard":
            vcov = np.linalg.inv(info) / n_total
        elif fiml is not None:  # Huber-White from the casewise scores of every row
            extra = robust_mlr_groups(
                kernel, st, gd.data, info, observed=how.information == "observed", ov_x=ov_x
            )
            robust = extra.parts
            vcov = robust.vcov
        else:  # the sandwich, either information as bread (lavaan's se = / information =)
            mlr = how.se == "robust.huber.white"
            robust, _ = robust_groups(kernel, st, gd.data, mlr=mlr, ov_x=ov_x, bread=info)
            vcov = robust.vcov
        if not np.all(np.isfinite(vcov)) or np.any(np.diag(vcov) < 0):
            raise np.linalg.LinAlgError
        # of the inverse as computed: near a singular information its rounding shows here
        min_eig = 1.0
        if vcov.size and not _clearly_above(vcov, lambda _: _EPS**0.75):
            min_eig = float(np.linalg.eigvalsh((vcov + vcov.T) / 2.0)[0])
        if min_eig < _EPS**0.75:  # lavaan lav_model_vcov
            warnings.add(
                "identification",
                "the covariance matrix of the estimates (vcov) is not positive definite "
                f"(smallest eigenvalue {min_eig:.3g}): the model may not be identified",
            )
    except np.linalg.LinAlgError:
        vcov = np.full((q, q), np.nan)
        robust, extra = None, None
        warnings.add(
            "identification",
            "the information matrix is singular and could not be inverted: the model may "
            "not be identified; standard errors are not available",
        )
    return vcov, robust, extra


_EPS = float(np.finfo(float).eps)


def _clearly_above(a: np.ndarray, floor: Callable[[float], float]) -> bool:
    """Whether every eigenvalue of ``(a + a')/2`` is surely above ``floor(bound)``.

    ``bound`` (the largest absolute row sum) is at least the largest absolute
    eigenvalue. One Cholesky factorization of the matrix less ``floor(bound)`` plus a
    margin for rounding (``4 (q+1)^2 eps bound``, above the backward error of the
    factorization and of ``eigvalsh``) answers what the smallest eigenvalue would,
    in a third of its time; ``False`` means "not known": compute the eigenvalues. The
    decisions (and so the numbers) are those of the eigenvalues.

    Examples
    --------
    >>> _clearly_above(np.diag([2.0, 1.0]), lambda top: 0.5), _clearly_above(np.diag([2.0, 1e-20]), lambda top: 1e-16)
    (True, False)
    """  # noqa: E501 (a doctest line)
    sym = (a + a.T) / 2.0
    bound = float(np.abs(sym).sum(axis=1).max())
    if not np.isfinite(bound):
        return False
    q = len(sym)
    shift = floor(bound) + 4.0 * (q + 1) ** 2 * _EPS * bound
    try:
        np.linalg.cholesky(sym - shift * np.eye(q))
    except np.linalg.LinAlgError:
        return False
    return True


def _check_admissible(
    cm: CompiledModel, xg: np.ndarray, est: np.ndarray, prefix: str, warnings: Findings
) -> None:
    """One block's Heywood cases and lavaan's post-checks, named with its group."""
    pt = cm.table
    lhs, rhs = pt.lhs, pt.rhs
    for i in np.flatnonzero(_table_masks(pt).variances & (pt.free > 0) & (est < 0)):
        warnings.add(
            "admissibility",
            f"{prefix}negative variance estimate (Heywood case): "
            f"{lhs[i]} ~~ {rhs[i]} = {est[i]:.4g}",
        )
    warnings.add_all("admissibility", (prefix + w for w in _post_check(cm, xg, est, pt)))


def check_identified(
    table: BlockTable, p: int, px: int, means: bool, gd: _GroupData, group: str | None
) -> tuple[int, int, int]:
    """Refuse df < 0, and blocks smaller than the parameters they alone must identify.

    Returns ``(df, sample moments, covariate moments per block)``.
    """
    n_groups = table.n_groups
    q = table.n_free
    x_moments = px * (px + 1) // 2 + (px if means else 0)
    n_moments = n_groups * (p * (p + 1) // 2 + (p if means else 0))
    df = n_moments - q - n_groups * x_moments
    if df < 0:
        what = "means, variances, covariances" if means else "variances, covariances"
        where = f" in {n_groups} groups" if n_groups > 1 else ""
        raise IdentificationError(
            "the model has more free parameters than sample moments (df < 0)",
            found=f"{q} free parameters, {n_moments} sample moments ({what} of {p} observed "
            f"variables{where}), df = {df}",
            expected="df >= 0",
            fix=(
                "constrain more parameters across groups (group_equal) or fix some"
                if n_groups > 1
                else "fix or constrain parameters (e.g. drop free residual covariances), or "
                "add indicators"
            ),
        )
    if n_groups > 1:
        for g, (label, n_g) in enumerate(zip(gd.labels, gd.nobs, strict=True), start=1):
            own = _own_parameters(table.pt.free, table.group, g)
            if n_g < own:
                raise SurveyDataError(
                    f"group {group} = {_plain(label)!r} has fewer respondents than the "
                    "parameters it alone must identify",
                    column=group,
                    found=f"{n_g} complete rows in group {_plain(label)!r}, {own} free "
                    "parameters of its own",
                    expected="at least as many respondents as group-specific parameters (many "
                    "more for stable estimates)",
                    fix="merge small groups, drop the group, or constrain more parameters "
                    "across groups (group_equal)",
                )
    return df, n_moments, x_moments


# ------------------------------------------------------------------ the pipeline
def fit_blocks(
    table: BlockTable,
    gd: _GroupData,
    ov: Sequence[str],
    *,
    how: Estimation,
    model_text: str,
    definitions: Sequence[Definition] = (),
    fiml: FIMLData | None = None,
    group: str | None = None,
    group_equal: tuple[str, ...] = (),
    group_partial: tuple[str, ...] = (),
    options: Mapping[str, Any] | None = None,
) -> SEMResult:
    """Fit a model to G >= 1 blocks of respondents by ML (MLM, MLR; FIML), as lavaan.

    Parameters
    ----------
    table : BlockTable
        The parameter table of every block.
    gd : _GroupData
        Each block's sample moments (with ``fiml``: the EM moments), N, the rows
        (for robust standard errors; with missing data, NaN for a missing answer),
        the rows left out and the notes to report.
    ov : sequence of str
        The observed variables, in the order of the moments.
    how : Estimation
        Estimator, standard errors, information.
    model_text, definitions
        The model syntax (kept with the result) and its ``:=`` parameters.
    fiml : tuple, optional
        Each block's response patterns and EM saturated moments (``missing = "ml"``).
    group : str, optional
        The grouping column; ``None`` for one group (the result then has the
        single-group shape: no ``group_label`` column, plain tables).
    group_equal, group_partial : tuple of str
        Recorded with a grouped result.
    options : mapping
        The options the front end resolved, recorded in ``provenance.options``.

    Returns
    -------
    SEMResult
        A :class:`~loyaltysem.sem.results.MultiGroupResult` when ``group`` is given.

    Examples
    --------
    The one group of Holzinger and Swineford's CFA through the pipeline (what
    ``loyaltysem.fit(model, hs)`` does; in R ``cfa(model, data = hs)``):

    >>> from loyaltysem.datasets import load_frame
    >>> from loyaltysem.sem.moments import moments_from_data
    >>> from loyaltysem.sem.group_blocks import one_block
    >>> from loyaltysem.sem.specification import specify
    >>> spec = specify("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9")
    >>> moments, notes = moments_from_data(load_frame("holzinger_swineford"), list(spec.ov))
    >>> res = fit_blocks(BlockTable.one_group(spec.partable()), one_block(moments, notes),
    ...                  spec.ov, how=DEFAULTS["ML"], model_text=spec.syntax)
    >>> round(float(res.fit_measures["chisq"]), 3), int(res.fit_measures["df"])
    (85.306, 24)
    """
    fitted, warnings, iterations, converged = _estimate(table, gd, list(ov), how, fiml, group)
    estimates = _estimates(fitted, definitions, warnings)
    measures = _fit_measures_of(fitted)
    provenance = Provenance(
        estimator=how.estimator,
        n=int(sum(gd.nobs)),
        n_excluded=int(sum(gd.n_excluded)) + gd.n_group_missing,
        data_hash=gd.data_hash,
        options=MappingProxyType(dict(options or {})),
    )
    common: dict[str, Any] = {
        "model": model_text,
        "_estimates": estimates,
        "converged": bool(converged),
        "iterations": int(iterations),
        "warnings": tuple(warnings),
        "provenance": provenance,
        "_status": warnings.status(bool(converged)),
        "_x": np.array(fitted.x, copy=True),
    }
    if group is None:
        return _one_group_result(fitted, common, measures)
    return _groups_result(fitted, common, measures, group, group_equal, group_partial)


@dataclass(frozen=True)
class _Fitted:
    """The pipeline after estimation: the blocks, the model at its estimates, their vcov.

    What the tables, the measures and the deferred diagnostics of a result read
    (picklable: a result keeps its diagnostics as bound methods of this).
    """

    table: BlockTable
    gd: _GroupData
    group: str | None  # the grouping column; None: one group, the single-group shape
    ov: list[str]
    ov_x: list[int]  # positions of the fixed.x covariates
    compiled: list[CompiledModel]
    index: list[np.ndarray]
    kernel: MultiGroupKernel
    st: Any
    x: np.ndarray
    vcov: np.ndarray
    how: Estimation
    fiml: FIMLData | None
    robust: RobustParts | None  # the sandwich parts of a scaled test
    robust_extra: Any  # MLR with missing data: RobustFIMLGroups (else None)
    df: int
    n_moments: int
    x_moments: int

    @functools.cached_property
    def plans(self) -> list[StandardizationPlan]:
        """Each block's std.all plan."""
        return [StandardizationPlan.build(cm, "std.all") for cm in self.compiled]

    @property
    def first_order(self) -> tuple[np.ndarray, ...] | None:
        """Each block's first-order information of the saturated model (FIML MLR)."""
        if self.robust_extra is None or self.fiml is None:
            return None
        return tuple(self.robust_extra.first_order)

    def std_residuals(self) -> tuple[np.ndarray, ...]:
        """Each block's standardized residuals (:func:`_std_residuals`)."""
        return _std_residuals(
            self.kernel, self.st, self.gd, self.how, self.fiml is not None, tuple(self.ov_x),
            self.first_order, self.vcov,
        )  # fmt: skip

    def one_std_residuals(self) -> np.ndarray:
        """The one block's standardized residuals (G = 1)."""
        if self.fiml is not None and self.how.information != "observed":
            _not_available(
                "standardized residuals of a full-information ML fit with the expected information",
                "fit with information='observed' (lavaan's default with missing='ml')",
            )
        return self.std_residuals()[0]

    def modification_indices(self) -> pd.DataFrame:
        """Modification indices of every block (``sem.modindices.modification_indices``)."""
        return modindices.modification_indices(
            self.kernel, self.compiled, self.index, self.table.frame, self.x, self.gd,
            fiml=self.fiml,
        )  # fmt: skip

    def one_modification_indices(self) -> pd.DataFrame:
        """The one block's modification indices: no ``group`` column (G = 1)."""
        return self.modification_indices()[list(modindices.ONE_GROUP_MI_COLUMNS)]


def _estimate(
    table: BlockTable,
    gd: _GroupData,
    ov: list[str],
    how: Estimation,
    fiml: FIMLData | None,
    group: str | None,
) -> tuple[_Fitted, Findings, int, bool]:
    """Compile, start, optimize, and the covariance of the estimates (stages 1 to 3)."""
    q = table.n_free
    means = _means(gd, table)
    compiled, index, x0 = compile_blocks(table, ov, gd.covs, means)
    ov_x = [ov.index(v) for v in compiled[0].ov_x]  # fixed.x covariates
    df, n_moments, x_moments = check_identified(
        table, len(ov), len(ov_x), means[0] is not None, gd, group
    )
    ml_kernel = MultiGroupKernel([cm.layout for cm in compiled], index, gd.covs, means, gd.nobs, q)
    # principal-component starts, then lavaan's per block; the point checked (issue 14)
    starts: list[tuple[str, Any]] = [("principal component", x0)]
    starts += group_starts(compiled, index, gd.covs, means, q)
    kernel, optimizer = ml_kernel, cast(Callable[..., Any], optimize)
    if fiml is not None:  # every start: ML to the EM moments, then on to the FIML optimum
        per_block = [
            fiml_kernel.FIMLKernel(cm.layout, pat, h1)
            for cm, pat, h1 in zip(compiled, *fiml, strict=True)
        ]
        kernel = MultiGroupKernel.from_kernels(per_block, index, gd.nobs, q)
        optimizer = functools.partial(optimize, approach=ml_kernel, **fiml_kernel.APPROACHED)
    run = minimize(kernel, starts, optimizer, information=how.information)
    warnings = Findings(gd.notes)
    if not run.converged:
        warnings.add("convergence", f"{run.reason}: the estimates are not to be trusted")
    for g, h1 in enumerate(() if fiml is None else fiml[1]):
        if not h1.converged:
            warnings.add(
                "note",
                f"{_prefix(gd, group, g)}the EM estimates of the saturated moments did not "
                f"converge in {h1.iterations} iterations: chi-square and the fit indices are "
                "approximate",
            )
    vcov, robust, extra = _vcov(kernel, run.state, run, gd, how, fiml, ov_x, warnings)
    fitted = _Fitted(
        table, gd, group, ov, ov_x, compiled, index, kernel, run.state, run.x, vcov, how, fiml,
        robust, extra, df, n_moments, x_moments,
    )  # fmt: skip
    return fitted, warnings, run.iterations, run.converged


def _prefix(gd: _GroupData, group: str | None, g: int) -> str:
    """How a message names block ``g``: nothing for one group, ``group wave = 2: ``."""
    return "" if group is None else f"group {group} = {_plain(gd.labels[g])!r}: "


def _block_rows(table: BlockTable) -> list[Any]:
    """Each block's rows of the table (all of them for one block)."""
    if table.n_groups == 1:
        return [slice(None)]
    return [np.flatnonzero(table.group == g + 1) for g in range(table.n_groups)]


def _estimates(
    fitted: _Fitted, definitions: Sequence[Definition], warnings: Findings
) -> pd.DataFrame:
    """Stage 4a: every row's estimate, SE and standardized solution; admissibility checked.

    One batch per block gives its rows' values and standard deviations at the 2q + 1
    points of the delta method's central differences (``std.all`` and its SEs); row 0
    of that batch, at the estimates, is the unstandardized estimate and, with the
    ``std.lv`` factors of the same standard deviations, the ``std.lv`` value (the
    numbers of a separate evaluation at the estimates, which they replace).
    """
    table, x, vcov = fitted.table, fitted.x, fitted.vcov
    n_rows = len(table.pt)
    points, h = central_points(x)
    q = len(x)
    # the one global parameter each point moves (-1: the estimates themselves)
    moved = np.concatenate([[-1], np.arange(q), np.arange(q)])
    std_all_b = np.empty((len(points), n_rows))
    est, std_lv = np.empty(n_rows), np.empty(n_rows)
    rows_of = _block_rows(table)
    blocks = zip(fitted.compiled, fitted.index, rows_of, fitted.plans, strict=True)
    for g, (cm, idx, rows, plan) in enumerate(blocks):
        if _is_identity(idx, q):
            values, sds = plan.values_and_sds(points, moved=moved)
        else:  # the block's own parameters: local numbers, -1 for the others' parameters
            local = np.full(q + 1, -1)
            local[idx] = np.arange(len(idx))
            values, sds = plan.values_and_sds(points[:, idx], moved=local[moved])
        std_all_b[:, rows] = values * plan.scale(sds)
        est[rows] = est_g = values[0]
        std_lv[rows] = values[0] * StandardizationPlan.build(cm, "std.lv").scale(sds[:1])[0]
        _check_admissible(cm, x[idx], est_g, _prefix(fitted.gd, fitted.group, g), warnings)
    free = table.pt.free
    is_free = free > 0
    se = np.zeros(n_rows)
    se[is_free] = np.sqrt(np.clip(np.diag(vcov), 0.0, None))[free[is_free] - 1]
    se[~_table_masks(table.pt).parameters] = np.nan
    defined = DefinedParameters(definitions, table.pt, est) if definitions else None
    if defined is not None:
        std_all_b = np.hstack([std_all_b, defined.from_rows(std_all_b)])
    std_all, se_std_all = std_all_b[0], delta_se(std_all_b, h, vcov)
    labels = None if fitted.group is None else [_plain(v) for v in fitted.gd.labels]
    return estimates_table(
        table.pt, est, se, std_lv, std_all, se_std_all, defined, x, vcov,
        group=table.group if table.n_groups > 1 else None, group_labels=labels,
    )  # fmt: skip


def _is_identity(index: np.ndarray, q: int) -> bool:
    """Whether a block's global parameter index is ``0..q-1`` (one group: no gather)."""
    return len(index) == q and (q == 0 or (int(index[0]) == 0 and int(index[-1]) == q - 1))


def _fit_measures_of(fitted: _Fitted) -> dict[str, float]:
    """Stage 4b: each block's fit measures, the joint ones, the scaled and FIML-corrected."""
    kernel, st, gd, one = fitted.kernel, fitted.st, fitted.gd, fitted.group is None
    n_groups = fitted.table.n_groups
    f_groups = kernel.group_objectives(st)
    per_block = [
        _block_measures(
            kernel, g, st.states[g], float(f_groups[g]), fitted.compiled[g], gd,
            fitted.table.n_free, fitted.fiml, fitted.ov_x, one,
        )
        for g in range(n_groups)
    ]  # fmt: skip
    if one:  # one block's own measures (the joint rules give the same, to 1e-12)
        measures = per_block[0]
    else:
        measures = _multigroup_measures(
            per_block, gd.nobs, fitted.table.n_free, fitted.df, fitted.n_moments
        )
    if fitted.robust is not None:
        measures.update(_scaled(measures, fitted))
    if fitted.fiml is not None:  # Zhang & Savalei's corrected *.robust indices (lavaan 0.6.14)
        first_order = None if fitted.robust_extra is None else fitted.robust_extra.first_order
        measures.update(_fiml_corrected(fitted, measures, first_order, one))
    return measures


@dataclass(frozen=True)
class _GroupStd:
    """One group's std.all rows from a batch of the global parameter vectors."""

    plan: StandardizationPlan
    index: np.ndarray

    def __call__(self, xs: np.ndarray) -> np.ndarray:
        return self.plan.evaluate(np.atleast_2d(xs)[:, self.index])


def _block_measures(
    kernel: MultiGroupKernel,
    g: int,
    gst: Any,
    f_g: float,
    cm: CompiledModel,
    gd: _GroupData,
    q: int,
    fiml: FIMLData | None,
    ov_x_idx: list[int],
    one: bool,
) -> dict[str, float]:
    """One block's fit measures (its chi-square part, GFI; likelihoods under FIML)."""
    gk = kernel.kernels[g]
    likelihoods = None
    x_cov_h1 = None
    if fiml is not None:
        pat, h1 = fiml[0][g], fiml[1][g]
        logl_b = fiml_kernel.independence_loglik(pat, h1, ov_x_idx)
        likelihoods = (float(gst.loglik), h1.loglik, logl_b)
        if ov_x_idx:  # lavaan: the covariates' h1 part from the pairwise moments
            n_g = gd.nobs[g]
            cov_a = fiml_kernel.available_moments(pat)[1] * (n_g - 1) / n_g
            x_cov_h1 = cov_a[np.ix_(ov_x_idx, ov_x_idx)]
    complete = fiml is None
    measures = _fit_measures(
        gk,
        gst.sigma,
        f_g,
        gd.nobs[g],
        q,
        ov_x_idx,
        gst.mu,
        likelihoods=likelihoods,
        x_cov_h1=x_cov_h1,
        sigma_inv=gst.sigma_inv if complete else None,
        logdet=gst.logdet if complete else math.nan,
    )
    if fiml is not None and not one:  # one block: _fiml_measures sets it with the rest
        measures["gfi"] = fiml_gfi(gk, gst, ov_x_idx)
    return measures


def _scaled(measures: Mapping[str, float], fitted: _Fitted) -> dict[str, float]:
    """The ``*.scaled`` and ``*.robust`` measures (lavaan) of an MLM/MLR fit.

    One block: the single-group formulas
    (:func:`loyaltysem.sem.measures._scaled_measures`) with its baseline's trace.
    Several: the traces summed over groups and the RMSEA family on ``N / G``
    (lavaan's ``lav_fit_rmsea``: ``sqrt(G)`` times the single-group value at N).
    """
    how, robust, extra, gd, table = (
        fitted.how,
        cast(RobustParts, fitted.robust),
        fitted.robust_extra,
        fitted.gd,
        fitted.table,
    )
    ov_x, p, fiml = fitted.ov_x, len(fitted.ov), fitted.fiml is not None
    has_means = _table_masks(table.pt).meanstructure
    n_moments = fitted.n_moments - table.n_groups * fitted.x_moments
    if how.estimator not in ("MLM", "MLR"):
        return {}
    n_groups = table.n_groups
    mlr = how.se == "robust.huber.white"
    if fiml:  # the independence model's trace from the casewise scores of every row
        trace_b = extra.trace_null
    else:
        trace_b = robust_baseline_groups(gd.data, gd.covs, mlr=mlr, ov_x=ov_x, means=has_means)
    if n_groups == 1:  # one block: lavaan's single-group counts
        if fiml:
            px = len(ov_x)  # fixed.x: the covariates' own moments are not counted
            n_h1 = p * (p + 3) // 2 - px * (px + 3) // 2 if px else 0
            robust = replace(robust, n_h1=n_h1)
        parts = _Robust(robust, RobustParts(np.empty((0, 0)), trace_b))
        fm = {**measures, "_p": float(p), "_means": float(has_means)}
        return _scaled_measures(fm, parts)
    parts = _Robust(robust, RobustParts(np.empty((0, 0)), trace_b))
    fm = {**measures, "ntotal": measures["ntotal"] / n_groups, "_p": 1.0, "_means": 1.0}
    out = _scaled_measures(fm, parts)
    if "scaling.factor.h1" in out:
        # lavaan divides by its own counts: every sample moment, and every free row of
        # the parameter table (a parameter shared by G groups counts G times)
        out["scaling.factor.h1"] = robust.trace_h1 / n_moments
        out["scaling.factor.h0"] = robust.trace_h0 / int((table.pt.free > 0).sum())
    return out


def _fiml_corrected(
    fitted: _Fitted,
    fm: Mapping[str, float],
    first_order: Sequence[np.ndarray] | None,
    one: bool,
) -> dict[str, float]:
    """GFI and Zhang & Savalei's FIML-corrected ``*.robust`` indices (lavaan 0.6.14).

    As ``lav_fit_cfi_lavobject`` and ``lav_fit_rmsea_lavobject`` with ``missing =
    "ml"``: the corrected statistics and scaling factors of all blocks (version "V6"
    for ML, "V3" with each block's first-order information for MLR) in the
    single-group formulas, CFI/TLI/RNI with the summed baseline, the RMSEA family
    multiplied by ``sqrt(G)`` and its close-fit tests with the noncentrality
    ``N df h0^2 / (c G)``. One block: :func:`loyaltysem.sem.measures._fiml_measures`.
    """
    kernel, st, ov_x, how = fitted.kernel, fitted.st, fitted.ov_x, fitted.how
    n_groups = fitted.table.n_groups
    if one:
        fk = cast(fiml_kernel.FIMLKernel, kernel.kernels[0])
        return _fiml_measures(
            fk,
            st.states[0],
            fm,
            how.information,
            None if first_order is None else first_order[0],
            ov_x,
        )
    df, df_b = fm["df"], fm["baseline.df"]
    n = float(kernel.n)
    try:
        ct = corrected_groups(
            kernel, st, df, df_b, observed=True, first_order=first_order, ov_x=ov_x
        )
    except (np.linalg.LinAlgError, ValueError):
        ct = fiml_kernel.CorrectedTest(math.nan, math.nan, math.nan, math.nan)
    c, c_b = ct.c_hat, ct.c_hat_null
    out: dict[str, float] = {
        "cfi.robust": fi.cfi(ct.chisq, df, ct.chisq_null, df_b, c, c_b),
        "tli.robust": fi.tli(ct.chisq, df, ct.chisq_null, df_b, c, c_b),
        "rni.robust": fi.rni(ct.chisq, df, ct.chisq_null, df_b, c, c_b),
    }
    out["nnfi.robust"] = out["tli.robust"]
    root_g = math.sqrt(n_groups)
    x2_scaled = ct.chisq / c
    out["rmsea.robust"] = fi.rmsea(ct.chisq, df, n / n_groups, c)
    lo, hi = fi.rmsea_ci(x2_scaled, df, n, c_hat=c)  # lavaan: sqrt(c lambda / (N df)) sqrt(G)
    out["rmsea.ci.lower.robust"], out["rmsea.ci.upper.robust"] = lo * root_g, hi * root_g
    out["rmsea.pvalue.robust"] = fi.rmsea_pvalue(x2_scaled, df, n / n_groups, 0.05, c_hat=c)
    out["rmsea.notclose.pvalue.robust"] = (
        1.0 - fi.rmsea_pvalue(x2_scaled, df, n / n_groups, 0.08, c_hat=c) if df > 0 else math.nan
    )
    return out


# ----------------------------------------------------------------------- result
def _groups_result(
    fitted: _Fitted,
    common: dict[str, Any],
    measures: dict[str, float],
    group: str,
    group_equal: tuple[str, ...],
    group_partial: tuple[str, ...],
) -> MultiGroupResult:
    """A grouped result: per-group tables (lavaan's ``fitted(fit)`` is a list)."""
    gd, ov, x = fitted.gd, fitted.ov, fitted.x
    names = pd.Index(ov)
    labels = [_plain(v) for v in gd.labels]
    implied: dict[Any, tuple[pd.DataFrame, pd.Series]] = {}
    sample: dict[Any, tuple[pd.DataFrame, pd.Series]] = {}
    r2_parts: list[pd.Series] = []
    blocks = zip(fitted.compiled, fitted.index, fitted.st.states, strict=True)
    for g, (cm, idx, gst) in enumerate(blocks):
        r2 = _rsquare(cm, x[idx])
        r2.index = pd.MultiIndex.from_arrays(
            [[labels[g]] * len(r2), list(r2.index)], names=["group_label", "variable"]
        )
        r2_parts.append(r2)
        mu = gst.mu if gst.mu is not None else np.full(len(ov), np.nan)
        implied[labels[g]] = (
            pd.DataFrame(gst.sigma, index=names, columns=names),
            pd.Series(mu, index=names, name="mean"),
        )
        sample[labels[g]] = (
            pd.DataFrame(gd.covs[g], index=names, columns=names),
            pd.Series(gd.means[g], index=names, name="mean"),
        )
    table = fitted.table
    score = None
    if table.eq_pairs and table.frame is not None:
        score = Once(
            _ScoreTests(
                fitted.kernel, fitted.compiled, fitted.index, table.frame, table.eq_pairs, x, gd,
                fitted.fiml,
            )
        )  # fmt: skip
    f_groups = fitted.kernel.group_objectives(fitted.st)
    return MultiGroupResult(
        **common,
        group=group,
        group_labels=tuple(labels),
        group_equal=group_equal,
        group_partial=group_partial,
        _fit_measures=pd.Series(measures, name="fit_measures"),
        _chisq_group=pd.Series(
            [gd.nobs[g] * float(f_groups[g]) for g in range(len(labels))],
            index=pd.Index(labels, name=group),
            name="chisq",
        ),
        _r2=pd.concat(r2_parts) if r2_parts else pd.Series(dtype=float),
        _nobs=pd.Series(list(gd.nobs), index=pd.Index(labels, name=group), name="n"),
        _implied=MappingProxyType(implied),
        _sample=MappingProxyType(sample),
        _vcov=pd.DataFrame(fitted.vcov),
        _score=score,
        _std_all_batches=tuple(
            _GroupStd(plan, idx) for plan, idx in zip(fitted.plans, fitted.index, strict=True)
        ),
        _std_residuals=Once(fitted.std_residuals),
        _modindices=Once(fitted.modification_indices),
    )


def _one_group_result(
    fitted: _Fitted, common: dict[str, Any], measures: dict[str, float]
) -> SEMResult:
    """A one-group result: plain tables (lavaan's ``fitted(fit)`` is a matrix, not a list)."""
    cm, idx, st0, ov = fitted.compiled[0], fitted.index[0], fitted.st.states[0], fitted.ov
    mu = st0.mu
    return SEMResult(
        **common,
        _fit_measures=_measures_series(measures),
        _r2=Once(functools.partial(_rsquare, cm, fitted.x[idx])),
        _implied_cov=Once(functools.partial(_square_frame, st0.sigma, ov)),
        _sample_cov=Once(functools.partial(_square_frame, fitted.gd.covs[0], ov)),
        _vcov=Once(functools.partial(pd.DataFrame, fitted.vcov)),
        _modindices=fitted.one_modification_indices,
        _std_residuals=fitted.one_std_residuals,
        _std_all_batch=_GroupStd(fitted.plans[0], idx),
        _implied_mean=None if mu is None else Once(functools.partial(_mean_series, mu, ov)),
    )


def _std_residuals(
    kernel: MultiGroupKernel,
    st: Any,
    gd: _GroupData,
    how: Estimation,
    fiml: bool = False,
    ov_x: tuple[int, ...] = (),
    first_order: tuple[np.ndarray, ...] | None = None,
    vcov: np.ndarray | None = None,
) -> tuple[np.ndarray, ...]:
    """Each block's standardized covariance residuals, as lavaan 0.6.14 (G >= 1).

    ``lav_residuals_acov`` group by group: ``Q_g = I - (n_g/N) Delta_g A0^-1 Delta_g'
    A1_g`` with ``A0 = sum_g (n_g/N) Delta_g' A1_g Delta_g`` the joint information
    (``observed.information = "h1"``), ``ACOV_g = Q_g Gamma_g Q_g' / n_g``; ``Gamma_g``
    normal-theory at the sample moments for ML, ADF for MLM/MLR; ``A1_g`` expected,
    or observed for MLR (see :func:`loyaltysem.sem.residuals.moment_standardized_residuals`).
    lavaan 0.7 adds the terms that equality constraints carry between groups; 0.6.14,
    our reference, does not.

    With full-information ML (``fiml``) or fixed.x covariates (``ov_x``, their
    positions) the moments are the means and ``vech`` of every group
    (:func:`_moment_residual_parts`): ``A1_g`` the (FIML, observed for ``missing =
    "ml"``) information at the implied moments, ``Gamma_g / n_g`` the inverse of the
    same information at the saturated moments (the EM estimates with missing data)
    over ``n_g`` -- the sandwich with the first-order information ``first_order`` for
    MLR (``lav_model_h1_acov``) -- and the covariates' moments carry no information
    (zero rows and columns, inverted on the rest), as in lavaan.
    """
    means = fiml or kernel.kernels[0].mean is not None
    if fiml or (ov_x and means):
        return _moment_std_residuals(kernel, st, gd, fiml, ov_x, first_order)
    if not gd.data or ov_x:
        # no rows (summary statistics), or fixed.x covariates without a mean structure:
        # normal theory from the covariance of the estimates, Q_g = I - Delta_g (n_g
        # vcov_g) Delta_g' A1_g (n_g vcov_g = (n_g / N) A0^-1 where vcov = A0^-1 / N)
        return tuple(
            standardized_residuals(
                k.s, s.sigma, k.jacobian(s), np.asarray(vcov)[np.ix_(idx, idx)], int(n), list(ov_x)
            )
            for k, s, idx, n in zip(kernel.kernels, st.states, kernel.index, gd.nobs, strict=True)
        )
    parts = [
        residual_parts(
            values,
            k.s,
            s.sigma,
            k.jacobian(s),
            adf=how.se != "standard",
            observed=how.information == "observed",
            mean=k.mean,
            mu=s.mu,
            delta_mean=None if k.mean is None else k.mean_jacobian(s),
        )
        for k, s, values in zip(kernel.kernels, st.states, gd.data, strict=True)
    ]
    a0 = np.zeros((kernel.n_free, kernel.n_free))
    for part, idx, w in zip(parts, kernel.index, kernel.weights, strict=True):
        a0[np.ix_(idx, idx)] += w * part.a0()
    a0_inv = np.linalg.pinv(a0, hermitian=True)  # lavaan: use.ginv = TRUE
    return tuple(
        part.standardize(w * a0_inv[np.ix_(idx, idx)], n)
        for part, idx, w, n in zip(parts, kernel.index, kernel.weights, gd.nobs, strict=True)
    )


def _moment_std_residuals(
    kernel: MultiGroupKernel,
    st: Any,
    gd: _GroupData,
    fiml: bool,
    ov_x: tuple[int, ...],
    first_order: tuple[np.ndarray, ...] | None,
) -> tuple[np.ndarray, ...]:
    """:func:`_std_residuals` of FIML fits and fits with fixed.x covariates.

    Per group ``g`` (moments ``(mu, vech Sigma)``, the order of
    :func:`loyaltysem._kernels.fiml.information`): ``A1_g`` at the implied moments,
    ``ACOV_h1_g = A_h1_g^+ [J_g A_h1_g^+] / n_g`` at the saturated ones (``^+``: the
    inverse on the moments that are not the covariates'), ``A0 = sum_g (n_g/N)
    Delta_g' A1_g Delta_g`` (pseudo-inverted, lavaan's ``use.ginv``), ``Q_g = I -
    (n_g/N) Delta_g A0^-1 Delta_g' A1_g`` and ``z = r / sqrt(diag(Q_g ACOV_h1_g
    Q_g'))``, with lavaan's rules for tiny residuals and variances
    (:func:`loyaltysem._kernels.fiml.standardized_residuals`, the one-group case).
    Complete data without FIML: expected information, normal theory (ML only).
    """
    a1s: list[np.ndarray] = []
    acovs: list[np.ndarray] = []
    deltas: list[np.ndarray] = []
    resids: list[np.ndarray] = []
    for g, (k, s) in enumerate(zip(kernel.kernels, st.states, strict=True)):
        p = len(gd.covs[g])
        rows, cols, _ = fiml_kernel.vech_index(p)
        keep = ~fiml_kernel.x_moments(p, ov_x)
        if fiml:
            fk = cast(fiml_kernel.FIMLKernel, k)
            pat, mu, sigma = fk.pat, s.base.mu, s.base.sigma
            delta = fk.moment_jacobian(s)
        else:
            pat, mu, sigma = fiml_kernel.patterns(gd.data[g]), s.mu, s.sigma
            delta = np.vstack([k.mean_jacobian(s).T, k.jacobian(s)[:, rows, cols].T])
        a_h1 = fiml_kernel.information(pat, gd.means[g], gd.covs[g], observed=fiml)
        a1 = fiml_kernel.information(pat, mu, sigma, observed=fiml)
        for mat in (a_h1, a1):
            mat[~keep, :] = 0.0
            mat[:, ~keep] = 0.0
        acov = fiml_kernel._inv_nonzero(a_h1, keep)
        if first_order is not None:
            acov = acov @ first_order[g] @ acov
        a1s.append(a1)
        acovs.append(acov / gd.nobs[g])
        deltas.append(delta)
        resids.append(np.concatenate([gd.means[g] - mu, (gd.covs[g] - sigma)[rows, cols]]))
    a0 = np.zeros((kernel.n_free, kernel.n_free))
    for a1, delta, idx, w in zip(a1s, deltas, kernel.index, kernel.weights, strict=True):
        a0[np.ix_(idx, idx)] += w * (delta.T @ a1 @ delta)
    a0_inv = np.linalg.pinv(a0, hermitian=True)  # lavaan: use.ginv = TRUE
    out: list[np.ndarray] = []
    for a1, acov, delta, resid, idx, w in zip(
        a1s, acovs, deltas, resids, kernel.index, kernel.weights, strict=True
    ):
        q_mat = np.eye(len(delta)) - w * delta @ a0_inv[np.ix_(idx, idx)] @ delta.T @ a1
        var = np.diag(q_mat @ acov @ q_mat.T).copy()
        var[~np.isfinite(var) | (var < np.finfo(float).eps)] = np.nan
        with np.errstate(invalid="ignore"):
            z = np.where(np.abs(resid) < 1e-5, resid, resid / np.sqrt(var))
        p = len(gd.covs[len(out)])
        rows, cols, _ = fiml_kernel.vech_index(p)
        z_cov = np.empty((p, p))
        z_cov[rows, cols] = z[p:]
        z_cov[cols, rows] = z[p:]
        out.append(z_cov)
    return tuple(out)


class _ScoreTests:
    """Deferred ``lavTestScore``: the row parameterization at the constrained estimates.

    lavTestScore's default ``information = "expected"``: for a full-information ML
    fit (``fiml``: each group's patterns and EM moments) the FIML expected
    information at the model's moments (lavaan's structured h1 information) and the
    gradient of the FIML log-likelihood, from one
    :class:`~loyaltysem._kernels.fiml.FIMLKernel` per group; for MLR fits the same
    ordinary score test (lavaan warns that it is not robust).
    """

    def __init__(
        self,
        kernel: MultiGroupKernel,
        compiled: Sequence[CompiledModel],
        index: Sequence[np.ndarray],
        table: pd.DataFrame,
        eq_pairs: tuple[tuple[int, int], ...],
        x: np.ndarray,
        gd: _GroupData,
        fiml: tuple[list[fiml_kernel.Patterns], list[fiml_kernel.EMResult]] | None = None,
    ) -> None:
        self.kernel, self.compiled, self.index = kernel, compiled, index
        self.table, self.eq_pairs, self.x, self.gd = table, eq_pairs, x, gd
        self.fiml = fiml

    def __call__(self) -> tuple[pd.DataFrame, pd.Series]:
        t = self.table
        rp = RowParameterization.build(t, self.eq_pairs, self.x)
        gcol = t["group"].to_numpy()
        layouts, idx_full = [], []
        for g, cm in enumerate(self.compiled):
            local, idx = localize(rp.row_param[gcol == g + 1])
            pt = ParTable(
                cm.table.lhs,
                cm.table.op,
                cm.table.rhs,
                local,
                cm.table.ustart,
                cm.table.exo,
                cm.table.label,
            )
            layouts.append(compile_partable(pt, cm.ov, self.gd.covs[g], self.gd.means[g]).layout)
            idx_full.append(idx)
        n_rows = len(rp.rows)
        if self.fiml is None:
            full = MultiGroupKernel(
                layouts, idx_full, self.gd.covs, self.gd.means, self.gd.nobs, n_rows
            )
        else:
            per_group = [
                fiml_kernel.FIMLKernel(lay, pat, h1)
                for lay, pat, h1 in zip(layouts, *self.fiml, strict=True)
            ]
            full = MultiGroupKernel.from_kernels(per_group, idx_full, self.gd.nobs, n_rows)
        x2, total = score_tests(full, rp.x_full, rp.shared, rp.released)
        return score_table(t, self.eq_pairs, x2, total)


def _square_frame(values: np.ndarray, names: Sequence[str]) -> pd.DataFrame:
    """A p x p matrix labelled by the observed variables (implied or sample moments)."""
    index = pd.Index(list(names))
    return pd.DataFrame(values, index=index, columns=index)


def _mean_series(values: np.ndarray, names: Sequence[str]) -> pd.Series:
    return pd.Series(values, index=pd.Index(list(names)), name="mean")


def _not_available(what: str, fix: str) -> Any:
    """Raise the typed error for a statistic this kind of fit does not offer (yet)."""
    raise ModelSpecError(f"{what} are not available yet", found=what, fix=fix)
