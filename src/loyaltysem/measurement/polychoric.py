"""Polychoric correlations for users: thresholds, polychorics and ordinal alpha.

:func:`thresholds` (as ``lavaan::lavCor(x, ordered = TRUE, output = "th")``),
:func:`polychoric` (as ``lavaan::lavCor(x, ordered = TRUE)``; both computed by
:mod:`loyaltysem.sem.polychoric`, the first stage of the WLSMV pipeline) and
:func:`ordinal_alpha` (Zumbo, Gadermann & Zeisser 2007; as
``psych::alpha(psych::polychoric(x)$rho)`` or on lavaan's polychorics), with psych's own
polychoric estimator beside lavaan's.

References
----------
Zumbo, B. D., Gadermann, A. M. & Zeisser, C. (2007). Ordinal versions of coefficients
alpha and theta for Likert rating scales. Journal of Modern Applied Statistical
Methods 6(1), 21-29.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from scipy import special

from loyaltysem._display import DisplayMixin
from loyaltysem._kernels import polychoric as _k
from loyaltysem.errors import MissingDataWarning, SurveyDataError
from loyaltysem.sem.polychoric import (
    MAX_CATEGORIES,
    Missing,
    PolychoricResult,
    ThresholdResult,
    _as_frame,
    _prepare,
    polychoric,
    thresholds,
)
from loyaltysem.survey import Survey

__all__ = [
    "MAX_CATEGORIES",
    "OrdinalAlphaResult",
    "PolychoricResult",
    "ThresholdResult",
    "ordinal_alpha",
    "polychoric",
    "thresholds",
]

AlphaMethod = Literal["lavaan", "psych"]

#: psych::polychoric's ``max.cat`` (it refuses items spanning more values).
_PSYCH_MAX_CAT = 8
#: R's ``optimize()`` default tolerance, ``.Machine$double.eps^0.25``.
_R_OPTIMIZE_TOL = float(np.finfo(float).eps) ** 0.25


# --------------------------------------------------------------------------- psych


def _psych_polychoric(frame: pd.DataFrame) -> tuple[np.ndarray, bool]:
    """``psych::polychoric(x)$rho`` (psych 2.2.9 defaults); returns (rho, global flag).

    psych codes every item on the common grid ``min(x) .. max(x)``, takes each item's
    thresholds from all its answers (``global = TRUE``) and maximises the same
    likelihood as lavaan with ``optimize(interval = c(-1, 1))`` (tolerance about
    1.2e-4). If the items' maxima differ it sets ``global = FALSE``: per pair, empty rows
    and columns are dropped, empty cells get ``correct = 0.5`` counts and the thresholds
    come from the pair's table.
    """
    x = frame.to_numpy(dtype=float, na_value=np.nan)
    p = x.shape[1]
    gmin = np.nanmin(x)
    xs = (x - gmin).astype(float)  # codes 0 .. nvalues-1
    nvalues = int(np.nanmax(xs)) + 1
    xmax = np.nanmax(xs, axis=0)
    global_ = bool(np.all(xmax == xmax.max()))
    codes = np.where(np.isnan(xs), -1, xs).astype(np.int64)
    taus = []
    for j in range(p):
        y = codes[:, j]
        cnt = np.bincount(y[y >= 0], minlength=nvalues).astype(float)
        taus.append(_k.univariate_thresholds(cnt))
    corr = np.eye(p)
    for i in range(1, p):
        for j in range(i):
            a, b = codes[:, i], codes[:, j]
            ok = (a >= 0) & (b >= 0)
            tab = np.bincount(a[ok] * nvalues + b[ok], minlength=nvalues * nvalues)
            tab = tab.reshape(nvalues, nvalues).astype(float)
            tot = tab.sum()
            tab = tab / tot
            if global_:
                rc, cc = taus[i], taus[j]
            else:
                tab = tab[tab.sum(axis=1) > 0][:, tab.sum(axis=0) > 0]
                tab = np.where(tab == 0, 0.5 / tot, tab)
                # psych takes qnorm(cumsum(margin)) without renormalising after the
                # correction, so these cumulative sums may exceed 1 slightly
                rc = special.ndtri(np.cumsum(tab.sum(axis=1))[:-1])
                cc = special.ndtri(np.cumsum(tab.sum(axis=0))[:-1])
            corr[i, j] = corr[j, i] = _psych_rho(tab, rc, cc)
    return corr, global_


def _psych_rho(tab: np.ndarray, rc: np.ndarray, cc: np.ndarray) -> float:
    """As psych ``polyc``: ``optimize(polyF, c(-1, 1))``; cells with P <= 0 are skipped."""
    t1 = rc[None, :]
    t2 = cc[None, :]

    def objective(rho: float) -> float:
        grid = _k.bvn_cdf(t1[0][:, None], t2[0][None, :], rho)
        n1, n2 = grid.shape
        big = np.zeros((n1 + 2, n2 + 2))
        big[1:-1, 1:-1] = grid
        big[-1, 1:-1] = _k.bvn_cdf(np.inf, t2[0], rho)
        big[1:-1, -1] = _k.bvn_cdf(t1[0], np.inf, rho)
        big[-1, -1] = 1.0
        prob = big[1:, 1:] - big[1:, :-1] - big[:-1, 1:] + big[:-1, :-1]
        ok = prob > 0
        return -float(np.sum(tab[ok] * np.log(prob[ok])))

    return _k.brent_fmin(objective, -1.0, 1.0, _R_OPTIMIZE_TOL)[0]


# --------------------------------------------------------------------------- ordinal alpha


@dataclass(frozen=True, repr=False)
class OrdinalAlphaResult(DisplayMixin):
    """Ordinal alpha per construct.

    Attributes
    ----------
    table : DataFrame
        Indexed by construct: ``alpha`` (ordinal alpha), ``mean_r`` (average inter-item
        polychoric correlation), ``k`` (items) and ``n`` (rows used).
    correlations : dict of str to DataFrame
        The polychoric correlation matrix of each construct.
    method : str
        ``"lavaan"`` or ``"psych"``.
    missing : str
        The missing-data rule (method ``"lavaan"``); ``"pairwise"`` for psych.
    """

    table: pd.DataFrame
    correlations: dict[str, pd.DataFrame]
    method: str
    missing: str

    _title: ClassVar[str] = "Ordinal alpha (Zumbo, Gadermann & Zeisser 2007)"

    def _repr_parts(self) -> list[str]:
        return [f"constructs={len(self.table)}", f"method={self.method}", f"missing={self.missing}"]

    def _header(self) -> list[str]:
        return [f"polychoric correlations: {self.method}; missing = {self.missing}"]

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "Ordinal alpha", self.table


def _standardized_alpha(r: np.ndarray) -> tuple[float, float]:
    k = r.shape[0]
    mean_r = float((r.sum() - k) / (k * (k - 1)))
    return k * mean_r / (1.0 + (k - 1) * mean_r), mean_r


def ordinal_alpha(
    data: pd.DataFrame | Survey,
    constructs: Mapping[str, Sequence[str]],
    *,
    method: AlphaMethod = "lavaan",
    missing: Missing = "listwise",
) -> OrdinalAlphaResult:
    """Ordinal alpha: standardized Cronbach's alpha of the polychoric correlation matrix.

    Parameters
    ----------
    data : DataFrame or Survey
        Ordinal item scores (whole-number codes, NaN for missing).
    constructs : mapping of str to sequence of str
        Construct name to its items (at least two each).
    method : {"lavaan", "psych"}, default "lavaan"
        Whose polychoric correlations: lavaan's two-step ML (:func:`polychoric` on the
        construct's items, with ``missing``), or ``psych::polychoric`` with its defaults
        (per-item thresholds from all answers, pairwise tables, ``optimize()`` to about
        1e-4). See the Notes for where they differ.
    missing : {"listwise", "pairwise"}, default "listwise"
        For ``method="lavaan"``; psych always uses every available answer.

    Returns
    -------
    OrdinalAlphaResult

    Raises
    ------
    SurveyDataError
        A construct with fewer than two items, unknown items, or bad codes.

    Notes
    -----
    ``alpha = k r / (1 + (k - 1) r)`` with ``r`` the mean off-diagonal polychoric
    correlation (Zumbo, Gadermann & Zeisser 2007), which is what
    ``psych::alpha(psych::polychoric(x)$rho)`` reports as ``std.alpha`` (= ``raw_alpha``
    on a correlation matrix).

    The two methods agree when the data are complete and every item uses the same set of
    categories: then psych's likelihood is lavaan's and only ``optimize()``'s tolerance
    separates the correlations (about 1e-5 here). They differ (1) with missing answers:
    lavaan deletes listwise by default, psych uses pairwise tables with thresholds from
    every answer to the item (``method="lavaan", missing="pairwise"`` is the same
    estimator solved exactly); (2) when the items' highest categories differ: psych then
    switches to ``global = FALSE`` and adds 0.5 to empty cells (``correct = 0.5``), with
    thresholds from each pair's table; lavaan never corrects tables larger than 2 x 2.
    psych's continuity correction does not apply under its default ``global = TRUE``.

    Examples
    --------
    >>> from loyaltysem.datasets import load_ecommerce
    >>> from loyaltysem.measurement.polychoric import ordinal_alpha
    >>> x = load_ecommerce().data
    >>> res = ordinal_alpha(x, {"TRU": ["TRU1", "TRU2", "TRU3"]}, method="psych")
    >>> round(float(res.table.loc["TRU", "alpha"]), 3)  # R: psych::alpha(psych::polychoric(x)$rho)
    0.819
    """
    if method not in ("lavaan", "psych"):
        raise SurveyDataError(
            "unknown polychoric method for ordinal alpha",
            found=method,
            expected='"lavaan" or "psych"',
            fix='method="lavaan" (two-step ML) or method="psych" (psych::polychoric)',
        )
    frame = _as_frame(data, "ordinal_alpha")
    if not isinstance(constructs, Mapping) or not constructs:
        raise SurveyDataError(
            "constructs must map each construct name to its items",
            found=type(constructs).__name__,
            expected='a dict such as {"TRU": ["TRU1", "TRU2", "TRU3"]}',
            fix="pass constructs={name: [items]}",
        )
    rows = {}
    mats = {}
    for name, items in constructs.items():
        items = [str(i) for i in items]
        if len(items) < 2:
            raise SurveyDataError(
                "ordinal alpha needs at least two items per construct",
                column=str(name),
                found=items,
                expected="two or more items",
                fix="add items to the construct or leave it out",
            )
        unknown = [i for i in items if i not in frame.columns]
        if unknown:
            raise SurveyDataError(
                "construct items not found in the data",
                column=unknown[0],
                found=unknown,
                expected=f"columns of the data ({len(frame.columns)} columns)",
                fix="check the item names of the construct",
            )
        sub = frame[items]
        if method == "lavaan":
            res = polychoric(sub, missing=missing)
            r = res.correlation.to_numpy()
            n = res.n
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MissingDataWarning)
                _prepare(sub, None, "pairwise", "ordinal_alpha")  # validation only
            x = sub.to_numpy(dtype=float, na_value=np.nan)
            span = int(np.nanmax(x) - np.nanmin(x)) + 1
            if span > _PSYCH_MAX_CAT:
                raise SurveyDataError(
                    "psych::polychoric refuses items spanning more than 8 values (max.cat)",
                    column=str(name),
                    found=f"values from {np.nanmin(x):g} to {np.nanmax(x):g}",
                    expected="at most 8 consecutive values",
                    fix='use method="lavaan"',
                )
            r, _ = _psych_polychoric(sub)
            n = len(sub)
        alpha, mean_r = _standardized_alpha(r)
        rows[str(name)] = {"alpha": alpha, "mean_r": mean_r, "k": len(items), "n": n}
        mats[str(name)] = pd.DataFrame(r, index=items, columns=items)
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "construct"
    return OrdinalAlphaResult(
        table=table,
        correlations=mats,
        method=method,
        missing=missing if method == "lavaan" else "pairwise",
    )
