r"""Least-squares kernel for ordinal indicators: DWLS (WLSMV) and ULS (ULSMV), numpy only.

Model (lavaan's ``parameterization = "delta"``, single group, every observed variable
ordinal, no intercepts or latent means): the latent responses ``y*`` have implied
correlation matrix

    P(x) = Lambda A Psi A' Lambda' + Theta,   A = (I - B)^-1,

with the diagonal of ``Theta`` not free but ``1 - diag(Lambda A Psi A' Lambda')`` (so
``diag P = 1``; lavaan ``lav_model_set_parameters`` with ``delta`` scales fixed at 1),
and implied thresholds equal to the free threshold parameters (``tau - nu - Lambda A
alpha`` with ``nu = alpha = 0``, lavaan ``computeTH``). The sample statistics are the
two-step thresholds and polychoric correlations ``s = (tau_hat, vech_-(R))`` in lavaan's
``WLS.obs`` order (thresholds item by item, then correlations column-wise below the
diagonal) and their asymptotic covariance ``Gamma`` (lavaan's ``NACOV``).

- **Estimates** minimise ``F(x) = (s - sigma(x))' W (s - sigma(x))`` with ``W`` the
  inverted diagonal of ``Gamma`` (DWLS, lavaan ``WLS.VD``) or the identity (ULS);
  lavaan reports ``fmin = (N - 1) / N F / 2`` and ``chisq = (N - 1) F``. The
  thresholds enter only their own residuals, so at the optimum they equal the sample
  thresholds and only the correlation structure is iterated
  (:data:`optimize`, the one optimizer: Gauss-Newton steps with Levenberg-Marquardt
  damping on the analytic Jacobian, then BFGS).
- **Standard errors** (``se = "robust.sem"``): ``E = Delta' W Delta``,
  ``vcov = E^-1 Delta' W Gamma W Delta E^-1 / (N - 1)`` (lavaan ``lav_model_vcov``).
- **Test** (``test = "scaled.shifted"``, Asparouhov & Muthen 2010; lavaan
  ``lav_test_satorra_bentler``): ``U = W - W Delta E^-1 Delta' W``, ``a = sqrt(df /
  tr((U Gamma)^2))``, shift ``b = df - a tr(U Gamma)``, ``T = a chisq + b``; lavaan's
  ``chisq.scaling.factor`` is ``1 / a``.

References
----------
Muthen, B., du Toit, S. H. C., & Spisic, D. (1997). Robust inference using weighted least
squares and quadratic estimating equations in latent variable modeling with categorical
and continuous outcomes. Unpublished technical report.
Asparouhov, T., & Muthen, B. (2010). Simple second order chi-square correction.
Mplus technical appendix.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from loyaltysem._kernels.ml import FitState, Layout, MLKernel
from loyaltysem._kernels.optimizer import LEAST_SQUARES
from loyaltysem._kernels.optimizer import optimize as optimize_kernel

__all__ = [
    "CatML",
    "CorrelationKernel",
    "ScaledShifted",
    "catml",
    "lower_pairs",
    "optimize",
    "robust_vcov",
    "scaled_shifted",
]


def lower_pairs(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the strictly lower triangle, column by column.

    The order of lavaan's ``lav_matrix_vech(S, diagonal = FALSE)``: (2,1), (3,1), ...,
    (p,1), (3,2), ...

    Examples
    --------
    >>> rows, cols = lower_pairs(3)
    >>> list(zip(rows.tolist(), cols.tolist()))
    [(1, 0), (2, 0), (2, 1)]
    """
    upper_r, upper_c = np.triu_indices(p, 1)
    return upper_c, upper_r


@dataclass
class _State:
    x: np.ndarray
    mats: dict[str, np.ndarray]
    a: np.ndarray
    la: np.ndarray
    sigma: np.ndarray  # implied correlation matrix (unit diagonal)
    jac: np.ndarray | None = None  # d sigma / dx, once asked for (CorrelationKernel.jacobian)


class CorrelationKernel:
    """Implied correlations of ``y*``, their Jacobian and the (D)WLS fit of a layout.

    Parameters
    ----------
    layout : Layout
        Model matrices of the structural parameters (no thresholds); the diagonal of
        ``theta`` must be fixed (it is recomputed as ``1 - diag(common part)``).
    r : ndarray (p x p)
        Sample (polychoric) correlation matrix.
    weights : ndarray (p(p-1)/2,)
        Weights of the correlation residuals, in :func:`lower_pairs` order
        (``1 / diag(Gamma)`` for DWLS, ones for ULS).
    """

    def __init__(self, layout: Layout, r: np.ndarray, weights: np.ndarray) -> None:
        self.layout = layout
        self.p = layout.n_obs
        self.rows, self.cols = lower_pairs(self.p)
        self.r = np.asarray(r, dtype=float)
        self.r_obs = self.r[self.rows, self.cols]
        self.w = np.asarray(weights, dtype=float)
        self._ml = MLKernel(layout, np.eye(self.p))
        self._eye_m = np.eye(layout.n_lat)
        self._diag = np.arange(self.p)

    def state(self, x: np.ndarray) -> _State:
        """Model matrices (theta diagonal set) and the implied correlation matrix."""
        mats = self.layout.matrices(x)
        a = np.linalg.inv(self._eye_m - mats["beta"])
        la = mats["lambda"] @ a
        common = la @ mats["psi"] @ la.T
        theta = mats["theta"]
        theta[self._diag, self._diag] = 1.0 - np.diag(common)
        sigma = common + theta
        return _State(x, mats, a, la, (sigma + sigma.T) / 2)

    def residual(self, st: _State) -> np.ndarray:
        """Correlation residuals ``r - sigma`` in :func:`lower_pairs` order."""
        return self.r_obs - st.sigma[self.rows, self.cols]

    def objective(self, st: _State) -> float:
        """``F = sum_k w_k (r_k - sigma_k)^2`` (thresholds contribute 0 at their optimum)."""
        e = self.residual(st)
        return float(e @ (self.w * e))

    def jacobian(self, st: _State) -> np.ndarray:
        """``d sigma_k / d x_j`` for the correlations: array (p(p-1)/2, q)."""
        if st.jac is None:  # once per point: the gradient and the information share it
            fs = FitState(st.x, st.mats, st.a, st.la, st.sigma, st.sigma, np.nan, True)
            delta = self._ml.jacobian(fs)  # (q, p, p); diagonal entries are never used
            st.jac = delta[:, self.rows, self.cols].T
        return st.jac

    def gradient(self, st: _State) -> np.ndarray:
        """Gradient of ``F``: ``-2 J' W e``."""
        return -2.0 * self.jacobian(st).T @ (self.w * self.residual(st))

    def expected_information(self, st: _State) -> np.ndarray:
        """The Gauss-Newton matrix ``J' W J``: the expected Hessian of ``F / 2`` (q x q).

        The information the standard errors use (lavaan's expected information of
        (D)WLS, up to ``N``), tested for positive definiteness by
        :func:`~loyaltysem._kernels.converge.check_point`.
        """
        j = self.jacobian(st)
        return j.T @ (self.w[:, None] * j)


#: The optimizer of the (D)WLS fits, one group or several: the one optimizer of every
#: kernel (:func:`~loyaltysem._kernels.optimizer.optimize`), the kernel's ``J' W J`` in
#: place of the Fisher information, so that its damped scoring steps are damped
#: Gauss-Newton steps, for as long as they converge fast
#: (:data:`~loyaltysem._kernels.optimizer.LEAST_SQUARES`); BFGS follows where they do not
#: (Gauss-Newton alone converges only linearly where the model does not fit exactly: 500
#: steps were not enough for a two-factor CFA of seven 7-point items, chi-square 317).
optimize = functools.partial(optimize_kernel, **LEAST_SQUARES)


def robust_vcov(
    delta: np.ndarray, w: np.ndarray, gamma: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sandwich ``E^-1 Delta' W Gamma W Delta E^-1 / n`` with ``E = Delta' W Delta``.

    Parameters
    ----------
    delta : ndarray (m x q)
        Jacobian of the implied statistics (thresholds, correlations).
    w : ndarray (m,)
        Diagonal weights.
    gamma : ndarray (m x m)
        Asymptotic covariance of ``sqrt(N)`` times the sample statistics.
    n : int
        The divisor: ``N - 1`` for lavaan's (D)WLS and ULS (``lav_model_vcov``).

    Returns
    -------
    vcov, e_inv
        The covariance matrix of the estimates and ``E^-1`` (unit information inverted).

    Raises
    ------
    numpy.linalg.LinAlgError
        ``E`` singular: smallest eigenvalue at most ``eps`` times the largest (where R's
        ``solve()`` in lavaan refuses it).
    """
    wd = w[:, None] * delta
    info = delta.T @ wd
    info = (info + info.T) / 2.0
    # R's solve() in lavaan refuses rcond < eps; E is block diagonal when the thresholds
    # have their own columns (the ordinal case), so its eigenvalues come per block
    eig = _block_eigenvalues(info) if info.size else np.ones(1)
    if not np.all(np.isfinite(eig)) or eig.min() <= np.finfo(float).eps * max(eig.max(), 1.0):
        raise np.linalg.LinAlgError("singular information")
    e_inv = np.linalg.inv(info)
    meat = wd.T @ gamma @ wd
    vcov = e_inv @ meat @ e_inv / n
    return (vcov + vcov.T) / 2, e_inv


def _block_eigenvalues(a: np.ndarray) -> np.ndarray:
    """Eigenvalues of a symmetric matrix, block by block.

    Rows without off-diagonal entries contribute their diagonal entry; the rest is
    decomposed as one block.
    """
    off = a - np.diag(np.diag(a))
    lone = ~np.any(off != 0, axis=1)
    rest = np.flatnonzero(~lone)
    parts = [np.diag(a)[lone]]
    if len(rest):
        parts.append(np.linalg.eigvalsh(a[np.ix_(rest, rest)]))
    return np.concatenate(parts)


@dataclass(frozen=True)
class ScaledShifted:
    """lavaan's ``scaled.shifted`` test: ``stat = a chisq + shift``, ``scaling_factor = 1/a``."""

    stat: float
    df: float
    scaling_factor: float
    shift: float
    trace_ugamma: float
    trace_ugamma2: float


def scaled_shifted(
    chisq: float,
    df: float,
    w: np.ndarray,
    gamma: np.ndarray,
    delta: np.ndarray | None,
    e_inv: np.ndarray | None,
) -> ScaledShifted:
    """Mean-and-variance adjusted (scaled and shifted) statistic of a (D)WLS fit.

    ``U Gamma = W Gamma - W Delta E^-1 Delta' W Gamma``; without parameters in the
    model part (``delta=None``) ``U = W`` (lavaan ``lav_test_satorra_bentler_trace_original``
    and the ``scaled.shifted`` branch of ``lav_test_satorra_bentler``). With ``df = 0``
    the standard statistic is returned with a NaN scaling factor (as lavaan).
    """
    ug = w[:, None] * gamma
    if delta is not None and e_inv is not None and delta.shape[1]:
        wd = w[:, None] * delta
        ug = ug - wd @ (e_inv @ (wd.T @ gamma))
    tr1 = float(np.trace(ug))
    tr2 = float(np.sum(ug * ug.T))
    if df <= 0:
        return ScaledShifted(chisq, df, np.nan, np.nan, tr1, tr2)
    a = np.sqrt(df / tr2)
    shift = df - a * tr1
    return ScaledShifted(float(a * chisq + shift), df, float(1.0 / a), float(shift), tr1, tr2)


@dataclass(frozen=True)
class CatML:
    """The catML parts of lavaan's robust CFI/TLI/RMSEA for categorical data.

    ``f_ml`` and ``f_null``: the ML discrepancies of the model (at the (D)WLS estimates)
    and of the independence model on the polychoric matrix; ``ks`` and ``kbs``: the
    traces whose ratio to the degrees of freedom is the scaling factor ``c.hat3``
    (``c.hat3.null``).
    """

    f_ml: float
    f_null: float
    ks: float
    kbs: float


def catml(
    r: np.ndarray,
    sigma: np.ndarray,
    jac: np.ndarray,
    w: np.ndarray,
    gamma: np.ndarray,
) -> CatML | None:
    """ML on the polychoric correlations at the (D)WLS estimates (lavaan ``lav_fit_catml_dwls``).

    lavaan 0.6.14 evaluates the model by ML (``estimator = "catML"``, ``correlation =
    TRUE``, no refit when every indicator is ordinal) at the (D)WLS estimates:
    ``F = log|P| + tr(R P^-1) - log|R| - p``, ``XX3 = N F``; the normal-theory weight
    of the correlations ``V_(ij),(kl) = P^ik P^jl + P^il P^jk`` (``P^ab`` entries of
    ``P^-1``), ``WiU = I - J (J' W J)^-1 J' W`` and ``ks = tr(WiU' V WiU Gamma)``; the
    independence model gives ``XX3.null = -N log|R|`` and ``kbs = tr(Gamma)`` (its ``V``
    is the identity). Returns ``None`` where lavaan returns NA: ``R`` with an eigenvalue
    below ``sqrt(eps)``.

    Parameters
    ----------
    r, sigma : ndarray (p x p)
        Sample (polychoric) and implied correlation matrices.
    jac : ndarray (p(p-1)/2 x q)
        Jacobian of the implied correlations with respect to the structural parameters.
    w : ndarray (p(p-1)/2,)
        The (D)WLS weights of the correlations.
    gamma : ndarray (p(p-1)/2 x p(p-1)/2)
        The correlation block of the NACOV.
    """
    if np.min(np.linalg.eigvalsh(r)) < np.sqrt(np.finfo(float).eps):
        return None
    p = len(r)
    rows, cols = lower_pairs(p)
    pi = np.linalg.inv(sigma)
    f_ml = float(np.linalg.slogdet(sigma)[1] + np.sum(r * pi) - np.linalg.slogdet(r)[1] - p)
    v = pi[np.ix_(rows, rows)] * pi[np.ix_(cols, cols)]
    v += pi[np.ix_(rows, cols)] * pi[np.ix_(cols, rows)]
    wj = w[:, None] * jac
    wiu = np.eye(len(w)) - jac @ np.linalg.solve(jac.T @ wj, wj.T)
    ks = float(np.sum((wiu.T @ v @ wiu) * gamma.T))
    return CatML(f_ml, float(-np.linalg.slogdet(r)[1]), ks, float(np.trace(gamma)))
