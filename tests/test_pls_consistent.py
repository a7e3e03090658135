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
import pytest
from numpy.testing import assert_allclose

from loyaltysem._kernels import pls as _k
from loyaltysem._kernels.plsc import consistent as consistent_kernel
from loyaltysem._kernels.plsc import consistent_batched
from loyaltysem.datasets import load_mobi
from loyaltysem.errors import HeywoodWarning, ModelSpecError
from loyaltysem.pls import pls
from loyaltysem.pls.consistent import consistent

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


# ----------------------------------------------------------------------------- PLSResult


def test_consistent_result_equals_seminr_ts_m3_and_evaluation():
    res = consistent(pls(load_mobi(), SMALL_MM, SMALL_SM))
    ref = _ts("M3_reflective_plsc.json")
    paths = _frame(ref["pathCoef"])
    assert_allclose(res.paths.loc[paths.index, paths.columns], paths, atol=ATOL, rtol=0)
    loadings = _frame(ref["outerLoadings"])
    assert_allclose(res.loadings.loc[loadings.index, loadings.columns], loadings, atol=ATOL, rtol=0)
    weights = _frame(ref["outerWeights"])
    assert_allclose(res.weights.loc[weights.index, weights.columns], weights, atol=ATOL, rtol=0)
    assert_allclose(
        res.r2.loc["Satisfaction", ["r2", "adj_r2"]].to_numpy(dtype=float),
        ref["rSquared"]["values"],
        atol=ATOL,
        rtol=0,
    )
    ev = _ts("M7_evaluation_m3.json")
    rel = _frame(ev["reliability"])
    assert_allclose(res.reliability.loc[rel.index].to_numpy(), rel.to_numpy(), atol=1e-4, rtol=0)
    htmt = _frame(ev["htmt"]).astype(float)
    upper = np.triu(np.ones(htmt.shape, dtype=bool), 1)
    assert_allclose(
        res.htmt.loc[htmt.index, htmt.columns].to_numpy()[upper],
        htmt.to_numpy()[upper],
        atol=1e-4,
        rtol=0,
    )
    report = _frame(ev["pathsReport"])
    assert_allclose(
        res.paths.loc[["Image", "Expectation", "Value"], "Satisfaction"],
        report.loc[["Image", "Expectation", "Value"], "Satisfaction"],
        atol=ATOL,
        rtol=0,
    )
    assert any(note.startswith("PLSc") for note in res.notes)


def test_consistent_result_factorial_equals_seminr_testthat():
    res = consistent(pls(load_mobi(), SMALL_MM, SMALL_SM, scheme="factorial"))
    assert_allclose(res.reliability["rho_a"], _fix("rho1.csv")["rhoA"], atol=ATOL, rtol=0)
    ref = _fix("path_coef1.csv")
    assert_allclose(res.paths.loc[ref.index, ref.columns], ref, atol=ATOL, rtol=0)
    ref = _fix("loadings1.csv")
    assert_allclose(res.loadings.loc[ref.index, ref.columns], ref, atol=ATOL, rtol=0)
    ref = _fix("rsquaredplsc.csv")
    assert_allclose(
        res.r2.loc["Satisfaction", ["r2", "adj_r2"]].to_numpy(dtype=float),
        ref.loc[["Rsq", "AdjRsq"], "Satisfaction"].to_numpy(),
        atol=ATOL,
        rtol=0,
    )


def test_construct_cor_disattenuated_and_scores_kept():
    base = pls(load_mobi(), SMALL_MM, SMALL_SM)
    res = consistent(base)
    rho = base.reliability["rho_a"]
    expected = base.construct_cor.loc["Image", "Value"] / np.sqrt(rho["Image"] * rho["Value"])
    assert_allclose(res.construct_cor.loc["Image", "Value"], expected, atol=1e-14)
    pd.testing.assert_frame_equal(res.scores, base.scores)
    pd.testing.assert_frame_equal(res.weights, base.weights)
    assert base.notes == ()  # the input result is not changed


def test_composite_mode_a_keeps_loadings_and_single_item_rho_one():
    mm = {**SMALL_MM, "Complaints": ["CUSCO"]}
    base = pls(load_mobi(), mm, SMALL_SM + "\nComplaints ~ Satisfaction")
    res = consistent(base, common_factor=["Image", "Value", "Satisfaction", "Complaints"])
    assert_allclose(res.loadings["Expectation"], base.loadings["Expectation"], atol=0)
    assert res.reliability.loc["Complaints", "rho_a"] == 1.0
    assert_allclose(res.loadings.loc["CUSCO", "Complaints"], 1.0, atol=1e-14)
    # Expectation is still disattenuated by its rho_A, as seminr does for composites
    rho = base.reliability["rho_a"]
    expected = base.construct_cor.loc["Image", "Expectation"] / np.sqrt(
        rho["Image"] * rho["Expectation"]
    )
    assert_allclose(res.construct_cor.loc["Image", "Expectation"], expected, atol=1e-14)


def test_mode_b_gets_rho_one():
    base = pls(load_mobi(), SMALL_MM, SMALL_SM, mode={"Image": "B"})
    res = consistent(base)
    assert_allclose(res.loadings["Image"], base.loadings["Image"], atol=0)
    c = base.construct_cor
    rho = base.reliability["rho_a"]
    assert rho["Image"] == 1.0
    assert_allclose(
        res.construct_cor.loc["Image", "Value"],
        c.loc["Image", "Value"] / np.sqrt(rho["Value"]),
        atol=1e-14,
    )


def test_bad_input_named():
    base = pls(load_mobi(), SMALL_MM, SMALL_SM, mode={"Image": "B"})
    with pytest.raises(ModelSpecError, match="not in the model") as err:
        consistent(base, common_factor=["Imagee"])
    assert "Imagee" in str(err.value)
    with pytest.raises(ModelSpecError, match="mode-B") as err:
        consistent(base, common_factor=["Image"])
    assert "Image" in str(err.value)
    with pytest.raises(ModelSpecError, match="already PLSc"):
        consistent(consistent(base))


def test_heywood_case_warns_and_notes():
    """Two 2-item blocks correlated more across than within: disattenuated r > 1."""
    rng = np.random.default_rng(1)
    f = rng.normal(size=(400, 1))
    data = pd.DataFrame(
        f + rng.normal(scale=[1.0, 1.0, 1.0, 1.0], size=(400, 4)),
        columns=["a1", "a2", "b1", "b2"],
    )
    data["a2"] = -0.2 * data["a1"] + rng.normal(size=400) + 0.6 * f[:, 0]
    base = pls(data, {"A": ["a1", "a2"], "B": ["b1", "b2"]}, "B ~ A")
    with pytest.warns(HeywoodWarning, match="A~B"):
        res = consistent(base)
    assert any("inadmissible" in note for note in res.notes)


def test_batched_kernel_equals_the_single_kernel_per_draw():
    """consistent_batched over 20 bootstrap draws of the full ECSI model (a single item,
    a mode-B construct) equals consistent() draw by draw (a different code path)."""
    mobi = load_mobi()
    sm = """
    Expectation ~ Image
    Quality ~ Expectation
    Value ~ Expectation + Quality
    Satisfaction ~ Image + Expectation + Quality + Value
    Complaints ~ Satisfaction
    Loyalty ~ Image + Satisfaction + Complaints
    """
    base = pls(mobi, mobi.constructs, sm, mode={"Quality": "B"})
    names = base.constructs
    items = [i for c in names for i in base.measurement[c]]
    blocks, start = [], 0
    for c in names:
        blocks.append(np.arange(start, start + len(base.measurement[c])))
        start += len(base.measurement[c])
    inner = np.zeros((len(names), len(names)))
    for s, t in base.structural:
        inner[names.index(s), names.index(t)] = 1
    modes = [base.modes[c] for c in names]
    rng = np.random.default_rng(7)
    x = base.data[items].to_numpy()
    rs, ws, cs, singles = [], [], [], []
    for _ in range(20):
        z, _, _ = _k.standardize(x[rng.integers(0, len(x), len(x))])
        r = np.corrcoef(z, rowvar=False)
        fit = _k.pls_moments(r, blocks, inner, modes)
        rs.append(r)
        ws.append(fit.weights)
        cs.append(fit.construct_cor)
        singles.append(
            consistent_kernel(r, blocks, fit.weights, fit.loadings, fit.construct_cor, inner, modes)
        )
    estimate = np.array([m == "A" and len(b) > 1 for m, b in zip(modes, blocks, strict=True)])
    factor = np.array([m == "A" for m in modes])
    batch = consistent_batched(np.array(rs), np.array(ws), np.array(cs), inner, estimate, factor)
    for k, one in enumerate(singles):
        assert_allclose(batch.rho_a[k], one.rho_a, atol=1e-12)
        assert_allclose(batch.paths[k], one.paths, atol=1e-12)
        assert_allclose(batch.r2[k], one.r2, atol=1e-12)
        assert_allclose(batch.construct_cor[k], one.construct_cor, atol=1e-12)
        assert_allclose(batch.loadings[k][:, factor], one.loadings[:, factor], atol=1e-12)
    assert batch.admissible == all(one.admissible for one in singles)


def test_result_without_data_refused():
    import dataclasses

    base = dataclasses.replace(pls(load_mobi(), SMALL_MM, SMALL_SM), data=None)
    with pytest.raises(ModelSpecError, match="item scores") as err:
        consistent(base)
    assert "result.data is None" in str(err.value)
