"""Converge wherever lavaan converges: several starts, and a check of the point reached.

One optimizer run can end three ways: at a minimum of the discrepancy (the gradient zero
and the information positive definite), at a point that only looks like one (the gradient
below the tolerance at a saddle point, or on a ridge where a latent variance slides to
zero while loadings grow without bound and every derivative fades), or after the
iteration limit. :func:`minimize` runs the optimizer from each start in turn (the fit
tries principal-component starts, then lavaan's ``"default"`` and ``"simple"`` starts,
see :mod:`loyaltysem._kernels.starts`), accepts the first run that passes
:func:`check_point`, and otherwise returns the first run with the reason it failed, so
that a result does not read ``converged`` where it is not.

The check is lavaan's ``check.gradient`` (every element of the gradient of the
discrepancy near zero; lavaan's tolerance ``optim.dx.tol`` is 1e-3, ours is the
optimizer's own 1e-8) plus the second-order condition on the information matrix the
standard errors use (the unit observed information, the Hessian of ``F / 2``, or the
expected information): no negative eigenvalue beyond the rounding of a numerical Hessian
(1e-6 of the largest: a saddle point), and the smallest eigenvalue above machine epsilon
times the largest (the test R's ``solve()`` applies before lavaan inverts the
information). A ridge point fails the second test: every derivative fades there, so the
gradient alone would pass it. A model that is not identified has a singular information
at every start: when no start does better, its first stationary run is reported converged
and NOT identified, as lavaan reports it.

The ML (one group or several), FIML and (D)WLS fits use the same check (with the
information their standard errors use: the expected one, ``J' W J`` for (D)WLS), the
same starts (lavaan's sets built per group) and the same optimizer
(:func:`loyaltysem._kernels.optimizer.optimize`: damped scoring, which for least
squares is damped Gauss-Newton, then BFGS, superlinear where the model does not fit
exactly).

Only numpy is used here.

Examples
--------
>>> import numpy as np
>>> class Bowl:  # F(x) = (x0 - 1)^2 + 2 x1^2, with the kernel's interface
...     def state(self, x):
...         return np.asarray(x, dtype=float)
...     def objective(self, st):
...         return float((st[0] - 1) ** 2 + 2 * st[1] ** 2)
...     def gradient(self, st):
...         return np.array([2 * (st[0] - 1), 4 * st[1]])
...     def observed_information(self, st):
...         return np.diag([1.0, 2.0])
>>> def newton(kernel, x0):
...     x = np.array([1.0, 0.0])
...     return x, kernel.state(x), 1, True
>>> run = minimize(Bowl(), [("default", np.zeros(2))], newton)
>>> run.converged, run.start, run.reason
(True, 'default', '')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Run", "check_point", "minimize"]

#: The optimizer's convergence tolerance on the largest absolute gradient entry.
GRADIENT_TOL = 1e-8

#: How the reason for a singular information matrix at a stationary point begins.
SINGULAR = "the optimizer stopped where the information matrix is not positive definite"

Optimizer = Callable[[Any, np.ndarray], tuple[np.ndarray, Any, int, bool]]


@dataclass(frozen=True)
class Run:
    """The outcome of :func:`minimize`.

    Attributes
    ----------
    x : ndarray
        The free parameters reached.
    state : object
        The kernel's state at ``x``.
    iterations : int
        Iterations of the run that reached ``x``.
    converged : bool
        The point passed :func:`check_point`.
    reason : str
        Why it is not converged (``""`` when it is).
    start : str
        The name of the start the point was reached from.
    objective : float
        The discrepancy at ``x``.
    total_iterations : int
        Iterations of every run together.
    information : ndarray or None
        The unit information matrix the check evaluated at ``x`` (None if it did not).
    """

    x: np.ndarray
    state: Any
    iterations: int
    converged: bool
    reason: str
    start: str
    objective: float
    total_iterations: int
    information: np.ndarray | None = None


def check_point(
    kernel: Any, state: Any, *, tol: float = GRADIENT_TOL, information: str = "observed"
) -> str:
    """Why ``state`` is not a minimum of the kernel's discrepancy (``""`` if it is one).

    Parameters
    ----------
    kernel : object
        With ``objective``, ``gradient`` and ``observed_information`` (the Hessian of
        ``F / 2``), as :class:`~loyaltysem._kernels.ml.MLKernel` and the FIML kernel.
    state : object
        The kernel's state at the point.
    tol : float
        Largest absolute gradient entry accepted.
    information : {"observed", "expected"}
        The information matrix tested for positive definiteness: the Hessian (which
        also tells a saddle point), or the expected information (positive semidefinite
        by construction: it tells a ridge only).

    Returns
    -------
    str

    Examples
    --------
    >>> import numpy as np
    >>> class Saddle:  # F(x) = x0^2 - x1^2 at the origin
    ...     def objective(self, st):
    ...         return 0.0
    ...     def gradient(self, st):
    ...         return np.zeros(2)
    ...     def observed_information(self, st):
    ...         return np.diag([1.0, -1.0])
    >>> check_point(Saddle(), None)
    'the optimizer stopped at a saddle point, not at a minimum (the Hessian has a negative eigenvalue, -1)'
    """  # noqa: E501 (a doctest output line)
    return _check(kernel, state, tol, information)[0]


def _check(kernel: Any, state: Any, tol: float, information: str) -> tuple[str, np.ndarray | None]:
    """:func:`check_point`, and the information matrix it evaluated (None if none)."""
    f = kernel.objective(state)
    if not np.isfinite(f):
        why = "the optimizer stopped where the implied covariance matrix is not positive definite"
        return why, None
    g = np.asarray(kernel.gradient(state))
    gmax = float(np.max(np.abs(g))) if g.size else 0.0
    if not gmax < tol:
        return f"the largest gradient element is {gmax:.3g}, not (near) zero", None
    if not g.size:
        return "", None
    name = "Hessian" if information == "observed" else "information matrix"
    try:
        if information == "observed":
            info = np.asarray(kernel.observed_information(state), dtype=float)
        else:
            info = np.asarray(kernel.expected_information(state), dtype=float)
        eig = np.linalg.eigvalsh((info + info.T) / 2.0)
    except (np.linalg.LinAlgError, ValueError, FloatingPointError):
        return f"the {name} at the point could not be evaluated", None
    if not np.all(np.isfinite(eig)):
        return f"the {name} at the point is not finite", None
    # the numerical Hessians (mean structure, FIML) carry errors of about 1e-6 relative
    if eig[0] < -1e-6 * max(abs(eig[-1]), 1.0):
        why = (
            "the optimizer stopped at a saddle point, not at a minimum (the "
            f"{name} has a negative eigenvalue, {eig[0]:.3g})"
        )
        return why, info
    # R's solve() refuses a matrix whose reciprocal condition is below machine epsilon:
    # on a ridge (a latent variance near 0, loadings without bound) every derivative fades
    if eig[0] <= np.finfo(float).eps * max(eig[-1], 1.0):
        why = f"{SINGULAR} (eigenvalues from {eig[0]:.3g} to {eig[-1]:.3g}): not a proper minimum"
        return why, info
    return "", info


def minimize(
    kernel: Any,
    starts: Sequence[tuple[str, np.ndarray | Callable[[], np.ndarray | None]]],
    optimizer: Optimizer,
    *,
    tol: float = GRADIENT_TOL,
    information: str = "observed",
) -> Run:
    """Run ``optimizer`` from each start until a point passes :func:`check_point`.

    Parameters
    ----------
    kernel : object
        The discrepancy (see :func:`check_point`).
    starts : sequence of (name, x0)
        Start values in the order they are tried; ``x0`` may be a function that builds
        them when they are needed (returning None, or non-finite values, skips it).
    optimizer : callable
        ``optimizer(kernel, x0) -> (x, state, iterations, converged)``.
    tol : float
        Largest absolute gradient entry accepted.
    information : {"observed", "expected"}
        The matrix :func:`check_point` tests (the one the standard errors use, so that
        it is computed once: :attr:`Run.information`).

    Returns
    -------
    Run
        The first run that passes the check. If none does but one stopped at a
        stationary point whose information is singular, that run, reported converged:
        the model is not identified there (lavaan reports such fits converged; the
        standard errors, computed from the same matrix, say it, and the result's status
        reads ``NOT identified``). Otherwise the run from the first start, with
        ``converged=False`` and the reason it failed.
    """
    total = 0
    first: Run | None = None
    singular: Run | None = None
    for name, start in starts:
        x0 = start() if callable(start) else start
        if x0 is None or not np.all(np.isfinite(x0)):
            continue  # a start that cannot be built for this model
        x, st, iterations, done = optimizer(kernel, np.asarray(x0, dtype=float))
        total += int(iterations)
        f = float(kernel.objective(st))
        info = None
        if done:
            reason, info = _check(kernel, st, tol, information)
        else:
            reason = f"the optimizer did not converge after {iterations} iterations"
        run = Run(x, st, int(iterations), not reason, reason, name, f, total, info)
        if run.converged:
            return run
        if first is None:
            first = run
        if singular is None and reason.startswith(SINGULAR):
            singular = run
    if first is None:
        raise ValueError("minimize() needs at least one start")
    if singular is not None:
        # no start reaches a proper minimum: a model that is not identified (lavaan reports
        # it converged and says so in its standard errors; the result's status does too)
        return dataclasses.replace(singular, converged=True, reason="", total_iterations=total)
    return dataclasses.replace(first, total_iterations=total)
