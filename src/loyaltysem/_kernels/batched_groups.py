r"""ML refits of many samples of one model of G >= 1 blocks at once, on stacked arrays.

A bootstrap refits one model to ``B`` resamples (with several groups, each group
resampled within itself; one group is the case G = 1). Here group ``g``'s ``B``
covariance matrices (``B x p x p``, divisor ``n_g``) and mean vectors (``B x p``) are
stacked, and every step of every draw is a handful of batched numpy products per group:
the implied moments, their Cholesky factors and inverses
(:func:`loyaltysem._kernels.batched.implied`), the group's ML discrepancy

.. math:: F_g = \log|\Sigma_g| + \operatorname{tr}(S_g \Sigma_g^{-1}) - \log|S_g| - p
          + (\bar y_g - \mu_g)' \Sigma_g^{-1} (\bar y_g - \mu_g)

and its gradient, summed over groups with the weights ``n_g / N`` as
:class:`loyaltysem._kernels.multigroup.MultiGroupKernel` sums them (a parameter shared
by several groups, an equality constraint, is one entry of the global vector; each
group's positions are summed into the global entries they use). The optimizer is the
BFGS of the one-by-one refits (:func:`refit_one`, the multi-group
:func:`loyaltysem._kernels.refit.bfgs_refit`: started from the inverse of the Fisher
Hessian ``2 I(x0)``, step halving tolerating rounding-level differences of the
objective, the largest gradient entry below ``tol`` to stop), batched: each draw takes
exactly the steps of its own refit and leaves the batch when it has converged, so
its estimates do not depend on the batch it is in and equal its one-by-one refit to
rounding. One group, with or without a mean structure (``means=None``), is the case
``G = 1`` of the same code (for one group without a mean structure the steps are
:func:`~loyaltysem._kernels.refit.bfgs_refit`'s, to rounding). Draws that fail (sample
covariance singular, implied covariance not positive definite at the start, line search
or iteration limit) are reported, for the caller to refit them one by one.

Fixed.x covariates take their moments from each resample: their fixed matrix entries
are then given per draw (``fixed``). numpy only.

Examples
--------
Two groups of a one-factor model with loadings equal across groups (parameters 0 to 2,
the first loading fixed to 1) and group-specific residual variances, intercepts and
factor variances; five resamples within groups, each draw equal to its own one-by-one
BFGS refit:

>>> import numpy as np
>>> from loyaltysem._kernels.ml import Layout, fisher_scoring
>>> from loyaltysem._kernels.multigroup import MultiGroupKernel
>>> from loyaltysem._kernels.batched_groups import fit_batched_groups, refit_one
>>> e = np.array([], dtype=int)
>>> i4 = np.arange(4)
>>> layout = Layout(4, 1, {"lambda": np.array([[1.0], [0], [0], [0]]),
...                        "beta": np.zeros((1, 1)), "psi": np.zeros((1, 1)),
...                        "theta": np.zeros((4, 4))},
...                 {"lambda": (np.arange(1, 4), np.zeros(3, dtype=int), np.arange(3)),
...                  "beta": (e, e, e), "psi": (np.zeros(1, int), np.zeros(1, int), np.array([3])),
...                  "theta": (i4, i4, i4 + 4), "nu": (i4, np.zeros(4, int), i4 + 8)}, 12)
>>> index = [np.arange(12), np.r_[0:3, 12:21]]
>>> rng = np.random.default_rng(1)
>>> groups = [rng.normal(size=(n, 1)) @ [[1.0, 0.8, 0.7, 0.6]] + 0.6 * rng.normal(size=(n, 4))
...           for n in (150, 120)]
>>> mom = lambda y: (np.cov(y.T, bias=True), y.mean(axis=0))
>>> full = MultiGroupKernel([layout, layout], index, *zip(*map(mom, groups)), [150, 120], 21)
>>> x0 = np.r_[0.8, 0.7, 0.6, 1.0, [0.36] * 4, [0.0] * 4, 1.0, [0.36] * 4, [0.0] * 4]
>>> x0 = fisher_scoring(full, x0)[0]
>>> h0_inv = np.linalg.inv(2 * full.expected_information(full.state(x0)))
>>> draws = [[mom(y[rng.integers(0, len(y), len(y))]) for y in groups] for _ in range(5)]
>>> covs = [np.stack([d[g][0] for d in draws]) for g in (0, 1)]
>>> means = [np.stack([d[g][1] for d in draws]) for g in (0, 1)]
>>> x, converged, _ = fit_batched_groups([layout, layout], index, covs, means, full.weights,
...                                      x0, h0_inv)
>>> bool(converged.all()), x.shape
(True, (5, 21))
>>> one = MultiGroupKernel([layout, layout], index, [covs[0][2], covs[1][2]],
...                        [means[0][2], means[1][2]], [150, 120], 21)
>>> x2 = refit_one(one, x0, h0_inv)[0]
>>> bool(np.allclose(x[2], x2, rtol=0, atol=1e-10))
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from loyaltysem._kernels.batched import implied
from loyaltysem._kernels.ml import COVARIANCE_MATRICES, MATRICES, Layout

__all__ = ["fit_batched_groups", "objective_batched_groups", "refit_one"]


def _bfgs_update(hinv: np.ndarray, s: np.ndarray, y: np.ndarray, sy: np.ndarray) -> None:
    """BFGS updates, in place, of a stack of inverse Hessians (B x q x q) by steps ``s``.

    ``(I - r s y') H (I - r y s') + r s s'`` as the rank-two term ``U C U'`` with
    ``U = [s, Hy]``, ``C = [[r + r^2 y'Hy, -r], [-r, 0]]``, ``r = 1 / s'y``.
    """
    rho = 1.0 / sy
    hy = np.einsum("bij,bj->bi", hinv, y)
    yhy = np.einsum("bi,bi->b", y, hy)
    u = np.stack([s, hy], axis=2)  # B x q x 2
    r = rho[:, None]
    uc = np.stack([s * (r + r * r * yhy[:, None]) - hy * r, -s * r], axis=2)
    hinv += uc @ u.transpose(0, 2, 1)


def refit_one(
    kernel: Any,
    x0: np.ndarray,
    h0_inv: np.ndarray,
    *,
    tol: float = 1e-8,
    max_iter: int = 200,
) -> tuple[np.ndarray, Any, int, bool]:
    """One refit by the steps each draw of :func:`fit_batched_groups` takes.

    BFGS on the inverse Hessian from ``x0`` and ``h0_inv`` (restarted from ``h0_inv``
    when it loses positive definiteness), step halving with Armijo's test tolerating
    objective differences at rounding level (1e-13 relative), stopping when the largest
    gradient entry is below ``tol``: :func:`loyaltysem._kernels.refit.bfgs_refit` for
    any kernel offering ``state``, ``objective`` and ``gradient`` (a
    :class:`~loyaltysem._kernels.multigroup.MultiGroupKernel`, or an
    :class:`~loyaltysem._kernels.ml.MLKernel` with a mean structure).

    Returns
    -------
    x, state, iterations, converged
    """
    x = np.array(x0, dtype=float)
    st = kernel.state(x)
    f = kernel.objective(st)
    if not np.isfinite(f):
        return x, st, 0, False
    g = kernel.gradient(st)
    hinv = np.array(h0_inv, dtype=float)
    for it in range(max_iter):
        if np.max(np.abs(g)) < tol:
            return x, st, it, True
        step = -hinv @ g
        slope = float(g @ step)
        if slope >= 0:  # lost positive definiteness: restart from the initial matrix
            hinv = np.array(h0_inv, dtype=float)
            step = -hinv @ g
            slope = float(g @ step)
        t = 1.0
        while True:
            st_new = kernel.state(x + t * step)
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
            stack = hinv[None].copy()
            _bfgs_update(stack, s[None], y[None], np.array([sy]))
            hinv = stack[0]
        x, st, f, g = x + s, st_new, f_new, g_new
    return x, st, max_iter, bool(np.max(np.abs(g)) < tol)


class _GroupPlan:
    """One group: its layout, the global entries of its positions, and the (I - B)^-1 rule."""

    def __init__(self, layout: Layout, index: np.ndarray, q: int, means: bool) -> None:
        self.layout = layout
        self.index = np.asarray(index, dtype=int)
        self.p = layout.n_obs
        self.means = means
        self.eye_m = np.eye(layout.n_lat)
        self.names = MATRICES if means else COVARIANCE_MATRICES
        # selectors summing each matrix's free positions into the global parameters
        self.selectors: dict[str, np.ndarray] = {}
        for name in self.names:
            local = layout.free[name][2]
            sel = np.zeros((len(local), q))
            if len(local):
                sel[np.arange(len(local)), self.index[np.asarray(local, dtype=int)]] = 1.0
            self.selectors[name] = sel
        # a recursive model's B is nilpotent: (I - B)^-1 = I + B + ... + B^(k-1)
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


@dataclass
class _GroupState:
    """One group's implied moments at a batch of global parameter vectors."""

    mats: dict[str, np.ndarray]
    a: np.ndarray  # B x m x m
    la: np.ndarray  # B x p x m
    sigma_inv: np.ndarray  # B x p x p
    logdet: np.ndarray  # B
    mu: np.ndarray | None  # B x p
    ok: np.ndarray  # B

    def take(self, keep: np.ndarray) -> _GroupState:
        return _GroupState(
            {k: v[keep] for k, v in self.mats.items()},
            self.a[keep],
            self.la[keep],
            self.sigma_inv[keep],
            self.logdet[keep],
            None if self.mu is None else self.mu[keep],
            self.ok[keep],
        )


def _group_state(
    plan: _GroupPlan, xs: np.ndarray, fixed: dict[str, np.ndarray] | None = None
) -> _GroupState:
    """The group's matrices and implied moments at the global vectors ``xs`` (B x q).

    ``fixed``: each draw's fixed values of the matrices (B x r x c; fixed.x covariates'
    moments), instead of the layout's.
    """
    lay = plan.layout
    local = xs[:, plan.index]
    b = len(xs)
    mats = {}
    for name in plan.names:
        if fixed is not None and name in fixed:
            mat = fixed[name].copy()
        else:
            base = lay.fixed[name]
            mat = np.broadcast_to(base, (b, *base.shape)).copy()
        rows, cols, idx = lay.free[name]
        if len(idx):
            mat[:, rows, cols] = local[:, idx]
        mats[name] = mat
    a, la, sigma_inv, logdet, ok = implied(mats, plan.eye_m, plan.nilpotency)
    mu = None
    if plan.means:
        mu = mats["nu"][:, :, 0] + np.einsum("bij,bj->bi", la, mats["alpha"][:, :, 0])
    return _GroupState(mats, a, la, sigma_inv, logdet, mu, ok)


def _group_objective(
    plan: _GroupPlan,
    st: _GroupState,
    s: np.ndarray,
    mean: np.ndarray | None,
    logdet_s: np.ndarray,
) -> np.ndarray:
    # tr(S Sigma^-1) summed as MLKernel.objective sums it (the same rounding, draw by draw)
    f = st.logdet + np.sum(s * st.sigma_inv, axis=(1, 2)) - logdet_s - plan.p
    if st.mu is not None and mean is not None:
        d = mean - st.mu
        f = f + np.einsum("bi,bi->b", np.einsum("bi,bij->bj", d, st.sigma_inv), d)
    return np.where(st.ok, f, np.inf)


def _group_gradient(
    plan: _GroupPlan, st: _GroupState, s: np.ndarray, mean: np.ndarray | None
) -> np.ndarray:
    """The group's gradient of ``F_g`` in the global parameters (B x q)."""
    si = st.sigma_inv
    d = None
    if st.mu is not None and mean is not None:
        d = mean - st.mu
        s = s + d[:, :, None] * d[:, None, :]
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
    if d is not None:
        wd = -2.0 * np.einsum("bij,bj->bi", si, d)  # dF/dmu
        eta = np.einsum("bij,bj->bi", a, st.mats["alpha"][:, :, 0])  # latent means
        law = np.einsum("bji,bj->bi", la, wd)
        grads["nu"] = wd[:, :, None]
        grads["alpha"] = law[:, :, None]
        grads["lambda"] = grads["lambda"] + wd[:, :, None] * eta[:, None, :]
        grads["beta"] = grads["beta"] + law[:, :, None] * eta[:, None, :]
    g = np.zeros((len(si), plan.selectors[plan.names[0]].shape[1]))
    for name in plan.names:
        rows, cols, idx = plan.layout.free[name]
        if len(idx):
            g += grads[name][:, rows, cols] @ plan.selectors[name]
    return g


class _Problem:
    """The draws' stacked sample moments and the joint objective and gradient over groups."""

    def __init__(
        self,
        plans: list[_GroupPlan],
        covs: list[np.ndarray],
        means: list[np.ndarray | None],
        weights: np.ndarray,
        fixed: list[dict[str, np.ndarray] | None] | None = None,
    ) -> None:
        self.plans, self.covs, self.means = plans, covs, means
        self.fixed = [None] * len(plans) if fixed is None else list(fixed)
        self.weights = np.asarray(weights, dtype=float)
        signs, logdets = zip(*(np.linalg.slogdet(c) for c in covs), strict=True)
        self.logdet_s = list(logdets)
        self.regular = np.all(
            [(sg > 0) & np.isfinite(ld) for sg, ld in zip(signs, logdets, strict=True)], axis=0
        )

    def take(self, keep: np.ndarray) -> _Problem:
        out = _Problem.__new__(_Problem)
        out.plans, out.weights = self.plans, self.weights
        out.covs = [c[keep] for c in self.covs]
        out.means = [None if m is None else m[keep] for m in self.means]
        out.fixed = [
            None if fx is None else {k: v[keep] for k, v in fx.items()} for fx in self.fixed
        ]
        out.logdet_s = [ld[keep] for ld in self.logdet_s]
        out.regular = self.regular[keep]
        return out

    def states(self, xs: np.ndarray) -> list[_GroupState]:
        return [_group_state(plan, xs, fx) for plan, fx in zip(self.plans, self.fixed, strict=True)]

    def objective(self, sts: list[_GroupState]) -> np.ndarray:
        """``sum_g (n_g / N) F_g`` of every draw (``inf`` where a group's is)."""
        fs = [
            _group_objective(plan, st, s, m, ld)
            for plan, st, s, m, ld in zip(
                self.plans, sts, self.covs, self.means, self.logdet_s, strict=True
            )
        ]
        f = np.zeros(len(fs[0]))
        for w, fg in zip(self.weights, fs, strict=True):
            f = f + w * fg
        ok = np.all([np.isfinite(fg) for fg in fs], axis=0)
        return np.where(ok, f, np.inf)

    def gradient(self, sts: list[_GroupState]) -> np.ndarray:
        """The gradient of :meth:`objective` in the global parameters (B x q)."""
        g = None
        for plan, st, s, m, w in zip(
            self.plans, sts, self.covs, self.means, self.weights, strict=True
        ):
            part = w * _group_gradient(plan, st, s, m)
            g = part if g is None else g + part
        assert g is not None
        return g


def _plans(
    layouts: Sequence[Layout], index: Sequence[np.ndarray], q: int, means: bool
) -> list[_GroupPlan]:
    return [_GroupPlan(lay, idx, q, means) for lay, idx in zip(layouts, index, strict=True)]


def objective_batched_groups(
    layouts: Sequence[Layout],
    index: Sequence[np.ndarray],
    covs: Sequence[np.ndarray],
    means: Sequence[np.ndarray] | None,
    weights: Sequence[float],
    xs: np.ndarray,
    fixed: Sequence[dict[str, np.ndarray] | None] | None = None,
) -> np.ndarray:
    """The joint ``sum_g (n_g / N) F_g`` of each draw ``b`` at ``xs[b]`` (``inf`` if not PD).

    ``fixed``: per group, each draw's fixed matrix values (B x r x c), or None (the
    layout's), as in :func:`fit_batched_groups`.

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
    >>> objective_batched_groups([layout], [np.arange(2)], [s], None, [1.0],
    ...                          np.array([[2.0, 3.0]])).round(12).tolist()
    [0.0]
    """
    xs = np.asarray(xs, dtype=float)
    mlist = [None] * len(layouts) if means is None else [np.asarray(m, float) for m in means]
    plans = _plans(layouts, index, xs.shape[1], means is not None)
    prob = _Problem(
        plans,
        [np.asarray(c, dtype=float) for c in covs],
        mlist,
        np.asarray(weights),
        None if fixed is None else list(fixed),
    )
    return prob.objective(prob.states(xs))


def fit_batched_groups(
    layouts: Sequence[Layout],
    index: Sequence[np.ndarray],
    covs: Sequence[np.ndarray],
    means: Sequence[np.ndarray] | None,
    weights: Sequence[float],
    x0: np.ndarray,
    h0_inv: np.ndarray,
    *,
    fixed: Sequence[dict[str, np.ndarray] | None] | None = None,
    tol: float = 1e-8,
    max_iter: int = 200,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimise the joint multi-group ML discrepancy of every draw, from one start ``x0``.

    Each draw takes the steps :func:`refit_one` takes for it alone on
    :class:`loyaltysem._kernels.multigroup.MultiGroupKernel` (or on a single-group
    :class:`~loyaltysem._kernels.ml.MLKernel` with a mean structure): BFGS from the
    inverse Hessian ``h0_inv``, step halving and the same stopping rule.

    Parameters
    ----------
    layouts : sequence of Layout
        One per group, with local free indices.
    index : sequence of int arrays
        Per group: the global index (0-based) of each local parameter.
    covs : sequence of ndarray (B x p x p)
        Per group: the draws' sample covariance matrices (divisor ``n_g``).
    means : sequence of ndarray (B x p), or None
        Per group: the draws' sample means (a mean structure), or None (none).
    weights : sequence of float
        ``n_g / N`` per group.
    x0 : ndarray (q,)
        Start of every draw (the full-sample estimates of a bootstrap).
    h0_inv : ndarray (q x q)
        First inverse-Hessian approximation of every draw (the inverse of ``2 I(x0)``,
        the Fisher Hessian of the joint discrepancy: the same for every draw of a
        bootstrap within groups, whose group sizes do not change).
    fixed : sequence of dict, optional
        Per group: each draw's values of the fixed matrix entries (``name`` to a
        B x r x c stack; fixed.x covariates take their moments from each resample), or
        None for the layout's fixed values (the default for every group).
    tol : float, default 1e-8
        A draw has converged when its largest absolute gradient entry is below ``tol``.
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
    h0_inv = np.asarray(h0_inv, dtype=float)
    q = len(h0_inv)
    covs = [np.asarray(c, dtype=float) for c in covs]
    mlist = [None] * len(layouts) if means is None else [np.asarray(m, float) for m in means]
    plans = _plans(layouts, index, q, means is not None)
    full = _Problem(plans, covs, mlist, np.asarray(weights), None if fixed is None else list(fixed))
    n_draws = len(covs[0])
    x = np.broadcast_to(np.asarray(x0, dtype=float), (n_draws, q)).copy()
    converged = np.zeros(n_draws, dtype=bool)
    iterations = np.zeros(n_draws, dtype=int)
    # a singular sample covariance has no ML discrepancy: left to the caller
    active = np.flatnonzero(full.regular)
    prob = full.take(active)
    sts = prob.states(x[active])
    f = prob.objective(sts)
    good = np.isfinite(f)
    active, f, prob = active[good], f[good], prob.take(good)
    sts = [st.take(good) for st in sts]
    g = prob.gradient(sts)
    hinv = np.broadcast_to(h0_inv, (len(active), q, q)).copy()
    for _ in range(max_iter):
        if not len(active):
            break
        done = np.max(np.abs(g), axis=1) < tol
        converged[active[done]] = True
        keep = ~done
        if not keep.all():
            active, f, g, hinv = active[keep], f[keep], g[keep], hinv[keep]
            prob = prob.take(keep)
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
            sub = prob if len(pending) == len(active) else prob.take(pending)
            st_trial = sub.states(trial)
            f_trial = sub.objective(st_trial)
            f_old = f[pending]
            accept = np.isfinite(f_trial) & (
                f_trial <= f_old + 1e-4 * t[pending] * slope[pending] + 1e-13 * np.abs(f_old)
            )
            acc = pending[accept]
            if len(acc):
                f_new[acc] = f_trial[accept]
                if accept.all():
                    g_new[acc] = sub.gradient(st_trial)
                else:
                    g_new[acc] = sub.take(accept).gradient([st.take(accept) for st in st_trial])
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
            if upd.all():
                _bfgs_update(hinv, sv, y, sy)
            else:
                hu = hinv[upd]
                _bfgs_update(hu, sv[upd], y[upd], sy[upd])
                hinv[upd] = hu
        # a draw whose line search failed stops here (not converged: refitted one by one)
        if not alive.all():
            active, hinv = active[alive], hinv[alive]
            prob = prob.take(alive)
        x[active] = x_cur[alive] + sv[alive]
        f, g = f_new[alive], g_new[alive]
    else:
        converged[active[np.max(np.abs(g), axis=1) < tol]] = True
    return x, converged, iterations
