"""Consistent PLS (PLSc) for a :class:`~loyaltysem.pls.PLSResult`, as ``seminr::PLSc()``.

PLS composites of reflective items carry measurement error, so PLS paths between
common factors are biased towards zero and loadings away from it. Dijkstra &
Henseler's (2015) PLSc corrects them with each construct's reliability rho_A (the
numerical work is :func:`loyaltysem._kernels.plsc.consistent`).

Examples
--------
>>> from loyaltysem.datasets import load_mobi
>>> from loyaltysem.pls import pls
>>> from loyaltysem.pls.consistent import consistent
>>> mobi = load_mobi()
>>> mm = {k: mobi.constructs[k] for k in ["Image", "Expectation", "Value", "Satisfaction"]}
>>> res = consistent(pls(mobi, mm, "Satisfaction ~ Image + Expectation + Value"))
>>> res.paths.loc[["Image", "Expectation", "Value"], "Satisfaction"].round(4).tolist()
[0.5407, 0.2357, 0.2598]
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from loyaltysem._kernels import pls as _k
from loyaltysem._kernels import plsc as _kc
from loyaltysem.errors import HeywoodWarning, ModelSpecError
from loyaltysem.pls import PLSResult, _blocks, _reliability

__all__ = ["consistent", "is_interaction"]

PLSC_NOTE = "PLSc (consistent PLS, Dijkstra & Henseler 2015): paths, loadings, R² corrected"


def is_interaction(name: str) -> bool:
    """Whether a construct name is an interaction term (seminr's ``"iv*moderator"``).

    Examples
    --------
    >>> is_interaction("Image*Expectation"), is_interaction("Image")
    (True, False)
    """
    return "*" in name


def _inputs(result: PLSResult) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    if result.data is None:
        raise ModelSpecError(
            "PLSc needs the item scores the PLS result was estimated from",
            found="result.data is None",
            expected="a PLSResult from pls() (it keeps data)",
            fix="estimate the model with loyaltysem.pls.pls() and pass that result",
        )
    items, blocks = _blocks(result.measurement)
    z, _, _ = _k.standardize(result.data[items].to_numpy(dtype=float))
    r = np.atleast_2d(np.corrcoef(z, rowvar=False))
    names = result.constructs
    inner = np.zeros((len(names), len(names)))
    for s, t in result.structural:
        inner[names.index(s), names.index(t)] = 1.0
    return r, blocks, inner


def consistent(result: PLSResult, *, common_factor: Sequence[str] | None = None) -> PLSResult:
    r"""Correct a PLS result to consistent PLS (PLSc), as ``seminr::PLSc()``.

    Parameters
    ----------
    result : PLSResult
        A model estimated by :func:`loyaltysem.pls.pls` (or by the moderation and
        higher-order functions of this package).
    common_factor : sequence of str, optional
        Constructs measured reflectively, i.e. common factors (seminr
        ``reflective()``): their loadings are corrected. Default: every mode-A
        construct that is not an interaction term. A mode-A construct left out is a
        composite (seminr ``composite(weights = mode_A)``): its loadings stay, but
        its correlations are still divided by its rho_A, as seminr does.

    Returns
    -------
    PLSResult
        A new result: ``paths``, ``r2``, ``loadings``, ``construct_cor``
        (disattenuated) and ``reliability`` (rho_C and AVE from the corrected
        loadings) replaced; weights, scores, cross-loadings and HTMT as PLS gave them
        (seminr keeps them too); a note "PLSc ..." in ``notes``.

    Raises
    ------
    ModelSpecError
        ``common_factor`` names an unknown or a mode-B construct, the result is
        already PLSc, or it has no data.

    Warns
    -----
    loyaltysem.errors.HeywoodWarning
        A disattenuated correlation above 1, a rho_A that is not positive, or an R²
        outside [0, 1] (a note in the result says which).

    Notes
    -----
    With rho_A of each construct (Dijkstra & Henseler 2015, eq. 19; 1 for a mode-B
    construct, a single item and an interaction term ``"iv*moderator"``):

    .. math::

        \tilde c_{ij} = c_{ij} / \sqrt{\rho_{A,i}\,\rho_{A,j}}, \qquad
        \tilde\lambda_j = \hat w_j \sqrt{\rho_{A,j}} / (\hat w_j'\hat w_j)

    and paths and R² are the OLS regressions on the corrected correlations. In R::

        model <- seminr::estimate_pls(mobi, constructs(reflective(...), ...), sm)
        # estimate_pls() applies PLSc() itself when a construct is reflective()

    References
    ----------
    Dijkstra, T. K., & Henseler, J. (2015). Consistent partial least squares path
    modeling. *MIS Quarterly*, 39(2), 297–316.

    Examples
    --------
    >>> from loyaltysem.datasets import load_mobi
    >>> from loyaltysem.pls import pls
    >>> mobi = load_mobi()
    >>> mm = {k: mobi.constructs[k] for k in ["Image", "Expectation", "Value", "Satisfaction"]}
    >>> res = consistent(pls(mobi, mm, "Satisfaction ~ Image + Expectation + Value"))
    >>> round(float(res.r2.loc["Satisfaction", "r2"]), 4)  # seminr M3: 0.8844
    0.8844
    >>> res.reliability.loc["Image"].round(4).tolist()  # alpha, rho_A, rho_C, AVE
    [0.7228, 0.7453, 0.7271, 0.355]
    """
    if any(note.startswith("PLSc") for note in result.notes):
        raise ModelSpecError(
            "the result is already PLSc",
            found=[n for n in result.notes if n.startswith("PLSc")],
            expected="a PLS result not yet corrected",
            fix="pass the result of pls() to consistent() once",
        )
    names = result.constructs
    if common_factor is None:
        factor = [result.modes[c] == "A" and not is_interaction(c) for c in names]
    else:
        wanted = [common_factor] if isinstance(common_factor, str) else list(common_factor)
        unknown = [c for c in wanted if c not in names]
        if unknown:
            raise ModelSpecError(
                "common_factor names constructs that are not in the model",
                found=unknown,
                expected=f"some of {names}",
                fix="check the construct names in common_factor=",
            )
        formative = [c for c in wanted if result.modes[c] == "B" or is_interaction(c)]
        if formative:
            raise ModelSpecError(
                "a mode-B construct or an interaction term cannot be a common factor",
                found=formative,
                expected="mode-A constructs",
                fix="leave them out of common_factor (PLSc uses rho_A = 1 for them)",
            )
        factor = [c in wanted for c in names]
    r, blocks, inner = _inputs(result)
    modes = [result.modes[c] for c in names]
    est = _kc.consistent(
        r,
        blocks,
        result.weights.to_numpy(),
        result.loadings.to_numpy(),
        result.construct_cor.to_numpy(),
        inner,
        modes,
        common_factor=factor,
        unit_rho=[is_interaction(c) for c in names],
    )
    n = result.n
    endo = list(result.r2.index)
    r2 = pd.DataFrame(
        {
            "r2": [est.r2[names.index(c)] for c in endo],
            "adj_r2": [
                1.0
                - (1.0 - est.r2[names.index(c)])
                * (n - 1)
                / (n - int(inner[:, names.index(c)].sum()) - 1)
                for c in endo
            ],
        },
        index=result.r2.index,
    )
    notes = [*result.notes, PLSC_NOTE]
    if any(is_interaction(c) for c in names):
        notes.append(
            "PLSc with interaction terms is subject to some bias (Becker, Ringle & Sarstedt "
            "2018), as seminr warns"
        )
    if not est.admissible:
        notes.append(_inadmissible(est, names))
        warnings.warn(notes[-1], HeywoodWarning, stacklevel=2)
    reliability = _reliability(r, blocks, result.weights.to_numpy(), est.loadings, modes, names)
    reliability["rho_a"] = est.rho_a  # 1 for interaction terms too, as seminr
    return dataclasses.replace(
        result,
        paths=pd.DataFrame(est.paths, index=result.paths.index, columns=result.paths.columns),
        loadings=pd.DataFrame(
            est.loadings, index=result.loadings.index, columns=result.loadings.columns
        ),
        construct_cor=pd.DataFrame(
            est.construct_cor,
            index=result.construct_cor.index,
            columns=result.construct_cor.columns,
        ),
        r2=r2,
        reliability=reliability,
        notes=tuple(notes),
        consistent=True,
        inadmissible=() if est.admissible else (notes[-1],),
    )


def _inadmissible(est: _kc.PLScEstimate, names: list[str]) -> str:
    parts = []
    bad_rho = [names[j] for j in range(len(names)) if not est.rho_a[j] > 0]
    if bad_rho:
        parts.append(f"rho_A not positive for {bad_rho}")
    m = len(names)
    over = [
        f"{names[i]}~{names[j]} = {est.construct_cor[i, j]:.3f}"
        for i in range(m)
        for j in range(i + 1, m)
        if abs(est.construct_cor[i, j]) > 1
    ]
    if over:
        parts.append("disattenuated correlations above 1: " + ", ".join(over))
    bad_r2 = [names[j] for j in range(m) if not np.isnan(est.r2[j]) and not 0 <= est.r2[j] <= 1]
    if bad_r2:
        parts.append(f"R² outside [0, 1] for {bad_r2}")
    return "PLSc inadmissible (Heywood case): " + "; ".join(parts)
