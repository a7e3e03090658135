"""Consistent PLS (PLSc; Dijkstra & Henseler 2015) on arrays (numpy only).

PLSc corrects a PLS estimate for the measurement error of its common factors, as
``seminr::PLSc()`` (seminr ``R/feature_consistent.R``):

1. reliability ``rho_A`` of every construct from the item correlations and the PLS
   outer weights (:func:`loyaltysem._kernels.pls.rho_a`); a mode-B construct, a
   single-item construct and a construct marked ``unit_rho`` (seminr: interaction
   terms, names with ``*``) get ``rho_A = 1``;
2. construct correlations disattenuated: ``C_ij / sqrt(rho_i rho_j)`` off the
   diagonal;
3. path coefficients the OLS regressions on the disattenuated correlations, and
   ``R² = 1 - 1 / (C_SS^-1)_dd`` on them (seminr ``calc_insample``);
4. loadings of the common factors (seminr ``reflective()``) ``w sqrt(rho_A) / (w'w)``;
   other constructs keep their PLS loadings.

Weights and construct scores are not changed (seminr keeps both).

Examples
--------
>>> import numpy as np
>>> from loyaltysem._kernels.pls import pls_moments
>>> r = np.array([[1.0, 0.49, 0.21, 0.21], [0.49, 1.0, 0.21, 0.21],
...               [0.21, 0.21, 1.0, 0.49], [0.21, 0.21, 0.49, 1.0]])
>>> blocks = [np.array([0, 1]), np.array([2, 3])]
>>> inner = np.array([[0, 1], [0, 0]])
>>> fit = pls_moments(r, blocks, inner)
>>> est = consistent(r, blocks, fit.weights, fit.loadings, fit.construct_cor, inner, ["A", "A"])
>>> round(float(est.paths[0, 1]), 6)  # true factor correlation 0.21 / 0.49 (loadings 0.7)
0.428571
>>> np.round(est.loadings[:2, 0], 6).tolist()
[0.7, 0.7]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from loyaltysem._kernels.pls import regressions_batched

__all__ = ["PLScEstimate", "consistent", "consistent_batched"]


@dataclass(frozen=True)
class PLScEstimate:
    """Arrays corrected by :func:`consistent` (p indicators, m constructs).

    Attributes
    ----------
    rho_a : ndarray, shape (m,)
        Reliability used for the correction (1 for mode B, single items, ``unit_rho``).
    loadings : ndarray, shape (p, m)
        Consistent loadings of the common factors; the PLS loadings of the others.
    construct_cor : ndarray, shape (m, m)
        Disattenuated construct correlations (1 on the diagonal).
    paths : ndarray, shape (m, m)
        ``paths[i, j]``: coefficient of construct i in the regression of j.
    r2 : ndarray, shape (m,)
        R² of each endogenous construct, NaN for exogenous ones.
    admissible : bool
        False when a disattenuated correlation exceeds 1 in absolute value, a
        ``rho_A`` is not positive, or an R² falls outside [0, 1] (Dijkstra & Henseler
        2015 discuss these "Heywood cases").
    """

    rho_a: np.ndarray
    loadings: np.ndarray
    construct_cor: np.ndarray
    paths: np.ndarray
    r2: np.ndarray
    admissible: bool


def _rho_a_all(r: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """rho_A of every block at once (weights zero outside their block).

    The same formula as :func:`loyaltysem._kernels.pls.rho_a`, vectorized over the
    columns of ``weights``; NaN for a one-item block (the caller sets it to 1).
    """
    var = np.einsum("ij,ik,kj->j", weights, r, weights)
    w = weights / np.sqrt(var)
    w2 = w * w
    ww = w2.sum(axis=0)
    num = 1.0 - (w2 * np.diag(r)[:, None]).sum(axis=0)  # w'Sw = 1 after scaling
    den = ww**2 - (w2 * w2).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return ww**2 * num / den


def consistent(
    r: np.ndarray,
    blocks: Sequence[np.ndarray],
    weights: np.ndarray,
    loadings: np.ndarray,
    construct_cor: np.ndarray,
    inner: np.ndarray,
    modes: Sequence[str],
    *,
    common_factor: Sequence[bool] | None = None,
    unit_rho: Sequence[bool] | None = None,
) -> PLScEstimate:
    """Correct a PLS estimate to PLSc, as ``seminr::PLSc()``.

    Parameters
    ----------
    r : ndarray, shape (p, p)
        Item correlation matrix the PLS estimate came from.
    blocks : sequence of int arrays
        Item positions of each of the m constructs.
    weights, loadings : ndarray, shape (p, m)
        PLS outer weights (unit-variance composites) and loadings.
    construct_cor : ndarray, shape (m, m)
        Correlations of the PLS construct scores.
    inner : ndarray, shape (m, m)
        ``inner[i, j] != 0`` when construct i predicts j.
    modes : sequence of {"A", "B"}
        Measurement mode per construct.
    common_factor : sequence of bool, optional
        Constructs whose loadings are corrected (seminr ``reflective()``); default:
        every mode-A construct.
    unit_rho : sequence of bool, optional
        Constructs whose ``rho_A`` is taken as 1 (seminr does so for interaction
        terms); default none.

    Returns
    -------
    PLScEstimate

    Examples
    --------
    >>> r = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> blocks = [np.array([0]), np.array([1])]
    >>> w = np.eye(2)
    >>> est = consistent(r, blocks, w, w, r, np.array([[0, 1], [0, 0]]), ["A", "A"])
    >>> est.rho_a.tolist(), float(est.paths[0, 1])  # single items: nothing to correct
    ([1.0, 1.0], 0.5)
    """
    r = np.asarray(r, dtype=float)
    weights = np.asarray(weights, dtype=float)
    inner = np.asarray(inner)
    m = len(blocks)
    if common_factor is None:
        common_factor = [mode == "A" for mode in modes]
    if unit_rho is None:
        unit_rho = [False] * m
    sizes = np.array([len(b) for b in blocks])
    estimate = np.array([modes[j] == "A" and not unit_rho[j] for j in range(m)]) & (sizes > 1)
    rho = np.where(estimate, _rho_a_all(r, weights), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        adjustment = np.sqrt(np.outer(rho, rho))
        np.fill_diagonal(adjustment, 1.0)
        cor = np.asarray(construct_cor, dtype=float) / adjustment
    paths = np.zeros((m, m))
    r2 = np.full(m, np.nan)
    for j in range(m):
        pred = np.flatnonzero(inner[:, j])
        if len(pred):
            beta = np.linalg.solve(cor[pred][:, pred], cor[pred, j])
            paths[pred, j] = beta
            r2[j] = float(cor[pred, j] @ beta)  # = 1 - 1 / (C_SS^-1)_dd (seminr)
    new_loadings = np.array(loadings, dtype=float, copy=True)
    for j, b in enumerate(blocks):
        if common_factor[j]:
            w = weights[b, j]
            new_loadings[b, j] = w * np.sqrt(rho[j]) / float(w @ w)
    off = cor[~np.eye(m, dtype=bool)]
    finite_r2 = r2[~np.isnan(r2)]
    admissible = bool(
        np.all(rho > 0)
        and np.all(np.abs(off) <= 1.0)
        and np.all((finite_r2 >= 0) & (finite_r2 <= 1))
    )
    return PLScEstimate(
        rho_a=rho,
        loadings=new_loadings,
        construct_cor=cor,
        paths=paths,
        r2=r2,
        admissible=admissible,
    )


def consistent_batched(
    r: np.ndarray,
    weights: np.ndarray,
    construct_cor: np.ndarray,
    inner: np.ndarray,
    estimate_rho: np.ndarray,
    common_factor: np.ndarray,
) -> PLScEstimate:
    """:func:`consistent` for B estimates at once (bootstrap draws), numpy only.

    Parameters
    ----------
    r : ndarray, shape (B, p, p)
        Item correlation matrices, one per draw.
    weights : ndarray, shape (B, p, m)
        PLS outer weights per draw (zero outside each block).
    construct_cor : ndarray, shape (B, m, m)
        Construct score correlations per draw.
    inner : ndarray, shape (m, m)
        ``inner[i, j] != 0`` when construct i predicts j (the same for every draw).
    estimate_rho : ndarray of bool, shape (m,)
        Constructs whose rho_A is estimated: mode A, more than one item, not an
        interaction term; the others get 1 (as :func:`consistent`).
    common_factor : ndarray of bool, shape (m,)
        Constructs whose loadings are corrected.

    Returns
    -------
    PLScEstimate
        Every array with a leading axis B: ``rho_a`` (B, m), ``loadings`` (B, p, m),
        only the common factors' columns filled (the others are zero: take them from
        the PLS estimate), ``construct_cor`` (B, m, m), ``paths`` (B, m, m), ``r2``
        (B, m); ``admissible`` is True only if every draw is admissible.

    Examples
    --------
    >>> r = np.array([[1.0, 0.49, 0.245, 0.245], [0.49, 1.0, 0.245, 0.245],
    ...               [0.245, 0.245, 1.0, 0.49], [0.245, 0.245, 0.49, 1.0]])
    >>> w = np.zeros((4, 2)); w[:2, 0] = w[2:, 1] = 1 / np.sqrt(2.98)
    >>> c = w.T @ r @ w
    >>> est = consistent_batched(r[None], w[None], c[None], np.array([[0, 1], [0, 0]]),
    ...                          np.array([True, True]), np.array([True, True]))
    >>> round(float(est.paths[0, 0, 1]), 6)
    0.5
    """
    r = np.asarray(r, dtype=float)
    weights = np.asarray(weights, dtype=float)
    cor = np.array(construct_cor, dtype=float, copy=True)
    inner = np.asarray(inner)
    b, p, m = weights.shape
    var = np.einsum("bij,bik,bkj->bj", weights, r, weights)
    w = weights / np.sqrt(var)[:, None, :]
    w2 = w * w
    ww = w2.sum(axis=1)
    diag = np.einsum("bii->bi", r)
    num = 1.0 - (w2 * diag[:, :, None]).sum(axis=1)
    den = ww**2 - (w2 * w2).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.where(estimate_rho[None, :], ww**2 * num / den, 1.0)
        adjustment = np.sqrt(rho[:, :, None] * rho[:, None, :])
    eye = np.eye(m, dtype=bool)
    adjustment[:, eye] = 1.0
    cor = cor / adjustment
    paths, r2 = regressions_batched(cor, inner)
    loadings = np.zeros((b, p, m))
    cf = np.asarray(common_factor, dtype=bool)
    with np.errstate(invalid="ignore"):
        loadings[:, :, cf] = w[:, :, cf] * (np.sqrt(rho[:, cf]) / ww[:, cf])[:, None, :]
    finite = r2[:, ~np.isnan(r2).all(axis=0)]
    admissible = bool(
        np.all(rho > 0)
        and np.all(np.abs(cor[:, ~eye]) <= 1.0)
        and np.all((finite >= 0) & (finite <= 1))
    )
    return PLScEstimate(
        rho_a=rho, loadings=loadings, construct_cor=cor, paths=paths, r2=r2, admissible=admissible
    )
