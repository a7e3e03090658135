"""Measurement invariance across groups: the configural, metric, scalar and strict ladder.

:func:`invariance` fits the ladder (lavaan ``cfa(..., group = g, group.equal = ...)`` at each
level, compared as semTools ``measurementInvariance()`` / ``compareFit()`` compare them: the
chi-square difference test and the changes in CFI, RMSEA and SRMR against Chen's (2007)
cut-offs), frees the non-invariant parameters one at a time for partial invariance
(score tests, as ``lavTestScore``), and returns an :class:`InvarianceResult`.
``invariance_ordinal()`` is the ladder for ordered items by WLSMV (thresholds, then
loadings; Wu & Estabrook 2016), with the scaled-shifted difference test of
:func:`loyaltysem.sem.ordinal_multigroup.lrt_ordinal`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from loyaltysem._display import DisplayMixin
from loyaltysem.errors import (
    LoyaltySemError,
    MissingDataWarning,
    ModelSpecError,
    SurveyDataError,
)
from loyaltysem.sem.group_blocks import (
    MultiGroupResult,
    _normalize_partial,
    _plain,
    _split_groups,
    _warn_user,
)
from loyaltysem.sem.moments import _check_variables, _survey_frame
from loyaltysem.sem.multigroup import ESTIMATORS, _check_missing, _spec, fit_groups
from loyaltysem.sem.ordinal import (
    PARAMETERIZATIONS,
)
from loyaltysem.sem.ordinal_multigroup import fit_groups_ordinal, lrt_ordinal
from loyaltysem.sem.specification import ModelSpec
from loyaltysem.status import Status, quiet, warn_status

__all__ = [
    "CUTOFFS",
    "INVARIANCE_LEVELS",
    "ORDINAL_CUTOFFS",
    "ORDINAL_INVARIANCE_LEVELS",
    "ORDINAL_THETA_LEVELS",
    "InvarianceResult",
    "invariance",
    "invariance_ordinal",
]

#: The invariance ladder: each level's ``group_equal``.
INVARIANCE_LEVELS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "configural": (),
        "metric": ("loadings",),
        "scalar": ("loadings", "intercepts"),
        "strict": ("loadings", "intercepts", "residuals"),
    }
)

#: Cut-offs of the change in fit from one level to the next: ΔCFI ≥ -.010 (Cheung &
#: Rensvold 2002); ΔRMSEA ≤ .015 and ΔSRMR ≤ .030 for metric, ≤ .010 for scalar and
#: strict invariance (Chen 2007).
CUTOFFS: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {
        "metric": MappingProxyType({"cfi": -0.010, "rmsea": 0.015, "srmr": 0.030}),
        "scalar": MappingProxyType({"cfi": -0.010, "rmsea": 0.015, "srmr": 0.010}),
        "strict": MappingProxyType({"cfi": -0.010, "rmsea": 0.015, "srmr": 0.010}),
    }
)

#: The ordinal invariance ladder: each level's ``group_equal``.
ORDINAL_INVARIANCE_LEVELS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "configural": (),
        "thresholds": ("thresholds",),
        "scalar": ("thresholds", "loadings"),
    }
)

#: The ladder of the theta parameterization: + ``strict`` (thresholds, loadings and the
#: residual variances of ``y*`` equal: 1 in every group; Wu & Estabrook 2016, semTools
#: ``measEq.syntax(..., parameterization = "theta", group.equal = c("thresholds",
#: "loadings", "intercepts", "residuals"))``).
ORDINAL_THETA_LEVELS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {**ORDINAL_INVARIANCE_LEVELS, "strict": ("thresholds", "loadings", "residuals")}
)

#: Cut-offs of the change in the scaled fit indices from one level to the next:
#: ΔCFI ≥ -.010 (Cheung & Rensvold 2002); ΔRMSEA ≤ .015, ΔSRMR ≤ .030 for the first
#: constrained level and ≤ .010 for scalar (Chen 2007).
ORDINAL_CUTOFFS: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {
        "thresholds": MappingProxyType({"cfi": -0.010, "rmsea": 0.015, "srmr": 0.030}),
        "scalar": MappingProxyType({"cfi": -0.010, "rmsea": 0.015, "srmr": 0.010}),
        "strict": MappingProxyType({"cfi": -0.010, "rmsea": 0.015, "srmr": 0.010}),
    }
)


# ---------------------------------------------------------------------- invariance
@dataclass(frozen=True, eq=False, repr=False)
class InvarianceResult(DisplayMixin):
    """The invariance ladder: one fit per level, each tested against the level below.

    Attributes
    ----------
    table : DataFrame
        Indexed by level (``configural, metric, scalar, strict``): ``status``
        (``"fitted"``, ``"not converged"``, ``"improper: ..."`` with what is wrong, e.g.
        ``"improper: converged; inadmissible: x1 ~~ x1 = -0.04"``, or ``"failed"``;
        :attr:`loyaltysem.status.Status.outcome`), ``chisq, df, pvalue, cfi,
        tli, rmsea, srmr``; against the nearest fitted level below (``compared_with``):
        ``delta_chisq, delta_df, p_delta`` (lavTestLRT), ``delta_cfi, delta_rmsea,
        delta_srmr``; ``decision`` (``"baseline"`` for configural, ``"supported"`` when
        every cut-off holds for the step from the level below (``reason`` says when that
        level itself was not supported), ``"partially supported"`` when they hold with some
        parameters freed (``freed``), else ``"not supported"``, ``"failed"``, ``"not
        tested"``), ``reason`` (which cut-off failed, or the error), ``freed`` (the
        parameters free in every group, from the partial search).
    fits : mapping of str to MultiGroupResult
        The fitted levels.
    errors : mapping of str to str
        The levels that could not be fitted, with the error.
    partial : DataFrame
        The partial-invariance search (empty unless requested): per step, the level,
        the parameter freed in every group (``lhs, op, rhs``), the group whose score
        test was largest, ``X2``, and the changes in fit after freeing it.
    notes : tuple of str
        What the ladder leaves out, counted: "166 of 1,225 rows were left out of the
        analysis by group 'gender': 40 with no value of 'gender' and 126 with missing
        answers on model variables (listwise deletion)", then per group, then the
        answers set to missing when the survey was read. Shown in ``summary()``; a
        :class:`~loyaltysem.errors.MissingDataWarning` says the first.
    """

    table: pd.DataFrame
    fits: Mapping[str, MultiGroupResult]
    errors: Mapping[str, str]
    group: str
    partial: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: "continuous" (configural, metric, scalar, strict) or "ordinal" (configural,
    #: thresholds, scalar: ``invariance_ordinal()``)
    kind: str = "continuous"
    #: The rows every level leaves out, counted ("166 of 1,225 rows were left out ..."),
    #: and answers set to missing when the survey was read: the ladder's table notes
    notes: tuple[str, ...] = ()

    _title: ClassVar[str] = "Measurement invariance"

    @property
    def status(self) -> Status:
        """The ladder's status: every fitted level's, its reasons prefixed by the level.

        A level whose fit is improper also says so in its row of ``table``
        (``status``, ``reason``).
        """
        return Status.combine({level: res.status for level, res in self.fits.items()})

    def _repr_parts(self) -> list[str]:
        return [
            f"group={self.group!r}",
            f"kind={self.kind}",
            *(
                f"{level}={str(d).replace(' ', '_') or 'failed'}"
                for level, d in self.table["decision"].items()
            ),
            f"errors={len(self.errors)}" if self.errors else "",
        ]

    _na_rep: ClassVar[str] = ""

    def to_frame(self) -> pd.DataFrame:
        """The ladder table (``table``)."""
        return self.table.copy()

    def _header(self) -> list[str]:
        first = "thresholds" if self.kind == "ordinal" else "metric"
        rest = ", ".join(lv for lv in self.table.index if lv in ("scalar", "strict")) or "scalar"
        fitted = next(iter(self.fits.values()), None)
        named = ""
        if fitted is not None:
            sizes = fitted.nobs
            named = " (" + ", ".join(f"{_plain(g)}: {int(n)}" for g, n in sizes.items()) + ")"
        lines = [
            *self.status.header(),
            f"groups: {self.group!r}{named}",
            "cut-offs: ΔCFI ≥ -.010 (Cheung & Rensvold 2002); ΔRMSEA ≤ .015, ΔSRMR ≤ .030 "
            f"({first}) or .010 ({rest}) (Chen 2007)",
        ]
        if self.kind == "ordinal":
            lines.append(
                "ordinal ladder (Wu & Estabrook 2016): chi-square, CFI, TLI, RMSEA are the "
                "scaled ones; Δχ² is lavTestLRT's scaled-shifted difference (satorra.2000)"
            )
        lines += [f"note: {note}" for note in self.notes]
        return lines + [f"FAILED {k}: {v}" for k, v in self.errors.items()]

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "Invariance ladder", self.table
        if len(self.partial):
            yield "Partial invariance search", self.partial


def _decide(
    cut: Mapping[str, float], d_cfi: float, d_rmsea: float, d_srmr: float
) -> tuple[str, str]:
    """A level's decision from the changes in fit and its cut-offs (and why not)."""
    failed = []
    if not d_cfi >= cut["cfi"]:
        failed.append(f"ΔCFI = {d_cfi:.4f} < {cut['cfi']:.3f}")
    if not d_rmsea <= cut["rmsea"]:
        failed.append(f"ΔRMSEA = {d_rmsea:.4f} > {cut['rmsea']:.3f}")
    if not d_srmr <= cut["srmr"]:
        failed.append(f"ΔSRMR = {d_srmr:.4f} > {cut['srmr']:.3f}")
    if failed:
        return "not supported", "; ".join(failed)
    return "supported", ""


def _lrt(restricted: pd.Series, free: pd.Series) -> tuple[float, float, float]:
    """Likelihood-ratio test of two nested fits (lavTestLRT): Δχ², Δdf, p.

    ML: the difference of the statistics. MLM/MLR (both fits with a
    ``chisq.scaling.factor``): Satorra & Bentler's (2001) scaled difference, lavaan's
    default ``method = "satorra.bentler.2001"``: ``c_d = (df_0 c_0 - df_1 c_1) /
    (df_0 - df_1)``, ``T_d = (chisq_0 - chisq_1) / c_d``.
    """
    d_chisq = float(restricted["chisq"] - free["chisq"])
    d_df = float(restricted["df"] - free["df"])
    if "chisq.scaling.factor" in restricted.index and d_df > 0:
        c_d = (
            restricted["df"] * restricted["chisq.scaling.factor"]
            - free["df"] * free["chisq.scaling.factor"]
        ) / d_df
        d_chisq = d_chisq / c_d if c_d > 0 else math.nan
    d_chisq = round(d_chisq, 10)
    p = float(stats.chi2.sf(d_chisq, d_df)) if d_df > 0 else math.nan
    return d_chisq, d_df, p


def invariance(
    model: str | ModelSpec | Any,
    data: Any,
    group: str,
    *,
    estimator: str | None = None,
    levels: Sequence[str] | None = None,
    std_lv: bool = False,
    partial: bool = False,
    max_free: int = 10,
    partial_criterion: str = "fit",
    alpha: float = 0.05,
    missing: str = "listwise",
    ordered: bool | Sequence[str] | None = None,
    parameterization: str = "delta",
) -> InvarianceResult:
    r"""Measurement invariance across groups: configural → metric → scalar → strict.

    Each level is :func:`fit_groups` with lavaan's ``group.equal`` for it (metric:
    ``"loadings"``; scalar: ``+ "intercepts"``; strict: ``+ "residuals"``), fitted on its
    own: a level that fails (an error, or no convergence) is reported as such in the
    table and the other levels are still fitted. Each level is compared with the
    nearest fitted level below it by the likelihood-ratio test of nested ML models
    (``lavaan::lavTestLRT``) and by the changes in CFI, RMSEA and SRMR; a level is
    ``"supported"`` when ΔCFI ≥ -.010 (Cheung & Rensvold 2002) and ΔRMSEA ≤ .015 and
    ΔSRMR ≤ .030 for metric, ≤ .010 for scalar and strict (Chen 2007). The χ²
    difference is reported but does not decide: with hundreds of respondents per
    group it rejects trivial differences (Cheung & Rensvold 2002).

    Parameters
    ----------
    model, data, group
        As in :func:`fit_groups`.
    estimator : {"ML", "MLM", "MLR"}
        As in :func:`fit_groups`. With MLM/MLR the table holds the scaled test
        (``chisq.scaled``, ``pvalue.scaled``) and the robust indices (``cfi.robust``,
        ``tli.robust``, ``rmsea.robust``) and ``delta_chisq`` is lavTestLRT's
        Satorra–Bentler (2001) scaled difference; the cut-offs apply to the robust
        indices.
    levels : sequence of str, optional
        The levels to fit, in ladder order (default: all of them).
    std_lv : bool, default False
        Scale the latent variables by their variances (in group 1) instead of marker
        loadings. The partial search needs it to test a marker item's loading.
    partial : bool, default False
        Search for partial invariance at each level that is not supported: free (in
        every group, lavaan's ``group.partial``) the constrained parameter of that
        level's kind with the largest score test (``lavTestScore``), refit, and repeat
        until the level is supported or ``max_free`` parameters are free. The higher
        levels then keep the parameters freed below them.
    max_free : int, default 10
        Most parameters freed per level by the partial search.
    partial_criterion : {"fit", "chisq"}, default "fit"
        When the partial search stops: ``"fit"`` as soon as the cut-offs hold;
        ``"chisq"`` when, in addition, the χ² difference test is not significant at
        ``alpha`` (the strict rule of Byrne, Shavelson & Muthén 1989, which also
        frees the smaller differences).
    alpha : float, default 0.05
        Significance level of ``partial_criterion="chisq"``.
    missing : {"listwise", "ml"}, default "listwise"
        As in :func:`fit_groups`, for every level and every refit of the partial
        search: ``"ml"`` fits each level by full-information ML (lavaan ``missing =
        "ml"``; ML or MLR), so every level uses every respondent with an answer and
        the same saturated (EM) moments, and the χ² differences are lavTestLRT's
        for those fits. The partial search ranks the constraints by lavTestScore's
        tests with the FIML expected information.

    ordered : bool or sequence of str, optional
        Ordinal indicators: the ordinal ladder configural → thresholds → scalar of
        ``invariance_ordinal()`` (WLSMV, or
        ``estimator="ULSMV"``; Wu & Estabrook 2016), with lavTestLRT's scaled-shifted
        differences and the scaled indices in the table.
    parameterization : {"delta", "theta"}
        Of the ordinal ladder: with ``"theta"`` it goes on to ``strict`` (the residual
        variances of y* equal across groups).

    Returns
    -------
    InvarianceResult

    Raises
    ------
    ModelSpecError, SurveyDataError
        Errors that concern every level (the model syntax, the grouping column, a
        group with no more rows than variables, an item constant within a group) are
        raised at once; the errors of one level (too few respondents for that level's
        parameters, df < 0) are reported in the table.

    References
    ----------
    Cheung, G. W., & Rensvold, R. B. (2002). Evaluating goodness-of-fit indexes for
    testing measurement invariance. Structural Equation Modeling, 9(2), 233-255.
    Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement
    invariance. Structural Equation Modeling, 14(3), 464-504.

    Examples
    --------
    The Holzinger–Swineford CFA across schools; in R (semTools' ladder):
    ``cfa(model, data, group = "school", group.equal = ...)`` for each level and
    ``lavTestLRT(configural, metric, scalar, strict)``.

    >>> from loyaltysem.datasets import load_frame
    >>> from loyaltysem.sem.invariance import invariance
    >>> hs = load_frame("holzinger_swineford")
    >>> model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    >>> inv = invariance(model, hs, "school")
    >>> inv.table.loc["scalar", ["delta_chisq", "delta_df"]].round(3).tolist()
    [40.059, 6.0]
    >>> inv.table["decision"].tolist()
    ['baseline', 'supported', 'not supported', 'supported']
    """
    if ordered is not None and ordered is not False:
        with quiet(), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = invariance_ordinal(
                model, data, group, ordered=ordered,
                estimator="WLSMV" if estimator is None else str(estimator).upper(),
                levels=levels, parameterization=parameterization,
                std_lv=std_lv, missing=missing, partial=partial, max_free=max_free,
                partial_criterion=partial_criterion, alpha=alpha,
            )  # fmt: skip
        # every level warns of the same lost rows: say it once, at the user's call
        notes = tuple(
            dict.fromkeys(str(w.message) for w in caught if w.category is MissingDataWarning)
        )
        for w in caught:
            if w.category is not MissingDataWarning:
                _warn_user(str(w.message), w.category)
        if notes:
            _warn_user(notes[0], MissingDataWarning)
        result = InvarianceResult(
            table=out["table"],
            fits=MappingProxyType(dict(out["fits"])),
            errors=MappingProxyType(dict(out["errors"])),
            group=group,
            partial=out["partial"],
            kind="ordinal",
            notes=notes,
        )
        warn_status(result.status, "invariance: ")
        return result
    estimator = "ML" if estimator is None else str(estimator).upper()
    levels = tuple(INVARIANCE_LEVELS) if levels is None else levels
    unknown = [lv for lv in levels if lv not in INVARIANCE_LEVELS]
    if unknown or not levels:
        raise ModelSpecError(
            "unknown invariance level",
            found=list(levels),
            expected=f"levels from {list(INVARIANCE_LEVELS)}",
            fix="levels=('configural', 'metric', 'scalar', 'strict')",
        )
    levels = sorted(dict.fromkeys(levels), key=list(INVARIANCE_LEVELS).index)
    if partial_criterion not in ("fit", "chisq"):
        raise ModelSpecError(
            "unknown partial_criterion",
            found=partial_criterion,
            expected="'fit' (the cut-offs) or 'chisq' (the cut-offs and the χ² difference)",
            fix="partial_criterion='fit'",
        )
    # errors that concern every level are raised here, before any level is fitted
    if estimator not in ESTIMATORS:
        fit_groups(model, data, group, estimator=estimator)  # raises the typed error
    spec = _spec(model, std_lv=std_lv, orthogonal=False, fixed_x=True)
    _check_missing(missing, estimator, spec)
    frame, _ = _survey_frame(data)
    _check_variables(spec, [str(c) for c in frame.columns], "the data")
    # the grouping column, the groups, the items: the same data for every level
    gd = _split_groups(data, group, list(spec.ov), missing=missing, ov_x=spec.ov_x)
    if gd.lost_note:  # once for the ladder, not once per level
        _warn_user(gd.lost_note, MissingDataWarning)
    ladder = _Ladder(
        fit=lambda level, freed: fit_groups(
            spec, data, group, group_equal=INVARIANCE_LEVELS[level], group_partial=freed,
            std_lv=std_lv, estimator=estimator, missing=missing,
        ),
        measures=_measures_row,
        compare=_compare,
        top=lambda res, level, lower: _top_constraint(spec, res, level),
    )  # fmt: skip
    with warnings.catch_warnings(), quiet():  # one warning of the ladder's status below
        warnings.simplefilter("ignore", MissingDataWarning)
        table, fits, errors, steps = _climb(
            ladder, levels, partial, max_free, partial_criterion, alpha
        )
    result = InvarianceResult(
        table=table,
        fits=MappingProxyType(fits),
        errors=MappingProxyType(errors),
        group=group,
        partial=pd.DataFrame(steps),
        notes=gd.notes,
    )
    warn_status(result.status, "invariance: ")
    return result


@dataclass(frozen=True)
class _Ladder:
    """What differs between the continuous and the ordinal ladder; :func:`_climb` is one.

    ``fit(level, freed)`` fits a level with the parameters freed so far
    (``group_partial``); ``measures(res)`` its row's measures (the scaled ones for
    MLM/MLR and ordinal fits); ``compare(level, res, lower, lower_level)`` the
    difference test, the changes in fit and the decision; ``top(res, level, lower)``
    the constraint of the level to free next (name, group, statistic) or None;
    ``raise_first``: errors of the data or the model in the first level are raised
    (the continuous ladder checks them before climbing).
    """

    fit: Callable[[str, tuple[str, ...]], MultiGroupResult]
    measures: Callable[[MultiGroupResult], dict[str, Any]]
    compare: Callable[[str, MultiGroupResult, MultiGroupResult, str], dict[str, Any]]
    top: Callable[[MultiGroupResult, str, MultiGroupResult], tuple[str, int, float] | None]
    raise_first: bool = False


_COLUMNS = ["status", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr",
            "compared_with", "delta_chisq", "delta_df", "p_delta", "delta_cfi",
            "delta_rmsea", "delta_srmr", "decision", "reason", "freed"]  # fmt: skip


def _climb(
    ladder: _Ladder,
    levels: Sequence[str],
    partial: bool,
    max_free: int,
    criterion: str,
    alpha: float,
) -> tuple[pd.DataFrame, dict[str, MultiGroupResult], dict[str, str], list[dict[str, Any]]]:
    """Fit the levels in turn, compare each with the nearest fitted one below, free.

    A level that fails (an error, or no convergence) is reported as such and the
    others are still fitted. Returns the table, the fits, the errors and the steps of
    the partial search.
    """
    fits: dict[str, MultiGroupResult] = {}
    errors: dict[str, str] = {}
    freed: list[str] = []
    steps: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    last: str | None = None
    for level in levels:
        row: dict[str, Any] = {"level": level}
        try:
            res = ladder.fit(level, tuple(freed))
        except (LoyaltySemError, ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
            data_or_model = isinstance(exc, (ModelSpecError, SurveyDataError))
            if ladder.raise_first and level == levels[0] and data_or_model:
                raise
            errors[level] = f"{type(exc).__name__}: {exc}"
            row.update(status="failed", decision="failed", reason=str(exc).split("\n")[0])
            rows.append(row)
            continue
        fits[level] = res
        row.update(ladder.measures(res))
        if not res.converged:
            row.update(decision="failed", reason="the optimizer did not converge")
        elif level == "configural":
            row.update(decision="baseline", reason="")
        elif last is None:
            row.update(decision="not tested", reason="no lower level was fitted to compare with")
        else:
            row.update(ladder.compare(level, res, fits[last], last))
            if partial and not _holds(row, criterion, alpha):
                res, row = _free_until_holds(
                    ladder, level, res, fits[last], last, row, freed, steps, max_free,
                    criterion, alpha,
                )  # fmt: skip
                fits[level] = res
        if row["decision"] == "supported" and row.get("freed"):
            row["decision"] = "partially supported"
        row["status"] = res.status.outcome  # after the partial search's refits
        if res.converged and not res.status.ok:
            note = f"the fit of this level is improper ({res.status.label})"
            row["reason"] = f"{row['reason']}; {note}" if row.get("reason") else note
        below = next((r for r in rows if r["level"] == row.get("compared_with")), None)
        if below is not None and below["decision"] == "not supported":
            note = (
                f"{below['level']} invariance was not supported, and this level includes its "
                "constraints: the decision is about the step from it only"
            )
            row["reason"] = f"{row['reason']}; {note}" if row.get("reason") else note
        rows.append(row)
        if res.converged:
            last = level
    table = pd.DataFrame(rows).set_index("level").reindex(columns=_COLUMNS)
    return table, fits, errors, steps


def _free_until_holds(
    ladder: _Ladder,
    level: str,
    res: MultiGroupResult,
    lower: MultiGroupResult,
    lower_level: str,
    row: dict[str, Any],
    freed: list[str],
    steps: list[dict[str, Any]],
    max_free: int,
    criterion: str,
    alpha: float,
) -> tuple[MultiGroupResult, dict[str, Any]]:
    """The partial search: free the level's constraint ``ladder.top`` names, refit, repeat.

    Until the level holds (:func:`_holds`), no constraint is left, a refit fails or
    ``max_free`` parameters are free; the freed parameters stay free in the levels
    above (``freed``), and each step is recorded.
    """
    for _ in range(max_free):
        top = ladder.top(res, level, lower)
        if top is None:
            break
        name, top_group, x2 = top
        freed.append(name)
        try:
            res = ladder.fit(level, tuple(freed))
        except (LoyaltySemError, ValueError, ArithmeticError, np.linalg.LinAlgError):
            freed.pop()
            break
        row = {**row, **ladder.measures(res), **ladder.compare(level, res, lower, lower_level)}
        steps.append(
            {
                "level": level,
                "freed": name,
                "group": res.group_labels[top_group - 1],
                "X2": x2,
                "delta_cfi": row["delta_cfi"],
                "delta_rmsea": row["delta_rmsea"],
                "delta_srmr": row["delta_srmr"],
                "decision": row["decision"],
            }
        )
        if _holds(row, criterion, alpha):
            break
    if row["decision"] == "supported" and row["freed"]:
        row["decision"] = "partially supported"
    return res, row


#: The measures of an invariance table for MLM/MLR fits: the scaled test and the
#: robust indices (Brosseau-Liard & Savalei 2014), as semTools' ``compareFit`` picks.
_ROBUST_KEYS = MappingProxyType(
    {
        "chisq": "chisq.scaled",
        "pvalue": "pvalue.scaled",
        "cfi": "cfi.robust",
        "tli": "tli.robust",
        "rmsea": "rmsea.robust",
    }
)


def _measure(fm: pd.Series, key: str) -> float:
    """``key`` of a fit, or its robust counterpart for an MLM/MLR fit."""
    if "chisq.scaling.factor" in fm.index:
        key = _ROBUST_KEYS.get(key, key)
    return float(fm[key])


def _measures_row(res: MultiGroupResult) -> dict[str, Any]:
    fm = res.fit_measures
    keys = ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr")
    return {k: _measure(fm, k) for k in keys}


def _compare(
    level: str, res: MultiGroupResult, lower: MultiGroupResult, lower_level: str
) -> dict[str, Any]:
    """The fits' difference test (lavTestLRT), the changes in CFI, RMSEA, SRMR, the decision."""
    fm, fm0 = res.fit_measures, lower.fit_measures
    d_chisq, d_df, p = _lrt(fm, fm0)
    d = {k: _measure(fm, k) - _measure(fm0, k) for k in ("cfi", "rmsea", "srmr")}
    return _comparison(CUTOFFS[level], lower_level, res, (d_chisq, d_df, p), d)


def _comparison(
    cut: Mapping[str, float],
    lower_level: str,
    res: MultiGroupResult,
    test: tuple[float, float, float],
    d: Mapping[str, float],
) -> dict[str, Any]:
    """A compared level's entries of the table (both ladders)."""
    decision, reason = _decide(cut, d["cfi"], d["rmsea"], d["srmr"])
    return {
        "compared_with": lower_level,
        "delta_chisq": test[0],
        "delta_df": test[1],
        "p_delta": test[2],
        "delta_cfi": d["cfi"],
        "delta_rmsea": d["rmsea"],
        "delta_srmr": d["srmr"],
        "decision": decision,
        "reason": reason,
        "freed": ", ".join(res.group_partial),
    }


_LEVEL_KIND = {"metric": "=~", "scalar": "~1", "strict": "~~"}


def _top_constraint(
    spec: ModelSpec, res: MultiGroupResult, level: str
) -> tuple[str, int, float] | None:
    """The level's equality constraint with the largest score test: (name, group, X2).

    The score tests are lavaan's ``lavTestScore`` with the expected information of
    the ML fit (for MLM/MLR fits too: they only rank the constraints; with
    ``missing="ml"`` the FIML expected information).
    """
    kind = _LEVEL_KIND[level]
    tests = res.score_tests()
    tests = tests[tests["op"] == kind]
    if kind == "~~":
        tests = tests[tests["lhs"] == tests["rhs"]]
    if kind == "~1":
        tests = tests[~tests["lhs"].isin(spec.lv)]
    tests = tests[np.isfinite(tests["X2"])]
    if not len(tests):
        return None
    top = tests.iloc[0]
    name = f"{top['lhs']} {top['op']} {top['rhs']}" if kind != "~1" else f"{top['lhs']} ~ 1"
    return name, int(top["group"]), float(top["X2"])


def _holds(row: Mapping[str, Any], criterion: str, alpha: float) -> bool:
    """Whether a level holds under the partial search's stopping rule."""
    if row["decision"] not in ("supported", "partially supported"):
        return False
    return criterion == "fit" or not row["p_delta"] < alpha


# ------------------------------------------------------------------------ invariance
def invariance_ordinal(
    model: str | ModelSpec | Any,
    data: Any,
    group: str,
    *,
    ordered: bool | Sequence[str] = True,
    estimator: str = "WLSMV",
    levels: Sequence[str] | None = None,
    std_lv: bool = False,
    missing: str = "listwise",
    partial: bool = False,
    max_free: int = 10,
    partial_criterion: str = "fit",
    alpha: float = 0.05,
    parameterization: str = "delta",
) -> dict[str, Any]:
    r"""The ordinal invariance ladder configural -> thresholds -> scalar (-> strict).

    Each level is :func:`fit_groups_ordinal` with lavaan's ``group.equal`` for it:
    ``configural`` nothing equal; ``thresholds`` the thresholds equal (Wu & Estabrook
    2016: lavaan then frees the latent means and the scaling factors of groups 2..G);
    ``scalar`` thresholds and loadings equal (with the intercepts of ``y*`` at 0 in
    every group, this is Wu & Estabrook's threshold, loading and intercept invariance,
    and Mplus' "scalar" model for WLSMV). Each level is compared with the nearest
    fitted level below it by :func:`lrt_ordinal` (``lavTestLRT``) and the changes in
    the scaled CFI and RMSEA and in SRMR; cut-offs: ΔCFI ≥ -.010 (Cheung & Rensvold
    2002), ΔRMSEA ≤ .015, ΔSRMR ≤ .030 (thresholds) / .010 (scalar) (Chen 2007). A
    loadings-only ("metric") level is not on the ladder: with lavaan's default
    identification it is not nested between the others (Wu & Estabrook 2016); fit it
    with ``fit_groups_ordinal(..., group_equal=["loadings"])`` if needed.

    ``strict`` (``parameterization="theta"`` only): thresholds, loadings and the
    residual variances of ``y*`` equal (``group.equal = c("thresholds", "loadings",
    "residuals")``; the residual variances are 1 in group 1, so 1 in every group),
    compared with ``scalar`` (where they are free in groups 2..G); cut-offs as scalar
    (ΔSRMR ≤ .010, Chen 2007). It is semTools' strict model of ``measEq.syntax(...,
    ID.cat = "Wu.Estabrook.2016", parameterization = "theta", group.equal =
    c("thresholds", "loadings", "intercepts", "residuals"))``. In the delta
    parameterization the residual variances are not parameters: ``"strict"`` is
    refused there with a :class:`~loyaltysem.errors.ModelSpecError`. The lower levels
    have the same fit in both parameterizations.

    Parameters
    ----------
    model, data, group, ordered, estimator, std_lv, missing, parameterization
        As in :func:`fit_groups_ordinal`.
    levels : sequence of str, optional
        Levels in ladder order; default ``("configural", "thresholds", "scalar")``, and
        with ``parameterization="theta"`` also ``"strict"``.
    partial : bool, default False
        Search for partial invariance at each level that is not supported: free (in
        every group, ``group.partial``) the constrained parameter of that level's kind
        (thresholds ``|`` at the thresholds level, loadings ``=~`` at the scalar level)
        with the largest score test (``lavTestScore``), refit, and repeat until the
        level is supported or ``max_free`` parameters are free. At the strict level the
        residual variances of ``y*`` are fixed at 1 in every group, not constrained
        equal (no score test): the residual variance ``item ~~ item`` with the largest
        modification index (lavaan ``modindices()``) of freeing it in one of groups
        2..G is freed (``group.partial``: free in groups 2..G, 1 in group 1); the
        ``X2`` of its step is that index. Higher levels keep the parameters freed
        below them.
    max_free : int, default 10
        Most parameters freed per level by the partial search.
    partial_criterion : {"fit", "chisq"}, default "fit"
        Stop as soon as the cut-offs hold (``"fit"``), or when the χ² difference test
        is also not significant at ``alpha`` (``"chisq"``).
    alpha : float, default 0.05
        Significance level of ``partial_criterion="chisq"``.

    Returns
    -------
    dict
        ``table``: DataFrame indexed by level with the columns of
        :class:`InvarianceResult` (``status, chisq, df, pvalue,
        cfi, tli, rmsea, srmr, compared_with, delta_chisq, delta_df, p_delta,
        delta_cfi, delta_rmsea, delta_srmr, decision, reason, freed``), where
        ``chisq, pvalue, cfi, tli, rmsea`` are lavaan's scaled values
        (``chisq.scaled``, ...) and ``delta_chisq, delta_df, p_delta`` the
        :func:`lrt_ordinal` test; ``fits``: level -> MultiGroupResult; ``errors``:
        level -> message; ``partial``: the steps of the partial search (level, freed
        parameter, group with the largest score test (strict: modification index),
        ``X2`` (strict: the index), changes in fit, decision).

    Raises
    ------
    ModelSpecError
        An unknown level or ``partial_criterion``; errors of the first level's fit
        (syntax, options) and the data errors of :func:`fit_groups_ordinal`.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from loyaltysem.datasets import load_frame
    >>> from loyaltysem.sem.invariance import invariance_ordinal
    >>> hs = load_frame("holzinger_swineford")
    >>> cut5 = lambda v: np.clip(np.searchsorted(np.quantile(v, np.linspace(0, 1, 6)), v), 1, 5)
    >>> hs5 = pd.DataFrame({f"x{i}": cut5(hs[f"x{i}"]) for i in range(1, 10)})
    >>> hs5["school"] = hs["school"]
    >>> model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    >>> inv = invariance_ordinal(model, hs5, "school")
    >>> inv["table"]["delta_df"].tolist()[1:]
    [24.0, 6.0]

    With the theta parameterization the ladder ends with strict; in R:
    ``lavTestLRT(scalar, strict)`` of the two ``cfa(..., parameterization = "theta")``
    fits.

    >>> inv = invariance_ordinal(model, hs5, "school", parameterization="theta")
    >>> row = inv["table"].loc["strict"]
    >>> row["compared_with"], round(float(row["delta_chisq"]), 3), float(row["delta_df"])
    ('scalar', 14.31, 9.0)
    """
    if parameterization not in PARAMETERIZATIONS:
        raise ModelSpecError(
            f"parameterization={parameterization!r} is not available for ordinal indicators",
            found=parameterization,
            expected=f"parameterization in {list(PARAMETERIZATIONS)}",
            fix='use parameterization="delta" (lavaan\'s default) or "theta"',
        )
    ladder_levels = (
        ORDINAL_THETA_LEVELS if parameterization == "theta" else ORDINAL_INVARIANCE_LEVELS
    )
    if levels is None:
        levels = tuple(ladder_levels)
    if isinstance(levels, str):
        levels = (levels,)
    if "strict" in levels and parameterization != "theta":
        raise ModelSpecError(
            "strict ordinal invariance needs the theta parameterization: in the delta "
            "parameterization the residual variances of y* are not parameters",
            found=f"levels={list(levels)}, parameterization={parameterization!r}",
            expected="parameterization='theta' with 'strict'",
            fix="pass parameterization='theta' (lavaan parameterization = \"theta\"), or "
            "drop 'strict' from levels",
        )
    unknown = [lv for lv in levels if lv not in ladder_levels]
    if unknown or not levels:
        hint = ""
        if "metric" in unknown:
            hint = (
                " ('metric' = loadings only is not nested in this ladder with lavaan's "
                "identification)"
            )
        raise ModelSpecError(
            "unknown ordinal invariance level" + hint,
            found=list(levels),
            expected=f"levels from {list(ladder_levels)}",
            fix=f"levels={tuple(ladder_levels)}",
        )
    if partial_criterion not in ("fit", "chisq"):
        raise ModelSpecError(
            "unknown partial_criterion",
            found=partial_criterion,
            expected="'fit' (the cut-offs) or 'chisq' (the cut-offs and the χ² difference)",
            fix="partial_criterion='fit'",
        )
    levels = sorted(dict.fromkeys(levels), key=list(ladder_levels).index)

    ladder = _Ladder(
        fit=lambda level, freed: fit_groups_ordinal(
            model, data, group, ordered=ordered, estimator=estimator,
            group_equal=ladder_levels[level], group_partial=freed,
            std_lv=std_lv, missing=missing, parameterization=parameterization,
        ),
        measures=_level_row,
        compare=_compare_levels,
        top=lambda res, level, lower: _top_score(res, level, list(lower.group_partial)),
        raise_first=True,
    )  # fmt: skip
    table, fits, errors, steps = _climb(ladder, levels, partial, max_free, partial_criterion, alpha)
    return {
        "table": table,
        "fits": MappingProxyType(fits),
        "errors": MappingProxyType(errors),
        "partial": pd.DataFrame(steps),
    }


def _level_row(res: MultiGroupResult) -> dict[str, Any]:
    fm = res.fit_measures
    return {
        "chisq": float(fm["chisq.scaled"]),
        "df": float(fm["df"]),
        "pvalue": float(fm["pvalue.scaled"]),
        "cfi": float(fm["cfi.scaled"]),
        "tli": float(fm["tli.scaled"]),
        "rmsea": float(fm["rmsea.scaled"]),
        "srmr": float(fm["srmr"]),
        "status": res.status.outcome,
    }


def _compare_levels(
    level: str, res: MultiGroupResult, lower: MultiGroupResult, lower_level: str
) -> dict[str, Any]:
    fm, fm0 = res.fit_measures, lower.fit_measures
    try:
        d_chisq, d_df, p = lrt_ordinal(res, lower)
    except ModelSpecError:
        d_chisq, d_df, p = math.nan, float(fm["df"] - fm0["df"]), math.nan
    d = {
        "cfi": float(fm["cfi.scaled"] - fm0["cfi.scaled"]),
        "rmsea": float(fm["rmsea.scaled"] - fm0["rmsea.scaled"]),
        "srmr": float(fm["srmr"] - fm0["srmr"]),
    }
    return _comparison(ORDINAL_CUTOFFS[level], lower_level, res, (d_chisq, d_df, p), d)


#: the kind of parameter each level constrains (what its partial search frees)
_LEVEL_OP = {"thresholds": "|", "scalar": "=~", "strict": "~~"}


def _top_score(
    res: MultiGroupResult, level: str, keep: Sequence[str]
) -> tuple[str, int, float] | None:
    """The level's constraint with the largest score test: (name, group, X2).

    At ``strict`` (theta) the residual variances of ``y*`` are fixed at 1 in every
    group, not constrained equal, so there is no score test: the residual variance
    with the largest modification index of freeing it in a group is taken
    (:func:`_top_modindex`).
    """
    if level == "strict":
        return _top_modindex(res, keep)
    tests = res.score_tests()
    tests = tests[(tests["op"] == _LEVEL_OP[level]) & np.isfinite(tests["X2"])]
    if not len(tests):
        return None
    top = tests.iloc[0]
    name = f"{top['lhs']} {top['op']} {top['rhs']}"
    if "".join(name.split()) in set(_normalize_partial(keep)):
        return None
    return name, int(top["group"]), float(top["X2"])


def _top_modindex(res: MultiGroupResult, keep: Sequence[str]) -> tuple[str, int, float] | None:
    """The residual variance of ``y*`` whose release has the largest index: (name, group, mi).

    lavaan's ``group.equal = "residuals"`` in the theta parameterization fixes the
    residual variances of groups 2..G at group 1's 1 (a set of equal parameters with a
    fixed member is fixed), so ``lavTestScore`` has nothing to test. The candidates
    are the rows ``item ~~ item`` of ``modindices(fit)`` in groups 2..G (the groups
    where ``group.partial`` frees them; in group 1 the residual variances set the scale
    of ``y*``), not already freed; the largest ``mi`` is released.
    """
    est = res.estimates
    items = set(est.loc[est["op"] == "|", "lhs"])
    mi = res.modification_indices()
    done = set(_normalize_partial(keep))
    names = mi["lhs"] + " ~~ " + mi["rhs"]
    sel = (
        (mi["op"] == "~~")
        & (mi["lhs"] == mi["rhs"])
        & mi["lhs"].isin(items)
        & (mi["group"] > 1)
        & ~names.map(lambda v: "".join(v.split()) in done)
        & np.isfinite(mi["mi"])
    )
    if not sel.any():
        return None
    top = mi[sel].sort_values("mi", ascending=False, kind="stable").iloc[0]
    return f"{top['lhs']} ~~ {top['rhs']}", int(top["group"]), float(top["mi"])
