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

The kernel offers ``state``, ``objective``, ``gradient`` and
``expected_information`` as :class:`~loyaltysem._kernels.ml.MLKernel` does, so the
optimizer :func:`~loyaltysem._kernels.ml.fisher_scoring` runs on it unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from loyaltysem._kernels.ml import FitState, Layout, MLKernel
from loyaltysem._kernels.robust import RobustParts, _scores, robust_baseline, trace_a1_gamma

__all__ = [
    "GroupState",
    "MultiGroupKernel",
    "localize",
    "observed_information",
    "robust_baseline_groups",
    "robust_groups",
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
        return self

    def state(self, x: np.ndarray) -> GroupState:
        """Evaluate every group at the global vector ``x``."""
        x = np.asarray(x, dtype=float)
        states = [k.state(x[i]) for k, i in zip(self.kernels, self.index, strict=True)]
        return GroupState(x, states, all(s.ok for s in states))

    def group_objectives(self, st: GroupState) -> np.ndarray:
        """``F_ML,g`` of each group (unweighted)."""
        return np.array([k.objective(s) for k, s in zip(self.kernels, st.states, strict=True)])

    def objective(self, st: GroupState) -> float:
        """``sum_g (n_g / N) F_ML,g`` (``inf`` where a group's Sigma is not positive definite)."""
        if not st.ok:
            return np.inf
        return float(self.weights @ self.group_objectives(st))

    def gradient(self, st: GroupState) -> np.ndarray:
        """Gradient of :meth:`objective`: the weighted group gradients, scattered."""
        g = np.zeros(self.n_free)
        for k, s, idx, w in zip(self.kernels, st.states, self.index, self.weights, strict=True):
            np.add.at(g, idx, w * k.gradient(s))
        return g

    def expected_information(self, st: GroupState) -> np.ndarray:
        """Unit expected information ``sum_g (n_g / N) I_g`` (q x q)."""
        info = np.zeros((self.n_free, self.n_free))
        for k, s, idx, w in zip(self.kernels, st.states, self.index, self.weights, strict=True):
            info[np.ix_(idx, idx)] += w * k.expected_information(s)
        return info


def observed_information(kernel: MultiGroupKernel, st: GroupState) -> np.ndarray:
    """Unit observed information ``sum_g (n_g / N) H_g`` (q x q)."""
    info = np.zeros((kernel.n_free, kernel.n_free))
    for k, s, idx, w in zip(kernel.kernels, st.states, kernel.index, kernel.weights, strict=True):
        info[np.ix_(idx, idx)] += w * k.observed_information(s)
    return info


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
    kernel: MultiGroupKernel, st: GroupState, data: Sequence[np.ndarray], *, mlr: bool
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

    Returns
    -------
    parts : RobustParts
        ``vcov``, ``trace_ugamma`` and (MLR) the two parts of the trace.
    bread : ndarray
        The unit information used as bread.
    """
    q = kernel.n_free
    bread = np.zeros((q, q))
    meat = np.zeros((q, q))
    trace_h1 = 0.0
    for k, s, idx, w, values in zip(
        kernel.kernels, st.states, kernel.index, kernel.weights, data, strict=True
    ):
        n_g = len(values)
        means = k.mean is not None
        ybar = values.mean(axis=0)
        wmat = s.sigma_inv
        cell = np.ix_(idx, idx)
        if mlr:
            bread[cell] += w * k.observed_information(s)
            centre = s.mu if means and s.mu is not None else ybar
            scores = _scores(k, s, (values - centre) @ wmat, wmat, means)
            trace_h1 += trace_a1_gamma(values - ybar, np.linalg.inv(k.s), k.s, means)
        else:
            bread[cell] += w * k.expected_information(s)
            r = values - ybar
            scores = _scores(k, s, r @ wmat, wmat @ k.s @ wmat, means)
            trace_h1 += trace_a1_gamma(r, wmat, k.s, means)
        meat[cell] += w * (scores.T @ scores / n_g)
    bread_inv = np.linalg.inv(bread)
    vcov = bread_inv @ meat @ bread_inv / kernel.n
    trace_h0 = float(np.sum(bread_inv * meat))
    return RobustParts(vcov, trace_h1 - trace_h0, trace_h1, trace_h0), bread


def robust_baseline_groups(
    data: Sequence[np.ndarray], covs: Sequence[np.ndarray], *, mlr: bool
) -> float:
    """``tr(U Gamma)`` of the multi-group baseline model: the sum of the groups'.

    The baseline (independence) model has no parameter shared by two groups, so its
    information and meat are block diagonal and the trace is the sum of each group's
    (:func:`~loyaltysem._kernels.robust.robust_baseline`, with a mean structure).
    """
    return float(
        sum(
            robust_baseline(values, s, True, mlr=mlr).trace_ugamma
            for values, s in zip(data, covs, strict=True)
        )
    )
