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

**Fixed.x covariates** (``x_idx``, lavaan's ``fixed.x = TRUE``): their means,
variances and covariances are fixed at the sample values and carry no information. As
lavaan does (``lav_samplestats_Gamma`` with ``fixed.x``, ``lav_mvnorm_information_expected``
and ``lav_mvnorm_scores_mu_vech_sigma`` with ``x.idx``):

- MLM uses the Gamma of ``z_i - zhat_i``, ``zhat_i`` the moments of the row whose other
  variables are replaced by their least-squares fits on the covariates (with an
  intercept): the x rows of this Gamma are zero, so the masked ``A1`` acts as ``A1``;
- MLR's sandwich is unchanged (the implied x moments do not depend on the parameters),
  and the h1 part of its trace is ``tr(B1 A1^-1)`` over the moments not of the
  covariates alone (``B1`` the cross-product of the unrestricted casewise scores, ``A1``
  at ``S``), formed explicitly (:func:`trace_h1_fixed_x`).

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
    "adf_scores",
    "fitted_on_x",
    "h1_trace",
    "robust_baseline",
    "robust_mlm",
    "robust_mlr",
    "trace_a1_gamma",
    "trace_a1_gamma_x",
    "trace_h1_fixed_x",
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
    n_h1 : int
        The number of sample moments that carry information (lavaan's ``h1.ndat``):
        those of the fixed.x covariates alone are left out; 0 if not counted.
    """

    vcov: np.ndarray
    trace_ugamma: float
    trace_h1: float = float("nan")
    trace_h0: float = float("nan")
    n_h1: int = 0


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


def fitted_on_x(values: np.ndarray, x_idx: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Centred data ``r`` and centred fits ``h`` on the fixed.x covariates.

    ``h`` holds the least-squares fits (with an intercept) of the other variables on the
    covariates ``x_idx`` and the covariates themselves, all centred: the rows ``yhat_i``
    of lavaan's ``lav_samplestats_Gamma`` with ``fixed.x = TRUE``, whose fits have the
    means of the data.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[1.0, 2.0], [2.0, 2.5], [3.0, 4.5], [4.0, 5.0]])
    >>> r, h = fitted_on_x(y, [0])
    >>> np.allclose(h[:, 0], r[:, 0]), np.allclose((r - h)[:, 1] @ r[:, 0], 0.0)
    (True, True)
    """
    r = values - values.mean(axis=0)
    rx = r[:, x_idx]
    coef = np.linalg.lstsq(rx, r, rcond=None)[0]
    h = rx @ coef
    h[:, x_idx] = rx
    return r, h


def trace_a1_gamma_x(r: np.ndarray, h: np.ndarray, w: np.ndarray, means: bool) -> float:
    """``tr(A1(W^-1) Gamma)`` for the fixed.x Gamma of ``z(y_i) - z(yhat_i)``, without Gamma.

    With ``M_i = r_i r_i' - h_i h_i' - C`` (``C`` their mean) and ``e_i = r_i - h_i``:
    ``mean_i[e_i' W e_i]`` (with means) ``+ 0.5 mean_i[tr((W M_i)^2)]``; with ``h = 0``
    this is :func:`trace_a1_gamma`.

    Examples
    --------
    >>> import numpy as np
    >>> r = np.random.default_rng(1).normal(size=(50, 3))
    >>> r -= r.mean(axis=0)
    >>> s, w = r.T @ r / 50, np.eye(3)
    >>> bool(np.isclose(trace_a1_gamma_x(r, 0 * r, w, True), trace_a1_gamma(r, w, s, True)))
    True
    """
    n = len(r)
    c = (r.T @ r - h.T @ h) / n
    rw, hw = r @ w, h @ w
    aa = np.einsum("ij,ij->i", rw, r)
    bb = np.einsum("ij,ij->i", hw, h)
    ab = np.einsum("ij,ij->i", rw, h)
    aca = np.einsum("ij,ij->i", rw @ c, rw)
    bcb = np.einsum("ij,ij->i", hw @ c, hw)
    wc = w @ c
    quad = aa * aa + bb * bb - 2.0 * ab * ab - 2.0 * aca + 2.0 * bcb
    out = 0.5 * (float(np.mean(quad)) + float(np.sum(wc * wc.T)))
    if means:
        e = r - h
        out += float(np.mean(np.einsum("ij,ij->i", e @ w, e)))
    return out


def trace_h1_fixed_x(
    r: np.ndarray, s: np.ndarray, x_idx: list[int], means: bool
) -> tuple[float, int]:
    """``tr(B1 A1^-1)`` over the moments not of the fixed.x covariates alone, and their number.

    ``B1`` is the cross-product (over N) of the casewise scores of the unrestricted
    model at ``(ybar, S)`` (``r`` the centred data), ``A1`` its information at ``S``;
    the moments of the covariates alone (their means, variances and covariances) are
    dropped from both before ``A1`` is inverted, as lavaan's
    ``lav_test_yuan_bentler_mplus_trace`` does with the rows that ``x.idx`` zeroes. Without
    covariates this equals :func:`trace_a1_gamma` at ``S``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(2).normal(size=(80, 3))
    >>> r = y - y.mean(axis=0)
    >>> s = r.T @ r / 80
    >>> t, k = trace_h1_fixed_x(r, s, [], True)
    >>> bool(np.isclose(t, trace_a1_gamma(r, np.linalg.inv(s), s, True))), k
    (True, 9)
    >>> trace_h1_fixed_x(r, s, [2], False)[1]
    5
    """
    n, p = r.shape
    w = np.linalg.inv(s)
    i, j = np.triu_indices(p)
    xs = np.isin(np.arange(p), x_idx)
    keep = ~(xs[i] & xs[j])
    i, j = i[keep], j[keep]
    half = np.where(i == j, 0.5, 1.0)
    rw = r @ w
    sc = (rw[:, i] * rw[:, j] - w[i, j]) * half
    a1 = np.outer(half, half) * (
        w[np.ix_(i, i)] * w[np.ix_(j, j)] + w[np.ix_(i, j)] * w[np.ix_(j, i)]
    )
    b1 = sc.T @ sc / n
    out = float(np.trace(np.linalg.solve(a1, b1)))
    count = len(i)
    if means:
        m = ~xs
        sm = rw[:, m]
        out += float(np.trace(np.linalg.solve(w[np.ix_(m, m)], sm.T @ sm / n)))
        count += int(m.sum())
    return out, count


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


def adf_scores(
    kernel: MLKernel, st: FitState, values: np.ndarray, x_idx: list[int] | None = None
) -> tuple[np.ndarray, float]:
    """Rows ``Delta' A1(Sigma) (z_i - zbar)`` and ``tr(A1(Sigma) Gamma)`` for MLM.

    ``z_i`` the moments of row ``i`` (Browne's ADF Gamma is their covariance); with
    fixed.x covariates (``x_idx``) ``z(y_i) - z(yhat_i)`` (see the module notes), whose
    rows for the covariates' own moments are zero.
    """
    n = len(values)
    means = kernel.mean is not None
    w = st.sigma_inv
    if x_idx:
        r, h = fitted_on_x(values, x_idx)
        c = (r.T @ r - h.T @ h) / n
        scores = 0.5 * (
            kernel.casewise_terms(st, r @ w)
            - kernel.casewise_terms(st, h @ w)
            - kernel.constant_terms(st, w @ c @ w)[None, :]
        )
        if means:
            scores += (r - h) @ w @ kernel.mean_jacobian(st).T
        return scores, trace_a1_gamma_x(r, h, w, means)
    r = values - values.mean(axis=0)
    scores = _scores(kernel, st, r @ w, w @ kernel.s @ w, means)
    return scores, trace_a1_gamma(r, w, kernel.s, means)


def h1_trace(
    values: np.ndarray, s: np.ndarray, means: bool, x_idx: list[int] | None = None
) -> tuple[float, int]:
    """The h1 part of the Yuan–Bentler (Mplus) trace at ``S`` and lavaan's ``h1.ndat``.

    ``tr(A1(S) Gamma)`` over every sample moment (the count returned as 0: all of
    them), or :func:`trace_h1_fixed_x` with fixed.x covariates.
    """
    r = values - values.mean(axis=0)
    if x_idx:
        return trace_h1_fixed_x(r, s, x_idx, means)
    return trace_a1_gamma(r, np.linalg.inv(s), s, means), 0


def robust_mlm(
    kernel: MLKernel,
    st: FitState,
    values: np.ndarray,
    info: np.ndarray,
    x_idx: list[int] | None = None,
) -> RobustParts:
    """Satorra–Bentler: sandwich with the expected information and the ADF Gamma.

    Parameters
    ----------
    kernel, st : MLKernel, FitState
        The model at its estimates (``kernel.mean`` set with a mean structure).
    values : ndarray (N x p)
        The complete rows.
    info : ndarray (q x q)
        Unit expected information ``Delta' A1 Delta``.
    x_idx : list of int, optional
        Positions of the fixed.x covariates: Gamma is then that of ``z(y_i) -
        z(yhat_i)`` (see the module notes).
    """
    n = len(values)
    scores, trace_h1 = adf_scores(kernel, st, values, x_idx)
    meat = scores.T @ scores / n
    e_inv = np.linalg.inv(info)
    vcov = e_inv @ meat @ e_inv / n
    return RobustParts(vcov, trace_h1 - float(np.sum(e_inv * meat)))


def robust_mlr(
    kernel: MLKernel,
    st: FitState,
    values: np.ndarray,
    hessian: np.ndarray,
    x_idx: list[int] | None = None,
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
    x_idx : list of int, optional
        Positions of the fixed.x covariates: the h1 part of the trace leaves their
        moments out (:func:`trace_h1_fixed_x`); the sandwich is unchanged.
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
    trace_h0 = float(np.sum(h_inv * b0))
    trace_h1, n_h1 = h1_trace(values, kernel.s, means, x_idx)
    return RobustParts(vcov, trace_h1 - trace_h0, trace_h1, trace_h0, n_h1)


def robust_baseline(
    values: np.ndarray,
    s: np.ndarray,
    means: bool,
    mlr: bool,
    x_idx: list[int] | None = None,
) -> RobustParts:
    """The baseline (independence) model: variances (and means) free.

    At its estimates ``diag(S)`` and ``ybar`` its observed and expected information
    coincide (``0.5 / s_jj^2`` per variance, ``1 / s_jj`` per mean) and the casewise
    scores are ``0.5 (r_ij^2 / s_jj^2 - 1 / s_jj)`` and ``r_ij / s_jj``; the h1 part of
    the trace is at ``diag(S)`` for MLM and at ``S`` for MLR. With fixed.x covariates
    (``x_idx``) their block of the baseline covariance matrix is fixed at ``S_xx`` and
    only the other variables have parameters; MLM then uses the fixed.x Gamma and MLR
    the fixed.x h1 trace (see :func:`robust_mlm`, :func:`robust_mlr`).
    """
    n, p = values.shape
    nx = [j for j in range(p) if j not in set(x_idx or ())]
    var = np.diag(s)[nx]
    info = 0.5 / var**2
    if means:
        info = np.concatenate([info, 1.0 / var])
    if x_idx and not mlr:
        r, h = fitted_on_x(values, x_idx)
        rn, hn = r[:, nx], h[:, nx]
        c = np.mean(rn * rn - hn * hn, axis=0)
        scores = 0.5 * (rn * rn - hn * hn - c) / var**2
        if means:
            scores = np.hstack([scores, (rn - hn) / var])
        w_b = np.zeros((p, p))
        w_b[nx, nx] = 1.0 / var
        w_b[np.ix_(x_idx, x_idx)] = np.linalg.inv(s[np.ix_(x_idx, x_idx)])
        meat = scores.T @ scores / n
        trace_h1 = trace_a1_gamma_x(r, h, w_b, means)
        trace_h0 = float(np.sum(np.diag(meat) / info))
        return RobustParts(meat / np.outer(info, info) / n, trace_h1 - trace_h0)
    r = values - values.mean(axis=0)
    rw = r[:, nx] / var
    scores = 0.5 * (rw * rw - 1.0 / var)
    if means:
        scores = np.hstack([scores, rw])
    meat = scores.T @ scores / n
    vcov = meat / np.outer(info, info) / n
    trace_h0 = float(np.sum(np.diag(meat) / info))
    if mlr:
        trace_h1, n_h1 = h1_trace(values, s, means, x_idx)
        return RobustParts(vcov, trace_h1 - trace_h0, trace_h1, trace_h0, n_h1)
    trace_h1 = trace_a1_gamma(r, np.diag(1.0 / var), s, means)
    return RobustParts(vcov, trace_h1 - trace_h0, trace_h1, trace_h0)
