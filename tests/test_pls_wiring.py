"""fit_pls() reaches every PLS estimation, and a PLSResult every analysis built on it.

The estimations themselves are tested against seminr's fixtures in their own files
(test_pls_moderation, test_pls_higher_order, test_pls_consistent, test_pls_bootstrap,
test_pls_predict, test_pls_groups, test_pls_ipma); here the model syntax and the methods
must give exactly what the functions give, and what cannot be done right is refused.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import loyaltysem as ls
from loyaltysem.errors import ModelSpecError
from loyaltysem.pls import (
    bootstrap_pls,
    consistent,
    higher_order,
    interaction_term,
    ipma,
    mga,
    micom,
    moderation,
    parse_pls_model,
    pls,
    predict_pls,
)

SMALL = {
    "Image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
    "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
}
MEASUREMENT = "\n".join(f"{c} =~ {' + '.join(items)}" for c, items in SMALL.items())


@pytest.fixture(scope="module")
def mobi():
    return ls.datasets.load_mobi()


def _same(a, b) -> None:
    for name in ("paths", "loadings", "weights", "r2", "reliability"):
        x, y = getattr(a, name), getattr(b, name)
        pd.testing.assert_index_equal(x.index, y.index)
        assert_allclose(x.to_numpy(dtype=float), y.to_numpy(dtype=float), atol=1e-12)


@pytest.mark.parametrize("method", ["two_stage", "product_indicator", "orthogonal"])
def test_an_interaction_written_x_colon_m_is_moderation(mobi, method):
    syntax = MEASUREMENT + "\nSatisfaction ~ Image + Expectation + Value + Image:Expectation"
    ours = ls.fit_pls(syntax, mobi, interaction=method)
    direct = moderation(
        mobi,
        SMALL,
        "Satisfaction ~ Image + Expectation + Value + Image*Expectation",
        [interaction_term("Image", "Expectation", method=method)],
        missing="mean",
    )
    _same(ours, direct)
    assert ours.extension == "interaction"
    assert ours.paths.loc["Image*Expectation", "Satisfaction"] != 0


def test_a_construct_measured_by_constructs_is_a_higher_order_construct(mobi):
    syntax = """
        Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
        Value =~ PERV1 + PERV2
        Expectation =~ CUEX1 + CUEX2 + CUEX3
        Loyalty =~ CUSL1 + CUSL2 + CUSL3
        Satisfaction =~ Image + Value
        Satisfaction ~ Expectation
        Loyalty ~ Satisfaction
    """
    mm = {c: list(mobi.constructs[c]) for c in ["Image", "Value", "Expectation", "Loyalty"]}
    pairs = "Satisfaction ~ Expectation\nLoyalty ~ Satisfaction"
    for hoc in ("disjoint", "embedded"):
        ours = ls.fit_pls(syntax, mobi, hoc=hoc)
        direct = higher_order(
            mobi, mm, pairs, [("Satisfaction", ["Image", "Value"])], method=hoc, missing="mean"
        )
        _same(ours, direct)
        assert ours.extension == "higher_order"


def test_consistent_true_is_plsc_and_its_bootstrap_draws_are_plsc(mobi):
    syntax = MEASUREMENT + "\nSatisfaction ~ Image + Expectation + Value"
    ours = ls.fit_pls(syntax, mobi, consistent=True)
    direct = consistent(pls(mobi, SMALL, "Satisfaction ~ Image + Expectation + Value"))
    _same(ours, direct)
    assert ours.consistent and not ls.fit_pls(syntax, mobi).consistent
    boot = ours.bootstrap(30, random_state=2, jackknife=False)
    assert boot.consistent
    again = bootstrap_pls(direct, 30, random_state=2, jackknife=False)
    pd.testing.assert_frame_equal(boot.draws, again.draws)


def test_methods_are_the_functions(mobi):
    res = ls.fit_pls(MEASUREMENT + "\nSatisfaction ~ Image + Expectation + Value", mobi)
    pd.testing.assert_frame_equal(
        res.predict(folds=5, repeats=2, random_state=3).items,
        predict_pls(res, folds=5, repeats=2, random_state=3).items,
    )
    group = pd.Series(np.where(np.arange(res.n) % 2 == 0, "even", "odd"), index=res.data.index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = res.mga(group, method="permutation", n_permutations=50, random_state=4)
        b = mga(res, group, method="permutation", n_permutations=50, random_state=4)
        pd.testing.assert_frame_equal(a.table, b.table)
        c = res.micom(group, n_permutations=50, random_state=4)
        d = micom(res, group, n_permutations=50, random_state=4)
    pd.testing.assert_frame_equal(c.compositional, d.compositional)
    pd.testing.assert_frame_equal(c.verdict, d.verdict)


def test_ipma_takes_the_scale_bounds_from_the_survey_codebook():
    corp = ls.load_corp_rep()
    res = ls.fit_pls(
        """
        COMP =~ comp_1 + comp_2 + comp_3
        LIKE =~ like_1 + like_2 + like_3
        CUSA =~ cusa
        CUSL =~ cusl_1 + cusl_2 + cusl_3
        CUSA ~ COMP + LIKE
        CUSL ~ COMP + LIKE + CUSA
        """,
        corp,
    )
    assert res.codebook is corp.codebook
    from_codebook = res.ipma("CUSL")
    explicit = ipma(res, "CUSL", scale=(1, 7))  # every item of these constructs is 1-7
    pd.testing.assert_frame_equal(from_codebook.constructs, explicit.constructs)
    perf = from_codebook.constructs["performance"]
    assert ((perf > 0) & (perf < 100)).all()


def test_models_built_in_stages_are_not_predicted_or_compared_as_if_their_terms_were_items(mobi):
    res = ls.fit_pls(
        MEASUREMENT + "\nSatisfaction ~ Image + Expectation + Value + Image:Expectation", mobi
    )
    group = pd.Series(np.arange(res.n) % 2, index=res.data.index)
    for call in (
        lambda: res.predict(),
        lambda: res.mga(group),
        lambda: res.micom(group),
        lambda: res.ipma("Satisfaction", scale=(1, 10)),
    ):
        with pytest.raises(ModelSpecError, match="interaction terms is not available yet"):
            call()


@pytest.mark.parametrize(
    ("syntax", "message"),
    [
        ("A =~ a1 + a2\nB =~ b1 + b2\nB ~ A + A:A", "interacts with itself"),
        ("A =~ a1 + a2\nB =~ b1 + b2\nC =~ A + c1\nC ~ B", "constructs and items together"),
        ("A =~ a1 + a2\nB =~ b1 + b2\nC =~ A\nC ~ B", "has one dimension"),
        ("A =~ a1 + a2\nB =~ b1 + A:a1\nB ~ A", "interaction term as an indicator"),
    ],
)
def test_bad_extensions_name_the_construct(syntax, message):
    with pytest.raises(ModelSpecError, match=message):
        parse_pls_model(syntax)


def test_the_syntax_records_interactions_and_higher_order_constructs():
    spec = parse_pls_model(
        "A =~ a1 + a2\nB =~ b1 + b2\nH <~ A + B\nY =~ y1 + y2\nY ~ H + M + H:M\nM =~ m1 + m2"
    )
    assert spec.interactions == (("H", "M"),)
    assert spec.higher_order == {"H": ["A", "B"]}
    assert ("H*M", "Y") in spec.structural and spec.modes["H"] == "B"


# --------------------------------------------------------------------------- reports


@pytest.fixture(scope="module")
def ecsi_boot():
    res = ls.fit_pls(ls.ECSI_MODEL, ls.load_mobi())
    return res, res.bootstrap(200, random_state=7)


def test_paths_and_effects_tables_carry_the_bootstrap(ecsi_boot):
    from loyaltysem.report.pls import pls_effects_table, pls_paths_table

    res, boot = ecsi_boot
    table = pls_paths_table(res, bootstrap=boot)
    theirs = boot.table().loc["path"]
    data = table.data.set_index("key")
    assert_allclose(data["t"], theirs.loc[data.index, "t"], rtol=1e-12)
    assert_allclose(data["pvalue"], theirs.loc[data.index, "p_boot"], rtol=1e-12)
    assert_allclose(data["ci_lower"], theirs.loc[data.index, "ci_lower"], rtol=1e-12)
    # t is the estimate over the SD of the draws
    draws = boot.draws[("path", "Image -> Expectation")]
    assert_allclose(
        data.loc["Image -> Expectation", "t"],
        res.paths.loc["Image", "Expectation"] / draws.std(ddof=1),
        rtol=1e-10,
    )
    assert "200 bootstrap draws (seed 7)" in table.note and "No bootstrap" not in table.note
    assert "*t*" in table.to_markdown() and "\\*\\*\\*" in table.to_markdown()
    effects = pls_effects_table(res, bootstrap=boot, ci="bca")
    specific = boot.table(ci="bca").loc["specific_indirect"]
    row = effects.data.set_index("key").loc["Image -> Expectation -> Quality"]
    assert_allclose(row["ci_upper"], specific.loc["Image -> Expectation -> Quality", "ci_upper"])
    assert "BCa" in effects.note
    bare = pls_paths_table(res)
    assert "No bootstrap" in bare.note and "*t*" not in bare.to_markdown()


def test_a_bootstrap_of_another_model_is_refused(ecsi_boot):
    from loyaltysem.errors import ReportError
    from loyaltysem.report.pls import pls_paths_table

    res, _ = ecsi_boot
    other = ls.fit_pls(ls.ECSI_MODEL, ls.load_mobi(), scheme="factorial")
    with pytest.raises(ReportError, match="another model"):
        pls_paths_table(res, bootstrap=other.bootstrap(5, random_state=1, jackknife=False))


def test_report_write_takes_the_pls_bootstrap(ecsi_boot, tmp_path):
    from loyaltysem import report
    from loyaltysem.errors import ReportError

    res, boot = ecsi_boot
    (md,) = report.write(tmp_path / "a", pls=res, pls_bootstrap=boot, formats=("md",))
    text = md.read_text(encoding="utf-8")
    assert "200 bootstrap draws (seed 7)" in text and "| *t* |" in text
    with pytest.raises(ReportError, match="needs the PLS model"):
        report.write(tmp_path / "b", pls_bootstrap=boot, formats=("md",))
    assert not (tmp_path / "b").exists()


# --------------------------------------------------------------------------- staged bootstrap


@pytest.mark.parametrize("method", ["product_indicator", "two_stage", "orthogonal"])
def test_the_bootstrap_of_a_moderation_reruns_every_stage_per_draw(mobi, method):
    syntax = MEASUREMENT + "\nSatisfaction ~ Image + Expectation + Value + Image:Expectation"
    res = ls.fit_pls(syntax, mobi, interaction=method)
    idx = np.random.default_rng(11).integers(0, res.n, size=(6, res.n))
    boot = res.bootstrap(indices=idx)
    assert boot.n_used == 6 and "re-ran each stage" in boot.notes[0]
    # the estimate column is the result's, the seminr-matching moderation (rescaled term)
    key = ("path", "Image*Expectation -> Satisfaction")
    assert boot.estimates[key] == res.paths.loc["Image*Expectation", "Satisfaction"]
    # a draw is moderation() on those rows of the raw items: the terms built again
    for b in (0, 5):
        again = moderation(
            res.source.iloc[idx[b]].reset_index(drop=True),
            SMALL,
            "Satisfaction ~ Image + Expectation + Value + Image*Expectation",
            [interaction_term("Image", "Expectation", method=method)],
        )
        expected = again.paths.loc["Image*Expectation", "Satisfaction"]
        assert_allclose(boot.draws.loc[b, key], expected, atol=1e-12)
        item = ("loading", "CUSA1 <- Satisfaction")
        assert_allclose(boot.draws.loc[b, item], again.loadings.loc["CUSA1", "Satisfaction"],
                        atol=1e-12)  # fmt: skip
    # the same draws on one and two processes, seeded per draw
    one = res.bootstrap(12, random_state=3, jackknife=False)
    two = res.bootstrap(12, random_state=3, jackknife=False, n_jobs=2)
    pd.testing.assert_frame_equal(one.draws, two.draws)


def test_the_bootstrap_of_a_higher_order_model_and_its_jackknife(mobi):
    syntax = """
        Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
        Value =~ PERV1 + PERV2
        Expectation =~ CUEX1 + CUEX2 + CUEX3
        Loyalty =~ CUSL1 + CUSL2 + CUSL3
        Satisfaction =~ Image + Value
        Satisfaction ~ Expectation
        Loyalty ~ Satisfaction
    """
    sub = mobi.data.iloc[:60]
    res = ls.fit_pls(syntax, sub)
    boot = res.bootstrap(20, random_state=5)
    mm = {c: list(mobi.constructs[c]) for c in ["Image", "Value", "Expectation", "Loyalty"]}
    left = higher_order(
        res.source.drop(index=res.source.index[7]).reset_index(drop=True),
        mm,
        "Satisfaction ~ Expectation\nLoyalty ~ Satisfaction",
        [("Satisfaction", ["Image", "Value"])],
    )
    key = ("path", "Satisfaction -> Loyalty")
    assert_allclose(boot.jackknife[key].iloc[7], left.paths.loc["Satisfaction", "Loyalty"],
                    atol=1e-12)  # fmt: skip
    table = boot.table(ci="bca")
    assert table.loc[key, "ci_lower"] < table.loc[key, "estimate"] < table.loc[key, "ci_upper"]


def test_staged_bootstrap_options_that_do_not_apply_are_refused(mobi):
    syntax = MEASUREMENT + "\nSatisfaction ~ Image + Expectation + Value + Image:Expectation"
    res = ls.fit_pls(syntax, mobi)
    for option in ({"sign_change": "individual"}, {"n_inner": 10}, {"fit_draws": True},
                   {"consistent": True}):  # fmt: skip
        with pytest.raises(ModelSpecError, match="not available for a model estimated in stages"):
            res.bootstrap(5, random_state=1, **option)


def test_groups_come_from_the_survey_the_model_was_estimated_on():
    corp = ls.load_corp_rep()
    res = ls.fit_pls(
        """
        COMP =~ comp_1 + comp_2 + comp_3
        LIKE =~ like_1 + like_2 + like_3
        CUSL =~ cusl_1 + cusl_2 + cusl_3
        CUSL ~ COMP + LIKE
        """,
        corp,
    )
    assert res.survey is corp
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        implicit = res.mga("servicetype", method="permutation", n_permutations=40, random_state=2)
        explicit = mga(
            res, "servicetype", data=corp, method="permutation", n_permutations=40, random_state=2
        )
    pd.testing.assert_frame_equal(implicit.table, explicit.table)
    # the codebook gives servicetype no value labels: the groups are its codes
    assert [str(g) for g in implicit.groups] == ["1", "2"]
    assert sum(implicit.n) == res.n


def test_the_pls_bootstrap_reports_progress_as_the_cb_sem_one(mobi):
    """A callable gets the draws as they finish, adding up to n_boot (batched and staged)."""
    plain = ls.fit_pls(MEASUREMENT + "\nSatisfaction ~ Image + Expectation + Value", mobi)
    staged = ls.fit_pls(
        MEASUREMENT + "\nSatisfaction ~ Image + Expectation + Value + Image:Expectation", mobi
    )
    for res in (plain, staged):
        seen: list[int] = []
        res.bootstrap(60, random_state=1, jackknife=False, progress=seen.append)
        assert sum(seen) == 60 and all(k > 0 for k in seen)


def test_quality_measures_of_a_plsc_model_equal_seminr_m7_m3(mobi):
    """seminr-ts M7_evaluation_m3 (the evaluation suite on the PLSc model M3): f² re-estimates
    the reduced models as PLSc, Fornell–Larcker and the antecedent VIFs use the correlations
    of the construct scores (not the disattenuated ones), as seminr does."""
    import json
    from pathlib import Path

    ref = json.loads(
        (
            Path(__file__).resolve().parent
            / "thirdparty"
            / "seminr_ts_expected"
            / "M7_evaluation_m3.json"
        ).read_text()
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the PLSc solution's notes
        res = ls.fit_pls(MEASUREMENT + "\nSatisfaction ~ Image + Expectation + Value", mobi,
                         consistent=True)  # fmt: skip

    def table(key: str) -> pd.DataFrame:
        m = ref[key]
        return pd.DataFrame(m["values"], index=m["rows"], columns=m["cols"]).astype(float)

    for key, ours in (
        ("fSquare", res.f2),
        ("totalEffects", res.total_effects),
        ("totalIndirectEffects", res.indirect_effects),
        ("flCriteria", res.fornell_larcker),
    ):
        theirs = table(key)
        got = ours.reindex(index=theirs.index, columns=theirs.columns).to_numpy(dtype=float)
        mask = ~np.isnan(theirs.to_numpy())
        assert_allclose(got[mask], theirs.to_numpy()[mask], atol=1e-6, err_msg=key)
    for source, value in ref["antecedentVifs"]["Satisfaction"].items():
        assert_allclose(res.vif_inner.loc[source, "Satisfaction"], value, atol=1e-6)
