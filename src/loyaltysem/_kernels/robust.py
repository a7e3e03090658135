r"""Robust ML: sandwich standard errors and scaled test statistics (numpy only).

Notation (single group, complete data, N rows, p observed variables): the sample
moments are ``m = (ybar, vech S)`` (the means only with a mean structure), ``Delta``
the Jacobian of the implied moments ``(mu, vech Sigma)`` with respect to the free
parameters, ``A1(Sigma)`` the normal-theory unit information of the moments
(``Sigma^-1`` for the means, ``0.5 D'(Sigma^-1 kron Sigma^-1) D`` for vech Sigma, D the
duplication matrix), ``Gamma`` the asymptotic (ADF) covariance of ``sqrt(N) m``: the
covariance, divisor N, of ``z_i = (y_i - ybar, vech((y_i - ybar)(y_i - ybar)'))``
(lavaan ``lav_samplestats_Gamma``, Browne 1984).

- **MLM** (lavaan ``se = "robust.sem"``, ``test = "satorra.bentler"``):
  ``E = Delta' A1 Delta`` (expected information at the estimates),
  ``vcov = E^-1 (Delta' A1 Gamma A1 Delta) E^-1 / N`` and the Satorra–Bentler
  scaling factor ``c = tr(U Gamma) / df``, ``U = A1 - A1 Delta E^-1 Delta' A1``
  (Satorra & Bentler 1994; lavaan ``lav_test_satorra_bentler_trace_original``).
- **MLR** (``se = "robust.huber.white"``, ``information = "observed"``,
  ``observed.information = "hessian"``, ``test = "yuan.bentler.mplus"``):
  ``H`` the observed information (Hessian of ``F_ML / 2``,
  :meth:`MLKernel.observed_information`), ``B0`` the cross-product
  of the casewise scores over N, ``vcov = H^-1 B0 H^-1 / N`` (Huber 1967; White
  1982) and ``c = (tr(A1(S) Gamma) - tr(H^-1 B0)) / df`` (Yuan & Bentler 2000, the
  Mplus variant of lavaan ``lav_test_yuan_bentler_mplus_trace``: ``A1`` at the
  unrestricted moments).

Neither Gamma (p* x p*) nor Delta is ever formed: the rows ``Delta' A1 z_i`` are
the gradient formulas of :class:`~loyaltysem._kernels.ml.MLKernel` evaluated with
``w = W r_i r_i' W`` for all respondents at once (:meth:`MLKernel.casewise_terms`,
O(N (p m + free entries)) products, no loop over respondents), and
``tr(A1(Sigma) Gamma)`` reduces to ``mean_i[r_i' W r_i] + 0.5 mean_i[tr((W M_i)^2)]``,
``M_i = r_i r_i' - S``, ``W = Sigma^-1``. The observed information is analytic
(:meth:`MLKernel.observed_information`, batched over parameters) without a mean
structure, and the central difference of the analytic gradient at 2q points,
evaluated as one batch, with one.

References
----------
Satorra, A., & Bentler, P. M. (1994). Corrections to test statistics and standard
errors in covariance structure analysis. In A. von Eye & C. C. Clogg (Eds.), Latent
variables analysis (pp. 399-419). Sage.
Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean and
covariance structure analysis with nonnormal missing data. Sociological
Methodology, 30, 165-200.
Browne, M. W. (1984). Asymptotically distribution-free methods for the analysis of
covariance structures. British Journal of Mathematical and Statistical Psychology,
37, 62-83.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loyaltysem._kernels.ml import FitState, MLKernel

__all__ = [
    "RobustParts",
    "robust_baseline",
    "robust_mlm",
    "robust_mlr",
    "trace_a1_gamma",
]


@dataclass(frozen=True)
class RobustParts:
    """What a robust estimator adds to an ML fit.

    Attributes
    ----------
    vcov : ndarray (q x q)
        Sandwich covariance matrix of the free parameters.
    trace_ugamma : float
        ``tr(U Gamma)``; the scaling factor is ``trace_ugamma / df``.
    trace_h1, trace_h0 : float
        The two parts of the Yuan–Bentler (Mplus) trace, ``tr(A1(S) Gamma)`` and
        ``tr(H^-1 B0)`` (lavaan's ``scaling.factor.h1`` and ``.h0`` divide them by the
        number of sample moments and of free parameters).
    """

    vcov: np.ndarray
    trace_ugamma: float
    trace_h1: float = float("nan")
    trace_h0: float = float("nan")


def trace_a1_gamma(r: np.ndarray, w: np.ndarray, s: np.ndarray, means: bool) -> float:
    """``tr(A1(W^-1) Gamma)`` from the centred data ``r`` (N x p), without Gamma.

    ``= mean_i[r_i' W r_i] (with means) + 0.5 mean_i[(r_i'Wr_i)^2 - 2 r_i'WSWr_i +
    tr((WS)^2)]``.
    """
    rw = r @ w
    d2 = np.einsum("ij,ij->i", rw, r)
    ws = w @ s
    q2 = np.einsum("ij,ij->i", rw @ s, rw)
    out = 0.5 * float(np.mean(d2 * d2 - 2.0 * q2) + np.sum(ws * ws.T))
    if means:
        out += float(np.mean(d2))
    return out


def _scores(
    kernel: MLKernel, st: FitState, rw: np.ndarray, centre: np.ndarray, means: bool
) -> np.ndarray:
    """Rows ``Delta' A1(Sigma) z_i``: ``0.5 (t(rw_i rw_i') - t(C)) + Delta_mu' rw_i``.

    ``rw`` = ``(y_i - m) W``; ``centre`` = ``C`` (``W`` for the casewise scores of the
    log-likelihood, ``W S W`` for the ADF meat of MLM).
    """
    out = 0.5 * (kernel.casewise_terms(st, rw) - kernel.constant_terms(st, centre)[None, :])
    if means:
        out += rw @ kernel.mean_jacobian(st).T
    return out


def robust_mlm(kernel: MLKernel, st: FitState, values: np.ndarray, info: np.ndarray) -> RobustParts:
    """Satorra–Bentler: sandwich with the expected information and the ADF Gamma.

    Parameters
    ----------
    kernel, st : MLKernel, FitState
        The model at its estimates (``kernel.mean`` set with a mean structure).
    values : ndarray (N x p)
        The complete rows.
    info : ndarray (q x q)
        Unit expected information ``Delta' A1 Delta``.
    """
    n = len(values)
    means = kernel.mean is not None
    r = values - values.mean(axis=0)
    w = st.sigma_inv
    scores = _scores(kernel, st, r @ w, w @ kernel.s @ w, means)  # Delta' A1 (z_i - zbar)
    meat = scores.T @ scores / n
    e_inv = np.linalg.inv(info)
    vcov = e_inv @ meat @ e_inv / n
    trace = trace_a1_gamma(r, w, kernel.s, means) - float(np.sum(e_inv * meat))
    return RobustParts(vcov, trace)


def robust_mlr(
    kernel: MLKernel, st: FitState, values: np.ndarray, hessian: np.ndarray
) -> RobustParts:
    """Huber–White sandwich with the observed information; Yuan–Bentler (Mplus) trace.

    Parameters
    ----------
    kernel, st : MLKernel, FitState
        The model at its estimates.
    values : ndarray (N x p)
        The complete rows.
    hessian : ndarray (q x q)
        Unit observed information (Hessian of ``F_ML / 2``), or the expected one.
    """
    n = len(values)
    means = kernel.mean is not None
    ybar = values.mean(axis=0)
    centre = st.mu if means and st.mu is not None else ybar  # no mean structure: ybar
    w = st.sigma_inv
    scores = _scores(kernel, st, (values - centre) @ w, w, means)
    b0 = scores.T @ scores / n
    h_inv = np.linalg.inv(hessian)
    vcov = h_inv @ b0 @ h_inv / n
    s = kernel.s
    trace_h1 = trace_a1_gamma(values - ybar, np.linalg.inv(s), s, means)
    trace_h0 = float(np.sum(h_inv * b0))
    return RobustParts(vcov, trace_h1 - trace_h0, trace_h1, trace_h0)


def robust_baseline(values: np.ndarray, s: np.ndarray, means: bool, mlr: bool) -> RobustParts:
    """The baseline (independence) model: variances (and means) free.

    At its estimates ``diag(S)`` and ``ybar`` its observed and expected information
    coincide (``0.5 / s_jj^2`` per variance, ``1 / s_jj`` per mean) and the casewise
    scores are ``0.5 (r_ij^2 / s_jj^2 - 1 / s_jj)`` and ``r_ij / s_jj``; the h1 part of
    the trace is at ``diag(S)`` for MLM and at ``S`` for MLR.
    """
    n = len(values)
    var = np.diag(s)
    r = values - values.mean(axis=0)
    rw = r / var
    scores = 0.5 * (rw * rw - 1.0 / var)
    info = 0.5 / var**2
    if means:
        scores = np.hstack([scores, rw])
        info = np.concatenate([info, 1.0 / var])
    meat = scores.T @ scores / n
    vcov = meat / np.outer(info, info) / n
    w_h1 = np.linalg.inv(s) if mlr else np.diag(1.0 / var)
    trace_h1 = trace_a1_gamma(r, w_h1, s, means)
    trace_h0 = float(np.sum(np.diag(meat) / info))
    return RobustParts(vcov, trace_h1 - trace_h0, trace_h1, trace_h0)
