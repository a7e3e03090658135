"""Construct validity against semTools, lavaan and seminr (design.md §4 tolerances).

Fixtures: ``tests/reference/make_validity.R`` (lavaan 0.6.14, semTools 0.5.6) on the bundled
e-commerce survey, Holzinger–Swineford and corp_rep; seminr reference results for mobi in
``tests/thirdparty/seminr_ts_expected`` (HTMT, and HTMT bootstrap with R's
resample indices).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import loyaltysem as ls
from loyaltysem.errors import ModelSpecError
from loyaltysem.measurement import validity

FIXTURES = Path(__file__).parent / "fixtures" / "validity"
SEMINR = Path(__file__).resolve().parent / "thirdparty" / "seminr_ts_expected"
ATOL_EST = 1e-4  # estimates, reliabilities, correlations
ATOL_EXACT = 1e-10  # closed forms on the same correlations
LOADERS = {
    "ecommerce": ls.load_ecommerce,
    "holzinger_swineford": ls.load_holzinger_swineford,
    "corp_rep": ls.load_corp_rep,
}


def matrix(block: dict) -> pd.DataFrame:
    values = np.array([[np.nan if v is None else v for v in row] for row in block["values"]])
    return pd.DataFrame(values, index=block["names"], columns=block["names"])


@pytest.fixture(scope="module", params=list(LOADERS))
def case(request):
    fx = json.loads((FIXTURES / f"{request.param}.json").read_text(encoding="utf-8"))
    constructs = {k: v if isinstance(v, list) else [v] for k, v in fx["constructs"].items()}
    survey = LOADERS[request.param]()
    result = ls.fit(validity.cfa_model(constructs), survey)
    return fx, survey, constructs, result


def test_same_respondents_as_lavaan(case):
    fx, _, _, result = case
    assert result.provenance.n == fx["nobs"]


def test_omega_composite_reliability_and_ave(case):
    fx, _, constructs, result = case
    rel = validity.cfa_reliability(result, constructs)
    assert list(rel.index) == list(fx["omega"])
    assert_allclose(rel["omega"], pd.Series(fx["omega"]), atol=ATOL_EST)
    assert_allclose(rel["ave_semtools"], pd.Series(fx["ave_semtools"]), atol=ATOL_EST)
    formula = pd.DataFrame(fx["formula"]).T
    assert_allclose(rel["rho_c"], formula["rho_c"], atol=ATOL_EST)
    assert_allclose(rel["ave"], formula["ave"], atol=ATOL_EST)


@pytest.mark.parametrize("kind", ["htmt", "htmt2"])
def test_htmt_as_semtools(case, kind):
    fx, survey, constructs, _ = case
    ours = validity.htmt(survey, constructs, htmt2=kind == "htmt2")
    theirs = matrix(fx[kind])
    assert list(ours.index) == list(theirs.index)
    off = ~np.eye(len(ours), dtype=bool)  # semTools puts 1 on the diagonal, we leave it empty
    assert_allclose(ours.to_numpy()[off], theirs.to_numpy()[off], atol=ATOL_EXACT)
    assert np.isnan(np.diag(ours.to_numpy())).all()


def test_fornell_larcker_table(case):
    fx, _, constructs, result = case
    table = validity.fornell_larcker(result, constructs)
    cor = matrix(fx["cor_lv"])
    off = ~np.eye(len(cor), dtype=bool)
    assert_allclose(table.to_numpy()[off], cor.to_numpy()[off], atol=ATOL_EST)
    ave = pd.DataFrame(fx["formula"]).T["ave"]
    assert_allclose(np.diag(table.to_numpy()), np.sqrt(ave.to_numpy()), atol=ATOL_EST)


def test_harman_single_factor(case):
    fx, survey, constructs, _ = case
    h = validity.harman_single_factor(survey, constructs)
    assert h["n"] == fx["harman"]["n"]
    assert_allclose(h["share"], fx["harman"]["share"], atol=ATOL_EXACT)


@pytest.mark.parametrize("name", ["ecommerce", "holzinger_swineford"])
def test_common_latent_factor_matches_lavaan(name):
    fx = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    constructs = fx["constructs"]
    data = ls.load_ecommerce() if name == "ecommerce" else ls.load_holzinger_swineford()
    clf = validity.common_latent_factor(data, constructs)
    assert clf.model.strip() == fx["clf"]["model"].strip()
    assert_allclose(clf.result.fit_measures["chisq"], fx["clf"]["chisq"], rtol=1e-4)
    assert clf.delta_df == int(fx["clf"]["base_df"] - fx["clf"]["df"]) == 1
    assert_allclose(clf.delta_chisq, fx["clf"]["base_chisq"] - fx["clf"]["chisq"], atol=1e-3)
    assert_allclose(clf.p_value, fx["clf"]["lrt_pvalue"], atol=1e-4)
    theirs = pd.DataFrame(fx["clf"]["standardized_loadings"])
    method = theirs[theirs["lhs"] == "CMF"].set_index("rhs")["est.std"]
    theirs = theirs[theirs["lhs"] != "CMF"].set_index(["lhs", "rhs"])["est.std"]
    assert len(theirs) == len(clf.loading_change)
    assert_allclose(clf.loading_change["with_clf"].reindex(theirs.index), theirs, atol=1e-3)
    ours = clf.result.estimates
    ours = ours[(ours["lhs"] == "CMF") & (ours["op"] == "=~")].set_index("rhs")["std_all"]
    assert_allclose(ours.reindex(method.index).abs(), method.abs(), atol=1e-3)
    # no method variance, no warning: the boundary is m = 0, not a negative variance
    assert not any("Heywood" in w for w in clf.result.warnings)


def test_common_latent_factor_size_tells_the_two_surveys_apart():
    # the simulated survey has no method factor (LRT p = 1); HS's CLF absorbs 'visual'
    eco = validity.common_latent_factor(
        ls.load_ecommerce(),
        json.loads((FIXTURES / "ecommerce.json").read_text(encoding="utf-8"))["constructs"],
    )
    hs = validity.common_latent_factor(
        ls.load_holzinger_swineford(),
        {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]},
    )
    assert eco.loading_change["difference"].abs().max() < 1e-3
    assert hs.loading_change["difference"].abs().max() > 0.5


def seminr_htmt() -> pd.DataFrame:
    m = json.loads((SEMINR / "M7_evaluation_m2.json").read_text(encoding="utf-8"))["htmt"]
    values = np.array([[np.nan if v is None else v for v in row] for row in m["values"]])
    return pd.DataFrame(values, index=m["rows"], columns=m["cols"])


def test_htmt_matches_seminr_on_mobi_with_a_single_item_construct():
    mobi = ls.load_mobi()
    ours = validity.htmt(mobi, mobi.constructs)
    theirs = seminr_htmt()
    upper = np.triu_indices(len(theirs), 1)
    assert_allclose(
        ours.loc[theirs.index, theirs.columns].to_numpy()[upper],
        theirs.to_numpy()[upper],
        atol=ATOL_EXACT,
    )


def test_rho_a_with_the_model_s_structural_part_is_seminr_s():
    """validate(mobi, ECSI syntax): rho_A's PLS weights from the ECSI inner model (seminr)."""
    m = json.loads((SEMINR / "M7_evaluation_m2.json").read_text(encoding="utf-8"))["reliability"]
    theirs = pd.DataFrame(m["values"], index=m["rows"], columns=m["cols"])["rhoA"]
    val = ls.validate(ls.load_mobi(), ls.ECSI_MODEL, n_boot=0, run_efa=False, common_method=False)
    ours = val.reliability["rho_a"]
    assert set(ours.index) == set(theirs.index)
    assert_allclose(ours.loc[theirs.index], theirs.astype(float), atol=ATOL_EXACT)
    assert not any("saturated inner model" in n for n in val.notes)
    saturated = ls.validate(
        ls.load_mobi(), ls.load_mobi().constructs, n_boot=0, run_efa=False, common_method=False
    )
    assert any("saturated inner model" in n for n in saturated.notes)


def test_htmt_bootstrap_reproduces_seminr_with_its_resample_indices():
    boot = json.loads((SEMINR / "M6b_bootstrap_ecsi.json").read_text(encoding="utf-8"))
    indices = json.loads((SEMINR / "boot_indices_m2.json").read_text(encoding="utf-8"))
    mobi = ls.load_mobi()
    ours = validity.htmt_bootstrap(mobi, mobi.constructs, indices=np.array(indices["indices"]) - 1)
    h = boot["HTMTDescriptives"]
    values = np.array([[np.nan if v is None else v for v in row] for row in h["values"]])
    compared = 0
    for i, a in enumerate(h["rows"]):
        for b in h["rows"][i + 1 :]:
            row = ours.loc[f"{a}~{b}"]
            assert_allclose(
                row["boot_mean"], values[i, h["cols"].index(f"{b} Boot Mean")], atol=1e-12
            )
            assert_allclose(row["boot_se"], values[i, h["cols"].index(f"{b} Boot SD")], atol=1e-12)
            compared += 1
    assert compared == 21


def test_htmt_bootstrap_is_seeded_and_tests_the_thresholds():
    hs = ls.load_holzinger_swineford()
    a = validity.htmt_bootstrap(hs, hs.constructs, n_boot=300, random_state=7)
    b = validity.htmt_bootstrap(hs, hs.constructs, n_boot=300, random_state=7)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["random_state"] == 7 and a.attrs["n_failed"] == 0
    assert (a["below_1"] == (a["ci_upper"] < 1)).all()
    assert (a["ci_lower"] <= a["estimate"]).all() and (a["estimate"] <= a["ci_upper"]).all()
    # visual-textual HTMT is about .43: far below every threshold
    assert bool(a.loc["visual~textual", "below_0.85"])


def test_cross_loadings_are_item_score_correlations():
    hs = ls.load_holzinger_swineford()
    table = validity.cross_loadings(hs, hs.constructs)
    x = hs.data
    score = x[["x4", "x5", "x6"]].mean(axis=1)
    assert_allclose(table.loc["x1", "textual"], np.corrcoef(x["x1"], score)[0, 1], atol=1e-12)
    own = [table.loc[i, c] for c, items in hs.constructs.items() for i in items]
    assert min(own) > 0.5


def test_constructs_from_syntax_codebook_or_dict():
    hs = ls.load_holzinger_swineford()
    from_syntax = validity.constructs_of("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6")
    assert from_syntax == {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"]}
    assert validity.constructs_of(hs.codebook)["speed"] == ["x7", "x8", "x9"]
    with pytest.raises(ModelSpecError, match="not in the data"):
        validity.constructs_of({"f": ["x1", "zz"]}, hs.data)
    with pytest.raises(ModelSpecError, match="at least one item"):
        validity.constructs_of({"f": []})


# ---------------------------------------------------------------------------- validate()
@pytest.fixture(scope="module")
def ecommerce_report():
    return validity.validate(ls.load_ecommerce(), n_boot=300, random_state=4)


def test_report_reliability_assembles_the_reference_numbers(ecommerce_report):
    fx = json.loads((FIXTURES / "ecommerce.json").read_text(encoding="utf-8"))
    rel = ecommerce_report.reliability
    assert list(rel.columns) == [
        "n_items", "alpha", "alpha_std", "alpha_ci_lower", "alpha_ci_upper",
        "omega", "rho_c", "rho_a", "ave", "reason",
    ]  # fmt: skip
    assert (rel["reason"] == "").all()  # a proper CFA: every reliability reported
    assert_allclose(rel["omega"], pd.Series(fx["omega"]), atol=ATOL_EST)
    formula = pd.DataFrame(fx["formula"]).T
    assert_allclose(rel["ave"], formula["ave"], atol=ATOL_EST)
    # alpha as psych::alpha (tests/test_reliability.py checks reliability_table against it)
    from loyaltysem.measurement.reliability import reliability_table

    direct = reliability_table(ls.load_ecommerce().data, fx["constructs"])
    assert_allclose(rel["alpha"], direct["alpha"], atol=ATOL_EXACT)
    assert ((rel["rho_a"] > 0.7) & (rel["rho_a"] < 1)).all()


def test_report_items_and_removal_of_the_weakest_item(ecommerce_report):
    fx = json.loads((FIXTURES / "ecommerce.json").read_text(encoding="utf-8"))
    items = ecommerce_report.items
    theirs = pd.DataFrame(fx["standardized_loadings"]).set_index("rhs")
    assert_allclose(items["loading"], theirs["est.std"].reindex(items.index), atol=ATOL_EST)
    assert_allclose(items["loading_se"], theirs["se"].reindex(items.index), rtol=1e-3)
    removal = ecommerce_report.removal
    loy4 = removal.loc["LOY4"]
    assert loy4["action"] == "remove" and "AVE" in loy4["reason"]
    assert loy4["ave_before"] < 0.5
    assert_allclose(loy4["ave_after"], fx["without_loy4"]["ave"], atol=ATOL_EST)
    assert_allclose(loy4["rho_c_after"], fx["without_loy4"]["rho_c"], atol=ATOL_EST)
    assert set(removal.index) == set(items.index[items["loading"] < 0.708])


def test_report_verdicts_name_threshold_and_source(ecommerce_report):
    v = ecommerce_report.verdicts
    assert {"criterion", "subject", "value", "threshold", "met", "source"} <= set(v.columns)
    ave_loy = v[(v["criterion"] == "ave") & (v["subject"] == "LOY")].iloc[0]
    assert not ave_loy["met"] and ave_loy["source"] == "Fornell & Larcker (1981)"
    htmt_rows = v[v["criterion"] == "htmt_ci_1"]
    assert len(htmt_rows) == 36 and htmt_rows["met"].all()
    assert v[v["criterion"] == "cfi"]["source"].iloc[0] == "Hu & Bentler (1999)"
    assert "Criteria not met" in ecommerce_report.summary()


def test_report_common_method_checks(ecommerce_report):
    cm = ecommerce_report.common_method["value"]
    fx = json.loads((FIXTURES / "ecommerce.json").read_text(encoding="utf-8"))
    assert_allclose(cm["harman_share"], fx["harman"]["share"], atol=ATOL_EXACT)
    assert_allclose(cm["clf_delta_chisq"], fx["clf"]["base_chisq"] - fx["clf"]["chisq"], atol=1e-3)
    # the simulated survey has no method factor: the shared method loading is ~0
    assert not any("CMF" in n for n in ecommerce_report.notes)
    assert cm["clf_max_loading_change"] < 1e-3


EFA_FIXTURES = Path(__file__).parent / "fixtures"


def test_report_efa_is_psych_on_the_same_items(ecommerce_report):
    # KMO, Bartlett and fa(x, 9, "oblimin", "minres") on all 1225 respondents (pairwise),
    # compared with tests/fixtures/efa_ecommerce.json (tests/reference/make_efa.R)
    fx = json.loads((EFA_FIXTURES / "efa_ecommerce.json").read_text(encoding="utf-8"))
    part = ecommerce_report.efa
    assert part is not None
    assert part.kmo.n == fx["n_rows"] == 1225
    assert_allclose(part.kmo.msa, fx["kmo"]["msa"], atol=1e-12)
    assert_allclose(part.bartlett.chisq, fx["bartlett"]["chisq"], rtol=1e-12)
    assert part.efa.n_factors == fx["provenance"]["nfactors"] == 9
    theirs = fx["fa"]["minres_oblimin"]["loadings"]
    theirs = pd.DataFrame(
        np.array(theirs["values"], dtype=float), index=theirs["rows"], columns=theirs["columns"]
    )
    assert list(part.efa.loadings.columns) == list(theirs.columns)
    assert_allclose(part.efa.loadings.loc[theirs.index], theirs, atol=1e-9)
    v = ecommerce_report.verdicts
    kmo_row = v[v["criterion"] == "kmo"].iloc[0]
    assert kmo_row["met"] and kmo_row["source"] == "Kaiser (1974)"
    assert v[v["criterion"] == "bartlett"]["met"].all()
    # parallel analysis finds the nine constructs; every item loads >= .40 on its own factor
    assert v[v["criterion"] == "efa_factors"]["value"].iloc[0] == 9
    loads = v[v["criterion"] == "efa_loading"]
    assert len(loads) == 29 and loads["met"].all()


def test_efa_not_possible_is_a_note_not_a_crash():
    # five items cannot carry three factors (df = 10 - 15 + 3 < 0)
    frame = ls.load_holzinger_swineford().data
    cons = {"a": ["x1", "x2"], "b": ["x4", "x5"], "c": ["x7"]}
    report = validity.validate(frame, cons, n_boot=0, common_method=False)
    assert report.efa is None
    assert any("exploratory factor analysis not run" in n for n in report.notes)
    assert "kmo" not in set(report.verdicts["criterion"])


def test_efa_warnings_become_report_notes():
    frame = ls.load_holzinger_swineford().data
    cons = {"a": ["x1", "x2"], "b": ["x4", "x5"], "c": ["x7", "x8"], "d": ["x3", "x6"]}
    report = validity.validate(frame, cons, n_boot=0, common_method=False)
    assert report.efa is not None and report.efa.efa.n_factors == 4
    assert any(n.startswith("EFA: ") and "Heywood" in n for n in report.notes)


def test_single_item_construct_does_not_crash_and_is_explained():
    report = validity.validate(ls.load_mobi(), n_boot=0, run_efa=False, common_method=False)
    assert np.isnan(report.reliability.loc["Complaints", "alpha"])
    assert any("Complaints" in n for n in report.notes)
    assert report.htmt_inference is None


def test_forgotten_reverse_key_is_named():
    survey = ls.load_ecommerce()
    frame = survey.data.copy()
    frame["LOY4"] = 8 - frame["LOY4"]  # undo the codebook's reverse keying
    report = validity.validate(
        frame, survey.constructs, n_boot=0, run_efa=False, common_method=False
    )
    assert any("LOY4" in n and "reverse" in n for n in report.notes)
    assert report.removal.loc["LOY4", "action"] == "check"


# validate(..., ordinal=True) (polychoric correlations, WLSMV CFA) is checked against
# lavaan, semTools and psych in tests/test_validity_ordinal.py.


def test_question_texts_as_item_names_get_the_codebook_route_not_a_syntax_error():
    # issue 11: an export read with its question texts as item names reached validate()
    # and stopped with "line 1: the variable is not a valid variable name"
    rng = np.random.default_rng(1)
    items = ["4. 该平台口碑很好", "5. 该平台信誉好", "6. 我信任该平台", "满意1", "满意2", "满意3"]
    scores = rng.integers(1, 8, size=(60, 6)).astype(float)
    frame = pd.DataFrame(scores, columns=items)
    constructs = {"REP": items[:3], "满意度": items[3:]}
    with pytest.raises(ModelSpecError) as err:
        ls.validate(frame, constructs, n_boot=0)
    assert err.value.line is None
    assert err.value.found == items[:3]
    assert "column = '4. 该平台口碑很好'" in err.value.fix and "codebook draft" in err.value.fix
