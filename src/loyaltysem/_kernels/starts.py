"""Start values of the ML and FIML optimizers: lavaan's ``"default"`` and ``"simple"`` sets.

lavaan (``lav_start.R``, 0.6.x) starts every fit from the same recipe, and the optimum an
optimizer reaches can depend on where it starts (a model with two-indicator factors under
marker scaling can slide along a ridge towards a latent variance of zero). These functions
build lavaan's two recipes for a compiled parameter table, in our own code:

``"default"`` (:func:`fabin_starts`)
    factor loadings of each first-order factor from Hägglund's (1982) FABIN 3
    instrumental-variable estimator of a one-factor model of its indicators (for fewer than
    four indicators the closed-form three-indicator solution, a two-indicator factor padded
    to three as lavaan does), clipped so that the marker's reliability is at least 0.1;
    all loadings 1 (0.7 with ``std_lv``) when the three covariances of a triad multiply to
    a negative number; latent (residual) variances 0.05; residual variances of observed
    variables half their sample variance; regressions and covariances 0; intercepts at the
    sample means; free covariances of exogenous observed variables at their sample values;
    the variance of a latent variable with a single indicator at that indicator's variance
    minus its residual variance; in models of observed variables only, regression
    coefficients, residual variances and intercepts from ordinary least squares.
``"simple"`` (:func:`simple_starts`)
    loadings 0.7, every variance 1, everything else 0.

Fixed parameters are never touched: only the free parameters' values are returned. Only
numpy is used here.

Examples
--------
>>> import numpy as np
>>> lam = np.array([1.0, 0.8, 1.2, 0.5, 0.9])  # one factor, variance 2: FABIN 3 is exact
>>> s = np.outer(lam, lam) * 2.0 + np.diag([1.0, 0.5, 0.7, 0.3, 0.6])
>>> np.round(fabin3_loadings(s), 6).tolist()
[1.0, 0.8, 1.2, 0.5, 0.9]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from loyaltysem._kernels.partable import CompiledModel

__all__ = [
    "fabin3_loadings",
    "fabin_starts",
    "group_starts",
    "lavaan_starts",
    "simple_starts",
    "three_indicator_loadings",
]


def three_indicator_loadings(s: np.ndarray) -> tuple[np.ndarray, float, bool]:
    """Closed-form one-factor solution for two or three indicators (marker loading 1).

    With three indicators the six moments determine the six parameters:
    ``psi = s21 s31 / s32``, ``l2 = s32 / s31``, ``l3 = s32 / s21``. Two indicators are
    padded to three as lavaan's ``lav_cfa_1fac_3ind`` does (a third variable with the
    mean variance of the two and the covariance ``s21`` with both). The factor variance
    is kept between 10 % of the marker's variance and the whole of it, the loadings
    within the matching bounds.

    Parameters
    ----------
    s : ndarray (k x k), k in {1, 2, 3}
        Covariances of the indicators, the marker first.

    Returns
    -------
    lambda, psi, negative_triad
        Loadings (marker 1), factor variance, and whether ``s21 s31 s32 < 0``.

    Examples
    --------
    >>> import numpy as np
    >>> lam, psi, neg = three_indicator_loadings(
    ...     np.array([[2.0, 0.8, 0.6], [0.8, 1.5, 0.48], [0.6, 0.48, 1.0]]))
    >>> np.round(lam, 4).tolist(), round(psi, 4), neg
    ([1.0, 0.8, 0.6], 1.0, False)
    """
    k = s.shape[0]
    if k == 1:
        s = np.ones((3, 3))
    elif k == 2:
        extra = np.array([np.mean(np.diag(s)), s[1, 0]])
        s = np.block([[s, extra[:, None]], [extra[None, :], np.array([[np.max(np.diag(s))]])]])
    s11, s22, s33 = s[0, 0], s[1, 1], s[2, 2]
    s21, s31, s32 = s[1, 0], s[2, 0], s[2, 1]
    negative = bool(s21 * s31 * s32 < 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        psi = s21 * s31 / s32
        l2 = s32 / s31
        l3 = s32 / s21
    lower = 0.1 * s11  # the marker's reliability is at least 0.1
    psi = min(max(psi, lower), s11) if np.isfinite(psi) else lower
    b2, b3 = math.sqrt(s22 / lower), math.sqrt(s33 / lower)
    l2 = min(max(-b2, l2), b2) if np.isfinite(l2) else 1.0
    l3 = min(max(-b3, l3), b3) if np.isfinite(l3) else 1.0
    lam = np.array([1.0, l2, l3])[: max(k, 1)]
    if k == 2:
        psi /= 2.0
    return lam, float(psi), negative


def fabin3_loadings(s: np.ndarray) -> np.ndarray:
    """FABIN 3 loadings of a one-factor model (marker first, loading 1).

    For indicator ``i`` (not the marker) the other indicators but the marker are its
    instruments: ``lambda_i = s_i3' S33^-1 s_31 / (s_13' S33^-1 s_31)`` (Hägglund 1982),
    the plain least-squares ratio where ``S33`` is singular. Each loading is clipped to
    ``±sqrt(s_ii / (0.1 s_11))``. Fewer than four indicators: the closed form of
    :func:`three_indicator_loadings`.

    Parameters
    ----------
    s : ndarray (k x k)
        Covariances of the indicators, the marker first.

    Returns
    -------
    ndarray (k,)

    Examples
    --------
    >>> import numpy as np
    >>> lam = np.array([1.0, 0.8, 1.2, 0.5])
    >>> s = np.outer(lam, lam) * 2.0 + np.diag([1.0, 0.5, 0.7, 0.3])
    >>> np.round(fabin3_loadings(s), 6).tolist()
    [1.0, 0.8, 1.2, 0.5]
    """
    k = s.shape[0]
    if k < 4:
        return three_indicator_loadings(s)[0]
    lam = np.ones(k)
    for i in range(1, k):
        others = [j for j in range(1, k) if j != i]
        s_i3 = s[i, others]
        s_31 = s[others, 0]
        try:
            w = np.linalg.solve(s[np.ix_(others, others)], s_31)
            lam[i] = float(s_i3 @ w) / float(s_31 @ w)
        except np.linalg.LinAlgError:
            lam[i] = float(s_i3 @ s_31) / float(s_31 @ s_31)
    lower = 0.1 * s[0, 0]
    bound = np.sqrt(np.diag(s) / lower)
    lam[1:] = np.clip(lam[1:], -bound[1:], bound[1:])
    lam[~np.isfinite(lam)] = 1.0
    return lam


def _fabin_psi(s: np.ndarray, lam: np.ndarray) -> float:
    """Factor variance of the one-factor model at loadings ``lam`` (lavaan's W = I formulas)."""
    k = s.shape[0]
    if k < 4:
        return three_indicator_loadings(s)[1]
    d = np.outer(lam, lam) / float(lam @ lam)
    theta = np.linalg.solve(np.eye(k) - d * d, np.diag(s - d @ s @ d))
    l2 = float(lam @ lam)
    return float(lam @ (s - np.diag(theta)) @ lam) / (l2 * l2)


def _indicator_rows(cm: CompiledModel, latent: str) -> list[int]:
    pt = cm.table
    return [i for i in range(len(pt)) if pt.op[i] == "=~" and pt.lhs[i] == latent]


def fabin_starts(cm: CompiledModel, s: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
    """Lavaan's ``start = "default"`` values of the free parameters (see the module notes).

    Parameters
    ----------
    cm : CompiledModel
    s : ndarray (p x p)
        Sample covariance (divisor N; the EM estimate with missing data), in ``cm.ov`` order.
    mean : ndarray (p,), optional
        Sample means (needed for intercepts).

    Returns
    -------
    ndarray (n_free,)

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from loyaltysem._kernels.partable import ParTable, compile_partable
    >>> pt = ParTable.from_frame(pd.DataFrame({
    ...     "lhs": ["f", "f", "f", "y1", "y2", "y3", "f"],
    ...     "op": ["=~", "=~", "=~", "~~", "~~", "~~", "~~"],
    ...     "rhs": ["y1", "y2", "y3", "y1", "y2", "y3", "f"],
    ...     "free": [0, 1, 2, 3, 4, 5, 6], "ustart": [1.0] + [np.nan] * 6}))
    >>> s = np.array([[2.0, 0.8, 0.6], [0.8, 1.5, 0.48], [0.6, 0.48, 1.0]])
    >>> cm = compile_partable(pt, ["y1", "y2", "y3"], s)
    >>> np.round(fabin_starts(cm, s), 4).tolist()
    [0.8, 0.6, 1.0, 0.75, 0.5, 0.05]
    """
    pt = cm.table
    n_free = cm.layout.n_free
    start = np.zeros(len(pt))
    ov_pos = {name: i for i, name in enumerate(cm.ov)}
    lv = set(cm.lv)
    var = np.diag(s)
    is_var = (pt.op == "~~") & (pt.lhs == pt.rhs)
    for i in range(len(pt)):
        if pt.op[i] == "=~":
            start[i] = 1.0
        elif is_var[i] and pt.lhs[i] in lv:
            start[i] = 0.05
        elif is_var[i] and pt.lhs[i] in ov_pos:
            start[i] = 0.5 * var[ov_pos[pt.lhs[i]]]
        elif pt.op[i] == "~1" and mean is not None and pt.lhs[i] in ov_pos:
            start[i] = mean[ov_pos[pt.lhs[i]]]
    for latent in cm.lv:
        rows = _indicator_rows(cm, latent)
        if not rows or any(pt.rhs[i] not in ov_pos for i in rows):
            continue  # no indicators, or a higher-order factor
        var_rows = [i for i in range(len(pt)) if is_var[i] and pt.lhs[i] == latent]
        std_lv = bool(var_rows) and all(pt.free[i] == 0 and pt.ustart[i] == 1.0 for i in var_rows)
        idx = [ov_pos[pt.rhs[i]] for i in rows]
        sub = s[np.ix_(idx, idx)]
        lam = fabin3_loadings(sub)
        if len(rows) == 3 and three_indicator_loadings(sub)[2]:
            lam = np.full(3, 0.7 if std_lv else 1.0)
        elif std_lv:
            psi = _fabin_psi(sub, lam) * (2.0 if len(rows) == 2 else 1.0)  # before halving
            lam = lam * math.copysign(math.sqrt(abs(psi)), psi)
        if not std_lv and np.isfinite(pt.ustart[rows[0]]) and pt.ustart[rows[0]] < 0:
            lam = -lam
        start[rows] = lam
    # exogenous observed covariances (fixed.x = FALSE) at their sample values
    for i in range(len(pt)):
        if pt.op[i] == "~~" and pt.exo[i] == 1 and pt.lhs[i] in ov_pos and pt.rhs[i] in ov_pos:
            start[i] = s[ov_pos[pt.lhs[i]], ov_pos[pt.rhs[i]]]
    _single_indicator_variances(cm, s, start, is_var, ov_pos)
    if not cm.lv:
        _regression_starts(cm, s, mean, start, ov_pos)
    return _free_values(cm, start, n_free)


def _single_indicator_variances(
    cm: CompiledModel,
    s: np.ndarray,
    start: np.ndarray,
    is_var: np.ndarray,
    ov_pos: dict[str, int],
) -> None:
    """Exogenous latent variables with one indicator: its variance less the residual's."""
    pt = cm.table
    regressed = set(pt.lhs[pt.op == "~"])
    for latent in cm.lv:
        if latent in regressed:
            continue
        rows = _indicator_rows(cm, latent)
        if len(rows) != 1 or pt.rhs[rows[0]] not in ov_pos:
            continue
        item = pt.rhs[rows[0]]
        res = [i for i in range(len(pt)) if is_var[i] and pt.lhs[i] == item]
        single = pt.ustart[res[0]] if res and np.isfinite(pt.ustart[res[0]]) else 1.0
        ov_var = s[ov_pos[item], ov_pos[item]]
        value = (1.0 - single / ov_var) * ov_var
        for i in range(len(pt)):
            if is_var[i] and pt.lhs[i] == latent:
                start[i] = value if np.isfinite(value) and value >= 0.05 else 0.05


def _regression_starts(
    cm: CompiledModel,
    s: np.ndarray,
    mean: np.ndarray | None,
    start: np.ndarray,
    ov_pos: dict[str, int],
) -> None:
    """Models of observed variables only: each equation's OLS estimates."""
    pt = cm.table
    reg = pt.op == "~"
    for y in dict.fromkeys(pt.lhs[reg]):
        rows = [i for i in range(len(pt)) if reg[i] and pt.lhs[i] == y]
        xs = [pt.rhs[i] for i in rows]
        if y not in ov_pos or any(x not in ov_pos for x in xs):
            continue
        yi, xi = ov_pos[y], [ov_pos[x] for x in xs]
        s_xy = s[xi, yi]
        try:
            beta = np.linalg.solve(s[np.ix_(xi, xi)], s_xy)
        except np.linalg.LinAlgError:
            beta = np.zeros(len(xi))
        start[rows] = beta
        res = s[yi, yi] - float(beta @ s_xy)
        if 0.001 * s[yi, yi] < res < 0.999 * s[yi, yi]:
            for i in range(len(pt)):
                if pt.op[i] == "~~" and pt.lhs[i] == y and pt.rhs[i] == y:
                    start[i] = res
        if mean is not None:
            value = mean[yi] - float(beta @ mean[xi])
            for i in range(len(pt)):
                if pt.op[i] == "~1" and pt.lhs[i] == y and np.isfinite(value):
                    start[i] = value


def simple_starts(cm: CompiledModel, s: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
    """Lavaan's ``start = "simple"``: loadings 0.7, variances 1, everything else 0.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from loyaltysem._kernels.partable import ParTable, compile_partable
    >>> pt = ParTable.from_frame(pd.DataFrame({
    ...     "lhs": ["f", "f", "y1", "y2", "f"], "op": ["=~", "=~", "~~", "~~", "~~"],
    ...     "rhs": ["y1", "y2", "y1", "y2", "f"], "free": [0, 1, 2, 3, 4],
    ...     "ustart": [1.0, np.nan, np.nan, np.nan, np.nan]}))
    >>> cm = compile_partable(pt, ["y1", "y2"], np.eye(2))
    >>> simple_starts(cm, np.eye(2)).tolist()
    [0.7, 1.0, 1.0, 1.0]
    """
    pt = cm.table
    start = np.zeros(len(pt))
    start[pt.op == "=~"] = 0.7
    start[(pt.op == "~~") & (pt.lhs == pt.rhs)] = 1.0
    return _free_values(cm, start, cm.layout.n_free)


def _free_values(cm: CompiledModel, start: np.ndarray, n_free: int) -> np.ndarray:
    """The free parameters' values (a user's ``start()`` wins; shared indices once)."""
    pt = cm.table
    x = np.zeros(n_free)
    seen = np.zeros(n_free, dtype=bool)
    for i in range(len(pt)):
        k = pt.free[i] - 1
        if k < 0 or seen[k]:
            continue
        seen[k] = True
        x[k] = pt.ustart[i] if np.isfinite(pt.ustart[i]) else start[i]
    x[~np.isfinite(x)] = 0.5
    return x


def lavaan_starts(
    cm: CompiledModel, s: np.ndarray, mean: np.ndarray | None = None
) -> list[tuple[str, Callable[[], np.ndarray | None]]]:
    """Lavaan's ``"default"`` and ``"simple"`` starts, each built when it is needed.

    The entries :func:`~loyaltysem._kernels.converge.minimize` takes after a fit's own
    first start: a start that cannot be built for the model (a variance of 0, a
    singular matrix) returns None and is skipped. ``s`` may be a correlation matrix (the
    polychorics of ordinal indicators, whose residual variances are not free).

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from loyaltysem._kernels.partable import ParTable, compile_partable
    >>> pt = ParTable.from_frame(pd.DataFrame({
    ...     "lhs": ["f", "f", "y1", "y2", "f"], "op": ["=~", "=~", "~~", "~~", "~~"],
    ...     "rhs": ["y1", "y2", "y1", "y2", "f"], "free": [0, 1, 2, 3, 4],
    ...     "ustart": [1.0, np.nan, np.nan, np.nan, np.nan]}))
    >>> r = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> cm = compile_partable(pt, ["y1", "y2"], r)
    >>> [(name, np.round(make(), 4).tolist()) for name, make in lavaan_starts(cm, r)]
    [('default', [0.5, 0.5, 0.5, 0.05]), ('simple', [0.7, 1.0, 1.0, 1.0])]
    """

    def guarded(build: Callable[..., np.ndarray]) -> Callable[[], np.ndarray | None]:
        def make() -> np.ndarray | None:
            try:
                with np.errstate(all="ignore"):
                    return build(cm, s, mean)
            except (ArithmeticError, ValueError, np.linalg.LinAlgError):
                return None

        return make

    return [("default", guarded(fabin_starts)), ("simple", guarded(simple_starts))]


def group_starts(
    compiled: Sequence[CompiledModel],
    index: Sequence[np.ndarray],
    covs: Sequence[np.ndarray],
    means: Sequence[np.ndarray | None],
    n_free: int,
) -> list[tuple[str, Callable[[], np.ndarray | None]]]:
    """:func:`lavaan_starts` of a multi-group model: each group's, on one vector.

    Group ``g``'s starts come from its own sample moments; a parameter shared by
    several groups (an equality constraint) takes the first group's value.

    Parameters
    ----------
    compiled : sequence of CompiledModel
        One per group, with local free indices.
    index : sequence of int arrays
        Per group: the global index (0-based) of each local parameter.
    covs, means : sequences of ndarray
        Per group: sample covariance (divisor ``n_g``) and means.
    n_free : int
        Number of global free parameters.

    Returns
    -------
    list of (name, builder)

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from loyaltysem._kernels.partable import ParTable, compile_partable
    >>> pt = ParTable.from_frame(pd.DataFrame({
    ...     "lhs": ["f", "f", "y1", "y2", "f"], "op": ["=~", "=~", "~~", "~~", "~~"],
    ...     "rhs": ["y1", "y2", "y1", "y2", "f"], "free": [0, 1, 2, 3, 4],
    ...     "ustart": [1.0, np.nan, np.nan, np.nan, np.nan]}))
    >>> s1, s2 = np.array([[1.0, 0.5], [0.5, 1.0]]), np.array([[2.0, 0.5], [0.5, 2.0]])
    >>> cms = [compile_partable(pt, ["y1", "y2"], s) for s in (s1, s2)]
    >>> index = [np.array([0, 1, 2, 3]), np.array([0, 4, 5, 6])]  # the loading shared
    >>> make = dict(group_starts(cms, index, [s1, s2], [None, None], 7))["default"]
    >>> np.round(make(), 4).tolist()
    [0.5, 0.5, 0.5, 0.05, 1.0, 1.0, 0.05]
    """
    per_group = [lavaan_starts(cm, s, m) for cm, s, m in zip(compiled, covs, means, strict=True)]

    def combined(k: int) -> Callable[[], np.ndarray | None]:
        def make() -> np.ndarray | None:
            x = np.full(n_free, np.nan)
            for starts, idx in zip(per_group, index, strict=True):
                xs = starts[k][1]()
                if xs is None:
                    return None
                unset = np.isnan(x[idx])
                x[idx[unset]] = xs[unset]
            return np.nan_to_num(x, nan=0.0)

        return make

    return [(per_group[0][k][0], combined(k)) for k in range(len(per_group[0]))]


# ------------------------------------------------- principal-component starts
def _start_values(cm: CompiledModel, s: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
    """Start values: one-factor principal-component loadings per latent variable.

    Loadings of each factor's observed indicators start at its first principal
    component (scaled to a fixed marker loading where there is one), latent
    variances at the matching variance, residual variances at the unexplained part
    of each indicator's variance (at least 5 %), regressions and covariances at 0,
    variances of observed variables in structural relations at their sample
    variance, intercepts of observed variables at their sample mean, latent means at 0.
    """
    plan = _start_plan(cm)
    x = np.zeros(cm.layout.n_free)
    loading: dict[int, float] = {}  # row -> start value
    lv_var: dict[str, float] = {}
    explained = np.zeros(len(cm.ov))
    # each factor's indicator block, those of one size stacked: one eigh per size
    top: dict[int, tuple[float, np.ndarray]] = {}
    for members, take_rows, take_cols in plan.blocks:
        vals, vecs = np.linalg.eigh(s[take_rows, take_cols])
        for j, f in enumerate(members):
            top[f] = (float(vals[j, -1]), vecs[j, :, -1])
    for f, (latent, rows, idx, marker, marker_value) in enumerate(plan.factors):
        value, vec = top[f]
        pc = vec * math.sqrt(max(value, 1e-8))
        if pc.sum() < 0:
            pc = -pc
        if marker is not None and abs(pc[marker]) > 1e-8:
            scale = marker_value / pc[marker]
            lam = pc * scale
            lv_var[latent] = 1.0 / scale**2
        else:
            lam = pc
            lv_var[latent] = 1.0
        for k, i in enumerate(rows):
            loading[i] = lam[k]
            explained[idx[k]] += lam[k] ** 2 * lv_var[latent]
    for i, k, kind, name, j in plan.rows:
        if x[k] != 0:
            continue
        if kind == "=~":
            x[k] = loading.get(i, 1.0)
        elif kind == "lv":
            x[k] = lv_var[name] if name in lv_var else 0.05
        elif kind == "ov.side":  # observed variable in a structural relation
            x[k] = s[j, j]
        elif kind == "ov":
            x[k] = max(s[j, j] - explained[j], 0.05 * s[j, j])
        elif kind == "other":
            x[k] = 0.05
        elif mean is not None:  # "~1" of an observed variable
            x[k] = mean[j]
    return x


@dataclass(frozen=True)
class _StartPlan:
    """What :func:`_start_values` reads from the model, made once per compiled model.

    ``factors``: per latent variable with observed indicators, its name, the rows of its
    loadings, the indicators' positions, the position of its marker among them (a fixed
    non-zero loading; None) and the marker's value. ``rows``: the free rows that get a
    start other than 0, in table order, as (row, parameter, kind, variable, position).
    """

    factors: tuple[tuple[str, list[int], list[int], int | None, float], ...]
    rows: tuple[tuple[int, int, str, str, int], ...]
    # per number of indicators: the factors (positions in ``factors``) and the gather
    # indices of their blocks of S, stacked (k, n, n)
    blocks: tuple[tuple[tuple[int, ...], np.ndarray, np.ndarray], ...] = ()


def _start_plan(cm: CompiledModel) -> _StartPlan:
    """The :class:`_StartPlan` of ``cm`` (cached on it: a compiled model is immutable)."""
    cached = cm.__dict__.get("_start_plan")
    if cached is not None:
        return cached
    pt = cm.table
    ops, lhs, rhs = pt.op.tolist(), pt.lhs.tolist(), pt.rhs.tolist()
    free, ustart = pt.free.tolist(), pt.ustart.tolist()
    ov_pos = {name: i for i, name in enumerate(cm.ov)}
    lv = set(cm.lv)
    factors = []
    for latent in cm.lv:
        rows = [
            i for i in range(len(ops)) if ops[i] == "=~" and lhs[i] == latent and rhs[i] in ov_pos
        ]
        if not rows:
            continue
        marker = next(
            (
                k
                for k, i in enumerate(rows)
                if free[i] == 0 and math.isfinite(ustart[i]) and ustart[i] != 0
            ),
            None,
        )
        value = float(ustart[rows[marker]]) if marker is not None else math.nan
        factors.append((latent, rows, [ov_pos[rhs[i]] for i in rows], marker, value))
    starts: list[tuple[int, int, str, str, int]] = []
    for i in range(len(ops)):
        k = free[i] - 1
        if k < 0:
            continue
        if ops[i] == "=~":
            starts.append((i, k, "=~", "", -1))
        elif ops[i] == "~~" and lhs[i] == rhs[i]:
            name = lhs[i]
            if name in lv:
                starts.append((i, k, "lv", name, -1))
            elif name in ov_pos:
                kind = "ov.side" if name in cm.latent_side else "ov"
                starts.append((i, k, kind, name, ov_pos[name]))
            else:
                starts.append((i, k, "other", name, -1))
        elif ops[i] == "~1" and lhs[i] in ov_pos:
            starts.append((i, k, "~1", lhs[i], ov_pos[lhs[i]]))
    sizes: dict[int, list[int]] = {}
    for f, factor in enumerate(factors):
        sizes.setdefault(len(factor[2]), []).append(f)
    blocks = []
    for members in sizes.values():
        idx = np.array([factors[f][2] for f in members], dtype=np.intp)  # (k, n)
        blocks.append((tuple(members), idx[:, :, None], idx[:, None, :]))
    plan = _StartPlan(tuple(factors), tuple(starts), tuple(blocks))
    cm.__dict__["_start_plan"] = plan
    return plan


def _starts(
    cm: CompiledModel, s: np.ndarray, mean: np.ndarray | None
) -> list[tuple[str, np.ndarray | Callable[[], np.ndarray | None]]]:
    """The start values :func:`~loyaltysem._kernels.converge.minimize` tries, in order.

    One-factor principal-component starts (:func:`_start_values`, close to the optimum
    of most survey models: few iterations) first; then lavaan's ``"default"`` starts
    (FABIN 3 loadings, :func:`~loyaltysem._kernels.starts.fabin_starts`), from which
    lavaan reaches its optimum; then lavaan's ``"simple"`` starts. The next is tried only
    when a run fails the convergence check
    (:func:`~loyaltysem._kernels.converge.check_point`), and built only then.
    """
    return [("principal component", _start_values(cm, s, mean)), *lavaan_starts(cm, s, mean)]
