"""``loyaltysem.fit``: one entry point for single-group and multi-group models.

Without ``group`` it is ``loyaltysem.sem.single_group.fit`` (ML, MLM, MLR, FIML, WLSMV,
ULSMV; every option documented there). With ``group="wave"`` it fits the model in every
group at once with equality constraints across groups, as
:func:`loyaltysem.sem.multigroup.fit_groups`
(lavaan ``sem(model, data, group = "wave", group.equal = ..., group.partial = ...)``).
A semopy ``Model`` is read as lavaan reads its description (:mod:`loyaltysem.sem._semopy`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import pandas as pd

from loyaltysem.errors import LoyaltySemWarning, ModelSpecError
from loyaltysem.sem import single_group
from loyaltysem.sem._semopy import from_semopy, is_semopy_model
from loyaltysem.sem.group_blocks import MultiGroupResult
from loyaltysem.sem.multigroup import fit_groups
from loyaltysem.sem.results import SEMResult

__all__ = ["fit"]

_GROUP_OPTIONS = (
    "estimator", "std_lv", "orthogonal", "fixed_x", "missing", "ordered", "parameterization",
    "se", "information", "meanstructure", "sample_cov", "sample_cor", "sample_sd",
    "sample_mean", "sample_nobs",
)  # fmt: skip


def _summary_per_group(options: dict[str, Any]) -> bool:
    """Summary statistics given per group (lavaan ``sample.cov = list(S1, S2)``)."""
    matrix = options.get("sample_cov", options.get("sample_cor"))
    return matrix is not None and not isinstance(matrix, pd.DataFrame)


def fit(
    model: Any,
    data: Any = None,
    *,
    group: str | None = None,
    group_equal: Sequence[str] = (),
    group_partial: Sequence[str] = (),
    **options: Any,
) -> SEMResult | MultiGroupResult:
    r"""Fit a structural equation model with lavaan's numbers; with ``group``, in every group.

    Parameters
    ----------
    model : str, ModelSpec, Codebook, dict or semopy Model
        lavaan model syntax, a template of ``loyaltysem.instruments``,
        ``{construct: [items]}``, or a ``semopy.Model`` / ``semopy.ModelMeans``: its
        description (``model.description``) is read as lavaan syntax and fitted here with
        lavaan's numbers (fit measures, standardized solution with SEs, reports). semopy's
        ``ordinal:``, ``start():``, ``ModelMeans`` and ``cov_diag=True`` become
        ``ordered=``, ``start()*``, ``meanstructure=True`` and ``orthogonal=True``;
        ``latent:``, ``bound``, ``constraint`` and random-effects models are refused,
        naming the line. A semopy model that was already fitted is accepted: its
        estimates are ignored and nothing in it is changed. lavaan's defaults apply to
        the description: residuals of observed outcome variables that are not
        indicators are correlated (lavaan ``auto.cov.y``; semopy only with
        ``mimic_lavaan=True``; a :class:`~loyaltysem.errors.LoyaltySemWarning` says
        when this changes the model, and how to keep semopy's).
    data : Survey or DataFrame, optional
        The respondents (or summary statistics through ``options``: one group's
        DataFrame, or a list / dict of them, one per group, lavaan's ``sample.cov =
        list(S1, S2)``, which fits several groups without ``group``).
    group : str, optional
        The grouping column (lavaan ``group =``); then a :class:`MultiGroupResult`.
    group_equal : sequence of str
        Parameter kinds equal across groups (lavaan ``group.equal``): ``"loadings"``,
        ``"intercepts"``, ``"means"``, ``"residuals"``, ``"residual.covariances"``,
        ``"lv.variances"``, ``"lv.covariances"``, ``"regressions"``.
    group_partial : sequence of str
        Parameters freed from those constraints (lavaan ``group.partial``), e.g.
        ``["LOY =~ LOY2"]``.
    **options
        Every option of ``loyaltysem.sem.single_group.fit`` (``estimator``, ``missing``,
        ``ordered``, ``se``, ``information``, ``std_lv``, ``sample_cov``, ...); with
        ``group`` the same, as :func:`loyaltysem.sem.multigroup.fit_groups` reads
        them (``meanstructure`` defaults to lavaan's with groups: a mean structure;
        ``sample_*`` one entry per group; ``missing="pairwise"`` per group).

    Returns
    -------
    SEMResult or MultiGroupResult
        A :class:`~loyaltysem.sem.results.SEMResult` without ``group``; a
        :class:`~loyaltysem.sem.multigroup.MultiGroupResult` with it.

    Raises
    ------
    ModelSpecError
        ``group_equal``/``group_partial`` without ``group``, or an option not
        available with groups (each error says which and what to do), a semopy model
        or line without a lavaan counterpart, an option that contradicts the semopy
        model, and every error of the two fitting functions.

    Examples
    --------
    In R: ``cfa(model, data = hs, group = "school", group.equal = "loadings")``.

    >>> import loyaltysem as ls
    >>> from loyaltysem.datasets import load_frame
    >>> hs = load_frame("holzinger_swineford")
    >>> model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    >>> one = ls.fit(model, hs)
    >>> metric = ls.fit(model, hs, group="school", group_equal=["loadings"])
    >>> round(float(one.fit_measures["chisq"]), 3), round(float(metric.fit_measures["chisq"]), 3)
    (85.306, 124.044)

    A semopy model gives the same fit as its description in lavaan syntax (R: the same
    ``cfa(model, data = hs)``):

    >>> import semopy
    >>> from_semopy_model = ls.fit(semopy.Model(model), hs)
    >>> round(float(from_semopy_model.fit_measures["chisq"]), 3)
    85.306
    """
    if is_semopy_model(model):
        read = from_semopy(model)
        model = read.syntax
        for note in read.notes:
            warnings.warn(note, LoyaltySemWarning, stacklevel=2)
        for key, value in read.options.items():
            if key == "meanstructure" and group is not None:
                continue  # a multi-group model always has its mean structure (lavaan)
            if key in options and options[key] != value:
                raise ModelSpecError(
                    f"{key}={options[key]!r} contradicts the semopy model",
                    found={key: options[key], f"from the {read.semopy_class}": value},
                    expected=f"{key} unset, or {key}={value!r}",
                    fix=f"drop {key}= (the semopy model sets it), or change the model",
                )
            options[key] = value
    if group is None and not _summary_per_group(options):
        if group_equal or group_partial:
            raise ModelSpecError(
                "group_equal and group_partial need group=",
                found={"group_equal": list(group_equal), "group_partial": list(group_partial)},
                expected="group='<grouping column>' with them",
                fix="pass group=, e.g. fit(model, survey, group='wave', group_equal=['loadings'])",
            )
        return single_group.fit(model, data, **options)
    other = sorted(k for k in options if k not in _GROUP_OPTIONS)
    if other:
        raise ModelSpecError(
            f"unknown options with group=: {', '.join(other)}",
            found=other,
            expected=f"with group=: {', '.join(_GROUP_OPTIONS)}",
            fix="check the spelling (the options of loyaltysem.fit), or drop them",
        )
    return fit_groups(
        model, data, group, group_equal=group_equal, group_partial=group_partial, **options
    )
