r"""How one cell of an APA table prints: :class:`Column`, numbers, p-values, stars, status.

The lowest module of the report wing. A :class:`Column` says how the numbers of one printed
column show (decimals, a leading zero or not, APA p-values, intervals, stars, italic header
symbols); :func:`format_cell` and :func:`format_value` write one cell as a string, and
:func:`status_warning` the line an improper result puts under every table. The table itself
(:class:`~loyaltysem.report.tables.Table`) and the renderers
(:mod:`loyaltysem.report.render`) both build on this module, and it imports neither: the
imports of the report wing run one way (the import-linter contract in ``pyproject.toml``).

Examples
--------
>>> import pandas as pd
>>> c = Column("*b*", ("b",), "bounded", 2, stars="p")
>>> format_cell(pd.Series({"b": 0.3141, "p": 0.004}), c)
'.31**'
>>> format_value(0.0004, "p", 3), stars_for(0.0004)
('< .001', '***')
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltysem._display import format_p
from loyaltysem.errors import ReportError
from loyaltysem.status import Status

__all__ = [
    "KINDS",
    "LANGS",
    "STARS",
    "Column",
    "check_lang",
    "format_cell",
    "format_value",
    "stars_for",
    "status_warning",
]

#: Languages of titles, headers and notes.
LANGS = ("en", "zh")

#: Significance stars: (threshold, stars), the APA convention.
STARS: tuple[tuple[float, str], ...] = ((0.001, "***"), (0.01, "**"), (0.05, "*"))

#: Column kinds a :class:`Column` accepts.
KINDS = ("number", "bounded", "p", "integer", "text", "ci", "percent")


@dataclass(frozen=True)
class Column:
    r"""How one printed column shows its numbers.

    Attributes
    ----------
    header : str
        The header; ``*...*`` marks an italic statistic symbol (``"*SE*"``, ``"95% *CI*"``),
        which each renderer writes in its own way (HTML ``<i>``, Word italic run, LaTeX
        ``\textit``, Markdown as is; Excel drops the marks).
    source : tuple of str
        The DataFrame column(s) shown: one, or two (lower, upper) for ``kind="ci"``, or
        three (value, lower, upper) for a value followed by its interval.
    kind : str
        ``"number"``, ``"bounded"`` (no leading zero: p, r, β, loadings, CFI, RMSEA),
        ``"p"`` (APA: ``< .001``, ``.032``), ``"integer"``, ``"text"``, ``"ci"``,
        ``"percent"``.
    decimals : int
        Decimals shown (numbers, bounded quantities, intervals).
    stars : str or None
        A p-value column of the DataFrame whose stars follow the number.
    bounded : bool
        For ``kind="ci"``: the quantity is bounded by 1 (RMSEA, β), so no leading zero.
    """

    header: str
    source: tuple[str, ...]
    kind: str = "number"
    decimals: int = 2
    stars: str | None = None
    bounded: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ReportError(
                "unknown column kind",
                found=self.kind,
                expected=", ".join(KINDS),
                fix="give one of the accepted kinds",
            )
        if isinstance(self.source, str):
            object.__setattr__(self, "source", (self.source,))

    @property
    def plain_header(self) -> str:
        """The header without italic marks (Excel, plain text)."""
        return self.header.replace("*", "")


def _isnan(x: object) -> bool:
    return x is None or (isinstance(x, float | np.floating) and math.isnan(x)) or x is pd.NA


def _num(x: float, decimals: int, bounded: bool) -> str:
    s = f"{float(x):.{decimals}f}"
    if s.startswith("-") and float(s) == 0:
        s = s[1:]
    if bounded:
        s = re.sub(r"^(-?)0\.", r"\1.", s)
    return s.replace("-", "−")


def stars_for(p: float) -> str:
    """Stars for a p-value (:data:`STARS`).

    Examples
    --------
    >>> stars_for(0.0004), stars_for(0.004), stars_for(0.04), stars_for(0.4)
    ('***', '**', '*', '')
    """
    if _isnan(p):
        return ""
    for cut, s in STARS:
        if p < cut:
            return s
    return ""


def format_value(x: object, kind: str, decimals: int) -> str:
    """One value as printed.

    Examples
    --------
    >>> format_value(0.31, "bounded", 2), format_value(-0.0041, "bounded", 3)
    ('.31', '−.004')
    >>> format_value(0.0321, "p", 3), format_value(1e-9, "p", 3), format_value(353.0, "integer", 0)
    ('.032', '< .001', '353')
    """
    if _isnan(x):
        return ""
    if kind == "text":
        return str(x)
    if kind == "p":
        return format_p(float(x))  # type: ignore[arg-type]
    if kind == "integer":
        return f"{round(float(x)):d}"  # type: ignore[arg-type]
    if kind == "percent":
        return _num(float(x), decimals, False)  # type: ignore[arg-type]
    return _num(float(x), decimals, kind == "bounded")  # type: ignore[arg-type]


def format_cell(row: pd.Series, col: Column) -> str:
    """The display string of one cell (value, interval, stars)."""
    vals = [row.get(s) for s in col.source]
    if col.kind == "ci":
        lo, hi = vals[-2], vals[-1]
        inner = "bounded" if col.bounded else "number"
        ci = (
            ""
            if _isnan(lo) or _isnan(hi)
            else "["
            + format_value(lo, inner, col.decimals)
            + ", "
            + format_value(hi, inner, col.decimals)
            + "]"
        )
        if len(vals) == 3:
            head = format_value(vals[0], inner, col.decimals)
            return f"{head} {ci}".strip()
        return ci
    text = format_value(vals[0], col.kind, col.decimals)
    if col.stars and text:
        text += stars_for(row.get(col.stars))
    return text


def status_warning(status: Status, lang: str = "en") -> str:
    """The warning line of an improper result; empty when ``status.ok``.

    Examples
    --------
    >>> status_warning(Status(admissible=False))
    'WARNING: improper solution (converged; inadmissible). These estimates must not be ...'
    """
    if status.ok:
        return ""
    if lang == "zh":
        return f"警告：解不合理（{status.label}）。这些估计值不能按正常模型解读。"
    return (
        f"WARNING: improper solution ({status.label}). "
        "These estimates must not be interpreted as if the model were fine."
    )


def check_lang(lang: str) -> str:
    """The report language, or a :class:`~loyaltysem.errors.ReportError` naming the accepted ones.

    Examples
    --------
    >>> check_lang("zh")
    'zh'
    """
    if lang not in LANGS:
        raise ReportError(
            "unknown report language",
            found=lang,
            expected='"en" or "zh"',
            fix='pass lang="en" or lang="zh"',
        )
    return lang
