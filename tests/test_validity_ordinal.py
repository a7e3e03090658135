"""``validate(..., ordinal=True)`` against lavaan (WLSMV), semTools and psych.

Fixtures: ``tests/reference/make_validity_ordinal.R`` (lavaan 0.6.14, semTools 0.5.6,
psych 2.2.9) on the bundled e-commerce survey (all 29 items ordered) and on
Holzinger–Swineford cut into ordered categories (quintiles; binary, tertiles and quintiles).
Tolerances (design.md §4): estimates, standardized values and reliability coefficients
``atol=1e-4``; standard errors ``rtol=1e-3``. Every construct and item must be on both sides.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import loyaltysem as ls
from loyaltysem.datasets import load_frame
from loyaltysem.errors import MissingDataWarning, SurveyDataError
from loyaltysem.measurement import validity
from loyaltysem.sem.ordinal import fit_ordinal
from loyaltysem.sem.specification import specify

FIXTURES = Path(__file__).parent / "fixtures" / "validity"
ATOL = 1e-4  # estimates, standardized values, reliability coefficients
RTOL_SE = 1e-3  # standard errors
CASES = ["ecommerce", "holzinger_swineford_cut5", "holzinger_swineford_mixed"]


def _cut(v: np.ndarray, k: int) -> np.ndarray:
    """R: cut(v, quantile(v, seq(0, 1, 1/k)), include.lowest = TRUE, labels = FALSE)."""
    breaks = np.quantile(v, np.linspace(0.0, 1.0, k + 1))  # type 7, as R's default
    return np.clip(np.searchsorted(breaks, v, side="left"), 1, k).astype(float)


def hs_cut(mixed: bool) -> pd.DataFrame:
    """The Holzinger–Swineford tests as make_validity_ordinal.R cuts them."""
    hs = load_frame("holzinger_swineford")
    out = pd.DataFrame({f"x{i}": _cut(hs[f"x{i}"].to_numpy(), 5) for i in range(1, 10)})
    if mixed:
        for i in range(1, 7):
            v = hs[f"x{i}"].to_numpy()
            out[f"x{i}"] = (v > np.median(v)) + 1.0 if i <= 3 else _cut(v, 3)
    return out


def load_data(name: str):
    if name == "ecommerce":
        return ls.load_ecommerce()  # codebook: -99 -> NA, LOY4 reversed, as the R script
    return hs_cut(mixed=name.endswith("mixed"))


def matrix(block: dict) -> pd.DataFrame:
    values = np.array([[np.nan if v is None else v for v in row] for row in block["values"]])
    return pd.DataFrame(values, index=block["names"], columns=block["names"])


def by_item(fx: dict, source: str, key: str) -> pd.Series:
    alpha = fx["ordinal_alpha"]
    return pd.Series({i: v for c in alpha for i, v in alpha[c][source][key].items()})


@pytest.fixture(scope="module", params=CASES)
def case(request):
    fx = json.loads((FIXTURES / f"ordinal_{request.param}.json").read_text(encoding="utf-8"))
    data = load_data(request.param)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        report = validity.validate(
            data, fx["constructs"], ordinal=True, n_boot=0, run_efa=False, common_method=False
        )
    return fx, data, report


def test_fixture_provenance(case):
    fx, _, _ = case
    prov = fx["provenance"]
    assert prov["generator"] == "tests/reference/make_validity_ordinal.R"
    assert prov["lavaan_version"] == "0.6.14" and prov["semtools_version"].startswith("0.5")
    assert {"r_version", "psych_version", "jsonlite_version", "date"} <= set(prov)


def test_same_respondents_and_wlsmv_cfa(case):
    fx, _, report = case
    assert report.ordinal and report.cfa.provenance.estimator == "WLSMV"
    assert report.cfa.provenance.n == fx["nobs"]
    fm = report.cfa.fit_measures
    for key in ("cfi.scaled", "tli.scaled", "rmsea.scaled", "srmr"):
        assert_allclose(fm[key], fx["fit_measures"][key], atol=ATOL)
    assert_allclose(fm["chisq.scaled"], fx["fit_measures"]["chisq.scaled"], rtol=1e-4)
    assert_allclose(report.polychoric.to_numpy(), matrix(fx["polychoric"]).to_numpy(), atol=ATOL)
    assert list(report.polychoric.index) == fx["polychoric"]["names"]


def test_reliability_omega_rho_c_ave_as_semtools(case):
    fx, _, report = case
    rel = report.reliability
    assert list(rel.index) == list(fx["omega"]) == list(fx["constructs"])
    assert list(rel.columns) == [
        "n_items", "alpha", "alpha_std", "alpha_ci_lower", "alpha_ci_upper",
        "omega", "omega_latent", "rho_c", "rho_a", "ave", "reason",
    ]  # fmt: skip
    # a proper CFA: every CFA reliability reported; a PLS rho_A above 1 (speed of the
    # mixed case, 1.07) is not a reliability and is NaN with its reason
    above = rel["reason"] != ""
    assert rel.loc[above, "reason"].str.match(r"rho_a = 1\.\d+ above 1").all()
    assert rel.loc[above, "rho_a"].isna().all() and rel.loc[~above, "rho_a"].notna().all()
    assert_allclose(rel["omega"], pd.Series(fx["omega"]), atol=ATOL)  # compRelSEM(fit)
    assert_allclose(rel["omega_latent"], pd.Series(fx["omega_latent"]), atol=ATOL)
    formula = pd.DataFrame(fx["formula"]).T
    assert_allclose(rel["rho_c"], formula["rho_c"].reindex(rel.index), atol=ATOL)
    assert_allclose(rel["ave"], formula["ave"].reindex(rel.index), atol=ATOL)
    assert_allclose(rel["ave"], pd.Series(fx["ave_semtools"]).reindex(rel.index), atol=ATOL)


def test_ordinal_alpha_as_psych(case):
    fx, _, report = case
    rel = report.reliability
    for source in ("lavcor", "psych_polychoric"):
        # psych::alpha(lavCor(x)[items, items]) and psych::alpha(psych::polychoric(x)$rho)
        theirs = pd.Series({c: fx["ordinal_alpha"][c][source]["raw_alpha"] for c in rel.index})
        assert_allclose(rel["alpha"], theirs, atol=ATOL)
        assert_allclose(rel["alpha_std"], theirs, atol=ATOL)
    assert all(fx["ordinal_alpha"][c]["psych_polychoric"]["global"] for c in rel.index)
    assert rel["alpha_ci_lower"].isna().all() and rel["alpha_ci_upper"].isna().all()


def test_items_loadings_item_total_and_alpha_if_deleted(case):
    fx, _, report = case
    items = report.items
    theirs = pd.DataFrame(fx["standardized_loadings"]).set_index("rhs")
    assert sorted(items.index) == sorted(theirs.index)
    assert_allclose(items["loading"], theirs["est.std"].reindex(items.index), atol=ATOL)
    assert_allclose(items["loading_se"], theirs["se"].reindex(items.index), rtol=RTOL_SE)
    for source in ("lavcor", "psych_polychoric"):
        r_drop = by_item(fx, source, "r_drop")
        alpha_drop = by_item(fx, source, "alpha_drop")
        assert sorted(r_drop.index) == sorted(items.index)
        assert_allclose(items["r_drop"], r_drop.reindex(items.index), atol=ATOL)
        assert_allclose(items["alpha_if_deleted"], alpha_drop.reindex(items.index), atol=ATOL)


def test_fornell_larcker_from_the_wlsmv_cfa(case):
    fx, _, report = case
    table = report.fornell_larcker
    cor = matrix(fx["cor_lv"])
    assert list(table.index) == list(cor.index)
    off = ~np.eye(len(cor), dtype=bool)
    assert_allclose(table.to_numpy()[off], cor.to_numpy()[off], atol=ATOL)
    ave = pd.DataFrame(fx["formula"]).T["ave"].reindex(table.index)
    assert_allclose(np.diag(table.to_numpy()), np.sqrt(ave.to_numpy()), atol=ATOL)


@pytest.mark.parametrize("kind", ["htmt", "htmt2"])
def test_htmt_on_polychoric_correlations_as_semtools(case, kind):
    fx, data, report = case
    theirs = matrix(fx[kind])  # semTools::htmt(model, data, ordered = items)
    off = ~np.eye(len(theirs), dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        direct = validity.htmt(data, fx["constructs"], htmt2=kind == "htmt2", ordinal=True)
    for ours in (getattr(report, kind), direct):
        assert list(ours.index) == list(theirs.index)
        assert_allclose(ours.to_numpy()[off], theirs.to_numpy()[off], atol=ATOL)
        assert np.isnan(np.diag(ours.to_numpy())).all()


def test_harman_on_polychoric_correlations(case):
    fx, data, _ = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        h = validity.harman_single_factor(data, fx["constructs"], ordinal=True)
    assert h["n"] == fx["harman"]["n"]
    assert_allclose(h["first_eigenvalue"], fx["harman"]["first_eigenvalue"], atol=ATOL)
    assert_allclose(h["share"], fx["harman"]["share"], atol=ATOL)


def test_cfa_reliability_of_an_ordinal_fit(case):
    fx, data, _ = case
    cons = fx["constructs"]
    items = [i for v in cons.values() for i in v]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        res = fit_ordinal(specify(validity.cfa_model(cons)), data, ordered=items)
    rel = validity.cfa_reliability(res, cons)
    assert list(rel.index) == list(fx["omega"])
    assert_allclose(rel["omega"], pd.Series(fx["omega"]), atol=ATOL)
    assert_allclose(rel["omega_latent"], pd.Series(fx["omega_latent"]), atol=ATOL)
    assert_allclose(rel["ave_semtools"], pd.Series(fx["ave_semtools"]), atol=ATOL)


def test_removal_refits_the_wlsmv_cfa():
    fx = json.loads((FIXTURES / "ordinal_ecommerce.json").read_text(encoding="utf-8"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        report = validity.validate(
            ls.load_ecommerce(), ordinal=True, n_boot=0, run_efa=False, common_method=False
        )
    loy4 = report.removal.loc["LOY4"]
    assert_allclose(loy4["ave_after"], fx["without_loy4"]["ave"], atol=ATOL)
    assert_allclose(loy4["rho_c_after"], fx["without_loy4"]["rho_c"], atol=ATOL)
    # with polychoric correlations LOY's AVE is above .50 already: LOY4 is kept
    assert loy4["ave_before"] >= 0.5 and loy4["action"] == "keep"
    assert set(report.removal.index) == set(report.items.index[report.items["loading"] < 0.708])


def test_ordinal_report_says_what_is_still_pearson():
    hs5 = hs_cut(mixed=False)
    fx = json.loads((FIXTURES / "ordinal_holzinger_swineford_cut5.json").read_text("utf-8"))
    report = validity.validate(hs5, fx["constructs"], ordinal=True, n_boot=50, random_state=3)
    assert report.htmt_inference is not None
    assert report.htmt_inference.attrs["correlation"] == "pearson"
    pearson = validity.htmt(hs5, fx["constructs"])
    assert_allclose(
        report.htmt_inference.loc["visual~textual", "estimate"],
        pearson.loc["visual", "textual"],
        atol=1e-12,
    )
    note = next(n for n in report.notes if n.startswith("ordinal=True"))
    for part in ("ordinal alpha", "categorical omega", "rho_A", "HTMT bootstrap", "EFA"):
        assert part in note
    summary = report.summary()
    assert "WLSMV" in summary and "bootstrap of the Pearson HTMT" in summary
    v = report.verdicts
    cfi = v[v["criterion"] == "cfi"].iloc[0]
    assert cfi["subject"] == "CFA (WLSMV, scaled)"
    assert_allclose(cfi["value"], fx["fit_measures"]["cfi.scaled"], atol=ATOL)
    harman = report.common_method.loc["harman_share", "value"]
    assert_allclose(harman, fx["harman"]["share"], atol=ATOL)


def test_single_item_construct_has_its_variance_fixed_as_lavaan_with_speed_1_speed():
    name = "holzinger_swineford_single_item"
    fx = json.loads((FIXTURES / f"ordinal_{name}.json").read_text(encoding="utf-8"))
    cons = {k: v if isinstance(v, list) else [v] for k, v in fx["constructs"].items()}
    assert cons["speed"] == ["x7"] and "speed ~~ 1*speed" in fx["model"]
    data = hs_cut(mixed=False)[[f"x{i}" for i in range(1, 8)]]
    report = validity.validate(
        data, cons, ordinal=True, n_boot=0, run_efa=False, common_method=False
    )
    assert report.cfa.provenance.n == fx["nobs"] and not report.cfa.warnings
    items = report.items
    theirs = pd.DataFrame(fx["standardized_loadings"]).set_index("rhs")
    assert sorted(items.index) == sorted(theirs.index)
    assert_allclose(items["loading"], theirs["est.std"].reindex(items.index), atol=ATOL)
    assert_allclose(items["loading_se"], theirs["se"].reindex(items.index), atol=1e-8)
    cor = matrix(fx["cor_lv"])
    off = ~np.eye(len(cor), dtype=bool)
    assert_allclose(report.fornell_larcker.to_numpy()[off], cor.to_numpy()[off], atol=ATOL)
    rel = report.reliability
    formula = pd.DataFrame(fx["formula"]).T
    assert_allclose(rel["rho_c"], formula["rho_c"].reindex(rel.index), atol=ATOL)
    assert_allclose(rel["ave"], formula["ave"].reindex(rel.index), atol=ATOL)
    # semTools drops the single-item construct (dropSingle = TRUE); ours is 1 by
    # construction (y* is the construct), as the ML CFA's zero residual variance gives
    multi = [c for c in cons if len(cons[c]) > 1]
    assert list(fx["omega"]) == multi
    assert_allclose(rel.loc[multi, "omega"], pd.Series(fx["omega"]), atol=ATOL)
    assert rel.loc["speed", "omega"] == pytest.approx(1.0, abs=1e-12)
    assert np.isnan(rel.loc["speed", "alpha"])
    assert any(n.startswith("speed: one item (x7)") for n in report.notes)


def test_polychoric_htmt_bootstrap_is_seeded_and_recomputes_the_polychorics():
    fx = json.loads((FIXTURES / "ordinal_holzinger_swineford_cut5.json").read_text("utf-8"))
    cons, data = fx["constructs"], hs_cut(mixed=False)
    a = validity.htmt_bootstrap(data, cons, n_boot=20, random_state=5, ordinal=True)
    b = validity.htmt_bootstrap(data, cons, n_boot=20, random_state=5, ordinal=True)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["correlation"] == "polychoric" and a.attrs["n_failed"] == 0
    theirs = matrix(fx["htmt"])  # the estimate is semTools::htmt(..., ordered = items)
    assert_allclose(a.loc["visual~speed", "estimate"], theirs.loc["visual", "speed"], atol=ATOL)
    # one draw by hand: the polychoric HTMT of the resampled rows
    rows = np.random.default_rng(0).integers(0, len(data), size=(1, len(data)))
    one = validity.htmt_bootstrap(data, cons, indices=rows, ordinal=True)
    by_hand = validity.htmt(data.iloc[rows[0]].reset_index(drop=True), cons, ordinal=True)
    assert_allclose(one.loc["textual~speed", "boot_mean"], by_hand.loc["textual", "speed"])
    report = validity.validate(
        data,
        cons,
        ordinal=True,
        n_boot=20,
        random_state=5,
        run_efa=False,
        common_method=False,
        boot_polychoric=True,
    )
    assert report.htmt_inference.attrs["correlation"] == "polychoric"
    pd.testing.assert_frame_equal(report.htmt_inference, a)
    assert "bootstrap of the Polychoric HTMT" in report.summary()
    assert not any("bootstraps the Pearson" in n for n in report.notes)


def test_categorical_omega_closed_form():
    # two binary items at the median: the numerator and denominator are sums of
    # asin(r) / (2 pi) terms (Sheppard); R: semTools:::omegaCat(...) = 0.5531543026
    r = np.array([[1.0, 0.56], [0.56, 1.0]])
    value = validity.categorical_omega([0.8, 0.7], 1.0, [[0.0], [0.0]], r)
    true = np.array([[0.64, 0.56], [0.56, 0.49]])
    num = np.sum(np.arcsin(true)) / (2 * np.pi)
    den = np.sum(np.arcsin(r)) / (2 * np.pi)
    assert_allclose(value, num / den, atol=1e-12)
    assert_allclose(value, 0.5531543026, atol=1e-9)


# ---------------------------------------------------------------------------- bad input
def test_single_category_item_is_a_typed_error_naming_it():
    data = hs_cut(mixed=False)
    data["x2"] = 3.0
    cons = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"]}
    with pytest.raises(SurveyDataError, match="single value") as err:
        validity.validate(data, cons, ordinal=True, n_boot=0, run_efa=False)
    assert err.value.column == "x2"
    assert "ordinal=False" in err.value.fix and "drop the item" in err.value.fix


def test_more_than_twenty_categories_is_a_typed_error_naming_it():
    data = hs_cut(mixed=False)
    data["x5"] = np.arange(len(data)) % 25 + 1.0
    cons = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"]}
    with pytest.raises(SurveyDataError, match="more than 20") as err:
        validity.validate(data, cons, ordinal=True, n_boot=0, run_efa=False)
    assert err.value.column == "x5"
    assert "ordinal=False" in err.value.fix


def test_category_emptied_by_listwise_deletion_is_a_typed_error_naming_it():
    data = hs_cut(mixed=False)
    data.loc[0, "x2"] = 9.0  # the only 9, in a row that misses x5
    data.loc[0, "x5"] = np.nan
    cons = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"]}
    with pytest.raises(SurveyDataError, match="no answers left") as err:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MissingDataWarning)
            validity.validate(data, cons, ordinal=True, n_boot=0, run_efa=False)
    assert err.value.column == "x2" and "'9'" in str(err.value.found)
    assert "merge the rare category" in err.value.fix and "pairwise" not in err.value.fix


def test_continuous_scores_are_refused_under_ordinal():
    hs = ls.load_holzinger_swineford()  # test scores such as 3.333: not categories
    with pytest.raises(SurveyDataError) as err:
        validity.validate(hs, ordinal=True, n_boot=0, run_efa=False)
    assert err.value.column == "x1"
    assert "ordinal=False" in err.value.fix
