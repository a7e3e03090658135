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
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loyaltysem.effects import EffectsResult
from loyaltysem.errors import OutputError, ReportError
from loyaltysem.groups import InvarianceResult
from loyaltysem.guidance import EstimatorRecommendation
from loyaltysem.report.diagrams import Diagram, diagram
from loyaltysem.report.methods import Paragraphs, methods_text, results_text
from loyaltysem.report.render import to_docx, to_excel, to_html, to_markdown
from loyaltysem.report.tables import (
    Table,
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
    status_warning,
)
from loyaltysem.resampling import SEMBootstrap
from loyaltysem.results import SEMResult
from loyaltysem.screening import ScreeningReport
from loyaltysem.survey import Survey
from loyaltysem.validity import MeasurementReport

__all__ = ["FORMATS", "write"]

#: The formats :func:`write` writes, and the file each one becomes.
FORMATS: dict[str, str] = {
    "html": "report.html",
    "docx": "report.docx",
    "xlsx": "report.xlsx",
    "md": "report.md",
}

_ACCEPTED: dict[str, tuple[type, ...]] = {
    "survey": (Survey,),
    "screening": (ScreeningReport,),
    "validation": (MeasurementReport,),
    "fit": (SEMResult,),
    "effects": (EffectsResult,),
    "bootstrap": (SEMBootstrap,),
    "invariance": (InvarianceResult,),
    "recommendation": (EstimatorRecommendation,),
}

_WHERE = {
    "survey": "ls.read_survey(...) or ls.load_ecommerce()",
    "screening": "survey.screen()",
    "validation": "ls.validate(survey)",
    "fit": "ls.fit(model, survey)",
    "effects": "ls.effects(fit)",
    "bootstrap": "ls.bootstrap(fit)",
    "invariance": "ls.invariance(model, survey, group)",
    "recommendation": "ls.recommend_estimator(survey)",
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
        "figure": "Figure",
        "diagram": "Path diagram with standardized coefficients",
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
        "figure": "图",
        "diagram": "路径图（标准化系数）",
        "warning": "警告",
    },
}


@dataclass
class _Section:
    key: str
    heading: str
    paragraphs: Paragraphs | None = None
    tables: list[Table] = field(default_factory=list)
    diagram: Diagram | None = None
    banners: list[str] = field(default_factory=list)


def _check(inputs: dict[str, Any], formats: Sequence[str], lang: str) -> tuple[str, ...]:
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
    for name, value in inputs.items():
        if value is not None and not isinstance(value, _ACCEPTED[name]):
            raise ReportError(
                f"report.write does not know this {name} result",
                found=type(value).__name__,
                expected=f"{name}={_ACCEPTED[name][0].__name__} from {_WHERE[name]}",
                fix="pass each result under its keyword: "
                + ", ".join(f"{k}={v[0].__name__}" for k, v in _ACCEPTED.items()),
            )
    if all(v is None for v in inputs.values()):
        raise ReportError(
            "report.write was given no result",
            found="no result",
            expected="one or more of " + ", ".join(_ACCEPTED),
            fix="pass e.g. survey=..., fit=ls.fit(model, survey)",
        )
    return tuple(dict.fromkeys(formats))


def _banner(status: Any, what: str, lang: str) -> list[str]:
    text = status_warning(status, lang) if status is not None else ""
    return [f"{what}: {text}"] if text else []


def _sections(inputs: dict[str, Any], lang: str) -> list[_Section]:
    survey: Survey | None = inputs["survey"]
    screening = inputs["screening"]
    validation = inputs["validation"]
    fit = inputs["fit"]
    effects = inputs["effects"]
    bootstrap = inputs["bootstrap"]
    invariance = inputs["invariance"]
    head = _HEAD[lang]
    codebook = survey.codebook if survey is not None else None
    number = iter(range(1, 1000))
    text_inputs = dict(inputs)
    out: list[_Section] = [
        _Section("methods", head["methods"], paragraphs=methods_text(**text_inputs, lang=lang))
    ]
    if survey is not None or screening is not None:
        sec = _Section("screening", head["screening"])
        if survey is not None:
            excluded = screening.exclusions() if screening is not None else None
            sec.tables.append(
                sample_table(survey, excluded=excluded, result=fit, number=next(number), lang=lang)
            )
        if screening is not None:
            sec.tables.append(
                items_table(screening, codebook=codebook, number=next(number), lang=lang)
            )
        out.append(sec)
    if validation is not None:
        sec = _Section("validation", head["validation"])
        sec.banners = _banner(getattr(validation, "status", None), head["validation"], lang)
        kw = {"codebook": codebook, "lang": lang}
        sec.tables.append(measurement_table(validation, number=next(number), **kw))
        if survey is not None:
            sec.tables.append(construct_table(validation, survey, number=next(number), lang=lang))
        sec.tables.append(fornell_larcker_table(validation, number=next(number), **kw))
        sec.tables.append(htmt_table(validation, number=next(number), **kw))
        out.append(sec)
    if fit is not None:
        sec = _Section("model", head["model"])
        sec.banners = _banner(fit.status, head["model"], lang)
        sec.tables.append(fit_table(fit, number=next(number), lang=lang))
        if (fit.estimates["op"] == "~").any():  # a CFA has no paths and no R² of constructs
            kw = {"codebook": codebook, "lang": lang}
            sec.tables.append(hypotheses_table(fit, number=next(number), **kw))
            sec.tables.append(r2_table(fit, number=next(number), **kw))
        sec.tables.append(local_fit_table(fit, number=next(number), lang=lang))
        sec.diagram = diagram(fit, codebook=codebook, lang=lang)
        out.append(sec)
    if effects is not None:
        sec = _Section("effects", head["effects"])
        sec.banners = _banner(getattr(bootstrap, "status", None), head["effects"], lang)
        sec.tables.append(
            indirect_effects_table(
                effects,
                result=fit,
                bootstrap=bootstrap,
                codebook=codebook,
                number=next(number),
                lang=lang,
            )
        )
        out.append(sec)
    if invariance is not None:
        sec = _Section("invariance", head["invariance"])
        sec.banners = _banner(invariance.status, head["invariance"], lang)
        sec.tables.append(invariance_table(invariance, number=next(number), lang=lang))
        out.append(sec)
    out.append(
        _Section("results", head["results"], paragraphs=results_text(**text_inputs, lang=lang))
    )
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
figcaption{font-style:italic}
"""


def _paragraph_text(par: Paragraphs) -> list[str]:
    return [p for p in par.text.split("\n\n") if p]


def _figure_caption(lang: str, number: int) -> tuple[str, str]:
    head = _HEAD[lang]
    return f"{head['figure']} {number}", head["diagram"]


def _strip_svg_prolog(svg: str) -> str:
    """The ``<svg>`` element alone: no XML prolog, DOCTYPE or metadata block (inline HTML)."""
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    return re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)


def _html(sections: list[_Section], lang: str) -> str:
    head = _HEAD[lang]
    toc = "".join(f'<li><a href="#{s.key}">{html.escape(s.heading)}</a></li>' for s in sections)
    body: list[str] = []
    figures = 0
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
        if s.diagram is not None:
            figures += 1
            label, caption = _figure_caption(lang, figures)
            svg = _strip_svg_prolog(s.diagram._repr_svg_())
            body.append(
                f"<figure>{svg}<figcaption><b>{label}</b> {html.escape(caption)}</figcaption>"
                "</figure>"
            )
        body += [to_html(t) for t in s.tables]
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
    figures = 0
    for s in sections:
        lines += [f"## {s.heading}", ""]
        lines += [f"**{b}**\n" for b in s.banners]
        if s.paragraphs is not None:
            lines += [p + "\n" for p in _paragraph_text(s.paragraphs)]
        if s.diagram is not None:
            figures += 1
            label, caption = _figure_caption(lang, figures)
            lines += [f"**{label}** *{caption}* (report.html, report.docx)", ""]
        for t in s.tables:
            lines += [to_markdown(t), ""]
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
    figures = 0
    for s in sections:
        _docx_run(doc.add_heading("", level=1), s.heading, lang)
        for b in s.banners:
            _docx_run(doc.add_paragraph(), b, lang, bold=True, red=True)
        if s.paragraphs is not None:
            for p in _paragraph_text(s.paragraphs):
                _docx_run(doc.add_paragraph(), p, lang)
        if s.diagram is not None:
            figures += 1
            buffer = io.BytesIO()
            s.diagram.figure.savefig(buffer, format="png", dpi=150)
            buffer.seek(0)
            label, caption = _figure_caption(lang, figures)
            _docx_run(doc.add_paragraph(), label, lang, bold=True)
            cap = doc.add_paragraph()
            _docx_run(cap, caption, lang)
            cap.runs[0].italic = True
            doc.add_picture(buffer, width=Inches(6.0))
        for t in s.tables:
            to_docx(t, doc)
            doc.add_paragraph()
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


def write(
    out: str | Path,
    *,
    survey: Survey | None = None,
    screening: ScreeningReport | None = None,
    validation: MeasurementReport | None = None,
    fit: SEMResult | None = None,
    effects: EffectsResult | None = None,
    bootstrap: SEMBootstrap | None = None,
    invariance: InvarianceResult | None = None,
    recommendation: EstimatorRecommendation | None = None,
    formats: Sequence[str] = ("html", "docx", "xlsx", "md"),
    lang: str = "en",
) -> list[Path]:
    """Write the report of an analysis: HTML, Word, Excel and Markdown.

    Parameters
    ----------
    out : str or Path
        The folder to write into (created); the files are ``report.html``,
        ``report.docx``, ``report.xlsx`` and ``report.md``.
    survey, screening, validation, fit, effects, bootstrap, invariance, recommendation
        The results of the analysis; only the sections of the given ones are written
        (screening → validation → model → effects → invariance), after the methods
        paragraphs and before the results paragraphs.
    formats : sequence of {"html", "docx", "xlsx", "md"}
        The formats to write.
    lang : {"en", "zh"}
        English, or Chinese (the codebook's ``label_zh`` and ``text_zh``; SimSun as the
        East Asian font in Word).

    Returns
    -------
    list of Path
        The files written, in the order of ``formats``.

    Raises
    ------
    ReportError
        An unknown format or language, a result of a type the report does not know, or no
        result at all.
    OutputError
        The folder or a file cannot be written.

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
    inputs = {
        "survey": survey,
        "screening": screening,
        "recommendation": recommendation,
        "fit": fit,
        "validation": validation,
        "bootstrap": bootstrap,
        "effects": effects,
        "invariance": invariance,
    }
    wanted = _check(inputs, formats, lang)
    folder = Path(out)
    sections = _sections(inputs, lang)
    written: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for fmt in wanted:
            path = folder / FORMATS[fmt]
            if fmt == "html":
                path.write_text(_html(sections, lang), encoding="utf-8")
            elif fmt == "md":
                path.write_text(_markdown(sections, lang), encoding="utf-8")
            elif fmt == "docx":
                _docx(sections, lang, path)
            else:
                _xlsx(sections, lang, path)
            written.append(path)
    except OSError as err:
        raise OutputError(
            f"cannot write the report into {folder}: {err.strerror or err}",
            path=folder,
            fix="choose a writable folder, or close the file in Word or Excel",
        ) from err
    return written
