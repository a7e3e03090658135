"""Missing answers: patterns, coverage and the saturated moments under MAR.

Before full-information ML (``fit(..., missing="ml")``) a reader wants to see how much
is missing and where. :func:`missing_patterns` gives the response patterns with their
frequencies and the pairwise coverage, as lavaan's ``lavInspect(fit, "patterns")`` and
``lavInspect(fit, "coverage")``; :func:`saturated_moments` gives the maximum-likelihood
means and covariances under missing at random (EM), lavaan's h1 moments
(``lavInspect(fit, "sampstat.h1")``) and ``unrestricted.logl``.

Respondents who answered nothing carry no information: they are counted (``n_empty``)
and left out, as lavaan leaves them out with a warning; never silently.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from loyaltysem._display import DisplayMixin
from loyaltysem._kernels import fiml
from loyaltysem.errors import MissingDataWarning, SurveyDataError
from loyaltysem.survey import Survey

__all__ = ["MissingPatterns", "SaturatedMoments", "missing_patterns", "saturated_moments"]


def _items(data: object, caller: str) -> pd.DataFrame:
    frame = data.data if isinstance(data, Survey) else data
    if not isinstance(frame, pd.DataFrame):
        raise SurveyDataError(
            f"{caller}() needs item scores",
            found=type(data).__name__,
            expected="a Survey or a DataFrame of item scores",
            fix="pass loyaltysem.read_survey(...) or a DataFrame with one column per item",
        )
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise SurveyDataError(
            "items must be numeric",
            column=str(bad[0]),
            found=str(frame[bad[0]].dtype),
            expected="numbers, NaN for a missing answer",
            fix="load the file with read_survey() and a codebook, or convert the column",
        )
    if frame.shape[1] == 0 or frame.shape[0] == 0:
        raise SurveyDataError(
            "no data",
            found=f"{frame.shape[0]} rows x {frame.shape[1]} columns",
            expected="at least one respondent and one item",
            fix="check the file and the item selection",
        )
    return frame


@dataclass(frozen=True, repr=False)
class MissingPatterns(DisplayMixin):
    """Missing-data patterns and coverage of a set of items.

    Attributes
    ----------
    table : DataFrame
        One row per pattern (most frequent first): for each item 1 if answered, 0 if
        missing, then ``n`` (respondents) and ``n_missing`` (items missing).
    coverage : DataFrame
        Items × items: share of respondents who answered both (lavaan ``coverage``;
        the denominator excludes respondents who answered nothing).
    n : int
        Respondents with at least one answer.
    n_complete : int
        Respondents who answered every item.
    n_empty : int
        Respondents who answered none of the items (left out, counted here).
    missing_cells : int
        Missing answers, over all respondents and items.
    """

    table: pd.DataFrame
    coverage: pd.DataFrame
    n: int
    n_complete: int
    n_empty: int
    missing_cells: int

    _title: ClassVar[str] = "Missing-data patterns"

    def _repr_parts(self) -> list[str]:
        return [
            f"n={self.n}",
            f"items={self.coverage.shape[1]}",
            f"complete={self.n_complete}",
            f"patterns={len(self.table)}",
            f"missing_cells={self.missing_cells}",
        ]

    def to_frame(self) -> pd.DataFrame:
        """The pattern table (:attr:`table`)."""
        return self.table

    def _header(self) -> list[str]:
        total = self.n + self.n_empty
        cells = total * (self.table.shape[1] - 2)
        lines = [
            f"respondents: {total}; complete: {self.n_complete}; "
            f"patterns: {len(self.table)}; missing answers: {self.missing_cells} "
            f"of {cells} ({100 * self.missing_cells / max(cells, 1):.2f}%)",
            f"lowest pairwise coverage: {float(np.min(self.coverage.to_numpy())):.3f}",
        ]
        if self.n_empty:
            lines.append(f"{self.n_empty} respondent(s) answered none of the items: left out")
        return lines

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "Patterns (1 = answered)", self.table
        yield "Coverage", self.coverage


def missing_patterns(data: Survey | pd.DataFrame) -> MissingPatterns:
    """Response patterns with their frequencies, and pairwise coverage.

    Parameters
    ----------
    data : Survey or DataFrame
        Item scores, ``NaN`` = missing.

    Returns
    -------
    MissingPatterns

    Examples
    --------
    >>> import loyaltysem as ls
    >>> from loyaltysem.survey.missingness import missing_patterns
    >>> mp = missing_patterns(ls.load_ecommerce())
    >>> mp.n, mp.n_complete, len(mp.table), mp.missing_cells
    (1225, 1059, 39, 178)

    In R: ``lavInspect(cfa(model, data, missing = "ml"), "patterns")`` and
    ``lavInspect(fit, "coverage")``.
    """
    frame = _items(data, "missing_patterns")
    x = frame.to_numpy(dtype=float)
    pat = fiml.patterns(x)
    table = pd.DataFrame(pat.observed.astype(np.int64), columns=frame.columns)
    table["n"] = pat.freq
    table["n_missing"] = (~pat.observed).sum(axis=1)
    table.index = pd.RangeIndex(1, len(table) + 1, name="pattern")
    coverage = pd.DataFrame(pat.coverage(), index=frame.columns, columns=frame.columns)
    complete = int(pat.freq[pat.observed.all(axis=1)].sum()) if len(pat.freq) else 0
    return MissingPatterns(
        table=table,
        coverage=coverage,
        n=pat.n,
        n_complete=complete,
        n_empty=int(pat.empty.size),
        missing_cells=int(np.isnan(x).sum()),
    )


@dataclass(frozen=True, repr=False)
class SaturatedMoments(DisplayMixin):
    """Maximum-likelihood means and covariances under MAR (EM), lavaan's h1 moments.

    Attributes
    ----------
    mean : Series
    cov : DataFrame
        Divisor N (maximum likelihood), as lavaan's ``sampstat.h1``.
    loglik : float
        The saturated log-likelihood, lavaan's ``unrestricted.logl`` under
        ``missing = "ml"``.
    n : int
        Respondents used (at least one answer).
    n_empty : int
        Respondents with no answer, left out.
    iterations : int
        EM iterations.
    """

    mean: pd.Series
    cov: pd.DataFrame
    loglik: float
    n: int
    n_empty: int
    iterations: int

    _title: ClassVar[str] = "Saturated moments (EM, missing at random)"

    def _repr_parts(self) -> list[str]:
        return [
            f"n={self.n}",
            f"items={len(self.mean)}",
            f"iterations={self.iterations}",
            f"loglik={self.loglik:.3f}",
        ]

    def _header(self) -> list[str]:
        return [
            f"respondents: {self.n} (left out, no answer: {self.n_empty}); "
            f"EM iterations: {self.iterations}; log-likelihood: {self.loglik:.3f}"
        ]

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "Means", self.mean.to_frame("mean")
        yield "Covariances", self.cov


def saturated_moments(
    data: Survey | pd.DataFrame, *, tol: float = 1e-10, max_iter: int = 10_000
) -> SaturatedMoments:
    """EM estimates of the means and covariances of items with missing answers.

    The maximum of the multivariate normal likelihood of all observed answers
    (missing at random), by EM started as lavaan starts it. lavaan stops at
    ``em.h1.tol = 1e-5``; we iterate to ``tol`` (1e-10), which reproduces lavaan run
    with ``em.h1.tol = 1e-12`` to about 1e-10, and its default run to the 1e-6 its
    looser rule leaves (the log-likelihood to 1e-8).

    Parameters
    ----------
    data : Survey or DataFrame
        Item scores, ``NaN`` = missing.
    tol : float, default 1e-10
        Largest change of a mean or (co)variance at convergence.
    max_iter : int, default 10000

    Returns
    -------
    SaturatedMoments

    Raises
    ------
    SurveyDataError
        An item nobody answered, or one with no variance among those who did.

    Warns
    -----
    MissingDataWarning
        Respondents with no answer (left out, counted); pairs of items nobody answered
        together (their covariance is not identified by the data; lavaan warns too);
        EM not converged.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> from loyaltysem.survey.missingness import saturated_moments
    >>> h1 = saturated_moments(ls.load_ecommerce().data[["TRU1", "TRU2", "TRU3"]])
    >>> h1.n, round(float(h1.mean["TRU1"]), 4), round(h1.loglik, 3)
    (1225, 4.9503, -6182.257)

    In R: ``lavInspect(cfa(model, data, missing = "ml"), "sampstat.h1")`` and
    ``fitMeasures(fit, "unrestricted.logl")``.
    """
    frame = _items(data, "saturated_moments")
    x = frame.to_numpy(dtype=float)
    answered = (~np.isnan(x)).sum(axis=0)
    for j, col in enumerate(frame.columns):
        if answered[j] == 0:
            raise SurveyDataError(
                "an item that nobody answered",
                column=str(col),
                found="all values missing",
                expected="at least two answers",
                fix="drop the item from the model",
            )
        vals = x[~np.isnan(x[:, j]), j]
        if np.ptp(vals) == 0:
            raise SurveyDataError(
                "an item without variance",
                column=str(col),
                found=f"every answer is {vals[0]:g}",
                expected="at least two different answers",
                fix="drop the item from the model",
            )
    pat = fiml.patterns(x)
    if pat.empty.size:
        warnings.warn(
            f"saturated_moments(): {pat.empty.size} respondent(s) answered none of the "
            "items and were left out",
            MissingDataWarning,
            stacklevel=2,
        )
    cov_share = pat.coverage()
    rows, cols = np.nonzero(np.triu(cov_share == 0, k=1))
    zero = [(frame.columns[i], frame.columns[j]) for i, j in zip(rows, cols, strict=True)]
    if zero:
        warnings.warn(
            f"saturated_moments(): no respondent answered both {zero[0][0]} and "
            f"{zero[0][1]} ({len(zero)} such pair(s)): their covariance comes from the "
            "model assumptions only",
            MissingDataWarning,
            stacklevel=2,
        )
    em = fiml.em_saturated(pat, tol=tol, max_iter=max_iter)
    if not em.converged:
        warnings.warn(
            f"saturated_moments(): EM did not converge in {max_iter} iterations",
            MissingDataWarning,
            stacklevel=2,
        )
    return SaturatedMoments(
        mean=pd.Series(em.mu, index=frame.columns, name="mean"),
        cov=pd.DataFrame(em.sigma, index=frame.columns, columns=frame.columns),
        loglik=em.loglik,
        n=pat.n,
        n_empty=int(pat.empty.size),
        iterations=em.iterations,
    )
