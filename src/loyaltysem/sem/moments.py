"""The sample statistics of one block of respondents (one group), and the checks of the data.

From a :class:`~loyaltysem.survey.Survey` or DataFrame (or from summary statistics) to
the moments the estimation pipeline (:mod:`loyaltysem.sem.engine`) fits: the covariance
matrix with divisor N (lavaan's), the means, N, the rows kept, and every respondent
left out, counted and said why: listwise deletion, pairwise moments
(``missing = "pairwise"``), or the response patterns and EM saturated moments of
full-information ML (``missing = "ml"``). Constant items, collinear items and
covariance matrices that are not positive definite are refused with the items named.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from loyaltysem._kernels import fiml as fiml_kernel
from loyaltysem.errors import ModelSpecError, SurveyDataError
from loyaltysem.sem.specification import ModelSpec

__all__ = ["moments_from_data", "moments_from_summary"]


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


def pairwise_sample(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, fiml_kernel.Patterns]:
    """The pairwise sample moments of one block of rows (lavaan ``missing = "pairwise"``).

    R's ``colMeans(x, na.rm = TRUE)`` and ``cov(x, use = "pairwise")`` rescaled by
    (N - 1)/N, with N the rows that answered something (rows with no answer are not
    counted). Returns ``(mean, s, patterns)``; entries of pairs never answered together
    are NaN (see :func:`check_pairwise`).
    """
    values = np.where(np.isfinite(values), values, np.nan)
    pat = fiml_kernel.patterns(values)
    mean, cov = fiml_kernel.available_moments(pat)
    n = pat.n
    return mean, cov * (n - 1) / n if n > 0 else cov, pat


def check_pairwise(ov: Sequence[str], s: np.ndarray, n: int, where: str = "") -> None:
    """Refuse pairwise moments that ML cannot fit, naming the problem.

    Pairs never answered together, N <= p, a constant item, a matrix that is not
    positive definite. ``where`` names the group (``" in group school = 'Pasteur'"``).
    """
    bad = [ov[j] for j in range(len(ov)) if not np.isfinite(s[j]).all()]
    if bad or n <= len(ov):
        raise SurveyDataError(
            f"pairwise covariances cannot be computed{where}",
            column=bad[0] if bad else None,
            found=bad or f"{n} respondents, {len(ov)} variables",
            expected="every pair of variables answered together by at least two respondents",
            fix="use missing='ml' (full-information ML), or drop the variables named",
        )
    _refuse_constant(list(ov), np.diag(s))
    eig = np.linalg.eigvalsh(s)
    if eig[0] <= 0:
        raise SurveyDataError(
            f"the pairwise covariance matrix{where} is not positive definite",
            found=f"smallest eigenvalue {eig[0]:.3g}",
            expected="a positive definite matrix",
            fix="use missing='ml' (full-information ML), which never has this problem",
        )


def _pairwise_moments(
    values: np.ndarray, ov: list[str], data_hash: str
) -> tuple[_Moments, list[str]]:
    """Pairwise-present covariances and available-case means (``missing = "pairwise"``).

    As lavaan for ML (:func:`pairwise_sample`), then ML as for complete data. Rows
    with no answer are left out, counted and reported; a pairwise matrix that is not
    positive definite is refused (:func:`check_pairwise`). Several groups take the
    same moments per group (:func:`loyaltysem.sem.group_blocks._split_groups`).
    """
    values = np.where(np.isfinite(values), values, np.nan)
    mean, s, pat = pairwise_sample(values)
    notes: list[str] = []
    n_total, n_empty = len(values), len(pat.empty)
    if n_empty:
        notes.append(
            f"{n_empty} of {n_total} rows have no observed value on the model variables and "
            "were excluded"
        )
    n = pat.n
    check_pairwise(ov, s, n)
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
    where: str = "",
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
            f"summary statistics{where} need the number of observations",
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
            f"{what}{where} must be a labelled pandas DataFrame",
            found=type(matrix).__name__,
            expected="a square DataFrame whose index and columns name the variables",
            fix="wrap it: pd.DataFrame(values, index=names, columns=names)",
        )
    absent = [v for v in ov if v not in matrix.index or v not in matrix.columns]
    if absent:
        raise SurveyDataError(
            f"model variables are missing from {what}{where}",
            column=absent[0],
            found=absent,
            expected=f"rows and columns for {ov}",
            fix="label the matrix with the model's variable names",
        )
    m = matrix.loc[ov, ov].to_numpy(dtype=float)
    if not np.all(np.isfinite(m)) or not np.allclose(m, m.T, atol=1e-8):
        raise SurveyDataError(
            f"{what}{where} is not a finite symmetric matrix",
            found=f"max asymmetry {np.nanmax(np.abs(m - m.T)):.3g}",
            expected="a symmetric matrix without missing entries",
            fix="fill in both triangles (or copy the lower triangle to the upper)",
        )
    if sample_cor is not None:
        if sample_sd is None:
            raise SurveyDataError(
                f"sample_cor{where} needs sample_sd",
                expected="the standard deviations of the variables",
                fix="pass sample_sd as a Series indexed by variable",
            )
        sd = pd.Series(sample_sd, dtype=float)
        absent = [v for v in ov if v not in sd.index]
        if absent:
            raise SurveyDataError(
                f"model variables are missing from sample_sd{where}",
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
            f"{what}{where} is not positive definite",
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
                f"model variables are missing from sample_mean{where}",
                column=absent[0],
                found=absent,
                expected=f"one mean per variable in {ov}",
                fix="index sample_mean by variable name",
            )
        mean = means.loc[ov].to_numpy()
    return _Moments(s, n, list(ov), _hash_matrix(s), 0, mean)


def check_source(
    data: Any, summary: bool, missing: str, estimator: str, se: str, *, groups: bool = False
) -> None:
    """One source of moments, and the options it can serve (for one group and several).

    Data and summary statistics together, neither, ``missing=`` other than listwise or
    robust standard errors with summary statistics (both need the rows), and
    ``missing="pairwise"`` with robust standard errors are refused, each saying what to
    do; ``groups``: the wording of a multi-group fit.
    """
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
    if missing == "pairwise" and se != "standard":
        raise ModelSpecError(
            f"{estimator} (se={se!r}) with missing='pairwise' is not available",
            found=f"estimator={estimator!r}, missing='pairwise'",
            expected="estimator='ML' with missing='pairwise'",
            fix="use missing='ml' with estimator='MLR' (robust FIML), the better choice",
        )
    if not summary and data is None:
        raise SurveyDataError(
            "no data to fit the model to",
            expected="data=Survey or DataFrame with the grouping column, or sample_cov= "
            "(a list or dict of matrices, one per group) with sample_nobs="
            if groups
            else "data=Survey or DataFrame, or sample_cov=/sample_cor= with sample_nobs=",
            fix="pass the survey and group=, e.g. fit(model, survey, group='wave')"
            if groups
            else "pass the survey, e.g. fit(model, loyaltysem.load_ecommerce())",
        )
    if summary and se != "standard":
        raise SurveyDataError(
            f"robust standard errors ({estimator}, se={se!r}) need the raw data",
            found="summary statistics (sample_cov/sample_cor)",
            expected="data=Survey or DataFrame: the fourth moments come from the respondents",
            fix="pass the data, or use estimator='ML' with summary statistics",
        )


def check_summary_args(
    sample_cov: Any, sample_cor: Any, sample_sd: Any, sample_mean: Any, sample_nobs: Any
) -> bool:
    """Whether summary statistics are the input; refuse their parts given without a matrix.

    ``sample_sd``, ``sample_mean`` and ``sample_nobs`` belong to ``sample_cov`` or
    ``sample_cor``: alone they would be ignored, so they are refused.
    """
    summary = sample_cov is not None or sample_cor is not None
    stray = [
        name
        for name, value in (
            ("sample_sd", sample_sd),
            ("sample_mean", sample_mean),
            ("sample_nobs", sample_nobs),
        )
        if value is not None
    ]
    if stray and not summary:
        raise ModelSpecError(
            f"{', '.join(stray)} without sample_cov or sample_cor would be ignored",
            found={name: "given" for name in stray},
            expected="sample_cov= (or sample_cor= with sample_sd=) with sample_nobs=, "
            "instead of data",
            fix=f"drop {', '.join(stray)}, or pass the matrix as well",
        )
    return summary


def _hash_matrix(s: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(s, dtype=float).tobytes()).hexdigest()


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
