r"""Multi-group SEM and measurement invariance, with lavaan's numbers.

:func:`fit_groups` fits one model in several groups at once, as
``lavaan::cfa/sem(model, data, group = "wave", group.equal = ..., group.partial =
...)``; :func:`invariance` fits the invariance ladder configural → metric → scalar →
strict and tests each level against the one below it.

Conventions that decide the numbers (lavaan 0.6.14 source):

- **Mean structure in every group** (``lav_options_set``: ``meanstructure = TRUE``
  with groups): intercepts of the observed variables free, latent means fixed at 0 in
  every group (``lav_partable_flat``, ``int.lv.free = FALSE``). With ``"intercepts"``
  in ``group_equal`` (and ``"means"`` not), the latent means are free in groups 2..G
  (``lav_partable_flat``); with ``std_lv=True`` and ``"loadings"`` equal (and
  ``"lv.variances"`` not), the latent variances are free in groups 2..G.
- **Equality constraints across groups** (``lav_partable_labels``): every parameter
  of group 1 of a ``group_equal`` kind (``loadings`` ``=~``; ``intercepts`` ``~1`` of
  observed non-covariates; ``means`` ``~1`` of latent variables; ``regressions``
  ``~``; ``residuals`` ``~~`` variances of observed non-covariates;
  ``residual.covariances`` their covariances; ``lv.variances``, ``lv.covariances``)
  is shared by the same parameter of every other group, unless it is named in
  ``group_partial`` (``"LOY =~ LOY2"``, ``"x3 ~ 1"``: spaces do not matter). A label
  written in the model applies in every group, so it makes the parameter equal
  across groups. A set of equal parameters with a fixed member is fixed at that value
  (a marker loading stays 1 everywhere). lavaan writes these constraints as ``==``
  rows; they are shared parameters here, which gives the same estimates, standard
  errors and degrees of freedom (``npar`` counts each shared parameter once, as
  lavaan's ``fitMeasures``).
- **Discrepancy** ``F = sum_g (n_g / N) F_ML,g``, ``chisq = N F`` (the sum of the
  groups' ``n_g F_ML,g``, lavaan's "test statistic for each group"); standard errors
  from the expected information ``sum_g (n_g/N) I_g`` divided by N.
- **Fit measures** (``lav_fit_measures``): the baseline is the independence model in
  each group (means and variances free, nothing equal across groups), so
  ``baseline.chisq`` and ``baseline.df`` are the sums of the groups'; CFI, TLI and the
  other incremental indices use those sums. RMSEA is multiplied by ``sqrt(G)`` and its
  close-fit tests use the noncentrality ``N df h0^2 / G`` (Steiger 1998;
  ``lav_fit_rmsea``, ``lav_fit_rmsea_ci``, ``lav_fit_rmsea_closefit``). SRMR, RMR,
  CRMR and GFI are the groups' values weighted by ``n_g / N``
  (``lav_fit_srmr_lavobject``, ``lav_fit_gfi``); the log-likelihoods are sums; AIC,
  BIC, ECVI, Hoelter's CN and MFI use the total N.
- **Standardized solution** per group, with that group's implied moments
  (``cov.std = TRUE``), and delta-method SEs from the joint covariance matrix of the
  estimates.
- **Groups** in lavaan's order: the values in order of first appearance in the data
  (``unique()``, also for a factor / categorical column, whatever its levels say).
  Rows with a missing group are left out, counted and reported; rows with a missing
  answer on a model variable are left out within their group (listwise, lavaan's
  default), counted per group.
- **Full-information ML** (``missing="ml"``, ML or MLR): each group's patterns and EM
  saturated moments; SEs from the observed information (MLR: its sandwich with the
  groups' casewise scores, ``n_g / N`` weights). The ``*.robust`` indices are Zhang &
  Savalei's corrected ones (``lav_fit_fiml_corrected``: the groups' saturated
  informations stacked block-diagonally, ``k`` on the joint model, the RMSEA family on
  ``N / G``); score tests with the FIML expected information (``lavTestScore``).
  Fixed.x covariates: ``"ml"`` deletes the rows missing one within their group
  (counted, reported, as lavaan 0.6.14), ``"ml.x"`` keeps them; the likelihoods are
  conditional on the covariates and their moments carry no information (lavaan).

References
----------
Jöreskog, K. G. (1971). Simultaneous factor analysis in several populations.
Psychometrika, 36(4), 409-426.
Steiger, J. H. (1998). A note on multiple sample extensions of the RMSEA fit index.
Structural Equation Modeling, 5(4), 411-419.
Zhang, X., & Savalei, V. (2023). New computations for RMSEA and CFI following FIML and
TS estimation with missing data. Psychological Methods, 28(2), 263-283.
"""

from __future__ import annotations

import functools
import math
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, cast

import numpy as np
import pandas as pd

from loyaltysem._kernels import fiml as fiml_kernel
from loyaltysem._kernels import fit_indices as fi
from loyaltysem._kernels.converge import GRADIENT_TOL, SINGULAR, minimize
from loyaltysem._kernels.converge import _check as converge_check
from loyaltysem._kernels.ml import MLKernel, _bfgs, _damped_fisher
from loyaltysem._kernels.multigroup import (
    MultiGroupKernel,
    RobustFIMLGroups,
    corrected_groups,
    localize,
    observed_information,
    robust_baseline_groups,
    robust_groups,
    robust_mlr_groups,
    score_tests,
)
from loyaltysem._kernels.multigroup import optimize as mg_optimize
from loyaltysem._kernels.partable import (
    CompiledModel,
    ParTable,
    StandardizationPlan,
    compile_partable,
    row_estimates,
)
from loyaltysem._kernels.robust import RobustParts
from loyaltysem._kernels.starts import group_starts
from loyaltysem._pickling import Once
from loyaltysem._threads import single_blas_thread
from loyaltysem.errors import (
    IdentificationError,
    MissingDataWarning,
    ModelSpecError,
    SurveyDataError,
)
from loyaltysem.sem import multigroup_modindices
from loyaltysem.sem.group_blocks import (
    GROUP_EQUAL,
    MultiGroupResult,
    RowParameterization,
    _check_group_equal,
    _GroupData,
    _multigroup_measures,
    _multigroup_table,
    _MultiTable,
    _own_parameters,
    _plain,
    _split_groups,
    _warn_user,
    defined_rows,
    group_estimates,
    score_table,
)
from loyaltysem.sem.ordinal_multigroup import fit_groups_ordinal
from loyaltysem.sem.results import Provenance
from loyaltysem.sem.single_group import (
    _check_variables,
    _fit_measures,
    _model_syntax,
    _post_check,
    _Robust,
    _rsquare,
    _scaled_measures,
    _start_values,
    _std_with_se,
    _survey_frame,
    fiml_gfi,
    residual_parts,
)
from loyaltysem.sem.specification import ModelSpec, specify
from loyaltysem.status import Findings, warn_status

__all__ = [
    "GROUP_EQUAL",
    "MultiGroupResult",
    "fit_groups",
]


# --------------------------------------------------------------------------- fitting
def _gfi_fixed_x(
    s: np.ndarray, sigma: np.ndarray, mean: np.ndarray, mu: np.ndarray, ov_x: Sequence[int]
) -> float:
    """GFI of one group with fixed.x covariates and a mean structure, as lavaan's.

    ``1 - (e' V e + d' W0 d) / (s' V s + m' W0 m)`` with ``V`` the covariance part of
    the expected information without the covariate-covariate moments, and ``W0`` =
    ``Sigma^-1`` with the covariates' rows and columns zeroed (lavaan
    ``lav_mvnorm_information_expected`` with ``x.idx``: the covariates' means carry
    no information either). :func:`loyaltysem._kernels.fit_indices.gfi` keeps the
    covariates' means in the denominator; until it is mended, this is used here.
    """
    p = len(s)
    w = np.linalg.inv(sigma)
    rows, cols = np.tril_indices(p)
    xs = set(ov_x)
    keep = np.array([not (r in xs and c in xs) for r, c in zip(rows, cols, strict=True)])
    rows, cols = rows[keep], cols[keep]
    half = np.where(rows == cols, 0.5, 1.0)
    v = w[rows][:, rows] * w[cols][:, cols] + w[rows][:, cols] * w[cols][:, rows]
    v = v * half[:, None] * half[None, :]
    e = (s - sigma)[rows, cols]
    obs = s[rows, cols]
    nox = [i for i in range(p) if i not in xs]
    w0 = w[np.ix_(nox, nox)]
    d = (mean - mu)[nox]
    m = mean[nox]
    return float(1.0 - (e @ v @ e + d @ w0 @ d) / (obs @ v @ obs + m @ w0 @ m))


def fit_groups(
    model: str | ModelSpec | Any,
    data: Any,
    group: str,
    *,
    group_equal: Sequence[str] = (),
    group_partial: Sequence[str] = (),
    estimator: str | None = None,
    std_lv: bool = False,
    orthogonal: bool = False,
    fixed_x: bool = True,
    missing: str = "listwise",
    ordered: bool | Sequence[str] | None = None,
    parameterization: str = "delta",
) -> MultiGroupResult:
    """Fit a model in several groups at once, with equality constraints across groups.

    As ``lavaan::cfa/sem(model, data, group = group, group.equal = group_equal,
    group.partial = group_partial)``: a mean structure in every group, parameters of
    the ``group_equal`` kinds shared by all groups except those named in
    ``group_partial``, and the ML discrepancy ``sum_g (n_g / N) F_g``. The
    conventions, with their lavaan sources, are in the module docstring
    (:mod:`loyaltysem.sem.multigroup`).

    Parameters
    ----------
    model : str, ModelSpec, Codebook or dict
        lavaan model syntax (or what :func:`loyaltysem.fit` accepts). A label applies
        in every group (so a labelled parameter is equal across groups); ``c(a1, a2)``
        gives one label, value or ``NA`` per group, and ``:=`` lines define effects
        from the labels (rows with ``group = 0``).
    data : Survey or DataFrame
        The respondents, with the grouping column.
    group : str
        The grouping column (e.g. ``"wave"``).
    group_equal : sequence of str
        Parameters equal across groups: any of ``"loadings"``, ``"intercepts"``,
        ``"means"``, ``"residuals"``, ``"residual.covariances"``, ``"lv.variances"``,
        ``"lv.covariances"``, ``"regressions"``.
    group_partial : sequence of str
        Parameters exempt from ``group_equal``, written ``"LOY =~ LOY2"``, ``"x3 ~ 1"``
        (free in every group).
    estimator : {None, "ML", "MLM", "MLR", "WLSMV", "ULSMV"}
        ``None``: ML, or WLSMV with ``ordered``. ``"ML"``: maximum likelihood; ``"MLM"``:
        ML estimates, robust (``robust.sem``) standard
        errors from the expected information and the Satorra–Bentler scaled test;
        ``"MLR"``: Huber–White standard errors from the observed information and the
        Yuan–Bentler (Mplus) scaled test, the groups' traces summed (lavaan's
        ``estimator = "MLM"`` / ``"MLR"`` with groups). Both report lavaan's
        ``*.scaled`` and ``*.robust`` fit measures.
    std_lv : bool, default False
        Latent variances fixed at 1 instead of marker loadings (in group 1 only when
        loadings are equal, as lavaan).
    orthogonal, fixed_x : bool
        As in :func:`loyaltysem.fit`.
    ordered : bool or sequence of str, optional
        Ordinal indicators (lavaan ``ordered =``): ``True`` for every indicator, or the
        names. The fit is then :func:`loyaltysem.sem.ordinal_multigroup.fit_groups_ordinal`
        (WLSMV by default, or ``estimator="ULSMV"``; ``group_equal`` also takes
        ``"thresholds"``; ``missing`` ``"listwise"`` or ``"pairwise"``).
    parameterization : {"delta", "theta"}
        Of an ordinal fit: lavaan's default ``"delta"`` (scaling factors of y*), or
        ``"theta"`` (residual variances of y* as parameters; needed for strict
        invariance).
    missing : {"listwise", "ml", "ml.x"}, default "listwise"
        ``"listwise"``: rows with a missing answer are left out within their group
        (counted). ``"ml"``: full-information ML (lavaan ``missing = "ml"``): every
        respondent with an answer, each group's EM saturated moments as h1,
        standard errors from the observed information; with ``estimator="MLR"``
        Huber–White standard errors from the casewise scores of every row (the
        groups' ``n_g / N``-weighted meats) and the Yuan–Bentler (Mplus) scaled
        test. The ``*.robust`` indices are Zhang & Savalei's (2023) FIML-corrected
        ones (lavaan 0.6.14), and ``score_tests()`` uses the FIML expected
        information (lavTestScore's default). Not with MLM (lavaan refuses it with
        missing data). With fixed.x covariates ``"ml"`` deletes the rows missing a
        covariate within their group (counted per group and reported in
        ``warnings``, as lavaan's "cases were deleted in group ... while fixed.x =
        TRUE"); ``"ml.x"`` keeps them (lavaan ``missing = "ml.x"``).

    Returns
    -------
    MultiGroupResult

    Raises
    ------
    ModelSpecError
        Syntax errors, unknown ``group_equal`` keywords or ``group_partial`` names, an
        estimator other than ML/MLM/MLR (WLSMV/ULSMV with ``ordered``),
        ``missing="ml"``/``"ml.x"`` with MLM, a ``c()`` modifier without one value per
        group.
    SurveyDataError
        A missing or single-valued grouping column; a group with too few complete
        rows (no more than the observed variables, or fewer than the parameters that
        group alone must identify); an item constant within a group.
    IdentificationError
        More free parameters than sample moments (df < 0).

    Examples
    --------
    Metric invariance of the Holzinger–Swineford CFA across the two schools; in R:
    ``cfa(model, data = HolzingerSwineford1939, group = "school", group.equal =
    "loadings")``.

    >>> from loyaltysem.datasets import load_frame
    >>> from loyaltysem.sem.multigroup import fit_groups
    >>> hs = load_frame("holzinger_swineford")
    >>> model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    >>> res = fit_groups(model, hs, "school", group_equal=["loadings"])
    >>> fm = res.fit_measures
    >>> round(float(fm["chisq"]), 3), int(fm["df"]), round(float(fm["rmsea"]), 4)
    (124.044, 54, 0.0928)
    >>> res.group_labels
    ('Pasteur', 'Grant-White')
    >>> row = res.estimates.query("lhs == 'visual' and rhs == 'x2' and group == 2").iloc[0]
    >>> round(float(row["est"]), 3), row["label"]
    (0.599, '.p2.')
    """
    if ordered is not None and ordered is not False:
        result = fit_groups_ordinal(
            model, data, group, ordered=ordered,
            estimator="WLSMV" if estimator is None else str(estimator).upper(),
            group_equal=group_equal, group_partial=group_partial, std_lv=std_lv,
            missing=missing, parameterization=parameterization, orthogonal=orthogonal,
        )  # fmt: skip
        warn_status(result.status)
        return result
    estimator = "ML" if estimator is None else str(estimator).upper()
    if estimator not in ESTIMATORS:
        raise ModelSpecError(
            f"estimator={estimator!r} is not available with groups",
            found=estimator,
            expected=f"one of {list(ESTIMATORS)}",
            fix="use estimator='ML', 'MLM' or 'MLR'",
        )
    ge = _check_group_equal(group_equal)
    if isinstance(group_partial, str):
        group_partial = [group_partial]
    spec = _spec(model, std_lv=std_lv, orthogonal=orthogonal, fixed_x=fixed_x)
    _check_missing(missing, estimator, spec)
    frame, _ = _survey_frame(data)
    _check_variables(spec, [str(c) for c in frame.columns], "the data")
    gd = _split_groups(data, group, list(spec.ov), missing=missing, ov_x=spec.ov_x)
    if gd.lost_note:
        _warn_user(gd.lost_note, MissingDataWarning)
    mt = _multigroup_table(spec, len(gd.labels), ge, group_partial)
    with single_blas_thread():
        fiml = _fiml_groups(gd, group) if missing in FIML else None
        if fiml is not None:  # the EM moments stand in for the sample moments
            gd = replace(
                gd, covs=tuple(h.sigma for h in fiml[1]), means=tuple(h.mu for h in fiml[1])
            )
        result = _fit_table(spec, gd, mt, group, ge, tuple(group_partial), estimator, fiml)
    warn_status(result.status)
    return result


def _check_missing(missing: str, estimator: str, spec: ModelSpec) -> None:
    """``missing="listwise"`` (any estimator), ``"ml"`` or ``"ml.x"`` (ML or MLR).

    lavaan refuses MLM with missing data (its Satorra–Bentler test needs complete
    data); MLR is its robust estimator with ``missing = "ml"``. With fixed.x
    covariates ``"ml"`` deletes the rows missing a covariate within their group
    (counted, reported) and ``"ml.x"`` keeps them; without covariates the two agree.
    """
    if missing not in ("listwise", *FIML):
        raise ModelSpecError(
            "unknown missing-data treatment for a multi-group fit",
            found=missing,
            expected="'listwise' (lavaan's default), 'ml' (full-information ML) or 'ml.x' "
            "(full-information ML keeping rows with a missing covariate)",
            fix="missing='ml' to use every respondent with an answer",
        )
    if missing in FIML and estimator not in ("ML", "MLR"):
        raise ModelSpecError(
            f"missing={missing!r} with estimator={estimator!r} is not available: the "
            "Satorra-Bentler (MLM) correction needs complete data (lavaan refuses it too)",
            found=estimator,
            expected="estimator='ML' or 'MLR' with missing='ml'",
            fix="use estimator='MLR' with missing='ml' for robust standard errors and a "
            "scaled test, or missing='listwise' with MLM",
        )


#: lavaan's full-information ML treatments (``"ml.x"`` keeps rows missing a covariate)
FIML = ("ml", "ml.x")


def _fiml_groups(
    gd: _GroupData, group: str
) -> tuple[list[fiml_kernel.Patterns], list[fiml_kernel.EMResult]]:
    """Each group's missing-data patterns and EM saturated moments (lavaan ``missing="ml"``).

    They depend on the data only, so the last few are kept (keyed by the data hash, which
    covers the grouping column, the variables and every value): the levels of an
    invariance ladder and the refits of its partial search run the EM once.
    """
    cached = _FIML_CACHE.get(gd.data_hash)
    if cached is not None:
        _FIML_CACHE.move_to_end(gd.data_hash)
        return cached
    pats, h1s = [], []
    for label, values in zip(gd.labels, gd.data, strict=True):
        pat = fiml_kernel.patterns(values)
        counts = np.isfinite(values).sum(axis=0)
        if np.any(counts < 2):
            raise SurveyDataError(
                f"a model variable is (almost) never observed in group {group} = {_plain(label)!r}",
                column=group,
                found=f"{int(counts.min())} observed value(s) in group {_plain(label)!r}",
                expected="at least two observed values per variable in every group",
                fix="drop the variable, or leave the group out",
            )
        pats.append(pat)
        h1s.append(fiml_kernel.em_saturated(pat))
    _FIML_CACHE[gd.data_hash] = (pats, h1s)
    while len(_FIML_CACHE) > _FIML_CACHE_SIZE:
        _FIML_CACHE.popitem(last=False)
    return pats, h1s


#: The EM moments of the last few data sets fitted with missing="ml" (see _fiml_groups).
_FIML_CACHE: OrderedDict[str, tuple[list[Any], list[Any]]] = OrderedDict()
_FIML_CACHE_SIZE = 4


def _spec(model: Any, *, std_lv: bool, orthogonal: bool, fixed_x: bool) -> ModelSpec:
    if isinstance(model, ModelSpec):
        spec = specify(model.syntax, **{**model.options, "meanstructure": True})
    else:
        spec = specify(
            _model_syntax(model),
            std_lv=std_lv,
            orthogonal=orthogonal,
            fixed_x=fixed_x,
            meanstructure=True,
        )
    return spec


def _compile_groups(
    t: pd.DataFrame,
    ov: Sequence[str],
    q: int,
    covs: Sequence[np.ndarray],
    means: Sequence[np.ndarray],
) -> tuple[list[CompiledModel], list[np.ndarray], np.ndarray]:
    """Each group's compiled model, its global parameter index, and start values."""
    gcol = t["group"].to_numpy()
    compiled: list[CompiledModel] = []
    index: list[np.ndarray] = []
    x0 = np.full(q, np.nan)
    for g in range(len(covs)):
        rows = t[gcol == g + 1]
        local, idx = localize(rows["free"].to_numpy(dtype=int))
        pt = ParTable(
            lhs=rows["lhs"].to_numpy(dtype=object),
            op=rows["op"].to_numpy(dtype=object),
            rhs=rows["rhs"].to_numpy(dtype=object),
            free=local,
            ustart=rows["ustart"].to_numpy(dtype=float),
            exo=rows["exo"].to_numpy(dtype=int),
            label=rows["label"].to_numpy(dtype=object),
        )
        cm = compile_partable(pt, list(ov), covs[g], means[g])
        compiled.append(cm)
        index.append(idx)
        start = _start_values(cm, covs[g], means[g])
        unset = np.isnan(x0[idx])
        x0[idx[unset]] = start[unset]
    return compiled, index, x0


def _fit_table(
    spec: ModelSpec,
    gd: _GroupData,
    mt: _MultiTable,
    group: str,
    group_equal: tuple[str, ...],
    group_partial: tuple[str, ...],
    estimator: str = "ML",
    fiml: tuple[list[fiml_kernel.Patterns], list[fiml_kernel.EMResult]] | None = None,
) -> MultiGroupResult:
    t = mt.frame
    ov = list(spec.ov)
    p = len(ov)
    n_groups = len(gd.labels)
    gcol = t["group"].to_numpy()
    free_all = t["free"].to_numpy(dtype=int)
    q = mt.n_free
    df, n_moments, x_moments = _check_identified(spec, gd, mt, group)
    compiled, index, x0 = _compile_groups(t, ov, q, gd.covs, gd.means)
    kernel = MultiGroupKernel([cm.layout for cm in compiled], index, gd.covs, gd.means, gd.nobs, q)
    # principal-component starts, then lavaan's per group; the point checked (issue 14)
    starts: list[tuple[str, Any]] = [("principal component", x0)]
    starts += group_starts(compiled, index, gd.covs, gd.means, q)
    run = minimize(kernel, starts, mg_optimize, information="expected")
    x, st, iterations, converged = run.x, run.state, run.iterations, run.converged
    warnings = Findings(gd.notes)
    fiml_info: np.ndarray | None = None
    if fiml is not None:  # from the ML fit to the EM moments to the FIML optimum
        kernel, st, x, extra, converged, fiml_info = _fiml_optimum(
            compiled, index, gd, q, fiml, x, group, warnings
        )
        iterations += extra
    if not converged and "convergence" not in warnings.kinds:
        warnings.add(
            "convergence",
            f"the optimizer did not converge after {iterations} iterations: the estimates "
            "are not to be trusted",
        )
    n_total = int(sum(gd.nobs))
    ov_x_all = [ov.index(v) for v in spec.ov_x]  # the covariates' positions, every group
    vcov, robust, robust_fiml = _group_vcov(
        kernel, st, run, gd, estimator, fiml, fiml_info, q, ov_x_all, warnings
    )
    se_free = np.sqrt(np.clip(np.diag(vcov), 0.0, None))
    pieces: list[pd.DataFrame] = []
    per_group: list[dict[str, float]] = []
    r2_parts: list[pd.Series] = []
    implied: dict[Any, tuple[pd.DataFrame, pd.Series]] = {}
    sample: dict[Any, tuple[pd.DataFrame, pd.Series]] = {}
    f_groups = kernel.group_objectives(st)
    names = pd.Index(ov)
    for g, (cm, idx, gst) in enumerate(zip(compiled, index, st.states, strict=True)):
        label = gd.labels[g]
        rows = t[gcol == g + 1]
        xg = x[idx]
        est = row_estimates(cm, xg)
        fr = rows["free"].to_numpy(dtype=int)
        se = np.where(fr > 0, se_free[np.maximum(fr, 1) - 1], 0.0)
        vg = vcov[np.ix_(idx, idx)]
        std_lv_vals = StandardizationPlan.build(cm, "std.lv").evaluate(xg)[0]
        std_all, se_std = _std_with_se(StandardizationPlan.build(cm, "std.all"), xg, vg)
        pieces.append(group_estimates(rows, g + 1, label, est, se, std_lv_vals, std_all, se_std))
        _check_group_admissible(cm, xg, est, fr, f"group {group} = {_plain(label)!r}: ", warnings)
        measures_g = _group_measures(kernel, g, gst, float(f_groups[g]), cm, gd, q, fiml)
        per_group.append(measures_g)
        r2 = _rsquare(cm, xg)
        r2.index = pd.MultiIndex.from_arrays(
            [[_plain(label)] * len(r2), list(r2.index)], names=["group_label", "variable"]
        )
        r2_parts.append(r2)
        mu = gst.mu if gst.mu is not None else np.full(p, np.nan)
        implied[label] = (
            pd.DataFrame(gst.sigma, index=names, columns=names),
            pd.Series(mu, index=names, name="mean"),
        )
        sample[label] = (
            pd.DataFrame(gd.covs[g], index=names, columns=names),
            pd.Series(gd.means[g], index=names, name="mean"),
        )
    estimates = pd.concat(pieces, ignore_index=True)
    if spec.definitions:
        estimates = pd.concat(
            [estimates, _defined_rows(spec, t, compiled, index, estimates, x, vcov)],
            ignore_index=True,
        )
    measures = _multigroup_measures(per_group, gd.nobs, q, df, n_moments)
    if robust is not None:
        trace_null = None if robust_fiml is None else robust_fiml.trace_null
        n_rows = int((free_all > 0).sum())
        # lavaan's scaling.factor.h1 divides by the moments without the fixed.x ones
        scaled = _scaled_group_measures(
            measures, robust, gd, n_moments - n_groups * x_moments, estimator, n_rows,
            trace_null=trace_null, ov_x=ov_x_all,
        )  # fmt: skip
        measures.update(scaled)
    if fiml is not None:  # Zhang & Savalei's corrected *.robust indices (lavaan 0.6.14)
        first_order = None if robust_fiml is None else robust_fiml.first_order
        measures.update(_fiml_group_measures(kernel, st, measures, n_groups, first_order, ov_x_all))
    chisq_group = pd.Series(
        [gd.nobs[g] * float(f_groups[g]) for g in range(n_groups)],
        index=pd.Index([_plain(v) for v in gd.labels], name=group),
        name="chisq",
    )
    score = None
    if mt.eq_pairs:
        score = Once(_ScoreTests(kernel, compiled, index, t, mt, x, gd, fiml))
    se_type, information = _SE[estimator]
    provenance = Provenance(
        estimator=estimator,
        n=n_total,
        n_excluded=int(sum(gd.n_excluded)) + gd.n_group_missing,
        data_hash=gd.data_hash,
        options=MappingProxyType(
            {
                "estimator": estimator,
                "se": se_type,
                "test": _TEST[estimator],
                "group": group,
                "group_labels": [_plain(v) for v in gd.labels],
                "group_equal": list(group_equal),
                "group_partial": list(group_partial),
                "std_lv": bool(spec.options.get("std_lv")),
                "orthogonal": bool(spec.options.get("orthogonal")),
                "fixed_x": bool(spec.options.get("fixed_x")),
                "meanstructure": True,
                "information": "observed" if fiml is not None else information,
                "missing": gd.missing if fiml is not None else "listwise",
                "n_excluded_per_group": [int(v) for v in gd.n_excluded],
                "n_group_missing": gd.n_group_missing,
            }
        ),
    )
    return MultiGroupResult(
        model=spec.syntax,
        group=group,
        group_labels=tuple(_plain(v) for v in gd.labels),
        group_equal=group_equal,
        group_partial=group_partial,
        _estimates=estimates,
        _fit_measures=pd.Series(measures, name="fit_measures"),
        _chisq_group=chisq_group,
        _r2=pd.concat(r2_parts) if r2_parts else pd.Series(dtype=float),
        _nobs=pd.Series(
            list(gd.nobs), index=pd.Index([_plain(v) for v in gd.labels], name=group), name="n"
        ),
        _implied=MappingProxyType({_plain(k): v for k, v in implied.items()}),
        _sample=MappingProxyType({_plain(k): v for k, v in sample.items()}),
        _vcov=pd.DataFrame(vcov),
        converged=bool(converged),
        iterations=int(iterations),
        warnings=tuple(warnings),
        _status=warnings.status(bool(converged)),
        provenance=provenance,
        _score=score,
        _x=np.array(x, copy=True),
        _std_all_batches=tuple(
            _GroupStd(StandardizationPlan.build(cm, "std.all"), idx)
            for cm, idx in zip(compiled, index, strict=True)
        ),
        _std_residuals=Once(
            functools.partial(
                _std_residuals,
                kernel,
                st,
                gd,
                estimator,
                fiml is not None,
                tuple(ov_x_all),
                None if robust_fiml is None else tuple(robust_fiml.first_order),
            )
        ),
        _modindices=Once(
            functools.partial(
                multigroup_modindices.modification_indices,
                kernel,
                compiled,
                index,
                t,
                x,
                gd,
                fiml=fiml,
            )
        ),
    )


def _group_measures(
    kernel: MultiGroupKernel,
    g: int,
    gst: Any,
    f_g: float,
    cm: CompiledModel,
    gd: _GroupData,
    q: int,
    fiml: Any,
) -> dict[str, float]:
    """One group's fit measures (its chi-square part, GFI; likelihoods under FIML)."""
    ov_x_idx = [cm.ov.index(v) for v in cm.ov_x]
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
    measures_g = _fit_measures(
        gk, gst.sigma, f_g, gd.nobs[g], q, ov_x_idx, gst.mu,
        likelihoods=likelihoods, x_cov_h1=x_cov_h1,
    )  # fmt: skip
    if fiml is not None:
        measures_g["gfi"] = fiml_gfi(gk, gst, ov_x_idx)
    elif ov_x_idx:
        measures_g["gfi"] = _gfi_fixed_x(gd.covs[g], gst.sigma, gd.means[g], gst.mu, ov_x_idx)
    return measures_g


def _check_group_admissible(
    cm: CompiledModel,
    xg: np.ndarray,
    est: np.ndarray,
    fr: np.ndarray,
    prefix: str,
    warnings: Findings,
) -> None:
    """One group's Heywood cases and lavaan's post-checks, each named with its group."""
    ops, lhs, rhs = cm.table.op, cm.table.lhs, cm.table.rhs
    for i in np.flatnonzero((ops == "~~") & (lhs == rhs) & (fr > 0)):
        if est[i] < 0:
            warnings.add(
                "admissibility",
                f"{prefix}negative variance estimate (Heywood case): "
                f"{lhs[i]} ~~ {rhs[i]} = {est[i]:.4g}",
            )
    warnings.add_all("admissibility", (prefix + w for w in _post_check(cm, xg, est, cm.table)))


def _check_identified(
    spec: ModelSpec, gd: _GroupData, mt: _MultiTable, group: str
) -> tuple[int, int, int]:
    """Refuse df < 0 and groups smaller than their own parameters.

    Returns ``(df, sample moments, covariate moments per group)``.
    """
    t = mt.frame
    p = len(spec.ov)
    n_groups = len(gd.labels)
    gcol = t["group"].to_numpy()
    free_all = t["free"].to_numpy(dtype=int)
    q = mt.n_free
    px = len(spec.ov_x)
    x_moments = px * (px + 1) // 2 + px
    n_moments = n_groups * (p * (p + 1) // 2 + p)
    df = n_moments - q - n_groups * x_moments
    if df < 0:
        raise IdentificationError(
            "the model has more free parameters than sample moments (df < 0)",
            found=f"{q} free parameters, {n_moments} sample moments (means, variances, "
            f"covariances of {p} variables in {n_groups} groups), df = {df}",
            expected="df >= 0",
            fix="constrain more parameters across groups (group_equal) or fix some",
        )
    for g, (label, n_g) in enumerate(zip(gd.labels, gd.nobs, strict=True), start=1):
        own = _own_parameters(free_all, gcol, g)
        if n_g < own:
            raise SurveyDataError(
                f"group {group} = {_plain(label)!r} has fewer respondents than the parameters "
                "it alone must identify",
                column=group,
                found=f"{n_g} complete rows in group {_plain(label)!r}, {own} free parameters "
                "of its own",
                expected="at least as many respondents as group-specific parameters (many more "
                "for stable estimates)",
                fix="merge small groups, drop the group, or constrain more parameters across "
                "groups (group_equal)",
            )
    return df, n_moments, x_moments


def _fiml_optimum(
    compiled: Sequence[CompiledModel],
    index: Sequence[np.ndarray],
    gd: _GroupData,
    q: int,
    fiml: tuple[list[fiml_kernel.Patterns], list[fiml_kernel.EMResult]],
    x: np.ndarray,
    group: str,
    warnings: Findings,
) -> tuple[MultiGroupKernel, Any, np.ndarray, int, bool, np.ndarray | None]:
    """From the ML fit to the EM moments on to the full-information optimum, checked."""
    fiml_info: np.ndarray | None = None
    iterations = 0
    pats, h1s = fiml
    per_group = [
        fiml_kernel.FIMLKernel(cm.layout, pat, h1)
        for cm, pat, h1 in zip(compiled, pats, h1s, strict=True)
    ]
    kernel = MultiGroupKernel.from_kernels(per_group, index, gd.nobs, q)
    st = kernel.state(x)
    x, st, extra, converged = _bfgs(cast(MLKernel, kernel), x, st, max_iter=200, tol=1e-8)
    iterations += extra
    if not converged:
        x, st, extra, converged = _damped_fisher(
            cast(MLKernel, kernel), x, st, max_iter=1000, tol=1e-8, until=0.0
        )
        iterations += extra
    if converged:  # the point checked as the single-group FIML fit's (issue 14)
        reason, fiml_info = converge_check(kernel, st, GRADIENT_TOL, "observed")
        if reason and not reason.startswith(SINGULAR):  # singular: not identified
            converged = False
            warnings.add("convergence", f"{reason}: the estimates are not to be trusted")
    for label, h1 in zip(gd.labels, h1s, strict=True):
        if not h1.converged:
            warnings.add(
                "note",
                f"group {group} = {_plain(label)!r}: the EM estimates of the saturated "
                "moments did not converge: chi-square and the fit indices are approximate",
            )
    return kernel, st, x, iterations, converged, fiml_info


def _group_vcov(
    kernel: MultiGroupKernel,
    st: Any,
    run: Any,
    gd: _GroupData,
    estimator: str,
    fiml: Any,
    fiml_info: np.ndarray | None,
    q: int,
    ov_x_all: list[int],
    warnings: Findings,
) -> tuple[np.ndarray, RobustParts | None, RobustFIMLGroups | None]:
    """The covariance of the estimates (expected, observed or robust), or NaN, saying why."""
    n_total = int(sum(gd.nobs))
    robust: RobustParts | None = None
    robust_fiml: RobustFIMLGroups | None = None
    try:
        if fiml is not None:  # lavaan: information = "observed" with missing = "ml"
            info = fiml_info if fiml_info is not None else observed_information(kernel, st)
            if estimator == "MLR":  # Huber-White from the casewise scores of every row
                robust_fiml = robust_mlr_groups(
                    kernel, st, gd.data, info, observed=True, ov_x=ov_x_all
                )
                robust = robust_fiml.parts
        elif estimator == "ML":  # the convergence check's matrix at this point: computed once
            info = (
                run.information if run.information is not None else kernel.expected_information(st)
            )
        else:
            robust, info = robust_groups(kernel, st, gd.data, mlr=estimator == "MLR", ov_x=ov_x_all)
        eig = np.linalg.eigvalsh((info + info.T) / 2.0) if info.size else np.ones(1)
        if not np.all(np.isfinite(eig)) or eig[0] <= np.finfo(float).eps * max(eig[-1], 1.0):
            raise np.linalg.LinAlgError
        vcov = np.linalg.inv(info) / n_total if robust is None else robust.vcov
        if not np.all(np.isfinite(vcov)) or np.any(np.diag(vcov) < 0):
            raise np.linalg.LinAlgError
        min_eig = float(np.linalg.eigvalsh((vcov + vcov.T) / 2.0)[0]) if vcov.size else 1.0
        if min_eig < np.finfo(float).eps ** 0.75:
            warnings.add(
                "identification",
                "the covariance matrix of the estimates (vcov) is not positive definite "
                f"(smallest eigenvalue {min_eig:.3g}): the model may not be identified",
            )
    except np.linalg.LinAlgError:
        vcov = np.full((q, q), np.nan)
        warnings.add(
            "identification",
            "the information matrix is singular and could not be inverted: the model may "
            "not be identified; standard errors are not available",
        )
    return vcov, robust, robust_fiml


def _std_residuals(
    kernel: MultiGroupKernel,
    st: Any,
    gd: _GroupData,
    estimator: str,
    fiml: bool = False,
    ov_x: tuple[int, ...] = (),
    first_order: tuple[np.ndarray, ...] | None = None,
) -> tuple[np.ndarray, ...]:
    """Each group's standardized covariance residuals, as lavaan 0.6.14.

    ``lav_residuals_acov`` group by group: ``Q_g = I - (n_g/N) Delta_g A0^-1 Delta_g'
    A1_g`` with ``A0 = sum_g (n_g/N) Delta_g' A1_g Delta_g`` the joint information
    (``observed.information = "h1"``), ``ACOV_g = Q_g Gamma_g Q_g' / n_g``; ``Gamma_g``
    normal-theory at the sample moments for ML, ADF for MLM/MLR; ``A1_g`` expected,
    or observed for MLR (see :func:`loyaltysem.sem.single_group.moment_standardized_residuals`).
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
    if fiml or ov_x:
        return _moment_std_residuals(kernel, st, gd, fiml, ov_x, first_order)
    parts = [
        residual_parts(
            values, k.s, s.sigma, k.jacobian(s), adf=estimator != "ML",
            observed=estimator == "MLR", mean=k.mean, mu=s.mu, delta_mean=k.mean_jacobian(s),
        )
        for k, s, values in zip(kernel.kernels, st.states, gd.data, strict=True)
    ]  # fmt: skip
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


@dataclass(frozen=True)
class _GroupStd:
    """One group's std.all rows from a batch of the global parameter vectors."""

    plan: StandardizationPlan
    index: np.ndarray

    def __call__(self, xs: np.ndarray) -> np.ndarray:
        return self.plan.evaluate(np.atleast_2d(xs)[:, self.index])


def _defined_rows(
    spec: ModelSpec,
    t: pd.DataFrame,
    compiled: Sequence[CompiledModel],
    index: Sequence[np.ndarray],
    estimates: pd.DataFrame,
    x: np.ndarray,
    vcov: np.ndarray,
) -> pd.DataFrame:
    """The ``:=`` rows (:func:`loyaltysem.sem.group_blocks.defined_rows`), each group's std.all."""
    plans = [StandardizationPlan.build(cm, "std.all") for cm in compiled]

    def std_all_rows(xs: np.ndarray) -> np.ndarray:
        parts = [plan.evaluate(xs[:, idx]) for plan, idx in zip(plans, index, strict=True)]
        return np.hstack(parts)

    return defined_rows(spec.definitions, t, estimates, x, vcov, std_all_rows)


#: The estimators of continuous multi-group fits, and what lavaan resolves them to.
ESTIMATORS = ("ML", "MLM", "MLR")
_SE = {
    "ML": ("standard", "expected"),
    "MLM": ("robust.sem", "expected"),
    "MLR": ("robust.huber.white", "observed"),
}
_TEST = {"ML": "standard", "MLM": "satorra.bentler", "MLR": "yuan.bentler.mplus"}


def _scaled_group_measures(
    measures: Mapping[str, float],
    robust: RobustParts,
    gd: _GroupData,
    n_moments: int,
    estimator: str,
    n_free_rows: int,
    trace_null: float | None = None,
    ov_x: Sequence[int] = (),
) -> dict[str, float]:
    """The ``*.scaled`` and ``*.robust`` measures (lavaan) of a multi-group MLM/MLR fit.

    The single-group formulas (:func:`loyaltysem.sem.single_group._scaled_measures`) with
    the traces summed over groups (:func:`~loyaltysem._kernels.multigroup.robust_groups`)
    and the RMSEA family on ``N / G`` (lavaan's ``lav_fit_rmsea``: ``sqrt(G)`` times
    the single-group value at N, the same thing). ``trace_null``: the baseline
    model's ``tr(U Gamma)`` when it is not that of complete data (FIML,
    :func:`~loyaltysem._kernels.multigroup.robust_mlr_groups`). ``ov_x``: the fixed.x
    covariates' positions.
    """
    n_groups = len(gd.labels)
    if trace_null is None:
        trace_b = robust_baseline_groups(gd.data, gd.covs, mlr=estimator == "MLR", ov_x=ov_x)
    else:
        trace_b = trace_null
    parts = _Robust(robust, RobustParts(np.empty((0, 0)), trace_b))
    fm = {**measures, "ntotal": measures["ntotal"] / n_groups, "_p": 1.0, "_means": 1.0}
    out = _scaled_measures(fm, parts)
    if "scaling.factor.h1" in out:
        # lavaan divides by its own counts: every sample moment, and every free row of
        # the parameter table (a parameter shared by G groups counts G times)
        out["scaling.factor.h1"] = robust.trace_h1 / n_moments
        out["scaling.factor.h0"] = robust.trace_h0 / n_free_rows
    return out


def _fiml_group_measures(
    kernel: MultiGroupKernel,
    st: Any,
    fm: Mapping[str, float],
    n_groups: int,
    first_order: Sequence[np.ndarray] | None,
    ov_x: Sequence[int] = (),
) -> dict[str, float]:
    """Zhang & Savalei's FIML-corrected ``*.robust`` indices of a multi-group fit.

    As lavaan 0.6.14 (``lav_fit_cfi_lavobject``, ``lav_fit_rmsea_lavobject`` with
    ``missing = "ml"``): the corrected statistics and scaling factors of all groups
    (:func:`~loyaltysem._kernels.multigroup.corrected_groups`; version "V6" for ML,
    "V3" with each group's first-order information for MLR) in the single-group
    formulas, CFI/TLI/RNI with the summed baseline, the RMSEA family multiplied by
    ``sqrt(G)`` and its close-fit tests with the noncentrality ``N df h0^2 / (c G)``.
    These replace the complete-data ``*.robust`` values of an MLR fit. ``ov_x``: the
    fixed.x covariates' positions (their moments carry no information).
    """
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
        mt: _MultiTable,
        x: np.ndarray,
        gd: _GroupData,
        fiml: tuple[list[fiml_kernel.Patterns], list[fiml_kernel.EMResult]] | None = None,
    ) -> None:
        self.kernel, self.compiled, self.index = kernel, compiled, index
        self.table, self.mt, self.x, self.gd = table, mt, x, gd
        self.fiml = fiml

    def __call__(self) -> tuple[pd.DataFrame, pd.Series]:
        t = self.table
        rp = RowParameterization.build(t, self.mt.eq_pairs, self.x)
        gcol = t["group"].to_numpy()
        layouts, idx_full = [], []
        for g, cm in enumerate(self.compiled):
            local, idx = localize(rp.row_param[gcol == g + 1])
            pt = ParTable(
                cm.table.lhs, cm.table.op, cm.table.rhs, local, cm.table.ustart,
                cm.table.exo, cm.table.label,
            )  # fmt: skip
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
        return score_table(t, self.mt.eq_pairs, x2, total)
