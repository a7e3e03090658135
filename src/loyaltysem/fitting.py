"""``loyaltysem.fit``: one entry point for single-group and multi-group models.

Without ``group`` it is :func:`loyaltysem.estimation.fit` (ML, MLM, MLR, FIML, WLSMV,
ULSMV; every option documented there). With ``group="wave"`` it fits the model in every
group at once with equality constraints across groups, as :func:`loyaltysem.groups.fit_groups`
(lavaan ``sem(model, data, group = "wave", group.equal = ..., group.partial = ...)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from loyaltysem import estimation
from loyaltysem.errors import ModelSpecError
from loyaltysem.groups import MultiGroupResult, fit_groups
from loyaltysem.results import SEMResult

__all__ = ["fit"]

_GROUP_OPTIONS = (
    "estimator", "std_lv", "orthogonal", "fixed_x", "missing", "ordered", "parameterization",
)  # fmt: skip


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
    model : str, ModelSpec, Codebook or dict
        lavaan model syntax, a template of :mod:`loyaltysem.instruments`, or
        ``{construct: [items]}``.
    data : Survey or DataFrame, optional
        The respondents (or summary statistics through ``options``, single group only).
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
        Every option of :func:`loyaltysem.estimation.fit` (``estimator``, ``missing``,
        ``ordered``, ``se``, ``information``, ``std_lv``, ``sample_cov``, ...); with
        ``group``: ``estimator`` (``"ML"``, ``"MLM"``, ``"MLR"``; ``"WLSMV"``,
        ``"ULSMV"`` with ``ordered``), ``std_lv``, ``orthogonal``, ``fixed_x``,
        ``missing`` and ``ordered`` / ``parameterization``.

    Returns
    -------
    SEMResult or MultiGroupResult
        A :class:`~loyaltysem.results.SEMResult` without ``group``; a
        :class:`~loyaltysem.groups.MultiGroupResult` with it.

    Raises
    ------
    ModelSpecError
        ``group_equal``/``group_partial`` without ``group``, or an option not
        available with groups (each error says which and what to do), and every error
        of the two fitting functions.

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
    """
    if group is None:
        if group_equal or group_partial:
            raise ModelSpecError(
                "group_equal and group_partial need group=",
                found={"group_equal": list(group_equal), "group_partial": list(group_partial)},
                expected="group='<grouping column>' with them",
                fix="pass group=, e.g. fit(model, survey, group='wave', group_equal=['loadings'])",
            )
        return estimation.fit(model, data, **options)
    other = sorted(k for k in options if k not in _GROUP_OPTIONS)
    if other:
        raise ModelSpecError(
            f"options not available with group= yet: {', '.join(other)}",
            found=other,
            expected=f"with group=: {', '.join(_GROUP_OPTIONS)}",
            fix="drop these options, or fit each group separately (one fit per subset)",
        )
    return fit_groups(
        model, data, group, group_equal=group_equal, group_partial=group_partial, **options
    )
