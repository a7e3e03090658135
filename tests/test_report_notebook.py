"""Results in Jupyter: ``_repr_html_`` shows the APA tables through the report's renderer.

The HTML of a fit holds exactly the report's fit, hypotheses and R² tables (the Table
renderer of Word and Excel), then every summary table at full detail; an improper result
shows its status in red first; every public result type renders; ``result.diagram()`` is
the report's diagram; and the results wing still does not import the report wing.
"""

from __future__ import annotations

import re
import subprocess
import sys
import warnings

import pandas as pd
import pytest
from test_display import _results

import loyaltysem as ls
from loyaltysem import report
from loyaltysem.report.notebook import apa_tables, frame_table, repr_html


@pytest.fixture(scope="module")
def fit() -> ls.SEMResult:
    return ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce())


def test_fit_html_is_the_report_tables_then_the_full_tables(fit):
    page = fit._repr_html_()
    assert page == repr_html(fit)
    shown = [report.fit_table(fit), report.hypotheses_table(fit, number=2)]
    shown.append(report.r2_table(fit, number=3))
    at = [page.index(t.to_html()) for t in shown]  # the very tables the report writes
    assert at == sorted(at)
    details = page.index("<details>")
    assert at[-1] < details
    # the full estimates below: every free parameter's p-value as APA prints it
    est = fit.estimates
    rows = re.findall(r"<tr>(.*?)</tr>", page[details:])
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r) for r in rows]
    ps = [c[7] for c in cells if len(c) == 9 and c[7]]
    free = est[(est["free"] > 0) | (est["op"] == ":=")]
    assert len(ps) == len(free)
    assert ps.count("&lt; .001") == int((free["pvalue"] < 0.001).sum())


def test_improper_result_shows_its_status_first_in_red():
    cov = pd.DataFrame(
        [[1, 0.8, 0.8], [0.8, 1, 0.3], [0.8, 0.3, 1]], index=list("abc"), columns=list("abc")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bad = ls.fit("f =~ a + b + c", sample_cov=cov, sample_nobs=200)
    page = bad._repr_html_()
    status = page.index("<p class='ls-status'>status: converged; inadmissible")
    assert status < page.index("estimator: ML")
    assert "WARNING: improper solution" in page[status:]  # the fit table's banner too


def test_every_result_type_renders_through_the_table_renderer():
    for name, result in _results().items():
        page = result._repr_html_()
        assert page.startswith("<div class='loyaltysem-result'>"), name
        assert "<table class='apa'>" in page, name
        n_sections = len(list(result._sections()))
        assert page.count("<div class='ls-table'>") == n_sections, name
    kinds = {name: len(apa_tables(r)) for name, r in _results().items()}
    assert kinds["SEMResult"] == 3 and kinds["MeasurementReport"] == 3
    assert kinds["InvarianceResult"] == kinds["ModelComparison"] == 1
    assert kinds["ScreeningReport"] == 1 and kinds["AlphaResult"] == 0


def test_frame_table_rounds_only_on_display():
    frame = pd.DataFrame({"est": [0.123456, 2.5], "pvalue": [1e-9, 0.04321]}, index=["a", "b"])
    t = frame_table("Estimates", frame)
    assert t.cells() == [["a", "0.123", "< .001"], ["b", "2.500", ".043"]]
    assert frame.loc["a", "est"] == 0.123456  # the source is not touched


def test_result_diagram_is_the_report_diagram(fit):
    s = ls.load_ecommerce()
    mine = fit.diagram(codebook=s, structural_only=True)
    theirs = report.diagram(fit, codebook=s, structural_only=True)
    assert [(e.source, e.target, e.label) for e in mine.edges] == [
        (e.source, e.target, e.label) for e in theirs.edges
    ]
    row = fit.estimates.query("lhs == 'LOY' and op == '~' and rhs == 'TRU'").iloc[0]
    assert mine.edge_label("TRU", "LOY").rstrip("*") == f"{row['std_all']:.2f}".lstrip("0")


def test_results_do_not_import_the_report_wing():
    code = (
        "import sys, loyaltysem as ls\n"
        "r = ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce())\n"
        "r.summary()\n"
        "assert 'loyaltysem.report' not in sys.modules, 'imported by summary()'\n"
        "r._repr_html_()\n"
        "assert 'loyaltysem.report.notebook' in sys.modules\n"
        "assert 'matplotlib' not in sys.modules, 'HTML of a fit needs no figure library'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
