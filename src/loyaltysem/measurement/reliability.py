r"""Internal-consistency reliability: Cronbach's alpha family as :func:`psych::alpha`.

:func:`alpha` computes, for one scale, every number ``psych::alpha(x)`` reports with
its defaults (pairwise-complete covariances, ``check.keys = FALSE``): raw and
standardized alpha, Guttman's lambda 6, the average and median inter-item
correlation, the signal/noise ratio, Duhachek's standard error, the statistics of the
mean score, alpha if an item is dropped, the item–total correlations, the Feldt
confidence interval, and the response frequencies. :func:`reliability_table` and
``item_table()`` run it over every construct of an instrument.
:func:`composite_reliability` and :func:`average_variance_extracted` are the closed
formulas used with standardized CFA loadings (Jöreskog 1971; Fornell & Larcker 1981).

Items are not reversed automatically: a negatively keyed item left unreversed shows
as a negative corrected item–total correlation (``r_drop``), and the result's
``notes`` name it. Reverse-code in the codebook (``reverse = true``) instead.

Numbers are stored at full precision; rounding happens only on display.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from loyaltysem._display import DisplayMixin, short_repr
from loyaltysem.errors import CodebookError, HeywoodWarning, SurveyDataError
from loyaltysem.survey import Survey

__all__ = [
    "ALPHA_DROP_COLUMNS",
    "ITEM_STATS_COLUMNS",
    "ITEM_TABLE_COLUMNS",
    "PSYCH_NAMES",
    "RELIABILITY_TABLE_COLUMNS",
    "TOTAL_FIELDS",
    "AlphaResult",
    "alpha",
    "average_variance_extracted",
    "composite_reliability",
    "item_table",
    "reliability_table",
]

TOTAL_FIELDS: tuple[str, ...] = (
    "raw_alpha",
    "std_alpha",
    "g6_smc",
    "average_r",
    "signal_noise",
    "ase",
    "mean",
    "sd",
    "median_r",
)
"""Scale statistics of :class:`AlphaResult`, in psych's ``total`` order."""

ALPHA_DROP_COLUMNS: tuple[str, ...] = (
    "raw_alpha",
    "std_alpha",
    "g6_smc",
    "average_r",
    "signal_noise",
    "alpha_se",
    "var_r",
    "median_r",
)
"""Columns of :attr:`AlphaResult.alpha_drop`, in psych's ``alpha.drop`` order."""

ITEM_STATS_COLUMNS: tuple[str, ...] = ("n", "raw_r", "std_r", "r_cor", "r_drop", "mean", "sd")
"""Columns of :attr:`AlphaResult.item_stats`, in psych's ``item.stats`` order."""

RELIABILITY_TABLE_COLUMNS: tuple[str, ...] = (
    "n_items",
    "n",
    "alpha",
    "alpha_std",
    "alpha_ci_lower",
    "alpha_ci_upper",
    "average_r",
    "note",
)
"""Columns of :func:`reliability_table`."""

ITEM_TABLE_COLUMNS: tuple[str, ...] = (
    "construct",
    "r_drop",
    "r_cor",
    "alpha_if_deleted",
    "alpha_std_if_deleted",
    "mean",
    "sd",
    "n",
)
"""Columns of ``item_table()``."""

PSYCH_NAMES: Mapping[str, str] = {
    "raw_alpha": "raw_alpha",
    "std_alpha": "std.alpha",
    "g6_smc": "G6(smc)",
    "average_r": "average_r",
    "signal_noise": "S/N",
    "ase": "ase",
    "mean": "mean",
    "sd": "sd",
    "median_r": "median_r",
    "alpha_se": "alpha se",
    "var_r": "var.r",
    "n": "n",
    "raw_r": "raw.r",
    "std_r": "std.r",
    "r_cor": "r.cor",
    "r_drop": "r.drop",
}
"""Our column name → the name ``psych::alpha`` prints (``alpha.drop`` uses ``med.r``
for ``median_r``)."""

#: psych's tolerance for a zero singular value in ``Pinv`` (used by ``smc``).
_PINV_TOL = math.sqrt(np.finfo(float).eps)


# --------------------------------------------------------------------------- input


def _frame_of(data: object, caller: str) -> pd.DataFrame:
    """The item frame of a DataFrame or a :class:`Survey`."""
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
    frame = _frame_of(data, caller)
    if frame.shape[1] == 0:
        raise SurveyDataError(
            f"{caller}() got a DataFrame without item columns",
            found=frame.shape,
            expected="at least one item column",
            fix="select the item columns, e.g. data[item_names]",
        )
    if frame.shape[0] == 0:
        raise SurveyDataError(
            f"{caller}() got a DataFrame without respondents",
            found=frame.shape,
            expected="at least one row",
            fix="check the filter that produced the frame",
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
    return x, frame


def _constructs_of(data: object, constructs: object, caller: str) -> dict[str, list[str]]:
    """Constructs as ``{construct: [items]}`` from a mapping or a codebook-like object."""
    if constructs is None:
        if isinstance(data, Survey):
            constructs = data.constructs
        else:
            raise CodebookError(
                f"{caller}() needs the constructs",
                found=None,
                expected="{construct: [items]}, a Codebook, or a Survey as data",
                fix=f"{caller}(data, {{'TRU': ['TRU1', 'TRU2', 'TRU3'], ...}})",
            )
    items = getattr(constructs, "construct_items", None)
    if items is None and isinstance(constructs, Survey):
        items = constructs.constructs
    if items is None:
        items = constructs
    if not isinstance(items, Mapping) or not items:
        raise CodebookError(
            "cannot read the constructs",
            found=type(constructs).__name__ if not isinstance(items, Mapping) else items,
            expected="a non-empty {construct: [items]} or a Codebook",
            fix="pass e.g. {'TRU': ['TRU1', 'TRU2', 'TRU3'], ...}",
        )
    out: dict[str, list[str]] = {}
    for name, names in items.items():
        listed = [names] if isinstance(names, str) else list(names)
        if not listed:
            raise CodebookError(
                "every construct needs at least one item",
                found=str(name),
                expected="{construct: [item, ...]}",
                fix=f"list the items of construct {name!s}",
            )
        out[str(name)] = [str(v) for v in listed]
    return out


def _check_columns(frame: pd.DataFrame, constructs: Mapping[str, list[str]]) -> None:
    columns = {str(c) for c in frame.columns}
    absent = [i for v in constructs.values() for i in v if i not in columns]
    if absent:
        raise SurveyDataError(
            "items of the constructs are not in the data",
            column=absent[0],
            found=absent,
            expected="columns of the data",
            fix="check the item names against the data's columns",
        )


def _select(frame: pd.DataFrame, items: Sequence[str]) -> pd.DataFrame:
    by_name = {str(c): c for c in frame.columns}
    return frame[[by_name[i] for i in items]]


def _check_ci_level(ci_level: object) -> float:
    if isinstance(ci_level, bool) or not isinstance(ci_level, (int, float, np.floating)):
        raise SurveyDataError(
            "ci_level must be a number", found=ci_level, expected="0 < value < 1", fix="0.95"
        )
    value = float(ci_level)
    if not 0.0 < value < 1.0:
        raise SurveyDataError(
            "ci_level is out of range", found=ci_level, expected="0 < value < 1", fix="0.95"
        )
    return value


# --------------------------------------------------------------------------- kernels


def _pairwise_cov(x: np.ndarray) -> np.ndarray:
    """Covariances as R's ``cov(x, use = "pairwise")``: each pair on its complete rows."""
    observed = ~np.isnan(x)
    if observed.all():
        return np.atleast_2d(np.cov(x, rowvar=False, ddof=1))
    k = x.shape[1]
    out = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            both = observed[:, i] & observed[:, j]
            m = int(both.sum())
            if m < 2:
                out[i, j] = out[j, i] = np.nan
                continue
            xi, xj = x[both, i], x[both, j]
            out[i, j] = out[j, i] = np.dot(xi - xi.mean(), xj - xj.mean()) / (m - 1)
    return out


def _cov2cor(c: np.ndarray) -> np.ndarray:
    """R's ``cov2cor``: scale to unit diagonal, diagonal set to exactly 1."""
    s = 1.0 / np.sqrt(np.diag(c))
    r = c * s[:, None] * s[None, :]
    np.fill_diagonal(r, 1.0)
    return r


def _smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations as ``psych::smc(R)`` (pseudo-inverse, clipped to [0, 1])."""
    u, d, vt = np.linalg.svd(r)
    keep = d > max(_PINV_TOL * d[0], 0.0)
    inv = (vt[keep].T / d[keep]) @ u[:, keep].T
    smc = 1.0 - 1.0 / np.diag(inv)
    return np.clip(smc, 0.0, 1.0)


def _var_median(values: np.ndarray) -> tuple[float, float]:
    """R's ``var`` (divisor n - 1; NA for one value) and ``median`` of the values."""
    var = float(np.var(values, ddof=1)) if values.size > 1 else math.nan
    med = float(np.median(values)) if values.size else math.nan
    return var, med


def _alpha_1(c: np.ndarray, r: np.ndarray) -> tuple[float, ...]:
    """psych::alpha's inner ``alpha.1``: raw, std, G6, av.r, S/N, Q, var.r, med.r."""
    n = c.shape[0]
    sum_c = float(c.sum())
    tr_c = float(np.trace(c))
    alpha_raw = (1.0 - tr_c / sum_c) * (n / (n - 1))
    sum_r = float(r.sum())
    alpha_std = (1.0 - n / sum_r) * (n / (n - 1))
    g6 = 1.0 - (n - float(_smc(r).sum())) / sum_r
    av_r = (sum_r - n) / (n * (n - 1))
    var_r, med_r = _var_median(r[np.tril_indices(n, -1)])
    sn = n * av_r / (1.0 - av_r) if av_r != 1.0 else math.inf
    cc = c @ c
    q = (2.0 * n**2 / ((n - 1) ** 2 * sum_c**3)) * (
        sum_c * (float(np.trace(cc)) + tr_c**2) - 2.0 * tr_c * float(cc.sum())
    )
    return alpha_raw, alpha_std, g6, av_r, sn, q, var_r, med_r


def _pearson_pairwise(a: np.ndarray, b: np.ndarray) -> float:
    both = ~np.isnan(a) & ~np.isnan(b)
    if both.sum() < 2:
        return math.nan
    ai, bi = a[both] - a[both].mean(), b[both] - b[both].mean()
    den = math.sqrt(float(np.dot(ai, ai)) * float(np.dot(bi, bi)))
    return float(np.dot(ai, bi)) / den if den > 0 else math.nan


def _response_freq(x: np.ndarray, items: pd.Index, max_categories: int) -> pd.DataFrame | None:
    """``psych::response.frequencies(x, max)``: share of each answer per item, and ``miss``."""
    observed = ~np.isnan(x)
    answered = observed.any(axis=0)
    if not answered.all():
        return None
    lo = np.nanmin(x, axis=0)
    hi = np.nanmax(x, axis=0)
    select = (hi - lo) < (max_categories + 1)
    if not select.any():
        return None
    xs = x[:, select]
    values = np.unique(xs[~np.isnan(xs)])
    n_unique = values.size + int(np.isnan(xs).any())  # R's unique() counts NA too
    first_levels = np.unique(xs[~np.isnan(xs[:, 0]), 0]).size
    if bool(((hi - lo) > max_categories).all()) or first_levels > max_categories:
        return None
    if n_unique > max_categories:
        return None
    counts = np.array([[np.sum(xs[:, j] == v) for v in values] for j in range(xs.shape[1])])
    responses = counts.sum(axis=1)
    freq = counts / responses[:, None]
    miss = 1.0 - responses / x.shape[0]
    labels = [int(v) if float(v).is_integer() else float(v) for v in values]
    out = pd.DataFrame(freq, index=pd.Index(items[select], name="item"), columns=labels)
    out["miss"] = miss
    return out


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False, repr=False)
class AlphaResult(DisplayMixin):
    r"""Cronbach's alpha of one scale and everything ``psych::alpha`` reports with it.

    Attributes
    ----------
    items : tuple of str
        The items, in order.
    n_items : int
        Number of items :math:`k`.
    n_rows : int
        Rows given (respondents), complete or not: psych's ``nsub``, the :math:`n`
        of ``ase`` and of the Feldt interval.
    raw_alpha : float
        Cronbach's alpha from the covariances :math:`C` (psych ``raw_alpha``):
        :math:`\frac{k}{k-1}\bigl(1 - \operatorname{tr} C / \mathbf 1' C \mathbf 1\bigr)`.
    std_alpha : float
        The same from the correlations :math:`R` (psych ``std.alpha``):
        :math:`\frac{k}{k-1}\bigl(1 - k / \mathbf 1' R \mathbf 1\bigr)`.
    g6_smc : float
        Guttman's :math:`\lambda_6` with squared multiple correlations (psych ``G6(smc)``):
        :math:`1 - \sum_i (1 - \mathrm{smc}_i) / \mathbf 1' R \mathbf 1`.
    average_r, median_r : float
        Mean and median of the :math:`k(k-1)/2` inter-item correlations.
    var_r : float
        Their variance (divisor :math:`m - 1`; psych ``var.r``).
    signal_noise : float
        :math:`k \bar r / (1 - \bar r)` (psych ``S/N``).
    ase : float
        Duhachek & Iacobucci's (2004) asymptotic standard error of ``raw_alpha``,
        :math:`\sqrt{Q / n}` with :math:`n` = ``n_rows``.
    mean, sd : float
        Mean and standard deviation (divisor :math:`n-1`) of the respondents' mean
        item score (the mean of the answered items).
    ci_level : float
        Confidence level of the intervals.
    feldt_lower, feldt_upper : float
        Feldt's (1965) interval (psych ``alpha.ci``, the "Feldt" row ``print(alpha(x))``
        shows): :math:`1 - (1 - \alpha)\,F_{1-p/2}` and :math:`1 - (1-\alpha)\,F_{p/2}`
        with :math:`F_q` the quantile of :math:`F(n - 1, (n - 1)(k - 1))`, :math:`p =
        1 -` ``ci_level``.
    duhachek_lower, duhachek_upper : float
        ``raw_alpha`` ∓ :math:`z_{1-p/2}` ``ase`` (the "Duhachek" row of psych's print;
        :math:`z` is 1.96 exactly at ``ci_level`` 0.95, as psych prints it).
    alpha_drop : DataFrame
        Per item: the scale statistics without it, columns :data:`ALPHA_DROP_COLUMNS`
        (psych ``alpha.drop``; ``alpha_se`` is ``NaN`` where psych omits it).
    item_stats : DataFrame
        Per item, columns :data:`ITEM_STATS_COLUMNS` (psych ``item.stats``): ``n``
        answers; ``raw_r`` correlation with the mean score; ``std_r`` the same for
        standardized items; ``r_cor`` corrected for item overlap and reliability
        (smc on the diagonal); ``r_drop`` correlation with the sum of the *other*
        items (corrected item–total correlation); ``mean``, ``sd``.
    response_freq : DataFrame or None
        Share of each answer among the item's answers, plus ``miss`` (share of rows
        without an answer); ``None`` when the items have more than ``max_categories``
        distinct values (as psych).
    notes : tuple of str
        Anything a reader should know: undefined alpha, items that correlate
        negatively with the rest of the scale (a forgotten reverse key?), missing data.

    Examples
    --------
    >>> from loyaltysem.datasets import load_holzinger_swineford
    >>> from loyaltysem.measurement.reliability import alpha
    >>> hs = load_holzinger_swineford().data
    >>> res = alpha(hs[["x1", "x2", "x3"]])  # In R: psych::alpha(hs[, c("x1","x2","x3")])
    >>> round(res.raw_alpha, 4), round(res.std_alpha, 4), res.n_rows
    (0.6261, 0.6272, 301)
    """

    items: tuple[str, ...]
    n_items: int
    n_rows: int
    raw_alpha: float
    std_alpha: float
    g6_smc: float
    average_r: float
    signal_noise: float
    ase: float
    mean: float
    sd: float
    median_r: float
    var_r: float
    ci_level: float
    feldt_lower: float
    feldt_upper: float
    duhachek_lower: float
    duhachek_upper: float
    alpha_drop: pd.DataFrame
    item_stats: pd.DataFrame
    response_freq: pd.DataFrame | None = None
    notes: tuple[str, ...] = field(default=())

    _title: ClassVar[str] = "Reliability analysis (Cronbach's alpha)"

    @property
    def computed(self) -> bool:
        """Whether alpha is defined (at least two items)."""
        return not math.isnan(self.raw_alpha)

    @property
    def total(self) -> pd.Series:
        """The scale statistics :data:`TOTAL_FIELDS` as a Series (psych ``total``)."""
        return pd.Series({name: getattr(self, name) for name in TOTAL_FIELDS}, name="total")

    @property
    def confidence(self) -> pd.DataFrame:
        """The Feldt and Duhachek intervals as psych prints them (``lower, alpha, upper``)."""
        return pd.DataFrame(
            {
                "lower": [self.feldt_lower, self.duhachek_lower],
                "alpha": [self.raw_alpha, self.raw_alpha],
                "upper": [self.feldt_upper, self.duhachek_upper],
            },
            index=pd.Index(["Feldt", "Duhachek"], name="interval"),
        )

    @property
    def negative_items(self) -> list[str]:
        """Items whose corrected item–total correlation ``r_drop`` is negative."""
        r_drop = self.item_stats["r_drop"]
        return [str(i) for i in r_drop.index[r_drop < 0]]

    def to_frame(self) -> pd.DataFrame:
        """Return the scale statistics and intervals as a one-row table."""
        row = self.total.to_dict()
        row.update(
            n_items=self.n_items,
            n_rows=self.n_rows,
            var_r=self.var_r,
            feldt_lower=self.feldt_lower,
            feldt_upper=self.feldt_upper,
            duhachek_lower=self.duhachek_lower,
            duhachek_upper=self.duhachek_upper,
        )
        return pd.DataFrame([row], index=pd.Index(["total"], name="scale"))

    def __repr__(self) -> str:
        parts = [
            f"items={self.n_items}",
            f"n_rows={self.n_rows}",
            f"raw_alpha={self.raw_alpha:.4f}",
            f"std_alpha={self.std_alpha:.4f}",
            f"feldt_ci=[{self.feldt_lower:.3f}, {self.feldt_upper:.3f}]",
        ]
        return short_repr("AlphaResult", parts)

    def _header(self) -> list[str]:
        pct = f"{self.ci_level * 100:g}%"
        lines = [
            f"items: {self.n_items} ({', '.join(self.items)}), rows: {self.n_rows}",
            f"raw alpha = {self.raw_alpha:.3f}, standardized alpha = {self.std_alpha:.3f}, "
            f"{pct} CI (Feldt) [{self.feldt_lower:.3f}, {self.feldt_upper:.3f}]",
        ]
        lines += [f"note: {note}" for note in self.notes]
        return lines

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "Scale", self.total.to_frame().T
        yield f"{self.ci_level * 100:g}% confidence boundaries", self.confidence
        yield "Reliability if an item is dropped", self.alpha_drop
        yield "Item statistics", self.item_stats
        if self.response_freq is not None:
            yield "Non-missing response frequency for each item", self.response_freq


# --------------------------------------------------------------------------- alpha


def _notes_for(items: list[str], r_drop: np.ndarray, x: np.ndarray, n_rows: int) -> list[str]:
    notes: list[str] = []
    negative = [(i, v) for i, v in zip(items, r_drop, strict=True) if v < 0]
    if negative:
        names = ", ".join(i for i, _ in negative)
        values = ", ".join(f"{i} {v:.3f}" for i, v in negative)
        notes.append(
            f"negative corrected item-total correlation (r_drop: {values}): probably a "
            f"forgotten reverse key: {names}. Alpha is computed as given (psych's "
            "check.keys = FALSE); reverse-code the item (e.g. reverse = true in the "
            "codebook, or 8 - x on a 1-7 scale) and rerun if it is negatively worded"
        )
    incomplete = int(np.isnan(x).any(axis=1).sum())
    if incomplete:
        empty = int(np.isnan(x).all(axis=1).sum())
        text = (
            f"{incomplete} of {n_rows} rows have missing answers: covariances use "
            "pairwise-complete answers (psych use = 'pairwise'); ase and the Feldt "
            f"interval use n = {n_rows} rows, as psych::alpha does"
        )
        if empty:
            text += (
                f"; {empty} rows answer none of the items and still count in n "
                "(drop them first for an n of respondents who answered)"
            )
        notes.append(text)
    return notes


def _undefined(
    items: list[str], x: np.ndarray, n_rows: int, ci_level: float, notes: list[str]
) -> AlphaResult:
    """A one-item scale: alpha is undefined; item statistics where they exist."""
    nan = math.nan
    col = x[:, 0]
    answers = col[~np.isnan(col)]
    index = pd.Index(items, name="item")
    item_stats = pd.DataFrame(
        {
            "n": [int(answers.size)],
            "raw_r": [1.0 if answers.size > 1 else nan],
            "std_r": [1.0],
            "r_cor": [nan],
            "r_drop": [nan],
            "mean": [float(answers.mean()) if answers.size else nan],
            "sd": [float(answers.std(ddof=1)) if answers.size > 1 else nan],
        },
        index=index,
    )
    alpha_drop = pd.DataFrame(nan, index=index, columns=list(ALPHA_DROP_COLUMNS))
    total_mean = float(answers.mean()) if answers.size else nan
    total_sd = float(answers.std(ddof=1)) if answers.size > 1 else nan
    notes = [
        f"alpha is undefined for a scale with one item ({items[0]}): internal "
        "consistency needs at least two items; report the item's reliability from "
        "another source (test-retest, or a CFA with a fixed error variance)",
        *notes,
    ]
    return AlphaResult(
        items=tuple(items),
        n_items=1,
        n_rows=n_rows,
        raw_alpha=nan,
        std_alpha=nan,
        g6_smc=nan,
        average_r=nan,
        signal_noise=nan,
        ase=nan,
        mean=total_mean,
        sd=total_sd,
        median_r=nan,
        var_r=nan,
        ci_level=ci_level,
        feldt_lower=nan,
        feldt_upper=nan,
        duhachek_lower=nan,
        duhachek_upper=nan,
        alpha_drop=alpha_drop,
        item_stats=item_stats,
        response_freq=None,
        notes=tuple(notes),
    )


def alpha(
    data: pd.DataFrame | Survey,
    *,
    ci_level: float = 0.95,
    max_categories: int = 10,
) -> AlphaResult:
    r"""Cronbach's alpha of one scale, as ``psych::alpha(x)`` computes it.

    Follows psych 2.2.9 ``alpha()`` with its defaults: covariances of
    pairwise-complete answers (``use = "pairwise"``), no automatic reversal of
    items (``check.keys = FALSE``), the scale score is the mean of a respondent's
    answered items (``cumulative = FALSE``, ``na.rm = TRUE``).

    Parameters
    ----------
    data : DataFrame or Survey
        Item scores of one scale, one column per item, ``NaN`` for a missing answer,
        already reverse-coded. A :class:`~loyaltysem.survey.Survey` uses all its items.
    ci_level : float, default 0.95
        Confidence level of the Feldt and Duhachek intervals (psych: 0.95).
    max_categories : int, default 10
        Response frequencies are tabulated only up to this many distinct answers
        (psych's ``max``).

    Returns
    -------
    AlphaResult
        Scale statistics, ``alpha_drop``, ``item_stats``, intervals and ``notes``.
        With one item alpha is undefined: every alpha quantity is ``NaN`` and a
        note says why.

    Raises
    ------
    SurveyDataError
        If ``data`` is not a DataFrame (or Survey) of numeric, finite-or-NaN columns
        with unique names; if an item is constant or has fewer than two answers
        (its variance is 0 or undefined, so no correlation exists; psych drops such
        an item with a warning yet still adds it to the scale score); or if two items
        were never answered together.

    Notes
    -----
    With covariance matrix :math:`C`, correlation matrix :math:`R`, :math:`k`
    items, :math:`n` rows and :math:`\mathbf 1` a vector of ones:

    .. math::

        \alpha = \frac{k}{k-1}\Bigl(1 - \frac{\operatorname{tr} C}{\mathbf 1'C\mathbf 1}
        \Bigr), \qquad
        \alpha_{std} = \frac{k}{k-1}\Bigl(1 - \frac{k}{\mathbf 1'R\mathbf 1}\Bigr)
        = \frac{k\bar r}{1 + (k-1)\bar r}.

    Duhachek & Iacobucci's standard error is :math:`\sqrt{Q/n}` with
    :math:`Q = \frac{2k^2}{(k-1)^2 (\mathbf 1'C\mathbf 1)^3}
    \bigl[\mathbf 1'C\mathbf 1\,(\operatorname{tr} C^2 + (\operatorname{tr} C)^2)
    - 2 \operatorname{tr} C\; \mathbf 1'C^2\mathbf 1\bigr]`.
    Feldt's interval is :math:`[1 - (1-\alpha)F_{1-p/2},\ 1 - (1-\alpha)F_{p/2}]`,
    :math:`F \sim F(n-1, (n-1)(k-1))`, :math:`p = 1 -` ``ci_level``.

    psych's conventions are kept where they surprise: :math:`n` counts every row
    given, even one without any answer; for a two-item scale ``alpha_drop`` holds
    psych's values (``raw_alpha`` = :math:`c_{12}/c_{jj}` of the remaining item
    :math:`j`, the correlation for the others, ``var_r`` = 0) although alpha of one
    item is undefined; ``item_table()`` shows ``NaN`` there instead. Items with a
    negative ``r_drop`` are named in ``notes`` (psych warns when an item loads
    negatively on the first principal component).

    References
    ----------
    .. [1] Cronbach, L. J. (1951). Coefficient alpha and the internal structure of
       tests. *Psychometrika*, 16(3), 297–334.
    .. [2] Feldt, L. S. (1965). The approximate sampling distribution of
       Kuder-Richardson reliability coefficient twenty. *Psychometrika*, 30(3), 357–370.
    .. [3] Duhachek, A., & Iacobucci, D. (2004). Alpha's standard error (ASE): An
       accurate and precise confidence interval estimate. *Journal of Applied
       Psychology*, 89(5), 792–808.
    .. [4] Revelle, W. (2022). *psych* (R package 2.2.9), ``alpha``, ``alpha.ci``, ``smc``.

    Examples
    --------
    >>> from loyaltysem.datasets import load_holzinger_swineford
    >>> from loyaltysem.measurement.reliability import alpha
    >>> hs = load_holzinger_swineford().data
    >>> res = alpha(hs[["x1", "x2", "x3"]])  # In R: psych::alpha(hs[, c("x1","x2","x3")])
    >>> res.total.round(4)
    raw_alpha       0.6261
    std_alpha       0.6272
    g6_smc          0.5352
    average_r       0.3593
    signal_noise    1.6823
    ase             0.0375
    mean            4.4247
    sd              0.8765
    median_r        0.3398
    Name: total, dtype: float64
    >>> res.confidence.round(3)  # the "Feldt" and "Duhachek" rows of print(alpha(...))
              lower  alpha  upper
    interval
    Feldt     0.547  0.626  0.694
    Duhachek  0.553  0.626  0.700
    >>> res.item_stats[["n", "r_drop", "mean", "sd"]].round(4)
            n  r_drop    mean      sd
    item
    x1    301  0.4490  4.9358  1.1674
    x2    301  0.3750  6.0880  1.1775
    x3    301  0.4843  2.2504  1.1310

    A reverse-keyed item that was not reversed shows as a negative ``r_drop``:

    >>> x = hs[["x1", "x2", "x3"]].assign(x2=lambda d: 10 - d["x2"])
    >>> print(alpha(x).notes[0][:90])
    negative corrected item-total correlation (r_drop: x2 -0.375): probably a forgotten rever...
    """
    x, frame = _as_items(data, "alpha")
    ci_level = _check_ci_level(ci_level)
    if isinstance(max_categories, bool) or not isinstance(max_categories, (int, np.integer)):
        raise SurveyDataError(
            "max_categories must be an integer", found=max_categories, expected=">= 1", fix="10"
        )
    items = [str(c) for c in frame.columns]
    n_rows, k = x.shape
    notes: list[str] = []

    counts = (~np.isnan(x)).sum(axis=0)
    sds = np.array([np.nanstd(x[:, j], ddof=1) if counts[j] > 1 else math.nan for j in range(k)])
    bad = [items[j] for j in range(k) if not (sds[j] > 0)]
    if bad:
        raise SurveyDataError(
            "an item without variance has no correlation with the others, so alpha cannot use it",
            column=bad[0],
            found={i: f"{int(counts[items.index(i)])} answers" for i in bad},
            expected="items with at least two different answers",
            fix="drop the constant item(s) from the scale (psych::alpha drops them with a "
            "warning but still counts them in the scale score)",
        )
    if k == 1:
        return _undefined(items, x, n_rows, ci_level, _notes_for(items, np.array([0.0]), x, n_rows))

    c = _pairwise_cov(x)
    if np.isnan(c).any():
        i, j = np.argwhere(np.isnan(c))[0]
        raise SurveyDataError(
            "two items were never answered together, so their covariance is undefined",
            column=items[i],
            found=(items[i], items[j]),
            expected="at least two respondents answering both items",
            fix="check the survey routing; leave one of the items out of the scale",
        )
    r = _cov2cor(c)

    raw, std, g6, av_r, sn, q, var_r, med_r = _alpha_1(c, r)
    ase = math.sqrt(q / n_rows) if q >= 0 else math.nan

    # the scale score: mean of the answered items (rowMeans(x, na.rm = TRUE))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        total = np.nanmean(x, axis=1)
    answered_total = total[~np.isnan(total)]
    mean_t = float(answered_total.mean()) if answered_total.size else math.nan
    sd_t = float(answered_total.std(ddof=1)) if answered_total.size > 1 else math.nan
    raw_r = np.array([_pearson_pairwise(total, x[:, j]) for j in range(k)])

    # alpha if an item is dropped
    drop = np.empty((k, 8))
    if k > 2:
        for i in range(k):
            keep = [j for j in range(k) if j != i]
            d_raw, d_std, d_g6, d_av, d_sn, d_q, d_var, d_med = _alpha_1(
                c[np.ix_(keep, keep)], r[np.ix_(keep, keep)]
            )
            d_se = math.sqrt(d_q / n_rows) if d_q >= 0 else math.nan
            drop[i] = (d_raw, d_std, d_g6, d_av, d_sn, d_se, d_var, d_med)
    else:
        r12 = r[0, 1]
        smc1 = float(_smc(r)[0])
        sn12 = r12 / (1.0 - r12) if r12 != 1.0 else math.inf
        drop[0] = (c[0, 1] / c[1, 1], r12, smc1, r12, sn12, math.nan, 0.0, r12)
        drop[1] = (c[0, 1] / c[0, 0], r12, smc1, r12, sn12, math.nan, 0.0, r12)
    if not n_rows > k:  # psych leaves the "alpha se" column out
        drop[:, 5] = math.nan
    index = pd.Index(items, name="item")
    alpha_drop = pd.DataFrame(drop, index=index, columns=list(ALPHA_DROP_COLUMNS))

    # item statistics
    sum_r = float(r.sum())
    std_r = r.sum(axis=0) / math.sqrt(sum_r)
    rc = r.copy()
    np.fill_diagonal(rc, _smc(r))
    r_cor = rc.sum(axis=0) / math.sqrt(float(rc.sum()))
    sum_c = float(c.sum())
    r_drop = np.empty(k)
    col_sums = c.sum(axis=0)
    for i in range(k):
        v_drop = sum_c - 2.0 * col_sums[i] + c[i, i]
        c_drop = col_sums[i] - c[i, i]
        r_drop[i] = c_drop / math.sqrt(c[i, i] * v_drop)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        means = np.nanmean(x, axis=0)
    item_stats = pd.DataFrame(
        {
            "n": counts.astype(int),
            "raw_r": raw_r,
            "std_r": std_r,
            "r_cor": r_cor,
            "r_drop": r_drop,
            "mean": means,
            "sd": sds,
        },
        index=index,
    )

    # Feldt (1965) interval, as psych::alpha.ci(raw_alpha, n, k, p.val = 1 - ci_level)
    p = 1.0 - ci_level
    df1, df2 = n_rows - 1, (n_rows - 1) * (k - 1)
    if df1 > 0:
        feldt_upper = 1.0 - (1.0 - raw) * float(stats.f.ppf(p / 2.0, df1, df2))
        feldt_lower = 1.0 - (1.0 - raw) * float(stats.f.ppf(1.0 - p / 2.0, df1, df2))
    else:
        feldt_lower = feldt_upper = math.nan
    z = 1.96 if ci_level == 0.95 else float(stats.norm.ppf(1.0 - p / 2.0))

    notes += _notes_for(items, r_drop, x, n_rows)
    return AlphaResult(
        items=tuple(items),
        n_items=k,
        n_rows=n_rows,
        raw_alpha=raw,
        std_alpha=std,
        g6_smc=g6,
        average_r=av_r,
        signal_noise=sn,
        ase=ase,
        mean=mean_t,
        sd=sd_t,
        median_r=med_r,
        var_r=var_r,
        ci_level=ci_level,
        feldt_lower=feldt_lower,
        feldt_upper=feldt_upper,
        duhachek_lower=raw - z * ase,
        duhachek_upper=raw + z * ase,
        alpha_drop=alpha_drop,
        item_stats=item_stats,
        response_freq=_response_freq(x, frame.columns, int(max_categories)),
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- tables


def _short_notes(res: AlphaResult) -> str:
    """The notes worth a table cell: undefined alpha and negative r_drop items."""
    parts = []
    if not res.computed:
        parts.append(f"one item: alpha undefined ({res.items[0]})")
    if res.negative_items:
        parts.append(
            "negative r_drop, probably a forgotten reverse key: " + ", ".join(res.negative_items)
        )
    return "; ".join(parts)


def reliability_table(
    data: pd.DataFrame | Survey,
    constructs: Mapping[str, Sequence[str]] | Any = None,
    *,
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Cronbach's alpha of every construct, one row each.

    Runs :func:`alpha` on the items of each construct (``psych::alpha`` with its
    defaults, construct by construct).

    Parameters
    ----------
    data : DataFrame or Survey
        Item scores (reverse-coded, ``NaN`` = missing).
    constructs : mapping or Codebook, optional
        ``{construct: [items]}``, or anything with ``construct_items`` (a
        :class:`~loyaltysem.survey.Codebook`). Defaults to the survey's constructs
        when ``data`` is a :class:`~loyaltysem.survey.Survey`.
    ci_level : float, default 0.95
        Level of the Feldt interval.

    Returns
    -------
    DataFrame
        Indexed by construct (index name ``construct``), columns
        :data:`RELIABILITY_TABLE_COLUMNS`: ``n_items``; ``n`` rows used for the
        interval (psych's ``nsub``: all rows given); ``alpha`` (raw, psych
        ``raw_alpha``); ``alpha_std`` (psych ``std.alpha``); ``alpha_ci_lower``,
        ``alpha_ci_upper`` (Feldt); ``average_r``; ``note`` ("" when there is nothing
        to say; otherwise a one-item construct, items with a negative corrected
        item–total correlation, or why alpha could not be computed, e.g. a constant
        item). A construct that cannot be computed has ``NaN`` numbers and a note; it
        never stops the table.

    Raises
    ------
    SurveyDataError
        If ``data`` is not item scores or an item of ``constructs`` is not in it.
    CodebookError
        If ``constructs`` cannot be read or a construct has no items.

    See Also
    --------
    alpha : every statistic of one scale.
    item_table : the item-level statistics of every construct.

    Examples
    --------
    >>> from loyaltysem.datasets import load_holzinger_swineford
    >>> from loyaltysem.measurement.reliability import reliability_table
    >>> hs = load_holzinger_swineford()
    >>> table = reliability_table(hs)  # psych::alpha(hs$data[, items]) per construct
    >>> table[["n_items", "n", "alpha", "alpha_ci_lower", "alpha_ci_upper"]].round(3)
               n_items    n  alpha  alpha_ci_lower  alpha_ci_upper
    construct
    visual           3  301  0.626           0.547           0.694
    textual          3  301  0.883           0.858           0.904
    speed            3  301  0.688           0.622           0.745
    """
    ci_level = _check_ci_level(ci_level)
    mapping = _constructs_of(data, constructs, "reliability_table")
    _, frame = _as_items(data, "reliability_table")
    _check_columns(frame, mapping)
    rows = []
    for name, items in mapping.items():
        sub = _select(frame, items)
        try:
            res: AlphaResult | None = alpha(sub, ci_level=ci_level)
            note = ""
        except SurveyDataError as err:
            res = None
            where = f" ({err.column})" if err.column else ""
            note = f"not computed: {err.reason}{where}"
        if res is None:
            rows.append((name, len(items), len(sub), *([math.nan] * 5), note))
            continue
        rows.append(
            (
                name,
                res.n_items,
                res.n_rows,
                res.raw_alpha,
                res.std_alpha,
                res.feldt_lower,
                res.feldt_upper,
                res.average_r,
                _short_notes(res),
            )
        )
    out = pd.DataFrame(rows, columns=["construct", *RELIABILITY_TABLE_COLUMNS])
    out = out.set_index("construct")
    return out.astype({"n_items": int, "n": int})


def item_table(
    data: pd.DataFrame | Survey,
    constructs: Mapping[str, Sequence[str]] | Any = None,
) -> pd.DataFrame:
    """Item statistics of every construct: corrected item–total correlation, alpha if deleted.

    Runs :func:`alpha` on the items of each construct and collects, per item, what
    ``psych::alpha`` reports in ``item.stats`` and ``alpha.drop``.

    Parameters
    ----------
    data : DataFrame or Survey
        Item scores (reverse-coded, ``NaN`` = missing).
    constructs : mapping or Codebook, optional
        ``{construct: [items]}`` or anything with ``construct_items``; defaults to the
        survey's constructs when ``data`` is a :class:`~loyaltysem.survey.Survey`.

    Returns
    -------
    DataFrame
        Indexed by item (index name ``item``), columns :data:`ITEM_TABLE_COLUMNS`:
        ``construct``; ``r_drop`` correlation of the item with the sum of the other
        items of its construct (psych ``r.drop``); ``r_cor`` (psych ``r.cor``);
        ``alpha_if_deleted`` and ``alpha_std_if_deleted`` (psych ``alpha.drop``
        ``raw_alpha`` and ``std.alpha``); ``mean``, ``sd`` and ``n`` of the item's
        answers. Where alpha is undefined the alpha columns are ``NaN``: for a
        one-item construct, for a construct that cannot be computed (a constant
        item), and ``alpha_if_deleted`` of a two-item construct (one item would be
        left; psych prints a covariance ratio and the correlation there).

    Raises
    ------
    SurveyDataError
        If ``data`` is not item scores or an item of ``constructs`` is not in it.
    CodebookError
        If ``constructs`` cannot be read or a construct has no items.

    Examples
    --------
    >>> from loyaltysem.datasets import load_holzinger_swineford
    >>> from loyaltysem.measurement.reliability import item_table
    >>> hs = load_holzinger_swineford()
    >>> item_table(hs)[["construct", "r_drop", "alpha_if_deleted"]].head(3).round(3)
         construct  r_drop  alpha_if_deleted
    item
    x1      visual   0.449             0.507
    x2      visual   0.375             0.612
    x3      visual   0.484             0.458
    """
    mapping = _constructs_of(data, constructs, "item_table")
    _, frame = _as_items(data, "item_table")
    _check_columns(frame, mapping)
    parts = []
    for name, items in mapping.items():
        sub = _select(frame, items)
        x = sub.to_numpy(dtype=float, na_value=np.nan)
        counts = (~np.isnan(x)).sum(axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            means = np.nanmean(x, axis=0)
            sds = np.array(
                [
                    np.nanstd(x[:, j], ddof=1) if counts[j] > 1 else math.nan
                    for j in range(len(items))
                ]
            )
        part = pd.DataFrame(
            {
                "construct": name,
                "r_drop": math.nan,
                "r_cor": math.nan,
                "alpha_if_deleted": math.nan,
                "alpha_std_if_deleted": math.nan,
                "mean": means,
                "sd": sds,
                "n": counts.astype(int),
            },
            index=pd.Index(items, name="item"),
        )
        try:
            res = alpha(sub)
        except SurveyDataError:
            res = None
        if res is not None and res.computed:
            part["r_drop"] = res.item_stats["r_drop"].to_numpy()
            part["r_cor"] = res.item_stats["r_cor"].to_numpy()
            if res.n_items > 2:
                part["alpha_if_deleted"] = res.alpha_drop["raw_alpha"].to_numpy()
                part["alpha_std_if_deleted"] = res.alpha_drop["std_alpha"].to_numpy()
        parts.append(part)
    out = pd.concat(parts)
    return out[list(ITEM_TABLE_COLUMNS)]


# --------------------------------------------------------------------------- CFA-based


def _loadings(std_loadings: object, caller: str) -> np.ndarray:
    try:
        lam = np.asarray(std_loadings, dtype=float)
    except (TypeError, ValueError):
        raise SurveyDataError(
            f"{caller}() needs numeric standardized loadings",
            found=type(std_loadings).__name__,
            expected="a 1-D sequence of numbers, e.g. [0.8, 0.75, 0.7]",
            fix="pass the std.all loadings of one construct",
        ) from None
    if lam.ndim != 1 or lam.size == 0 or not np.isfinite(lam).all():
        raise SurveyDataError(
            f"{caller}() needs finite standardized loadings of one construct",
            found=std_loadings if lam.size <= 20 else f"array of shape {lam.shape}",
            expected="a non-empty 1-D sequence of finite numbers",
            fix="pass the std.all loadings of one construct, without NaN",
        )
    if (np.abs(lam) > 1.0).any():
        warnings.warn(
            f"{caller}(): a standardized loading beyond ±1 (a Heywood case) makes an "
            "error variance 1 - λ² negative; the value returned is not a reliability",
            HeywoodWarning,
            stacklevel=3,
        )
    return lam


def composite_reliability(std_loadings: Sequence[float] | np.ndarray | pd.Series) -> float:
    r"""Composite reliability :math:`\rho_c` from standardized loadings.

    .. math::

        \rho_c = \frac{(\sum_i \lambda_i)^2}{(\sum_i \lambda_i)^2 + \sum_i (1 - \lambda_i^2)}

    with :math:`\lambda_i` the standardized loadings of one construct's items (lavaan
    ``standardizedSolution()`` ``est.std``) and :math:`1 - \lambda_i^2` their
    standardized error variances (uncorrelated errors assumed). This is what SmartPLS,
    seminr (``rhoC``) and thesis tables report.

    Parameters
    ----------
    std_loadings : sequence of float
        Standardized loadings of one construct.

    Returns
    -------
    float
        :math:`\rho_c`; 1.0 for a single loading of ±1.

    Raises
    ------
    SurveyDataError
        If the loadings are not a non-empty 1-D sequence of finite numbers.

    Warns
    -----
    HeywoodWarning
        If a loading lies beyond ±1.

    References
    ----------
    .. [1] Jöreskog, K. G. (1971). Statistical analysis of sets of congeneric tests.
       *Psychometrika*, 36(2), 109–133.
    .. [2] Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models
       with unobservable variables and measurement error. *Journal of Marketing
       Research*, 18(1), 39–50.

    Examples
    --------
    >>> from loyaltysem.measurement.reliability import composite_reliability
    >>> round(composite_reliability([0.8, 0.75, 0.7]), 4)
    0.7947
    """
    lam = _loadings(std_loadings, "composite_reliability")
    s = float(lam.sum()) ** 2
    return s / (s + float((1.0 - lam**2).sum()))


def average_variance_extracted(std_loadings: Sequence[float] | np.ndarray | pd.Series) -> float:
    r"""Average variance extracted: the mean squared standardized loading.

    .. math::

        \mathrm{AVE} = \frac{1}{k} \sum_{i=1}^{k} \lambda_i^2

    (Fornell & Larcker 1981, with standardized loadings, so that the error variances
    are :math:`1 - \lambda_i^2`). ``semTools::AVE()`` divides by the observed item
    variances instead and can differ in the third decimal.

    Parameters
    ----------
    std_loadings : sequence of float
        Standardized loadings of one construct.

    Returns
    -------
    float
        The AVE.

    Raises
    ------
    SurveyDataError
        If the loadings are not a non-empty 1-D sequence of finite numbers.

    Warns
    -----
    HeywoodWarning
        If a loading lies beyond ±1.

    References
    ----------
    .. [1] Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models
       with unobservable variables and measurement error. *Journal of Marketing
       Research*, 18(1), 39–50.

    Examples
    --------
    >>> from loyaltysem.measurement.reliability import average_variance_extracted
    >>> round(average_variance_extracted([0.8, 0.75, 0.7]), 4)
    0.5642
    """
    lam = _loadings(std_loadings, "average_variance_extracted")
    return float(np.mean(lam**2))
