"""PLS moderation (interaction terms, simple slopes) against seminr (``tests/thirdparty``).

References (provenance in ``tests/thirdparty/README.md``):

- ``seminr_ts_expected/M4_interaction_{two_stage,product_indicator,orthogonal}.json``:
  seminr 2.5.0.9000, composites Image, Expectation, Value -> Satisfaction plus
  ``interaction_term(iv = "Image", moderator = "Expectation", method = ..., weights =
  mode_A)``, path weighting, maxIt 300, stopCriterion 7 (settings in the files);
- ``seminr_ts_expected/M7_evaluation_m4pi.json``: seminr's ``summary()`` of the
  product-indicator model (reliability);
- ``seminr_fixtures_V_3_6_0/plsc-interaction-{paths,reliability}.csv``: seminr's
  ``test-consistent-interactions.R``: reflective constructs (Expectation a single item
  CUEX3), orthogonal interaction, PLSc; paths printed to 3 decimals;
- ``seminr_fixtures_V_3_6_0/interaction_fsquare.csv``: seminr's ``test-plsc-fsquared.R``:
  the corporate-reputation model (four mode-B drivers) with a two-stage CUSA*SC
  interaction, -99 mean-replaced; f² = (R²_with − R²_without) / (1 − R²_with) with the
  model re-estimated without the path, as seminr's ``fSquared()``.

Tolerance 1e-6 for paths, loadings, weights, scores, R², f²; 1e-4 for reliability.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from loyaltysem.datasets import dataset_path, load_mobi
from loyaltysem.errors import ModelSpecError
from loyaltysem.pls import pls
from loyaltysem.pls.consistent import consistent
from loyaltysem.pls.moderation import (
    Interaction,
    SimpleSlopes,
    interaction_term,
    moderation,
    simple_slopes,
)

REF = Path(__file__).resolve().parent / "thirdparty"
SEMINR_TS = REF / "seminr_ts_expected"
SEMINR_FIX = REF / "seminr_fixtures_V_3_6_0"
ATOL = 1e-6

MM = {
    "Image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
    "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
}
SM = "Satisfaction ~ Image + Expectation + Value + Image*Expectation"


def _ts(name: str) -> dict:
    return json.loads((SEMINR_TS / name).read_text())


def _frame(block: dict) -> pd.DataFrame:
    cols = block["cols"] if isinstance(block["cols"], list) else [block["cols"]]
    return pd.DataFrame(block["values"], index=block["rows"], columns=cols)


def _close(actual: pd.DataFrame, block: dict, atol: float = ATOL) -> None:
    ref = _frame(block)
    assert_allclose(
        actual.loc[ref.index, ref.columns].to_numpy(dtype=float), ref.to_numpy(), atol=atol, rtol=0
    )


@pytest.mark.parametrize("method", ["two_stage", "product_indicator", "orthogonal"])
def test_interaction_methods_equal_seminr_ts(method):
    res = moderation(load_mobi(), MM, SM, [interaction_term("Image", "Expectation", method)])
    ref = _ts(f"M4_interaction_{method}.json")
    assert ref["settings"]["interactionMethod"] == method
    _close(res.paths, ref["pathCoef"])
    _close(res.loadings, ref["outerLoadings"])
    _close(res.weights, ref["outerWeights"])
    assert_allclose(
        res.r2.loc["Satisfaction", ["r2", "adj_r2"]].to_numpy(dtype=float),
        ref["rSquared"]["values"],
        atol=ATOL,
        rtol=0,
    )
    head = _frame(ref["constructScoresHead"])
    assert_allclose(res.scores.iloc[:5][head.columns].to_numpy(), head.to_numpy(), atol=ATOL)
    data_head = _frame(ref["interactionDataHead"])
    assert list(res.measurement["Image*Expectation"]) == ref["interactionItemNames"]
    assert_allclose(
        res.data.iloc[:5][data_head.columns].to_numpy(), data_head.to_numpy(), atol=ATOL
    )
    abs_mean = pd.Series(ref["constructScoresAbsMean"])
    assert_allclose(res.scores[abs_mean.index].abs().mean(), abs_mean, atol=ATOL)
    assert res.iterations == ref["iterations"]
    assert any(note.startswith("interaction Image*Expectation") for note in res.notes)


def test_product_indicator_reliability_equals_seminr_evaluation():
    res = moderation(load_mobi(), MM, SM, [interaction_term("Image", "Expectation")])
    rel = _frame(_ts("M7_evaluation_m4pi.json")["reliability"])
    assert_allclose(res.reliability.loc[rel.index].to_numpy(), rel.to_numpy(), atol=1e-4, rtol=0)
    assert res.reliability.loc["Image*Expectation", "rho_a"] == 1.0


def test_plsc_with_orthogonal_interaction_equals_seminr_testthat():
    mm = {**MM, "Expectation": ["CUEX3"]}
    res = consistent(
        moderation(load_mobi(), mm, SM, [interaction_term("Image", "Expectation", "orthogonal")])
    )
    paths = pd.read_csv(SEMINR_FIX / "plsc-interaction-paths.csv", index_col=0)["Satisfaction"]
    preds = ["Image", "Expectation", "Value", "Image*Expectation"]
    # seminr's fixture holds the paths and R² rounded to 3 decimals
    assert_allclose(res.paths.loc[preds, "Satisfaction"].round(3), paths[preds], atol=1e-12)
    assert_allclose(res.r2.loc["Satisfaction"].round(3), paths[["R^2", "AdjR^2"]], atol=1e-12)
    assert any("Becker" in note for note in res.notes)
    rel = pd.read_csv(SEMINR_FIX / "plsc-interaction-reliability.csv", index_col=0)
    rel = rel.rename(columns={"rhoA": "rho_a", "rhoC": "rho_c", "AVE": "ave"})
    assert_allclose(
        res.reliability.loc[rel.index, rel.columns].to_numpy(), rel.to_numpy(), atol=1e-4, rtol=0
    )


def test_two_stage_corp_rep_fsquare_equals_seminr():
    data = pd.read_csv(dataset_path("corp_rep")).replace(-99, np.nan)
    mm = {
        "QUAL": [f"qual_{i}" for i in range(1, 9)],
        "PERF": [f"perf_{i}" for i in range(1, 6)],
        "CSOR": [f"csor_{i}" for i in range(1, 6)],
        "ATTR": [f"attr_{i}" for i in range(1, 4)],
        "COMP": [f"comp_{i}" for i in range(1, 4)],
        "LIKE": [f"like_{i}" for i in range(1, 4)],
        "CUSA": ["cusa"],
        "SC": [f"switch_{i}" for i in range(1, 5)],
        "CUSL": [f"cusl_{i}" for i in range(1, 4)],
    }
    mode = dict.fromkeys(["QUAL", "PERF", "CSOR", "ATTR"], "B")
    sm = """
    COMP ~ QUAL + PERF + CSOR + ATTR
    LIKE ~ QUAL + PERF + CSOR + ATTR
    CUSA ~ COMP + LIKE
    CUSL ~ COMP + LIKE + CUSA + SC + CUSA*SC
    """
    term = [interaction_term("CUSA", "SC", method="two_stage")]
    full = moderation(data, mm, sm, term, mode=mode, missing="mean")
    assert full.n_dropped == 8 and full.missing == "mean"
    without_int = pls(data, mm, sm.replace(" + CUSA*SC", ""), mode=mode, missing="mean")
    without_comp = moderation(
        data, mm, sm.replace("CUSL ~ COMP +", "CUSL ~"), term, mode=mode, missing="mean"
    )
    ref = pd.read_csv(SEMINR_FIX / "interaction_fsquare.csv", index_col=0)

    def f2(small):
        r2 = float(full.r2.loc["CUSL", "r2"])
        return (r2 - float(small.r2.loc["CUSL", "r2"])) / (1 - r2)

    assert_allclose(f2(without_int), ref.loc["CUSA*SC", "CUSL"], atol=ATOL, rtol=0)
    assert_allclose(f2(without_comp), ref.loc["COMP", "CUSL"], atol=ATOL, rtol=0)


def test_structural_pairs_and_tuples_accepted():
    pairs = [(c, "Satisfaction") for c in ["Image", "Expectation", "Value", "Image*Expectation"]]
    a = moderation(load_mobi(), MM, pairs, [("Image", "Expectation", "orthogonal")])
    b = moderation(load_mobi(), MM, SM, Interaction("Image", "Expectation", "orthogonal"))
    pd.testing.assert_frame_equal(a.paths, b.paths)


def test_simple_slopes_formula_and_plot():
    """Slopes b_iv + b_int·m and predictions at the 3 × 3 grid of seminr's slope_analysis."""
    res = moderation(load_mobi(), MM, SM, [interaction_term("Image", "Expectation", "two_stage")])
    s = simple_slopes(res, "Image", "Expectation", "Satisfaction")
    b_iv = res.paths.loc["Image", "Satisfaction"]
    b_int = res.paths.loc["Image*Expectation", "Satisfaction"]
    b_mod = res.paths.loc["Expectation", "Satisfaction"]
    assert_allclose(s.table["slope"], [b_iv - b_int, b_iv, b_iv + b_int], atol=1e-15)
    grid = np.array([[x, x * m, m] for m in (-1, 0, 1) for x in (-1, 0, 1)])
    predicted = (grid @ np.array([b_iv, b_int, b_mod])).reshape(3, 3)
    assert_allclose(s.table[["iv=-1", "iv=0", "iv=+1"]].to_numpy(), predicted, atol=1e-15)
    fig = s.plot()
    ax = fig.axes[0]
    assert len(ax.lines) == 3
    assert_allclose(ax.lines[2].get_ydata(), predicted[2], atol=1e-15)
    assert isinstance(s, SimpleSlopes) and "Simple slopes" in s.summary()


def test_bad_input_named():
    mobi = load_mobi()
    with pytest.raises(ModelSpecError, match="moderate itself") as err:
        interaction_term("Image", "Image")
    assert "Image*Image" in str(err.value)
    with pytest.raises(ModelSpecError, match="unknown interaction method"):
        interaction_term("Image", "Expectation", method="latent_product")  # type: ignore[arg-type]
    with pytest.raises(ModelSpecError, match="not in the measurement model") as err:
        moderation(
            mobi,
            MM,
            SM.replace("Expectation", "Expectatio"),
            [interaction_term("Image", "Expectatio")],
        )
    assert "Expectatio" in str(err.value)
    with pytest.raises(ModelSpecError, match="no path") as err:
        moderation(
            mobi,
            MM,
            "Satisfaction ~ Image + Expectation + Value",
            [interaction_term("Image", "Expectation")],
        )
    assert "Image*Expectation" in str(err.value)
    with pytest.raises(ModelSpecError, match="declared twice"):
        moderation(mobi, MM, SM, [("Image", "Expectation"), ("Image", "Expectation")])
    res = moderation(mobi, MM, SM, [("Image", "Expectation")])
    with pytest.raises(ModelSpecError, match="need the predictor") as err:
        simple_slopes(res, "Value", "Expectation", "Satisfaction")
    assert "Value*Expectation" in str(err.value)
