"""One status for every result (issue 12, item 3).

Each improper solution gets the right status (converged, admissible, identified), the
reasons naming the parameter or items, a warning of the library's category pointing at
the caller's line (this file), and the status first in ``summary()`` and HTML; results
built on an improper fit (invariance, validate, bootstrap, compare) say so.
"""

from __future__ import annotations

import json
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import loyaltysem as ls
from loyaltysem.datasets import load_frame
from loyaltysem.errors import (
    ConvergenceError,
    ConvergenceWarning,
    HeywoodWarning,
    IdentificationWarning,
    LoyaltySemWarning,
    SurveyDataError,
)
from loyaltysem.measurement import validity
from loyaltysem.status import KINDS, Status, classify, quiet, warn_status

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _record(func, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = func(*args, **kwargs)
    return out, [w for w in caught if issubclass(w.category, LoyaltySemWarning)]


def _heywood_cov() -> pd.DataFrame:
    # r_ab = r_ac = .8, r_bc = .3: the loading of a is sqrt(.8 * .8 / .3) > 1, so the
    # residual variance of a is negative (1 - 2.13) in this just-identified model
    names = ["a", "b", "c"]
    return pd.DataFrame(
        [[1.0, 0.8, 0.8], [0.8, 1.0, 0.3], [0.8, 0.3, 1.0]], index=names, columns=names
    )


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return load_frame("holzinger_swineford")


# ------------------------------------------------------------------------ fit()
def test_a_heywood_case_is_inadmissible_warned_at_the_callers_line():
    res, caught = _record(ls.fit, "f =~ a + b + c", sample_cov=_heywood_cov(), sample_nobs=200)
    theta_a = (1 - 0.8 * 0.8 / 0.3) * 199 / 200  # -1.1277
    status = res.status
    assert status is res._status  # classified where fit_partable found it
    assert (status.converged, status.admissible, status.identified, status.ok) == (
        True, False, True, False,
    )  # fmt: skip
    assert status.reasons == (f"negative variance estimate (Heywood case): a ~~ a = {theta_a:.4g}",)
    assert status.kinds == ("admissibility",)
    assert status.label == "converged; inadmissible: a ~~ a = -1.128"
    assert [w.category for w in caught] == [HeywoodWarning]
    assert caught[0].filename == __file__
    assert str(caught[0].message) == status.reasons[0]
    # shown first: the summary's first line after the title, and first in the HTML
    lines = res.summary().splitlines()
    assert lines[2] == "status: converged; inadmissible: a ~~ a = -1.128"
    html = res._repr_html_()
    assert html.index("status: converged; inadmissible") < html.index("estimator: ML")
    assert "converged,inadmissible,identified" in repr(res)


def test_a_proper_fit_is_ok_and_silent(hs):
    res, caught = _record(ls.fit, HS_MODEL, hs)
    assert res.status == Status(reasons=(), kinds=())
    assert res.status.ok and res.status.label == "converged, admissible, identified"
    assert caught == []
    assert res.status.to_dict() == {
        "converged": True,
        "admissible": True,
        "identified": True,
        "ok": True,
        "label": "converged, admissible, identified",
        "reasons": [],
    }
    frame = res.status.to_frame()
    assert frame.to_dict("list") == {
        "check": ["converged", "admissible", "identified"],
        "passed": [True, True, True],
        "reason": ["", "", ""],
    }


def test_non_convergence_gives_a_convergence_warning_at_the_callers_line(hs, monkeypatch):
    import loyaltysem.sem.engine as engine

    real = engine.optimize  # the one optimizer, stopped after two iterations
    monkeypatch.setattr(engine, "optimize", lambda k, x0: real(k, x0, max_iter=2))
    res, caught = _record(ls.fit, HS_MODEL, hs)
    assert not res.status.converged and not res.status.ok
    assert res.status.problems("convergence") == (
        "the optimizer did not converge after 2 iterations: the estimates are not to be trusted",
    )
    assert res.status.label.startswith("NOT converged")
    assert ConvergenceWarning in [w.category for w in caught]
    assert all(w.filename == __file__ for w in caught)
    assert "NOT_converged" in repr(res)
    assert res.summary().splitlines()[2].startswith("status: NOT converged")


def test_a_singular_information_matrix_is_not_identified(hs):
    # two orthogonal factors on the same nine items: rotations of one another
    items = " + ".join(f"x{i}" for i in range(1, 10))
    res, caught = _record(ls.fit, f"f1 =~ {items}\nf2 =~ {items}", hs, orthogonal=True)
    status = res.status
    assert status.converged and not status.identified
    assert status.label == "converged; NOT identified: singular information matrix"
    assert status.problems("identification") == (
        "the information matrix is singular and could not be inverted: the model may not be "
        "identified; standard errors are not available",
    )
    assert [w.category for w in caught] == [IdentificationWarning]
    assert caught[0].filename == __file__
    row = status.to_frame().set_index("check").loc["identified"]
    assert not row["passed"] and "singular" in row["reason"]


def test_a_status_survives_replace_only_when_it_still_holds(hs):
    import dataclasses

    res = ls.fit(HS_MODEL, hs)
    stalled = dataclasses.replace(res, converged=False)
    assert not stalled.status.converged  # rebuilt from the flag, not the stale status
    assert validity.improper_reasons(stalled) == ("the optimizer did not converge",)


def _hs5(hs: pd.DataFrame) -> pd.DataFrame:
    """Holzinger-Swineford cut into quintiles (as tests/test_wlsmv.py and its R fixtures)."""
    out = {}
    for i in range(1, 10):
        v = hs[f"x{i}"].to_numpy()
        breaks = np.quantile(v, np.linspace(0.0, 1.0, 6))
        out[f"x{i}"] = np.clip(np.searchsorted(breaks, v, side="left"), 1, 5).astype(float)
    return pd.DataFrame(out)


def test_an_ordinal_heywood_case_is_classified_where_it_is_found(hs):
    # lavaan: "some estimated lv variances are negative" (tests/fixtures/estimation/
    # wlsmv_hs_second_order.json, the second-order CFA of the quintiles)
    model = HS_MODEL + "\ng =~ visual + textual + speed\nx2 ~~ x3"
    res, caught = _record(ls.fit, model, _hs5(hs), ordered=True)
    assert res.provenance.estimator == "WLSMV"
    assert res._status is not None and res.status is res._status  # classified at the source
    assert res.status.converged and not res.status.admissible and res.status.identified
    assert res.status.label.startswith("converged; inadmissible: visual ~~ visual = -")
    assert [w.category for w in caught] == [HeywoodWarning]
    assert caught[0].filename == __file__


# ------------------------------------------------------------- collinear items
def test_identical_columns_are_named_with_their_dependency(hs):
    data = hs.copy()
    data["x2"] = data["x1"]
    with pytest.raises(SurveyDataError) as err:
        ls.fit(HS_MODEL, data)
    assert err.value.reason == (
        "the sample covariance matrix is singular: x1 and x2 are perfectly collinear (x2 = x1)"
    )
    assert err.value.column == "x1"
    assert "drop one of x1, x2" in err.value.fix
    assert "lavaan refuses ML" in err.value.expected


def test_a_linear_combination_of_items_is_named(hs):
    data = hs.copy()
    data["x6"] = 2 * data["x4"] - data["x5"] + 1  # a score computed from two items
    with pytest.raises(SurveyDataError) as err:
        ls.fit(HS_MODEL, data)
    assert err.value.reason == (
        "the sample covariance matrix is singular: x4, x5 and x6 are perfectly collinear "
        "(x6 = 1 + 2*x4 - x5)"
    )


def test_collinear_items_within_a_group_are_named_with_the_group(hs):
    data = hs.copy()
    data["x2"] = data["x1"]
    with pytest.raises(SurveyDataError) as err:
        ls.fit_groups(HS_MODEL, data, "school")
    assert err.value.reason == (
        "the sample covariance matrix in group school = 'Pasteur' is singular: x1 and x2 are "
        "perfectly collinear (x2 = x1)"
    )


def test_nearly_but_not_perfectly_collinear_items_still_fit(hs):
    data = hs.copy()
    rng = np.random.default_rng(3)
    data["x2"] = data["x1"] + rng.normal(0, 0.05, len(data))
    res, _ = _record(ls.fit, HS_MODEL, data)
    assert res.provenance.n == 301


# ------------------------------------------------------------------ invariance
def _heywood_groups() -> pd.DataFrame:
    # a's loading is sqrt(.7 * .7 / .4) = 1.107 > 1 in both populations: a Heywood case at
    # every level of the ladder
    r = np.full((4, 4), 0.4)
    r[0, :] = r[:, 0] = 0.7
    np.fill_diagonal(r, 1.0)
    rng = np.random.default_rng(0)
    frames = []
    for region in ("north", "south"):
        x = rng.multivariate_normal(np.zeros(4), r, size=250)
        frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
        frame["region"] = region
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def test_invariance_with_a_heywood_case_at_every_level_says_so():
    inv, caught = _record(ls.invariance, "f =~ a + b + c + d", _heywood_groups(), "region")
    table = inv.table
    assert table["status"].str.startswith("improper: converged; inadmissible: ").all()
    assert table.loc["configural", "status"] == (
        "improper: converged; inadmissible: region = 'north': a ~~ a = -0.1665, "
        "region = 'south': a ~~ a = -0.1813"
    )
    assert table["reason"].str.contains("the fit of this level is improper").all()
    assert not inv.status.admissible and inv.status.converged
    assert len(inv.status.problems("admissibility")) == 8  # 4 levels x 2 groups
    assert inv.status.reasons[0] == (
        "configural: group region = 'north': negative variance estimate (Heywood case): "
        "a ~~ a = -0.1665"
    )
    lines = inv.summary().splitlines()
    assert lines[2].startswith("status: converged; inadmissible: configural: region = 'north'")
    assert sum(line.startswith("  - strict: group region") for line in lines) == 2
    # one warning for the ladder (the fits inside are quiet), at this file's line
    assert [w.category for w in caught] == [HeywoodWarning]
    assert caught[0].filename == __file__
    assert str(caught[0].message).startswith("invariance: configural: group region = 'north'")


def test_a_proper_ladder_is_fitted_and_ok(hs):
    inv, caught = _record(ls.invariance, HS_MODEL, hs, "school")
    assert (inv.table["status"] == "fitted").all() and inv.status.ok and caught == []
    assert inv.summary().splitlines()[2] == "status: converged, admissible, identified"


def test_fit_groups_warns_at_the_callers_line():
    res, caught = _record(ls.fit_groups, "f =~ a + b + c + d", _heywood_groups(), "region")
    assert not res.status.admissible
    assert res.status is res._status  # classified where _fit_table found the problems
    assert res.status.kinds == ("admissibility", "admissibility")
    assert [w.category for w in caught] == [HeywoodWarning]
    assert caught[0].filename == __file__
    assert res.summary().splitlines()[2].startswith("status: converged; inadmissible:")


# -------------------------------------------------------------------- validate
def _seven_respondents() -> tuple[pd.DataFrame, dict[str, list[str]]]:
    sv = ls.load_ecommerce()
    cons = {"REP": ["REP1", "REP2", "REP3"], "SEC": ["SEC1", "SEC2", "SEC3"]}
    items = [i for v in cons.values() for i in v]
    return sv.data[items].dropna().iloc[42:49], cons


def test_validate_on_seven_respondents_reports_no_reliability_from_a_heywood_cfa():
    frame, cons = _seven_respondents()
    report, caught = _record(
        ls.validate, frame, constructs=cons, n_boot=0, run_efa=False, common_method=False
    )
    assert report.cfa.provenance.n == 7
    assert report.status == report.cfa.status
    assert report.status.label == (
        "converged; inadmissible: REP1 ~~ REP1 = -0.1021, SEC ~~ SEC = -0.02537"
    )
    rel = report.reliability
    assert rel[["omega", "rho_c", "ave"]].isna().all().all()  # NaN, never a number > 1
    assert rel.loc["REP", "reason"] == (
        "CFA inadmissible: negative variance estimate (Heywood case): REP1 ~~ REP1 = -0.1021; "
        "rho_a = 1.03 above 1: not a reliability"
    )
    assert rel.loc["SEC", "reason"] == (
        "CFA inadmissible: negative variance estimate (Heywood case): SEC ~~ SEC = -0.02537"
    )
    assert np.isnan(rel.loc["REP", "rho_a"])  # rho_A (PLS weights) of 1.03: not a number either
    assert_allclose(rel.loc["SEC", "rho_a"], 0.3671, atol=1e-4)
    assert not (rel[["omega", "rho_c", "rho_a", "ave"]] > 1).any().any()
    on_cfa = report.verdicts[report.verdicts["criterion"].isin(["omega", "rho_c", "ave"])]
    assert (on_cfa["status"] == "not assessable").all()
    lines = report.summary().splitlines()
    assert lines[2].startswith("status: CFA converged; inadmissible: REP1 ~~ REP1")
    assert any("REP: reliabilities not reported: CFA inadmissible" in n for n in report.notes)
    assert [w.category for w in caught] == [HeywoodWarning]
    assert caught[0].filename == __file__
    assert str(caught[0].message).startswith("validate: the CFA: negative variance estimate")


def test_reliabilities_above_one_are_never_numbers():
    # the numbers (omega 1.67, rho_c 2.22, AVE 2.94) on a CFA said to be proper
    rel = pd.DataFrame(
        {"omega": [1.67, 0.81], "rho_c": [2.22, 0.83], "rho_a": [0.9, 1.2], "ave": [2.94, 0.55]},
        index=["TRU", "SAT"],
    )
    cfa = SimpleNamespace(status=Status())
    out = validity._undefined_on_improper(rel, cfa, {"TRU": ["T1"], "SAT": ["S1"]})
    assert out.loc["TRU", ["omega", "rho_c", "ave"]].isna().all()
    assert out.loc["TRU", "reason"] == (
        "omega = 1.67, rho_c = 2.22, ave = 2.94 above 1: not a reliability (an improper solution)"
    )
    assert_allclose(out.loc["SAT", ["omega", "rho_c", "ave"]].to_numpy(float), [0.81, 0.83, 0.55])
    assert np.isnan(out.loc["SAT", "rho_a"])
    assert out.loc["SAT", "reason"] == "rho_a = 1.2 above 1: not a reliability"
    assert out.loc["TRU", "rho_a"] == 0.9
    assert list(rel.columns) == ["omega", "rho_c", "rho_a", "ave"]  # the input is not changed


def test_a_non_converged_cfa_leaves_every_construct_without_cfa_reliability():
    rel = pd.DataFrame({"omega": [0.8, 0.7], "rho_c": [0.8, 0.7], "ave": [0.5, 0.4]}, ["A", "B"])
    cfa = SimpleNamespace(status=Status.from_reasons([("convergence", "did not converge")]))
    out = validity._undefined_on_improper(rel, cfa, {"A": ["a1"], "B": ["b1"]})
    assert out[["omega", "rho_c", "ave"]].isna().all().all()
    assert (out["reason"] == "CFA NOT converged").all()


# ------------------------------------------------------------------- bootstrap
def test_bootstrap_of_a_non_converged_fit_raises_convergence_error(hs, monkeypatch):
    import loyaltysem.sem.engine as engine

    real = engine.optimize  # the one optimizer, stopped after two iterations
    monkeypatch.setattr(engine, "optimize", lambda k, x0: real(k, x0, max_iter=2))
    res, _ = _record(ls.fit, HS_MODEL, hs)
    monkeypatch.undo()
    with pytest.raises(ConvergenceError) as err:
        ls.bootstrap(res, 10, data=hs, random_state=1)
    text = str(err.value)
    assert text.startswith("the model to bootstrap did not converge")
    assert "found: NOT converged (after 2 iterations)" in text
    assert "fix: make the fit converge first" in text
    assert isinstance(err.value, ValueError) and isinstance(err.value, ls.LoyaltySemError)


def test_bootstrap_of_an_inadmissible_fit_carries_its_status():
    data = _heywood_groups().drop(columns="region")
    res, _ = _record(ls.fit, "f =~ a + b + c + d", data)
    assert not res.status.admissible
    boot, caught = _record(ls.bootstrap, res, 20, data=data, random_state=1)
    assert not boot.status.admissible
    assert boot.status.problems() == res.status.problems()
    assert (boot.n_ok, boot.n_failed, boot.n_inadmissible) == (20, 0, 20)
    assert boot.status.problems_notes() == (
        "20 of 20 bootstrap draws used have a negative variance estimate (inadmissible; "
        "kept, as lavaan keeps them)",
    )
    assert (
        boot.summary()
        .splitlines()[2]
        .startswith("status of the fit bootstrapped: converged; inadmissible: a ~~ a =")
    )
    assert [w.category for w in caught] == [HeywoodWarning]
    assert caught[0].filename == __file__


def test_a_proper_bootstrap_is_ok(hs):
    res = ls.fit(HS_MODEL, hs)
    boot, caught = _record(ls.bootstrap, res, 10, data=hs, random_state=1)
    assert boot.status.problems() == () and boot.status.ok
    assert caught == []


# --------------------------------------------------------------------- compare
def test_compare_says_when_a_model_is_improper():
    data = _heywood_groups().drop(columns="region")
    one, _ = _record(ls.fit, "f =~ a + b + c + d", data)
    two, _ = _record(ls.fit, "f =~ a + b + c + d\nb ~~ c", data)
    cmp, caught = _record(ls.compare, two, one, names=["with", "without"])
    assert list(cmp.table["status"]) == [two.status.outcome, one.status.outcome]
    assert cmp.table.loc["without", "status"].startswith("improper: converged; inadmissible:")
    assert not cmp.status.admissible
    assert cmp.status.reasons[-1].startswith("without: negative variance estimate")
    assert cmp.summary().splitlines()[2].startswith("status: converged; inadmissible:")
    assert [w.category for w in caught] == [HeywoodWarning]
    assert caught[0].filename == __file__


# --------------------------------------------------------------- Status itself
def test_combine_and_labels():
    heywood = "negative variance estimate (Heywood case): TRU2 ~~ TRU2 = -0.031"
    stalled = "the optimizer did not converge after 10000 iterations: the estimates are not"
    bad = Status.from_warnings(False, [stalled, heywood, "12 rows were excluded"])
    assert bad.kinds == ("convergence", "admissibility", "note")
    assert bad.label == "NOT converged; inadmissible: TRU2 ~~ TRU2 = -0.031"
    assert bad.outcome == "not converged"
    assert bad.problems_notes() == ("12 rows were excluded",)
    both = Status.combine({"metric": Status(), "scalar": bad})
    assert (both.converged, both.admissible, both.identified) == (False, False, True)
    assert both.reasons[1] == f"scalar: {heywood}"
    assert both.label == "NOT converged; inadmissible: scalar: TRU2 ~~ TRU2 = -0.031"
    table = Status().annotate(pd.DataFrame({"est": [1.0, 2.0]}))
    assert table["status"].tolist() == ["converged, admissible, identified"] * 2
    with pytest.raises(ValueError, match="kind must be one of"):
        Status.from_reasons([("heywood", "x")])


def test_quiet_silences_warn_status():
    bad = Status(admissible=False, reasons=("negative variance (Heywood case): a ~~ a = -1",))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with quiet():
            warn_status(bad)
        warn_status(bad, "here: ")
    assert [str(w.message) for w in caught] == [
        "here: negative variance (Heywood case): a ~~ a = -1"
    ]
    assert caught[0].filename == __file__


_REASON = st.tuples(st.sampled_from(KINDS), st.text(min_size=1, max_size=40))


@given(st.lists(_REASON, max_size=8), st.booleans())
def test_a_status_is_consistent_with_its_reasons(pairs, converged):
    status = Status.from_reasons(pairs, converged=converged)
    kinds = [k for k, _ in pairs]
    assert status.admissible == ("admissibility" not in kinds)
    assert status.identified == ("identification" not in kinds)
    assert status.ok == (converged and status.admissible and status.identified)
    assert status.label.startswith("converged" if converged else "NOT converged")
    assert (status.label == "converged, admissible, identified") == status.ok
    frame = status.to_frame()
    assert list(frame.columns) == ["check", "passed", "reason"]
    assert (frame.loc[frame["check"] == "note", "reason"].tolist()) == [
        r for k, r in pairs if k == "note"
    ]
    assert set(frame["check"]) >= {"converged", "admissible", "identified"}
    assert status.to_dict()["reasons"] == [{"kind": k, "reason": r} for k, r in pairs]
    assert json.loads(json.dumps(status.to_dict())) == status.to_dict()  # JSON-safe
    assert Status.combine([status]) == status


@given(st.text(max_size=80))
def test_classify_gives_a_known_kind(text):
    assert classify(text) in KINDS


def test_effects_show_the_status_of_the_fit_they_come_from():
    cov = _heywood_cov().assign(y=[0.5, 0.4, 0.4]).T.assign(y=[0.5, 0.4, 0.4, 1.0]).T
    res, _ = _record(ls.fit, "f =~ a + b + c\ny ~ f", sample_cov=cov, sample_nobs=200)
    eff = ls.effects(res)
    assert eff.status == res.status and not eff.status.ok
    assert eff.summary().splitlines()[2] == f"status: {res.status.label}"
    assert "inadmissible" in repr(eff)
    fine = ls.effects(ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce()))
    assert fine.status.ok and fine.summary().splitlines()[2].startswith("status: converged")
