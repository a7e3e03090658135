"""Estimation: ``fit()`` and everything lavaan's ``sem()`` + ``summary()`` reports.

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
and information matrices, damped Fisher scoring.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from loyaltysem._kernels import fiml as fiml_kernel
from loyaltysem._kernels import fit_indices as fi
from loyaltysem._kernels.converge import minimize
from loyaltysem._kernels.delta import delta_method
from loyaltysem._kernels.ml import FitState, MLKernel, fisher_scoring, inverse_i_minus_b
from loyaltysem._kernels.modindices import (  # noqa: F401 (shared with group_diagnostics)
    _MI_SMALL,
    _MI_V_TOL,
    _extended_model,
    _mi_candidates,
    _mi_variances,
    _standardized_epc,
)
from loyaltysem._kernels.partable import (
    CompiledModel,
    ParTable,
    StandardizationPlan,
    compile_partable,
    row_estimates,
)
from loyaltysem._kernels.robust import (
    RobustParts,
    robust_baseline,
    robust_mlm,
    robust_mlr,
)
from loyaltysem._kernels.starts import fabin_starts, simple_starts
from loyaltysem._pickling import Once
from loyaltysem._threads import blas_single_threaded
from loyaltysem.errors import IdentificationError, ModelSpecError, SurveyDataError
from loyaltysem.sem.ordinal import _check_model, _ordinal_options, fit_one_group, one_block
from loyaltysem.sem.results import Provenance, SEMResult, estimates_table, rsquare
from loyaltysem.sem.specification import (
    DefinedParameters,
    Definition,
    ModelSpec,
    refuse_group_modifiers,
    specify,
)
from loyaltysem.status import Status, classify, warn_status

__all__ = ["fit", "fit_partable", "modification_indices", "standardized_residuals"]

Z_95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class _Moments:
    s: np.ndarray  # divisor N
    n: int
    ov: list[str]
    data_hash: str | None
    n_excluded: int
    mean: np.ndarray | None = None  # sample means (None for a covariance matrix input)
    values: np.ndarray | None = None  # the complete rows (N x p), for robust estimators
    patterns: fiml_kernel.Patterns | None = None  # missing = "ml": the response patterns
    h1: fiml_kernel.EMResult | None = None  # missing = "ml": the EM saturated moments
    incomplete: np.ndarray | None = None  # missing = "ml": the data, NaN = missing (MLR)


def _survey_frame(data: Any) -> tuple[pd.DataFrame, str | None]:
    """The item scores and covariates of a Survey, or a DataFrame as given."""
    if isinstance(data, pd.DataFrame):
        return data, None
    frame = getattr(data, "to_frame", None)
    if callable(frame) and hasattr(data, "data_hash"):
        return data.to_frame(), str(data.data_hash)
    raise SurveyDataError(
        "the data is neither a Survey nor a pandas DataFrame",
        found=type(data).__name__,
        expected="a loyaltysem.Survey or a pandas.DataFrame with one column per variable",
        fix="load the survey with loyaltysem.read_survey, or pass a DataFrame",
    )


def moments_from_data(
    data: Any, ov: list[str], *, missing: str = "listwise", ov_x: Sequence[str] = ()
) -> tuple[_Moments, list[str]]:
    """Sample covariance (divisor N) of the model's observed variables.

    Rows with a missing value on any model variable are dropped (listwise
    deletion), counted and reported: never silently.

    Raises
    ------
    SurveyDataError
        Non-numeric columns, fewer complete rows than variables, a constant
        variable, a covariance matrix that is not positive definite.
    """
    if missing not in ("listwise", "ml", "ml.x", "pairwise"):
        raise ModelSpecError(
            f"missing={missing!r} is not available",
            found=missing,
            expected="missing='listwise', 'pairwise', 'ml' or 'ml.x'",
            fix="use missing='ml' (full-information ML) or 'listwise'",
        )
    frame, data_hash = _survey_frame(data)
    notes: list[str] = []
    values = _model_values(frame, ov)
    if data_hash is None:
        digest = hashlib.sha256("\x1f".join(map(str, ov)).encode("utf-8"))
        digest.update(np.ascontiguousarray(values).tobytes())
        data_hash = digest.hexdigest()
    if missing == "ml" and len(ov_x):
        # fixed.x: rows missing a covariate are deleted, counted and reported (lavaan)
        x_idx = [ov.index(name) for name in ov_x]
        keep = np.isfinite(values[:, x_idx]).all(axis=1)
        if not keep.all():
            fiml_moments, notes = _fiml_moments(values[keep], list(ov), data_hash)
            n_x = int((~keep).sum())
            note = (
                f"{n_x} of {len(values)} rows have a missing value on an exogenous covariate "
                f"({', '.join(ov_x)}) and were excluded (fixed.x; missing='ml.x' keeps them)"
            )
            moments = dataclasses.replace(fiml_moments, n_excluded=fiml_moments.n_excluded + n_x)
            return moments, [note, *notes]
    if missing in ("ml", "ml.x"):
        return _fiml_moments(values, list(ov), data_hash)
    if missing == "pairwise":
        return _pairwise_moments(values, list(ov), data_hash)
    complete = np.isfinite(values).all(axis=1)
    n_total = len(values)
    n_excluded = int((~complete).sum())
    values = values[complete]
    if n_excluded:
        notes.append(
            f"{n_excluded} of {n_total} rows have missing values on model variables and were "
            "excluded (listwise deletion)"
        )
    n = len(values)
    if n <= len(ov):
        raise SurveyDataError(
            "too few complete rows for the number of observed variables",
            found=f"{n} complete rows, {len(ov)} variables",
            expected="more complete rows than variables (many more, for stable estimates)",
            fix="collect more responses, or drop variables from the model",
        )
    mean = values.mean(axis=0)
    centered = values - mean
    s = centered.T @ centered / n
    _refuse_constant(ov, np.diag(s))
    _refuse_singular(ov, s, mean, ov_x)
    return _Moments(s, n, list(ov), data_hash, n_excluded, mean, values), notes


def _is_numeric(dtype: Any) -> bool:
    if isinstance(dtype, np.dtype):
        return dtype.kind in "biufc"
    return bool(pd.api.types.is_numeric_dtype(dtype))


def _model_values(frame: pd.DataFrame, ov: Sequence[str]) -> np.ndarray:
    """The model variables' columns of ``frame`` as a float array (N x p), in ``ov``'s order.

    Read from the frame's own numpy blocks when every model column has a numpy dtype
    (no intermediate DataFrame: ``frame[ov]`` costs more than the moments of a small
    model); pandas' own conversion otherwise (nullable and extension dtypes).

    Raises
    ------
    SurveyDataError
        A model variable that is not numeric, naming it and its dtype.
    """
    dtypes = frame.dtypes
    if frame.columns.is_unique:
        position = {name: j for j, name in enumerate(frame.columns.tolist())}
        kinds = dtypes.tolist()
        chosen = [kinds[position[name]] for name in ov]
    else:  # duplicated column names: pandas resolves them as before
        chosen = [frame[name].dtype for name in ov]
    non_numeric = [name for name, dt in zip(ov, chosen, strict=True) if not _is_numeric(dt)]
    if non_numeric:
        raise SurveyDataError(
            "model variables are not numeric",
            column=non_numeric[0],
            found={c: str(frame[c].dtype) for c in non_numeric},
            expected="numeric columns",
            fix="load the data through a codebook (read_survey) or convert the columns",
        )
    if frame.columns.is_unique and all(isinstance(dt, np.dtype) for dt in chosen):
        cols = [position[name] for name in ov]
        narrow = len(kinds) <= 2 * len(cols)  # no copy of many columns the model leaves out
        if narrow and all(isinstance(dt, np.dtype) and dt.kind in "biuf" for dt in kinds):
            return np.ascontiguousarray(frame.to_numpy(dtype=float)[:, cols])
        return np.ascontiguousarray(frame.iloc[:, cols].to_numpy(dtype=float))
    return np.ascontiguousarray(frame[list(ov)].to_numpy(dtype=float))


#: smallest eigenvalue of the sample correlation matrix taken as zero (perfect collinearity)
_SINGULAR_TOL = 1e-10


def _coef(b: float) -> str:
    return f"{b:.6g}"


def _dependency_text(names: Sequence[str], w: np.ndarray, means: np.ndarray) -> str:
    """``TRU2 = TRU1`` or ``C = 2 + A - 0.5*B``: the exact linear dependency of items.

    ``w`` is a null vector of the covariance matrix (in the items' own units): the
    last item with a non-zero weight is written as a function of the others.
    """
    k = len(names) - 1
    b = -w[:k] / w[k]
    intercept = float(means[k] - b @ means[:k])
    terms: list[str] = []
    if abs(intercept) > 1e-8 * max(1.0, float(np.max(np.abs(means)))):
        terms.append(_coef(intercept))
    for name, coef in zip(names[:k], b, strict=True):
        if abs(coef - 1.0) < 1e-8:
            term = name
        elif abs(coef + 1.0) < 1e-8:
            term = f"-{name}"
        else:
            term = f"{_coef(coef)}*{name}"
        terms.append(term)
    rhs = " + ".join(terms).replace("+ -", "- ")
    return f"{names[k]} = {rhs}"


def _refuse_singular(
    ov: Sequence[str],
    s: np.ndarray,
    means: np.ndarray,
    ov_x: Sequence[str] = (),
    where: str = "",
) -> None:
    """A typed error naming perfectly collinear model variables (a singular sample covariance).

    lavaan refuses ML on a sample covariance matrix that is not positive definite
    ("sample covariance matrix is not positive-definite"); without this check the
    optimiser stops at once and reports non-convergence. The dependency is read from
    the null vectors of the correlation matrix: the variables with a non-zero weight are
    named, and the first dependency is written out (``TRU2 = TRU1`` for two identical
    columns). Exogenous covariates (fixed.x) are not modelled and are left out. ``where``
    names the subset (``"in group wave = 2"``).
    """
    keep = [j for j, name in enumerate(ov) if name not in set(ov_x)]
    if len(keep) < 2:
        return
    sub = s[np.ix_(keep, keep)]
    sd = np.sqrt(np.diag(sub))
    r = sub / np.outer(sd, sd)
    if np.linalg.eigvalsh((r + r.T) / 2.0)[0] >= _SINGULAR_TOL * len(keep):
        return  # the usual case, told by the eigenvalues alone (half the work of eigh)
    eig, vec = np.linalg.eigh((r + r.T) / 2.0)
    null = eig < _SINGULAR_TOL * len(keep)
    if not null.any():
        return
    names = [ov[j] for j in keep]
    weights = np.abs(vec[:, null])
    involved = np.flatnonzero((weights > 1e-6 * weights.max(axis=0)).any(axis=1))
    first = vec[:, np.flatnonzero(null)[0]]
    idx = np.flatnonzero(np.abs(first) > 1e-6 * np.abs(first).max())
    w = first[idx] / sd[idx]  # back to the items' own units
    dependency = _dependency_text(
        [names[i] for i in idx], w, np.asarray(means, dtype=float)[[keep[i] for i in idx]]
    )
    listed = [names[i] for i in involved]
    who = (
        " and ".join(listed) if len(listed) == 2 else ", ".join(listed[:-1]) + f" and {listed[-1]}"
    )
    raise SurveyDataError(
        f"the sample covariance matrix{' ' + where if where else ''} is singular: {who} are "
        f"perfectly collinear ({dependency})",
        column=listed[0],
        found=f"{int(null.sum())} zero eigenvalue(s) of the sample correlation matrix of "
        f"{len(keep)} variables (smallest {eig[0]:.3g})",
        expected="a positive definite sample covariance matrix (lavaan refuses ML otherwise): "
        "no variable an exact linear function of others",
        fix=f"drop one of {', '.join(listed)} from the model (a duplicated column, or a total "
        "score beside its items)",
    )


def _refuse_constant(ov: Sequence[str], variances: np.ndarray) -> None:
    """A typed error naming the model variables whose answers do not vary."""
    constant = [ov[j] for j in np.flatnonzero(~(np.asarray(variances) > 0))]
    if constant:
        raise SurveyDataError(
            "model variables have no variance",
            column=constant[0],
            found=constant,
            expected="variables whose answers vary",
            fix="remove constant items from the model",
        )


def _pairwise_moments(
    values: np.ndarray, ov: list[str], data_hash: str
) -> tuple[_Moments, list[str]]:
    """Pairwise-present covariances and available-case means (``missing = "pairwise"``).

    As lavaan for ML: R's ``cov(x, use = "pairwise")`` rescaled by (N - 1)/N and
    ``colMeans(x, na.rm = TRUE)``, with N the rows that answered something; then ML
    as for complete data. Rows with no answer are left out, counted and reported; a
    pairwise matrix that is not positive definite is refused.
    """
    values = np.where(np.isfinite(values), values, np.nan)
    pat = fiml_kernel.patterns(values)
    notes: list[str] = []
    n_total, n_empty = len(values), len(pat.empty)
    if n_empty:
        notes.append(
            f"{n_empty} of {n_total} rows have no observed value on the model variables and "
            "were excluded"
        )
    n = pat.n
    mean, cov = fiml_kernel.available_moments(pat)
    bad = [ov[j] for j in range(len(ov)) if not np.isfinite(cov[j]).all()]
    if bad or n <= len(ov):
        raise SurveyDataError(
            "pairwise covariances cannot be computed",
            column=bad[0] if bad else None,
            found=bad or f"{n} respondents, {len(ov)} variables",
            expected="every pair of variables answered together by at least two respondents",
            fix="use missing='ml' (full-information ML), or drop the variables named",
        )
    s = cov * (n - 1) / n
    _refuse_constant(ov, np.diag(s))
    eig = np.linalg.eigvalsh(s)
    if eig[0] <= 0:
        raise SurveyDataError(
            "the pairwise covariance matrix is not positive definite",
            found=f"smallest eigenvalue {eig[0]:.3g}",
            expected="a positive definite matrix",
            fix="use missing='ml' (full-information ML), which never has this problem",
        )
    n_missing = int(np.isnan(values).sum()) - n_empty * len(ov)
    if n_missing:
        notes.append(
            f"pairwise deletion: {n_missing} missing values; each covariance uses the "
            f"respondents who answered both items; N = {n}"
        )
    return _Moments(s, n, list(ov), data_hash, n_empty, mean, None), notes


def _fiml_moments(values: np.ndarray, ov: list[str], data_hash: str) -> tuple[_Moments, list[str]]:
    """Patterns and EM saturated moments for full-information ML (``missing = "ml"``).

    Respondents who answered none of the model's variables carry no information: they
    are left out, counted and reported (lavaan does the same, with a warning).
    """
    notes: list[str] = []
    values = np.where(np.isfinite(values), values, np.nan)
    pat = fiml_kernel.patterns(values)
    n_total = len(values)
    n_empty = len(pat.empty)
    if n_empty:
        notes.append(
            f"{n_empty} of {n_total} rows have no observed value on the model variables and "
            "were excluded (they carry no information under full-information ML)"
        )
    counts = np.isfinite(values).sum(axis=0)
    never = [ov[j] for j in np.flatnonzero(counts < 2)]
    if never:
        raise SurveyDataError(
            "model variables are (almost) never observed",
            column=never[0],
            found={name: int(counts[ov.index(name)]) for name in never},
            expected="at least two observed values per variable (many more, for stable estimates)",
            fix="remove these variables from the model",
        )
    if pat.n <= len(ov):
        raise SurveyDataError(
            "too few respondents for the number of observed variables",
            found=f"{pat.n} respondents with an answer, {len(ov)} variables",
            expected="more respondents than variables (many more, for stable estimates)",
            fix="collect more responses, or drop variables from the model",
        )
    with np.errstate(invalid="ignore"):
        _refuse_constant(ov, np.nanvar(values, axis=0))
    n_missing = int(np.isnan(values[np.setdiff1d(np.arange(n_total), pat.empty)]).sum())
    if n_missing:
        notes.append(
            f"full-information ML: {n_missing} missing values in {len(pat.freq)} response "
            f"patterns; all {pat.n} respondents with an answer are used"
        )
    h1 = fiml_kernel.em_saturated(pat)
    if not h1.converged:
        notes.append(
            f"the EM estimates of the saturated moments did not converge in {h1.iterations} "
            "iterations: chi-square and the fit indices are approximate"
        )
    moments = _Moments(
        h1.sigma,
        pat.n,
        list(ov),
        data_hash,
        n_empty,
        h1.mu,
        None,
        patterns=pat,
        h1=h1,
        incomplete=values,
    )
    return moments, notes


def moments_from_summary(
    ov: list[str],
    *,
    sample_cov: Any = None,
    sample_cor: Any = None,
    sample_sd: Any = None,
    sample_nobs: int | None = None,
    sample_mean: Any = None,
) -> _Moments:
    """Sample moments from a published covariance (or correlation + SD) matrix.

    A covariance matrix is taken as the unbiased one (divisor N - 1) and rescaled
    by (N - 1) / N, as lavaan does (``sample.cov.rescale = TRUE``). A correlation
    matrix with standard deviations becomes ``D R D``.

    Raises
    ------
    SurveyDataError
        Missing N, a matrix that is not square, symmetric, labelled with the model's
        variables, or positive definite.
    """
    if sample_nobs is None or int(sample_nobs) != sample_nobs or sample_nobs < 2:
        raise SurveyDataError(
            "summary statistics need the number of observations",
            found=sample_nobs,
            expected="sample_nobs = N, a whole number of at least 2",
            fix="pass sample_nobs=N (the N of the published table)",
        )
    n = int(sample_nobs)
    if (sample_cov is None) == (sample_cor is None):
        raise SurveyDataError(
            "give either sample_cov or sample_cor (with sample_sd), not both or neither",
            found={"sample_cov": sample_cov is not None, "sample_cor": sample_cor is not None},
            expected="exactly one of them",
            fix="pass sample_cov=..., or sample_cor=... with sample_sd=...",
        )
    matrix = sample_cov if sample_cov is not None else sample_cor
    what = "sample_cov" if sample_cov is not None else "sample_cor"
    if not isinstance(matrix, pd.DataFrame):
        raise SurveyDataError(
            f"{what} must be a labelled pandas DataFrame",
            found=type(matrix).__name__,
            expected="a square DataFrame whose index and columns name the variables",
            fix="wrap it: pd.DataFrame(values, index=names, columns=names)",
        )
    absent = [v for v in ov if v not in matrix.index or v not in matrix.columns]
    if absent:
        raise SurveyDataError(
            f"model variables are missing from {what}",
            column=absent[0],
            found=absent,
            expected=f"rows and columns for {ov}",
            fix="label the matrix with the model's variable names",
        )
    m = matrix.loc[ov, ov].to_numpy(dtype=float)
    if not np.all(np.isfinite(m)) or not np.allclose(m, m.T, atol=1e-8):
        raise SurveyDataError(
            f"{what} is not a finite symmetric matrix",
            found=f"max asymmetry {np.nanmax(np.abs(m - m.T)):.3g}",
            expected="a symmetric matrix without missing entries",
            fix="fill in both triangles (or copy the lower triangle to the upper)",
        )
    if sample_cor is not None:
        if sample_sd is None:
            raise SurveyDataError(
                "sample_cor needs sample_sd",
                expected="the standard deviations of the variables",
                fix="pass sample_sd as a Series indexed by variable",
            )
        sd = pd.Series(sample_sd, dtype=float)
        absent = [v for v in ov if v not in sd.index]
        if absent:
            raise SurveyDataError(
                "model variables are missing from sample_sd",
                column=absent[0],
                found=absent,
                expected=f"one SD per variable in {ov}",
                fix="index sample_sd by variable name",
            )
        d = sd.loc[ov].to_numpy()
        m = m * np.outer(d, d)
    s = (m + m.T) / 2 * (n - 1) / n
    eig = np.linalg.eigvalsh(s)
    if eig[0] <= 0:
        raise SurveyDataError(
            f"{what} is not positive definite",
            found=f"smallest eigenvalue {eig[0]:.3g}",
            expected="a positive definite matrix",
            fix="check for typos in the published matrix, a rounding that broke it, or "
            "perfectly collinear variables",
        )
    mean = None
    if sample_mean is not None:
        means = pd.Series(sample_mean, dtype=float)
        absent = [v for v in ov if v not in means.index]
        if absent:
            raise SurveyDataError(
                "model variables are missing from sample_mean",
                column=absent[0],
                found=absent,
                expected=f"one mean per variable in {ov}",
                fix="index sample_mean by variable name",
            )
        mean = means.loc[ov].to_numpy()
    return _Moments(s, n, list(ov), _hash_matrix(s), 0, mean)


def _start_values(cm: CompiledModel, s: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
    """Start values: one-factor principal-component loadings per latent variable.

    Loadings of each factor's observed indicators start at its first principal
    component (scaled to a fixed marker loading where there is one), latent
    variances at the matching variance, residual variances at the unexplained part
    of each indicator's variance (at least 5 %), regressions and covariances at 0,
    variances of observed variables in structural relations at their sample
    variance, intercepts of observed variables at their sample mean, latent means at 0.
    """
    plan = _start_plan(cm)
    x = np.zeros(cm.layout.n_free)
    loading: dict[int, float] = {}  # row -> start value
    lv_var: dict[str, float] = {}
    explained = np.zeros(len(cm.ov))
    for latent, rows, idx, marker, marker_value in plan.factors:
        sub = s[np.ix_(idx, idx)]
        vals, vecs = np.linalg.eigh(sub)
        pc = vecs[:, -1] * math.sqrt(max(vals[-1], 1e-8))
        if pc.sum() < 0:
            pc = -pc
        if marker is not None and abs(pc[marker]) > 1e-8:
            scale = marker_value / pc[marker]
            lam = pc * scale
            lv_var[latent] = 1.0 / scale**2
        else:
            lam = pc
            lv_var[latent] = 1.0
        for k, i in enumerate(rows):
            loading[i] = lam[k]
            explained[idx[k]] += lam[k] ** 2 * lv_var[latent]
    for i, k, kind, name, j in plan.rows:
        if x[k] != 0:
            continue
        if kind == "=~":
            x[k] = loading.get(i, 1.0)
        elif kind == "lv":
            x[k] = lv_var[name] if name in lv_var else 0.05
        elif kind == "ov.side":  # observed variable in a structural relation
            x[k] = s[j, j]
        elif kind == "ov":
            x[k] = max(s[j, j] - explained[j], 0.05 * s[j, j])
        elif kind == "other":
            x[k] = 0.05
        elif mean is not None:  # "~1" of an observed variable
            x[k] = mean[j]
    return x


@dataclass(frozen=True)
class _StartPlan:
    """What :func:`_start_values` reads from the model, made once per compiled model.

    ``factors``: per latent variable with observed indicators, its name, the rows of its
    loadings, the indicators' positions, the position of its marker among them (a fixed
    non-zero loading; None) and the marker's value. ``rows``: the free rows that get a
    start other than 0, in table order, as (row, parameter, kind, variable, position).
    """

    factors: tuple[tuple[str, list[int], list[int], int | None, float], ...]
    rows: tuple[tuple[int, int, str, str, int], ...]


def _start_plan(cm: CompiledModel) -> _StartPlan:
    """The :class:`_StartPlan` of ``cm`` (cached on it: a compiled model is immutable)."""
    cached = cm.__dict__.get("_start_plan")
    if cached is not None:
        return cached
    pt = cm.table
    ops, lhs, rhs = pt.op.tolist(), pt.lhs.tolist(), pt.rhs.tolist()
    free, ustart = pt.free.tolist(), pt.ustart.tolist()
    ov_pos = {name: i for i, name in enumerate(cm.ov)}
    lv = set(cm.lv)
    factors = []
    for latent in cm.lv:
        rows = [
            i for i in range(len(ops)) if ops[i] == "=~" and lhs[i] == latent and rhs[i] in ov_pos
        ]
        if not rows:
            continue
        marker = next(
            (
                k
                for k, i in enumerate(rows)
                if free[i] == 0 and math.isfinite(ustart[i]) and ustart[i] != 0
            ),
            None,
        )
        value = float(ustart[rows[marker]]) if marker is not None else math.nan
        factors.append((latent, rows, [ov_pos[rhs[i]] for i in rows], marker, value))
    starts: list[tuple[int, int, str, str, int]] = []
    for i in range(len(ops)):
        k = free[i] - 1
        if k < 0:
            continue
        if ops[i] == "=~":
            starts.append((i, k, "=~", "", -1))
        elif ops[i] == "~~" and lhs[i] == rhs[i]:
            name = lhs[i]
            if name in lv:
                starts.append((i, k, "lv", name, -1))
            elif name in ov_pos:
                kind = "ov.side" if name in cm.latent_side else "ov"
                starts.append((i, k, kind, name, ov_pos[name]))
            else:
                starts.append((i, k, "other", name, -1))
        elif ops[i] == "~1" and lhs[i] in ov_pos:
            starts.append((i, k, "~1", lhs[i], ov_pos[lhs[i]]))
    plan = _StartPlan(tuple(factors), tuple(starts))
    cm.__dict__["_start_plan"] = plan
    return plan


def _starts(
    cm: CompiledModel, s: np.ndarray, mean: np.ndarray | None
) -> list[tuple[str, np.ndarray | Callable[[], np.ndarray | None]]]:
    """The start values :func:`~loyaltysem._kernels.converge.minimize` tries, in order.

    One-factor principal-component starts (:func:`_start_values`, close to the optimum
    of most survey models: few iterations) first; then lavaan's ``"default"`` starts
    (FABIN 3 loadings, :func:`~loyaltysem._kernels.starts.fabin_starts`), from which
    lavaan reaches its optimum; then lavaan's ``"simple"`` starts. The next is tried only
    when a run fails the convergence check
    (:func:`~loyaltysem._kernels.converge.check_point`), and built only then.
    """

    def guarded(build: Callable[..., np.ndarray]) -> Callable[[], np.ndarray | None]:
        def make() -> np.ndarray | None:
            try:
                with np.errstate(all="ignore"):
                    return build(cm, s, mean)
            except (ArithmeticError, ValueError, np.linalg.LinAlgError):
                return None  # e.g. a variance of 0: this start is skipped

        return make

    return [
        ("principal component", _start_values(cm, s, mean)),
        ("default", guarded(fabin_starts)),
        ("simple", guarded(simple_starts)),
    ]


@functools.lru_cache(maxsize=32)
def _tril(p: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.tril_indices(p, k)``, made once per size (read-only)."""
    rows, cols = np.tril_indices(p, k)
    rows.flags.writeable = cols.flags.writeable = False
    return rows, cols


def _fit_measures(
    kernel: MLKernel,
    sigma: np.ndarray,
    f_ml: float,
    n: int,
    npar: int,
    ov_x: list[int],
    mu: np.ndarray | None = None,
    *,
    likelihoods: tuple[float, float, float] | None = None,
    x_cov_h1: np.ndarray | None = None,
    sigma_inv: np.ndarray | None = None,
    logdet: float = math.nan,
) -> dict[str, float]:
    """Fit measures of an ML fit as lavaan's ``fitMeasures()`` (``mu``: implied means).

    ``sigma_inv`` and ``logdet``, when given, are the inverse and log-determinant of
    ``sigma`` (the optimizer's, so that they are not computed again).

    ``likelihoods = (logl, unrestricted.logl, baseline logl)`` replaces the
    complete-data log-likelihoods (full-information ML: ``kernel`` then holds the EM
    saturated moments, which take the place of the sample moments in the residual
    indices, as in lavaan).

    With a mean structure the p means are moments too (df and the baseline df count
    them, the baseline model has free means), the log-likelihood carries the mean
    term, and ``rmr``, ``srmr``, ``crmr`` and ``srmr_mplus`` take the mean residuals
    in (their ``_nomean`` versions do not), as lavaan's ``lav_fit_srmr_lavobject``.
    """
    s = kernel.s
    p = len(s)
    px = len(ov_x)
    nox = [i for i in range(p) if i not in ov_x]
    means = mu is not None and kernel.mean is not None
    moments = p * (p + 1) // 2 + (p if means else 0)
    x_moments = px * (px + 1) // 2 + (px if means else 0)
    chisq = n * f_ml
    df = moments - npar - x_moments
    # baseline (independence) model: variances of the non-x variables free, x block fixed
    if px:
        sigma_b = np.diag(np.diag(s))
        sigma_b[np.ix_(ov_x, ov_x)] = s[np.ix_(ov_x, ov_x)]
        _, logdet_b = np.linalg.slogdet(sigma_b)
        f_b = logdet_b + np.trace(np.linalg.solve(sigma_b, s)) - kernel.logdet_s - p
    else:  # diagonal: log|D| = sum log s_jj, tr(D^-1 S) = p
        f_b = float(np.log(np.diag(s)).sum()) + p - kernel.logdet_s - p
    chisq_b = n * f_b
    if likelihoods is not None:
        chisq_b = 2.0 * (likelihoods[1] - likelihoods[2])
    df_b = moments - len(nox) * (2 if means else 1) - x_moments
    d_mean = (kernel.mean - mu) if means else np.zeros(p)
    if sigma_inv is None:
        _, logdet_sigma = np.linalg.slogdet(sigma)
        trace = np.trace(np.linalg.solve(sigma, s))
        mean_term = d_mean @ np.linalg.solve(sigma, d_mean)
    else:  # the optimizer's own inverse and log-determinant of Sigma
        logdet_sigma = logdet
        trace = float(np.sum(s * sigma_inv))  # tr(Sigma^-1 S), both symmetric
        mean_term = float(d_mean @ sigma_inv @ d_mean)
    logl = -n / 2 * (p * math.log(2 * math.pi) + logdet_sigma + trace + mean_term)
    logl_h1 = -n / 2 * (p * math.log(2 * math.pi) + kernel.logdet_s + p)
    if likelihoods is not None:
        logl, logl_h1 = likelihoods[0], likelihoods[1]
    if px:
        # fixed.x: the likelihood is conditional on the covariates (lavaan); with FIML
        # (missing = "ml.x") their moments are the EM ones, N all respondents
        _, logdet_x = np.linalg.slogdet(s[np.ix_(ov_x, ov_x)])
        logl_x = -n / 2 * (px * math.log(2 * math.pi) + logdet_x + px)
        logl -= logl_x
        if x_cov_h1 is not None:  # lavaan: the h1 part from its pairwise "sample" moments
            _, logdet_x = np.linalg.slogdet(x_cov_h1)
            logl_x = -n / 2 * (px * math.log(2 * math.pi) + logdet_x + px)
        logl_h1 -= logl_x
    out: dict[str, float] = {
        "npar": float(npar),
        "fmin": f_ml / 2,
        "chisq": chisq,
        "df": float(df),
        "pvalue": fi.chi2_sf(chisq, df) if df > 0 else math.nan,
        "baseline.chisq": chisq_b,
        "baseline.df": float(df_b),
        "baseline.pvalue": fi.chi2_sf(chisq_b, df_b),
        **fi.incremental_indices(chisq, df, chisq_b, df_b),
    }
    out["logl"] = logl
    out["unrestricted.logl"] = logl_h1
    out.update(fi.information_criteria(logl, npar, n))
    out["ntotal"] = float(n)
    out["rmsea"] = fi.rmsea(chisq, df, n)
    lo, hi = fi.rmsea_ci(chisq, df, n)
    out["rmsea.ci.lower"], out["rmsea.ci.upper"] = lo, hi
    out["rmsea.ci.level"] = 0.90
    out["rmsea.pvalue"] = fi.rmsea_pvalue(chisq, df, n, 0.05)
    out["rmsea.close.h0"] = 0.05
    out["rmsea.notclose.pvalue"] = 1.0 - fi.rmsea_pvalue(chisq, df, n, 0.08) if df > 0 else math.nan
    out["rmsea.notclose.h0"] = 0.08
    resid = s - sigma
    tri = _tril(p, 0)
    pstar = p * (p + 1) // 2
    ds, dm = np.sqrt(np.diag(s)), np.sqrt(np.diag(sigma))
    ss_raw = float(np.sum(resid[tri] ** 2))
    ss_std = float(np.sum((resid / np.outer(ds, ds))[tri] ** 2))
    rcor = s / np.outer(ds, ds) - sigma / np.outer(dm, dm)
    strict = _tril(p, -1)
    ss_cor = float(np.sum(rcor[strict] ** 2))
    out["rmr_nomean"] = math.sqrt(ss_raw / pstar)
    out["srmr_bentler_nomean"] = math.sqrt(ss_std / pstar)
    out["crmr_nomean"] = math.sqrt(ss_cor / (pstar - p)) if p > 1 else math.nan
    diag_part = float(np.sum(((np.diag(s) - np.diag(sigma)) / np.diag(s)) ** 2))
    out["srmr_mplus_nomean"] = math.sqrt((ss_cor + diag_part) / pstar)
    if means:
        # mean residuals, raw and divided by the observed SDs (lavaan cor.bentler/bollen)
        ss_mean = float(np.sum(d_mean**2))
        ss_mean_std = float(np.sum((d_mean / ds) ** 2))
        mplus_mean = float(np.sum((kernel.mean / ds - mu / dm) ** 2))
        out["rmr"] = math.sqrt((ss_raw + ss_mean) / (pstar + p))
        out["srmr_bentler"] = math.sqrt((ss_std + ss_mean_std) / (pstar + p))
        out["crmr"] = math.sqrt((ss_cor + ss_mean_std) / pstar) if p > 1 else math.nan
        out["srmr_mplus"] = math.sqrt((ss_cor + mplus_mean + diag_part) / (pstar + p))
    else:
        out["rmr"] = out["rmr_nomean"]
        out["srmr_bentler"] = out["srmr_bentler_nomean"]
        out["crmr"] = out["crmr_nomean"]
        out["srmr_mplus"] = out["srmr_mplus_nomean"]
    out["srmr"] = out["srmr_bentler"]
    out["cn_05"] = fi.cn(chisq, df, n, 0.05)
    out["cn_01"] = fi.cn(chisq, df, n, 0.01)
    out["gfi"] = fi.gfi(s, sigma, ov_x, kernel.mean if means else None, mu)
    out["agfi"] = fi.agfi(out["gfi"], moments, df)
    out["pgfi"] = fi.pgfi(out["gfi"], moments, df)
    out["mfi"] = math.exp(-0.5 * (chisq - df) / n)
    out["ecvi"] = fi.ecvi(chisq, npar, n)
    return out


def _rsquare(cm: CompiledModel, x: np.ndarray) -> pd.Series:
    """R² at the free parameters ``x`` (:func:`loyaltysem.sem.results.rsquare`)."""
    return rsquare(cm, cm.layout.matrices(x))


#: Columns of :func:`modification_indices` (lavaan's, single group).
MI_COLUMNS = ("lhs", "op", "rhs", "mi", "epc", "sepc.lv", "sepc.all", "sepc.nox")


def _fixed_x_information(kernel: MLKernel, st: FitState, x_idx: Sequence[int]) -> np.ndarray:
    """Unit expected information without the moments of the fixed.x covariates.

    lavaan 0.6.14 ``lav_mvnorm_information_expected(..., x.idx)`` zeroes the rows and
    columns of the covariates' variances, covariances (and means) in the information
    of the sample moments; a candidate that would move them (a covariate regressed
    on another variable) gets its information from the other moments only.
    """
    if not len(x_idx):
        return kernel.expected_information(st)
    xi = np.asarray(x_idx, dtype=int)
    delta = kernel.jacobian(st)
    delta[:, xi[:, None], xi[None, :]] = 0.0
    info = kernel.expected_information(st, delta)
    if kernel.mean is not None:
        dmu = kernel.mean_jacobian(st)
        kept = dmu.copy()
        kept[:, xi] = 0.0
        si = st.sigma_inv
        info = info - dmu @ si @ dmu.T + kept @ si @ kept.T
    return info


def modification_indices(
    pt: ParTable,
    ov: list[str],
    s: np.ndarray,
    n: int,
    x: np.ndarray,
    mean: np.ndarray | None = None,
    missing: tuple[fiml_kernel.Patterns, fiml_kernel.EMResult] | None = None,
) -> pd.DataFrame:
    r"""Modification indices of a single-group ML fit, as lavaan 0.6.14 ``modindices()``.

    lavaan works on the model extended by ``lav_object_extended(fit, add =
    lav_partable_full(...), all.free = TRUE)`` (here :func:`_extended_model`): every
    fixed parameter of the model is freed at its current value (marker loadings,
    latent covariances fixed at 0 by ``orthogonal=True``, a user's ``0*x``, a fixed
    residual variance, latent means fixed at 0 with a mean structure, ...), and the
    parameters the model does not have are added at 0 (cross loadings, residual
    covariances among indicators, latent covariances, regressions among the
    variables of the structural part, intercepts with a mean structure; see
    :func:`_mi_candidates`). The variances and covariances of fixed.x covariates are
    no candidates (lavaan frees them too, then gives them no index: their moments
    are left out of the information).

    For each new parameter ``j``, with the score ``d = dF/dx / 2`` and the unit
    expected information ``I`` of the extended model at the estimates,

    .. math::

        V_{jj} = I_{jj} - I_{j,M} I_{M,M}^{-1} I_{M,j}, \quad
        \mathrm{mi}_j = N d_j^2 / V_{jj}, \quad \mathrm{epc}_j = -d_j / V_{jj},

    ``M`` the model's free parameters. The information leaves out the moments of the
    fixed.x covariates (lavaan's ``x.idx``). Candidates with ``V_jj <
    eps^(1/3)`` (equivalent to the model or not identified: a freed marker loading,
    a latent mean of a model with free intercepts, a latent variance with
    ``std_lv``) get no index and are left out, as lavaan's ``na.remove = TRUE``.
    ``sepc.lv``, ``sepc.all``, ``sepc.nox`` standardize the EPC with the fitted
    model's standard deviations (``cov.std = TRUE``; see :func:`_standardized_epc`).

    With ``missing = (patterns, h1)`` (a ``missing = "ml"`` fit) the score and the
    expected information are those of the FIML likelihood, as lavaan's. The indices
    use the ML score and the expected information also for fits with robust
    standard errors and tests (lavaan's ``information = "expected"``).

    Parameters
    ----------
    pt : ParTable
        The fitted model's parameter table.
    ov : list of str
        Observed variables, in the order of ``s``.
    s : ndarray
        Sample covariance (divisor N).
    n : int
        Number of observations.
    x : ndarray
        The estimates (free parameters of ``pt``).
    mean : ndarray, optional
        Sample means, with a mean structure.
    missing : tuple, optional
        ``(patterns, h1)`` of a full-information ML fit.

    Returns
    -------
    DataFrame
        ``lhs, op, rhs, mi, epc, sepc.lv, sepc.all, sepc.nox``, largest ``mi`` first
        (lavaan ``modindices(fit, sort. = TRUE)``); one row per new parameter with an
        index.

    Raises
    ------
    IdentificationError
        The information matrix of the model is singular (lavaan: "could not compute
        modification indices").

    Examples
    --------
    The Holzinger-Swineford CFA with uncorrelated factors; in R:
    ``modindices(cfa(model, hs, orthogonal = TRUE), sort. = TRUE)``.

    >>> from loyaltysem import fit
    >>> from loyaltysem.datasets import load_frame
    >>> hs = load_frame("holzinger_swineford")
    >>> model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    >>> mi = fit(model, hs, orthogonal=True).modification_indices()
    >>> row = mi[(mi["lhs"] == "visual") & (mi["rhs"] == "textual")].iloc[0]
    >>> row["op"], round(float(row["mi"]), 2), round(float(row["sepc.all"]), 3)
    ('~~', 26.55, 0.388)
    """
    cm = compile_partable(pt, ov, s, mean)
    x = np.asarray(x, dtype=float)
    q = len(x)
    ecm, rows, start = _extended_model(cm, x, s, mean, free_exo=missing is None)
    if not len(rows):
        return pd.DataFrame(columns=list(MI_COLUMNS))
    kernel: Any
    x_ext = np.concatenate([x, start])
    pos = {name: i for i, name in enumerate(ov)}
    x_idx = [pos[v] for v in cm.ov_x]
    if missing is not None:
        kernel = fiml_kernel.FIMLKernel(ecm.layout, missing[0], missing[1])
        st = kernel.state(x_ext)
        info = kernel.expected_information(st)
    else:
        kernel = MLKernel(ecm.layout, s, mean)
        st = kernel.state(x_ext)
        info = _fixed_x_information(kernel, st, x_idx)
    score = kernel.gradient(st) / 2.0
    v = _mi_variances(info, q)
    ops, lhs, rhs = ecm.table.op[rows], ecm.table.lhs[rows], ecm.table.rhs[rows]
    if missing is not None and cm.ov_x:
        # FIML with fixed.x covariates: lavaan has no index for a covariate regressed on
        # another variable (NA), its moments being fixed
        v[(ops == "~") & np.isin(lhs, list(cm.ov_x))] = np.nan
    d = score[q:]
    mi = n * d * d / v
    epc = -d / v
    out = {"lhs": lhs, "op": ops, "rhs": rhs, "mi": mi, "epc": epc}
    out.update(_standardized_epc(ecm, rows, epc, x_ext, cm.ov_x))
    table = pd.DataFrame(out)[list(MI_COLUMNS)]
    table = table[np.isfinite(table["mi"].to_numpy(dtype=float))]
    return table.sort_values("mi", ascending=False, kind="stable").reset_index(drop=True)


def _vech_pairs(p: int) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.tril_indices(p)
    return rows, cols


def _nt_gamma(cov: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Normal-theory covariance of vech(S) times N: ``s_ia s_jb + s_ib s_ja``."""
    return (
        cov[np.ix_(rows, rows)] * cov[np.ix_(cols, cols)]
        + cov[np.ix_(rows, cols)] * cov[np.ix_(cols, rows)]
    )


def standardized_residuals(
    s: np.ndarray,
    sigma: np.ndarray,
    delta: np.ndarray,
    vcov: np.ndarray,
    n: int,
    fixed_x: list[int] | None = None,
) -> np.ndarray:
    """Standardized residuals as lavaan's ``resid(fit, type = "standardized")``.

    ``z = (s_ij - sigma_ij) / sqrt(ACOV_ij)`` with ``ACOV = Q Gamma Q' / N``,
    ``Q = I - Delta (N vcov) Delta' A1``, ``Gamma`` the normal-theory covariance of
    the sample moments at S and ``A1`` the expected information of the saturated
    model at Sigma (lavaan ``lav_residuals_acov``). Where ``ACOV_ij`` is below
    machine epsilon the residual has no z (NaN); residuals below 1e-5 in absolute
    value are left unscaled, as lavaan does. With fixed.x covariates the moments of
    the covariate block carry no information (zeroed in ``A1``) and ``Gamma`` is
    taken conditional on them.
    """
    p = len(s)
    rows, cols = _vech_pairs(p)
    w = np.linalg.inv(sigma)
    half = np.where(rows == cols, 0.5, 1.0)
    a1 = (
        (
            w[np.ix_(rows, rows)] * w[np.ix_(cols, cols)]
            + w[np.ix_(rows, cols)] * w[np.ix_(cols, rows)]
        )
        * half[:, None]
        * half[None, :]
    )
    gamma = _nt_gamma(s, rows, cols)
    if fixed_x:
        xs = np.isin(rows, fixed_x) & np.isin(cols, fixed_x)
        a1[xs, :] = 0.0
        a1[:, xs] = 0.0
        # moments conditional on the (fixed) covariate moments
        gx = gamma[:, xs]
        gamma = gamma - gx @ np.linalg.solve(gamma[np.ix_(xs, xs)], gx.T)
    d = delta[:, rows, cols].T  # p* x q
    q_mat = np.eye(len(rows)) - d @ (n * vcov) @ d.T @ a1
    acov = q_mat @ gamma @ q_mat.T / n
    var = np.diag(acov).copy()
    var[~np.isfinite(var) | (var < np.finfo(float).eps)] = np.nan
    resid = (s - sigma)[rows, cols]
    z = np.where(np.abs(resid) < 1e-5, resid, resid / np.sqrt(var))
    out = np.empty((p, p))
    out[rows, cols] = z
    out[cols, rows] = z
    return out


def moment_standardized_residuals(
    values: np.ndarray,
    s: np.ndarray,
    sigma: np.ndarray,
    delta: np.ndarray,
    *,
    adf: bool,
    observed: bool,
    mean: np.ndarray | None = None,
    mu: np.ndarray | None = None,
    delta_mean: np.ndarray | None = None,
) -> np.ndarray:
    """Standardized residuals as lavaan's ``resid(fit, "standardized")``, in general form.

    ``ACOV = Q Gamma Q' / N`` (``lav_residuals_acov``) with ``Q = I - Delta A0^-1
    Delta' A1``, ``A1`` the information of the moments at the model (expected, or
    observed for ``information = "observed"``:
    ``0.5 D'(M kron W + W kron M - W kron W) D`` with ``M = W (S + d d') W``,
    ``d = ybar - mu``, and ``W E_kl W d`` between means and covariances), ``A0 =
    Delta' A1 Delta`` (``observed.information = "h1"``), and ``Gamma`` the covariance of
    the moments (``lav_model_h1_acov``): the ADF one from the data with robust
    standard errors (``adf``), the normal-theory one at the sample moments otherwise.
    With a mean structure (``mean``, ``mu``, ``delta_mean`` given) the means are
    moments too. Covariance residuals are returned (no fixed.x covariates).
    """
    parts = residual_parts(
        values, s, sigma, delta, adf=adf, observed=observed, mean=mean, mu=mu,
        delta_mean=delta_mean,
    )  # fmt: skip
    return parts.standardize(parts.a0_inv(), len(values))


def _residual_a1_gamma(
    values: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    d_mean: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    adf: bool,
    observed: bool,
    means: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """The covariance block of ``A1`` and the ``Gamma`` of the moments."""
    n, p = values.shape
    half = np.where(rows == cols, 0.5, 1.0)
    ix = np.ix_

    def kron_vech(y: np.ndarray, z: np.ndarray) -> np.ndarray:
        return np.outer(half, half) * (
            y[ix(rows, rows)] * z[ix(cols, cols)]
            + y[ix(rows, cols)] * z[ix(cols, rows)]
            + y[ix(cols, rows)] * z[ix(rows, cols)]
            + y[ix(cols, cols)] * z[ix(rows, rows)]
        )

    if observed:
        m_ = w @ (s + np.outer(d_mean, d_mean)) @ w
        a1 = 0.5 * (kron_vech(m_, w) + kron_vech(w, m_) - kron_vech(w, w))
    else:
        a1 = 0.5 * kron_vech(w, w)
    r = values - values.mean(axis=0)
    if adf:
        z = r[:, rows] * r[:, cols]
        if means:
            z = np.hstack([r, z])
        z -= z.mean(axis=0)
        gamma = z.T @ z / n
    else:  # normal theory at the sample moments: the inverse h1 information
        gamma = s[ix(rows, rows)] * s[ix(cols, cols)] + s[ix(rows, cols)] * s[ix(cols, rows)]
        if means:
            k = len(rows)
            full = np.zeros((p + k, p + k))
            full[:p, :p] = s
            full[p:, p:] = gamma
            gamma = full
    return a1, gamma


@dataclass(frozen=True)
class _ResidualParts:
    """One group's pieces of lavaan's ``lav_residuals_acov`` (0.6.14)."""

    a1: np.ndarray  # information of the moments (means first, with a mean structure)
    gamma: np.ndarray  # covariance of the moments
    d: np.ndarray  # Jacobian of the moments (m x q)
    resid: np.ndarray  # vech(S - Sigma)
    rows: np.ndarray
    cols: np.ndarray
    p: int

    def a0(self) -> np.ndarray:
        """``Delta' A1 Delta`` (unit information with ``observed.information = "h1"``)."""
        return self.d.T @ self.a1 @ self.d

    def a0_inv(self) -> np.ndarray:
        return np.linalg.inv(self.a0())

    def standardize(self, a0_inv: np.ndarray, n: int) -> np.ndarray:
        """``z = r / sqrt(diag(Q Gamma Q') / n)``, ``Q = I - Delta a0_inv Delta' A1``.

        For group ``g`` of a multi-group fit, ``a0_inv`` is the joint inverted
        information restricted to the group's parameters times ``n_g / N`` (lavaan
        0.6.14 ``lav_residuals_acov``, group by group), and ``n`` is ``n_g``.
        """
        q_mat = np.eye(len(self.d)) - self.d @ a0_inv @ self.d.T @ self.a1
        acov = q_mat @ self.gamma @ q_mat.T / n
        var = np.diag(acov)[-len(self.rows) :].copy()
        var[~np.isfinite(var) | (var < np.finfo(float).eps)] = np.nan
        zval = np.where(np.abs(self.resid) < 1e-5, self.resid, self.resid / np.sqrt(var))
        out = np.empty((self.p, self.p))
        out[self.rows, self.cols] = zval
        out[self.cols, self.rows] = zval
        return out


def residual_parts(
    values: np.ndarray,
    s: np.ndarray,
    sigma: np.ndarray,
    delta: np.ndarray,
    *,
    adf: bool,
    observed: bool,
    mean: np.ndarray | None = None,
    mu: np.ndarray | None = None,
    delta_mean: np.ndarray | None = None,
) -> _ResidualParts:
    """The pieces of :func:`moment_standardized_residuals` (same arguments), unfinished."""
    p = values.shape[1]
    rows, cols = _vech_pairs(p)
    w = np.linalg.inv(sigma)
    means = mean is not None and mu is not None and delta_mean is not None
    d_mean = (mean - mu) if means else np.zeros(p)
    a1, gamma = _residual_a1_gamma(values, s, w, d_mean, rows, cols, adf, observed, means)
    return _residual_parts(s, sigma, delta, a1, gamma, w, d_mean, rows, cols, observed,
                           delta_mean if means else None)  # fmt: skip


def _residual_parts(
    s: np.ndarray,
    sigma: np.ndarray,
    delta: np.ndarray,
    a1: np.ndarray,
    gamma: np.ndarray,
    w: np.ndarray,
    d_mean: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    observed: bool,
    delta_mean: np.ndarray | None,
) -> _ResidualParts:
    p = len(s)
    half = np.where(rows == cols, 0.5, 1.0)
    d = delta[:, rows, cols].T
    if delta_mean is not None:
        k = len(rows)
        wd = w @ d_mean
        cross = np.zeros((p, k))
        if observed:
            # W E_kl W d for mean i and vech (k, l)
            cross = half[None, :] * (
                w[:, rows] * wd[cols][None, :] + w[:, cols] * wd[rows][None, :]
            )
        full = np.zeros((p + k, p + k))
        full[:p, :p] = w
        full[:p, p:] = cross
        full[p:, :p] = cross.T
        full[p:, p:] = a1
        a1 = full
        d = np.vstack([delta_mean.T, d])
    return _ResidualParts(a1, gamma, d, (s - sigma)[rows, cols], rows, cols, p)


def _std_with_se(
    plan: StandardizationPlan,
    x: np.ndarray,
    vcov: np.ndarray,
    extra: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Standardized values and delta-method SEs (central differences, batched).

    ``extra`` maps the batch of standardized row values to further columns (the
    defined parameters in the standardized metric), differentiated alike.
    """
    return delta_method(plan.evaluate, x, vcov, extra)


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
    """Fit a lavaan-style parameter table by ML to sample moments.

    Parameters
    ----------
    pt : ParTable or DataFrame
        ``lhs, op, rhs, free, ustart, exo`` and optionally ``label``.
    moments : _Moments
        Sample covariance (divisor N), N, observed variable order, data hash.
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
    """
    if isinstance(pt, pd.DataFrame):
        pt = ParTable.from_frame(pt)
    s, n = moments.s, moments.n
    meanstructure = _table_masks(pt).meanstructure
    mean = moments.mean if meanstructure else None
    if meanstructure and mean is None:
        raise SurveyDataError(
            "a mean structure needs the sample means",
            found="a covariance or correlation matrix without sample_mean",
            expected="raw data, or sample_mean= with the summary statistics",
            fix="pass sample_mean=..., or drop the '~ 1' lines and meanstructure=True",
        )
    cm = compile_partable(pt, moments.ov, s, mean)
    fiml = moments.patterns is not None and moments.h1 is not None
    kernel: Any
    warnings: list[str] = list(extra_warnings)
    # the kind of each warning (loyaltysem.status.KINDS), classified here where it arises
    kinds: list[str] = [classify(w) for w in extra_warnings]
    starts = _starts(cm, s, mean)
    if fiml:
        kernel = fiml_kernel.FIMLKernel(cm.layout, moments.patterns, moments.h1)
        run = minimize(kernel, starts, fiml_kernel.optimize, information=information)
    else:
        kernel = MLKernel(cm.layout, s, mean)
        run = minimize(kernel, starts, fisher_scoring, information=information)
    x, st, iterations, converged = run.x, run.state, run.iterations, run.converged
    if not converged:
        warnings.append(f"{run.reason}: the estimates are not to be trusted")
        kinds.append("convergence")
    f_ml = kernel.objective(st)
    robust: _Robust | None = None
    robust_fiml: fiml_kernel.RobustFIML | None = None
    try:
        if run.information is not None:  # the check's matrix at this point: computed once
            info = run.information
        elif information == "observed":
            info = kernel.observed_information(st)
        else:
            info = kernel.expected_information(st)
        eig = np.linalg.eigvalsh((info + info.T) / 2.0) if info.size else np.ones(1)
        if not np.all(np.isfinite(eig)) or eig[0] <= np.finfo(float).eps * max(eig[-1], 1.0):
            raise np.linalg.LinAlgError  # R's solve() refuses such a matrix (rcond < eps)
        if se_type == "standard":
            vcov = np.linalg.inv(info) / n
        elif fiml:  # MLR with missing data
            robust_fiml = fiml_kernel.robust_mlr(
                kernel,
                st,
                moments.incomplete,
                info,
                observed=information == "observed",
                ov_x=[cm.ov.index(name) for name in cm.ov_x],
            )
            vcov = robust_fiml.vcov
            rf = robust_fiml
            px = len(cm.ov_x)  # fixed.x: the covariates' own moments are not counted
            n_h1 = len(cm.ov) * (len(cm.ov) + 3) // 2 - px * (px + 3) // 2 if px else 0
            robust = _Robust(
                RobustParts(vcov, rf.trace_h1 - rf.trace_h0, rf.trace_h1, rf.trace_h0, n_h1),
                RobustParts(np.empty((0, 0)), rf.trace_h1 - rf.trace_h0_null),
            )
        else:
            x_idx = [cm.ov.index(name) for name in cm.ov_x]
            robust = _robust_parts(kernel, st, moments, info, se_type, x_idx)
            vcov = robust.model.vcov
        if not np.all(np.isfinite(vcov)) or np.any(np.diag(vcov) < 0):
            raise np.linalg.LinAlgError
        # of the inverse as computed: near a singular information its rounding shows here
        min_eig = float(np.linalg.eigvalsh((vcov + vcov.T) / 2.0)[0]) if vcov.size else 1.0
        if min_eig < np.finfo(float).eps ** 0.75:  # lavaan lav_model_vcov
            warnings.append(
                "the covariance matrix of the estimates (vcov) is not positive definite "
                f"(smallest eigenvalue {min_eig:.3g}): the model may not be identified"
            )
            kinds.append("identification")
    except np.linalg.LinAlgError:
        vcov = np.full((cm.layout.n_free, cm.layout.n_free), np.nan)
        warnings.append(
            "the information matrix is singular and could not be inverted: the model may "
            "not be identified; standard errors are not available"
        )
        kinds.append("identification")
    est = row_estimates(cm, x)
    free = pt.free
    se = np.zeros(len(pt))
    is_free = free > 0
    se[is_free] = np.sqrt(np.diag(vcov))[free[is_free] - 1]
    is_param = _table_masks(pt).parameters
    se[~is_param] = np.nan
    std_lv = StandardizationPlan.build(cm, "std.lv").evaluate(x)[0]
    defined = DefinedParameters(definitions, pt, est) if definitions else None
    std_plan = StandardizationPlan.build(cm, "std.all")
    std_all, se_std_all = _std_with_se(
        std_plan,
        x,
        vcov,
        extra=None if defined is None else defined.from_rows,
    )
    # Heywood cases: negative variances or correlations beyond +-1
    lhs, rhs = pt.lhs, pt.rhs
    free_variances = _table_masks(pt).variances & is_free
    for i in np.flatnonzero(free_variances & (est < 0)):
        if est[i] < 0:
            warnings.append(
                f"negative variance estimate (Heywood case): {lhs[i]} ~~ {rhs[i]} = {est[i]:.4g}"
            )
            kinds.append("admissibility")
    post = _post_check(cm, x, est, pt)
    warnings.extend(post)
    kinds.extend("admissibility" for _ in post)
    estimates = estimates_table(pt, est, se, std_lv, std_all, se_std_all, defined, x, vcov)
    sigma = st.sigma
    ov_x_idx = [cm.ov.index(name) for name in cm.ov_x]
    npar = int(free.max()) if len(free) else 0
    likelihoods = None
    if fiml:
        likelihoods = (
            float(st.loglik),
            moments.h1.loglik,
            fiml_kernel.independence_loglik(moments.patterns, moments.h1, ov_x_idx),
        )
    x_cov_h1 = None
    if fiml and ov_x_idx:
        cov_a = fiml_kernel.available_moments(moments.patterns)[1] * (n - 1) / n
        x_cov_h1 = cov_a[np.ix_(ov_x_idx, ov_x_idx)]
    measures = _fit_measures(
        kernel,
        sigma,
        f_ml,
        n,
        npar,
        ov_x_idx,
        st.mu,
        likelihoods=likelihoods,
        x_cov_h1=x_cov_h1,
        sigma_inv=None if fiml else st.sigma_inv,
        logdet=math.nan if fiml else st.logdet,
    )
    if estimator in ("MLM", "MLR") and robust is not None:
        extra = {"_p": float(len(cm.ov)), "_means": float(meanstructure)}
        measures.update(_scaled_measures({**measures, **extra}, robust))
    if fiml:  # the *.robust indices of FIML are Zhang & Savalei's (lavaan 0.6.14)
        first_order = None if robust_fiml is None else robust_fiml.b1
        measures.update(_fiml_measures(kernel, st, measures, information, first_order, ov_x_idx))
    fm = _measures_series(measures)
    std_residuals: Callable[[], np.ndarray]
    general = se_type != "standard" or meanstructure or information == "observed"
    if fiml and information != "observed":
        std_residuals = functools.partial(
            _not_available,
            "standardized residuals of a full-information ML fit with the expected information",
            "fit with information='observed' (lavaan's default with missing='ml')",
        )
    elif fiml:
        std_residuals = functools.partial(
            _fiml_std_residuals,
            kernel,
            st,
            information == "observed",
            None if robust_fiml is None else robust_fiml.b1,
            ov_x_idx,
        )

    elif general and moments.values is not None and not ov_x_idx:
        std_residuals = functools.partial(
            _moment_std_residuals_at,
            kernel,
            st,
            moments.values,
            adf=se_type != "standard",
            observed=information == "observed",
            mean=mean,
        )
    else:
        std_residuals = functools.partial(_std_residuals_at, kernel, st, vcov, n, ov_x_idx)
    provenance = Provenance(
        estimator=estimator,
        n=n,
        n_excluded=moments.n_excluded,
        data_hash=moments.data_hash,
        options=MappingProxyType(dict(options or {})),
    )
    return SEMResult(
        model=model_text,
        _estimates=estimates,
        _fit_measures=fm,
        _r2=Once(functools.partial(_rsquare, cm, x)),
        _implied_cov=Once(functools.partial(_square_frame, sigma, cm.ov)),
        _sample_cov=Once(functools.partial(_square_frame, s, cm.ov)),
        _vcov=Once(functools.partial(pd.DataFrame, vcov)),
        converged=bool(converged),
        iterations=int(iterations),
        warnings=tuple(warnings),
        provenance=provenance,
        _status=Status.from_reasons(zip(kinds, warnings, strict=True), converged=converged),
        _modindices=functools.partial(
            modification_indices,
            pt,
            list(cm.ov),
            s,
            n,
            x,
            mean,
            (moments.patterns, moments.h1) if fiml else None,
        ),
        _std_residuals=std_residuals,
        _x=np.array(x, copy=True),
        _std_all_batch=std_plan.evaluate,
        _implied_mean=(
            None if st.mu is None else Once(functools.partial(_mean_series, st.mu, cm.ov))
        ),
    )


@dataclass(frozen=True)
class _TableMasks:
    """Row masks of a parameter table a fit reads, made once per table (read-only)."""

    parameters: np.ndarray  # model parameters: =~ ~ ~~ ~1
    variances: np.ndarray  # variances: ~~ with lhs == rhs
    meanstructure: bool  # a ~1 row


def _table_masks(pt: ParTable) -> _TableMasks:
    """The :class:`_TableMasks` of ``pt`` (cached on it: a parameter table is immutable)."""
    cached = pt.__dict__.get("_masks")
    if cached is None:
        parameters = np.isin(pt.op, ["=~", "~", "~~", "~1"])
        variances = (pt.op == "~~") & (pt.lhs == pt.rhs)
        parameters.flags.writeable = variances.flags.writeable = False
        cached = _TableMasks(parameters, variances, bool(np.any(pt.op == "~1")))
        pt.__dict__["_masks"] = cached
    return cached


@functools.lru_cache(maxsize=64)
def _measure_names(names: tuple[str, ...]) -> pd.Index:
    """The index of a fit-measure Series (a handful of distinct name sets; immutable)."""
    return pd.Index(list(names))


def _measures_series(measures: Mapping[str, float]) -> pd.Series:
    """``pd.Series(measures, name="fit_measures")``, its index made once per set of names."""
    try:
        values = np.fromiter(measures.values(), dtype=float, count=len(measures))
    except (TypeError, ValueError):  # pragma: no cover - every measure is a number
        return pd.Series(measures, name="fit_measures")
    return pd.Series(values, index=_measure_names(tuple(measures)), name="fit_measures")


def _square_frame(values: np.ndarray, names: Sequence[str]) -> pd.DataFrame:
    """A p x p matrix labelled by the observed variables (implied or sample moments)."""
    index = pd.Index(list(names))
    return pd.DataFrame(values, index=index, columns=index)


def _mean_series(values: np.ndarray, names: Sequence[str]) -> pd.Series:
    return pd.Series(values, index=pd.Index(list(names)), name="mean")


def _std_residuals_at(
    kernel: MLKernel, st: FitState, vcov: np.ndarray, n: int, ov_x: list[int]
) -> np.ndarray:
    """:func:`standardized_residuals` at a fitted state (the Jacobian formed on first use)."""
    return standardized_residuals(kernel.s, st.sigma, kernel.jacobian(st), vcov, n, ov_x)


def _moment_std_residuals_at(
    kernel: MLKernel,
    st: FitState,
    values: np.ndarray,
    *,
    adf: bool,
    observed: bool,
    mean: np.ndarray | None,
) -> np.ndarray:
    """:func:`moment_standardized_residuals` at a fitted state (Jacobians on first use)."""
    return moment_standardized_residuals(
        values,
        kernel.s,
        st.sigma,
        kernel.jacobian(st),
        adf=adf,
        observed=observed,
        mean=mean,
        mu=st.mu,
        delta_mean=kernel.mean_jacobian(st) if mean is not None else None,
    )


def fiml_gfi(
    kernel: fiml_kernel.FIMLKernel, st: fiml_kernel.FIMLState, ov_x: Sequence[int] = ()
) -> float:
    """GFI of a full-information ML fit, as lavaan's ``lav_fit_gfi_lavobject``.

    The model against lavaan's "sample statistics" of an incomplete data set (the
    available-case means and pairwise covariances, rescaled by (N - 1)/N), weighted by
    the FIML expected information at the model; fixed.x covariates' moments are not
    fitted.
    """
    pat = kernel.pat
    n = float(kernel.n)
    rows, cols, _ = fiml_kernel.vech_index(kernel.p)
    mean_a, cov_a = fiml_kernel.available_moments(pat)
    cov_a = cov_a * (n - 1.0) / n
    obs = np.concatenate([mean_a, cov_a[rows, cols]])
    est = np.concatenate([st.mu, st.sigma[rows, cols]])
    v = fiml_kernel.information(pat, st.mu, st.sigma, observed=False)
    keep = ~fiml_kernel.x_moments(kernel.p, ov_x)
    obs, est, v = obs[keep], est[keep], v[np.ix_(keep, keep)]
    e = obs - est
    return float(1.0 - e @ v @ e / (obs @ v @ obs))


def _fiml_std_residuals(
    kernel: fiml_kernel.FIMLKernel,
    st: fiml_kernel.FIMLState,
    observed: bool,
    first_order: np.ndarray | None,
    ov_x: Sequence[int],
) -> np.ndarray:
    """Standardized covariance residuals of a FIML fit (a picklable deferred computation)."""
    return fiml_kernel.standardized_residuals(
        kernel, st, observed=observed, first_order=first_order, ov_x=ov_x
    )[1]


def _fiml_measures(
    kernel: fiml_kernel.FIMLKernel,
    st: fiml_kernel.FIMLState,
    fm: Mapping[str, float],
    information: str,
    first_order: np.ndarray | None = None,
    ov_x: Sequence[int] = (),
) -> dict[str, float]:
    """GFI and the FIML-corrected ("robust") indices of a ``missing = "ml"`` fit, as lavaan.

    GFI compares the model with lavaan's "sample statistics" of an incomplete data
    set, the available-case means and pairwise covariances (rescaled by (N - 1)/N),
    weighted by the FIML expected information at the model (lavaan
    ``lav_fit_gfi_lavobject``). ``cfi.robust``, ``tli.robust``, ``rmsea.robust`` and
    its interval and tests are Zhang & Savalei's (2023) corrections
    (:func:`loyaltysem._kernels.fiml.corrected_test`), as lavaan 0.6.14 reports them:
    version "V6" for ML, "V3" (with the first-order information ``first_order`` of the
    saturated model) for MLR.
    """
    out: dict[str, float] = {}
    n = float(kernel.n)
    df, df_b = fm["df"], fm["baseline.df"]
    p = kernel.p
    gfi = fiml_gfi(kernel, st, ov_x)
    n_moments = p * (p + 3) // 2  # lavaan: all of WLS.obs, the covariates' moments included
    out["gfi"] = gfi
    out["agfi"] = fi.agfi(gfi, n_moments, df)
    out["pgfi"] = fi.pgfi(gfi, n_moments, df)
    try:
        ct = fiml_kernel.corrected_test(
            kernel,
            st,
            df,
            df_b,
            observed=information == "observed",
            first_order=first_order,
            ov_x=ov_x,
        )
    except (np.linalg.LinAlgError, ValueError):
        ct = fiml_kernel.CorrectedTest(math.nan, math.nan, math.nan, math.nan)
    c, c_b = ct.c_hat, ct.c_hat_null
    out["cfi.robust"] = fi.cfi(ct.chisq, df, ct.chisq_null, df_b, c, c_b)
    out["tli.robust"] = fi.tli(ct.chisq, df, ct.chisq_null, df_b, c, c_b)
    out["nnfi.robust"] = out["tli.robust"]
    out["rni.robust"] = fi.rni(ct.chisq, df, ct.chisq_null, df_b, c, c_b)
    x2_scaled = ct.chisq / c
    out["rmsea.robust"] = fi.rmsea(ct.chisq, df, n, c)
    lo, hi = fi.rmsea_ci(x2_scaled, df, n, c_hat=c)
    out["rmsea.ci.lower.robust"], out["rmsea.ci.upper.robust"] = lo, hi
    out["rmsea.pvalue.robust"] = fi.rmsea_pvalue(x2_scaled, df, n, 0.05, c_hat=c)
    out["rmsea.notclose.pvalue.robust"] = (
        1.0 - fi.rmsea_pvalue(x2_scaled, df, n, 0.08, c_hat=c) if df > 0 else math.nan
    )
    return out


def _post_check(cm: CompiledModel, x: np.ndarray, est: np.ndarray, pt: ParTable) -> list[str]:
    """Admissibility as lavaan's ``lav_object_post_check``.

    The model-implied covariance matrix of the latent variables (``cov.lv``) and the
    residual covariance matrix of the observed variables (``theta``) must be positive
    (semi)definite: an eigenvalue below ``-eps^(3/4)`` is reported. As in lavaan, the
    first check is skipped when a latent variance is negative and the second when an
    observed variance is, those being reported already.
    """
    out: list[str] = []
    tol = -(np.finfo(float).eps ** 0.75)
    mats = cm.layout.matrices(x)
    negative = _table_masks(pt).variances & (est < 0)
    negative_names = set(pt.lhs[negative].tolist()) if negative.any() else set()
    lv_negative = bool(negative_names & set(cm.lv))
    ov_negative = bool(negative_names & set(cm.ov))
    lat_pos = [cm.latent_side.index(name) for name in cm.lv if name in cm.latent_side]
    if lat_pos and not lv_negative:
        try:
            a = inverse_i_minus_b(cm.layout, mats["beta"])
        except np.linalg.LinAlgError:
            a = None
        if a is not None:
            cov_lv = (a @ mats["psi"] @ a.T)[np.ix_(lat_pos, lat_pos)]
            if np.linalg.eigvalsh((cov_lv + cov_lv.T) / 2.0)[0] < tol:
                out.append(
                    "the covariance matrix of the latent variables is not positive definite "
                    "(an inadmissible solution: correlations beyond 1 in absolute value)"
                )
    if not ov_negative:
        theta = mats["theta"]
        if np.linalg.eigvalsh((theta + theta.T) / 2.0)[0] < tol:
            out.append(
                "the covariance matrix of the residuals of the observed variables (theta) is "
                "not positive definite (an inadmissible solution)"
            )
    return out


def _not_available(what: str, fix: str) -> Any:
    """Raise the typed error for a statistic this kind of fit does not offer (yet)."""
    raise ModelSpecError(f"{what} are not available yet", found=what, fix=fix)


@dataclass(frozen=True)
class _Robust:
    """Robust parts of the model and of the baseline (independence) model."""

    model: RobustParts
    baseline: RobustParts


def _robust_parts(
    kernel: MLKernel,
    st: Any,
    moments: _Moments,
    info: np.ndarray,
    se_type: str,
    x_idx: list[int],
) -> _Robust:
    """Sandwich vcov and ``tr(U Gamma)`` of the model and of the baseline model.

    ``x_idx``: positions of the fixed.x covariates (see :mod:`loyaltysem._kernels.robust`).
    """
    values = moments.values
    if values is None:  # pragma: no cover - fit() refuses summary input before
        raise SurveyDataError("robust estimators need the raw data")
    means = kernel.mean is not None
    if se_type == "robust.sem":
        model = robust_mlm(kernel, st, values, info, x_idx)
    else:
        model = robust_mlr(kernel, st, values, info, x_idx)
    baseline = robust_baseline(values, kernel.s, means, se_type != "robust.sem", x_idx)
    return _Robust(model, baseline)


def _scaled_measures(fm: Mapping[str, float], robust: _Robust) -> dict[str, float]:
    """The ``*.scaled`` and ``*.robust`` fit measures of lavaan from the scaling factors.

    ``c = tr(U Gamma) / df``; scaled statistics ``chisq / c``. ``*.scaled`` indices
    plug the scaled statistics into the usual formulas (RMSEA: the unscaled
    statistic on ``c df`` degrees of freedom, ``lav_fit_rmsea_lavobject``);
    ``*.robust`` indices are Brosseau-Liard & Savalei (2014) and
    Brosseau-Liard, Savalei & Li (2012): CFI/TLI with ``chisq - c df`` and
    ``chisq_b - c_b df_b``, RMSEA ``sqrt(max(chisq / (N df) - c / N, 0))`` with its
    interval and close-fit tests on the scaled statistic with noncentrality times c.
    """
    n = fm["ntotal"]
    chisq, df = fm["chisq"], fm["df"]
    chisq_b, df_b = fm["baseline.chisq"], fm["baseline.df"]
    c = robust.model.trace_ugamma / df if df > 0 else math.nan
    c_b = robust.baseline.trace_ugamma / df_b if df_b > 0 else math.nan
    if c < 0:
        c = math.nan
    x2 = chisq / c if df > 0 else chisq  # df = 0: lavaan keeps the standard test
    x2_b = chisq_b / c_b
    out: dict[str, float] = {
        "chisq.scaled": x2,
        "df.scaled": df,
        "pvalue.scaled": fi.chi2_sf(x2, df) if df > 0 else math.nan,
        "chisq.scaling.factor": c,
        "baseline.chisq.scaled": x2_b,
        "baseline.df.scaled": df_b,
        "baseline.pvalue.scaled": fi.chi2_sf(x2_b, df_b),
        "baseline.chisq.scaling.factor": c_b,
        "cfi.scaled": fi.cfi(x2, df, x2_b, df_b),
        "tli.scaled": fi.tli(x2, df, x2_b, df_b),
        "cfi.robust": fi.cfi(chisq, df, chisq_b, df_b, c, c_b),
        "tli.robust": fi.tli(chisq, df, chisq_b, df_b, c, c_b),
    }
    if math.isfinite(robust.model.trace_h1) and df > 0:  # Yuan-Bentler (Mplus) parts
        p = round(fm["_p"])
        n_moments = robust.model.n_h1 or p * (p + 1) // 2 + (p if fm["_means"] else 0)
        out["scaling.factor.h1"] = robust.model.trace_h1 / n_moments
        out["scaling.factor.h0"] = robust.model.trace_h0 / fm["npar"]
    out["nnfi.scaled"] = out["tli.scaled"]
    out["rfi.scaled"] = fi.rfi(x2, df, x2_b, df_b)
    out["nfi.scaled"] = fi.nfi(x2, df, x2_b, df_b)
    out["pnfi.scaled"] = (df / df_b) * (x2_b - x2) / x2_b if df_b > 0 and x2_b > 0 else math.nan
    out["ifi.scaled"] = fi.ifi(x2, df, x2_b, df_b)
    out["rni.scaled"] = fi.rni(x2, df, x2_b, df_b)
    out["nnfi.robust"] = out["tli.robust"]
    out["rni.robust"] = fi.rni(chisq, df, chisq_b, df_b, c, c_b)
    df2 = c * df  # tr(U Gamma)
    out["rmsea.scaled"] = fi.rmsea(chisq, df2, n)
    lo, hi = fi.rmsea_ci(chisq, df2, n)
    out["rmsea.ci.lower.scaled"], out["rmsea.ci.upper.scaled"] = lo, hi
    out["rmsea.pvalue.scaled"] = fi.rmsea_pvalue(chisq, df2, n, 0.05)
    out["rmsea.notclose.pvalue.scaled"] = (
        1.0 - fi.rmsea_pvalue(chisq, df2, n, 0.08) if df2 > 0 else math.nan
    )
    out["rmsea.robust"] = fi.rmsea(chisq, df, n, c)
    lo, hi = fi.rmsea_ci(x2, df, n, c_hat=c)
    out["rmsea.ci.lower.robust"], out["rmsea.ci.upper.robust"] = lo, hi
    out["rmsea.pvalue.robust"] = fi.rmsea_pvalue(x2, df, n, 0.05, c_hat=c)
    out["rmsea.notclose.pvalue.robust"] = (
        1.0 - fi.rmsea_pvalue(x2, df, n, 0.08, c_hat=c) if df > 0 else math.nan
    )
    return out


def _hash_matrix(s: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(s, dtype=float).tobytes()).hexdigest()


# ---------------------------------------------------------------------------- fit()
_ORDINAL_ESTIMATORS = ("WLSMV", "ULSMV")
_PLANNED = {
    "estimator": (("ML", "MLM", "MLR", *_ORDINAL_ESTIMATORS), "other estimators are planned"),
    "missing": (("listwise", "ml", "ml.x", "pairwise"), "other treatments are planned"),
}
_DEFAULT_SE = {"ML": "standard", "MLM": "robust.sem", "MLR": "robust.huber.white"}
# (estimator, se) -> information matrices available for the standard errors
_SE_INFORMATION = {
    ("ML", "standard"): ("expected", "observed"),
    ("ML", "robust.sem"): ("expected",),
    ("ML", "robust.huber.white"): ("expected", "observed"),
    ("MLM", "robust.sem"): ("expected",),
    ("MLR", "robust.huber.white"): ("observed", "expected"),
}


def _resolve_se(estimator: str, se: str | None, information: str | None) -> tuple[str, str]:
    """Resolve lavaan's defaults: MLM: robust.sem + expected, MLR: robust.huber.white + observed.

    ``se = "robust"`` means ``robust.sem`` for ML and MLM, ``robust.huber.white``
    for MLR (lavaan ``lav_options_set``).
    """
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
    return se, information


def _model_syntax(model: Any) -> str:
    """The lavaan syntax of a string, a codebook/instrument or ``{construct: items}``."""
    if isinstance(model, str):
        return model
    items = getattr(model, "construct_items", None)
    if items is None and isinstance(model, Mapping):
        items = model
    if isinstance(items, Mapping) and items:
        lines = []
        for construct, names in items.items():
            names = [names] if isinstance(names, str) else list(names)
            lines.append(f"{construct} =~ " + " + ".join(names))
        return "\n".join(lines)
    raise ModelSpecError(
        "cannot read the model",
        found=type(model).__name__,
        expected="lavaan syntax (str), a ModelSpec, a Codebook, or {construct: [items]}",
        fix="pass e.g. loyaltysem.instruments.DEFAULT_MODEL or 'TRU =~ TRU1 + TRU2 + TRU3'",
    )


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
    block = one_block(spec, frame, missing, data_hash)
    return fit_one_group(
        spec,
        block,
        items,
        estimator=est_name,
        parameterization=parameterization,
        options=options,
    )


def _check_variables(spec: ModelSpec, columns: Sequence[str], where: str) -> None:
    absent = [v for v in spec.ov if v not in columns]
    if not absent:
        return
    name = absent[0]
    close = difflib.get_close_matches(name, [str(c) for c in columns], n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ModelSpecError(
        f"the model uses variables that are not in {where}",
        line=spec.line_of(name),
        found=absent,
        expected=f"columns of {where}, or latent variables defined with '=~'",
        fix=f"correct the name{hint} (a latent variable needs its own '=~' line)",
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
        ``"pairwise"``: ordinal fits only, thresholds and polychoric correlations from
        the available answers (lavaan ``missing = "pairwise"``).
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
        lavaan does), instead of ``data``.
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
    se_type, information, fiml = _ml_options(
        estimator, se, information, missing, parameterization, ordered
    )
    spec = _ml_spec(model, fiml, std_lv, orthogonal, fixed_x, meanstructure)
    summary = sample_cov is not None or sample_cor is not None
    _check_source(data, summary, missing, estimator, se_type)
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
    if fiml and information is None:
        information = "observed"  # lavaan's default with missing = "ml"
    se_type, information = _resolve_se(estimator, se, information)
    if fiml and se_type not in ("standard", "robust.huber.white"):
        raise ModelSpecError(
            f"se={se_type!r} with missing='ml' is not available",
            found=se_type,
            expected="se='standard' or 'robust.huber.white' with missing='ml' (lavaan: "
            "robust.sem needs complete data)",
            fix="leave se unset with missing='ml', or use estimator='MLR'",
        )
    return se_type, information, fiml


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


def _check_source(data: Any, summary: bool, missing: str, estimator: str, se_type: str) -> None:
    """One source of moments, and options it can serve (robust SEs need the raw data)."""
    if summary and data is not None:
        raise SurveyDataError(
            "give either data or summary statistics, not both",
            found="data and sample_cov/sample_cor",
            expected="one source of sample moments",
            fix="drop data=..., or drop sample_cov/sample_cor",
        )
    if summary and missing != "listwise":
        raise SurveyDataError(
            f"missing={missing!r} needs the raw data",
            found="summary statistics (sample_cov/sample_cor)",
            expected="data=Survey or DataFrame with NaN for a missing answer",
            fix=f"pass the data, or drop missing={missing!r}",
        )
    if missing == "pairwise" and se_type != "standard":
        raise ModelSpecError(
            f"{estimator} (se={se_type!r}) with missing='pairwise' is not available",
            found=f"estimator={estimator!r}, missing='pairwise'",
            expected="estimator='ML' with missing='pairwise'",
            fix="use missing='ml' with estimator='MLR' (robust FIML), the better choice",
        )
    if not summary and data is None:
        raise SurveyDataError(
            "no data to fit the model to",
            expected="data=Survey or DataFrame, or sample_cov=/sample_cor= with sample_nobs=",
            fix="pass the survey, e.g. fit(model, loyaltysem.load_ecommerce())",
        )
    if summary and se_type != "standard":
        raise SurveyDataError(
            f"robust standard errors ({estimator}, se={se_type!r}) need the raw data",
            found="summary statistics (sample_cov/sample_cor)",
            expected="data=Survey or DataFrame: the fourth moments come from the respondents",
            fix="pass the data, or use estimator='ML' with summary statistics",
        )


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
