r"""Implied moments of a stack of parameter vectors: the building block of batched refits.

A bootstrap refits one model to ``B`` resamples; batched, every step of every draw is a
handful of numpy products on stacked arrays (``B x ...``) instead of ``B`` Python-level
refits. :func:`implied` gives each draw's ``(I - B)^-1``, ``Lambda (I - B)^-1``,
``Sigma^-1`` and ``log|Sigma|`` (with a flag for a draw whose ``I - B`` is singular or
whose ``Sigma`` is not positive definite), computed as the one-by-one kernel
(:class:`loyaltysem._kernels.ml.MLKernel`) computes them, draw by draw: the Cholesky
factor and its inverse, one LAPACK call per draw, so that each draw's numbers are its
one-by-one refit's. The batched BFGS refits of G >= 1 blocks
(:func:`loyaltysem._kernels.batched_groups.fit_batched_groups`, one group being G = 1)
are built on it. numpy only.

Examples
--------
A one-factor model of three indicators at two parameter vectors: the stacked inverses are
the one-by-one kernel's.

>>> import numpy as np
>>> from loyaltysem._kernels.batched import implied
>>> lam = np.array([[[1.0], [0.8], [0.6]], [[1.0], [0.7], [0.5]]])
>>> mats = {"lambda": lam, "beta": np.zeros((2, 1, 1)), "psi": np.ones((2, 1, 1)),
...         "theta": np.broadcast_to(0.5 * np.eye(3), (2, 3, 3)).copy()}
>>> a, la, sigma_inv, logdet, ok = implied(mats, np.eye(1), 1)
>>> sigma = lam[1] @ lam[1].T + 0.5 * np.eye(3)
>>> bool(ok.all()), bool(np.allclose(sigma_inv[1], np.linalg.inv(sigma), rtol=0, atol=1e-14))
(True, True)
>>> round(float(logdet[1] - np.linalg.slogdet(sigma)[1]), 14)
0.0
"""

from __future__ import annotations

import numpy as np

__all__ = ["implied"]


def _cholesky(sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cholesky factors of a stack; non-positive-definite members get the identity."""
    try:
        c = np.linalg.cholesky(sigma)
        ok = np.isfinite(np.diagonal(c, axis1=1, axis2=2)).all(axis=1)
    except np.linalg.LinAlgError:  # at least one member is not positive definite
        try:
            ok = np.linalg.eigvalsh(sigma)[:, 0] > 0
        except np.linalg.LinAlgError:  # not finite: each member on its own below
            ok = np.isfinite(sigma).all(axis=(1, 2))
        c = np.broadcast_to(np.eye(sigma.shape[1]), sigma.shape).copy()
        if ok.any():
            try:
                c[ok] = np.linalg.cholesky(sigma[ok])
            except np.linalg.LinAlgError:  # at the edge of positive definiteness, or NaN
                for i in np.flatnonzero(ok):
                    try:
                        c[i] = np.linalg.cholesky(sigma[i])
                    except np.linalg.LinAlgError:
                        ok[i] = False
        ok &= np.isfinite(np.diagonal(c, axis1=1, axis2=2)).all(axis=1)
    if not ok.all():
        c[~ok] = np.eye(sigma.shape[1])
    return c, ok


def implied(
    mats: dict[str, np.ndarray], eye_m: np.ndarray, nilpotency: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each draw's ``(I - B)^-1``, ``Lambda (I - B)^-1``, ``Sigma^-1``, ``log|Sigma|``, ok.

    ``ok`` is false for a draw whose ``I - B`` is singular or whose ``Sigma`` is not
    positive definite. ``eye_m`` is the identity of the latent variables; ``nilpotency``
    the power at which a recursive model's ``B`` vanishes (None: ``B`` has a cycle).
    """
    ok = np.ones(len(mats["beta"]), dtype=bool)
    if nilpotency is not None:  # a recursive model: the finite Neumann series
        beta = mats["beta"]
        a = np.broadcast_to(eye_m, beta.shape).copy()
        for _ in range(nilpotency - 1):
            a = eye_m + beta @ a
    else:
        i_b = eye_m[None] - mats["beta"]
        ok = np.abs(np.linalg.det(i_b)) > 1e-12
        if not ok.all():
            i_b[~ok] = eye_m
        a = np.linalg.inv(i_b)
    la = mats["lambda"] @ a
    sigma = la @ mats["psi"] @ la.transpose(0, 2, 1) + mats["theta"]
    sigma = (sigma + sigma.transpose(0, 2, 1)) / 2
    c, pd_ok = _cholesky(sigma)
    ok &= pd_ok
    c_inv = np.linalg.inv(c)
    sigma_inv = c_inv.transpose(0, 2, 1) @ c_inv
    logdet = 2.0 * np.sum(np.log(np.diagonal(c, axis1=1, axis2=2)), axis=1)
    return a, la, sigma_inv, logdet, ok
