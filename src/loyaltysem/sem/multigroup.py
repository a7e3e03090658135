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

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import Any

import numpy as np

from loyaltysem._kernels import fiml as fiml_kernel
from loyaltysem._threads import single_blas_thread
from loyaltysem.errors import MissingDataWarning, ModelSpecError, SurveyDataError
from loyaltysem.sem.engine import (
    TESTS,
    BlockTable,
    Estimation,
    fit_blocks,
    resolve_estimation,
)
from loyaltysem.sem.group_blocks import (
    GROUP_EQUAL,
    MultiGroupResult,
    _check_group_equal,
    _GroupData,
    _multigroup_table,
    _plain,
    _split_groups,
    _warn_user,
    summary_blocks,
)
from loyaltysem.sem.moments import (
    _check_variables,
    _model_syntax,
    _survey_frame,
    check_pairwise,
    check_source,
    check_summary_args,
)
from loyaltysem.sem.ordinal_multigroup import fit_groups_ordinal
from loyaltysem.sem.specification import ModelSpec, specify
from loyaltysem.status import warn_status

__all__ = [
    "ESTIMATORS",
    "GROUP_EQUAL",
    "MultiGroupResult",
    "fit_groups",
]

#: The estimators of continuous multi-group fits (their defaults: ``engine.DEFAULTS``).
ESTIMATORS = ("ML", "MLM", "MLR")


def fit_groups(
    model: str | ModelSpec | Any,
    data: Any = None,
    group: str | None = None,
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
    se: str | None = None,
    information: str | None = None,
    meanstructure: bool | None = None,
    sample_cov: Any = None,
    sample_cor: Any = None,
    sample_sd: Any = None,
    sample_mean: Any = None,
    sample_nobs: Any = None,
) -> MultiGroupResult:
    """Fit a model in several groups at once, with equality constraints across groups.

    As ``lavaan::cfa/sem(model, data, group = group, group.equal = group_equal,
    group.partial = group_partial)``: a mean structure in every group, parameters of
    the ``group_equal`` kinds shared by all groups except those named in
    ``group_partial``, and the ML discrepancy ``sum_g (n_g / N) F_g``. The
    conventions, with their lavaan sources, are in the module docstring
    (``loyaltysem.sem.multigroup``).

    Parameters
    ----------
    model : str, ModelSpec, Codebook or dict
        lavaan model syntax (or what :func:`loyaltysem.fit` accepts). A label applies
        in every group (so a labelled parameter is equal across groups); ``c(a1, a2)``
        gives one label, value or ``NA`` per group, and ``:=`` lines define effects
        from the labels (rows with ``group = 0``).
    data : Survey or DataFrame, optional
        The respondents, with the grouping column (or summary statistics per group
        through ``sample_cov``/``sample_cor``).
    group : str, optional
        The grouping column (e.g. ``"wave"``); needed with ``data``. With summary
        statistics it only names the groups' column in the result (default
        ``"group"``).
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
        names. The fit is then ``loyaltysem.sem.ordinal_multigroup.fit_groups_ordinal``
        (WLSMV by default, or ``estimator="ULSMV"``; ``group_equal`` also takes
        ``"thresholds"``; ``missing`` ``"listwise"`` or ``"pairwise"``).
    parameterization : {"delta", "theta"}
        Of an ordinal fit: lavaan's default ``"delta"`` (scaling factors of y*), or
        ``"theta"`` (residual variances of y* as parameters; needed for strict
        invariance).
    se, information : str, optional
        As in :func:`loyaltysem.fit` (lavaan ``se =``, ``information =``): the standard
        errors and the information matrix (the bread of a sandwich); ``None``: lavaan's
        default for the estimator (with ``missing="ml"`` the observed information).
    missing : {"listwise", "ml", "ml.x", "pairwise"}, default "listwise"
        ``"listwise"``: rows with a missing answer are left out within their group
        (counted). ``"pairwise"`` (ML only, as for one group): each group's
        available-case means and pairwise covariances (R's ``cov(x, use =
        "pairwise")`` rescaled by (n_g - 1)/n_g, lavaan ``missing = "pairwise"``),
        n_g the rows of the group with an answer, then ML as for complete data.
        ``"ml"``: full-information ML (lavaan ``missing = "ml"``): every respondent
        with an answer, each group's EM saturated moments as h1,
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
    meanstructure : bool, optional
        Intercepts and means in every group. ``None``: lavaan's default with groups,
        a mean structure unless the input is covariance matrices without
        ``sample_mean``. ``False``: none (lavaan ``meanstructure = FALSE``: chi-square
        and df of the covariances alone). As in lavaan, ``missing="ml"`` and
        ``"intercepts"`` or ``"means"`` in ``group_equal`` bring the mean structure
        back.
    sample_cov, sample_cor, sample_sd, sample_mean, sample_nobs : optional
        Summary statistics per group instead of ``data`` (lavaan ``sample.cov =
        list(S1, S2), sample.mean = list(m1, m2), sample.nobs = c(n1, n2)``): a list
        (groups in order, named ``"Group 1"``, ``"Group 2"``, ... as lavaan names
        them) or a dict ``{group: ...}`` (lavaan's named list) of what
        :func:`loyaltysem.fit` takes for one group; ``sample_nobs`` a list, dict or
        Series of N. Read by ``loyaltysem.sem.group_blocks.summary_blocks``
        (covariance matrices rescaled by (N - 1)/N). ML only (robust standard errors
        need the rows).

    Returns
    -------
    MultiGroupResult

    Raises
    ------
    ModelSpecError
        Syntax errors, unknown ``group_equal`` keywords or ``group_partial`` names, an
        estimator other than ML/MLM/MLR (WLSMV/ULSMV with ``ordered``),
        ``missing="ml"``/``"ml.x"`` with MLM, ``missing="pairwise"`` with MLM or MLR,
        ``sample_nobs``/``sample_mean``/``sample_sd`` without a matrix, a ``c()``
        modifier without one value per group.
    SurveyDataError
        Summary statistics with different numbers or names of groups, or a group's
        matrix not labelled, symmetric or positive definite (the group named); data
        and summary statistics together; a missing or single-valued grouping column;
        a group with too few complete
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

    The same fit from each school's covariance matrix and means; in R:
    ``cfa(model, sample.cov = S, sample.mean = M, sample.nobs = N, group.equal =
    "loadings")`` with ``S``, ``M``, ``N`` named lists per school.

    >>> ov = [f"x{i}" for i in range(1, 10)]
    >>> by = {k: g[ov] for k, g in hs.groupby("school", sort=False)}
    >>> summ = fit_groups(model, sample_cov={k: g.cov() for k, g in by.items()},
    ...                   sample_mean={k: g.mean() for k, g in by.items()},
    ...                   sample_nobs={k: len(g) for k, g in by.items()},
    ...                   group_equal=["loadings"])
    >>> round(float(summ.fit_measures["chisq"]), 3), int(summ.fit_measures["df"])
    (124.044, 54)

    Without a mean structure (R: ``cfa(model, data = hs, group = "school",
    meanstructure = FALSE)``): the covariances alone.

    >>> plain = fit_groups(model, hs, "school", meanstructure=False).fit_measures
    >>> round(float(plain["chisq"]), 3), int(plain["df"]), int(plain["npar"])
    (115.851, 48, 42)
    """
    summary = check_summary_args(sample_cov, sample_cor, sample_sd, sample_mean, sample_nobs)
    if ordered is not None and ordered is not False:
        if summary or data is None:
            raise SurveyDataError(
                "an ordinal multi-group fit needs the raw data (the category counts)",
                found="summary statistics" if summary else "no data",
                expected="data=Survey or DataFrame with whole-number category codes",
                fix="pass the survey and the grouping column, e.g. "
                "fit(model, survey, group='wave', ordered=True)",
            )
        result = fit_groups_ordinal(
            model, data, _group_name(group, summary=False), ordered=ordered,
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
    has_means = _meanstructure(meanstructure, summary, sample_mean, missing, ge)
    spec = _spec(
        model, std_lv=std_lv, orthogonal=orthogonal, fixed_x=fixed_x, meanstructure=has_means
    )
    _check_missing(missing, estimator, spec)
    how = resolve_estimation(estimator, se, information, fiml=missing in FIML)
    check_source(data, summary, missing, how.estimator, how.se, groups=True)
    group = _group_name(group, summary=summary)
    if summary:
        gd = summary_blocks(
            list(spec.ov),
            sample_cov=sample_cov,
            sample_cor=sample_cor,
            sample_sd=sample_sd,
            sample_mean=sample_mean,
            sample_nobs=sample_nobs,
        )
        if len(gd.labels) < 2:
            raise SurveyDataError(
                "a multi-group model needs the summary statistics of at least two groups",
                found="one group's summary statistics",
                expected="a list (or dict) of matrices and of N, one per group",
                fix="pass sample_cov=[S1, S2] and sample_nobs=[n1, n2], or use "
                "loyaltysem.fit() for one group",
            )
    else:
        frame, _ = _survey_frame(data)
        _check_variables(spec, [str(c) for c in frame.columns], "the data")
        gd = _split_groups(data, group, list(spec.ov), missing=missing, ov_x=spec.ov_x)
        if missing == "pairwise":  # the moments are no rows' own: ML as for complete data
            for label, cov, n in zip(gd.labels, gd.covs, gd.nobs, strict=True):
                check_pairwise(spec.ov, cov, n, where=f" in group {group} = {_plain(label)!r}")
            gd = replace(gd, data=())
    if gd.lost_note:
        _warn_user(gd.lost_note, MissingDataWarning)
    mt = _multigroup_table(spec, len(gd.labels), ge, group_partial)
    with single_blas_thread():
        fiml = _fiml_groups(gd, group) if missing in FIML else None
        if fiml is not None:  # the EM moments stand in for the sample moments
            gd = replace(
                gd, covs=tuple(h.sigma for h in fiml[1]), means=tuple(h.mu for h in fiml[1])
            )
        table = BlockTable.from_frame(mt.frame, mt.n_free, mt.eq_pairs)
        result = fit_blocks(
            table,
            gd,
            spec.ov,
            how=how,
            model_text=spec.syntax,
            definitions=spec.definitions,
            fiml=fiml,
            group=group,
            group_equal=ge,
            group_partial=tuple(group_partial),
            options=_options(
                spec, gd, group, how, ge, group_partial, fiml is not None, missing, summary
            ),
        )
    warn_status(result.status)
    return result


def _group_name(group: Any, *, summary: bool) -> str:
    """The grouping column (needed with data), or the groups' name with summary statistics."""
    if group is None:
        if summary:
            return "group"
        raise ModelSpecError(
            "a multi-group fit of data needs the grouping column",
            found="group=None",
            expected="group='<column that says which group each respondent is in>'",
            fix="pass group=, e.g. fit_groups(model, survey, 'wave')",
        )
    return str(group)


def _meanstructure(
    meanstructure: Any, summary: bool, sample_mean: Any, missing: str, group_equal: Sequence[str]
) -> bool:
    """Whether the groups have a mean structure, as lavaan decides (``lav_options_set``).

    ``None``: yes, unless the input is covariance matrices without ``sample_mean``.
    Full-information ML and equal intercepts or means need the means whatever was asked
    (lavaan: "missing argument forces meanstructure = TRUE"; ``group.equal =
    "intercepts"`` fits the scalar model with ``meanstructure = FALSE``).
    """
    if meanstructure is not None and not isinstance(meanstructure, bool):
        raise ModelSpecError(
            "meanstructure must be True, False or None",
            found=meanstructure,
            expected="meanstructure=None (lavaan's default), True or False",
            fix="pass a bool, or leave it unset",
        )
    if missing in FIML or {"intercepts", "means"} & set(group_equal):
        return True
    if meanstructure is None:
        return not summary or sample_mean is not None
    return meanstructure


def _options(
    spec: ModelSpec,
    gd: _GroupData,
    group: str,
    how: Estimation,
    group_equal: Sequence[str],
    group_partial: Sequence[str],
    fiml: bool,
    missing: str = "listwise",
    summary: bool = False,
) -> MappingProxyType[str, Any]:
    """The options of a multi-group fit as resolved, for ``provenance.options``."""
    estimator = how.estimator
    return MappingProxyType(
        {
            "estimator": estimator,
            "se": how.se,
            "test": TESTS[estimator],
            "group": group,
            "group_labels": [_plain(v) for v in gd.labels],
            "group_equal": list(group_equal),
            "group_partial": list(group_partial),
            "std_lv": bool(spec.options.get("std_lv")),
            "orthogonal": bool(spec.options.get("orthogonal")),
            "fixed_x": bool(spec.options.get("fixed_x")),
            "meanstructure": bool(spec.options.get("meanstructure")),
            "information": how.information,
            "missing": gd.missing if fiml else missing,
            "source": "summary statistics" if summary else "data",
            "n_excluded_per_group": [int(v) for v in gd.n_excluded],
            "n_group_missing": gd.n_group_missing,
        }
    )


def _check_missing(missing: str, estimator: str, spec: ModelSpec) -> None:
    """``missing="listwise"`` (any estimator), ``"ml"`` or ``"ml.x"`` (ML or MLR).

    lavaan refuses MLM with missing data (its Satorra–Bentler test needs complete
    data); MLR is its robust estimator with ``missing = "ml"``. With fixed.x
    covariates ``"ml"`` deletes the rows missing a covariate within their group
    (counted, reported) and ``"ml.x"`` keeps them; without covariates the two agree.
    """
    if missing not in ("listwise", "pairwise", *FIML):
        raise ModelSpecError(
            "unknown missing-data treatment for a multi-group fit",
            found=missing,
            expected="'listwise' (lavaan's default), 'pairwise' (pairwise moments, ML), 'ml' "
            "(full-information ML) or 'ml.x' (full-information ML keeping rows with a "
            "missing covariate)",
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


def _spec(
    model: Any, *, std_lv: bool, orthogonal: bool, fixed_x: bool, meanstructure: bool = True
) -> ModelSpec:
    if isinstance(model, ModelSpec):
        spec = specify(model.syntax, **{**model.options, "meanstructure": meanstructure})
    else:
        spec = specify(
            _model_syntax(model),
            std_lv=std_lv,
            orthogonal=orthogonal,
            fixed_x=fixed_x,
            meanstructure=meanstructure,
        )
    return spec
