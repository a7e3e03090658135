r"""Multi-group ordinal SEM (WLSMV, ULSMV) and threshold invariance, as lavaan 0.6.14.

:func:`fit_groups_ordinal` computes what ``lavaan::cfa(model, data, group = g, ordered
= items, estimator = "WLSMV", group.equal = ..., group.partial = ...)`` computes
(``parameterization = "delta"``, or ``"theta"``); :func:`lrt_ordinal` is
``lavTestLRT()`` of two nested ordinal fits (lavaan's default for DWLS/ULS: ``method =
"satorra.2000"``, ``scaled.shifted = TRUE``); :func:`invariance_ordinal` fits the
ordinal invariance ladder configural -> thresholds -> scalar (-> strict with theta).
Conventions that decide the numbers (lavaan
source in brackets):

- **Sample statistics per group** (``lav_samplestats``): each group's thresholds,
  polychoric correlations and their asymptotic covariance ``Gamma_g`` (``NACOV``),
  from :func:`loyaltysem.sem.polychoric.polychoric`. Every category of an item must occur
  in every group (lavaan refuses otherwise: "some categories of variable are empty in
  group"); the number of thresholds of an item comes from its categories over all
  groups.
- **Parameter table** (``lav_partable_flat``): the single-group ordinal table
  (:func:`loyaltysem.sem.ordinal.ordinal_partable`) in every group: thresholds free,
  intercepts ``item ~ 1`` and latent means fixed at 0, residual variances of ``y*``
  not free, scaling factors ``item ~*~ item`` fixed at 1. In groups 2..G: the latent
  means are free when ``"thresholds"`` or ``"intercepts"`` is in ``group_equal`` (and
  ``"means"`` is not); the scaling factors are free when ``"thresholds"`` is in
  ``group_equal``; with ``std_lv=True`` and equal loadings (and ``"lv.variances"``
  not equal) the latent variances are free.
- **Theta parameterization** (``lav_partable_flat``, ``setDeltaElements.LISREL``): the
  residual variances of ``y*`` are parameters, fixed at 1; in groups 2..G they (not the
  scaling factors) are free when ``"thresholds"`` is in ``group_equal``; the scaling
  factors are ``diag(Sigma*_g)^-1/2`` in every group. ``"residuals"`` then labels them
  equal to group 1's fixed 1: strict invariance (1 in every group).
- **Equality constraints** (``lav_partable_labels``): as the continuous multi-group
  fits (:mod:`loyaltysem.sem.multigroup`), with ``"thresholds"`` (the ``|`` rows) as a further
  ``group_equal`` keyword; ``group_partial`` names thresholds as ``"x3 | t1"``. A set
  of equal parameters with a fixed member is fixed (so ``"intercepts"`` and
  ``"residuals"`` change nothing in the delta parameterization: both are fixed; in
  the theta one ``"residuals"`` fixes the residual variances of groups 2..G at 1).
- **Estimator** (``lav_model_objective``): ``sum_g (n_g - 1) F_g`` with ``F_g`` the
  DWLS (weights ``1 / diag(Gamma_g)``) or ULS discrepancy of group ``g``; ``chisq`` is
  that sum, ``fmin = chisq / (2 N)``; each group's contribution is ``chisq_group``.
- **Standard errors** (``lav_model_nvcov_robust_sem``, ``lav_model_vcov``): ``E^-1
  (sum_g f_g Delta_g' W_g Gamma_g W_g Delta_g) E^-1 / (N - G)`` with ``E = sum_g f_g
  Delta_g' W_g Delta_g``, ``f_g = n_g / N``.
- **Scaled-shifted test** (``lav_test_satorra_bentler``): ``U = V - V D E^-1 D' V``
  with ``V = bdiag(f_g W_g)``, ``Gamma = bdiag(Gamma_g / f_g)``; ``a = sqrt(df /
  tr((U Gamma)^2))``, ``chisq.scaled = a chisq + df - a tr(U Gamma)``. The baseline
  (thresholds free in every group, correlations 0) alike.
- **Fit measures** (``lav_fit_measures``): as the single-group ordinal fit
  (:mod:`loyaltysem.sem.ordinal`) with ``N - G`` in place of ``N - 1`` (``RMSEA``, ``CN``,
  ``MFI``: ``lav_utils_get_ntotal``), ``RMSEA`` times ``sqrt(G)`` and its close-fit
  tests with the noncentrality divided by ``G``; SRMR/RMR/CRMR and GFI the groups'
  values weighted by ``n_g / N``; WRMR over the statistics of group 1 (lavaan's
  ``lav_fit_wrmr`` call). The ``*.robust`` (catML) measures are NA when thresholds
  are constrained across groups (lavaan's catML refit fails on the ``==`` rows of the
  removed thresholds), as lavaan reports them.
- **Standardized solution**: per group with ``var(y*) = 1 / delta^2``: ``std.all`` of
  a loading is ``lambda sd(eta) delta``, of a threshold ``tau delta``, of a residual
  variance ``theta delta^2``, of a residual covariance ``theta_ij / sqrt(theta_ii
  theta_jj)`` (``cov.std = TRUE``); scaling factors standardize to 1.
- **Modification indices** (``modindices()``): ``MultiGroupResult.modification_indices()``
  with the DWLS score and expected information of the model extended in every group
  (:func:`loyaltysem.sem.ordinal.ordinal_modification_indices`); the partial search of the
  ``strict`` level ranks the residual variances of ``y*`` by them
  (:func:`invariance_ordinal`).

Not implemented (typed errors): continuous indicators mixed with ordinal ones,
covariates, ``missing = "ml"``, ``:=`` lines.

References
----------
Wu, H., & Estabrook, R. (2016). Identification of confirmatory factor analysis models
of different levels of invariance for ordered categorical outcomes. Psychometrika,
81(4), 1014-1045.
Satorra, A. (2000). Scaled and adjusted restricted tests in multi-sample analysis of
moment structures. In Heijmans, Pollock & Satorra (Eds.), Innovations in
Multivariate Statistical Analysis (pp. 233-247). Kluwer.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import stats

from loyaltysem._kernels.multigroup import score_tests
from loyaltysem._kernels.multigroup_dwls import (
    OrdinalInternals,
    satorra_2000,
)
from loyaltysem._pickling import Once
from loyaltysem._threads import single_blas_thread
from loyaltysem.errors import (
    MissingDataWarning,
    ModelSpecError,
)
from loyaltysem.sem.group_blocks import (
    GROUP_EQUAL,
    MultiGroupResult,
    RowParameterization,
    _apply_group_modifiers,
    _equality_classes,
    _group_labels_of,
    _plain,
    _split_groups,
    score_table,
)
from loyaltysem.sem.group_blocks import (
    _check_group_equal as _check_group_equal_kinds,
)
from loyaltysem.sem.moments import _check_variables, _model_syntax, _survey_frame
from loyaltysem.sem.ordinal import (
    ORDINAL_ESTIMATORS,
    PARAMETERIZATIONS,
    MIGroup,
    _check_model,
    _Group,
    _group_layout,
    block_estimates,
    fit_blocks,
    fit_one_group,
    one_block,
    ordinal_modification_indices,
    ordinal_partable,
)
from loyaltysem.sem.results import Provenance, SEMResult
from loyaltysem.sem.specification import PARAMETER_OPS, ModelSpec, specify

__all__ = [
    "ORDINAL_GROUP_EQUAL",
    "fit_groups_ordinal",
    "lrt_ordinal",
]

#: The ``group.equal`` keywords of an ordinal model (lavaan ``lav_partable_labels``).
ORDINAL_GROUP_EQUAL = (*GROUP_EQUAL, "thresholds")

# ------------------------------------------------------------------------ internals
#: What :func:`lrt_ordinal` needs of a fit (kept on the result as ``_internals``); the
#: class lives in the kernel so that single-group fits (loyaltysem.sem.ordinal) and
#: compare() (loyaltysem.sem.comparison), both below this module, share it.
_OrdinalInternals = OrdinalInternals


# ---------------------------------------------------------------------- the table
def _check_group_equal(group_equal: Sequence[str] | str) -> tuple[str, ...]:
    return _check_group_equal_kinds(group_equal, ORDINAL_GROUP_EQUAL)


def _ordinal_table(
    spec: ModelSpec,
    n_th: Mapping[str, int],
    n_groups: int,
    group_equal: tuple[str, ...],
    group_partial: Sequence[str],
    std_lv: bool,
    parameterization: str = "delta",
) -> tuple[pd.DataFrame, int, tuple[tuple[int, int], ...]]:
    """The multi-group ordinal parameter table (lavaan's ``parTable()``, no ``==`` rows).

    Returns the table, the number of free parameters and the equality constraints as
    (reference row, constrained row) pairs in lavaan's order of its ``==`` rows.
    """
    base = ordinal_partable(spec, n_th)
    t = spec.table
    par = t[t["op"].isin(PARAMETER_OPS)]
    n_user = int(((par["user"] == 1) & (par["op"] != "~1")).sum())
    k = len(base)
    user1 = np.zeros(k, dtype=bool)
    user1[:n_user] = True
    tile = lambda a: np.tile(np.asarray(a), n_groups)  # noqa: E731
    lhs, op, rhs = tile(base.lhs).astype(object), tile(base.op).astype(object), tile(base.rhs)
    rhs = rhs.astype(object)
    free = tile(base.free > 0)
    ustart = tile(base.ustart).astype(float)
    exo = tile(base.exo).astype(int)
    user = tile(user1)
    user_label = np.array(["" if v is None else str(v) for v in tile(base.label)], dtype=object)
    base_free = tile(base.free).astype(int)
    group = np.repeat(np.arange(1, n_groups + 1), k)
    if "group_mods" in t.columns:  # c(a1, a2): the spec's rows, matched by lhs op rhs
        mods = {
            (a, o, b): (m, int(ln))
            for a, o, b, m, ln in zip(t["lhs"], t["op"], t["rhs"], t["group_mods"], t["line"],
                                      strict=True)
            if isinstance(m, tuple) and len(m)
        }  # fmt: skip
        keys = list(zip(base.lhs, base.op, base.rhs, strict=True))
        rows_mods = pd.DataFrame(
            {
                "lhs": base.lhs,
                "op": base.op,
                "rhs": base.rhs,
                "group_mods": [mods.get(key, ((), 0))[0] for key in keys],
                "line": [mods.get(key, ((), 0))[1] for key in keys],
            }
        )
        _apply_group_modifiers(rows_mods, n_groups, free, ustart, user_label)
    lv = list(spec.lv)
    ov = list(spec.ov)
    is_lv = np.isin(lhs, lv)
    later = group > 1
    ge = set(group_equal)
    # lav_partable_flat, groups 2..G
    if ({"intercepts", "thresholds"} & ge) and "means" not in ge:
        sel = (op == "~1") & is_lv & ~user & later
        free[sel], ustart[sel] = True, np.nan
    if std_lv and "loadings" in ge and "lv.variances" not in ge:
        sel = (op == "~~") & is_lv & (lhs == rhs) & ~user & later
        free[sel], ustart[sel] = True, np.nan
    if "thresholds" in ge and parameterization == "delta":  # auto.delta
        sel = (op == "~*~") & later
        free[sel], ustart[sel] = True, np.nan
    elif "thresholds" in ge:  # theta: the residual variances of y*
        sel = (op == "~~") & np.isin(lhs, ov) & (lhs == rhs) & later
        free[sel], ustart[sel] = True, np.nan
    # lav_partable_labels
    first = group == 1
    in_ov = np.isin(lhs, ov)
    kinds = {
        "loadings": op == "=~",
        "intercepts": (op == "~1") & in_ov,
        "thresholds": (op == "|") & in_ov,
        "means": (op == "~1") & is_lv,
        "regressions": op == "~",
        "residuals": (op == "~~") & in_ov & (lhs == rhs),
        "residual.covariances": (op == "~~") & in_ov & (lhs != rhs),
        "lv.variances": (op == "~~") & is_lv & (lhs == rhs),
        "lv.covariances": (op == "~~") & is_lv & (lhs != rhs),
    }
    flag = np.zeros(len(lhs), dtype=bool)
    for kw in group_equal:
        flag |= kinds[kw] & first
    label = _group_labels_of(
        lhs, op, rhs, group, flag, group_partial, user_label, k, "'SAT =~ SAT2' or 'SAT2 | t1'"
    )
    free_idx, out_label, eq_pairs, plabel = _equality_classes(
        label, user_label, free, ustart, base_free, n_groups, k
    )
    frame = pd.DataFrame(
        {
            "lhs": lhs,
            "op": op,
            "rhs": rhs,
            "group": group,
            "free": free_idx,
            "ustart": ustart,
            "exo": exo,
            "label": out_label,
            "plabel": plabel,
            "user": user.astype(int),
        }
    )
    return frame, int(free_idx.max()) if len(free_idx) else 0, tuple(eq_pairs)


# ----------------------------------------------------------------------- the fit
def fit_groups_ordinal(
    model: str | ModelSpec | Any,
    data: Any,
    group: str,
    *,
    ordered: bool | Sequence[str] = True,
    estimator: str = "WLSMV",
    group_equal: Sequence[str] = (),
    group_partial: Sequence[str] = (),
    std_lv: bool = False,
    missing: str = "listwise",
    parameterization: str = "delta",
    orthogonal: bool = False,
) -> MultiGroupResult:
    """Fit a model with ordinal indicators in several groups at once (WLSMV or ULSMV).

    As ``lavaan::cfa(model, data, group = group, ordered = items, estimator =
    estimator, group.equal = group_equal, group.partial = group_partial)`` with
    lavaan's delta parameterization. The conventions, with their lavaan sources, are in
    the module docstring (:mod:`loyaltysem.sem.ordinal_multigroup`).

    Parameters
    ----------
    model : str, ModelSpec, Codebook or dict
        lavaan model syntax (every observed variable an ordinal indicator).
    data : Survey or DataFrame
        The respondents, with the grouping column; whole-number category codes.
    group : str
        The grouping column.
    ordered : True or sequence of str, default True
        The ordinal items: ``True`` for every observed variable of the model.
    estimator : {"WLSMV", "ULSMV"}
        DWLS or ULS estimates, robust standard errors, scaled-shifted test.
    group_equal : sequence of str
        Parameters equal across groups: ``"thresholds"``, ``"loadings"`` and the
        other keywords of :func:`loyaltysem.sem.multigroup.fit_groups`.
    group_partial : sequence of str
        Parameters exempt from ``group_equal`` (``"x3 | t1"``, ``"visual =~ x2"``).
    std_lv : bool, default False
        Latent variances fixed at 1 (in group 1 only when loadings are equal).
    missing : {"listwise", "pairwise"}
        lavaan's ``missing=``: complete rows per group, or pairwise polychorics.
    parameterization : {"delta", "theta"}, default "delta"
        lavaan's ``parameterization=``. ``"delta"``: ``var(y*) = 1`` in group 1, the
        scaling factors ``~*~`` free in groups 2..G when thresholds are equal.
        ``"theta"``: the residual variances of ``y*`` fixed at 1 in group 1 (every group
        unless thresholds are equal), free in groups 2..G when thresholds are equal
        (``lav_partable_flat``); ``"residuals"`` in ``group_equal`` then makes them
        equal, i.e. 1 in every group (strict invariance). The scaling factors follow
        from the implied variances, ``diag(Sigma*_g)^-1/2``.
    orthogonal : bool, default False
        lavaan's ``orthogonal = TRUE``: the covariances of the exogenous latent
        variables fixed at 0 (in every group), as in a single-group fit.

    Returns
    -------
    MultiGroupResult
        ``estimates`` with lavaan's rows per group (``=~ | ~~ ~*~ ~1``),
        ``fit_measures`` with lavaan's names (``chisq.scaled``, ``cfi.scaled``,
        ``rmsea.scaled``, ``cfi.robust``, ...), ``chisq_group``; ``implied_cov`` /
        ``sample_cov`` are correlation matrices of ``y*`` and ``implied_mean`` /
        ``sample_mean`` the thresholds.

    Raises
    ------
    ModelSpecError
        Unknown estimator, parameterization, ``group_equal`` keyword or
        ``group_partial`` name; continuous indicators, covariates, ``~ 1`` lines.
    SurveyDataError
        A category of an item empty in one group, bad category codes, a missing or
        single-valued grouping column, too few rows in a group.
    IdentificationError
        More free parameters than sample statistics (df < 0).

    Examples
    --------
    Threshold and loading invariance of the Holzinger-Swineford CFA (tests cut into
    quintiles) across schools; in R: ``cfa(model, data = hs5, group = "school", ordered
    = items, estimator = "WLSMV", group.equal = c("thresholds", "loadings"))``.

    >>> import numpy as np
    >>> import pandas as pd
    >>> from loyaltysem.datasets import load_frame
    >>> from loyaltysem.sem.ordinal_multigroup import fit_groups_ordinal
    >>> hs = load_frame("holzinger_swineford")
    >>> cut5 = lambda v: np.clip(np.searchsorted(np.quantile(v, np.linspace(0, 1, 6)), v), 1, 5)
    >>> hs5 = pd.DataFrame({f"x{i}": cut5(hs[f"x{i}"]) for i in range(1, 10)})
    >>> hs5["school"] = hs["school"]
    >>> model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    >>> res = fit_groups_ordinal(model, hs5, "school", group_equal=["thresholds", "loadings"])
    >>> fm = res.fit_measures
    >>> round(float(fm["chisq"]), 3), round(float(fm["chisq.scaled"]), 3), int(fm["df"])
    (145.587, 194.737, 78)

    Strict invariance needs the theta parameterization; in R: ``cfa(..., group.equal =
    c("thresholds", "loadings", "residuals"), parameterization = "theta")``.

    >>> strict = fit_groups_ordinal(model, hs5, "school", parameterization="theta",
    ...                             group_equal=["thresholds", "loadings", "residuals"])
    >>> fm = strict.fit_measures
    >>> round(float(fm["chisq"]), 3), round(float(fm["chisq.scaled"]), 3), int(fm["df"])
    (156.083, 206.855, 87)
    """
    est_name = str(estimator).upper()
    if est_name not in ORDINAL_ESTIMATORS:
        raise ModelSpecError(
            f"estimator={estimator!r} is not available for ordinal indicators",
            found=estimator,
            expected=f"estimator in {sorted(ORDINAL_ESTIMATORS)}",
            fix='use estimator="WLSMV" (lavaan\'s default with ordered=) or "ULSMV"',
        )
    if parameterization not in PARAMETERIZATIONS:
        raise ModelSpecError(
            f"parameterization={parameterization!r} is not available for ordinal indicators",
            found=parameterization,
            expected=f"parameterization in {list(PARAMETERIZATIONS)}",
            fix='use parameterization="delta" (lavaan\'s default) or "theta"',
        )
    if missing not in ("listwise", "pairwise"):
        raise ModelSpecError(
            f"missing={missing!r} is not available for ordinal indicators",
            found=missing,
            expected='missing in ["listwise", "pairwise"]',
            fix='use missing="listwise" (lavaan\'s default) or missing="pairwise"',
        )
    ge = _check_group_equal(group_equal)
    gp = (group_partial,) if isinstance(group_partial, str) else tuple(group_partial)
    spec = _spec(model, std_lv=std_lv, orthogonal=orthogonal)
    frame, _ = _survey_frame(data)
    _check_variables(spec, [str(c) for c in frame.columns], "the data")
    items = list(spec.ov) if ordered is True else _ordered_list(ordered)
    _check_model(spec, items, parameterization)
    gd = _split_groups(data, group, list(spec.ov), missing=missing)
    with single_blas_thread():
        return _fit(
            spec, gd, group, est_name, ge, gp, bool(std_lv), missing, items, parameterization
        )


def _ordered_list(ordered: Any) -> list[str]:
    if ordered is False or ordered is None:
        raise ModelSpecError(
            "ordered= is required for an ordinal multi-group fit",
            found=ordered,
            expected="ordered=True or the list of ordinal items",
            fix="pass ordered=True, or fit by ML with loyaltysem.sem.multigroup.fit_groups",
        )
    return [ordered] if isinstance(ordered, str) else [str(o) for o in ordered]


def _spec(model: Any, *, std_lv: bool, orthogonal: bool = False) -> ModelSpec:
    if isinstance(model, ModelSpec):
        options = model.options
        spec = specify(
            model.syntax,
            **{
                **options,
                "std_lv": std_lv or options.get("std_lv", False),
                "orthogonal": orthogonal or options.get("orthogonal", False),
            },
        )
    else:
        spec = specify(_model_syntax(model), std_lv=std_lv, orthogonal=orthogonal)
    return spec


def _fit(
    spec: ModelSpec,
    gd: Any,
    group: str,
    est_name: str,
    ge: tuple[str, ...],
    gp: tuple[str, ...],
    std_lv: bool,
    missing: str,
    items: list[str],
    parameterization: str = "delta",
) -> MultiGroupResult:
    """The multi-group fit: the one ordinal pipeline over G blocks, a multi-group result."""
    ov = list(spec.ov)
    theta = parameterization == "theta"
    n_groups = len(gd.labels)
    notes = list(gd.notes)
    for note in gd.notes:
        warnings.warn(note, MissingDataWarning, stacklevel=3)
    fit = fit_blocks(
        spec,
        gd,
        make_table=lambda n_th: _ordinal_table(
            spec, n_th, n_groups, ge, gp, std_lv, parameterization
        ),
        est_name=est_name,
        missing=missing,
        parameterization=parameterization,
        group=group,
        notes=notes,
    )
    table, groups, x, vcov = fit.table, fit.groups, fit.x, fit.vcov
    nobs = fit.nobs
    estimates = block_estimates(fit, spec.definitions, gd.labels)
    r2_parts: list[pd.Series] = []
    implied_map: dict[Any, tuple[pd.DataFrame, pd.Series]] = {}
    sample_map: dict[Any, tuple[pd.DataFrame, pd.Series]] = {}
    names = pd.Index(ov)
    mi_groups: list[MIGroup] = []
    for g, gr in enumerate(groups):
        label = gd.labels[g]
        rows = gr.rows
        mi_groups.append(MIGroup(gr.pt, fit.est[g], fit.stats_g[g], gr.w, gr.n, g + 1))
        ops, lhs = rows["op"].to_numpy(), rows["lhs"].to_numpy()
        rhs = rows["rhs"].to_numpy()
        pt_ = fit.parts[g]
        d = pt_["delta"][0].real
        common = np.diag(pt_["common"][0].real)
        r2 = pd.Series(common * d**2, index=ov, name="r2")
        r2.index = pd.MultiIndex.from_arrays(
            [[_plain(label)] * len(r2), list(r2.index)], names=["group_label", "variable"]
        )
        r2_parts.append(r2)
        th_names = [f"{a}|{b}" for a, b in zip(lhs[ops == "|"], rhs[ops == "|"], strict=True)]
        implied_map[_plain(label)] = (
            pd.DataFrame(fit.sigmas[g], index=names, columns=names),
            pd.Series(fit.implied[g][: fit.nth[g]], index=th_names, name="threshold"),
        )
        sample_map[_plain(label)] = (
            pd.DataFrame(gr.r, index=names, columns=names),
            pd.Series(gr.th_obs, index=th_names, name="threshold"),
        )
    labels_plain = [_plain(v) for v in gd.labels]
    chisq_group = pd.Series(fit.chisq_g, index=pd.Index(labels_plain, name=group), name="chisq")
    internals = fit.internals(gd.data_hash, est_name)
    provenance = Provenance(
        estimator=est_name,
        n=int(sum(nobs)),
        n_excluded=int(sum(gd.n_excluded)) + gd.n_group_missing,
        data_hash=gd.data_hash,
        options=MappingProxyType(
            {
                "estimator": est_name,
                "lavaan_estimator": ORDINAL_ESTIMATORS[est_name],
                "ordered": tuple(items),
                "parameterization": parameterization,
                "se": "robust.sem",
                "test": "scaled.shifted",
                "group": group,
                "group_labels": labels_plain,
                "group_equal": list(ge),
                "group_partial": list(gp),
                "std_lv": bool(std_lv),
                "orthogonal": bool(spec.options.get("orthogonal", False)),
                "missing": missing,
                "n_excluded_per_group": [int(v) for v in gd.n_excluded],
                "n_group_missing": gd.n_group_missing,
            }
        ),
    )
    findings = fit.findings
    return MultiGroupResult(
        model=spec.syntax,
        group=group,
        group_labels=tuple(labels_plain),
        group_equal=ge,
        group_partial=gp,
        _estimates=estimates,
        _fit_measures=pd.Series(fit.measures, name="fit_measures"),
        _chisq_group=chisq_group,
        _r2=pd.concat(r2_parts),
        _nobs=pd.Series(nobs, index=pd.Index(labels_plain, name=group), name="n"),
        _implied=MappingProxyType(implied_map),
        _sample=MappingProxyType(sample_map),
        _vcov=pd.DataFrame(vcov),
        converged=fit.converged,
        iterations=fit.iterations,
        warnings=tuple(findings),
        _status=findings.status(fit.converged),
        provenance=provenance,
        _score=Once(_OrdinalScore(table, fit.eq_pairs, groups, fit.stats_g, x, int(sum(nobs)), ov))
        if fit.eq_pairs
        else None,
        _internals=internals,
        _modindices=functools.partial(
            ordinal_modification_indices, tuple(mi_groups), tuple(ov), x.copy(), theta=theta
        ),
    )


class _ScoreAdapter:
    """The row parameterization of an ordinal fit, as :func:`score_tests` reads a kernel.

    ``gradient`` is ``-2 s`` with ``s = sum_g (n_g - 1)/N J_g' W_g e_g`` (lavaan's
    ``lav_model_gradient`` for DWLS/ULS, sign aside), ``expected_information`` is
    ``sum_g f_g J_g' W_g J_g`` (``lav_model_information_expected``), ``n`` is N.
    """

    def __init__(self, score: np.ndarray, info: np.ndarray, n: int) -> None:
        self._score, self._info, self.n = score, info, n

    def state(self, x: np.ndarray) -> np.ndarray:
        return x

    def gradient(self, st: np.ndarray) -> np.ndarray:
        return -2.0 * self._score

    def expected_information(self, st: np.ndarray) -> np.ndarray:
        return self._info


class _OrdinalScore:
    """Deferred ``lavTestScore`` of an ordinal multi-group fit (one parameter per row)."""

    def __init__(
        self,
        table: pd.DataFrame,
        eq_pairs: tuple[tuple[int, int], ...],
        groups: Sequence[_Group],
        stats_g: Sequence[np.ndarray],
        x: np.ndarray,
        n_total: int,
        ov: list[str],
    ) -> None:
        self.table, self.eq_pairs, self.groups = table, eq_pairs, list(groups)
        self.stats_g, self.x, self.n_total, self.ov = list(stats_g), x, n_total, ov

    def __call__(self) -> tuple[pd.DataFrame, pd.Series]:
        t = self.table
        rp = RowParameterization.build(t, self.eq_pairs, self.x)
        row_param, x_full = rp.row_param, rp.x_full
        gcol = t["group"].to_numpy()
        n_rows = len(rp.rows)
        score = np.zeros(n_rows)
        info = np.zeros((n_rows, n_rows))
        for g, gr in enumerate(self.groups):
            sub = t[gcol == g + 1].copy()
            sub["free"] = row_param[gcol == g + 1]
            gl, _ = _group_layout(sub, self.ov, gr.gl.theta)
            xl = x_full[gl.index]
            e = self.stats_g[g] - gl.implied(xl[None, :])[0]
            j = gl.jacobian(xl)
            wj = gr.w[:, None] * j
            f = gr.n / self.n_total
            score[gl.index] += (gr.n - 1) / self.n_total * (wj.T @ e)
            info[np.ix_(gl.index, gl.index)] += f * (j.T @ wj)
        with single_blas_thread():
            x2, total = score_tests(
                cast(Any, _ScoreAdapter(score, info, self.n_total)), x_full, rp.shared, rp.released
            )
        return score_table(t, self.eq_pairs, x2, total)


# ------------------------------------------------------------------------------ LRT
def _single_group_internals(res: SEMResult, data: Any) -> _OrdinalInternals:
    """The internals of a single-group ordinal fit, recomputed from its data.

    The model is refitted by the one pipeline (:func:`loyaltysem.sem.ordinal.fit_one_group`),
    checked on the chi-square.
    """
    opts = res.provenance.options
    spec = specify(
        res.model,
        std_lv=bool(opts.get("std_lv", False)),
        orthogonal=bool(opts.get("orthogonal", False)),
    )
    missing = str(opts.get("missing", "listwise"))
    frame, _ = _survey_frame(data)
    _check_variables(spec, [str(c) for c in frame.columns], "the data")
    items = [str(v) for v in opts.get("ordered", spec.ov)]
    parameterization = str(opts.get("parameterization", "delta"))
    _check_model(spec, items, parameterization)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        block = one_block(spec, frame, missing, res.provenance.data_hash)
        with single_blas_thread():
            one = fit_one_group(
                spec,
                block,
                items,
                estimator=str(res.provenance.estimator),
                parameterization=parameterization,
            )
    internals = _internals(one)
    chisq = float(res.fit_measures["chisq"])
    if not math.isclose(internals.chisq, chisq, rel_tol=1e-5, abs_tol=1e-6):
        raise ModelSpecError(
            "the data given are not the data the model was fitted to",
            found=f"chi-square {internals.chisq:.6g} on these data, {chisq:.6g} in the fit",
            expected="the data passed to loyaltysem.fit(..., ordered=...)",
            fix="pass data= the same survey or DataFrame as in the fit",
        )
    return _OrdinalInternals(
        jac=internals.jac,
        w=internals.w,
        gamma=internals.gamma,
        nobs=internals.nobs,
        e_inv=internals.e_inv,
        chisq=chisq,
        df=float(res.fit_measures["df"]),
        data_hash=res.provenance.data_hash,
        estimator=internals.estimator,
    )


def _internals(res: Any, data: Any = None) -> _OrdinalInternals:
    """The fit's internals; for a single-group fit with ``data`` given, recomputed."""
    internals = getattr(res, "_internals", None)
    single = (
        isinstance(res, SEMResult)
        and res.n_groups == 1
        and res.provenance.estimator in ORDINAL_ESTIMATORS
    )
    if single and data is not None:
        return _single_group_internals(res, data)
    if isinstance(internals, _OrdinalInternals):
        return internals
    if single:
        raise ModelSpecError(
            "lrt_ordinal needs the data of single-group ordinal fits made without their internals",
            found="data=None with a single-group WLSMV/ULSMV result that carries no "
            "Jacobian and NACOV",
            expected="a result of loyaltysem.fit(..., ordered=...), or data= the survey "
            "or DataFrame the models were fitted to",
            fix="refit the models, or call lrt_ordinal(restricted, free, data=survey)",
        )
    raise ModelSpecError(
        "lrt_ordinal needs WLSMV or ULSMV fits",
        found=f"{type(res).__name__} (estimator "
        f"{getattr(getattr(res, 'provenance', None), 'estimator', None)!r})",
        expected="results of fit_groups_ordinal, or of loyaltysem.fit(..., ordered=...)",
        fix="fit both models with the same ordinal estimator on the same data",
    )


def lrt_ordinal(restricted: Any, free: Any, *, data: Any = None) -> tuple[float, float, float]:
    r"""Scaled-shifted difference test of two nested ordinal fits, as ``lavTestLRT()``.

    lavaan's default for DWLS and ULS fits (``method = "satorra.2000"``,
    ``scaled.shifted = TRUE``, ``A.method = "delta"``; ``lav_test_diff_Satorra2000``):
    with ``D_1``, ``D_0`` the stacked Jacobians of the less and the more restricted
    model, ``H = D_1^+ D_0``, ``A`` the orthogonal complement of ``H`` (the
    restrictions, as rows), ``E^-1`` the inverted information of the less restricted
    model and ``M = E^-1 A' (A E^-1 A')^+ A E^-1``: ``U = V D_1 M D_1' V`` (``V =
    bdiag(W_g)``), ``Gamma = bdiag(f_g Gamma_g)``, ``a = sqrt(m / tr((U Gamma)^2))``,
    ``b = m - a tr(U Gamma)`` and ``T = a (chisq_0 - chisq_1) + b`` on ``m = df_0 -
    df_1`` degrees of freedom.

    Parameters
    ----------
    restricted, free : MultiGroupResult or SEMResult
        Two fits of :func:`fit_groups_ordinal` on the same data and items, or two
        single-group fits of ``loyaltysem.fit(..., ordered=...)``, the first nested in
        the second (the order does not matter: the one with more degrees of freedom is
        taken as the restricted model, as lavaan sorts them).
    data : Survey or DataFrame, optional
        Not needed: every fit keeps the Jacobian, weights, NACOV and inverted
        information of its estimates. For single-group fits given with ``data``
        (e.g. results without these internals) they are recomputed from the data by
        refitting, and the chi-square of each fit is checked against it.

    Returns
    -------
    delta_chisq, delta_df, pvalue
        lavaan's ``Chisq diff``, ``Df diff``, ``Pr(>Chisq)``.

    Raises
    ------
    ModelSpecError
        A result that is not a WLSMV/ULSMV fit, fits on different data or by
        different estimators, a fit whose information matrix is singular, or
        ``data`` that are not the data of a single-group fit.

    See Also
    --------
    loyaltysem.compare : the same test between consecutive models of two or more
        ordinal fits, as lavaan's full ``lavTestLRT`` table.
    loyaltysem._kernels.multigroup_dwls.satorra_2000 : the computation.

    Examples
    --------
    Threshold invariance against the configural model; in R: ``lavTestLRT(configural,
    thresholds)``.

    >>> import numpy as np
    >>> import pandas as pd
    >>> from loyaltysem.datasets import load_frame
    >>> from loyaltysem.sem.ordinal_multigroup import fit_groups_ordinal, lrt_ordinal
    >>> hs = load_frame("holzinger_swineford")
    >>> cut5 = lambda v: np.clip(np.searchsorted(np.quantile(v, np.linspace(0, 1, 6)), v), 1, 5)
    >>> hs5 = pd.DataFrame({f"x{i}": cut5(hs[f"x{i}"]) for i in range(1, 10)})
    >>> hs5["school"] = hs["school"]
    >>> model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    >>> conf = fit_groups_ordinal(model, hs5, "school")
    >>> thr = fit_groups_ordinal(model, hs5, "school", group_equal=["thresholds"])
    >>> d_chisq, d_df, p = lrt_ordinal(thr, conf)
    >>> round(d_chisq, 3), d_df
    (93.889, 24.0)
    """
    m0, m1 = _internals(restricted, data), _internals(free, data)
    if m0.df < m1.df:
        m0, m1 = m1, m0
    if m0.data_hash != m1.data_hash or [len(w) for w in m0.w] != [len(w) for w in m1.w]:
        raise ModelSpecError(
            "the two fits are not on the same data (groups, items, rows)",
            found="different data hashes",
            expected="two models fitted to the same data, one nested in the other",
            fix="fit both models on the same data and grouping column",
        )
    if m0.estimator != m1.estimator:
        raise ModelSpecError(
            "the two fits use different estimators",
            found=f"{m0.estimator} and {m1.estimator}",
            expected="the same estimator",
            fix="fit both models with the same estimator",
        )
    with single_blas_thread():
        test = satorra_2000(m0, m1)
    if test is None:
        raise ModelSpecError(
            "the less restricted model has a singular information matrix",
            found="no standard errors in the less restricted fit",
            expected="an identified model",
            fix="check the identification of the less restricted model",
        )
    if test.df == 0:
        return test.stat, 0.0, math.nan
    return test.stat, test.df, float(stats.chi2.sf(test.stat, test.df))
