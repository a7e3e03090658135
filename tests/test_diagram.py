"""Path diagrams (loyaltysem.report.diagrams): geometry, numbers, DOT, Chinese, groups, status.

Geometry is checked on what matplotlib drew: the window extents of every node patch, every text
inside a node and every coefficient label, measured by the Agg renderer; no two node or label
boxes may intersect, and no edge may pass through a node other than its two ends. Numbers are
compared with ``res.estimates`` (``std_all``, ``pvalue``) and ``res.r2`` at the shown precision.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.ft2font import FT2Font

import loyaltysem as ls
from loyaltysem.errors import HeywoodWarning, LoyaltySemWarning, ReportError
from loyaltysem.report import diagrams as diagram_module
from loyaltysem.report.diagrams import diagram, find_cjk_font, format_coef

FIXTURES = Path(__file__).parent / "fixtures" / "estimation"


@pytest.fixture(scope="module")
def ecommerce():
    s = ls.load_ecommerce()
    return s, ls.fit(ls.DEFAULT_MODEL, s)


@pytest.fixture(scope="module")
def ecsi():
    s = ls.load_mobi()
    return s, ls.fit(ls.ECSI_MODEL, s)


@pytest.fixture(scope="module")
def poldem():
    syntax = json.loads((FIXTURES / "poldem_sem.json").read_text(encoding="utf-8"))["provenance"][
        "model_syntax"
    ]
    return ls.fit(syntax, ls.load_political_democracy())


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def assert_clean_geometry(d) -> None:
    renderer = d.figure.canvas.get_renderer()
    d.figure.draw(renderer)
    nodes = []
    for name, patch, texts in d.node_artists:
        box = patch.get_window_extent(renderer)
        for t in texts:  # a node's own text stays inside it
            inner = t.get_window_extent(renderer)
            assert box.x0 <= inner.x0 and inner.x1 <= box.x1, (name, t.get_text())
            assert box.y0 <= inner.y0 and inner.y1 <= box.y1, (name, t.get_text())
        nodes.append((name, box))
    labels = [(t.get_text(), t.get_window_extent(renderer)) for t in d.label_texts]
    assert all(lab for lab, _ in labels)
    boxes = nodes + labels
    clashes = [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes, 2) if _overlap(ba, bb)]
    assert clashes == []
    # no edge passes through a node other than its ends (geometry in inches)
    for e in d.edges:
        for n in d.nodes.values():
            if n.name in (e.source, e.target):
                continue
            inside = [n.contains(x, y) for x, y in e.points]
            assert not any(inside), (e.source, e.target, n.name)


def assert_numbers(d, res) -> None:
    est = res.estimates
    shown = sorted(t.get_text() for t in d.label_texts)
    expected = []
    for e in d.edges:
        if e.kind == "loading":
            row = est[(est.op == "=~") & (est.lhs == e.source) & (est.rhs == e.target)]
        elif e.kind == "regression":
            row = est[(est.op == "~") & (est.lhs == e.target) & (est.rhs == e.source)]
        else:
            row = est[
                (est.op == "~~")
                & (
                    ((est.lhs == e.source) & (est.rhs == e.target))
                    | ((est.lhs == e.target) & (est.rhs == e.source))
                )
            ]
        assert len(row) == 1
        value, p = float(row.std_all.iloc[0]), float(row.pvalue.iloc[0])
        text = e.label
        number = float(text.rstrip("*").replace("−", "-").replace("-.", "-0."))
        assert number == pytest.approx(round(value, 2), abs=1e-9)
        stars = len(text) - len(text.rstrip("*"))
        assert stars == (
            0 if np.isnan(p) else 3 if p < 0.001 else 2 if p < 0.01 else 1 if p < 0.05 else 0
        )
        expected.append(text)
    assert shown == sorted(expected)
    for name, node in d.nodes.items():
        if node.r2:
            assert node.r2[0] == pytest.approx(res.r2[name])


def test_default_model_layout_numbers_and_dot(ecommerce):
    s, res = ecommerce
    d = diagram(res, codebook=s)
    assert len(d.nodes) == 9 + 29
    kinds = pd.Series([e.kind for e in d.edges]).value_counts().to_dict()
    assert kinds == {"loading": 29, "covariance": 15, "regression": 9}
    assert_clean_geometry(d)
    assert_numbers(d, res)
    # causal order left to right; exogenous indicators to the left, LOY's to the right
    x = {n: d.nodes[n].x for n in d.nodes}
    assert x["REP"] == x["ASS"] < x["TRU"] < x["SAT"] < x["LOY"]
    assert x["REP1"] < x["REP"] and x["LOY1"] > x["LOY"]
    assert d.nodes["TRU1"].y > d.nodes["TRU"].y  # a middle column fans above or below
    assert d.nodes["TRU"].label == "Trust"
    # values spelled out: the TRU -> LOY path and R² of TRU
    row = res.estimates.query("op == '~' and lhs == 'LOY' and rhs == 'TRU'").iloc[0]
    assert d.edge_label("TRU", "LOY") == f"{row.std_all:.2f}"[1:] + "***" == ".37***"
    assert format_coef(res.r2["TRU"]) == ".52"
    r2_texts = [t.get_text() for n, _, ts in d.node_artists if n == "TRU" for t in ts]
    assert r2_texts == ["Trust", "R² = .52"]
    assert not d.improper and d.title == "Path diagram"
    assert "N = 1059, ML" in d.caption

    dot = d.to_dot()
    assert dot.startswith("digraph sem {") and dot.rstrip().endswith("}")
    assert dot.count("{") == dot.count("}") == 1
    statements = [line.strip() for line in dot.splitlines()[1:-1]]
    assert all(line.endswith(";") for line in statements)
    node_re = re.compile(
        r'^"([^"]+)" \[shape=(ellipse|box), label="((?:[^"\\]|\\.)*)", pos="[-\d.]+,[-\d.]+!"\];$'
    )
    edge_re = re.compile(
        r'^"([^"]+)" -> "([^"]+)" \[label="([^"]*)"'
        r"(, dir=both, style=dashed, constraint=false)?\];$"
    )
    nodes = [m.groups() for m in map(node_re.match, statements) if m]
    edges = [m.groups() for m in map(edge_re.match, statements) if m]
    assert len(nodes) == 38 and len(edges) == 53
    assert len(nodes) + len(edges) + 2 == len(statements)  # + rankdir and node defaults
    assert sum(1 for n in nodes if n[1] == "ellipse") == 9
    assert sum(1 for e in edges if e[3]) == 15
    assert ("TRU", "LOY", ".37***", None) in edges
    assert {n[0] for n in nodes} >= {a for e in edges for a in e[:2]}


def test_default_model_structural_only_and_without_loadings(ecommerce):
    _s, res = ecommerce
    d = diagram(res, structural_only=True)
    assert len(d.nodes) == 9 and {e.kind for e in d.edges} == {"regression", "covariance"}
    assert d.nodes["TRU"].label == "TRU"  # no codebook: codes
    assert_clean_geometry(d)
    assert_numbers(d, res)
    d = diagram(res, loadings=False, covariances=False)
    assert len(d.label_texts) == 9 and len(d.nodes) == 38
    assert_clean_geometry(d)


def test_ecsi_model_on_mobi(ecsi):
    s, res = ecsi
    d = diagram(res, codebook=s)
    assert len(d.nodes) == 7 + 24
    assert_clean_geometry(d)
    assert_numbers(d, res)
    assert d.nodes["Quality"].label == "Perceived quality"
    x = {n: d.nodes[n].x for n in d.nodes}
    assert x["Image"] < x["Expectation"] < x["Quality"] < x["Value"] < x["Satisfaction"]
    assert x["Satisfaction"] < x["Complaints"] < x["Loyalty"]


def test_political_democracy(poldem):
    d = diagram(poldem)
    assert len(d.nodes) == 14 and len(d.edges) == 11 + 3
    assert d.not_drawn == 6 and "6 residual covariances of indicators not drawn" in d.caption
    assert_clean_geometry(d)
    assert_numbers(d, poldem)
    assert d.edge_label("ind60", "dem60") == format_coef(
        poldem.estimates.query("op == '~' and lhs == 'dem60' and rhs == 'ind60'").std_all.iloc[0],
        1e-9,
    )


def test_chinese_diagram_uses_a_font_that_covers_every_character(ecommerce, tmp_path):
    s, res = ecommerce
    font = find_cjk_font()
    if font is None:  # .ci/run installs fonts-noto-cjk: a missing font is a failure there
        reason = "no CJK font found: apt-get install fonts-noto-cjk"
        pytest.fail(reason) if os.environ.get("CI") else pytest.skip(reason)
    d = diagram(res, codebook=s, lang="zh")
    assert d.nodes["TRU"].label == s.codebook.constructs["TRU"].label_zh == "信任"
    assert d.title == "路径图"
    texts = [t for _, _, ts in d.node_artists for t in ts] + d.label_texts + d.figure.texts
    chars = {c for t in texts for c in t.get_text() if not c.isspace()}
    assert any(ord(c) > 0x4E00 for c in chars)
    files = {t.get_fontproperties().get_file() for t in texts}
    assert files == {str(font)}
    cmap = FT2Font(str(font)).get_charmap()
    assert sorted(c for c in chars if ord(c) not in cmap) == []
    assert_clean_geometry(d)
    out = d.save(tmp_path / "zh.svg")
    assert out.stat().st_size > 10_000


def test_without_a_cjk_font_a_warning_and_codes(ecommerce, monkeypatch):
    s, res = ecommerce
    monkeypatch.setattr(diagram_module, "find_cjk_font", lambda: None)
    with pytest.warns(LoyaltySemWarning, match="fonts-noto-cjk"):
        d = diagram(res, codebook=s, lang="zh", structural_only=True)
    assert d.nodes["TRU"].label == "TRU" and d.title == "Path diagram"


def test_multigroup_panels_and_labels(ecommerce):
    s, _ = ecommerce
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LoyaltySemWarning)  # listwise deletion, tested elsewhere
        res = ls.fit(ls.DEFAULT_MODEL, s, group="gender")
    d = diagram(res, structural_only=True)
    assert d.panels == ("female", "male") and len(d.figure.axes) == 2
    assert [ax.get_title() for ax in d.figure.axes] == ["Group: female", "Group: male"]
    assert len(d.label_texts) == 2 * len(d.edges)
    assert_clean_geometry(d)
    est = res.estimates
    row = est.query("op == '~' and lhs == 'LOY' and rhs == 'TRU'")
    by_group = dict(zip(row.group_label, zip(row.std_all, row.pvalue, strict=True), strict=True))
    drawn = [t.get_text() for t in d.label_texts]
    n = len(d.edges)
    i = next(k for k, e in enumerate(d.edges) if (e.source, e.target) == ("TRU", "LOY"))
    assert drawn[i] == format_coef(*by_group["female"])
    assert drawn[n + i] == format_coef(*by_group["male"])
    r2 = res.r2.xs("male", level=0)["TRU"]
    assert d.nodes["TRU"].r2[1] == pytest.approx(r2)

    d = diagram(res, structural_only=True, multigroup="labels")
    assert len(d.figure.axes) == 1
    assert d.edge_label("TRU", "LOY") == " / ".join(
        format_coef(*by_group[g]) for g in ("female", "male")
    )
    assert_clean_geometry(d)

    d = diagram(res, structural_only=True, group="male")
    assert d.edge_label("TRU", "LOY") == format_coef(*by_group["male"])


def test_an_improper_result_says_so_in_red():
    names = ["a", "b", "c"]
    cov = pd.DataFrame([[1, 0.8, 0.8], [0.8, 1, 0.3], [0.8, 0.3, 1]], index=names, columns=names)
    with pytest.warns(HeywoodWarning):
        res = ls.fit("f =~ a + b + c", sample_cov=cov, sample_nobs=200)
    d = diagram(res)
    assert d.improper and d.title.startswith("Improper solution: ")
    title = next(t for t in d.figure.texts if t.get_text() == d.title)
    assert title.get_color() == "red"
    assert "Heywood" in d.caption
    assert d.to_dot().splitlines()[3].startswith('  label="Improper solution')
    assert d.edge_label("f", "a").startswith("1.")  # a standardized loading above 1 stays visible


def test_caller_layout_and_saving(ecommerce, tmp_path):
    _, res = ecommerce
    places = {
        "REP": (0, 6),
        "SEC": (0, 4),
        "SQ": (0, 2),
        "PQ": (0, 0),
        "PRI": (0, -2),
        "ASS": (0, -4),
        "TRU": (5, 4),
        "SAT": (5, -2),
        "LOY": (10, 1),
    }
    d = diagram(res, structural_only=True, layout=places)
    assert {n: (g.x, g.y) for n, g in d.nodes.items()} == places
    for suffix in (".svg", ".png", ".pdf"):
        path = d.save(tmp_path / f"d{suffix}")
        assert path.stat().st_size > 1000
    assert (tmp_path / "d.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_bad_input_names_what_is_accepted(ecommerce, tmp_path):
    _, res = ecommerce
    with pytest.raises(ReportError, match="SEMResult or MultiGroupResult"):
        diagram(res.fit_table())
    with pytest.raises(ReportError, match="one group"):
        diagram(res, group="female")
    with pytest.raises(ReportError, match=r"'en' or 'zh'"):
        diagram(res, lang="fr")
    with pytest.raises(ReportError, match=r"missing.*'LOY'"):
        diagram(res, structural_only=True, layout={"TRU": (0, 0)})
    d = diagram(res, structural_only=True)
    with pytest.raises(ReportError, match=r"\.svg, \.png or \.pdf"):
        d.save(tmp_path / "d.jpg")
    with pytest.raises(ReportError, match="no such edge"):
        d.edge("LOY", "REP")


def test_format_coef():
    assert format_coef(0.004, 0.2) == ".00"
    assert format_coef(-0.004) == ".00"
    assert format_coef(-0.256, 0.009) == "−.26**"
    assert format_coef(0.999) == "1.00"
    assert format_coef(float("nan")) == "NA"
