"""The model extension, variances and standardized EPCs of lavaan's ``modindices()``.

Shared by the modification indices of single- and multi-group fits, ML
(:func:`loyaltysem.sem.modindices.one_group_modification_indices`,
:func:`loyaltysem.sem.modindices.modification_indices`) and ordinal
(:func:`loyaltysem.sem.ordinal.ordinal_modification_indices`): lavaan 0.6.14
``modindices()`` extends the model by ``lav_object_extended(fit, add =
lav_partable_full(...), all.free = TRUE)`` (:func:`_extended_model`), computes ``V_jj =
I_jj - I_jM I_MM^-1 I_Mj`` for the new parameters (:func:`_mi_variances`) and
standardizes the EPCs with the fitted model's standard deviations
(:func:`_standardized_epc`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from loyaltysem._kernels.partable import (
    CompiledModel,
    ParTable,
    StandardizationPlan,
    compile_partable,
    row_estimates,
)
from loyaltysem.errors import IdentificationError

#: lavaan ``modindices``: candidates with ``V_jj`` below ``.Machine$double.eps^(1/3)`` get NA.
_MI_V_TOL = float(np.finfo(float).eps ** (1 / 3))
#: lavaan ``modindices``: variance rows with |EPC| below ``sqrt(.Machine$double.eps)`` get
#: standardized EPCs of 0.
_MI_SMALL = float(np.sqrt(np.finfo(float).eps))


def _mi_candidates(cm: CompiledModel) -> list[tuple[str, str, str]]:
    """Parameters not in the model that lavaan's ``modindices()`` adds to it.

    As ``lav_partable_full`` (lavaan 0.6.14, ``strict.exo = FALSE``), less the rows the
    model has: loadings of every latent on every observed non-x variable that is not
    a variable of the structural equations (``eqs.y``); covariances among observed
    non-x variables that are all indicators of latent variables (a pair with an
    observed variable that is no indicator, e.g. a regression outcome of a path
    model, is left out: lavaan's ``ov.other``); covariances among latent variables;
    regressions among the variables of the structural equations (not of an indicator
    on a latent variable); with a mean structure, intercepts of every observed and
    latent variable.
    """
    ops, lhs, rhs = cm.table.op, cm.table.lhs, cm.table.rhs
    lv = cm.lv
    ov_nox = [v for v in cm.ov if v not in cm.ov_x]
    ov_ind = {v for v in cm.ov if any((ops == "=~") & (rhs == v))}
    eqs = list(dict.fromkeys([*lhs[ops == "~"], *rhs[ops == "~"]]))
    cands: list[tuple[str, str, str]] = []
    for latent in lv:
        for v in ov_nox:
            if v not in eqs:
                cands.append((latent, "=~", v))
    for j, a in enumerate(ov_nox):
        for b in ov_nox[j:]:
            if a in ov_ind and b in ov_ind:
                cands.append((a, "~~", b))
    for j, a in enumerate(lv):
        for b in lv[j:]:
            cands.append((a, "~~", b))
    for y in eqs:
        for xv in eqs:
            if y != xv and not (y in ov_ind and xv in lv):
                cands.append((y, "~", xv))
    if np.any(ops == "~1"):
        cands.extend((v, "~1", "") for v in [*cm.ov, *lv])
    present = set()
    for op, left, right in zip(ops, lhs, rhs, strict=True):
        present.add((left, op, right))
        if op == "~~":
            present.add((right, op, left))
    return [c for c in cands if c not in present]


def _extended_model(
    cm: CompiledModel,
    x: np.ndarray,
    s: np.ndarray,
    mean: np.ndarray | None,
    *,
    free_exo: bool = False,
    ops: Sequence[str] = ("=~", "~", "~~", "~1"),
    values: np.ndarray | None = None,
) -> tuple[CompiledModel, np.ndarray, np.ndarray]:
    """The model as lavaan's ``modindices()`` extends it (one group, local indices).

    lavaan 0.6.14 ``lav_object_extended(fit, add = lav_partable_full(...), all.free =
    TRUE)``: every fixed parameter of the model that is not a fixed.x row (marker
    loadings, latent means fixed at 0, covariances fixed at 0 by ``orthogonal``, a
    user's ``0*x`` or ``0.5*x``, ...) is freed at its current value, and every
    candidate of :func:`_mi_candidates` is added at 0. The model's own free
    parameters keep their indices ``1..len(x)``; the new ones follow.

    ``ops`` are the operators of the fixed rows that are freed (ordinal models add
    ``|`` and ``~*~``); ``values`` the current value of every table row (default the
    matrix entries at ``x``; lavaan's ``parameterEstimates(fit)$est``).

    Returns the compiled extended model, the table rows of the new parameters (in
    the order of their new indices) and their current values.
    """
    pt = cm.table
    q = len(x)
    if values is None:
        values = row_estimates(cm, x)
    kept = np.ones(len(pt), dtype=bool) if free_exo else pt.exo == 0
    fixed = np.flatnonzero((pt.free == 0) & kept & np.isin(pt.op, list(ops)))
    cands = _mi_candidates(cm)
    local = pt.free.copy()
    local[fixed] = q + 1 + np.arange(len(fixed))
    freed = ParTable(pt.lhs, pt.op, pt.rhs, local, pt.ustart, pt.exo, pt.label)
    ext = freed.extend(
        [c[0] for c in cands],
        [c[1] for c in cands],
        [c[2] for c in cands],
        q + 1 + len(fixed) + np.arange(len(cands)),
    )
    ecm = compile_partable(ext, list(cm.ov), s, mean)
    rows = np.concatenate([fixed, len(pt) + np.arange(len(cands))]).astype(int)
    start = np.concatenate([values[fixed], np.zeros(len(cands))])
    return ecm, rows, start


def _standardized_epc(
    ecm: CompiledModel,
    rows: np.ndarray,
    epc: np.ndarray,
    x_ext: np.ndarray,
    ov_x: Sequence[str],
) -> dict[str, np.ndarray]:
    """``sepc.lv``, ``sepc.all``, ``sepc.nox`` of the new rows, as lavaan's ``modindices``.

    ``cov.std = TRUE``: covariances are scaled by the current (residual) variances; a
    variance row is standardized at its current value, not at its EPC, with the EPC's
    sign, and one whose value is below ``sqrt(eps)`` gets 0 (lavaan 0.6.14
    ``modindices``). ``sepc.nox`` (``lav_standardize_all_nox``) is ``sepc.all`` except
    that a regression on a fixed.x covariate (``ov_x``, of the fitted model) is not
    multiplied by the covariate's standard deviation.
    """
    ops, lhs, rhs = ecm.table.op[rows], ecm.table.lhs[rows], ecm.table.rhs[rows]
    exo = ecm.table.exo[rows] == 1
    variance = (ops == "~~") & (lhs == rhs)
    # lavaan cov.std: a variance is standardized at its value (not a fixed.x one)
    at_value = variance & ~exo
    magnitude = np.where(at_value, np.abs(x_ext[ecm.table.free[rows] - 1]), np.abs(epc))
    small = variance & (magnitude < _MI_SMALL)
    out: dict[str, np.ndarray] = {}
    for kind, key in (("std.lv", "sepc.lv"), ("std.all", "sepc.all")):
        _, scale = StandardizationPlan.build(ecm, kind).scales_and_values(x_ext)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.sign(epc) * magnitude * scale[0, rows]
        # a residual covariance with a zero residual variance has no correlation: NA
        value = np.where(np.isfinite(value), value, np.nan)
        value[small] = 0.0
        out[key] = value
    exo_cov = exo & (ops == "~~") & (lhs != rhs)
    if exo_cov.any():
        # freed fixed.x covariances (lavaan frees them too): their variances enter cov.std
        # at their EPCs (NA below sqrt(eps)), and sepc.nox leaves them unstandardized
        var_epc = {a: abs(e) for a, e, v in zip(lhs, epc, variance & exo, strict=True) if v}
        for i in np.flatnonzero(exo_cov):
            va, vb = var_epc.get(lhs[i], np.nan), var_epc.get(rhs[i], np.nan)
            ok = va >= _MI_SMALL and vb >= _MI_SMALL
            out["sepc.all"][i] = epc[i] / np.sqrt(va * vb) if ok else np.nan
    nox = out["sepc.all"].copy()
    nox[exo_cov] = epc[exo_cov]
    on_x = (ops == "~") & np.isin(rhs, list(ov_x))
    if on_x.any():
        mats = ecm.layout.matrices(x_ext)
        la = mats["lambda"] @ np.linalg.inv(np.eye(ecm.layout.n_lat) - mats["beta"])
        var = np.einsum("ij,jk,ik->i", la, mats["psi"], la) + np.diag(mats["theta"])
        pos = {name: i for i, name in enumerate(ecm.ov)}
        sd = np.sqrt(var[[pos[v] for v in rhs[on_x]]])
        nox[on_x] = nox[on_x] / sd
    out["sepc.nox"] = nox
    return out


def _mi_variances(info: np.ndarray, q: int) -> np.ndarray:
    """``V_jj = I_jj - I_jM I_MM^-1 I_Mj`` of the new parameters (after the first ``q``).

    NaN where ``V_jj < eps^(1/3)`` (lavaan ``modindices``: equivalent or not
    identified). Raises :class:`IdentificationError` when ``I_MM`` is singular (lavaan:
    "could not compute modification indices; information matrix is singular").
    """
    i22 = info[:q, :q]
    i21 = info[:q, q:]
    try:
        sol = np.linalg.solve(i22, i21) if q else np.zeros((0, info.shape[0] - q))
    except np.linalg.LinAlgError as exc:
        raise IdentificationError(
            "could not compute modification indices: the information matrix is singular",
            found=f"{q} free parameters, information of rank {np.linalg.matrix_rank(i22)}",
            expected="an identified model (a positive definite information matrix)",
            fix="fix or constrain the parameters that are not identified, then refit",
        ) from exc
    v = np.diag(info)[q:] - np.sum(i21 * sol, axis=0)
    v[~(v >= _MI_V_TOL)] = np.nan
    return v
