"""``fit_pls()``: model syntax, codebook models, templates and missing data against seminr.

References (provenance in ``tests/thirdparty/README.md``):

- ``seminr_ts_expected/M2_full_ecsi.json``: full ECSI model on mobi (seminr 2.5.0.9000,
  path weighting, maxIt 300, stopCriterion 7);
- ``M1_basic_composite.json``: Image, Expectation, Satisfaction mode A, Value mode B;
- ``M10_missing_meanrepl.json`` / ``M10_missing_naomit.json``: M1 on mobi with NA in
  (1-based) rows 3, 7 of IMAG1, 15 of CUEX2, 3 and 22 of PERV1 (seminr-ts
  ``scripts/generate-fixtures.R``), mean replacement and ``na.omit``;
- ``seminr_fixtures_V_3_6_0/corp_rep_simple_paths.csv``: corp_rep simple model, ``-99``
  mean-replaced (seminr ``tests/testthat/test_clean_data.R``);
- ``missing_cases_paths.csv`` column "Original Est.": corp_rep extended model, four
  mode-B composites, factorial scheme, ``stopCriterion = 1`` (tol 0.1), ``-99``
  mean-replaced (seminr ``tests/testthat/test-bootstrap.R``).

Tolerance 1e-6 for paths, loadings, weights and R².
"""

from __future__ import annotations

import json
import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import loyaltysem as ls
from loyaltysem.errors import LoyaltySemWarning, ModelSpecError, SurveyDataError
from loyaltysem.instruments import DEFAULT_MODEL, ECSI_MODEL
from loyaltysem.pls import PLSResult, fit_pls, parse_pls_model, pls

REF = Path(__file__).resolve().parent / "thirdparty"
SEMINR_TS = REF / "seminr_ts_expected"
SEMINR_FIX = REF / "seminr_fixtures_V_3_6_0"
ATOL = 1e-6

M1_SYNTAX = """
# M1 of seminr-ts: Value is a mode-B composite
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value <~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value
"""
CORP_SIMPLE = """
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""


def json_table(block: dict) -> pd.DataFrame:
    """A seminr-ts matrix; R's auto_unbox writes a one-column matrix as a flat list."""
    cols = block["cols"] if isinstance(block["cols"], list) else [block["cols"]]
    rows = block["values"]
    if rows and not isinstance(rows[0], list):
        rows = [[v] for v in rows]
    values = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)
    return pd.DataFrame(values, index=block["rows"], columns=cols)


def compare(ours: pd.DataFrame, ref: pd.DataFrame, what: str) -> float:
    """Same labels both sides, then values within ATOL; returns the max abs difference."""
    assert set(ours.index) == set(ref.index), f"{what}: rows"
    assert set(ours.columns) == set(ref.columns), f"{what}: columns"
    a = ours.loc[ref.index, ref.columns].to_numpy(float)
    b = ref.to_numpy(float)
    assert_allclose(a, b, rtol=0, atol=ATOL, err_msg=what)
    return float(np.nanmax(np.abs(a - b)))


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return ls.load_mobi().data


def check_estimates(res: PLSResult, ref: dict) -> None:
    compare(res.paths, json_table(ref["pathCoef"]), "paths")
    compare(res.weights, json_table(ref["outerWeights"]), "weights")
    compare(res.loadings, json_table(ref["outerLoadings"]), "loadings")
    r2 = json_table(ref["rSquared"])  # rows Rsq, AdjRsq; columns the endogenous constructs
    assert_allclose(res.r2.loc[r2.columns, "r2"], r2.loc["Rsq"], rtol=0, atol=ATOL)
    assert_allclose(res.r2.loc[r2.columns, "adj_r2"], r2.loc["AdjRsq"], rtol=0, atol=ATOL)
    assert res.iterations == ref["iterations"]


# ----------------------------------------------------------------------------- seminr


def test_ecsi_template_equals_seminr_m2():
    res = ls.fit_pls(ECSI_MODEL, ls.load_mobi())
    ref = json.loads((SEMINR_TS / "M2_full_ecsi.json").read_text())
    check_estimates(res, ref)
    assert res.converged and res.n == 250 and res.n_dropped == 0
    assert "single-item residual variances fixed to 0 as PLS assumes" in res.notes


def test_mode_b_syntax_equals_seminr_m1(mobi):
    ref = json.loads((SEMINR_TS / "M1_basic_composite.json").read_text())
    assert "Value(B" in ref["settings"]["description"]
    res = fit_pls(M1_SYNTAX, mobi)
    assert dict(res.modes) == {"Image": "A", "Expectation": "A", "Value": "B", "Satisfaction": "A"}
    check_estimates(res, ref)


def mobi_with_holes(mobi: pd.DataFrame) -> pd.DataFrame:
    out = mobi.copy()
    out.iloc[[2, 6], out.columns.get_loc("IMAG1")] = np.nan  # R rows 3, 7
    out.iloc[14, out.columns.get_loc("CUEX2")] = np.nan  # R row 15
    out.iloc[[2, 21], out.columns.get_loc("PERV1")] = np.nan  # R rows 3, 22
    return out


@pytest.mark.parametrize(
    ("missing", "fixture", "dropped"),
    [("mean", "M10_missing_meanrepl", 4), ("listwise", "M10_missing_naomit", 4)],
)
def test_missing_data_equals_seminr_m10(mobi, missing, fixture, dropped):
    ref = json.loads((SEMINR_TS / f"{fixture}.json").read_text())
    res = fit_pls(M1_SYNTAX, mobi_with_holes(mobi), missing=missing)
    check_estimates(res, ref)
    assert res.n == ref["n"]
    assert res.n_dropped == dropped  # rows 3, 7, 15, 22 have a hole
    if ref["missingReport"]["nRemoved"] is not None:
        assert res.n_dropped == ref["missingReport"]["nRemoved"]
    verb = "mean-filled" if missing == "mean" else "dropped"
    assert f"{dropped} incomplete rows {verb}" in res.summary()
    head = json_table(ref["constructScoresHead"])
    assert_allclose(res.scores.iloc[:5][head.columns].to_numpy(), head.to_numpy(), atol=ATOL)


def test_casewise_alias(mobi):
    a = fit_pls(M1_SYNTAX, mobi_with_holes(mobi), missing="casewise")
    assert a.missing == "listwise" and a.n == 246


def test_corp_rep_mean_replacement_equals_seminr():
    corp = ls.load_corp_rep()  # the codebook turns -99 into NaN
    res = fit_pls(CORP_SIMPLE, corp)
    ref = pd.read_csv(SEMINR_FIX / "corp_rep_simple_paths.csv", index_col=0)
    compare(res.paths, ref, "corp_rep simple paths")
    assert res.n == 344 and res.n_dropped > 0


def test_corp_rep_extended_factorial_loose_stop_equals_seminr():
    corp = ls.load_corp_rep()
    model = """
    QUAL <~ qual_1 + qual_2 + qual_3 + qual_4 + qual_5 + qual_6 + qual_7 + qual_8
    PERF <~ perf_1 + perf_2 + perf_3 + perf_4 + perf_5
    CSOR <~ csor_1 + csor_2 + csor_3 + csor_4 + csor_5
    ATTR <~ attr_1 + attr_2 + attr_3
    COMP =~ comp_1 + comp_2 + comp_3
    LIKE =~ like_1 + like_2 + like_3
    CUSA =~ cusa
    CUSL =~ cusl_1 + cusl_2 + cusl_3
    COMP ~ QUAL + PERF + CSOR + ATTR
    LIKE ~ QUAL + PERF + CSOR + ATTR
    CUSA ~ COMP + LIKE
    CUSL ~ COMP + LIKE + CUSA
    """
    res = fit_pls(model, corp, scheme="factorial", tol=0.1)  # seminr stopCriterion = 1
    ref = pd.read_csv(SEMINR_FIX / "missing_cases_paths.csv", index_col=0)["Original Est."]
    ours = pd.Series({f"{s}  ->  {t}": float(res.paths.loc[s, t]) for s, t in res.structural})
    assert set(ours.index) == set(ref.index)
    assert_allclose(ours[ref.index], ref, rtol=0, atol=ATOL)


# ----------------------------------------------------------------------------- model forms


def test_same_numbers_as_pls(mobi):
    mm = {k: v for k, v in ls.load_mobi().constructs.items() if k in ("Image", "Satisfaction")}
    a = fit_pls(
        "Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5\n"
        "Satisfaction =~ CUSA1 + CUSA2 + CUSA3\nSatisfaction ~ Image",
        mobi,
    )
    b = pls(mobi, mm, "Satisfaction ~ Image")
    assert_allclose(a.weights.to_numpy(), b.weights.to_numpy(), rtol=0, atol=0)


def test_codebook_and_survey_models():
    survey = ls.load_mobi()
    paths = "Satisfaction ~ Image + Value\nLoyalty ~ Satisfaction"
    a = fit_pls(survey.codebook, survey, structural=paths)
    b = fit_pls(survey, survey, structural=paths)
    c = fit_pls(paths, survey)  # constructs from the Survey's codebook
    d = fit_pls(dict(survey.constructs), survey.data, structural=paths)
    assert list(a.measurement) == ["Image", "Value", "Satisfaction", "Loyalty"]
    for other in (b, c, d):
        assert_allclose(other.paths.loc[a.constructs, a.constructs], a.paths, rtol=0, atol=1e-12)
    # the syntax may define some constructs and leave the rest to the codebook
    e = fit_pls("Value <~ PERV1 + PERV2\n" + paths, survey)
    assert e.modes["Value"] == "B" and e.modes["Image"] == "A"


def test_default_template_runs_with_notes():
    res = ls.fit_pls(DEFAULT_MODEL, ls.load_ecommerce())
    assert res.converged and res.n_dropped > 0
    assert any("labels ignored" in n and "a1" in n for n in res.notes)
    assert any("':=' definitions not computed" in n for n in res.notes)
    assert "labels ignored" in res.summary()


def test_mode_override_and_continuation(mobi):
    res = fit_pls(
        "Image =~ IMAG1 + IMAG2 +\n   IMAG3; Satisfaction =~ CUSA1 + CUSA2 + CUSA3\n"
        "Satisfaction ~\n Image  ! comment",
        mobi,
        mode={"Image": "B"},
    )
    assert dict(res.modes) == {"Image": "B", "Satisfaction": "A"}
    assert list(res.measurement["Image"]) == ["IMAG1", "IMAG2", "IMAG3"]
    assert dict(fit_pls("A =~ IMAG1 + IMAG2\nB =~ CUSA1\nB ~ A", mobi, mode="B").modes) == {
        "A": "B",
        "B": "B",
    }


def test_result_is_frozen_and_picklable(mobi):
    res = fit_pls(M1_SYNTAX, mobi)
    with pytest.raises(AttributeError):
        res.n = 3  # type: ignore[misc]
    back = pickle.loads(pickle.dumps(res))
    assert_allclose(back.paths, res.paths)


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("syntax", "line", "match"),
    [
        ("A =~ IMAG1 + IMAG2\nB =~ CUSA1\nB ~ 0.5*A", 3, "fixed value"),
        ("A =~ IMAG1 + IMAG2\nB =~ CUSA1\nB ~ A\nIMAG1 ~~ IMAG2", 4, "covariance"),
        ("A =~ IMAG1 + IMAG2\nB =~ CUSA1\nB ~ A\nB ~ 1", 4, "intercept"),
        ("A =~ IMAG1 + IMAG2\nB =~ CUSA1\nB ~ A\nIMAG1 | t1", 4, "thresholds"),
        ("A =~ IMAG1 + IMAG2\nB =~ CUSA1\nB ~ a*A\na == 0.2", 4, "constraint"),
        ("A =~ IMAG1 + IMAG2\nB =~ CUSA1\nB ~ A\nx := exp(a)", 4, "definition"),
        ("A =~ IMAG1 + start(0.5)*IMAG2\nB =~ CUSA1\nB ~ A", 1, "modifier"),
        ("A =~ IMAG1 + IMAG2\nB =~ CUSA1\nB ~ A\nIMAG1 ~~ 0*IMAG1", 4, "residual"),
        ("A =~ IMAG1\nA <~ IMAG2\nB =~ CUSA1\nB ~ A", 2, "both"),
        ("A =~ IMAG1 + IMAG1\nB =~ CUSA1\nB ~ A", 1, "twice"),
        ("A =~ IMAG1 +\nB =~ CUSA1\nB ~ A", 1, "name"),
        ("A IMAG1\nB ~ A", 1, "operator"),
    ],
)
def test_refused_syntax_names_the_line(mobi, syntax, line, match):
    with pytest.raises(ModelSpecError, match=match) as err:
        fit_pls(syntax, mobi)
    assert err.value.line == line


def test_model_errors(mobi):
    with pytest.raises(ModelSpecError, match="no structural paths"):
        fit_pls("A =~ IMAG1 + IMAG2", mobi)
    with pytest.raises(ModelSpecError, match="without a measurement model") as err:
        fit_pls("A =~ IMAG1 + IMAG2\nB ~ A", mobi)
    assert err.value.found == ["B"]
    with pytest.raises(ModelSpecError, match="feedback loop"):
        fit_pls("A =~ IMAG1\nB =~ CUSA1\nB ~ A\nA ~ B", mobi)
    with pytest.raises(ModelSpecError, match="no path"):
        fit_pls("A =~ IMAG1\nB =~ CUSA1\nC =~ CUEX1\nB ~ A", mobi)
    with pytest.raises(ModelSpecError, match="structural="):
        fit_pls(ls.load_mobi().codebook, mobi)
    with pytest.raises(ModelSpecError, match="does not define"):
        fit_pls(ls.load_mobi().codebook, mobi, structural="Loyalty ~ Trust")
    with pytest.raises(ModelSpecError, match="structural= is for"):
        fit_pls("A =~ IMAG1\nB =~ CUSA1\nB ~ A", mobi, structural="B ~ A")
    with pytest.raises(ModelSpecError, match="cannot read the model"):
        fit_pls(42, mobi)
    with pytest.raises(ModelSpecError, match="missing="):
        fit_pls("A =~ IMAG1\nB =~ CUSA1\nB ~ A", mobi, missing="pairwise")
    with pytest.raises(ModelSpecError, match="mode="):
        fit_pls("A =~ IMAG1\nB =~ CUSA1\nB ~ A", mobi, mode=3)  # type: ignore[arg-type]
    with pytest.raises(SurveyDataError, match="Survey or a pandas DataFrame"):
        fit_pls("A =~ IMAG1\nB =~ CUSA1\nB ~ A", [[1, 2]])


def test_one_indicator_composite_warns(mobi):
    with pytest.warns(LoyaltySemWarning, match="'B'.*one indicator.*CUSA1"):
        res = fit_pls("A =~ IMAG1 + IMAG2\nB <~ CUSA1\nB ~ A", mobi)
    assert res.weights.loc["CUSA1", "B"] == pytest.approx(1.0)


def test_parse_is_pure():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = parse_pls_model("A =~ a1 + a2\nB ~ a*A")
    assert m.structural == [("A", "B")] and m.notes


def test_benchmark_runs(capsys):
    """``benchmarks/bench_pls.py`` runs as a user runs it (timings not asserted: shared CPU)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_pls.py"
    spec = importlib.util.spec_from_file_location("bench_pls", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    times = bench.main(2, 1)
    assert times["loyaltysem fit_pls(ECSI_MODEL, mobi)"] > 0
    out = capsys.readouterr().out
    if any(k.startswith("seminr") for k in times):  # seminr's Python port is a dev extra
        assert times["max_path_diff"] < 1e-10
        assert "seminr / fit_pls" in out
    else:
        assert "seminr (Python port) not installed" in out


def test_no_convergence_names_the_constructs(mobi):
    with pytest.warns(ls.errors.ConvergenceWarning, match="still moving most: ") as caught:
        res = fit_pls(ECSI_MODEL, mobi, max_iter=1)
    assert not res.converged and 1 <= len(res.unsettled) <= 3
    assert set(res.unsettled) <= set(res.constructs)
    assert all(name in str(caught[0].message) for name in res.unsettled)
    assert all(name in res.status.reasons[0] for name in res.unsettled)
    assert "NOT converged" in res.summary()


@pytest.mark.parametrize(
    ("scheme", "folder"),
    [("path", "pathWeighting"), ("factorial", "factorial"), ("centroid", "centroid")],
)
def test_ecsi_template_equals_smartpls_in_every_scheme(mobi, scheme, folder):
    """SmartPLS 2.0.M3 output (``smartpls2_ecsi_mobi_semPLS``), printed to 8 decimals."""
    res = fit_pls(ECSI_MODEL, mobi, scheme=scheme)
    for name, ours in (("pathCoefficients", res.paths), ("outerWeights", res.weights)):
        ref = pd.read_csv(REF / "smartpls2_ecsi_mobi_semPLS" / folder / f"{name}.csv", index_col=0)
        compare(ours, ref, f"{scheme} {name}")
