"""Construct validity: HTMT, Fornell–Larcker, cross-loadings, CFA-based reliability.

Every number here has a reference implementation (design.md §4):

- :func:`htmt` — heterotrait–monotrait ratio (Henseler, Ringle & Sarstedt 2015) and
  HTMT2 with geometric means (Roemer, Schuberth & Henseler 2021), as
  ``semTools::htmt(model, data, htmt2 = FALSE | TRUE)`` computes them: Pearson
  correlations of the complete cases (``lavCor(missing = "listwise")``), absolute
  values by default. A construct with a single item has no monotrait correlation;
  it is taken as 1 (the item is its construct), as seminr does; semTools gives NaN.
- :func:`cfa_reliability` — from the CFA of the constructs (lavaan ``cfa()``
  defaults): McDonald's omega as ``semTools::compRelSEM(fit)`` (unstandardized
  loadings and factor variance over the *observed* variance of the sum score),
  composite reliability ``rho_c = (Σλ)² / ((Σλ)² + Σ(1 − λ²))`` (Jöreskog 1971;
  Fornell & Larcker 1981) and ``ave = mean(λ²)`` (Fornell & Larcker 1981) with
  standardized loadings λ. ``semTools::AVE()`` divides by observed variances
  instead and differs in the third decimal; it is given as ``ave_semtools``.
- :func:`fornell_larcker` — √AVE on the diagonal, latent correlations off it.
- :func:`cross_loadings` — correlations of every item with every construct score.
- :func:`harman_single_factor` — share of variance of the first principal component of
  the item correlations (Podsakoff, MacKenzie, Lee & Podsakoff 2003).

Ordinal items (``ordinal=True`` in :func:`validate`, ``ordinal=True`` in :func:`htmt` and
:func:`harman_single_factor`, or an ordinal CFA from :func:`loyaltysem.sem.ordinal.fit_ordinal`
in :func:`cfa_reliability`): the correlations are lavaan's polychoric correlations of the
complete rows (``lavCor(x, ordered = items, missing = "listwise")``) and the CFA is
lavaan's WLSMV CFA (``cfa(model, data, ordered = items, estimator = "WLSMV")``);
omega becomes the categorical omega of Green & Yang (2009) as ``semTools::compRelSEM(fit)``
computes it for ordered indicators (``categorical_omega()``), alpha the ordinal alpha of
Zumbo, Gadermann & Zeisser (2007), ``psych::alpha(psych::polychoric(x)$rho)``
(``ordinal_alpha_table()``).

Examples
--------
>>> from loyaltysem.datasets import load_holzinger_swineford
>>> from loyaltysem.measurement.validity import htmt
>>> hs = load_holzinger_swineford()
>>> round(float(htmt(hs.data, hs.constructs).loc["visual", "textual"]), 3)  # semTools::htmt
0.424
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import special

from loyaltysem._display import DisplayMixin, fit_sentence, p_phrase
from loyaltysem._kernels.polychoric import bvn_cdf
from loyaltysem._progress import ProgressArg
from loyaltysem._threads import blas_single_threaded
from loyaltysem.errors import (
    IdentificationError,
    LoyaltySemWarning,
    MissingDataWarning,
    ModelSpecError,
    SurveyDataError,
)
from loyaltysem.measurement.efa import EFAReport, efa_report
from loyaltysem.measurement.reliability import item_table, reliability_table
from loyaltysem.pls import rho_a
from loyaltysem.sem.bootstrap import bootstrap_statistic
from loyaltysem.sem.ordinal import ORDINAL_ESTIMATORS, fit_ordinal
from loyaltysem.sem.polychoric import polychoric
from loyaltysem.sem.results import SEMResult
from loyaltysem.sem.single_group import fit
from loyaltysem.sem.specification import is_model_name, specify
from loyaltysem.status import Status, warns_status

__all__ = [
    "categorical_omega",
    "cfa_model",
    "cfa_reliability",
    "constructs_of",
    "cross_loadings",
    "fornell_larcker",
    "harman_single_factor",
    "htmt",
    "htmt_polychoric_statistic",
    "htmt_statistic",
    "improper_reasons",
    "latent_correlations",
    "ordinal_alpha_table",
    "polychoric_matrix",
]


# ---------------------------------------------------------------------------- input
def constructs_of(constructs: Any, data: pd.DataFrame | None = None) -> dict[str, list[str]]:
    """Constructs as ``{construct: [items]}`` from a dict, a codebook or lavaan syntax.

    Raises
    ------
    ModelSpecError
        Nothing to read, a construct without items, or items missing from ``data``.
    """
    if isinstance(constructs, str):
        spec = specify(constructs)
        table = spec.table
        loads = table[table["op"] == "=~"]
        out: dict[str, list[str]] = {}
        for lv, item in zip(loads["lhs"], loads["rhs"], strict=True):
            if item not in spec.lv:
                out.setdefault(str(lv), []).append(str(item))
    else:
        items = getattr(constructs, "construct_items", None)
        if items is None:
            items = getattr(constructs, "constructs", None)
        if items is None and isinstance(constructs, Mapping):
            items = constructs
        if not isinstance(items, Mapping):
            raise ModelSpecError(
                "cannot read the constructs",
                found=type(constructs).__name__,
                expected="{construct: [items]}, a Codebook, a Survey, or lavaan '=~' syntax",
                fix="pass e.g. {'TRU': ['TRU1', 'TRU2', 'TRU3'], ...}",
            )
        out = {}
        for name, names in items.items():
            names = [names] if isinstance(names, str) else [str(v) for v in names]
            out[str(name)] = names
    empty = [c for c, v in out.items() if not v]
    if not out or empty:
        raise ModelSpecError(
            "every construct needs at least one item",
            found=empty or out,
            expected="{construct: [item, ...]}",
            fix="list the items of each construct",
        )
    if data is not None:
        absent = [i for v in out.values() for i in v if i not in data.columns]
        if absent:
            raise ModelSpecError(
                "items of the constructs are not in the data",
                column=absent[0],
                found=absent,
                expected="columns of the data",
                fix="check the item names against the data's columns",
            )
    _check_model_names(out)
    return out


def _verdict_counts(verdicts: pd.DataFrame) -> str:
    """``criteria_not_met=8 not_assessable=1`` for a short repr."""
    if "status" in verdicts:
        counts = verdicts["status"].value_counts()
        text = f"criteria_not_met={int(counts.get('not met', 0))}"
        assessable = int(counts.get("not assessable", 0))
        return text + (f" not_assessable={assessable}" if assessable else "")
    if "met" in verdicts:
        return f"criteria_not_met={int((~verdicts['met'].astype(bool)).sum())}"
    return ""


def _check_model_names(constructs: Mapping[str, list[str]]) -> None:
    """Items and constructs must be names a model can use (the CFA is written in lavaan syntax).

    An export read without short codes keeps its question texts as item names
    (``4. 该平台口碑很好``); loading and screening take any name, a model does not.
    """
    bad_items = [i for items in constructs.values() for i in items if not is_model_name(i)]
    bad_constructs = [c for c in constructs if not is_model_name(c)]
    if bad_items or bad_constructs:
        bad = bad_items + bad_constructs
        first = bad[0]
        raise ModelSpecError(
            f"{len(bad_items)} item and {len(bad_constructs)} construct name(s) cannot be used "
            "in a model",
            found=first if len(bad) == 1 else bad,
            expected="short codes that start with a letter (letters, digits, '_' and '.' after "
            "it), e.g. REP1",
            fix="give each item a short code in the codebook (item = REP1) and keep the header "
            f"as exported in its column field (column = {first!r}); "
            "`loyaltysem codebook draft EXPORT --out codebook.xlsx` writes such a codebook",
        )


def _items_frame(data: Any) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    frame = getattr(data, "data", None)
    if isinstance(frame, pd.DataFrame):
        return frame
    raise SurveyDataError(
        "the data is neither a Survey nor a pandas DataFrame",
        found=type(data).__name__,
        expected="a loyaltysem.Survey or a DataFrame of item scores",
        fix="load the survey with loyaltysem.read_survey, or pass a DataFrame",
    )


def _complete(frame: pd.DataFrame, items: list[str]) -> tuple[np.ndarray, int]:
    values = frame[items].to_numpy(dtype=float)
    ok = np.isfinite(values).all(axis=1)
    return values[ok], int((~ok).sum())


def polychoric_matrix(data: Any, constructs: Any) -> pd.DataFrame:
    """Polychoric correlations of the constructs' items over the complete rows.

    As ``lavaan::lavCor(x[, items], ordered = items, missing = "listwise")`` (two-step
    thresholds and correlations, :func:`loyaltysem.sem.polychoric.polychoric`): the matrix
    that ``semTools::htmt(..., ordered = items)`` and the WLSMV CFA of the constructs
    start from. Rows with a missing answer to any item are left out (a
    :class:`~loyaltysem.errors.MissingDataWarning` says how many).

    Parameters
    ----------
    data : Survey or DataFrame
        Whole-number category codes (``NaN`` = missing).
    constructs : dict, Codebook or lavaan syntax
        ``{construct: [items]}``; the items in construct order are the rows.

    Returns
    -------
    DataFrame
        Items × items, unit diagonal.

    Raises
    ------
    SurveyDataError
        An item that cannot be ordinal: a single observed category, more than
        :data:`loyaltysem.sem.polychoric.MAX_CATEGORIES` (20) distinct values, codes that
        are not whole numbers, or a category emptied by listwise deletion. The message
        names the item.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> from loyaltysem.measurement.validity import polychoric_matrix
    >>> r = polychoric_matrix(ls.load_ecommerce(), {"TRU": ["TRU1", "TRU2", "TRU3"]})
    >>> round(float(r.loc["TRU1", "TRU2"]), 3)  # R: lavCor(x, ordered = names(x))
    0.57
    """
    frame = _items_frame(data)
    cons = constructs_of(constructs, frame)
    items, _ = _group_positions(cons)
    try:
        res = polychoric(frame[items], missing="listwise")
    except SurveyDataError as err:
        # validate() analyses complete rows only (as the WLSMV CFA): no missing= option here
        fix = str(err.fix or "").replace(", or use missing='pairwise'", "")
        if "listwise" in err.reason:
            fix += " (or answer/drop the incomplete rows that hold it)"
        raise SurveyDataError(
            f"ordinal=True: {err.reason}",
            column=err.column,
            found=err.found,
            expected=err.expected,
            fix=f"{fix}; or treat the items as continuous (ordinal=False)",
        ) from err
    return res.correlation


# ---------------------------------------------------------------------------- HTMT
def _group_positions(constructs: Mapping[str, list[str]]) -> tuple[list[str], list[np.ndarray]]:
    items: list[str] = []
    groups: list[np.ndarray] = []
    for names in constructs.values():
        start = len(items)
        items += names
        groups.append(np.arange(start, len(items)))
    return items, groups


def _htmt_from_cor(
    r: np.ndarray, groups: Sequence[np.ndarray], geometric: bool, absolute: bool
) -> np.ndarray:
    r = np.abs(r) if (absolute or geometric) else r
    k = len(groups)
    mono = np.ones(k)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i, g in enumerate(groups):
            if len(g) > 1:
                block = r[np.ix_(g, g)][np.triu_indices(len(g), 1)]
                mono[i] = np.exp(np.mean(np.log(block))) if geometric else np.mean(block)
        out = np.full((k, k), np.nan)
        for i in range(k):
            for j in range(i + 1, k):
                block = r[np.ix_(groups[i], groups[j])]
                hetero = np.exp(np.mean(np.log(block))) if geometric else np.mean(block)
                out[i, j] = out[j, i] = hetero / np.sqrt(mono[i] * mono[j])
    return out


def htmt_statistic(
    x: np.ndarray, groups: Sequence[np.ndarray], geometric: bool = False, absolute: bool = True
) -> np.ndarray:
    """HTMT of every pair of constructs (upper triangle, row by row) from raw scores.

    A picklable statistic for :func:`loyaltysem.sem.bootstrap.bootstrap_statistic`
    (use ``functools.partial`` to fix ``groups``).
    """
    r = np.corrcoef(x, rowvar=False)
    out = _htmt_from_cor(r, groups, geometric, absolute)
    return out[np.triu_indices(len(groups), 1)]


def htmt_polychoric_statistic(
    x: np.ndarray, groups: Sequence[np.ndarray], geometric: bool = False, absolute: bool = True
) -> np.ndarray:
    """HTMT of every pair of constructs from raw category codes, on polychoric correlations.

    The polychoric counterpart of :func:`htmt_statistic` (two-step lavaan estimates of
    the rows given, :func:`loyaltysem.sem.polychoric.polychoric`); picklable through
    ``functools.partial``. A resample in which an item shows a single category raises
    :class:`~loyaltysem.errors.SurveyDataError`, which the bootstrap counts as a failed
    draw. Warnings of the polychoric step (e.g. ``|r| > 0.99``) are silenced per draw.
    """
    frame = pd.DataFrame(x, columns=[f"v{j}" for j in range(x.shape[1])])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LoyaltySemWarning)
        r = polychoric(frame).correlation.to_numpy()
    out = _htmt_from_cor(r, groups, geometric, absolute)
    return out[np.triu_indices(len(groups), 1)]


def htmt(
    data: Any,
    constructs: Any,
    *,
    htmt2: bool = False,
    absolute: bool = True,
    ordinal: bool = False,
) -> pd.DataFrame:
    """Heterotrait–monotrait ratio of correlations (constructs × constructs).

    Parameters
    ----------
    data : Survey or DataFrame
    constructs : dict, Codebook or lavaan syntax
    htmt2 : bool, default False
        Geometric means (HTMT2, Roemer et al. 2021) instead of arithmetic ones.
    absolute : bool, default True
        Absolute correlations, as semTools (``absolute = TRUE``); HTMT2 always uses
        absolute values.
    ordinal : bool, default False
        Polychoric instead of Pearson correlations (:func:`polychoric_matrix`), as
        ``semTools::htmt(model, data, ordered = items)``, which passes ``ordered`` to
        ``lavCor(missing = "listwise")``.

    Returns
    -------
    DataFrame
        Symmetric, NaN on the diagonal. In R: ``semTools::htmt(model, data,
        htmt2 = FALSE)``. Rows with a missing answer are left out (listwise).

    Examples
    --------
    >>> import loyaltysem as ls
    >>> from loyaltysem.measurement.validity import htmt
    >>> survey = ls.load_ecommerce()
    >>> cons = {"TRU": ["TRU1", "TRU2", "TRU3"], "SAT": ["SAT1", "SAT2", "SAT3"]}
    >>> h = htmt(survey, cons, ordinal=True)  # semTools::htmt(model, x, ordered = items,
    >>> round(float(h.loc["TRU", "SAT"]), 3)  #                htmt2 = FALSE)
    0.552
    """
    frame = _items_frame(data)
    cons = constructs_of(constructs, frame)
    items, groups = _group_positions(cons)
    if ordinal:
        r = polychoric_matrix(frame, cons).to_numpy()
    else:
        x, _ = _complete(frame, items)
        r = np.corrcoef(x, rowvar=False)
    out = _htmt_from_cor(r, groups, htmt2, absolute)
    names = list(cons)
    return pd.DataFrame(out, index=names, columns=names)


@blas_single_threaded
def htmt_bootstrap(
    data: Any,
    constructs: Any,
    *,
    n_boot: int = 5000,
    htmt2: bool = False,
    random_state: int | None = None,
    n_jobs: int = 1,
    indices: np.ndarray | None = None,
    level: float = 0.95,
    ci: str = "percentile",
    progress: ProgressArg = None,
    ordinal: bool = False,
) -> pd.DataFrame:
    """HTMT with bootstrap intervals, tested against 0.85, 0.90 and 1 (Henseler et al. 2015).

    Returns one row per pair of constructs: ``estimate, boot_mean, boot_se, ci_lower,
    ci_upper`` and ``below_0.85, below_0.90, below_1`` (the upper bound of the
    interval is below the threshold: discriminant validity established at that
    threshold). Respondents with a missing answer are left out before resampling.

    With ``ordinal=True`` every draw recomputes the polychoric correlations
    (:func:`htmt_polychoric_statistic`; in R, a bootstrap of
    ``semTools::htmt(model, data, ordered = items)``). That costs about 0.1 s per draw
    for 29 items and 1,000 respondents: use ``n_jobs=-1``. The table's
    ``attrs["correlation"]`` says which correlations were bootstrapped.
    """
    frame = _items_frame(data)
    cons = constructs_of(constructs, frame)
    items, groups = _group_positions(cons)
    if ordinal:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MissingDataWarning)
            polychoric_matrix(frame, cons)  # bad codes: a typed error naming the item
    x, _ = _complete(frame, items)
    names = list(cons)
    pairs = [f"{names[i]}~{names[j]}" for i in range(len(names)) for j in range(i + 1, len(names))]
    kernel = htmt_polychoric_statistic if ordinal else htmt_statistic
    stat = functools.partial(kernel, groups=groups, geometric=htmt2)
    res = bootstrap_statistic(
        x,
        stat,
        pairs,
        n_boot=n_boot,
        random_state=random_state,
        n_jobs=n_jobs,
        indices=indices,
        progress=progress,
    )
    table = res.table(level=level, ci=ci)
    for column, cut in (("below_0.85", 0.85), ("below_0.90", 0.90), ("below_1", 1.0)):
        table[column] = table["ci_upper"] < cut
    table.attrs["n_failed"] = len(res.failed)
    table.attrs["random_state"] = random_state
    table.attrs["correlation"] = "polychoric" if ordinal else "pearson"
    return table


# ---------------------------------------------------------------------------- CFA-based
def cfa_model(constructs: Mapping[str, Sequence[str]]) -> str:
    """The lavaan ``=~`` lines of the constructs (one line each)."""
    return "\n".join(f"{c} =~ " + " + ".join(items) for c, items in constructs.items())


def _loadings(result: SEMResult) -> pd.DataFrame:
    est = result.estimates
    return est[est["op"] == "=~"]


def categorical_omega(
    loadings: Sequence[float] | np.ndarray,
    factor_variance: float,
    thresholds: Sequence[Sequence[float]],
    correlation: np.ndarray | pd.DataFrame,
    scales: Sequence[float] | np.ndarray | None = None,
) -> float:
    r"""Categorical omega of one construct (Green & Yang 2009), as semTools computes it.

    The reliability of the sum of the *observed* category codes of ordinal items, from
    a CFA of their latent responses :math:`y^*` (WLSMV, delta parameterization):

    .. math::

        \omega_{cat} = \frac{\sum_{j, j'} \bigl[\sum_{c, c'}
            \Phi_2(\tau_{jc}, \tau_{j'c'}; \rho^{T}_{jj'})
            - \sum_c \Phi(\tau_{jc}) \sum_{c'} \Phi(\tau_{j'c'})\bigr]}
          {\sum_{j, j'} \bigl[\sum_{c, c'}
            \Phi_2(\tau_{jc}, \tau_{j'c'}; \rho_{jj'})
            - \sum_c \Phi(\tau_{jc}) \sum_{c'} \Phi(\tau_{j'c'})\bigr]}

    with :math:`\rho^T = \lambda \phi \lambda'` the model-implied true-score
    (common) part of the :math:`y^*` correlations (its diagonal :math:`\lambda_j^2
    \phi`, not 1), :math:`\rho` the polychoric correlations (unit diagonal:
    :math:`\Phi_2(a, b; 1) = \Phi(\min(a, b))`), :math:`\tau` the thresholds and
    :math:`\Phi_2` the bivariate standard normal distribution function. The numerator
    is the variance of the sum score explained by the factor, the denominator the
    variance of the sum score implied by the polychoric correlations and thresholds.
    This is ``semTools::compRelSEM(fit)`` for ordered indicators with its defaults
    ``obs.var = TRUE, ord.scale = TRUE`` (the internal ``omegaCat``; semTools 0.5-6),
    where ``fit`` is ``cfa(model, data, ordered = items, estimator = "WLSMV")``.

    Parameters
    ----------
    loadings : sequence of float
        Unstandardized loadings of the construct's items (lavaan ``est``).
    factor_variance : float
        The construct's variance :math:`\phi` (``lavInspect(fit, "cov.lv")``).
    thresholds : sequence of sequences of float
        The estimated thresholds of each item, in order.
    correlation : array or DataFrame
        The polychoric correlations of the items (``lavInspect(fit, "sampstat")$cov``).
    scales : sequence of float, optional
        lavaan's scaling factors ``item ~*~ item`` (``delta``); 1 in the delta
        parameterization (the default). Thresholds and the true-score part are
        multiplied by them, as semTools does.

    Returns
    -------
    float

    References
    ----------
    .. [1] Green, S. B., & Yang, Y. (2009). Reliability of summed item scores using
       structural equation modeling: An alternative to coefficient alpha.
       *Psychometrika*, 74(1), 155–167.
    .. [2] Jorgensen, T. D., et al. (2022). *semTools* (R package 0.5-6),
       ``compRelSEM``.

    Examples
    --------
    Two binary items at the median, loadings .8 and .7 on a unit-variance factor, whose
    latent responses correlate .56 (the model holds exactly):

    >>> from loyaltysem.measurement.validity import categorical_omega
    >>> r = [[1.0, 0.56], [0.56, 1.0]]
    >>> round(categorical_omega([0.8, 0.7], 1.0, [[0.0], [0.0]], r), 4)  # semTools:::omegaCat
    0.5532
    """
    lam = np.asarray(loadings, dtype=float).reshape(-1)
    k = lam.size
    s = np.ones(k) if scales is None else np.asarray(scales, dtype=float).reshape(-1)
    true = np.outer(lam * s, lam * s) * float(factor_variance)
    denom = np.asarray(correlation, dtype=float)
    d = np.sqrt(np.diag(denom))
    denom = denom / np.outer(d, d)  # R's cov2cor
    taus = [np.asarray(t, dtype=float).reshape(-1) * s[j] for j, t in enumerate(thresholds)]
    sum_phi = np.array([float(special.ndtr(t).sum()) for t in taus])
    num = den = 0.0
    for j in range(k):
        for jp in range(k):
            a = taus[j][:, None]
            b = taus[jp][None, :]
            num += float(bvn_cdf(a, b, true[j, jp]).sum()) - sum_phi[j] * sum_phi[jp]
            den += float(bvn_cdf(a, b, min(denom[j, jp], 1.0)).sum()) - sum_phi[j] * sum_phi[jp]
    return float(num / den)


def _is_ordinal(result: SEMResult) -> bool:
    return str(result.provenance.estimator).upper() in ORDINAL_ESTIMATORS


def cfa_reliability(result: SEMResult, constructs: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Omega, composite reliability and AVE of each construct from a fitted CFA.

    Parameters
    ----------
    result : SEMResult
        The CFA of the constructs: ``fit(cfa_model(constructs), data)`` (ML), or the
        ordinal CFA ``fit_ordinal(specify(cfa_model(constructs)), data, ordered=items)``
        (WLSMV/ULSMV; recognised by ``result.provenance.estimator``).
    constructs : dict
        ``{construct: [items]}``.

    Returns
    -------
    DataFrame
        Indexed by construct: ``n_items``; ``omega`` (``semTools::compRelSEM(fit)``
        with its defaults); ``rho_c`` = (Σλ)² / ((Σλ)² + Σ(1 − λ²)) and ``ave`` =
        mean(λ²) with the standardized loadings λ (``std_all``; design.md §4);
        ``ave_semtools`` (``semTools::AVE(fit)``: explained variance over the
        observed variances). For an ordinal CFA additionally ``omega_latent``.

    Notes
    -----
    Continuous CFA: ``omega`` = (Σλ)² φ / 1′S1 with the unstandardized loadings, the
    factor variance and the observed covariances S of the items (McDonald 1999; Raykov
    1997), what ``compRelSEM`` computes with ``obs.var = TRUE``.

    Ordinal CFA (WLSMV): ``omega`` is the categorical omega of Green & Yang (2009),
    ``categorical_omega()`` (``compRelSEM`` with ``ord.scale = TRUE``, its default):
    the reliability of the sum of the observed category codes. ``omega_latent`` is
    (Σλ)² φ / 1′R1 with the polychoric correlations R, the reliability of the sum of
    the latent responses y* (``compRelSEM(fit, ord.scale = FALSE)``). ``rho_c`` and
    ``ave`` use the standardized WLSMV loadings (the y* have unit variance, so
    ``ave`` equals ``ave_semtools``).

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from loyaltysem.datasets import load_frame
    >>> from loyaltysem.sem.ordinal import fit_ordinal
    >>> from loyaltysem.sem.specification import is_model_name, specify
    >>> from loyaltysem.measurement.validity import cfa_model, cfa_reliability
    >>> hs = load_frame("holzinger_swineford")
    >>> cut5 = lambda v: np.clip(np.searchsorted(np.quantile(v, np.linspace(0, 1, 6)), v), 1, 5)
    >>> hs5 = pd.DataFrame({f"x{i}": cut5(hs[f"x{i}"]) for i in range(1, 10)})
    >>> cons = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...         "speed": ["x7", "x8", "x9"]}
    >>> res = fit_ordinal(specify(cfa_model(cons)), hs5, ordered=list(hs5.columns))
    >>> rel = cfa_reliability(res, cons)  # R: compRelSEM(cfa(model, hs5, ordered = ...))
    >>> rel[["omega", "omega_latent", "rho_c", "ave"]].round(3)
               omega  omega_latent  rho_c    ave
    construct
    visual     0.599         0.642  0.653  0.403
    textual    0.868         0.897  0.895  0.740
    speed      0.664         0.701  0.705  0.451
    """
    est = result.estimates
    s = result.sample_cov
    loads = _loadings(result)
    ordinal = _is_ordinal(result)
    if ordinal:
        th_rows = est[est["op"] == "|"]
        scale_rows = est[est["op"] == "~*~"].set_index("lhs")["est"]
    rows = []
    for name, items in constructs.items():
        lam = loads[loads["lhs"] == name]
        lam = lam.set_index("rhs").reindex(list(items))
        var = est[(est["op"] == "~~") & (est["lhs"] == name) & (est["rhs"] == name)]["est"]
        phi = float(var.iloc[0]) if len(var) else np.nan
        raw = lam["est"].to_numpy(dtype=float)
        std = lam["std_all"].to_numpy(dtype=float)
        sub = s.loc[list(items), list(items)].to_numpy()
        num = std.sum() ** 2
        row: dict[str, Any] = {"construct": name, "n_items": len(items)}
        if ordinal:
            scales = scale_rows.reindex(list(items)).fillna(1.0).to_numpy(dtype=float)
            taus = [th_rows[th_rows["lhs"] == i]["est"].to_numpy(dtype=float) for i in items]
            inv = 1.0 / scales
            total = sub * np.outer(inv, inv)
            row["omega"] = categorical_omega(raw, phi, taus, sub, scales)
            row["omega_latent"] = raw.sum() ** 2 * phi / total.sum()
        else:
            total = sub
            row["omega"] = raw.sum() ** 2 * phi / sub.sum()
        row["rho_c"] = num / (num + np.sum(1 - std**2))
        row["ave"] = float(np.mean(std**2))
        row["ave_semtools"] = float(np.sum(raw**2) * phi / np.trace(total))
        rows.append(row)
    out = pd.DataFrame(rows).set_index("construct")
    columns = ["n_items", "omega", "rho_c", "ave", "ave_semtools"]
    if ordinal:
        columns.insert(2, "omega_latent")
    return out[columns]


def _alpha_of_correlation(r: np.ndarray) -> float:
    k = r.shape[0]
    return k / (k - 1) * (1.0 - k / float(r.sum()))


def ordinal_alpha_table(
    correlation: pd.DataFrame, constructs: Mapping[str, Sequence[str]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    r"""Ordinal alpha, corrected item–total correlation and alpha if deleted, per construct.

    Everything ``psych::alpha()`` computes when given a correlation matrix instead of
    raw scores, applied to the polychoric correlations R of each construct's items
    (Zumbo, Gadermann & Zeisser 2007): in R, ``psych::alpha(psych::polychoric(x)$rho)``.

    - ``alpha`` = :math:`\frac{k}{k-1}(1 - k / \mathbf 1'R\mathbf 1)`, the
      standardized alpha of R (on a correlation matrix raw and standardized alpha
      coincide; ``alpha_std`` repeats it);
    - ``r_drop`` = :math:`(\mathbf 1'r_i - 1) / \sqrt{\mathbf 1'R\mathbf 1 -
      2\,\mathbf 1'r_i + 1}`, the correlation of the item's latent response with the sum
      of the others' (psych ``item.stats$r.drop`` on R);
    - ``alpha_if_deleted``: ordinal alpha of the other items (psych
      ``alpha.drop$raw_alpha`` on R); ``NaN`` for a two-item construct (alpha of one
      item is undefined), as :func:`loyaltysem.measurement.reliability.item_table`.

    Parameters
    ----------
    correlation : DataFrame
        Polychoric correlations (items × items), e.g. :func:`polychoric_matrix`.
    constructs : dict
        ``{construct: [items]}``.

    Returns
    -------
    reliability : DataFrame
        By construct: ``n_items, alpha, alpha_std, average_r`` (``NaN`` for one item).
    items : DataFrame
        By item: ``construct, r_drop, alpha_if_deleted``.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> from loyaltysem.measurement.validity import ordinal_alpha_table, polychoric_matrix
    >>> cons = {"TRU": ["TRU1", "TRU2", "TRU3"]}
    >>> r = polychoric_matrix(ls.load_ecommerce(), cons)
    >>> rel, items = ordinal_alpha_table(r, cons)  # psych::alpha(lavCor(x, ordered = ...))
    >>> round(float(rel.loc["TRU", "alpha"]), 3)
    0.818
    """
    rel_rows = []
    item_rows = []
    for name, items in constructs.items():
        sub = correlation.loc[list(items), list(items)].to_numpy(dtype=float)
        k = len(items)
        if k < 2:
            rel_rows.append((name, k, np.nan, np.nan, np.nan))
            item_rows.append((items[0], name, np.nan, np.nan))
            continue
        a = _alpha_of_correlation(sub)
        rel_rows.append((name, k, a, a, (float(sub.sum()) - k) / (k * (k - 1))))
        total = float(sub.sum())
        col = sub.sum(axis=0)
        for i, item in enumerate(items):
            r_drop = (col[i] - 1.0) / np.sqrt(total - 2.0 * col[i] + 1.0)
            keep = [j for j in range(k) if j != i]
            drop = _alpha_of_correlation(sub[np.ix_(keep, keep)]) if k > 2 else np.nan
            item_rows.append((item, name, float(r_drop), drop))
    rel = pd.DataFrame(
        rel_rows, columns=["construct", "n_items", "alpha", "alpha_std", "average_r"]
    )
    items_frame = pd.DataFrame(
        item_rows, columns=["item", "construct", "r_drop", "alpha_if_deleted"]
    )
    return rel.set_index("construct"), items_frame.set_index("item")


def latent_correlations(result: SEMResult, names: Sequence[str]) -> pd.DataFrame:
    """Latent correlations (std.all of the latent covariances) as a matrix."""
    est = result.estimates
    out = pd.DataFrame(np.eye(len(names)), index=list(names), columns=list(names))
    cov = est[(est["op"] == "~~") & est["lhs"].isin(names) & est["rhs"].isin(names)]
    for a, b, v in zip(cov["lhs"], cov["rhs"], cov["std_all"], strict=True):
        if a != b:
            out.loc[a, b] = out.loc[b, a] = v
    return out


def fornell_larcker(result: SEMResult, constructs: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Fornell–Larcker table: √AVE on the diagonal, latent correlations off it.

    The criterion holds for a construct when its √AVE exceeds its largest absolute
    correlation with another construct (Fornell & Larcker 1981).
    """
    names = list(constructs)
    table = latent_correlations(result, names)
    ave = cfa_reliability(result, constructs)["ave"]
    for n in names:
        table.loc[n, n] = np.sqrt(ave[n])
    return table


def cross_loadings(data: Any, constructs: Any) -> pd.DataFrame:
    """Correlation of every item with every construct's mean score (items × constructs).

    An item should correlate more with its own construct than with any other
    (Chin 1998). Construct scores are the means of their items over the
    respondents who answered all of them.
    """
    frame = _items_frame(data)
    cons = constructs_of(constructs, frame)
    items = [i for v in cons.values() for i in v]
    x, _ = _complete(frame, items)
    pos = {item: k for k, item in enumerate(items)}
    scores = np.column_stack([x[:, [pos[i] for i in v]].mean(axis=1) for v in cons.values()])
    z = np.column_stack([x, scores])
    r = np.corrcoef(z, rowvar=False)[: len(items), len(items) :]
    return pd.DataFrame(r, index=items, columns=list(cons))


def harman_single_factor(data: Any, constructs: Any, *, ordinal: bool = False) -> dict[str, float]:
    """Harman's single-factor test: variance share of the first principal component.

    Common-method variance is a concern when one factor explains more than half of the
    variance of all items (Podsakoff et al. 2003). Complete cases; in R:
    ``eigen(cor(x))$values[1] / ncol(x)``; with ``ordinal=True`` on the polychoric
    correlations, ``eigen(lavCor(x, ordered = names(x)))$values[1] / ncol(x)``.
    """
    frame = _items_frame(data)
    cons = constructs_of(constructs, frame)
    items = [i for v in cons.values() for i in v]
    x, _ = _complete(frame, items)
    if ordinal:
        r = polychoric_matrix(frame, cons).to_numpy()
    else:
        r = np.corrcoef(x, rowvar=False)
    ev = np.linalg.eigvalsh(r)[::-1]
    return {"first_eigenvalue": float(ev[0]), "share": float(ev[0] / len(items)), "n": len(x)}


#: A standardized method loading below this is the boundary m = 0 of the common latent factor.
_BOUNDARY = 1e-6


def improper_reasons(result: SEMResult) -> tuple[str, ...]:
    """Why a fitted solution is improper: the reasons a verdict on it cannot be given.

    The problems of the fit's :class:`~loyaltysem.status.Status` (``result.status``,
    classified where the estimator found them), not detected again: non-convergence, a
    Heywood case (negative variance, latent or residual covariance matrix not positive
    definite) and a singular information matrix or vcov (not identified).

    Returns
    -------
    tuple of str
        Empty for a proper solution.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> from loyaltysem.measurement.validity import cfa_model, improper_reasons
    >>> hs = ls.load_holzinger_swineford()
    >>> improper_reasons(ls.fit(cfa_model(hs.constructs), hs))
    ()
    """
    status = getattr(result, "status", None)
    if not isinstance(status, Status):
        status = Status.from_warnings(bool(result.converged), result.warnings)
    reasons = list(status.problems())
    if not status.converged and not status.problems("convergence"):
        reasons.insert(0, "the optimizer did not converge")
    return tuple(reasons)


#: Reliability and validity quantities of the CFA: undefined on an improper solution.
_CFA_QUANTITIES = ("omega", "omega_latent", "rho_c", "ave")


def _undefined_on_improper(
    reliability: pd.DataFrame, cfa: SEMResult, cons: Mapping[str, list[str]]
) -> pd.DataFrame:
    """NaN, with the reason, for CFA-based reliabilities that are not numbers to report.

    Omega, rho_c and AVE of a CFA that did not converge or is not identified are
    undefined for every construct; of an inadmissible CFA (a Heywood case) for the
    constructs whose factor or items the inadmissibility names (every construct when it
    names none, e.g. a latent covariance matrix that is not positive definite). A value
    above 1, proper solution or not, is not a reliability either.
    """
    out = reliability.copy()
    reasons = {c: [] for c in out.index}
    status = cfa.status
    columns = [c for c in _CFA_QUANTITIES if c in out.columns]
    if not status.converged or not status.identified:
        for c in out.index:
            reasons[c].append(f"CFA {status.label}")
    elif not status.admissible:
        problems = status.problems("admissibility")
        named = {
            c
            for c in out.index
            for text in problems
            for name in [c, *cons.get(c, [])]
            if re.search(rf"(?<![\w.]){re.escape(str(name))}(?![\w.])", text)
        }
        for c in named or set(out.index):
            mine = [t for t in problems if any(n in t for n in [c, *cons.get(c, [])])]
            reasons[c].append("CFA inadmissible: " + "; ".join(mine or problems))
    for c in out.index:
        if reasons[c]:
            out.loc[c, columns] = np.nan
            continue
        above = [f"{k} = {out.loc[c, k]:.3g}" for k in columns if out.loc[c, k] > 1.0]
        if above:
            out.loc[c, columns] = np.nan
            reasons[c].append(
                f"{', '.join(above)} above 1: not a reliability (an improper solution)"
            )
    if "rho_a" in out.columns:  # PLS weights, not the CFA: only a value above 1
        for c in out.index:
            if out.loc[c, "rho_a"] > 1.0:
                reasons[c].append(f"rho_a = {out.loc[c, 'rho_a']:.3g} above 1: not a reliability")
                out.loc[c, "rho_a"] = np.nan
    out["reason"] = pd.Series({c: "; ".join(v) for c, v in reasons.items()}, dtype=object)
    return out


@dataclass(frozen=True)
class CommonLatentFactor:
    """The CFA with a common latent (method) factor, compared with the CFA without it.

    Attributes
    ----------
    model : str
        The syntax of the CFA with the method factor ``CMF``.
    result : SEMResult
        Its fit.
    delta_chisq, delta_df, p_value
        The likelihood-ratio test against the CFA without the method factor.
    loading_change : DataFrame
        Standardized loadings ``without_clf``, ``with_clf`` and their ``difference``.
    assessable : bool
        False when either model's solution is improper (no convergence, a Heywood
        case, a singular information matrix): then no verdict is drawn from the numbers.
    reason : str
        Why the check is not assessable ("" when it is).
    """

    model: str
    result: SEMResult
    delta_chisq: float
    delta_df: int
    p_value: float
    loading_change: pd.DataFrame
    assessable: bool = True
    reason: str = ""


def common_latent_factor(
    data: Any, constructs: Mapping[str, Sequence[str]], base: SEMResult | None = None
) -> CommonLatentFactor:
    """Common latent factor: one method factor on all items, equal loadings, orthogonal.

    The method factor has variance 1 and one free loading ``m`` shared by every item
    (``CMF =~ NA*x1 + m*x1 + m*x2 + ...; CMF ~~ 1*CMF``), so that no method variance
    is the boundary ``m = 0`` rather than a negative variance (a Heywood case).

    Compared with the CFA without it by the likelihood-ratio test and by the change in
    every standardized loading (Podsakoff et al. 2003, method-factor approach).

    The check is not assessable (``assessable=False``, with the ``reason``) when either
    solution is improper (``improper_reasons()``). Without method variance the shared
    loading sits at its boundary ``m = 0``, where the sign of ``m`` is not identified and
    the information matrix is singular (lavaan warns the same): the likelihood-ratio test
    is then Δχ² = 0, p = 1, which is no evidence either way, not a verdict of "no method
    variance". When the optimizer stops a hair from ``m = 0`` (a standardized method
    loading below 1e-6) the information is inverted only numerically (standard errors in
    the millions): that boundary is reported in the same words.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> from loyaltysem.measurement.validity import common_latent_factor
    >>> s = ls.load_ecommerce()
    >>> clf = common_latent_factor(s, s.constructs)
    >>> round(clf.delta_chisq, 6), clf.assessable
    (0.0, False)
    >>> "may not be identified" in clf.reason  # the information singular to rounding
    True
    """
    from scipy import stats

    items = [i for v in constructs.values() for i in v]
    model = (
        cfa_model(constructs)
        + f"\nCMF =~ NA*{items[0]} + "
        + " + ".join(f"m*{i}" for i in items)
        + "\nCMF ~~ 1*CMF\n"
        + "\n".join(f"CMF ~~ 0*{c}" for c in constructs)
    )
    if base is None:
        base = fit(cfa_model(constructs), data)
    with_clf = fit(model, data)
    d_chisq = float(base.fit_measures["chisq"] - with_clf.fit_measures["chisq"])
    d_df = int(base.fit_measures["df"] - with_clf.fit_measures["df"])
    p = float(stats.chi2.sf(d_chisq, d_df)) if d_df > 0 else np.nan
    a = _loadings(base).set_index(["lhs", "rhs"])["std_all"]
    b = _loadings(with_clf)
    b = b[b["lhs"] != "CMF"].set_index(["lhs", "rhs"])["std_all"]
    change = pd.DataFrame({"without_clf": a, "with_clf": b})
    change["difference"] = change["without_clf"] - change["with_clf"]
    reasons = [f"CFA with the common latent factor: {r}" for r in improper_reasons(with_clf)]
    est = with_clf.estimates
    shared = est[(est["lhs"] == "CMF") & (est["op"] == "=~")]["std_all"].abs()
    if not reasons and len(shared) and float(shared.max()) < _BOUNDARY:
        # the optimizer stopped a hair from m = 0 and the near-singular information was
        # inverted: the same boundary as above, said in words
        reasons.append(
            "CFA with the common latent factor: the shared method loading is at its boundary "
            f"(largest standardized value {float(shared.max()):.2g}), where the information "
            "matrix is singular (the model depends on m only through m²): the test cannot tell"
        )
    reasons += [f"CFA without it: {r}" for r in improper_reasons(base)]
    return CommonLatentFactor(
        model, with_clf, d_chisq, d_df, p, change, not reasons, "; ".join(reasons)
    )


# ---------------------------------------------------------------------------- verdicts
#: Criteria of the measurement report: (criterion, threshold text, source).
SOURCES = {
    "alpha": (">= 0.70", "Nunnally (1978)"),
    "omega": (">= 0.70", "McDonald (1999); threshold as for alpha (Nunnally 1978)"),
    "rho_c": (">= 0.70", "Hair, Hult, Ringle & Sarstedt (2017)"),
    "rho_c_max": (
        "<= 0.95",
        "Hair, Hult, Ringle & Sarstedt (2017): higher values suggest redundant items",
    ),
    "rho_a": (">= 0.70", "Dijkstra & Henseler (2015)"),
    "ave": (">= 0.50", "Fornell & Larcker (1981)"),
    "loading": (
        ">= 0.708",
        "Hair, Hult, Ringle & Sarstedt (2017): the construct explains half the item's variance",
    ),
    "r_drop": (">= 0.30", "Nunnally & Bernstein (1994): corrected item-total correlation"),
    "fornell_larcker": ("sqrt(AVE) > max |r|", "Fornell & Larcker (1981)"),
    "htmt_085": ("< 0.85", "Henseler, Ringle & Sarstedt (2015), conservative"),
    "htmt_090": ("< 0.90", "Henseler, Ringle & Sarstedt (2015), liberal"),
    "htmt_ci_1": ("CI upper bound < 1", "Henseler, Ringle & Sarstedt (2015), HTMT inference"),
    "cross_loading": ("highest on its own construct", "Chin (1998)"),
    "cfi": (">= 0.95", "Hu & Bentler (1999)"),
    "tli": (">= 0.95", "Hu & Bentler (1999)"),
    "rmsea": ("<= 0.06", "Hu & Bentler (1999)"),
    "srmr": ("<= 0.08", "Hu & Bentler (1999)"),
    "kmo": (">= 0.60", "Kaiser (1974)"),
    "bartlett": ("p < 0.05", "Bartlett (1950)"),
    "efa_factors": (
        "parallel analysis suggests as many factors as constructs",
        "Horn (1965); psych::fa.parallel",
    ),
    "efa_loading": (
        "|pattern loading| >= 0.40 on its construct's factor, and highest there",
        "Hair, Black, Babin & Anderson (2010)",
    ),
    "harman": (
        "first factor < 50% of the variance",
        "Podsakoff, MacKenzie, Lee & Podsakoff (2003)",
    ),
    "clf": (
        "every standardized loading changes by < 0.20",
        "Podsakoff et al. (2003), method factor; 0.20 is a rule of thumb",
    ),
}


_VERDICT_COLUMNS = ["criterion", "subject", "value", "threshold", "met", "status", "reason"]
_VERDICT_COLUMNS += ["source"]


def _verdict(
    rows: list[dict[str, Any]],
    criterion: str,
    subject: str,
    value: float,
    met: bool,
    reason: str = "",
) -> None:
    """Append one verdict: ``met``, ``not met`` or ``not assessable`` (with the reason).

    A verdict is not assessable when ``reason`` is given (the solution it rests on is
    improper) or when the statistic is undefined; ``met`` is then False.
    """
    threshold, source = SOURCES[criterion]
    number = float(value) if value is not None else np.nan
    if reason:
        status = "not assessable"
    elif not np.isfinite(number):
        status, reason = "not assessable", "the statistic is undefined (NaN)"
    else:
        status = "met" if met else "not met"
    rows.append(
        {
            "criterion": criterion,
            "subject": subject,
            "value": number,
            "threshold": threshold,
            "met": status == "met",
            "status": status,
            "reason": reason,
            "source": source,
        }
    )


# ---------------------------------------------------------------------------- the report
@dataclass(frozen=True, eq=False, repr=False)
class MeasurementReport(DisplayMixin):
    """Everything the measurement chapter of a thesis reports, with verdicts.

    Attributes
    ----------
    constructs : dict
        ``{construct: [items]}`` validated.
    reliability : DataFrame
        By construct: ``n_items, alpha, alpha_std, alpha_ci_lower, alpha_ci_upper``
        (psych ``alpha``, Feldt interval), ``omega`` (semTools ``compRelSEM``),
        ``rho_c``, ``rho_a`` (Dijkstra–Henseler, PLS weights), ``ave``; ``reason``
        says why omega, rho_c and AVE are NaN: undefined when the CFA did not converge,
        is not identified or is inadmissible for the construct (a Heywood case), or
        above 1 (never reported as numbers).
    items : DataFrame
        By item: ``construct, loading, loading_se`` (standardized CFA loading and its
        delta-method SE), ``r_drop`` (corrected item–total), ``alpha_if_deleted``.
    fornell_larcker, htmt, htmt2 : DataFrame
        Constructs × constructs.
    htmt_inference : DataFrame
        Bootstrap intervals of HTMT tested against 0.85, 0.90 and 1.
    cross_loadings : DataFrame
        Items × constructs.
    cfa : SEMResult
        The CFA of the constructs.
    efa : EFAReport or None
        KMO, Bartlett, parallel analysis and the exploratory solution with as many
        factors as constructs (:func:`loyaltysem.measurement.efa.efa_report`); None with
        ``run_efa=False`` or when the EFA cannot run (the reason is in ``notes``).
    common_method : DataFrame
        Harman's single-factor share and the common-latent-factor comparison
        (``value``), with the ``reason`` a check is not assessable ("" when it is).
    verdicts : DataFrame
        ``criterion, subject, value, threshold, met, status, reason, source``:
        ``status`` is ``met``, ``not met`` or ``not assessable`` (``met`` is True only
        for ``met``); ``reason`` says why a verdict is not assessable: the solution it
        rests on is improper (``improper_reasons()``) or the statistic is undefined.
    removal : DataFrame
        Items recommended for removal, why, and what removing each changes.
    notes : tuple of str
        What the reader must know (respondents left out, undefined statistics...).
    random_state, n_boot
        The bootstrap's seed and number of draws.
    ordinal : bool
        Whether the items were treated as ordinal (``validate(..., ordinal=True)``):
        then ``reliability`` holds ordinal alpha, categorical omega and the extra
        column ``omega_latent``, and the CFA is WLSMV (see :func:`validate`).
    polychoric : DataFrame or None
        The polychoric correlations of the items (``ordinal=True``), else None.
    """

    constructs: Mapping[str, list[str]]
    reliability: pd.DataFrame
    items: pd.DataFrame
    fornell_larcker: pd.DataFrame
    htmt: pd.DataFrame
    htmt2: pd.DataFrame
    htmt_inference: pd.DataFrame | None
    cross_loadings: pd.DataFrame
    cfa: SEMResult
    efa: EFAReport | None
    common_method: pd.DataFrame
    verdicts: pd.DataFrame
    removal: pd.DataFrame
    notes: tuple[str, ...]
    random_state: int | None
    n_boot: int
    ordinal: bool = False
    polychoric: pd.DataFrame | None = None

    _title: ClassVar[str] = "Measurement report"

    @property
    def status(self) -> Status:
        """The CFA's status (``cfa``): every CFA-based verdict and number rests on it."""
        return self.cfa.status

    def _repr_parts(self) -> list[str]:
        return [
            f"constructs={len(self.constructs)}",
            f"items={sum(len(v) for v in self.constructs.values())}",
            f"N={self.cfa.provenance.n}",
            f"estimator={self.cfa.provenance.estimator}",
            self.status.repr_part(),
            _verdict_counts(self.verdicts),
            "ordinal" if self.ordinal else "",
        ]

    def _header(self) -> list[str]:
        fm = self.cfa.fit_measures
        status = self.verdicts["status"]
        unassessed = int((status == "not assessable").sum())
        lines = [
            f"status: CFA {self.status.label}",
            f"constructs: {len(self.constructs)}, items: {len(self.items)}, "
            f"N (CFA) = {self.cfa.provenance.n}",
            self._fit_line(fm),
            f"criteria: {len(self.verdicts)} checked, {int((status == 'not met').sum())} not met"
            + (f", {unassessed} not assessable" if unassessed else ""),
            f"bootstrap: {self.n_boot} draws, random_state = {self.random_state}",
        ]
        lines += [f"NOTE: {n}" for n in self.notes]
        return lines

    def _fit_line(self, fm: pd.Series) -> str:
        if self.ordinal:
            return (
                f"CFA (WLSMV, all items ordinal): {fit_sentence(fm, 'scaled')} "
                "(scaled-shifted statistics)"
            )
        return f"CFA: {fit_sentence(fm)}"

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        title = "Reliability and convergent validity"
        if self.ordinal:
            title += " (ordinal: ordinal alpha, categorical omega, WLSMV loadings)"
        yield title, self.reliability
        yield "Items", self.items
        yield "Fornell-Larcker (sqrt(AVE) on the diagonal)", self.fornell_larcker
        yield ("HTMT (polychoric)" if self.ordinal else "HTMT"), self.htmt
        if self.htmt_inference is not None:
            which = self.htmt_inference.attrs.get("correlation", "pearson")
            kind = f" of the {which.capitalize()} HTMT" if self.ordinal else ""
            yield f"HTMT inference (bootstrap{kind})", self.htmt_inference
        if self.efa is not None:
            yield (
                f"EFA ({self.efa.efa.n_factors} factors, {self.efa.efa.method}, "
                f"{self.efa.efa.rotation}; KMO = {self.efa.kmo.msa:.3f}, "
                f"Bartlett p {p_phrase(self.efa.bartlett.pvalue)})",
                self.efa.efa.to_frame(sort=True),
            )
            yield "Number of factors", self.efa.suggestions.table[["suggestion", "source"]]
        yield "Common method variance", self.common_method
        v = self.verdicts
        failed = v[v["status"] == "not met"]
        if len(failed):
            yield "Criteria not met", failed.drop(columns=["status", "reason"])
        unassessed = v[v["status"] == "not assessable"]
        if len(unassessed):
            yield "Criteria not assessable (no verdict on an improper solution)", unassessed
        if len(self.removal):
            yield "Items recommended for removal", self.removal


def _fit_cfa(constructs: Mapping[str, Sequence[str]], data: Any, ordinal: bool) -> SEMResult:
    """The CFA of the constructs: ML (``cfa()``) or WLSMV with every item ordered."""
    if not ordinal:
        return fit(cfa_model(constructs), data)
    items = [i for v in constructs.values() for i in v]
    # A single ordinal indicator leaves its factor's variance unidentified (the variance
    # of y* is 1 by construction; lavaan reports a singular information matrix). Fix it
    # at 1, so that y* is the construct: the ordinal counterpart of lavaan's zero residual
    # variance for a single continuous indicator (auto.fix.single) in the ML CFA.
    singles = [c for c, v in constructs.items() if len(v) == 1]
    model = "\n".join([cfa_model(constructs), *(f"{c} ~~ 1*{c}" for c in singles)])
    with warnings.catch_warnings():
        # listwise deletion is reported in result.warnings (and so in the report's notes)
        warnings.simplefilter("ignore", MissingDataWarning)
        return fit_ordinal(specify(model), data, ordered=items)


def _removal_table(
    data: Any,
    constructs: Mapping[str, list[str]],
    cfa: SEMResult,
    rel: pd.DataFrame,
    items: pd.DataFrame,
    ordinal: bool = False,
) -> pd.DataFrame:
    """Items below the 0.708 loading rule and what removing each one changes.

    Hair et al. (2017): remove items loading below 0.40; remove one loading between 0.40
    and 0.708 only if that raises the construct's AVE or composite reliability above its
    threshold. The change is measured by refitting the CFA without the item (by WLSMV
    with ``ordinal=True``).
    """
    rows = []
    for item, row in items.iterrows():
        loading = row["loading"]
        if not np.isfinite(loading) or loading >= 0.708:
            continue
        construct = row["construct"]
        remaining = [i for i in constructs[construct] if i != item]
        before = rel.loc[construct]
        after_rho_c = after_ave = np.nan
        if len(remaining) >= 2 or (len(remaining) == 1 and len(constructs) > 1):
            reduced = {c: (remaining if c == construct else list(v)) for c, v in constructs.items()}
            try:
                refit = _fit_cfa(reduced, data, ordinal)
                after = cfa_reliability(refit, {construct: remaining}).loc[construct]
                after_rho_c, after_ave = after["rho_c"], after["ave"]
            except (ModelSpecError, SurveyDataError, IdentificationError, np.linalg.LinAlgError):
                pass
        if loading < 0.40:
            action, reason = "remove", "standardized loading below 0.40"
        elif (before["ave"] < 0.50 <= after_ave) or (before["rho_c"] < 0.70 <= after_rho_c):
            action, reason = "remove", "loading below 0.708 and removal lifts AVE or rho_c over"
            reason += " its threshold"
        else:
            action, reason = "keep", "loading below 0.708 but removal does not lift AVE or rho_c"
            reason += " over a threshold (content validity first)"
        if row.get("r_drop", np.nan) < 0:
            action, reason = "check", "negative item-total correlation: a forgotten reverse key?"
        rows.append(
            {
                "item": item,
                "construct": construct,
                "loading": loading,
                "action": action,
                "reason": reason,
                "ave_before": before["ave"],
                "ave_after": after_ave,
                "rho_c_before": before["rho_c"],
                "rho_c_after": after_rho_c,
                "alpha_before": before.get("alpha", np.nan),
                "alpha_after": row.get("alpha_if_deleted", np.nan),
            }
        )
    columns = ["item", "construct", "loading", "action", "reason", "ave_before", "ave_after"]
    columns += ["rho_c_before", "rho_c_after", "alpha_before", "alpha_after"]
    return pd.DataFrame(rows, columns=columns).set_index("item")


@warns_status("validate: the CFA: ")
@blas_single_threaded
def validate(
    data: Any,
    constructs: Any = None,
    *,
    ordinal: bool = False,
    n_boot: int = 2000,
    random_state: int | None = None,
    n_jobs: int = 1,
    run_efa: bool = True,
    common_method: bool = True,
    progress: ProgressArg = None,
    boot_polychoric: bool = False,
) -> MeasurementReport:
    """Validate the constructs of a survey: the measurement chapter in one call.

    Parameters
    ----------
    data : Survey or DataFrame
        The respondents' item scores (reverse-keyed items already recoded, as
        :func:`loyaltysem.read_survey` does).
    constructs : dict, Codebook, instrument or lavaan syntax, optional
        ``{construct: [items]}``; default: the survey's codebook.
    ordinal : bool, default False
        Treat every item as ordinal (Likert categories): the CFA is lavaan's WLSMV CFA
        with all items ordered and the correlations are polychoric (see Notes for what
        changes and what does not).
    n_boot : int, default 2000
        Bootstrap draws for the HTMT intervals (0 skips the bootstrap).
    random_state : int, optional
        Seed of the bootstrap and of the parallel analysis; recorded in the report.
    n_jobs : int, default 1
        Processes for the bootstrap (-1: every core).
    run_efa, common_method : bool, default True
        Include the exploratory factor analysis and the common-method checks.
    progress : bool or callable, optional
        Progress of the HTMT bootstrap: ``None`` a bar when stderr is a terminal or in
        Jupyter, ``True`` always, ``False`` never, a callable gets the number of draws
        just finished (docs/bootstrap.md, Progress).
    boot_polychoric : bool, default False
        With ``ordinal=True``, bootstrap the polychoric HTMT (the polychoric correlations
        are recomputed in every draw: about 0.1 s per draw for 29 items and 1,000
        respondents, so 2,000 draws take minutes; use ``n_jobs=-1``). By default the
        intervals are those of the Pearson HTMT (see Notes).

    Returns
    -------
    MeasurementReport

    Raises
    ------
    ModelSpecError
        No constructs, or items not in the data.
    SurveyDataError
        With ``ordinal=True``: an item that cannot be ordinal (a single observed
        category, more than 20 distinct values, non-integer codes, a category emptied
        by listwise deletion); the message names the item and the fix.

    Notes
    -----
    With ``ordinal=False`` (default): ML CFA (lavaan ``cfa()`` defaults), Pearson
    correlations, psych's alpha on the item scores.

    With ``ordinal=True`` every item is an ordered categorical variable; the analysis
    uses the rows that answer every item (listwise, lavaan's rule for categorical data).
    These columns change meaning:

    - ``reliability.alpha`` and ``alpha_std``: ordinal alpha (Zumbo, Gadermann &
      Zeisser 2007), alpha of the polychoric correlation matrix, as
      ``psych::alpha(psych::polychoric(x)$rho)``; ``alpha_ci_lower``/``upper`` are NaN
      (the Feldt interval is for raw alpha; psych computes it from a correlation
      matrix with n = the number of items, which is meaningless);
    - ``reliability.omega``: categorical omega (Green & Yang 2009) from the WLSMV CFA,
      as ``semTools::compRelSEM(fit)`` with its defaults (``ord.scale = TRUE``,
      ``obs.var = TRUE``), ``categorical_omega()``; ``omega_latent`` (new column):
      ``compRelSEM(fit, ord.scale = FALSE)``, the reliability of the latent responses;
    - ``reliability.rho_c``, ``ave`` and ``items.loading``, ``loading_se``: from the
      standardized WLSMV loadings (``standardizedSolution(fit)``), same formulas as
      design.md §4;
    - ``items.r_drop`` and ``alpha_if_deleted``: psych's ``r.drop`` and
      ``alpha.drop`` computed on the polychoric matrix (``ordinal_alpha_table()``);
    - ``fornell_larcker``: √AVE (WLSMV) and the WLSMV latent correlations;
    - ``htmt``, ``htmt2``: on the polychoric correlations, as
      ``semTools::htmt(model, data, ordered = items)``;
    - ``common_method`` ``harman_share``: first eigenvalue of the polychoric matrix;
    - verdicts on CFA fit use ``cfi.scaled``, ``tli.scaled``, ``rmsea.scaled`` (the
      scaled-shifted WLSMV statistics lavaan prints in the "Robust" column's place
      for categorical data) and ``srmr``.

    Unchanged, on the item scores as numbers (said in ``notes``): ``rho_a`` (PLS on
    Pearson correlations: no R reference for an ordinal rho_A), ``htmt_inference``
    (by default the bootstrap of the *Pearson* HTMT, because a polychoric matrix per
    draw costs about 0.1 s for 29 items; ``boot_polychoric=True`` bootstraps the
    polychoric HTMT; ``htmt_inference.attrs["correlation"]`` says which),
    ``cross_loadings`` (Pearson correlations with mean scores), the EFA part (Pearson;
    psych's ``fa(x, cor = "poly")`` is not reproduced), and the common latent factor
    (ML CFA: a WLSMV chi-square difference needs lavaan's scaled DIFFTEST).

    A single-item construct has its factor variance fixed at 1 in the WLSMV CFA (its
    variance is not identified otherwise; lavaan reports a singular information
    matrix), so its loading, rho_c, AVE and omega are 1 by construction.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> report = ls.validate(ls.load_holzinger_swineford(), n_boot=200, random_state=1)
    >>> report.reliability.loc["visual", ["omega", "rho_c", "ave"]].round(3).tolist()
    [0.612, 0.626, 0.371]

    In R: ``semTools::compRelSEM(cfa(model, hs))`` gives omega 0.612 for visual.

    The bundled survey's 7-point items as ordinal; in R
    ``compRelSEM(cfa(model, x, ordered = items, estimator = "WLSMV"))`` gives a
    categorical omega of 0.797 for TRU, and ``psych::alpha(lavCor(x, ordered = items))``
    on TRU's items an ordinal alpha of 0.817 (1,059 complete rows):

    >>> report = ls.validate(ls.load_ecommerce(), ordinal=True, n_boot=0,
    ...                      run_efa=False, common_method=False)
    >>> report.reliability.loc["TRU", ["alpha", "omega", "rho_c", "ave"]].round(3).tolist()
    [0.817, 0.797, 0.819, 0.604]
    """
    frame = _items_frame(data)
    if constructs is None:
        constructs = getattr(data, "constructs", None)
        if constructs is None:
            raise ModelSpecError(
                "no constructs given and the data has no codebook",
                expected="constructs={construct: [items]} or a Survey",
                fix="pass constructs=..., or load the data with read_survey and a codebook",
            )
    cons = constructs_of(constructs, frame)
    notes: list[str] = []
    poly = None
    if ordinal:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            poly = polychoric_matrix(frame, cons)
        notes += [str(w.message) for w in caught]
    cfa = _fit_cfa(cons, data, ordinal)
    notes += [w for w in cfa.warnings if w not in notes]
    rel_cfa = cfa_reliability(cfa, cons)
    # reliability from psych's alpha family, rho_A from PLS weights
    if poly is None:
        item_stats = item_table(frame, cons)
        alpha_table = reliability_table(frame, cons)
        for construct, note in alpha_table.get("note", pd.Series(dtype=str)).items():
            if isinstance(note, str) and note:
                notes.append(f"{construct}: {note}")
    else:
        alpha_table, ordinal_items = ordinal_alpha_table(poly, cons)
        alpha_table["alpha_ci_lower"] = alpha_table["alpha_ci_upper"] = np.nan
        item_stats = ordinal_items
        for construct, k in alpha_table["n_items"].items():
            if k < 2:
                notes.append(
                    f"{construct}: one item ({cons[construct][0]}): ordinal alpha undefined; "
                    "in the WLSMV CFA its variance is fixed at 1 (y* is the construct), so its "
                    "loading, rho_c, AVE and omega are 1 by construction, not measured"
                )
    rho_a = _rho_a(frame, cons, notes, structural_of(constructs, cons))
    reliability = pd.DataFrame(
        {
            "n_items": pd.Series({c: len(v) for c, v in cons.items()}),
            "alpha": alpha_table["alpha"],
            "alpha_std": alpha_table["alpha_std"],
            "alpha_ci_lower": alpha_table["alpha_ci_lower"],
            "alpha_ci_upper": alpha_table["alpha_ci_upper"],
            "omega": rel_cfa["omega"],
            "rho_c": rel_cfa["rho_c"],
            "rho_a": rho_a,
            "ave": rel_cfa["ave"],
        }
    ).reindex(list(cons))
    if ordinal:
        reliability.insert(6, "omega_latent", rel_cfa["omega_latent"].reindex(list(cons)))
    reliability = _undefined_on_improper(reliability, cfa, cons)
    for construct, why in reliability["reason"].items():
        if why:
            notes.append(f"{construct}: reliabilities not reported: {why}")
    loads = _loadings(cfa).set_index("rhs")
    items = pd.DataFrame(
        {
            "construct": [c for c, v in cons.items() for _ in v],
            "loading": [loads.loc[i, "std_all"] for v in cons.values() for i in v],
            "loading_se": [loads.loc[i, "se_std_all"] for v in cons.values() for i in v],
        },
        index=[i for v in cons.values() for i in v],
    )
    items["r_drop"] = item_stats["r_drop"].reindex(items.index)
    items["alpha_if_deleted"] = item_stats["alpha_if_deleted"].reindex(items.index)
    fl = fornell_larcker(cfa, cons)
    if poly is None:
        h1 = htmt(frame, cons)
        h2 = htmt(frame, cons, htmt2=True)
    else:
        _, groups = _group_positions(cons)
        names = list(cons)
        r = poly.to_numpy()
        h1 = pd.DataFrame(_htmt_from_cor(r, groups, False, True), index=names, columns=names)
        h2 = pd.DataFrame(_htmt_from_cor(r, groups, True, True), index=names, columns=names)
    inference = None
    if n_boot and len(cons) > 1:
        inference = htmt_bootstrap(
            frame,
            cons,
            n_boot=n_boot,
            random_state=random_state,
            n_jobs=n_jobs,
            progress=progress,
            ordinal=bool(ordinal and boot_polychoric),
        )
    xl = cross_loadings(frame, cons)
    efa_part = _efa_part(frame, cons, random_state, notes) if run_efa else None
    cm_rows = []
    verdicts: list[dict[str, Any]] = []
    if common_method:
        if poly is None:
            harman = harman_single_factor(frame, cons)
        else:
            ev = np.linalg.eigvalsh(poly.to_numpy())[::-1]
            harman = {"share": float(ev[0] / len(poly))}
        cm_rows.append({"check": "harman_share", "value": harman["share"], "reason": ""})
        _verdict(verdicts, "harman", "all items", harman["share"], harman["share"] < 0.5)
        try:
            clf = common_latent_factor(data, cons, base=None if ordinal else cfa)
            biggest = float(clf.loading_change["difference"].abs().max())
            cm_rows += [
                {"check": "clf_delta_chisq", "value": clf.delta_chisq, "reason": clf.reason},
                {"check": "clf_delta_df", "value": float(clf.delta_df), "reason": clf.reason},
                {"check": "clf_p_value", "value": clf.p_value, "reason": clf.reason},
                {"check": "clf_max_loading_change", "value": biggest, "reason": clf.reason},
            ]
            _verdict(verdicts, "clf", "all items", biggest, biggest < 0.20, clf.reason)
            if clf.result.warnings:
                notes.append("common latent factor model: " + "; ".join(clf.result.warnings[-1:]))
        except (ModelSpecError, SurveyDataError) as exc:
            notes.append(f"common latent factor model not estimable: {exc.reason}")
            reason = f"the common latent factor model is not estimable: {exc.reason}"
            _verdict(verdicts, "clf", "all items", np.nan, False, reason)
    cm = pd.DataFrame(cm_rows, columns=["check", "value", "reason"]).set_index("check")
    # verdicts; those resting on the CFA are not assessable when its solution is improper
    cfa_improper = improper_reasons(cfa)
    on_cfa = f"CFA: {'; '.join(cfa_improper)}" if cfa_improper else ""
    for c in cons:
        r = reliability.loc[c]
        _verdict(verdicts, "alpha", c, r["alpha"], r["alpha"] >= 0.70)
        _verdict(verdicts, "omega", c, r["omega"], r["omega"] >= 0.70, on_cfa)
        _verdict(verdicts, "rho_c", c, r["rho_c"], r["rho_c"] >= 0.70, on_cfa)
        _verdict(verdicts, "rho_c_max", c, r["rho_c"], r["rho_c"] <= 0.95, on_cfa)
        if np.isfinite(r["rho_a"]):
            _verdict(verdicts, "rho_a", c, r["rho_a"], r["rho_a"] >= 0.70)
        _verdict(verdicts, "ave", c, r["ave"], r["ave"] >= 0.50, on_cfa)
        others = fl.loc[c].drop(c).abs()
        if len(others):
            margin = fl.loc[c, c] - others.max()
            _verdict(verdicts, "fornell_larcker", c, margin, margin > 0, on_cfa)
    for item, row in items.iterrows():
        ok = row["loading"] >= 0.708
        _verdict(verdicts, "loading", str(item), row["loading"], ok, on_cfa)
        if np.isfinite(row["r_drop"]):
            _verdict(verdicts, "r_drop", str(item), row["r_drop"], row["r_drop"] >= 0.30)
        if len(cons) > 1:
            own = xl.loc[item, row["construct"]]
            margin = own - xl.loc[item].drop(row["construct"]).max()
            _verdict(verdicts, "cross_loading", str(item), margin, margin > 0)
    names = list(cons)
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            pair = f"{names[i]}~{names[j]}"
            value = h1.iloc[i, j]
            _verdict(verdicts, "htmt_085", pair, value, value < 0.85)
            _verdict(verdicts, "htmt_090", pair, value, value < 0.90)
            if inference is not None:
                upper = inference.loc[pair, "ci_upper"]
                _verdict(verdicts, "htmt_ci_1", pair, upper, upper < 1.0)
    fm = cfa.fit_measures
    suffix, subject = (".scaled", "CFA (WLSMV, scaled)") if ordinal else ("", "CFA")
    for key in ("cfi", "tli"):
        _verdict(verdicts, key, subject, fm[key + suffix], fm[key + suffix] >= 0.95, on_cfa)
    rmsea = fm["rmsea" + suffix]
    _verdict(verdicts, "rmsea", subject, rmsea, rmsea <= 0.06, on_cfa)
    _verdict(verdicts, "srmr", subject, fm["srmr"], fm["srmr"] <= 0.08, on_cfa)
    if efa_part is not None:
        _efa_verdicts(efa_part, cons, verdicts)
    negative = items.index[items["r_drop"] < 0].tolist()
    if negative:
        notes.append(
            f"items with a negative item-total correlation (a forgotten reverse key?): {negative}"
        )
    if ordinal:
        pearson_boot = inference is not None and inference.attrs["correlation"] == "pearson"
        notes.append(
            "ordinal=True: alpha is ordinal alpha and r_drop/alpha_if_deleted are computed "
            "on the polychoric correlations; omega is categorical omega (Green & Yang 2009), "
            "rho_c, AVE, loadings and Fornell-Larcker come from the WLSMV CFA; HTMT and "
            "Harman's share use the polychoric correlations. On the item scores as numbers "
            "(Pearson) remain: rho_A, cross-loadings, the EFA, the common latent factor (ML)"
            + (
                " and the HTMT bootstrap intervals (htmt_inference bootstraps the Pearson "
                "HTMT; boot_polychoric=True bootstraps the polychoric one)"
                if pearson_boot
                else ""
            )
        )
    return MeasurementReport(
        constructs=cons,
        reliability=reliability,
        items=items,
        fornell_larcker=fl,
        htmt=h1,
        htmt2=h2,
        htmt_inference=inference,
        cross_loadings=xl,
        cfa=cfa,
        efa=efa_part,
        common_method=cm,
        verdicts=pd.DataFrame(verdicts, columns=_VERDICT_COLUMNS),
        removal=_removal_table(data, cons, cfa, reliability, items, ordinal),
        notes=tuple(notes),
        random_state=random_state,
        n_boot=int(n_boot),
        ordinal=bool(ordinal),
        polychoric=poly,
    )


def structural_of(constructs: Any, cons: Mapping[str, list[str]]) -> list[tuple[str, str]] | None:
    """The inner model ``(source, target)`` of lavaan syntax: its ``~`` among constructs.

    ``None`` when there is none (a dict, a codebook, or a measurement model only): then
    rho_A's PLS weights come from a saturated inner model.
    """
    if not isinstance(constructs, str):
        return None
    table = specify(constructs).table
    paths = [
        (str(src), str(dst))
        for op, dst, src in zip(table["op"], table["lhs"], table["rhs"], strict=True)
        if op == "~" and dst in cons and src in cons
    ]
    return paths or None


def _rho_a(
    frame: pd.DataFrame,
    cons: Mapping[str, list[str]],
    notes: list[str],
    structural: list[tuple[str, str]] | None = None,
) -> pd.Series:
    """Dijkstra–Henseler rho_A from PLS weights (NaN with a note if not computable).

    With the model's structural part (``structural``) the weights are seminr's and
    SmartPLS's for that model; without one, those of a saturated inner model (said in
    ``notes``).
    """
    if structural is None:
        notes.append(
            "rho_A: PLS weights with a saturated inner model (no structural model given; "
            "pass lavaan syntax with its '~' lines for the weights seminr reports)"
        )
    try:
        return pd.Series(rho_a(frame, cons, structural=structural, missing="listwise")).reindex(
            list(cons)
        )
    except (ModelSpecError, SurveyDataError) as exc:
        notes.append(f"rho_A not computed: {exc.reason}")
        return pd.Series(np.nan, index=list(cons))


def _efa_part(
    frame: pd.DataFrame, cons: Mapping[str, list[str]], random_state: int | None, notes: list[str]
) -> EFAReport | None:
    """KMO, Bartlett, parallel analysis and the EFA with as many factors as constructs."""
    items = [i for v in cons.values() for i in v]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            part = efa_report(frame[items], n_factors=len(cons), random_state=random_state)
    except (ModelSpecError, SurveyDataError, IdentificationError) as exc:
        notes.append(f"exploratory factor analysis not run: {exc.reason}")
        return None
    notes.extend(f"EFA: {w.message}" for w in caught)
    return part


def _efa_verdicts(
    part: EFAReport, cons: Mapping[str, list[str]], verdicts: list[dict[str, Any]]
) -> None:
    kmo_value = float(part.kmo.msa)
    _verdict(verdicts, "kmo", "all items", kmo_value, kmo_value >= 0.60)
    p = float(part.bartlett.pvalue)
    _verdict(verdicts, "bartlett", "all items", p, p < 0.05)
    suggested = part.suggestions.parallel.n_factors
    value = float(suggested) if suggested is not None else np.nan
    _verdict(verdicts, "efa_factors", "all items", value, suggested == len(cons))
    # each construct's factor: the one its items load on most, in total
    load = part.efa.loadings.abs()
    for items in cons.values():
        own = load.loc[items].sum(axis=0).idxmax()
        for item in items:
            value = float(load.loc[item, own])
            highest = load.loc[item].idxmax() == own
            _verdict(verdicts, "efa_loading", item, value, value >= 0.40 and highest)
