r"""Fast ML refits from a warm start, for the bootstrap.

A bootstrap draw's optimum is close to the original estimates, so BFGS started there,
with the inverse of the original Fisher Hessian :math:`2 I(\hat\theta)` as its first
inverse-Hessian approximation (computed once for all draws), converges superlinearly in
about twenty steps — four times faster than the damped Fisher scoring that makes
:func:`loyaltysem.fit` robust from cold starts. The line search tolerates objective
differences at rounding level (1e-13 relative), where Armijo's test alone stalls; the
stopping rule is :func:`loyaltysem.fit`'s (largest gradient entry below ``tol``).
"""

from __future__ import annotations

import numpy as np

from loyaltysem._kernels.ml import FitState, MLKernel

__all__ = ["bfgs_refit"]


def _state(kernel: MLKernel, x: np.ndarray) -> FitState:
    """:meth:`MLKernel.state` with numpy's LAPACK calls directly (no scipy wrappers)."""
    mats = kernel.layout.matrices(x)
    try:
        a = np.linalg.inv(kernel._eye_m - mats["beta"])
        la = mats["lambda"] @ a
        sigma = la @ mats["psi"] @ la.T + mats["theta"]
        sigma = (sigma + sigma.T) / 2
        c = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return kernel.state(x)  # the kernel's own path handles and flags it
    c_inv = np.linalg.inv(c)
    sigma_inv = c_inv.T @ c_inv
    logdet = 2.0 * float(np.sum(np.log(np.diag(c))))
    return FitState(x, mats, a, la, sigma, sigma_inv, logdet, True)


def bfgs_refit(
    kernel: MLKernel,
    x0: np.ndarray,
    h0_inv: np.ndarray,
    *,
    tol: float = 1e-8,
    max_iter: int = 200,
) -> tuple[np.ndarray, FitState, int, bool]:
    """Minimise F_ML by BFGS from ``x0`` with initial inverse Hessian ``h0_inv``.

    Returns
    -------
    x, state, iterations, converged
    """
    x = np.array(x0, dtype=float)
    st = _state(kernel, x)
    f = kernel.objective(st)
    if not np.isfinite(f):
        return x, st, 0, False
    g = kernel.gradient(st)
    hinv = h0_inv.copy()
    eye = np.eye(len(x))
    for it in range(max_iter):
        if np.max(np.abs(g)) < tol:
            return x, st, it, True
        step = -hinv @ g
        slope = float(g @ step)
        if slope >= 0:  # lost positive definiteness: restart from the initial matrix
            hinv = h0_inv.copy()
            step = -hinv @ g
            slope = float(g @ step)
        t = 1.0
        while True:
            st_new = _state(kernel, x + t * step)
            f_new = kernel.objective(st_new)
            if np.isfinite(f_new) and f_new <= f + 1e-4 * t * slope + 1e-13 * abs(f):
                break
            t /= 2.0
            if t < 1e-10:
                return x, st, it, False
        s = t * step
        g_new = kernel.gradient(st_new)
        y = g_new - g
        sy = float(s @ y)
        if sy > 1e-16:
            rho = 1.0 / sy
            left = eye - rho * np.outer(s, y)
            hinv = left @ hinv @ left.T + rho * np.outer(s, s)
        x, st, f, g = x + s, st_new, f_new, g_new
    return x, st, max_iter, bool(np.max(np.abs(g)) < tol)
