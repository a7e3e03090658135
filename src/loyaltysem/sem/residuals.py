"""Standardized residuals of one block of a fit: lavaan's formulas.

lavaan 0.6.14's ``lavResiduals()`` / ``residuals(fit, type = "standardized")`` with
their variants:
normal theory from the covariance of the estimates (:func:`standardized_residuals`),
with the mean structure, robust standard errors or the observed information
(``moment_standardized_residuals``), and full-information ML. The pipeline
(``loyaltysem.sem.engine``) puts the blocks together (the joint information of G >= 1
groups) and defers them until a result asks. Modification indices are
``loyaltysem.sem.modindices``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "moment_standardized_residuals",
    "residual_parts",
    "standardized_residuals",
]


#: Columns of :func:`modification_indices` (lavaan's, single group).
def _vech_pairs(p: int) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.tril_indices(p)
    return rows, cols


def _nt_gamma(cov: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Normal-theory covariance of vech(S) times N: ``s_ia s_jb + s_ib s_ja``."""
    return (
        cov[np.ix_(rows, rows)] * cov[np.ix_(cols, cols)]
        + cov[np.ix_(rows, cols)] * cov[np.ix_(cols, rows)]
    )


def standardized_residuals(
    s: np.ndarray,
    sigma: np.ndarray,
    delta: np.ndarray,
    vcov: np.ndarray,
    n: int,
    fixed_x: list[int] | None = None,
) -> np.ndarray:
    """Standardized residuals as lavaan's ``resid(fit, type = "standardized")``.

    ``z = (s_ij - sigma_ij) / sqrt(ACOV_ij)`` with ``ACOV = Q Gamma Q' / N``,
    ``Q = I - Delta (N vcov) Delta' A1``, ``Gamma`` the normal-theory covariance of
    the sample moments at S and ``A1`` the expected information of the saturated
    model at Sigma (lavaan ``lav_residuals_acov``). Where ``ACOV_ij`` is below
    machine epsilon the residual has no z (NaN); residuals below 1e-5 in absolute
    value are left unscaled, as lavaan does. With fixed.x covariates the moments of
    the covariate block carry no information (zeroed in ``A1``) and ``Gamma`` is
    taken conditional on them.
    """
    p = len(s)
    rows, cols = _vech_pairs(p)
    w = np.linalg.inv(sigma)
    half = np.where(rows == cols, 0.5, 1.0)
    a1 = (
        (
            w[np.ix_(rows, rows)] * w[np.ix_(cols, cols)]
            + w[np.ix_(rows, cols)] * w[np.ix_(cols, rows)]
        )
        * half[:, None]
        * half[None, :]
    )
    gamma = _nt_gamma(s, rows, cols)
    if fixed_x:
        xs = np.isin(rows, fixed_x) & np.isin(cols, fixed_x)
        a1[xs, :] = 0.0
        a1[:, xs] = 0.0
        # moments conditional on the (fixed) covariate moments
        gx = gamma[:, xs]
        gamma = gamma - gx @ np.linalg.solve(gamma[np.ix_(xs, xs)], gx.T)
    d = delta[:, rows, cols].T  # p* x q
    parts = _ResidualParts(a1, gamma, d, (s - sigma)[rows, cols], rows, cols, p)
    return parts.standardize(n * vcov, n)  # N vcov: the inverted unit information


def moment_standardized_residuals(
    values: np.ndarray,
    s: np.ndarray,
    sigma: np.ndarray,
    delta: np.ndarray,
    *,
    adf: bool,
    observed: bool,
    mean: np.ndarray | None = None,
    mu: np.ndarray | None = None,
    delta_mean: np.ndarray | None = None,
) -> np.ndarray:
    """Standardized residuals as lavaan's ``resid(fit, "standardized")``, in general form.

    ``ACOV = Q Gamma Q' / N`` (``lav_residuals_acov``) with ``Q = I - Delta A0^-1
    Delta' A1``, ``A1`` the information of the moments at the model (expected, or
    observed for ``information = "observed"``:
    ``0.5 D'(M kron W + W kron M - W kron W) D`` with ``M = W (S + d d') W``,
    ``d = ybar - mu``, and ``W E_kl W d`` between means and covariances), ``A0 =
    Delta' A1 Delta`` (``observed.information = "h1"``), and ``Gamma`` the covariance of
    the moments (``lav_model_h1_acov``): the ADF one from the data with robust
    standard errors (``adf``), the normal-theory one at the sample moments otherwise.
    With a mean structure (``mean``, ``mu``, ``delta_mean`` given) the means are
    moments too. Covariance residuals are returned (no fixed.x covariates).
    """
    parts = residual_parts(
        values, s, sigma, delta, adf=adf, observed=observed, mean=mean, mu=mu,
        delta_mean=delta_mean,
    )  # fmt: skip
    return parts.standardize(parts.a0_inv(), len(values))


def _residual_a1_gamma(
    values: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    d_mean: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    adf: bool,
    observed: bool,
    means: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """The covariance block of ``A1`` and the ``Gamma`` of the moments."""
    n, p = values.shape
    half = np.where(rows == cols, 0.5, 1.0)
    ix = np.ix_

    def kron_vech(y: np.ndarray, z: np.ndarray) -> np.ndarray:
        return np.outer(half, half) * (
            y[ix(rows, rows)] * z[ix(cols, cols)]
            + y[ix(rows, cols)] * z[ix(cols, rows)]
            + y[ix(cols, rows)] * z[ix(rows, cols)]
            + y[ix(cols, cols)] * z[ix(rows, rows)]
        )

    if observed:
        m_ = w @ (s + np.outer(d_mean, d_mean)) @ w
        a1 = 0.5 * (kron_vech(m_, w) + kron_vech(w, m_) - kron_vech(w, w))
    else:
        a1 = 0.5 * kron_vech(w, w)
    r = values - values.mean(axis=0)
    if adf:
        z = r[:, rows] * r[:, cols]
        if means:
            z = np.hstack([r, z])
        z -= z.mean(axis=0)
        gamma = z.T @ z / n
    else:  # normal theory at the sample moments: the inverse h1 information
        gamma = _nt_gamma(s, rows, cols)
        if means:
            k = len(rows)
            full = np.zeros((p + k, p + k))
            full[:p, :p] = s
            full[p:, p:] = gamma
            gamma = full
    return a1, gamma


@dataclass(frozen=True)
class _ResidualParts:
    """One group's pieces of lavaan's ``lav_residuals_acov`` (0.6.14)."""

    a1: np.ndarray  # information of the moments (means first, with a mean structure)
    gamma: np.ndarray  # covariance of the moments
    d: np.ndarray  # Jacobian of the moments (m x q)
    resid: np.ndarray  # vech(S - Sigma)
    rows: np.ndarray
    cols: np.ndarray
    p: int

    def a0(self) -> np.ndarray:
        """``Delta' A1 Delta`` (unit information with ``observed.information = "h1"``)."""
        return self.d.T @ self.a1 @ self.d

    def a0_inv(self) -> np.ndarray:
        return np.linalg.inv(self.a0())

    def standardize(self, a0_inv: np.ndarray, n: int) -> np.ndarray:
        """``z = r / sqrt(diag(Q Gamma Q') / n)``, ``Q = I - Delta a0_inv Delta' A1``.

        For group ``g`` of a multi-group fit, ``a0_inv`` is the joint inverted
        information restricted to the group's parameters times ``n_g / N`` (lavaan
        0.6.14 ``lav_residuals_acov``, group by group), and ``n`` is ``n_g``.
        """
        q_mat = np.eye(len(self.d)) - self.d @ a0_inv @ self.d.T @ self.a1
        acov = q_mat @ self.gamma @ q_mat.T / n
        var = np.diag(acov)[-len(self.rows) :].copy()
        var[~np.isfinite(var) | (var < np.finfo(float).eps)] = np.nan
        zval = np.where(np.abs(self.resid) < 1e-5, self.resid, self.resid / np.sqrt(var))
        out = np.empty((self.p, self.p))
        out[self.rows, self.cols] = zval
        out[self.cols, self.rows] = zval
        return out


def residual_parts(
    values: np.ndarray,
    s: np.ndarray,
    sigma: np.ndarray,
    delta: np.ndarray,
    *,
    adf: bool,
    observed: bool,
    mean: np.ndarray | None = None,
    mu: np.ndarray | None = None,
    delta_mean: np.ndarray | None = None,
) -> _ResidualParts:
    """The pieces of :func:`moment_standardized_residuals` (same arguments), unfinished."""
    p = values.shape[1]
    rows, cols = _vech_pairs(p)
    w = np.linalg.inv(sigma)
    means = mean is not None and mu is not None and delta_mean is not None
    d_mean = (mean - mu) if means else np.zeros(p)
    a1, gamma = _residual_a1_gamma(values, s, w, d_mean, rows, cols, adf, observed, means)
    return _residual_parts(s, sigma, delta, a1, gamma, w, d_mean, rows, cols, observed,
                           delta_mean if means else None)  # fmt: skip


def _residual_parts(
    s: np.ndarray,
    sigma: np.ndarray,
    delta: np.ndarray,
    a1: np.ndarray,
    gamma: np.ndarray,
    w: np.ndarray,
    d_mean: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    observed: bool,
    delta_mean: np.ndarray | None,
) -> _ResidualParts:
    p = len(s)
    half = np.where(rows == cols, 0.5, 1.0)
    d = delta[:, rows, cols].T
    if delta_mean is not None:
        k = len(rows)
        wd = w @ d_mean
        cross = np.zeros((p, k))
        if observed:
            # W E_kl W d for mean i and vech (k, l)
            cross = half[None, :] * (
                w[:, rows] * wd[cols][None, :] + w[:, cols] * wd[rows][None, :]
            )
        full = np.zeros((p + k, p + k))
        full[:p, :p] = w
        full[:p, p:] = cross
        full[p:, :p] = cross.T
        full[p:, p:] = a1
        a1 = full
        d = np.vstack([delta_mean.T, d])
    return _ResidualParts(a1, gamma, d, (s - sigma)[rows, cols], rows, cols, p)
