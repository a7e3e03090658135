r"""One renderer per format for :class:`~loyaltysem.report.tables.Table` (APA 7).

Each renderer reads the table through :class:`TableLike`, the attributes it shows (number,
title, columns, cells, row groups, note lines); the :class:`~loyaltysem.report.tables.Table`
has them, and its ``to_markdown()``, ``to_html()``, ... call these functions. This module
imports the cell formatting below it (:mod:`loyaltysem.report.cells`) and nothing above it.

- :func:`to_markdown`: pipe table, italic symbols as ``*...*``;
- :func:`to_html`: self-contained HTML (inline CSS), APA rules, red banner when not ok;
- :func:`to_latex`: booktabs (``\toprule``, ``\midrule``, ``\bottomrule``), no vertical
  lines; Greek letters and arrows in math mode (Chinese text needs ``xeCJK`` and XeLaTeX);
- :func:`to_excel`: openpyxl, numbers stored as numbers with number formats showing the same
  decimals (no leading zero for bounded quantities, ``< .001``, stars), intervals as two
  numeric columns, the note under the table;
- :func:`to_docx`: python-docx, the APA rules (above and below the header row, below the
  last row, no vertical lines) written as ``w:tcBorders`` XML since python-docx has no border
  API (design.md §9); Times New Roman, SimSun (宋体) as East Asian font for ``lang="zh"``;
  number and italic title above, note below.

Each renderer shows the warning line of an improper result (:attr:`TableLike.warning`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from loyaltysem.errors import OutputError, ReportError
from loyaltysem.report.cells import Column, stars_for

__all__ = [
    "TableLike",
    "excel_format",
    "tex_text",
    "to_docx",
    "to_excel",
    "to_html",
    "to_latex",
    "to_markdown",
]


class TableLike(Protocol):
    """What a renderer reads of a table: :class:`~loyaltysem.report.tables.Table` has it.

    Attributes
    ----------
    data : DataFrame
        The numbers at full precision (Excel stores them as numbers).
    columns : sequence of Column
        The printed columns, in order.
    title, note, lang : str
        The italic title, the general note and the language (``"en"`` or ``"zh"``).
    """

    data: pd.DataFrame
    columns: Sequence[Column]
    title: str
    note: str
    lang: str

    @property
    def label(self) -> str:
        """``Table 1`` or ``表 1``."""
        ...

    @property
    def warning(self) -> str:
        """The warning line of an improper result (empty when the status is ok)."""
        ...

    @property
    def note_lines(self) -> list[str]:
        """The lines under the table: the warning first (if any), then the note."""
        ...

    def cells(self) -> list[list[str]]:
        """The body as display strings, one list per row."""
        ...

    def groups(self) -> list[str | None]:
        """The row-group label starting at each row (``None`` where no group starts)."""
        ...


_ITALIC = re.compile(r"\*([^*]+)\*")


def _segments(header: str) -> list[tuple[str, bool]]:
    """``"95% *CI*"`` -> ``[("95% ", False), ("CI", True)]``."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in _ITALIC.finditer(header):
        if m.start() > pos:
            out.append((header[pos : m.start()], False))
        out.append((m.group(1), True))
        pos = m.end()
    if pos < len(header):
        out.append((header[pos:], False))
    return out


def _note_head(line: str, lang: str) -> tuple[str, str]:
    """Split ``"Note. rest"`` into the italic lead word and the rest."""
    for lead in ("Note.", "注："):
        if line.startswith(lead):
            return lead, line[len(lead) :]
    return "", line


# ---------------------------------------------------------------------- Markdown
def to_markdown(table: TableLike) -> str:
    r"""The table as Markdown: number in bold, title in italic, pipe table, note.

    Italic symbols in headers are written ``*...*``; a literal ``*`` in cells and notes
    (significance stars) is escaped ``\*`` so that no renderer reads it as emphasis.

    Examples
    --------
    >>> import pandas as pd
    >>> from loyaltysem.report.tables import Column, Table
    >>> t = Table(pd.DataFrame({"b": [0.1234], "p": [0.0004]}),
    ...           (Column("*b*", ("b",), "bounded", 2), Column("*p*", ("p",), "p")), title="T")
    >>> print(to_markdown(t))
    **Table 1**
    <BLANKLINE>
    *T*
    <BLANKLINE>
    | *b* | *p* |
    |--:|--:|
    | .12 | < .001 |
    """

    def esc(s: str) -> str:  # cell text: a literal "|" or "*" (stars) is escaped
        return s.replace("|", "\\|").replace("*", "\\*")

    cols = table.columns
    lines = [f"**{table.label}**", "", f"*{table.title}*", ""]
    lines.append("| " + " | ".join(c.header.replace("|", "\\|") for c in cols) + " |")
    lines.append("|" + "|".join(":--" if c.kind == "text" else "--:" for c in cols) + "|")
    for grp, row in zip(table.groups(), table.cells(), strict=True):
        if grp is not None:
            lines.append("| " + " | ".join([f"**{esc(grp)}**"] + [""] * (len(cols) - 1)) + " |")
        lines.append("| " + " | ".join(esc(c) for c in row) + " |")
    notes = []
    if table.warning:
        notes.append(f"**{esc(table.warning)}**")
    if table.note:
        lead, rest = _note_head(table.note, table.lang)
        notes.append((f"*{lead}*" if lead else "") + esc(rest))
    if notes:
        lines += [""] + [n + "  " if i < len(notes) - 1 else n for i, n in enumerate(notes)]
    return "\n".join(lines)


# ---------------------------------------------------------------------- HTML
_CSS = (
    "table.apa{border-collapse:collapse;font-family:'Times New Roman',SimSun,serif;"
    "margin:.5em 0}"
    "table.apa th,table.apa td{padding:2px 8px;border:none}"
    "table.apa thead tr:first-child th{border-top:1.5px solid #000}"
    "table.apa thead th{border-bottom:1px solid #000}"
    "table.apa tbody tr:last-child td{border-bottom:1.5px solid #000}"
    "table.apa td.num{text-align:right;white-space:nowrap}"
    "table.apa td.grp{font-style:italic}"
    ".apa-status{background:#fde8e8;color:#a40000;border:2px solid #c00;padding:.4em .6em;"
    "font-weight:bold;margin:.3em 0}"
    ".apa-note{font-size:.92em;max-width:60em}"
)


def to_html(table: TableLike, *, standalone: bool = False) -> str:
    r"""The table as self-contained HTML (no network): inline CSS, a red banner when not ok.

    Parameters
    ----------
    table : Table
    standalone : bool, default False
        A whole HTML page instead of a fragment.

    Examples
    --------
    >>> import pandas as pd
    >>> from loyaltysem.report.tables import Column, Table
    >>> t = Table(pd.DataFrame({"b": [0.5]}), (Column("*β*", ("b",), "bounded"),))
    >>> "<i>β</i>" in to_html(t) and "<td class=\"num\">.50</td>" in to_html(t)
    True
    """
    e = html.escape

    def head(c: Column) -> str:
        return "".join(f"<i>{e(s)}</i>" if it else e(s) for s, it in _segments(c.header))

    out = [f"<div class='apa-table'><style>{_CSS}</style>"]
    if table.warning:
        out.append(f"<div class='apa-status' role='alert'>{e(table.warning)}</div>")
    out.append(f"<p><b>{e(table.label)}</b></p><p><i>{e(table.title)}</i></p>")
    out.append("<table class='apa'><thead><tr>")
    out += [f"<th>{head(c)}</th>" for c in table.columns]
    out.append("</tr></thead><tbody>")
    n = len(table.columns)
    for grp, row in zip(table.groups(), table.cells(), strict=True):
        if grp is not None:
            out.append(f"<tr><td class='grp' colspan='{n}'>{e(grp)}</td></tr>")
        out.append("<tr>")
        for c, v in zip(table.columns, row, strict=True):
            cls = "" if c.kind == "text" else ' class="num"'
            out.append(f"<td{cls}>{e(v)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    for line in table.note_lines:
        if line == table.warning:
            out.append(f"<p class='apa-note apa-status'>{e(line)}</p>")
            continue
        lead, rest = _note_head(line, table.lang)
        out.append(f"<p class='apa-note'>{f'<i>{e(lead)}</i>' if lead else ''}{e(rest)}</p>")
    out.append("</div>")
    body = "".join(out)
    if standalone:
        lang = "zh" if table.lang == "zh" else "en"
        return (
            f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
            f"<title>{e(table.label)}</title></head><body>{body}</body></html>"
        )
    return body


# ---------------------------------------------------------------------- LaTeX
_TEX_ESCAPE = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_TEX_SYMBOLS = {
    "χ": r"$\chi$",
    "β": r"$\beta$",
    "λ": r"$\lambda$",
    "α": r"$\alpha$",
    "ρ": r"$\rho$",
    "→": r"$\rightarrow$",
    "−": r"$-$",
    "≥": r"$\geq$",
    "≤": r"$\leq$",
    "²": r"$^2$",
    "√": r"$\surd$",
    "–": "--",
    "<": r"$<$",
    ">": r"$>$",
}


def tex_text(s: str) -> str:
    r"""Text escaped for LaTeX, with Greek letters and symbols in math mode.

    Examples
    --------
    >>> print(tex_text("χ² = 5% & β → R²"))
    $\chi$$^2$ = 5\% \& $\beta$ $\rightarrow$ R$^2$
    """
    out = "".join(_TEX_ESCAPE.get(ch, ch) for ch in s)
    return "".join(_TEX_SYMBOLS.get(ch, ch) for ch in out)


def to_latex(table: TableLike) -> str:
    r"""The table as LaTeX (``booktabs``, no vertical lines, ``threeparttable`` note).

    The preamble needs ``\usepackage{booktabs, threeparttable, caption}`` (and ``xeCJK``
    with XeLaTeX for Chinese).

    Examples
    --------
    >>> import pandas as pd
    >>> from loyaltysem.report.tables import Column, Table
    >>> t = Table(pd.DataFrame({"b": [0.5]}), (Column("*β*", ("b",), "bounded"),))
    >>> tex = to_latex(t)
    >>> all(r in tex for r in (r"\toprule", r"\midrule", r"\bottomrule")), "|" in tex
    (True, False)
    """

    def head(c: Column) -> str:
        return "".join(
            f"\\textit{{{tex_text(s)}}}" if it else tex_text(s) for s, it in _segments(c.header)
        )

    align = "".join("l" if c.kind == "text" else "r" for c in table.columns)
    n = len(table.columns)
    lines = [
        "\\begin{table}[htbp]",
        "\\centering",
        "\\begin{threeparttable}",
        f"\\caption*{{\\textbf{{{tex_text(table.label)}}}\\\\\\textit{{{tex_text(table.title)}}}}}",
    ]
    if table.warning:
        lines.append(f"\\textbf{{{tex_text(table.warning)}}}\\\\")
    lines += [f"\\begin{{tabular}}{{{align}}}", "\\toprule"]
    lines.append(" & ".join(head(c) for c in table.columns) + " \\\\")
    lines.append("\\midrule")
    for grp, row in zip(table.groups(), table.cells(), strict=True):
        if grp is not None:
            lines.append(f"\\multicolumn{{{n}}}{{l}}{{\\textit{{{tex_text(grp)}}}}} \\\\")
        lines.append(" & ".join(tex_text(v) for v in row) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}"]
    if table.note_lines:
        lines.append("\\begin{tablenotes}\\small")
        for line in table.note_lines:
            if line == table.warning:
                lines.append(f"\\item \\textbf{{{tex_text(line)}}}")
                continue
            lead, rest = _note_head(line, table.lang)
            italic = "\\textit{" + tex_text(lead) + "}" if lead else ""
            lines.append(f"\\item {italic}{tex_text(rest)}")
        lines.append("\\end{tablenotes}")
    lines += ["\\end{threeparttable}", "\\end{table}"]
    return "\n".join(lines)


# ---------------------------------------------------------------------- Excel
def excel_format(col: Column, stars: str = "") -> str:
    """The Excel number format that shows what the other renderers print.

    Examples
    --------
    >>> from loyaltysem.report.tables import Column
    >>> excel_format(Column("b", ("b",), "bounded", 2), "**")
    '#.00"**";-#.00"**"'
    >>> excel_format(Column("p", ("p",), "p"))
    '[<0.001]"< .001";#.000'
    """
    if col.kind == "p":
        return '[<0.001]"< .001";#.000'
    if col.kind == "integer":
        return "0"
    d = "." + "0" * col.decimals if col.decimals else ""
    bounded = col.kind == "bounded" or (col.kind == "ci" and col.bounded)
    body = ("#" if bounded else "0") + d
    suffix = f'"{stars}"' if stars else ""
    return f"{body}{suffix};-{body}{suffix}"


def _excel_headers(c: Column) -> list[str]:
    plain = c.plain_header
    if c.kind != "ci":
        return [plain]
    m = re.match(r"^(.*?)\s*\[(.*)\]\s*$", plain)
    base, ci = (m.group(1), m.group(2)) if m else ("", plain)
    heads = [f"{ci} lower", f"{ci} upper"]
    return ([base or plain] if len(c.source) == 3 else []) + heads


def to_excel(table: TableLike, target: Any, *, sheet: str | None = None) -> Any:
    """Write the table to an openpyxl worksheet, or to a new ``.xlsx`` workbook at a path.

    Numbers are stored as numbers with a number format showing the printed decimals (an
    interval as two numeric columns, lower and upper; stars inside the number format);
    the number and title above, the note (warning first) below.

    Parameters
    ----------
    table : Table
    target : openpyxl Worksheet, str or Path
        A worksheet (the table starts two rows below its content) or a file path.
    sheet : str, optional
        The sheet title when ``target`` is a path (default ``"Table 1"``).

    Returns
    -------
    The worksheet, or the path written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.worksheet.worksheet import Worksheet

    path = None
    if isinstance(target, str | Path):
        path = Path(target)
        wb = Workbook()
        ws = wb.active
        ws.title = (sheet or table.label)[:31]
    elif isinstance(target, Worksheet):
        ws = target
    else:
        raise ReportError(
            "to_excel writes to a worksheet or a file path",
            found=type(target).__name__,
            expected="an openpyxl Worksheet, or a str/Path ending in .xlsx",
            fix="pass openpyxl.Workbook().active or 'tables.xlsx'",
        )
    r = 1 if ws.max_row == 1 and ws.cell(1, 1).value is None else ws.max_row + 3
    font = "SimSun" if table.lang == "zh" else "Times New Roman"
    red = Font(name=font, bold=True, color="C00000")
    if table.warning:
        ws.cell(r, 1, table.warning).font = red
        r += 1
    ws.cell(r, 1, table.label).font = Font(name=font, bold=True)
    ws.cell(r + 1, 1, table.title).font = Font(name=font, italic=True)
    r += 2
    thin, thick = Side(style="thin"), Side(style="medium")
    heads = [h for c in table.columns for h in _excel_headers(c)]
    for j, h in enumerate(heads, start=1):
        cell = ws.cell(r, j, h)
        cell.font = Font(name=font, italic=False)
        cell.border = Border(top=thick, bottom=thin)
        cell.alignment = Alignment(horizontal="center")
    r += 1
    data = table.data
    first_body = r
    for grp, (_, row) in zip(table.groups(), data.iterrows(), strict=True):
        if grp is not None:
            ws.cell(r, 1, grp).font = Font(name=font, italic=True)
            r += 1
        j = 1
        for c in table.columns:
            values = [row.get(s) for s in c.source]
            if c.kind == "text":
                text = "" if values[0] is None else str(values[0])
                if text.lower() == "nan":
                    text = ""
                cell = ws.cell(r, j, text)
                if text[:1] in ("=", "+", "-", "@"):
                    cell.data_type = "s"  # a formula-like text stays text
                cell.font = Font(name=font)
                j += 1
                continue
            for v in values:
                num = None if v is None or v != v else float(v)
                cell = ws.cell(r, j, num)
                star = stars_for(row.get(c.stars)) if c.stars else ""
                cell.number_format = excel_format(c, star)
                cell.font = Font(name=font)
                j += 1
        r += 1
    last = r - 1
    if last >= first_body:
        for j in range(1, len(heads) + 1):
            ws.cell(last, j).border = Border(bottom=thick)
    r += 1
    for line in table.note_lines:
        cell = ws.cell(r, 1, line)
        cell.font = red if line == table.warning else Font(name=font)
        r += 1
    if path is None:
        return ws
    try:
        wb.save(path)
    except OSError as err:
        raise OutputError(
            f"cannot write the workbook {path}: {err.strerror or err}",
            path=path,
            fix="choose a writable folder, or close the file in Excel",
        ) from err
    return path


# ---------------------------------------------------------------------- Word
def _border_xml(cell: Any, **edges: str) -> None:
    """Write ``w:tcBorders`` of a cell: ``top="single"``... (python-docx has no border API)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tc_pr.append(borders)
    for edge in ("top", "left", "bottom", "right"):
        el = borders.find(qn(f"w:{edge}"))
        if el is None:
            el = OxmlElement(f"w:{edge}")
            borders.append(el)
        val = edges.get(edge, "nil")
        el.set(qn("w:val"), val)
        if val != "nil":
            el.set(qn("w:sz"), "8")
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")


def _no_table_borders(tbl: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = tbl._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    look = tbl_pr.find(qn("w:tblLook"))  # schema order: tblBorders comes before tblLook
    if look is not None:
        look.addprevious(borders)
    else:
        tbl_pr.append(borders)


def _run(par: Any, text: str, *, lang: str, italic: bool = False, bold: bool = False) -> Any:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run = par.add_run(text)
    run.italic = italic or None
    run.bold = bold or None
    run.font.name = "Times New Roman"
    run.font.size = Pt(11)
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), "SimSun" if lang == "zh" else "Times New Roman")
    if bold and text.startswith(("WARNING", "警告")):
        run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    return run


def to_docx(table: TableLike, document: Any = None) -> Any:
    """Add the table to a python-docx ``Document`` (a new one when none is given).

    APA 7: the number in bold, the title in italic above; rules above and below the header
    row and below the last row, no vertical lines (``w:tcBorders`` written directly);
    Times New Roman, SimSun (宋体) as East Asian font for ``lang="zh"``; the note below
    (the warning line of an improper result first, bold red).

    Returns
    -------
    docx.Document
    """
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = docx.Document() if document is None else document
    if not hasattr(doc, "add_table"):
        raise ReportError(
            "to_docx adds the table to a python-docx Document",
            found=type(document).__name__,
            expected="docx.Document()",
            fix="pass docx.Document() or nothing (a new document is made)",
        )
    lang = table.lang
    _run(doc.add_paragraph(), table.label, lang=lang, bold=True)
    _run(doc.add_paragraph(), table.title, lang=lang, italic=True)
    cells = table.cells()
    groups = table.groups()
    n_rows = 1 + len(cells) + sum(g is not None for g in groups)
    ncol = len(table.columns)
    tbl = doc.add_table(rows=n_rows, cols=ncol)
    _no_table_borders(tbl)
    # rows that start a group: one cell spanning the table (merged before the grid is read)
    group_rows: dict[int, str] = {}
    i = 1
    for grp in groups:
        if grp is not None:
            group_rows[i] = grp
            i += 1
        i += 1
    for i in group_rows:
        tbl.cell(i, 0).merge(tbl.cell(i, ncol - 1))
    # the grid read once (Table.cell(i, j) re-reads the whole table on every call)
    grid = tbl._cells if hasattr(tbl, "_cells") else [c for r in tbl.rows for c in r.cells]

    def at(i: int, j: int) -> Any:
        return grid[i * ncol + j]

    for j, c in enumerate(table.columns):
        par = at(0, j).paragraphs[0]
        for text, it in _segments(c.header):
            _run(par, text, lang=lang, italic=it)
    i = 1
    for row in cells:
        if i in group_rows:
            _run(at(i, 0).paragraphs[0], group_rows[i], lang=lang, italic=True)
            i += 1
        for j, (c, v) in enumerate(zip(table.columns, row, strict=True)):
            par = at(i, j).paragraphs[0]
            _run(par, v, lang=lang)
            if c.kind != "text":
                par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        i += 1
    done: set[int] = set()
    for i in range(n_rows):
        for j in range(ncol):
            cell = at(i, j)
            if id(cell._tc) in done:  # a merged cell appears once per spanned column
                continue
            done.add(id(cell._tc))
            if i == 0:
                _border_xml(cell, top="single", bottom="single")
            elif i == n_rows - 1:
                _border_xml(cell, bottom="single")
            else:
                _border_xml(cell)
    for line in table.note_lines:
        par = doc.add_paragraph()
        if line == table.warning:
            _run(par, line, lang=lang, bold=True)
            continue
        lead, rest = _note_head(line, lang)
        if lead:
            _run(par, lead, lang=lang, italic=True)
        _run(par, rest, lang=lang)
    return doc
