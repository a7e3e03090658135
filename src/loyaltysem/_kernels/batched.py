r"""ML refits of many samples of one model at once, on stacked arrays.

A bootstrap refits one model to ``B`` resamples. One by one, each refit is some twenty
quasi-Newton steps of Python-level work on small matrices. Here the ``B`` sample
covariance matrices are stacked (``B x p x p``) and every step of every draw is a
handful of batched numpy products: the implied covariances, their Cholesky factors and
inverses, the ML discrepancy

.. math:: F_{ML} = \log|\Sigma| + \operatorname{tr}(S \Sigma^{-1}) - \log|S| - p

and its gradient, and the BFGS step and update of each draw's inverse Hessian
(``B x q x q``). Every draw takes exactly the steps of
:func:`loyaltysem._kernels.refit.bfgs_refit` alone: it starts at ``x0`` (the
full-sample estimates) with the inverse Hessian ``h0_inv`` (of the full sample), has its
own step-halving line search, and stops on its own by the stopping rule of
:func:`loyaltysem.fit` (largest gradient entry below ``tol``), after which it leaves the
active set. So a draw's estimates do not depend on the batch it is in, and equal its
one-by-one refit to rounding. Draws that fail (implied covariance not positive definite,
line search or iteration limit) are reported, for the caller to refit them one by one.

Fisher scoring (Gauss–Newton) steps, batched the same way, were measured first on
Political Democracy: they converge linearly when the model does not fit exactly (median
23 steps, up to 190, each with a ``q x q`` information per draw) and stop at another
point within the tolerance (estimates 7e-7 away from the one-by-one refits), so the
batch follows the refits' own BFGS instead.

Covariance structure only (no mean structure), the layout the same for every draw (no
fixed.x rows taking their values from each sample). numpy only.

Examples
--------
A one-factor model of four indicators refitted to five resamples, each draw equal to its
own one-by-one BFGS refit:

>>> import numpy as np
>>> from loyaltysem._kernels.ml import Layout, MLKernel
>>> from loyaltysem._kernels.batched import fit_batched
>>> from loyaltysem._kernels.refit import bfgs_refit
>>> e = np.array([], dtype=int)
>>> layout = Layout(4, 1, {"lambda": np.zeros((4, 1)), "beta": np.zeros((1, 1)),
...                        "psi": np.ones((1, 1)), "theta": np.zeros((4, 4))},
...                 {"lambda": (np.arange(4), np.zeros(4, dtype=int), np.arange(4)),
...                  "beta": (e, e, e), "psi": (e, e, e),
...                  "theta": (np.arange(4), np.arange(4), np.arange(4, 8))}, 8)
>>> rng = np.random.default_rng(1)
>>> y = rng.normal(size=(200, 1)) @ [[0.8, 0.7, 0.6, 0.5]] + 0.5 * rng.normal(size=(200, 4))
>>> covs = np.stack([np.cov(y[rng.integers(0, 200, 200)].T, bias=True) for _ in range(5)])
>>> x0 = np.array([0.7] * 4 + [0.3] * 4)
>>> full = MLKernel(layout, np.cov(y.T, bias=True))
>>> h0_inv = np.linalg.inv(2 * full.expected_information(full.state(x0)))
>>> x, converged, iterations = fit_batched(layout, covs, x0, h0_inv)
>>> bool(converged.all()), x.shape
(True, (5, 8))
>>> x1, _, _, _ = bfgs_refit(MLKernel(layout, covs[1]), x0, h0_inv)
>>> bool(np.allclose(x[1], x1, rtol=0, atol=1e-12))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loyaltysem._kernels.ml import COVARIANCE_MATRICES, Layout

__all__ = ["BatchedState", "fit_batched", "objective_batched"]


@dataclass
class BatchedState:
    """Implied moments of a batch of parameter vectors (``B`` draws)."""

    x: np.ndarray  # B x q
    mats: dict[str, np.ndarray]  # each B x r x c
    a: np.ndarray  # B x m x m, (I - B)^-1
    la: np.ndarray  # B x p x m
    sigma_inv: np.ndarray  # B x p x p
    logdet: np.ndarray  # B
    ok: np.ndarray  # B, bool: Sigma positive definite


class _Plan:
    """What does not change between steps: the selectors summing positions into parameters."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.q = layout.n_free
        self.p = layout.n_obs
        self.eye_m = np.eye(layout.n_lat)
        self.selectors: dict[str, np.ndarray] = {}
        for name in COVARIANCE_MATRICES:
            idx = layout.free[name][2]
            sel = np.zeros((len(idx), self.q))
            sel[np.arange(len(idx)), idx] = 1.0
            self.selectors[name] = sel
        # a recursive model's B is nilpotent: (I - B)^-1 = I + B + ... + B^(k-1), k the
        # length of its longest chain of regressions plus one (None: B has a cycle)
        rows, cols, _ = layout.free["beta"]
        pattern = layout.fixed["beta"] != 0
        pattern[rows, cols] = True
        power = np.eye(layout.n_lat, dtype=bool)
        self.nilpotency: int | None = None
        for k in range(1, layout.n_lat + 2):
            power = (power.astype(int) @ pattern.astype(int)) > 0
            if not power.any():
                self.nilpotency = k
                break


def _matrices(layout: Layout, xs: np.ndarray) -> dict[str, np.ndarray]:
    b = xs.shape[0]
    out = {}
    for name in COVARIANCE_MATRICES:
        base = layout.fixed[name]
        mat = np.broadcast_to(base, (b, *base.shape)).copy()
        rows, cols, idx = layout.free[name]
        if len(idx):
            mat[:, rows, cols] = xs[:, idx]
        out[name] = mat
    return out


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


def _state(plan: _Plan, xs: np.ndarray) -> BatchedState:
    mats = _matrices(plan.layout, xs)
    a, la, sigma_inv, logdet, ok = implied(mats, plan.eye_m, plan.nilpotency)
    return BatchedState(xs, mats, a, la, sigma_inv, logdet, ok)


def implied(
    mats: dict[str, np.ndarray], eye_m: np.ndarray, nilpotency: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each draw's ``(I - B)^-1``, ``Lambda (I - B)^-1``, ``Sigma^-1``, ``log|Sigma|``, ok.

    ``ok`` is false for a draw whose ``I - B`` is singular or whose ``Sigma`` is not
    positive definite. Shared by the one-group and the several-group batches.
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


def _objective(plan: _Plan, st: BatchedState, s: np.ndarray, logdet_s: np.ndarray) -> np.ndarray:
    # tr(S Sigma^-1) summed as MLKernel.objective sums it (the same rounding, draw by draw)
    f = st.logdet + np.sum(s * st.sigma_inv, axis=(1, 2)) - logdet_s - plan.p
    return np.where(st.ok, f, np.inf)


def _gradient(plan: _Plan, st: BatchedState, s: np.ndarray) -> np.ndarray:
    si = st.sigma_inv
    w = si - si @ s @ si
    a, la, psi = st.a, st.la, st.mats["psi"]
    psi_at = psi @ a.transpose(0, 2, 1)
    wla = w @ la
    lwla = la.transpose(0, 2, 1) @ wla
    grads = {
        "lambda": 2.0 * wla @ psi_at,
        "psi": lwla,
        "theta": w,
        "beta": 2.0 * lwla @ psi_at,
    }
    g = np.zeros((len(si), plan.q))
    for name in COVARIANCE_MATRICES:
        rows, cols, idx = plan.layout.free[name]
        if len(idx):
            g += grads[name][:, rows, cols] @ plan.selectors[name]
    return g


def objective_batched(layout: Layout, covs: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """``F_ML`` of each sample covariance ``covs[b]`` at ``xs[b]`` (``inf`` if not PD).

    Examples
    --------
    >>> import numpy as np
    >>> from loyaltysem._kernels.ml import Layout
    >>> e = (np.array([], dtype=int),) * 3
    >>> layout = Layout(2, 1, {"lambda": np.zeros((2, 1)), "beta": np.zeros((1, 1)),
    ...     "psi": np.zeros((1, 1)), "theta": np.zeros((2, 2))},
    ...     {"lambda": e, "beta": e, "psi": e,
    ...      "theta": (np.array([0, 1]), np.array([0, 1]), np.array([0, 1]))}, 2)
    >>> s = np.diag([2.0, 3.0])[None]
    >>> objective_batched(layout, s, np.array([[2.0, 3.0]])).round(12).tolist()
    [0.0]
    """
    plan = _Plan(layout)
    covs = np.asarray(covs, dtype=float)
    logdet_s = np.linalg.slogdet(covs)[1]
    return _objective(plan, _state(plan, np.asarray(xs, dtype=float)), covs, logdet_s)


def fit_batched(
    layout: Layout,
    covs: np.ndarray,
    x0: np.ndarray,
    h0_inv: np.ndarray,
    *,
    tol: float = 1e-8,
    max_iter: int = 200,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimise ``F_ML`` for every sample covariance of a stack, from one start ``x0``.

    Each draw takes the steps :func:`loyaltysem._kernels.refit.bfgs_refit` takes for it
    alone (BFGS from the inverse Hessian ``h0_inv``, the same line search and stopping
    rule), so a draw's estimates do not depend on the other draws of the batch.

    Parameters
    ----------
    layout : Layout
        The model (covariance structure only).
    covs : ndarray (B x p x p)
        Sample covariance matrices (divisor N), one per draw.
    x0 : ndarray (q,)
        Start of every draw (the full-sample estimates of a bootstrap).
    h0_inv : ndarray (q x q)
        First inverse-Hessian approximation of every draw (the inverse of the Fisher
        Hessian ``2 I`` at ``x0`` for the full sample).
    tol : float, default 1e-8
        A draw has converged when its largest absolute gradient entry is below ``tol``
        (the rule of :func:`loyaltysem.fit` and of the one-by-one refits).
    max_iter : int, default 200
        BFGS steps at most.

    Returns
    -------
    x : ndarray (B x q)
        The estimates (the last iterate of a draw that did not converge).
    converged : ndarray of bool (B,)
        Draws that met the stopping rule; the others are to be refitted one by one.
    iterations : ndarray of int (B,)
        Steps taken by each draw.
    """
    plan = _Plan(layout)
    covs = np.asarray(covs, dtype=float)
    h0_inv = np.asarray(h0_inv, dtype=float)
    n_draws, q = len(covs), plan.q
    sign, logdet_s = np.linalg.slogdet(covs)
    x = np.broadcast_to(np.asarray(x0, dtype=float), (n_draws, q)).copy()
    converged = np.zeros(n_draws, dtype=bool)
    iterations = np.zeros(n_draws, dtype=int)
    # a singular sample covariance has no ML discrepancy: left to the caller
    active = np.flatnonzero((sign > 0) & np.isfinite(logdet_s))
    st = _state(plan, x[active])
    f = _objective(plan, st, covs[active], logdet_s[active])
    good = np.isfinite(f)
    active, f, st = active[good], f[good], _take(st, good)
    s, lds = covs[active], logdet_s[active]
    g = _gradient(plan, st, s)
    hinv = np.broadcast_to(h0_inv, (len(active), q, q)).copy()
    for _ in range(max_iter):
        if not len(active):
            break
        done = np.max(np.abs(g), axis=1) < tol
        converged[active[done]] = True
        keep = ~done
        if not keep.all():
            active, s, lds, f, g = active[keep], s[keep], lds[keep], f[keep], g[keep]
            hinv = hinv[keep]
        if not len(active):
            break
        step = -np.einsum("bij,bj->bi", hinv, g)
        slope = np.einsum("bi,bi->b", g, step)
        lost = slope >= 0  # lost positive definiteness: restart from the initial matrix
        if lost.any():
            hinv[lost] = h0_inv
            step[lost] = -(g[lost] @ h0_inv.T)
            slope[lost] = np.einsum("bi,bi->b", g[lost], step[lost])
        x_cur = x[active]
        t = np.ones(len(active))
        alive = np.ones(len(active), dtype=bool)
        f_new = np.empty(len(active))
        g_new = np.empty_like(g)
        pending = np.arange(len(active))
        while len(pending):  # step halving, each draw on its own
            trial = x_cur[pending] + t[pending, None] * step[pending]
            st_trial = _state(plan, trial)
            f_trial = _objective(plan, st_trial, s[pending], lds[pending])
            f_old = f[pending]
            accept = np.isfinite(f_trial) & (
                f_trial <= f_old + 1e-4 * t[pending] * slope[pending] + 1e-13 * np.abs(f_old)
            )
            acc = pending[accept]
            if len(acc):
                f_new[acc] = f_trial[accept]
                g_new[acc] = _gradient(plan, _take(st_trial, accept), s[acc])
            rest = pending[~accept]
            t[rest] /= 2.0
            small = t[rest] < 1e-10
            alive[rest[small]] = False
            pending = rest[~small]
        iterations[active] += 1
        sv = t[:, None] * step
        y = g_new - g
        sy = np.einsum("bi,bi->b", sv, y)
        upd = alive & (sy > 1e-16)
        if upd.any():
            # the BFGS update (I - r s y') H (I - r y s') + r s s' as a rank-two term
            # U C U' with U = [s, Hy], C = [[r + r^2 y'Hy, -r], [-r, 0]]
            rho = 1.0 / sy[upd]
            hu = hinv if upd.all() else hinv[upd]
            hy = np.einsum("bij,bj->bi", hu, y[upd])
            yhy = np.einsum("bi,bi->b", y[upd], hy)
            u = np.stack([sv[upd], hy], axis=2)  # B x q x 2
            r = rho[:, None]
            uc = np.stack(
                [u[:, :, 0] * (r + r * r * yhy[:, None]) - u[:, :, 1] * r, -u[:, :, 0] * r], axis=2
            )
            if upd.all():
                hinv += uc @ u.transpose(0, 2, 1)
            else:
                hinv[upd] = hu + uc @ u.transpose(0, 2, 1)
        # a draw whose line search failed stops here (not converged: refitted one by one)
        if not alive.all():
            active, s, lds, hinv = active[alive], s[alive], lds[alive], hinv[alive]
        x[active] = x_cur[alive] + sv[alive]
        f, g = f_new[alive], g_new[alive]
    else:
        converged[active[np.max(np.abs(g), axis=1) < tol]] = True
    return x, converged, iterations


def _take(st: BatchedState, keep: np.ndarray) -> BatchedState:
    return BatchedState(
        st.x[keep],
        {k: v[keep] for k, v in st.mats.items()},
        st.a[keep],
        st.la[keep],
        st.sigma_inv[keep],
        st.logdet[keep],
        st.ok[keep],
    )
