"""Delta-method standard errors by central differences (numpy only)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["delta_method"]


def delta_method(
    evaluate: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    vcov: np.ndarray,
    extra: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Values of ``evaluate`` at ``x`` and their delta-method standard errors.

    ``evaluate`` maps a batch of parameter vectors (B, q) to a batch of values (B, k);
    the Jacobian is taken by central differences with steps ``1e-6 max(|x|, 1)``, all
    2q + 1 points in one batch, and ``se = sqrt(diag(J' vcov J))`` (non-finite
    derivatives count as 0). ``extra`` maps the batch of values to further columns
    (e.g. defined parameters in the standardized metric), differentiated alike.
    """
    q = len(x)
    h = 1e-6 * np.maximum(np.abs(x), 1.0)
    values = evaluate(np.vstack([x[None, :], x + np.diag(h), x - np.diag(h)]))
    if extra is not None:
        values = np.hstack([values, extra(values)])
    jac = (values[1 : q + 1] - values[q + 1 :]) / (2 * h[:, None])
    jac = np.where(np.isfinite(jac), jac, 0.0)
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.clip(np.sum(jac * (vcov @ jac), axis=0), 0.0, None))
    return values[0], se
