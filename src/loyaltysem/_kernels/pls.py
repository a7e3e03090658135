"""PLS path modelling: the Wold/Lohmöller algorithm (numpy only).

The algorithm works on the correlation matrix ``R`` of the indicators, which is all
that PLS needs: with data standardized to unit variance (divisor n − 1, as R's
``scale()`` and seminr), every step of seminr's ``simplePLS()`` is a product of
moments, ``cov(X, X W E) = R W E``. Construct scores are ``X_std @ W``
(:func:`scores`).

One iteration, as ``seminr:::simplePLS`` (seminr 2.x, ``R/estimate_simplePLS.R``)
and SmartPLS (Lohmöller 1989, ch. 2):

1. outer proxies ``Y = X W`` with unit variance: construct correlations
   ``C = W' R W`` after scaling;
2. inner weights ``E`` by the scheme (``inner[i, j] = 1`` means construct i → j):

   - ``"path"`` (Lohmöller's path weighting, seminr ``path_weighting``): a
     predecessor i of j gets the coefficient of i in the OLS regression of Y_j on
     all predecessors of j; a successor gets its correlation;
   - ``"factorial"`` (seminr ``path_factorial``): ``C`` for every adjacent pair;
   - ``"centroid"`` (Wold; SmartPLS, semPLS): ``sign(C)`` for every adjacent pair;

3. inner proxies ``Z = Y E``; a construct with no neighbour uses its own outer
   proxy (``E[j, j] = 1``), so a lone block converges to its first principal
   component (mode A) — this only matters for measurement-only models;
4. new outer weights: mode A ``w_j = cov(X_j, Z_j)``, mode B
   ``w_j = R_jj^-1 cor(X_j, Z_j)``; then rescaled so that ``var(X_j w_j) = 1``;
5. stop when ``sum |W_new - W_old| < tol`` (seminr: ``stopCriterion = 7`` means
   ``1e-7``; SmartPLS's "abort criterion"), comparing over the whole weight matrix;
   the first comparison is against the starting weights, all 1.

After the loop, loadings are ``cov(X_j, Y_j)``, path coefficients the OLS regression
of every endogenous construct on its predictors and R² = ``1 - 1 / (C_SS^-1)_dd``
(seminr ``calc_insample``).

Examples
--------
>>> import numpy as np
>>> r = np.array([[1.0, 0.5, 0.3, 0.3], [0.5, 1.0, 0.3, 0.3],
...               [0.3, 0.3, 1.0, 0.6], [0.3, 0.3, 0.6, 1.0]])
>>> fit = pls_moments(r, [np.array([0, 1]), np.array([2, 3])], np.array([[0, 1], [0, 0]]))
>>> round(float(fit.paths[0, 1]), 6), fit.converged
(0.3, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.linalg.lapack import dgesv

__all__ = [
    "SCHEMES",
    "PLSEstimate",
    "cronbach_alpha_std",
    "htmt_seminr",
    "pls_moments",
    "rho_a",
    "rho_c_ave",
    "scores",
    "standardize",
]

SCHEMES: tuple[str, ...] = ("path", "factorial", "centroid")
"""Inner weighting schemes understood by :func:`pls_moments`."""


@dataclass(frozen=True)
class PLSEstimate:
    """Arrays estimated by :func:`pls_moments` (p indicators, m constructs).

    Attributes
    ----------
    weights : ndarray, shape (p, m)
        Outer weights, zero outside each block; ``var(X_std @ weights) = 1``.
    loadings : ndarray, shape (p, m)
        Outer loadings ``cor(x, Y)`` inside each block, zero elsewhere.
    cross_loadings : ndarray, shape (p, m)
        ``cor(x, Y)`` for every indicator and construct.
    construct_cor : ndarray, shape (m, m)
        Correlations of the construct scores.
    paths : ndarray, shape (m, m)
        ``paths[i, j]`` is the coefficient of construct i in the regression of j.
    r2 : ndarray, shape (m,)
        R² of each endogenous construct, NaN for exogenous ones.
    iterations : int
        The loop counter at the stop, counted as seminr does (from 0).
    converged : bool
        Whether the weight change fell below ``tol`` within ``max_iter`` iterations.
    weight_diff : float
        The last ``sum |W_new - W_old|``.
    block_diff : ndarray, shape (m,)
        That last change by construct (what did not settle when not converged).
    """

    weights: np.ndarray
    loadings: np.ndarray
    cross_loadings: np.ndarray
    construct_cor: np.ndarray
    paths: np.ndarray
    r2: np.ndarray
    iterations: int
    converged: bool
    weight_diff: float
    block_diff: np.ndarray | None = None


def standardize(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Center and scale columns by the mean and the sd with divisor n − 1 (R ``scale()``).

    Returns
    -------
    z, mean, sd : ndarray
        Standardized data, column means and standard deviations. A column with zero
        variance gives ``sd == 0`` and a column of NaN in ``z``; callers check.

    Examples
    --------
    >>> z, m, s = standardize(np.array([[1.0], [2.0], [3.0]]))
    >>> z.ravel().tolist(), m.tolist(), s.tolist()
    ([-1.0, 0.0, 1.0], [2.0], [1.0])
    """
    x = np.asarray(x, dtype=float)
    mean = x.mean(axis=0)
    centered = x - mean
    sd = np.sqrt(np.sum(centered**2, axis=0) / (x.shape[0] - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = centered / sd
    return z, mean, sd


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.linalg.solve`` for one small system (LAPACK gesv, as numpy) without its overhead."""
    _, _, x, info = dgesv(a, b)
    return x if info == 0 else np.linalg.solve(a, b)  # a singular system raises there


def _mask(p: int, blocks: Sequence[np.ndarray]) -> np.ndarray:
    mask = np.zeros((p, len(blocks)))
    for j, b in enumerate(blocks):
        mask[b, j] = 1.0
    return mask


def _scale_weights(r: np.ndarray, w: np.ndarray) -> np.ndarray:
    var = np.einsum("ij,ik,kj->j", w, r, w)
    return w / np.sqrt(var)


def _predecessors(inner: np.ndarray) -> list[np.ndarray]:
    return [np.flatnonzero(inner[:, j]) for j in range(inner.shape[0])]


def _inner_weights(c: np.ndarray, inner: np.ndarray, scheme: str) -> np.ndarray:
    adjacent = (inner + inner.T) != 0
    if scheme == "factorial":
        e = np.where(adjacent, c, 0.0)
    elif scheme == "centroid":
        e = np.where(adjacent, np.sign(c), 0.0)
    elif scheme == "path":
        # successors: correlation; predecessors: multiple-regression coefficients
        e = np.where(inner.T != 0, c, 0.0)
        for j, pred in enumerate(_predecessors(inner)):
            if len(pred):
                e[pred, j] = np.linalg.solve(c[np.ix_(pred, pred)], c[pred, j])
    else:  # pragma: no cover - checked by the caller
        raise ValueError(f"unknown scheme {scheme!r}")
    lone = ~adjacent.any(axis=0)
    e[lone, lone] = 1.0
    return e


def pls_moments(
    r: np.ndarray,
    blocks: Sequence[np.ndarray],
    inner: np.ndarray,
    modes: Sequence[str] | None = None,
    scheme: str = "path",
    max_iter: int = 300,
    tol: float = 1e-7,
) -> PLSEstimate:
    """Run the PLS algorithm on an indicator correlation matrix.

    Parameters
    ----------
    r : ndarray, shape (p, p)
        Correlation matrix of the indicators (the covariance matrix of the data
        standardized with divisor n − 1).
    blocks : sequence of int arrays
        Indicator positions of each of the m constructs (disjoint, non-empty).
    inner : ndarray, shape (m, m)
        ``inner[i, j] != 0`` when construct i predicts j (recursive model).
    modes : sequence of {"A", "B"}, optional
        Measurement mode per construct; all ``"A"`` by default.
    scheme : {"path", "factorial", "centroid"}
        Inner weighting scheme.
    max_iter : int
        Largest loop counter (seminr ``maxIt``); the loop runs at most
        ``max_iter + 1`` times, as seminr's ``for (iterations in 0:maxIt)``.
    tol : float
        Stop when the summed absolute change of all weights is below ``tol``.

    Returns
    -------
    PLSEstimate

    Examples
    --------
    >>> r = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> fit = pls_moments(r, [np.array([0, 1])], np.zeros((1, 1)))
    >>> np.round(fit.weights.ravel(), 6).tolist()  # lone block: first principal component
    [0.57735, 0.57735]
    """
    r = np.asarray(r, dtype=float)
    inner = np.asarray(inner, dtype=float)
    p, m = r.shape[0], len(blocks)
    if modes is None:
        modes = ["A"] * m
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, not {scheme!r}")
    mask = _mask(p, blocks)
    mode_b = [j for j in range(m) if modes[j] == "B"]
    inverse_blocks = {j: np.linalg.inv(r[np.ix_(blocks[j], blocks[j])]) for j in mode_b}
    mask_a = mask.copy()
    mask_a[:, mode_b] = 0.0
    # the inner model's shape is fixed: work it out once, outside the loop
    adjacent = (inner + inner.T) != 0
    successor_of = inner.T != 0
    lone = np.flatnonzero(~adjacent.any(axis=0))
    preds = [
        (j, pred, np.ix_(pred, pred)) for j, pred in enumerate(_predecessors(inner)) if len(pred)
    ]

    def inner_weights(c: np.ndarray) -> np.ndarray:
        if scheme == "factorial":
            e = np.where(adjacent, c, 0.0)
        elif scheme == "centroid":
            e = np.where(adjacent, np.sign(c), 0.0)
        else:  # path: successors get their correlation, predecessors regression weights
            e = np.where(successor_of, c, 0.0)
            for j, pred, sub in preds:
                if len(pred) == 1:  # one predecessor: its correlation (C has unit diagonal)
                    e[pred, j] = c[pred, j] / c[pred, pred]
                else:
                    e[pred, j] = _solve(c[sub], c[pred, j])
        e[lone, lone] = 1.0
        return e

    def scale(w: np.ndarray) -> np.ndarray:
        return w / np.sqrt(np.sum(w * (r @ w), axis=0))

    w = mask.copy()
    diff = np.inf
    iterations = 0
    converged = False
    for iterations in range(max_iter + 1):  # noqa: B007 - the counter is reported
        ws = scale(w)
        rw = r @ ws
        c = ws.T @ rw
        cov_xz = rw @ inner_weights(c)  # cov(X, Z) up to a positive factor per column
        new = cov_xz * mask_a
        for j in mode_b:
            b = blocks[j]
            new[b, j] = inverse_blocks[j] @ cov_xz[b, j]
        new = scale(new)
        change = np.abs(new - w)
        diff = float(np.sum(change))
        w = new
        if diff < tol:
            converged = True
            break

    cross = r @ w
    c = w.T @ cross
    paths = np.zeros((m, m))
    r2 = np.full(m, np.nan)
    for j, pred, sub in preds:
        paths[pred, j] = _solve(c[sub], c[pred, j])
        r2[j] = float(c[pred, j] @ paths[pred, j])  # standardized: R² = r' C⁻¹ r
    return PLSEstimate(
        weights=w,
        loadings=cross * mask,
        cross_loadings=cross,
        construct_cor=c,
        paths=paths,
        r2=r2,
        iterations=int(iterations),
        converged=converged,
        weight_diff=diff,
        block_diff=change.sum(axis=0),
    )


def scores(z: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Construct scores ``z @ weights`` from standardized data (unit variance each)."""
    return np.asarray(z) @ np.asarray(weights)


def rho_a(r_block: np.ndarray, w: np.ndarray) -> float:
    """Dijkstra–Henseler (2015) rho_A of one block from its correlations and weights.

    ``rho_A = (w'w)² · w'(S − diag S)w / w'(ww' − diag(ww'))w`` with ``S`` the
    indicator correlation matrix and ``w`` scaled so that the composite has unit
    variance (``w'Sw = 1`` with the diagonal), as ``seminr:::compute_construct_rhoA``
    with PLS weights. ``w`` is rescaled here, so any positive multiple gives the same
    value. One indicator gives 1.

    Examples
    --------
    >>> r = np.array([[1.0, 0.49], [0.49, 1.0]])
    >>> round(rho_a(r, np.array([0.5, 0.5])), 6)  # equal weights: rho_A = 2r / (1 + r)
    0.657718
    """
    w = np.asarray(w, dtype=float)
    if w.size == 1:
        return 1.0
    s = np.asarray(r_block, dtype=float).copy()
    w = w / np.sqrt(float(w @ s @ w))  # unit-variance composite

    np.fill_diagonal(s, 0.0)
    ww = float(w @ w)
    num = float(w @ s @ w)
    den = ww**2 - float(np.sum(w**4))
    return ww**2 * num / den


def rho_c_ave(loadings: np.ndarray) -> tuple[float, float]:
    """Composite reliability ``(Σλ)² / ((Σλ)² + Σ(1 − λ²))`` and AVE ``mean(λ²)``.

    As seminr's ``compute_rhoC``/``compute_AVE``; one indicator gives ``(1, 1)``.

    Examples
    --------
    >>> rho_c_ave(np.array([0.8, 0.8]))
    (0.78048780487804..., 0.64000000000000...)
    """
    lam = np.asarray(loadings, dtype=float)
    if lam.size == 1:
        return 1.0, 1.0
    s2 = float(np.sum(lam)) ** 2
    return s2 / (s2 + float(np.sum(1.0 - lam**2))), float(np.mean(lam**2))


def cronbach_alpha_std(r_block: np.ndarray) -> float:
    """Cronbach's alpha from a correlation matrix (standardized alpha), as seminr.

    ``k / (k − 1) · (1 − k / Σ R)``; one indicator gives 1.

    Examples
    --------
    >>> round(cronbach_alpha_std(np.array([[1.0, 0.5], [0.5, 1.0]])), 6)
    0.666667
    """
    r_block = np.asarray(r_block, dtype=float)
    k = r_block.shape[0]
    if k == 1:
        return 1.0
    return k / (k - 1) * (1.0 - float(np.trace(r_block)) / float(np.sum(r_block)))


def htmt_seminr(r: np.ndarray, blocks: Sequence[np.ndarray]) -> np.ndarray:
    """HTMT (Henseler, Ringle & Sarstedt 2015) from absolute correlations, as seminr.

    Mean heterotrait–heteromethod |r| over the geometric mean of the two mean
    monotrait–heteromethod |r| (1 for a single-item construct). Symmetric, NaN on
    the diagonal.

    Examples
    --------
    >>> r = np.array([[1.0, 0.6, 0.3], [0.6, 1.0, 0.3], [0.3, 0.3, 1.0]])
    >>> out = htmt_seminr(r, [np.array([0, 1]), np.array([2])])
    >>> round(float(out[0, 1]), 6)
    0.387298
    """
    a = np.abs(np.asarray(r, dtype=float))
    m = len(blocks)
    mask = _mask(a.shape[0], blocks)
    sizes = mask.sum(axis=0)
    sums = mask.T @ a @ mask  # summed |r| between (and within) blocks
    within = np.diag(sums) - sizes  # off-diagonal |r| within each block, both triangles
    pairs = sizes * (sizes - 1)
    mono = np.ones(m)
    many = sizes > 1
    mono[many] = within[many] / pairs[many]
    out = sums / np.outer(sizes, sizes) / np.sqrt(np.outer(mono, mono))
    np.fill_diagonal(out, np.nan)
    return out


def regressions_batched(c: np.ndarray, inner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS paths and R² of every endogenous construct from construct correlations (B, m, m).

    A draw whose predictors are singular gets NaN paths (the others are solved together).
    """
    nb, m = c.shape[0], c.shape[1]
    paths = np.zeros((nb, m, m))
    r2 = np.full((nb, m), np.nan)
    for j in range(m):
        pred = np.flatnonzero(inner[:, j])
        if not len(pred):
            continue
        sub = np.append(pred, j)
        try:
            paths[:, pred, j] = np.linalg.solve(
                c[:, pred[:, None], pred], c[:, pred, j][..., None]
            )[..., 0]
            r2[:, j] = 1.0 - 1.0 / np.linalg.inv(c[:, sub[:, None], sub])[:, -1, -1]
        except np.linalg.LinAlgError:
            for k in range(nb):
                try:
                    paths[k, pred, j] = np.linalg.solve(c[k][np.ix_(pred, pred)], c[k, pred, j])
                    r2[k, j] = 1.0 - 1.0 / np.linalg.inv(c[k][np.ix_(sub, sub)])[-1, -1]
                except np.linalg.LinAlgError:
                    paths[k, pred, j] = np.nan
    return paths, r2
