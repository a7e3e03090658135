"""The report wing: tables as data, APA 7 formatting, renderers (design.md §1 and §6).

A :class:`Table` holds a full-precision DataFrame with its number, title, note, column
formats and the source result's status; the builders make one from a result object, and
one renderer per format writes it: Markdown, HTML, LaTeX, Excel and Word. :func:`diagram`
draws the path diagram; the ``*_figure`` functions (:mod:`loyaltysem.report.figures`)
draw Likert bars, missing-data patterns, HTMT and residual heatmaps, a forest plot of the
effects and the invariance ladder; :func:`methods_text` and :func:`results_text` write the
methods and results paragraphs. A PLS path model (:func:`loyaltysem.fit_pls`) has its own
tables (:func:`pls_tables`, :mod:`loyaltysem.report.pls`) and goes through :func:`diagram`
and :func:`write` (``pls=``).

Examples
--------
>>> import loyaltysem as ls
>>> from loyaltysem import report
>>> res = ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce())
>>> report.hypotheses_table(res).cells()[0][:3]
['H1', 'REP → TRU', '.31***']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loyaltysem.report.methods import Paragraphs, methods_text, results_text
from loyaltysem.report.pls import (
    pls_effects_table,
    pls_fit_table,
    pls_measurement_table,
    pls_methods_text,
    pls_paths_table,
    pls_r2_table,
    pls_reliability_table,
    pls_tables,
)
from loyaltysem.report.render import to_docx, to_excel, to_html, to_latex, to_markdown
from loyaltysem.report.tables import (
    CUTOFFS,
    LANGS,
    STARS,
    Column,
    Table,
    comparison_table,
    construct_table,
    fit_table,
    fornell_larcker_table,
    htmt_table,
    hypotheses_table,
    indirect_effects_table,
    invariance_table,
    items_table,
    local_fit_table,
    measurement_table,
    r2_table,
    sample_table,
)

if TYPE_CHECKING:
    from loyaltysem.report.diagrams import Diagram, diagram
    from loyaltysem.report.documents import FORMATS, write
    from loyaltysem.report.figures import (
        Figure,
        forest_figure,
        htmt_figure,
        invariance_figure,
        likert_figure,
        missing_figure,
        residual_figure,
        trend_figure,
    )

#: Names whose modules import matplotlib or python-docx: imported on first use, so that a
#: notebook's table view (``_repr_html_``) does not load a figure library.
_LAZY = {
    "Diagram": "loyaltysem.report.diagrams",
    "diagram": "loyaltysem.report.diagrams",
    "FORMATS": "loyaltysem.report.documents",
    "write": "loyaltysem.report.documents",
    **dict.fromkeys(
        (
            "Figure",
            "forest_figure",
            "htmt_figure",
            "invariance_figure",
            "likert_figure",
            "missing_figure",
            "residual_figure",
            "trend_figure",
        ),
        "loyaltysem.report.figures",
    ),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'loyaltysem.report' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "CUTOFFS",
    "FORMATS",
    "LANGS",
    "STARS",
    "Column",
    "Diagram",
    "Figure",
    "Paragraphs",
    "Table",
    "comparison_table",
    "construct_table",
    "diagram",
    "fit_table",
    "forest_figure",
    "fornell_larcker_table",
    "htmt_figure",
    "htmt_table",
    "hypotheses_table",
    "indirect_effects_table",
    "invariance_figure",
    "invariance_table",
    "items_table",
    "likert_figure",
    "local_fit_table",
    "measurement_table",
    "methods_text",
    "missing_figure",
    "pls_effects_table",
    "pls_fit_table",
    "pls_measurement_table",
    "pls_methods_text",
    "pls_paths_table",
    "pls_r2_table",
    "pls_reliability_table",
    "pls_tables",
    "r2_table",
    "residual_figure",
    "results_text",
    "sample_table",
    "to_docx",
    "to_excel",
    "to_html",
    "to_latex",
    "to_markdown",
    "trend_figure",
    "write",
]
