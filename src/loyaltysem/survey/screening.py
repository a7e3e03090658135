"""Data screening before measurement and structural models.

Item descriptives (as ``psych::describe()``), Mardia's multivariate skewness and
kurtosis (as ``psych::mardia()``), careless-responding indices (long strings and
intra-individual response variability, as the R package *careless*), Mahalanobis
distances (as :func:`stats::mahalanobis`), and :func:`screen`, which runs them all
under a stated, overridable policy and returns a :class:`ScreeningReport`.

Every function takes a :class:`pandas.DataFrame` of numeric item scores, one column
per item and one row per respondent (the index holds respondent ids), with ``NaN`` for
a missing answer. :func:`screen` takes them reverse-coded, as ``Survey.data`` holds
them, and computes the careless-responding indices on the answers as given (its
``reverse_keyed`` option); ``longstring()`` and ``irv()`` take the answers as given.
Completion times as platforms export them (``230秒``, ``3分50秒``, start and end times)
are read by :func:`parse_duration`, :func:`parse_timestamp` and
``completion_times()``; ``speeders()`` flags respondents far faster than the median.
Nothing here changes the data; :meth:`ScreeningReport.exclusions` lists whom a policy
would exclude and why, and the survey layer acts on that list.

Numbers are stored at full precision; rounding happens only on display.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import linalg, stats

from loyaltysem._display import DisplayMixin, repr_p
from loyaltysem.errors import MissingDataWarning, SurveyDataError

__all__ = [
    "DESCRIBE_COLUMNS",
    "MardiaResult",
    "ScreeningPolicy",
    "ScreeningReport",
    "completion_times",
    "describe",
    "irv",
    "longstring",
    "mahalanobis",
    "mardia",
    "parse_duration",
    "parse_timestamp",
    "screen",
    "speeders",
]

DESCRIBE_COLUMNS: tuple[str, ...] = (
    "n",
    "missing",
    "missing_pct",
    "mean",
    "sd",
    "median",
    "min",
    "max",
    "range",
    "skew",
    "kurtosis",
    "se",
)
"""Columns of :func:`describe`, in order."""

#: Default Mahalanobis significance level (Tabachnick & Fidell 2013, §4.1.4).
DEFAULT_MAHALANOBIS_ALPHA = 0.001
#: Default largest acceptable share of unanswered items, in percent (Hair et al. 2017).
DEFAULT_MAX_MISSING_PCT = 15.0
#: Default IRV at or below which a respondent is flagged: no variability at all.
DEFAULT_IRV_MIN = 0.0
#: Default speeder cut-off as a share of the median completion time (Greszki, Meyer &
#: Schoen 2015: faster than 30 % of the median).
DEFAULT_SPEEDER_FRACTION = 0.3

# Rows of z-scores processed at once in Mardia's skewness (bounds memory for large n).
_CHUNK_ROWS = 2048


# --------------------------------------------------------------------------- input


def _as_items(data: object, caller: str) -> tuple[np.ndarray, pd.DataFrame]:
    """Validate ``data`` and return it as a float array (NaN = missing) and as given."""
    if not isinstance(data, pd.DataFrame):
        raise SurveyDataError(
            f"{caller}() needs a pandas DataFrame of item scores",
            found=type(data).__name__,
            expected="pandas.DataFrame with one column per item and one row per respondent",
            fix="wrap the array, e.g. pd.DataFrame(x, columns=item_names)",
        )
    if data.shape[1] == 0:
        raise SurveyDataError(
            f"{caller}() got a DataFrame without item columns",
            found=data.shape,
            expected="at least one item column",
            fix="select the item columns, e.g. data[item_names]",
        )
    if data.shape[0] == 0:
        raise SurveyDataError(
            f"{caller}() got a DataFrame without respondents",
            found=data.shape,
            expected="at least one row",
            fix="check the filter that produced the frame",
        )
    duplicated = data.columns[data.columns.duplicated()]
    if len(duplicated):
        raise SurveyDataError(
            "item names must be unique",
            found=sorted({str(c) for c in duplicated}),
            expected="one column per item",
            fix="rename or drop the duplicated columns",
        )
    bad = [
        str(col)
        for col, dtype in data.dtypes.items()
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype)
    ]
    if bad:
        raise SurveyDataError(
            "item scores must be numeric",
            column=bad[0],
            found={c: str(data[c].dtype) for c in bad},
            expected="float or integer columns (NaN for a missing answer)",
            fix="resolve text answers and missing-value codes first, e.g. with read_survey()",
        )
    x = data.to_numpy(dtype=float, na_value=np.nan)
    infinite = np.isinf(x).any(axis=0)
    if infinite.any():
        cols = [str(c) for c in data.columns[infinite]]
        raise SurveyDataError(
            "item scores must be finite",
            column=cols[0],
            found=cols,
            expected="finite numbers or NaN",
            fix="replace infinite values by NaN (missing) or by the intended score",
        )
    return x, data


def _check_respondents(data: pd.DataFrame) -> None:
    """Per-respondent results need unique respondent ids."""
    dup = data.index[data.index.duplicated()]
    if len(dup):
        raise SurveyDataError(
            "respondent ids (the index) must be unique",
            found=list(dup.unique()[:5]),
            expected="one row per respondent",
            fix="reset the index, e.g. data.reset_index(drop=True)",
        )


def _check_alpha(alpha: object, name: str) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating)):
        raise SurveyDataError(
            f"{name} must be a number", found=alpha, expected="0 < value < 1", fix=f"{name}=0.001"
        )
    value = float(alpha)
    if not 0.0 < value < 1.0:
        raise SurveyDataError(
            f"{name} is out of range", found=alpha, expected="0 < value < 1", fix=f"{name}=0.001"
        )
    return value


def _check_number(value: object, name: str, lo: float, hi: float, fix: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise SurveyDataError(
            f"{name} must be a number", found=value, expected=f"{lo} <= value <= {hi}", fix=fix
        )
    out = float(value)
    if not lo <= out <= hi:
        raise SurveyDataError(
            f"{name} is out of range", found=value, expected=f"{lo} <= value <= {hi}", fix=fix
        )
    return out


def _r_mean(v: np.ndarray, axis: int | None = None) -> Any:
    """Mean as R's ``mean.default`` computes it: sum / n, refined by the mean residual."""
    m = np.mean(v, axis=axis)
    if axis is None:
        return m + np.mean(v - m)
    return m + np.mean(v - np.expand_dims(m, axis), axis=axis)


# --------------------------------------------------------------------------- describe


def describe(data: pd.DataFrame) -> pd.DataFrame:
    r"""Describe each item as ``psych::describe()`` does by default.

    Statistics use every available answer of an item (pairwise availability), as
    ``psych::describe(x)`` with its defaults (``na.rm = TRUE``, ``type = 3``).

    Parameters
    ----------
    data : DataFrame
        Item scores, one column per item, ``NaN`` for a missing answer.

    Returns
    -------
    DataFrame
        Indexed by item (index name ``item``), columns ``DESCRIBE_COLUMNS``:

        ``n``
            answers given; ``missing`` answers missing; ``missing_pct`` their share
            of all rows, in percent.
        ``mean``, ``sd``, ``median``, ``min``, ``max``, ``range`` (= max − min)
            with ``sd`` the sample standard deviation, divisor :math:`n-1`.
        ``skew``, ``kurtosis``
            psych's type 3, Joanes & Gill's :math:`b_1` and :math:`b_2 - 3`
            (as MINITAB and BMDP report them):
            :math:`b_1 = m_3 / s^3` and :math:`b_2 - 3 = m_4 / s^4 - 3`, where
            :math:`m_r = \frac{1}{n}\sum_i (x_i - \bar x)^r` and :math:`s` is the
            ``sd`` above (divisor :math:`n-1`).
        ``se``
            standard error of the mean, :math:`s / \sqrt{n}`.

    Raises
    ------
    SurveyDataError
        If ``data`` is not a DataFrame of numeric, finite-or-NaN columns with unique names.

    Notes
    -----
    Where R gives ``NA``/``NaN`` so does this: ``sd``, ``skew``, ``kurtosis`` and
    ``se`` need two answers; ``skew`` and ``kurtosis`` are ``NaN`` for a constant
    item (0/0). For an item nobody answered, ``min`` and ``max`` are ``NaN`` (R gives
    ``Inf``/``-Inf`` with a warning). psych's ``trimmed`` and ``mad`` columns are not
    reported.

    References
    ----------
    .. [1] Revelle, W. (2022). *psych: Procedures for Psychological, Psychometric, and
       Personality Research* (R package 2.2.9), ``describe`` and ``skew``/``kurtosi``.
    .. [2] Joanes, D. N., & Gill, C. A. (1998). Comparing measures of sample skewness
       and kurtosis. *The Statistician*, 47(1), 183–189.

    Examples
    --------
    >>> import pandas as pd
    >>> from loyaltysem.survey.screening import describe
    >>> data = pd.DataFrame(
    ...     {"SAT1": [5.0, 6.0, 7.0, 4.0, 6.0], "SAT2": [5.0, 7.0, 7.0, 3.0, None]},
    ...     index=pd.Index([101, 102, 103, 104, 105], name="rid"),
    ... )
    >>> table = describe(data)  # In R: psych::describe(data)
    >>> table[["n", "missing", "mean", "sd", "skew", "kurtosis"]].round(4)
          n  missing  mean      sd    skew  kurtosis
    item
    SAT1  5        0   5.6  1.1402 -0.1943   -1.7484
    SAT2  4        1   5.5  1.9149 -0.3205   -2.0842
    """
    x, frame = _as_items(data, "describe")
    n_rows, n_items = x.shape
    out = np.full((n_items, len(DESCRIBE_COLUMNS)), np.nan)
    for j in range(n_items):
        v = x[:, j]
        v = v[~np.isnan(v)]
        n = v.size
        out[j, 0] = n
        out[j, 1] = n_rows - n
        out[j, 2] = 100.0 * (n_rows - n) / n_rows
        if n == 0:
            continue
        mean = float(_r_mean(v))
        sd = float(np.sqrt(np.sum((v - mean) ** 2) / (n - 1))) if n > 1 else np.nan
        dev = v - mean
        with np.errstate(divide="ignore", invalid="ignore"):
            skew = np.sum(dev**3) / (n * sd**3)
            kurt = np.sum(dev**4) / (n * sd**4) - 3.0
        lo, hi = float(np.min(v)), float(np.max(v))
        out[j, 3:] = [mean, sd, float(np.median(v)), lo, hi, hi - lo, skew, kurt, sd / np.sqrt(n)]
    table = pd.DataFrame(out, index=pd.Index(frame.columns, name="item"), columns=DESCRIBE_COLUMNS)
    table["n"] = table["n"].astype(np.int64)
    table["missing"] = table["missing"].astype(np.int64)
    return table


# --------------------------------------------------------------------------- careless


def longstring(data: pd.DataFrame) -> pd.Series:
    """Longest run of identical consecutive answers of each respondent.

    The items are read in column order, so order the columns as the questionnaire
    presented them. A missing answer breaks a run and does not itself count as an
    answer.

    Parameters
    ----------
    data : DataFrame
        The answers as given (before reverse keying), one column per item in
        presentation order, ``NaN`` = missing.

    Returns
    -------
    Series
        Named ``longstring``, indexed like ``data``; float so that a respondent who
        answered nothing can be ``NaN``. A respondent with any answer has a value
        between 1 and the number of items.

    Raises
    ------
    SurveyDataError
        If ``data`` is not a valid item frame or its index has duplicated ids.

    Notes
    -----
    ``careless::longstring`` (version 1.2) computes ``max(rle(row)$lengths)``;
    ``base::rle`` treats each ``NA`` as a run of length 1, so a missing answer breaks
    a run there too and every respondent with at least one answer gets the same
    value here. The only difference: a respondent with no answer at all gets 1 in
    careless and ``NaN`` here.

    References
    ----------
    .. [1] Johnson, J. A. (2005). Ascertaining the validity of individual protocols
       from web-based personality inventories. *Journal of Research in Personality*,
       39(1), 103–129.
    .. [2] Curran, P. G. (2016). Methods for the detection of carelessly invalid
       responses in survey data. *Journal of Experimental Social Psychology*, 66, 4–19.
    .. [3] Yentes, R. D., & Wilhelm, F. (2021). *careless: Procedures for computing
       indices of careless responding* (R package 1.2.1).

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from loyaltysem.survey.screening import longstring
    >>> data = pd.DataFrame(
    ...     [[4, 4, 4, 2, 2], [1, 2, 3, 4, 5], [7, 7, np.nan, 7, 7], [np.nan] * 5],
    ...     columns=["Q1", "Q2", "Q3", "Q4", "Q5"],
    ... )
    >>> longstring(data)  # In R: careless::longstring(data)
    0    3.0
    1    1.0
    2    2.0
    3    NaN
    Name: longstring, dtype: float64
    """
    x, frame = _as_items(data, "longstring")
    _check_respondents(frame)
    valid = ~np.isnan(x)
    current = valid[:, 0].astype(float)
    best = current.copy()
    for j in range(1, x.shape[1]):
        same = x[:, j] == x[:, j - 1]  # False whenever either answer is NaN
        current = np.where(same, current + 1.0, valid[:, j].astype(float))
        np.maximum(best, current, out=best)
    best[~valid.any(axis=1)] = np.nan
    return pd.Series(best, index=frame.index, name="longstring")


def irv(data: pd.DataFrame) -> pd.Series:
    r"""Intra-individual response variability: each respondent's SD across items.

    .. math:: \mathrm{IRV}_i = \sqrt{\frac{1}{k_i - 1}\sum_{j}(x_{ij} - \bar x_i)^2}

    over the :math:`k_i` items respondent :math:`i` answered (missing answers are
    skipped, divisor :math:`k_i - 1`), exactly ``apply(x, 1, sd, na.rm = TRUE)`` as
    ``careless::irv`` computes it. A low IRV means little differentiation across
    items; 0 means the same answer everywhere (straight-lining).

    Parameters
    ----------
    data : DataFrame
        The answers as given (before reverse keying), ``NaN`` = missing. A respondent
        who ticked one answer throughout then has IRV 0; after reverse keying some
        items, the same respondent would vary (IRV 0.371 for 29 answers of 5 on a
        1–7 scale with one item reversed to 3). :func:`screen` recovers the answers as
        given from reverse-coded scores (``reverse_keyed``).

    Returns
    -------
    Series
        Named ``irv``, indexed like ``data``; ``NaN`` for a respondent with fewer than
        two answers (as R's ``sd`` gives ``NA``).

    Raises
    ------
    SurveyDataError
        If ``data`` is not a valid item frame or its index has duplicated ids.

    References
    ----------
    .. [1] Dunn, A. M., Heggestad, E. D., Shanock, L. R., & Theilgard, N. (2018).
       Intra-individual response variability as an indicator of insufficient effort
       responding. *Journal of Business and Psychology*, 33(1), 105–121.
    .. [2] Yentes, R. D., & Wilhelm, F. (2021). *careless* (R package 1.2.1), ``irv``.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from loyaltysem.survey.screening import irv
    >>> data = pd.DataFrame([[4, 4, 4, 4], [1, 3, 5, 7], [2, np.nan, 4, np.nan]])
    >>> irv(data).round(4)  # In R: careless::irv(data)  (= apply(data, 1, sd, na.rm = TRUE))
    0    0.0000
    1    2.5820
    2    1.4142
    Name: irv, dtype: float64
    """
    x, frame = _as_items(data, "irv")
    _check_respondents(frame)
    valid = ~np.isnan(x)
    k = valid.sum(axis=1)
    filled = np.where(valid, x, 0.0)
    out = np.full(x.shape[0], np.nan)
    ok = k >= 2
    if ok.any():
        mean = filled[ok].sum(axis=1) / k[ok]
        dev = np.where(valid[ok], x[ok] - mean[:, None], 0.0)
        out[ok] = np.sqrt((dev**2).sum(axis=1) / (k[ok] - 1))
    return pd.Series(out, index=frame.index, name="irv")


# --------------------------------------------------------------------------- multivariate


def _whiten(x: np.ndarray, columns: pd.Index) -> np.ndarray:
    """Return z with z_i · z_j = (x_i - x̄)' S⁻¹ (x_j - x̄), S the covariance (divisor n - 1).

    ``x`` holds complete cases only.
    """
    n, p = x.shape
    if n < p + 1:
        raise SurveyDataError(
            "the item covariance matrix needs more complete respondents than items",
            found=f"{n} complete respondents, {p} items",
            expected=f"at least {p + 1} respondents without a missing answer",
            fix="screen fewer items at a time, or collect more complete answers",
        )
    centred = x - _r_mean(x, axis=0)
    sd = np.sqrt(np.sum(centred**2, axis=0) / (n - 1))
    constant = [str(c) for c, s in zip(columns, sd, strict=True) if s == 0.0]
    if constant:
        raise SurveyDataError(
            "an item without variance makes the covariance matrix singular",
            column=constant[0],
            found=constant,
            expected="items whose answers vary among the complete respondents",
            fix="drop the constant item(s) before this analysis",
        )
    cov = centred.T @ centred / (n - 1)
    condition = float(np.linalg.cond(cov))
    chol = None
    if condition < 1.0 / np.finfo(float).eps:
        try:
            chol = linalg.cholesky(cov, lower=True)
        except linalg.LinAlgError:
            chol = None
    if chol is None:
        raise SurveyDataError(
            "the item covariance matrix is singular: some items are linear combinations of others",
            found=f"condition number {condition:.3g}",
            expected="a positive definite covariance matrix",
            fix="drop duplicated items or sum scores stored as items",
        )
    return linalg.solve_triangular(chol, centred.T, lower=True).T


def _sum_cubed_inner(z: np.ndarray) -> float:
    r"""Return :math:`\sum_{i,j} (z_i \cdot z_j)^3` without forming the n × n matrix.

    With :math:`M_{abc} = \sum_i z_{ia} z_{ib} z_{ic}` the sum equals
    :math:`\sum_{abc} M_{abc}^2`: O(n p³) work and O(p³) memory instead of O(n² p)
    work and O(n²) memory. For many items and few respondents the direct form is
    cheaper and is used, in row blocks.
    """
    n, p = z.shape
    total = 0.0
    if n <= p * p:
        for start in range(0, n, _CHUNK_ROWS):
            g = z[start : start + _CHUNK_ROWS] @ z.T
            total += float(np.sum(g**3))
        return total
    m = np.zeros((p * p, p))
    for start in range(0, n, _CHUNK_ROWS):
        zc = z[start : start + _CHUNK_ROWS]
        outer = (zc[:, :, None] * zc[:, None, :]).reshape(zc.shape[0], p * p)
        m += outer.T @ zc
    return float(np.sum(m**2))


@dataclass(frozen=True, repr=False)
class MardiaResult(DisplayMixin):
    r"""Mardia's multivariate skewness and kurtosis, as ``psych::mardia()`` reports them.

    Attributes
    ----------
    n : int
        Complete respondents used (listwise deletion, as psych's ``na.omit``).
    n_excluded : int
        Respondents left out because of a missing answer.
    n_items : int
        Number of items :math:`p`.
    b1p, b2p : float
        Mardia's multivariate skewness :math:`b_{1,p}` and kurtosis :math:`b_{2,p}`.
    skew : float
        :math:`n\,b_{1,p}/6`, referred to :math:`\chi^2` with ``skew_df`` =
        :math:`p(p+1)(p+2)/6` degrees of freedom; ``skew_pvalue`` its upper tail.
    small_skew, small_skew_pvalue : float
        The small-sample corrected statistic :math:`n\,k\,b_{1,p}/6` and its p-value.
    kurtosis, kurtosis_pvalue : float
        :math:`z = (b_{2,p} - p(p+2)) / \sqrt{8p(p+2)/n}` and its two-sided normal p-value.
    note : str
        Empty when computed; otherwise why the statistics are ``NaN`` (only
        :func:`screen` returns such a result; :func:`mardia` raises instead).
    """

    n: int
    n_excluded: int
    n_items: int
    b1p: float
    b2p: float
    skew: float
    skew_df: float
    skew_pvalue: float
    small_skew: float
    small_skew_pvalue: float
    kurtosis: float
    kurtosis_pvalue: float
    note: str = ""

    _title: ClassVar[str] = "Mardia's multivariate normality tests"

    def _repr_parts(self) -> list[str]:
        return [
            f"n={self.n}",
            f"items={self.n_items}",
            repr_p("skew_p", self.skew_pvalue),
            f"kurtosis_z={self.kurtosis:.3f}",
            repr_p("kurtosis_p", self.kurtosis_pvalue),
        ]

    @property
    def computed(self) -> bool:
        """Whether the statistics could be computed (``note`` is empty)."""
        return not self.note

    def to_frame(self) -> pd.DataFrame:
        """Return the tests as a table.

        Returns
        -------
        DataFrame
            Rows ``skew``, ``small_skew``, ``kurtosis``; columns ``coefficient``
            (:math:`b_{1,p}` or :math:`b_{2,p}`), ``statistic``, ``df`` (``NaN`` for
            the normal kurtosis test), ``pvalue``, ``n``.
        """
        return pd.DataFrame(
            {
                "coefficient": [self.b1p, self.b1p, self.b2p],
                "statistic": [self.skew, self.small_skew, self.kurtosis],
                "df": [self.skew_df, self.skew_df, np.nan],
                "pvalue": [self.skew_pvalue, self.small_skew_pvalue, self.kurtosis_pvalue],
                "n": [self.n] * 3,
            },
            index=pd.Index(["skew", "small_skew", "kurtosis"], name="test"),
        )

    def _header(self) -> list[str]:
        lines = [
            f"complete respondents: {self.n} (excluded: {self.n_excluded}), items: {self.n_items}"
        ]
        if self.note:
            lines.append(f"not computed: {self.note}")
        return lines

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "Tests", self.to_frame()

    @classmethod
    def _unavailable(cls, n: int, n_excluded: int, n_items: int, note: str) -> MardiaResult:
        nan = float("nan")
        df = n_items * (n_items + 1) * (n_items + 2) / 6
        return cls(n, n_excluded, n_items, nan, nan, nan, df, nan, nan, nan, nan, nan, note)


def _mardia(x: np.ndarray, columns: pd.Index) -> MardiaResult:
    complete = ~np.isnan(x).any(axis=1)
    xc = x[complete]
    n, p = xc.shape
    z = _whiten(xc, columns)
    d2 = np.sum(z**2, axis=1)
    b1p = _sum_cubed_inner(z) / n**2
    b2p = float(np.sum(d2**2)) / n
    df = p * (p + 1) * (p + 2) / 6
    k = (p + 1) * (n + 1) * (n + 3) / (n * ((n + 1) * (p + 1) - 6))
    skew = n * b1p / 6
    small = n * k * b1p / 6
    kurt = (b2p - p * (p + 2)) * math.sqrt(n / (8 * p * (p + 2)))
    return MardiaResult(
        n=int(n),
        n_excluded=int(x.shape[0] - n),
        n_items=int(p),
        b1p=float(b1p),
        b2p=b2p,
        skew=float(skew),
        skew_df=float(df),
        skew_pvalue=float(stats.chi2.sf(skew, df)),
        small_skew=float(small),
        small_skew_pvalue=float(stats.chi2.sf(small, df)),
        kurtosis=float(kurt),
        kurtosis_pvalue=float(2.0 * stats.norm.sf(abs(kurt))),
    )


def _warn_dropped(n_dropped: int, n_rows: int, caller: str) -> None:
    if n_dropped:
        warnings.warn(
            f"{caller}(): {n_dropped} of {n_rows} respondents have a missing answer and were "
            "left out (listwise deletion)",
            MissingDataWarning,
            stacklevel=3,
        )


def mardia(data: pd.DataFrame) -> MardiaResult:
    r"""Mardia's tests of multivariate skewness and kurtosis, as ``psych::mardia()``.

    With :math:`\bar x` and :math:`S` the mean vector and covariance matrix (divisor
    :math:`n-1`, as psych uses ``cov``) of the :math:`n` complete respondents, and
    :math:`d_{ij} = (x_i - \bar x)^\top S^{-1} (x_j - \bar x)`:

    .. math::

        b_{1,p} = \frac{1}{n^2}\sum_{i,j} d_{ij}^3, \qquad
        b_{2,p} = \frac{1}{n}\sum_i d_{ii}^2,

        \text{skew} = \frac{n\,b_{1,p}}{6} \sim \chi^2_{p(p+1)(p+2)/6}, \qquad
        \text{small skew} = \frac{n\,k\,b_{1,p}}{6},\;
        k = \frac{(p+1)(n+1)(n+3)}{n\,((n+1)(p+1) - 6)},

        z_{\text{kurtosis}} = \bigl(b_{2,p} - p(p+2)\bigr)\sqrt{\frac{n}{8p(p+2)}}
        \sim N(0, 1)\ \text{(two-sided)}.

    Mardia (1970) defines :math:`S` with divisor :math:`n`; psych's divisor
    :math:`n-1` makes :math:`b_{1,p}` smaller by the factor :math:`((n-1)/n)^3` and
    :math:`b_{2,p}` by :math:`((n-1)/n)^2`. We follow psych so the numbers match the
    R output readers know. Under normality :math:`b_{2,p} \approx p(p+2)`.

    Parameters
    ----------
    data : DataFrame
        Item scores, ``NaN`` = missing. Respondents with any missing answer are left
        out (listwise, as ``psych::mardia`` does with ``na.omit``); a
        :class:`~loyaltysem.errors.MissingDataWarning` says how many.

    Returns
    -------
    MardiaResult
        The statistics, their p-values and the number of respondents used.

    Raises
    ------
    SurveyDataError
        If fewer complete respondents than items + 1 remain, an item is constant among
        them, or the covariance matrix is otherwise singular (R's ``solve`` would fail).

    Notes
    -----
    The kurtosis p-value is ``2 * norm.sf(|z|)``, the same number as psych's
    ``2 * (1 - pnorm(abs(z)))`` but without its loss of precision for tiny p. The
    skewness double sum is computed without the :math:`n \times n` matrix psych forms
    (see the source), so large samples fit in memory.

    References
    ----------
    .. [1] Mardia, K. V. (1970). Measures of multivariate skewness and kurtosis with
       applications. *Biometrika*, 57(3), 519–530.
    .. [2] Mardia, K. V. (1974). Applications of some measures of multivariate
       skewness and kurtosis in testing normality and robustness studies.
       *Sankhyā B*, 36(2), 115–128.
    .. [3] Revelle, W. (2022). *psych* (R package 2.2.9), ``mardia``.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from loyaltysem.survey.screening import mardia
    >>> rng = np.random.default_rng(1)
    >>> data = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    >>> m = mardia(data)  # In R: psych::mardia(data, plot = FALSE)
    >>> m.n, m.skew_df
    (200, 10.0)
    >>> bool(m.skew_pvalue > 0.001), bool(m.kurtosis_pvalue > 0.001)
    (True, True)
    """
    x, frame = _as_items(data, "mardia")
    result = _mardia(x, frame.columns)
    _warn_dropped(result.n_excluded, x.shape[0], "mardia")
    return result


def _mahalanobis(x: np.ndarray, columns: pd.Index, alpha: float) -> pd.DataFrame:
    n_rows, p = x.shape
    complete = ~np.isnan(x).any(axis=1)
    d2 = np.full(n_rows, np.nan)
    z = _whiten(x[complete], columns)
    d2[complete] = np.sum(z**2, axis=1)
    critical = stats.chi2.isf(alpha, p)
    return pd.DataFrame(
        {
            "d2": d2,
            "df": np.full(n_rows, p, dtype=np.int64),
            "pvalue": stats.chi2.sf(d2, p),
            "flagged": np.where(complete, d2 > critical, False),
            "complete": complete,
        }
    )


def mahalanobis(data: pd.DataFrame, *, alpha: float = DEFAULT_MAHALANOBIS_ALPHA) -> pd.DataFrame:
    r"""Squared Mahalanobis distance of each respondent from the centroid.

    .. math:: D_i^2 = (x_i - \bar x)^\top S^{-1} (x_i - \bar x)

    with :math:`\bar x` and :math:`S` (divisor :math:`n-1`) from the complete
    respondents, exactly ``stats::mahalanobis(x, colMeans(x), cov(x))``. Under
    multivariate normality :math:`D_i^2 \sim \chi^2_p` approximately (:math:`p` =
    number of items); a respondent is flagged when :math:`D_i^2` exceeds the
    :math:`\chi^2_p` quantile :math:`1 - \alpha`, i.e. ``pvalue < alpha``.

    Parameters
    ----------
    data : DataFrame
        Item scores, ``NaN`` = missing.
    alpha : float, default 0.001
        Significance level of the :math:`\chi^2` reference. The default p < .001 is
        the conservative criterion of Tabachnick & Fidell (2013, §4.1.4).

    Returns
    -------
    DataFrame
        Indexed like ``data``: ``d2``, ``df`` (= :math:`p`), ``pvalue`` (upper
        :math:`\chi^2_p` tail), ``flagged`` (bool), ``complete`` (bool). A respondent
        with a missing answer gets ``NaN`` distance and p-value, ``flagged = False`` and
        ``complete = False``; a :class:`~loyaltysem.errors.MissingDataWarning` says how
        many.

    Raises
    ------
    SurveyDataError
        If ``alpha`` is not in (0, 1), respondent ids repeat, fewer complete
        respondents than items + 1 remain, or the covariance matrix is singular
        (e.g. a constant item).

    References
    ----------
    .. [1] Mahalanobis, P. C. (1936). On the generalised distance in statistics.
       *Proceedings of the National Institute of Sciences of India*, 2, 49–55.
    .. [2] Tabachnick, B. G., & Fidell, L. S. (2013). *Using multivariate statistics*
       (6th ed.). Pearson. §4.1.4.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from loyaltysem.survey.screening import mahalanobis
    >>> rng = np.random.default_rng(7)
    >>> data = pd.DataFrame(rng.normal(size=(100, 3)), columns=["a", "b", "c"])
    >>> data.iloc[0] = [6.0, -6.0, 6.0]
    >>> table = mahalanobis(data)  # In R: stats::mahalanobis(data, colMeans(data), cov(data))
    >>> table.columns.tolist()
    ['d2', 'df', 'pvalue', 'flagged', 'complete']
    >>> table.index[table["flagged"]].tolist()
    [0]
    """
    alpha = _check_alpha(alpha, "alpha")
    x, frame = _as_items(data, "mahalanobis")
    _check_respondents(frame)
    table = _mahalanobis(x, frame.columns, alpha)
    table.index = frame.index
    _warn_dropped(int((~table["complete"]).sum()), x.shape[0], "mahalanobis")
    return table


# --------------------------------------------------------------------------- speeders

_NUM = r"(\d+(?:\.\d+)?)"
_UNIT_PATTERN = re.compile(
    rf"^(?:{_NUM}\s*(?:天|days?|d)\s*)?"
    rf"(?:{_NUM}\s*(?:小时|時|时|hours?|hrs?|h)\s*)?"
    rf"(?:{_NUM}\s*(?:分钟|分鐘|分|minutes?|mins?|m)\s*)?"
    rf"(?:{_NUM}\s*(?:秒钟|秒鐘|秒|seconds?|secs?|s))?$"
)
_CLOCK_PATTERN = re.compile(r"^(\d+):([0-5]?\d):([0-5]?\d(?:\.\d+)?)$")
_TIMESTAMP_PATTERN = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s+|T)(\d{1,2})\s*[:时時]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2}(?:\.\d+)?)\s*秒?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_DURATION_FORMS = (
    "seconds as a number (230, 230.5), with units (230秒, 3分50秒, 1小时2分3秒, 3m50s) or "
    "a clock time h:mm:ss (00:03:50)"
)
_TIMESTAMP_FORMS = (
    "a date and time such as 2024/5/6 10:11:12, 2024-05-06 10:11:12, 2024-05-06T10:11:12+08:00 "
    "or 2024年5月6日 10:11:12"
)


def _is_missing_cell(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def parse_duration(value: object) -> float:
    """Read a completion time as a survey platform exports it, in seconds.

    Parameters
    ----------
    value : object
        A number of seconds (Qualtrics ``Duration (in seconds)``); text with units
        as 问卷星 and 腾讯问卷 write it (``230秒``, ``3分50秒``, ``1小时2分3秒``, also
        ``3m50s`` and ``1h 2m 3s``); a clock time ``h:mm:ss`` (``00:03:50``); or a
        :class:`datetime.timedelta` / :class:`datetime.time` (a duration cell of an
        Excel sheet). Full-width digits are accepted (Unicode NFKC).

    Returns
    -------
    float
        Seconds, ``>= 0``; ``NaN`` for an empty cell (``None``, ``NaN``, blank text).

    Raises
    ------
    SurveyDataError
        If the value is none of the forms above, is negative or not finite. A clock
        time with two parts (``3:50``) is refused: it could be minutes:seconds or
        hours:minutes.

    Examples
    --------
    >>> from loyaltysem.survey.screening import parse_duration
    >>> [parse_duration(v) for v in (230, "230秒", "3分50秒", "1小时2分3秒", "00:03:50")]
    [230.0, 230.0, 230.0, 3723.0, 230.0]
    >>> parse_duration("")
    nan
    """
    if _is_missing_cell(value):
        return math.nan
    if isinstance(value, (bool, np.bool_)):
        raise SurveyDataError(
            "a true/false value is not a completion time",
            found=value,
            expected=_DURATION_FORMS,
            fix="give the duration column seconds or a duration as exported",
        )
    if isinstance(value, (_dt.timedelta, pd.Timedelta, np.timedelta64)):
        seconds = pd.Timedelta(value).total_seconds()
    elif isinstance(value, _dt.time):
        seconds = value.hour * 3600.0 + value.minute * 60.0 + value.second
        seconds += value.microsecond / 1e6
    elif isinstance(value, (int, float, np.integer, np.floating)):
        seconds = float(value)
    else:
        seconds = _parse_duration_text(value)
    if not math.isfinite(seconds) or seconds < 0:
        raise SurveyDataError(
            "a completion time must be a finite number of seconds, zero or more",
            found=value,
            expected=_DURATION_FORMS,
            fix="correct the cell, or leave it empty if the time is unknown",
        )
    return float(seconds)


def _parse_duration_text(value: object) -> float:
    text = unicodedata.normalize("NFKC", str(value)).strip().casefold()
    try:
        return float(text)
    except ValueError:
        pass
    clock = _CLOCK_PATTERN.match(text)
    if clock:
        h, m, s = clock.groups()
        return int(h) * 3600.0 + int(m) * 60.0 + float(s)
    units = _UNIT_PATTERN.match(text)
    if text and units and any(g is not None for g in units.groups()):
        d, h, m, s = (float(g) if g is not None else 0.0 for g in units.groups())
        return ((d * 24.0 + h) * 60.0 + m) * 60.0 + s
    raise SurveyDataError(
        "not a completion time",
        found=value,
        expected=_DURATION_FORMS,
        fix="correct the cell, or leave it empty if the time is unknown",
    )


def parse_timestamp(value: object) -> tuple[float, bool]:
    """Read a start or end time as exported, as seconds on a common clock.

    Parameters
    ----------
    value : object
        Text such as 问卷星's ``2024/5/6 10:11:12``, 腾讯问卷's and Qualtrics'
        ``2024-05-06 10:11:12``, ISO 8601 ``2024-05-06T10:11:12+08:00`` or
        ``2024年5月6日 10:11:12``; or a :class:`datetime.datetime` /
        :class:`pandas.Timestamp` (a date cell of an Excel, SPSS or Stata file).

    Returns
    -------
    tuple of (float, bool)
        Seconds since 1970-01-01 (in UTC when the value carries a time-zone offset,
        else on the clock as written) and whether an offset was given; ``(nan,
        False)`` for an empty cell. Only differences of two such numbers are meaningful.

    Raises
    ------
    SurveyDataError
        If the value has no time of day, or is not a date and time in the forms
        above (a bare number is refused: an Excel serial date or a Unix time cannot
        be told apart).

    Examples
    --------
    >>> from loyaltysem.survey.screening import parse_timestamp
    >>> start, _ = parse_timestamp("2024/5/6 10:11:12")
    >>> end, _ = parse_timestamp("2024-05-06 10:15:02")
    >>> end - start
    230.0
    """
    if _is_missing_cell(value):
        return math.nan, False
    if isinstance(value, (_dt.datetime, pd.Timestamp, np.datetime64)):
        stamp = pd.Timestamp(value)
        if stamp is pd.NaT:
            return math.nan, False
        aware = stamp.tzinfo is not None
        if aware:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        return (stamp - pd.Timestamp(1970, 1, 1)).total_seconds(), aware
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _TIMESTAMP_PATTERN.match(text) if isinstance(value, str) else None
    if match is None:
        raise SurveyDataError(
            "not a date and time",
            found=value,
            expected=_TIMESTAMP_FORMS,
            fix="correct the cell, or leave it empty if the time is unknown",
        )
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        stamp = pd.Timestamp(
            int(year), int(month), int(day), int(hour), int(minute)
        ) + pd.Timedelta(seconds=float(second or 0.0))
        if int(hour) > 23 or int(minute) > 59 or float(second or 0.0) >= 60:
            raise ValueError("time of day out of range")
    except ValueError as err:
        raise SurveyDataError(
            f"not a valid date and time ({err})",
            found=value,
            expected=_TIMESTAMP_FORMS,
            fix="correct the cell, or leave it empty if the time is unknown",
        ) from None
    seconds = (stamp - pd.Timestamp(1970, 1, 1)).total_seconds()
    if zone is None:
        return seconds, False
    if zone.upper() != "Z":
        sign = -1.0 if zone[0] == "-" else 1.0
        digits = zone[1:].replace(":", "")
        seconds -= sign * (int(digits[:2]) * 3600.0 + int(digits[2:]) * 60.0)
    return seconds, True


def _located(err: SurveyDataError, *, file: str | None, row: int | None, column: str) -> Any:
    return SurveyDataError(
        err.reason,
        file=file,
        row=row,
        column=column,
        found=err.found,
        expected=err.expected,
        fix=err.fix,
    )


def _row_of(rows: pd.Series | None, key: Any, pos: int) -> int:
    if rows is None:
        return pos + 1
    return int(rows.loc[key])


def completion_times(
    *,
    duration: pd.Series | None = None,
    start: pd.Series | None = None,
    end: pd.Series | None = None,
    rows: pd.Series | None = None,
    file: str | None = None,
) -> pd.Series:
    """Completion time of each respondent in seconds, from the exported columns.

    Give either ``duration`` (the platform's time taken: 问卷星 ``所用时间``,
    腾讯问卷 ``答题时长``, Qualtrics ``Duration (in seconds)``) or both ``start`` and
    ``end`` (submission times; the time is ``end - start``).

    Parameters
    ----------
    duration : Series, optional
        Cells as exported, read by :func:`parse_duration`; the Series name is the
        column named in errors.
    start, end : Series, optional
        Cells as exported, read by :func:`parse_timestamp`, indexed like each other.
    rows : Series, optional
        Respondent → row number as the user sees it in the file (``Survey.rows``),
        for error messages; default: position + 1.
    file : str, optional
        File named in error messages.

    Returns
    -------
    Series
        Named ``seconds``, float, indexed like the input; ``NaN`` where a cell is empty.

    Raises
    ------
    SurveyDataError
        If neither ``duration`` nor ``start`` and ``end`` is given, or a cell cannot be
        read (the error names the file, row, column and value), or an end time comes
        before its start time, or only one of start and end carries a time zone.

    Examples
    --------
    >>> import pandas as pd
    >>> from loyaltysem.survey.screening import completion_times
    >>> completion_times(duration=pd.Series(["230秒", "3分50秒", None], name="所用时间"))
    0    230.0
    1    230.0
    2      NaN
    Name: seconds, dtype: float64
    >>> start = pd.Series(["2024/5/6 10:11:12"], name="开始答题时间")
    >>> end = pd.Series(["2024/5/6 10:12:02"], name="结束答题时间")
    >>> completion_times(start=start, end=end).tolist()
    [50.0]
    """

    def check(series: object, name: str) -> pd.Series:
        if not isinstance(series, pd.Series):
            raise SurveyDataError(
                f"{name} must be a pandas Series",
                found=type(series).__name__,
                expected="one cell per respondent",
                fix=f"pass a column, e.g. {name}=frame['...']",
            )
        return series

    if duration is not None:
        duration = check(duration, "duration")
        column = str(duration.name)
        out = np.empty(len(duration))
        for pos, (key, cell) in enumerate(duration.items()):
            try:
                out[pos] = parse_duration(cell)
            except SurveyDataError as err:
                raise _located(err, file=file, row=_row_of(rows, key, pos), column=column) from None
        return pd.Series(out, index=duration.index, name="seconds")
    if start is None or end is None:
        raise SurveyDataError(
            "a completion time needs a duration column, or a start and an end column",
            found=f"duration: none, start: {start is not None}, end: {end is not None}",
            expected="duration=..., or start=... and end=...",
            fix="give the codebook a column with role 'duration', or roles 'start' and 'end'",
        )
    start, end = check(start, "start"), check(end, "end")
    if not start.index.equals(end.index):
        raise SurveyDataError(
            "start and end are not indexed alike",
            found=f"{len(start)} and {len(end)} rows",
            expected="the same respondents in the same order",
            fix="take both columns from the same frame",
        )
    out = np.empty(len(start))
    for pos, (key, first, last) in enumerate(zip(start.index, start, end, strict=True)):
        row = _row_of(rows, key, pos)
        stamps = []
        for series, cell in ((start, first), (end, last)):
            try:
                stamps.append(parse_timestamp(cell))
            except SurveyDataError as err:
                raise _located(err, file=file, row=row, column=str(series.name)) from None
        (t0, aware0), (t1, aware1) = stamps
        if math.isnan(t0) or math.isnan(t1):
            out[pos] = math.nan
            continue
        if aware0 != aware1:
            raise SurveyDataError(
                "only one of the start and end times gives a time zone",
                file=file,
                row=row,
                column=str(end.name),
                found=f"start {first!r}, end {last!r}",
                expected="both times with a time-zone offset, or neither",
                fix="write both times on the same clock",
            )
        if t1 < t0:
            raise SurveyDataError(
                "the end time is before the start time",
                file=file,
                row=row,
                column=str(end.name),
                found=f"start {first!r}, end {last!r}",
                expected="an end time at or after the start time",
                fix="check that the start and end columns are not swapped, and correct the cell",
            )
        out[pos] = t1 - t0
    return pd.Series(out, index=start.index, name="seconds")


def speeders(durations: pd.Series, *, fraction: float = DEFAULT_SPEEDER_FRACTION) -> pd.DataFrame:
    r"""Flag respondents who finished much faster than the typical respondent.

    A respondent is a speeder when their completion time is below ``fraction`` times
    the median completion time of the sample (respondents with a time):

    .. math:: \text{speeder}_i \iff t_i < f \cdot \operatorname{median}(t)

    Parameters
    ----------
    durations : Series
        Completion times in seconds (e.g. from ``completion_times()``), ``NaN`` if
        unknown; indexed by respondent.
    fraction : float, default 0.3
        The cut-off as a share of the median, ``0 < fraction < 1``. The default
        follows Greszki, Meyer & Schoen (2015), who mark as speeders respondents
        faster than 30 % of the median time (they also report 40 %).
        Leiner's (2019) relative speed index cut-off of 2 corresponds to
        ``fraction=0.5`` for a one-page time.

    Returns
    -------
    DataFrame
        Indexed like ``durations``: ``seconds``, ``relative`` (seconds / median) and
        ``flagged``; a respondent without a time has ``NaN`` and is not flagged.

    Raises
    ------
    SurveyDataError
        If ``durations`` is not a numeric Series of finite, non-negative seconds (or
        ``NaN``), has no time at all, or ``fraction`` is not in (0, 1).

    References
    ----------
    .. [1] Greszki, R., Meyer, M., & Schoen, H. (2015). Exploring the effects of
       removing "too fast" responses and respondents from web surveys. *Public
       Opinion Quarterly*, 79(2), 471–503.
    .. [2] Leiner, D. J. (2019). Too fast, too straight, too weird: Non-reactive
       indicators for meaningless data in internet surveys. *Survey Research
       Methods*, 13(3), 229–248.

    Examples
    --------
    >>> import pandas as pd
    >>> from loyaltysem.survey.screening import speeders
    >>> t = pd.Series([300.0, 280.0, 320.0, 60.0, 410.0], index=list("abcde"))
    >>> speeders(t)  # median 300 s: faster than 90 s is flagged
       seconds  relative  flagged
    a    300.0  1.000000    False
    b    280.0  0.933333    False
    c    320.0  1.066667    False
    d     60.0  0.200000     True
    e    410.0  1.366667    False
    """
    value = _check_number(fraction, "speeder_fraction", 0.0, 1.0, "speeder_fraction=0.3")
    if not 0.0 < value < 1.0:
        raise SurveyDataError(
            "speeder_fraction is out of range",
            found=fraction,
            expected="0 < speeder_fraction < 1",
            fix="speeder_fraction=0.3",
        )
    if not isinstance(durations, pd.Series) or not (
        pd.api.types.is_numeric_dtype(durations) and not pd.api.types.is_bool_dtype(durations)
    ):
        raise SurveyDataError(
            "completion times must be a numeric Series of seconds",
            found=getattr(durations, "dtype", type(durations).__name__),
            expected="float seconds, NaN where unknown",
            fix="convert the exported column with completion_times(duration=...)",
        )
    t = durations.to_numpy(dtype=float, na_value=np.nan)
    bad = np.isinf(t) | (t < 0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise SurveyDataError(
            "completion times must be finite and not negative",
            row=None,
            found={str(durations.index[pos]): t[pos]},
            expected="seconds >= 0, or NaN where unknown",
            fix="correct the time, or set it to NaN",
        )
    known = ~np.isnan(t)
    if not known.any():
        raise SurveyDataError(
            "no respondent has a completion time",
            found=f"{len(t)} empty times",
            expected="at least one time in seconds",
            fix="check the duration column, or do not screen for speeders",
        )
    median = float(np.median(t[known]))
    relative = t / median if median > 0 else np.full(len(t), np.nan)
    flagged = np.where(known, t < value * median, False)
    return pd.DataFrame(
        {"seconds": t, "relative": relative, "flagged": flagged.astype(bool)},
        index=durations.index,
    )


# --------------------------------------------------------------------------- screen


def _bounds(
    bound: float | Mapping[str, float] | None, columns: pd.Index, name: str
) -> dict[Any, float]:
    """Per-item bound from a scalar or a mapping; items without a bound are left out."""
    if bound is None:
        return {}
    if isinstance(bound, Mapping):
        unknown = [k for k in bound if k not in columns]
        if unknown:
            raise SurveyDataError(
                f"{name} names items that are not in the data",
                found=unknown,
                expected=f"some of {list(map(str, columns))}",
                fix=f"correct the item names in {name}",
            )
        out = {}
        for key, value in bound.items():
            out[key] = _check_number(
                value, f"{name}[{key!r}]", -math.inf, math.inf, "give a number"
            )
            if not math.isfinite(out[key]):
                raise SurveyDataError(
                    f"{name}[{key!r}] must be finite", found=value, expected="a finite number"
                )
        return out
    value = _check_number(bound, name, -math.inf, math.inf, f"{name}=1")
    if not math.isfinite(value):
        raise SurveyDataError(f"{name} must be finite", found=bound, expected="a finite number")
    return dict.fromkeys(columns, value)


@dataclass(frozen=True)
class ScreeningPolicy:
    """The thresholds a :class:`ScreeningReport` was computed with.

    Attributes
    ----------
    item_min, item_max : Mapping
        Lowest and highest valid score per item (read-only); items without a bound
        are absent and their out-of-range count is missing.
    longstring_max : int
        Longest acceptable run of identical answers; longer runs are flagged.
    irv_min : float
        Respondents whose IRV is at or below this value are flagged.
    mahalanobis_alpha : float
        Significance level of the Mahalanobis :math:`D^2` outlier test.
    max_missing_pct : float
        Largest acceptable percentage of unanswered items per respondent.
    reverse_keyed : tuple
        Reverse-keyed items, turned back to the answers as given (``min + max - x``)
        before the careless-responding indices are computed.
    speeder_fraction : float
        Respondents faster than this share of the median completion time are flagged.
    """

    item_min: Mapping[Any, float]
    item_max: Mapping[Any, float]
    longstring_max: int
    irv_min: float
    mahalanobis_alpha: float
    max_missing_pct: float
    reverse_keyed: tuple[Any, ...] = ()
    speeder_fraction: float = DEFAULT_SPEEDER_FRACTION

    def to_dict(self) -> dict[str, Any]:
        """Return the policy as plain, JSON-safe Python values."""
        return {
            "item_min": {str(k): v for k, v in self.item_min.items()},
            "item_max": {str(k): v for k, v in self.item_max.items()},
            "longstring_max": self.longstring_max,
            "irv_min": self.irv_min,
            "mahalanobis_alpha": self.mahalanobis_alpha,
            "max_missing_pct": self.max_missing_pct,
            "reverse_keyed": [str(k) for k in self.reverse_keyed],
            "speeder_fraction": self.speeder_fraction,
        }


@dataclass(frozen=True, eq=False, repr=False)
class ScreeningReport(DisplayMixin):
    """Everything :func:`screen` found, at full precision.

    Attributes
    ----------
    n : int
        Respondents screened.
    n_items : int
        Items screened.
    items : DataFrame
        :func:`describe` per item plus ``out_of_range`` (nullable integer: answers
        below ``item_min`` or above ``item_max``; missing where the item has no bound).
    missing : DataFrame
        Per respondent: ``n_answered``, ``n_missing``, ``missing_pct`` (percent of
        items) and ``flagged`` (``missing_pct > policy.max_missing_pct``).
    mardia : MardiaResult
        Mardia's tests on the complete respondents; ``NaN`` with a ``note`` if they
        cannot be computed (e.g. a constant item).
    careless : DataFrame
        Per respondent, on the answers as given (reverse-keyed items turned back, see
        ``policy.reverse_keyed``): ``longstring``, ``irv``, ``longstring_flag``
        (``longstring > policy.longstring_max``), ``irv_flag``
        (``irv <= policy.irv_min``) and ``flagged`` (either).
    outliers : DataFrame
        ``mahalanobis()`` at ``policy.mahalanobis_alpha``.
    speeders : DataFrame
        Per respondent (``speeders()``): ``seconds`` (completion time),
        ``relative`` (seconds / median) and ``flagged`` (faster than
        ``policy.speeder_fraction`` of the median). Without completion times every
        value is ``NaN``, nobody is flagged and ``notes`` says so.
    policy : ScreeningPolicy
        The thresholds used.
    notes : tuple of str
        What could not be computed and why.
    speed_source : str or None
        Where the completion times came from (e.g. the column ``所用时间``); ``None``
        when the speeder screen was not run.
    """

    n: int
    n_items: int
    items: pd.DataFrame
    missing: pd.DataFrame
    mardia: MardiaResult
    careless: pd.DataFrame
    outliers: pd.DataFrame
    speeders: pd.DataFrame
    policy: ScreeningPolicy
    notes: tuple[str, ...] = field(default=())
    speed_source: str | None = None

    _title: ClassVar[str] = "Screening report"

    @property
    def speeders_screened(self) -> bool:
        """Whether completion times were screened (``False``: no duration data)."""
        return self.speed_source is not None

    def exclusions(
        self,
        *,
        careless: bool = True,
        outliers: bool = False,
        max_missing_pct: float | None = None,
        speeders: bool | None = None,
    ) -> pd.DataFrame:
        """List the respondents a policy excludes, with every reason.

        Parameters
        ----------
        careless : bool, default True
            Exclude respondents flagged by long strings or low IRV (reasons
            ``longstring`` and ``irv``).
        outliers : bool, default False
            Exclude multivariate outliers (reason ``outlier``). Off by default: an
            outlier is not an error, and Tabachnick & Fidell (2013) advise inspecting
            it first.
        max_missing_pct : float, optional
            Exclude respondents missing more than this percentage of the items (reason
            ``missing``). Default: the report's ``policy.max_missing_pct``; pass 100
            to exclude nobody for missingness.
        speeders : bool, optional
            Exclude respondents faster than ``policy.speeder_fraction`` of the median
            completion time (reason ``speeder``). Default: yes when completion times
            were screened (:attr:`speeders_screened`), else the column is absent;
            ``True`` without completion times is an error, ``False`` leaves them in.

        Returns
        -------
        DataFrame
            Only the excluded respondents, indexed by respondent id: one boolean
            column per reason considered (``missing``, then ``longstring``, ``irv``
            if ``careless``, ``speeder`` if speeders are considered, ``outlier`` if
            ``outliers``) and ``reasons``, the true reasons joined by ``"; "``.

        Raises
        ------
        SurveyDataError
            If ``max_missing_pct`` is not a number between 0 and 100, or
            ``speeders=True`` although the report has no completion times.

        Examples
        --------
        >>> import numpy as np
        >>> import pandas as pd
        >>> from loyaltysem.survey.screening import screen
        >>> nan = np.nan
        >>> data = pd.DataFrame(
        ...     {"Q1": [1, 2, 4, 5, 5, 3, 6], "Q2": [2, 2, 5, 4, 5, 3, 6],
        ...      "Q3": [3, 4, 4, 6, 5, nan, 6], "Q4": [1, 3, 5, 9, 5, nan, 6],
        ...      "Q5": [2, 3, 4, 5, 5, nan, 6], "Q6": [1, 4, 3, 5, 5, 3, 6]},
        ...     index=pd.Index(list("abcdefg"), name="rid"),
        ... )
        >>> screen(data).exclusions()
             missing  longstring   irv          reasons
        rid
        e      False        True  True  longstring; irv
        f       True       False  True     missing; irv
        g      False        True  True  longstring; irv
        """
        if max_missing_pct is None:
            threshold = self.policy.max_missing_pct
        else:
            threshold = _check_number(
                max_missing_pct, "max_missing_pct", 0.0, 100.0, "max_missing_pct=15"
            )
        flags = {"missing": (self.missing["missing_pct"] > threshold).to_numpy(dtype=bool)}
        if careless:
            flags["longstring"] = self.careless["longstring_flag"].to_numpy(dtype=bool)
            flags["irv"] = self.careless["irv_flag"].to_numpy(dtype=bool)
        if speeders and not self.speeders_screened:
            raise SurveyDataError(
                "speeders=True, but this report has no completion times",
                found="no duration, start or end column was screened",
                expected="a report computed with completion times",
                fix="give the codebook a column with role 'duration' (or 'start' and 'end'), "
                "or leave speeders unset",
            )
        if speeders or (speeders is None and self.speeders_screened):
            flags["speeder"] = self.speeders["flagged"].to_numpy(dtype=bool)
        if outliers:
            flags["outlier"] = self.outliers["flagged"].to_numpy(dtype=bool)
        table = pd.DataFrame(flags, index=self.missing.index)
        table = table.loc[table.any(axis=1)].copy()
        names = np.array(list(flags))
        table["reasons"] = ["; ".join(names[row]) for row in table[list(flags)].to_numpy()]
        return table

    def __repr__(self) -> str:
        return (
            f"<ScreeningReport n={self.n} items={self.n_items} "
            f"missing_flagged={int(self.missing['flagged'].sum())} "
            f"careless_flagged={int(self.careless['flagged'].sum())} "
            f"speeders_flagged={self._speeder_count()} "
            f"outliers_flagged={int(self.outliers['flagged'].sum())}>"
        )

    def _header(self) -> list[str]:
        p = self.policy
        complete = int(self.outliers["complete"].sum())
        lines = [
            f"respondents: {self.n}, items: {self.n_items}, complete respondents: {complete}",
            f"policy: longstring > {p.longstring_max}, IRV <= {p.irv_min}, "
            f"Mahalanobis p < {p.mahalanobis_alpha}, missing > {p.max_missing_pct}%",
        ]
        if p.reverse_keyed:
            keyed = ", ".join(map(str, p.reverse_keyed))
            lines.append(
                f"careless indices on the answers as given (reverse keying of {keyed} undone)"
            )
        if self.speeders_screened:
            median = float(np.nanmedian(self.speeders["seconds"].to_numpy(dtype=float)))
            lines.append(
                f"speeders: faster than {p.speeder_fraction:g} x the median time "
                f"({median:.0f} s), times from {self.speed_source}"
            )
        lines += [f"note: {note}" for note in self.notes]
        return lines

    def _speeder_count(self) -> str:
        if not self.speeders_screened:
            return "n/a"
        return str(int(self.speeders["flagged"].sum()))

    def _flag_counts(self) -> pd.DataFrame:
        counts = {
            "missing": int(self.missing["flagged"].sum()),
            "longstring": int(self.careless["longstring_flag"].sum()),
            "irv": int(self.careless["irv_flag"].sum()),
            "careless (either)": int(self.careless["flagged"].sum()),
            "speeder": self._speeder_count(),
            "outlier": int(self.outliers["flagged"].sum()),
        }
        return pd.DataFrame({"respondents": counts}).rename_axis("flag")

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "Items", self.items
        yield "Respondents flagged", self._flag_counts()
        yield "Mardia's multivariate normality tests", self.mardia.to_frame()


def screen(
    data: pd.DataFrame,
    *,
    item_min: float | Mapping[str, float] | None = None,
    item_max: float | Mapping[str, float] | None = None,
    longstring_max: int | None = None,
    irv_min: float | None = None,
    mahalanobis_alpha: float = DEFAULT_MAHALANOBIS_ALPHA,
    max_missing_pct: float | None = None,
    reverse_keyed: Iterable[Any] = (),
    durations: pd.Series | None = None,
    speeder_fraction: float = DEFAULT_SPEEDER_FRACTION,
) -> ScreeningReport:
    r"""Screen survey items and respondents under a stated policy.

    Runs :func:`describe`, counts out-of-range answers, per-respondent missingness,
    ``longstring()``, ``irv()``, ``mahalanobis()`` and :func:`mardia`, flags
    speeders when completion times are given (``speeders()``), and flags
    respondents by the thresholds below. Nothing is excluded here:
    :meth:`ScreeningReport.exclusions` lists whom a policy would exclude.

    Parameters
    ----------
    data : DataFrame
        Item scores (reverse-coded), one column per item in presentation order,
        ``NaN`` = missing, unique respondent ids as index, at least two respondents.
    item_min, item_max : float or mapping of item to float, optional
        Valid score range, one value for all items or per item (e.g. from the
        codebook). Answers outside are counted in ``items["out_of_range"]``.
    longstring_max : int, optional
        Longest acceptable run of identical consecutive answers; longer runs are
        flagged. Default: ``ceil(k / 2) - 1`` for ``k`` items, i.e. a run as long as
        half the questionnaire or longer is flagged (Curran 2016: a string of
        identical answers at least half the length of the scale; Johnson 2005
        introduced the index). Measured on simulated attentive respondents of the
        default 29-item, 7-point instrument this flags about 1 in 1,500; with a short
        questionnaire (under about 15 items) in construct blocks, attentive
        respondents repeat answers often: set it for your questionnaire.
    irv_min : float, optional
        Respondents whose IRV is at or below this are flagged. Default 0: only
        respondents with no variability at all (the same answer to every item they
        answered, as given). Dunn et al. (2018) flag the lowest IRVs of a sample;
        there is no sample-free cut-off, so raise this deliberately, e.g. to a low
        percentile of ``report.careless["irv"]``.
    mahalanobis_alpha : float, default 0.001
        Respondents with Mahalanobis :math:`D^2` beyond the :math:`\chi^2_k` quantile
        ``1 - alpha`` are flagged as multivariate outliers (Tabachnick & Fidell 2013).
    max_missing_pct : float, optional
        Respondents missing more than this percentage of the items are flagged.
        Default 15 (Hair et al. 2017: an observation with more than 15 % missing
        answers is typically removed).
    reverse_keyed : iterable of item names, optional
        Items ``data`` holds reverse-keyed. The careless-responding indices are
        computed on the answers as given: these items are turned back with
        ``item_min + item_max - x`` (reverse keying is its own inverse), so a
        respondent who gave one answer throughout has IRV 0 and a long string of all
        items. Each needs both bounds. :meth:`Survey.screen` passes the codebook's.
    durations : Series, optional
        Completion time of each respondent in seconds (``NaN`` if unknown), indexed
        like ``data`` (e.g. from ``completion_times()``); its name is reported as
        the source. Without it the speeder screen is not run and ``report.notes``
        says so.
    speeder_fraction : float, default 0.3
        Respondents faster than this share of the median completion time are
        flagged as speeders (Greszki, Meyer & Schoen 2015; see ``speeders()``).

    Returns
    -------
    ScreeningReport
        Item table, respondent tables, Mardia's tests and the policy used.

    Raises
    ------
    SurveyDataError
        If ``data`` is not a valid item frame, has fewer than two respondents,
        repeats respondent ids, or an option is out of range (e.g. a bound names an
        item not in the data).

    Notes
    -----
    Mardia's tests and Mahalanobis distances use the complete respondents only. If
    they cannot be computed (a constant item, fewer complete respondents than items
    + 1, linearly dependent items), the report still comes back: distances and
    Mardia statistics are ``NaN``, nobody is flagged as an outlier, and
    ``report.notes`` says why.

    References
    ----------
    .. [1] Curran, P. G. (2016). Methods for the detection of carelessly invalid
       responses in survey data. *Journal of Experimental Social Psychology*, 66, 4–19.
    .. [2] Johnson, J. A. (2005). Ascertaining the validity of individual protocols
       from web-based personality inventories. *Journal of Research in Personality*,
       39(1), 103–129.
    .. [3] Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in
       survey data. *Psychological Methods*, 17(3), 437–455.
    .. [4] Dunn, A. M., Heggestad, E. D., Shanock, L. R., & Theilgard, N. (2018).
       Intra-individual response variability as an indicator of insufficient effort
       responding. *Journal of Business and Psychology*, 33(1), 105–121.
    .. [5] Tabachnick, B. G., & Fidell, L. S. (2013). *Using multivariate statistics*
       (6th ed.). Pearson. §4.1.4.
    .. [6] Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2017). *A primer
       on partial least squares structural equation modeling (PLS-SEM)* (2nd ed.).
       Sage. Ch. 2.
    .. [7] Greszki, R., Meyer, M., & Schoen, H. (2015). Exploring the effects of
       removing "too fast" responses and respondents from web surveys. *Public
       Opinion Quarterly*, 79(2), 471–503.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from loyaltysem.survey.screening import screen
    >>> nan = np.nan
    >>> data = pd.DataFrame(
    ...     {"Q1": [1, 2, 4, 5, 5, 3, 6], "Q2": [2, 2, 5, 4, 5, 3, 6],
    ...      "Q3": [3, 4, 4, 6, 5, nan, 6], "Q4": [1, 3, 5, 9, 5, nan, 6],
    ...      "Q5": [2, 3, 4, 5, 5, nan, 6], "Q6": [1, 4, 3, 5, 5, 3, 6]},
    ...     index=pd.Index(list("abcdefg"), name="rid"),
    ... )
    >>> report = screen(data, item_min=1, item_max=7)  # Q4 has a 9 on a 1-7 scale
    >>> report.items["out_of_range"].tolist()
    [0, 0, 0, 1, 0, 0]
    >>> report.policy.longstring_max  # 6 items: a run of 3 or more is flagged
    2
    >>> report.careless.round(3)
         longstring    irv  longstring_flag  irv_flag  flagged
    rid
    a           1.0  0.816            False     False    False
    b           2.0  0.894            False     False    False
    c           1.0  0.753            False     False    False
    d           2.0  1.751            False     False    False
    e           6.0  0.000             True      True     True
    f           2.0  0.000            False      True     True
    g           6.0  0.000             True      True     True
    >>> print(report.notes[0])  # 6 complete respondents cannot support 6 x 6 covariances
    Mahalanobis distances and Mardia's tests not computed: the item covariance matrix needs
    more complete respondents than items
    >>> print(report.notes[-1])
    speeder screen not run: no completion times (give the codebook a column with role
    'duration', or columns with roles 'start' and 'end')

    Q6 reverse-keyed: ``e`` answered 5 everywhere, stored as 3 for Q6. The careless
    indices see the answers as given; completion times add the speeder screen:

    >>> keyed = data.assign(Q6=8 - data["Q6"])
    >>> times = pd.Series([300, 280, 320, 60, 410, 290, 350], index=data.index, name="所用时间")
    >>> report = screen(keyed, item_min=1, item_max=7, reverse_keyed=["Q6"], durations=times)
    >>> report.careless.loc["e", ["longstring", "irv"]].tolist()
    [6.0, 0.0]
    >>> float(report.speeders.loc["d", "seconds"]), bool(report.speeders.loc["d", "flagged"])
    (60.0, True)
    >>> report.exclusions()["reasons"].to_dict()
    {'d': 'speeder', 'e': 'longstring; irv', 'f': 'missing; irv', 'g': 'longstring; irv'}
    """
    x, frame = _as_items(data, "screen")
    _check_respondents(frame)
    n_rows, n_items = x.shape
    if n_rows < 2:
        raise SurveyDataError(
            "screening needs at least two respondents",
            found=f"{n_rows} respondent",
            expected="two or more rows",
            fix="screen the whole sample, not a single response",
        )
    columns = frame.columns
    lo = _bounds(item_min, columns, "item_min")
    hi = _bounds(item_max, columns, "item_max")
    bad = [c for c in lo if c in hi and lo[c] > hi[c]]
    if bad:
        raise SurveyDataError(
            "item_min is above item_max",
            column=str(bad[0]),
            found={str(c): (lo[c], hi[c]) for c in bad},
            expected="item_min <= item_max",
            fix="swap or correct the bounds",
        )
    if longstring_max is None:
        longstring_max = max(math.ceil(n_items / 2) - 1, 1)
    elif isinstance(longstring_max, bool) or not isinstance(longstring_max, (int, np.integer)):
        raise SurveyDataError(
            "longstring_max must be a whole number",
            found=longstring_max,
            expected=f"an integer between 1 and {n_items}",
            fix=f"longstring_max={max(math.ceil(n_items / 2) - 1, 1)}",
        )
    elif not 1 <= longstring_max <= n_items:
        raise SurveyDataError(
            "longstring_max is out of range",
            found=longstring_max,
            expected=f"an integer between 1 and {n_items} (the number of items)",
            fix=f"longstring_max={max(math.ceil(n_items / 2) - 1, 1)}",
        )
    irv_min = DEFAULT_IRV_MIN if irv_min is None else irv_min
    irv_min = _check_number(irv_min, "irv_min", 0.0, math.inf, "irv_min=0")
    if not math.isfinite(irv_min):
        raise SurveyDataError("irv_min must be finite", found=irv_min, expected="0 <= irv_min")
    alpha = _check_alpha(mahalanobis_alpha, "mahalanobis_alpha")
    max_missing_pct = DEFAULT_MAX_MISSING_PCT if max_missing_pct is None else max_missing_pct
    max_missing_pct = _check_number(
        max_missing_pct, "max_missing_pct", 0.0, 100.0, "max_missing_pct=15"
    )
    keyed = _check_reverse_keyed(reverse_keyed, columns, lo, hi)
    if durations is not None:
        durations = _check_durations(durations, frame.index)
    policy = ScreeningPolicy(
        item_min=MappingProxyType(lo),
        item_max=MappingProxyType(hi),
        longstring_max=int(longstring_max),
        irv_min=irv_min,
        mahalanobis_alpha=alpha,
        max_missing_pct=max_missing_pct,
        reverse_keyed=keyed,
        speeder_fraction=_check_number(
            speeder_fraction, "speeder_fraction", 0.0, 1.0, "speeder_fraction=0.3"
        ),
    )

    # items
    items = describe(frame)
    out_of_range = pd.array([pd.NA] * n_items, dtype="Int64")
    for j, col in enumerate(columns):
        if col not in lo and col not in hi:
            continue
        v = x[:, j]
        below = v < lo[col] if col in lo else np.zeros(n_rows, dtype=bool)
        above = v > hi[col] if col in hi else np.zeros(n_rows, dtype=bool)
        out_of_range[j] = int(np.sum(below | above))
    items["out_of_range"] = out_of_range

    # respondents: missingness
    valid = ~np.isnan(x)
    n_answered = valid.sum(axis=1)
    missing_pct = 100.0 * (n_items - n_answered) / n_items
    missing = pd.DataFrame(
        {
            "n_answered": n_answered.astype(np.int64),
            "n_missing": (n_items - n_answered).astype(np.int64),
            "missing_pct": missing_pct,
            "flagged": missing_pct > max_missing_pct,
        },
        index=frame.index,
    )

    # respondents: careless answering, on the answers as given
    given = frame.copy()
    for col in keyed:
        given[col] = lo[col] + hi[col] - given[col]
    ls = longstring(given)
    iv = irv(given)
    ls_flag = (ls > policy.longstring_max).to_numpy(dtype=bool)
    irv_flag = (iv <= policy.irv_min).to_numpy(dtype=bool)  # NaN compares False
    careless = pd.DataFrame(
        {
            "longstring": ls,
            "irv": iv,
            "longstring_flag": ls_flag,
            "irv_flag": irv_flag,
            "flagged": ls_flag | irv_flag,
        },
        index=frame.index,
    )

    # respondents: speeders
    speed_notes: list[str] = []
    if durations is None:
        speed = pd.DataFrame(
            {"seconds": np.nan, "relative": np.nan, "flagged": False}, index=frame.index
        )
        speed_notes.append(
            "speeder screen not run: no completion times (give the codebook a column with "
            "role 'duration', or columns with roles 'start' and 'end')"
        )
        source = None
    else:
        speed = speeders(durations, fraction=policy.speeder_fraction)
        source = str(durations.name) if durations.name is not None else "the given durations"
        unknown = int(speed["seconds"].isna().sum())
        if unknown:
            speed_notes.append(
                f"{unknown} of {n_rows} respondents have no completion time: not screened for speed"
            )

    # multivariate: outliers and normality
    notes: list[str] = []
    complete = valid.all(axis=1)
    n_complete = int(complete.sum())
    try:
        outliers = _mahalanobis(x, columns, alpha)
        mardia_result = _mardia(x, columns)
    except SurveyDataError as err:
        reason = err.reason if err.column is None else f"{err.reason} (item {err.column!r})"
        notes.append(f"Mahalanobis distances and Mardia's tests not computed: {reason}")
        outliers = pd.DataFrame(
            {
                "d2": np.full(n_rows, np.nan),
                "df": np.full(n_rows, n_items, dtype=np.int64),
                "pvalue": np.full(n_rows, np.nan),
                "flagged": np.zeros(n_rows, dtype=bool),
                "complete": complete,
            }
        )
        mardia_result = MardiaResult._unavailable(n_complete, n_rows - n_complete, n_items, reason)
    outliers.index = frame.index
    if n_complete < n_rows:
        notes.append(
            f"{n_rows - n_complete} of {n_rows} respondents have a missing answer: no "
            "Mahalanobis distance, and left out of Mardia's tests (listwise)"
        )
    notes += speed_notes
    return ScreeningReport(
        n=n_rows,
        n_items=n_items,
        items=items,
        missing=missing,
        mardia=mardia_result,
        careless=careless,
        outliers=outliers,
        speeders=speed,
        policy=policy,
        notes=tuple(notes),
        speed_source=source,
    )


def _check_reverse_keyed(
    reverse_keyed: object, columns: pd.Index, lo: Mapping[Any, float], hi: Mapping[Any, float]
) -> tuple[Any, ...]:
    if isinstance(reverse_keyed, str) or not isinstance(reverse_keyed, Iterable):
        raise SurveyDataError(
            "reverse_keyed must be a list of item names",
            found=reverse_keyed,
            expected="e.g. ['LOY4']",
            fix="reverse_keyed=['LOY4']",
        )
    keyed = tuple(dict.fromkeys(reverse_keyed))
    unknown = [k for k in keyed if k not in columns]
    if unknown:
        raise SurveyDataError(
            "reverse_keyed names items that are not in the data",
            found=unknown,
            expected=f"some of {list(map(str, columns))}",
            fix="correct the item names in reverse_keyed",
        )
    unbounded = [k for k in keyed if k not in lo or k not in hi]
    if unbounded:
        raise SurveyDataError(
            "a reverse-keyed item needs item_min and item_max to recover the answers as given",
            column=str(unbounded[0]),
            found=unbounded,
            expected="both bounds for every item in reverse_keyed",
            fix="pass item_min and item_max (Survey.screen() takes them from the codebook)",
        )
    return keyed


def _check_durations(durations: object, index: pd.Index) -> pd.Series:
    if not isinstance(durations, pd.Series):
        raise SurveyDataError(
            "durations must be a pandas Series of seconds",
            found=type(durations).__name__,
            expected="one completion time per respondent, indexed like the item data",
            fix="convert the exported column with completion_times(duration=...)",
        )
    if durations.index.has_duplicates:
        raise SurveyDataError(
            "durations repeat respondent ids",
            found=list(durations.index[durations.index.duplicated()].unique()[:5]),
            expected="one completion time per respondent",
            fix="index durations like the item data",
        )
    absent = index.difference(durations.index)
    extra = durations.index.difference(index)
    if len(absent) or len(extra):
        raise SurveyDataError(
            "durations do not name the same respondents as the item data",
            found={"without a time": list(absent[:5]), "not in the data": list(extra[:5])},
            expected="the respondents of the item data (NaN where the time is unknown)",
            fix="index durations like the item data, e.g. durations.reindex(data.index)",
        )
    return durations.reindex(index)
