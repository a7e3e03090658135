r"""Multi-group (D)WLS kernel for ordinal indicators (delta or theta), numpy only.

Per group ``g`` the sample statistics are the thresholds and the polychoric
correlations ``s_g`` (lavaan's ``WLS.obs`` order) with asymptotic covariance
``Gamma_g`` (lavaan's ``NACOV``) and diagonal weights ``W_g``. The model (lavaan
``parameterization = "delta"``; ``computeTH``, ``computeSigmaHat`` with ``delta``):

    tau*_g = Delta_g (tau - nu - Lambda A alpha)      (thresholds, item by item)
    P_g    = Delta_g (Lambda A Psi A' Lambda' + Theta) Delta_g   (off-diagonal)

with, in the delta parameterization, ``Delta_g`` the diagonal of the scaling factors
``~*~`` (1 unless free) and the diagonal of ``Theta`` at ``Delta^-2 - diag(Lambda A Psi
A' Lambda')`` so that ``diag P_g = 1`` (``setResidualElements.LISREL``); in the theta
parameterization (``GroupLayout(theta=True)``) the diagonal of ``Theta`` holds the
residual variances of ``y*`` (parameters, fixed at 1 unless freed) and the scaling
factors follow from the implied variances, ``Delta_g = diag(Lambda A Psi A' Lambda' +
Theta)^-1/2`` (``setDeltaElements.LISREL``); the two formulas then coincide.

- **Estimates** minimise ``sum_g (n_g - 1) (s_g - sigma_g)' W_g (s_g - sigma_g)``
  (lavaan ``lav_model_objective``: ``fx = sum_g n_g/N * 0.5 (n_g - 1)/n_g F_g``;
  ``chisq = 2 N fx``) by the one optimizer (damped Gauss-Newton steps, then BFGS). The
  Jacobian is exact (complex-step differentiation of the implied statistics).
- **Information** ``E = sum_g f_g Delta_g' W_g Delta_g`` with ``f_g = n_g / N``;
  robust covariance ``E^-1 (sum_g f_g Delta_g' W_g Gamma_g W_g Delta_g) E^-1 / (N -
  G)`` (lavaan ``lav_model_nvcov_robust_sem`` and the ``N - G`` of
  ``lav_model_vcov``).
- **Scaled-shifted test** (``lav_test_satorra_bentler_trace_original``): ``U = V -
  V D E^-1 D' V`` with ``V = bdiag(f_g W_g)``, ``D`` the stacked Jacobians and
  ``Gamma = bdiag(Gamma_g / f_g)``.
- **Scaled-shifted difference test** of two nested fits (lavaan 0.6.14
  ``lav_test_diff_Satorra2000`` with ``H1 = TRUE``, ``scaled.shifted = TRUE``, ``A.method
  = "delta"``), from what each fit keeps (:class:`OrdinalInternals`):
  :func:`satorra_2000`. Single-group fits are the case ``G = 1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from loyaltysem._kernels.dwls import lower_pairs, optimize
from loyaltysem._kernels.ml import Layout

__all__ = [
    "DWLSState",
    "GroupLayout",
    "MultiGroupDWLS",
    "OrdinalInternals",
    "RowValues",
    "Satorra2000",
    "catml_multigroup",
    "optimize",
    "satorra_2000",
]

_STEP = 1e-20  # complex step


@dataclass(frozen=True)
class GroupLayout:
    """One group's model: structural layout, thresholds and scaling factors.

    Parameters
    ----------
    layout : Layout
        Lambda, Beta, Psi, Theta, nu, alpha with local parameter indices (the
        threshold and scaling parameters have local indices too, unused by it).
    th_param : ndarray of int
        For each threshold (lavaan order): its local parameter index, or -1 if fixed.
    th_value : ndarray
        Fixed threshold values (NaN where free).
    th_item : ndarray of int
        Item (0-based, in ``ov`` order) of each threshold.
    delta_param : ndarray of int
        For each item: local index of its scaling factor, or -1 (fixed).
    delta_value : ndarray
        Fixed scaling factors (1 where not free).
    index : ndarray of int
        For each local parameter, its 0-based global index.
    theta : bool, default False
        The theta parameterization: the scaling factors are ``diag(Lambda A Psi A'
        Lambda' + Theta)^-1/2`` (``delta_param`` and ``delta_value`` unused) and the
        diagonal of ``Theta`` comes from the layout (lavaan ``setDeltaElements.LISREL``).
    """

    layout: Layout
    th_param: np.ndarray
    th_value: np.ndarray
    th_item: np.ndarray
    delta_param: np.ndarray
    delta_value: np.ndarray
    index: np.ndarray
    theta: bool = False

    @property
    def p(self) -> int:
        return self.layout.n_obs

    @property
    def n_stats(self) -> int:
        return len(self.th_item) + self.p * (self.p - 1) // 2

    def matrices(self, xs: np.ndarray) -> dict[str, np.ndarray]:
        """Batched model matrices (B x ...) for parameter vectors ``xs`` (B x q_local)."""
        b = xs.shape[0]
        out = {}
        for name, base in self.layout.fixed.items():
            mat = np.empty((b, *base.shape), dtype=xs.dtype)
            mat[...] = base
            rows, cols, idx = self.layout.free[name]
            if len(idx):
                mat[:, rows, cols] = xs[:, idx]
            out[name] = mat
        return out

    def parts(self, xs: np.ndarray) -> dict[str, np.ndarray]:
        """Matrices, ``A``, the common part, the scales, the implied means and thresholds."""
        mats = self.matrices(xs)
        m = self.layout.n_lat
        a = np.linalg.inv(np.eye(m)[None] - mats["beta"])
        la = mats["lambda"] @ a
        common = la @ mats["psi"] @ np.swapaxes(la, 1, 2)
        if self.theta:  # Delta = diag(Sigma*)^-1/2 (complex-step safe)
            var = np.einsum("bii->bi", common + mats["theta"])
            with np.errstate(invalid="ignore", divide="ignore"):
                pos_var = var if np.iscomplexobj(var) else np.where(var > 0, var, np.nan)
                delta = 1.0 / np.sqrt(pos_var)
        else:
            delta = np.empty((xs.shape[0], self.p), dtype=xs.dtype)
            delta[...] = self.delta_value
            free_d = self.delta_param >= 0
            if free_d.any():
                delta[:, free_d] = xs[:, self.delta_param[free_d]]
        mu = mats["nu"][:, :, 0] + (la @ mats["alpha"])[:, :, 0]
        tau = np.empty((xs.shape[0], len(self.th_item)), dtype=xs.dtype)
        tau[...] = self.th_value
        free_t = self.th_param >= 0
        if free_t.any():
            tau[:, free_t] = xs[:, self.th_param[free_t]]
        th = delta[:, self.th_item] * (tau - mu[:, self.th_item])
        return {**mats, "a": a, "la": la, "common": common, "delta": delta, "mu": mu, "th": th}

    def implied(self, xs: np.ndarray) -> np.ndarray:
        """Implied thresholds and correlations (B x n_stats) for ``xs`` (B x q_local)."""
        pt = self.parts(xs)
        rows, cols = lower_pairs(self.p)
        sig = pt["common"] + pt["theta"]
        d = pt["delta"]
        cor = d[:, rows] * d[:, cols] * sig[:, rows, cols]
        return np.concatenate([pt["th"], cor], axis=1)

    def jacobian(self, x_local: np.ndarray) -> np.ndarray:
        """``d sigma / d x_local`` (n_stats x q_local), exact by the complex step."""
        q = len(x_local)
        if q == 0:
            return np.zeros((self.n_stats, 0))
        xs = x_local[None, :] + 1j * _STEP * np.eye(q)
        return (self.implied(xs).imag / _STEP).T


class RowValues:
    """Parameter-table row values (unstandardized, std.lv, std.all) of one group.

    lavaan's ``standardizedSolution()`` for ordinal indicators, with ``var(y*) =
    Delta^-2`` (delta: the scaling factors; theta: the implied variances): ``std.all``
    of a loading is ``lambda sd(eta) Delta``, of a threshold ``tau Delta``, of a
    residual (co)variance of ``y*`` ``theta_ij Delta_i Delta_j``; scaling rows ``~*~``
    standardize to 1. The residual variance of ``y*`` is ``Delta^-2 - diag(Lambda A Psi
    A' Lambda')``: in the delta parameterization its implied value, in the theta one
    the parameter itself.

    Parameters
    ----------
    gl : GroupLayout
    position : sequence
        Per row ``(matrix, row, col)`` or ``None`` (``CompiledModel.position``).
    ops, lhs : ndarray
        The rows' operators and left-hand sides.
    ov : sequence of str
        Observed variables in layout order.
    """

    def __init__(
        self,
        gl: GroupLayout,
        position: Sequence[tuple[str, int, int] | None],
        ops: np.ndarray,
        lhs: np.ndarray,
        ov: Sequence[str],
    ) -> None:
        self.gl = gl
        self.pos = list(position)
        self.ops = np.asarray(ops)
        self.lhs = np.asarray(lhs)
        self.ov = {name: i for i, name in enumerate(ov)}
        self.th_rows = np.flatnonzero(self.ops == "|")
        self.d_rows = np.flatnonzero(self.ops == "~*~")

    def evaluate(self, xs: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """``(est, std)`` for a batch ``xs`` (B x q_local); ``kind`` std.lv or std.all."""
        gl = self.gl
        pt = gl.parts(np.asarray(xs, dtype=float))
        b = xs.shape[0]
        a, psi = pt["a"], pt["psi"]
        veta = np.einsum("bij,bjk,bik->bi", a, psi, a)
        with np.errstate(invalid="ignore"):
            sd_eta = np.sqrt(np.where(veta >= 0, veta, np.nan))
        delta = pt["delta"]
        common = np.einsum("bii->bi", pt["common"])
        n_rows = len(self.ops)
        est = np.full((b, n_rows), np.nan)
        std = np.full((b, n_rows), np.nan)
        all_ = kind == "std.all"
        with np.errstate(invalid="ignore", divide="ignore"):
            if gl.theta:
                resid = np.einsum("bii->bi", pt["theta"])
            else:
                resid = 1.0 / delta**2 - common
            for i, where in enumerate(self.pos):
                if where is None:
                    continue
                mat, r, c = where
                val = resid[:, r] if mat == "theta" and r == c else pt[mat][:, r, c]
                est[:, i] = val
                if mat == "lambda":
                    s = val * sd_eta[:, c]
                    std[:, i] = s * delta[:, r] if all_ else s
                elif mat == "beta":
                    std[:, i] = val * sd_eta[:, c] / sd_eta[:, r]
                elif mat == "psi":
                    std[:, i] = val / (sd_eta[:, r] * sd_eta[:, c])
                elif mat == "theta" and r == c:
                    std[:, i] = val * delta[:, r] ** 2 if all_ else val
                elif mat == "theta":  # cov.std = TRUE: a correlation of the residuals
                    std[:, i] = val / np.sqrt(resid[:, r] * resid[:, c]) if all_ else val
                elif mat == "alpha":
                    std[:, i] = val / sd_eta[:, r]
                elif mat == "nu":
                    std[:, i] = val * delta[:, r] if all_ else val
            tau = pt["th"] / delta[:, gl.th_item]  # tau - mu
        mu = pt["mu"]
        tau_raw = tau + mu[:, gl.th_item]
        est[:, self.th_rows] = tau_raw
        std[:, self.th_rows] = tau_raw * delta[:, gl.th_item] if all_ else tau_raw
        d_items = np.array([self.ov[n] for n in self.lhs[self.d_rows]], dtype=int)
        est[:, self.d_rows] = delta[:, d_items]
        std[:, self.d_rows] = 1.0 if all_ else delta[:, d_items]
        return est, std


class MultiGroupDWLS:
    """The joint (D)WLS discrepancy of several groups (an optimizer :class:`Kernel`).

    Parameters
    ----------
    groups : sequence of GroupLayout
    stats : sequence of ndarray
        Sample thresholds and correlations per group.
    weights : sequence of ndarray
        Diagonal weights per group (``1 / diag(Gamma_g)`` or ones).
    factors : sequence of float
        Multiplier of each group's discrepancy in the objective (``(n_g - 1) / N``).
    n_free : int
        Number of global parameters.
    """

    def __init__(
        self,
        groups: Sequence[GroupLayout],
        stats: Sequence[np.ndarray],
        weights: Sequence[np.ndarray],
        factors: Sequence[float],
        n_free: int,
    ) -> None:
        self.groups = list(groups)
        self.stats = [np.asarray(s, dtype=float) for s in stats]
        self.weights = [np.asarray(w, dtype=float) for w in weights]
        self.factors = np.asarray(factors, dtype=float)
        self.q = int(n_free)

    def residuals(self, x: np.ndarray | DWLSState) -> list[np.ndarray]:
        """``s_g - sigma_g(x)`` per group."""
        if isinstance(x, DWLSState):
            return x.residuals
        return [
            s - gl.implied(x[gl.index][None, :])[0]
            for gl, s in zip(self.groups, self.stats, strict=True)
        ]

    def group_discrepancies(self, x: np.ndarray | DWLSState) -> np.ndarray:
        """``F_g = e_g' W_g e_g`` per group."""
        return np.array(
            [float(e @ (w * e)) for e, w in zip(self.residuals(x), self.weights, strict=True)]
        )

    def objective(self, x: np.ndarray | DWLSState) -> float:
        """``sum_g factor_g F_g``."""
        return float(self.factors @ self.group_discrepancies(x))

    def jacobians(self, x: np.ndarray | DWLSState) -> list[np.ndarray]:
        """Per group ``d sigma_g / d x`` (n_stats_g x q), global columns."""
        if isinstance(x, DWLSState):
            if x.jacs is None:  # once per point: the gradient and the information share them
                x.jacs = self.jacobians(x.x)
            return x.jacs
        out = []
        for gl in self.groups:
            jac = np.zeros((gl.n_stats, self.q))
            jac[:, gl.index] = gl.jacobian(x[gl.index])
            out.append(jac)
        return out

    def state(self, x: np.ndarray) -> DWLSState:
        """The point and its residuals (the Jacobians once they are asked for)."""
        x = np.asarray(x, dtype=float)
        return DWLSState(x, self.residuals(x))

    def gradient(self, x: np.ndarray | DWLSState) -> np.ndarray:
        """Gradient of :meth:`objective`: ``-2 sum_g factor_g J_g' W_g e_g``."""
        res, jacs = self.residuals(x), self.jacobians(x)
        g = np.zeros(self.q)
        for c, w, e, j in zip(self.factors, self.weights, res, jacs, strict=True):
            g += j.T @ (c * w * e)
        return -2.0 * g

    def expected_information(self, x: np.ndarray | DWLSState) -> np.ndarray:
        """``sum_g factor_g J_g' W_g J_g``: the Gauss-Newton matrix, expected Hessian of F / 2."""
        h = np.zeros((self.q, self.q))
        for c, w, j in zip(self.factors, self.weights, self.jacobians(x), strict=True):
            h += j.T @ ((c * w)[:, None] * j)
        return h


@dataclass
class DWLSState:
    """:meth:`MultiGroupDWLS.state`: the point, its residuals, its Jacobians once computed."""

    x: np.ndarray
    residuals: list[np.ndarray]
    jacs: list[np.ndarray] | None = None


def catml_multigroup(
    r: Sequence[np.ndarray],
    sigma: Sequence[np.ndarray],
    jac: Sequence[np.ndarray],
    w: Sequence[np.ndarray],
    gamma: Sequence[np.ndarray],
    fg: np.ndarray,
    e_inv: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, float, float] | None:
    """The catML pieces of lavaan 0.6.14's robust CFI/RMSEA for several groups.

    ``lav_fit_catml_dwls``: per group the ML discrepancy ``F_g = log|P_g| + tr(R_g
    P_g^-1) - log|R_g| - p`` at the (D)WLS estimates and ``-log|R_g|`` (independence),
    and ``ks = tr(WiU' V WiU Gamma)`` with ``WiU = I - D E^-1 D' W`` (``D`` the stacked
    correlation rows of the Jacobians, ``W = bdiag(f_g W_g)``, ``V = bdiag(f_g V_g)``
    with ``V_g`` the normal-theory weight of the correlations, ``Gamma =
    bdiag(Gamma_g / f_g)``), ``kbs = tr(Gamma)``.

    Returns
    -------
    (f_ml per group, f_null per group, ks, kbs), or None where lavaan gives NA (a
    sample correlation matrix with an eigenvalue below ``sqrt(eps)``).
    """
    f_ml, f_null, vs = [], [], []
    for r_g, s_g in zip(r, sigma, strict=True):
        if np.min(np.linalg.eigvalsh(r_g)) < np.sqrt(np.finfo(float).eps):
            return None
        p = len(r_g)
        rows, cols = lower_pairs(p)
        pi = np.linalg.inv(s_g)
        f_ml.append(
            float(np.linalg.slogdet(s_g)[1] + np.sum(r_g * pi) - np.linalg.slogdet(r_g)[1] - p)
        )
        f_null.append(float(-np.linalg.slogdet(r_g)[1]))
        v = pi[np.ix_(rows, rows)] * pi[np.ix_(cols, cols)]
        v += pi[np.ix_(rows, cols)] * pi[np.ix_(cols, rows)]
        vs.append(v)
    sizes = [len(v) for v in vs]
    total = int(sum(sizes))
    w_all = np.concatenate([f * wg for f, wg in zip(fg, w, strict=True)])
    v_all = np.zeros((total, total))
    g_all = np.zeros((total, total))
    start = 0
    for f, v, gm in zip(fg, vs, gamma, strict=True):
        stop = start + len(v)
        v_all[start:stop, start:stop] = f * v
        g_all[start:stop, start:stop] = gm / f
        start = stop
    d_all = np.vstack(jac)
    wiu = np.eye(total) - d_all @ e_inv @ (d_all.T * w_all[None, :])
    ks = float(np.sum((wiu.T @ v_all @ wiu) * g_all.T))
    return np.array(f_ml), np.array(f_null), ks, float(np.trace(g_all))


@dataclass(frozen=True)
class OrdinalInternals:
    """What the scaled-shifted difference test needs of an ordinal fit (never shown).

    Kept on single-group (``SEMResult``) and multi-group (``MultiGroupResult``)
    WLSMV/ULSMV results as their private ``_internals``.

    Attributes
    ----------
    jac : tuple of ndarray
        Per group the Jacobian of the implied thresholds and correlations (lavaan's
        ``WLS.obs`` order) with respect to the free parameters (n_stats_g x q; shared
        parameters once, lavaan's ``computeDelta``).
    w : tuple of ndarray
        Per group the diagonal weights (``1 / diag(Gamma_g)`` for DWLS, ones for ULS;
        lavaan's ``WLS.V``).
    gamma : tuple of ndarray
        Per group the asymptotic covariance of the sample statistics (``NACOV``).
    nobs : tuple of int
        Observations per group.
    e_inv : ndarray or None
        Inverted unit information ``(sum_g f_g J_g' W_g J_g)^-1``, ``f_g = n_g / N``;
        ``None`` when the information is singular.
    chisq, df : float
        The standard (unscaled) test statistic and its degrees of freedom.
    data_hash : str
        Hash of the data the model was fitted to.
    estimator : str
        ``"WLSMV"`` or ``"ULSMV"``.
    """

    jac: tuple[np.ndarray, ...]
    w: tuple[np.ndarray, ...]
    gamma: tuple[np.ndarray, ...]
    nobs: tuple[int, ...]
    e_inv: np.ndarray | None
    chisq: float
    df: float
    data_hash: str
    estimator: str


@dataclass(frozen=True)
class Satorra2000:
    """The scaled-shifted difference test: ``stat = scale * (chisq_0 - chisq_1) + shift``.

    ``scale`` and ``shift`` are lavaan's ``attr(lavTestLRT(...), "scale")`` and
    ``"shift"`` (NaN when the degrees of freedom are equal).
    """

    stat: float
    df: float
    scale: float
    shift: float


def orthogonal_complement(h: np.ndarray) -> np.ndarray:
    """Rows spanning the orthogonal complement of the columns of ``h``.

    lavaan ``lav_matrix_orthogonal_complement`` (transposed, as ``lav_test_diff_A``
    uses it): the left singular vectors beyond the numerical rank of ``h``.
    """
    u, s, _ = np.linalg.svd(h, full_matrices=True)
    tol = max(h.shape) * np.finfo(float).eps * (s[0] if len(s) else 0.0)
    rank = int(np.sum(s > max(tol, 1e-7 * (s[0] if len(s) else 0.0))))
    return u[:, rank:].T


def _block_diag(blocks: Sequence[np.ndarray]) -> np.ndarray:
    sizes = [len(b) for b in blocks]
    out = np.zeros((sum(sizes), sum(sizes)))
    start = 0
    for b, k in zip(blocks, sizes, strict=True):
        out[start : start + k, start : start + k] = b
        start += k
    return out


def satorra_2000(restricted: OrdinalInternals, free: OrdinalInternals) -> Satorra2000 | None:
    r"""Scaled-shifted difference test of two nested ordinal fits (Satorra 2000).

    lavaan 0.6.14 ``lav_test_diff_Satorra2000(m1 = free, m0 = restricted, H1 = TRUE,
    scaled.shifted = TRUE, A.method = "delta")``: with ``D_1``, ``D_0`` the stacked
    Jacobians of the less and the more restricted model, ``H = D_1^+ D_0``, ``A`` the
    orthogonal complement of ``H`` (the restrictions, as rows; rows with ``A E^-1 A'``
    empty dropped), ``E^-1`` the inverted information of the less restricted model and
    ``M = E^-1 A' (A E^-1 A')^+ A E^-1``: ``U = V D_1 M D_1' V`` (``V = bdiag(W_g)``),
    ``Gamma = bdiag(f_g Gamma_g)``, ``a = sqrt(m / tr((U Gamma)^2))``, ``b = m - a
    tr(U Gamma)`` (``tr(U Gamma) = sum_g f_g tr(W_g Gamma_g W_g D_g M D_g')``) and ``T =
    a (chisq_0 - chisq_1) + b`` on ``m = df_0 - df_1`` degrees of freedom.

    Parameters
    ----------
    restricted, free : OrdinalInternals
        The more and the less restricted model (``restricted.df >= free.df``).

    Returns
    -------
    Satorra2000 or None
        ``None`` when the degrees of freedom differ but the less restricted model has
        no inverted information (``free.e_inv is None``). Equal degrees of freedom give
        ``stat = chisq_0 - chisq_1`` on 0 df (lavaan's ``m == 0`` branch).

    Examples
    --------
    HS in quintile categories, one factor against three (WLSMV); in R:
    ``lavTestLRT(cfa(three, hs5, ordered = items), cfa(one, hs5, ordered = items))``,
    whose attributes ``scale`` and ``shift`` are ``a`` and ``b``.

    >>> import numpy as np
    >>> import pandas as pd
    >>> import loyaltysem as ls
    >>> hs = ls.load_holzinger_swineford().to_frame()
    >>> cut5 = lambda v: np.clip(np.searchsorted(np.quantile(v, np.linspace(0, 1, 6)), v), 1, 5)
    >>> hs5 = pd.DataFrame({f"x{i}": cut5(hs[f"x{i}"]) for i in range(1, 10)})
    >>> three = ls.fit("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; "
    ...                "speed =~ x7 + x8 + x9", hs5, ordered=True)
    >>> one = ls.fit("g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9", hs5, ordered=True)
    >>> test = satorra_2000(one._internals, three._internals)
    >>> round(test.stat, 3), test.df, round(test.scale, 4), round(test.shift, 4)
    (136.769, 3.0, 0.5622, 0.2021)
    """
    m = float(restricted.df - free.df)
    d_stat = float(restricted.chisq - free.chisq)
    if m == 0:
        return Satorra2000(stat=d_stat, df=0.0, scale=float("nan"), shift=float("nan"))
    if free.e_inv is None:
        return None
    d1 = np.vstack(free.jac)
    d0 = np.vstack(restricted.jac)
    h = np.linalg.pinv(d1) @ d0
    a = orthogonal_complement(h)
    e_inv = free.e_inv
    apa = a @ e_inv @ a.T
    small = np.sqrt(np.finfo(float).eps)
    keep = ~((np.abs(apa.sum(axis=0)) < small) & (np.abs(apa.sum(axis=1)) < small))
    a = a[keep]
    mid = e_inv @ a.T @ np.linalg.pinv(a @ e_inv @ a.T) @ a @ e_inv
    fg = np.asarray(free.nobs, dtype=float) / float(sum(free.nobs))
    tr1 = 0.0
    for f, j, w, gm in zip(fg, free.jac, free.w, free.gamma, strict=True):
        wgw = w[:, None] * gm * w[None, :]
        tr1 += f * float(np.sum(wgw * (j @ mid @ j.T)))
    v_all = np.concatenate(free.w)
    g_all = _block_diag([f * gm for f, gm in zip(fg, free.gamma, strict=True)])
    vd = v_all[:, None] * d1
    ug = (vd @ mid @ vd.T) @ g_all
    tr2 = float(np.sum(ug * ug.T))
    scale = float(np.sqrt(m / tr2))
    shift = float(m - scale * tr1)
    return Satorra2000(stat=float(d_stat * scale + shift), df=m, scale=scale, shift=shift)
