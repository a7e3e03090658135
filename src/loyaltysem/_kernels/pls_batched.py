"""PLS for many resamples at once: the Wold/Lohmöller iteration on stacked moments (numpy only).

A bootstrap of a PLS model re-estimates it on B resamples of the rows. PLS only needs
the item correlation matrix (:mod:`loyaltysem._kernels.pls`), so a resample is a
weight vector over the rows — how often each row was drawn (:func:`row_counts`) — and
its correlation matrix comes from weighted moments (:func:`weighted_correlations`). The
same weights express a jackknife (every row once, one row zero).

:func:`pls_batched` then runs the iteration of :func:`~loyaltysem._kernels.pls.pls_moments`
for all B correlation matrices together, as stacked ``(B, ·, ·)`` array products:

- the same start (every weight 1), update (scheme, modes A and B), rescaling and stop
  rule (``sum |W_new - W_old| < tol`` over the whole weight matrix of the draw);
- a per-draw convergence mask: a draw that has stopped keeps its weights and its
  iteration count, the others go on; the loop ends when all have stopped or after
  ``max_iter + 1`` passes (seminr's ``for (iterations in 0:maxIt)``);
- ``iterations`` per draw counted as :func:`~loyaltysem._kernels.pls.pls_moments` (the
  loop counter at the stop, from 0).

Every draw equals its one-by-one ``pls_moments`` to rounding (``tests/test_pls_bootstrap.py``
checks 1e-10). The functions after it derive, for all draws at once, what a bootstrap
reports: total and indirect effects, reliability (alpha, rho_A, rho_c, AVE), HTMT, PLSc
(as :func:`loyaltysem._kernels.plsc.consistent`) and the fit measures SRMR, d_ULS, d_G.

Examples
--------
>>> import numpy as np
>>> from loyaltysem._kernels.pls import pls_moments
>>> rng = np.random.default_rng(1)
>>> x = rng.normal(size=(60, 4)) + rng.normal(size=(60, 1))
>>> counts = row_counts(rng.integers(0, 60, size=(3, 60)), 60)
>>> r = weighted_correlations(x, counts)
>>> blocks, inner = [np.array([0, 1]), np.array([2, 3])], np.array([[0, 1], [0, 0]])
>>> fit = pls_batched(r, blocks, inner)
>>> one = pls_moments(r[2], blocks, inner)
>>> bool(np.allclose(fit.paths[2], one.paths, atol=1e-12)), fit.converged.tolist()
(True, [True, True, True])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from loyaltysem._kernels import plsc as _plsc
from loyaltysem._kernels.pls import regressions_batched

__all__ = [
    "BatchedPLS",
    "alpha_batched",
    "consistent_batched",
    "effects_batched",
    "fit_measures_batched",
    "htmt_batched",
    "implied_construct_cor",
    "implied_correlations",
    "indirect_chains",
    "jackknife_correlations",
    "pls_batched",
    "rho_a_batched",
    "rho_c_ave_batched",
    "row_counts",
    "weighted_correlations",
]


@dataclass(frozen=True)
class BatchedPLS:
    """Arrays of :func:`pls_batched` for B draws (p indicators, m constructs).

    Attributes
    ----------
    weights, loadings, cross_loadings : ndarray, shape (B, p, m)
        As :class:`~loyaltysem._kernels.pls.PLSEstimate`, one slice per draw.
    construct_cor, paths : ndarray, shape (B, m, m)
    r2 : ndarray, shape (B, m)
    iterations : ndarray of int, shape (B,)
    converged : ndarray of bool, shape (B,)
    weight_diff : ndarray, shape (B,)
    """

    weights: np.ndarray
    loadings: np.ndarray
    cross_loadings: np.ndarray
    construct_cor: np.ndarray
    paths: np.ndarray
    r2: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray
    weight_diff: np.ndarray


def row_counts(indices: np.ndarray, n: int) -> np.ndarray:
    """How often each of the n rows occurs in each resample: shape (B, n).

    Examples
    --------
    >>> row_counts(np.array([[0, 0, 2], [1, 2, 2]]), 3).tolist()
    [[2.0, 0.0, 1.0], [0.0, 1.0, 2.0]]
    """
    idx = np.asarray(indices, dtype=np.int64)
    b = idx.shape[0]
    flat = (idx + n * np.arange(b)[:, None]).ravel()
    return np.bincount(flat, minlength=b * n).reshape(b, n).astype(float)


def weighted_correlations(x: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Correlation matrices of the rows of ``x`` repeated ``counts`` times: (B, p, p).

    Equals ``np.corrcoef(x[idx], rowvar=False)`` for the resample ``idx`` whose row
    counts are ``counts`` (divisor n_b − 1 cancels in a correlation). ``x`` is centred
    by its full-sample means first, which keeps the products well conditioned. Small
    data use one matrix product with the rows' cross-products (n, p²); large data (more
    than 2²³ numbers in it) one product per draw, so memory stays O(n p).

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [2.0, 1.0], [4.0, 5.0]])
    >>> r = weighted_correlations(x, np.array([[1.0, 1.0, 1.0], [2.0, 0.0, 1.0]]))
    >>> bool(np.allclose(r[0], np.corrcoef(x, rowvar=False)))
    True
    >>> bool(np.allclose(r[1], np.corrcoef(x[[0, 0, 2]], rowvar=False)))
    True
    """
    x = np.asarray(x, dtype=float)
    xc = x - x.mean(axis=0)
    counts = np.asarray(counts, dtype=float)
    nb = counts.sum(axis=1)
    n, p = xc.shape
    mean = counts @ xc / nb[:, None]  # (B, p)
    if n * p * p <= 1 << 23:
        # one matrix product: counts (B, n) times the row cross-products (n, p * p)
        cross = (xc[:, :, None] * xc[:, None, :]).reshape(n, p * p)
        second = (counts @ cross).reshape(-1, p, p)
    else:
        second = np.stack([(xc * c[:, None]).T @ xc for c in counts])
    return _to_correlations(second - nb[:, None, None] * mean[:, :, None] * mean[:, None, :])


def _to_correlations(cov: np.ndarray) -> np.ndarray:
    sd = np.sqrt(np.einsum("bii->bi", cov))
    r = cov / (sd[:, :, None] * sd[:, None, :])
    idx = np.arange(cov.shape[1])
    r[:, idx, idx] = 1.0
    return r


def jackknife_correlations(x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Correlation matrices of ``x`` without row i, for each i in ``rows``: (len(rows), p, p).

    Downdated from the full-sample moments (O(p²) per row):
    ``S₍₋ᵢ₎ = S − x̃ᵢx̃ᵢ' − (n − 1) m m'`` with ``x̃`` centred by the full means and
    ``m = −x̃ᵢ / (n − 1)`` the shift of the mean.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [2.0, 1.0], [4.0, 5.0], [3.0, 3.5]])
    >>> r = jackknife_correlations(x, np.array([1]))
    >>> bool(np.allclose(r[0], np.corrcoef(np.delete(x, 1, axis=0), rowvar=False)))
    True
    """
    x = np.asarray(x, dtype=float)
    xc = x - x.mean(axis=0)
    n = xc.shape[0]
    s = xc.T @ xc
    xi = xc[np.asarray(rows)]
    m = -xi / (n - 1)
    cov = s[None] - xi[:, :, None] * xi[:, None, :] - (n - 1) * m[:, :, None] * m[:, None, :]
    return _to_correlations(cov)


def _mask(p: int, blocks: Sequence[np.ndarray]) -> np.ndarray:
    mask = np.zeros((p, len(blocks)))
    for j, b in enumerate(blocks):
        mask[b, j] = 1.0
    return mask


def _scale(r: np.ndarray, w: np.ndarray) -> np.ndarray:
    var = np.sum(w * np.matmul(r, w), axis=1)  # (B, m)
    return w / np.sqrt(var)[:, None, :]


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched ``solve(a, b)`` for vectors b of shape (B, k)."""
    return np.linalg.solve(a, b[..., None])[..., 0]


def _inner_weights(c: np.ndarray, inner: np.ndarray, scheme: str) -> np.ndarray:
    adjacent = (inner + inner.T) != 0
    if scheme == "factorial":
        e = np.where(adjacent, c, 0.0)
    elif scheme == "centroid":
        e = np.where(adjacent, np.sign(c), 0.0)
    elif scheme == "path":
        e = np.where(inner.T != 0, c, 0.0)
        for j in range(inner.shape[0]):
            pred = np.flatnonzero(inner[:, j])
            if len(pred):
                e[:, pred, j] = _solve(c[:, pred[:, None], pred], c[:, pred, j])
    else:
        raise ValueError(f"scheme must be 'path', 'factorial' or 'centroid', not {scheme!r}")
    lone = np.flatnonzero(~adjacent.any(axis=0))
    e[:, lone, lone] = 1.0
    return e


def pls_batched(
    r: np.ndarray,
    blocks: Sequence[np.ndarray],
    inner: np.ndarray,
    modes: Sequence[str] | None = None,
    scheme: str = "path",
    max_iter: int = 300,
    tol: float = 1e-7,
) -> BatchedPLS:
    """Run the PLS algorithm on B correlation matrices at once.

    Parameters
    ----------
    r : ndarray, shape (B, p, p)
        Item correlation matrices, one per draw.
    blocks, inner, modes, scheme, max_iter, tol
        As :func:`loyaltysem._kernels.pls.pls_moments`.

    Returns
    -------
    BatchedPLS
        Draw b equals ``pls_moments(r[b], ...)``. A draw whose matrices turn singular
        (a mode-B block, a path regression) gets NaN and ``converged = False``.

    Examples
    --------
    >>> r = np.array([[[1.0, 0.5], [0.5, 1.0]], [[1.0, 0.3], [0.3, 1.0]]])
    >>> fit = pls_batched(r, [np.array([0, 1])], np.zeros((1, 1)))
    >>> np.round(fit.weights[:, :, 0], 6).tolist()  # lone block: first principal component
    [[0.57735, 0.57735], [0.620174, 0.620174]]
    """
    r = np.asarray(r, dtype=float)
    inner = np.asarray(inner, dtype=float)
    nb, p = r.shape[0], r.shape[1]
    m = len(blocks)
    if modes is None:
        modes = ["A"] * m
    mask = _mask(p, blocks)
    b_blocks = [(j, b) for j, b in enumerate(blocks) if modes[j] == "B"]
    inverses: dict[int, np.ndarray] = {}
    with np.errstate(all="ignore"):
        for j, b in b_blocks:
            try:
                inverses[j] = np.linalg.inv(r[:, b[:, None], b])
            except np.linalg.LinAlgError:  # one singular draw: invert one by one
                inverses[j] = np.stack([_inv_or_nan(rb) for rb in r[:, b[:, None], b]])

    w = np.broadcast_to(mask, (nb, p, m)).copy()
    diff = np.full(nb, np.inf)
    iterations = np.zeros(nb, dtype=np.int64)
    converged = np.zeros(nb, dtype=bool)
    active = np.arange(nb)
    with np.errstate(all="ignore"):
        for it in range(max_iter + 1):
            ra = r[active]
            wa = w[active]
            ws = _scale(ra, wa)
            rws = np.matmul(ra, ws)
            c = np.matmul(ws.transpose(0, 2, 1), rws)
            try:
                e = _inner_weights(c, inner, scheme)
            except np.linalg.LinAlgError:
                e = np.stack([_inner_or_nan(ck, inner, scheme) for ck in c])
            cov_xz = np.matmul(rws, e)
            new = cov_xz * mask
            for j, b in b_blocks:
                new[:, b, j] = np.matmul(inverses[j][active], cov_xz[:, b, j][..., None])[..., 0]
            new = _scale(ra, new)
            d = np.sum(np.abs(new - wa), axis=(1, 2))
            w[active] = new
            diff[active] = d
            iterations[active] = it
            stop = d < tol
            converged[active[stop]] = True
            active = active[~stop & np.isfinite(d)]
            if not len(active):
                break

        c = np.matmul(w.transpose(0, 2, 1), np.matmul(r, w))
        cross = np.matmul(r, w)
        paths, r2 = regressions_batched(c, inner)
    bad = ~np.isfinite(diff) | ~np.all(np.isfinite(paths), axis=(1, 2))
    converged &= ~bad
    return BatchedPLS(
        weights=w,
        loadings=cross * mask,
        cross_loadings=cross,
        construct_cor=c,
        paths=paths,
        r2=r2,
        iterations=iterations,
        converged=converged,
        weight_diff=diff,
    )


def _inv_or_nan(a: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return np.full_like(a, np.nan)


def _inner_or_nan(c: np.ndarray, inner: np.ndarray, scheme: str) -> np.ndarray:
    try:
        return _inner_weights(c[None], inner, scheme)[0]
    except np.linalg.LinAlgError:
        return np.full_like(c, np.nan)


# --------------------------------------------------------------------------- derived


def effects_batched(paths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Total effects ``(I - P)^-1 - I`` and total indirect effects (total − direct).

    ``paths`` has shape (B, m, m) with ``paths[b, i, j]`` the effect of i on j (a
    recursive model, so the series ``P + P² + ...`` is finite), as seminr's
    ``total_effects()`` and ``total_indirect_effects()``.

    Examples
    --------
    >>> p = np.zeros((1, 3, 3)); p[0, 0, 1], p[0, 1, 2], p[0, 0, 2] = 0.5, 0.4, 0.1
    >>> total, indirect = effects_batched(p)
    >>> round(float(total[0, 0, 2]), 6), round(float(indirect[0, 0, 2]), 6)
    (0.3, 0.2)
    """
    m = paths.shape[-1]
    eye = np.eye(m)
    total = np.linalg.inv(eye - paths) - eye
    return total, total - paths


def indirect_chains(inner: np.ndarray) -> list[tuple[int, ...]]:
    """Every directed chain of two or more paths (a specific indirect effect).

    Examples
    --------
    >>> inner = np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]])
    >>> indirect_chains(inner)
    [(0, 1, 2)]
    """
    inner = np.asarray(inner) != 0
    m = inner.shape[0]
    out: list[tuple[int, ...]] = []

    def walk(chain: tuple[int, ...]) -> None:
        for k in np.flatnonzero(inner[chain[-1]]):
            longer = (*chain, int(k))
            if len(longer) >= 3:
                out.append(longer)
            walk(longer)

    for start in range(m):
        walk((start,))
    return out


def _block_sum(r: np.ndarray, b: np.ndarray) -> np.ndarray:
    return r[:, b[:, None], b].sum(axis=(1, 2))


def alpha_batched(r: np.ndarray, blocks: Sequence[np.ndarray]) -> np.ndarray:
    """Standardized Cronbach's alpha per block and draw, (B, m), as ``cronbach_alpha_std``."""
    out = np.ones((r.shape[0], len(blocks)))
    for j, b in enumerate(blocks):
        k = len(b)
        if k > 1:
            out[:, j] = k / (k - 1) * (1.0 - k / _block_sum(r, b))
    return out


def rho_a_batched(
    r: np.ndarray, blocks: Sequence[np.ndarray], weights: np.ndarray, modes: Sequence[str]
) -> np.ndarray:
    """Dijkstra–Henseler rho_A per block and draw, (B, m), as ``_kernels.pls.rho_a``.

    1 for a single item or a mode-B block (seminr's convention).
    """
    out = np.ones((r.shape[0], len(blocks)))
    for j, b in enumerate(blocks):
        if len(b) == 1 or modes[j] == "B":
            continue
        s = r[:, b[:, None], b].copy()
        w = weights[:, b, j]
        w = w / np.sqrt(np.einsum("bi,bij,bj->b", w, s, w))[:, None]
        idx = np.arange(len(b))
        s[:, idx, idx] = 0.0
        ww = np.sum(w * w, axis=1)
        num = np.einsum("bi,bij,bj->b", w, s, w)
        den = ww**2 - np.sum(w**4, axis=1)
        out[:, j] = ww**2 * num / den
    return out


def rho_c_ave_batched(
    loadings: np.ndarray, blocks: Sequence[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """rho_c and AVE per block and draw from loadings (B, p, m), as ``rho_c_ave``."""
    nb = loadings.shape[0]
    rho_c, ave = np.ones((nb, len(blocks))), np.ones((nb, len(blocks)))
    for j, b in enumerate(blocks):
        if len(b) == 1:
            continue
        lam = loadings[:, b, j]
        s2 = np.sum(lam, axis=1) ** 2
        rho_c[:, j] = s2 / (s2 + np.sum(1.0 - lam**2, axis=1))
        ave[:, j] = np.mean(lam**2, axis=1)
    return rho_c, ave


def htmt_batched(r: np.ndarray, blocks: Sequence[np.ndarray]) -> np.ndarray:
    """HTMT per draw, (B, m, m), as ``_kernels.pls.htmt_seminr`` (NaN diagonal)."""
    a = np.abs(r)
    nb, m = r.shape[0], len(blocks)
    mono = np.ones((nb, m))
    for j, b in enumerate(blocks):
        k = len(b)
        if k > 1:
            iu = np.triu_indices(k, 1)
            mono[:, j] = a[:, b[:, None], b][:, iu[0], iu[1]].mean(axis=1)
    out = np.full((nb, m, m), np.nan)
    for i in range(m):
        for j in range(i + 1, m):
            hetero = a[:, blocks[i][:, None], blocks[j]].mean(axis=(1, 2))
            out[:, i, j] = out[:, j, i] = hetero / np.sqrt(mono[:, i] * mono[:, j])
    return out


def consistent_batched(
    r: np.ndarray,
    blocks: Sequence[np.ndarray],
    fit: BatchedPLS,
    inner: np.ndarray,
    modes: Sequence[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """PLSc for every draw: :func:`loyaltysem._kernels.plsc.consistent_batched` on a batch.

    Returns
    -------
    rho_a (B, m), loadings (B, p, m), construct_cor (B, m, m), paths (B, m, m), r2 (B, m)
        Common factors are the mode-A constructs; mode-B and single-item constructs
        keep rho_A = 1 and their PLS loadings.
    """
    estimate = np.array([mode == "A" and len(b) > 1 for mode, b in zip(modes, blocks, strict=True)])
    factor = np.array([mode == "A" for mode in modes])
    est = _plsc.consistent_batched(r, fit.weights, fit.construct_cor, inner, estimate, factor)
    loadings = np.where(factor[None, None, :], est.loadings, fit.loadings)
    return est.rho_a, loadings, est.construct_cor, est.paths, est.r2


def implied_construct_cor(
    construct_cor: np.ndarray, paths: np.ndarray, inner: np.ndarray
) -> np.ndarray:
    """Construct correlations implied by the structural model (the "estimated model"), (B, m, m).

    ``η_j = Σ_i β_ij η_i + ζ_j`` with every η of unit variance and ``ζ_j`` uncorrelated
    with the constructs before j: exogenous constructs keep their correlations, and in
    topological order ``cor(η_j, η_k) = Σ_i β_ij cor(η_i, η_k)`` for every k before j
    (path tracing; Wright 1934). cSEM ``fit(.saturated = FALSE)`` instead sets
    ``var(ζ_j) = 1 − R²`` from the observed correlations and rescales only the diagonal,
    which differs when the model does not reproduce the predictors' correlations.

    Examples
    --------
    >>> c = np.array([[[1.0, 0.5, 0.2], [0.5, 1.0, 0.6], [0.2, 0.6, 1.0]]])
    >>> inner = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    >>> p = np.zeros((1, 3, 3)); p[0, 0, 1], p[0, 1, 2] = 0.5, 0.6
    >>> round(float(implied_construct_cor(c, p, inner)[0, 0, 2]), 6)  # 0.5 * 0.6, not 0.2
    0.3
    """
    inner = np.asarray(inner) != 0
    m = inner.shape[0]
    order: list[int] = []
    left = set(range(m))
    while left:  # topological order (the model is recursive)
        ready = sorted(j for j in left if not any(inner[i, j] for i in left))
        order.extend(ready)
        left -= set(ready)
    sigma = construct_cor.copy()
    done: list[int] = []
    for j in order:
        pred = np.flatnonzero(inner[:, j])
        if len(pred) and done:
            # cor(η_j, η_k) = Σ_i β_ij cor(η_i, η_k) for every k before j
            k = np.array(done)
            cov = np.einsum("bi,bik->bk", paths[:, pred, j], sigma[:, pred[:, None], k])
            sigma[:, j, k] = cov
            sigma[:, k, j] = cov
        done.append(j)
    sigma[:, np.arange(m), np.arange(m)] = 1.0
    return sigma


def implied_correlations(
    r: np.ndarray,
    blocks: Sequence[np.ndarray],
    loadings: np.ndarray,
    construct_cor: np.ndarray,
    modes: Sequence[str],
) -> np.ndarray:
    """Model-implied item correlations, (B, p, p).

    With the observed construct correlations this is the saturated model; with
    :func:`implied_construct_cor` the estimated one.

    Between blocks ``λ_i c_ij λ_j'`` (for a composite, ``λ = R_jj w_j``, so this is
    ``R_ii w_i c_ij w_j' R_jj``); within a mode-A block (common factor) ``λ λ'``; within
    a mode-B block (composite) the observed correlations; 1 on the diagonal (cSEM
    ``fit()`` for a saturated structural model; SmartPLS "saturated model").
    """
    lam = loadings
    sigma = np.matmul(np.matmul(lam, construct_cor), lam.transpose(0, 2, 1))
    for j, b in enumerate(blocks):
        lj = lam[:, b, j]
        if modes[j] == "B":
            sigma[:, b[:, None], b] = r[:, b[:, None], b]
        else:
            sigma[:, b[:, None], b] = lj[:, :, None] * lj[:, None, :]
    p = r.shape[1]
    sigma[:, np.arange(p), np.arange(p)] = 1.0
    return sigma


def fit_measures_batched(r: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """SRMR, d_ULS and d_G of observed against implied correlations: (B, 3).

    - SRMR ``sqrt(mean((r - σ)²))`` over the lower triangle with the diagonal
      (Hu & Bentler 1999; correlations, so it equals the standardized form);
    - d_ULS ``½ Σ_ij (r - σ)²`` over all elements (Dijkstra & Henseler 2015);
    - d_G ``½ Σ_k log(λ_k)²`` with λ_k the eigenvalues of ``r⁻¹ σ`` (Dijkstra &
      Henseler 2015).

    Examples
    --------
    >>> r = np.array([[[1.0, 0.5], [0.5, 1.0]]]); s = np.array([[[1.0, 0.3], [0.3, 1.0]]])
    >>> np.round(fit_measures_batched(r, s), 6).tolist()
    [[0.11547, 0.04, 0.066846]]
    """
    p = r.shape[1]
    d = r - sigma
    il = np.tril_indices(p)
    srmr = np.sqrt(np.mean(d[:, il[0], il[1]] ** 2, axis=1))
    duls = 0.5 * np.sum(d**2, axis=(1, 2))
    with np.errstate(all="ignore"):
        try:
            ev = np.linalg.eigvals(np.linalg.solve(r, sigma)).real
            dg = 0.5 * np.sum(np.log(ev) ** 2, axis=1)
        except np.linalg.LinAlgError:
            dg = np.full(r.shape[0], np.nan)
    return np.column_stack([srmr, duls, dg])
