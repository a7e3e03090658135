r"""Direct, indirect and total effects, and the type of mediation.

For the regression part of a fitted model, :math:`\eta = B\eta + \zeta` (latent and
observed variables alike), the effects of every variable on every other are (Bollen
1987; Fox 1980)

.. math::

    T = (I - B)^{-1} - I \;\text{(total)}, \qquad
    \text{direct} = B, \qquad \text{indirect} = T - B,

and, when the model is recursive, each *specific* indirect effect is the product of the
coefficients along one directed path :math:`x \to m_1 \to \dots \to y`. These are the
numbers a lavaan user defines by hand with ``:=`` (``ind := a*b``, ``total := c + a*b``);
here they come for every pair at once, with delta-method standard errors from the
parameter covariance matrix (Sobel 1982; lavaan's ``:=`` SEs).

The standardized (``std_all``) effects use the standardized coefficients
:math:`B^* = D^{-1} B D` (:math:`D` the model-implied standard deviations), so
:math:`T^* = (I - B^*)^{-1} - I` and each specific effect is the product of the
standardized coefficients on its path — what ``standardizedSolution()`` reports for
the ``:=`` rows.

The mediation type follows Zhao, Lynch & Chen (2010): with the indirect effect
:math:`a\times b` and the direct effect :math:`c'`, *complementary* (both significant,
same sign), *competitive* (both significant, opposite signs), *indirect-only*,
*direct-only*, or *no effect*. Significance is a 95 % interval that excludes zero.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from loyaltysem._display import DisplayMixin
from loyaltysem._kernels.resampling import percentile_interval
from loyaltysem.errors import ModelSpecError
from loyaltysem.status import Status

__all__ = ["EffectsResult", "effects", "mediation_type"]

Z_95 = float(stats.norm.ppf(0.975))
#: Longest directed path enumerated for specific indirect effects.
MAX_PATH_LENGTH = 8


@dataclass(frozen=True)
class _Structure:
    names: list[str]
    b: np.ndarray  # raw coefficients, b[y, x]
    b_std: np.ndarray  # std_all coefficients
    free: np.ndarray  # free index (1-based, 0 = fixed) of each b[y, x]
    pos: np.ndarray  # row of each b[y, x] in result.estimates (-1: no path)
    recursive: bool


def _structure(result: Any) -> _Structure:
    est = result.estimates
    reg = est[est["op"] == "~"]
    if reg.empty:
        raise ModelSpecError(
            "the model has no regressions ('~'), so there are no effects to compute",
            found=result.model.strip().splitlines()[0] if result.model.strip() else "",
            expected="a structural model, e.g. 'LOY ~ TRU + SAT'",
            fix="fit a model with '~' paths (e.g. loyaltysem.DEFAULT_MODEL)",
        )
    names: list[str] = []
    for lhs, rhs in zip(reg["lhs"], reg["rhs"], strict=True):
        for v in (rhs, lhs):
            if v not in names:
                names.append(v)
    idx = {v: i for i, v in enumerate(names)}
    k = len(names)
    b = np.zeros((k, k))
    b_std = np.zeros((k, k))
    free = np.zeros((k, k), dtype=np.int64)
    pos = np.full((k, k), -1, dtype=np.int64)
    for i, row in reg.iterrows():
        y, x = idx[row["lhs"]], idx[row["rhs"]]
        b[y, x] = row["est"]
        b_std[y, x] = row["std_all"]
        free[y, x] = int(row["free"])
        pos[y, x] = est.index.get_loc(i)
    # recursive iff B is nilpotent (no directed cycle): (adjacency)^k = 0
    reach = ((b != 0) | (free > 0)).astype(float)
    recursive = not np.any(np.linalg.matrix_power(reach, k))
    return _Structure(names, b, b_std, free, pos, recursive)


def _paths(adj: np.ndarray, source: int, target: int) -> list[list[int]]:
    """Directed paths source -> ... -> target with at least one mediator."""
    out: list[list[int]] = []
    stack = [(source, [source])]
    while stack:
        node, path = stack.pop()
        if len(path) > MAX_PATH_LENGTH + 1:
            continue
        for nxt in np.flatnonzero(adj[:, node]):
            nxt = int(nxt)
            if nxt in path:
                continue
            if nxt == target:
                if len(path) >= 2:
                    out.append([*path, nxt])
                continue
            stack.append((nxt, [*path, nxt]))
    return sorted(out, key=lambda p: (len(p), p))


def mediation_type(
    indirect: float, indirect_lo: float, indirect_hi: float, direct: float, direct_lo: float,
    direct_hi: float,
) -> str:  # fmt: skip
    """Zhao, Lynch & Chen (2010) type from the effects and their 95 % intervals."""
    ind_sig = bool(np.isfinite(indirect_lo) and not (indirect_lo <= 0.0 <= indirect_hi))
    # a direct path left out of the model (NaN) counts as not significant
    dir_sig = bool(np.isfinite(direct_lo) and not (direct_lo <= 0.0 <= direct_hi))
    if ind_sig and dir_sig:
        return "complementary" if np.sign(indirect) == np.sign(direct) else "competitive"
    if ind_sig:
        return "indirect-only"
    if dir_sig:
        return "direct-only"
    return "no effect"


@dataclass(frozen=True, repr=False)
class EffectsResult(DisplayMixin):
    """Every effect of the structural model, with SEs, and the mediation types.

    Attributes
    ----------
    table : DataFrame
        One row per effect: ``source, target, kind`` (``direct``, ``indirect``
        (total indirect), ``total`` or ``specific``), ``path`` (``"REP -> TRU -> LOY"``
        for specific effects), ``est, se, z, pvalue, ci_lower, ci_upper`` (delta
        method, normal 95 % interval), ``std_all`` and ``se_std_all`` (its
        delta-method SE, as ``standardizedSolution()`` gives for ``:=`` rows).
    mediation : DataFrame
        One row per (source, target) pair with an indirect effect: ``direct`` (NaN
        when the model has no direct path), ``indirect``, ``total``, their
        intervals, ``proportion_mediated`` (indirect / total) and ``type`` (Zhao,
        Lynch & Chen 2010).
    recursive : bool
        Whether the structural model has no feedback loop (specific indirect effects
        are only listed for recursive models).
    """

    table: pd.DataFrame
    mediation: pd.DataFrame
    recursive: bool
    #: the status of the fit the effects come from (shown first: effects of an improper
    #: solution are not to be read as if it were fine)
    status: Status = field(default_factory=Status)

    _title: ClassVar[str] = "Effects"
    _na_rep: ClassVar[str] = ""  # no direct path: a blank cell, not NaN

    def _kind_counts(self) -> dict[str, int]:
        if "kind" not in self.table.columns:
            return {}
        return {str(k): int(v) for k, v in self.table["kind"].value_counts(sort=False).items()}

    def _repr_parts(self) -> list[str]:
        return [
            self.status.repr_part(),
            f"effects={len(self.table)}",
            f"mediation_pairs={len(self.mediation)}",
            *(f"{k}={v}" for k, v in self._kind_counts().items()),
            "" if self.recursive else "nonrecursive",
        ]

    def to_frame(self) -> pd.DataFrame:
        """The effects table (``table``)."""
        return self.table

    def _header(self) -> list[str]:
        lines = [*self.status.header(), "delta-method standard errors; 95% normal intervals"]
        if not self.recursive:
            lines.append("non-recursive model: specific indirect effects are not listed")
        return lines

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "Mediation (Zhao, Lynch & Chen 2010)", self.mediation
        yield "Effects", self.table


@dataclass(frozen=True)
class _GroupView:
    """One group of a multi-group fit, seen as a single-group result by :func:`effects`.

    ``vcov`` and ``_x`` are the joint ones (the ``free`` column of the group's rows
    holds global parameter numbers), so the delta-method SEs account for parameters
    shared across groups; ``tag`` is the group suffix of the bootstrap draws' names.
    """

    estimates: pd.DataFrame
    vcov: pd.DataFrame
    model: str
    _x: np.ndarray | None
    _std_all_batch: Any
    tag: str


def _group_views(result: Any) -> list[tuple[Any, _GroupView]]:
    est = result.estimates
    views = []
    for g, label in enumerate(result.group_labels, start=1):
        rows = est[est["group"] == g].reset_index(drop=True)
        batch = result._std_all_batches[g - 1] if result._std_all_batches else None
        views.append(
            (label, _GroupView(rows, result.vcov, result.model, result._x, batch, f" [{g}]"))
        )
    return views


def effects(result: Any, bootstrap: Any = None, level: float = 0.95) -> EffectsResult:
    """Direct, total indirect, specific indirect and total effects of a fitted model.

    Parameters
    ----------
    result : SEMResult or MultiGroupResult
        A model with regressions (``~``). For a multi-group fit, the effects of every
        group (``group``, ``group_label`` columns first), each with its own
        coefficients and delta-method SEs from the joint covariance matrix of the
        estimates (parameters equal across groups count once); with a multi-group
        ``bootstrap``, the intervals of every group's draws.
    bootstrap : SEMBootstrap, optional
        The result of :func:`loyaltysem.bootstrap` for ``result``: every effect is then
        recomputed on every draw, giving ``boot_se``, ``boot_ci_lower``,
        ``boot_ci_upper`` (percentile) and the standardized ``std_boot_ci_lower``,
        ``std_boot_ci_upper``; the mediation types then use the bootstrap intervals,
        as Zhao, Lynch & Chen (2010) recommend.
    level : float, default 0.95
        Level of the bootstrap intervals.

    Returns
    -------
    EffectsResult

    Raises
    ------
    ModelSpecError
        The model has no regression paths.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> res = ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce())
    >>> eff = ls.effects(res)
    >>> row = eff.table.query("source == 'TRU' and target == 'LOY' and kind == 'total'")
    >>> round(float(row["est"].iloc[0]), 4)
    0.4227

    In R: ``total_TRU := d1 + b1*d2`` in the lavaan model, then
    ``parameterEstimates(fit)``.

    Several groups (in R: ``c(a1, a2)`` labels and one ``:=`` per group):

    >>> from loyaltysem.datasets import load_frame
    >>> hs = load_frame("holzinger_swineford")
    >>> model = ("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9; "
    ...          "textual ~ visual; speed ~ textual + visual")
    >>> mg = ls.fit(model, hs, group="school", group_equal=["loadings"])
    >>> eff = ls.effects(mg).table
    >>> ind = eff.query("source == 'visual' and target == 'speed' and kind == 'indirect'")
    >>> ind[["group_label", "est"]].round(4).values.tolist()
    [['Pasteur', 0.0656], ['Grant-White', 0.0341]]
    """
    if getattr(result, "n_groups", 1) > 1:  # several groups: each group's effects
        parts, meds = [], []
        recursive = True
        for g, (label, view) in enumerate(_group_views(result), start=1):
            one = _effects_one(view, bootstrap, level, view.tag)
            for frame, out in ((one.table, parts), (one.mediation, meds)):
                frame = frame.copy()
                frame.insert(0, "group_label", label)
                frame.insert(0, "group", g)
                out.append(frame)
            recursive = recursive and one.recursive
        return EffectsResult(
            table=pd.concat(parts, ignore_index=True),
            mediation=pd.concat(meds, ignore_index=True),
            recursive=recursive,
            status=_status_of(result),
        )
    return dataclasses.replace(
        _effects_one(result, bootstrap, level, ""), status=_status_of(result)
    )


def _status_of(result: Any) -> Status:
    status = getattr(result, "status", None)
    return status if isinstance(status, Status) else Status()


def _effects_one(result: Any, bootstrap: Any, level: float, tag: str) -> EffectsResult:
    """:func:`effects` of one (group's) result; ``tag`` names its bootstrap draws."""
    st = _structure(result)
    k = len(st.names)
    eye = np.eye(k)
    a = np.linalg.inv(eye - st.b)
    a_std = np.linalg.inv(eye - st.b_std)
    total = a - eye
    total_std = a_std - eye
    vcov = result.vcov.to_numpy()
    q = vcov.shape[0]
    fy, fx = np.nonzero(st.free)
    fidx = st.free[fy, fx] - 1

    def se_of(grad: np.ndarray) -> float:
        return float(np.sqrt(max(grad @ vcov @ grad, 0.0))) if q else np.nan

    def grad_total(y: int, x: int) -> np.ndarray:
        # dT[y, x]/dB[i, j] = A[y, i] A[j, x]
        g = np.zeros(q)
        np.add.at(g, fidx, a[y, fy] * a[fx, x])
        return g

    def grad_direct(y: int, x: int) -> np.ndarray:
        g = np.zeros(q)
        if st.free[y, x]:
            g[st.free[y, x] - 1] = 1.0
        return g

    def grad_path(path: list[int]) -> np.ndarray:
        g = np.zeros(q)
        coefs = [st.b[path[i + 1], path[i]] for i in range(len(path) - 1)]
        for i in range(len(path) - 1):
            f = st.free[path[i + 1], path[i]]
            if f:
                g[f - 1] += np.prod([c for j, c in enumerate(coefs) if j != i])
        return g

    rows = []
    recipes: list[tuple[str, int, int, tuple[int, ...]]] = []
    adj = (st.b != 0) | (st.free > 0)

    def add(x: int, y: int, kind: str, path: str, est: float, grad: np.ndarray, std: float,
            nodes: tuple[int, ...] = ()):  # fmt: skip
        recipes.append((kind, y, x, nodes))
        se = se_of(grad)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = est / se if se > 0 else np.nan
        rows.append(
            {
                "source": st.names[x],
                "target": st.names[y],
                "kind": kind,
                "path": path,
                "est": est,
                "se": se,
                "z": z,
                "pvalue": 2 * stats.norm.sf(abs(z)) if np.isfinite(z) else np.nan,
                "ci_lower": est - Z_95 * se,
                "ci_upper": est + Z_95 * se,
                "std_all": std,
            }
        )

    for x in range(k):
        for y in range(k):
            if x == y or not (adj[y, x] or _reaches(adj, x, y)):
                continue
            direct = adj[y, x]
            g_total = grad_total(y, x)
            g_direct = grad_direct(y, x)
            indirect = total[y, x] - st.b[y, x]
            has_indirect = bool(_paths(adj, x, y)) if st.recursive else True
            if direct:
                add(x, y, "direct", f"{st.names[x]} -> {st.names[y]}", st.b[y, x], g_direct,
                    st.b_std[y, x])  # fmt: skip
            if has_indirect:
                add(x, y, "indirect", "", indirect, g_total - g_direct,
                    total_std[y, x] - st.b_std[y, x])  # fmt: skip
                if st.recursive:
                    for path in _paths(adj, x, y):
                        est = float(
                            np.prod([st.b[path[i + 1], path[i]] for i in range(len(path) - 1)])
                        )
                        std = float(
                            np.prod([st.b_std[path[i + 1], path[i]] for i in range(len(path) - 1)])
                        )
                        add(x, y, "specific", " -> ".join(st.names[i] for i in path), est,
                            grad_path(path), std, tuple(path))  # fmt: skip
            add(x, y, "total", "", total[y, x], g_total, total_std[y, x])
    table = pd.DataFrame(rows)
    table["se_std_all"] = _std_se(result, st, recipes, vcov)
    interval = ("ci_lower", "ci_upper")
    if bootstrap is not None:
        _add_bootstrap(table, result, st, recipes, bootstrap, level, tag)
        interval = ("boot_ci_lower", "boot_ci_upper")
    return EffectsResult(table=table, mediation=_mediation(table, interval), recursive=st.recursive)


def _add_bootstrap(
    table: pd.DataFrame,
    result: Any,
    st: _Structure,
    recipes: list[tuple[str, int, int, tuple[int, ...]]],
    bootstrap: Any,
    level: float,
    tag: str = "",
) -> None:
    """Effects recomputed on every bootstrap draw of the regression coefficients."""
    draws = bootstrap.draws.draws
    est = result.estimates
    has = np.argwhere(st.pos >= 0)
    cols, std_cols = [], []
    for y, x in has:
        row = est.iloc[st.pos[y, x]]
        name = f"{row['lhs']} {row['op']} {row['rhs']}{tag}"
        if f"est:{name}" not in draws.columns:
            raise ModelSpecError(
                "the bootstrap does not belong to this model",
                found=f"no draws of '{name}'",
                expected="loyaltysem.bootstrap(result, ...) of the same result",
                fix="bootstrap this result and pass it: effects(res, bootstrap(res, ...))",
            )
        cols.append(f"est:{name}")
        std_cols.append(f"std:{name}")
    raw_b = draws[cols].to_numpy()
    std_b = draws[std_cols].to_numpy()
    values = np.empty((len(draws), len(recipes)))
    std_values = np.empty_like(values)
    for r in range(len(draws)):
        b = np.zeros_like(st.b)
        b[has[:, 0], has[:, 1]] = raw_b[r]
        values[r] = _std_values(b, recipes)  # the same algebra for raw coefficients
        b[has[:, 0], has[:, 1]] = std_b[r]
        std_values[r] = _std_values(b, recipes)
    lower, upper = percentile_interval(values, level)
    std_lower, std_upper = percentile_interval(std_values, level)
    table["boot_se"] = np.std(values, axis=0, ddof=1) if len(values) > 1 else np.nan
    table["boot_ci_lower"] = lower
    table["boot_ci_upper"] = upper
    table["std_boot_ci_lower"] = std_lower
    table["std_boot_ci_upper"] = std_upper


def _std_values(bs: np.ndarray, recipes: list[tuple[str, int, int, tuple[int, ...]]]) -> list:
    k = bs.shape[0]
    t = np.linalg.inv(np.eye(k) - bs) - np.eye(k)
    out = []
    for kind, y, x, nodes in recipes:
        if kind == "direct":
            out.append(bs[y, x])
        elif kind == "indirect":
            out.append(t[y, x] - bs[y, x])
        elif kind == "total":
            out.append(t[y, x])
        else:
            out.append(np.prod([bs[b, a] for a, b in itertools.pairwise(nodes)]))
    return out


def _std_se(
    result: Any,
    st: _Structure,
    recipes: list[tuple[str, int, int, tuple[int, ...]]],
    vcov: np.ndarray,
) -> np.ndarray:
    """Delta-method SEs of the standardized effects (central differences, batched).

    As lavaan's ``standardizedSolution()`` SEs of ``:=`` rows: the standardized
    coefficients are functions of all free parameters, differentiated numerically.
    """
    x = result._x
    batch_fn = result._std_all_batch
    if x is None or batch_fn is None or not len(recipes):
        return np.full(len(recipes), np.nan)
    q = len(x)
    h = 1e-6 * np.maximum(np.abs(x), 1.0)
    batch = np.vstack([x[None, :], x + np.diag(h), x - np.diag(h)])
    std_rows = batch_fn(batch)
    has = st.pos >= 0
    values = np.empty((len(batch), len(recipes)))
    for r in range(len(batch)):
        bs = np.zeros_like(st.b)
        bs[has] = std_rows[r, st.pos[has]]
        values[r] = _std_values(bs, recipes)
    jac = (values[1 : q + 1] - values[q + 1 :]) / (2 * h[:, None])
    jac = np.where(np.isfinite(jac), jac, 0.0)
    return np.sqrt(np.clip(np.einsum("qm,qp,pm->m", jac, vcov, jac), 0.0, None))


def _reaches(adj: np.ndarray, x: int, y: int) -> bool:
    seen = {x}
    frontier = [x]
    while frontier:
        node = frontier.pop()
        for nxt in np.flatnonzero(adj[:, node]):
            if int(nxt) == y:
                return True
            if int(nxt) not in seen:
                seen.add(int(nxt))
                frontier.append(int(nxt))
    return False


def _mediation(table: pd.DataFrame, interval: tuple[str, str]) -> pd.DataFrame:
    lo_col, hi_col = interval
    out = []
    for (src, tgt), grp in table.groupby(["source", "target"], sort=False):
        kinds = grp.set_index("kind")
        if "indirect" not in kinds.index:
            continue
        ind = kinds.loc["indirect"]
        tot = kinds.loc["total"]
        if "direct" in kinds.index:
            d = kinds.loc["direct"]
            d_est, d_lo, d_hi = d["est"], d[lo_col], d[hi_col]
        else:  # no direct path in the model (fixed at zero)
            d_est, d_lo, d_hi = np.nan, np.nan, np.nan
        out.append(
            {
                "source": src,
                "target": tgt,
                "direct": d_est,
                "direct_ci_lower": d_lo,
                "direct_ci_upper": d_hi,
                "indirect": ind["est"],
                "indirect_ci_lower": ind[lo_col],
                "indirect_ci_upper": ind[hi_col],
                "total": tot["est"],
                "proportion_mediated": ind["est"] / tot["est"] if tot["est"] != 0 else np.nan,
                "type": mediation_type(ind["est"], ind[lo_col], ind[hi_col], d_est, d_lo, d_hi),
                "interval": "bootstrap percentile" if lo_col.startswith("boot") else "delta",
            }
        )
    return pd.DataFrame(out)
