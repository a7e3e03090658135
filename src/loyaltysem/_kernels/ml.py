"""Maximum-likelihood kernel for covariance-structure models (numpy/scipy only).

The model is written in the LISREL "all-y" form used by lavaan::

    Sigma(x) = Lambda A Psi A' Lambda' + Theta,   A = (I - B)^-1

with ``Lambda`` (p x m) loadings, ``B`` (m x m) regressions among latent variables
(observed variables in structural relations are carried by single-indicator
phantom latents), ``Psi`` (m x m) latent (residual) covariances and ``Theta``
(p x p) residual covariances of the observed variables. Each free parameter ``x[k]``
sits at one or more matrix positions; symmetric parameters list both ``(r, c)`` and
``(c, r)``; equality constraints share an index.

The discrepancy is lavaan's ML fit function with the biased sample covariance
``S`` (divisor N)::

    F_ML = log|Sigma| + tr(S Sigma^-1) - log|S| - p,

and lavaan reports ``fmin = F_ML / 2``, ``chisq = N * F_ML``. With a mean structure
(sample means ``ybar``) the implied means are ``mu = nu + Lambda A alpha`` and
``F_ML`` gains ``(ybar - mu)' Sigma^-1 (ybar - mu)``. Standard errors come
from the expected (Fisher) information ``0.5 * Delta' (Sigma^-1 kron Sigma^-1) Delta``
divided by N (lavaan ``information = "expected"``).

References
----------
Jöreskog, K. G. (1969). A general approach to confirmatory maximum likelihood factor
analysis. Psychometrika, 34(2), 183-202.
Bollen, K. A. (1989). Structural Equations with Latent Variables. Wiley, ch. 4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg

from loyaltysem._kernels.optimizer import optimize

__all__ = ["FitState", "Layout", "MLKernel", "fisher_scoring", "inverse_i_minus_b"]

_potrf, _potri = linalg.lapack.get_lapack_funcs(("potrf", "potri"), (np.zeros(1),))

#: The one optimizer of every kernel (:func:`loyaltysem._kernels.optimizer.optimize`),
#: by its old name.
fisher_scoring = optimize

MATRICES = ("lambda", "beta", "psi", "theta", "nu", "alpha")
COVARIANCE_MATRICES = ("lambda", "beta", "psi", "theta")


@dataclass(frozen=True)
class Layout:
    """Where each free parameter sits in the four model matrices.

    Parameters
    ----------
    n_obs, n_lat : int
        Number of observed (p) and latent (m, incl. phantom) variables.
    fixed : dict of str to ndarray
        ``lambda`` (p x m), ``beta`` (m x m), ``psi`` (m x m), ``theta`` (p x p),
        ``nu`` (p x 1, observed intercepts) and ``alpha`` (m x 1, latent means and
        intercepts): the fixed values (zeros where parameters are free).
    free : dict of str to tuple of three int arrays
        ``(rows, cols, index)`` per matrix: position and parameter index of every
        free entry (symmetric matrices list both triangles).
    n_free : int
        Number of free parameters.
    """

    n_obs: int
    n_lat: int
    fixed: dict[str, np.ndarray]
    free: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    n_free: int

    def __post_init__(self) -> None:
        # layouts without a mean structure may leave out nu and alpha
        empty = np.array([], dtype=int)
        self.fixed.setdefault("nu", np.zeros((self.n_obs, 1)))
        self.fixed.setdefault("alpha", np.zeros((self.n_lat, 1)))
        for name in ("nu", "alpha"):
            self.free.setdefault(name, (empty, empty, empty))

    def matrices(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Fill the model matrices with the parameter vector ``x``.

        The six matrices are views into one buffer, filled by one copy of the fixed
        values and one scatter of ``x`` (:func:`_plan`): the same numbers as filling each
        matrix in turn, with a fraction of the per-call overhead.
        """
        plan = _plan(self)
        buf = plan.base.copy()
        buf[plan.positions] = x[plan.index]
        return {name: buf[start:stop].reshape(shape) for name, start, stop, shape in plan.slices}


@dataclass(frozen=True)
class _Plan:
    """What a layout's evaluations need beyond ``x``, made once per layout.

    ``base`` holds the fixed values of the six matrices one after another (``slices``:
    name, start, stop, shape), ``positions`` the flat position of every free entry in it
    and ``index`` its parameter. ``nilpotency`` is ``k`` when ``B`` (its free and fixed
    non-zero pattern) has no cycle, so that ``B^k = 0`` and ``(I - B)^-1 = I + B + ... +
    B^(k-1)``; ``None`` when it has one. ``grad_positions`` and ``grad_index`` are the
    free entries of the covariance matrices, for the gradient.
    """

    base: np.ndarray
    slices: tuple[tuple[str, int, int, tuple[int, int]], ...]
    positions: np.ndarray
    index: np.ndarray
    nilpotency: int | None
    has_free: frozenset[str]
    grad_positions: np.ndarray
    grad_index: np.ndarray
    grad_size: int


def inverse_i_minus_b(layout: Layout, beta: np.ndarray) -> np.ndarray:
    """``(I - B)^-1`` for one ``B`` (m x m) or a stack (k x m x m) of ``layout``'s model.

    A recursive model's ``B`` is nilpotent (``B^k = 0``, :class:`_Plan`), and the inverse
    is the finite series ``I + B + ... + B^(k-1)`` (Horner's rule: a few small products
    instead of an LU factorization per matrix); ``np.linalg.inv`` otherwise.

    Raises
    ------
    numpy.linalg.LinAlgError
        ``I - B`` is singular (a non-recursive model only).

    Examples
    --------
    >>> import numpy as np
    >>> e = np.array([], dtype=int)
    >>> layout = Layout(1, 3, {"lambda": np.zeros((1, 3)), "beta": np.zeros((3, 3)),
    ...                        "psi": np.eye(3), "theta": np.zeros((1, 1))},
    ...                 {"lambda": (e, e, e), "psi": (e, e, e), "theta": (e, e, e),
    ...                  "beta": (np.array([1, 2]), np.array([0, 1]), np.array([0, 1]))}, 2)
    >>> beta = np.array([[0.0, 0, 0], [0.5, 0, 0], [0, 2.0, 0]])
    >>> bool(np.allclose(inverse_i_minus_b(layout, beta), np.linalg.inv(np.eye(3) - beta)))
    True
    """
    eye = np.eye(layout.n_lat)
    nilpotency = _plan(layout).nilpotency
    if nilpotency is None:
        return np.linalg.inv(eye - beta)
    a = np.broadcast_to(eye, beta.shape).copy()
    for _ in range(nilpotency - 1):
        a = eye + beta @ a
    return a


def _plan(layout: Layout) -> _Plan:
    """The :class:`_Plan` of ``layout`` (cached on it: the layout is immutable)."""
    cached = layout.__dict__.get("_plan")
    if cached is not None:
        return cached
    parts, slices, positions, index = [], [], [], []
    grad_positions, grad_index = [], []
    start = 0
    for name in MATRICES:
        fixed = np.asarray(layout.fixed[name], dtype=float)
        rows, cols, idx = layout.free[name]
        stop = start + fixed.size
        flat = (
            start
            + np.asarray(rows, dtype=np.intp) * fixed.shape[1]
            + np.asarray(cols, dtype=np.intp)
        )
        parts.append(fixed.ravel())
        slices.append((name, start, stop, fixed.shape))
        positions.append(flat)
        index.append(np.asarray(idx, dtype=np.intp))
        if name in COVARIANCE_MATRICES:
            grad_positions.append(flat)
            grad_index.append(np.asarray(idx, dtype=np.intp))
        start = stop
    # a recursive model's B is nilpotent: B^k = 0 for k one more than its longest chain
    rows, cols, _ = layout.free["beta"]
    pattern = np.asarray(layout.fixed["beta"]) != 0
    pattern[rows, cols] = True
    power = np.eye(layout.n_lat, dtype=bool)
    nilpotency: int | None = None
    for k in range(1, layout.n_lat + 2):
        power = (power.astype(np.intp) @ pattern.astype(np.intp)) > 0
        if not power.any():
            nilpotency = k
            break
    plan = _Plan(
        base=np.concatenate(parts),
        slices=tuple(slices),
        positions=np.concatenate(positions),
        index=np.concatenate(index),
        nilpotency=nilpotency,
        has_free=frozenset(name for name in MATRICES if len(layout.free[name][2])),
        grad_positions=np.concatenate(grad_positions),
        grad_index=np.concatenate(grad_index),
        grad_size=slices[len(COVARIANCE_MATRICES) - 1][2],
    )
    layout.__dict__["_plan"] = plan
    return plan


@dataclass
class FitState:
    """Quantities at one parameter vector, computed once and reused."""

    x: np.ndarray
    mats: dict[str, np.ndarray]
    a: np.ndarray  # (I - B)^-1
    la: np.ndarray  # Lambda A
    sigma: np.ndarray
    sigma_inv: np.ndarray
    logdet: float
    ok: bool
    mu: np.ndarray | None = None  # nu + Lambda A alpha (mean structure only)
    # the kernel that made the state, and its objective and gradient there once evaluated
    # (the optimizer and the convergence check ask for them again at the same point)
    owner: object = field(default=None, repr=False, compare=False)
    f: float | None = field(default=None, repr=False, compare=False)
    g: np.ndarray | None = field(default=None, repr=False, compare=False)


class MLKernel:
    """ML objective, gradient and expected information for one layout and one S.

    Parameters
    ----------
    layout : Layout
    s : ndarray (p x p)
        Sample covariance with divisor N.
    """

    def __init__(self, layout: Layout, s: np.ndarray, mean: np.ndarray | None = None) -> None:
        self.layout = layout
        self.s = np.asarray(s, dtype=float)
        self.p = layout.n_obs
        sign, logdet_s = np.linalg.slogdet(self.s)
        self.logdet_s = logdet_s if sign > 0 else np.nan
        self._eye_m = np.eye(layout.n_lat)
        self._eye_m.flags.writeable = False  # A of a model without regressions: shared
        self._diag = np.diag_indices(self.p)
        self._plan = _plan(layout)
        # mean structure: the sample means enter the discrepancy
        self.mean = None if mean is None else np.asarray(mean, dtype=float).ravel()

    def __setstate__(self, state: dict[str, object]) -> None:
        """Unpickle; a kernel pickled before the layout plan existed gets it made."""
        self.__dict__.update(state)
        if "_plan" not in state:
            self._plan = _plan(self.layout)

    # ------------------------------------------------------------------ state
    def state(self, x: np.ndarray) -> FitState:
        """Evaluate the implied covariance (and its inverse) at ``x``."""
        mats = self.layout.matrices(x)
        nilpotency = self._plan.nilpotency
        if nilpotency == 1:  # no regressions among the latent variables: A = I
            a, la = self._eye_m, mats["lambda"]
        else:
            beta = mats["beta"]
            if nilpotency is not None:
                # recursive: (I - B)^-1 = I + B + ... + B^(k-1), by Horner's rule
                a = self._eye_m + beta
                for _ in range(nilpotency - 2):
                    a = self._eye_m + beta @ a
            else:
                try:
                    a = np.linalg.inv(self._eye_m - beta)
                except np.linalg.LinAlgError:
                    return FitState(
                        x,
                        mats,
                        self._eye_m,
                        mats["lambda"],
                        np.full((self.p, self.p), np.nan),
                        np.full((self.p, self.p), np.nan),
                        np.nan,
                        False,
                    )
            la = mats["lambda"] @ a
        sigma = la @ mats["psi"] @ la.T
        sigma += mats["theta"]
        sigma = (sigma + sigma.T) / 2
        # LAPACK's Cholesky factor and inverse from it (dpotrf, dpotri) directly: the
        # scipy wrappers cost more than the factorization of a p x p matrix
        c, info = _potrf(sigma, lower=1)  # the strict upper triangle of c is set to 0
        if info == 0:
            inv_lower, info = _potri(c, lower=1)  # fills the lower triangle only
        logdet = 2.0 * float(np.log(c.diagonal()).sum()) if info == 0 else math.nan
        if not math.isfinite(logdet):  # also a factor with a non-finite diagonal
            return FitState(x, mats, a, la, sigma, np.full_like(sigma, np.nan), np.nan, False)
        sigma_inv = inv_lower + inv_lower.T
        diag = inv_lower.diagonal()
        np.fill_diagonal(sigma_inv, diag)
        mu = None if self.mean is None else self._mu(mats, la, a)
        return FitState(x, mats, a, la, sigma, sigma_inv, logdet, True, mu, self)

    def _mu(self, mats: dict[str, np.ndarray], la: np.ndarray, a: np.ndarray) -> np.ndarray | None:
        """Implied means ``nu + Lambda A alpha`` (None without a mean structure)."""
        if self.mean is None:
            return None
        return mats["nu"][:, 0] + la @ mats["alpha"][:, 0]

    def _mean_residual(self, st: FitState) -> np.ndarray | None:
        if self.mean is None:
            return None
        mu = st.mu if st.mu is not None else self._mu(st.mats, st.la, st.a)
        return self.mean - mu

    def objective(self, st: FitState) -> float:
        """F_ML at the state (``inf`` where Sigma is not positive definite)."""
        if not st.ok:
            return np.inf
        if st.f is not None and st.owner is self:
            return st.f
        f = float(st.logdet + np.sum(self.s * st.sigma_inv) - self.logdet_s - self.p)
        d = self._mean_residual(st)
        if d is not None:
            f += float(d @ st.sigma_inv @ d)
        if st.owner is self:
            st.f = f
        return f

    def gradient(self, st: FitState) -> np.ndarray:
        """Analytic gradient of F_ML with respect to the free parameters."""
        if st.g is not None and st.owner is self:
            return st.g.copy()  # a copy: callers may change theirs
        g = self._gradient(st)
        if st.owner is self:
            st.g = g.copy()
        return g

    def _gradient(self, st: FitState) -> np.ndarray:
        d = self._mean_residual(st)
        s = self.s if d is None else self.s + np.outer(d, d)
        w = st.sigma_inv - st.sigma_inv @ s @ st.sigma_inv
        mats, a, la = st.mats, st.a, st.la
        plan = self._plan
        free = plan.has_free
        wla = w @ la  # p x m
        lwla = la.T @ wla
        psi_at = mats["psi"] @ a.T
        # each matrix's derivative written where the matrix sits in the layout's buffer
        # (only matrices with free entries), then one gather and one sum over positions
        buf = np.empty(plan.base.size if d is not None else plan.grad_size)
        views = {name: buf[lo:hi].reshape(shape) for name, lo, hi, shape in plan.slices[:4]}
        if "lambda" in free or d is not None:
            np.matmul(2.0 * wla, psi_at, out=views["lambda"])
        if "beta" in free or d is not None:
            np.matmul(2.0 * lwla, psi_at, out=views["beta"])
        views["psi"][...] = lwla
        views["theta"][...] = w
        if d is not None:
            # d/dx of (ybar - mu)' Sigma^-1 (ybar - mu), mu = nu + Lambda A alpha
            wd = -2.0 * (st.sigma_inv @ d)  # dF/dmu
            eta = a @ mats["alpha"][:, 0]  # A alpha: latent means
            law = la.T @ wd
            (_, lo_nu, hi_nu, _), (_, lo_al, hi_al, _) = plan.slices[4:]
            buf[lo_nu:hi_nu] = wd
            buf[lo_al:hi_al] = law
            views["lambda"] += np.outer(wd, eta)
            views["beta"] += np.outer(law, eta)
            positions, index = plan.positions, plan.index
        else:
            positions, index = plan.grad_positions, plan.grad_index
        return np.bincount(index, weights=buf[positions], minlength=self.layout.n_free)

    def _selector(self, name: str) -> np.ndarray:
        """0/1 matrix (free positions of a matrix x q): sums positions into parameters."""
        cache = self.__dict__.setdefault("_selectors", {})
        if name not in cache:
            idx = self.layout.free[name][2]
            sel = np.zeros((len(idx), self.layout.n_free))
            sel[np.arange(len(idx)), idx] = 1.0
            cache[name] = sel
        return cache[name]

    def gradient_batch(self, xs: np.ndarray) -> np.ndarray:
        """:meth:`gradient` at each row of ``xs`` (B x q), as stacked matrix products.

        Used for the numerical observed information (2q gradients at once): one
        batched inverse, Cholesky-free ``inv`` and a handful of batched products
        instead of 2q Python-level evaluations.
        """
        xs = np.atleast_2d(xs)
        b = xs.shape[0]
        mats = {}
        for name in MATRICES:
            base = self.layout.fixed[name]
            m = np.broadcast_to(base, (b, *base.shape)).copy()
            rows, cols, idx = self.layout.free[name]
            if len(idx):
                m[:, rows, cols] = xs[:, idx]
            mats[name] = m
        a = np.linalg.inv(self._eye_m[None] - mats["beta"])
        la = mats["lambda"] @ a
        psi = mats["psi"]
        sigma = la @ psi @ la.transpose(0, 2, 1) + mats["theta"]
        si = np.linalg.inv((sigma + sigma.transpose(0, 2, 1)) / 2)
        s = np.broadcast_to(self.s, si.shape)
        if self.mean is not None:
            mu = mats["nu"][:, :, 0] + np.einsum("bij,bj->bi", la, mats["alpha"][:, :, 0])
            d = self.mean[None] - mu
            s = s + d[:, :, None] * d[:, None, :]
        w = si - si @ s @ si
        wla = w @ la
        psi_at = psi @ a.transpose(0, 2, 1)
        lwla = la.transpose(0, 2, 1) @ wla
        grads = {
            "lambda": 2.0 * wla @ psi_at,
            "psi": lwla,
            "theta": w,
            "beta": 2.0 * lwla @ psi_at,
        }
        if self.mean is not None:
            wd = -2.0 * np.einsum("bij,bj->bi", si, d)
            eta = np.einsum("bij,bj->bi", a, mats["alpha"][:, :, 0])
            law = np.einsum("bji,bj->bi", la, wd)
            grads["nu"] = wd[:, :, None]
            grads["alpha"] = law[:, :, None]
            grads["lambda"] = grads["lambda"] + wd[:, :, None] * eta[:, None, :]
            grads["beta"] = grads["beta"] + law[:, :, None] * eta[:, None, :]
        g = np.zeros((b, self.layout.n_free))
        for name in MATRICES if self.mean is not None else COVARIANCE_MATRICES:
            rows, cols, idx = self.layout.free[name]
            if len(idx):
                g += grads[name][:, rows, cols] @ self._selector(name)
        return g

    def observed_information(self, st: FitState, h: float = 1e-6) -> np.ndarray:
        """Unit observed information: the Hessian of ``F_ML / 2`` at the state.

        Without a mean structure it is analytic: the derivative of each gradient
        formula along every parameter at once (batched over parameters), with
        ``dA = A dB A``, ``d(LA) = dLambda A + LA dB A``, ``dW = -W dSigma W`` and
        ``dG = dW - dW S W - W S dW`` for ``G = W - W S W``. With a mean structure it
        is the central difference of the analytic gradient (lavaan's
        ``lav_model_hessian`` is numerical too), evaluated as one batch.
        """
        q = self.layout.n_free
        if self.mean is not None:
            shifts = h * np.eye(q)
            g = self.gradient_batch(np.vstack([st.x + shifts, st.x - shifts])) / 2.0
            out = (g[:q] - g[q:]).T / (2.0 * h)
            return (out + out.T) / 2.0
        p, m = self.p, self.layout.n_lat
        d = {
            "lambda": np.zeros((q, p, m)),
            "beta": np.zeros((q, m, m)),
            "psi": np.zeros((q, m, m)),
            "theta": np.zeros((q, p, p)),
        }
        for name, arr in d.items():
            rows, cols, idx = self.layout.free[name]
            if len(idx):
                np.add.at(arr, (idx, rows, cols), 1.0)
        mats, a, la, w = st.mats, st.a, st.la, st.sigma_inv
        psi = mats["psi"]
        wsw = w @ self.s @ w
        g = w - wsw
        tr = _transpose
        ab = _rmul(d["beta"], a)  # dB A
        da = _lmul(a, ab)  # A dB A
        dla = _rmul(d["lambda"], a) + _lmul(la, ab)
        lpa = la @ psi @ a.T  # p x m
        dlpa = _rmul(dla, psi @ a.T) + _lmul(la, _rmul(d["psi"], a.T)) + tr(_rmul(da, psi @ la.T))
        half = _rmul(dla, psi @ la.T)
        dsigma = half + tr(half) + _lmul(la, _rmul(d["psi"], la.T)) + d["theta"]
        # dG = -W dS W + W dS (WSW) + (WSW) dS W, with W dS = (dS W)' (both symmetric)
        x_ = tr(_rmul(dsigma, w))  # W dS
        dg = -_rmul(x_, w)
        z = _rmul(x_, wsw)
        dg += z + tr(z)
        glpa = g @ lpa
        gla = g @ la
        dgrads = {
            "lambda": 2.0 * (_rmul(dg, lpa) + _lmul(g, dlpa)),
            "psi": tr(_lmul(gla.T, dla)) + _lmul(la.T, _rmul(dg, la)) + _lmul(la.T @ g, dla),
            "theta": dg,
            "beta": 2.0
            * (tr(_lmul(glpa.T, dla)) + _lmul(la.T, _rmul(dg, lpa)) + _lmul(la.T @ g, dlpa)),
        }
        out = np.zeros((q, q))
        for name in COVARIANCE_MATRICES:
            rows, cols, _ = self.layout.free[name]
            if len(rows):
                out += dgrads[name][:, rows, cols] @ self._selector(name)
        out = out.T / 2.0  # [k, l]: d grad_k / d x_l, of F / 2
        return (out + out.T) / 2.0

    def scores(self, st: FitState, values: np.ndarray) -> np.ndarray:
        r"""Casewise scores: each row's derivatives of its log-likelihood, (N, q).

        With :math:`d_i = y_i - \mu` (the implied means with a mean structure, else the
        sample means) and :math:`W = \Sigma^{-1}`, row :math:`i` is
        :math:`\tfrac12 \operatorname{tr}\{(W d_i d_i^\top W - W)\, \partial\Sigma /
        \partial x\} + d_i^\top W\, \partial\mu / \partial x` (lavaan ``lavScores``,
        ``estfun.lavaan``). Their mean cross product is the first-order information of
        MLR's sandwich, and their sum is ``-N/2`` times the gradient of ``F``.

        Parameters
        ----------
        st : FitState
            The state at the estimates.
        values : ndarray (N, p)
            The respondents' answers, in the kernel's variable order.
        """
        values = np.asarray(values, dtype=float)
        means = self.mean is not None and st.mu is not None
        w = st.sigma_inv
        rw = (values - (st.mu if means else values.mean(axis=0))) @ w
        out = 0.5 * (self.casewise_terms(st, rw) - self.constant_terms(st, w)[None, :])
        if means:
            out += rw @ self.mean_jacobian(st).T
        return out

    def casewise_terms(self, st: FitState, rw: np.ndarray) -> np.ndarray:
        """Rows ``t_i = sum_ab (rw_i rw_i')_ab dSigma_ab/dx``: array (N, q).

        ``rw`` holds one row ``W r_i`` per respondent. The derivatives of Sigma are
        never formed: as in :meth:`gradient` with ``w = rw_i rw_i'``, a loading
        ``Lambda_rc`` gives ``2 rw_ir v_ic`` (``v = rw Lambda A Psi A'``), ``Psi_rc``
        gives ``u_ir u_ic`` (``u = rw Lambda A``), ``Theta_rc`` ``rw_ir rw_ic`` and
        ``B_rc`` ``2 u_ir v_ic``; positions are summed into parameters by one product.
        """
        mats, a, la = st.mats, st.a, st.la
        u = rw @ la
        v = u @ mats["psi"] @ a.T
        parts = {
            "lambda": (rw, v, 2.0),
            "psi": (u, u, 1.0),
            "theta": (rw, rw, 1.0),
            "beta": (u, v, 2.0),
        }
        out = np.zeros((len(rw), self.layout.n_free))
        for name, (left, right, factor) in parts.items():
            rows, cols, idx = self.layout.free[name]
            if len(idx):
                out += (factor * left[:, rows] * right[:, cols]) @ self._selector(name)
        return out

    def constant_terms(self, st: FitState, w: np.ndarray) -> np.ndarray:
        """``sum_ab w_ab dSigma_ab/dx`` for one symmetric matrix ``w``: array (q,)."""
        mats, a, la = st.mats, st.a, st.la
        psi = mats["psi"]
        wla = w @ la
        grads = {
            "lambda": 2.0 * wla @ psi @ a.T,
            "psi": la.T @ wla,
            "theta": w,
            "beta": 2.0 * (la.T @ wla) @ psi @ a.T,
        }
        q = self.layout.n_free
        out = np.zeros(q)
        for name in COVARIANCE_MATRICES:
            rows, cols, idx = self.layout.free[name]
            if len(idx):
                out += np.bincount(idx, weights=grads[name][rows, cols], minlength=q)
        return out

    def jacobian(self, st: FitState) -> np.ndarray:
        """Derivatives of Sigma: array (q, p, p) with ``[k] = dSigma / dx_k``.

        Each free entry touches a few rows and columns of Sigma, so the array is
        filled by scattering those rows (``np.add.at``; parameters shared by an
        equality constraint add up) instead of multiplying dense selectors.
        """
        p, q = self.p, self.layout.n_free
        mats, a, la = st.mats, st.a, st.la
        psi = mats["psi"]
        free = self.layout.free
        delta = np.zeros((q, p, p))
        half = np.zeros((q, p, p))  # terms whose transpose is added too
        rows, cols, idx = free["lambda"]
        if len(idx):
            # Lambda[i, j]: dSigma = e_i m_j' + m_j e_i',  m_j = row j of A Psi A' Lambda'
            h = a @ psi @ la.T  # m x p
            np.add.at(half, (idx, rows), h[cols])
        rows, cols, idx = free["beta"]
        if len(idx):
            # B[r, c]: dSigma = (LA)[:, r] h_c' + h_c (LA)[:, r]',  h = A Psi A' Lambda'
            h = a @ psi @ la.T
            np.add.at(half, idx, la[:, rows].T[:, :, None] * h[cols][:, None, :])
        delta += half + half.transpose(0, 2, 1)
        rows, cols, idx = free["psi"]
        if len(idx):
            # Psi[r, c]: dSigma = (LA)[:, r] (LA)[:, c]'  (both triangles are listed)
            np.add.at(delta, idx, la[:, rows].T[:, :, None] * la[:, cols].T[:, None, :])
        rows, cols, idx = free["theta"]
        if len(idx):
            # Theta[r, c]: dSigma = E_rc (both triangles are listed)
            np.add.at(delta, (idx, rows, cols), 1.0)
        return delta

    def mean_jacobian(self, st: FitState) -> np.ndarray:
        """Derivatives of the implied means: array (q, p) with ``[k] = dmu / dx_k``.

        ``mu = nu + Lambda A alpha``: ``dmu/dnu_r = e_r``, ``dmu/dalpha_r = (LA)[:, r]``,
        ``dmu/dLambda_rc = e_r (A alpha)_c`` and ``dmu/dB_rc = (LA)[:, r] (A alpha)_c``.
        """
        p, q = self.p, self.layout.n_free
        out = np.zeros((q, p))
        free = self.layout.free
        la = st.la
        eta = st.a @ st.mats["alpha"][:, 0]
        rows, _, idx = free["nu"]
        if len(idx):
            np.add.at(out, (idx, rows), 1.0)
        rows, _, idx = free["alpha"]
        if len(idx):
            np.add.at(out, idx, la[:, rows].T)
        rows, cols, idx = free["lambda"]
        if len(idx):
            np.add.at(out, (idx, rows), eta[cols])
        rows, cols, idx = free["beta"]
        if len(idx):
            np.add.at(out, idx, la[:, rows].T * eta[cols][:, None])
        return out

    def expected_information(self, st: FitState, delta: np.ndarray | None = None) -> np.ndarray:
        """Return the unit expected information.

        ``0.5 Delta' (Sigma^-1 kron Sigma^-1) Delta``, plus ``Delta_mu' Sigma^-1
        Delta_mu`` with a mean structure (the cross terms vanish under normality).
        """
        if delta is None:
            return self._expected_information_terms(st)
        q, p = delta.shape[0], self.p
        si = st.sigma_inv
        # (Sigma^-1 kron Sigma^-1) vec(D_k) = vec(Sigma^-1 D_k Sigma^-1); with D_k and
        # Sigma^-1 symmetric this is (D_k Sigma^-1)' Sigma^-1: two stacked products
        right = (delta.reshape(q * p, p) @ si).reshape(q, p, p)
        sandwich = right.transpose(0, 2, 1).reshape(q * p, p) @ si
        info = 0.5 * delta.reshape(q, -1) @ sandwich.reshape(q, -1).T
        if self.mean is not None:
            dmu = self.mean_jacobian(st)
            info = info + dmu @ si @ dmu.T
        return info

    def _term_layout(self) -> _Terms:
        """What :meth:`_derivative_terms` needs beyond the state, made once per layout.

        The parameter index and weight of each term, and which rows of ``[I_p; H; (LA)']``
        (``H = A Psi A' Lambda'``) make its ``u`` and ``v`` at a state. Symmetric
        matrices list each free position in both triangles: one term is kept per pair
        (weight 1; 1/2 on the diagonal, where ``u v' + v u'`` counts it twice). When
        every parameter has exactly one term, the terms are put in the parameters' order,
        so that the information needs no summing of terms.
        """
        cached = self.layout.__dict__.get("_derivative_terms")  # the layout is immutable
        if cached is not None:
            return cached
        free = self.layout.free
        p, m, q = self.p, self.layout.n_lat, self.layout.n_free
        # rows of the stacked source [I_p; H; (LA)']: identity rows, H rows, (LA)' rows
        eye_row, h_row, la_row = 0, p, p + m
        u_rows: list[np.ndarray] = []
        v_rows: list[np.ndarray] = []
        index: list[np.ndarray] = []
        weight: list[np.ndarray] = []
        rows, cols, idx = free["lambda"]
        if len(idx):  # Lambda[i, j]: e_i h_j' + h_j e_i'
            u_rows.append(eye_row + rows)
            v_rows.append(h_row + cols)
            index.append(idx)
            weight.append(np.ones(len(idx)))
        rows, cols, idx = free["beta"]
        if len(idx):  # B[r, c]: (LA)_r h_c' + h_c (LA)_r'
            u_rows.append(la_row + rows)
            v_rows.append(h_row + cols)
            index.append(idx)
            weight.append(np.ones(len(idx)))
        for name, offset in (("psi", la_row), ("theta", eye_row)):
            rows, cols, idx = free[name]
            lower = rows >= cols
            rows, cols, idx = rows[lower], cols[lower], idx[lower]
            if len(idx):  # Psi[r, c]: (LA)_r (LA)_c' + (LA)_c (LA)_r'; Theta: e_r e_c' + ...
                u_rows.append(offset + rows)
                v_rows.append(offset + cols)
                index.append(idx)
                weight.append(np.where(rows == cols, 0.5, 1.0))

        def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

        term_index = cat(index, np.intp)
        term_weight = cat(weight, float)
        u_idx, v_idx = cat(u_rows, np.intp), cat(v_rows, np.intp)
        summing: np.ndarray | None = None
        if len(term_index) == q and np.array_equal(np.sort(term_index), np.arange(q)):
            order = np.argsort(term_index)  # one term per parameter: the parameters' order
            term_index, term_weight = term_index[order], term_weight[order]
            u_idx, v_idx = u_idx[order], v_idx[order]
        else:  # equality constraints: a 0/1 matrix sums the terms of a parameter
            summing = np.zeros((len(term_index), q))
            summing[np.arange(len(term_index)), term_index] = 1.0
        uses_h = bool(np.any((u_idx >= h_row) & (u_idx < la_row))) or bool(
            np.any((v_idx >= h_row) & (v_idx < la_row))
        )
        cached = _Terms(
            index=term_index,
            weight=term_weight,
            weights=None if np.all(term_weight == 1.0) else np.outer(term_weight, term_weight),
            u_rows=u_idx,
            v_rows=v_idx,
            summing=summing,
            uses_h=uses_h,
            eye=np.eye(p),
        )
        self.layout.__dict__["_derivative_terms"] = cached
        return cached

    def _derivative_terms(self, st: FitState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``dSigma / dx_k`` as sums of symmetric terms ``w_t (u_t v_t' + v_t u_t')``.

        Returns ``u`` and ``v`` (T x p) and the parameter index of each term (T,); the
        weights are in :meth:`_term_layout`. The terms are those :meth:`jacobian`
        scatters: a loading ``Lambda[i, j]`` gives ``e_i h_j' + h_j e_i'`` (``h = A Psi
        A' Lambda'``), a regression ``B[r, c]`` ``(LA)_r h_c' + h_c (LA)_r'``, a
        covariance ``Psi[r, c]`` ``(LA)_r (LA)_c' + (LA)_c (LA)_r'`` and ``Theta[r, c]``
        ``e_r e_c' + e_c e_r'`` (half of it on the diagonal).
        """
        terms = self._term_layout()
        la_t = st.la.T
        if terms.uses_h:
            h = st.a @ st.mats["psi"] @ la_t
        else:
            h = np.zeros((self.layout.n_lat, self.p))
        source = np.concatenate((terms.eye, h, la_t))
        return source[terms.u_rows], source[terms.v_rows], terms.index

    def _expected_information_terms(self, st: FitState) -> np.ndarray:
        """:meth:`expected_information` without forming the (q, p, p) Jacobian.

        With ``dSigma / dx_k = sum_t w_t (u_t v_t' + v_t u_t')`` (:meth:`_derivative_terms`)
        and ``W = Sigma^-1``, ``0.5 tr(W D_s W D_t) = w_s w_t (G^uu G^vv + G^uv G^vu)_st``
        with ``G^uv = U W V'``: three products of T x p matrices (T about q) instead of
        O(q^2 p^2); terms of one parameter (equality constraints) are summed.
        """
        layout = self._term_layout()
        u, v, _ = self._derivative_terms(st)
        si = st.sigma_inv
        uw = u @ si
        guv = uw @ v.T
        info = (uw @ u.T) * (v @ si @ v.T)
        info += guv * guv.T
        if layout.weights is not None:
            info *= layout.weights
        if layout.summing is not None:
            info = layout.summing.T @ info @ layout.summing
        info = (info + info.T) / 2.0
        if self.mean is not None:
            dmu = self.mean_jacobian(st)
            info = info + dmu @ si @ dmu.T
        return info


@dataclass(frozen=True)
class _Terms:
    """The terms of ``dSigma / dx`` (:meth:`MLKernel._term_layout`)."""

    index: np.ndarray  # parameter of each term
    weight: np.ndarray  # its weight (1/2 for a diagonal position of Psi or Theta)
    weights: np.ndarray | None  # outer(weight, weight), None when every weight is 1
    u_rows: np.ndarray  # rows of [I_p; H; (LA)'] making u
    v_rows: np.ndarray  # and v
    summing: np.ndarray | None  # terms x q, summing terms into parameters (None: one each)
    uses_h: bool  # some term reads H = A Psi A' Lambda'
    eye: np.ndarray  # I_p


def _transpose(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x.transpose(0, 2, 1))


def _rmul(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``x[k] @ m`` for a stack ``x`` (q, a, b): one 2-D product."""
    q, a, b = x.shape
    return (np.ascontiguousarray(x).reshape(q * a, b) @ m).reshape(q, a, m.shape[1])


def _lmul(m: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``m @ x[k]`` for a stack ``x`` (q, a, b): one 2-D product."""
    q, a, b = x.shape
    out = m @ np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(a, q * b)
    return np.ascontiguousarray(out.reshape(m.shape[0], q, b).transpose(1, 0, 2))
