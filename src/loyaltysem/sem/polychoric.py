"""Thresholds and polychoric correlations: the sample statistics of ordered items.

:func:`thresholds` (as ``lavaan::lavCor(x, ordered = TRUE, output = "th")``) and
:func:`polychoric` (as ``lavaan::lavCor(x, ordered = TRUE)``, with the asymptotic
covariance matrix lavaan's WLSMV uses): the first stage of the WLSMV pipeline
(:mod:`loyaltysem.sem.ordinal`). Users reach them, with ordinal alpha, through
:mod:`loyaltysem.measurement.polychoric`.

Conventions (lavaan 0.6's two-step estimator, ``lav_samplestats_step1/2``,
``lav_uvord.R``, ``lav_bvord.R``), so that the numbers match ``lavCor``:

- **Categories.** The distinct values observed in a column, sorted, coded ``1 .. K``
  (R's ``ordered()``); an unobserved middle value is not a category. Values must be whole
  numbers; at most 20 categories.
- **Thresholds.** ``tau_k = qnorm(cumulative proportion of categories 1 .. k)``, the
  maximum likelihood estimate of the univariate probit model, from the rows used
  (listwise: complete rows; pairwise: every answer to the item).
- **Polychoric correlation.** With both items' thresholds fixed, ``rho`` maximises the
  bivariate-normal likelihood of the pair's contingency table ``sum n_ab log P_ab(rho)``
  (Olsson 1979, two-step), inside ``[-0.999, 0.999]`` as lavaan's ``nlminb`` bounds. Cell
  probabilities below ``sqrt(.Machine$double.eps)`` are floored as lavaan does, and the
  floored cells are left out of the gradient and Hessian as lavaan leaves them out. On
  sparse tables this floored likelihood can have two local maxima, or flatten towards
  +-1; the estimate is then the point lavaan's ``nlminb`` reaches from the Pearson
  correlation of the codes, which we reproduce by following the same PORT trust-region
  path (not always the higher maximum; psych, maximising the unfloored likelihood, can
  differ by 0.05-0.15 on such tables: see docs/polychoric.md). A 2 x 2
  table with one empty cell gets 0.5 added and subtracted keeping the margins
  (lavaan's ``zero.add = c(0.5, 0)``, ``zero.keep.margins = TRUE``); with two empty
  cells rho is +1 or -1; larger tables are not corrected.
- **Missing answers.** ``missing="listwise"`` (lavCor's default) keeps the rows that
  answer every item; ``missing="pairwise"`` uses, per item, all its answers for the
  thresholds and, per pair, the rows answering both for the table (lavaan's
  ``missing = "pairwise"``). Rows without any answer are counted and reported in the
  result and in a :class:`~loyaltysem.errors.MissingDataWarning`, never dropped silently.
- **Asymptotic covariance** (``nacov=True``): ``N`` times the sandwich
  ``B^-1 S B^-T`` built from observation-level scores of the univariate and bivariate
  likelihoods (Muthen 1984; lavaan's ``muthen1984()``), in lavaan's order: all thresholds
  item by item, then the correlations column-wise below the diagonal. It is
  ``lavInspect(fit, "gamma")`` of ``lavCor(x, ordered = TRUE, estimator = "WLSMV",
  output = "fit")``; ``wls_v`` is its inverted diagonal, the diagonal weight matrix of
  DWLS/WLSMV (``lavInspect(fit, "WLS.V")``).

Numbers are stored at full precision; rounding happens only on display.

References
----------
Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation
coefficient. Psychometrika 44, 443-460.
Muthen, B. (1984). A general structural equation model with dichotomous, ordered
categorical, and continuous latent variable indicators. Psychometrika 49, 115-132.
Zumbo, B. D., Gadermann, A. M. & Zeisser, C. (2007). Ordinal versions of coefficients
alpha and theta for Likert rating scales. Journal of Modern Applied Statistical
Methods 6(1), 21-29.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import numpy as np
import pandas as pd

from loyaltysem._display import DisplayMixin
from loyaltysem._kernels import polychoric as _k
from loyaltysem.errors import (
    ConvergenceWarning,
    LoyaltySemWarning,
    MissingDataWarning,
    SurveyDataError,
)
from loyaltysem.survey import Survey

__all__ = [
    "MAX_CATEGORIES",
    "PolychoricResult",
    "ThresholdResult",
    "polychoric",
    "thresholds",
]

Missing = Literal["listwise", "pairwise"]

#: More distinct values than this are not treated as ordinal categories.
MAX_CATEGORIES = 20


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class _Coded:
    """Validated ordinal items as integer codes (``-1`` = missing)."""

    items: list[str]
    codes: np.ndarray  # (n, p) int, -1 missing
    categories: list[tuple[float, ...]]
    n_rows: int
    n_empty_rows: int
    n_incomplete_rows: int
    row_labels: pd.Index


def _as_frame(data: object, caller: str) -> pd.DataFrame:
    if isinstance(data, Survey):
        return data.data
    if not isinstance(data, pd.DataFrame):
        raise SurveyDataError(
            f"{caller}() needs a pandas DataFrame of item scores or a Survey",
            found=type(data).__name__,
            expected="pandas.DataFrame with one column per item and one row per respondent",
            fix="wrap the array, e.g. pd.DataFrame(x, columns=item_names), or pass the survey",
        )
    return data


def _select(frame: pd.DataFrame, ordered: Sequence[str] | None, caller: str) -> pd.DataFrame:
    if ordered is None:
        return frame
    if isinstance(ordered, str):
        ordered = [ordered]
    names = [str(c) for c in frame.columns]
    unknown = [o for o in ordered if o not in names]
    if unknown:
        raise SurveyDataError(
            "ordered names columns that are not in the data",
            column=unknown[0],
            found=unknown,
            expected=f"column names among {names}",
            fix="check the spelling of the item names in ordered=",
        )
    rest = [c for c in names if c not in set(ordered)]
    if rest:
        raise SurveyDataError(
            f"{caller}() treats every column as ordinal; mixed ordinal-continuous "
            "(polyserial) correlations are not supported",
            column=rest[0],
            found=rest,
            expected="only the columns listed in ordered=",
            fix="select the ordinal items first, e.g. data[ordered], or leave ordered=None",
        )
    return frame[list(ordered)]


def _prepare(
    data: object,
    ordered: Sequence[str] | None,
    missing: str,
    caller: str,
) -> _Coded:
    if missing not in ("listwise", "pairwise"):
        raise SurveyDataError(
            "unknown missing-data rule",
            found=missing,
            expected='"listwise" or "pairwise"',
            fix='use missing="listwise" (lavCor\'s default) or missing="pairwise"',
        )
    frame = _select(_as_frame(data, caller), ordered, caller)
    if frame.shape[1] < 1:
        raise SurveyDataError(
            f"{caller}() needs at least one item column",
            found=frame.shape,
            expected="one column per item",
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
    items = [str(c) for c in frame.columns]
    for col, dtype in frame.dtypes.items():
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            raise SurveyDataError(
                "ordinal item scores must be numeric category codes",
                column=str(col),
                found=str(dtype),
                expected="integer codes such as 1..7 (NaN for a missing answer)",
                fix="resolve text answers and missing-value codes first, e.g. with read_survey()",
            )
    x = frame.to_numpy(dtype=float, na_value=np.nan)
    n_rows = x.shape[0]
    observed = ~np.isnan(x)
    for j, item in enumerate(items):
        col = x[:, j]
        bad = observed[:, j] & ~(np.isfinite(col) & (col == np.round(col)))
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise SurveyDataError(
                "ordinal items must hold whole-number category codes",
                column=item,
                found=f"{col[r]:g} (row label {frame.index[r]!r})",
                expected="whole numbers such as 1, 2, ..., 7 (NaN for a missing answer)",
                fix="recode the answers to integer categories, or treat the item as "
                "continuous (Pearson correlations) instead of ordinal",
            )
    empty_rows = ~observed.any(axis=1)
    n_empty = int(empty_rows.sum())
    complete = observed.all(axis=1)
    n_incomplete = int((~complete).sum())
    # categories: R's ordered() on the whole column (lavData converts before deleting rows)
    categories: list[tuple[float, ...]] = []
    for j, item in enumerate(items):
        values = np.unique(x[observed[:, j], j])
        if values.size > MAX_CATEGORIES:
            raise SurveyDataError(
                f"too many distinct values to treat the item as ordinal "
                f"(more than {MAX_CATEGORIES})",
                column=item,
                found=f"{values.size} distinct values",
                expected=f"at most {MAX_CATEGORIES} ordered categories",
                fix="treat this item as continuous (Pearson correlations, ML estimation) "
                "rather than declaring it ordered",
            )
        categories.append(tuple(float(v) for v in values))
    keep = complete if missing == "listwise" else ~empty_rows
    x = x[keep]
    labels = frame.index[keep]
    if x.shape[0] == 0:
        raise SurveyDataError(
            f"no rows left for {caller}() after {missing} deletion",
            found=f"{n_rows} rows, {n_incomplete} with a missing answer",
            expected="at least some respondents answering the items",
            fix="use missing='pairwise', or drop the items nobody answered",
        )
    codes = np.full(x.shape, -1, dtype=np.int64)
    for j, item in enumerate(items):
        cats = np.asarray(categories[j])
        ok = ~np.isnan(x[:, j])
        codes[ok, j] = np.searchsorted(cats, x[ok, j])
        counts = np.bincount(codes[ok, j], minlength=cats.size)
        if cats.size < 2:
            raise SurveyDataError(
                "an ordinal item needs at least two observed categories; this one has a "
                "single value (no variance), so it has no threshold and no correlation",
                column=item,
                found=f"only the value {cats[0]:g}" if cats.size else "no answers",
                expected="two or more distinct answers",
                fix="drop the item from the analysis",
            )
        if (counts == 0).any():
            empty = [f"{c:g}" for c, n in zip(cats, counts, strict=True) if n == 0]
            raise SurveyDataError(
                "after listwise deletion a category of the item has no answers left, so "
                "its threshold is undefined (lavaan stops with 'some categories of variable "
                "... are empty')",
                column=item,
                found=f"empty categories {empty}; counts {counts.tolist()}",
                expected="every observed category present in the rows analysed",
                fix="merge the rare category with its neighbour, or use missing='pairwise'",
            )
    return _Coded(
        items=items,
        codes=codes,
        categories=categories,
        n_rows=n_rows,
        n_empty_rows=n_empty,
        n_incomplete_rows=n_incomplete,
        row_labels=labels,
    )


def _threshold_names(item: str, k: int) -> list[str]:
    return [f"{item}|t{i + 1}" for i in range(k)]


# --------------------------------------------------------------------------- thresholds


@dataclass(frozen=True, repr=False)
class ThresholdResult(DisplayMixin):
    """Univariate thresholds of ordinal items.

    Attributes
    ----------
    table : DataFrame
        One row per threshold, indexed by lavaan's name (``"REP1|t1"``): ``item``,
        ``threshold`` (1, 2, ...), ``value`` (the threshold), ``below`` and ``above`` (the
        category values it separates) and ``cumulative_proportion``.
    counts : DataFrame
        Items by category value: the number of answers used (0 where an item lacks a
        value another item has).
    n : Series
        Answers used per item.
    n_rows, n_empty_rows, n_incomplete_rows : int
        Rows given, rows with no answer at all, rows with at least one missing answer.
    missing : str
        ``"listwise"`` or ``"pairwise"``.
    """

    table: pd.DataFrame
    counts: pd.DataFrame
    n: pd.Series
    n_rows: int
    n_empty_rows: int
    n_incomplete_rows: int
    missing: str

    _title: ClassVar[str] = "Thresholds (probit of cumulative proportions)"

    def _repr_parts(self) -> list[str]:
        return [
            f"items={len(self.n)}",
            f"rows={self.n_rows}",
            f"incomplete={self.n_incomplete_rows}",
            f"missing={self.missing}",
        ]

    @property
    def values(self) -> pd.Series:
        """The thresholds as a Series named as lavaan names them (``lavCor(output="th")``)."""
        return self.table["value"]

    def _header(self) -> list[str]:
        return [
            f"rows: {self.n_rows}, with no answer: {self.n_empty_rows}, "
            f"incomplete: {self.n_incomplete_rows}; missing = {self.missing}"
        ]

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "Thresholds", self.table
        yield "Category counts", self.counts


def _threshold_result(coded: _Coded, missing: str) -> tuple[ThresholdResult, list[np.ndarray]]:
    rows = []
    tau_list = []
    all_values = sorted({v for cats in coded.categories for v in cats})
    counts = pd.DataFrame(
        0,
        index=pd.Index(coded.items, name="item"),
        columns=pd.Index([_fmt_value(v) for v in all_values], name="category"),
        dtype=np.int64,
    )
    n = {}
    for j, item in enumerate(coded.items):
        y = coded.codes[:, j]
        cats = coded.categories[j]
        cnt = np.bincount(y[y >= 0], minlength=len(cats))
        tau = _k.univariate_thresholds(cnt)
        tau_list.append(tau)
        cum = np.cumsum(cnt)[:-1] / cnt.sum()
        for t in range(len(tau)):
            rows.append(
                {
                    "name": f"{item}|t{t + 1}",
                    "item": item,
                    "threshold": t + 1,
                    "value": float(tau[t]),
                    "below": cats[t],
                    "above": cats[t + 1],
                    "cumulative_proportion": float(cum[t]),
                }
            )
        for v, c in zip(cats, cnt, strict=True):
            counts.loc[item, _fmt_value(v)] = int(c)
        n[item] = int(cnt.sum())
    table = pd.DataFrame(rows).set_index("name")
    table.index.name = None
    return (
        ThresholdResult(
            table=table,
            counts=counts,
            n=pd.Series(n, name="n"),
            n_rows=coded.n_rows,
            n_empty_rows=coded.n_empty_rows,
            n_incomplete_rows=coded.n_incomplete_rows,
            missing=missing,
        ),
        tau_list,
    )


def _fmt_value(v: float) -> str:
    return f"{v:g}"


def thresholds(
    data: pd.DataFrame | Survey,
    ordered: Sequence[str] | None = None,
    *,
    missing: Missing = "listwise",
) -> ThresholdResult:
    """Univariate thresholds of ordinal items, as lavaan's two-step estimator gives them.

    Parameters
    ----------
    data : DataFrame or Survey
        One column per ordinal item, whole-number category codes, NaN for missing.
    ordered : sequence of str, optional
        The ordinal items; default every column. Every column must be listed.
    missing : {"listwise", "pairwise"}, default "listwise"
        Rows used: complete rows (lavCor's default) or every answer to the item.

    Returns
    -------
    ThresholdResult
        ``values`` (lavaan names ``item|t1`` ...), ``table`` with the categories each
        threshold separates, and ``counts`` per category.

    Raises
    ------
    SurveyDataError
        Non-numeric or non-integer codes, a single observed category, more than
        :data:`MAX_CATEGORIES` values, a category left empty by listwise deletion.

    Notes
    -----
    ``tau_k = Phi^-1(p_1 + ... + p_k)``, ``k = 1 .. K-1``, with ``p_c`` the proportion of
    answers in category ``c``; the maximum likelihood estimate of the probit threshold
    model (lavaan ``lav_uvord_th``).

    Examples
    --------
    >>> import pandas as pd
    >>> from loyaltysem.sem.polychoric import thresholds
    >>> x = pd.DataFrame({"a": [1, 1, 2, 2, 2, 3, 3, 3, 3, 3]})
    >>> th = thresholds(x)  # R: lavaan::lavCor(x, ordered = "a", output = "th")
    >>> th.values.round(4).tolist()
    [-0.8416, 0.0]
    >>> th.counts.loc["a"].tolist()
    [2, 3, 5]
    """
    coded = _prepare(data, ordered, missing, "thresholds")
    _warn_rows(coded, missing, "thresholds")
    return _threshold_result(coded, missing)[0]


# --------------------------------------------------------------------------- polychoric


@dataclass(frozen=True, repr=False)
class PolychoricResult(DisplayMixin):
    """Polychoric correlations with their thresholds and, optionally, their NACOV.

    Attributes
    ----------
    correlation : DataFrame
        Items by items polychoric correlation matrix (unit diagonal).
    thresholds : ThresholdResult
        The thresholds held fixed in the second step.
    n : int
        Rows analysed (listwise: complete rows; pairwise: rows with any answer).
    pairwise_n : DataFrame
        Rows answering both items of each pair.
    empty_cells : DataFrame
        Number of empty cells of each pair's contingency table (0 on the diagonal).
    n_rows, n_empty_rows, n_incomplete_rows : int
        Rows given, rows with no answer at all, rows with a missing answer.
    missing : str
        ``"listwise"`` or ``"pairwise"``.
    method : str
        ``"lavaan"`` (two-step ML, exact optimum) or ``"psych"`` (psych::polychoric).
    gamma : DataFrame or None
        Asymptotic covariance matrix (times N) of thresholds and correlations, lavaan's
        NACOV (``lavInspect(fit, "gamma")``); ``None`` unless ``nacov=True``.
    wls_v : Series or None
        ``1 / diag(gamma)``: the diagonal weights of DWLS/WLSMV.
    at_bound : list of tuple
        Pairs whose estimate sits at +-0.999 (lavaan's bounds; +-0.995 after lavaan's
        restart) or was fixed at +-1.
    """

    correlation: pd.DataFrame
    thresholds: ThresholdResult
    n: int
    pairwise_n: pd.DataFrame
    empty_cells: pd.DataFrame
    n_rows: int
    n_empty_rows: int
    n_incomplete_rows: int
    missing: str
    method: str = "lavaan"
    gamma: pd.DataFrame | None = None
    wls_v: pd.Series | None = None
    at_bound: list[tuple[str, str]] = field(default_factory=list)

    _title: ClassVar[str] = "Polychoric correlations"

    def _repr_parts(self) -> list[str]:
        return [
            f"items={self.correlation.shape[0]}",
            f"n={self.n}",
            f"method={self.method}",
            f"missing={self.missing}",
            f"at_bound={len(self.at_bound)}" if self.at_bound else "",
        ]

    def _header(self) -> list[str]:
        n_empty_tables = int((self.empty_cells.to_numpy() > 0).sum() // 2)
        return [
            f"method: {self.method}; missing = {self.missing}; n = {self.n} "
            f"(rows {self.n_rows}, with no answer {self.n_empty_rows}, incomplete "
            f"{self.n_incomplete_rows})",
            f"pairs with empty cells: {n_empty_tables}",
        ]

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "Correlations", self.correlation
        yield "Thresholds", self.thresholds.values


def _pair_tables(
    codes: np.ndarray, ncat: list[int], i: int, j: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a, b = codes[:, i], codes[:, j]
    ok = (a >= 0) & (b >= 0)
    ka, kb = ncat[i], ncat[j]
    tab = np.bincount(a[ok] * kb + b[ok], minlength=ka * kb).reshape(ka, kb)
    return tab, a[ok], b[ok]


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if a.size < 2:
        return 0.0
    a = a - a.mean()
    b = b - b.mean()
    den = math.sqrt(float(a @ a) * float(b @ b))
    if den == 0:
        return 0.0
    r = float(a @ b) / den
    return r if abs(r) < 1 else 0.0


def _check_pair(tab: np.ndarray, item_i: str, item_j: str, missing: str) -> None:
    rows = int((tab.sum(axis=1) > 0).sum())
    cols = int((tab.sum(axis=0) > 0).sum())
    if tab.sum() == 0 or rows < 2 or cols < 2:
        which = item_i if rows < 2 else item_j
        raise SurveyDataError(
            "the polychoric correlation of this pair is undefined: among the respondents "
            "answering both items, one item takes a single value (an empty row or column "
            "structure leaves nothing to correlate)",
            column=f"{item_i} x {item_j}",
            found=f"{int(tab.sum())} joint answers; table rows/columns used: {rows} x {cols}; "
            f"constant item: {which}",
            expected="at least two categories of each item among the joint answers",
            fix="drop or merge the item, collect more answers, or use "
            + ("missing='listwise'" if missing == "pairwise" else "fewer items"),
        )


def _lavaan_polychoric(
    coded: _Coded, taus: list[np.ndarray], missing: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[str, str]]]:
    codes = coded.codes
    p = codes.shape[1]
    ncat = [len(c) for c in coded.categories]
    corr = np.eye(p)
    pair_n = np.zeros((p, p), dtype=np.int64)
    empty = np.zeros((p, p), dtype=np.int64)
    groups: dict[tuple[int, int], list[tuple[int, int, np.ndarray, float]]] = {}
    valid = codes >= 0
    pair_n[:] = valid.T.astype(np.int64) @ valid.astype(np.int64)
    for j in range(p):
        for i in range(j + 1, p):
            # lavaan: fit.y1 = item j (row of the table), fit.y2 = item i
            tab, a, b = _pair_tables(codes, ncat, j, i)
            _check_pair(tab, coded.items[j], coded.items[i], missing)
            empty[i, j] = empty[j, i] = int((tab == 0).sum())
            start = _pearson(a.astype(float), b.astype(float))
            groups.setdefault((ncat[j], ncat[i]), []).append((j, i, tab, start))
    bound: list[tuple[str, str]] = []
    failed: list[str] = []
    for members in groups.values():
        freq = np.stack([m[2] for m in members]).astype(float)
        t1 = np.stack([taus[m[0]] for m in members])
        t2 = np.stack([taus[m[1]] for m in members])
        start = np.array([m[3] for m in members])
        fit = _k.fit_polychoric(freq, t1, t2, start)
        for (j, i, _, _), r, code, ok in zip(
            members, fit.rho, fit.special, fit.converged, strict=True
        ):
            corr[i, j] = corr[j, i] = r
            if code == 2 or abs(r) == 1.0:
                bound.append((coded.items[j], coded.items[i]))
            if not ok:
                failed.append(f"{coded.items[j]} x {coded.items[i]}")
    if failed:
        warnings.warn(
            f"polychoric(): the estimate did not converge for {len(failed)} pair(s): "
            f"{', '.join(failed)}; their correlation is the Pearson start value, as "
            "lavaan returns it; inspect their contingency tables",
            ConvergenceWarning,
            stacklevel=3,
        )
    near_one = [
        f"{coded.items[j]} x {coded.items[i]} ({corr[i, j]:.3f})"
        for j in range(p)
        for i in range(j + 1, p)
        if abs(corr[i, j]) > 0.99
    ]
    if near_one:
        warnings.warn(
            f"polychoric(): correlation (nearly) +-1 for {len(near_one)} pair(s): "
            f"{', '.join(near_one)}; the items may be redundant or their table too sparse "
            "(lavaan warns the same)",
            LoyaltySemWarning,
            stacklevel=3,
        )
    return corr, pair_n, empty, bound


def polychoric(
    data: pd.DataFrame | Survey,
    ordered: Sequence[str] | None = None,
    *,
    missing: Missing = "listwise",
    nacov: bool = False,
) -> PolychoricResult:
    """Polychoric correlations of ordinal items, as ``lavaan::lavCor(x, ordered = TRUE)``.

    Parameters
    ----------
    data : DataFrame or Survey
        One column per ordinal item, whole-number category codes, NaN for missing.
    ordered : sequence of str, optional
        The ordinal items; default every column. Every column must be listed
        (polyserial correlations with continuous columns are not supported).
    missing : {"listwise", "pairwise"}, default "listwise"
        lavCor's ``missing=``; see the module notes.
    nacov : bool, default False
        Also compute the asymptotic covariance matrix of thresholds and correlations
        (``gamma``) and the DWLS weights (``wls_v``), as lavaan does for WLSMV.

    Returns
    -------
    PolychoricResult

    Raises
    ------
    SurveyDataError
        Bad codes (see :func:`thresholds`), or a pair whose joint answers leave one item
        with a single category (the correlation is undefined).

    Notes
    -----
    Two-step estimator (Olsson 1979): thresholds from the margins, then per pair
    ``rho = argmax sum_ab n_ab log P_ab(rho)`` with
    ``P_ab = Phi2(t_a, u_b) - Phi2(t_a-1, u_b) - Phi2(t_a, u_b-1) + Phi2(t_a-1, u_b-1)``
    (bivariate normal distribution function by Genz's algorithm), maximised from the
    Pearson correlation of the codes along the path of lavaan's ``nlminb`` (PORT trust
    region, ``step.min = 0.1``), for all pairs of a table shape at once. Where the
    floored likelihood has several maxima (sparse tables) this lands on lavaan's.

    Examples
    --------
    >>> from loyaltysem.datasets import load_ecommerce
    >>> from loyaltysem.sem.polychoric import polychoric
    >>> x = load_ecommerce().data[["TRU1", "TRU2", "TRU3"]]
    >>> pc = polychoric(x, missing="pairwise")  # R: lavCor(x, ordered = names(x),
    >>> pc.correlation.round(3)  #                          missing = "pairwise")
           TRU1   TRU2   TRU3
    TRU1  1.000  0.571  0.668
    TRU2  0.571  1.000  0.563
    TRU3  0.668  0.563  1.000
    """
    if not isinstance(nacov, bool):
        raise SurveyDataError(
            "nacov must be True or False", found=nacov, expected="a bool", fix="nacov=True"
        )
    coded = _prepare(data, ordered, missing, "polychoric")
    _warn_rows(coded, missing, "polychoric")
    th, taus = _threshold_result(coded, missing)
    corr, pair_n, empty, bound = _lavaan_polychoric(coded, taus, missing)
    items = coded.items
    gamma = wls_v = None
    if nacov:
        ncat = np.array([len(c) for c in coded.categories])
        g = _k.polychoric_gamma(coded.codes, ncat, taus, corr)
        names = list(th.table.index) + [
            f"{items[j]}~~{items[i]}" for j in range(len(items)) for i in range(j + 1, len(items))
        ]
        gamma = pd.DataFrame(g, index=names, columns=names)
        wls_v = pd.Series(1.0 / np.diag(g), index=names, name="wls_v")
    idx = pd.Index(items)
    return PolychoricResult(
        correlation=pd.DataFrame(corr, index=idx, columns=idx),
        thresholds=th,
        n=int(coded.codes.shape[0]),
        pairwise_n=pd.DataFrame(pair_n, index=idx, columns=idx),
        empty_cells=pd.DataFrame(empty, index=idx, columns=idx),
        n_rows=coded.n_rows,
        n_empty_rows=coded.n_empty_rows,
        n_incomplete_rows=coded.n_incomplete_rows,
        missing=missing,
        gamma=gamma,
        wls_v=wls_v,
        at_bound=bound,
    )


def _warn_rows(coded: _Coded, missing: str, caller: str) -> None:
    if missing == "listwise" and coded.n_incomplete_rows:
        warnings.warn(
            f"{caller}(): listwise deletion kept {coded.codes.shape[0]} of {coded.n_rows} "
            f"rows: {coded.n_incomplete_rows} rows with a missing answer were left out "
            f"({coded.n_empty_rows} of them with no answer at all); use missing='pairwise' "
            "to keep every answer",
            MissingDataWarning,
            stacklevel=3,
        )
    elif missing == "pairwise" and coded.n_empty_rows:
        warnings.warn(
            f"{caller}(): {coded.n_empty_rows} of {coded.n_rows} rows have no answer to any "
            "item and were left out (as lavaan does)",
            MissingDataWarning,
            stacklevel=3,
        )
