"""Multi-group maximum likelihood: one ML kernel per group, one parameter vector (numpy only).

Group ``g`` has its own sample moments (``S_g`` with divisor ``n_g``, means
``ybar_g``) and its own model matrices; the free parameters are global, and a
parameter shared by several groups (an equality constraint across groups, lavaan's
``group.equal``) is one entry of the vector. The discrepancy is lavaan's
multi-group ML fit function::

    F(x) = sum_g (n_g / N) F_ML,g(x_g),

with ``x_g`` the entries of ``x`` that group ``g`` uses, so ``chisq = N F`` and
``fmin = F / 2``. Gradient and expected information are the weighted sums of the
groups' (lavaan ``lav_model_gradient`` and ``lav_model_information`` with
``nobs / ntotal`` weights); standard errors are ``inv(I) / N``.

The kernel offers the interface of :class:`~loyaltysem._kernels.optimizer.Kernel`
(``state``, ``objective``, ``gradient``, ``expected_information``), as
:class:`~loyaltysem._kernels.ml.MLKernel` does, so the one optimizer
(:func:`~loyaltysem._kernels.optimizer.optimize`, re-exported here as ``optimize``)
runs on it unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from loyaltysem._kernels import fiml
from loyaltysem._kernels.ml import FitState, Layout, MLKernel
from loyaltysem._kernels.optimizer import optimize, polish
from loyaltysem._kernels.robust import (
    RobustParts,
    adf_scores,
    h1_trace,
    robust_baseline,
)

__all__ = [
    "GroupState",
    "MultiGroupKernel",
    "RobustFIMLGroups",
    "corrected_groups",
    "localize",
    "observed_information",
    "optimize",
    "polish",
    "robust_baseline_groups",
    "robust_groups",
    "robust_mlr_groups",
    "score_tests",
]

#: MASS::ginv's tolerance (lavTestScore inverts with it): singular values below
#: sqrt(eps) times the largest count as zero.
_GINV_TOL = float(np.sqrt(np.finfo(float).eps))


def localize(free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renumber the global free indices of one group's rows to local ones.

    Parameters
    ----------
    free : ndarray of int
        Per row: 0 (fixed) or the 1-based global parameter index.

    Returns
    -------
    local_free : ndarray of int
        Per row: 0 or the 1-based local index (global indices in increasing order).
    index : ndarray of int
        For each local parameter (0-based), its 0-based global index.

    Examples
    --------
    >>> local, index = localize(np.array([0, 7, 3, 7, 0]))
    >>> local.tolist(), index.tolist()
    ([0, 2, 1, 2, 0], [2, 6])
    """
    free = np.asarray(free, dtype=int)
    used = np.unique(free[free > 0])
    local = np.zeros_like(free)
    mask = free > 0
    local[mask] = np.searchsorted(used, free[mask]) + 1
    return local, used - 1


@dataclass
class GroupState:
    """The state of every group at one global parameter vector."""

    x: np.ndarray
    states: list[FitState]
    ok: bool


class MultiGroupKernel:
    """Weighted sum of per-group ML kernels over one global parameter vector.

    Parameters
    ----------
    layouts : sequence of Layout
        One per group, with local free indices.
    index : sequence of int arrays
        Per group: the global index (0-based) of each local parameter.
    covs, means : sequences of ndarray
        Per group: sample covariance (divisor ``n_g``) and sample means.
    nobs : sequence of int
        Group sizes ``n_g``.
    n_free : int
        Number of global free parameters.
    """

    def __init__(
        self,
        layouts: Sequence[Layout],
        index: Sequence[np.ndarray],
        covs: Sequence[np.ndarray],
        means: Sequence[np.ndarray | None],
        nobs: Sequence[int],
        n_free: int,
    ) -> None:
        self.kernels = [MLKernel(lay, s, m) for lay, s, m in zip(layouts, covs, means, strict=True)]
        self.index = [np.asarray(i, dtype=int) for i in index]
        self.nobs = np.asarray(nobs, dtype=float)
        self.n = float(self.nobs.sum())
        self.weights = self.nobs / self.n
        self.n_free = int(n_free)
        self._one = _one_block(self.index, self.n_free)

    @classmethod
    def from_kernels(
        cls,
        kernels: Sequence[object],
        index: Sequence[np.ndarray],
        nobs: Sequence[int],
        n_free: int,
    ) -> MultiGroupKernel:
        """The weighted sum of any per-group kernels (e.g. full-information ML ones).

        Each kernel offers ``state``, ``objective`` (its own discrepancy, whose
        ``n_g``-weighted sum over ``N`` is the joint one), ``gradient`` and
        ``expected_information`` / ``observed_information`` (unit, per respondent).
        """
        self = cls.__new__(cls)
        self.kernels = list(kernels)  # type: ignore[arg-type]
        self.index = [np.asarray(i, dtype=int) for i in index]
        self.nobs = np.asarray(nobs, dtype=float)
        self.n = float(self.nobs.sum())
        self.weights = self.nobs / self.n
        self.n_free = int(n_free)
        self._one = _one_block(self.index, self.n_free)
        return self

    def __setstate__(self, state: dict[str, object]) -> None:
        """Unpickle; a kernel pickled before the one-block path existed gets its flag."""
        self.__dict__.update(state)
        if "_one" not in state:
            self._one = _one_block(self.index, self.n_free)

    def state(self, x: np.ndarray) -> GroupState:
        """Evaluate every group at the global vector ``x``."""
        x = np.asarray(x, dtype=float)
        if self._one:  # one block holding every parameter: its own state, no copy
            one = self.kernels[0].state(x)
            return GroupState(x, [one], one.ok)
        states = [k.state(x[i]) for k, i in zip(self.kernels, self.index, strict=True)]
        return GroupState(x, states, all(s.ok for s in states))

    def group_objectives(self, st: GroupState) -> np.ndarray:
        """``F_ML,g`` of each group (unweighted)."""
        return np.array([k.objective(s) for k, s in zip(self.kernels, st.states, strict=True)])

    def objective(self, st: GroupState) -> float:
        """``sum_g (n_g / N) F_ML,g`` (``inf`` where a group's Sigma is not positive definite)."""
        if not st.ok:
            return np.inf
        if self._one:
            return float(self.kernels[0].objective(st.states[0]))
        return float(self.weights @ self.group_objectives(st))

    def gradient(self, st: GroupState) -> np.ndarray:
        """Gradient of :meth:`objective`: the weighted group gradients, scattered."""
        if self._one:  # the weight is 1: the block's own gradient
            return self.kernels[0].gradient(st.states[0])
        g = np.zeros(self.n_free)
        for k, s, idx, w in zip(self.kernels, st.states, self.index, self.weights, strict=True):
            np.add.at(g, idx, w * k.gradient(s))
        return g

    def scores(self, st: GroupState, data: Sequence[np.ndarray]) -> np.ndarray:
        """Casewise scores of every block's respondents, stacked block by block: (N, q).

        Each block's rows are its own kernel's ``scores`` (the derivatives of the row's
        log-likelihood) in the global parameters: a parameter shared by several blocks
        (an equality constraint across groups) collects the derivative of each row of
        every block it enters (lavaan ``lavScores`` of a multi-group fit).
        """
        pieces = []
        for k, s, idx, values in zip(self.kernels, st.states, self.index, data, strict=True):
            local = k.scores(s, values)
            if self._one:
                pieces.append(local)
                continue
            into = np.zeros((len(idx), self.n_free))
            into[np.arange(len(idx)), idx] = 1.0
            pieces.append(local @ into)
        return np.vstack(pieces) if pieces else np.zeros((0, self.n_free))

    def observed_information(self, st: GroupState) -> np.ndarray:
        """Unit observed information ``sum_g (n_g / N) H_g``: :func:`observed_information`."""
        return _observed_information(self, st)

    def expected_information(self, st: GroupState) -> np.ndarray:
        """Unit expected information ``sum_g (n_g / N) I_g`` (q x q)."""
        if self._one:
            return self.kernels[0].expected_information(st.states[0])
        info = np.zeros((self.n_free, self.n_free))
        for k, s, idx, w in zip(self.kernels, st.states, self.index, self.weights, strict=True):
            info[np.ix_(idx, idx)] += w * k.expected_information(s)
        return info


def _one_block(index: Sequence[np.ndarray], n_free: int) -> bool:
    """Whether there is one block and it holds the parameters in order (G = 1)."""
    return len(index) == 1 and np.array_equal(index[0], np.arange(n_free))


def observed_information(kernel: MultiGroupKernel, st: GroupState) -> np.ndarray:
    """Unit observed information ``sum_g (n_g / N) H_g`` (q x q)."""
    if kernel._one:
        return kernel.kernels[0].observed_information(st.states[0])
    info = np.zeros((kernel.n_free, kernel.n_free))
    for k, s, idx, w in zip(kernel.kernels, st.states, kernel.index, kernel.weights, strict=True):
        info[np.ix_(idx, idx)] += w * k.observed_information(s)
    return info


_observed_information = observed_information


def score_tests(
    kernel_full: MultiGroupKernel,
    x_full: np.ndarray,
    shared: np.ndarray,
    released: Sequence[int],
) -> tuple[np.ndarray, float]:
    """Score (Lagrange multiplier) tests of equality constraints, as ``lavTestScore``.

    The model is written with one parameter per table row (``kernel_full``, at
    ``x_full``: the constrained estimates copied to every row); ``shared`` (rows x q,
    0/1) maps the ``q`` constrained parameters to those rows (``x_full = shared x``).
    Releasing the constraint of row ``j`` gives it a parameter of its own. With the
    unit expected information ``I`` and the score ``s = -grad F / 2`` of the row
    parameterization, lavaan's statistic ``N s' Z1+ s`` (``Z1`` the information
    bordered by the remaining constraints) is ``N s' B (B' I B)^-1 B' s`` with ``B``
    a basis of the parameterization that keeps the other constraints: ``shared``
    with row ``j`` taken out of its column, plus the unit vector of row ``j`` (the
    span of ``shared`` plus that unit vector, so one Schur complement per row). The
    total test ``N s' I^+ s`` releases every constraint (``I^+`` the Moore-Penrose
    inverse, as lavaan's ``MASS::ginv``: the model without constraints need not be
    identified).

    Returns
    -------
    stats : ndarray
        Univariate statistics, one per entry of ``released`` (rows of the full table).
    total : float
        The test of all constraints at once.
    """
    st = kernel_full.state(x_full)
    score = -kernel_full.gradient(st) / 2.0
    info = kernel_full.expected_information(st)
    n = kernel_full.n
    rows = np.asarray(released, dtype=int)
    # [K without row j, e_j] spans what [K, e_j] spans, so with A = K'IK, b_j = K'I e_j:
    # s'B(B'IB)^-1 B's = s_K' A^-1 s_K + (s_j - b_j' A^-1 s_K)^2 / (I_jj - b_j' A^-1 b_j)
    a = shared.T @ info @ shared
    b = shared.T @ info[:, rows]
    s_k = shared.T @ score
    a_inv_b = np.linalg.solve(a, b)
    a_inv_s = np.linalg.solve(a, s_k)
    schur = np.diag(info)[rows] - np.sum(b * a_inv_b, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = n * (s_k @ a_inv_s + (score[rows] - b.T @ a_inv_s) ** 2 / schur)
    # a release that leaves the model unidentified has no test
    out[schur <= _GINV_TOL * np.abs(np.diag(info)[rows])] = np.nan
    total = n * float(score @ np.linalg.pinv(info, rcond=_GINV_TOL, hermitian=True) @ score)
    return out, total


def robust_groups(
    kernel: MultiGroupKernel,
    st: GroupState,
    data: Sequence[np.ndarray],
    *,
    mlr: bool,
    ov_x: Sequence[int] = (),
    bread: np.ndarray | None = None,
) -> tuple[RobustParts, np.ndarray]:
    """Robust standard errors and the trace of a scaled test, all groups at once.

    The single-group formulas (:mod:`loyaltysem._kernels.robust`) with group sums
    (lavaan ``lav_model_vcov`` with ``nobs / ntotal`` weights,
    ``lav_test_satorra_bentler_trace_original`` and
    ``lav_test_yuan_bentler_mplus_trace``): the bread ``I = sum_g w_g I_g`` (the
    expected information for MLM, the observed one for MLR), the meat ``B =
    sum_g w_g B_g`` (``B_g`` the cross product of group ``g``'s casewise scores over
    ``n_g``), ``vcov = I^-1 B I^-1 / N`` and ``tr(U Gamma) = sum_g tr(A1_g Gamma_g) -
    tr(I^-1 B)`` (the weights cancel in each group's first term). ``w_g = n_g / N``.

    Parameters
    ----------
    kernel, st : MultiGroupKernel, GroupState
        The model at its estimates.
    data : sequence of ndarray
        Each group's complete rows (n_g x p).
    mlr : bool
        Huber-White with the observed information and the Yuan-Bentler (Mplus) trace
        (``True``), or Satorra-Bentler with the expected information (``False``).
    ov_x : sequence of int
        Positions of the fixed.x covariates (the same in every group): lavaan's
        fixed.x Gamma and h1 trace within each group
        (:func:`~loyaltysem._kernels.robust.adf_scores`,
        :func:`~loyaltysem._kernels.robust.h1_trace`).
    bread : ndarray, optional
        The unit information to use as bread instead (lavaan's ``information =``
        with ``se = "robust.sem"`` / ``"robust.huber.white"``: either one with either).

    Returns
    -------
    parts : RobustParts
        ``vcov``, ``trace_ugamma`` and (MLR) the two parts of the trace.
    bread : ndarray
        The unit information used as bread.
    """
    q = kernel.n_free
    given = bread is not None
    unit = np.zeros((q, q)) if bread is None else bread
    meat = np.zeros((q, q))
    trace_h1 = 0.0
    n_h1 = 0
    x_idx = list(ov_x)
    for k, s, idx, w, values in zip(
        kernel.kernels, st.states, kernel.index, kernel.weights, data, strict=True
    ):
        n_g = len(values)
        means = k.mean is not None
        cell = np.ix_(idx, idx)
        if mlr:
            if not given:
                unit[cell] += w * k.observed_information(s)
            scores = k.scores(s, values)  # the casewise scores of the log-likelihood
            trace_g, n_g_h1 = h1_trace(values, k.s, means, x_idx)
            trace_h1 += trace_g
            n_h1 += n_g_h1
        else:
            if not given:
                unit[cell] += w * k.expected_information(s)
            scores, trace_g = adf_scores(k, s, values, x_idx)
            trace_h1 += trace_g
        meat[cell] += w * (scores.T @ scores / n_g)
    bread_inv = np.linalg.inv(unit)
    vcov = bread_inv @ meat @ bread_inv / kernel.n
    trace_h0 = float(np.sum(bread_inv * meat))
    if not mlr:  # Satorra-Bentler: the trace only (lavaan's robust.sem)
        return RobustParts(vcov, trace_h1 - trace_h0), unit
    return RobustParts(vcov, trace_h1 - trace_h0, trace_h1, trace_h0, n_h1), unit


def robust_baseline_groups(
    data: Sequence[np.ndarray],
    covs: Sequence[np.ndarray],
    *,
    mlr: bool,
    ov_x: Sequence[int] = (),
    means: bool = True,
) -> float:
    """``tr(U Gamma)`` of the multi-group baseline model: the sum of the groups'.

    The baseline (independence) model has no parameter shared by two groups, so its
    information and meat are block diagonal and the trace is the sum of each group's
    (:func:`~loyaltysem._kernels.robust.robust_baseline`, with a mean structure unless
    ``means=False``; ``ov_x`` the fixed.x covariates' positions).
    """
    return float(
        sum(
            robust_baseline(values, s, means, mlr, list(ov_x)).trace_ugamma
            for values, s in zip(data, covs, strict=True)
        )
    )


def _scatter_columns(delta: np.ndarray, idx: np.ndarray, q: int) -> np.ndarray:
    """A group's moment derivatives (m x local q) as columns of the global vector (m x q)."""
    out = np.zeros((delta.shape[0], q))
    np.add.at(out.T, idx, delta.T)
    return out


def _corrected_k(
    wm: Sequence[np.ndarray],
    wmi: Sequence[np.ndarray],
    wc: Sequence[np.ndarray],
    a: Sequence[np.ndarray],
    delta: Sequence[np.ndarray],
    weights: np.ndarray,
    gamma: Sequence[np.ndarray] | None,
) -> float:
    r"""``k`` of the FIML-corrected test over all groups (lavaan's block-diagonal forms).

    lavaan stacks the groups: ``Wm = bdiag(f_g Wm_g)``, ``Wc = bdiag(f_g Wc_g)``,
    ``Wm^-1 = bdiag(Wm_g^-1 / f_g)``, ``Gamma = bdiag(Gamma_g / f_g)`` (``f_g = n_g /
    N``), ``Delta = rbind(Delta_g)``, ``E = sum_g f_g Delta_g' A_g Delta_g`` and
    ``U = Wm - L E^-1 L'`` with ``L = Wm Delta``. The traces are formed from the
    blocks without the stacked matrices: "V6" ``tr(Wc Wm^-1 U Wm^-1)`` and "V3"
    ``tr(U Wm^-1 Wc Wm^-1 U Gamma) = tr(D M D Gamma) - 2 tr(R L' M D Gamma L) +
    tr(R L' M L R L' Gamma L)`` with ``D = bdiag(f_g Wm_g)``, ``M = Wm^-1 Wc Wm^-1``
    and ``R = E^-1``.
    """
    q = delta[0].shape[1]
    e = np.zeros((q, q))
    for f, a_g, d_g in zip(weights, a, delta, strict=True):
        e += f * d_g.T @ a_g @ d_g
    r = np.linalg.inv((e + e.T) / 2.0)
    if gamma is None:  # "V6"
        k = 0.0
        p_term = np.zeros((q, q))
        for f, wm_g, wmi_g, wc_g, d_g in zip(weights, wm, wmi, wc, delta, strict=True):
            k += float(np.sum((wc_g @ wmi_g) * (wm_g @ wmi_g).T))
            pg = wmi_g @ wm_g @ d_g  # Wm^-1 L, per block (the weights cancel)
            p_term += f * pg.T @ wc_g @ pg
        return k - float(np.sum(r * p_term))
    k = 0.0
    cross = np.zeros((q, q))
    lml = np.zeros((q, q))
    lgl = np.zeros((q, q))
    for f, wm_g, wmi_g, wc_g, d_g, gam in zip(weights, wm, wmi, wc, delta, gamma, strict=True):
        d_blk = f * wm_g
        m_blk = wmi_g @ wc_g @ wmi_g / f
        g_blk = gam / f
        l_blk = d_blk @ d_g
        md = m_blk @ d_blk
        k += float(np.sum((d_blk @ md) * g_blk.T))
        cross += l_blk.T @ md @ g_blk @ l_blk
        lml += l_blk.T @ m_blk @ l_blk
        lgl += l_blk.T @ g_blk @ l_blk
    return k - 2.0 * float(np.sum(r * cross.T)) + float(np.sum((r @ lml @ r) * lgl.T))


def corrected_groups(
    kernel: MultiGroupKernel,
    st: GroupState,
    df: float,
    df_null: float,
    *,
    observed: bool,
    first_order: Sequence[np.ndarray] | None = None,
    ov_x: Sequence[int] = (),
) -> fiml.CorrectedTest:
    r"""Zhang & Savalei's FIML-corrected test parts of a multi-group fit.

    lavaan 0.6.14 ``lav_fit_fiml_corrected`` with groups: the complete-data ML
    statistics at the groups' EM moments with the FIML estimates, summed over
    groups (``XX3``: the model, ``XX3.null``: the independence model at its FIML
    estimates, each group's available-case means and variances), and ``k`` from the
    groups' stacked saturated informations (:func:`_corrected_k`): the model's
    information ``E`` is the ``n_g / N``-weighted sum over groups, so a parameter
    shared by several groups ties their blocks together. The independence model has
    no shared parameter and its ``k`` is the sum of the groups'. Version "V6"
    without ``first_order``; "V3" (MLR) with each group's first-order information of
    the saturated model at its EM moments (``Gamma_g = Wm_g^-1 J_g Wm_g^-1``).
    ``c_hat = k / df``. Each group kernel is a :class:`~loyaltysem._kernels.fiml.FIMLKernel`.
    ``ov_x``: the positions of the fixed.x covariates (the same in every group); their
    moments carry no information and keep their EM values in the independence model,
    as in the single-group :func:`~loyaltysem._kernels.fiml.corrected_test`.

    References
    ----------
    Zhang, X., & Savalei, V. (2023). New computations for RMSEA and CFI following
    FIML and TS estimation with missing data. Psychological Methods, 28(2), 263-283.
    """
    wm, wmi, wc, a, delta, delta_b, gamma = [], [], [], [], [], [], []
    chisq = chisq_null = 0.0
    nb = 0
    for g, (k, s, idx) in enumerate(zip(kernel.kernels, st.states, kernel.index, strict=True)):
        parts = fiml.saturated_parts(k, observed=observed, ov_x=ov_x)
        wm.append(parts.wm)
        wmi.append(parts.wmi)
        wc.append(parts.wc)
        a.append(parts.a)
        delta.append(_scatter_columns(k.moment_jacobian(s), idx, kernel.n_free))
        if first_order is not None:
            gamma.append(parts.wmi @ first_order[g] @ parts.wmi)
        chisq += k.n * k.ml.objective(s.base)
        chisq_null += fiml.baseline_chisq(k, ov_x)
        delta_b.append(parts.delta_b)
        nb += parts.delta_b.shape[1]
    # the independence model: each group's parameters in their own columns
    start = 0
    for g, d_b in enumerate(delta_b):
        full = np.zeros((d_b.shape[0], nb))
        full[:, start : start + d_b.shape[1]] = d_b
        start += d_b.shape[1]
        delta_b[g] = full
    gam = gamma if first_order is not None else None
    k_model = _corrected_k(wm, wmi, wc, a, delta, kernel.weights, gam)
    k_null = _corrected_k(wm, wmi, wc, a, delta_b, kernel.weights, gam)
    return fiml.CorrectedTest(
        chisq=float(chisq),
        c_hat=k_model / df if df > 0 else np.nan,
        chisq_null=float(chisq_null),
        c_hat_null=k_null / df_null if df_null > 0 else np.nan,
    )


@dataclass(frozen=True)
class RobustFIMLGroups:
    """MLR with missing data in several groups (:func:`robust_mlr_groups`).

    ``parts``: the sandwich ``vcov`` and the model's trace (``trace_h1``,
    ``trace_h0``); ``trace_null``: ``tr(U Gamma)`` of the independence model;
    ``first_order``: each group's first-order information of the saturated model at
    its EM moments (the ``J_g`` of the corrected "V3" indices).
    """

    parts: RobustParts
    trace_null: float
    first_order: list[np.ndarray]


def robust_mlr_groups(
    kernel: MultiGroupKernel,
    st: GroupState,
    data: Sequence[np.ndarray],
    information_matrix: np.ndarray,
    *,
    observed: bool,
    ov_x: Sequence[int] = (),
) -> RobustFIMLGroups:
    r"""Huber–White standard errors and the Yuan–Bentler (Mplus) trace, FIML, all groups.

    lavaan's ``estimator = "MLR", missing = "ml"`` with groups (``lav_model_vcov``
    and ``lav_test_yuan_bentler_mplus_trace`` with ``nobs / ntotal`` weights ``f_g``):
    the bread is the unit observed information ``H = sum_g f_g H_g``
    (``information_matrix``), the meat ``B_0 = sum_g f_g Delta_g' J_g Delta_g`` with
    ``J_g`` the mean cross product of group ``g``'s casewise scores at the model
    (:func:`~loyaltysem._kernels.fiml.first_order_information`, incomplete rows
    included), ``vcov = H^-1 B_0 H^-1 / N``; ``tr(U Gamma) = sum_g tr(B_1,g
    A_1,g^-1) - tr(B_0 H^-1)`` with each group's saturated information ``A_1,g`` and
    first-order information ``B_1,g`` at its EM moments (the weights cancel in each
    group's term). The independence model shares no parameter between groups: its
    trace is the sum of the groups' (:func:`~loyaltysem._kernels.fiml.robust_mlr`).

    Parameters
    ----------
    kernel, st : MultiGroupKernel, GroupState
        The model at its FIML estimates, one
        :class:`~loyaltysem._kernels.fiml.FIMLKernel` per group.
    data : sequence of ndarray
        Each group's rows (NaN for a missing answer), those its patterns were built from.
    information_matrix : ndarray
        The unit information used as bread (q x q).
    observed : bool
        Whether the saturated informations are the observed ones (lavaan's default
        with ``missing = "ml"``) or the expected ones.
    ov_x : sequence of int
        Positions of the fixed.x covariates (the same in every group): their moments
        carry no information in the saturated and independence models (lavaan).
    """
    q = kernel.n_free
    meat = np.zeros((q, q))
    trace_h1 = 0.0
    trace_null = 0.0
    first_order: list[np.ndarray] = []
    for k, s, idx, w, values in zip(
        kernel.kernels, st.states, kernel.index, kernel.weights, data, strict=True
    ):
        delta = k.moment_jacobian(s)
        j0 = fiml.first_order_information(k.pat, values, s.base.mu, s.base.sigma)
        meat[np.ix_(idx, idx)] += w * (delta.T @ j0 @ delta)
        t_h1, t_null, b1 = fiml.saturated_traces(k, values, observed=observed, ov_x=ov_x)
        trace_h1 += t_h1
        trace_null += t_h1 - t_null
        first_order.append(b1)
    h_inv = np.linalg.inv(information_matrix)
    vcov = h_inv @ meat @ h_inv / kernel.n
    trace_h0 = float(np.sum(meat * h_inv.T))
    parts = RobustParts(vcov, trace_h1 - trace_h0, trace_h1, trace_h0)
    return RobustFIMLGroups(parts, trace_null, first_order)
