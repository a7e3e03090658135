"""How results show themselves in Jupyter: the APA tables, through the report's one renderer.

Every result's ``_repr_html_`` (:class:`loyaltysem._display.DisplayMixin`) comes here. The
result's APA tables (the same :class:`~loyaltysem.report.tables.Table` objects that
:func:`loyaltysem.report.write` puts into Word and Excel) are shown first; below them, in a
collapsed block, every table of ``summary()`` at full detail, drawn by the same renderer
(:func:`~loyaltysem.report.render.to_html`) after the display base
(:func:`loyaltysem._display.format_frame`) has rounded it. A result that is not ``ok``
shows its status in red first, above everything.

The results live below the report wing and never import it: ``DisplayMixin`` names this
module by string and imports it when a notebook asks for the HTML (a display backend, as
pandas plots through matplotlib), so the one-way layering of design.md §1 holds.

Examples
--------
>>> import loyaltysem as ls
>>> res = ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce())
>>> page = repr_html(res)
>>> "Global Fit of the Structural Equation Model" in page, "H1" in page
(True, True)
>>> page == res._repr_html_()
True
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from loyaltysem._display import DEFAULT_DIGITS, format_frame
from loyaltysem.errors import LoyaltySemError
from loyaltysem.measurement.validity import MeasurementReport
from loyaltysem.report.cells import Column
from loyaltysem.report.tables import (
    Table,
    comparison_table,
    fit_table,
    fornell_larcker_table,
    htmt_table,
    hypotheses_table,
    indirect_effects_table,
    invariance_table,
    items_table,
    measurement_table,
    r2_table,
)
from loyaltysem.sem.comparison import ModelComparison
from loyaltysem.sem.effects import EffectsResult
from loyaltysem.sem.group_blocks import MultiGroupResult
from loyaltysem.sem.invariance import InvarianceResult
from loyaltysem.sem.results import SEMResult
from loyaltysem.survey.screening import ScreeningReport

__all__ = ["apa_tables", "frame_table", "repr_html"]

_CSS = (
    "<style>.loyaltysem-result .ls-table{overflow-x:auto;max-width:100%;}"
    ".loyaltysem-result p{margin:0.2em 0;white-space:normal;}"
    ".loyaltysem-result .ls-status{color:#b00020;font-weight:bold;}"
    ".loyaltysem-result summary{cursor:pointer;margin:0.5em 0;}"
    "</style>"
)


def _structural(res: Any) -> bool:
    return bool((res.estimates["op"] == "~").any())


#: Result type -> the builders of its APA tables, in the order a thesis shows them.
_Builders = Callable[[Any], list[Callable[[], Table]]]
_BUILDERS: list[tuple[type | tuple[type, ...], _Builders]] = [
    (
        (SEMResult, MultiGroupResult),
        lambda r: (
            [lambda: fit_table(r)]
            + ([lambda: hypotheses_table(r), lambda: r2_table(r)] if _structural(r) else [])
        ),
    ),
    (
        MeasurementReport,
        lambda r: [
            lambda: measurement_table(r),
            lambda: fornell_larcker_table(r),
            lambda: htmt_table(r),
        ],
    ),
    (ScreeningReport, lambda r: [lambda: items_table(r)]),
    (EffectsResult, lambda r: [lambda: indirect_effects_table(r)]),
    (InvarianceResult, lambda r: [lambda: invariance_table(r)]),
    (ModelComparison, lambda r: [lambda: comparison_table(r)]),
]


def apa_tables(result: Any) -> list[Table]:
    """The APA tables of a result (numbered from 1); empty for a type without them.

    A builder that cannot make its table from this result (a CFA has no paths) is left
    out; the full tables below still show everything.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> [t.title for t in apa_tables(ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce()))]
    ['Global Fit of the Structural Equation Model', 'Structural Paths and Hypothesis Tests', \
'Explained Variance of the Endogenous Constructs']
    """
    for cls, builders in _BUILDERS:
        if isinstance(result, cls):
            tables = []
            for build in builders(result):
                try:
                    table = build()
                except (LoyaltySemError, KeyError, ValueError):
                    continue  # not available for this result; the full tables show it
                tables.append(table)
            return [_renumbered(t, i) for i, t in enumerate(tables, start=1)]
    return []


def _renumbered(table: Table, number: int) -> Table:
    from dataclasses import replace

    return replace(table, number=number)


def _flat(name: object) -> str:
    if isinstance(name, tuple):
        return " ".join(str(p) for p in name if str(p))
    return "" if name is None else str(name)


def frame_table(title: str, frame: pd.DataFrame | pd.Series, *, number: int = 1) -> Table:
    """A summary table as a :class:`Table`, rounded by the display base (``format_frame``).

    The index becomes the first column(s) unless it is a plain row count; every value is
    shown as :func:`loyaltysem._display.format_frame` prints it (APA p-values, no leading
    zero for bounded quantities, whole counts without ``.0``).

    Examples
    --------
    >>> import pandas as pd
    >>> t = frame_table("Fit", pd.Series({"cfi": 0.9712, "pvalue": 0.0001}, name="value"))
    >>> t.cells()
    [['cfi', '0.971'], ['pvalue', '< .001']]
    """
    shown = format_frame(frame, DEFAULT_DIGITS, na_rep="")
    if isinstance(shown, pd.Series):
        shown = shown.to_frame(name=_flat(shown.name) or "value")
    if not isinstance(shown.index, pd.RangeIndex):
        names = [_flat(n) for n in shown.index.names]
        shown = shown.reset_index(
            names=[n or f"index_{i}" if len(names) > 1 else (n or "") for i, n in enumerate(names)]
        )
    headers = [_flat(c) for c in shown.columns]
    keys = [f"c{i}" for i in range(len(headers))]
    data = shown.set_axis(keys, axis=1).reset_index(drop=True).astype(object)
    data = data.where(data.notna(), "")
    columns = tuple(
        Column(h.replace("*", "∗"), (k,), "text") for h, k in zip(headers, keys, strict=True)
    )
    return Table(data=data.astype(str), columns=columns, number=number, title=title)


def _full(sections: Iterable[tuple[str, pd.DataFrame | pd.Series]], start: int) -> list[str]:
    out = []
    for i, (title, frame) in enumerate(sections, start=start):
        out.append(f"<div class='ls-table'>{frame_table(title, frame, number=i).to_html()}</div>")
    return out


def repr_html(result: Any) -> str:
    """The HTML a notebook shows for a result: status, header, APA tables, full tables.

    Parameters
    ----------
    result : object
        Any loyaltysem result with ``summary()`` (a ``DisplayMixin``): its ``_title``,
        ``_header()`` lines and ``_sections()`` tables are used; its ``status`` when it has
        one.

    Returns
    -------
    str
        One ``<div class='loyaltysem-result'>`` with inline CSS (no network).
    """
    title = html.escape(getattr(result, "_title", type(result).__name__))
    status = getattr(result, "status", None)
    parts = [f"<div class='loyaltysem-result'>{_CSS}<h3>{title}</h3>"]
    for line in result._header():
        bad = status is not None and not status.ok and line.startswith("status:")
        cls = " class='ls-status'" if bad else ""
        parts.append(f"<p{cls}>{html.escape(line)}</p>")
    apa = apa_tables(result)
    parts += [t.to_html() for t in apa]
    full = _full(result._sections(), start=len(apa) + 1)
    if apa and full:
        parts.append("<details><summary>All tables at full detail</summary>")
        parts += full
        parts.append("</details>")
    else:
        parts += full
    parts.append("</div>")
    return "".join(parts)
