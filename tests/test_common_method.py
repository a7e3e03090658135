"""Common-method checks and validity verdicts never judge an improper solution (issue 11).

An improper solution (no convergence, a Heywood case, a singular information matrix) makes
the verdicts that rest on it "not assessable", with the reason taken from the fit's own
status (``SEMResult.converged`` and ``SEMResult.warnings``).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.measurement import validity

CFA_CRITERIA = {
    "omega", "rho_c", "rho_c_max", "ave", "fornell_larcker", "loading",
    "cfi", "tli", "rmsea", "srmr",
}  # fmt: skip


@pytest.fixture(scope="module")
def ecommerce_report():
    return validity.validate(ls.load_ecommerce(), n_boot=0, run_efa=False)


def heywood_frame() -> pd.DataFrame:
    """Six standard-normal items with an exact correlation matrix whose construct A needs a
    loading above 1: r(a1, a2) = r(a1, a3) = .85, r(a2, a3) = .60 gives a1 a standardized
    loading of sqrt(.85 * .85 / .60) = 1.097 and a negative residual variance."""
    r = np.eye(6)
    r[:3, :3] = [[1, 0.85, 0.85], [0.85, 1, 0.6], [0.85, 0.6, 1]]
    r[3:, 3:] = [[1, 0.6, 0.6], [0.6, 1, 0.6], [0.6, 0.6, 1]]
    r[:3, 3:] = r[3:, :3] = 0.2
    z = np.random.default_rng(3).standard_normal((400, 6))
    z -= z.mean(axis=0)
    whiten = np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False, bias=True)))
    z = z @ whiten.T @ np.linalg.cholesky(r).T
    return pd.DataFrame(z, columns=["a1", "a2", "a3", "b1", "b2", "b3"])


HEYWOOD_CONSTRUCTS = {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]}


def test_bundled_survey_clf_is_not_assessable_singular_information(ecommerce_report):
    # the issue: delta chi-square 0, p = 1 with a singular information matrix was judged
    cm = ecommerce_report.common_method
    assert cm.loc["clf_delta_chisq", "value"] == pytest.approx(0.0, abs=1e-6)
    # p of a chi-square near 0 on 1 df moves as its square root: .999998 at 7.5e-12;
    # design.md section 4 tolerance for p-values
    assert cm.loc["clf_p_value", "value"] == pytest.approx(1.0, abs=1e-4)
    v = ecommerce_report.verdicts
    clf = v[v["criterion"] == "clf"]
    assert len(clf) == 1
    row = clf.iloc[0]
    assert row["status"] == "not assessable"
    assert not row["met"]
    # the information at m = 0 is singular to rounding (smallest eigenvalue 2 to 4 eps of the
    # largest): refused before inversion, or inverted to a vcov that is not positive
    # definite; either way the model is said not to be identified
    assert row["reason"].startswith(
        (
            "CFA with the common latent factor: the information matrix is singular",
            "CFA with the common latent factor: the covariance matrix of the estimates (vcov) "
            "is not positive definite",
        )
    )
    assert "not be identified" in row["reason"]
    assert cm.loc["clf_p_value", "reason"] == row["reason"]
    assert cm.loc["harman_share", "reason"] == ""
    # Harman's share rests on no model: it keeps its verdict (0.291 < .50)
    harman = v[v["criterion"] == "harman"].iloc[0]
    assert harman["status"] == "met" and harman["met"]
    assert harman["value"] == pytest.approx(0.290663433, abs=1e-8)


def test_bundled_survey_other_verdicts_unchanged(ecommerce_report):
    v = ecommerce_report.verdicts
    assert list(v.columns) == [
        "criterion", "subject", "value", "threshold", "met", "status", "reason", "source",
    ]  # fmt: skip
    # the base CFA is proper: its verdicts are assessable; met agrees with status
    assert (v["met"] == (v["status"] == "met")).all()
    assert set(v["status"]) == {"met", "not met", "not assessable"}
    assert (v["status"] == "not assessable").sum() == 1
    assert (v["status"] == "not met").sum() == 8
    assert (v.loc[v["status"] != "not assessable", "reason"] == "").all()
    text = ecommerce_report.summary()
    assert "1 not assessable" in text
    assert "Criteria not assessable" in text


def test_heywood_case_makes_cfa_verdicts_not_assessable():
    report = validity.validate(heywood_frame(), HEYWOOD_CONSTRUCTS, n_boot=0, run_efa=False)
    assert any(
        "negative variance estimate (Heywood case): a1 ~~ a1" in w for w in report.cfa.warnings
    )
    v = report.verdicts
    on_cfa = v[v["criterion"].isin(CFA_CRITERIA)]
    assert len(on_cfa) == 2 * 5 + 6 + 4  # omega, rho_c, rho_c_max, ave, FL; loadings; fit
    assert (on_cfa["status"] == "not assessable").all()
    assert not on_cfa["met"].any()
    assert on_cfa["reason"].str.startswith("CFA: negative variance estimate (Heywood case)").all()
    # a1's loading would have "met" the .708 rule with a value above 1: no verdict now
    a1 = on_cfa[(on_cfa["criterion"] == "loading") & (on_cfa["subject"] == "a1")].iloc[0]
    assert a1["value"] > 1.0
    # verdicts that rest on no CFA keep theirs
    rest = v[~v["criterion"].isin(CFA_CRITERIA | {"clf"})]
    assert (rest["status"] != "not assessable").all()
    assert rest.set_index(["criterion", "subject"]).loc[("alpha", "A"), "met"]
    clf = v[v["criterion"] == "clf"].iloc[0]
    assert clf["status"] == "not assessable"
    assert "CFA without it: negative variance estimate (Heywood case): a1 ~~ a1" in clf["reason"]


def test_common_latent_factor_reports_its_improper_solutions():
    eco = ls.load_ecommerce()
    clf = validity.common_latent_factor(eco, eco.constructs)
    assert not clf.assessable
    assert "not be identified" in clf.reason  # a singular information (see above)
    hs = ls.load_holzinger_swineford()
    clf_hs = validity.common_latent_factor(hs, hs.constructs)
    # HS: the method factor takes over 'visual' with latent correlations beyond 1
    assert not clf_hs.assessable
    assert "covariance matrix of the latent variables is not positive definite" in clf_hs.reason
    heywood = validity.common_latent_factor(heywood_frame(), HEYWOOD_CONSTRUCTS)
    assert not heywood.assessable
    assert "Heywood case" in heywood.reason


def test_wave_2_boundary_and_non_convergence_are_not_assessable():
    # wave 2 as loaded: the CLF fit stops after 1000 iterations with a chi-square above the
    # CFA's (delta chi-square -3.0): no verdict
    raw = ls.load_ecommerce(wave=2)
    clf = validity.common_latent_factor(raw, raw.constructs)
    assert clf.delta_chisq < -3.0
    assert not clf.assessable
    assert "did not converge after 1000 iterations" in clf.reason
    # wave 2 cleaned: the optimizer stops a hair from m = 0 and the near-singular
    # information is inverted (SEs in the millions): the boundary, said in words
    clean = raw.clean()
    clf = validity.common_latent_factor(clean, clean.constructs)
    assert clf.result.converged and clf.delta_chisq == pytest.approx(0.0, abs=1e-8)
    est = clf.result.estimates
    assert (est.loc[(est["lhs"] == "CMF") & (est["op"] == "=~"), "se"] > 1e5).all()
    assert not clf.assessable
    assert "shared method loading is at its boundary" in clf.reason
    # waves 1 and 3: a small but proper method factor keeps its verdict
    wave1 = ls.load_ecommerce(wave=1)
    clf = validity.common_latent_factor(wave1, wave1.constructs)
    assert clf.assessable and clf.reason == ""
    assert clf.delta_chisq == pytest.approx(1.062, abs=1e-3)


def test_improper_reasons_reads_the_fit_status():
    hs = ls.load_holzinger_swineford()
    proper = ls.fit(validity.cfa_model(hs.constructs), hs)
    assert validity.improper_reasons(proper) == ()
    stalled = SimpleNamespace(converged=False, warnings=("120 rows were excluded",))
    assert validity.improper_reasons(stalled) == ("the optimizer did not converge",)
    said = (
        "the optimizer did not converge after 500 iterations: the estimates are not to be trusted"
    )
    assert validity.improper_reasons(SimpleNamespace(converged=False, warnings=(said,))) == (said,)
    listwise = SimpleNamespace(converged=True, warnings=("166 of 1225 rows ... excluded",))
    assert validity.improper_reasons(listwise) == ()


def test_undefined_statistic_is_not_assessable():
    rows: list[dict] = []
    validity._verdict(rows, "alpha", "X", float("nan"), True)
    validity._verdict(rows, "alpha", "Y", 0.8, True)
    validity._verdict(rows, "alpha", "Z", 0.6, False)
    assert [r["status"] for r in rows] == ["not assessable", "met", "not met"]
    assert [r["met"] for r in rows] == [False, True, False]
    assert rows[0]["reason"] == "the statistic is undefined (NaN)"
