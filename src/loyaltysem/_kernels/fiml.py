r"""Multivariate normal likelihood with missing values: patterns, FIML log-likelihood, EM.

Everything is computed from per-pattern sufficient statistics (the sum and the cross
product of the observed values of the respondents sharing a pattern), so the cost
grows with the number of patterns and variables, not respondents.

For a pattern :math:`g` with :math:`n_g` respondents, observed variables :math:`o`,
pattern mean :math:`\bar y_g` and pattern covariance :math:`S_g` (divisor :math:`n_g`),
the log-likelihood of :math:`(\mu, \Sigma)` is (Arbuckle 1996; lavaan's
``lav_mvnorm_missing_loglik_samplestats``)

.. math::

    \ell = -\tfrac12 \sum_g n_g \bigl[ k_g \log 2\pi + \log|\Sigma_{oo}|
    + \operatorname{tr}\{\Sigma_{oo}^{-1}(S_g + d_g d_g^\top)\} \bigr],
    \qquad d_g = \bar y_g - \mu_o .

The saturated (h1) moments are its maximum, found by EM (Dempster, Laird & Rubin
1977; Little & Rubin 2002, ch. 11), started as lavaan starts it: observed means and
variances, zero covariances.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

__all__ = ["Patterns", "em_saturated", "loglik", "loglik_gradient", "patterns"]

_LOG2PI = float(np.log(2.0 * np.pi))


@dataclass(frozen=True)
class Patterns:
    r"""Missing-data patterns of a data matrix and their sufficient statistics.

    Attributes
    ----------
    observed : ndarray of bool, (k, p)
        One row per pattern: which variables are observed. Ordered by decreasing
        frequency (ties: order of first appearance).
    freq : ndarray of int, (k,)
        Respondents per pattern.
    rows : tuple of ndarray
        Row indices (into the data) of each pattern's respondents.
    empty : ndarray of int
        Rows with no observed value at all (they carry no information and are left out
        of the patterns, as lavaan does with a warning).
    sums : tuple of ndarray
        :math:`\sum y_o` over the pattern's respondents, length :math:`k_g`.
    crossprods : tuple of ndarray
        :math:`\sum y_o y_o^\top`, :math:`k_g \times k_g`.
    n_rows, n_vars : int
    """

    observed: np.ndarray
    freq: np.ndarray
    rows: tuple[np.ndarray, ...]
    empty: np.ndarray
    sums: tuple[np.ndarray, ...]
    crossprods: tuple[np.ndarray, ...]
    n_rows: int
    n_vars: int

    @property
    def n(self) -> int:
        """Respondents with at least one observed value."""
        return int(self.freq.sum())

    def coverage(self) -> np.ndarray:
        """Share of respondents observing each pair of variables (lavaan ``coverage``).

        The denominator is :attr:`n` (empty rows excluded), as lavaan's
        ``crossprod(obs) / sum(freq)``.
        """
        obs = self.observed.astype(float)
        return (obs.T * self.freq) @ obs / self.n


def patterns(x: np.ndarray) -> Patterns:
    """Group the rows of ``x`` (NaN = missing) by their missing-data pattern."""
    x = np.asarray(x, dtype=float)
    n_rows, p = x.shape
    obs = ~np.isnan(x)
    n_obs = obs.sum(axis=1)
    empty = np.flatnonzero(n_obs == 0)
    keep = np.flatnonzero(n_obs > 0)
    if keep.size == 0:
        observed = np.zeros((0, p), dtype=bool)
        return Patterns(observed, np.zeros(0, dtype=np.int64), (), empty, (), (), n_rows, p)
    uniq, first, inverse, counts = np.unique(
        obs[keep], axis=0, return_index=True, return_inverse=True, return_counts=True
    )
    inverse = inverse.ravel()
    # decreasing frequency, ties by first appearance
    order = np.lexsort((first, -counts))
    rows, sums, crossprods = [], [], []
    for g in order:
        idx = keep[inverse == g]
        o = uniq[g]
        y = x[np.ix_(idx, np.flatnonzero(o))]
        rows.append(idx)
        sums.append(y.sum(axis=0))
        crossprods.append(y.T @ y)
    return Patterns(
        observed=uniq[order],
        freq=counts[order].astype(np.int64),
        rows=tuple(rows),
        empty=empty,
        sums=tuple(sums),
        crossprods=tuple(crossprods),
        n_rows=n_rows,
        n_vars=p,
    )


def _pattern_moments(pat: Patterns, g: int) -> tuple[np.ndarray, np.ndarray]:
    n_g = pat.freq[g]
    ybar = pat.sums[g] / n_g
    s = pat.crossprods[g] / n_g - np.outer(ybar, ybar)
    return ybar, s


def loglik(pat: Patterns, mu: np.ndarray, sigma: np.ndarray) -> float:
    r"""FIML log-likelihood of ``(mu, sigma)`` (with the :math:`2\pi` constant).

    Returns ``-inf`` when a pattern's :math:`\Sigma_{oo}` is not positive definite.
    """
    total = 0.0
    for g in range(len(pat.freq)):
        o = pat.observed[g]
        k = int(o.sum())
        try:
            c = linalg.cho_factor(sigma[np.ix_(o, o)], lower=True, check_finite=False)
        except linalg.LinAlgError:
            return -np.inf
        ybar, s = _pattern_moments(pat, g)
        d = ybar - mu[o]
        m = s + np.outer(d, d)
        logdet = 2.0 * np.log(np.diag(c[0])).sum()
        tr = np.trace(linalg.cho_solve(c, m, check_finite=False))
        total -= 0.5 * pat.freq[g] * (k * _LOG2PI + logdet + tr)
    return float(total)


def loglik_gradient(
    pat: Patterns, mu: np.ndarray, sigma: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradient of :func:`loglik` with respect to ``mu`` and ``sigma``.

    Returns ``(g_mu, g_sigma)`` with ``g_sigma`` the symmetric matrix :math:`G` such
    that :math:`d\ell = \operatorname{tr}(G\, d\Sigma)` for a symmetric
    perturbation :math:`d\Sigma`:

    .. math::

        \partial\ell/\partial\mu_o = \sum_g n_g \Sigma_{oo}^{-1} d_g, \qquad
        G_{oo} = \sum_g \tfrac{n_g}{2}\bigl[\Sigma_{oo}^{-1}(S_g + d_g d_g^\top)
        \Sigma_{oo}^{-1} - \Sigma_{oo}^{-1}\bigr].
    """
    p = pat.n_vars
    g_mu = np.zeros(p)
    g_sigma = np.zeros((p, p))
    for g in range(len(pat.freq)):
        o = pat.observed[g]
        idx = np.flatnonzero(o)
        inv = linalg.inv(sigma[np.ix_(o, o)], check_finite=False)
        ybar, s = _pattern_moments(pat, g)
        d = ybar - mu[o]
        n_g = pat.freq[g]
        g_mu[idx] += n_g * (inv @ d)
        g_sigma[np.ix_(idx, idx)] += 0.5 * n_g * (inv @ (s + np.outer(d, d)) @ inv - inv)
    return g_mu, g_sigma


@dataclass(frozen=True)
class EMResult:
    """Saturated moments by EM: ``mu``, ``sigma`` (divisor N), ``loglik``, iterations."""

    mu: np.ndarray
    sigma: np.ndarray
    loglik: float
    iterations: int
    converged: bool


def em_saturated(pat: Patterns, *, tol: float = 1e-10, max_iter: int = 10_000) -> EMResult:
    """Maximum-likelihood means and covariances under MAR, by EM.

    Starts as lavaan (observed means; observed variances, divisor N; zero
    covariances) and stops when no mean or (co)variance changes by more than ``tol``
    (lavaan's rule, whose default ``em.h1.tol`` is 1e-5; ours is tighter so that the
    moments are the maximum to about 1e-9).
    """
    p = pat.n_vars
    n = pat.n
    mu = np.zeros(p)
    sq = np.zeros(p)
    cnt = np.zeros(p)
    for g in range(len(pat.freq)):
        o = pat.observed[g]
        mu[o] += pat.sums[g]
        sq[o] += np.diag(pat.crossprods[g])
        cnt[o] += pat.freq[g]
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = np.where(cnt > 0, mu / cnt, 0.0)
        var = np.where(cnt > 0, sq / cnt - mu**2, 1.0)
    var = np.where(np.isfinite(var) & (var > 0), var, 1.0)
    sigma = np.diag(var)
    converged = False
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (reported after the loop)
        t1 = np.zeros(p)
        t2 = np.zeros((p, p))
        for g in range(len(pat.freq)):
            o = pat.observed[g]
            n_g = pat.freq[g]
            sy, syy = pat.sums[g], pat.crossprods[g]
            if o.all():
                t1 += sy
                t2 += syy
                continue
            m = ~o
            oi, mi = np.flatnonzero(o), np.flatnonzero(m)
            b = linalg.solve(sigma[np.ix_(o, o)], sigma[np.ix_(o, m)], assume_a="pos").T
            a = mu[m] - b @ mu[o]  # E[y_m | y_o] = a + B y_o
            s_m = n_g * a + b @ sy
            cond = sigma[np.ix_(m, m)] - b @ sigma[np.ix_(o, m)]
            t1[oi] += sy
            t1[mi] += s_m
            t2[np.ix_(oi, oi)] += syy
            cross = np.outer(sy, a) + syy @ b.T  # sum y_o E[y_m]'
            t2[np.ix_(oi, mi)] += cross
            t2[np.ix_(mi, oi)] += cross.T
            bs = b @ sy
            t2[np.ix_(mi, mi)] += (
                n_g * np.outer(a, a)
                + np.outer(a, bs)
                + np.outer(bs, a)
                + b @ syy @ b.T
                + n_g * cond
            )
        new_mu = t1 / n
        new_sigma = t2 / n - np.outer(new_mu, new_mu)
        new_sigma = 0.5 * (new_sigma + new_sigma.T)
        delta = max(np.abs(new_mu - mu).max(), np.abs(new_sigma - sigma).max())
        mu, sigma = new_mu, new_sigma
        if delta < tol:
            converged = True
            break
    return EMResult(mu, sigma, loglik(pat, mu, sigma), iterations, converged)
