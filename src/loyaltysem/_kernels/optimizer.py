r"""One optimizer for every estimator: the kernel interface and the minimizer (numpy/scipy).

Every discrepancy the library minimises -- ML and its robust variants (MLM, MLR) for one
group or several, full-information ML with missing data, and (D)WLS/ULS for ordered
items, delta or theta -- is a *kernel* (:class:`Kernel`): it turns a parameter vector
into a state, and from a state gives the discrepancy ``F``, its gradient and the
expected information (the expected Hessian of ``F / 2``: Fisher's information for ML
and FIML, the Gauss-Newton matrix ``J' W J`` for least squares). :func:`optimize` is
the one optimizer run on all of them, from each start that
:func:`~loyaltysem._kernels.converge.minimize` tries (lavaan's ``lav_model_estimate``
is likewise one routine for every estimator):

1. optionally, a cheaper kernel first (``approach``): full-information ML starts from
   the complete-data ML fit to the EM moments, which is close and needs no pass over
   the missing-data patterns;
2. Fisher scoring with Levenberg-Marquardt damping, ``(I + mu D) d = -g / 2`` (for
   least squares this *is* damped Gauss-Newton), robust far from the optimum until
   the largest gradient entry is below ``switch`` (least squares: for as long as each
   step shrinks the gradient fast, ``slow``);
3. BFGS from the Hessian ``2 I``: superlinear where the model does not fit exactly
   (scoring and Gauss-Newton leave out the second-order terms of the residuals and
   converge only linearly there);
4. damped scoring again where BFGS stalls (ill-conditioned models);
5. :func:`polish`: undamped scoring steps accepted while the gradient shrinks, where
   the discrepancy stopped changing beyond its rounding next to the optimum.

It stops when the largest absolute gradient entry is below ``tol``;
:func:`~loyaltysem._kernels.converge.minimize` then checks the point (gradient zero,
information positive definite) and tries the next start where it fails.

Examples
--------
A least-squares kernel, ``F(x) = sum (y - exp(x0 t) x1)^2``, fitted by the optimizer
the SEM fits use, agrees with SciPy's ``least_squares``:

>>> import numpy as np
>>> t = np.linspace(0.0, 1.0, 8)
>>> y = 2.0 * np.exp(0.5 * t) + np.array([0.01, -0.02, 0.0, 0.015, -0.01, 0.0, 0.02, -0.01])
>>> class Curve:
...     def state(self, x):
...         return np.asarray(x, dtype=float)
...     def _jac(self, x):
...         e = np.exp(x[0] * t)
...         return np.column_stack([t * x[1] * e, e])
...     def objective(self, x):
...         r = y - np.exp(x[0] * t) * x[1]
...         return float(r @ r)
...     def gradient(self, x):
...         return -2.0 * self._jac(x).T @ (y - np.exp(x[0] * t) * x[1])
...     def expected_information(self, x):
...         j = self._jac(x)
...         return j.T @ j
>>> x, _, iterations, converged = optimize(Curve(), np.array([0.0, 1.0]))
>>> from scipy.optimize import least_squares
>>> ref = least_squares(lambda b: y - np.exp(b[0] * t) * b[1], [0.0, 1.0], xtol=1e-14)
>>> converged, bool(np.allclose(x, ref.x, atol=1e-7))
(True, True)
>>> isinstance(Curve(), Kernel)
True
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np
from scipy import linalg

__all__ = ["LEAST_SQUARES", "Kernel", "bfgs", "damped_scoring", "optimize", "polish"]

#: The convergence tolerance on the largest absolute gradient entry (as
#: :data:`loyaltysem._kernels.converge.GRADIENT_TOL`).
TOL = 1e-8

#: How the least-squares kernels ((D)WLS, ULS) run :func:`optimize`: damped Gauss-Newton
#: for as long as each step shrinks the largest gradient entry to a quarter or less (fast
#: where the model fits closely), then BFGS (superlinear where it does not).
LEAST_SQUARES: dict[str, Any] = {"slow": 0.25}

_gesv = linalg.lapack.get_lapack_funcs("gesv", (np.zeros(1),))

Result = tuple[np.ndarray, Any, int, bool]


@runtime_checkable
class Kernel(Protocol):
    """The interface every discrepancy offers the optimizer, the point check and the SEs.

    ``state(x)`` holds what the other methods share at ``x`` (model matrices, implied
    moments, residuals, Jacobians: computed once per point). Implemented by
    :class:`~loyaltysem._kernels.ml.MLKernel`,
    :class:`~loyaltysem._kernels.multigroup.MultiGroupKernel` (G >= 1 blocks),
    :class:`~loyaltysem._kernels.fiml.FIMLKernel`,
    :class:`~loyaltysem._kernels.dwls.CorrelationKernel` and
    :class:`~loyaltysem._kernels.multigroup_dwls.MultiGroupDWLS`. Kernels of the
    likelihood also give ``observed_information`` (the Hessian of ``F / 2``), which
    :func:`~loyaltysem._kernels.converge.check_point` tests where the standard errors
    use it, and ``scores(st, values)``: the casewise scores, each respondent's
    derivatives of their log-likelihood (lavaan ``lavScores``), whose mean cross
    product is the meat of MLR's sandwich.
    """

    def state(self, x: np.ndarray) -> Any:
        """What the other methods read at the point ``x``."""
        ...

    def objective(self, st: Any) -> float:
        """The discrepancy ``F`` (non-finite outside the model's domain)."""
        ...

    def gradient(self, st: Any) -> np.ndarray:
        """``dF / dx`` (q,)."""
        ...

    def expected_information(self, st: Any) -> np.ndarray:
        """The expected Hessian of ``F / 2`` (q x q)."""
        ...


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.linalg.solve(a, b)`` by LAPACK's ``dgesv`` directly.

    The same LU with partial pivoting, without numpy's per-call argument handling.

    Raises
    ------
    numpy.linalg.LinAlgError
        ``a`` is singular, as ``np.linalg.solve`` raises.
    """
    _, _, x, info = _gesv(a, b)
    if info != 0:
        raise np.linalg.LinAlgError("Singular matrix")
    return x


def damped_scoring(
    kernel: Kernel,
    x: np.ndarray,
    st: Any,
    *,
    max_iter: int,
    tol: float,
    until: float,
    slow: float | None = None,
) -> Result:
    """Levenberg–Marquardt damped Fisher scoring until max|g| < ``until`` (or ``tol``).

    Each step solves ``(I(x) + mu D) d = -g(x) / 2`` (``I`` the expected information,
    ``D`` its diagonal); ``mu`` shrinks after a step that lowers ``F`` and grows after
    one that does not. With ``slow``, scoring goes on below ``until`` for as long as
    each step shrinks the largest gradient entry to at most ``slow`` times its size
    (Gauss-Newton converges fast where a least-squares model fits closely), and stops
    at the first step that does not.
    """
    f = kernel.objective(st)
    g = kernel.gradient(st)
    mu = 1e-3
    previous = np.inf
    for it in range(1, max_iter + 1):
        gmax = abs(g).max() if g.size else 0.0
        if gmax < tol:
            return x, st, it - 1, True
        if gmax < until and (slow is None or gmax > slow * previous):
            return x, st, it - 1, False
        previous = gmax
        info = kernel.expected_information(st)
        diag = info.diagonal().copy()
        diag[diag <= 0] = 1.0
        on_diagonal = slice(None, None, len(diag) + 1)
        for _ in range(30):
            damped = info.copy()  # info + mu * diag(diag)
            damped.flat[on_diagonal] += mu * diag
            try:
                step = -_solve(damped, g / 2.0)
            except np.linalg.LinAlgError:
                mu *= 10.0
                continue
            st_new = kernel.state(x + step)
            f_new = kernel.objective(st_new)
            if np.isfinite(f_new) and f_new <= f:
                break
            # at the optimum F stops falling beyond rounding: accept a step that keeps F
            # within rounding and shrinks the gradient (else the scoring stalls there)
            if (
                np.isfinite(f_new)
                and f_new <= f + 1e-12 * max(1.0, abs(f))
                and abs(kernel.gradient(st_new)).max() < gmax
            ):
                break
            mu *= 10.0
        else:
            return x, st, it, False
        x, st, f = x + step, st_new, f_new
        mu = max(mu / 10.0, 1e-12)
        g = kernel.gradient(st)
    return x, st, max_iter, bool(np.max(np.abs(g), initial=0.0) < tol)


def bfgs(kernel: Kernel, x: np.ndarray, st: Any, *, max_iter: int, tol: float) -> Result:
    """BFGS started from the Fisher Hessian ``2 I(x)``, Armijo backtracking."""
    f = kernel.objective(st)
    g = kernel.gradient(st)
    h = 2.0 * kernel.expected_information(st)
    for it in range(1, max_iter + 1):
        if abs(g).max(initial=0.0) < tol:
            return x, st, it - 1, True
        try:
            step = -_solve(h, g)
        except np.linalg.LinAlgError:
            return x, st, it, False
        slope = float(g @ step)
        if slope >= 0:
            return x, st, it, False
        t = 1.0
        while True:
            st_new = kernel.state(x + t * step)
            f_new = kernel.objective(st_new)
            if np.isfinite(f_new) and f_new <= f + 1e-4 * t * slope:
                break
            t /= 2.0
            if t < 1e-8:
                return x, st, it, False
        step = t * step
        g_new = kernel.gradient(st_new)
        y = g_new - g
        sy = float(step @ y)
        if sy > 1e-14:
            hs = h @ step
            h = h - np.outer(hs, hs) / float(step @ hs) + np.outer(y, y) / sy
        x, st, f, g = x + step, st_new, f_new, g_new
    return x, st, max_iter, bool(np.max(np.abs(g), initial=0.0) < tol)


def polish(kernel: Kernel, x: np.ndarray, st: Any, *, tol: float = TOL, steps: int = 20) -> Result:
    """Undamped Fisher steps where the damped optimizer stalled next to the optimum.

    Near the optimum, F changes by less than its rounding error (1e-16 relative), so a
    line search that asks F to decrease refuses steps that still shrink the gradient.
    Here a step is accepted while the largest gradient entry shrinks and F does not
    rise beyond rounding; convergence is the optimizer's: max |gradient| < ``tol``.
    """
    g = kernel.gradient(st)
    f = kernel.objective(st)
    gmax = float(np.max(np.abs(g), initial=0.0))
    if not (np.isfinite(f) and gmax < 1e-4):
        return x, st, 0, False
    for it in range(1, steps + 1):
        try:
            step = -np.linalg.solve(kernel.expected_information(st), g / 2.0)
        except np.linalg.LinAlgError:
            return x, st, it, False
        st_new = kernel.state(x + step)
        f_new = kernel.objective(st_new)
        g_new = kernel.gradient(st_new)
        gmax_new = float(np.max(np.abs(g_new), initial=0.0))
        if not (np.isfinite(f_new) and f_new <= f + 1e-12 * max(1.0, abs(f)) and gmax_new < gmax):
            return x, st, it, gmax < tol
        x, st, f, g, gmax = x + step, st_new, f_new, g_new, gmax_new
        if gmax < tol:
            return x, st, it, True
    return x, st, steps, gmax < tol


def optimize(
    kernel: Kernel,
    x0: np.ndarray,
    *,
    approach: Kernel | None = None,
    tol: float = TOL,
    max_iter: int = 1000,
    switch: float = 1e-2,
    slow: float | None = None,
    bfgs_iter: int = 50,
) -> Result:
    """Minimise a kernel's discrepancy from ``x0``: the one optimizer (module docstring).

    Parameters
    ----------
    kernel : Kernel
        The discrepancy.
    x0 : ndarray
        Start values.
    approach : Kernel, optional
        A cheaper kernel with the same parameters, optimized first (stage 1): the
        complete-data ML kernel at the EM moments of a full-information ML fit. Where
        its optimum lies outside the domain of ``kernel``, ``x0`` is used.
    tol : float
        Largest absolute gradient entry accepted.
    max_iter : int
        Iterations of damped scoring allowed (stages 2 and 4 together).
    switch : float
        The largest gradient entry at which damped scoring hands over to BFGS (``inf``:
        BFGS at once, as after ``approach``).
    slow : float, optional
        Below ``switch``, damped scoring goes on while each step shrinks the largest
        gradient entry to at most this fraction (the least-squares kernels: damped
        Gauss-Newton converges fast where the model fits closely, BFGS takes over where
        it does not); None hands over at ``switch``.
    bfgs_iter : int
        BFGS iterations allowed.

    Returns
    -------
    x, state, iterations, converged
        ``converged``: the largest gradient entry is below ``tol``.
    """
    x = np.asarray(x0, dtype=float).copy()
    n0 = 0
    st = None
    if approach is not None:
        x1, _, n0, _ = optimize(approach, x, tol=tol, max_iter=max_iter)
        st = kernel.state(x1)  # a pass over the data for FIML: kept, not made again
        if np.isfinite(kernel.objective(st)):
            x = x1
        else:  # outside the kernel's domain: from x0
            st = None
    if st is None:
        st = kernel.state(x)
    if not np.isfinite(kernel.objective(st)):
        return x, st, n0, False
    x, st, n1, done = damped_scoring(
        kernel, x, st, max_iter=max_iter, tol=tol, until=switch, slow=slow
    )
    n = n0 + n1
    if not done:
        x, st, n, done = _finish(kernel, x, st, n, n1, tol, max_iter, switch, bfgs_iter)
    return x, st, n, done


def _finish(
    kernel: Kernel,
    x: np.ndarray,
    st: Any,
    n: int,
    n1: int,
    tol: float,
    max_iter: int,
    switch: float,
    bfgs_iter: int,
) -> Result:
    """Stages 3 to 5 of :func:`optimize`: BFGS, damped scoring, polish."""
    if not np.isfinite(kernel.objective(st)):
        return x, st, n, False
    if np.max(np.abs(kernel.gradient(st)), initial=0.0) < switch:
        x, st, n2, done = bfgs(kernel, x, st, max_iter=bfgs_iter, tol=tol)
        n += n2
        if done:
            return x, st, n, True
        x, st, n3, done = damped_scoring(
            kernel, x, st, max_iter=max_iter - n1 - n2, tol=tol, until=0.0
        )
        n += n3
        if done:
            return x, st, n, True
    x, st, n4, done = polish(kernel, x, st, tol=tol)
    return x, st, n + n4, done
