"""PLS path modelling against seminr and SmartPLS 2 (``tests/thirdparty``).

References (provenance and licences in ``tests/thirdparty/README.md``):

- ``seminr_ts_expected/M2_full_ecsi.json`` and ``M7_evaluation_m2.json``: seminr
  2.5.0.9000, full ECSI model on mobi, path weighting, maxIt 300, stopCriterion 7;
- ``seminr_fixtures_V_3_6_0/``: seminr's own testthat fixtures, the 4-construct model
  (Image, Expectation, Value -> Satisfaction), path weighting and factorial scheme;
- ``smartpls2_ecsi_mobi_semPLS/{pathWeighting,centroid,factorial}``: SmartPLS 2.0.M3,
  full ECSI model, printed to 8 decimals.

Tolerance 1e-6 for every quantity (the references agree with each other to 7e-9).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from loyaltysem.datasets import dataset_path, load_mobi
from loyaltysem.errors import ConvergenceWarning, ModelSpecError, SurveyDataError
from loyaltysem.pls import PLSResult, parse_structural, pls, rho_a

REF = Path(__file__).resolve().parent / "thirdparty"  # provenance: thirdparty/README.md
SEMINR_TS = REF / "seminr_ts_expected"
SEMINR_FIX = REF / "seminr_fixtures_V_3_6_0"
SMARTPLS = REF / "smartpls2_ecsi_mobi_semPLS"
ATOL = 1e-6

ECSI_MM = {
    "Image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
    "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
    "Quality": [f"PERQ{i}" for i in range(1, 8)],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
    "Complaints": ["CUSCO"],
    "Loyalty": ["CUSL1", "CUSL2", "CUSL3"],
}
ECSI_SM = """
Expectation ~ Image
Quality ~ Expectation
Value ~ Expectation + Quality
Satisfaction ~ Image + Expectation + Quality + Value
Complaints ~ Satisfaction
Loyalty ~ Image + Satisfaction + Complaints
"""
SMALL_MM = {k: ECSI_MM[k] for k in ["Image", "Expectation", "Value", "Satisfaction"]}
SMALL_SM = "Satisfaction ~ Image + Expectation + Value"
SMARTPLS_DIRS = {"path": "pathWeighting", "centroid": "centroid", "factorial": "factorial"}


# ----------------------------------------------------------------------------- helpers


def json_table(block: dict) -> pd.DataFrame:
    values = np.array([[np.nan if v is None else v for v in row] for row in block["values"]])
    return pd.DataFrame(values, index=block["rows"], columns=block["cols"])


def csv_table(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, index_col=0)
    frame.index = frame.index.map(str)
    return frame


def assert_same(ours: pd.DataFrame | pd.Series, ref: pd.DataFrame | pd.Series, what: str) -> float:
    """Same labels on both sides (a quantity missing on either side fails), then values."""
    if isinstance(ref, pd.DataFrame):
        assert set(map(str, ours.columns)) == set(map(str, ref.columns)), f"{what}: columns"
        ours = ours.rename(columns=str)[list(ref.columns)]
    assert set(map(str, ours.index)) == set(map(str, ref.index)), f"{what}: rows"
    ours = ours.rename(index=str).loc[list(ref.index)]
    a, b = ours.to_numpy(dtype=float), ref.to_numpy(dtype=float)
    assert_allclose(a, b, rtol=0, atol=ATOL, err_msg=what)
    return float(np.nanmax(np.abs(a - b)))


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return load_mobi().data


@pytest.fixture(scope="module")
def ecsi(mobi) -> PLSResult:
    return pls(mobi, ECSI_MM, ECSI_SM)


@pytest.fixture(scope="module")
def small(mobi) -> PLSResult:
    return pls(mobi, SMALL_MM, SMALL_SM)


def test_mobi_equals_the_packaged_csv(mobi):
    raw = pd.read_csv(dataset_path("mobi"))
    assert_allclose(mobi[raw.columns].to_numpy(float), raw.to_numpy(float), rtol=0, atol=0)


# ----------------------------------------------------------------------------- seminr, ECSI


def test_m2_settings_are_ours():
    settings = json.loads((SEMINR_TS / "M2_full_ecsi.json").read_text())["settings"]
    assert settings["innerWeights"] == "path_weighting"
    assert settings["maxIt"] == 300 and settings["stopCriterion"] == 7


def test_m2_paths_weights_loadings(ecsi):
    ref = json.loads((SEMINR_TS / "M2_full_ecsi.json").read_text())
    assert_same(ecsi.paths, json_table(ref["pathCoef"]), "paths")
    assert_same(ecsi.weights, json_table(ref["outerWeights"]), "weights")
    assert_same(ecsi.loadings, json_table(ref["outerLoadings"]), "loadings")
    assert ecsi.iterations == ref["iterations"]
    assert ecsi.converged


def test_m2_r2(ecsi):
    ref = json_table(json.loads((SEMINR_TS / "M2_full_ecsi.json").read_text())["rSquared"])
    ours = ecsi.r2.rename(columns={"r2": "Rsq", "adj_r2": "AdjRsq"}).T
    assert_same(ours, ref, "R²")


def test_m2_scores(ecsi):
    ref = json.loads((SEMINR_TS / "M2_full_ecsi.json").read_text())
    head = json_table(ref["constructScoresHead"])
    ours = ecsi.scores.iloc[:5].copy()
    ours.index = head.index
    assert_same(ours, head, "scores head")
    abs_mean = pd.Series(ref["constructScoresAbsMean"])
    assert_same(ecsi.scores.abs().mean(), abs_mean, "mean |score|")
    assert_allclose(ecsi.scores.std(ddof=1), 1.0, atol=1e-12)


def test_m7_reliability(ecsi):
    ref = json_table(json.loads((SEMINR_TS / "M7_evaluation_m2.json").read_text())["reliability"])
    ours = ecsi.reliability.rename(
        columns={"alpha": "alpha", "rho_a": "rhoA", "rho_c": "rhoC", "ave": "AVE"}
    )
    assert_same(ours, ref, "reliability")


def test_m7_htmt_cross_loadings_construct_cor(ecsi):
    ref = json.loads((SEMINR_TS / "M7_evaluation_m2.json").read_text())
    htmt = json_table(ref["htmt"])
    upper = np.triu(np.ones(htmt.shape, dtype=bool), 1)
    ours = ecsi.htmt.loc[htmt.index, htmt.columns]
    assert_same(ours.where(upper), htmt.where(upper), "HTMT")
    assert np.isfinite(htmt.to_numpy()[upper]).all()
    assert_allclose(ecsi.htmt.to_numpy(), ecsi.htmt.to_numpy().T)  # symmetric
    assert_same(ecsi.cross_loadings, json_table(ref["crossLoadings"]), "cross-loadings")
    cors = json_table(ref["descriptives"]["constructCorrelations"])
    assert_same(ecsi.construct_cor, cors, "construct correlations")


# ----------------------------------------------------------------------------- seminr, 4 constructs


def test_fixture_reliability_htmt_cross_loadings(small):
    ref = csv_table(SEMINR_FIX / "reliability.csv")
    ours = small.reliability.rename(columns={"rho_a": "rhoA", "rho_c": "rhoC", "ave": "AVE"})
    assert_same(ours, ref, "reliability.csv")
    htmt = csv_table(SEMINR_FIX / "htmt.csv")
    upper = np.triu(np.ones(htmt.shape, dtype=bool), 1)
    assert_same(small.htmt.loc[htmt.index, htmt.columns].where(upper), htmt.where(upper), "htmt")
    assert_same(small.cross_loadings, csv_table(SEMINR_FIX / "cross_loadings.csv"), "xload")


@pytest.mark.parametrize(
    ("scheme", "prefix", "scores_file"),
    [("path", "inner_weights", "inner_weights_constructscores"), ("factorial", "factorial", None)],
)
def test_fixture_schemes(mobi, scheme, prefix, scores_file):
    res = pls(mobi, SMALL_MM, SMALL_SM, scheme=scheme)
    assert_same(res.paths, csv_table(SEMINR_FIX / f"{prefix}_coefficients.csv"), "paths")
    assert_same(res.weights, csv_table(SEMINR_FIX / f"{prefix}_weights.csv"), "weights")
    scores = csv_table(SEMINR_FIX / f"{scores_file or prefix + '_scores'}.csv")
    ours = res.scores.copy()
    ours.index = [str(i + 1) for i in range(len(ours))]
    assert_same(ours, scores, "scores")


# ----------------------------------------------------------------------------- SmartPLS 2


@pytest.mark.parametrize("scheme", list(SMARTPLS_DIRS))
def test_smartpls(mobi, scheme):
    folder = SMARTPLS / SMARTPLS_DIRS[scheme]
    res = pls(mobi, ECSI_MM, ECSI_SM, scheme=scheme)
    assert_same(res.paths, csv_table(folder / "pathCoefficients.csv"), f"{scheme} paths")
    assert_same(res.weights, csv_table(folder / "outerWeights.csv"), f"{scheme} weights")
    assert_same(res.cross_loadings, csv_table(folder / "crossLoadings.csv"), f"{scheme} xload")
    text = (folder / "readMe.txt").read_text()
    assert "Abort Criterion: 1.0E-7" in text and "Mean 0, Var 1" in text
    if "Converged after" in text:  # only the path-weighting run reports it
        # SmartPLS counts one fewer iteration than seminr's loop counter
        assert res.iterations == int(text.split("Converged after")[1].split()[0]) + 1


# ----------------------------------------------------------------------------- rho_a


def test_rho_a_with_structural_equals_seminr(mobi):
    ref = csv_table(SEMINR_FIX / "reliability.csv")["rhoA"]
    assert_same(rho_a(mobi, SMALL_MM, structural=SMALL_SM), ref, "rho_a")


def test_rho_a_saturated(mobi):
    ref = json_table(json.loads((SEMINR_TS / "M7_evaluation_m2.json").read_text())["reliability"])
    ours = rho_a(mobi, ECSI_MM)
    assert list(ours.index) == list(ECSI_MM)
    assert ours["Complaints"] == 1.0
    # documented: a saturated inner model moves rho_A by at most ~0.02 on mobi
    assert np.abs(ours - ref["rhoA"]).max() < 0.025


def test_rho_a_lone_construct_is_first_principal_component(mobi):
    items = ECSI_MM["Quality"]
    r = np.corrcoef(mobi[items].to_numpy(), rowvar=False)
    _, vecs = np.linalg.eigh(r)
    v = np.abs(vecs[:, -1])
    s = r.copy()
    np.fill_diagonal(s, 0)
    w = v / np.sqrt(v @ r @ v)
    expected = (w @ w) ** 2 * (w @ s @ w) / ((w @ w) ** 2 - np.sum(w**4))
    assert_allclose(rho_a(mobi, {"Quality": items}).iloc[0], expected, rtol=1e-8)


def test_rho_a_mode_b_is_one(mobi):
    assert rho_a(mobi, SMALL_MM, mode={"Image": "B"})["Image"] == 1.0


# ----------------------------------------------------------------------------- options


def test_structural_as_pairs_and_survey(mobi):
    pairs = parse_structural(ECSI_SM)
    a = pls(load_mobi(), ECSI_MM, pairs)
    b = pls(mobi, ECSI_MM, ECSI_SM)
    assert_allclose(a.weights, b.weights, rtol=0, atol=0)
    assert a.structural == tuple(pairs)


def test_mode_b_runs(mobi):
    res = pls(mobi, ECSI_MM, ECSI_SM, mode={"Quality": "B"})
    assert res.modes["Quality"] == "B" and res.modes["Image"] == "A"
    assert res.reliability.loc["Quality", "rho_a"] == 1.0
    assert_allclose(res.scores.std(ddof=1), 1.0, atol=1e-12)


def test_missing_options(mobi):
    holed = mobi.copy()
    holed.iloc[[3, 7], 0] = np.nan
    holed.iloc[7, 5] = np.nan
    with pytest.raises(SurveyDataError, match="2 of 250 rows") as info:
        pls(holed, ECSI_MM, ECSI_SM)
    assert "listwise" in info.value.fix
    res = pls(holed, ECSI_MM, ECSI_SM, missing="listwise")
    ref = pls(mobi.drop(index=mobi.index[[3, 7]]), ECSI_MM, ECSI_SM)
    assert res.n == 248 and res.n_dropped == 2
    assert_allclose(res.paths, ref.paths, rtol=0, atol=1e-14)
    filled = pls(holed, ECSI_MM, ECSI_SM, missing="mean")
    assert filled.n == 250 and filled.n_dropped == 2
    assert "2 incomplete rows dropped" in res.summary()


def test_no_convergence_warns(mobi):
    with pytest.warns(ConvergenceWarning):
        res = pls(mobi, ECSI_MM, ECSI_SM, max_iter=1)
    assert not res.converged and "NOT converged" in res.summary()


def test_display(ecsi):
    text = ecsi.summary()
    assert "Path coefficients" in text and "Reliability" in text and "HTMT" in text
    assert "<h3>PLS path model</h3>" in ecsi._repr_html_()
    assert "7 constructs, 12 paths" in repr(ecsi)
    with pytest.raises(AttributeError):
        ecsi.n = 3  # type: ignore[misc]


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("mm", "sm", "match"),
    [
        ({**SMALL_MM, "Image": ["IMAG1", "IMAGX"]}, SMALL_SM, "not in the data"),
        ({**SMALL_MM, "Image": []}, SMALL_SM, "no items"),
        ({**SMALL_MM, "Value": ["PERV1", "IMAG1"]}, SMALL_SM, "two constructs"),
        (SMALL_MM, SMALL_SM + "\nSatisfaction ~ Loyalty", "without a measurement model"),
        ({**SMALL_MM, "Loyalty": ECSI_MM["Loyalty"]}, SMALL_SM, "no path"),
        (SMALL_MM, SMALL_SM + "\nImage ~ Satisfaction", "feedback loop"),
        (SMALL_MM, "Satisfaction =~ Image", "one regression"),
        (SMALL_MM, "Satisfaction ~ Image + Image", "twice"),
        (SMALL_MM, "Satisfaction ~ Satisfaction", "itself"),
        (SMALL_MM, "", "no paths"),
        (SMALL_MM, "Satisfaction ~ 2*Image", "cannot read"),
        ("not a dict", SMALL_SM, "cannot read the measurement"),
    ],
)
def test_model_errors(mobi, mm, sm, match):
    with pytest.raises(ModelSpecError, match=match):
        pls(mobi, mm, sm)


def test_setting_errors(mobi):
    with pytest.raises(ModelSpecError, match="mode"):
        pls(mobi, SMALL_MM, SMALL_SM, mode="C")
    with pytest.raises(ModelSpecError, match="not in the model"):
        pls(mobi, SMALL_MM, SMALL_SM, mode={"Loyalty": "B"})
    with pytest.raises(ModelSpecError, match="scheme"):
        pls(mobi, SMALL_MM, SMALL_SM, scheme="eigen")
    with pytest.raises(ModelSpecError, match="max_iter"):
        pls(mobi, SMALL_MM, SMALL_SM, max_iter=0)
    with pytest.raises(ModelSpecError, match="tol"):
        pls(mobi, SMALL_MM, SMALL_SM, tol=-1.0)
    with pytest.raises(SurveyDataError, match="missing-data option"):
        pls(mobi, SMALL_MM, SMALL_SM, missing="pairwise")  # type: ignore[arg-type]


def test_data_errors(mobi):
    with pytest.raises(SurveyDataError, match="Survey or a pandas DataFrame"):
        pls(mobi.to_numpy(), SMALL_MM, SMALL_SM)
    const = mobi.copy()
    const["IMAG1"] = 5.0
    with pytest.raises(SurveyDataError, match="zero variance"):
        pls(const, SMALL_MM, SMALL_SM)
    text = mobi.astype({"IMAG2": str})
    with pytest.raises(SurveyDataError, match="numeric"):
        pls(text, SMALL_MM, SMALL_SM)
    with pytest.raises(SurveyDataError, match="complete data"):
        holed = mobi.copy()
        holed.iloc[0, 0] = np.nan
        rho_a(holed, SMALL_MM)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert rho_a(holed, SMALL_MM, missing="listwise").notna().all()
