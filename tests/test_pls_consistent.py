"""PLSc (Dijkstra & Henseler 2015) against seminr's ``PLSc()`` (``tests/thirdparty``).

References (provenance in ``tests/thirdparty/README.md``):

- ``seminr_ts_expected/M3_reflective_plsc.json``: seminr 2.5.0.9000, Image, Expectation,
  Value -> Satisfaction on mobi, all ``reflective()``, path weighting, maxIt 300,
  stopCriterion 7 (settings.description in the file);
- ``seminr_fixtures_V_3_6_0/{rho1,path_coef1,loadings1,rsquaredplsc}.csv``: seminr's
  ``tests/testthat/test-consistent.R``, the same model with ``inner_weights =
  path_factorial``.

Tolerance 1e-6 (paths, loadings, R², rho_A).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.testing import assert_allclose

from loyaltysem._kernels import pls as _k
from loyaltysem._kernels.plsc import consistent as consistent_kernel
from loyaltysem.datasets import load_mobi
from loyaltysem.pls import pls

REF = Path(__file__).resolve().parent / "thirdparty"
SEMINR_TS = REF / "seminr_ts_expected"
SEMINR_FIX = REF / "seminr_fixtures_V_3_6_0"
ATOL = 1e-6

SMALL_MM = {
    "Image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
    "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
}
SMALL_SM = "Satisfaction ~ Image + Expectation + Value"


def _ts(name: str) -> dict:
    return json.loads((SEMINR_TS / name).read_text())


def _frame(block: dict) -> pd.DataFrame:
    cols = block["cols"] if isinstance(block["cols"], list) else [block["cols"]]
    return pd.DataFrame(block["values"], index=block["rows"], columns=cols)


def _fix(name: str) -> pd.DataFrame:
    return pd.read_csv(SEMINR_FIX / name, index_col=0)


def _kernel_inputs(scheme: str = "path"):
    res = pls(load_mobi(), SMALL_MM, SMALL_SM, scheme=scheme)
    z, _, _ = _k.standardize(res.data.to_numpy())
    r = np.corrcoef(z, rowvar=False)
    blocks = [np.arange(0, 5), np.arange(5, 8), np.arange(8, 10), np.arange(10, 13)]
    inner = np.zeros((4, 4))
    inner[:3, 3] = 1
    return res, r, blocks, inner


def test_kernel_equals_seminr_ts_plsc():
    res, r, blocks, inner = _kernel_inputs()
    est = consistent_kernel(
        r,
        blocks,
        res.weights.to_numpy(),
        res.loadings.to_numpy(),
        res.construct_cor.to_numpy(),
        inner,
        ["A"] * 4,
    )
    ref = _ts("M3_reflective_plsc.json")
    assert_allclose(est.paths, _frame(ref["pathCoef"]).to_numpy(), atol=ATOL, rtol=0)
    assert_allclose(est.loadings, _frame(ref["outerLoadings"]).to_numpy(), atol=ATOL, rtol=0)
    assert_allclose(est.rho_a, _frame(ref["rhoA"]).to_numpy().ravel(), atol=ATOL, rtol=0)
    assert_allclose(est.r2[3], ref["rSquared"]["values"][0], atol=ATOL, rtol=0)
    assert est.admissible


def test_kernel_equals_seminr_testthat_factorial():
    res, r, blocks, inner = _kernel_inputs("factorial")
    est = consistent_kernel(
        r,
        blocks,
        res.weights.to_numpy(),
        res.loadings.to_numpy(),
        res.construct_cor.to_numpy(),
        inner,
        ["A"] * 4,
    )
    assert_allclose(est.rho_a, _fix("rho1.csv")["rhoA"].to_numpy(), atol=ATOL, rtol=0)
    assert_allclose(est.paths, _fix("path_coef1.csv").to_numpy(), atol=ATOL, rtol=0)
    assert_allclose(est.loadings, _fix("loadings1.csv").to_numpy(), atol=ATOL, rtol=0)
    assert_allclose(est.r2[3], _fix("rsquaredplsc.csv").loc["Rsq", "Satisfaction"], atol=ATOL)


def test_kernel_hand_checkable_two_factor_case():
    """Two parallel blocks with loadings 0.7 and factor correlation 0.5: PLSc recovers both.

    The population correlations are typed from the factor model (0.7² = 0.49 within,
    0.7 · 0.5 · 0.7 = 0.245 between); the answer is the model's own parameters.
    """
    r = np.full((4, 4), 0.245)
    r[:2, :2] = r[2:, 2:] = 0.49
    np.fill_diagonal(r, 1.0)
    blocks = [np.array([0, 1]), np.array([2, 3])]
    inner = np.array([[0, 1], [0, 0]])
    fit = _k.pls_moments(r, blocks, inner)
    est = consistent_kernel(
        r, blocks, fit.weights, fit.loadings, fit.construct_cor, inner, ["A", "A"]
    )
    assert_allclose(est.paths[0, 1], 0.5, atol=1e-12)
    assert_allclose(est.loadings[[0, 1], 0], [0.7, 0.7], atol=1e-12)
    assert_allclose(est.rho_a, [0.49 * 2 / 1.49] * 2, atol=1e-12)  # 2r / (1 + r)
    assert_allclose(est.r2[1], 0.25, atol=1e-12)


def test_kernel_mode_b_single_item_and_unit_rho_get_one():
    res, r, blocks, inner = _kernel_inputs()
    est = consistent_kernel(
        r,
        blocks,
        res.weights.to_numpy(),
        res.loadings.to_numpy(),
        res.construct_cor.to_numpy(),
        inner,
        ["B", "A", "A", "A"],
        unit_rho=[False, True, False, False],
    )
    assert est.rho_a[0] == 1.0 and est.rho_a[1] == 1.0
    # a mode-B construct keeps its PLS loadings
    assert_allclose(est.loadings[:5, 0], res.loadings.to_numpy()[:5, 0], atol=0)
