"""``loyaltysem.fit(semopy.Model(...), data)``: a semopy model fitted with lavaan's numbers.

A semopy model's description is read as lavaan syntax (``loyaltysem.sem._semopy``). On Political
Democracy the semopy model built from the lavaan fixture's syntax gives exactly the result of
``fit(syntax, data)``, and that result matches lavaan 0.6.14 (``tests/fixtures/estimation/``,
written by ``tests/reference/make_estimation.R``) with the tolerances of design.md §4, compared
as ``tests/test_fit.py`` compares. semopy is a test dependency (the ``crosscheck`` extra): it
is imported, never skipped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import semopy
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from test_fit import ATOL_EST, ATOL_INDEX, RTOL_CHISQ, RTOL_SE, load, merged

from loyaltysem import fit
from loyaltysem.datasets import load_frame
from loyaltysem.errors import LoyaltySemWarning, ModelSpecError
from loyaltysem.sem._semopy import from_semopy, is_semopy_model
from loyaltysem.sem.specification import specify

POLDEM = load("poldem_sem")
SYNTAX = POLDEM["provenance"]["model_syntax"]
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
COLUMNS = ["lhs", "op", "rhs", "est", "se", "z", "pvalue", "std_lv", "std_all", "se_std_all"]


@pytest.fixture(scope="module")
def pd_data() -> pd.DataFrame:
    return load_frame("political_democracy")


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return load_frame("holzinger_swineford")


@pytest.fixture(scope="module")
def from_syntax(pd_data):
    return fit(SYNTAX, pd_data)


@pytest.fixture(scope="module")
def from_semopy_model(pd_data):
    return fit(semopy.Model(SYNTAX), pd_data)


def test_semopy_model_gives_exactly_the_fit_of_its_syntax(from_syntax, from_semopy_model):
    pd.testing.assert_frame_equal(
        from_semopy_model.estimates[COLUMNS], from_syntax.estimates[COLUMNS], check_exact=True
    )
    pd.testing.assert_series_equal(from_semopy_model.fit_measures, from_syntax.fit_measures)
    pd.testing.assert_series_equal(from_semopy_model.r2, from_syntax.r2)


def test_semopy_model_matches_lavaan(from_semopy_model):
    res = from_semopy_model
    m = merged(res.estimates, pd.DataFrame(POLDEM["parameter_estimates"]))
    free = m["se_R"] > 0
    assert len(m) == 34 and int(free.sum()) == 31  # 3 marker loadings fixed at 1
    assert_allclose(m["est"], m["est_R"], atol=ATOL_EST)
    assert_allclose(m.loc[free, "se"], m.loc[free, "se_R"], rtol=RTOL_SE)
    assert_allclose(m.loc[free, "pvalue"], m.loc[free, "pvalue_R"], atol=ATOL_INDEX)
    s = merged(res.estimates, pd.DataFrame(POLDEM["standardized_solution"]))
    positive = s["se_R"] > 1e-8
    assert_allclose(s["std_all"], s["est.std"], atol=ATOL_EST)
    assert_allclose(s.loc[positive, "se_std_all"], s.loc[positive, "se_R"], rtol=RTOL_SE)
    theirs = POLDEM["fit_measures"]
    for key in ("chisq", "baseline.chisq", "logl", "aic", "bic"):
        assert_allclose(res.fit_measures[key], theirs[key], rtol=RTOL_CHISQ, err_msg=key)
    for key in ("cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr"):
        assert_allclose(res.fit_measures[key], theirs[key], atol=ATOL_INDEX, err_msg=key)
    assert int(res.fit_measures["df"]) == int(theirs["df"]) == 35


def test_a_fitted_semopy_model_is_read_and_left_unchanged(pd_data, from_syntax):
    """A fitted semopy model is accepted; its own estimates play no part and stay as they were."""
    m = semopy.Model(SYNTAX)
    m.fit(pd_data)
    m.param_vals[:] = 0.123  # whatever semopy holds is not read
    before = m.param_vals.copy()
    res = fit(m, pd_data)
    np.testing.assert_array_equal(m.param_vals, before)
    pd.testing.assert_frame_equal(res.estimates[COLUMNS], from_syntax.estimates[COLUMNS])


def test_model_means_is_meanstructure(pd_data):
    fx = load("meanstructure_poldem_sem")
    res = fit(semopy.ModelMeans(fx["provenance"]["model_syntax"]), pd_data)
    theirs = pd.DataFrame(fx["parameter_estimates"])
    ours = res.estimates
    m = ours.merge(theirs, on=["lhs", "op", "rhs"], suffixes=("", "_R"), how="outer")
    assert m["est_R"].notna().all() and m["est"].notna().all()
    assert_allclose(m["est"], m["est_R"], atol=ATOL_EST)
    assert (ours["op"] == "~1").sum() == (theirs["op"] == "~1").sum() > 0


def test_cov_diag_is_orthogonal(hs):
    res = fit(semopy.Model(HS_MODEL, cov_diag=True), hs)
    expected = fit(HS_MODEL, hs, orthogonal=True)
    pd.testing.assert_series_equal(res.fit_measures, expected.fit_measures)
    lv_cov = res.estimates.query("op == '~~' and lhs != rhs and lhs in ['visual', 'textual']")
    assert (lv_cov["est"] == 0).all() and len(lv_cov) == 3


def test_labels_start_values_and_several_left_hand_sides(hs):
    semopy_desc = (
        "visual =~ x1 + a*x2 + x3\ntextual =~ x4 + x5 + x6\n"
        "START(0.9) a\nSTART(0.3) c\nx1, x4 ~~ c*x7\n# a comment\nspeed =~ x7 + x8 + x9"
    )
    lavaan = (
        "visual =~ x1 + a*x2 + x3\ntextual =~ x4 + x5 + x6\n"
        "x1 ~~ c*x7\nx4 ~~ c*x7\nspeed =~ x7 + x8 + x9"
    )
    read = from_semopy(semopy.Model(semopy_desc))
    lines = read.syntax.splitlines()
    assert lines[0] == "visual =~ x1 + a*x2 + start(0.9)*x2 + x3"
    assert lines[4] == "x1 ~~ c*x7 + start(0.3)*x7; x4 ~~ c*x7 + start(0.3)*x7"
    assert lines[2] == lines[3] == lines[5] == ""
    res = fit(semopy.Model(semopy_desc), hs)
    expected = fit(lavaan, hs)
    assert_allclose(res.estimates["est"], expected.estimates["est"], atol=1e-8)
    est = res.estimates.set_index(["lhs", "op", "rhs"])["est"]
    assert est[("x1", "~~", "x7")] == est[("x4", "~~", "x7")]  # the shared label c


def test_ordinal_becomes_ordered():
    for desc in ("f =~ x1 + x2 + x3\nordinal: x1 x2\nDEFINE(ordinal) x3", "f =~ x1 + x2 + x3"):
        read = from_semopy(semopy.Model(desc))
        expected = {"ordered": ["x1", "x2", "x3"]} if "ordinal" in desc else {}
        assert dict(read.options) == expected


def test_ordinal_model_is_fitted_with_wlsmv():
    data = load_frame("ecommerce")
    items = ["TRU1", "TRU2", "TRU3", "SAT1", "SAT2", "SAT3"]
    desc = f"TRU =~ TRU1 + TRU2 + TRU3\nSAT =~ SAT1 + SAT2 + SAT3\nordinal: {' '.join(items)}"
    res = fit(semopy.Model(desc), data)
    expected = fit(desc.rsplit("\n", 1)[0], data, ordered=items)
    assert res.provenance.estimator == expected.provenance.estimator == "WLSMV"
    assert_allclose(res.estimates["est"], expected.estimates["est"], atol=1e-10)


def test_option_contradicting_the_semopy_model_is_refused(hs):
    with pytest.raises(ModelSpecError) as err:
        fit(semopy.Model(HS_MODEL, cov_diag=True), hs, orthogonal=False)
    assert "orthogonal" in str(err.value) and "contradicts" in str(err.value)
    # the same value is accepted
    res = fit(semopy.Model(HS_MODEL, cov_diag=True), hs, orthogonal=True)
    assert res.fit_measures["df"] == 27


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("latent: eta", "latent variable without indicators"),
        ("DEFINE(latent) eta", "latent variable without indicators"),
        ("BOUND(0, 10) a", "bounds"),
        ("CONSTRAINT(a > 0)", "constraint"),
        ("FORCE(endo) x1", "'force'"),
    ],
)
def test_unsupported_semopy_lines_name_the_line(line, kind):
    desc = f"visual =~ x1 + a*x2 + x3\nx4 ~ eta\n{line}"
    with pytest.raises(ModelSpecError) as err:
        from_semopy(semopy.Model(desc))
    assert err.value.line == 3
    assert kind in str(err.value) and line in str(err.value)


def test_the_description_is_what_is_read():
    """semopy refuses an unknown label itself; a description changed afterwards is re-read."""
    m = semopy.Model("f =~ x1 + a*x2 + x3\nSTART(0.5) a")
    m.description = "f =~ x1 + x2 + x3\nSTART(0.5) b"
    with pytest.raises(ModelSpecError) as err:
        from_semopy(m)
    assert "['b']" in str(err.value)


def test_random_effects_and_baseline_models_are_refused():
    with pytest.raises(ModelSpecError, match="ModelEffects"):
        from_semopy(semopy.ModelEffects(HS_MODEL))
    with pytest.raises(ModelSpecError, match="baseline"):
        from_semopy(semopy.Model(HS_MODEL, baseline=True))


def test_error_in_the_model_names_the_line_of_the_description(hs):
    desc = "visual =~ x1 + x2 + x3\nSTART(0.5) a\ntextual =~ x4 + a*x5 + x66"
    with pytest.raises(ModelSpecError) as err:
        fit(semopy.Model(desc), hs)
    assert err.value.line == 3 and "x66" in str(err.value)


def test_detection_does_not_need_semopy_types():
    assert is_semopy_model(semopy.Model(HS_MODEL))
    assert is_semopy_model(semopy.ModelMeans(HS_MODEL))
    assert not is_semopy_model(HS_MODEL)
    assert not is_semopy_model({"visual": ["x1", "x2", "x3"]})


NAMES = [f"v{i}" for i in range(1, 10)]


@st.composite
def cfa_descriptions(draw):
    """lavaan-and-semopy syntax: 1-3 factors, numbers and labels as multipliers, covariances."""
    k = draw(st.integers(1, 3))
    lines = []
    for f in range(k):
        terms = []
        for v in NAMES[3 * f : 3 * f + 3]:
            mult = draw(st.sampled_from([None, "1", "0.5", "lab1", "lab2"]))
            terms.append(v if mult is None else f"{mult}*{v}")
        lines.append(f"F{f} =~ " + " + ".join(terms))
    if k > 1 and draw(st.booleans()):
        lines.append("F1 ~ F0")
    if draw(st.booleans()):
        lines.append(f"{NAMES[0]} ~~ {NAMES[2]}")
    return "\n".join(lines)


@settings(max_examples=40, deadline=None)
@given(cfa_descriptions())
def test_translation_gives_the_parameter_table_of_the_same_syntax(desc):
    read = from_semopy(semopy.Model(desc))
    assert read.syntax.splitlines() == [line.strip() for line in desc.splitlines()]
    pd.testing.assert_frame_equal(specify(read.syntax).table, specify(desc).table)


PATH_DESC = "f =~ x1 + x2 + x3\ny1 ~ f + x4\ny2 ~ f\ny3 ~ y2"


def test_lavaan_auto_cov_y_is_announced_when_semopy_left_it_out():
    read = from_semopy(semopy.Model(PATH_DESC))
    assert len(read.notes) == 1
    assert "y1 ~~ y3" in read.notes[0] and "y1 ~~ 0*y3" in read.notes[0]
    # the same set as semopy's own lavaan mimicry, so nothing to announce there
    assert from_semopy(semopy.Model(PATH_DESC, mimic_lavaan=True)).notes == ()
    assert semopy.Model(PATH_DESC, mimic_lavaan=True).vars["output"] == {"y1", "y3"}
    # written by the user: no difference
    assert from_semopy(semopy.Model(PATH_DESC + "\ny3 ~~ y1")).notes == ()


def test_fit_warns_about_auto_cov_y(hs):
    data = hs.rename(columns={"x5": "y1", "x6": "y2", "x7": "y3"})
    with pytest.warns(LoyaltySemWarning, match="auto.cov.y"):
        res = fit(semopy.Model(PATH_DESC), data)
    rows = res.estimates.query("op == '~~' and lhs != rhs")
    assert list(zip(rows.lhs, rows.rhs, strict=True)) == [("y1", "y3")]
    kept = fit(semopy.Model(PATH_DESC + "\ny1 ~~ 0*y3"), data)
    assert kept.fit_measures["df"] == res.fit_measures["df"] + 1


def test_semopy_model_with_groups(hs):
    expected = fit(HS_MODEL, hs, group="school", group_equal=["loadings"])
    for model in (semopy.Model(HS_MODEL), semopy.ModelMeans(HS_MODEL)):
        res = fit(model, hs, group="school", group_equal=["loadings"])
        assert_allclose(res.fit_measures["chisq"], expected.fit_measures["chisq"], rtol=1e-12)
    assert_allclose(float(expected.fit_measures["chisq"]), 124.044, atol=1e-3)  # lavaan's
