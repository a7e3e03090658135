"""One report in HTML, Word, Excel and Markdown from the results of an analysis (issue 13).

:func:`write` gathers the APA tables (:mod:`loyaltysem.report.tables`), the path diagram
(:mod:`loyaltysem.report.diagrams`) and the methods and results paragraphs
(:mod:`loyaltysem.report.methods`) of the results it is given, in the order of an analysis:
screening, validation, model, effects, invariance. Only the sections whose results are
given are written. Every table and paragraph reads the result objects; nothing is
recomputed here. An improper or non-converged result is marked in every format (a red
banner in HTML, a bold warning line in Word, Excel and Markdown).

Examples
--------
>>> import tempfile
>>> import loyaltysem as ls
>>> from loyaltysem import report
>>> s = ls.load_ecommerce()
>>> res = ls.fit(ls.DEFAULT_MODEL, s)
>>> with tempfile.TemporaryDirectory() as d:
...     paths = report.write(d, survey=s, fit=res, formats=("md",))
...     text = paths[0].read_text(encoding="utf-8")
>>> [p.name for p in paths]
['report.md']
>>> "## 3 Model" in text
True
"""

from __future__ import annotations

import html
import io
import itertools
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from loyaltysem.errors import OutputError, ReportError
from loyaltysem.measurement.validity import MeasurementReport
from loyaltysem.pls import PLSResult
from loyaltysem.report.cells import status_warning
from loyaltysem.report.diagrams import diagram
from loyaltysem.report.figures import (
    Figure,
    forest_figure,
    htmt_figure,
    invariance_figure,
    likert_figure,
    missing_figure,
    residual_figure,
)
from loyaltysem.report.inputs import Results
from loyaltysem.report.methods import Paragraphs, methods_paragraphs, results_paragraphs
from loyaltysem.report.pdf import find_chromium, html_to_pdf
from loyaltysem.report.pls import pls_methods_text, pls_tables
from loyaltysem.report.render import tex_text, to_docx, to_excel, to_html, to_latex, to_markdown
from loyaltysem.report.tables import (
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
    provenance_table,
    r2_table,
    sample_table,
)
from loyaltysem.sem.bootstrap import SEMBootstrap
from loyaltysem.sem.comparison import ModelComparison
from loyaltysem.sem.effects import EffectsResult
from loyaltysem.sem.group_blocks import MultiGroupResult
from loyaltysem.sem.guidance import EstimatorRecommendation
from loyaltysem.sem.invariance import InvarianceResult
from loyaltysem.sem.results import SEMResult
from loyaltysem.survey import Survey
from loyaltysem.survey.screening import ScreeningReport

__all__ = ["FORMATS", "write"]

#: The formats :func:`write` writes, and the file each one becomes.
FORMATS: dict[str, str] = {
    "html": "report.html",
    "docx": "report.docx",
    "xlsx": "report.xlsx",
    "md": "report.md",
    "tex": "report.tex",
    "pdf": "report.pdf",
}

_HEAD = {
    "en": {
        "title": "Analysis report",
        "contents": "Contents",
        "methods": "Methods",
        "screening": "Screening and sample",
        "validation": "Measurement model",
        "model": "Model",
        "effects": "Effects",
        "invariance": "Measurement invariance",
        "results": "Results",
        "provenance": "Provenance",
        "comparison": "Model comparison",
        "figure": "Figure",
        "diagram": "Path diagram with standardized coefficients",
        "pls": "PLS path model",
        "pls_diagram": "PLS path diagram: loadings, weights and path coefficients",
        "warning": "WARNING",
    },
    "zh": {
        "title": "分析报告",
        "contents": "目录",
        "methods": "研究方法",
        "screening": "数据筛查与样本",
        "validation": "测量模型",
        "model": "结构模型",
        "effects": "效应分析",
        "invariance": "测量不变性",
        "results": "研究结果",
        "provenance": "来源信息",
        "comparison": "模型比较",
        "figure": "图",
        "diagram": "路径图（标准化系数）",
        "pls": "PLS 路径模型",
        "pls_diagram": "PLS 路径图：载荷、权重与路径系数",
        "warning": "警告",
    },
}


@dataclass
class _Figure:
    """A figure of the report: its title, its note and what draws it (a Diagram or a Figure)."""

    title: str
    note: str
    art: Any  # has .figure, a matplotlib Figure
    number: int = 0

    @property
    def self_labelled(self) -> bool:
        """Whether the drawing carries its own number, title and note (a report Figure)."""
        return isinstance(self.art, Figure)

    def svg(self) -> str:
        """Inline SVG whose words stay text (``svg.fonttype = "none"``).

        The page can be searched and read aloud, and it is drawn in half the time of
        glyph outlines.
        """
        import matplotlib

        buffer = io.StringIO()
        with matplotlib.rc_context({"svg.fonttype": "none"}):
            self.art.figure.savefig(buffer, format="svg")
        return _strip_svg_prolog(buffer.getvalue())

    def png(self) -> io.BytesIO:
        buffer = io.BytesIO()
        self.art.figure.savefig(buffer, format="png", dpi=150)
        buffer.seek(0)
        return buffer


@dataclass
class _Section:
    key: str
    heading: str
    paragraphs: Paragraphs | None = None
    tables: list[Table] = field(default_factory=list)
    figures: list[_Figure] = field(default_factory=list)
    banners: list[str] = field(default_factory=list)


def _check(formats: Sequence[str], lang: str) -> tuple[str, ...]:
    if lang not in _HEAD:
        raise ReportError(
            "unknown report language",
            found=repr(lang),
            expected='"en" or "zh"',
            fix='pass lang="en" (English) or lang="zh" (Chinese)',
        )
    if isinstance(formats, str):
        formats = (formats,)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ReportError(
            "unknown report format",
            found=unknown or "no format",
            expected=f"one or more of {sorted(FORMATS)}",
            fix='pass e.g. formats=("html", "docx", "xlsx", "md")',
        )
    return tuple(dict.fromkeys(formats))


def _banner(status: Any, what: str, lang: str) -> list[str]:
    text = status_warning(status, lang) if status is not None else ""
    return [f"{what}: {text}"] if text else []


@dataclass
class _Context:
    """What every section builder needs: language, codebook, table numbers and options."""

    lang: str
    codebook: Any
    hypotheses: Mapping[str, str] | None
    alpha: float
    diagram_options: Mapping[str, Any]
    figures: bool = True
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    figure_counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def number(self) -> int:
        return next(self.counter)

    def figure(self, sec: _Section, draw: Callable[..., Any], *args: Any, **kw: Any) -> None:
        """Draw a report figure with the next figure number and add it to ``sec``."""
        if not self.figures:
            return
        number = next(self.figure_counter)
        fig = draw(*args, number=number, lang=self.lang, **kw)
        sec.figures.append(_Figure(fig.title, fig.caption, fig, number))

    @property
    def head(self) -> dict[str, str]:
        return _HEAD[self.lang]


def _screening_section(c: _Context, survey: Survey | None, screening: Any, fit: Any) -> _Section:
    sec = _Section("screening", c.head["screening"])
    if survey is not None:
        excluded = screening.exclusions() if screening is not None else None
        sec.tables.append(
            sample_table(survey, excluded=excluded, result=fit, number=c.number(), lang=c.lang)
        )
    if screening is not None:
        sec.tables.append(
            items_table(screening, codebook=c.codebook, number=c.number(), lang=c.lang)
        )
    if survey is not None and _answers_on_a_scale(survey):
        c.figure(sec, likert_figure, survey, codebook=c.codebook)
        if survey.data[survey.items].isna().to_numpy().any():
            c.figure(sec, missing_figure, survey)
    return sec


def _answers_on_a_scale(survey: Survey) -> bool:
    """Whether the items are answers on a rating scale (whole numbers, at most 11 points).

    Likert bars are drawn only then; test scores and other continuous items (Holzinger and
    Swineford's) have no answer categories to stack.
    """
    if not survey.items:
        return False
    answers = survey.data[survey.items].to_numpy(dtype=float)
    answers = answers[~np.isnan(answers)]
    return bool(
        answers.size and np.all(answers == np.round(answers)) and np.unique(answers).size <= 11
    )


def _validation_section(c: _Context, validation: Any, survey: Survey | None) -> _Section:
    sec = _Section("validation", c.head["validation"])
    sec.banners = _banner(getattr(validation, "status", None), c.head["validation"], c.lang)
    kw = {"codebook": c.codebook, "lang": c.lang}
    sec.tables.append(measurement_table(validation, number=c.number(), **kw))
    if survey is not None:
        sec.tables.append(construct_table(validation, survey, number=c.number(), lang=c.lang))
    sec.tables.append(fornell_larcker_table(validation, number=c.number(), **kw))
    sec.tables.append(htmt_table(validation, number=c.number(), **kw))
    c.figure(sec, htmt_figure, validation, codebook=c.codebook)
    return sec


def _model_section(c: _Context, fit: Any) -> _Section:
    sec = _Section("model", c.head["model"])
    sec.banners = _banner(fit.status, c.head["model"], c.lang)
    sec.tables.append(fit_table(fit, number=c.number(), lang=c.lang))
    if (fit.estimates["op"] == "~").any():  # a CFA has no paths and no R² of constructs
        kw = {"codebook": c.codebook, "lang": c.lang}
        sec.tables.append(
            hypotheses_table(fit, hypotheses=c.hypotheses, alpha=c.alpha, number=c.number(), **kw)
        )
        sec.tables.append(r2_table(fit, number=c.number(), **kw))
    sec.tables.append(local_fit_table(fit, number=c.number(), lang=c.lang))
    options = {"codebook": c.codebook, "lang": c.lang, **dict(c.diagram_options)}
    drawn = diagram(fit, **options)
    sec.figures.append(_Figure(c.head["diagram"], drawn.caption, drawn, next(c.figure_counter)))
    for group in getattr(fit, "group_labels", None) or (None,):
        c.figure(sec, residual_figure, fit, group=group)
    return sec


def _comparison_section(c: _Context, comparison: Any) -> _Section:
    sec = _Section("comparison", c.head["comparison"])
    sec.banners = _banner(getattr(comparison, "status", None), c.head["comparison"], c.lang)
    sec.tables.append(comparison_table(comparison, number=c.number(), lang=c.lang))
    return sec


def _effects_section(c: _Context, effects: Any, fit: Any, bootstrap: Any) -> _Section:
    sec = _Section("effects", c.head["effects"])
    sec.banners = _banner(getattr(bootstrap, "status", None), c.head["effects"], c.lang)
    sec.tables.append(
        indirect_effects_table(
            effects,
            result=fit,
            bootstrap=bootstrap,
            codebook=c.codebook,
            number=c.number(),
            lang=c.lang,
        )
    )
    if len(effects.mediation):  # a model without indirect paths has nothing to plot
        c.figure(sec, forest_figure, effects, bootstrap, result=fit, codebook=c.codebook)
    return sec


def _invariance_section(c: _Context, invariance: Any) -> _Section:
    sec = _Section("invariance", c.head["invariance"])
    sec.banners = _banner(invariance.status, c.head["invariance"], c.lang)
    sec.tables.append(invariance_table(invariance, number=c.number(), lang=c.lang))
    c.figure(sec, invariance_figure, invariance)
    return sec


def _pls_section(c: _Context, res: PLSResult, boot: Any = None) -> _Section:
    sec = _Section("pls", c.head["pls"])
    sec.banners = _banner(res.status, c.head["pls"], c.lang)
    if boot is not None:
        sec.banners += _banner(boot.status, "PLS bootstrap", c.lang)
    tables = pls_tables(res, bootstrap=boot, codebook=c.codebook, lang=c.lang, start=c.number())
    for _ in tables[1:]:
        c.number()  # the numbers pls_tables gave
    sec.tables.extend(tables)
    options = {"codebook": c.codebook, "lang": c.lang, **dict(c.diagram_options)}
    drawn = diagram(res, **options)
    sec.figures.append(_Figure(c.head["pls_diagram"], drawn.caption, drawn, next(c.figure_counter)))
    return sec


def _provenance_section(c: _Context, named: Mapping[str, Any]) -> _Section:
    sec = _Section("provenance", c.head["provenance"])
    sec.tables.append(provenance_table(named, number=c.number(), lang=c.lang))
    return sec


def _sections(
    given: Results,
    lang: str,
    *,
    hypotheses: Mapping[str, str] | None = None,
    alpha: float = 0.05,
    level: float = 0.95,
    diagram_options: Mapping[str, Any] | None = None,
    figures: bool = True,
) -> list[_Section]:
    """The report's sections, in the order of an analysis, for the results given."""
    survey, fit, validation, bootstrap = given.survey, given.fit, given.validation, given.bootstrap
    codebook = survey.codebook if survey is not None else None
    c = _Context(lang, codebook, hypotheses, alpha, dict(diagram_options or {}), figures)
    out = [_Section("methods", c.head["methods"])]  # its paragraphs: below
    if survey is not None or given.screening is not None:
        out.append(_screening_section(c, survey, given.screening, fit))
    if validation is not None:
        out.append(_validation_section(c, validation, survey))
    if fit is not None:
        out.append(_model_section(c, fit))
    if given.comparison is not None:
        out.append(_comparison_section(c, given.comparison))
    if given.effects is not None:
        out.append(_effects_section(c, given.effects, fit, bootstrap))
    if given.invariance is not None:
        out.append(_invariance_section(c, given.invariance))
    pls, pls_boot = given.pls, given.pls_bootstrap
    if pls_boot is not None and pls is None:
        raise ReportError(
            "pls_bootstrap= needs the PLS model it resampled",
            found="pls_bootstrap without pls",
            expected="pls=result and pls_bootstrap=result.bootstrap(...)",
            fix="pass pls=result with it",
        )
    if pls is not None:
        out.append(_pls_section(c, pls, pls_boot))
    if set(given.given()) - {"comparison", "pls", "pls_bootstrap"}:  # what the texts read
        methods = methods_paragraphs(given, level=level, lang=lang)
        if pls is not None:
            extra = pls_methods_text(pls, lang=lang)
            methods = Paragraphs(
                "methods", lang, methods.paragraphs + extra.paragraphs, methods.ok and extra.ok
            )
        out[0].paragraphs = methods
        results = results_paragraphs(
            given, level=level, alpha=alpha, hypotheses=hypotheses, lang=lang
        )
        out.append(_Section("results", c.head["results"], paragraphs=results))
    else:  # a PLS model alone: its methods paragraph; the tables are its results
        out[0].paragraphs = pls_methods_text(pls, lang=lang)
    named = {c.head["model"]: fit, c.head["validation"]: validation, "Bootstrap": bootstrap}
    if any(r is not None for r in named.values()):
        out.append(_provenance_section(c, {k: v for k, v in named.items() if v is not None}))
    for i, sec in enumerate(out, start=1):
        sec.heading = f"{i} {sec.heading}"
    return out


# ---------------------------------------------------------------------- writers
_CSS = """
body{font-family:"Times New Roman","SimSun","Noto Serif CJK SC",serif;max-width:60em;
margin:2em auto;padding:0 1em;line-height:1.5}
h1,h2{font-weight:bold}
.banner{background:#fde7ea;color:#b00020;border:2px solid #b00020;padding:.5em;
font-weight:bold;margin:1em 0}
nav ul{list-style:none;padding-left:0}
figure{margin:1em 0}
figure svg{max-width:100%;height:auto}
figcaption{font-size:.9em}
"""


def _paragraph_text(par: Paragraphs) -> list[str]:
    return [p for p in par.text.split("\n\n") if p]


def _figure_label(lang: str, number: int) -> str:
    return f"{_HEAD[lang]['figure']} {number}"


def _strip_svg_prolog(svg: str) -> str:
    """The ``<svg>`` element alone: no XML prolog, DOCTYPE or metadata block (inline HTML)."""
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    return re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)


def _html(sections: list[_Section], lang: str) -> str:
    head = _HEAD[lang]
    toc = "".join(f'<li><a href="#{s.key}">{html.escape(s.heading)}</a></li>' for s in sections)
    body: list[str] = []
    for s in sections:
        body.append(f'<section id="{s.key}"><h2>{html.escape(s.heading)}</h2>')
        body += [f'<div class="banner">{html.escape(b)}</div>' for b in s.banners]
        if s.paragraphs is not None:
            if not s.paragraphs.ok:
                body.append(
                    f'<div class="banner">{head["warning"]}: '
                    + html.escape(
                        "improper or non-converged result: see the text"
                        if lang == "en"
                        else "结果不当或未收敛：见正文"
                    )
                    + "</div>"
                )
            body += [f"<p>{html.escape(p)}</p>" for p in _paragraph_text(s.paragraphs)]
        body += [to_html(t) for t in s.tables]
        for f in s.figures:
            label = html.escape(f"{_figure_label(lang, f.number)}: {f.title}")
            if f.self_labelled:  # number, title and note are drawn in the figure
                body.append(
                    f'<figure id="figure-{f.number}" aria-label="{label}">{f.svg()}</figure>'
                )
                continue
            body.append(
                f'<figure id="figure-{f.number}"><p><b>{_figure_label(lang, f.number)}</b></p>'
                f"<p><i>{html.escape(f.title)}</i></p>{f.svg()}"
                f"<figcaption>{html.escape(f.note)}</figcaption></figure>"
            )
        body.append("</section>")
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}"><head><meta charset="utf-8">'
        f"<title>{head['title']}</title><style>{_CSS}</style></head><body>"
        f"<h1>{head['title']}</h1><nav><h2>{head['contents']}</h2><ul>{toc}</ul></nav>"
        + "".join(body)
        + "</body></html>\n"
    )


def _markdown(sections: list[_Section], lang: str) -> str:
    head = _HEAD[lang]
    lines = [f"# {head['title']}", "", f"**{head['contents']}**", ""]
    lines += [f"- {s.heading}" for s in sections]
    lines.append("")
    for s in sections:
        lines += [f"## {s.heading}", ""]
        lines += [f"**{b}**\n" for b in s.banners]
        if s.paragraphs is not None:
            lines += [p + "\n" for p in _paragraph_text(s.paragraphs)]
        for t in s.tables:
            lines += [to_markdown(t), ""]
        for f in s.figures:
            label = _figure_label(lang, f.number)
            lines += [f"**{label}** *{f.title}* (report.html, report.docx). {f.note}", ""]
    return "\n".join(lines).rstrip() + "\n"


def _docx_run(par: Any, text: str, lang: str, *, bold: bool = False, red: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import RGBColor

    run = par.add_run(text)
    run.bold = bold or None
    run.font.name = "Times New Roman"
    run._element.get_or_add_rPr().get_or_add_rFonts().set(
        qn("w:eastAsia"), "SimSun" if lang == "zh" else "Times New Roman"
    )
    if red:
        run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)


def _docx(sections: list[_Section], lang: str, path: Path) -> Path:
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Inches

    doc = docx.Document()
    for style in ("Normal", "Heading 1", "Heading 2", "Title"):
        st = doc.styles[style]
        st.font.name = "Times New Roman"
        st.element.get_or_add_rPr().get_or_add_rFonts().set(
            qn("w:eastAsia"), "SimSun" if lang == "zh" else "Times New Roman"
        )
    _docx_run(doc.add_heading("", level=0), _HEAD[lang]["title"], lang)
    for s in sections:
        _docx_run(doc.add_heading("", level=1), s.heading, lang)
        for b in s.banners:
            _docx_run(doc.add_paragraph(), b, lang, bold=True, red=True)
        if s.paragraphs is not None:
            for p in _paragraph_text(s.paragraphs):
                _docx_run(doc.add_paragraph(), p, lang)
        for t in s.tables:
            to_docx(t, doc)
            doc.add_paragraph()
        for f in s.figures:
            if not f.self_labelled:  # a report Figure draws its number, title and note
                _docx_run(doc.add_paragraph(), _figure_label(lang, f.number), lang, bold=True)
                cap = doc.add_paragraph()
                _docx_run(cap, f.title, lang)
                cap.runs[0].italic = True
            doc.add_picture(f.png(), width=Inches(6.0))
    doc.save(str(path))
    return path


def _xlsx(sections: list[_Section], lang: str, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    first = wb.active
    first.title = "Contents" if lang == "en" else "目录"
    first.cell(1, 1, _HEAD[lang]["title"]).font = Font(bold=True)
    r = 3
    for s in sections:
        for b in s.banners:
            first.cell(r, 1, b).font = Font(bold=True, color="C00000")
            r += 1
        for t in s.tables:
            ws = wb.create_sheet(t.label[:31])
            to_excel(t, ws)
            first.cell(r, 1, s.heading)
            first.cell(r, 2, t.label)
            first.cell(r, 3, t.title)
            r += 1
    wb.save(path)
    return path


def _latex(sections: list[_Section], lang: str, path: Path) -> list[Path]:
    """``report.tex`` (booktabs) and one PDF per figure beside it; zh needs XeLaTeX (ctex)."""
    head = _HEAD[lang]
    if lang == "zh":
        preamble = [r"\documentclass[UTF8]{ctexart}  % compile with xelatex"]
    else:
        preamble = [
            r"\documentclass{article}",
            r"\usepackage[T1]{fontenc}",
            r"\usepackage[utf8]{inputenc}",
            r"\usepackage{textcomp}",
        ]
    preamble += [
        r"\usepackage{booktabs}",
        r"\usepackage{threeparttable}",
        r"\usepackage{caption}",
        r"\usepackage{graphicx}",
        r"\usepackage{xcolor}",
        r"\usepackage[margin=2.5cm]{geometry}",
        rf"\title{{{tex_text(head['title'])}}}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        r"\tableofcontents",
    ]
    lines = list(preamble)
    written = [path]
    for s in sections:
        lines += ["", rf"\section{{{tex_text(s.heading.split(' ', 1)[-1])}}}"]
        lines += [rf"\textcolor{{red}}{{\textbf{{{tex_text(b)}}}}}\par" for b in s.banners]
        if s.paragraphs is not None:
            lines += [tex_text(p) + "\n" for p in _paragraph_text(s.paragraphs)]
        for t in s.tables:
            lines += [to_latex(t), ""]
        for f in s.figures:
            name = f"{path.stem}-figure-{f.number}.pdf"
            f.art.figure.savefig(path.with_name(name), format="pdf")
            written.append(path.with_name(name))
            lines += [
                r"\begin{figure}[htbp]",
                r"\centering",
                rf"\caption*{{{tex_text(_figure_label(lang, f.number))}: {tex_text(f.title)}}}",
                rf"\includegraphics[width=\linewidth]{{{name}}}",
                r"\end{figure}",
            ]
    lines += ["", r"\end{document}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return written


def write(
    out: str | Path,
    *,
    survey: Survey | None = None,
    screening: ScreeningReport | None = None,
    validation: MeasurementReport | None = None,
    fit: SEMResult | MultiGroupResult | None = None,
    effects: EffectsResult | None = None,
    bootstrap: SEMBootstrap | None = None,
    invariance: InvarianceResult | None = None,
    recommendation: EstimatorRecommendation | None = None,
    comparison: ModelComparison | None = None,
    pls: PLSResult | None = None,
    pls_bootstrap: Any = None,
    formats: Sequence[str] = ("html", "docx", "xlsx", "md"),
    lang: str = "en",
    hypotheses: Mapping[str, str] | None = None,
    alpha: float = 0.05,
    level: float = 0.95,
    diagram_options: Mapping[str, Any] | None = None,
    figures: bool = True,
) -> list[Path]:
    """Write the report of an analysis: HTML, Word, Excel, Markdown and LaTeX.

    Parameters
    ----------
    out : str or Path
        The folder to write into (created); the files are ``report.html``,
        ``report.docx``, ``report.xlsx`` and ``report.md``.
    survey, screening, validation, fit, effects, bootstrap, invariance, recommendation
        The results of the analysis; only the sections of the given ones are written
        (screening → validation → model → comparison → effects → invariance), after the
        methods paragraphs and before the results paragraphs and the provenance table
        (estimator, N, seed, data hash, versions). ``fit`` may be a multi-group fit
        (``ls.fit(..., group=...)``): its tables and paragraphs go group by group.
    comparison : ModelComparison, optional
        Nested models compared with :func:`loyaltysem.compare` (default vs rival).
    pls : PLSResult, optional
        A PLS path model (:func:`loyaltysem.fit_pls`): a section with its tables
        (:func:`loyaltysem.report.pls.pls_tables`) and path diagram, and its
        methods paragraph.
    pls_bootstrap : PLSBootstrap, optional
        The bootstrap of ``pls`` (``pls.bootstrap(5000, random_state=1)``): *t*, *p* and
        percentile intervals in its paths and effects tables.
    formats : sequence of {"html", "docx", "xlsx", "md", "tex", "pdf"}
        The formats to write. ``tex`` writes ``report.tex`` (booktabs tables; XeLaTeX with
        ``ctex`` for Chinese) and one ``report-figure-N.pdf`` per figure beside it; ``pdf``
        prints the HTML page with a headless Chromium found on the machine
        (``loyaltysem.report.pdf.find_chromium()``).
    lang : {"en", "zh"}
        English, or Chinese (the codebook's ``label_zh`` and ``text_zh``; SimSun as the
        East Asian font in Word).
    hypotheses : mapping of str to str, optional
        Hypothesis names keyed by path label (``"a1"``) or path (``"TRU ~ REP"``), for the
        hypotheses table and the results text (R: the labels of the lavaan model).
    alpha : float, default 0.05
        Significance level for "supported".
    level : float, default 0.95
        Confidence level of the intervals, as passed to ``effects``/``bootstrap``.
    diagram_options : mapping, optional
        Keyword arguments of :func:`loyaltysem.report.diagram` (``structural_only``,
        ``loadings``, ``layout``, ``multigroup``, ``covariances``).
    figures : bool, default True
        Add the figures of ``loyaltysem.report.figures`` beside the tables: Likert bars
        and missing patterns (survey), the HTMT heatmap (validation), the residual
        correlations (fit; one per group), the forest plot (effects) and the invariance
        ladder. The path diagram is always drawn.

    Returns
    -------
    list of Path
        The files written, in the order of ``formats``.

    Raises
    ------
    ReportError
        An unknown format or language, a result of a type the report does not know, no
        result at all, or ``pdf`` without a Chromium on the machine (saying how to install
        one).
    OutputError
        The folder or a file cannot be written. The report is whole or absent: every
        format is written into a staging folder beside ``out`` and moved in only when all
        are written, so a failure leaves ``out`` as it was (not created if it did not
        exist); other files in ``out`` are kept.

    Examples
    --------
    >>> import tempfile
    >>> import loyaltysem as ls
    >>> from loyaltysem import report
    >>> with tempfile.TemporaryDirectory() as d:
    ...     report.write(d, fit="not a result")
    Traceback (most recent call last):
    ...
    loyaltysem.errors.ReportError: report.write does not know this fit result...
    """
    wanted = _check(formats, lang)
    given = Results.gather(  # once: the sections, the methods and the results text read it
        "report.write",
        survey=survey,
        screening=screening,
        recommendation=recommendation,
        fit=fit,
        validation=validation,
        bootstrap=bootstrap,
        effects=effects,
        invariance=invariance,
        comparison=comparison,
        pls=pls,
        pls_bootstrap=pls_bootstrap,
    )
    if "pdf" in wanted:
        find_chromium()  # before anything is written: says how to install one
    folder = Path(out)
    sections = _sections(
        given,
        lang,
        hypotheses=hypotheses,
        alpha=alpha,
        level=level,
        diagram_options=diagram_options,
        figures=figures,
    )
    try:
        staged = _write_staged(folder, wanted, sections, lang)
    except OSError as err:
        raise OutputError(
            f"cannot write the report into {folder}: {err.strerror or err}",
            path=folder,
            fix="choose a writable folder, or close the file in Word or Excel",
        ) from err
    return staged


def _write_staged(
    folder: Path, wanted: Sequence[str], sections: list[_Section], lang: str
) -> list[Path]:
    """Write every format into a staging folder beside ``folder``, then move the files in.

    The report is whole or absent: a format that fails leaves ``folder`` as it was (not
    created if it did not exist); the staging folder is removed either way. Other files
    in ``folder`` are kept; a report's files replace those of an earlier report.
    """
    import shutil

    where = folder.resolve()  # "." or "out/..": the staging folder goes beside the real one
    where.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{where.name}.partial-", dir=where.parent))
    try:
        names: list[str] = []
        for fmt in wanted:
            path = staging / FORMATS[fmt]
            if fmt == "html":
                path.write_text(_html(sections, lang), encoding="utf-8")
            elif fmt == "md":
                path.write_text(_markdown(sections, lang), encoding="utf-8")
            elif fmt == "docx":
                _docx(sections, lang, path)
            elif fmt == "tex":
                names += [p.name for p in _latex(sections, lang, path)[1:]]  # figure PDFs
            elif fmt == "pdf":
                with tempfile.TemporaryDirectory(prefix="loyaltysem-report-") as tmp:
                    page = Path(tmp) / "report.html"
                    page.write_text(_html(sections, lang), encoding="utf-8")
                    html_to_pdf(page, path)
            else:
                _xlsx(sections, lang, path)
            names.append(path.name)
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:  # the same file system: each move is a rename
            (staging / name).replace(folder / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [folder / name for name in names]
