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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltysem._kernels.ml import Layout

__all__ = ["CompiledModel", "compile_partable", "standardize_rows"]

_EMPTY = np.array([], dtype=int)


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


def compile_partable(pt: pd.DataFrame, ov: list[str], s: np.ndarray) -> CompiledModel:
    """Compile a parameter table to a kernel :class:`Layout`.

    Parameters
    ----------
    pt : DataFrame
        Rows with ``lhs, op, rhs, free, ustart, exo``.
    ov : list of str
        Observed variables in the order of ``s``.
    s : ndarray
        Sample covariance matrix (divisor N); fixed.x rows (``exo == 1``) take their
        values from it.
    """
    ops = pt["op"].to_numpy()
    lhs = pt["lhs"].astype(str).to_numpy()
    rhs = pt["rhs"].astype(str).to_numpy()
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
    }
    for name in phantom:
        fixed["lambda"][ov_pos[name], lat_pos[name]] = 1.0
    free: dict[str, list[tuple[int, int, int]]] = {k: [] for k in fixed}
    position: list[tuple[str, int, int] | None] = []
    free_col = pt["free"].to_numpy(dtype=int)
    ustart = pd.to_numeric(pt["ustart"], errors="coerce").to_numpy(dtype=float)
    exo = pt["exo"].to_numpy(dtype=int) if "exo" in pt else np.zeros(len(pt), dtype=int)
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
            if exo[i] == 1:
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


def standardize_rows(
    model: CompiledModel, pt: pd.DataFrame, x: np.ndarray, kind: str = "std.all"
) -> np.ndarray:
    """Standardize every row as lavaan's ``standardizedSolution()`` (``cov.std = TRUE``).

    ``std.lv`` scales by the model-implied standard deviations of the latent
    variables; ``std.all`` also by those of the observed variables. Covariances
    are scaled by the square roots of the corresponding (residual) variance
    parameters, so a residual covariance becomes a residual correlation
    (lavaan ``lav_standardize_lv`` and ``lav_standardize_all``).
    """
    lay = model.layout
    mats = lay.matrices(x)
    est = _row_values(model, mats)
    a = np.linalg.inv(np.eye(lay.n_lat) - mats["beta"])
    veta = np.diag(a @ mats["psi"] @ a.T)
    la = mats["lambda"] @ a
    vy = np.diag(la @ mats["psi"] @ la.T + mats["theta"])
    lv_sd = {
        name: np.sqrt(veta[j]) if veta[j] >= 0 else np.nan
        for j, name in enumerate(model.latent_side)
        if name in model.lv
    }
    ov_sd = {name: np.sqrt(vy[i]) if vy[i] >= 0 else np.nan for i, name in enumerate(model.ov)}
    ops = pt["op"].to_numpy()
    lhs = pt["lhs"].astype(str).to_numpy()
    rhs = pt["rhs"].astype(str).to_numpy()
    out = est.copy()
    variance = {}
    for i, (op, left, right) in enumerate(zip(ops, lhs, rhs, strict=True)):
        if op == "~~" and left == right:
            variance[left] = np.sqrt(abs(est[i]))
    for i, (op, left, right) in enumerate(zip(ops, lhs, rhs, strict=True)):
        v = out[i]
        if op == "=~":
            v = v * lv_sd[left]
            if right in lv_sd:
                v = v / lv_sd[right]
            elif kind == "std.all":
                v = v / ov_sd[right]
        elif op == "~":
            if left in lv_sd:
                v = v / lv_sd[left]
            elif kind == "std.all":
                v = v / ov_sd[left]
            if right in lv_sd:
                v = v * lv_sd[right]
            elif kind == "std.all":
                v = v * ov_sd[right]
        elif op == "~~":
            if left == right:
                if left in lv_sd:
                    v = v / lv_sd[left] ** 2
                elif kind == "std.all":
                    v = v / ov_sd[left] ** 2
            else:
                for name in (left, right):
                    if name in lv_sd or kind == "std.all":
                        v = v / variance.get(name, np.nan)
        out[i] = v
    return out
