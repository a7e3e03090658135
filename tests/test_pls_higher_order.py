"""Higher-order constructs (two-stage approaches) against seminr (``tests/thirdparty``).

References (provenance in ``tests/thirdparty/README.md``):

- ``seminr_ts_expected/M5_hoc_two_stage.json`` and ``seminr_fixtures_V_3_6_0/hoc-*.csv``:
  seminr's ``test-hoc.R`` simple case: ``higher_composite("Satisfaction", dimensions =
  c("Image", "Value"), method = two_stage, weights = mode_A)`` on mobi, path weighting,
  maxIt 300, stopCriterion 7 (M5 also holds seminr's first stage);
- ``seminr_ts_expected/M7_evaluation_m5.json``: seminr's ``summary()`` of that model;
- ``seminr_ts_expected/M5b_hoc_two_stage_interaction.json`` and
  ``seminr_fixtures_V_3_6_0/hoc_2si-*.csv``, ``hoc-_2siweights.csv``: ``test-hoc.R``
  case 2, a HOC Nick = (Quality, Loyalty) with a two-stage interaction Image*Expectation.

seminr has only the disjoint two-stage approach. The embedded two-stage approach
(repeated indicators in stage 1) has no published output: it is checked against the
two stages written out by hand with :func:`loyaltysem.pls.pls` in the test, following
the published description (Sarstedt et al. 2019, *Australasian Marketing Journal*).

Tolerance 1e-6 for paths, loadings, weights, R², scores; 1e-4 for reliability.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from loyaltysem.datasets import load_mobi
from loyaltysem.errors import ModelSpecError
from loyaltysem.pls import pls
from loyaltysem.pls.higher_order import (
    HigherOrderStages,
    higher_composite,
    higher_order,
    higher_order_stages,
)
from loyaltysem.pls.moderation import interaction_term

REF = Path(__file__).resolve().parent / "thirdparty"
SEMINR_TS = REF / "seminr_ts_expected"
SEMINR_FIX = REF / "seminr_fixtures_V_3_6_0"
ATOL = 1e-6

ITEMS = {
    "Image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
    "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
    "Quality": [f"PERQ{i}" for i in range(1, 8)],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
    "Complaints": ["CUSCO"],
    "Loyalty": ["CUSL1", "CUSL2", "CUSL3"],
}
M5_MM = {k: ITEMS[k] for k in ["Image", "Expectation", "Quality", "Value", "Complaints", "Loyalty"]}
M5_SM = """
Satisfaction ~ Expectation + Quality
Complaints ~ Satisfaction
Loyalty ~ Satisfaction
"""
M5_HOC = [higher_composite("Satisfaction", ["Image", "Value"])]


def _ts(name: str) -> dict:
    return json.loads((SEMINR_TS / name).read_text())


def _frame(block: dict) -> pd.DataFrame:
    cols = block["cols"] if isinstance(block["cols"], list) else [block["cols"]]
    return pd.DataFrame(block["values"], index=block["rows"], columns=cols)


def _close(actual: pd.DataFrame, ref: pd.DataFrame | dict, atol: float = ATOL) -> None:
    if isinstance(ref, dict):
        ref = _frame(ref)
    assert set(ref.index) <= set(actual.index) and set(ref.columns) <= set(actual.columns)
    assert_allclose(
        actual.loc[ref.index, ref.columns].to_numpy(dtype=float),
        ref.to_numpy(dtype=float),
        atol=atol,
        rtol=0,
    )


def _r2(result) -> pd.DataFrame:
    return result.r2.T.rename(index={"r2": "Rsq", "adj_r2": "AdjRsq"})


def test_disjoint_equals_seminr_ts_m5_both_stages():
    st = higher_order_stages(load_mobi(), M5_MM, M5_SM, M5_HOC, method="two_stage")
    assert isinstance(st, HigherOrderStages) and st.method == "disjoint"
    ref = _ts("M5_hoc_two_stage.json")
    _close(st.result.paths, ref["pathCoef"])
    _close(st.loadings, ref["outerLoadings"])
    _close(st.weights, ref["outerWeights"])
    assert sorted(st.loadings.index) == sorted(ref["outerLoadings"]["rows"])
    _close(_r2(st.result), ref["rSquared"])
    head = _frame(ref["constructScoresHead"])
    _close(st.result.scores.iloc[:5].set_axis(head.index), head)
    assert st.result.iterations == ref["iterations"]
    first = ref["firstStage"]
    _close(st.first_stage.paths, first["pathCoef"])
    _close(st.first_stage.weights, first["outerWeights"])
    head = _frame(first["constructScoresHead"])
    _close(st.first_stage.scores.iloc[:5].set_axis(head.index), head)
    assert st.first_stage.iterations == first["iterations"]


def test_disjoint_equals_seminr_testthat_hoc():
    res = higher_order(load_mobi(), M5_MM, M5_SM, M5_HOC)
    st = higher_order_stages(load_mobi(), M5_MM, M5_SM, M5_HOC)
    _close(res.paths, pd.read_csv(SEMINR_FIX / "hoc-paths.csv", index_col=0))
    _close(st.loadings, pd.read_csv(SEMINR_FIX / "hoc-loadings.csv", index_col=0))
    _close(st.weights, pd.read_csv(SEMINR_FIX / "hoc-weights.csv", index_col=0))
    assert res.measurement["Satisfaction"] == ("Image", "Value")
    assert any("disjoint two-stage" in note for note in res.notes)


def test_disjoint_reliability_equals_seminr_evaluation():
    st = higher_order_stages(load_mobi(), M5_MM, M5_SM, M5_HOC)
    rel = _frame(_ts("M7_evaluation_m5.json")["reliability"])
    second = ["Expectation", "Quality", "Satisfaction", "Complaints", "Loyalty"]
    assert_allclose(
        st.result.reliability.loc[second].to_numpy(), rel.loc[second].to_numpy(), atol=1e-4
    )
    # the dimensions' reliability comes from stage 1 (seminr: the combined weights)
    assert_allclose(
        st.first_stage.reliability.loc[["Image", "Value"]].to_numpy(),
        rel.loc[["Image", "Value"]].to_numpy(),
        atol=1e-4,
    )


def test_disjoint_with_two_stage_interaction_equals_seminr():
    mm = {k: ITEMS[k] for k in ["Image", "Expectation", "Loyalty", "Value", "Satisfaction"]}
    mm["Quality"] = ITEMS["Quality"][:5]
    st = higher_order_stages(
        load_mobi(),
        mm,
        "Satisfaction ~ Image + Expectation + Value + Nick + Image*Expectation",
        [higher_composite("Nick", ["Quality", "Loyalty"])],
        interactions=[interaction_term("Image", "Expectation", "two_stage")],
    )
    ref = _ts("M5b_hoc_two_stage_interaction.json")
    _close(st.result.paths, ref["pathCoef"])
    _close(st.loadings, ref["outerLoadings"])
    _close(st.weights, ref["outerWeights"])
    _close(_r2(st.result), ref["rSquared"])
    head = _frame(ref["constructScoresHead"])
    _close(st.result.scores.iloc[:5].set_axis(head.index), head)
    _close(st.result.paths, pd.read_csv(SEMINR_FIX / "hoc_2si-paths.csv", index_col=0))
    _close(st.loadings, pd.read_csv(SEMINR_FIX / "hoc_2si-loadings.csv", index_col=0))
    _close(st.weights, pd.read_csv(SEMINR_FIX / "hoc-_2siweights.csv", index_col=0))


@pytest.mark.parametrize("weights", ["A", "B"])
def test_embedded_equals_the_two_stages_written_out(weights):
    mobi = load_mobi()
    st = higher_order_stages(
        mobi,
        M5_MM,
        M5_SM,
        [higher_composite("Satisfaction", ["Image", "Value"], weights=weights)],
        method="embedded",
    )
    # stage 1 by hand: Satisfaction measured by the items of Image and Value (copied)
    data = mobi.data.copy()
    repeated = ITEMS["Image"] + ITEMS["Value"]
    for item in repeated:
        data[f"rep_{item}"] = data[item]
    mm1 = {**M5_MM, "Satisfaction": [f"rep_{i}" for i in repeated]}
    link = (
        "Image ~ Satisfaction\nValue ~ Satisfaction"
        if weights == "A"
        else "Satisfaction ~ Image + Value"
    )
    sm1 = M5_SM + link if weights == "A" else M5_SM.replace("Quality", "Quality + Image + Value")
    first = pls(data, mm1, sm1, mode={"Satisfaction": weights})
    assert_allclose(
        st.first_stage.scores[["Image", "Value", "Satisfaction"]],
        first.scores[["Image", "Value", "Satisfaction"]],
        atol=1e-12,
    )
    # stage 2 by hand: Satisfaction measured by the stage-1 scores of Image and Value
    data2 = mobi.data.join(first.scores[["Image", "Value"]])
    mm2 = {k: v for k, v in M5_MM.items() if k not in ("Image", "Value")}
    mm2["Satisfaction"] = ["Image", "Value"]
    second = pls(data2, mm2, M5_SM, mode={"Satisfaction": weights})
    _close(st.result.paths, second.paths, atol=1e-12)
    _close(st.result.weights, second.weights, atol=1e-12)
    _close(st.weights.loc[ITEMS["Image"], ["Image"]], first.weights.loc[ITEMS["Image"], ["Image"]])
    assert any("embedded two-stage" in note for note in st.result.notes)
    # the approaches differ: embedded is not disjoint
    disjoint = higher_order(
        mobi, M5_MM, M5_SM, [higher_composite("Satisfaction", ["Image", "Value"], weights=weights)]
    )
    assert not np.allclose(disjoint.paths, st.result.paths, atol=1e-6)


def test_missing_answers_handled_once_and_counted():
    mobi = load_mobi()
    data = mobi.data.copy()
    data.loc[data.index[:3], "IMAG1"] = np.nan
    res = higher_order(data, M5_MM, M5_SM, M5_HOC, missing="listwise")
    assert res.n == len(data) - 3 and res.n_dropped == 3 and res.missing == "listwise"


def test_bad_input_named():
    mobi = load_mobi()
    with pytest.raises(ModelSpecError, match="at least two") as err:
        higher_composite("Satisfaction", ["Image"])
    assert "Satisfaction" in str(err.value)
    with pytest.raises(ModelSpecError, match="not in the measurement model") as err:
        higher_order(mobi, M5_MM, M5_SM, [("Satisfaction", ["Image", "Valeu"])])
    assert "Valeu" in str(err.value)
    with pytest.raises(ModelSpecError, match="two higher-order constructs") as err:
        higher_order(
            mobi,
            M5_MM,
            M5_SM + "Loyalty ~ Other",
            [("Satisfaction", ["Image", "Value"]), ("Other", ["Value", "Expectation"])],
        )
    assert "Value" in str(err.value)
    with pytest.raises(ModelSpecError, match="paths of their own") as err:
        higher_order(mobi, M5_MM, M5_SM + "Loyalty ~ Image", M5_HOC)
    assert "Image" in str(err.value)
    with pytest.raises(ModelSpecError, match="without a path") as err:
        higher_order(mobi, M5_MM, "Loyalty ~ Expectation + Quality\nComplaints ~ Loyalty", M5_HOC)
    assert "Satisfaction" in str(err.value)
    with pytest.raises(ModelSpecError, match="name of a first-order") as err:
        higher_order(mobi, M5_MM, M5_SM, [("Loyalty", ["Image", "Value"])])
    assert "Loyalty" in str(err.value)
    with pytest.raises(ModelSpecError, match="unknown higher-order method"):
        higher_order(mobi, M5_MM, M5_SM, M5_HOC, method="repeated")  # type: ignore[arg-type]
