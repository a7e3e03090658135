"""From a lavaan-style parameter table to the matrices of the ML kernel, and back.

The parameter table has lavaan's columns ``lhs, op, rhs, free, ustart, exo``
(``free`` = 0 for fixed rows, else the 1-based index of the free parameter; rows
sharing an index are equal). This module builds the LISREL "all-y" layout lavaan
uses: latent variables first, then a phantom latent for every observed variable
that takes part in a regression (``~``) or a covariance with a latent variable,
whose loading is fixed to 1 and residual variance to 0. It also standardizes the
table's rows as lavaan's ``standardizedSolution()`` does (``cov.std = TRUE``).

Only numpy and pandas are used here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from loyaltysem._kernels.ml import Layout, inverse_i_minus_b

__all__ = [
    "CompiledModel",
    "ParTable",
    "StandardizationPlan",
    "compile_partable",
    "row_estimates",
    "standardize_rows",
]

_EMPTY = np.array([], dtype=int)


@dataclass(frozen=True)
class ParTable:
    """A lavaan-style parameter table as numpy columns (built once, read often).

    Columns ``lhs, op, rhs`` (str), ``free`` (0 = fixed, else 1-based parameter
    index; shared indices are equality constraints), ``ustart`` (fixed value or
    NaN), ``exo`` (1 for fixed.x rows), ``label`` (str, ``""`` if none).
    """

    lhs: np.ndarray
    op: np.ndarray
    rhs: np.ndarray
    free: np.ndarray
    ustart: np.ndarray
    exo: np.ndarray
    label: np.ndarray

    def __len__(self) -> int:
        return len(self.op)

    @functools.cached_property
    def text_columns(self) -> dict[str, Any]:
        """``lhs``, ``op``, ``rhs`` and ``label`` as pandas arrays, converted once.

        The arrays a DataFrame built from these columns holds (pandas' own inference,
        the ``str`` dtype under pandas 3); the table is immutable, so every estimates
        table of every fit of it reuses them instead of converting the strings again.
        """
        frame = pd.DataFrame({"lhs": self.lhs, "op": self.op, "rhs": self.rhs, "label": self.label})
        return {name: frame[name].array for name in ("lhs", "op", "rhs", "label")}

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> ParTable:
        """Build from a DataFrame with lavaan's ``parTable()`` column names."""
        n = len(frame)
        label = (
            frame["label"].fillna("").astype(str).to_numpy()
            if "label" in frame
            else np.full(n, "", dtype=object)
        )
        return cls(
            lhs=frame["lhs"].astype(str).to_numpy(dtype=object),
            op=frame["op"].astype(str).to_numpy(dtype=object),
            rhs=frame["rhs"].astype(str).to_numpy(dtype=object),
            free=frame["free"].to_numpy(dtype=int),
            ustart=pd.to_numeric(frame["ustart"], errors="coerce").to_numpy(dtype=float),
            exo=frame["exo"].to_numpy(dtype=int) if "exo" in frame else np.zeros(n, dtype=int),
            label=np.asarray(label, dtype=object),
        )

    def extend(self, lhs: list[str], op: list[str], rhs: list[str], free: np.ndarray) -> ParTable:
        """A new table with rows appended (free parameters, no labels)."""
        k = len(lhs)
        return ParTable(
            lhs=np.concatenate([self.lhs, np.asarray(lhs, dtype=object)]),
            op=np.concatenate([self.op, np.asarray(op, dtype=object)]),
            rhs=np.concatenate([self.rhs, np.asarray(rhs, dtype=object)]),
            free=np.concatenate([self.free, np.asarray(free, dtype=int)]),
            ustart=np.concatenate([self.ustart, np.full(k, np.nan)]),
            exo=np.concatenate([self.exo, np.zeros(k, dtype=int)]),
            label=np.concatenate([self.label, np.full(k, "", dtype=object)]),
        )


@dataclass(frozen=True)
class CompiledModel:
    """A parameter table compiled to kernel matrices.

    Attributes
    ----------
    layout : Layout
        Matrices and free-parameter positions.
    ov : list of str
        Observed variables, in the order of the sample covariance matrix.
    lv : list of str
        Latent variables (true latents only).
    latent_side : list of str
        Columns of Lambda: ``lv`` then the phantom latents (observed names).
    position : list of (str, int, int) or None
        For each table row: matrix name and position, ``None`` for rows that are
        not model matrix entries (``:=``, ``==``).
    free_rows : ndarray of int
        For each free parameter (0-based), the first table row holding it.
    ov_x : list of str
        Exogenous observed covariates with fixed.x (variances/covariances fixed at
        their sample values).
    """

    layout: Layout
    ov: list[str]
    lv: list[str]
    latent_side: list[str]
    position: list[tuple[str, int, int] | None]
    free_rows: np.ndarray
    ov_x: list[str]
    table: ParTable


def compile_partable(
    pt: ParTable, ov: list[str], s: np.ndarray, mean: np.ndarray | None = None
) -> CompiledModel:
    """Compile a parameter table to a kernel :class:`Layout`.

    Parameters
    ----------
    pt : ParTable
        Rows with ``lhs, op, rhs, free, ustart, exo``.
    ov : list of str
        Observed variables in the order of ``s``.
    s : ndarray
        Sample covariance matrix (divisor N); fixed.x rows (``exo == 1``) take their
        values from it.
    mean : ndarray, optional
        Sample means, for the intercepts of fixed.x covariates (``~1`` rows with
        ``exo == 1``). Intercepts (``~1``) of observed variables go to ``nu``, means
        and intercepts of latent variables, and of observed variables carried by a
        phantom latent, to ``alpha`` (as lavaan's LISREL representation).

    Without fixed.x rows the compiled model depends on the table and ``ov`` only: it is
    made once per table and variable order and reused (both are immutable).
    """
    data_free = not bool(np.any(pt.exo == 1))
    if data_free:
        cache = pt.__dict__.setdefault("_compiled", {})
        cached = cache.get(tuple(ov))
        if cached is None:
            cached = cache[tuple(ov)] = _compile(pt, ov, s, mean)
        return cached
    return _compile(pt, ov, s, mean)


def _compile(
    pt: ParTable, ov: list[str], s: np.ndarray, mean: np.ndarray | None = None
) -> CompiledModel:
    ops, lhs, rhs = pt.op, pt.lhs, pt.rhs
    lv = list(dict.fromkeys(lhs[ops == "=~"]))
    ov_pos = {name: i for i, name in enumerate(ov)}
    phantom: list[str] = []

    def need_phantom(name: str) -> None:
        if name in ov_pos and name not in lv and name not in phantom:
            phantom.append(name)

    for op, left, right in zip(ops, lhs, rhs, strict=True):
        if op == "~":
            need_phantom(left)
            need_phantom(right)
    for op, left, right in zip(ops, lhs, rhs, strict=True):
        if (
            op == "~~"
            and left != right
            and (left in lv or right in lv or left in phantom or right in phantom)
        ):
            need_phantom(left)
            need_phantom(right)
    # lavaan orders phantoms as they appear in ov
    phantom.sort(key=lambda name: ov_pos[name])
    latent_side = lv + phantom
    lat_pos = {name: j for j, name in enumerate(latent_side)}
    p, m = len(ov), len(latent_side)
    fixed = {
        "lambda": np.zeros((p, m)),
        "beta": np.zeros((m, m)),
        "psi": np.zeros((m, m)),
        "theta": np.zeros((p, p)),
        "nu": np.zeros((p, 1)),
        "alpha": np.zeros((m, 1)),
    }
    for name in phantom:
        fixed["lambda"][ov_pos[name], lat_pos[name]] = 1.0
    free: dict[str, list[tuple[int, int, int]]] = {k: [] for k in fixed}
    position: list[tuple[str, int, int] | None] = []
    free_col, ustart, exo = pt.free, pt.ustart, pt.exo
    ov_x: list[str] = []
    for i, (op, left, right) in enumerate(zip(ops, lhs, rhs, strict=True)):
        if op == "=~":
            if right in lat_pos and right in lv:  # higher-order factor: beta
                where = ("beta", lat_pos[right], lat_pos[left])
            else:
                where = ("lambda", ov_pos[right], lat_pos[left])
        elif op == "~":
            where = ("beta", lat_pos[left], lat_pos[right])
        elif op == "~~":
            if left in lat_pos and right in lat_pos:
                where = ("psi", lat_pos[left], lat_pos[right])
            else:
                where = ("theta", ov_pos[left], ov_pos[right])
        elif op == "~1":
            if left in lat_pos:
                where = ("alpha", lat_pos[left], 0)
            else:
                where = ("nu", ov_pos[left], 0)
        else:
            position.append(None)
            continue
        position.append(where)
        mat, r, c = where
        symmetric = mat in ("psi", "theta")
        if free_col[i] > 0:
            k = free_col[i] - 1
            free[mat].append((r, c, k))
            if symmetric and r != c:
                free[mat].append((c, r, k))
        else:
            if exo[i] == 1 and op == "~1":
                value = np.nan if mean is None else mean[ov_pos[left]]
            elif exo[i] == 1:
                value = s[ov_pos[left], ov_pos[right]]
                for name in (left, right):
                    if name not in ov_x:
                        ov_x.append(name)
            else:
                value = ustart[i] if np.isfinite(ustart[i]) else 0.0
            fixed[mat][r, c] = value
            if symmetric:
                fixed[mat][c, r] = value
    n_free = int(free_col.max()) if len(free_col) and free_col.max() > 0 else 0
    free_arrays = {
        k: (
            (np.array([t[0] for t in v]), np.array([t[1] for t in v]), np.array([t[2] for t in v]))
            if v
            else (_EMPTY, _EMPTY, _EMPTY)
        )
        for k, v in free.items()
    }
    free_rows = np.array(
        [int(np.flatnonzero(free_col == k + 1)[0]) for k in range(n_free)], dtype=int
    )
    layout = Layout(n_obs=p, n_lat=m, fixed=fixed, free=free_arrays, n_free=n_free)
    return CompiledModel(
        layout,
        list(ov),
        lv,
        latent_side,
        position,
        free_rows,
        sorted(ov_x, key=lambda n: ov_pos[n]),
        pt,
    )


def _row_values(model: CompiledModel, mats: dict[str, np.ndarray]) -> np.ndarray:
    out = np.full(len(model.position), np.nan)
    for i, where in enumerate(model.position):
        if where is not None:
            mat, r, c = where
            out[i] = mats[mat][r, c]
    return out


def row_estimates(model: CompiledModel, x: np.ndarray) -> np.ndarray:
    """Values of every table row at ``x`` (NaN for non-matrix rows)."""
    return _row_values(model, model.layout.matrices(x))


def _batched_matrices(layout: Layout, xs: np.ndarray) -> dict[str, np.ndarray]:
    b = xs.shape[0]
    out = {}
    for name, base in layout.fixed.items():
        mats = np.broadcast_to(base, (b, *base.shape)).copy()
        rows, cols, idx = layout.free[name]
        if len(idx):
            mats[:, rows, cols] = xs[:, idx]
        out[name] = mats
    return out


#: Batch members x observed x latent^2 from which :meth:`StandardizationPlan.values_and_sds`
#: evaluates shared products once.
_SHARE_FROM = 50_000


def _implied_variances(
    lay: Layout, lam: np.ndarray, beta: np.ndarray, psi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Diagonals of ``A Psi A'`` and ``LA Psi (LA)'`` (``A = (I - B)^-1``) of a batch.

    Row sums of ``(X Psi) o X``, one batched product each (a three-operand einsum loops
    in C without BLAS).
    """
    a = inverse_i_minus_b(lay, beta)  # a recursive model's: a finite series
    veta = np.sum((a @ psi) * a, axis=2)
    la = lam @ a
    return veta, np.sum((la @ psi) * la, axis=2)


@dataclass(frozen=True)
class StandardizationPlan:
    """Row-by-row standardization compiled to index arrays (evaluated in batches).

    Each row's standardized value is ``est * f[num1] * f[num2] / (f[den1] * f[den2])``
    where ``f`` concatenates ``[1, sd(latent)..., sd(observed)..., sqrt|variance
    parameter|...]`` (lavaan ``lav_standardize_lv`` / ``lav_standardize_all`` with
    ``cov.std = TRUE``).
    """

    model: CompiledModel
    mat_code: np.ndarray  # per row: 0 lambda, 1 beta, 2 psi, 3 theta, -1 none
    r: np.ndarray
    c: np.ndarray
    num: np.ndarray  # (rows, 2) indices into f
    den: np.ndarray  # (rows, 2)
    var_rows: np.ndarray  # rows whose |estimate| feeds the variance block of f

    @classmethod
    def build(cls, model: CompiledModel, kind: str) -> StandardizationPlan:
        """The plan of ``kind`` for ``model``, made once per compiled model (immutable)."""
        if kind not in ("std.lv", "std.all"):
            raise ValueError(f"kind must be 'std.lv' or 'std.all', got {kind!r}")
        plans = model.__dict__.setdefault("_plans", {})
        if kind not in plans:
            plans[kind] = cls._build(model, kind)
        return plans[kind]

    @classmethod
    def _build(cls, model: CompiledModel, kind: str) -> StandardizationPlan:
        codes = {"lambda": 0, "beta": 1, "psi": 2, "theta": 3, "nu": 4, "alpha": 5}
        n = len(model.position)
        mat_code = np.full(n, -1)
        r = np.zeros(n, dtype=int)
        c = np.zeros(n, dtype=int)
        for i, where in enumerate(model.position):
            if where is not None:
                mat_code[i], r[i], c[i] = codes[where[0]], where[1], where[2]
        ops, lhs, rhs = model.table.op, model.table.lhs, model.table.rhs
        n_lat, n_ov = len(model.latent_side), len(model.ov)
        lv_index = {name: 1 + j for j, name in enumerate(model.latent_side) if name in model.lv}
        ov_index = {name: 1 + n_lat + i for i, name in enumerate(model.ov)}
        var_rows = [i for i in range(n) if ops[i] == "~~" and lhs[i] == rhs[i]]
        var_index = {lhs[i]: 1 + n_lat + n_ov + k for k, i in enumerate(var_rows)}
        missing = 1 + n_lat + n_ov + len(var_rows)  # index of a NaN entry in f
        full = kind == "std.all"
        num = np.zeros((n, 2), dtype=int)
        den = np.zeros((n, 2), dtype=int)
        for i in range(n):
            op, left, right = ops[i], lhs[i], rhs[i]
            nu: list[int] = []
            de: list[int] = []
            if op == "=~":
                nu.append(lv_index[left])
                if right in lv_index:
                    de.append(lv_index[right])
                elif full:
                    de.append(ov_index[right])
            elif op == "~":
                if left in lv_index:
                    de.append(lv_index[left])
                elif full:
                    de.append(ov_index[left])
                if right in lv_index:
                    nu.append(lv_index[right])
                elif full:
                    nu.append(ov_index[right])
            elif op == "~~" and left == right:
                if left in lv_index:
                    de += [lv_index[left]] * 2
                elif full:
                    de += [ov_index[left]] * 2
            elif op == "~1":  # means and intercepts: divided by the implied SD
                if left in lv_index:
                    de.append(lv_index[left])
                elif full:
                    de.append(ov_index[left])
            elif op == "~~":
                for name in (left, right):
                    if name in lv_index or full:
                        de.append(var_index.get(name, missing))
            num[i, : len(nu)] = nu
            den[i, : len(de)] = de
        return cls(model, mat_code, r, c, num, den, np.array(var_rows, dtype=int))

    def _row_sources(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row: its fixed value (NaN off the matrices), and the free rows' parameters.

        A row's value is its matrix entry: the fixed value, or ``x[k]`` where a free
        parameter sits (what :func:`_batched_matrices` would scatter and read back).
        """
        cached = self.__dict__.get("_sources")
        if cached is not None:
            return cached
        lay = self.model.layout
        names = ("lambda", "beta", "psi", "theta", "nu", "alpha")
        where = {
            name: dict(
                zip(zip(rows.tolist(), cols.tolist(), strict=True), idx.tolist(), strict=True)
            )
            for name, (rows, cols, idx) in ((n, lay.free[n]) for n in names)
        }
        fixed = np.full(len(self.mat_code), np.nan)
        free_rows: list[int] = []
        free_idx: list[int] = []
        for i, code in enumerate(self.mat_code.tolist()):
            if code < 0:
                continue
            name, r, c = names[code], int(self.r[i]), int(self.c[i])
            k = where[name].get((r, c))
            if k is None:
                fixed[i] = lay.fixed[name][r, c]
            else:
                fixed[i] = 0.0
                free_rows.append(i)
                free_idx.append(k)
        out = (fixed, np.array(free_rows, dtype=int), np.array(free_idx, dtype=int))
        object.__setattr__(self, "_sources", out)
        return out

    def scales_and_values(
        self, xs: np.ndarray, fixed: dict[str, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Row values and their standardization factors for a batch ``xs`` (B x q).

        ``fixed``: each member's fixed matrix values (``name`` to B x r x c: fixed.x
        covariates' moments of a bootstrap draw) instead of the layout's.
        """
        est, f = self.values_and_sds(xs, fixed)
        return est, self.scale(f)

    def scale(self, f: np.ndarray) -> np.ndarray:
        """Each row's standardization factor from the SDs ``f`` of :meth:`values_and_sds`.

        ``f`` depends on the model only, not on the kind of standardization: the
        ``std.lv`` and ``std.all`` plans of one compiled model read the same ``f``.
        """
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = f[:, self.num[:, 0]] * f[:, self.num[:, 1]]
            return scale / (f[:, self.den[:, 0]] * f[:, self.den[:, 1]])

    def values_and_sds(
        self,
        xs: np.ndarray,
        fixed: dict[str, np.ndarray] | None = None,
        *,
        moved: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Row values and ``f = [1, sd(latent)..., sd(observed)..., sqrt|variance|..., NaN]``.

        For a batch ``xs`` (B x q); ``fixed`` as in :meth:`scales_and_values`. Row 0 of
        the values is :func:`row_estimates` at ``xs[0]``.

        ``moved`` (B,): the one parameter (0-based) in which each member differs from
        member 0, -1 for none (the delta method's central differences). Members that
        move none of ``Lambda``, ``B``, ``Psi``'s parameters share member 0's implied
        variances (less ``Theta``), evaluated once: the same numbers, fewer products.

        Examples
        --------
        >>> from loyaltysem.sem.specification import specify
        >>> spec = specify("f =~ y1 + y2 + y3")
        >>> cm = compile_partable(spec.partable(), list(spec.ov), np.eye(3))
        >>> plan = StandardizationPlan.build(cm, "std.all")
        >>> x = np.array([0.8, 0.9, 0.5, 0.4, 0.3, 1.2])
        >>> xs = np.vstack([x, x + np.eye(6)[3] * 1e-6])  # member 1 moves a residual variance
        >>> full, shared = plan.values_and_sds(xs), plan.values_and_sds(xs, moved=np.array([-1, 3]))
        >>> all(np.array_equal(a, b, equal_nan=True) for a, b in zip(full, shared))
        True
        """
        xs = np.atleast_2d(xs)
        lay = self.model.layout
        b = xs.shape[0]
        fixed_b = {} if fixed is None else fixed
        mats = {}
        for name in ("lambda", "beta", "psi"):  # small (m columns); Theta only by its diagonal
            base = lay.fixed[name]
            if name in fixed_b:
                mat = fixed_b[name].copy()
            else:
                mat = np.broadcast_to(base, (b, *base.shape)).copy()
            rows, cols, idx = lay.free[name]
            if len(idx):
                mat[:, rows, cols] = xs[:, idx]
            mats[name] = mat
        if "theta" in fixed_b:
            theta_diag = np.diagonal(fixed_b["theta"], axis1=1, axis2=2).copy()
        else:
            theta_diag = np.broadcast_to(np.diagonal(lay.fixed["theta"]), (b, lay.n_obs)).copy()
        rows, cols, idx = lay.free["theta"]
        on_diag = rows == cols
        if on_diag.any():
            theta_diag[:, rows[on_diag]] = xs[:, idx[on_diag]]
        # sharing costs ~15 small numpy calls: it pays for big products only (measured: the
        # e-commerce model's batch, 165 x 29 x 9^2 = 390,000, 430 -> 360 us; Political
        # Democracy's, 63 x 11 x 3^2, 100 -> 115 us)
        work = b * lay.n_obs * lay.n_lat**2
        if moved is None or fixed_b or work < _SHARE_FROM:
            veta, vy_common = _implied_variances(lay, mats["lambda"], mats["beta"], mats["psi"])
        else:
            veta, vy_common = self._shared_variances(mats, moved)
        vy = vy_common + theta_diag
        fixed, free_rows, free_idx = self._row_sources()
        est = np.broadcast_to(fixed, (b, len(fixed))).copy()
        if fixed_b:  # the fixed rows' values of each member
            names = ("lambda", "beta", "psi", "theta", "nu", "alpha")
            for code, name in enumerate(names):
                if name in fixed_b:
                    rows_i = np.flatnonzero(self.mat_code == code)
                    est[:, rows_i] = fixed_b[name][:, self.r[rows_i], self.c[rows_i]]
        est[:, free_rows] = xs[:, free_idx]
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.concatenate(
                [
                    np.ones((b, 1)),
                    np.sqrt(np.where(veta >= 0, veta, np.nan)),
                    np.sqrt(np.where(vy >= 0, vy, np.nan)),
                    np.sqrt(np.abs(est[:, self.var_rows])),
                    np.full((b, 1), np.nan),
                ],
                axis=1,
            )
        return est, f

    def _shared_variances(
        self, mats: dict[str, np.ndarray], moved: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """:func:`_implied_variances`, evaluated for member 0 and the members that need it.

        Each member's products are the same numbers in any batch (one product per
        member): a member whose ``B`` and ``Psi`` are member 0's takes member 0's
        latent variances, one whose ``Lambda`` is too its observed ones.
        """
        lat_params, obs_params = self._moving_parameters()
        own_lat = (moved >= 0) & lat_params[np.maximum(moved, 0)]
        own_obs = (moved >= 0) & obs_params[np.maximum(moved, 0)]
        own_lat[0] = own_obs[0] = True
        lat, obs = np.flatnonzero(own_lat), np.flatnonzero(own_obs)
        # each member's position among the evaluated: its own, else member 0's
        rep_lat = np.where(own_lat, np.cumsum(own_lat) - 1, 0)
        a = inverse_i_minus_b(self.model.layout, mats["beta"][lat])
        veta = np.sum((a @ mats["psi"][lat]) * a, axis=2)
        la = mats["lambda"][obs] @ a[rep_lat[obs]]
        vy = np.sum((la @ mats["psi"][obs]) * la, axis=2)
        return veta[rep_lat], vy[np.where(own_obs, np.cumsum(own_obs) - 1, 0)]

    def _moving_parameters(self) -> tuple[np.ndarray, np.ndarray]:
        """Per parameter: whether it sits in ``B`` or ``Psi``; in ``Lambda``, ``B`` or ``Psi``."""
        cached = self.__dict__.get("_moving")
        if cached is None:
            lay = self.model.layout
            lat = np.zeros(lay.n_free + 1, dtype=bool)  # one spare: never indexed past q
            for name in ("beta", "psi"):
                lat[lay.free[name][2]] = True
            obs = lat.copy()
            obs[lay.free["lambda"][2]] = True
            cached = (lat, obs)
            object.__setattr__(self, "_moving", cached)
        return cached

    def evaluate(self, xs: np.ndarray) -> np.ndarray:
        """Standardized row values for a batch of parameter vectors ``xs`` (B x q)."""
        est, scale = self.scales_and_values(xs)
        return est * scale


def standardize_rows(model: CompiledModel, x: np.ndarray, kind: str = "std.all") -> np.ndarray:
    """Standardize every row as lavaan's ``standardizedSolution()`` (``cov.std = TRUE``).

    ``std.lv`` scales by the model-implied standard deviations of the latent
    variables; ``std.all`` also by those of the observed variables. Covariances
    are scaled by the square roots of the corresponding (residual) variance
    parameters, so a residual covariance becomes a residual correlation
    (lavaan ``lav_standardize_lv`` and ``lav_standardize_all``).
    """
    return StandardizationPlan.build(model, kind).evaluate(x)[0]
