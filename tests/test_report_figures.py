"""Figures (loyaltysem.report.figures): the drawn numbers are the result's numbers.

Every check reads the matplotlib artists back (bar widths and offsets, the heatmap arrays,
the interval segments, the bar heights, the framed cells, the printed texts) and compares
them with the result objects: the survey's answers, ``ls.missing_patterns`` and the
screening report, ``ls.validate``'s HTMT and its bootstrap inference, ``res.residuals``,
``ls.effects`` with a bootstrap, and ``ls.invariance``.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.ft2font import FT2Font
from matplotlib.patches import Rectangle
from numpy.testing import assert_allclose

import loyaltysem as ls
from loyaltysem import report
from loyaltysem.errors import LoyaltySemWarning, ReportError
from loyaltysem.report import figures as figures_module
from loyaltysem.report.diagrams import find_cjk_font
from loyaltysem.report.figures import (
    Figure,
    forest_figure,
    htmt_figure,
    invariance_figure,
    likert_figure,
    missing_figure,
    residual_figure,
)


@pytest.fixture(scope="module")
def survey():
    return ls.load_ecommerce()


@pytest.fixture(scope="module")
def fitted(survey):
    return ls.fit(ls.DEFAULT_MODEL, survey)


@pytest.fixture(scope="module")
def measurement(survey):
    return ls.validate(survey, n_boot=50, random_state=7, run_efa=False, common_method=False)


@pytest.fixture(scope="module")
def boot(survey, fitted):
    return ls.bootstrap(fitted, n_boot=40, data=survey, random_state=3)


@pytest.fixture(scope="module")
def invariance(survey):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LoyaltySemWarning)  # listwise deletion, tested elsewhere
        return ls.invariance(
            "REP =~ REP1 + REP2 + REP3\nTRU =~ TRU1 + TRU2 + TRU3", survey, "gender"
        )


@pytest.fixture(scope="module")
def heywood():
    # r_ab = r_ac = .8, r_bc = .3: a's residual variance is negative (as in test_status.py)
    names = ["a", "b", "c"]
    cov = pd.DataFrame(
        [[1.0, 0.8, 0.8], [0.8, 1.0, 0.3], [0.8, 0.3, 1.0]], index=names, columns=names
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LoyaltySemWarning)
        return ls.fit("f =~ a + b + c", sample_cov=cov, sample_nobs=200)


def _texts(fig: Figure) -> list[str]:
    out = [t.get_text() for t in fig.figure.texts]
    for ax in fig.figure.axes:
        out += [t.get_text() for t in ax.texts]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        legend = ax.get_legend()
        if legend is not None:
            out += [t.get_text() for t in legend.get_texts()]
    return out


def _frames(ax) -> dict[tuple[int, int], str]:
    """Framed heatmap cells (row, column) -> line style."""
    out = {}
    for p in ax.patches:
        if isinstance(p, Rectangle) and not p.get_fill():
            x, y = p.get_xy()
            out[(round(y + 0.5), round(x + 0.5))] = p.get_linestyle()
    return out


def _need_cjk():
    font = find_cjk_font()
    if font is None:  # .ci/run installs fonts-noto-cjk: a missing font is a failure there
        reason = "no CJK font found: apt-get install fonts-noto-cjk"
        pytest.fail(reason) if os.environ.get("CI") else pytest.skip(reason)
    return font


# --------------------------------------------------------------------------- Likert
def test_likert_bars_are_the_answer_shares_centred_on_the_neutral_answer(survey):
    fig = likert_figure(survey)
    ax = fig.axes[0]
    items = survey.codebook.item_names
    answers = survey.data[items]
    shares = pd.DataFrame(
        {p: (answers == p).sum() / answers.notna().sum() * 100 for p in range(1, 8)}
    )
    assert len(ax.containers) == 7  # one container per scale point, in scale order
    widths = np.array([[bar.get_width() for bar in c.patches] for c in ax.containers]).T
    assert_allclose(widths, shares.loc[items].to_numpy(), rtol=1e-12)
    lefts = np.array([c.patches[0].get_x() for c in ax.containers])
    rep1 = shares.loc["REP1"].to_numpy()
    assert_allclose(lefts[0], -(rep1[:3].sum() + rep1[3] / 2), rtol=1e-12)
    assert_allclose(lefts[-1] + rep1[-1], rep1[4:].sum() + rep1[3] / 2, rtol=1e-12)
    # grouped by construct: REP's items on top, LOY's at the bottom; wording after the code
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("REP1  People I know speak well") and labels[-1].startswith("LOY4")
    texts = _texts(fig)
    assert "Platform reputation (REP)" in texts and "Loyalty (LOY)" in texts
    assert "1 Strongly disagree" in texts and "7 Strongly agree" in texts
    # missing answers per item: the screening report's missing_pct
    screened = survey.screen().items
    shown = [t.get_text() for t in ax.texts if t.get_text().endswith("%")]
    assert shown == [f"{v:.1f}%" for v in screened.loc[items, "missing_pct"]]
    assert fig.data.loc[items, "missing"].tolist() == screened.loc[items, "missing"].tolist()
    assert "LOY4" in fig.caption and fig.status.ok


def test_likert_stacked_bars_add_to_100_and_items_can_be_picked(survey):
    fig = likert_figure(survey, items=["SAT1", "TRU2"], style="stacked", wording=False)
    ax = fig.axes[0]
    ends = np.array([c.patches[-1].get_x() + c.patches[-1].get_width() for c in ax.containers])
    assert_allclose(ends[-1], 100.0)
    assert [c.patches[0].get_x() for c in ax.containers][:1] == [0.0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["SAT1", "TRU2"]  # as picked


def test_likert_in_chinese_uses_the_codebook_wordings_and_value_labels(survey):
    font = _need_cjk()
    fig = likert_figure(survey, lang="zh", items=["REP1", "TRU1"])
    cb = survey.codebook
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0] == f"REP1  {cb.item('REP1').text_zh}"
    texts = _texts(fig)
    assert f"{cb.constructs['TRU'].label_zh} (TRU)" in texts
    assert "1 非常不同意" in texts and fig.title == "各题项的作答分布"
    chars = {c for t in texts for c in t if ord(c) > 0x2E80}
    cmap = FT2Font(str(font)).get_charmap()
    assert chars and sorted(c for c in chars if ord(c) not in cmap) == []


def test_without_a_cjk_font_a_warning_and_codes(survey, measurement, monkeypatch):
    monkeypatch.setattr(figures_module, "find_cjk_font", lambda: None)
    with pytest.warns(LoyaltySemWarning, match="apt-get install fonts-noto-cjk"):
        fig = likert_figure(survey, lang="zh", items=["REP1"])
    assert fig.lang == "en" and "Platform reputation (REP)" not in _texts(fig)
    with pytest.warns(LoyaltySemWarning, match="fonts-noto-cjk"):
        fig = htmt_figure(measurement, lang="zh")
    assert not any(ord(c) > 0x2E80 for t in _texts(fig) for c in t)


# --------------------------------------------------------------------------- missing
def test_missing_patterns_matrix_and_margins_are_the_results(survey):
    patterns = ls.missing_patterns(survey)
    fig = missing_figure(patterns, max_patterns=12)
    ax = fig.axes[0]
    items = survey.codebook.item_names
    drawn = ax.images[0].get_array()
    assert_allclose(np.asarray(drawn), patterns.table[items].iloc[:12].to_numpy(float))
    left = [t.get_text() for t in ax.get_yticklabels()]
    counts = patterns.table["n"].iloc[:12].tolist()
    assert left == [f"{c} ({100 * c / patterns.n:.1f}%)" for c in counts]
    right = [int(t.get_text()) for t in ax.texts if t.get_rotation() == 0]
    assert right == patterns.table["n_missing"].iloc[:12].tolist()
    bottom = [int(t.get_text()) for t in ax.texts if t.get_rotation() == 90]
    assert bottom == survey.screen().items.loc[items, "missing"].tolist()
    rest = patterns.table.iloc[12:]
    assert f"{len(rest)} rarer patterns ({int(rest['n'].sum())} respondents)" in fig.caption
    assert f"{patterns.n_complete} of {patterns.n} respondents" in fig.caption


def test_missing_figure_says_so_when_nothing_is_missing():
    frame = pd.DataFrame({"x": [1, 2, 3], "y": [2, 3, 4]})
    fig = missing_figure(ls.missing_patterns(frame))
    assert "No missing data: all 3 respondents answered all 2 items." in _texts(fig)
    assert not fig.axes[0].images


# --------------------------------------------------------------------------- HTMT
def test_htmt_heatmap_values_ci_bounds_and_threshold_cells(measurement):
    fig = htmt_figure(measurement, threshold=0.58)
    ax = fig.axes[0]
    htmt = measurement.htmt
    names = list(htmt.columns)
    k = len(names)
    grid = ax.images[0].get_array()
    lower = np.tril(np.ones((k, k), bool), -1)
    assert_allclose(np.asarray(grid)[lower], htmt.to_numpy()[lower], rtol=1e-12)
    assert np.ma.getmaskarray(grid)[~lower].all()
    inf = measurement.htmt_inference
    # printed: value without leading zero, the upper bound in brackets
    value, upper = htmt.loc["TRU", "REP"], inf.loc["REP~TRU", "ci_upper"]
    expected = f"{value:.2f}".removeprefix("0") + "\n[" + f"{upper:.2f}".removeprefix("0") + "]"
    assert expected in [t.get_text() for t in ax.texts]
    frames = _frames(ax)
    above = {(i, j) for i in range(k) for j in range(i) if htmt.iloc[i, j] > 0.58}
    assert above == {(i, j) for (i, j), ls_ in frames.items() if ls_ == "-"}
    assert {(names[i], names[j]) for i, j in above} == {
        ("TRU", "REP"), ("LOY", "SAT")  # TRU–LOY is .5795: just below
    }  # fmt: skip
    upper = {
        (i, j)
        for i in range(k)
        for j in range(i)
        if inf.loc[f"{names[j]}~{names[i]}", "ci_upper"] >= 0.58 and (i, j) not in above
    }
    assert upper == {(i, j) for (i, j), ls_ in frames.items() if ls_ != "-"}
    assert len(upper) > 0
    assert "(50 draws)" in fig.caption


def test_htmt_marks_from_the_reports_own_tests_at_85(measurement, survey):
    fig = htmt_figure(measurement, codebook=survey)  # every HTMT here is clearly below .85
    assert _frames(fig.axes[0]) == {}
    inf = measurement.htmt_inference
    assert (~fig.data["not_below"]).tolist() == [
        bool(inf.loc[f"{c}~{r}", "below_0.85"])
        for r, c in zip(fig.data["row"], fig.data["column"], strict=True)
    ]
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks[-1] == survey.codebook.constructs["LOY"].label == "Loyalty"


# --------------------------------------------------------------------------- residuals
def test_residual_heatmap_is_the_fits_residual_correlations(fitted):
    fig = residual_figure(fitted, threshold=0.05)
    ax = fig.axes[0]
    resid = fitted.residuals("cor")
    k = resid.shape[0]
    lower = np.tril(np.ones((k, k), bool), -1)
    assert_allclose(np.asarray(ax.images[0].get_array())[lower], resid.to_numpy()[lower])
    flagged = {(i, j) for i in range(k) for j in range(i) if abs(resid.iloc[i, j]) > 0.05}
    assert set(_frames(ax)) == flagged and len(flagged) == int(fig.data["flagged"].sum()) > 0
    # the default rule: |r| > .10 (Kline); none in the bundled model
    default = residual_figure(fitted)
    assert _frames(default.axes[0]) == {} and (resid.abs().to_numpy()[lower] <= 0.10).all()
    assert "Kline, 2016" in default.caption and f"N = {fitted.provenance.n}" in default.caption


def test_standardized_residuals_marked_at_196(fitted):
    fig = residual_figure(fitted, kind="standardized")
    z = fitted.residuals("standardized")
    k = z.shape[0]
    flagged = {(i, j) for i in range(k) for j in range(i) if abs(z.iloc[i, j]) > 1.96}
    assert set(_frames(fig.axes[0])) == flagged


def test_an_improper_fit_is_shown_in_red(heywood):
    assert not heywood.status.ok
    fig = residual_figure(heywood)
    assert fig.improper and fig.status is heywood.status
    red = [t.get_text() for t in fig.figure.texts if t.get_color() == "red"]
    assert any("inadmissible: a ~~ a = -1.128" in t for t in red)
    assert "Heywood case" in fig.caption and "WARNING" in fig.caption
    assert "improper" in repr(fig)


# --------------------------------------------------------------------------- forest
def test_forest_intervals_are_the_bootstrap_intervals(fitted, boot):
    eff = ls.effects(fitted, boot)
    fig = forest_figure(eff, boot, result=fitted)
    ax = fig.axes[0]
    tab = eff.table
    rows = []
    for (s, t), pair in tab.groupby(["source", "target"], sort=False):
        if not ((eff.mediation["source"] == s) & (eff.mediation["target"] == t)).any():
            continue
        spec = pair[pair["kind"] == "specific"]
        ind = pair[pair["kind"] == "indirect"] if len(spec) > 1 else pair.iloc[:0]
        rows.append(pd.concat([spec, ind, pair[pair["kind"] == "total"]]))
    want = pd.concat(rows)
    segments = next(c for c in ax.collections if isinstance(c, LineCollection)).get_segments()
    lo = [s[0][0] for s in segments]
    hi = [s[1][0] for s in segments]
    assert_allclose(lo, want["boot_ci_lower"].to_numpy(), rtol=1e-12)
    assert_allclose(hi, want["boot_ci_upper"].to_numpy(), rtol=1e-12)
    ys = [s[0][1] for s in segments]
    points = {}
    for line in ax.lines:
        for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True):
            if not np.isclose(x, 0.0) or len(line.get_xdata()) != 2:
                points[y] = x
    assert_allclose([points[y] for y in ys], want["est"].to_numpy(), rtol=1e-12)
    zero = [ln for ln in ax.lines if list(ln.get_xdata()) == [0, 0]]
    assert len(zero) == 1
    assert "percentile bootstrap" in fig.caption and "40 draws (40 successful)" in fig.caption
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "REP → TRU → SAT" and "REP → LOY (total indirect)" in labels


def test_forest_without_bootstrap_draws_delta_intervals_and_standardized_needs_one(fitted, boot):
    eff = ls.effects(fitted)
    fig = forest_figure(eff, kinds=["total"])
    seg = next(c for c in fig.axes[0].collections if isinstance(c, LineCollection))
    totals = eff.table[eff.table["kind"] == "total"]
    first = totals[(totals["source"] == "REP") & (totals["target"] == "SAT")].iloc[0]
    assert_allclose(seg.get_segments()[0][:, 0], [first["ci_lower"], first["ci_upper"]])
    assert "delta-method" in fig.caption
    with pytest.raises(ReportError, match="standardized intervals come from a bootstrap"):
        forest_figure(eff, standardized=True)
    std = forest_figure(ls.effects(fitted, boot), boot, standardized=True, kinds=["specific"])
    spec = ls.effects(fitted, boot).table.query("kind == 'specific'")
    seg = next(c for c in std.axes[0].collections if isinstance(c, LineCollection))
    assert_allclose(seg.get_segments()[0][:, 0], spec[["std_boot_ci_lower", "std_boot_ci_upper"]]
                    .iloc[0].to_numpy())  # fmt: skip


def test_forest_of_an_improper_fit_says_so(fitted, heywood):
    eff = dataclasses.replace(ls.effects(fitted), status=heywood.status)
    fig = forest_figure(eff)
    assert fig.improper
    assert any(t.get_color() == "red" and "inadmissible" in t.get_text() for t in fig.figure.texts)


# --------------------------------------------------------------------------- invariance
def test_invariance_bars_are_the_ladders_changes_with_chen_cutoffs(invariance):
    fig = invariance_figure(invariance)
    tab = invariance.table
    steps = tab.iloc[1:]
    cfi_ax, rmsea_ax = fig.axes
    assert_allclose([b.get_height() for b in cfi_ax.patches], steps["delta_cfi"], rtol=1e-12)
    assert_allclose([b.get_height() for b in rmsea_ax.patches], steps["delta_rmsea"], rtol=1e-12)
    cuts = [[ln.get_ydata()[0] for ln in ax.lines if ln.get_linestyle() == "--"] for ax in fig.axes]
    assert cuts == [[-0.010], [0.015]]
    ticks = [t.get_text() for t in cfi_ax.get_xticklabels()]
    p = f"{steps['p_delta'].iloc[0]:.3f}".removeprefix("0")
    assert ticks[0] == f"configural → metric\np = {p}\n{steps['decision'].iloc[0]}"
    assert not any(b.get_hatch() for ax in fig.axes for b in ax.patches)  # nothing fails
    assert "Chen, 2007" in fig.caption


def test_invariance_failing_steps_are_marked(invariance):
    table = invariance.table.copy()
    table.loc["scalar", "delta_cfi"] = -0.0125  # fails ΔCFI ≥ −.010
    table.loc["metric", "delta_rmsea"] = 0.0151  # fails ΔRMSEA ≤ .015
    table.loc["strict", "delta_cfi"] = -0.0100  # at the cut-off: passes
    fig = invariance_figure(dataclasses.replace(invariance, table=table))
    cfi_ax, rmsea_ax = fig.axes
    assert [bool(b.get_hatch()) for b in cfi_ax.patches] == [False, True, False]
    assert [bool(b.get_hatch()) for b in rmsea_ax.patches] == [True, False, False]
    assert fig.data["cfi_fails"].tolist() == [False, True, False]


def test_invariance_in_chinese(invariance):
    _need_cjk()
    fig = invariance_figure(invariance, lang="zh")
    assert fig.data["step"].iloc[0] == "形态 → 弱（载荷）"
    assert fig.title == "测量不变性：各步骤的拟合变化" and "Chen, 2007" in fig.caption


# --------------------------------------------------------------------------- common
def test_save_and_svg(survey, tmp_path):
    fig = missing_figure(survey, max_patterns=5, number=3)
    assert isinstance(fig.figure.canvas, FigureCanvasAgg)
    root = ET.fromstring(fig.to_svg())
    assert root.tag.endswith("svg")
    for suffix in (".svg", ".png", ".pdf"):
        out = fig.save(tmp_path / f"f{suffix}")
        assert out.stat().st_size > 1000
    ET.parse(tmp_path / "f.svg")
    assert fig.figure.texts[0].get_text() == "Figure 3"
    with pytest.raises(ReportError, match=r"\.svg, \.png or \.pdf"):
        fig.save(tmp_path / "f.jpg")


def test_exported_from_the_report_wing():
    assert report.Figure is Figure
    for name in ("likert", "missing", "htmt", "residual", "forest", "invariance"):
        assert f"{name}_figure" in report.__all__


@pytest.mark.parametrize(
    ("func", "given"),
    [
        (likert_figure, 42),
        (missing_figure, "survey.csv"),
        (htmt_figure, pd.DataFrame()),
        (residual_figure, [1, 2]),
        (forest_figure, None),
        (invariance_figure, {"table": 1}),
    ],
)
def test_a_wrong_input_type_names_what_was_given(func, given):
    with pytest.raises(ReportError) as err:
        func(given)
    text = str(err.value)
    assert type(given).__name__ in text and "expected" in text and "fix" in text


def test_wrong_results_and_options_raise_report_errors(survey, fitted, measurement):
    with pytest.raises(ReportError, match="SEMResult"):
        htmt_figure(fitted)
    with pytest.raises(ReportError, match="MeasurementReport"):
        residual_figure(measurement)
    with pytest.raises(ReportError, match="screening report"):
        likert_figure(survey.screen())
    with pytest.raises(ReportError, match="unknown figure language"):
        residual_figure(fitted, lang="fr")
    with pytest.raises(ReportError, match="unknown items"):
        likert_figure(survey, items=["REP9"])
    with pytest.raises(ReportError, match="unknown kind of effect"):
        forest_figure(ls.effects(fitted), kinds=["mediated"])
    with pytest.raises(ReportError, match="unknown kind of residual"):
        residual_figure(fitted, kind="raw")


def test_residuals_of_one_group_of_a_multigroup_fit(survey):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LoyaltySemWarning)  # listwise deletion, tested elsewhere
        res = ls.fit("TRU =~ TRU1 + TRU2 + TRU3\nSAT =~ SAT1 + SAT2 + SAT3", survey, group="gender")
    fig = residual_figure(res, group="male")
    resid = res.residuals("male", "cor")
    lower = np.tril(np.ones(resid.shape, bool), -1)
    assert_allclose(np.asarray(fig.axes[0].images[0].get_array())[lower], resid.to_numpy()[lower])
    assert "Group: male." in fig.caption
    with pytest.raises(ReportError, match="one group of a multi-group result"):
        residual_figure(res)
