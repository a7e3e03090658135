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

Examples
--------
>>> from loyaltysem.datasets import load_holzinger_swineford
>>> from loyaltysem.validity import htmt
>>> hs = load_holzinger_swineford()
>>> round(float(htmt(hs.data, hs.constructs).loc["visual", "textual"]), 3)  # semTools::htmt
0.424
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from loyaltysem._display import DisplayMixin
from loyaltysem.efa import EFAReport, efa_report
from loyaltysem.errors import IdentificationError, ModelSpecError, SurveyDataError
from loyaltysem.estimation import fit
from loyaltysem.pls import rho_a
from loyaltysem.reliability import item_table, reliability_table
from loyaltysem.resampling import bootstrap_statistic
from loyaltysem.results import SEMResult
from loyaltysem.specification import specify

__all__ = [
    "cfa_model",
    "cfa_reliability",
    "constructs_of",
    "cross_loadings",
    "fornell_larcker",
    "harman_single_factor",
    "htmt",
    "htmt_statistic",
    "latent_correlations",
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
    return out


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

    A picklable statistic for :func:`loyaltysem.resampling.bootstrap_statistic`
    (use ``functools.partial`` to fix ``groups``).
    """
    r = np.corrcoef(x, rowvar=False)
    out = _htmt_from_cor(r, groups, geometric, absolute)
    return out[np.triu_indices(len(groups), 1)]


def htmt(data: Any, constructs: Any, *, htmt2: bool = False, absolute: bool = True) -> pd.DataFrame:
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

    Returns
    -------
    DataFrame
        Symmetric, NaN on the diagonal. In R: ``semTools::htmt(model, data,
        htmt2 = FALSE)``. Rows with a missing answer are left out (listwise).
    """
    frame = _items_frame(data)
    cons = constructs_of(constructs, frame)
    items, groups = _group_positions(cons)
    x, _ = _complete(frame, items)
    r = np.corrcoef(x, rowvar=False)
    out = _htmt_from_cor(r, groups, htmt2, absolute)
    names = list(cons)
    return pd.DataFrame(out, index=names, columns=names)


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
    progress: bool | None = None,
) -> pd.DataFrame:
    """HTMT with bootstrap intervals, tested against 0.85, 0.90 and 1 (Henseler et al. 2015).

    Returns one row per pair of constructs: ``estimate, boot_mean, boot_se, ci_lower,
    ci_upper`` and ``below_0.85, below_0.90, below_1`` (the upper bound of the
    interval is below the threshold: discriminant validity established at that
    threshold). Respondents with a missing answer are left out before resampling.
    """
    frame = _items_frame(data)
    cons = constructs_of(constructs, frame)
    items, groups = _group_positions(cons)
    x, _ = _complete(frame, items)
    names = list(cons)
    pairs = [f"{names[i]}~{names[j]}" for i in range(len(names)) for j in range(i + 1, len(names))]
    stat = functools.partial(htmt_statistic, groups=groups, geometric=htmt2)
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
    return table


# ---------------------------------------------------------------------------- CFA-based
def cfa_model(constructs: Mapping[str, Sequence[str]]) -> str:
    """The lavaan ``=~`` lines of the constructs (one line each)."""
    return "\n".join(f"{c} =~ " + " + ".join(items) for c, items in constructs.items())


def _loadings(result: SEMResult) -> pd.DataFrame:
    est = result.estimates
    return est[est["op"] == "=~"]


def cfa_reliability(result: SEMResult, constructs: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Omega, composite reliability and AVE of each construct from a fitted CFA.

    Parameters
    ----------
    result : SEMResult
        The CFA of the constructs (``fit(cfa_model(constructs), data)``).
    constructs : dict
        ``{construct: [items]}``.

    Returns
    -------
    DataFrame
        Indexed by construct: ``omega`` (semTools ``compRelSEM``), ``rho_c``, ``ave``,
        ``ave_semtools`` (semTools ``AVE``: explained over observed variances), ``n_items``.
    """
    est = result.estimates
    s = result.sample_cov
    loads = _loadings(result)
    rows = []
    for name, items in constructs.items():
        lam = loads[loads["lhs"] == name]
        lam = lam.set_index("rhs").reindex(list(items))
        var = est[(est["op"] == "~~") & (est["lhs"] == name) & (est["rhs"] == name)]["est"]
        phi = float(var.iloc[0]) if len(var) else np.nan
        raw = lam["est"].to_numpy(dtype=float)
        std = lam["std_all"].to_numpy(dtype=float)
        sub = s.loc[list(items), list(items)].to_numpy()
        omega = raw.sum() ** 2 * phi / sub.sum()
        num = std.sum() ** 2
        rows.append(
            {
                "construct": name,
                "n_items": len(items),
                "omega": omega,
                "rho_c": num / (num + np.sum(1 - std**2)),
                "ave": float(np.mean(std**2)),
                "ave_semtools": float(np.sum(raw**2) * phi / np.trace(sub)),
            }
        )
    return pd.DataFrame(rows).set_index("construct")


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


def harman_single_factor(data: Any, constructs: Any) -> dict[str, float]:
    """Harman's single-factor test: variance share of the first principal component.

    Common-method variance is a concern when one factor explains more than half of the
    variance of all items (Podsakoff et al. 2003). Complete cases; in R:
    ``eigen(cor(x))$values[1] / ncol(x)``.
    """
    frame = _items_frame(data)
    cons = constructs_of(constructs, frame)
    items = [i for v in cons.values() for i in v]
    x, _ = _complete(frame, items)
    ev = np.linalg.eigvalsh(np.corrcoef(x, rowvar=False))[::-1]
    return {"first_eigenvalue": float(ev[0]), "share": float(ev[0] / len(items)), "n": len(x)}


@dataclass(frozen=True)
class CommonLatentFactor:
    """The CFA with a common latent (method) factor, compared with the CFA without it."""

    model: str
    result: SEMResult
    delta_chisq: float
    delta_df: int
    p_value: float
    loading_change: pd.DataFrame


def common_latent_factor(
    data: Any, constructs: Mapping[str, Sequence[str]], base: SEMResult | None = None
) -> CommonLatentFactor:
    """Common latent factor: one method factor on all items, equal loadings, orthogonal.

    The method factor has variance 1 and one free loading ``m`` shared by every item
    (``CMF =~ NA*x1 + m*x1 + m*x2 + ...; CMF ~~ 1*CMF``), so that no method variance
    is the boundary ``m = 0`` rather than a negative variance (a Heywood case).

    Compared with the CFA without it by the likelihood-ratio test and by the change in
    every standardized loading (Podsakoff et al. 2003, method-factor approach).
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
    return CommonLatentFactor(model, with_clf, d_chisq, d_df, p, change)


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


def _verdict(
    rows: list[dict[str, Any]], criterion: str, subject: str, value: float, met: bool
) -> None:
    threshold, source = SOURCES[criterion]
    rows.append(
        {
            "criterion": criterion,
            "subject": subject,
            "value": float(value) if value is not None else np.nan,
            "threshold": threshold,
            "met": bool(met) if np.isfinite(value) else False,
            "source": source,
        }
    )


# ---------------------------------------------------------------------------- the report
@dataclass(frozen=True, eq=False)
class MeasurementReport(DisplayMixin):
    """Everything the measurement chapter of a thesis reports, with verdicts.

    Attributes
    ----------
    constructs : dict
        ``{construct: [items]}`` validated.
    reliability : DataFrame
        By construct: ``n_items, alpha, alpha_std, alpha_ci_lower, alpha_ci_upper``
        (psych ``alpha``, Feldt interval), ``omega`` (semTools ``compRelSEM``),
        ``rho_c``, ``rho_a`` (Dijkstra–Henseler, PLS weights), ``ave``.
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
        factors as constructs (:func:`loyaltysem.efa.efa_report`); None with
        ``run_efa=False`` or when the EFA cannot run (the reason is in ``notes``).
    common_method : DataFrame
        Harman's single-factor share and the common-latent-factor comparison.
    verdicts : DataFrame
        ``criterion, subject, value, threshold, met, source``.
    removal : DataFrame
        Items recommended for removal, why, and what removing each changes.
    notes : tuple of str
        What the reader must know (respondents left out, undefined statistics...).
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

    _title: ClassVar[str] = "Measurement report"

    def _header(self) -> list[str]:
        fm = self.cfa.fit_measures
        failed = self.verdicts[~self.verdicts["met"]]
        lines = [
            f"constructs: {len(self.constructs)}, items: {len(self.items)}, "
            f"N (CFA) = {self.cfa.provenance.n}",
            f"CFA: chi-square = {fm['chisq']:.3f}, df = {fm['df']:.0f}, CFI = {fm['cfi']:.3f}, "
            f"TLI = {fm['tli']:.3f}, RMSEA = {fm['rmsea']:.3f}, SRMR = {fm['srmr']:.3f}",
            f"criteria: {len(self.verdicts)} checked, {len(failed)} not met",
            f"bootstrap: {self.n_boot} draws, random_state = {self.random_state}",
        ]
        lines += [f"NOTE: {n}" for n in self.notes]
        return lines

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "Reliability and convergent validity", self.reliability
        yield "Items", self.items
        yield "Fornell-Larcker (sqrt(AVE) on the diagonal)", self.fornell_larcker
        yield "HTMT", self.htmt
        if self.htmt_inference is not None:
            yield "HTMT inference (bootstrap)", self.htmt_inference
        if self.efa is not None:
            yield (
                f"EFA ({self.efa.efa.n_factors} factors, {self.efa.efa.method}, "
                f"{self.efa.efa.rotation}; KMO = {self.efa.kmo.msa:.3f}, "
                f"Bartlett p = {self.efa.bartlett.pvalue:.3g})",
                self.efa.efa.to_frame(sort=True),
            )
            yield "Number of factors", self.efa.suggestions.table[["suggestion", "source"]]
        yield "Common method variance", self.common_method
        failed = self.verdicts[~self.verdicts["met"]]
        if len(failed):
            yield "Criteria not met", failed
        if len(self.removal):
            yield "Items recommended for removal", self.removal


def _removal_table(
    data: Any,
    constructs: Mapping[str, list[str]],
    cfa: SEMResult,
    rel: pd.DataFrame,
    items: pd.DataFrame,
) -> pd.DataFrame:
    """Items below the 0.708 loading rule and what removing each one changes.

    Hair et al. (2017): remove items loading below 0.40; remove one loading between 0.40
    and 0.708 only if that raises the construct's AVE or composite reliability above its
    threshold. The change is measured by refitting the CFA without the item.
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
                refit = fit(cfa_model(reduced), data)
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
    progress: bool | None = None,
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
        Reliability from polychoric correlations (not available yet: raises).
    n_boot : int, default 2000
        Bootstrap draws for the HTMT intervals (0 skips the bootstrap).
    random_state : int, optional
        Seed of the bootstrap and of the parallel analysis; recorded in the report.
    n_jobs : int, default 1
        Processes for the bootstrap (-1: every core).
    run_efa, common_method : bool, default True
        Include the exploratory factor analysis and the common-method checks.
    progress : bool, optional
        Progress bar for the bootstrap.

    Returns
    -------
    MeasurementReport

    Examples
    --------
    >>> import loyaltysem as ls
    >>> report = ls.validate(ls.load_holzinger_swineford(), n_boot=200, random_state=1)
    >>> report.reliability.loc["visual", ["omega", "rho_c", "ave"]].round(3).tolist()
    [0.612, 0.626, 0.371]

    In R: ``semTools::compRelSEM(cfa(model, hs))`` gives omega 0.612 for visual.
    """
    if ordinal:
        raise ModelSpecError(
            "ordinal reliability needs polychoric correlations, which are not available yet",
            found="ordinal=True",
            expected="ordinal=False",
            fix="use ordinal=False for now (polychoric correlations come with the WLSMV estimator)",
        )
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
    cfa = fit(cfa_model(cons), data)
    notes += [w for w in cfa.warnings]
    rel_cfa = cfa_reliability(cfa, cons)
    # reliability from psych's alpha family, rho_A from PLS weights
    alpha_table = reliability_table(frame, cons)
    item_stats = item_table(frame, cons)
    for construct, note in alpha_table.get("note", pd.Series(dtype=str)).items():
        if isinstance(note, str) and note:
            notes.append(f"{construct}: {note}")
    rho_a = _rho_a(frame, cons, notes)
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
    h1 = htmt(frame, cons)
    h2 = htmt(frame, cons, htmt2=True)
    inference = None
    if n_boot and len(cons) > 1:
        inference = htmt_bootstrap(
            frame, cons, n_boot=n_boot, random_state=random_state, n_jobs=n_jobs, progress=progress
        )
    xl = cross_loadings(frame, cons)
    efa_part = _efa_part(frame, cons, random_state, notes) if run_efa else None
    cm_rows = []
    verdicts: list[dict[str, Any]] = []
    if common_method:
        harman = harman_single_factor(frame, cons)
        cm_rows.append({"check": "harman_share", "value": harman["share"]})
        _verdict(verdicts, "harman", "all items", harman["share"], harman["share"] < 0.5)
        try:
            clf = common_latent_factor(data, cons, base=cfa)
            biggest = float(clf.loading_change["difference"].abs().max())
            cm_rows += [
                {"check": "clf_delta_chisq", "value": clf.delta_chisq},
                {"check": "clf_delta_df", "value": float(clf.delta_df)},
                {"check": "clf_p_value", "value": clf.p_value},
                {"check": "clf_max_loading_change", "value": biggest},
            ]
            _verdict(verdicts, "clf", "all items", biggest, biggest < 0.20)
            if clf.result.warnings:
                notes.append("common latent factor model: " + "; ".join(clf.result.warnings[-1:]))
        except (ModelSpecError, SurveyDataError) as exc:
            notes.append(f"common latent factor model not estimable: {exc.reason}")
    cm = pd.DataFrame(cm_rows, columns=["check", "value"]).set_index("check")
    # verdicts
    for c in cons:
        r = reliability.loc[c]
        _verdict(verdicts, "alpha", c, r["alpha"], r["alpha"] >= 0.70)
        _verdict(verdicts, "omega", c, r["omega"], r["omega"] >= 0.70)
        _verdict(verdicts, "rho_c", c, r["rho_c"], r["rho_c"] >= 0.70)
        _verdict(verdicts, "rho_c_max", c, r["rho_c"], r["rho_c"] <= 0.95)
        if np.isfinite(r["rho_a"]):
            _verdict(verdicts, "rho_a", c, r["rho_a"], r["rho_a"] >= 0.70)
        _verdict(verdicts, "ave", c, r["ave"], r["ave"] >= 0.50)
        others = fl.loc[c].drop(c).abs()
        if len(others):
            margin = fl.loc[c, c] - others.max()
            _verdict(verdicts, "fornell_larcker", c, margin, margin > 0)
    for item, row in items.iterrows():
        _verdict(verdicts, "loading", str(item), row["loading"], row["loading"] >= 0.708)
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
    _verdict(verdicts, "cfi", "CFA", fm["cfi"], fm["cfi"] >= 0.95)
    _verdict(verdicts, "tli", "CFA", fm["tli"], fm["tli"] >= 0.95)
    _verdict(verdicts, "rmsea", "CFA", fm["rmsea"], fm["rmsea"] <= 0.06)
    _verdict(verdicts, "srmr", "CFA", fm["srmr"], fm["srmr"] <= 0.08)
    if efa_part is not None:
        _efa_verdicts(efa_part, cons, verdicts)
    negative = items.index[items["r_drop"] < 0].tolist()
    if negative:
        notes.append(
            f"items with a negative item-total correlation (a forgotten reverse key?): {negative}"
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
        verdicts=pd.DataFrame(verdicts),
        removal=_removal_table(data, cons, cfa, reliability, items),
        notes=tuple(notes),
        random_state=random_state,
        n_boot=int(n_boot),
    )


def _rho_a(frame: pd.DataFrame, cons: Mapping[str, list[str]], notes: list[str]) -> pd.Series:
    """Dijkstra–Henseler rho_A from PLS weights (NaN with a note if not computable)."""
    try:
        return pd.Series(rho_a(frame, cons, missing="listwise")).reindex(list(cons))
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
