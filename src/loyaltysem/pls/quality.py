r"""Quality measures of a PLS path model: effects, f², VIF, Fornell–Larcker, SRMR, d_ULS, d_G.

Each function takes a :class:`~loyaltysem.pls.PLSResult` and returns a pandas table at
full precision; :class:`~loyaltysem.pls.PLSResult` exposes them as attributes
(``total_effects``, ``indirect_effects``, ``specific_effects``, ``f2``, ``vif_inner``,
``vif_outer``, ``fornell_larcker``, ``fit_measures``), computed on first use.

Definitions and their sources (agreement measured in ``tests/test_pls_quality.py``):

- **total effects** ``T = B + B² + … = (I − B)⁻¹ − I`` with ``B`` the path matrix
  (source × target); total indirect effects ``T − B`` (seminr ``total_effects``,
  ``total_indirect_effects``; SmartPLS "total effects", "total indirect effects").
- **specific indirect effects**: the product of the path coefficients along every
  directed path with at least one mediator, labelled as seminr's
  ``specific_effect_significance`` (``"Image->Satisfaction->Loyalty"``).
- **f²** of a path ``X → Y``: ``(R²_incl − R²_excl) / (1 − R²_incl)`` with ``R²_excl``
  from the model *re-estimated* without that path (seminr ``fSquared``, SmartPLS);
  a construct left without any path is dropped from the reduced model, and
  ``R²_excl = 0`` when Y has no predictor left (Cohen 1988).
- **VIF**: outer (items) ``diag(R_bb⁻¹)`` of each block's item correlations;
  inner (antecedents) ``diag(C_pp⁻¹)`` of the construct-score correlations of each
  endogenous construct's predictors (seminr ``summary()$validity$vif_items`` and
  ``$vif_antecedents``). A lone item or a lone predictor gets 1 (SmartPLS); seminr
  prints NA for a lone predictor.
- **Fornell–Larcker** table: construct correlations below the diagonal, √AVE on it,
  NaN above (seminr ``summary()$validity$fl_criteria``; Fornell & Larcker 1981).
- **SRMR, d_ULS, d_G** between the indicator correlation matrix ``S`` and the
  model-implied one ``Σ`` as cSEM's ``fit()``, ``calculateSRMR``, ``calculateDL`` and
  ``calculateDG`` define them (Henseler et al. 2014; Dijkstra & Henseler 2015):
  ``Σ = Λ'VΛ + Θ`` with ``Λ`` the loadings, ``Θ = diag(1 − λ²)``; the indicators of a
  composite (``<~``, mode B) keep their observed within-block correlations, those
  of a reflective construct (``=~``) get ``λ_i λ_k``. ``V`` is the construct-score
  correlation matrix for the *saturated* model (SmartPLS "saturated model") and the
  correlations the structural model implies for the *estimated* model: exogenous
  correlations as observed, ``(I − B)⁻¹(ΓΦΓ' + Ψ)(I − B)⁻ᵀ`` for the endogenous
  constructs with ``Ψ = diag(1 − R²)``. ``SRMR = √(mean over the lower triangle with
  diagonal of (S − Σ)²)``, ``d_ULS = ½ Σ (S − Σ)²``, ``d_G = ½ Σ (ln φ_k)²`` over the
  eigenvalues φ of ``S⁻¹Σ`` (natural logarithm as Dijkstra & Henseler 2015; cSEM's
  ``calculateDG`` uses log10, with a comment that it is unsure which).

References
----------
Cohen, J. (1988). *Statistical power analysis for the behavioral sciences* (2nd ed.).
Dijkstra, T. K., & Henseler, J. (2015). Consistent and asymptotically normal PLS
estimators for linear structural equations. *CSDA*, 81, 10–23.
Fornell, C., & Larcker, D. F. (1981). *Journal of Marketing Research*, 18(1), 39–50.
Henseler, J., et al. (2014). Common beliefs and reality about PLS. *ORM*, 17(2), 182–209.

Examples
--------
>>> from loyaltysem.datasets import load_mobi
>>> from loyaltysem.pls import fit_pls
>>> res = fit_pls('''
...     Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
...     Expectation =~ CUEX1 + CUEX2 + CUEX3
...     Satisfaction =~ CUSA1 + CUSA2 + CUSA3
...     Expectation ~ Image
...     Satisfaction ~ Image + Expectation
... ''', load_mobi())
>>> res.specific_effects[["path", "estimate"]].round(4).values.tolist()
[['Image->Expectation->Satisfaction', 0.1104]]
>>> sorted(res.fit_measures.index)
['d_g', 'd_uls', 'srmr']
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from loyaltysem.pls import PLSResult

__all__ = [
    "f_squared",
    "fit_measures",
    "fornell_larcker",
    "implied_correlation",
    "indirect_effects",
    "specific_effects",
    "total_effects",
    "vif_inner",
    "vif_outer",
]

FIT_MEASURES: tuple[str, ...] = ("srmr", "d_uls", "d_g")


def _paths(res: PLSResult) -> np.ndarray:
    return res.paths.loc[res.constructs, res.constructs].to_numpy(dtype=float)


def total_effects(res: PLSResult) -> pd.DataFrame:
    r"""Total effects, source × target: ``(I − B)⁻¹ − I`` (seminr ``total_effects``).

    Examples
    --------
    >>> from loyaltysem.datasets import load_mobi
    >>> from loyaltysem.pls import fit_pls
    >>> res = fit_pls("A =~ IMAG1 + IMAG2\nB =~ CUEX1 + CUEX2\nC =~ CUSA1\nB ~ A\nC ~ B",
    ...               load_mobi())
    >>> bool(abs(res.total_effects.loc["A", "C"]
    ...          - res.paths.loc["A", "B"] * res.paths.loc["B", "C"]) < 1e-12)
    True
    """
    b = _paths(res)
    m = b.shape[0]
    total = np.linalg.solve(np.eye(m) - b, np.eye(m)) - np.eye(m)
    return pd.DataFrame(total, index=res.paths.index, columns=res.paths.columns)


def indirect_effects(res: PLSResult) -> pd.DataFrame:
    """Total indirect effects, source × target: total minus direct effects.

    As seminr ``total_indirect_effects`` and SmartPLS "total indirect effects".
    """
    return total_effects(res) - res.paths.loc[res.constructs, res.constructs]


def specific_effects(res: PLSResult) -> pd.DataFrame:
    """Every specific indirect effect: the product of the paths along each route.

    Every directed route from a construct to another through at least one mediator.

    Returns
    -------
    DataFrame
        Columns ``source``, ``through`` (mediators joined by ``" -> "``), ``target``,
        ``path`` (seminr's label, ``"Image->Satisfaction->Loyalty"``), ``estimate``;
        sorted by source, target and path length as in the model's construct order.
    """
    names = res.constructs
    b = _paths(res)
    succ = {
        i: [j for j in range(len(names)) if (names[i], names[j]) in res.structural]
        for i in range(len(names))
    }
    rows = []

    def walk(route: list[int]) -> None:
        for nxt in succ[route[-1]]:
            longer = [*route, nxt]
            if len(longer) >= 3:
                est = float(np.prod([b[longer[k], longer[k + 1]] for k in range(len(longer) - 1)]))
                rows.append((longer, est))
            walk(longer)

    for i in range(len(names)):
        walk([i])
    rows.sort(key=lambda r: (r[0][0], r[0][-1], len(r[0]), r[0]))
    return pd.DataFrame(
        [
            (
                names[r[0]],
                " -> ".join(names[k] for k in r[1:-1]),
                names[r[-1]],
                "->".join(names[k] for k in r),
                est,
            )
            for r, est in rows
        ],
        columns=["source", "through", "target", "path", "estimate"],
    )


def f_squared(res: PLSResult) -> pd.DataFrame:
    """Cohen's f² of every path, by re-estimating the model without it (seminr ``fSquared``).

    Source × target, 0 where there is no path.

    The reduced models are estimated from ``res.data`` (the rows and values used,
    after missing-data handling) with the same modes, scheme and stop settings, and
    corrected to PLSc when the model is (``res.consistent``).
    """
    from loyaltysem.pls import pls

    if res.data is None:  # pragma: no cover - every PLSResult from pls() keeps data
        raise ValueError("f² needs the data the model was estimated from (res.data)")
    out = pd.DataFrame(0.0, index=res.paths.index, columns=res.paths.columns)
    r2 = res.r2["r2"]
    for source, target in res.structural:
        with_r2 = float(r2[target])
        rest = [p for p in res.structural if p != (source, target)]
        used = list(dict.fromkeys(c for c in res.constructs if any(c in p for p in rest)))
        without = 0.0
        if rest and any(t == target for _, t in rest):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                reduced = pls(
                    res.data,
                    {c: list(res.measurement[c]) for c in used},
                    rest,
                    mode={c: res.modes[c] for c in used},
                    scheme=res.scheme,
                    max_iter=res.max_iter,
                    tol=res.tol,
                    missing="error",
                )
                if res.consistent:  # as the model: PLSc (seminr reruns the PLSc model)
                    from loyaltysem.pls.consistent import consistent

                    reduced = consistent(reduced)
            without = float(reduced.r2.loc[target, "r2"])
        out.loc[source, target] = (with_r2 - without) / (1.0 - with_r2)
    return out


def vif_outer(res: PLSResult) -> pd.DataFrame:
    """VIF of every item within its block, ``diag(R_bb⁻¹)``.

    Columns ``construct``, ``vif``, indexed by item (seminr
    ``summary()$validity$vif_items``; SmartPLS "outer VIF values").
    """
    if res.data is None:  # pragma: no cover
        raise ValueError("VIF needs res.data")
    rows = []
    for c, items in res.measurement.items():
        if len(items) == 1:
            rows.append((items[0], c, 1.0))
            continue
        r = np.corrcoef(res.data[list(items)].to_numpy(dtype=float), rowvar=False)
        for item, v in zip(items, np.diag(np.linalg.inv(r)), strict=True):
            rows.append((item, c, float(v)))
    frame = pd.DataFrame(rows, columns=["item", "construct", "vif"])
    return frame.set_index("item")


def _score_cor(res: PLSResult) -> np.ndarray:
    """Correlations of the construct scores (a PLSc result's ``construct_cor`` is corrected)."""
    if not res.consistent:
        return res.construct_cor.loc[res.constructs, res.constructs].to_numpy(dtype=float)
    return np.corrcoef(res.scores[res.constructs].to_numpy(dtype=float), rowvar=False)


def vif_inner(res: PLSResult) -> pd.DataFrame:
    """VIF of each endogenous construct's antecedents, source × target.

    NaN where there is no path (seminr ``summary()$vif_antecedents``, SmartPLS "inner
    VIF values"; a lone antecedent gets 1 as in SmartPLS, seminr prints NA). From the
    correlations of the construct scores, for PLSc too (as seminr).
    """
    c = _score_cor(res)
    names = res.constructs
    out = pd.DataFrame(np.nan, index=res.paths.index, columns=res.paths.columns)
    for j, target in enumerate(names):
        pred = [i for i, s in enumerate(names) if (s, target) in res.structural]
        if not pred:
            continue
        v = np.diag(np.linalg.inv(c[np.ix_(pred, pred)])) if len(pred) > 1 else np.ones(1)
        for i, value in zip(pred, v, strict=True):
            out.iloc[i, j] = float(value)
    return out


def fornell_larcker(res: PLSResult) -> pd.DataFrame:
    """Fornell–Larcker table: correlations below the diagonal, √AVE on it, NaN above.

    The correlations of the construct scores, for PLSc too (as seminr).
    """
    c = _score_cor(res).copy()
    c[np.triu_indices_from(c, 1)] = np.nan
    np.fill_diagonal(c, np.sqrt(res.reliability.loc[res.constructs, "ave"].to_numpy(float)))
    return pd.DataFrame(c, index=res.construct_cor.index, columns=res.construct_cor.columns)


def _implied_constructs(res: PLSResult) -> np.ndarray:
    """Construct correlations the structural model implies (cSEM ``fit()``)."""
    names = res.constructs
    c = res.construct_cor.loc[names, names].to_numpy(dtype=float)
    b = _paths(res)
    targets = {t for _, t in res.structural}
    endo = [j for j in range(len(names)) if names[j] in targets]
    exo = [j for j in range(len(names)) if j not in endo]
    bb = b[np.ix_(endo, endo)].T  # rows: target, columns: source
    gamma = b[np.ix_(exo, endo)].T
    phi = c[np.ix_(exo, exo)]
    zeta = 1.0 - np.sum(b * c, axis=0)  # 1 - R² per construct
    psi = np.diag(zeta[endo])
    inv = np.linalg.inv(np.eye(len(endo)) - bb)
    exo_endo = phi @ gamma.T @ inv.T
    endo_endo = inv @ (gamma @ phi @ gamma.T + psi) @ inv.T
    np.fill_diagonal(endo_endo, 1.0)
    v = np.empty_like(c)
    v[np.ix_(exo, exo)] = phi
    v[np.ix_(exo, endo)] = exo_endo
    v[np.ix_(endo, exo)] = exo_endo.T
    v[np.ix_(endo, endo)] = endo_endo
    return (v + v.T) / 2.0


def implied_correlation(res: PLSResult, *, saturated: bool = False) -> pd.DataFrame:
    """Model-implied indicator correlations ``Σ`` (cSEM ``fit(.saturated = ...)``).

    Parameters
    ----------
    res : PLSResult
    saturated : bool, default False
        True: construct correlations as estimated (SmartPLS "saturated model");
        False: as the structural model implies them ("estimated model").
    """
    names = res.constructs
    items = list(res.loadings.index)
    lam = res.loadings.loc[items, names].to_numpy(dtype=float).T  # m × p
    v = (
        res.construct_cor.loc[names, names].to_numpy(dtype=float)
        if saturated
        else _implied_constructs(res)
    )
    sigma = lam.T @ v @ lam
    np.fill_diagonal(sigma, 1.0)  # Θ = diag(1 − λ²) makes every diagonal entry 1
    s = _item_cor(res, items)
    for c, block in res.measurement.items():
        if res.modes[c] == "B":
            idx = [items.index(i) for i in block]
            sigma[np.ix_(idx, idx)] = s[np.ix_(idx, idx)]
    return pd.DataFrame(sigma, index=pd.Index(items, name="item"), columns=items)


def _item_cor(res: PLSResult, items: list[str]) -> np.ndarray:
    if res.data is None:  # pragma: no cover
        raise ValueError("the fit measures need res.data")
    return np.corrcoef(res.data[items].to_numpy(dtype=float), rowvar=False)


def _distances(s: np.ndarray, sigma: np.ndarray) -> tuple[float, float, float]:
    diff = s - sigma
    low = np.tril_indices_from(diff)
    srmr = float(np.sqrt(np.mean(diff[low] ** 2)))
    d_uls = 0.5 * float(np.sum(diff**2))
    eig = np.linalg.eigvals(np.linalg.solve(s, sigma))
    d_g = 0.5 * float(np.sum(np.log(eig.real) ** 2))
    return srmr, d_uls, d_g


def fit_measures(res: PLSResult) -> pd.DataFrame:
    """SRMR, d_ULS and d_G of the saturated and the estimated model.

    Returns
    -------
    DataFrame
        Index ``srmr``, ``d_uls``, ``d_g``; columns ``saturated``, ``estimated``.
    """
    items = list(res.loadings.index)
    s = _item_cor(res, items)
    cols = {}
    for name, sat in (("saturated", True), ("estimated", False)):
        sigma = implied_correlation(res, saturated=sat).to_numpy()
        cols[name] = _distances(s, sigma)
    return pd.DataFrame(cols, index=pd.Index(FIT_MEASURES, name="measure"))
