"""Exploratory factor analysis the way :mod:`psych` reports it.

:func:`kmo` (as ``psych::KMO``), :func:`bartlett` (as ``psych::cortest.bartlett``),
:func:`parallel_analysis` (as ``psych::fa.parallel``), ``efa()`` (as ``psych::fa``)
and :func:`suggest_factors` (Kaiser, parallel analysis, scree).

Conventions, all psych's defaults, so that a thesis table matches the R output:

- **Correlations.** Pearson correlations with pairwise deletion
  (``cor(x, use = "pairwise")``): every pair of items uses the respondents who
  answered both. No row is dropped silently: every result records ``n`` (all rows,
  the ``n.obs`` psych uses for statistics), ``n_complete`` (rows without a missing
  answer) and the smallest pairwise count.
- **Communality starts.** Squared multiple correlations, ``1 - 1/diag(R^-1)``
  (``psych::smc``).
- **Extraction.** ``minres`` minimises the sum of squared off-diagonal residuals,
  ``ml`` the normal-theory discrepancy, both over the uniquenesses with L-BFGS-B,
  bounds ``[0.005, 1]``, parameters scaled by 0.01 and the stopping rule of R's
  ``optim`` (``factr = 1e7``, 5 correction pairs, 100 iterations), with psych's
  gradients, so the iterates follow psych's.
- **Rotation.** ``oblimin`` is GPArotation's ``oblimin`` (quartimin, no Kaiser
  normalisation, ``eps = 1e-5``), ``varimax`` is ``stats::varimax`` (Kaiser
  normalised, ``eps = 1e-5``), ``promax`` is psych's ``kaiser(f, "Promax")``
  (``m = 4``). Factors are then reflected to positive column sums and ordered by
  variance accounted for, as ``psych::fa`` does.

factor_analyzer is not used for these numbers: its ``FactorAnalyzer`` imputes the
median for missing answers, Kaiser-normalises oblimin by default, and its
``fit`` fails with scikit-learn ≥ 1.8 (``docs/dependencies.md``). The tests use it
as an independent cross-check on complete data.

Numbers are stored at full precision; rounding happens only on display.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats

from loyaltysem._display import DisplayMixin, p_phrase, repr_p
from loyaltysem._threads import blas_single_threaded
from loyaltysem.errors import (
    ConvergenceWarning,
    HeywoodWarning,
    IdentificationError,
    SurveyDataError,
)
from loyaltysem.survey import Survey

__all__ = [
    "BartlettResult",
    "EFAReport",
    "EFAResult",
    "FactorSuggestions",
    "KMOResult",
    "ParallelResult",
    "bartlett",
    "efa",
    "efa_report",
    "kmo",
    "parallel_analysis",
    "suggest_factors",
]

Rotation = Literal["oblimin", "varimax", "promax"]
Method = Literal["minres", "ml"]

#: Lower bound of the uniquenesses in psych's optimisation (``lower = .005``).
_PSI_LOWER = 0.005
#: R ``optim`` L-BFGS-B defaults psych relies on: ``factr``, ``lmm``, ``maxit``.
_FACTR = 1e7
_LMM = 5
_MAXIT = 100
#: psych's ``parscale = rep(.01, p)``.
_PARSCALE = 0.01
#: GPArotation and stats::varimax tolerances and iteration limits.
_GPA_EPS = 1e-5
_GPA_MAXIT = 1000
_VARIMAX_EPS = 1e-5
_VARIMAX_MAXIT = 1000
_PROMAX_M = 4
_METHOD_PREFIX = {"minres": "MR", "ml": "ML"}


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class _Prepared:
    """Validated item data and its pairwise correlation matrix."""

    frame: pd.DataFrame
    x: np.ndarray
    corr: np.ndarray
    pairwise_n: np.ndarray
    n: int
    n_complete: int

    @property
    def items(self) -> pd.Index:
        return self.frame.columns

    @property
    def min_pairwise_n(self) -> int:
        return int(self.pairwise_n.min())


def _as_frame(data: object, caller: str) -> pd.DataFrame:
    if isinstance(data, Survey):
        return data.data
    if not isinstance(data, pd.DataFrame):
        raise SurveyDataError(
            f"{caller}() needs a pandas DataFrame of item scores or a Survey",
            found=type(data).__name__,
            expected="pandas.DataFrame with one column per item and one row per respondent",
            fix="wrap the array, e.g. pd.DataFrame(x, columns=item_names), or pass survey",
        )
    return data


def _as_items(data: object, caller: str) -> tuple[np.ndarray, pd.DataFrame]:
    """Validate ``data`` and return it as a float array (NaN = missing) and as a frame."""
    frame = _as_frame(data, caller)
    if frame.shape[1] < 2:
        raise SurveyDataError(
            f"{caller}() needs at least two item columns",
            found=frame.shape,
            expected="two or more item columns",
            fix="select the item columns, e.g. data[item_names]",
        )
    duplicated = frame.columns[frame.columns.duplicated()]
    if len(duplicated):
        raise SurveyDataError(
            "item names must be unique",
            found=sorted({str(c) for c in duplicated}),
            expected="one column per item",
            fix="rename or drop the duplicated columns",
        )
    bad = [
        str(col)
        for col, dtype in frame.dtypes.items()
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype)
    ]
    if bad:
        raise SurveyDataError(
            "item scores must be numeric",
            column=bad[0],
            found={c: str(frame[c].dtype) for c in bad},
            expected="float or integer columns (NaN for a missing answer)",
            fix="resolve text answers and missing-value codes first, e.g. with read_survey()",
        )
    x = frame.to_numpy(dtype=float, na_value=np.nan)
    infinite = np.isinf(x).any(axis=0)
    if infinite.any():
        cols = [str(c) for c in frame.columns[infinite]]
        raise SurveyDataError(
            "item scores must be finite",
            column=cols[0],
            found=cols,
            expected="finite numbers or NaN",
            fix="replace infinite values by NaN (missing) or by the intended score",
        )
    n_rows, n_items = x.shape
    if n_rows <= n_items:
        raise SurveyDataError(
            f"{caller}() needs more respondents than items",
            found=f"{n_rows} respondents, {n_items} items",
            expected=f"at least {n_items + 1} respondents (many more for a stable solution)",
            fix="analyse fewer items at a time, or collect more answers",
        )
    return x, frame


def _pairwise_corr(x: np.ndarray, columns: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlations with pairwise deletion, as ``cor(x, use = "pairwise")``."""
    valid = ~np.isnan(x)
    counts = valid.T.astype(np.int64) @ valid.astype(np.int64)
    if valid.all():
        centred = x - x.mean(axis=0)
        cross = centred.T @ centred
        sd = np.sqrt(np.diag(cross))
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = cross / np.outer(sd, sd)
    else:
        # Pairwise sums as matrix products: entry (i, j) sums over rows where both i and
        # j are answered. Shifting each item by its mean first keeps the one-pass formula
        # free of cancellation (for integer scores every sum is exact anyway).
        mask = valid.astype(float)
        shifted = np.where(valid, x - np.nanmean(x, axis=0), 0.0)
        n_ij = counts.astype(float)
        s_i = shifted.T @ mask  # (i, j): sum of item i over rows where j is answered
        ss_i = (shifted**2).T @ mask
        cross = shifted.T @ shifted
        with np.errstate(divide="ignore", invalid="ignore"):
            cov = cross - s_i * s_i.T / n_ij
            var_i = ss_i - s_i**2 / n_ij
            corr = cov / np.sqrt(var_i * var_i.T)
        corr[(counts < 2) | ~np.isfinite(corr)] = np.nan
    if np.isnan(np.diag(corr)).any() or np.isnan(corr).any():
        diag_bad = np.isnan(np.diag(corr))
        if diag_bad.any():
            cols = [str(c) for c in columns[diag_bad]]
            raise SurveyDataError(
                "an item without variance has no correlations",
                column=cols[0],
                found=cols,
                expected="items whose answers vary",
                fix="drop the constant item(s) before this analysis",
            )
        i, j = np.argwhere(np.isnan(corr))[0]
        raise SurveyDataError(
            "two items have too few joint answers (or no variance among them) for a correlation",
            column=str(columns[i]),
            found=f"items {columns[i]!s} and {columns[j]!s}: {int(counts[i, j])} joint answers",
            expected="at least 3 respondents who answered both, with varying answers",
            fix="drop one of the items, or collect more complete answers",
        )
    np.fill_diagonal(corr, 1.0)
    return corr, counts


def _prepare(data: object, caller: str, *, positive_definite: bool = True) -> _Prepared:
    x, frame = _as_items(data, caller)
    corr, counts = _pairwise_corr(x, frame.columns)
    if positive_definite:
        _check_positive_definite(corr, frame.columns)
    complete = int((~np.isnan(x)).all(axis=1).sum())
    return _Prepared(frame, x, corr, counts, x.shape[0], complete)


def _check_positive_definite(corr: np.ndarray, columns: pd.Index) -> None:
    values = linalg.eigvalsh(corr)
    if values[0] <= 1e-10 * max(values[-1], 1.0):
        raise SurveyDataError(
            "the item correlation matrix is singular or not positive definite",
            found=f"smallest eigenvalue {values[0]:.3g} ({len(columns)} items)",
            expected="a positive definite correlation matrix",
            fix="drop duplicated items or sum scores stored as items; with much missing "
            "data, pairwise correlations may be inconsistent: analyse complete cases",
        )


def _smc(corr: np.ndarray) -> np.ndarray:
    """Squared multiple correlations, as ``psych::smc`` (pseudo-inverse, clipped to [0, 1])."""
    inv = np.linalg.pinv(corr)
    smc = 1.0 - 1.0 / np.diag(inv)
    return np.clip(smc, 0.0, 1.0)


def _eigvals_desc(m: np.ndarray) -> np.ndarray:
    return linalg.eigvalsh(m)[::-1]


def _check_rng(random_state: object) -> np.random.Generator:
    if random_state is None or isinstance(random_state, (numbers.Integral, np.random.SeedSequence)):
        if isinstance(random_state, bool):
            raise SurveyDataError(
                "random_state must be None, an integer or a numpy Generator",
                found=random_state,
                fix="random_state=2024",
            )
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    raise SurveyDataError(
        "random_state must be None, an integer or a numpy Generator",
        found=type(random_state).__name__,
        expected="None, int, or numpy.random.Generator",
        fix="random_state=2024",
    )


def _check_int(value: object, name: str, lo: int, hi: int | None, fix: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise SurveyDataError(
            f"{name} must be a whole number",
            found=value,
            expected=f"an integer >= {lo}" + ("" if hi is None else f" and <= {hi}"),
            fix=fix,
        )
    if value < lo or (hi is not None and value > hi):
        raise SurveyDataError(
            f"{name} is out of range",
            found=value,
            expected=f"an integer >= {lo}" + ("" if hi is None else f" and <= {hi}"),
            fix=fix,
        )
    return int(value)


def _check_choice(value: object, name: str, allowed: tuple[object, ...]) -> None:
    if value not in allowed:
        raise SurveyDataError(
            f"unknown {name}",
            found=value,
            expected="one of " + ", ".join(repr(a) for a in allowed),
            fix=f"{name}={allowed[0]!r}",
        )


def _n_header(prep_n: int, n_complete: int, min_pairwise: int) -> str:
    return (
        f"respondents: {prep_n} (complete: {n_complete}); pairwise correlations, "
        f"smallest pairwise n: {min_pairwise}"
    )


# --------------------------------------------------------------------------- KMO


@dataclass(frozen=True, repr=False)
class KMOResult(DisplayMixin):
    """Kaiser–Meyer–Olkin measure of sampling adequacy, as ``psych::KMO``.

    Attributes
    ----------
    msa : float
        Overall measure of sampling adequacy.
    msa_items : Series
        Per-item MSA, indexed by item.
    n, n_complete, min_pairwise_n : int
        All respondents, respondents without a missing answer, and the smallest number
        of respondents behind one correlation.
    """

    msa: float
    msa_items: pd.Series
    n: int
    n_complete: int
    min_pairwise_n: int

    _title: ClassVar[str] = "Kaiser-Meyer-Olkin measure of sampling adequacy"

    def _repr_parts(self) -> list[str]:
        return [f"n={self.n}", f"items={len(self.msa_items)}", f"msa={self.msa:.3f}"]

    def to_frame(self) -> pd.DataFrame:
        """Per-item MSA and, in the last row (``overall``), the overall MSA."""
        values = pd.concat([self.msa_items, pd.Series({"overall": self.msa})])
        return values.rename("msa").rename_axis("item").to_frame()

    def _header(self) -> list[str]:
        return [
            f"overall MSA = {self.msa:.3f}",
            _n_header(self.n, self.n_complete, self.min_pairwise_n),
        ]

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "MSA for each item", self.msa_items.to_frame("msa")


def kmo(data: pd.DataFrame | Survey) -> KMOResult:
    r"""Kaiser–Meyer–Olkin measure of sampling adequacy (overall and per item).

    With :math:`R` the correlation matrix and :math:`Q` the anti-image (partial)
    correlations, :math:`q_{ij} = -s_{ij} / \sqrt{s_{ii} s_{jj}}`, :math:`S = R^{-1}`,

    .. math::

        \text{MSA} = \frac{\sum_{i \ne j} r_{ij}^2}
                          {\sum_{i \ne j} r_{ij}^2 + \sum_{i \ne j} q_{ij}^2}, \qquad
        \text{MSA}_j = \frac{\sum_{i \ne j} r_{ij}^2}
                            {\sum_{i \ne j} r_{ij}^2 + \sum_{i \ne j} q_{ij}^2}

    (the item version sums over column :math:`j` only), exactly as ``psych::KMO``
    computes it. Kaiser (1974) calls values in the .90s marvellous, .80s meritorious,
    .70s middling, .60s mediocre, .50s miserable and below .50 unacceptable.

    Parameters
    ----------
    data : DataFrame or Survey
        Item scores, ``NaN`` = missing (a :class:`~loyaltysem.survey.Survey` gives its
        ``data``). Correlations use pairwise deletion, as ``psych::KMO`` does
        (``cor(x, use = "pairwise")``); no respondent is dropped.

    Returns
    -------
    KMOResult

    Raises
    ------
    SurveyDataError
        If ``data`` is not a numeric item frame, has no more respondents than items,
        an item is constant, or the correlation matrix is singular (psych would fall
        back to :math:`Q = R` with a message; we refuse rather than print a number).

    References
    ----------
    .. [1] Kaiser, H. F. (1970). A second generation little jiffy. *Psychometrika*,
       35(4), 401–415.
    .. [2] Kaiser, H. F., & Rice, J. (1974). Little jiffy, mark IV. *Educational and
       Psychological Measurement*, 34(1), 111–117.
    .. [3] Revelle, W. (2022). *psych* (R package 2.2.9), ``KMO``.

    Examples
    --------
    >>> from loyaltysem.datasets import load_holzinger_swineford
    >>> from loyaltysem.measurement.efa import kmo
    >>> hs = load_holzinger_swineford().data  # x1..x9
    >>> res = kmo(hs)  # In R: psych::KMO(hs[, paste0("x", 1:9)])
    >>> round(res.msa, 4)
    0.7522
    >>> res.msa_items.round(2).tolist()
    [0.81, 0.78, 0.73, 0.76, 0.74, 0.81, 0.59, 0.68, 0.79]
    """
    prep = _prepare(data, "kmo")
    r = prep.corr.copy()
    inv = np.linalg.inv(r)
    d = 1.0 / np.sqrt(np.diag(inv))
    q = inv * np.outer(d, d)  # cov2cor(solve(r)): psych uses +, the sign is squared away
    np.fill_diagonal(q, 0.0)
    np.fill_diagonal(r, 0.0)
    r2 = float(np.sum(r**2))
    q2 = float(np.sum(q**2))
    col_r2 = np.sum(r**2, axis=0)
    col_q2 = np.sum(q**2, axis=0)
    return KMOResult(
        msa=r2 / (r2 + q2),
        msa_items=pd.Series(col_r2 / (col_r2 + col_q2), index=prep.items.copy(), name="msa"),
        n=prep.n,
        n_complete=prep.n_complete,
        min_pairwise_n=prep.min_pairwise_n,
    )


# --------------------------------------------------------------------------- Bartlett


@dataclass(frozen=True, repr=False)
class BartlettResult(DisplayMixin):
    r"""Bartlett's test of sphericity, as ``psych::cortest.bartlett``.

    Attributes
    ----------
    chisq : float
        :math:`-\ln|R|\,(n - 1 - (2p + 5)/6)`.
    df : int
        :math:`p(p - 1)/2`.
    pvalue : float
        Upper tail of :math:`\chi^2_{df}`.
    n : int
        The :math:`n` in the statistic: all respondents (``nrow(x)``, as psych).
    n_complete, min_pairwise_n : int
        Respondents without a missing answer; smallest count behind one correlation.
    """

    chisq: float
    df: int
    pvalue: float
    n: int
    n_complete: int
    min_pairwise_n: int

    _title: ClassVar[str] = "Bartlett's test of sphericity"

    def _repr_parts(self) -> list[str]:
        return [
            f"n={self.n}",
            f"chisq={self.chisq:.3f}",
            f"df={self.df}",
            repr_p("p", self.pvalue),
        ]

    def to_frame(self) -> pd.DataFrame:
        """The test as a one-row table (``chisq``, ``df``, ``pvalue``, ``n``)."""
        return pd.DataFrame(
            {"chisq": [self.chisq], "df": [self.df], "pvalue": [self.pvalue], "n": [self.n]},
            index=pd.Index(["bartlett"], name="test"),
        )

    def _header(self) -> list[str]:
        return [_n_header(self.n, self.n_complete, self.min_pairwise_n)]

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "Test", self.to_frame()


def bartlett(data: pd.DataFrame | Survey) -> BartlettResult:
    r"""Bartlett's (1951) test that the item correlation matrix is an identity matrix.

    .. math::

        \chi^2 = -\ln|R| \left(n - 1 - \frac{2p + 5}{6}\right), \qquad
        df = \frac{p(p-1)}{2}

    as ``psych::cortest.bartlett(x)`` computes it from raw data: :math:`R` is
    ``cor(x, use = "pairwise")`` and :math:`n` is ``nrow(x)``, all respondents. On
    complete data this is ``cortest.bartlett(cor(x), n = nrow(x))``. A significant
    test says that the items are correlated enough to factor.

    Parameters
    ----------
    data : DataFrame or Survey
        Item scores, ``NaN`` = missing; pairwise correlations, no respondent dropped.

    Returns
    -------
    BartlettResult

    Raises
    ------
    SurveyDataError
        If ``data`` is not a numeric item frame, has no more respondents than items,
        an item is constant, or the correlation matrix is singular (:math:`\ln|R|`
        undefined).

    References
    ----------
    .. [1] Bartlett, M. S. (1951). The effect of standardization on a χ² approximation
       in factor analysis. *Biometrika*, 38(3/4), 337–344.
    .. [2] Revelle, W. (2022). *psych* (R package 2.2.9), ``cortest.bartlett``.

    Examples
    --------
    >>> from loyaltysem.datasets import load_holzinger_swineford
    >>> from loyaltysem.measurement.efa import bartlett
    >>> hs = load_holzinger_swineford().data
    >>> res = bartlett(hs)  # In R: psych::cortest.bartlett(cor(hs), n = 301)
    >>> round(res.chisq, 2), res.df, res.n
    (904.1, 36, 301)
    >>> res.pvalue < 1e-100
    True
    """
    prep = _prepare(data, "bartlett")
    p = prep.corr.shape[0]
    _sign, logdet = np.linalg.slogdet(prep.corr)
    statistic = -logdet * (prep.n - 1 - (2 * p + 5) / 6)
    df = p * (p - 1) // 2
    return BartlettResult(
        chisq=float(statistic),
        df=int(df),
        pvalue=float(stats.chi2.sf(statistic, df)),
        n=prep.n,
        n_complete=prep.n_complete,
        min_pairwise_n=prep.min_pairwise_n,
    )


# --------------------------------------------------------------------------- extraction


@dataclass(frozen=True)
class _Extraction:
    loadings: np.ndarray  # unrotated, p x k
    psi: np.ndarray  # optimiser's uniquenesses
    objective: float
    converged: bool
    iterations: int
    message: str


def _minres_objective(psi: np.ndarray, s: np.ndarray, nf: int) -> float:
    """Objective of psych ``fit.residuals``, ``fm = "minres"``: off-diagonal squares."""
    m = s.copy()
    np.fill_diagonal(m, 1.0 - psi)
    values, vectors = linalg.eigh(m)
    values = values[::-1][:nf]
    vectors = vectors[:, ::-1][:, :nf]
    values = np.where(values < np.finfo(float).eps, 100 * np.finfo(float).eps, values)
    load = vectors * np.sqrt(values)
    resid = m - load @ load.T
    lower = resid[np.tril_indices_from(resid, -1)]
    return float(np.sum(lower**2))


def _minres_gradient(psi: np.ndarray, s: np.ndarray, nf: int) -> np.ndarray:
    """Gradient psych uses for minres (``FAgr.minres``), used as psych uses it."""
    values, vectors = linalg.eigh(s - np.diag(psi))
    values = values[::-1][:nf]
    vectors = vectors[:, ::-1][:, :nf]
    load = vectors * np.sqrt(np.maximum(values, 0.0))
    g = load @ load.T + np.diag(psi) - s
    return np.diag(g).copy()


def _ml_objective(psi: np.ndarray, s: np.ndarray, nf: int) -> float:
    """Objective of psych ``FAfn``: the ML discrepancy concentrated in the uniquenesses."""
    sc = 1.0 / np.sqrt(psi)
    e = linalg.eigvalsh(s * np.outer(sc, sc))[::-1][nf:]
    return float(-(np.sum(np.log(e) - e) - nf + s.shape[0]))


def _ml_load(psi: np.ndarray, s: np.ndarray, nf: int) -> np.ndarray:
    sc = 1.0 / np.sqrt(psi)
    values, vectors = linalg.eigh(s * np.outer(sc, sc))
    values = values[::-1][:nf]
    vectors = vectors[:, ::-1][:, :nf]
    load = vectors * np.sqrt(np.maximum(values - 1.0, 0.0))
    return np.sqrt(psi)[:, None] * load


def _ml_gradient(psi: np.ndarray, s: np.ndarray, nf: int) -> np.ndarray:
    """Gradient of psych ``FAgr``."""
    load = _ml_load(psi, s, nf)
    g = load @ load.T + np.diag(psi) - s
    return np.diag(g) / psi**2


def _wls_load(psi: np.ndarray, s: np.ndarray, nf: int) -> np.ndarray:
    """Loadings as psych ``FAout.wls``: principal axes of the reduced matrix."""
    values, vectors = linalg.eigh(s - np.diag(psi))
    values = values[::-1][:nf]
    vectors = vectors[:, ::-1][:, :nf]
    return vectors * np.sqrt(np.maximum(values, 0.0))


def _extract(s: np.ndarray, nf: int, method: str) -> _Extraction:
    """Fit the uniquenesses as psych's ``fa`` does (``optim`` L-BFGS-B, scaled by .01)."""
    smc = _smc(s)
    start = np.diag(s) - smc
    upper = max(float(np.max(smc)), 1.0)
    if method == "ml":
        fun, grad = _ml_objective, _ml_gradient
    else:
        fun, grad = _minres_objective, _minres_gradient
    # R's optim works on par / parscale: same here, so the iterates match psych's.
    res = optimize.minimize(
        lambda u: fun(u * _PARSCALE, s, nf),
        start / _PARSCALE,
        jac=lambda u: grad(u * _PARSCALE, s, nf) * _PARSCALE,
        method="L-BFGS-B",
        bounds=[(_PSI_LOWER / _PARSCALE, upper / _PARSCALE)] * len(start),
        options={
            "maxcor": _LMM,
            "ftol": _FACTR * np.finfo(float).eps,
            "gtol": 0.0,
            "maxiter": _MAXIT,
        },
    )
    psi = res.x * _PARSCALE
    load = _ml_load(psi, s, nf) if method == "ml" else _wls_load(psi, s, nf)
    return _Extraction(
        loadings=load,
        psi=psi,
        objective=float(res.fun),
        converged=bool(res.success),
        iterations=int(res.nit),
        message=str(res.message),
    )


def _reflect(load: np.ndarray) -> np.ndarray:
    """Reflect columns so that each loading column sums to a non-negative value."""
    signs = np.sign(load.sum(axis=0))
    signs[signs == 0] = 1.0
    return signs


# --------------------------------------------------------------------------- rotation


@dataclass(frozen=True)
class _Rotated:
    loadings: np.ndarray
    phi: np.ndarray | None
    converged: bool
    iterations: int


def _vgq_oblimin(lam: np.ndarray) -> tuple[np.ndarray, float]:
    """GPArotation ``vgQ.oblimin`` with ``gam = 0`` (quartimin)."""
    k = lam.shape[1]
    x = (lam**2) @ (1.0 - np.eye(k))
    return lam * x, float(np.sum(lam**2 * x) / 4.0)


def _gpf_oblique(a: np.ndarray) -> _Rotated:
    """GPArotation ``GPFoblq`` (oblimin, no normalisation), step for step."""
    k = a.shape[1]
    tmat = np.eye(k)
    alpha = 1.0
    lam = a @ np.linalg.inv(tmat).T
    gq, f = _vgq_oblimin(lam)
    g = -(lam.T @ gq @ np.linalg.inv(tmat)).T
    converged = False
    iteration = 0
    for iteration in range(_GPA_MAXIT + 1):  # noqa: B007 - used after the loop
        gp = g - tmat @ np.diag(np.sum(tmat * g, axis=0))
        s = math.sqrt(float(np.sum(gp**2)))
        if s < _GPA_EPS:
            converged = True
            break
        alpha *= 2.0
        for _ in range(11):
            xm = tmat - alpha * gp
            v = 1.0 / np.sqrt(np.sum(xm**2, axis=0))
            tmatt = xm * v
            lam = a @ np.linalg.inv(tmatt).T
            gq_t, f_t = _vgq_oblimin(lam)
            if f - f_t > 0.5 * s**2 * alpha:
                break
            alpha /= 2.0
        tmat = tmatt
        f = f_t
        g = -(lam.T @ gq_t @ np.linalg.inv(tmatt)).T
    return _Rotated(lam, tmat.T @ tmat, converged, iteration)


def _varimax(x: np.ndarray, normalize: bool = True) -> tuple[np.ndarray, np.ndarray, bool, int]:
    """``stats::varimax`` step for step: loadings, rotation matrix, converged, iterations."""
    p, k = x.shape
    if normalize:
        sc = np.sqrt(np.sum(x**2, axis=1))
        x = x / sc[:, None]
    tt = np.eye(k)
    d = 0.0
    converged = False
    iteration = 0
    for iteration in range(1, _VARIMAX_MAXIT + 1):  # noqa: B007 - used after the loop
        z = x @ tt
        b = x.T @ (z**3 - z @ np.diag(np.sum(z**2, axis=0)) / p)
        u, sv, vt = np.linalg.svd(b)
        tt = u @ vt
        dpast = d
        d = float(np.sum(sv))
        if d < dpast * (1 + _VARIMAX_EPS):
            converged = True
            break
    z = x @ tt
    if normalize:
        z = z * sc[:, None]
    return z, tt, converged, iteration


def _promax(f: np.ndarray) -> _Rotated:
    """Promax as psych ``kaiser(f, rotate = "Promax")``: Kaiser-weighted ``Promax`` with m = 4."""
    h2 = np.sum(f**2, axis=1)
    x0 = f / np.sqrt(h2)[:, None]
    x, rotmat, converged, iterations = _varimax(x0)
    q = x * np.abs(x) ** (_PROMAX_M - 1)
    u = np.linalg.lstsq(x, q, rcond=None)[0]
    d = np.diag(np.linalg.inv(u.T @ u))
    u = u * np.sqrt(d)
    z = x @ u
    u = rotmat @ u
    ui = np.linalg.inv(u)
    phi = ui @ ui.T
    return _Rotated(z * np.sqrt(h2)[:, None], phi, converged, iterations)


def _rotate(load: np.ndarray, rotation: str | None) -> _Rotated:
    if rotation is None or load.shape[1] < 2:
        return _Rotated(load, None, True, 0)
    if rotation == "oblimin":
        return _gpf_oblique(load)
    if rotation == "varimax":
        z, _tt, converged, iterations = _varimax(load)
        return _Rotated(z, None, converged, iterations)
    return _promax(load)


# --------------------------------------------------------------------------- parallel


def _fa_values(corr: np.ndarray, nf: int = 1, method: str = "minres") -> np.ndarray:
    """``fa(r, nf, fm, rotate = "none")$values``: eigenvalues with fitted communalities."""
    ext = _extract(corr, nf, method)
    load = ext.loadings
    reduced = corr.copy()
    np.fill_diagonal(reduced, np.sum(load**2, axis=1))
    return _eigvals_desc(reduced)


def _smc_values(corr: np.ndarray) -> np.ndarray:
    reduced = corr.copy()
    np.fill_diagonal(reduced, _smc(corr))
    return _eigvals_desc(reduced)


@dataclass(frozen=True, repr=False)
class ParallelResult(DisplayMixin):
    """Parallel analysis, as ``psych::fa.parallel`` reports it.

    Attributes
    ----------
    eigenvalues : DataFrame
        One row per position (1, 2, ...), columns: ``pc_observed`` (eigenvalues of
        R), ``fa_observed`` (eigenvalues of the reduced R: communalities of a
        one-factor minres fit on the diagonal, or SMCs when ``smc=True``),
        ``pc_simulated``/``fa_simulated`` (mean over simulated normal data),
        ``pc_resampled``/``fa_resampled`` (mean over resampled data) and
        ``pc_threshold``/``fa_threshold`` (the simulated values the observed ones
        are compared with: the ``quantile`` of the simulated normal data, or their
        mean when ``quantile`` is None). Columns of a kind not computed (``fa``)
        are NaN.
    draws : DataFrame
        Every simulated eigenvalue: one row per data set (``n_iter``), columns
        ``(kind, position)`` with kind ``pc_resampled``, ``fa_resampled``,
        ``pc_simulated``, ``fa_simulated`` (psych's ``values``: ``C``, ``F``, ``CSim``,
        ``Fsim``). Their spread gives the Monte-Carlo error of the means.
    n_factors, n_components : int or None
        Suggested numbers: the observed eigenvalues before the first that does not
        exceed its threshold. None when not computed (``fa``); the number of items if
        every observed eigenvalue exceeds its threshold (psych prints NA then).
    n_iter : int
        Simulated (and resampled) data sets.
    quantile : float or None
        Threshold quantile; None = the mean.
    fa : str
        ``"both"``, ``"pc"`` or ``"fa"``.
    smc : bool
        Whether the reduced matrix uses SMCs instead of a one-factor minres fit.
    random_state : int or None
        The seed given (None if a Generator or nothing was given).
    n, n_complete, min_pairwise_n : int
        Respondents (the simulated data have ``n`` rows), complete respondents,
        smallest pairwise count.
    """

    eigenvalues: pd.DataFrame
    draws: pd.DataFrame
    n_factors: int | None
    n_components: int | None
    n_iter: int
    quantile: float | None
    fa: str
    smc: bool
    random_state: int | None
    n: int
    n_complete: int
    min_pairwise_n: int

    _title: ClassVar[str] = "Parallel analysis"

    def _repr_parts(self) -> list[str]:
        return [
            f"n={self.n}",
            f"items={len(self.eigenvalues)}",
            f"factors={self.n_factors}",
            f"components={self.n_components}",
            f"n_iter={self.n_iter}",
            f"random_state={self.random_state}",
        ]

    @property
    def message(self) -> str:
        """The verdict in psych's words."""
        nf = "NA" if self.n_factors is None else self.n_factors
        nc = "NA" if self.n_components is None else self.n_components
        return (
            f"Parallel analysis suggests that the number of factors = {nf} "
            f"and the number of components = {nc}"
        )

    def to_frame(self) -> pd.DataFrame:
        """The eigenvalue table (:attr:`eigenvalues`)."""
        return self.eigenvalues

    def _header(self) -> list[str]:
        q = "mean" if self.quantile is None else f"{self.quantile:g} quantile"
        return [
            self.message,
            f"{self.n_iter} simulated and resampled data sets; threshold: {q} of the "
            f"simulated eigenvalues; seed: {self.random_state}",
            _n_header(self.n, self.n_complete, self.min_pairwise_n),
        ]

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "Eigenvalues", self.eigenvalues


def _count_above(observed: np.ndarray, threshold: np.ndarray) -> int:
    """``which(!(observed > threshold))[1] - 1``; all above gives the number of values."""
    below = np.flatnonzero(~(observed > threshold))
    return int(below[0]) if below.size else int(observed.size)


def _resample_corr(x: np.ndarray, rng: np.random.Generator, columns: pd.Index) -> np.ndarray:
    """Resample each column with replacement (as psych), retrying undefined correlations."""
    n, p = x.shape
    for _ in range(1000):
        idx = rng.integers(0, n, size=(n, p))
        sample = np.take_along_axis(x, idx, axis=0)
        try:
            corr, _counts = _pairwise_corr(sample, columns)
        except SurveyDataError:
            continue
        return corr
    raise SurveyDataError(  # pragma: no cover - needs items that are almost all missing
        "resampled data kept giving undefined correlations",
        found="1000 attempts",
        expected="items with enough answers and variance",
        fix="drop items that are almost always missing or constant",
    )


@blas_single_threaded
def parallel_analysis(
    data: pd.DataFrame | Survey,
    *,
    n_iter: int = 20,
    quantile: float | None = 0.95,
    fa: Literal["both", "pc", "fa"] = "both",
    smc: bool = False,
    random_state: int | np.random.Generator | None = None,
) -> ParallelResult:
    r"""Horn's parallel analysis for the number of factors and components.

    Follows ``psych::fa.parallel(x, fm = "minres", n.iter = n_iter)``:

    - observed: the eigenvalues of :math:`R` (components) and of the reduced matrix
      (factors) whose diagonal holds the communalities of a one-factor minres fit
      (psych's default ``SMC = FALSE``), or the squared multiple correlations with
      ``smc=True`` (``SMC = TRUE``);
    - simulated: ``n_iter`` data sets of independent standard normal variables, as
      many rows and columns as ``data``;
    - resampled: ``n_iter`` data sets in which each item is resampled with
      replacement independently of the others (missing answers travel along;
      pairwise correlations);
    - suggestion: the number of observed eigenvalues before the first one that does
      not exceed the ``quantile`` (psych's ``quant = .95``) of the simulated normal
      eigenvalues at its position; ``quantile=None`` compares with the mean (Horn's
      original rule). psych uses the simulated, not the resampled, values for the
      verdict whenever it simulates (its default); so do we.

    Random draws cannot reproduce R's random number generator: the observed values
    match psych to optimiser precision, the simulated means and the suggestions agree
    within Monte-Carlo error (``docs/efa.md``).

    Parameters
    ----------
    data : DataFrame or Survey
        Item scores, ``NaN`` = missing; pairwise correlations (``use = "pairwise"``).
    n_iter : int, default 20
        Number of simulated and of resampled data sets (psych's ``n.iter``). Use
        several hundred for a stable verdict.
    quantile : float or None, default 0.95
        Quantile of the simulated eigenvalues used as threshold; None = their mean.
    fa : {"both", "pc", "fa"}, default "both"
        Which eigenvalues to compare: components, factors, or both.
    smc : bool, default False
        Reduced matrix with SMCs instead of a one-factor minres fit.
    random_state : int, numpy Generator or None
        Seed of every random draw.

    Returns
    -------
    ParallelResult

    Raises
    ------
    SurveyDataError
        On invalid data or arguments.

    References
    ----------
    .. [1] Horn, J. L. (1965). A rationale and test for the number of factors in
       factor analysis. *Psychometrika*, 30(2), 179–185.
    .. [2] Revelle, W. (2022). *psych* (R package 2.2.9), ``fa.parallel``.

    Examples
    --------
    >>> from loyaltysem.datasets import load_holzinger_swineford
    >>> from loyaltysem.measurement.efa import parallel_analysis
    >>> hs = load_holzinger_swineford().data
    >>> pa = parallel_analysis(hs, n_iter=100, random_state=1)
    >>> print(pa.message)  # In R: psych::fa.parallel(hs[, paste0("x", 1:9)])
    Parallel analysis suggests that the number of factors = 3 and the number of components = 3
    >>> pa.eigenvalues["pc_observed"].round(3).tolist()[:3]
    [3.216, 1.639, 1.365]
    """
    prep = _prepare(data, "parallel_analysis")
    n_iter = _check_int(n_iter, "n_iter", 1, None, "n_iter=20")
    _check_choice(fa, "fa", ("both", "pc", "fa"))
    if not isinstance(smc, (bool, np.bool_)):
        raise SurveyDataError("smc must be True or False", found=smc, fix="smc=False")
    if quantile is not None:
        if isinstance(quantile, bool) or not isinstance(quantile, numbers.Real):
            raise SurveyDataError(
                "quantile must be a number or None",
                found=quantile,
                expected="0 < quantile < 1, or None for the mean",
                fix="quantile=0.95",
            )
        if not 0.0 < float(quantile) < 1.0:
            raise SurveyDataError(
                "quantile is out of range",
                found=quantile,
                expected="0 < quantile < 1, or None for the mean",
                fix="quantile=0.95",
            )
        quantile = float(quantile)
    seed = (
        int(random_state)
        if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)
        else None
    )
    rng = _check_rng(random_state)
    n, p = prep.x.shape
    want_fa = fa != "pc"
    pc_obs = _eigvals_desc(prep.corr)
    fa_obs = (
        (_smc_values(prep.corr) if smc else _fa_values(prep.corr))
        if want_fa
        else np.full(p, np.nan)
    )
    fa_values = _smc_values if smc else _fa_values
    samp_pc = np.empty((n_iter, p))
    samp_fa = np.full((n_iter, p), np.nan)
    sim_pc = np.empty((n_iter, p))
    sim_fa = np.full((n_iter, p), np.nan)
    for it in range(n_iter):
        c = _resample_corr(prep.x, rng, prep.items)
        samp_pc[it] = _eigvals_desc(c)
        if want_fa:
            samp_fa[it] = fa_values(c)
        sim = rng.standard_normal((n, p))
        sim -= sim.mean(axis=0)
        cross = sim.T @ sim
        sd = np.sqrt(np.diag(cross))
        c = cross / np.outer(sd, sd)
        np.fill_diagonal(c, 1.0)
        sim_pc[it] = _eigvals_desc(c)
        if want_fa:
            sim_fa[it] = fa_values(c)

    def threshold(values: np.ndarray) -> np.ndarray:
        if quantile is None:
            return values.mean(axis=0)
        return np.quantile(values, quantile, axis=0)  # = R quantile(type = 7)

    want_pc = fa != "fa"
    table = pd.DataFrame(
        {
            "pc_observed": pc_obs if want_pc else np.full(p, np.nan),
            "fa_observed": fa_obs,
            "pc_simulated": sim_pc.mean(axis=0) if want_pc else np.full(p, np.nan),
            "fa_simulated": sim_fa.mean(axis=0),
            "pc_resampled": samp_pc.mean(axis=0) if want_pc else np.full(p, np.nan),
            "fa_resampled": samp_fa.mean(axis=0),
            "pc_threshold": threshold(sim_pc) if want_pc else np.full(p, np.nan),
            "fa_threshold": threshold(sim_fa),
        },
        index=pd.RangeIndex(1, p + 1, name="position"),
    )
    draws = pd.DataFrame(
        np.hstack([samp_pc, samp_fa, sim_pc, sim_fa]),
        index=pd.RangeIndex(1, n_iter + 1, name="draw"),
        columns=pd.MultiIndex.from_product(
            [["pc_resampled", "fa_resampled", "pc_simulated", "fa_simulated"], range(1, p + 1)],
            names=["kind", "position"],
        ),
    )
    n_comp = _count_above(pc_obs, table["pc_threshold"].to_numpy()) if want_pc else None
    n_fact = _count_above(fa_obs, table["fa_threshold"].to_numpy()) if want_fa else None
    return ParallelResult(
        eigenvalues=table,
        draws=draws,
        n_factors=n_fact,
        n_components=n_comp,
        n_iter=n_iter,
        quantile=quantile,
        fa=fa,
        smc=bool(smc),
        random_state=seed,
        n=prep.n,
        n_complete=prep.n_complete,
        min_pairwise_n=prep.min_pairwise_n,
    )


# --------------------------------------------------------------------------- EFA


@dataclass(frozen=True, repr=False)
class EFAResult(DisplayMixin):
    r"""An exploratory factor analysis, as ``psych::fa`` reports it.

    Attributes
    ----------
    loadings : DataFrame
        Items × factors: the pattern loadings after rotation. Factors are named as
        psych names them (``MR1``, ``MR2``, ... for minres, ``ML1``, ... for ml, the
        number being the position in the unrotated solution) and ordered by variance
        accounted for.
    structure : DataFrame
        Structure loadings (correlations of items and factors), ``loadings @ phi``.
    phi : DataFrame or None
        Factor correlations (oblimin and promax); None for orthogonal solutions.
    communalities : Series
        :math:`h^2`, diagonal of :math:`\Lambda\Lambda^\top` of the unrotated
        solution (psych's ``communality``, the ``h2`` column of its print).
    uniquenesses : Series
        :math:`u^2 = 1 - h^2` (psych's ``uniquenesses``).
    complexity : Series
        Hoffman's index of each item, :math:`(\sum \lambda^2)^2 / \sum \lambda^4`.
    variance : DataFrame
        Rows ``SS loadings``, ``Proportion Var``, ``Cumulative Var``,
        ``Proportion Explained``, ``Cumulative Proportion`` (psych's ``Vaccounted``);
        with correlated factors the SS loadings are ``diag(phi @ L.T @ L)``.
    eigenvalues : DataFrame
        ``observed`` eigenvalues of R (psych ``e.values``) and ``common`` eigenvalues
        of R with the communalities on the diagonal (psych ``values``).
    n_factors : int
    method : str
        ``"minres"`` or ``"ml"``.
    rotation : str or None
    dof : int
        Degrees of freedom of the factor model, :math:`p(p-1)/2 - pk + k(k-1)/2`.
    objective : float
        Minimised fit function (sum of squared off-diagonal residuals for minres,
        the ML discrepancy for ml).
    converged, rotation_converged : bool
        Whether the extraction and the rotation met their stopping rules.
    n, n_complete, min_pairwise_n : int
        Respondents (psych's ``n.obs``), complete respondents, smallest pairwise count.
    """

    loadings: pd.DataFrame
    structure: pd.DataFrame
    phi: pd.DataFrame | None
    communalities: pd.Series
    uniquenesses: pd.Series
    complexity: pd.Series
    variance: pd.DataFrame
    eigenvalues: pd.DataFrame
    n_factors: int
    method: str
    rotation: str | None
    dof: int
    objective: float
    converged: bool
    rotation_converged: bool
    n: int
    n_complete: int
    min_pairwise_n: int

    _title: ClassVar[str] = "Exploratory factor analysis"

    def _repr_parts(self) -> list[str]:
        return [
            f"n={self.n}",
            f"items={len(self.loadings)}",
            f"factors={self.n_factors}",
            f"method={self.method}",
            f"rotation={self.rotation}",
            "converged" if self.converged else "NOT_converged",
        ]

    def to_frame(self, sort: bool = False) -> pd.DataFrame:
        """Loadings with ``h2``, ``u2`` and ``com`` columns, as psych prints them.

        Parameters
        ----------
        sort : bool, default False
            Order the items as ``print(fa, sort = TRUE)`` (see :meth:`sorted_loadings`).
        """
        frame = self.loadings.copy()
        frame["h2"] = self.communalities
        frame["u2"] = self.uniquenesses
        frame["com"] = self.complexity
        return frame.loc[self.sort_order] if sort else frame

    @property
    def sort_order(self) -> list[str]:
        """Items in the order of ``psych::fa.sort``.

        Each item goes with the factor of its largest absolute loading; items are
        grouped by factor (in factor order) and, within a factor, ordered by decreasing
        absolute loading on it (ties keep the original order).
        """
        load = self.loadings.to_numpy()
        cluster = np.argmax(np.abs(load), axis=1)
        order: list[int] = []
        for j in range(load.shape[1]):
            members = np.flatnonzero(cluster == j)
            ranked = members[np.argsort(-np.abs(load[members, j]), kind="stable")]
            order.extend(int(i) for i in ranked)
        return [self.loadings.index[i] for i in order]

    def sorted_loadings(self) -> pd.DataFrame:
        """Pattern loadings with items ordered as ``print(fa, sort = TRUE)``."""
        return self.loadings.loc[self.sort_order]

    def _header(self) -> list[str]:
        rot = "none" if self.rotation is None else self.rotation
        lines = [
            f"factors: {self.n_factors}, method: {self.method}, rotation: {rot}, "
            f"degrees of freedom: {self.dof}",
            _n_header(self.n, self.n_complete, self.min_pairwise_n),
        ]
        if not self.converged:
            lines.append("WARNING: the extraction did not converge")
        if not self.rotation_converged:
            lines.append("WARNING: the rotation did not converge")
        heywood = [str(i) for i, h in self.communalities.items() if h >= 1.0 - _PSI_LOWER]
        if heywood:
            lines.append("WARNING: Heywood case (communality at or above 1): " + ", ".join(heywood))
        return lines

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "Loadings (sorted as psych's print(sort = TRUE))", self.to_frame(sort=True)
        yield "Variance accounted for", self.variance
        if self.phi is not None:
            yield "Factor correlations", self.phi


def _check_n_factors(n_factors: object, p: int) -> int:
    if isinstance(n_factors, bool) or not isinstance(n_factors, numbers.Integral):
        raise SurveyDataError(
            "n_factors must be a whole number",
            found=n_factors,
            expected="an integer >= 1",
            fix="n_factors=3, or see suggest_factors(data)",
        )
    k = int(n_factors)
    if k < 1:
        raise SurveyDataError(
            "n_factors must be at least 1",
            found=k,
            expected="an integer >= 1",
            fix="n_factors=1, or see suggest_factors(data)",
        )
    dof = p * (p - 1) // 2 - p * k + k * (k - 1) // 2
    k_max = max(j for j in range(0, p) if p * (p - 1) // 2 - p * j + j * (j - 1) // 2 >= 0)
    if k >= p or dof < 0:
        raise IdentificationError(
            "more factors requested than the items allow",
            found=f"n_factors={k} with {p} items: {dof} degrees of freedom "
            "(p(p-1)/2 - p·k + k(k-1)/2)",
            expected=f"n_factors < {p} and degrees of freedom >= 0, i.e. n_factors <= {k_max}",
            fix=f"use n_factors <= {k_max} (see suggest_factors(data)), or add items",
        )
    return k


def efa(
    data: pd.DataFrame | Survey,
    n_factors: int,
    *,
    rotation: Rotation | None = "oblimin",
    method: Method = "minres",
) -> EFAResult:
    r"""Exploratory factor analysis, as ``psych::fa(x, nfactors, rotate, fm)``.

    The correlation matrix :math:`R` (Pearson, pairwise deletion, as psych) is
    decomposed as :math:`R \approx \Lambda\Phi\Lambda^\top + \Psi`:

    1. extraction: the uniquenesses :math:`\Psi` minimise the ``minres`` criterion
       :math:`\sum_{i>j}(r_{ij} - [\Lambda\Lambda^\top]_{ij})^2` (Harman & Jones 1966)
       or the ``ml`` discrepancy :math:`\operatorname{tr}(\Sigma^{-1}R) - \ln|\Sigma^{-1}R|
       - p` (Jöreskog 1967), starting at :math:`1 - \text{SMC}`, by L-BFGS-B with
       psych's bounds, scaling, gradients and R ``optim``'s stopping rule;
    2. rotation: ``"oblimin"`` (GPArotation quartimin, Jennrich 2002),
       ``"varimax"`` (``stats::varimax``, Kaiser 1958) or ``"promax"`` (psych's
       Kaiser-normalised Promax, Hendrickson & White 1964), or None;
    3. reflection to positive column sums and ordering by variance accounted for,
       as psych does.

    Parameters
    ----------
    data : DataFrame or Survey
        Item scores, ``NaN`` = missing. Correlations use pairwise deletion
        (``use = "pairwise"``, psych's default); ``n`` = all rows (psych's ``n.obs``).
    n_factors : int
        Number of factors; at most the largest :math:`k < p` with non-negative degrees
        of freedom :math:`p(p-1)/2 - pk + k(k-1)/2`.
    rotation : {"oblimin", "varimax", "promax"} or None, default "oblimin"
        psych's default is oblimin.
    method : {"minres", "ml"}, default "minres"
        psych's ``fm``.

    Returns
    -------
    EFAResult

    Raises
    ------
    SurveyDataError
        If ``data`` is not a numeric item frame, has no more respondents than items,
        an item is constant, the correlation matrix is singular, or an option is
        invalid.
    IdentificationError
        If ``n_factors`` is not below the number of items or leaves negative degrees
        of freedom (psych only warns; the solution is then not identified).

    Warns
    -----
    ConvergenceWarning
        If the extraction or the rotation stopped at its iteration limit (psych is
        silent about the former).
    HeywoodWarning
        If a communality reaches 1 (a uniqueness at its lower bound 0.005).

    Notes
    -----
    Agreement with psych 2.2.9 (measured on the test data sets, ``docs/efa.md``):
    rotated loadings to about :math:`10^{-6}` and better, since the optimiser and the
    rotation follow psych's step for step.

    References
    ----------
    .. [1] Harman, H. H., & Jones, W. H. (1966). Factor analysis by minimizing
       residuals (minres). *Psychometrika*, 31(3), 351–368.
    .. [2] Jöreskog, K. G. (1967). Some contributions to maximum likelihood factor
       analysis. *Psychometrika*, 32(4), 443–482.
    .. [3] Jennrich, R. I. (2002). A simple general method for oblique rotation.
       *Psychometrika*, 67(1), 7–19.
    .. [4] Kaiser, H. F. (1958). The varimax criterion for analytic rotation in factor
       analysis. *Psychometrika*, 23(3), 187–200.
    .. [5] Hendrickson, A. E., & White, P. O. (1964). Promax: a quick method for
       rotation to oblique simple structure. *British Journal of Statistical
       Psychology*, 17(1), 65–70.
    .. [6] Revelle, W. (2022). *psych* (R package 2.2.9), ``fa``; Bernaards, C. A., &
       Jennrich, R. I. (2005). GPArotation. *Educational and Psychological
       Measurement*, 65(5), 676–696.

    Examples
    --------
    >>> from loyaltysem.datasets import load_holzinger_swineford
    >>> from loyaltysem.measurement.efa import efa
    >>> hs = load_holzinger_swineford().data
    >>> res = efa(hs, 3)  # In R: psych::fa(hs[, paste0("x", 1:9)], nfactors = 3)
    >>> res.sorted_loadings().round(2)
    factor   MR1   MR3   MR2
    item
    x5      0.89 -0.06  0.01
    x4      0.85  0.02  0.01
    x6      0.81  0.08 -0.01
    x3     -0.06  0.69  0.02
    x1      0.20  0.59  0.03
    x2      0.04  0.51 -0.12
    x7      0.04 -0.15  0.74
    x8     -0.03  0.13  0.69
    x9      0.03  0.38  0.46
    >>> res.phi.round(2)
    factor   MR1   MR3   MR2
    factor
    MR1     1.00  0.32  0.21
    MR3     0.32  1.00  0.26
    MR2     0.21  0.26  1.00
    """
    prep = _prepare(data, "efa")
    p = prep.corr.shape[0]
    k = _check_n_factors(n_factors, p)
    _check_choice(rotation, "rotation", ("oblimin", "varimax", "promax", None))
    _check_choice(method, "method", ("minres", "ml"))
    ext = _extract(prep.corr, k, method)
    if not ext.converged:
        warnings.warn(
            f"efa(): the {method} extraction stopped after {ext.iterations} iterations "
            f"without meeting its convergence criterion ({ext.message})",
            ConvergenceWarning,
            stacklevel=2,
        )
    load = ext.loadings * _reflect(ext.loadings)
    load = np.where(load == 0.0, 1e-15, load)  # as psych, before rotating
    model = load @ load.T
    communality = np.diag(model).copy()
    rot = _rotate(load, rotation)
    if not rot.converged:
        warnings.warn(
            f"efa(): the {rotation} rotation did not converge in {rot.iterations} iterations",
            ConvergenceWarning,
            stacklevel=2,
        )
    rotated = rot.loadings
    signs = _reflect(rotated)
    rotated = rotated * signs
    phi = None if rot.phi is None else rot.phi * np.outer(signs, signs)
    names = [f"{_METHOD_PREFIX[method]}{j + 1}" for j in range(k)]
    if k > 1:
        ss = np.diag(rotated.T @ rotated) if phi is None else np.diag(phi @ rotated.T @ rotated)
        order = np.argsort(-ss, kind="stable")
        rotated = rotated[:, order]
        names = [names[j] for j in order]
        if phi is not None:
            phi = phi[np.ix_(order, order)]
    items = pd.Index(prep.items.copy(), name="item")
    columns = pd.Index(names, name="factor")
    loadings = pd.DataFrame(rotated, index=items, columns=columns)
    structure_values = rotated if phi is None else rotated @ phi
    structure = pd.DataFrame(structure_values, index=items, columns=columns)
    phi_frame = None if phi is None else pd.DataFrame(phi, index=columns, columns=columns)
    ss = np.sum(rotated**2, axis=0) if phi is None else np.diag(phi @ rotated.T @ rotated)
    uniq = np.diag(prep.corr - model)
    total = float(np.sum(communality + uniq))
    rows = {"SS loadings": ss, "Proportion Var": ss / total}
    if k > 1:
        rows["Cumulative Var"] = np.cumsum(ss / total)
        rows["Proportion Explained"] = ss / ss.sum()
        rows["Cumulative Proportion"] = np.cumsum(ss / ss.sum())
    variance = pd.DataFrame(rows, index=columns).T
    variance.index.name = "quantity"
    reduced = prep.corr.copy()
    np.fill_diagonal(reduced, communality)
    eigen = pd.DataFrame(
        {"observed": _eigvals_desc(prep.corr), "common": _eigvals_desc(reduced)},
        index=pd.RangeIndex(1, p + 1, name="position"),
    )
    complexity = np.sum(rotated**2, axis=1) ** 2 / np.sum(rotated**4, axis=1)
    heywood = [str(items[i]) for i in np.flatnonzero(communality >= 1.0 - _PSI_LOWER)]
    if heywood:
        warnings.warn(
            "efa(): Heywood case: the communality of "
            + ", ".join(heywood)
            + " reaches 1 (uniqueness at its bound); the solution is improper: try fewer "
            "factors or drop the item",
            HeywoodWarning,
            stacklevel=2,
        )
    return EFAResult(
        loadings=loadings,
        structure=structure,
        phi=phi_frame,
        communalities=pd.Series(communality, index=items, name="h2"),
        uniquenesses=pd.Series(uniq, index=items, name="u2"),
        complexity=pd.Series(complexity, index=items, name="com"),
        variance=variance,
        eigenvalues=eigen,
        n_factors=k,
        method=method,
        rotation=rotation,
        dof=p * (p - 1) // 2 - p * k + k * (k - 1) // 2,
        objective=ext.objective,
        converged=ext.converged,
        rotation_converged=rot.converged,
        n=prep.n,
        n_complete=prep.n_complete,
        min_pairwise_n=prep.min_pairwise_n,
    )


# --------------------------------------------------------------------------- suggestions


@dataclass(frozen=True, repr=False)
class FactorSuggestions(DisplayMixin):
    """How many factors each retention rule suggests.

    Attributes
    ----------
    table : DataFrame
        One row per rule (``kaiser``, ``parallel_factors``, ``parallel_components``,
        and ``scree`` when asked), columns ``suggestion``, ``basis`` (what is
        compared) and ``source`` (the citation).
    parallel : ParallelResult
        The full parallel analysis behind the two ``parallel_*`` rows.
    """

    table: pd.DataFrame
    parallel: ParallelResult

    _title: ClassVar[str] = "Number of factors to retain"

    def _repr_parts(self) -> list[str]:
        return [f"{rule}={value}" for rule, value in self.table.iloc[:, 0].items()]

    def to_frame(self) -> pd.DataFrame:
        """The rule table (:attr:`table`)."""
        return self.table

    def _header(self) -> list[str]:
        return [self.parallel.message]

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "Rules", self.table


def _scree_acceleration(values: np.ndarray) -> int:
    """Acceleration-factor scree rule: components before the sharpest elbow."""
    if values.size < 3:
        return 1
    accel = values[2:] - 2.0 * values[1:-1] + values[:-2]  # at positions 2 .. p-1 (1-based)
    elbow = int(np.argmax(accel)) + 2  # 1-based position of the elbow
    return max(elbow - 1, 1)


@blas_single_threaded
def suggest_factors(
    data: pd.DataFrame | Survey,
    *,
    n_iter: int = 100,
    quantile: float | None = 0.95,
    scree: bool = True,
    random_state: int | np.random.Generator | None = None,
) -> FactorSuggestions:
    r"""Suggested numbers of factors by the usual retention rules, side by side.

    - ``kaiser``: eigenvalues of :math:`R` greater than 1 (Kaiser 1960; Guttman 1954).
      Known to over-extract with many items; report it, do not rely on it.
    - ``parallel_factors`` and ``parallel_components``: :func:`parallel_analysis`
      (Horn 1965, as ``psych::fa.parallel``).
    - ``scree`` (optional): Cattell's (1966) scree read objectively by the
      acceleration factor (Raîche et al. 2013): the components before the position
      where the second difference of the eigenvalues is largest.

    Parameters
    ----------
    data : DataFrame or Survey
        Item scores, ``NaN`` = missing; pairwise correlations.
    n_iter : int, default 100
        Simulated data sets for parallel analysis.
    quantile : float or None, default 0.95
        Threshold of parallel analysis (None = mean).
    scree : bool, default True
        Add the acceleration-factor scree rule.
    random_state : int, numpy Generator or None
        Seed of the parallel analysis.

    Returns
    -------
    FactorSuggestions

    References
    ----------
    .. [1] Kaiser, H. F. (1960). The application of electronic computers to factor
       analysis. *Educational and Psychological Measurement*, 20(1), 141–151.
    .. [2] Horn, J. L. (1965). A rationale and test for the number of factors in
       factor analysis. *Psychometrika*, 30(2), 179–185.
    .. [3] Cattell, R. B. (1966). The scree test for the number of factors.
       *Multivariate Behavioral Research*, 1(2), 245–276.
    .. [4] Raîche, G., Walls, T. A., Magis, D., Riopel, M., & Blais, J.-G. (2013).
       Non-graphical solutions for Cattell's scree test. *Methodology*, 9(1), 23–29.

    Examples
    --------
    >>> from loyaltysem.datasets import load_holzinger_swineford
    >>> from loyaltysem.measurement.efa import suggest_factors
    >>> hs = load_holzinger_swineford().data
    >>> s = suggest_factors(hs, random_state=1)
    >>> s.table["suggestion"]
    rule
    kaiser                 3
    parallel_factors       3
    parallel_components    3
    scree                  1
    Name: suggestion, dtype: int64
    """
    if not isinstance(scree, (bool, np.bool_)):
        raise SurveyDataError("scree must be True or False", found=scree, fix="scree=True")
    pa = parallel_analysis(data, n_iter=n_iter, quantile=quantile, random_state=random_state)
    observed = pa.eigenvalues["pc_observed"].to_numpy()
    thr = "mean" if quantile is None else f"{quantile:g} quantile"
    rows = [
        ("kaiser", int(np.sum(observed > 1.0)), "eigenvalues of R > 1", "Kaiser (1960)"),
        (
            "parallel_factors",
            pa.n_factors,
            f"reduced-matrix eigenvalues > {thr} of {pa.n_iter} simulated",
            "Horn (1965); psych::fa.parallel",
        ),
        (
            "parallel_components",
            pa.n_components,
            f"eigenvalues of R > {thr} of {pa.n_iter} simulated",
            "Horn (1965); psych::fa.parallel",
        ),
    ]
    if scree:
        rows.append(
            (
                "scree",
                _scree_acceleration(observed),
                "acceleration factor (elbow) of the eigenvalues of R",
                "Cattell (1966); Raîche et al. (2013)",
            )
        )
    table = pd.DataFrame(rows, columns=["rule", "suggestion", "basis", "source"]).set_index("rule")
    table["suggestion"] = table["suggestion"].astype(np.int64)
    return FactorSuggestions(table=table, parallel=pa)


# --------------------------------------------------------------------------- report


@dataclass(frozen=True, repr=False)
class EFAReport(DisplayMixin):
    """The exploratory part of a measurement chapter, in one object.

    Attributes
    ----------
    kmo : KMOResult
        Sampling adequacy (overall and per item).
    bartlett : BartlettResult
        Bartlett's test of sphericity.
    suggestions : FactorSuggestions
        Kaiser, parallel analysis and scree suggestions (with the parallel analysis).
    efa : EFAResult
        The rotated EFA with ``n_factors`` factors.
    """

    kmo: KMOResult
    bartlett: BartlettResult
    suggestions: FactorSuggestions
    efa: EFAResult

    _title: ClassVar[str] = "Exploratory factor analysis report"

    def _repr_parts(self) -> list[str]:
        return [
            f"n={self.efa.n}",
            f"kmo={self.kmo.msa:.3f}",
            repr_p("bartlett_p", self.bartlett.pvalue),
            f"factors={self.efa.n_factors}",
            f"rotation={self.efa.rotation}",
            "converged" if self.efa.converged else "NOT_converged",
        ]

    def _header(self) -> list[str]:
        return [
            f"KMO overall MSA = {self.kmo.msa:.3f}",
            f"Bartlett chi-square = {self.bartlett.chisq:.2f}, df = {self.bartlett.df}, "
            f"p {p_phrase(self.bartlett.pvalue)}",
            self.suggestions.parallel.message,
            *self.efa._header(),
        ]

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "MSA for each item", self.kmo.msa_items.to_frame("msa")
        yield "Number of factors", self.suggestions.table
        yield from self.efa._sections()


@blas_single_threaded
def efa_report(
    data: pd.DataFrame | Survey,
    n_factors: int | None = None,
    *,
    rotation: Rotation | None = "oblimin",
    method: Method = "minres",
    n_iter: int = 100,
    random_state: int | np.random.Generator | None = None,
) -> EFAReport:
    """KMO, Bartlett, the suggested number of factors and the rotated EFA in one call.

    The equivalent of running ``psych::KMO``, ``psych::cortest.bartlett``,
    ``psych::fa.parallel`` and ``psych::fa`` one after another on the same items.

    Parameters
    ----------
    data : DataFrame or Survey
        Item scores, ``NaN`` = missing (pairwise correlations).
    n_factors : int or None
        Factors of the EFA; None takes the parallel-analysis suggestion for factors
        (at least 1).
    rotation, method
        As ``efa()``.
    n_iter : int, default 100
        Simulated data sets of the parallel analysis.
    random_state : int, numpy Generator or None
        Seed of the parallel analysis.

    Returns
    -------
    EFAReport

    Raises
    ------
    IdentificationError
        More factors than the items allow.

    Examples
    --------
    >>> from loyaltysem.datasets import load_holzinger_swineford
    >>> from loyaltysem.measurement.efa import efa_report
    >>> rep = efa_report(load_holzinger_swineford().data, random_state=1)
    >>> round(rep.kmo.msa, 3), rep.efa.n_factors
    (0.752, 3)
    """
    k_o = kmo(data)
    b = bartlett(data)
    s = suggest_factors(data, n_iter=n_iter, random_state=random_state)
    if n_factors is None:
        n_factors = max(1, int(s.parallel.n_factors or 1))
    fitted = efa(data, n_factors, rotation=rotation, method=method)
    return EFAReport(kmo=k_o, bartlett=b, suggestions=s, efa=fitted)
