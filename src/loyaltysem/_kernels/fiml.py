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

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import linalg

from loyaltysem._kernels.ml import FitState, Layout, MLKernel
from loyaltysem._kernels.optimizer import optimize as optimize_kernel

__all__ = [
    "CorrectedTest",
    "FIMLKernel",
    "FIMLState",
    "Patterns",
    "RobustFIML",
    "SaturatedParts",
    "available_moments",
    "baseline_chisq",
    "baseline_moments",
    "corrected_test",
    "em_saturated",
    "first_order_information",
    "independence_loglik",
    "information",
    "loglik",
    "loglik_gradient",
    "optimize",
    "patterns",
    "robust_mlr",
    "saturated_parts",
    "saturated_traces",
    "standardized_residuals",
    "vech_index",
    "x_moments",
]

_LOG2PI = float(np.log(2.0 * np.pi))


@dataclass(frozen=True)
class _Group:
    """Patterns with the same number ``k`` of observed variables, stacked."""

    ids: np.ndarray  # (G,) pattern numbers
    index: np.ndarray  # (G, k) observed variables
    missing: np.ndarray  # (G, p - k) missing variables
    freq: np.ndarray  # (G,) respondents (float)
    sums: np.ndarray  # (G, k)
    cross: np.ndarray  # (G, k, k)
    ybar: np.ndarray  # (G, k) pattern means
    s: np.ndarray  # (G, k, k) pattern covariances (divisor n_g)

    def block(self, sigma: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """``sigma[rows_g, cols_g]`` for every pattern: (G, len rows, len cols)."""
        return sigma[rows[:, :, None], cols[:, None, :]]


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

    @functools.cached_property
    def groups(self) -> tuple[_Group, ...]:
        """The patterns grouped by their number of observed variables (for batching)."""
        sizes = self.observed.sum(axis=1)
        out = []
        for k in np.unique(sizes):
            ids = np.flatnonzero(sizes == k)
            index = np.array([np.flatnonzero(self.observed[g]) for g in ids], dtype=np.intp)
            freq = self.freq[ids].astype(float)
            sums = np.array([self.sums[g] for g in ids])
            cross = np.array([self.crossprods[g] for g in ids])
            ybar = sums / freq[:, None]
            s = cross / freq[:, None, None] - ybar[:, :, None] * ybar[:, None, :]
            missing = np.array(
                [np.flatnonzero(~self.observed[g]) for g in ids], dtype=np.intp
            ).reshape(len(ids), self.n_vars - int(k))
            out.append(_Group(ids, index, missing, freq, sums, cross, ybar, s))
        return tuple(out)

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


@dataclass(frozen=True)
class _Terms:
    """Per group of patterns: ``W = Sigma_oo^-1``, ``d = ybar - mu_o``, ``M = S + d d'``."""

    group: _Group
    inv: np.ndarray
    d: np.ndarray
    m: np.ndarray
    logdet: np.ndarray


def _terms(pat: Patterns, mu: np.ndarray, sigma: np.ndarray) -> list[_Terms] | None:
    """Batched per-pattern quantities (None if some ``Sigma_oo`` is not positive definite)."""
    out = []
    for grp in pat.groups:
        sig = grp.block(sigma, grp.index, grp.index)
        try:
            chol = np.linalg.cholesky(sig)
        except np.linalg.LinAlgError:
            return None
        logdet = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
        inv = np.linalg.inv(sig)
        inv = (inv + inv.transpose(0, 2, 1)) / 2.0
        d = grp.ybar - mu[grp.index]
        m = grp.s + d[:, :, None] * d[:, None, :]
        out.append(_Terms(grp, inv, d, m, logdet))
    return out


def loglik(
    pat: Patterns, mu: np.ndarray, sigma: np.ndarray, terms: list[_Terms] | None = None
) -> float:
    r"""FIML log-likelihood of ``(mu, sigma)`` (with the :math:`2\pi` constant).

    Returns ``-inf`` when a pattern's :math:`\Sigma_{oo}` is not positive definite.
    The patterns are batched by their number of observed variables.
    """
    if terms is None:
        terms = _terms(pat, mu, sigma)
        if terms is None:
            return -np.inf
    total = 0.0
    for tm in terms:
        k = tm.group.index.shape[1]
        tr = np.einsum("gij,gji->g", tm.inv, tm.m)
        total -= 0.5 * float(tm.group.freq @ (k * _LOG2PI + tm.logdet + tr))
    return float(total)


def loglik_gradient(
    pat: Patterns, mu: np.ndarray, sigma: np.ndarray, terms: list[_Terms] | None = None
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
    if terms is None:
        terms = _terms(pat, mu, sigma)
        if terms is None:
            raise np.linalg.LinAlgError("a pattern's covariance matrix is not positive definite")
    g_mu = np.zeros(p)
    g_sigma = np.zeros((p, p))
    for tm in terms:
        grp, w, n_g = tm.group, tm.inv, tm.group.freq
        np.add.at(g_mu, grp.index, n_g[:, None] * np.einsum("gij,gj->gi", w, tm.d))
        part = 0.5 * n_g[:, None, None] * (w @ tm.m @ w - w)
        np.add.at(g_sigma, (grp.index[:, :, None], grp.index[:, None, :]), part)
    return g_mu, g_sigma


def _available_mean_var(pat: Patterns) -> tuple[np.ndarray, np.ndarray]:
    """Each variable's mean and variance (divisor: its count) over the rows observing it.

    A variable nobody observed gets 0 and NaN.
    """
    p = pat.n_vars
    total = np.zeros(p)
    square = np.zeros(p)
    count = np.zeros(p)
    for g in range(len(pat.freq)):
        o = pat.observed[g]
        total[o] += pat.sums[g]
        square[o] += np.diag(pat.crossprods[g])
        count[o] += pat.freq[g]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, 0.0)
        var = np.where(count > 0, square / count - mean**2, np.nan)
    return mean, var


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
    mu, var = _available_mean_var(pat)
    var = np.where(np.isfinite(var) & (var > 0), var, 1.0)
    sigma = np.diag(var)
    converged = False
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (reported after the loop)
        t1 = np.zeros(p)
        t2 = np.zeros((p, p))
        for grp in pat.groups:  # patterns with the same number of observed variables
            o, m = grp.index, grp.missing
            sy, syy, n_g = grp.sums, grp.cross, grp.freq
            np.add.at(t1, o, sy)
            np.add.at(t2, (o[:, :, None], o[:, None, :]), syy)
            if m.shape[1] == 0:
                continue
            s_oo = grp.block(sigma, o, o)
            s_om = grp.block(sigma, o, m)
            b = np.linalg.solve(s_oo, s_om).transpose(0, 2, 1)  # E[y_m | y_o] = a + B y_o
            a = mu[m] - np.einsum("gij,gj->gi", b, mu[o])
            bs = np.einsum("gij,gj->gi", b, sy)
            np.add.at(t1, m, n_g[:, None] * a + bs)
            cross = sy[:, :, None] * a[:, None, :] + syy @ b.transpose(0, 2, 1)  # sum y_o E[y_m]'
            np.add.at(t2, (o[:, :, None], m[:, None, :]), cross)
            np.add.at(t2, (m[:, :, None], o[:, None, :]), cross.transpose(0, 2, 1))
            cond = grp.block(sigma, m, m) - b @ s_om
            mm = (
                n_g[:, None, None] * (a[:, :, None] * a[:, None, :] + cond)
                + a[:, :, None] * bs[:, None, :]
                + bs[:, :, None] * a[:, None, :]
                + b @ syy @ b.transpose(0, 2, 1)
            )
            np.add.at(t2, (m[:, :, None], m[:, None, :]), mm)
        new_mu = t1 / n
        new_sigma = t2 / n - np.outer(new_mu, new_mu)
        new_sigma = 0.5 * (new_sigma + new_sigma.T)
        delta = max(np.abs(new_mu - mu).max(), np.abs(new_sigma - sigma).max())
        mu, sigma = new_mu, new_sigma
        if delta < tol:
            converged = True
            break
    return EMResult(mu, sigma, loglik(pat, mu, sigma), iterations, converged)


# ------------------------------------------------------------ moment-space information
def vech_index(p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``rows, cols`` of ``vech`` (lower triangle, ``np.tril_indices``) and ``pos[a, b]``.

    ``pos`` maps a pair of variables (either order) to its position in ``vech``.
    """
    rows, cols = np.tril_indices(p)
    pos = np.zeros((p, p), dtype=np.int64)
    pos[rows, cols] = np.arange(len(rows))
    pos[cols, rows] = np.arange(len(rows))
    return rows, cols, pos


def _kron_vech(y: np.ndarray, z: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``D'(z kron y)D`` for symmetric ``y``, ``z`` (``D`` the duplication matrix)."""
    half = np.where(rows == cols, 0.5, 1.0)
    ix = np.ix_
    return np.outer(half, half) * (
        y[ix(rows, rows)] * z[ix(cols, cols)]
        + y[ix(rows, cols)] * z[ix(cols, rows)]
        + y[ix(cols, rows)] * z[ix(rows, cols)]
        + y[ix(cols, cols)] * z[ix(rows, rows)]
    )


def _kron_vech_sum(t: np.ndarray, p: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``sum_g n_g D'(Z_g kron Y_g)D`` from ``t[a p + c, b p + d] = sum_g n_g Y_ac Z_bd``."""
    t4 = t.reshape(p, p, p, p)
    a, b = rows[:, None], cols[:, None]
    c, d = rows[None, :], cols[None, :]
    half = np.where(rows == cols, 0.5, 1.0)
    return np.outer(half, half) * (
        t4[a, c, b, d] + t4[a, d, b, c] + t4[b, c, a, d] + t4[b, d, a, c]
    )


def information(pat: Patterns, mu: np.ndarray, sigma: np.ndarray, *, observed: bool) -> np.ndarray:
    r"""Unit information of the moments ``(mu, vech Sigma)`` under the FIML likelihood.

    The moments are ordered as the means (p), then ``vech(Sigma)`` in the order of
    :func:`vech_index`; the matrix is divided by :attr:`Patterns.n`. Per pattern
    :math:`g`, with :math:`W = \Sigma_{oo}^{-1}`, :math:`d = \bar y_g - \mu_o` and
    :math:`B = W (S_g + d d^\top) W`, the contribution is

    - means: :math:`n_g W`;
    - covariances: :math:`\tfrac{n_g}{2} D^\top(W \otimes W)D` (expected), or
      :math:`\tfrac{n_g}{2} D^\top(W\otimes B + B\otimes W - W\otimes W)D` (observed);
    - means by covariances (observed only): :math:`n_g\, d^\top W E_{kl} W`.

    The expected one is lavaan's ``lav_mvnorm_missing_information_expected``; the
    observed one the negative Hessian of the log-likelihood
    (``lav_mvnorm_missing_information_observed_samplestats``). The sums over patterns
    are formed as matrix products of the patterns' (zero-padded) ``W`` and ``B``,
    so the cost is a few products of size :math:`p^2 \times` patterns.
    """
    p = pat.n_vars
    n_pat = len(pat.freq)
    rows, cols, _ = vech_index(p)
    freq = pat.freq.astype(float)
    w_all = np.zeros((n_pat, p, p))
    b_all = np.zeros((n_pat, p, p)) if observed else None
    v_all = np.zeros((n_pat, p)) if observed else None
    terms = _terms(pat, mu, sigma)
    if terms is None:
        raise np.linalg.LinAlgError("a pattern's covariance matrix is not positive definite")
    for tm in terms:
        grp = tm.group
        at = (grp.ids[:, None, None], grp.index[:, :, None], grp.index[:, None, :])
        w_all[at] = tm.inv
        if observed:
            b_all[at] = tm.inv @ tm.m @ tm.inv
            v_all[grp.ids[:, None], grp.index] = np.einsum("gij,gj->gi", tm.inv, tm.d)
    wf = w_all.reshape(n_pat, p * p)
    wn = wf * freq[:, None]
    m = p + len(rows)
    out = np.zeros((m, m))
    out[:p, :p] = (freq @ wf).reshape(p, p)
    if observed:
        bf = b_all.reshape(n_pat, p * p)
        t_wb = wn.T @ bf
        out[p:, p:] = 0.5 * (
            _kron_vech_sum(t_wb, p, rows, cols)
            + _kron_vech_sum(t_wb.T, p, rows, cols)
            - _kron_vech_sum(wn.T @ wf, p, rows, cols)
        )
        c1 = np.einsum("gic,gd->icd", w_all * freq[:, None, None], v_all)  # sum n W_ic v_d
        half = np.where(rows == cols, 0.5, 1.0)
        cross = half[None, :] * (c1[:, rows, cols] + c1[:, cols, rows])
        out[:p, p:] = cross
        out[p:, :p] = cross.T
    else:
        out[p:, p:] = 0.5 * _kron_vech_sum(wn.T @ wf, p, rows, cols)
    return out / pat.n


# ------------------------------------------------------------------- model kernel
@dataclass
class FIMLState:
    """A model state (:class:`~loyaltysem._kernels.ml.FitState`) and its log-likelihood."""

    base: FitState
    loglik: float
    terms: list[_Terms] | None = None

    def __getattr__(self, name: str) -> object:  # x, sigma, mu, mats, ok, ...
        if name == "base" or name.startswith("__"):  # unpickling: base is not set yet
            raise AttributeError(name)
        return getattr(self.base, name)


class FIMLKernel:
    r"""Full-information ML for a covariance and mean structure: the kernel protocol.

    The same protocol as :class:`~loyaltysem._kernels.ml.MLKernel` (``state``,
    ``objective``, ``gradient``, ``expected_information``), so the same optimizers
    apply. The discrepancy is

    .. math::

        F(\theta) = 2\{\ell_{h1} - \ell(\theta)\} / N,

    so that :math:`N F` is lavaan's likelihood-ratio statistic against the EM
    saturated model and the information matrices are those of :math:`F/2` (unit
    information, lavaan's convention).

    Parameters
    ----------
    layout : Layout
        The model's matrices (with a mean structure).
    pat : Patterns
        The data's missing-data patterns.
    h1 : EMResult
        Saturated moments (their log-likelihood is :math:`\ell_{h1}`).
    """

    def __init__(self, layout: Layout, pat: Patterns, h1: EMResult) -> None:
        self.layout = layout
        self.pat = pat
        self.h1 = h1
        self.p = layout.n_obs
        self.n = pat.n
        # the complete-data kernel at the saturated moments evaluates Sigma, mu and
        # their derivatives; the FIML parts are added per pattern
        self.ml = MLKernel(layout, h1.sigma, h1.mu)
        self.s = self.ml.s
        self.mean = self.ml.mean
        self.logdet_s = self.ml.logdet_s

    def state(self, x: np.ndarray) -> FIMLState:
        """Implied moments at ``x`` and their FIML log-likelihood."""
        base = self.ml.state(x)
        if not base.ok or base.mu is None:
            return FIMLState(base, -np.inf)
        terms = _terms(self.pat, base.mu, base.sigma)
        if terms is None:
            return FIMLState(base, -np.inf)
        return FIMLState(base, loglik(self.pat, base.mu, base.sigma, terms), terms)

    def objective(self, st: FIMLState) -> float:
        r""":math:`2(\ell_{h1} - \ell)/N` (``inf`` where a pattern's Sigma is not PD)."""
        if not np.isfinite(st.loglik):
            return np.inf
        return 2.0 * (self.h1.loglik - st.loglik) / self.n

    def moment_gradient(self, st: FIMLState) -> tuple[np.ndarray, np.ndarray]:
        """``dF/dmu`` and ``dF/dSigma`` (symmetric, :func:`loglik_gradient` convention)."""
        g_mu, g_sigma = loglik_gradient(self.pat, st.base.mu, st.base.sigma, st.terms)
        return -2.0 * g_mu / self.n, -2.0 * g_sigma / self.n

    def gradient(self, st: FIMLState) -> np.ndarray:
        """Analytic gradient of :math:`F` with respect to the free parameters."""
        g_mu, g_sigma = self.moment_gradient(st)
        return self.ml.constant_terms(st.base, g_sigma) + self.ml.mean_jacobian(st.base) @ g_mu

    def jacobian(self, st: FIMLState) -> np.ndarray:
        """``dSigma/dx``: (q, p, p)."""
        return self.ml.jacobian(st.base)

    def mean_jacobian(self, st: FIMLState) -> np.ndarray:
        """``dmu/dx``: (q, p)."""
        return self.ml.mean_jacobian(st.base)

    def moment_jacobian(self, st: FIMLState) -> np.ndarray:
        """Derivatives of ``(mu, vech Sigma)`` (the order of :func:`information`): (m, q)."""
        rows, cols, _ = vech_index(self.p)
        delta = self.jacobian(st)[:, rows, cols]
        return np.vstack([self.mean_jacobian(st).T, delta.T])

    def scores(self, st: FIMLState, values: np.ndarray) -> np.ndarray:
        r"""Casewise scores: each row's derivatives of its observed-data log-likelihood.

        For a respondent of pattern :math:`o` (:math:`d_i = y_{i,o} - \mu_o`,
        :math:`W = \Sigma_{oo}^{-1}`) the row is :math:`\tfrac12 \operatorname{tr}\{(W
        d_i d_i^\top W - W)\, \partial\Sigma_{oo} / \partial x\} + d_i^\top W\,
        \partial\mu_o / \partial x` (lavaan ``lavScores`` with ``missing = "ml"``).
        ``values`` are the rows the patterns were built from (NaN = missing); a row with
        no answer has a zero score (it carries no information).
        """
        base = st.base
        out = np.zeros((self.pat.n_rows, self.layout.n_free))
        mean_jac = self.ml.mean_jacobian(base)
        for g in range(len(self.pat.freq)):
            o = np.flatnonzero(self.pat.observed[g])
            rows = self.pat.rows[g]
            w = np.zeros((self.p, self.p))
            w_oo = np.linalg.inv(base.sigma[np.ix_(o, o)])
            w[np.ix_(o, o)] = (w_oo + w_oo.T) / 2.0
            rw = np.zeros((len(rows), self.p))
            rw[:, o] = (values[np.ix_(rows, o)] - base.mu[o]) @ w[np.ix_(o, o)]
            casewise = self.ml.casewise_terms(base, rw)
            out[rows] = 0.5 * (casewise - self.ml.constant_terms(base, w)[None, :])
            out[rows] += rw @ mean_jac.T
        return out

    def expected_information(self, st: FIMLState) -> np.ndarray:
        """Unit expected information ``Delta' A Delta`` (lavaan ``information = "expected"``)."""
        d = self.moment_jacobian(st)
        a = information(self.pat, st.base.mu, st.base.sigma, observed=False)
        return d.T @ a @ d

    def observed_information(self, st: FIMLState, h: float = 1e-6) -> np.ndarray:
        r"""Unit observed information: the Hessian of :math:`F/2` at the state.

        ``Delta' H Delta`` with ``H`` the observed information of the moments
        (:func:`information`), plus the curvature of the model:
        :math:`\sum_m (\partial F/2\partial m)\, \partial^2 m / \partial x \partial x'`,
        the central difference of ``Delta(x)' g`` with the moment gradient ``g`` held
        at the state (cheap: no pass over the patterns). lavaan's
        ``observed.information = "hessian"`` differentiates the whole gradient
        numerically; both are the same matrix.
        """
        d = self.moment_jacobian(st)
        hmat = information(self.pat, st.base.mu, st.base.sigma, observed=True)
        g_mu, g_sigma = self.moment_gradient(st)
        q = self.layout.n_free
        x = st.base.x
        curv = np.zeros((q, q))
        for k in range(q):
            step = np.zeros(q)
            step[k] = h
            up = self.ml.state(x + step)
            down = self.ml.state(x - step)
            g_up = self.ml.constant_terms(up, g_sigma) + self.ml.mean_jacobian(up) @ g_mu
            g_dn = self.ml.constant_terms(down, g_sigma) + self.ml.mean_jacobian(down) @ g_mu
            curv[:, k] = (g_up - g_dn) / (2.0 * h)
        out = d.T @ hmat @ d + 0.5 * curv
        return (out + out.T) / 2.0


def independence_loglik(pat: Patterns, h1: EMResult, ov_x: Sequence[int] = ()) -> float:
    """FIML log-likelihood of the baseline (independence) model at its maximum.

    At :func:`baseline_moments` (available-case means and variances; fixed.x
    covariates at their EM moments): the value lavaan's independence model fitted with
    ``missing = "ml"`` reaches.
    """
    mean_b, sigma_b, _ = baseline_moments(pat, h1, ov_x)
    return loglik(pat, mean_b, sigma_b)


def optimize(
    kernel: FIMLKernel, x0: np.ndarray, *, tol: float = 1e-8, max_iter: int = 1000
) -> tuple[np.ndarray, FIMLState, int, bool]:
    """Maximise the FIML likelihood: complete-data ML at the EM moments, then BFGS.

    The one optimizer (:func:`~loyaltysem._kernels.optimizer.optimize`) with the
    complete-data ML kernel at the saturated (EM) moments as its approach (close to
    the FIML estimate and cheap: no pass over the patterns), then BFGS on :math:`F`
    at once, its Hessian started at twice the FIML expected information, and damped
    Fisher scoring with the FIML expected information if BFGS stalls.

    Stops when the largest absolute gradient entry is below ``tol``.
    """
    return optimize_kernel(  # type: ignore[return-value]
        kernel, x0, approach=kernel.ml, tol=tol, max_iter=max_iter, **APPROACHED
    )


#: How :func:`optimize` continues after its approach: BFGS at once (up to 200 steps).
APPROACHED: dict[str, Any] = {"switch": float("inf"), "bfgs_iter": 200}


def x_moments(p: int, ov_x: Sequence[int]) -> np.ndarray:
    """Mask of the moments ``(mu, vech Sigma)`` of the fixed.x covariates (means, x-x block)."""
    rows, cols, _ = vech_index(p)
    xs = np.zeros(p, dtype=bool)
    xs[list(ov_x)] = True
    return np.concatenate([xs, xs[rows] & xs[cols]])


def _inv_nonzero(a: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Inverse on the rows/columns ``keep``, zero elsewhere (lavaan's zero.idx rule)."""
    out = np.zeros_like(a)
    out[np.ix_(keep, keep)] = np.linalg.inv(a[np.ix_(keep, keep)])
    return out


def available_moments(pat: Patterns) -> tuple[np.ndarray, np.ndarray]:
    """Available-case means and pairwise covariances (divisor ``n_ab - 1``).

    As R's ``colMeans(x, na.rm = TRUE)`` and ``cov(x, use = "pairwise")``, from the
    patterns' sums and cross products. lavaan keeps these as the "sample statistics"
    of a ``missing = "ml"`` fit (its ``WLS.obs``, rescaled by (N - 1)/N), which its
    GFI compares with the model.
    """
    p = pat.n_vars
    n_ab = np.zeros((p, p))
    sums = np.zeros((p, p))  # [a, b]: sum of x_a over the rows where a and b are observed
    cross = np.zeros((p, p))
    for g in range(len(pat.freq)):
        o = np.flatnonzero(pat.observed[g])
        ix = np.ix_(o, o)
        n_ab[ix] += pat.freq[g]
        sums[ix] += pat.sums[g][:, None]
        cross[ix] += pat.crossprods[g]
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (cross - sums * sums.T / n_ab) / (n_ab - 1.0)
        mean = np.diag(sums) / np.diag(n_ab)
    return mean, cov


@dataclass(frozen=True)
class CorrectedTest:
    """The parts of lavaan's FIML-corrected ("robust") RMSEA and CFI.

    Attributes
    ----------
    chisq, chisq_null : float
        Complete-data ML statistics of the model and of the baseline model at the
        EM saturated moments, with the FIML estimates (lavaan ``XX3``, ``XX3.null``).
    c_hat, c_hat_null : float
        Their scaling factors ``k / df`` (``c.hat3``, ``c.hat3.null``).
    """

    chisq: float
    c_hat: float
    chisq_null: float
    c_hat_null: float


def corrected_test(
    kernel: FIMLKernel,
    st: FIMLState,
    df: float,
    df_null: float,
    *,
    observed: bool,
    first_order: np.ndarray | None = None,
    ov_x: Sequence[int] = (),
) -> CorrectedTest:
    r"""FIML-corrected test parts (Zhang & Savalei 2023; lavaan ``lav_fit_fiml_corrected``).

    With the observed information of the saturated FIML model at the EM moments
    :math:`W_m`, the complete-data information at the same moments :math:`W_c`, the
    model's derivatives :math:`\Delta` and its information :math:`E = \Delta^\top A
    \Delta` from the saturated ("unstructured") FIML information :math:`A` at the EM
    moments (observed, :math:`A = W_m`, or expected, as the fit's ``information``),
    :math:`U = W_m - W_m \Delta E^{-1} \Delta^\top W_m` and
    :math:`k = \operatorname{tr}(W_c W_m^{-1} U W_m^{-1})` (lavaan's version "V6",
    used without a scaled test) or, given the first-order information ``J`` of the
    saturated model (MLR), :math:`k = \operatorname{tr}(U W_m^{-1} W_c W_m^{-1} U
    \Gamma)` with :math:`\Gamma = W_m^{-1} J W_m^{-1}` (version "V3");
    :math:`\hat c = k / df`. The same for the independence model, whose FIML
    estimates are the available-case means and variances.

    References
    ----------
    Zhang, X., & Savalei, V. (2023). New computations for RMSEA and CFI following
    FIML and TS estimation with missing data. Psychological Methods, 28(2), 263-283.
    """
    parts = saturated_parts(kernel, observed=observed, ov_x=ov_x)
    wm, wmi, wc, a = parts.wm, parts.wmi, parts.wc, parts.a
    wc_wmi = wc @ wmi

    gamma = None if first_order is None else wmi @ first_order @ wmi

    def k_value(delta: np.ndarray) -> float:
        wd = wm @ delta
        u = wm - wd @ linalg.solve(delta.T @ a @ delta, wd.T, assume_a="pos")
        if gamma is None:  # "V6": no scaled test
            return float(np.sum(wc_wmi * (u @ wmi).T))
        left = u @ wmi @ wc @ wmi @ u  # "V3", with a scaled (MLR) test
        return float(np.sum(left * gamma.T))

    delta = kernel.moment_jacobian(st)
    chisq = kernel.n * kernel.ml.objective(st.base)
    k = k_value(delta)
    # the independence model at its FIML estimates (covariates fixed at their EM moments)
    k_b = k_value(parts.delta_b)
    chisq_null = baseline_chisq(kernel, ov_x)
    return CorrectedTest(
        chisq=float(chisq),
        c_hat=k / df if df > 0 else np.nan,
        chisq_null=chisq_null,
        c_hat_null=k_b / df_null if df_null > 0 else np.nan,
    )


@dataclass(frozen=True)
class SaturatedParts:
    """The saturated model's informations at the EM moments (:func:`corrected_test`).

    ``wm`` observed FIML information, ``wmi`` its inverse (zero on the fixed.x
    moments), ``wc`` the complete-data information, ``a`` the FIML information the
    model's ``E`` is formed with (``wm``, or the expected one), ``delta_b`` the
    independence model's moment derivatives (:func:`baseline_moments`). Unit
    information (divided by the group's N); the fixed.x covariates' rows and
    columns are zero.
    """

    wm: np.ndarray
    wmi: np.ndarray
    wc: np.ndarray
    a: np.ndarray
    delta_b: np.ndarray


def saturated_parts(
    kernel: FIMLKernel, *, observed: bool, ov_x: Sequence[int] = ()
) -> SaturatedParts:
    """The informations of the saturated model at the EM moments (:class:`SaturatedParts`)."""
    pat, h1 = kernel.pat, kernel.h1
    p = pat.n_vars
    rows, cols, _ = vech_index(p)
    m = p + len(rows)
    keep = ~x_moments(p, ov_x)  # fixed.x: the covariates' moments carry no information
    wm = information(pat, h1.mu, h1.sigma, observed=True)
    w = np.linalg.inv(h1.sigma)
    w = (w + w.T) / 2.0
    wc = np.zeros((m, m))
    wc[:p, :p] = w
    wc[p:, p:] = 0.5 * _kron_vech(w, w, rows, cols)
    a = wm if observed else information(pat, h1.mu, h1.sigma, observed=False)
    for mat in (wm, wc, a):
        mat[~keep, :] = 0.0
        mat[:, ~keep] = 0.0
    wmi = _inv_nonzero(wm, keep)
    delta_b = baseline_moments(pat, h1, ov_x)[2]
    return SaturatedParts(wm, wmi, wc, a, delta_b)


def baseline_chisq(kernel: FIMLKernel, ov_x: Sequence[int] = ()) -> float:
    """Complete-data ML statistic of the independence model at its FIML estimates.

    Against the EM saturated moments (lavaan's ``XX3.null`` of one group).
    """
    pat, h1 = kernel.pat, kernel.h1
    mean_b, sigma_b, _ = baseline_moments(pat, h1, ov_x)
    d = h1.mu - mean_b
    w_b = np.linalg.inv(sigma_b)
    f_b = (
        np.linalg.slogdet(sigma_b)[1]
        + float(np.sum(h1.sigma * w_b))
        - kernel.logdet_s
        - pat.n_vars
        + float(d @ w_b @ d)
    )
    return kernel.n * float(f_b)


def first_order_information(
    pat: Patterns, values: np.ndarray, mu: np.ndarray, sigma: np.ndarray
) -> np.ndarray:
    r"""Unit first-order information of the moments: the mean cross product of the scores.

    The casewise score of respondent :math:`i` (pattern :math:`o`,
    :math:`d_i = y_{i,o} - \mu_o`, :math:`W = \Sigma_{oo}^{-1}`) is :math:`W d_i` for
    the means and :math:`(2 - \delta_{ab})\tfrac12 (W d_i d_i^\top W - W)_{ab}` for
    :math:`\sigma_{ab}` (``vech`` order of :func:`vech_index`); the result is
    :math:`\sum_i z_i z_i^\top / N`, accumulated per pattern (lavaan
    ``lav_mvnorm_missing_information_firstorder``).
    """
    p = pat.n_vars
    rows, _, pos = vech_index(p)
    m = p + len(rows)
    out = np.zeros((m, m))
    chunk = max(1, min(pat.n, 2_000_000 // m))  # rows of scores held at once
    block = np.zeros((chunk, m))
    used = 0
    for g in range(len(pat.freq)):
        o = np.flatnonzero(pat.observed[g])
        w = np.linalg.inv(sigma[np.ix_(o, o)])
        w = (w + w.T) / 2.0
        wd = (values[np.ix_(pat.rows[g], o)] - mu[o]) @ w
        r_g, c_g = np.tril_indices(len(o))
        half = np.where(r_g == c_g, 0.5, 1.0)
        z = np.hstack([wd, half * (wd[:, r_g] * wd[:, c_g] - w[r_g, c_g])])
        idx = np.concatenate([o, p + pos[o[r_g], o[c_g]]])
        for start in range(0, len(z), chunk):
            part = z[start : start + chunk]
            if used + len(part) > chunk:  # the block is full: add its cross product
                out += block[:used].T @ block[:used]
                block[:used] = 0.0
                used = 0
            block[used : used + len(part), idx] = part
            used += len(part)
    out += block[:used].T @ block[:used]
    return out / pat.n


def baseline_moments(
    pat: Patterns, h1: EMResult, ov_x: Sequence[int] = ()
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The independence model at its FIML estimates, and the derivatives of its moments.

    Every variable uncorrelated with every other, its mean and variance free: with a
    diagonal covariance matrix the likelihood factors by variable, so the estimates are
    the available-case means and variances (divisor: the variable's count). Fixed.x
    covariates keep their (EM) means and covariance block, not free (lavaan
    ``lav_object_independence``). Returns ``mean_b``, ``sigma_b`` and ``delta_b``
    (moments x free parameters, the order of :func:`information`).
    """
    p = pat.n_vars
    mean_b, var_b = _available_mean_var(pat)
    sigma_b = np.diag(var_b)
    xs = np.asarray(list(ov_x), dtype=np.intp)
    free = np.setdiff1d(np.arange(p), xs)
    if len(xs):
        mean_b[xs] = h1.mu[xs]
        sigma_b[np.ix_(xs, xs)] = h1.sigma[np.ix_(xs, xs)]
    rows, _, pos = vech_index(p)
    k = len(free)
    delta_b = np.zeros((p + len(rows), 2 * k))
    delta_b[free, np.arange(k)] = 1.0
    delta_b[p + pos[free, free], k + np.arange(k)] = 1.0
    return mean_b, sigma_b, delta_b


@dataclass(frozen=True)
class RobustFIML:
    """MLR with missing data: sandwich vcov and the Yuan–Bentler (Mplus) traces.

    ``trace_h1 = tr(B1 A1^-1)`` (saturated model at the EM moments: observed
    information ``A1``, first-order ``B1``), ``trace_h0 = tr(B0 H^-1)`` (the model),
    ``trace_h0_null`` the same for the independence model.
    """

    vcov: np.ndarray
    trace_h1: float
    trace_h0: float
    trace_h0_null: float
    b1: np.ndarray  # first-order information of the saturated model at the EM moments


def robust_mlr(
    kernel: FIMLKernel,
    st: FIMLState,
    values: np.ndarray,
    information_matrix: np.ndarray,
    *,
    observed: bool,
    ov_x: Sequence[int] = (),
) -> RobustFIML:
    r"""Huber–White standard errors and the Yuan–Bentler (Mplus) trace with missing data.

    As lavaan's ``estimator = "MLR", missing = "ml"``: ``vcov = H^{-1} B_0 H^{-1} / N``
    with ``H`` the observed information (``information_matrix``) and
    :math:`B_0 = \Delta^\top J(\hat\mu, \hat\Sigma) \Delta` (:func:`first_order_information`
    at the model); the trace ``tr(U Gamma) = tr(B_1 A_1^{-1}) - tr(B_0 H^{-1})``
    with the saturated ("unstructured") information ``A_1`` (observed or expected, as
    the fit's) and first-order information ``B_1`` at the EM moments
    (``lav_test_yuan_bentler_mplus_trace``). The independence model's ``tr(B_0
    H^{-1})`` uses its own FIML estimates (available-case means and variances).
    """
    pat = kernel.pat
    n = kernel.n
    delta = kernel.moment_jacobian(st)
    j0 = first_order_information(pat, values, st.base.mu, st.base.sigma)
    b0 = delta.T @ j0 @ delta
    h_inv = np.linalg.inv(information_matrix)
    vcov = h_inv @ b0 @ h_inv / n
    trace_h0 = float(np.sum(b0 * h_inv.T))
    trace_h1, trace_h0_null, b1 = saturated_traces(kernel, values, observed=observed, ov_x=ov_x)
    return RobustFIML(vcov, trace_h1, trace_h0, trace_h0_null, b1)


def saturated_traces(
    kernel: FIMLKernel, values: np.ndarray, *, observed: bool, ov_x: Sequence[int] = ()
) -> tuple[float, float, np.ndarray]:
    """The model-free parts of :func:`robust_mlr`: ``trace_h1``, ``trace_h0_null``, ``B1``.

    ``trace_h1 = tr(B_1 A_1^{-1})`` of the saturated model at the EM moments,
    ``trace_h0_null = tr(J_b H_b^{-1})`` of the independence model at its FIML
    estimates, and ``B_1`` (the first-order information at the EM moments, zero on
    the fixed.x moments).
    """
    pat, h1 = kernel.pat, kernel.h1
    keep = ~x_moments(pat.n_vars, ov_x)  # fixed.x moments: zero information (lavaan)
    a1 = information(pat, h1.mu, h1.sigma, observed=observed)
    b1 = first_order_information(pat, values, h1.mu, h1.sigma)
    for mat in (a1, b1):
        mat[~keep, :] = 0.0
        mat[:, ~keep] = 0.0
    trace_h1 = float(np.sum(b1 * _inv_nonzero(a1, keep).T))
    mean_b, sigma_b, delta_b = baseline_moments(pat, h1, ov_x)
    jb = delta_b.T @ first_order_information(pat, values, mean_b, sigma_b) @ delta_b
    hb = delta_b.T @ information(pat, mean_b, sigma_b, observed=observed) @ delta_b
    trace_h0_null = float(np.sum(jb * np.linalg.inv(hb).T))
    return trace_h1, trace_h0_null, b1


def standardized_residuals(
    kernel: FIMLKernel,
    st: FIMLState,
    *,
    observed: bool,
    first_order: np.ndarray | None = None,
    ov_x: Sequence[int] = (),
) -> tuple[np.ndarray, np.ndarray]:
    r"""Standardized residuals of a FIML fit, as lavaan's ``resid(fit, "standardized")``.

    The residuals are the EM saturated moments minus the implied ones. Their
    covariance is :math:`Q\,\mathrm{ACOV}_{h1}\,Q^\top` (``lav_residuals_acov``) with
    :math:`\mathrm{ACOV}_{h1} = A_{h1}^{-1}/N` the inverse saturated information at
    the EM moments (observed or expected as the fit's; with MLR the sandwich
    :math:`A_{h1}^{-1} J A_{h1}^{-1}/N`, ``first_order`` = ``J``),
    :math:`Q = I - \Delta (\Delta^\top A_1 \Delta)^{-1} \Delta^\top A_1` and
    :math:`A_1` the information at the implied moments. Residuals below 1e-5 in
    absolute value are left unscaled, and those whose variance is below machine
    epsilon get NaN, as in lavaan. Returns ``(z_mean, z_cov)``.
    """
    pat, h1 = kernel.pat, kernel.h1
    p, n = pat.n_vars, kernel.n
    rows, cols, _ = vech_index(p)
    keep = ~x_moments(p, ov_x)
    a_h1 = information(pat, h1.mu, h1.sigma, observed=observed)
    a1 = information(pat, st.base.mu, st.base.sigma, observed=observed)
    for mat in (a_h1, a1):
        mat[~keep, :] = 0.0
        mat[:, ~keep] = 0.0
    acov = _inv_nonzero(a_h1, keep)
    if first_order is not None:
        acov = acov @ first_order @ acov
    acov = acov / n
    delta = kernel.moment_jacobian(st)
    q_mat = np.eye(len(delta)) - delta @ np.linalg.solve(delta.T @ a1 @ delta, delta.T @ a1)
    var = np.diag(q_mat @ acov @ q_mat.T).copy()
    var[~np.isfinite(var) | (var < np.finfo(float).eps)] = np.nan
    resid = np.concatenate([h1.mu - st.base.mu, (h1.sigma - st.base.sigma)[rows, cols]])
    with np.errstate(invalid="ignore"):
        z = np.where(np.abs(resid) < 1e-5, resid, resid / np.sqrt(var))
    z_cov = np.empty((p, p))
    z_cov[rows, cols] = z[p:]
    z_cov[cols, rows] = z[p:]
    return z[:p], z_cov
