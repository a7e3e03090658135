r"""Which estimator a careful methodologist would choose for these data, and why.

:func:`recommend_estimator` reads the item scores a model will be fitted to — the
number of answer categories, each item's skewness and kurtosis, Mardia's multivariate
kurtosis, and the missing answers — and returns the estimator, the missing-data
treatment and the items to declare ordered, with the reasons and the numbers behind
them. It follows the simulation literature on Likert data in SEM:

- **Few categories.** With four or fewer answer categories, treating items as
  continuous biases loadings and fit; estimate them as ordinal with polychoric
  correlations and robust diagonally weighted least squares (WLSMV) (Rhemtulla,
  Brosseau-Liard & Savalei 2012; Beauducel & Herzberg 2006).
- **Severe univariate non-normality.** With five or more categories but
  :math:`|\text{skew}| > 2` or :math:`|\text{kurtosis}| > 7` (excess), normal-theory ML
  misbehaves (Curran, West & Finch 1996); such items are better treated as ordinal
  (WLSMV) as well (Finney & DiStefano 2013).
- **Multivariate non-normality.** Mardia's normalised multivariate kurtosis beyond
  :math:`|z| > 1.96` (p < .05) calls for robust standard errors and a scaled test
  statistic, i.e. MLR (Yuan & Bentler 2000; Finney & DiStefano 2013); so does a
  significant multivariate skewness. Bentler (2006)
  reads :math:`z > 5` as clearly non-normal; both numbers are reported.
- **Missing answers.** Listwise deletion loses respondents and biases estimates unless
  data are missing completely at random; use full-information ML
  (``missing="ml"``, with MLR's robust corrections) for continuous estimators (Enders
  2010; Schafer & Graham 2002) and pairwise polychorics (``missing="pairwise"``) for
  WLSMV, as lavaan offers.

Otherwise (five or more categories, roughly normal, nothing missing) plain ML is the
choice, and what the published model most likely used.

The result only advises; :func:`loyaltysem.fit` takes its :attr:`fit_kwargs` when the
user agrees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from loyaltysem._display import DisplayMixin, p_phrase
from loyaltysem.errors import SurveyDataError
from loyaltysem.survey import Survey
from loyaltysem.survey.screening import describe, mardia

__all__ = ["EstimatorRecommendation", "recommend_estimator"]

#: At most this many answer categories: an item is ordinal (Rhemtulla et al. 2012).
MAX_ORDINAL_CATEGORIES = 4
#: Univariate non-normality beyond which ML is not trusted (Curran, West & Finch 1996).
SEVERE_SKEW = 2.0
SEVERE_KURTOSIS = 7.0
#: Mardia's normalised multivariate kurtosis: significant at 5 % (two-sided normal),
#: and Bentler's (2006) "clearly non-normal" line.
MARDIA_Z_SIGNIFICANT = 1.959963984540054
MARDIA_Z_BENTLER = 5.0

SOURCES: Mapping[str, str] = MappingProxyType(
    {
        "categories": "Rhemtulla, Brosseau-Liard & Savalei (2012)",
        "univariate": "Curran, West & Finch (1996); Finney & DiStefano (2013)",
        "multivariate": "Mardia (1970); Yuan & Bentler (2000); Bentler (2006)",
        "missing": "Schafer & Graham (2002); Enders (2010)",
    }
)


@dataclass(frozen=True, repr=False)
class EstimatorRecommendation(DisplayMixin):
    """The recommended estimator, missing-data treatment and ordered items, with reasons.

    Attributes
    ----------
    estimator : str
        ``"ML"``, ``"MLR"`` or ``"WLSMV"``.
    missing : str
        ``"listwise"``, ``"ml"`` (full-information ML) or ``"pairwise"`` (WLSMV).
    ordered : tuple of str
        Items to declare ordered (empty unless the estimator is WLSMV).
    reasons : tuple of str
        Why, in plain words, each with its numbers and source.
    items : DataFrame
        Per item: ``categories`` (distinct answers observed), ``skew``, ``kurtosis``
        (psych's type 3, excess), ``missing_pct``, ``few_categories``,
        ``severe_nonnormal``.
    multivariate : Series
        Mardia's ``kurtosis`` (:math:`b_{2,p}`), its expected value under normality
        ``kurtosis_expected`` (:math:`p(p+2)`), the normalised ``kurtosis_z``, its
        ``kurtosis_pvalue``, ``skew_pvalue``, and ``n`` (complete respondents used).
    n, n_complete : int
        Respondents, and those who answered every item.
    """

    estimator: str
    missing: str
    ordered: tuple[str, ...]
    reasons: tuple[str, ...]
    items: pd.DataFrame
    multivariate: pd.Series
    n: int
    n_complete: int

    _title: ClassVar[str] = "Recommended estimator"

    def _repr_parts(self) -> list[str]:
        return [
            f"estimator={self.estimator}",
            f"missing={self.missing}",
            f"ordered={len(self.ordered)}",
            f"n={self.n}",
            f"complete={self.n_complete}",
            f"reasons={len(self.reasons)}",
        ]

    @property
    def fit_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`loyaltysem.fit` that carry the recommendation."""
        kwargs: dict[str, Any] = {"estimator": self.estimator, "missing": self.missing}
        if self.ordered:
            kwargs["ordered"] = list(self.ordered)
        return kwargs

    def to_frame(self) -> pd.DataFrame:
        """The per-item evidence (``items``)."""
        return self.items

    def _header(self) -> list[str]:
        ordered = f", ordered = {len(self.ordered)} items" if self.ordered else ""
        return [
            f"estimator = {self.estimator!r}, missing = {self.missing!r}{ordered}",
            f"respondents: {self.n} (complete: {self.n_complete})",
            *(f"- {r}" for r in self.reasons),
        ]

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "Items", self.items
        yield "Multivariate normality (Mardia)", self.multivariate


def _item_frame(data: object) -> pd.DataFrame:
    if isinstance(data, Survey):
        return data.data
    if isinstance(data, pd.DataFrame):
        return data
    raise SurveyDataError(
        "recommend_estimator() needs item scores",
        found=type(data).__name__,
        expected="a Survey or a DataFrame of item scores",
        fix="pass loyaltysem.read_survey(...) or a DataFrame with one column per item",
    )


def recommend_estimator(
    data: Survey | pd.DataFrame, items: Sequence[str] | None = None
) -> EstimatorRecommendation:
    r"""Recommend an estimator for Likert items, with the reasons and the numbers.

    Parameters
    ----------
    data : Survey or DataFrame
        Item scores (reverse-coded), ``NaN`` = missing.
    items : sequence of str, optional
        The items the model uses; default: every item of the survey (or every column).

    Returns
    -------
    EstimatorRecommendation
        ``estimator``, ``missing``, ``ordered``, ``reasons``, the per-item evidence and
        Mardia's multivariate kurtosis; ``fit_kwargs`` to pass on to
        :func:`loyaltysem.fit`.

    Raises
    ------
    SurveyDataError
        Items not in the data, non-numeric items, or too few complete respondents for
        Mardia's test.

    Notes
    -----
    The rules, in order (see the module docstring for the sources): any item with at
    most 4 categories, or with :math:`|\text{skew}| > 2` or :math:`|\text{kurtosis}| > 7`,
    makes the model ordinal (WLSMV, those items ordered, pairwise polychorics when
    answers are missing); otherwise Mardia's normalised kurtosis or skewness with
    p < .05, or any missing answer, makes it MLR; missing answers add full-information ML
    (``missing="ml"``). Nothing flagged: ML with listwise deletion (which then deletes
    nobody).

    Examples
    --------
    >>> import loyaltysem as ls
    >>> from loyaltysem.sem.guidance import recommend_estimator
    >>> rec = recommend_estimator(ls.load_holzinger_swineford())
    >>> rec.estimator, rec.missing
    ('MLR', 'listwise')
    >>> rec.fit_kwargs
    {'estimator': 'MLR', 'missing': 'listwise'}

    A lavaan user would write ``sem(model, data, estimator = "MLR")``.
    """
    frame = _item_frame(data)
    if items is None:
        items = data.items if isinstance(data, Survey) else list(frame.columns)
    missing_cols = [i for i in items if i not in frame.columns]
    if missing_cols:
        raise SurveyDataError(
            "items not found in the data",
            found=missing_cols,
            expected=f"columns of the data: {list(frame.columns)[:10]}...",
            fix="check the item names, or leave items=None to use every item",
        )
    x = frame[list(items)]
    desc = describe(x)
    categories = x.nunique(dropna=True).astype(np.int64)
    table = pd.DataFrame(
        {
            "categories": categories,
            "skew": desc["skew"],
            "kurtosis": desc["kurtosis"],
            "missing_pct": desc["missing_pct"],
        }
    )
    table.index.name = "item"
    table["few_categories"] = table["categories"] <= MAX_ORDINAL_CATEGORIES
    table["severe_nonnormal"] = (table["skew"].abs() > SEVERE_SKEW) | (
        table["kurtosis"].abs() > SEVERE_KURTOSIS
    )

    n = len(x)
    complete = x.notna().all(axis=1)
    n_complete = int(complete.sum())
    m = mardia(x[complete])
    p = x.shape[1]
    expected = p * (p + 2)
    z = float(m.kurtosis)  # psych's normalised kurtosis (b2p - p(p+2)) / sqrt(8p(p+2)/n)
    multivariate = pd.Series(
        {
            "kurtosis": m.b2p,
            "kurtosis_expected": float(expected),
            "kurtosis_z": z,
            "kurtosis_pvalue": m.kurtosis_pvalue,
            "skew_pvalue": m.skew_pvalue,
            "n": float(m.n),
        }
    )

    reasons: list[str] = []
    few = list(table.index[table["few_categories"]])
    severe = list(table.index[table["severe_nonnormal"] & ~table["few_categories"]])
    any_missing = n_complete < n
    if few:
        reasons.append(
            f"{len(few)} item(s) have at most {MAX_ORDINAL_CATEGORIES} answer categories "
            f"({', '.join(map(str, few[:6]))}{'...' if len(few) > 6 else ''}): treat them "
            f"as ordinal ({SOURCES['categories']})"
        )
    if severe:
        worst = table.loc[severe, "skew"].abs().idxmax()
        reasons.append(
            f"{len(severe)} item(s) are severely non-normal (|skew| > {SEVERE_SKEW:g} or "
            f"|kurtosis| > {SEVERE_KURTOSIS:g}; worst {worst}: skew "
            f"{table.loc[worst, 'skew']:.2f}, kurtosis {table.loc[worst, 'kurtosis']:.2f}): "
            f"treat them as ordinal ({SOURCES['univariate']})"
        )
    ordered = tuple(str(i) for i in table.index if i in few or i in severe)
    significant = bool(abs(z) > MARDIA_Z_SIGNIFICANT or m.skew_pvalue < 0.05)
    if ordered:
        estimator = "WLSMV"
        missing = "pairwise" if any_missing else "listwise"
        if any_missing:
            reasons.append(
                f"{n - n_complete} of {n} respondents have a missing answer: pairwise "
                f"polychoric correlations keep their answers ({SOURCES['missing']})"
            )
    else:
        estimator = "ML"
        missing = "listwise"
        if significant:
            estimator = "MLR"
            strength = "clearly " if abs(z) > MARDIA_Z_BENTLER else ""
            reasons.append(
                f"the items are {strength}multivariate non-normal (Mardia's kurtosis "
                f"{m.b2p:.1f} vs {expected} under normality, z = {z:.2f}, "
                f"p {p_phrase(m.kurtosis_pvalue)}; skewness p {p_phrase(m.skew_pvalue)}): "
                "robust standard errors and a scaled "
                f"test (MLR) ({SOURCES['multivariate']})"
            )
        if any_missing:
            estimator = "MLR"
            missing = "ml"
            worst = table["missing_pct"].idxmax()
            reasons.append(
                f"{n - n_complete} of {n} respondents ({100 * (n - n_complete) / n:.1f}%) "
                f"have a missing answer (most on {worst}: "
                f"{table.loc[worst, 'missing_pct']:.1f}%): full-information ML keeps "
                f"them, with MLR's robust corrections ({SOURCES['missing']})"
            )
        if not reasons:
            reasons.append(
                f"every item has at least {MAX_ORDINAL_CATEGORIES + 1} categories, none is "
                f"severely non-normal, Mardia's kurtosis is not significant (z = {z:.2f}) "
                "and nothing is missing: normal-theory ML"
            )
    return EstimatorRecommendation(
        estimator=estimator,
        missing=missing,
        ordered=ordered,
        reasons=tuple(reasons),
        items=table,
        multivariate=multivariate,
        n=n,
        n_complete=n_complete,
    )
