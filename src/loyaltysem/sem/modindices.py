r"""Modification indices of an ML fit of G >= 1 groups, as lavaan 0.6.14 ``modindices(fit)``.

One computation for one group and for several (:func:`modification_indices`; one
group is the case G = 1, :func:`one_group_modification_indices`). For a model of G
groups lavaan's
``modindices`` (``lav_model_modindices`` / ``modindices`` in lavaan 0.6.14) works on
the model *extended* in every group by

- every fixed parameter of the model (``lav_object_extended(..., all.free = TRUE)``):
  the marker loadings, the latent means fixed at 0, the latent variances fixed at 1
  with ``std_lv``; each freed in its own group only, at its fixed value; and
- every parameter of ``lav_partable_full`` that the model does not have: cross
  loadings, residual covariances, latent covariances and regressions among the
  variables of the structural part (``_kernels.modindices._mi_candidates``, per
  group); with a mean structure the intercepts too.

With ``x`` the estimates (the candidates at their current values), the score ``d =
dF/dx / 2`` of the joint discrepancy ``F = sum_g (n_g / N) F_ML,g`` and the unit
expected information ``I = sum_g (n_g / N) I_g`` of the extended model (each ``I_g``
without the moments of the group's fixed.x covariates, lavaan's ``x.idx``; their freed
variance rows get no index), each candidate ``j`` gets

.. math::

    V_{jj} = I_{jj} - I_{j,M} I_{M,M}^{-1} I_{M,j}, \quad
    \mathrm{mi}_j = N d_j^2 / V_{jj}, \quad \mathrm{epc}_j = -d_j / V_{jj},

``M`` the model's own free parameters. Equality constraints across groups
(``group_equal``) are shared parameters here; lavaan writes them as ``==`` rows and
uses the constrained inverse of the model's information, ``K (K' I K)^{-1} K'`` with
``K`` the map from shared parameters to rows, which is ``I_{M,M}^{-1}`` of the shared
parameterization: the same numbers. The constraints themselves get no index (lavaan
leaves the ``==`` rows out; their score tests are :meth:`MultiGroupResult.score_tests`,
``lavTestScore``). Candidates with ``V_jj < eps^(1/3)`` (not identified, e.g. a marker
loading when no loading is equal across groups) get no index and are left out, as
lavaan's ``na.remove = TRUE``. ``sepc.lv`` and ``sepc.all`` standardize the EPC with
each group's fitted moments (``cov.std = TRUE``); a variance candidate is standardized
at its current value, lavaan's ``cov.std`` rule. ``sepc.nox`` is ``sepc.all`` except for
regressions on fixed.x covariates, left unstandardized in the covariate. The extended
model of each group, its information without the covariates' moments, ``V`` and the
standardized EPCs are computed per group (``_kernels.modindices._extended_model``,
``_fixed_x_information``, ``_mi_variances``, ``_standardized_epc``).

The indices use the ML score and the expected information also for fits with robust
standard errors and tests (MLM, MLR): lavaan's ``modindices`` does the same
(``information = "expected"``), at the same (ML) estimates.

Full-information ML (``missing = "ml"``; ``fiml``: each group's response patterns and
EM saturated moments): the extended model of every group is a
:class:`~loyaltysem._kernels.fiml.FIMLKernel` on that group's patterns, so ``d`` is the
score of the FIML discrepancy ``F = sum_g 2 (l_h1,g - l_g) / N`` (lavaan's
``gradient.logl``) and ``I = sum_g (n_g / N) I_g`` the *expected* FIML information at
the model's moments (``modindices(information = "expected")``, lavaan's default
there, with ``h1.information = "structured"``: ``lav_mvnorm_missing_information_expected``
at the implied mean and covariance), not the observed information the standard errors
of such a fit use; with MLR the same (ML) indices. The sample moments that start and
standardize are the EM ones. With fixed.x covariates (``missing="ml"`` / ``"ml.x"``) the
covariates' moments stay fixed in the extended model and a covariate regressed on
another variable gets no index, as the single-group FIML indices (lavaan's NA).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from loyaltysem._kernels import fiml as fiml_kernel
from loyaltysem._kernels.ml import FitState, MLKernel
from loyaltysem._kernels.modindices import _extended_model, _mi_variances, _standardized_epc
from loyaltysem._kernels.multigroup import MultiGroupKernel
from loyaltysem._kernels.partable import CompiledModel, ParTable, compile_partable
from loyaltysem.errors import IdentificationError, ModelSpecError
from loyaltysem.sem.group_blocks import _GroupData

__all__ = [
    "MI_COLUMNS",
    "ONE_GROUP_MI_COLUMNS",
    "modification_indices",
    "one_group_modification_indices",
]

#: Columns of :func:`modification_indices` (lavaan's, without ``block`` and ``level``).
MI_COLUMNS = ("lhs", "op", "rhs", "group", "mi", "epc", "sepc.lv", "sepc.all", "sepc.nox")
#: Columns of :func:`one_group_modification_indices` (lavaan's of one group).
ONE_GROUP_MI_COLUMNS = tuple(c for c in MI_COLUMNS if c != "group")


def _fixed_x_information(kernel: MLKernel, st: FitState, x_idx: Sequence[int]) -> np.ndarray:
    """Unit expected information without the moments of the fixed.x covariates.

    lavaan 0.6.14 ``lav_mvnorm_information_expected(..., x.idx)`` zeroes the rows and
    columns of the covariates' variances, covariances (and means) in the information
    of the sample moments; a candidate that would move them (a covariate regressed
    on another variable) gets its information from the other moments only.
    """
    if not len(x_idx):
        return kernel.expected_information(st)
    xi = np.asarray(x_idx, dtype=int)
    delta = kernel.jacobian(st)
    delta[:, xi[:, None], xi[None, :]] = 0.0
    info = kernel.expected_information(st, delta)
    if kernel.mean is not None:
        dmu = kernel.mean_jacobian(st)
        kept = dmu.copy()
        kept[:, xi] = 0.0
        si = st.sigma_inv
        info = info - dmu @ si @ dmu.T + kept @ si @ kept.T
    return info


def modification_indices(
    kernel: MultiGroupKernel,
    compiled: Sequence[CompiledModel],
    index: Sequence[np.ndarray],
    table: pd.DataFrame | None,
    x: np.ndarray,
    gd: _GroupData,
    *,
    sort: bool = True,
    minimum_value: float = 0.0,
    fiml: tuple[Sequence[fiml_kernel.Patterns], Sequence[fiml_kernel.EMResult]] | None = None,
) -> pd.DataFrame:
    r"""Modification indices of a multi-group ML fit, as lavaan's ``modindices(fit)``.

    The conventions and formulas, with their lavaan sources, are in the module
    docstring (:mod:`loyaltysem.sem.modindices`).

    Parameters
    ----------
    kernel : MultiGroupKernel
        The fitted model's kernel (global parameters; shared ones once).
    compiled : sequence of CompiledModel
        Per group: the compiled model (local free indices).
    index : sequence of ndarray
        Per group: the global (0-based) index of each local parameter.
    table : DataFrame or None
        The multi-group parameter table (``lhs, op, rhs, group, free, ...``); its
        group numbers are the ``group`` column of the result (``None``: 1..G).
    x : ndarray
        The estimates (global free parameters).
    gd : _GroupData
        Per group: sample covariance (divisor n_g), means and sizes (with ``fiml``:
        the EM moments).
    sort : bool, default True
        Largest index first (lavaan ``sort. = TRUE``); else by group, then the
        model's fixed parameters and the candidates in lavaan's ``lav_partable_full``
        order.
    minimum_value : float, default 0
        When positive, only rows with ``mi`` above it (lavaan ``minimum.value``).
    fiml : tuple, optional
        A full-information ML fit (``gd.missing == "ml"``): per group, the response
        patterns and the EM saturated moments (``groups._fiml_groups``); the score and
        the expected information are then the FIML ones.

    Returns
    -------
    DataFrame
        ``lhs, op, rhs, group`` (1..G, lavaan's group number), ``mi, epc, sepc.lv,
        sepc.all, sepc.nox``; one row per candidate parameter and group that has an
        index.

    Raises
    ------
    ModelSpecError
        Inputs that do not belong together (numbers of groups, estimates, patterns); a
        fit with missing data (``gd.missing != "listwise"``) without its ``fiml``
        patterns and EM moments.
    IdentificationError
        The information matrix of the model is singular (lavaan: "could not compute
        modification indices").

    Examples
    --------
    Metric invariance of the Holzinger-Swineford CFA across schools; in R:
    ``modindices(cfa(model, hs, group = "school", group.equal = "loadings"))``.

    >>> from loyaltysem.datasets import load_frame
    >>> from loyaltysem.sem.multigroup import fit_groups
    >>> hs = load_frame("holzinger_swineford")
    >>> model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    >>> res = fit_groups(model, hs, "school", group_equal=["loadings"])
    >>> mi = res.modification_indices()
    >>> row = mi.iloc[0]
    >>> row["lhs"], row["op"], row["rhs"], int(row["group"]), round(float(row["mi"]), 2)
    ('visual', '=~', 'x9', 2, 21.19)
    """
    n_groups = len(compiled)
    x = np.asarray(x, dtype=float)
    q = int(kernel.n_free)
    if not (len(index) == n_groups == len(gd.covs) == len(kernel.kernels)) or len(x) != q:
        raise ModelSpecError(
            "modification_indices(): the inputs do not belong to one multi-group fit",
            found=f"{n_groups} compiled groups, {len(index)} indices, {len(gd.covs)} groups "
            f"of data, {len(kernel.kernels)} kernel groups; {len(x)} estimates for "
            f"{q} parameters",
            expected="the kernel, compiled models, indices, table, estimates and group "
            "data of one fit",
            fix="call MultiGroupResult.modification_indices()",
        )
    missing = getattr(gd, "missing", "listwise")
    if fiml is None and missing not in ("listwise", "pairwise"):  # pairwise: ML on moments
        raise ModelSpecError(
            "modification indices of a multi-group fit with missing data need each group's "
            "response patterns and EM moments (full-information ML)",
            found=f"missing={missing!r} without fiml=",
            expected="a listwise multi-group fit, or fiml=(patterns, EM moments) per group",
            fix="call MultiGroupResult.modification_indices() of the fit",
        )
    if fiml is not None:
        pats, h1s = fiml
        if not (len(pats) == len(h1s) == n_groups) or missing not in ("ml", "ml.x", "listwise"):
            raise ModelSpecError(
                "modification_indices(): the full-information ML inputs do not belong to the fit",
                found=f"{len(pats)} pattern sets and {len(h1s)} EM results for {n_groups} "
                f"groups; missing={missing!r}",
                expected="one set of patterns and EM moments per group of a missing='ml' fit",
                fix="call MultiGroupResult.modification_indices()",
            )
    group_numbers = (
        np.arange(1, n_groups + 1)
        if table is None
        else np.unique(table["group"].to_numpy(dtype=int))
    )
    # the sample means enter only a model with a mean structure (one group may have none)
    has_means = bool(np.any(compiled[0].table.op == "~1"))
    means = list(gd.means) if has_means else [None] * n_groups
    layouts, idx_ext, starts, pieces, models = [], [], [x], [], []
    next_free = q
    for g, (cm, idx) in enumerate(zip(compiled, index, strict=True)):
        idx = np.asarray(idx, dtype=int)
        # FIML: the covariates' moments stay fixed (the single-group FIML rule)
        ecm, rows, start = _extended_model(cm, x[idx], gd.covs[g], means[g], free_exo=fiml is None)
        new = next_free + np.arange(len(rows))
        next_free += len(rows)
        layouts.append(ecm.layout)
        idx_ext.append(np.concatenate([idx, new]))
        starts.append(start)
        models.append((ecm, rows, new))
        pieces.append(
            pd.DataFrame(
                {
                    "lhs": ecm.table.lhs[rows],
                    "op": ecm.table.op[rows],
                    "rhs": ecm.table.rhs[rows],
                    "group": int(group_numbers[g]) if g < len(group_numbers) else g + 1,
                }
            )
        )
    if next_free == q:
        return pd.DataFrame(columns=list(MI_COLUMNS))
    x_ext = np.concatenate(starts)
    if fiml is None:
        full = MultiGroupKernel(layouts, idx_ext, gd.covs, means, gd.nobs, next_free)
        st = full.state(x_ext)
        # per group, without the moments of its fixed.x covariates (lavaan's x.idx)
        info = np.zeros((next_free, next_free))
        for g, (k, s_g, idx, w) in enumerate(
            zip(full.kernels, st.states, full.index, full.weights, strict=True)
        ):
            pos = {name: i for i, name in enumerate(compiled[g].ov)}
            x_idx = [pos[v] for v in compiled[g].ov_x]
            info[np.ix_(idx, idx)] += w * _fixed_x_information(k, s_g, x_idx)
    else:  # FIML score and expected FIML information at the model (lavaan's)
        per_group = [
            fiml_kernel.FIMLKernel(lay, pat, h1)
            for lay, pat, h1 in zip(layouts, *fiml, strict=True)
        ]
        full = MultiGroupKernel.from_kernels(per_group, idx_ext, gd.nobs, next_free)
        st = full.state(x_ext)
        if not (st.ok and all(np.isfinite(s_g.loglik) for s_g in st.states)):
            raise IdentificationError(
                "could not compute modification indices: the implied moments of a group "
                "are not positive definite at the estimates",
                found="a group whose implied covariance matrix (or one of its missing-data "
                "patterns) is not positive definite",
                expected="a converged fit with positive definite implied moments",
                fix="check the fit's warnings (Heywood cases, convergence) and refit",
            )
        info = full.expected_information(st)
    score = full.gradient(st) / 2.0
    v = _mi_variances(info, q)
    if fiml is not None:
        # FIML with fixed.x covariates: lavaan has no index for a covariate regressed on
        # another variable (NA), its moments being fixed
        for g, (ecm, rows, new) in enumerate(models):
            is_x = np.isin(ecm.table.lhs[rows], list(compiled[g].ov_x))
            v[new[(ecm.table.op[rows] == "~") & is_x] - q] = np.nan
    d = score[q:]
    mi = full.n * d * d / v
    epc = -d / v
    sepc: dict[str, list[np.ndarray]] = {"sepc.lv": [], "sepc.all": [], "sepc.nox": []}
    for g, (ecm, rows, new) in enumerate(models):
        parts = _standardized_epc(ecm, rows, epc[new - q], x_ext[idx_ext[g]], compiled[g].ov_x)
        for key, value in parts.items():
            sepc[key].append(value)
    out = pd.concat(pieces, ignore_index=True)
    out["mi"] = mi
    out["epc"] = epc
    out["sepc.lv"] = np.concatenate(sepc["sepc.lv"])
    out["sepc.all"] = np.concatenate(sepc["sepc.all"])
    out["sepc.nox"] = np.concatenate(sepc["sepc.nox"])
    out = out[np.isfinite(out["mi"].to_numpy())]
    if minimum_value > 0:
        out = out[out["mi"] > minimum_value]
    if sort:
        out = out.sort_values("mi", ascending=False, kind="stable")
    return out.reset_index(drop=True)[list(MI_COLUMNS)]


def one_group_modification_indices(
    pt: ParTable,
    ov: list[str],
    s: np.ndarray,
    n: int,
    x: np.ndarray,
    mean: np.ndarray | None = None,
    missing: tuple[fiml_kernel.Patterns, fiml_kernel.EMResult] | None = None,
) -> pd.DataFrame:
    r"""Modification indices of a one-group ML fit: :func:`modification_indices` with G = 1.

    lavaan 0.6.14 ``modindices(fit, sort. = TRUE)`` of a single-group fit: the model
    extended by every fixed parameter freed at its value and every parameter of
    lavaan's ``lav_partable_full`` it lacks, ``mi = N d^2 / V``, ``epc = -d / V``
    (see :func:`modification_indices`; the covariates' moments carry no information,
    lavaan's ``x.idx``).

    Parameters
    ----------
    pt : ParTable
        The fitted model's parameter table.
    ov : list of str
        Observed variables, in the order of ``s``.
    s : ndarray
        Sample covariance (divisor N; the EM moments with ``missing``).
    n : int
        Number of observations.
    x : ndarray
        The estimates (free parameters of ``pt``).
    mean : ndarray, optional
        Sample means, with a mean structure.
    missing : tuple, optional
        ``(patterns, h1)`` of a full-information ML fit: the FIML score and expected
        information (lavaan's).

    Returns
    -------
    DataFrame
        ``lhs, op, rhs, mi, epc, sepc.lv, sepc.all, sepc.nox``, largest ``mi`` first;
        one row per new parameter with an index.

    Examples
    --------
    The Holzinger-Swineford CFA with uncorrelated factors; in R:
    ``modindices(cfa(model, hs, orthogonal = TRUE), sort. = TRUE)``.

    >>> from loyaltysem import fit
    >>> from loyaltysem.datasets import load_frame
    >>> hs = load_frame("holzinger_swineford")
    >>> model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    >>> mi = fit(model, hs, orthogonal=True).modification_indices()
    >>> row = mi[(mi["lhs"] == "visual") & (mi["rhs"] == "textual")].iloc[0]
    >>> row["op"], round(float(row["mi"]), 2), round(float(row["sepc.all"]), 3)
    ('~~', 26.55, 0.388)
    """
    x = np.asarray(x, dtype=float)
    cm = compile_partable(pt, list(ov), s, mean)
    index = [np.arange(len(x))]
    kernel: Any
    if missing is None:
        kernel = MultiGroupKernel([cm.layout], index, [s], [mean], [n], len(x))
        fiml = None
    else:
        per_group = [fiml_kernel.FIMLKernel(cm.layout, missing[0], missing[1])]
        kernel = MultiGroupKernel.from_kernels(per_group, index, [n], len(x))
        fiml = ([missing[0]], [missing[1]])
    gd = _GroupData(
        labels=(1,), covs=(s,), means=(mean,), nobs=(int(n),), n_excluded=(0,),
        n_group_missing=0, data_hash=None, notes=(),
        missing="listwise" if missing is None else "ml",
    )  # fmt: skip
    out = modification_indices(kernel, [cm], index, None, x, gd, fiml=fiml)
    return out[list(ONE_GROUP_MI_COLUMNS)]
