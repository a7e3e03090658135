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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from loyaltysem.errors import ModelSpecError, SurveyDataError
from loyaltysem.estimation import fit
from loyaltysem.results import SEMResult

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
        from loyaltysem.specification import specify

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

    A picklable statistic for :func:`loyaltysem.bootstrap.bootstrap_statistic`
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
    from loyaltysem.bootstrap import bootstrap_statistic

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

    Compared with the CFA without it by the likelihood-ratio test and by the change in
    every standardized loading (Podsakoff et al. 2003, method-factor approach).
    """
    from scipy import stats

    items = [i for v in constructs.values() for i in v]
    model = (
        cfa_model(constructs)
        + "\nCMF =~ "
        + " + ".join(f"m*{i}" for i in items)
        + "\n"
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
