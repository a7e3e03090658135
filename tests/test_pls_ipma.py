"""IPMA (loyaltysem.pls.ipma), issue 16 item 6.

No published IPMA output is in the repository (SmartPLS's IPMA needs the GUI; seminr has
none; cSEM is not installed and uses observed bounds). The tests check the definition of
Ringle & Sarstedt (2016) computed independently here — performance from the rescaled items
and rescaled unstandardized weights; importance as the *standardized* total effect from
``pls()``'s path matrix times the ratio of the rescaled scores' standard deviations (the
module regresses the rescaled scores instead: a different code path) — on the corporate
reputation model of the Hair et al. Primer (corp_rep_data, -99 mean-replaced), and a
hand-checkable case.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from loyaltysem.datasets import load_corp_rep
from loyaltysem.errors import ModelSpecError, SurveyDataError
from loyaltysem.pls import pls
from loyaltysem.pls.ipma import IPMAResult, ipma

HERE = Path(__file__).parent
MM = {
    "COMP": ["comp_1", "comp_2", "comp_3"],
    "LIKE": ["like_1", "like_2", "like_3"],
    "CUSA": ["cusa"],
    "CUSL": ["cusl_1", "cusl_2", "cusl_3"],
}
SM = "CUSA ~ COMP + LIKE\nCUSL ~ COMP + LIKE + CUSA"


@pytest.fixture(scope="module")
def survey():
    return load_corp_rep()


@pytest.fixture(scope="module")
def res(survey):
    return pls(survey, MM, SM, missing="mean")


def _by_formula(result, lo=1.0, hi=7.0):
    """Ringle & Sarstedt (2016), written out with pandas from the public result."""
    items = [i for v in MM.values() for i in v]
    xr = (result.data[items] - lo) / (hi - lo) * 100
    perf_items = xr.mean()
    rescaled = {}
    lv = {}
    for c, its in MM.items():
        u = result.weights.loc[its, c] / xr[its].std(ddof=1)
        rescaled[c] = u / u.sum()
        lv[c] = xr[its] @ rescaled[c]
    lv = pd.DataFrame(lv)
    names = list(MM)
    b = result.paths.loc[names, names].to_numpy()
    total_std = np.linalg.inv(np.eye(len(names)) - b) - np.eye(len(names))
    t = names.index("CUSL")
    sd = lv.std(ddof=1)
    importance = {c: total_std[i, t] * sd["CUSL"] / sd[c] for i, c in enumerate(names) if i != t}
    return lv.mean(), perf_items, rescaled, importance


def test_corp_rep_model_against_the_formula(survey, res):
    out = ipma(res, "CUSL", scale=survey)
    assert isinstance(out, IPMAResult)
    lv_perf, item_perf, rescaled, importance = _by_formula(res)
    assert list(out.constructs.index) == ["COMP", "LIKE", "CUSA"]
    for c in out.constructs.index:
        assert out.constructs.loc[c, "importance"] == pytest.approx(importance[c], abs=1e-10)
        assert out.constructs.loc[c, "performance"] == pytest.approx(lv_perf[c], abs=1e-10)
    assert out.target_performance == pytest.approx(lv_perf["CUSL"], abs=1e-10)
    for item, row in out.items.iterrows():
        w = rescaled[row["construct"]][item]
        assert row["weight"] == pytest.approx(w, abs=1e-12)
        assert row["performance"] == pytest.approx(item_perf[item], abs=1e-10)
        assert row["importance"] == pytest.approx(w * importance[row["construct"]], abs=1e-10)
    assert out.items.groupby("construct")["weight"].sum().to_numpy() == pytest.approx(1.0)
    # the codebook's 1-7 bounds and explicit bounds give the same map
    explicit = ipma(res, "CUSL", scale=(1, 7))
    pd.testing.assert_frame_equal(out.constructs, explicit.constructs)
    per_item = {i: (1, 7) for v in MM.values() for i in v}
    pd.testing.assert_frame_equal(out.items, ipma(res, "CUSL", scale=per_item).items)
    assert "Importance-performance map" in out.summary()
    assert "<table" in out._repr_html_()


def test_hand_checkable_case():
    # X -> Y, one item each on a 1-5 scale: weights 1; x rescaled 0, 25, 50, 75, 100 (mean
    # 50); y rescaled 25, 25, 75, 75, 100 (mean 60); the slope of y on x is
    # cov/var = 2.0/2.5 = 0.8 on either scale (same range)
    data = pd.DataFrame({"x": [1.0, 2, 3, 4, 5], "y": [2.0, 2, 4, 4, 5]})
    res = pls(data, {"X": ["x"], "Y": ["y"]}, "Y ~ X")
    out = ipma(res, "Y", scale=(1, 5))
    assert out.constructs.loc["X", "importance"] == pytest.approx(0.8, abs=1e-12)
    assert out.constructs.loc["X", "performance"] == pytest.approx(50.0, abs=1e-12)
    assert out.target_performance == pytest.approx(60.0, abs=1e-12)
    assert out.items.loc["x", "importance"] == pytest.approx(0.8, abs=1e-12)
    # on 0-10 bounds x = 1..5 is 10..50 points (mean 30); y shrinks by the same factor, so
    # importance stays 0.8
    wide = ipma(res, "Y", scale=(0, 10))
    assert wide.constructs.loc["X", "performance"] == pytest.approx(30.0, abs=1e-12)
    assert wide.constructs.loc["X", "importance"] == pytest.approx(0.8, abs=1e-12)


def test_two_mediators_total_effect_is_direct_plus_indirect(res, survey):
    out = ipma(res, "CUSL", scale=survey)
    # unstandardized paths from the rescaled scores: total = direct + via CUSA
    _, _, rescaled, _ = _by_formula(res)
    items = [i for v in MM.values() for i in v]
    xr = (res.data[items] - 1) / 6 * 100
    lv = pd.DataFrame({c: xr[its] @ rescaled[c] for c, its in MM.items()})

    def ols(y, xs):
        design = np.column_stack([np.ones(len(lv)), lv[xs].to_numpy()])
        return dict(
            zip(xs, np.linalg.lstsq(design, lv[y].to_numpy(), rcond=None)[0][1:], strict=True)
        )

    cusa = ols("CUSA", ["COMP", "LIKE"])
    cusl = ols("CUSL", ["COMP", "LIKE", "CUSA"])
    for c in ("COMP", "LIKE"):
        total = cusl[c] + cusa[c] * cusl["CUSA"]
        assert out.constructs.loc[c, "importance"] == pytest.approx(total, abs=1e-10)


def test_performance_within_0_100_and_bootstrap(res, survey):
    out = ipma(res, "CUSL", scale=survey, n_boot=40, random_state=5)
    for table in (out.constructs, out.items):
        assert table["performance"].between(0, 100).all()
        assert table["performance_lower"].between(0, 100).all()
        assert (table["importance_lower"] <= table["importance_upper"]).all()
        assert (table["performance_lower"] <= table["performance_upper"]).all()
    assert out.n_boot == 40 and out.status.ok
    # reproducible, and independent of n_jobs (one seed per draw)
    two = ipma(res, "CUSL", scale=survey, n_boot=40, random_state=5, n_jobs=2)
    pd.testing.assert_frame_equal(out.constructs, two.constructs, check_exact=True)
    pd.testing.assert_frame_equal(out.items, two.items, check_exact=True)
    # the point estimates do not depend on the bootstrap
    plain = ipma(res, "CUSL", scale=survey)
    pd.testing.assert_series_equal(out.constructs["importance"], plain.constructs["importance"])


def test_reverse_keyed_item_is_flipped_or_refused(res, survey):
    data = res.data.copy()
    data["like_2"] = 8 - data["like_2"]  # as exported, before reverse-coding
    flipped_res = pls(data, MM, SM)
    assert (flipped_res.weights.loc["like_2", "LIKE"] < 0) or (
        flipped_res.weights.loc[["like_1", "like_3"], "LIKE"] < 0
    ).any()
    with pytest.raises(ModelSpecError, match="positive outer weights") as err:
        ipma(flipped_res, "CUSL", scale=(1, 7))
    assert err.value.column in {"like_1", "like_2", "like_3"}
    assert "reverse=[" in str(err.value)
    fixed = ipma(flipped_res, "CUSL", scale=(1, 7), reverse=["like_2"])
    original = ipma(res, "CUSL", scale=(1, 7))
    np.testing.assert_allclose(fixed.constructs, original.constructs, rtol=0, atol=1e-9)
    assert bool(fixed.bounds.loc["like_2", "reversed"])
    assert any("like_2" in note for note in fixed.notes)


def test_figure(res, survey):
    out = ipma(res, "CUSL", scale=survey, n_boot=10, random_state=1)
    fig = out.figure()
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Importance (unstandardized total effect on CUSL)"
    assert {t.get_text() for t in ax.texts} == {"COMP", "LIKE", "CUSA"}
    items = out.figure("items")
    assert len(items.axes[0].texts) == len(out.items)
    with pytest.raises(ModelSpecError, match="level"):
        out.figure("paths")


def test_bad_input(res, survey):
    with pytest.raises(ModelSpecError, match="scale bounds") as err:
        ipma(res, "CUSL")
    assert "scale=(1, 7)" in str(err.value)
    with pytest.raises(ModelSpecError, match="no scale bounds") as err:
        ipma(res, "CUSL", scale={"comp_1": (1, 7)})
    assert err.value.column == "comp_2"
    with pytest.raises(SurveyDataError, match="outside the scale bounds") as err:
        ipma(res, "CUSL", scale=(2, 7))
    with pytest.raises(ModelSpecError, match="max > min"):
        ipma(res, "CUSL", scale=(7, 1))
    with pytest.raises(ModelSpecError, match="not a construct"):
        ipma(res, "LOY", scale=survey)
    with pytest.raises(ModelSpecError, match="no predecessors"):
        ipma(res, "COMP", scale=survey)
    with pytest.raises(ModelSpecError, match="not in the model"):
        ipma(res, "CUSL", scale=survey, reverse=["LOY4"])
    with pytest.raises(ModelSpecError, match="n_boot"):
        ipma(res, "CUSL", scale=survey, n_boot=-1)
