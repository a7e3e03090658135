"""One group: ``fit()``, lavaan's ``sem()``/``cfa()`` with one group, the case G = 1.

This module reads the options of a one-group fit, checks them (each error says what
to do), takes the sample statistics of the respondents or of summary statistics
(:mod:`loyaltysem.sem.moments`) as the one block of the estimation pipeline, and
runs the pipeline (:func:`loyaltysem.sem.engine.fit_blocks`, the same that fits
several groups). Ordinal items go to the WLSMV/ULSMV pipeline.

Conventions (lavaan ``sem()``/``cfa()`` defaults, and why our numbers agree with it):

- ML with the normal likelihood on the sample covariance with divisor N
  (a covariance matrix given as input is rescaled by (N - 1) / N, as lavaan's
  ``sample.cov.rescale = TRUE``);
- ``chisq = N * F_ML``, ``fmin = F_ML / 2``;
- standard errors from the expected information, divided by N;
- fixed.x: variances and covariances of exogenous observed covariates are fixed at
  their sample values and not counted as parameters;
- standardized solution with ``cov.std = TRUE`` (residual covariances become
  residual correlations) and delta-method standard errors;
- fit indices as defined in lavaan's source (see :mod:`loyaltysem._kernels.fit_indices`);
- a mean structure (``meanstructure=True`` or ``~ 1`` lines): free observed
  intercepts, latent means fixed at 0, the mean term in the discrepancy;
- MLM (``se = "robust.sem"``, Satorra–Bentler test) and MLR (``se =
  "robust.huber.white"``, observed information, Yuan–Bentler Mplus test), with
  lavaan's ``*.scaled`` and ``*.robust`` fit measures (see
  :mod:`loyaltysem._kernels.robust`).

The numerical engine is our own (:mod:`loyaltysem._kernels.ml`): analytic gradients
and information matrices, damped Fisher scoring. The pieces one group shares with
several live below: sample statistics (``sem.moments``), fit measures
(``sem.measures``), modification indices (``sem.modindices``), standardized residuals
(``sem.residuals``) and start values (``_kernels.starts``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from loyaltysem._kernels.partable import ParTable
from loyaltysem._threads import blas_single_threaded
from loyaltysem.errors import IdentificationError, ModelSpecError, SurveyDataError
from loyaltysem.sem.engine import BlockTable, Estimation, fit_blocks, resolve_estimation
from loyaltysem.sem.group_blocks import one_block
from loyaltysem.sem.measures import fiml_gfi
from loyaltysem.sem.modindices import ONE_GROUP_MI_COLUMNS as MI_COLUMNS
from loyaltysem.sem.modindices import one_group_modification_indices as modification_indices
from loyaltysem.sem.moments import (
    _check_variables,
    _model_syntax,
    _Moments,
    _survey_frame,
    check_source,
    check_summary_args,
    moments_from_data,
    moments_from_summary,
)
from loyaltysem.sem.ordinal import _check_model, _ordinal_options, fit_one_group
from loyaltysem.sem.ordinal import one_block as ordinal_block
from loyaltysem.sem.residuals import (
    moment_standardized_residuals,
    residual_parts,
    standardized_residuals,
)
from loyaltysem.sem.results import SEMResult
from loyaltysem.sem.specification import (
    Definition,
    ModelSpec,
    refuse_group_modifiers,
    specify,
)
from loyaltysem.status import warn_status

__all__ = [
    "MI_COLUMNS",
    "fiml_gfi",
    "fit",
    "fit_partable",
    "modification_indices",
    "moment_standardized_residuals",
    "moments_from_data",
    "moments_from_summary",
    "residual_parts",
    "standardized_residuals",
]


# ---------------------------------------------------------------------------- fit()
_ORDINAL_ESTIMATORS = ("WLSMV", "ULSMV")
_PLANNED = {
    "estimator": (("ML", "MLM", "MLR", *_ORDINAL_ESTIMATORS), "other estimators are planned"),
    "missing": (("listwise", "ml", "ml.x", "pairwise"), "other treatments are planned"),
}


def _check_option(name: str, value: Any) -> None:
    allowed, plan = _PLANNED[name]
    if value not in allowed:
        raise ModelSpecError(
            f"{name}={value!r} is not available",
            found=value,
            expected=f"{name} in {list(allowed)}",
            fix=f"use {name}={allowed[0]!r} for now ({plan})",
        )


def _fit_ordinal(
    model: Any,
    data: Any,
    ordered: bool | str | Sequence[str] | None,
    *,
    estimator: str,
    missing: str,
    se: str | None,
    information: str | None,
    std_lv: bool,
    orthogonal: bool,
    summary: bool,
    parameterization: str = "delta",
) -> SEMResult:
    """``fit()`` with ordinal items: the options checked, then the one ordinal pipeline.

    The respondents become the pipeline's one block
    (:func:`loyaltysem.sem.ordinal.one_block`: counted deletion, the data hash) and the
    fit is the case G = 1 of the multi-group ordinal fit
    (:func:`loyaltysem.sem.ordinal.fit_one_group` over
    :func:`loyaltysem.sem.ordinal.fit_blocks`), with the single-group result.
    """
    if ordered is None or ordered is False:
        raise ModelSpecError(
            f"estimator={estimator!r} is for ordinal items and needs ordered=",
            found=f"estimator={estimator!r}, missing={missing!r}, ordered=None",
            expected="ordered=True (every item) or ordered=[items] with WLSMV or ULSMV",
            fix="pass ordered=True, or use estimator='ML'/'MLR' (missing='ml' for FIML)",
        )
    if estimator not in _ORDINAL_ESTIMATORS:
        raise ModelSpecError(
            f"estimator={estimator!r} is not available for ordered items",
            found=f"estimator={estimator!r} with ordered=",
            expected=f"estimator in {list(_ORDINAL_ESTIMATORS)} (or None: WLSMV)",
            fix="leave estimator unset (WLSMV, lavaan's default with ordered=), or drop "
            "ordered= to treat the items as continuous",
        )
    if missing not in ("listwise", "pairwise"):
        raise ModelSpecError(
            f"missing={missing!r} is not available for ordered items",
            found=missing,
            expected="missing='listwise' or 'pairwise' with ordered=",
            fix="use missing='pairwise' to keep every answer (lavaan's choice with WLSMV)",
        )
    for name, value, default in (("se", se, "robust.sem"), ("information", information, None)):
        if value is not None and value not in (default, "expected", "robust"):
            raise ModelSpecError(
                f"{name}={value!r} is not available with {estimator}",
                found=value,
                expected=f"{name} unset ({estimator}: robust standard errors, expected "
                "information)",
                fix=f"leave {name} unset",
            )
    if summary or data is None:
        raise SurveyDataError(
            f"{estimator} needs the raw data (the category counts)",
            found="summary statistics" if summary else "no data",
            expected="data=Survey or DataFrame with whole-number category codes",
            fix="pass the survey, e.g. fit(model, survey, ordered=True)",
        )
    spec = (
        model
        if isinstance(model, ModelSpec)
        else specify(_model_syntax(model), std_lv=std_lv, orthogonal=orthogonal)
    )
    refuse_group_modifiers(spec)
    frame, data_hash = _survey_frame(data)
    _check_variables(spec, [str(c) for c in frame.columns], "the data")
    if ordered is True:
        items = list(spec.ov)
    elif isinstance(ordered, str):
        items = [ordered]
    else:
        items = [str(v) for v in ordered]
    options = {
        "estimator": estimator,
        "missing": missing,
        "ordered": tuple(items),
        "std_lv": spec.options.get("std_lv", std_lv),
        "orthogonal": spec.options.get("orthogonal", orthogonal),
        "source": "data",
    }
    est_name, items = _ordinal_options(estimator, items, missing, parameterization)
    _check_model(spec, items, parameterization)
    block = ordinal_block(spec, frame, missing, data_hash)
    return fit_one_group(
        spec,
        block,
        items,
        estimator=est_name,
        parameterization=parameterization,
        options=options,
    )


@blas_single_threaded  # small matrices: BLAS threads only cost (loyaltysem._threads)
def fit(
    model: str | ModelSpec | Any,
    data: Any = None,
    *,
    estimator: str | None = None,
    missing: str = "listwise",
    ordered: bool | str | Sequence[str] | None = None,
    parameterization: str | None = None,
    se: str | None = None,
    information: str | None = None,
    std_lv: bool = False,
    orthogonal: bool = False,
    fixed_x: bool = True,
    meanstructure: bool = False,
    sample_cov: pd.DataFrame | None = None,
    sample_cor: pd.DataFrame | None = None,
    sample_sd: pd.Series | Mapping[str, float] | None = None,
    sample_mean: pd.Series | Mapping[str, float] | None = None,
    sample_nobs: int | None = None,
) -> SEMResult:
    """Fit a structural equation model by ML, MLM, MLR, WLSMV or ULSMV, with lavaan's numbers.

    Parameters
    ----------
    model : str, ModelSpec, Codebook or dict
        lavaan model syntax (``=~ ~ ~~``, labels, fixed values, equality
        constraints, ``:=`` defined parameters), a template from
        :mod:`loyaltysem.instruments`, or a codebook / ``{construct: [items]}``
        (then the CFA of its constructs is fitted).
    data : Survey or DataFrame, optional
        The respondents. Rows with a missing value on a model variable are
        dropped listwise, counted in ``result.provenance.n_excluded`` and named in
        ``result.warnings``.
    estimator : {None, "ML", "MLM", "MLR", "WLSMV", "ULSMV"}, default None
        ``None``: lavaan's default, ``"ML"``, or ``"WLSMV"`` when ``ordered`` is given.
        ``"MLM"``: ML estimates, robust (``robust.sem``) standard errors and the
        Satorra–Bentler scaled test; ``"MLR"``: ML estimates, Huber–White standard
        errors with the observed information and the Yuan–Bentler (Mplus variant)
        scaled test. Both add lavaan's ``*.scaled`` and ``*.robust`` fit measures
        (``chisq.scaled``, ``chisq.scaling.factor``, ``cfi.robust``,
        ``rmsea.robust``, ...). Other estimators raise
        :class:`~loyaltysem.errors.ModelSpecError`.
    missing : {"listwise", "ml", "pairwise"}, default "listwise"
        ``"listwise"``: rows with a missing value are dropped, counted and reported;
        ``"ml"``: full-information ML (ML or MLR; every respondent with an answer,
        the EM saturated moments as the unrestricted model, lavaan ``missing = "ml"``);
        ``"pairwise"`` (lavaan ``missing = "pairwise"``): ML on the available-case
        means and pairwise covariances (R's ``cov(x, use = "pairwise")`` rescaled by
        (N - 1)/N; ML only), or, for ordinal fits, thresholds and polychoric
        correlations from the available answers. With ``group=`` the same per group.
    ordered : bool, str or sequence of str, optional
        Ordinal items (lavaan ``ordered =``): ``True`` for every observed variable of
        the model. The model is then fitted by WLSMV (or ``estimator="ULSMV"``) to
        thresholds and polychoric correlations, with robust standard errors and the
        scaled-and-shifted test (see :func:`loyaltysem.sem.ordinal.fit_ordinal` and
        ``docs/ordinal.md``).
    parameterization : {None, "delta", "theta"}, optional
        Ordinal fits only (lavaan ``parameterization =``): ``None`` or ``"delta"``
        (lavaan's default: ``var(y*) = 1``), ``"theta"`` (residual variances of ``y*``
        fixed at 1; see :func:`loyaltysem.sem.ordinal.fit_ordinal`).
    se : {None, "standard", "robust", "robust.sem", "robust.huber.white"}
        ``None``: lavaan's default for the estimator (``standard``, ``robust.sem``,
        ``robust.huber.white``); ``"robust"`` is ``robust.sem`` for ML/MLM and
        ``robust.huber.white`` for MLR.
    information : {None, "expected", "observed"}
        Information matrix of the standard errors; ``None``: ``"observed"`` for MLR,
        ``"expected"`` otherwise (lavaan 0.6.14).
    std_lv : bool, default False
        Scale latent variables by their variance (lavaan ``std.lv = TRUE``)
        instead of a marker loading.
    orthogonal : bool, default False
        Uncorrelated latent variables (lavaan ``orthogonal = TRUE``).
    fixed_x : bool, default True
        Observed exogenous covariates fixed at their sample moments (lavaan
        ``fixed.x = TRUE``). With MLM and MLR their moments carry no information:
        lavaan's fixed.x Gamma and h1 trace (see :mod:`loyaltysem._kernels.robust`).
    meanstructure : bool, default False
        Intercepts and means (lavaan ``meanstructure = TRUE``): free intercepts of
        the observed variables, latent means fixed at 0. A ``~ 1`` line in the model
        (``x1 ~ 1``, ``x1 ~ 0*1``, ``x2 ~ a*1``, ``f ~ 1``) turns it on as well.
    sample_cov : DataFrame, optional
        A published covariance matrix (divisor N - 1, rescaled by (N - 1)/N as
        lavaan does), instead of ``data``. A list or dict of them, one per group,
        goes to :func:`loyaltysem.sem.multigroup.fit_groups` through
        :func:`loyaltysem.fit` (lavaan ``sample.cov = list(S1, S2)``).
    sample_cor, sample_sd : optional
        A published correlation matrix and the standard deviations, instead of
        ``data``.
    sample_mean : Series or mapping, optional
        Sample means, for a mean structure fitted to summary statistics.
    sample_nobs : int, optional
        N of the published matrix.

    Returns
    -------
    SEMResult
        ``estimates`` (lavaan ``parameterEstimates()`` joined with
        ``standardizedSolution()``, including ``:=`` rows), ``fit_measures``
        (``fitMeasures()`` names), ``r2``, ``implied_cov``, ``residuals()``,
        ``modification_indices()``, ``converged``, ``warnings``, ``provenance``.

    Raises
    ------
    ModelSpecError
        Syntax errors, variables missing from the data, options not available.
    IdentificationError
        A latent variable without a scale, or more free parameters than sample
        moments (negative degrees of freedom).
    SurveyDataError
        Data or summary statistics that cannot be used (not numeric, too few
        rows, not positive definite, perfectly collinear variables: the error names
        them and writes out the dependency, e.g. ``TRU2 = TRU1``).

    Warns
    -----
    ConvergenceWarning
        The optimiser did not converge (``result.status.converged`` is False).
    HeywoodWarning
        An inadmissible solution: a negative variance, a correlation beyond ±1, a latent
        or residual covariance matrix not positive definite.
    IdentificationWarning
        A singular information matrix or a covariance matrix of the estimates that is
        not positive definite. Every warning points at the caller's line; the same
        reasons are in ``result.status`` and first in ``result.summary()``.

    Examples
    --------
    The three-factor CFA of Holzinger and Swineford (1939); in R:
    ``lavaan::cfa(model, data = HolzingerSwineford1939)``.

    >>> import pandas as pd
    >>> from loyaltysem import fit
    >>> from loyaltysem.datasets import load_frame
    >>> hs = load_frame("holzinger_swineford")
    >>> model = '''
    ... visual  =~ x1 + x2 + x3
    ... textual =~ x4 + x5 + x6
    ... speed   =~ x7 + x8 + x9
    ... '''
    >>> res = fit(model, hs)
    >>> round(float(res.fit_measures["chisq"]), 3), int(res.fit_measures["df"])
    (85.306, 24)
    >>> row = res.estimates.loc[1]
    >>> [row["lhs"], row["op"], row["rhs"]], round(float(row["est"]), 3)
    (['visual', '=~', 'x2'], 0.554)

    Robust ML with the Yuan–Bentler scaled test; in R:
    ``cfa(model, data = HolzingerSwineford1939, estimator = "MLR")``.

    >>> mlr = fit(model, hs, estimator="MLR")
    >>> fm = mlr.fit_measures
    >>> round(float(fm["chisq.scaled"]), 3), round(float(fm["chisq.scaling.factor"]), 4)
    (87.132, 0.979)
    >>> round(float(fm["cfi.robust"]), 4), round(float(fm["rmsea.robust"]), 4)
    (0.9299, 0.0925)
    >>> round(float(mlr.estimates.loc[1, "se"]), 4)  # robust (Huber-White) SE of x2
    0.1321

    Satorra–Bentler, ``estimator = "MLM"``, and a mean structure,
    ``meanstructure = TRUE``:

    >>> round(float(fit(model, hs, estimator="MLM").fit_measures["chisq.scaled"]), 3)
    80.872
    >>> means = fit(model, hs, meanstructure=True).estimates.query("op == '~1'")
    >>> means[["lhs", "est"]].head(2).round(3).to_numpy().tolist()
    [['x1', 4.936], ['x2', 6.088]]

    Full-information ML keeps every respondent of the bundled survey (178 missing
    answers); in R: ``sem(model, data, missing = "ml")``.

    >>> from loyaltysem import DEFAULT_MODEL, load_ecommerce
    >>> fiml = fit(DEFAULT_MODEL, load_ecommerce(), missing="ml")
    >>> fiml.provenance.n, round(float(fiml.fit_measures["chisq"]), 3)
    (1225, 319.986)
    """
    is_ordinal = ordered is not None and ordered is not False
    if estimator is None:
        estimator = "WLSMV" if is_ordinal else "ML"
    estimator = str(estimator).upper()
    _check_option("estimator", estimator)
    _check_option("missing", missing)
    if is_ordinal or estimator in _ORDINAL_ESTIMATORS:
        return _issued(_fit_ordinal(
            model, data, ordered, estimator=estimator, missing=missing, se=se,
            information=information, std_lv=std_lv, orthogonal=orthogonal,
            summary=sample_cov is not None or sample_cor is not None,
            parameterization=parameterization or "delta",
        ))  # fmt: skip
    summary = check_summary_args(sample_cov, sample_cor, sample_sd, sample_mean, sample_nobs)
    se_type, information, fiml = _ml_options(
        estimator, se, information, missing, parameterization, ordered
    )
    spec = _ml_spec(model, fiml, std_lv, orthogonal, fixed_x, meanstructure)
    check_source(data, summary, missing, estimator, se_type)
    if summary:
        moments = _summary_moments(
            spec, sample_cov, sample_cor, sample_sd, sample_nobs, sample_mean
        )
        notes: list[str] = []
    else:
        moments, notes = _data_moments(spec, data, missing)
    has_means = _check_df(spec)
    options = {
        "estimator": estimator,
        "missing": missing,
        "se": se_type,
        "information": information,
        "std_lv": spec.options.get("std_lv", std_lv),
        "orthogonal": spec.options.get("orthogonal", orthogonal),
        "fixed_x": spec.options.get("fixed_x", fixed_x),
        "meanstructure": has_means,
        "source": "summary statistics" if summary else "data",
    }
    return _issued(
        fit_partable(
            spec.partable(),
            moments,
            model_text=spec.syntax,
            options=options,
            definitions=spec.definitions,
            extra_warnings=notes,
            estimator=estimator,
            se_type=se_type,
            information=information,
        )
    )


def _ml_options(
    estimator: str,
    se: str | None,
    information: str | None,
    missing: str,
    parameterization: str | None,
    ordered: Any,
) -> tuple[str, str, bool]:
    """The standard-error type and information of an ML-family fit, or the error to fix.

    Returns ``(se_type, information, fiml)``.
    """
    if parameterization is not None:
        raise ModelSpecError(
            "parameterization= is for ordinal items (the scale of y*) and needs ordered=",
            found=f"parameterization={parameterization!r}, ordered={ordered!r}",
            expected="ordered=True (or the list of ordinal items) with parameterization=",
            fix="drop parameterization=, or pass ordered=",
        )
    fiml = missing in ("ml", "ml.x")
    if fiml and estimator not in ("ML", "MLR"):
        raise ModelSpecError(
            f"estimator={estimator!r} with missing='ml' is not available yet",
            found=f"estimator={estimator!r}, missing='ml'",
            expected="estimator='ML' or 'MLR' with missing='ml'",
            fix="use estimator='MLR' with missing='ml' (FIML with robust standard errors "
            f"and a scaled test), or {estimator} with missing='listwise'",
        )
    how = resolve_estimation(estimator, se, information, fiml=fiml)
    return how.se, how.information, fiml


def _ml_spec(
    model: Any, fiml: bool, std_lv: bool, orthogonal: bool, fixed_x: bool, meanstructure: Any
) -> ModelSpec:
    """The model read with lavaan's defaults (FIML models the means, as lavaan does)."""
    if isinstance(model, ModelSpec):
        spec = model
        if fiml and not spec.options.get("meanstructure", False):
            spec = specify(spec.syntax, **{**spec.options, "meanstructure": True})
    else:
        spec = specify(
            _model_syntax(model),
            std_lv=std_lv,
            orthogonal=orthogonal,
            fixed_x=fixed_x,
            meanstructure=meanstructure or fiml,
        )
    refuse_group_modifiers(spec)
    if not isinstance(meanstructure, bool):
        raise ModelSpecError(
            "meanstructure must be True or False",
            found=meanstructure,
            expected="meanstructure=True (intercepts and means) or False (lavaan's default)",
            fix="pass a bool",
        )
    return spec


def _summary_moments(
    spec: ModelSpec,
    sample_cov: Any,
    sample_cor: Any,
    sample_sd: Any,
    sample_nobs: Any,
    sample_mean: Any,
) -> _Moments:
    """The sample moments given as summary statistics (lavaan ``sample.cov=``)."""
    matrix = sample_cov if sample_cov is not None else sample_cor
    if isinstance(matrix, pd.DataFrame):
        _check_variables(spec, list(matrix.columns), "the sample covariance matrix")
    return moments_from_summary(
        list(spec.ov),
        sample_cov=sample_cov,
        sample_cor=sample_cor,
        sample_sd=sample_sd,
        sample_nobs=sample_nobs,
        sample_mean=sample_mean,
    )


def _data_moments(spec: ModelSpec, data: Any, missing: str) -> tuple[_Moments, list[str]]:
    """The sample moments of the data, and every respondent left out, counted."""
    frame, _ = _survey_frame(data)
    _check_variables(spec, [str(c) for c in frame.columns], "the data")
    moments, notes = moments_from_data(data, list(spec.ov), missing=missing, ov_x=spec.ov_x)
    # a Survey's answers set to missing when read (invalid="missing", Excel); a
    # DataFrame has none (and its attribute lookup searches the columns first)
    losses = None if isinstance(data, pd.DataFrame) else getattr(data, "loss_notes", None)
    if callable(losses):
        notes = [*notes, *losses()]
    return moments, notes


def _check_df(spec: ModelSpec) -> bool:
    """Refuse a model with more free parameters than moments; return whether it has means."""
    p = len(spec.ov)
    has_means = bool(spec.options.get("meanstructure", False))
    n_moments = p * (p + 1) // 2 + (p if has_means else 0)
    free = spec.partable().free  # spec.npar, without a pandas reduction
    npar = int(free.max()) if len(free) else 0
    df = n_moments - npar
    if df < 0:
        raise IdentificationError(
            "the model has more free parameters than sample moments (df < 0)",
            found=f"{npar} free parameters, {n_moments} sample moments (variances, "
            f"covariances{' and means' if has_means else ''}) of {p} observed variables, "
            f"df = {df}",
            expected="df >= 0",
            fix="fix or constrain parameters (e.g. drop free residual covariances), or add "
            "indicators",
        )
    return has_means


def _issued(result: SEMResult) -> SEMResult:
    """``result``, its status issued as warnings pointing at the user's call."""
    warn_status(result.status)
    return result


def fit_partable(
    pt: ParTable | pd.DataFrame,
    moments: _Moments,
    *,
    model_text: str = "",
    options: Mapping[str, Any] | None = None,
    definitions: Sequence[Definition] = (),
    extra_warnings: Sequence[str] = (),
    estimator: str = "ML",
    se_type: str = "standard",
    information: str = "expected",
) -> SEMResult:
    """Fit a lavaan-style parameter table of one group to its sample moments.

    The table is the one block of :func:`loyaltysem.sem.engine.fit_blocks`.

    Parameters
    ----------
    pt : ParTable or DataFrame
        ``lhs, op, rhs, free, ustart, exo`` and optionally ``label``.
    moments : _Moments
        Sample covariance (divisor N), N, observed variable order, data hash
        (:func:`loyaltysem.sem.moments.moments_from_data`).
    definitions : sequence of Definition
        ``:=`` parameters, appended as rows with delta-method SEs.
    extra_warnings : sequence of str
        Notes from earlier steps (e.g. rows deleted listwise) to keep with the result.
    estimator : {"ML", "MLM", "MLR"}
        ML estimates in every case; MLM and MLR add robust standard errors and a
        scaled test (Satorra–Bentler, Yuan–Bentler Mplus variant).
    se_type : {"standard", "robust.sem", "robust.huber.white"}
        Standard errors (lavaan's ``se`` names after its defaults are resolved).
    information : {"expected", "observed"}
        The information matrix of the standard errors (bread of the sandwich).

    Examples
    --------
    Holzinger and Swineford's CFA from its parameter table (R: ``lavaan(partable,
    data = hs)``):

    >>> from loyaltysem.datasets import load_frame
    >>> from loyaltysem.sem.specification import specify
    >>> spec = specify("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9")
    >>> moments, _ = moments_from_data(load_frame("holzinger_swineford"), list(spec.ov))
    >>> round(float(fit_partable(spec.partable(), moments).fit_measures["chisq"]), 3)
    85.306
    """
    if isinstance(pt, pd.DataFrame):
        pt = ParTable.from_frame(pt)
    fiml = None
    if moments.patterns is not None and moments.h1 is not None:
        fiml = ([moments.patterns], [moments.h1])
    return fit_blocks(
        BlockTable.one_group(pt),
        one_block(moments, extra_warnings),
        moments.ov,
        how=Estimation(estimator, se_type, information),
        model_text=model_text,
        definitions=definitions,
        fiml=fiml,
        options=options,
    )
