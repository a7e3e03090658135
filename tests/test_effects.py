"""effects(): every direct, indirect, specific and total effect vs lavaan's := rows.

The references are the ``:=`` parameters lavaan computed for the same models
(tests/fixtures/estimation/*.json, tests/reference/make_estimation.R): estimates, delta-method
SEs and standardizedSolution() values.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import loyaltysem as ls
from loyaltysem.datasets import load_frame
from loyaltysem.errors import ModelSpecError
from loyaltysem.sem.effects import effects, mediation_type

FIXTURES = Path(__file__).parent / "fixtures" / "estimation"
#: design.md section 4
ATOL_EST = 1e-4
RTOL_SE = 1e-3

#: lavaan := name -> (source, target, kind, path)
ECOMMERCE = {
    "ind_REP_TRU": ("REP", "LOY", "specific", "REP -> TRU -> LOY"),
    "ind_REP_TRU_SAT": ("REP", "LOY", "specific", "REP -> TRU -> SAT -> LOY"),
    "ind_REP": ("REP", "LOY", "indirect", ""),
    "ind_SEC_TRU": ("SEC", "LOY", "specific", "SEC -> TRU -> LOY"),
    "ind_SEC_TRU_SAT": ("SEC", "LOY", "specific", "SEC -> TRU -> SAT -> LOY"),
    "ind_SEC": ("SEC", "LOY", "indirect", ""),
    "ind_SQ_TRU": ("SQ", "LOY", "specific", "SQ -> TRU -> LOY"),
    "ind_SQ_TRU_SAT": ("SQ", "LOY", "specific", "SQ -> TRU -> SAT -> LOY"),
    "ind_SQ": ("SQ", "LOY", "indirect", ""),
    "ind_PQ_SAT": ("PQ", "LOY", "indirect", ""),
    "ind_PRI_SAT": ("PRI", "LOY", "indirect", ""),
    "ind_ASS_SAT": ("ASS", "LOY", "indirect", ""),
    "ind_TRU_SAT": ("TRU", "LOY", "indirect", ""),
    "total_TRU": ("TRU", "LOY", "total", ""),
}
HS = {"ind": ("visual", "speed", "indirect", ""), "total": ("visual", "speed", "total", "")}


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def pick(table: pd.DataFrame, source: str, target: str, kind: str, path: str) -> pd.Series:
    rows = table[(table["source"] == source) & (table["target"] == target)]
    rows = rows[rows["kind"] == kind]
    if path:
        rows = rows[rows["path"] == path]
    assert len(rows) == 1, (source, target, kind, path)
    return rows.iloc[0]


@pytest.mark.parametrize(
    ("name", "mapping", "data"),
    [
        ("ecommerce_default", ECOMMERCE, lambda: ls.load_ecommerce()),
        ("hs_defined", HS, lambda: load_frame("holzinger_swineford")),
    ],
)
def test_effects_are_lavaans_defined_parameters(name, mapping, data):
    fx = fixture(name)
    res = ls.fit(fx["provenance"]["model_syntax"], data())
    table = effects(res).table
    pe = {r["lhs"]: r for r in fx["parameter_estimates"] if r["op"] == ":="}
    ss = {r["lhs"]: r for r in fx["standardized_solution"] if r["op"] == ":="}
    for label, where in mapping.items():
        row = pick(table, *where)
        assert_allclose(row["est"], pe[label]["est"], atol=ATOL_EST, err_msg=label)
        assert_allclose(row["se"], pe[label]["se"], rtol=RTOL_SE, err_msg=label)
        assert_allclose(row["std_all"], ss[label]["est.std"], atol=ATOL_EST, err_msg=label)
        assert_allclose(row["se_std_all"], ss[label]["se"], rtol=RTOL_SE, err_msg=label)
        assert_allclose(row["ci_lower"], pe[label]["ci.lower"], atol=ATOL_EST, err_msg=label)


def test_political_democracy_effects_from_lavaans_paths():
    fx = fixture("poldem_sem")
    res = ls.fit(fx["provenance"]["model_syntax"], load_frame("political_democracy"))
    table = effects(res).table
    b = {(r["lhs"], r["rhs"]): r["est"] for r in fx["parameter_estimates"] if r["op"] == "~"}
    a, bb, c = b[("dem60", "ind60")], b[("dem65", "dem60")], b[("dem65", "ind60")]
    assert_allclose(pick(table, "ind60", "dem65", "indirect", "")["est"], a * bb, atol=ATOL_EST)
    assert_allclose(pick(table, "ind60", "dem65", "total", "")["est"], c + a * bb, atol=ATOL_EST)
    assert_allclose(pick(table, "ind60", "dem65", "direct", "ind60 -> dem65")["est"], c,
                    atol=ATOL_EST)  # fmt: skip
    # every total is its direct plus its indirect effect
    for (src, tgt), grp in table.groupby(["source", "target"]):
        kinds = grp.set_index("kind")["est"]
        direct = kinds.get("direct", 0.0)
        indirect = kinds.get("indirect", 0.0)
        assert_allclose(kinds["total"], direct + indirect, atol=1e-12, err_msg=f"{src}->{tgt}")


def test_mediation_table_on_the_bundled_survey():
    res = ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce())
    med = effects(res).mediation.set_index(["source", "target"])
    # trust works on loyalty directly and through satisfaction: complementary mediation
    tru = med.loc[("TRU", "LOY")]
    assert tru["type"] == "complementary"
    assert_allclose(tru["proportion_mediated"], tru["indirect"] / tru["total"], rtol=1e-12)
    # reputation has no direct path to loyalty in the model: indirect-only (full mediation)
    rep = med.loc[("REP", "LOY")]
    assert np.isnan(rep["direct"]) and rep["type"] == "indirect-only"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((0.2, 0.1, 0.3, 0.3, 0.1, 0.5), "complementary"),
        ((0.2, 0.1, 0.3, -0.3, -0.5, -0.1), "competitive"),
        ((0.2, 0.1, 0.3, 0.05, -0.1, 0.2), "indirect-only"),
        ((0.02, -0.1, 0.1, 0.3, 0.1, 0.5), "direct-only"),
        ((0.02, -0.1, 0.1, 0.05, -0.1, 0.2), "no effect"),
        ((0.2, 0.1, 0.3, np.nan, np.nan, np.nan), "indirect-only"),
    ],
)
def test_zhao_lynch_chen_types(args, expected):
    assert mediation_type(*args) == expected


def test_bootstrap_intervals_of_effects_are_lavaans_percentiles():
    # lavaan's 200 bootstrap draws of a*b (tests/fixtures/bootstrap, make_bootstrap.R),
    # reproduced with lavaan's indices; percentile = R quantile type 7 = numpy's default
    fx = json.loads(
        (Path(__file__).parent / "fixtures" / "bootstrap" / "poldem_indirect.json").read_text(
            encoding="utf-8"
        )
    )
    data = load_frame("political_democracy")
    res = ls.fit(fx["model"], data)
    boot = ls.bootstrap(res, data=data, indices=np.array(fx["indices"])[0] - 1)
    eff = effects(res, boot)
    row = pick(eff.table, "ind60", "dem65", "indirect", "")
    lavaan_ab = np.array(fx["draws"])[:, len(fx["coef_names"])]
    assert_allclose(row["boot_ci_lower"], np.quantile(lavaan_ab, 0.025), atol=2e-4)
    assert_allclose(row["boot_ci_upper"], np.quantile(lavaan_ab, 0.975), atol=2e-4)
    assert_allclose(row["boot_se"], lavaan_ab.std(ddof=1), atol=1e-5)
    # the same draws as the := row of the bootstrap itself
    ind = boot.estimates[boot.estimates["op"] == ":="].set_index("lhs").loc["ind"]
    assert_allclose(row["boot_ci_lower"], ind["ci_lower"], atol=1e-12)
    med = eff.mediation.set_index(["source", "target"]).loc[("ind60", "dem65")]
    assert med["interval"] == "bootstrap percentile" and med["type"] == "complementary"
    # only pairs joined by a directed path: nothing from dem60 back to ind60
    assert not ((eff.table["source"] == "dem60") & (eff.table["target"] == "ind60")).any()


def test_a_model_without_regressions_is_refused():
    res = ls.fit(
        "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6", load_frame("holzinger_swineford")
    )
    with pytest.raises(ModelSpecError, match="no regressions"):
        effects(res)


# ------------------------------------------------------------------ several groups
def test_multigroup_effects_are_lavaans_defined_parameters() -> None:
    # hs_sem_defined (tests/reference/make_groups.R): textual ~ c(a1, a2)*visual,
    # speed ~ c(b1, b2)*textual + c*visual, ind1 := a1*b1, ind2 := a2*b2, total1 := c + a1*b1
    from loyaltysem.sem.multigroup import fit_groups

    fx = json.loads(
        (Path(__file__).parent / "fixtures" / "groups" / "hs_sem_defined.json").read_text(
            encoding="utf-8"
        )
    )
    pv = fx["provenance"]
    hs = load_frame("holzinger_swineford")
    res = fit_groups(pv["model_syntax"], hs, pv["group"], group_equal=pv["group_equal"])
    eff = ls.effects(res)
    table = eff.table
    assert list(table.columns[:2]) == ["group", "group_label"]
    assert table["group_label"].unique().tolist() == list(res.group_labels)
    pe = pd.DataFrame(fx["parameter_estimates"]).set_index("lhs")
    ss = pd.DataFrame(fx["standardized_solution"]).set_index("lhs")
    cases = {
        (1, "specific"): "ind1",
        (2, "specific"): "ind2",
        (1, "total"): "total1",
    }
    for (g, kind), name in cases.items():
        row = table.query(
            f"group == {g} and source == 'visual' and target == 'speed' and kind == '{kind}'"
        ).iloc[0]
        assert_allclose(row["est"], pe.loc[name, "est"], atol=ATOL_EST)
        assert_allclose(row["se"], pe.loc[name, "se"], rtol=RTOL_SE)
        assert_allclose(row["std_all"], ss.loc[name, "est.std"], atol=ATOL_EST)
        assert_allclose(row["se_std_all"], ss.loc[name, "se"], rtol=RTOL_SE)
    med = eff.mediation
    assert set(med["group"]) == {1, 2}
    assert (
        med["type"]
        .isin(["complementary", "competitive", "indirect-only", "direct-only", "no effect"])
        .all()
    )


def test_multigroup_effects_with_a_multigroup_bootstrap() -> None:
    from loyaltysem.sem.multigroup import fit_groups

    hs = load_frame("holzinger_swineford")
    model = (
        "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9; "
        "textual ~ visual; speed ~ textual + visual"
    )
    res = fit_groups(model, hs, "school", group_equal=["loadings"])
    boot = ls.bootstrap(res, 60, data=hs, random_state=5)
    eff = ls.effects(res, boot).table
    row = eff.query("group == 2 and source == 'visual' and target == 'speed' and kind == 'direct'")
    draws = boot.draws.draws["est:speed ~ visual [2]"]
    assert_allclose(row["boot_se"].iloc[0], draws.std(ddof=1), rtol=1e-12)
    assert (eff["boot_ci_lower"] <= eff["boot_ci_upper"]).all()


def test_result_effects_method_is_the_function() -> None:
    # the API: result.effects() (single and multi-group) is ls.effects(result)
    from pandas.testing import assert_frame_equal

    hs = load_frame("holzinger_swineford")
    model = (
        "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9; "
        "textual ~ visual; speed ~ textual + visual"
    )
    res = ls.fit(model, hs)
    assert_frame_equal(res.effects().table, effects(res).table)
    mg = ls.fit(model, hs, group="school", group_equal=["loadings"])
    assert_frame_equal(mg.effects().mediation, effects(mg).mediation)
