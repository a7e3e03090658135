"""Delta-method standard errors by central differences (numpy only)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["central_points", "delta_method", "delta_se"]


def central_points(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 2q + 1 points of the central differences at ``x``, and the steps.

    Rows: ``x``, then ``x + h_k e_k`` for each k, then ``x - h_k e_k``, with steps
    ``h = 1e-6 max(|x|, 1)`` (what :func:`delta_method` evaluates, in one batch).

    Examples
    --------
    >>> points, h = central_points(np.array([2.0, 0.5]))
    >>> points.shape, h.tolist()
    ((5, 2), [2e-06, 1e-06])
    """
    h = 1e-6 * np.maximum(np.abs(x), 1.0)
    return np.vstack([x[None, :], x + np.diag(h), x - np.diag(h)]), h


def delta_se(values: np.ndarray, h: np.ndarray, vcov: np.ndarray) -> np.ndarray:
    """Delta-method SEs of the columns of ``values``, evaluated at :func:`central_points`.

    ``se = sqrt(diag(J' vcov J))`` with the Jacobian ``J`` by central differences
    (non-finite derivatives count as 0).

    Examples
    --------
    >>> x, vcov = np.array([2.0, 0.5]), np.diag([0.04, 0.01])
    >>> points, h = central_points(x)
    >>> se = delta_se(points[:, :1] * points[:, 1:], h, vcov)  # x0 x1: sqrt(.25 .04 + 4 .01)
    >>> round(float(se[0]), 6)
    0.223607
    """
    q = len(h)
    jac = (values[1 : q + 1] - values[q + 1 :]) / (2 * h[:, None])
    jac = np.where(np.isfinite(jac), jac, 0.0)
    with np.errstate(invalid="ignore"):
        return np.sqrt(np.clip(np.sum(jac * (vcov @ jac), axis=0), 0.0, None))


def delta_method(
    evaluate: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    vcov: np.ndarray,
    extra: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Values of ``evaluate`` at ``x`` and their delta-method standard errors.

    ``evaluate`` maps a batch of parameter vectors (B, q) to a batch of values (B, k);
    the Jacobian is taken by central differences with steps ``1e-6 max(|x|, 1)``, all
    2q + 1 points in one batch (:func:`central_points`), and ``se = sqrt(diag(J' vcov
    J))`` (non-finite derivatives count as 0, :func:`delta_se`). ``extra`` maps the
    batch of values to further columns (e.g. defined parameters in the standardized
    metric), differentiated alike.

    Examples
    --------
    >>> est, se = delta_method(lambda xs: xs[:, :1] ** 2, np.array([3.0]), np.array([[0.01]]))
    >>> float(est[0]), round(float(se[0]), 6)  # d(x^2)/dx = 6: se = 6 * 0.1
    (9.0, 0.6)
    """
    points, h = central_points(x)
    values = evaluate(points)
    if extra is not None:
        values = np.hstack([values, extra(values)])
    return values[0], delta_se(values, h, vcov)
