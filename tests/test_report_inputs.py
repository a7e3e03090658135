"""The report wing's inputs gathered once, and its imports running one way (issue 14).

``report.write`` hands one checked :class:`~loyaltysem.report.inputs.Results` to its
sections, its methods text and its results text (the results were gathered and checked
three times before); the table model sits below the renderers, which sit below the tables
(the ``tables`` <-> ``render`` import circle is gone; the import-linter contract in
pyproject.toml keeps it gone, and ``.ci/run`` checks the contracts).
"""

from __future__ import annotations

import ast
import sys
from dataclasses import FrozenInstanceError, fields
from pathlib import Path

import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem import report
from loyaltysem.errors import ReportError
from loyaltysem.report import inputs
from loyaltysem.report.cells import Column
from loyaltysem.report.inputs import ACCEPTED, Results
from loyaltysem.report.methods import methods_paragraphs, results_paragraphs
from loyaltysem.report.tables import Table

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

REPORT = Path(ls.__file__).parent / "report"


@pytest.fixture(scope="module")
def hs_fit():
    hs = ls.load_holzinger_swineford()
    return hs, ls.fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6", hs)


def test_results_hold_the_accepted_keywords_in_their_order():
    assert [f.name for f in fields(Results)] == list(ACCEPTED)


def test_gather_checks_and_keeps_what_was_given(hs_fit):
    hs, res = hs_fit
    given = Results.gather("report.write", survey=hs, fit=res)
    assert given.given() == ("survey", "fit")
    assert given.fit is res and given.survey is hs and given.effects is None
    with pytest.raises(FrozenInstanceError):
        given.fit = None  # type: ignore[misc]
    with pytest.raises(ReportError, match=r"report\.write does not know this fit result"):
        Results.gather("report.write", fit="a string")
    with pytest.raises(ReportError, match=r"report\.write was given no result"):
        Results.gather("report.write", fit=None)


def test_write_checks_its_results_once(hs_fit, tmp_path, monkeypatch):
    hs, res = hs_fit
    calls: list[str] = []
    check = inputs.check_inputs

    def counted(given, who):
        calls.append(who)
        return check(given, who)

    monkeypatch.setattr(inputs, "check_inputs", counted)
    paths = report.write(tmp_path, survey=hs, fit=res, formats=("md",), figures=False)
    assert [p.name for p in paths] == ["report.md"]
    assert calls == ["report.write"]  # not again by the methods and results texts
    text = paths[0].read_text(encoding="utf-8")
    methods = report.methods_text(survey=hs, fit=res)
    assert methods.text.split("\n\n")[0] in text
    assert calls[1:] == ["the methods and results text"]


def test_the_texts_of_gathered_results_are_the_texts_of_the_keywords(hs_fit):
    hs, res = hs_fit
    given = Results.gather("test", survey=hs, fit=res)
    assert methods_paragraphs(given).text == report.methods_text(survey=hs, fit=res).text
    assert (
        results_paragraphs(given, lang="zh").text
        == report.results_text(survey=hs, fit=res, lang="zh").text
    )
    with pytest.raises(ReportError, match="confidence level"):
        methods_paragraphs(given, level=95)


def _imports(module: str) -> set[str]:
    tree = ast.parse((REPORT / f"{module}.py").read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):  # every import, at module level or inside a function
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m for m in out if m.startswith("loyaltysem.report")}


def test_the_table_model_is_below_the_renderers_below_the_tables():
    assert _imports("cells") == set()
    assert _imports("render") == {"loyaltysem.report.cells"}
    assert _imports("tables") == {"loyaltysem.report.cells", "loyaltysem.report.render"}


def test_the_report_wing_has_an_import_contract():
    config = tomllib.loads((REPORT.parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    wing = [c for c in contracts if c.get("containers") == ["loyaltysem.report"]]
    assert len(wing) == 1 and wing[0]["type"] == "layers"
    layers = wing[0]["layers"]
    assert layers[-2:] == ["render", "cells"]
    assert layers.index("tables | diagrams | inputs | pdf") < layers.index("render")
    listed = {m.strip() for layer in layers for m in layer.split("|")}
    assert listed == {p.stem for p in REPORT.glob("*.py")} - {"__init__"}


def test_the_to_methods_still_render(hs_fit):
    t = Table(pd.DataFrame({"b": [0.5]}), (Column("*β*", ("b",), "bounded"),), title="T")
    assert t.to_markdown() == report.to_markdown(t)
    assert t.to_html() == report.to_html(t)
    assert t.to_latex() == report.to_latex(t)
    assert str(t).endswith("| .50 |")
    from loyaltysem.report import tables

    assert tables.stars_for is report.render.stars_for  # the old import path still works
