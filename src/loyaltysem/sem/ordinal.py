"""Ordinal SEM: WLSMV and ULSMV with lavaan 0.6.14's numbers, one group or several.

One pipeline fits G >= 1 groups (:func:`fit_blocks`: categories, per-group thresholds and
polychorics, the parameter table, the estimates, the robust covariance, the tests and fit
measures, the row values); a single group is the case G = 1 (:func:`one_block`,
:func:`fit_one_group`, the single-group result), several groups are
:func:`loyaltysem.sem.ordinal_multigroup.fit_groups_ordinal`.

:func:`fit_ordinal` computes what
``lavaan::sem(model, data, ordered = items, estimator = "WLSMV")`` (or ``"ULSMV"``)
computes with lavaan's defaults: ``parameterization = "delta"``, one group, listwise
deletion; with ``parameterization="theta"`` what ``sem(..., parameterization =
"theta")`` computes. Conventions that decide the numbers (lavaan source in brackets):

- **Sample statistics** (two-step, ``lav_samplestats_step1/2``): thresholds
  ``Phi^-1(cumulative proportions)`` and polychoric correlations, and their asymptotic
  covariance ``Gamma`` (lavaan's ``NACOV``, Muthen 1984), from
  :func:`loyaltysem.sem.polychoric.polychoric` with ``nacov=True``. Categories are the
  values observed in a column before deletion (``lavData``).
- **Parameter table** (``lavaanify`` with ``ordered``): the user rows, then one threshold
  row ``item | t1, t2, ...`` per item (free), the default variances and covariances
  (residual variances of the ordinal indicators fixed, shown at
  ``1 - diag(Lambda A Psi A' Lambda')``), scaling rows ``item ~*~ item`` fixed at 1,
  intercepts ``item ~ 1`` and latent means ``lv ~ 1`` fixed at 0.
- **Estimator**: DWLS for WLSMV (weights ``1 / diag(Gamma)``, lavaan ``WLS.VD``), ULS
  for ULSMV (unit weights); ``fmin = (N - 1) / N F / 2`` and ``chisq = 2 N fmin =
  (N - 1) F`` (``lav_model_objective``, ``lav_model_test``;
  :mod:`loyaltysem._kernels.dwls`).
- **Standard errors** ``se = "robust.sem"``: ``E^-1 Delta' W Gamma W Delta E^-1 / (N - 1)``
  with ``E = Delta' W Delta`` (``lav_model_vcov`` divides by ``N - 1`` for estimators
  other than ML).
- **Test** ``test = "scaled.shifted"`` (``lav_test_satorra_bentler``):
  ``chisq.scaled = a chisq + b``, ``a = sqrt(df / tr((U Gamma)^2))``,
  ``b = df - a tr(U Gamma)``; ``chisq.scaling.factor = 1 / a``,
  ``chisq.shift.parameters = b``. The baseline model (thresholds free, correlations 0,
  ``lav_object_independence``) is tested the same way.
- **Fit measures** (``lav_fit_measures``): CFI/TLI/NNFI/RFI/NFI/PNFI/IFI/RNI from the
  standard and from the scaled-shifted statistics; RMSEA from ``chisq`` on ``df`` and
  ``rmsea.scaled`` from ``chisq.scaled`` on ``df`` (``lav_fit_rmsea_lavobject``), with
  ``N - 1`` in place of N (``lav_utils_get_ntotal``), as in ``cn_05``, ``cn_01``, ``mfi``;
  the p-values of the unscaled ULS statistics are NA (``lav_model_test``);
  ``srmr`` is ``srmr_bentler_nomean`` (correlation residuals over ``p (p + 1) / 2``),
  the ``rmr``/``srmr_bentler``/``crmr`` versions add the (zero) threshold residuals to
  the count, ``srmr_mplus`` is NA as in lavaan (``lav_fit_srmr_lavobject``); ``gfi``
  uses the weights ``W`` over thresholds and correlations (``lav_fit_gfi``), ``wrmr =
  sqrt(chisq / (thresholds + correlations))``, ``cn_05``, ``cn_01``, ``mfi`` from the
  standard statistic. No likelihood, information criteria or ``ecvi``.
- **Robust CFI/TLI/RNI/RMSEA** (``*.robust``, lavaan 0.6.14 ``lav_fit_catml_dwls``): the
  model evaluated by ML on the polychoric matrix at the (D)WLS estimates (catML),
  ``XX3 = N F_ML``, scaled by ``c = tr(WiU' V WiU Gamma) / df``; baseline
  ``-N log|R|`` scaled by ``tr(Gamma) / df_b`` (:func:`loyaltysem._kernels.dwls.catml`).
- **Standardized solution** (``standardizedSolution``, ``cov.std = TRUE``): the
  variances of ``y*`` are 1, so ``std.all`` rescales by the latent SDs only; thresholds
  are unchanged; delta-method SEs from the robust ``vcov``. **R²** of an indicator is
  ``1 - theta_ii``.
- **Theta parameterization** (``parameterization = "theta"``): the residual variances
  of ``y*`` are parameters fixed at 1 (``lav_partable_flat``); ``Sigma* = Lambda A Psi
  A' Lambda' + Theta``, the scaling factors ``~*~`` are ``Delta = diag(Sigma*)^-1/2``
  (``setDeltaElements.LISREL``, shown in the ``~*~`` rows), the implied correlations
  ``Delta Sigma* Delta`` and thresholds ``Delta tau`` (``computeSigmaHat``,
  ``computeTH``). The same model as delta (chi-square, tests and every fit measure
  equal), in other units: the thresholds are no longer the sample thresholds (their
  ``std.all`` are), so every parameter is iterated jointly (complex-step Jacobian,
  :class:`loyaltysem._kernels.multigroup_dwls.MultiGroupDWLS` with one group).
  ``std.all`` divides by ``sd(y*) = sqrt(diag Sigma*)``; residual covariances become
  correlations ``theta_ij / sqrt(theta_ii theta_jj)``; R² ``1 - theta_ii / var(y*)``.
- **Modification indices** (``modindices()``, ``res.modification_indices()``): the DWLS
  score and expected information of the extended model
  (:func:`ordinal_modification_indices`).

Not implemented (typed errors): continuous indicators mixed with ordinal ones
(polyserial correlations), observed covariates and observed variables in regressions,
``missing = "ml"``. Missing answers:
``missing = "listwise"`` (lavaan's default) or ``"pairwise"`` (lavaan's pairwise
polychorics and their NACOV).

References
----------
Muthen, B. (1984). A general structural equation model with dichotomous, ordered
categorical, and continuous latent variable indicators. Psychometrika 49, 115-132.
Muthen, B., du Toit, S. H. C., & Spisic, D. (1997). Robust inference using weighted least
squares and quadratic estimating equations in latent variable modeling with categorical
and continuous outcomes. Unpublished technical report.
Asparouhov, T., & Muthen, B. (2010). Simple second order chi-square correction.
Mplus technical appendix.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy import linalg as sla
from scipy import stats

from loyaltysem._kernels import dwls
from loyaltysem._kernels import fit_indices as fi
from loyaltysem._kernels.converge import minimize
from loyaltysem._kernels.delta import delta_method
from loyaltysem._kernels.modindices import _extended_model, _mi_variances, _standardized_epc
from loyaltysem._kernels.multigroup import localize
from loyaltysem._kernels.multigroup_dwls import (
    GroupLayout,
    MultiGroupDWLS,
    OrdinalInternals,
    RowValues,
    catml_multigroup,
)
from loyaltysem._kernels.multigroup_dwls import optimize as mg_dwls_optimize
from loyaltysem._kernels.partable import (
    CompiledModel,
    ParTable,
    compile_partable,
)
from loyaltysem._kernels.starts import lavaan_starts
from loyaltysem.errors import (
    IdentificationError,
    MissingDataWarning,
    ModelSpecError,
    SurveyDataError,
)
from loyaltysem.sem.group_blocks import _GroupData, item_block
from loyaltysem.sem.polychoric import polychoric
from loyaltysem.sem.results import Provenance, SEMResult, _plain, estimates_table, rsquare
from loyaltysem.sem.specification import (
    PARAMETER_OPS,
    DefinedParameters,
    Definition,
    ModelSpec,
)
from loyaltysem.status import Findings
from loyaltysem.survey import Survey

__all__ = [
    "ORDINAL_ESTIMATORS",
    "ORDINAL_MI_COLUMNS",
    "PARAMETERIZATIONS",
    "BlockFit",
    "MIGroup",
    "OneBlock",
    "fit_blocks",
    "fit_one_group",
    "fit_ordinal",
    "ordinal_modification_indices",
    "ordinal_partable",
]

#: Estimators for ordinal indicators and the weights of their estimates.
ORDINAL_ESTIMATORS = {"WLSMV": "DWLS", "ULSMV": "ULS"}
#: lavaan's ``parameterization=`` for ordinal indicators.
PARAMETERIZATIONS = ("delta", "theta")
_Z_95 = float(stats.norm.ppf(0.975))


# ----------------------------------------------------------------------------- table
def ordinal_partable(spec: ModelSpec, n_thresholds: Mapping[str, int]) -> ParTable:
    """The parameter table lavaan builds for ``sem(model, ordered = items)``.

    Rows in lavaan's order: the user's rows, the thresholds ``item | t1 ... t(K-1)`` of
    every ordinal item (free), the default rows (residual variances of the ordinal items
    fixed, ``ustart = 1``; latent variances and covariances as ``sem()``), the scaling
    rows ``item ~*~ item`` (fixed at 1), the intercepts ``item ~ 1`` and the latent means
    ``lv ~ 1`` (fixed at 0). Free parameters are numbered in row order (rows sharing a
    label share a number).

    Parameters
    ----------
    spec : ModelSpec
        The model (every observed variable ordinal).
    n_thresholds : mapping of str to int
        Number of thresholds (categories - 1) of each observed variable.

    Returns
    -------
    ParTable

    Examples
    --------
    Two binary items and one with three categories; in R:
    ``parTable(cfa("f =~ a + b + c", data, ordered = c("a", "b", "c")))``.

    >>> from loyaltysem.sem.specification import specify
    >>> pt = ordinal_partable(specify("f =~ a + b + c"), {"a": 1, "b": 1, "c": 2})
    >>> [f"{l} {o} {r}".strip() for l, o, r in zip(pt.lhs, pt.op, pt.rhs)][:8]
    ['f =~ a', 'f =~ b', 'f =~ c', 'a | t1', 'b | t1', 'c | t1', 'c | t2', 'a ~~ a']
    >>> pt.free.tolist()
    [0, 1, 2, 3, 4, 5, 6, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0]
    """
    pt = spec.partable()  # the parameter rows (cached numpy columns)
    t = spec.table
    user = (t["user"].to_numpy()[t["op"].isin(PARAMETER_OPS).to_numpy()] == 1).tolist()
    cols = {
        "lhs": pt.lhs.tolist(),
        "op": pt.op.tolist(),
        "rhs": pt.rhs.tolist(),
        "free": pt.free.tolist(),
        "ustart": pt.ustart.tolist(),
        "exo": pt.exo.tolist(),
        "label": ["" if v is None or v != v else str(v) for v in pt.label.tolist()],
    }
    ov = set(spec.ov)
    rows: list[tuple[str, str, str, int, float, int, str]] = []

    def add(want_user: bool) -> None:
        for i, is_user in enumerate(user):
            if is_user != want_user:
                continue
            lhs, op, rhs = cols["lhs"][i], cols["op"][i], cols["rhs"][i]
            if op == "~1":  # meanstructure=True rows: replaced by lavaan's fixed ones below
                continue
            free, ustart = cols["free"][i], cols["ustart"][i]
            if op == "~~" and lhs == rhs and lhs in ov:
                free, ustart = 0, 1.0
            rows.append((lhs, op, rhs, free, ustart, cols["exo"][i], cols["label"][i]))

    add(True)
    for item in spec.ov:
        rows.extend((item, "|", f"t{k + 1}", -1, np.nan, 0, "") for k in range(n_thresholds[item]))
    add(False)
    rows.extend((item, "~*~", item, 0, 1.0, 0, "") for item in spec.ov)
    rows.extend((name, "~1", "", 0, 0.0, 0, "") for name in (*spec.ov, *spec.lv))
    # renumber the free parameters in row order (equal labels keep one number)
    mapping: dict[int, int] = {}
    free_col = []
    counter = 0
    for row in rows:
        old = row[3]
        if old == 0:
            free_col.append(0)
        elif old > 0 and old in mapping:
            free_col.append(mapping[old])
        else:
            counter += 1
            if old > 0:
                mapping[old] = counter
            free_col.append(counter)
    lhs, op, rhs, _, ustart, exo, label = (list(c) for c in zip(*rows, strict=True))
    return ParTable(
        lhs=np.array(lhs, dtype=object),
        op=np.array(op, dtype=object),
        rhs=np.array(rhs, dtype=object),
        free=np.array(free_col, dtype=int),
        ustart=np.array(ustart, dtype=float),
        exo=np.array(exo, dtype=int),
        label=np.array(label, dtype=object),
    )


# ----------------------------------------------------------------------------- checks
def _check_model(spec: ModelSpec, ordered: list[str], parameterization: str = "delta") -> None:
    ov = list(spec.ov)
    unknown = [o for o in ordered if o not in ov]
    if unknown:
        latent = [o for o in unknown if o in spec.lv]
        raise ModelSpecError(
            "ordered= names a variable that is not an observed variable of the model"
            + (" (it is a latent variable)" if latent else ""),
            column=unknown[0],
            found=unknown,
            expected=f"observed variables of the model: {ov}",
            fix="list only the model's ordinal indicators in ordered=, e.g. ordered=spec.ov",
        )
    continuous = [v for v in ov if v not in ordered]
    if continuous:
        raise ModelSpecError(
            "mixing ordinal and continuous observed variables is not supported yet "
            "(it needs polyserial and Pearson correlations in the weight matrix)",
            column=continuous[0],
            line=spec.line_of(continuous[0]),
            found=continuous,
            expected="every observed variable of the model listed in ordered=",
            fix="declare these variables ordered as well (if they are Likert items), or fit "
            "the model by ML/MLR without ordered=",
        )
    if spec.ov_x:
        raise ModelSpecError(
            "observed exogenous covariates are not supported with ordinal estimators yet",
            column=spec.ov_x[0],
            line=spec.line_of(spec.ov_x[0]),
            found=list(spec.ov_x),
            expected="a model whose observed variables are all indicators of latent variables",
            fix="drop the covariates, or model them as single-indicator latent variables",
        )
    t = spec.table
    columns = [t[c].to_numpy().tolist() for c in ("op", "lhs", "rhs", "line", "user")]
    for op, lhs, rhs, line, user in zip(*columns, strict=True):
        row = {"line": line, "user": user}
        if op == "~" and (lhs in ov or rhs in ov):
            name = lhs if lhs in ov else rhs
            raise ModelSpecError(
                "an ordinal observed variable in a regression is not supported yet",
                column=name,
                line=int(row["line"]) or None,
                found=f"{lhs} ~ {rhs}",
                expected="regressions among latent variables only",
                fix=f"give {name} a latent variable (e.g. 'F_{name} =~ {name}') or drop the path",
            )
        if op == "~~" and lhs == rhs and lhs in ov and int(row["user"]) == 1:
            theta = parameterization == "theta"
            raise ModelSpecError(
                (
                    "the residual variance of an ordinal indicator is fixed at 1 in the "
                    "theta parameterization of one group (it sets the scale of y*)"
                    if theta
                    else "the residual variance of an ordinal indicator is not a parameter "
                    "in the delta parameterization (it is 1 minus the explained variance)"
                ),
                column=lhs,
                line=int(row["line"]) or None,
                found=f"{lhs} ~~ {rhs}",
                expected="no variance line for ordinal indicators",
                fix=f"delete the line '{lhs} ~~ {rhs}'"
                + (
                    "; residual variances are free in groups 2..G of a multi-group fit "
                    "with equal thresholds (fit_groups_ordinal)"
                    if theta
                    else "; parameterization='theta' makes them parameters"
                ),
            )
        if op == "~1" and int(row["user"]) == 1:
            raise ModelSpecError(
                "intercepts and means are fixed at 0 with ordinal indicators (the "
                "thresholds take their place); '~ 1' lines are not supported",
                column=lhs,
                line=int(row["line"]) or None,
                found=f"{lhs} ~ 1",
                expected="no '~ 1' lines",
                fix="delete the '~ 1' line (lavaan fixes them at 0 with ordered=)",
            )


def _item_frame(spec: ModelSpec, data: Any) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The model's item columns, their complete rows and the number of rows dropped."""
    frame = data.data if isinstance(data, Survey) else data
    if not isinstance(frame, pd.DataFrame):
        raise SurveyDataError(
            "ordinal estimation needs the raw answers",
            found=type(data).__name__,
            expected="a pandas DataFrame (or Survey) with one column per item",
            fix="pass the survey or a DataFrame of item scores",
        )
    columns = [str(c) for c in frame.columns]
    absent = [v for v in spec.ov if v not in columns]
    if absent:
        raise ModelSpecError(
            "the model uses variables that are not in the data",
            line=spec.line_of(absent[0]),
            column=absent[0],
            found=absent,
            expected="columns of the data, or latent variables defined with '=~'",
            fix="correct the names in the model or add the columns",
        )
    items = frame[list(spec.ov)]
    complete = items.notna().all(axis=1).to_numpy()
    return items, items[complete], int((~complete).sum())


# ----------------------------------------------------------------------------- model
@dataclass(frozen=True)
class _Model:
    """The full table and its split into thresholds and the structural layout."""

    table: ParTable
    cm: CompiledModel  # structural parameters only (thresholds fixed)
    struct_free: np.ndarray  # for each structural parameter, its 0-based full index
    th_free: np.ndarray  # for each threshold (moment order), its 0-based full index
    th_rows: np.ndarray
    n_free: int


def _split(table: ParTable, ov: list[str], r: np.ndarray) -> _Model:
    free = table.free
    is_th = table.op == "|"
    th_rows = np.flatnonzero(is_th)
    th_free = free[th_rows] - 1
    struct_ids = sorted({int(f) for f in free[(free > 0) & ~is_th]})
    new_index = {f: k + 1 for k, f in enumerate(struct_ids)}
    struct_free_col = np.array(
        [new_index.get(int(f), 0) if not th else 0 for f, th in zip(free, is_th, strict=True)],
        dtype=int,
    )
    struct_table = ParTable(
        lhs=table.lhs,
        op=table.op,
        rhs=table.rhs,
        free=struct_free_col,
        ustart=table.ustart,
        exo=table.exo,
        label=table.label,
    )
    cm = compile_partable(struct_table, ov, r)
    n_free = int(free.max()) if len(free) else 0
    return _Model(table, cm, np.array(struct_ids, dtype=int) - 1, th_free, th_rows, n_free)


# ----------------------------------------------------------------------------- measures
def scaled_test_measures(
    npar: int,
    n: float,
    chisq: float,
    df: float,
    test: Any,
    chisq_b: float,
    df_b: float,
    test_b: Any,
    uls: bool,
) -> dict[str, float]:
    """The test statistics of an ordinal fit and its baseline, as lavaan's ``fitMeasures()``.

    ``chisq``, its scaled-and-shifted version (``test``: ``stat``, ``scaling_factor``,
    ``shift``), the baseline's, their p-values (none for the unscaled ULS test, as
    lavaan), the incremental indices and their ``.scaled`` CFI/TLI. ``fmin`` is
    ``chisq / 2N`` (= 0.5 (N - 1) / N F).
    """
    x2, x2_b = test.stat, test_b.stat

    def pchisq(stat: float, dof: float) -> float:
        return float(stats.chi2.sf(stat, dof)) if dof > 0 else math.nan

    return {
        "npar": float(npar),
        "fmin": chisq / (2.0 * n),
        "chisq": chisq,
        "df": float(df),
        "pvalue": math.nan if uls else pchisq(chisq, df),
        "chisq.scaled": x2,
        "df.scaled": float(df),
        "pvalue.scaled": pchisq(x2, df),
        "chisq.scaling.factor": test.scaling_factor,
        "chisq.shift.parameters": test.shift,
        "baseline.chisq": chisq_b,
        "baseline.df": float(df_b),
        "baseline.pvalue": math.nan if uls else pchisq(chisq_b, df_b),
        "baseline.chisq.scaled": x2_b,
        "baseline.df.scaled": float(df_b),
        "baseline.pvalue.scaled": pchisq(x2_b, df_b),
        "baseline.chisq.scaling.factor": test_b.scaling_factor,
        **fi.incremental_indices(chisq, df, chisq_b, df_b),
        "cfi.scaled": fi.cfi(x2, df, x2_b, df_b),
        "tli.scaled": fi.tli(x2, df, x2_b, df_b),
    }


# ----------------------------------------------------------------------------- helpers
def _positive_definite(a: np.ndarray, tol: float) -> bool:
    """Whether every eigenvalue of the symmetric ``a`` is at least ``tol`` (one Cholesky)."""
    try:
        np.linalg.cholesky((a + a.T) / 2.0 - tol * np.eye(len(a)))
    except np.linalg.LinAlgError:
        return False
    return True


def _start_values(cm: CompiledModel, r: np.ndarray) -> np.ndarray:
    """Start values in the correlation metric of ``y*``.

    Loadings of each latent variable's indicators from the first principal component of
    their polychoric correlations (rescaled to the fixed marker loading where there is
    one), latent variances to match; regressions and covariances 0; residual covariances
    of ``y*`` 0.
    """
    lay = cm.layout
    x = np.zeros(lay.n_free)
    pt = cm.table
    ops, lhs, rhs, free, ustart = pt.op, pt.lhs, pt.rhs, pt.free, pt.ustart
    ov_pos = {name: i for i, name in enumerate(cm.ov)}
    loading: dict[int, float] = {}
    lv_var: dict[str, float] = {}
    for latent in cm.lv:
        rows = [
            i for i in range(len(pt)) if ops[i] == "=~" and lhs[i] == latent and rhs[i] in ov_pos
        ]
        if not rows:
            continue
        idx = [ov_pos[rhs[i]] for i in rows]
        vals, vecs = np.linalg.eigh(r[np.ix_(idx, idx)])
        pc = vecs[:, -1] * math.sqrt(max(vals[-1], 1e-8)) / math.sqrt(len(idx))
        pc = np.clip(pc if pc.sum() >= 0 else -pc, 0.3, 0.95)
        marker = next(
            (k for k, i in enumerate(rows) if free[i] == 0 and np.isfinite(ustart[i])), None
        )
        if marker is not None and ustart[rows[marker]] != 0:
            scale = ustart[rows[marker]] / pc[marker]
            lam, lv_var[latent] = pc * scale, 1.0 / scale**2
        else:
            lam, lv_var[latent] = pc, 1.0
        for k, i in enumerate(rows):
            loading[i] = float(lam[k])
    for i in range(len(pt)):
        k = free[i] - 1
        if k < 0 or x[k] != 0:
            continue
        if ops[i] == "=~":
            x[k] = loading.get(i, 0.7)
        elif ops[i] == "~~" and lhs[i] == rhs[i]:
            x[k] = lv_var.get(lhs[i], 1.0)
    return x


def group_layout(
    pt: ParTable, ov: Sequence[str], *, theta: bool = False
) -> tuple[GroupLayout, CompiledModel]:
    """The (D)WLS layout of one group's ordinal table (thresholds and scales included).

    Parameters
    ----------
    pt : ParTable
        One group's rows with global 1-based ``free`` indices (0 = fixed).
    ov : sequence of str
        The ordinal items, in the model's order.
    theta : bool, default False
        lavaan's ``parameterization = "theta"``: the scaling factors ``~*~`` follow from
        the implied variances of ``y*`` and the diagonal of ``Theta`` holds the residual
        variances (``setDeltaElements.LISREL``).

    Returns
    -------
    GroupLayout, CompiledModel
        The layout (local parameter indices, ``index`` their global positions) and the
        compiled structural model.
    """
    local, idx = localize(pt.free)
    local_pt = ParTable(
        lhs=pt.lhs, op=pt.op, rhs=pt.rhs, free=local, ustart=pt.ustart, exo=pt.exo,
        label=pt.label,
    )  # fmt: skip
    p = len(ov)
    cm = compile_partable(local_pt, list(ov), np.eye(p))
    ops = local_pt.op
    pos = {name: i for i, name in enumerate(ov)}
    th_rows = np.flatnonzero(ops == "|")
    d_rows = np.flatnonzero(ops == "~*~")
    delta_param = np.full(p, -1, dtype=int)
    delta_value = np.ones(p)
    for i in d_rows:
        j = pos[local_pt.lhs[i]]
        delta_param[j] = local[i] - 1
        fixed = local[i] == 0 and np.isfinite(local_pt.ustart[i])
        delta_value[j] = local_pt.ustart[i] if fixed else 1.0
    gl = GroupLayout(
        layout=cm.layout,
        th_param=local[th_rows] - 1,
        th_value=np.where(local[th_rows] > 0, np.nan, local_pt.ustart[th_rows]),
        th_item=np.array([pos[local_pt.lhs[i]] for i in th_rows], dtype=int),
        delta_param=delta_param,
        delta_value=delta_value,
        index=idx,
        theta=theta,
    )
    return gl, cm


# ----------------------------------------------------------------- modification indices
#: Columns of :func:`ordinal_modification_indices` (lavaan's ``modindices()``).
ORDINAL_MI_COLUMNS = ("lhs", "op", "rhs", "group", "mi", "epc", "sepc.lv", "sepc.all", "sepc.nox")
#: The fixed rows lavaan's ``lav_object_extended(all.free = TRUE)`` frees in ordinal models.
_MI_FREED_OPS = ("=~", "~", "~~", "~1", "|", "~*~")


@dataclass(frozen=True)
class MIGroup:
    """One group of an ordinal fit, as :func:`ordinal_modification_indices` reads it.

    Attributes
    ----------
    table : ParTable
        The group's rows with their global 1-based ``free`` indices (0 = fixed; rows
        shared across groups carry one index).
    values : ndarray
        The current value of every row (the ``est`` column: the residual variances of
        ``y*`` and the scaling factors as shown).
    stats : ndarray
        Sample thresholds and polychoric correlations (lavaan's ``WLS.obs`` order).
    w : ndarray
        Diagonal weights of the statistics (lavaan's ``WLS.VD``).
    n : int
        Observations of the group.
    group : int
        lavaan's group number (1..G).
    """

    table: ParTable
    values: np.ndarray
    stats: np.ndarray
    w: np.ndarray
    n: int
    group: int = 1


def ordinal_modification_indices(
    groups: Sequence[MIGroup],
    ov: Sequence[str],
    x: np.ndarray,
    *,
    theta: bool = False,
) -> pd.DataFrame:
    r"""Modification indices of a (multi-group) WLSMV/ULSMV fit, as lavaan 0.6.14.

    lavaan's ``modindices(fit)`` for ordinal indicators (estimators DWLS and ULS):

    - **Extended model** (``lav_object_extended(fit, add = lav_partable_full(...),
      all.free = TRUE)``): in every group every fixed row is freed at its current value
      (marker loadings, the intercepts of ``y*`` and latent means fixed at 0, the
      scaling factors ``~*~``, the residual variances of ``y*``), and the rows of
      ``lav_partable_full`` the model does not have are added at 0 (cross loadings,
      residual covariances of ``y*``, latent covariances; the candidates of
      :func:`loyaltysem._kernels.modindices._extended_model`).
    - **Score** (``lav_model_gradient`` for DWLS/ULS, not negated): ``d = -sum_g (n_g
      - 1) / N  J_g' W_g (s_g - sigma_g)``, ``J_g`` the Jacobian of the implied
      thresholds and correlations (``computeDelta``), ``W_g`` the diagonal weights.
    - **Information** (``lav_model_information_expected``): ``I = sum_g (n_g / N) J_g'
      W_g J_g``; ``V_jj = I_jj - I_jM I_MM^-1 I_Mj`` over the model's free parameters
      ``M`` (shared parameters once: lavaan's constrained inverse).
    - **Evaluation point** (``lav_object_extended`` fits nothing): the extended model's
      start values, the estimates, as ``lavaan()`` checks them (``lav_start_check_cov``,
      :func:`_check_cov_starts`): a covariance implying a correlation beyond 1 (a
      Heywood residual correlation of ``y*``) is divided by ``1.1 cor``. ``d``,
      ``I_jj`` and ``I_jM`` are taken there, ``I_MM^-1`` is the fitted model's (at the
      estimates). Without such a covariance both points are the estimates.
    - ``mi = N d_j^2 / V_jj``, ``epc = -d_j / V_jj``; candidates with ``V_jj <
      eps^(1/3)`` get no index and are left out (``na.remove = TRUE``). In one group
      only cross loadings and residual covariances of ``y*`` remain: a freed
      threshold scale, intercept, latent mean or residual variance is equivalent to
      the free thresholds and loadings. With constraints across groups (equal
      thresholds, loadings) the intercepts of ``y*``, the scaling factors and (theta)
      the residual variances get indices.
    - **Jacobian**: the implied statistics ``Delta (tau - nu - Lambda A alpha)`` and
      ``Delta Sigma* Delta`` differentiated exactly (complex step). In the delta
      parameterization the residual variances of ``y*`` do not enter the statistics
      (their diagonal is ``Delta^-2 - diag(common)``, ``setResidualElements.LISREL``):
      no index. In the theta parameterization ``Delta = diag(Sigma*)^-1/2``
      (``setDeltaElements.LISREL``) and lavaan's ``computeDelta`` differentiates a
      freed scaling factor of item ``i`` in its thresholds only, ``d tau*_k / d
      Delta_i = tau_k - mu_i`` (the correlations are computed from ``Sigma*`` without
      it); that column is used as lavaan's.
    - **Standardized EPCs** (``cov.std = TRUE``) with the fitted model's ``var(y*) =
      Delta^-2`` and latent variances
      (:func:`loyaltysem._kernels.modindices._standardized_epc`): a variance row is
      standardized at its current value, a residual covariance by the residual
      variances; ``lav_standardize_all`` divides a threshold by ``sd(y*)`` and sets a
      scaling factor to 1 (``sepc.all = sign(epc)``). ``sepc.nox = sepc.all`` (no
      covariates).

    The same indices are reported for ULSMV (unit weights) and WLSMV fits.

    Parameters
    ----------
    groups : sequence of MIGroup
        The fit's groups (one for a single-group fit).
    ov : sequence of str
        The ordinal items, in the order of the statistics.
    x : ndarray
        The estimates (global free parameters).
    theta : bool, default False
        lavaan's ``parameterization = "theta"``.

    Returns
    -------
    DataFrame
        ``lhs, op, rhs, group, mi, epc, sepc.lv, sepc.all, sepc.nox``, largest ``mi``
        first (``sort. = TRUE``).

    Raises
    ------
    IdentificationError
        The information of the model is singular.

    Examples
    --------
    HS cut into quintile categories; in R: ``modindices(cfa(model, hs5, ordered =
    names(hs5)), sort. = TRUE)``.

    >>> import numpy as np
    >>> import pandas as pd
    >>> import loyaltysem as ls
    >>> hs = ls.load_holzinger_swineford().to_frame()
    >>> cut5 = lambda v: np.clip(np.searchsorted(np.quantile(v, np.linspace(0, 1, 6)), v), 1, 5)
    >>> hs5 = pd.DataFrame({f"x{i}": cut5(hs[f"x{i}"]) for i in range(1, 10)})
    >>> res = ls.fit("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; "
    ...              "speed =~ x7 + x8 + x9", hs5, ordered=True)
    >>> mi = res.modification_indices()
    >>> top = mi.iloc[0]
    >>> top["lhs"], top["op"], top["rhs"], round(float(top["mi"]), 3)
    ('x7', '~~', 'x8', 29.281)
    >>> round(float(top["epc"]), 3), round(float(top["sepc.all"]), 3)
    (0.423, 0.646)
    """
    x = np.asarray(x, dtype=float)
    q = len(x)
    ov = list(ov)
    p = len(ov)
    eye = np.eye(p)
    n_total = int(sum(gr.n for gr in groups))
    next_free = q
    starts = [x]
    built = []
    for gr in groups:
        pt = gr.table
        local, idx = localize(pt.free)
        local_pt = ParTable(pt.lhs, pt.op, pt.rhs, local, pt.ustart, pt.exo, pt.label)
        cm = compile_partable(local_pt, ov, eye)
        ecm, rows, start = _extended_model(
            cm, x[idx], eye, None, ops=_MI_FREED_OPS, values=np.asarray(gr.values, dtype=float)
        )
        new = next_free + np.arange(len(rows))
        next_free += len(rows)
        starts.append(start)
        to_global = np.concatenate([idx, new])
        ext = ecm.table
        gfree = np.where(ext.free > 0, to_global[np.maximum(ext.free, 1) - 1] + 1, 0)
        gl, _ = group_layout(
            ParTable(ext.lhs, ext.op, ext.rhs, gfree, ext.ustart, ext.exo, ext.label),
            ov,
            theta=theta,
        )
        built.append((gr, ecm, rows, new, to_global, gl))
    columns = list(ORDINAL_MI_COLUMNS)
    if next_free == q:
        return pd.DataFrame(columns=columns)
    x_ext = np.concatenate(starts)
    # the point lavaan evaluates the extended model at: its start values after
    # lav_start_check_cov (sepc keep the fitted values, lavaan's object GLIST)
    x_eval = x_ext.copy()
    for gr, ecm, _, _, to_global, _ in built:
        _check_cov_starts(ecm.table, np.asarray(gr.values, dtype=float), to_global, x_eval)
    score = np.zeros(next_free)
    info = np.zeros((next_free, next_free))
    moved = not np.array_equal(x_eval, x_ext)
    for gr, _, _, _, _, gl in built:
        xl = x_eval[gl.index]
        jac = _mi_jacobian(gl, xl, theta)
        e = gr.stats - gl.implied(xl[None, :])[0]
        wj = gr.w[:, None] * jac
        score[gl.index] -= (gr.n - 1) / n_total * (wj.T @ e)
        info[np.ix_(gl.index, gl.index)] += gr.n / n_total * (jac.T @ wj)
    if moved:
        # lavaan: I_MM^-1 is the fitted object's (at the estimates), I_jM and I_jj the
        # extended model's (at its checked start values)
        info_mm = np.zeros((next_free, next_free))
        for gr, _, _, _, _, gl in built:
            jac = _mi_jacobian(gl, x_ext[gl.index], theta)
            info_mm[np.ix_(gl.index, gl.index)] += gr.n / n_total * (jac.T @ (gr.w[:, None] * jac))
        info[:q, :q] = info_mm[:q, :q]
    v = _mi_variances((info + info.T) / 2.0, q)
    d = score[q:]
    mi = n_total * d * d / v
    epc = -d / v
    pieces = []
    for gr, ecm, rows, new, to_global, gl in built:
        e_g = epc[new - q]
        sepc = _standardized_epc(ecm, rows, e_g, x_ext[to_global], [])
        ops = ecm.table.op[rows]
        delta = gl.parts(x_ext[gl.index][None, :])["delta"][0].real
        pos = {name: i for i, name in enumerate(ov)}
        th_rows = np.flatnonzero(ops == "|")
        if len(th_rows):  # lav_standardize_all: a threshold over sd(y*) = 1 / Delta
            d_th = delta[[pos[v_] for v_ in ecm.table.lhs[rows][th_rows]]]
            sepc["sepc.lv"][th_rows] = e_g[th_rows]
            sepc["sepc.all"][th_rows] = e_g[th_rows] * d_th
        scales = np.flatnonzero(ops == "~*~")
        sepc["sepc.lv"][scales] = e_g[scales]
        sepc["sepc.all"][scales] = np.sign(e_g[scales])
        sepc["sepc.nox"] = sepc["sepc.all"].copy()
        pieces.append(
            pd.DataFrame(
                {
                    "lhs": ecm.table.lhs[rows],
                    "op": ops,
                    "rhs": ecm.table.rhs[rows],
                    "group": gr.group,
                    "mi": mi[new - q],
                    "epc": e_g,
                    **sepc,
                }
            )
        )
    out = pd.concat(pieces, ignore_index=True)[columns]
    out = out[np.isfinite(out["mi"].to_numpy(dtype=float))]
    return out.sort_values("mi", ascending=False, kind="stable").reset_index(drop=True)


# ----------------------------------------------------------------- the one pipeline
class Blocks(Protocol):
    """The respondents of an ordinal fit, one block per group (a single group: one block).

    Both are ``loyaltysem.sem.group_blocks._GroupData``: one block for ``fit()``
    without ``group=`` (:func:`loyaltysem.sem.group_blocks.item_block`), the
    multi-group split (``_split_groups``) for several.
    """

    @property
    def labels(self) -> tuple[Any, ...]: ...

    @property
    def data(self) -> tuple[Any, ...]: ...


#: The block of a single-group ordinal fit: the pipeline's block type (G = 1), built by
#: :func:`loyaltysem.sem.group_blocks.item_block` (kept as a name for existing callers).
OneBlock = _GroupData


@dataclass(frozen=True)
class _Group:
    gl: GroupLayout
    cm: Any
    rows: pd.DataFrame
    pt: ParTable  # the same rows as a ParTable
    th_obs: np.ndarray
    r: np.ndarray
    gamma: np.ndarray
    w: np.ndarray
    n: int


def _rows_table(rows: pd.DataFrame) -> ParTable:
    """One group's table rows (global ``free`` indices) as a :class:`ParTable`."""
    return ParTable(
        lhs=rows["lhs"].to_numpy(dtype=object),
        op=rows["op"].to_numpy(dtype=object),
        rhs=rows["rhs"].to_numpy(dtype=object),
        free=rows["free"].to_numpy(dtype=int),
        ustart=rows["ustart"].to_numpy(dtype=float),
        exo=rows["exo"].to_numpy(dtype=int),
        label=rows["label"].to_numpy(dtype=object),
    )


def _group_layout(
    rows: pd.DataFrame, ov: list[str], theta: bool = False
) -> tuple[GroupLayout, Any]:
    """One group's :class:`GroupLayout` (and compiled model) from its table rows."""
    return group_layout(_rows_table(rows), ov, theta=theta)


def _build_group(
    rows: pd.DataFrame, ov: list[str], pc: Any, dwls_weights: bool, theta: bool = False
) -> _Group:
    pt = _rows_table(rows)
    gl, cm = group_layout(pt, ov, theta=theta)
    gamma = np.asarray(pc.gamma, dtype=float)
    w = 1.0 / np.diag(gamma) if dwls_weights else np.ones(len(gamma))
    corr = pc.correlation
    same = list(corr.index) == ov and list(corr.columns) == ov  # the usual case: no lookup
    r = (corr if same else corr.loc[ov, ov]).to_numpy()
    return _Group(gl, cm, rows, pt, pc.thresholds.values.to_numpy(), r, gamma, w, int(pc.n))


def single_table(spec: ModelSpec, n_th: Mapping[str, int]) -> tuple[pd.DataFrame, int, tuple[()]]:
    """The table of one group (:func:`ordinal_partable`) in the pipeline's layout.

    Columns ``lhs op rhs group free ustart exo label`` (``group`` 1), the number of free
    parameters and no equality constraints across groups.
    """
    pt = ordinal_partable(spec, n_th)
    frame = pd.DataFrame(
        {
            "lhs": pt.lhs,
            "op": pt.op,
            "rhs": pt.rhs,
            "group": np.ones(len(pt), dtype=int),
            "free": pt.free,
            "ustart": pt.ustart,
            "exo": pt.exo,
            "label": pt.label,
        }
    )
    return frame, int(pt.free.max()) if len(pt) else 0, ()


@dataclass(frozen=True)
class BlockFit:
    """What the one ordinal pipeline computes for G >= 1 groups, before the result is built.

    Per group (lists of length G): the sample statistics and weights (``groups``), the
    statistics in lavaan's ``WLS.obs`` order (``stats_g``), the Jacobians, the implied
    statistics and correlation matrices, the model matrices (``parts``), the number of
    thresholds, the row values (``values``: estimates, std.lv, std.all of a batch).
    Over groups: the table, the estimates ``x``, the robust ``vcov`` (and ``E^-1``),
    the test statistics and fit measures, the warnings gathered so far.
    """

    table: pd.DataFrame
    q: int
    eq_pairs: tuple[tuple[int, int], ...]
    groups: list[_Group]
    stats_g: list[np.ndarray]
    x: np.ndarray
    iterations: int
    converged: bool
    findings: Findings
    jacs: list[np.ndarray]
    chisq_g: np.ndarray
    chisq: float
    df: int
    vcov: np.ndarray
    e_inv: np.ndarray | None
    measures: dict[str, float]
    implied: list[np.ndarray]
    sigmas: list[np.ndarray]
    parts: list[dict[str, np.ndarray]]
    nth: list[int]
    values: list[_Std]
    est: list[np.ndarray]
    std_lv: list[np.ndarray]
    theta: bool

    @property
    def nobs(self) -> list[int]:
        """Observations of each group."""
        return [gr.n for gr in self.groups]

    def internals(self, data_hash: str, estimator: str) -> OrdinalInternals:
        """What ``lrt_ordinal`` and ``compare()`` read from the fit (every group)."""
        return OrdinalInternals(
            jac=tuple(self.jacs),
            w=tuple(gr.w for gr in self.groups),
            gamma=tuple(gr.gamma for gr in self.groups),
            nobs=tuple(self.nobs),
            e_inv=self.e_inv,
            chisq=self.chisq,
            df=float(self.df),
            data_hash=data_hash,
            estimator=estimator,
        )


def fit_blocks(
    spec: ModelSpec,
    blocks: Blocks,
    *,
    make_table: Callable[[dict[str, int]], tuple[pd.DataFrame, int, tuple[tuple[int, int], ...]]],
    est_name: str,
    missing: str,
    parameterization: str,
    group: str | None,
    notes: list[str],
) -> BlockFit:
    """The ordinal pipeline for G >= 1 groups (a single group is G = 1, as in lavaan).

    Stages, in order: the categories of every item (G > 1: every category in every
    group, :func:`_check_categories`); the thresholds, polychorics and NACOV of each
    block (:func:`_sample_statistics`); the parameter table (``make_table``: one group's
    :func:`single_table`, or the multi-group table with its equality constraints);
    the estimates (:func:`_estimate`: the correlation kernel where the thresholds are
    saturated in one group, else the joint (D)WLS kernel; starts principal component,
    lavaan's default and simple, the point checked); the robust covariance
    (:func:`_sandwich`); the tests and fit measures (:func:`_group_tests`); the row
    values and admissibility checks of each group. ``group`` names the grouping column
    in warnings (``None``: one group, no prefix); ``notes`` collects the warnings.
    """
    ov = list(spec.ov)
    theta = parameterization == "theta"
    p = len(ov)
    labels = tuple(blocks.labels)
    n_groups = len(labels)
    dwls_weights = ORDINAL_ESTIMATORS[est_name] == "DWLS"
    n_th = _check_categories(blocks.data, ov, labels, str(group)) if n_groups > 1 else None
    pcs = _sample_statistics(blocks, ov, group, missing, notes)
    if n_th is None:
        counts = pcs[0].thresholds.table["item"].value_counts()
        n_th = {item: int(counts.get(item, 0)) for item in ov}
    table, q, eq_pairs = make_table(n_th)
    gcol = table["group"].to_numpy()
    groups = [
        _build_group(table[gcol == g + 1] if n_groups > 1 else table, ov, pc, dwls_weights, theta)
        for g, pc in enumerate(pcs)
    ]
    n_cor = p * (p - 1) // 2
    sizes = [len(gr.th_obs) + n_cor for gr in groups]
    df = int(sum(sizes)) - q
    if df < 0:
        n_struct = q - sum(len(gr.th_obs) for gr in groups)
        raise IdentificationError(
            "the model has more free parameters than sample statistics (df < 0)",
            found=f"{n_struct} parameters besides the thresholds, {n_cor} polychoric correlations"
            if group is None
            else f"{q} free parameters, {sum(sizes)} thresholds and polychoric "
            f"correlations in {n_groups} groups",
            expected="df >= 0",
            fix="fix or constrain parameters, or add indicators"
            if group is None
            else "constrain more parameters across groups (group_equal) or fix some",
        )
    nobs = [gr.n for gr in groups]
    n_total = int(sum(nobs))
    rows_i, cols_i = dwls.lower_pairs(p)
    stats_g = [np.concatenate([gr.th_obs, gr.r[rows_i, cols_i]]) for gr in groups]
    x, iterations, converged, jacs, reason = _estimate(groups, stats_g, ov, q, theta, n_total)
    findings = Findings(notes)
    if not converged:  # the reason the point failed, as the continuous pipeline says it
        findings.add("convergence", f"{reason}: the estimates are not to be trusted")
    fg = np.array(nobs, dtype=float) / n_total
    parts = [gr.gl.parts(x[gr.gl.index][None, :]) for gr in groups]
    implied = [gr.gl.implied(x[gr.gl.index][None, :])[0] for gr in groups]
    chisq_g = np.array(
        [
            (gr.n - 1) * float((s - e) @ (gr.w * (s - e)))
            for gr, s, e in zip(groups, stats_g, implied, strict=True)
        ]
    )
    chisq = float(chisq_g.sum())
    vcov, e_inv = _sandwich(groups, jacs, fg, q, n_total, findings)
    measures, sigmas, nth = _group_tests(
        groups=groups,
        table=table,
        implied=implied,
        jacs=jacs,
        fg=fg,
        nobs=nobs,
        stats_g=stats_g,
        chisq=chisq,
        df=df,
        e_inv=e_inv,
        uls=not dwls_weights,
    )
    values, ests, std_lvs = [], [], []
    for g, gr in enumerate(groups):
        std = _Std(gr, ov)
        est, std_lv = (v[0] for v in std.evaluate(x[None, gr.gl.index], kind="std.lv"))
        prefix = "" if group is None else f"group {group} = {_plain(labels[g])!r}: "
        _check_admissible(gr, est, parts[g], ov, prefix, findings)
        values.append(std)
        ests.append(est)
        std_lvs.append(std_lv)
    return BlockFit(
        table=table,
        q=q,
        eq_pairs=tuple(eq_pairs),
        groups=groups,
        stats_g=stats_g,
        x=x,
        iterations=int(iterations),
        converged=bool(converged),
        findings=findings,
        jacs=jacs,
        chisq_g=chisq_g,
        chisq=chisq,
        df=df,
        vcov=vcov,
        e_inv=e_inv,
        measures=measures,
        implied=implied,
        sigmas=sigmas,
        parts=parts,
        nth=nth,
        values=values,
        est=ests,
        std_lv=std_lvs,
        theta=theta,
    )


def _check_categories(
    blocks: Sequence[Any], ov: Sequence[str], labels: Sequence[Any], group: str
) -> dict[str, int]:
    """Categories per item over all groups; every category in every group (as lavaan)."""
    n_th: dict[str, int] = {}
    arrays = [np.asarray(b, dtype=float) for b in blocks]
    for j, name in enumerate(ov):
        values = np.concatenate([b[:, j] for b in arrays])
        values = values[np.isfinite(values)]
        cats = np.unique(values)
        if len(cats) > 20 or np.any(cats != np.round(cats)):
            raise SurveyDataError(
                "an ordinal item must have whole-number category codes (at most 20)",
                column=name,
                found=f"{len(cats)} distinct values: {cats[:8].tolist()}",
                expected="category codes such as 1..5",
                fix=f"recode {name} into ordered categories, or fit it as continuous (ML)",
            )
        for label, block in zip(labels, arrays, strict=True):
            col = block[:, j]
            col = col[np.isfinite(col)]
            counts = {float(c): int(np.sum(col == c)) for c in cats}
            empty = [c for c, v in counts.items() if v == 0]
            if empty:
                shown = {f"{c:g}": v for c, v in counts.items()}
                raise SurveyDataError(
                    f"some categories of an ordinal item are empty in group "
                    f"{group} = {_plain(label)!r} (lavaan: 'some categories of variable "
                    f"are empty in group')",
                    column=name,
                    found=f"{name} in group {_plain(label)!r}: frequencies {shown}; "
                    f"category {', '.join(f'{c:g}' for c in empty)} never chosen",
                    expected="every category of an item chosen in every group (the "
                    "thresholds are defined per group)",
                    fix=f"merge category {empty[0]:g} of {name} with its neighbour in every "
                    "group (e.g. recode it before fitting), or leave the group out",
                )
        n_th[name] = len(cats) - 1
    return n_th


def _sample_statistics(
    blocks: Blocks, ov: list[str], group: str | None, missing: str, notes: list[str]
) -> list[Any]:
    """Each block's thresholds, polychorics and NACOV (their warnings named with the group)."""
    out = []
    for label, block in zip(blocks.labels, blocks.data, strict=True):
        frame = block if isinstance(block, pd.DataFrame) else pd.DataFrame(block, columns=ov)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pc = polychoric(frame, missing=missing, nacov=True)
        for w_ in caught:
            if issubclass(w_.category, MissingDataWarning):
                continue  # the deletion is counted and reported with the blocks
            prefix = "" if group is None else f"group {group} = {_plain(label)!r}: "
            msg = f"{prefix}{w_.message}"
            notes.append(msg)
            warnings.warn(msg, w_.category, stacklevel=4)
        out.append(pc)
    return out


def _saturated_thresholds(gr: _Group) -> bool:
    """Whether the thresholds decouple: each free, its own parameter, nothing shifts them.

    Then (delta parameterization, one group) the estimates of the thresholds are the
    sample thresholds and only the correlation structure is iterated.
    """
    ops, free = gr.pt.op, gr.pt.free
    th = free[ops == "|"]
    if not len(th) or np.any(th <= 0):
        return False
    others = free[(ops != "|") & (free > 0)]
    if np.intersect1d(th, others).size or len(np.unique(th)) != len(th):
        return False
    return not np.any(np.isin(ops, ("~*~", "~1")) & (free > 0))


def _estimate(
    groups: Sequence[_Group],
    stats_g: Sequence[np.ndarray],
    ov: list[str],
    q: int,
    theta: bool,
    n_total: int,
) -> tuple[np.ndarray, int, bool, list[np.ndarray], str]:
    """Minimise ``sum_g (n_g - 1) F_g``: estimates, iterations, convergence, Jacobians, why not.

    One group in the delta parameterization whose thresholds are saturated
    (:func:`_saturated_thresholds`): the thresholds are the sample thresholds and the
    correlation structure is fitted alone (:class:`loyaltysem._kernels.dwls.CorrelationKernel`,
    the same minimum, a smaller problem). Otherwise every parameter jointly
    (:class:`~loyaltysem._kernels.multigroup_dwls.MultiGroupDWLS`). Either way the
    starts are the principal-component ones, then lavaan's ``default`` and ``simple``,
    and the first point that passes the check (gradient zero, information positive
    definite: :func:`~loyaltysem._kernels.converge.minimize`) is taken.
    """
    if len(groups) == 1 and not theta and _saturated_thresholds(groups[0]):
        gr = groups[0]
        model = _split(gr.pt, ov, gr.r)
        nth = len(gr.th_obs)
        kernel = dwls.CorrelationKernel(model.cm.layout, gr.r, gr.w[nth:])
        starts: list[tuple[str, Any]] = [("principal component", _start_values(model.cm, gr.r))]
        starts += lavaan_starts(model.cm, gr.r)
        run = minimize(kernel, starts, dwls.optimize, information="expected")
        x = np.zeros(q)
        x[model.struct_free] = run.x
        x[model.th_free] = gr.th_obs
        jac = np.zeros((gr.gl.n_stats, q))
        jac[np.arange(nth), model.th_free] = 1.0
        jac[nth:, model.struct_free] = kernel.jacobian(run.state)
        return x, int(run.iterations), bool(run.converged), [jac], run.reason
    kernel_mg = MultiGroupDWLS(
        [gr.gl for gr in groups],
        stats_g,
        [gr.w for gr in groups],
        [(gr.n - 1) / n_total for gr in groups],
        q,
    )
    starts = [
        (name, functools.partial(_start_vector, name, groups, q, theta))
        for name in ("principal component", "default", "simple")
    ]
    run = minimize(kernel_mg, starts, mg_dwls_optimize, information="expected")
    jacs = kernel_mg.jacobians(run.x)
    return run.x, int(run.iterations), bool(run.converged), jacs, run.reason


def _start_vector(name: str, groups: Sequence[_Group], q: int, theta: bool) -> np.ndarray | None:
    """Start values of one kind (principal component, lavaan's default or simple).

    Group by group: loadings and variances from the group's polychorics, thresholds from
    its sample thresholds, scaling factors 1, means 0.
    """
    x0 = np.full(q, np.nan)
    for gr in groups:
        if name == "principal component":
            xs = _start_values(gr.cm, gr.r)
        else:  # lavaan's per group, from the group's polychorics (issue 14)
            made = dict(lavaan_starts(gr.cm, gr.r))[name]()
            if made is None:
                return None
            xs = made
        tf = gr.gl.th_param >= 0
        scale = np.ones(len(gr.th_obs))
        if theta:  # thresholds in the units of y*: sample thresholds times sd(y*)
            var = np.einsum("bii->bi", gr.gl.parts(xs[None, :])["common"])[0] + 1.0
            scale = np.sqrt(np.where(var > 0, var, 1.0))[gr.gl.th_item]
        xs[gr.gl.th_param[tf]] = (gr.th_obs * scale)[tf]
        df_ = gr.gl.delta_param >= 0
        xs[gr.gl.delta_param[df_]] = 1.0
        unset = np.isnan(x0[gr.gl.index])
        x0[gr.gl.index[unset]] = xs[unset]
    return np.nan_to_num(x0)


def _sandwich(
    groups: Sequence[_Group],
    jacs: Sequence[np.ndarray],
    fg: np.ndarray,
    q: int,
    n_total: int,
    result_warnings: Findings,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Lavaan's robust.sem covariance over groups, or NaN, saying why.

    ``E^-1 (sum_g f_g J_g' W_g Gamma_g W_g J_g) E^-1 / (N - G)``; ``E`` singular (R's
    ``solve()`` refuses it) gives NaN and a warning, a ``vcov`` that is not positive
    definite a warning (``lav_model_vcov``).
    """
    n_groups = len(groups)
    info = np.zeros((q, q))
    meat = np.zeros((q, q))
    for f, gr, j in zip(fg, groups, jacs, strict=True):
        wj = gr.w[:, None] * j
        info += f * (j.T @ wj)
        meat += f * (wj.T @ gr.gamma @ wj)
    info = (info + info.T) / 2.0
    e_inv: np.ndarray | None
    try:
        eig = dwls._block_eigenvalues(info) if q else np.ones(1)  # as R's solve()
        if not np.all(np.isfinite(eig)) or eig.min() <= np.finfo(float).eps * max(eig.max(), 1.0):
            raise np.linalg.LinAlgError
        e_inv = np.linalg.inv(info)
        vcov = e_inv @ meat @ e_inv / (n_total - n_groups)
        vcov = (vcov + vcov.T) / 2.0
        if not np.all(np.isfinite(vcov)) or np.any(np.diag(vcov) < 0):
            raise np.linalg.LinAlgError
        if vcov.size and not _positive_definite(vcov, np.finfo(float).eps ** 0.75):
            min_eig = float(np.linalg.eigvalsh(vcov)[0])  # lavaan lav_model_vcov
            result_warnings.add(
                "identification",
                "the covariance matrix of the estimates (vcov) is not positive definite "
                f"(smallest eigenvalue {min_eig:.3g}): the model may not be identified",
            )
    except np.linalg.LinAlgError:
        e_inv = None
        vcov = np.full((q, q), np.nan)
        result_warnings.add(
            "identification",
            "the information matrix is singular and could not be inverted: the model may "
            "not be identified; standard errors and the scaled test are not available",
        )
    return vcov, e_inv


def _group_tests(
    *,
    groups: Sequence[_Group],
    table: pd.DataFrame,
    implied: Sequence[np.ndarray],
    jacs: Sequence[np.ndarray],
    fg: np.ndarray,
    nobs: Sequence[int],
    stats_g: Sequence[np.ndarray],
    chisq: float,
    df: int,
    e_inv: np.ndarray | None,
    uls: bool,
) -> tuple[dict[str, float], list[np.ndarray], list[int]]:
    """The scaled-shifted test, its baseline, CatML and the fit measures over groups.

    Returns ``(measures, implied correlation matrices, nth)``.
    """
    n_groups = len(groups)
    p = len(groups[0].r)
    n_cor = p * (p - 1) // 2
    rows_i, cols_i = dwls.lower_pairs(p)
    w_all = np.concatenate([f * gr.w for f, gr in zip(fg, groups, strict=True)])
    gamma_all = _block_diag([gr.gamma / f for f, gr in zip(fg, groups, strict=True)])
    if e_inv is not None:
        test = dwls.scaled_shifted(chisq, df, w_all, gamma_all, np.vstack(jacs), e_inv)
    else:
        test = dwls.ScaledShifted(math.nan, df, math.nan, math.nan, math.nan, math.nan)
    # baseline: thresholds free per group, correlations 0
    nth = [len(gr.th_obs) for gr in groups]
    chisq_b = float(
        sum(
            (n - 1) * float(s[k:] ** 2 @ gr.w[k:])
            for n, s, gr, k in zip(nobs, stats_g, groups, nth, strict=True)
        )
    )
    df_b = n_groups * n_cor
    w_c = np.concatenate([f * gr.w[k:] for f, gr, k in zip(fg, groups, nth, strict=True)])
    g_c = _block_diag([gr.gamma[k:, k:] / f for f, gr, k in zip(fg, groups, nth, strict=True)])
    test_b = dwls.scaled_shifted(chisq_b, df_b, w_c, g_c, None, None)
    sigmas = []
    for imp in implied:
        s = np.eye(p)
        s[rows_i, cols_i] = imp[len(imp) - n_cor :]
        s[cols_i, rows_i] = imp[len(imp) - n_cor :]
        sigmas.append(s)
    cat = None
    constrained_th = _thresholds_constrained(table)
    if e_inv is not None and not constrained_th:
        try:
            cat = _catml_one(groups, sigmas, jacs, nth) if len(groups) == 1 else None
            cat = cat or catml_multigroup(
                [gr.r for gr in groups],
                sigmas,
                [j[k:] for j, k in zip(jacs, nth, strict=True)],
                [gr.w[k:] for gr, k in zip(groups, nth, strict=True)],
                [gr.gamma[k:, k:] for gr, k in zip(groups, nth, strict=True)],
                fg,
                e_inv,
            )
        except np.linalg.LinAlgError:
            cat = None
    measures = _measures(
        chisq=chisq,
        df=df,
        nobs=nobs,
        npar=int(jacs[0].shape[1]),
        test=test,
        chisq_b=chisq_b,
        df_b=df_b,
        test_b=test_b,
        stats_g=stats_g,
        implied=implied,
        weights=[gr.w for gr in groups],
        nth=nth,
        p=p,
        uls=uls,
        cat=cat,
    )
    return measures, sigmas, nth


def _catml_one(
    groups: Sequence[_Group],
    sigmas: Sequence[np.ndarray],
    jacs: Sequence[np.ndarray],
    nth: list[int],
) -> tuple[np.ndarray, np.ndarray, float, float] | None:
    """The catML pieces of one group whose thresholds and correlations share no parameter.

    Then ``E`` is block diagonal and ``WiU`` needs the correlation block alone
    (:func:`loyaltysem._kernels.dwls.catml`, the same numbers as
    :func:`~loyaltysem._kernels.multigroup_dwls.catml_multigroup` with a smaller
    system). None where the blocks share a parameter (or lavaan gives NA).
    """
    gr, jac, k = groups[0], jacs[0], nth[0]
    cols = np.any(jac[k:] != 0, axis=0)
    if np.any(jac[:k][:, cols]):  # a parameter moves thresholds and correlations
        return None
    cat = dwls.catml(gr.r, sigmas[0], jac[k:, cols], gr.w[k:], gr.gamma[k:, k:])
    if cat is None:
        return None
    return np.array([cat.f_ml]), np.array([cat.f_null]), cat.ks, cat.kbs


def _block_diag(blocks: Sequence[np.ndarray]) -> np.ndarray:
    """``scipy.linalg.block_diag`` (one block: itself)."""
    return blocks[0] if len(blocks) == 1 else sla.block_diag(*blocks)


def _thresholds_constrained(table: pd.DataFrame) -> bool:
    """Whether a threshold or a mean shares a parameter with another row (catML fails)."""
    free = table["free"].to_numpy(dtype=int)
    sel = np.isin(table["op"].to_numpy(), ("|", "~1")) & (free > 0)
    ids, counts = np.unique(free[free > 0], return_counts=True)
    return bool(np.isin(free[sel], ids[counts > 1]).any())


class _Std(RowValues):
    """Row values (unstandardized, std.lv, std.all) of one group for batches of x."""

    def __init__(self, gr: _Group, ov: list[str]) -> None:
        rows = gr.rows
        super().__init__(gr.gl, gr.cm.position, rows["op"].to_numpy(), rows["lhs"].to_numpy(), ov)


# --------------------------------------------------------------------- fit measures
def _measures(
    *,
    chisq: float,
    df: int,
    nobs: Sequence[int],
    npar: int,
    test: dwls.ScaledShifted,
    chisq_b: float,
    df_b: int,
    test_b: dwls.ScaledShifted,
    stats_g: Sequence[np.ndarray],
    implied: Sequence[np.ndarray],
    weights: Sequence[np.ndarray],
    nth: Sequence[int],
    p: int,
    uls: bool,
    cat: tuple[np.ndarray, np.ndarray, float, float] | None,
) -> dict[str, float]:
    """Lavaan's ``fitMeasures()`` of a multi-group categorical (D)WLS fit."""
    n = int(sum(nobs))
    g_count = len(nobs)
    n1 = n - g_count
    root_g = math.sqrt(g_count)
    x2, x2_b = test.stat, test_b.stat

    out = scaled_test_measures(npar, n, chisq, df, test, chisq_b, df_b, test_b, uls)
    robust = _robust(cat, nobs, n1, df, df_b, g_count)
    out["cfi.robust"], out["tli.robust"] = robust.pop("cfi.robust"), robust.pop("tli.robust")
    out["nnfi.scaled"] = out["tli.scaled"]
    out["rfi.scaled"] = fi.rfi(x2, df, x2_b, df_b)
    out["nfi.scaled"] = fi.nfi(x2, df, x2_b, df_b)
    out["pnfi.scaled"] = (df / df_b) * (x2_b - x2) / x2_b if x2_b > 0 else math.nan
    out["ifi.scaled"] = fi.ifi(x2, df, x2_b, df_b)
    out["rni.scaled"] = fi.rni(x2, df, x2_b, df_b)
    out["nnfi.robust"], out["rni.robust"] = robust.pop("nnfi.robust"), robust.pop("rni.robust")
    for suffix, stat in (("", chisq), (".scaled", x2)):
        out[f"rmsea{suffix}"] = fi.rmsea(stat, df, n1) * root_g
        lo, hi = fi.rmsea_ci(stat, df, n1)
        out[f"rmsea.ci.lower{suffix}"], out[f"rmsea.ci.upper{suffix}"] = lo * root_g, hi * root_g
        if suffix == "":
            out["rmsea.ci.level"] = 0.90
        out[f"rmsea.pvalue{suffix}"] = fi.rmsea_pvalue(stat, df, n1 / g_count, 0.05)
        if suffix == "":
            out["rmsea.close.h0"] = 0.05
        out[f"rmsea.notclose.pvalue{suffix}"] = (
            1.0 - fi.rmsea_pvalue(stat, df, n1 / g_count, 0.08) if df > 0 else math.nan
        )
        if suffix == "":
            out["rmsea.notclose.h0"] = 0.08
    out.update(robust)
    wts = np.asarray(nobs, dtype=float) / n
    n_cor = p * (p - 1) // 2
    acc: dict[str, list[float]] = {k: [] for k in ("rmr", "rmr_nomean", "crmr", "crmr_nomean")}
    gfi_g = []
    for s, e, w, k in zip(stats_g, implied, weights, nth, strict=True):
        resid = s - e
        ss_th = float(resid[:k] @ resid[:k])
        ss_cor = float(resid[k:] @ resid[k:])
        acc["rmr"].append(math.sqrt((ss_cor + ss_th) / (n_cor + k + p)))
        acc["rmr_nomean"].append(math.sqrt(ss_cor / (n_cor + p)))
        acc["crmr"].append(math.sqrt((ss_cor + ss_th) / (n_cor + k)))
        acc["crmr_nomean"].append(math.sqrt(ss_cor / n_cor) if n_cor else math.nan)
        gfi_g.append(1.0 - float(resid**2 @ w) / float(s**2 @ w))
    out["rmr"] = float(wts @ acc["rmr"])
    out["rmr_nomean"] = float(wts @ acc["rmr_nomean"])
    out["srmr"] = out["rmr_nomean"]
    out["srmr_bentler"] = out["rmr"]
    out["srmr_bentler_nomean"] = out["rmr_nomean"]
    out["crmr"] = float(wts @ acc["crmr"])
    out["crmr_nomean"] = float(wts @ acc["crmr_nomean"])
    out["srmr_mplus"] = math.nan
    out["srmr_mplus_nomean"] = math.nan
    out["cn_05"] = fi.cn(chisq, df, n1, 0.05)
    out["cn_01"] = fi.cn(chisq, df, n1, 0.01)
    gfi = float(wts @ np.array(gfi_g))
    nel = int(sum(len(s) for s in stats_g))
    out["gfi"] = gfi
    out["agfi"] = fi.agfi(gfi, nel, df)
    out["pgfi"] = fi.pgfi(gfi, nel, df)
    out["mfi"] = math.exp(-0.5 * (chisq - df) / n1)
    nel1 = len(stats_g[0])
    out["wrmr"] = math.sqrt(chisq / nel1) if nel1 > 0 else math.nan
    return out


def _robust(
    cat: tuple[np.ndarray, np.ndarray, float, float] | None,
    nobs: Sequence[int],
    n1: int,
    df: int,
    df_b: int,
    g_count: int,
) -> dict[str, float]:
    names = [
        "cfi.robust", "tli.robust", "nnfi.robust", "rni.robust", "rmsea.robust",
        "rmsea.ci.lower.robust", "rmsea.ci.upper.robust", "rmsea.pvalue.robust",
        "rmsea.notclose.pvalue.robust",
    ]  # fmt: skip
    if cat is None:
        return dict.fromkeys(names, math.nan)
    f_ml, f_null, ks, kbs = cat
    nn = np.asarray(nobs, dtype=float)
    xx3, xx3_null = float(nn @ f_ml), float(nn @ f_null)
    c3 = ks / df if df > 0 else math.inf
    c3_null = kbs / df_b
    root_g = math.sqrt(g_count)
    out = {
        "cfi.robust": fi.cfi(xx3, df, xx3_null, df_b, c3, c3_null),
        "tli.robust": fi.tli(xx3, df, xx3_null, df_b, c3, c3_null),
        "rni.robust": fi.rni(xx3, df, xx3_null, df_b, c3, c3_null),
        "rmsea.robust": fi.rmsea(xx3, df, n1, c3) * root_g,
    }
    out["nnfi.robust"] = out["tli.robust"]
    scaled = xx3 / c3
    lo, hi = fi.rmsea_ci(scaled, df, n1, c_hat=c3)
    out["rmsea.ci.lower.robust"], out["rmsea.ci.upper.robust"] = lo * root_g, hi * root_g
    out["rmsea.pvalue.robust"] = fi.rmsea_pvalue(scaled, df, n1 / g_count, 0.05, c_hat=c3)
    out["rmsea.notclose.pvalue.robust"] = 1.0 - fi.rmsea_pvalue(
        scaled, df, n1 / g_count, 0.08, c_hat=c3
    )
    return out


def _check_admissible(
    gr: _Group,
    est: np.ndarray,
    parts: Mapping[str, np.ndarray],
    ov: list[str],
    prefix: str,
    findings: Findings,
) -> None:
    """Heywood cases and a latent covariance matrix that is not positive definite (a group)."""
    ops, lhs, rhs = gr.pt.op, gr.pt.lhs, gr.pt.rhs
    lv_negative = False
    for i in np.flatnonzero((ops == "~~") & (lhs == rhs)):
        if est[i] < 0:
            kind = "residual variance of y*" if lhs[i] in ov else "variance"
            lv_negative = lv_negative or lhs[i] not in ov
            findings.add(
                "admissibility",
                f"{prefix}negative {kind} (Heywood case): {lhs[i]} ~~ {rhs[i]} = {est[i]:.4g}",
            )
    # lavaan lav_object_post_check: cov.lv positive definite (theta is not checked for
    # ordinal indicators)
    cm = gr.cm
    lat = [cm.latent_side.index(name) for name in cm.lv]
    if lat and not lv_negative:
        a_mat, psi = parts["a"][0].real, parts["psi"][0].real
        cov_lv = (a_mat @ psi @ a_mat.T)[np.ix_(lat, lat)]
        if np.linalg.eigvalsh((cov_lv + cov_lv.T) / 2.0)[0] < -(np.finfo(float).eps ** 0.75):
            findings.add(
                "admissibility",
                f"{prefix}the covariance matrix of the latent variables is not positive "
                "definite (an inadmissible solution: correlations beyond 1 in absolute value)",
            )


class _StdAll:
    """The std.all row values of a single-group fit for a batch of parameter vectors."""

    def __init__(self, values: RowValues, index: np.ndarray) -> None:
        self.values, self.index = values, index

    def __call__(self, xs: np.ndarray) -> np.ndarray:
        return self.values.evaluate(np.atleast_2d(xs)[:, self.index], kind="std.all")[1]


class _StdAllBlocks:
    """Every row's std.all value over G >= 1 blocks for a batch of parameter vectors.

    Each block standardized on its own (its row values at its parameters), the rows of
    block ``g`` at ``rows_of[g]`` of the table (all of them for one block).
    """

    def __init__(
        self,
        values: Sequence[RowValues],
        index: Sequence[np.ndarray],
        rows_of: Sequence[Any],
        n_rows: int,
    ) -> None:
        self.values, self.index, self.rows_of, self.n_rows = values, index, rows_of, n_rows

    def __call__(self, xs: np.ndarray) -> np.ndarray:
        xs = np.atleast_2d(xs)
        if len(self.values) == 1:
            return self.values[0].evaluate(xs[:, self.index[0]], kind="std.all")[1]
        out = np.empty((len(xs), self.n_rows))
        for values, idx, rows in zip(self.values, self.index, self.rows_of, strict=True):
            out[:, rows] = values.evaluate(xs[:, idx], kind="std.all")[1]
        return out


def block_estimates(
    fit: BlockFit, definitions: Sequence[Definition], labels: Sequence[Any] | None = None
) -> pd.DataFrame:
    """Stage 4 of the ordinal pipeline, for G >= 1 blocks: the estimates table.

    Every row of the table: its estimate and std.lv (each block's own), its robust SE
    (0 for a fixed row), std.all and its delta-method SE over all rows at once, then
    the ``:=`` rows (lavaan ``group = 0``) with their delta-method SEs. ``labels``: the
    groups' labels (a ``group_label`` column, several groups); None for one group.
    """
    table, x, vcov = fit.table, fit.x, fit.vcov
    pt = _rows_table(table)
    n_rows = len(pt)
    gcol = table["group"].to_numpy(dtype=np.int64)
    one = len(fit.groups) == 1
    rows_of: list[Any] = (
        [slice(None)] if one else [np.flatnonzero(gcol == g + 1) for g in range(len(fit.groups))]
    )
    est, std_lv = np.empty(n_rows), np.empty(n_rows)
    for rows, est_g, std_lv_g in zip(rows_of, fit.est, fit.std_lv, strict=True):
        est[rows], std_lv[rows] = est_g, std_lv_g
    is_free = pt.free > 0
    se = np.zeros(n_rows)
    se[is_free] = np.sqrt(np.clip(np.diag(vcov), 0.0, None))[pt.free[is_free] - 1]
    std_all_rows = _StdAllBlocks(
        tuple(fit.values), tuple(gr.gl.index for gr in fit.groups), tuple(rows_of), n_rows
    )
    defined = DefinedParameters(definitions, pt, est) if definitions else None
    std_all, se_std_all = delta_method(
        std_all_rows, x, vcov, extra=None if defined is None else defined.from_rows
    )
    return estimates_table(
        pt, est, se, std_lv, std_all, se_std_all, defined, x, vcov,
        group=gcol, group_labels=None if labels is None else [_plain(v) for v in labels],
    )  # fmt: skip


# ----------------------------------------------------------------- one group (G = 1)
def one_block(spec: ModelSpec, frame: Any, missing: str, data_hash: str | None = None) -> OneBlock:
    """The respondents of a single-group fit as the pipeline's one block, counted.

    The model's item columns of ``frame`` (every row), made the one block by the
    builder of every block (:func:`loyaltysem.sem.group_blocks.item_block`: the rows
    left out counted and reported, a :class:`~loyaltysem.errors.MissingDataWarning`,
    ``data_hash`` by default the SHA-256 of the item codes used).

    Raises
    ------
    SurveyDataError
        Not a DataFrame or Survey, or no rows left after the deletion.
    ModelSpecError
        A variable of the model is not a column of the data.
    """
    items, _, _ = _item_frame(spec, frame)
    return item_block(items, missing, data_hash)


def fit_one_group(
    spec: ModelSpec,
    block: OneBlock,
    ordered: Sequence[str],
    *,
    estimator: str,
    parameterization: str = "delta",
    options: Mapping[str, Any] | None = None,
    definitions: Sequence[Definition] | None = None,
) -> SEMResult:
    """A single-group ordinal fit: the pipeline (:func:`fit_blocks`) with one block.

    The result has the single-group shape: ``group=None``, ``estimates`` with ``group``
    1 and no ``group_label``, ``r2`` indexed by variable, ``implied_cov`` and
    ``sample_cov`` tables, warnings without a group prefix.
    """
    est_name = str(estimator).upper()
    missing = block.missing
    fit = fit_blocks(
        spec,
        block,
        make_table=functools.partial(single_table, spec),
        est_name=est_name,
        missing=missing,
        parameterization=parameterization,
        group=None,
        notes=list(block.notes),
    )
    ov = list(spec.ov)
    gr = fit.groups[0]
    pt = gr.pt
    x, vcov = fit.x, fit.vcov
    est = fit.est[0]
    std_all_batch = _StdAll(fit.values[0], gr.gl.index)
    definitions = spec.definitions if definitions is None else tuple(definitions)
    estimates = block_estimates(fit, definitions)
    parts = fit.parts[0]
    mats = {k: parts[k][0].real.copy() for k in ("lambda", "beta", "psi", "theta", "nu", "alpha")}
    d = np.arange(len(ov))
    if not fit.theta:  # the residual variances of y*: 1 / Delta^2 - diag(common)
        common = np.einsum("ii->i", parts["common"][0].real)
        mats["theta"][d, d] = 1.0 / parts["delta"][0].real ** 2 - common
    names = pd.Index(ov)
    internals = fit.internals(block.data_hash, est_name)
    provenance = Provenance(
        estimator=est_name,
        n=gr.n,
        n_excluded=int(block.n_excluded[0]),
        data_hash=block.data_hash,
        options=MappingProxyType(
            {
                **dict(options or {}),
                "estimator": est_name,
                "lavaan_estimator": ORDINAL_ESTIMATORS[est_name],
                "ordered": tuple(ordered),
                "parameterization": parameterization,
                "se": "robust.sem",
                "test": "scaled.shifted",
                "missing": missing,
            }
        ),
    )
    findings = fit.findings
    return SEMResult(
        model=spec.syntax,
        _estimates=estimates,
        _fit_measures=pd.Series(fit.measures, name="fit_measures"),
        _r2=rsquare(gr.cm, mats),
        _implied_cov=pd.DataFrame(fit.sigmas[0], index=names, columns=names),
        _sample_cov=pd.DataFrame(gr.r, index=names, columns=names),
        _vcov=pd.DataFrame(vcov),
        converged=fit.converged,
        iterations=fit.iterations,
        warnings=tuple(findings),
        provenance=provenance,
        _status=findings.status(fit.converged),
        _x=np.array(x, copy=True),
        _std_all_batch=std_all_batch,
        _internals=internals,
        _modindices=functools.partial(
            _single_group_mi,
            MIGroup(pt, est, fit.stats_g[0], gr.w, gr.n),
            tuple(ov),
            np.array(x, copy=True),
            fit.theta,
        ),
    )


def fit_ordinal(
    spec: ModelSpec,
    frame: pd.DataFrame,
    ordered: Sequence[str],
    *,
    estimator: str = "WLSMV",
    missing: str = "listwise",
    parameterization: str = "delta",
    data_hash: str | None = None,
    options: Mapping[str, Any] | None = None,
    definitions: Sequence[Definition] | None = None,
) -> SEMResult:
    """Fit a model with ordinal indicators by WLSMV or ULSMV, as lavaan 0.6.14.

    Parameters
    ----------
    spec : ModelSpec
        The model (:func:`loyaltysem.sem.specification.specify`); every observed variable
        must be an ordinal indicator of a latent variable.
    frame : DataFrame or Survey
        Whole-number category codes (NaN = missing) in columns named as the model's
        observed variables; other columns are ignored.
    ordered : sequence of str
        The ordinal items: every observed variable of the model (lavaan ``ordered=``).
    estimator : {"WLSMV", "ULSMV"}, default "WLSMV"
        DWLS estimates (diagonal weights ``1 / diag(Gamma)``) or ULS estimates; both
        with robust (``robust.sem``) standard errors and the scaled-and-shifted test.
    missing : {"listwise", "pairwise"}, default "listwise"
        lavaan's ``missing=``: complete rows only, or each threshold from every answer
        to its item and each polychoric correlation (and its NACOV) from the rows
        answering both items; then N is the number of rows with any answer.
    parameterization : {"delta", "theta"}, default "delta"
        lavaan's ``parameterization=``. ``"delta"``: the variances of ``y*`` are 1 and
        the residual variances ``1 - diag(Lambda A Psi A' Lambda')`` are not
        parameters. ``"theta"``: the residual variances of ``y*`` are parameters, fixed
        at 1 (``lav_partable_flat``), the variances of ``y*`` are ``diag(Sigma*)`` with
        ``Sigma* = Lambda A Psi A' Lambda' + Theta`` and the scaling factors ``~*~``
        are ``diag(Sigma*)^-1/2``; the implied thresholds are ``tau / sd(y*)``
        (``computeTH``). The two are the same model (same chi-square and fit
        measures) in different units; loadings, thresholds and their SEs differ,
        ``std.all`` agrees.
    data_hash : str, optional
        Hash recorded in the provenance; default the SHA-256 of the item codes used.
    options : mapping, optional
        Extra options to record in the provenance (the estimator's are added).
    definitions : sequence of Definition, optional
        ``:=`` parameters; default ``spec.definitions``.

    Returns
    -------
    SEMResult
        ``estimates`` with lavaan's rows (``=~ ~ | ~~ ~*~ ~1 :=``) and columns ``lhs, op,
        rhs, label, free, est, se, z, pvalue, ci_lower, ci_upper, std_lv, std_all,
        se_std_all``; ``fit_measures`` with lavaan's names (see the module notes);
        ``r2``; ``sample_cov`` the polychoric and ``implied_cov`` the implied
        correlation matrix; ``provenance`` (estimator, N, rows deleted, data hash).

    Raises
    ------
    ModelSpecError
        Unknown estimator, ``ordered`` naming a variable not in the model, continuous
        indicators, covariates, regressions on observed variables, ``~ 1`` lines or
        residual variances of ordinal indicators in the model.
    SurveyDataError
        Codes that cannot be ordinal categories (an item with a single observed value,
        more than 20 distinct values, non-integer codes), a category emptied by
        listwise deletion, no complete rows.
    IdentificationError
        More free parameters than sample statistics, or a singular information matrix.

    Notes
    -----
    With ``missing="listwise"`` (lavaan's default) rows with a missing answer are
    deleted, counted in ``provenance.n_excluded`` and reported in ``warnings`` and a
    :class:`~loyaltysem.errors.MissingDataWarning`; with ``missing="pairwise"`` the
    rows with missing answers are counted and reported the same way, and only rows
    without any answer are excluded.

    Examples
    --------
    The Holzinger-Swineford CFA on the nine tests cut into quintile categories; in R:
    ``cfa(model, data = hs5, ordered = names(hs5), estimator = "WLSMV")``.

    >>> import numpy as np
    >>> import pandas as pd
    >>> from loyaltysem.datasets import load_frame
    >>> from loyaltysem.sem.ordinal import fit_ordinal
    >>> from loyaltysem.sem.specification import specify
    >>> hs = load_frame("holzinger_swineford")
    >>> cut5 = lambda v: np.clip(np.searchsorted(np.quantile(v, np.linspace(0, 1, 6)), v), 1, 5)
    >>> hs5 = pd.DataFrame({f"x{i}": cut5(hs[f"x{i}"]) for i in range(1, 10)})
    >>> spec = specify("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9")
    >>> res = fit_ordinal(spec, hs5, ordered=list(hs5.columns))
    >>> fm = res.fit_measures
    >>> round(float(fm["chisq"]), 3), round(float(fm["chisq.scaled"]), 3), int(fm["df"])
    (56.779, 83.385, 24)
    >>> round(float(fm["cfi.scaled"]), 4), round(float(fm["rmsea.scaled"]), 4)
    (0.9625, 0.0908)
    >>> row = res.estimates.loc[1]
    >>> [row["lhs"], row["op"], row["rhs"]], round(float(row["est"]), 4), round(float(row["se"]), 4)
    (['visual', '=~', 'x2'], 0.5299, 0.0935)

    The theta parameterization: the same fit, loadings in units of the residual SD of
    ``y*``; in R: ``cfa(model, data = hs5, ordered = names(hs5), parameterization =
    "theta")``.

    >>> th = fit_ordinal(spec, hs5, ordered=list(hs5.columns), parameterization="theta")
    >>> round(float(th.fit_measures["chisq.scaled"]), 3)
    83.385
    >>> row = th.estimates.loc[1]
    >>> round(float(row["est"]), 4), round(float(row["se"]), 4), round(float(row["std_all"]), 4)
    (0.3237, 0.1116, 0.4434)
    >>> scale = th.estimates.query("op == '~*~'").iloc[0]
    >>> scale["lhs"], round(float(scale["est"]), 4)
    ('x1', 0.5475)
    """
    est_name, ordered = _ordinal_options(estimator, ordered, missing, parameterization)
    _check_model(spec, ordered, parameterization)
    block = one_block(spec, frame, missing, data_hash)
    return fit_one_group(
        spec,
        block,
        ordered,
        estimator=est_name,
        parameterization=parameterization,
        options=options,
        definitions=definitions,
    )


def _ordinal_options(
    estimator: str, ordered: Sequence[str] | str, missing: str, parameterization: str
) -> tuple[str, list[str]]:
    """The estimator's name and the ordinal items, or the error naming the option to fix."""
    est_name = str(estimator).upper()
    if est_name not in ORDINAL_ESTIMATORS:
        raise ModelSpecError(
            f"estimator={estimator!r} is not available for ordinal indicators",
            found=estimator,
            expected=f"estimator in {sorted(ORDINAL_ESTIMATORS)}",
            fix='use estimator="WLSMV" (lavaan\'s default with ordered=) or "ULSMV"',
        )
    if isinstance(ordered, str):
        ordered = [ordered]
    ordered = [str(o) for o in ordered]
    if not ordered:
        raise ModelSpecError(
            "ordered= is empty",
            found=ordered,
            expected="the ordinal items of the model",
            fix="pass ordered=list_of_items, or fit without ordered= by ML",
        )
    if missing not in ("listwise", "pairwise"):
        raise ModelSpecError(
            f"missing={missing!r} is not available for ordinal indicators",
            found=missing,
            expected='missing in ["listwise", "pairwise"]',
            fix='use missing="listwise" (lavaan\'s default) or missing="pairwise"',
        )
    if parameterization not in PARAMETERIZATIONS:
        raise ModelSpecError(
            f"parameterization={parameterization!r} is not available for ordinal indicators",
            found=parameterization,
            expected=f"parameterization in {list(PARAMETERIZATIONS)}",
            fix='use parameterization="delta" (lavaan\'s default) or "theta"',
        )
    return est_name, ordered


def _mi_jacobian(gl: GroupLayout, xl: np.ndarray, theta: bool) -> np.ndarray:
    """The Jacobian of a group's implied statistics, as lavaan's ``computeDelta``.

    Exact (complex step); in the theta parameterization a freed scaling factor ``~*~``
    of item ``i`` moves its thresholds only, ``d tau*_k / d Delta_i = tau_k - mu_i``.
    """
    jac = gl.jacobian(xl)
    if theta and np.any(gl.delta_param >= 0):
        parts = gl.parts(xl[None, :])
        tau = parts["th"][0] / parts["delta"][0][gl.th_item]
        for item in np.flatnonzero(gl.delta_param >= 0):
            col = gl.delta_param[item]
            jac[:, col] = 0.0
            mine = np.flatnonzero(gl.th_item == item)
            jac[mine, col] = tau[mine]
    return jac


def _check_cov_starts(
    ext: ParTable, values: np.ndarray, to_global: np.ndarray, x_eval: np.ndarray
) -> None:
    """Lavaan's ``lav_start_check_cov`` on the start values of the extended model.

    ``lav_object_extended`` refits nothing (``do.fit = FALSE``): the extended model is
    evaluated at its start values, the estimates, after ``lavaan()`` checks them. A
    covariance (``~~`` between two variables, not 0) whose start implies a correlation
    beyond 1 with the start variances (a Heywood residual correlation of ``y*``) is
    divided by ``1.1 cor``; one with a variance at 0 is set to 0, one whose correlation
    is not finite (a negative variance) is set to 0 and its variances to 1. Modifies
    ``x_eval`` (global parameters) in place.
    """
    n_old = len(values)
    start = np.concatenate([values, np.zeros(len(ext) - n_old)])
    ops, lhs, rhs, free = ext.op, ext.lhs, ext.rhs, ext.free
    var_row = {lhs[i]: i for i in range(len(ext)) if ops[i] == "~~" and lhs[i] == rhs[i]}
    changed = False
    for i in np.flatnonzero((ops == "~~") & (lhs != rhs) & (ext.exo == 0)):
        if start[i] == 0 or lhs[i] not in var_row or rhs[i] not in var_row:
            continue
        a, b = var_row[lhs[i]], var_row[rhs[i]]
        if start[a] == 0 or start[b] == 0:
            start[i], changed = 0.0, True
            continue
        with np.errstate(invalid="ignore"):
            cor = start[i] / np.sqrt(start[a] * start[b])
        if not np.isfinite(cor):
            start[[a, b, i]], changed = (1.0, 1.0, 0.0), True
        elif abs(cor) > 1:
            start[i], changed = start[i] / (cor * 1.1), True
    if changed:
        rows = np.flatnonzero(free > 0)
        x_eval[to_global[free[rows] - 1]] = start[rows]


def _single_group_mi(group: MIGroup, ov: Sequence[str], x: np.ndarray, theta: bool) -> pd.DataFrame:
    """``modindices(fit)`` of a single-group ordinal fit (no group column)."""
    table = ordinal_modification_indices([group], ov, x, theta=theta)
    return table.drop(columns="group")
