"""report.write: one report in HTML, Word, Excel and Markdown from the bundled example.

Every number of the fit table in the Word file equals the result's at the shown precision;
Excel cells are numbers equal to the result's; the HTML is self-contained (inline SVG and
CSS, no network resource) with every section; Chinese uses the codebook's ``label_zh``; an
improper result is marked in every format; bad input raises a typed ReportError.
"""

from __future__ import annotations

import re
import time
import warnings

import docx
import openpyxl
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem import report
from loyaltysem.errors import ReportError

SECTIONS_EN = [
    "Methods",
    "Screening and sample",
    "Measurement model",
    "Model",
    "Effects",
    "Results",
]


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def chain():
    s = ls.load_ecommerce()
    scr = s.screen()
    c = s.clean(scr)
    res = ls.fit(ls.DEFAULT_MODEL, c)
    val = ls.validate(c, ls.DEFAULT_MODEL, n_boot=0, run_efa=False, common_method=False)
    eff = ls.effects(res)
    return {"survey": c, "screening": scr, "validation": val, "fit": res, "effects": eff}


@pytest.fixture(scope="module")
def written(chain, tmp_path_factory):
    out = tmp_path_factory.mktemp("report_en")
    start = time.perf_counter()
    paths = report.write(out, **chain)
    return paths, time.perf_counter() - start


@pytest.fixture(scope="module")
def written_zh(chain, tmp_path_factory):
    out = tmp_path_factory.mktemp("report_zh")
    return report.write(out, **chain, lang="zh")


@pytest.fixture(scope="module")
def heywood():
    s = pd.DataFrame(
        [[1, 0.8, 0.8], [0.8, 1, 0.3], [0.8, 0.3, 1]], index=list("abc"), columns=list("abc")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = ls.fit("f =~ a + b + c", sample_cov=s, sample_nobs=200)
    assert not r.status.ok
    return r


def apa(x: float, d: int, *, bounded: bool = False) -> str:
    """Independent APA formatting: d decimals, no leading zero if bounded."""
    s = f"{x:.{d}f}"
    if bounded and s.startswith("0."):
        s = s[1:]
    return s


def apa_p(p: float) -> str:
    return "< .001" if p < 0.001 else f"{p:.3f}".replace("0.", ".", 1)


def _by_name(paths):
    return {p.suffix: p for p in paths}


# ---------------------------------------------------------------------- files
def test_all_formats_written_fast(written):
    paths, seconds = written
    assert [p.name for p in paths] == ["report.html", "report.docx", "report.xlsx", "report.md"]
    assert all(p.stat().st_size > 1000 for p in paths)
    # the budget is 10 s (benchmarks/bench_report.py measures it); here a guard
    # against regressions that holds on a CI machine busy with other tests
    assert seconds < 20


def test_word_fit_table_numbers_equal_the_result(written, chain):
    doc = docx.Document(str(_by_name(written[0])[".docx"]))
    assert len(doc.tables) >= 10  # sample, items, 4 measurement, fit, paths, R², local, effects
    heads = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    fit_tables = [t for t, h in zip(doc.tables, heads, strict=True) if "CFI" in h]
    assert len(fit_tables) == 1
    t = fit_tables[0]
    assert [c.text for c in t.rows[0].cells] == [
        "Model",
        "χ²",
        "df",
        "p",
        "CFI",
        "TLI",
        "RMSEA [90% CI]",
        "SRMR",
    ]
    fm = chain["fit"].fit_measures
    row = [c.text for c in t.rows[1].cells]
    assert row[1:] == [
        apa(fm["chisq"], 2),
        str(int(fm["df"])),
        apa_p(fm["pvalue"]),
        apa(fm["cfi"], 3, bounded=True),
        apa(fm["tli"], 3),
        f"{apa(fm['rmsea'], 3, bounded=True)} [{apa(fm['rmsea.ci.lower'], 3, bounded=True)}, "
        f"{apa(fm['rmsea.ci.upper'], 3, bounded=True)}]",
        apa(fm["srmr"], 3, bounded=True),
    ]
    assert row[1] == "322.86"  # the bundled example, cleaned: ML χ²(353)
    text = "\n".join(p.text for p in doc.paragraphs)
    for head in SECTIONS_EN:
        assert head in text
    assert "Figure 4" in text  # the diagram: its number as text (after Likert, missing, HTMT)
    # Likert bars, missing patterns, HTMT, path diagram, residuals, forest plot: PNGs
    assert len(doc.inline_shapes) == 6
    fonts = {r.font.name for p in doc.paragraphs for r in p.runs if r.text.strip()}
    assert fonts == {"Times New Roman"}


def test_excel_cells_are_numbers_equal_to_the_result(written, chain):
    wb = openpyxl.load_workbook(_by_name(written[0])[".xlsx"])
    assert len(wb.sheetnames) >= 11  # contents + one sheet per table
    fm = chain["fit"].fit_measures
    found = False
    for ws in wb.worksheets:
        rows = [[c.value for c in r] for r in ws.iter_rows()]
        for i, row in enumerate(rows):
            if "CFI" in row and "TLI" in row:
                head, body = row, rows[i + 1]
                cell = dict(zip(head, body, strict=False))
                for key, name in [("chisq", "χ²"), ("cfi", "CFI"), ("tli", "TLI")]:
                    assert isinstance(cell[name], int | float)  # CFI 1.0 reads back as 1
                    assert cell[name] == pytest.approx(fm[key], abs=1e-12)
                assert isinstance(cell["SRMR"], int | float)
                assert cell["SRMR"] == pytest.approx(fm["srmr"], abs=1e-12)
                found = True
    assert found
    toc = wb.worksheets[0]
    assert toc.cell(1, 1).value == "Analysis report"


def test_html_is_self_contained_with_every_section(written):
    page = _by_name(written[0])[".html"].read_text(encoding="utf-8")
    for i, head in enumerate(SECTIONS_EN, start=1):
        assert f"<h2>{i} {head}</h2>" in page
    for key in ("methods", "screening", "validation", "model", "effects", "results"):
        assert f'<a href="#{key}">' in page and f'<section id="{key}">' in page  # contents
    assert "<svg" in page and "<style>" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "url(http" not in page and "@import" not in page
    order = [page.index(f"<h2>{i} {h}</h2>") for i, h in enumerate(SECTIONS_EN, start=1)]
    assert order == sorted(order)  # screening → validation → model → effects
    assert 'class="banner"' not in page  # the bundled fit is proper: no red banner


def test_markdown_has_the_tables(written, chain):
    md = _by_name(written[0])[".md"].read_text(encoding="utf-8")
    fit_md = report.fit_table(chain["fit"], number=7).to_markdown()
    assert fit_md in md  # numbered in order: sample, items, 4 measurement tables, fit
    for head in SECTIONS_EN:
        assert f" {head}\n" in md


def test_chinese_report_uses_label_zh(written_zh, chain):
    paths = _by_name(written_zh)
    cb = chain["survey"].codebook
    page = paths[".html"].read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "研究方法" in page
    for con in ("TRU", "SAT", "LOY"):
        assert cb.constructs[con].label_zh in page
    doc = docx.Document(str(paths[".docx"]))
    cells = " ".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert cb.constructs["TRU"].label_zh in cells
    east = {
        r._element.rPr.rFonts.get(docx.oxml.ns.qn("w:eastAsia"))
        for p in doc.paragraphs
        for r in p.runs
        if r.text.strip()
    }
    assert east == {"SimSun"}
    md = paths[".md"].read_text(encoding="utf-8")
    assert "表 1" in md and cb.constructs["LOY"].label_zh in md


def test_only_the_given_sections(chain, tmp_path):
    (md,) = report.write(tmp_path, fit=chain["fit"], formats=("md",))
    text = md.read_text(encoding="utf-8")
    assert "## 2 Model" in text and "## 3 Results" in text
    assert "Screening" not in text and "Effects" not in text


def test_improper_result_is_marked_in_every_format(heywood, tmp_path):
    paths = _by_name(report.write(tmp_path, fit=heywood))
    page = paths[".html"].read_text(encoding="utf-8")
    assert 'class="banner">Model: WARNING: improper solution' in page
    md = paths[".md"].read_text(encoding="utf-8")
    assert "**Model: WARNING: improper solution" in md
    doc = docx.Document(str(paths[".docx"]))
    warn = [p for p in doc.paragraphs if "WARNING: improper solution" in p.text]
    assert warn and warn[0].runs[0].font.color.rgb == docx.shared.RGBColor(0xC0, 0, 0)
    wb = openpyxl.load_workbook(paths[".xlsx"])
    values = [c.value for ws in wb.worksheets for r in ws.iter_rows() for c in r]
    assert any(isinstance(v, str) and "WARNING: improper solution" in v for v in values)


# ---------------------------------------------------------------------- bad input
def test_bad_input_raises_report_error(chain, tmp_path):
    with pytest.raises(ReportError, match="unknown report format") as e:
        report.write(tmp_path, fit=chain["fit"], formats=("rtf",))
    assert "docx" in str(e.value)
    with pytest.raises(ReportError, match="unknown report language"):
        report.write(tmp_path, fit=chain["fit"], lang="de")
    with pytest.raises(ReportError, match="does not know this fit result") as e:
        report.write(tmp_path, fit=chain["validation"])
    assert "MeasurementReport" in str(e.value) and "SEMResult" in str(e.value)
    with pytest.raises(ReportError, match="no result"):
        report.write(tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing written on bad input


# ---------------------------------------------------------------------- options
@pytest.fixture(scope="module")
def multigroup(chain):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ls.fit(ls.DEFAULT_MODEL, chain["survey"], group="gender")


def test_multi_group_report_goes_group_by_group(multigroup, chain, tmp_path):
    paths = _by_name(
        report.write(tmp_path, fit=multigroup, survey=chain["survey"], formats=("md", "docx"))
    )
    md = paths[".md"].read_text(encoding="utf-8")
    for g in multigroup.group_labels:
        assert f"| **{g}** |" in md  # a row group per group in the paths, R², local fit
        assert f"In group {g}, significant paths were" in md
    est = multigroup.estimates
    paths_ = est[est["op"] == "~"]
    doc = docx.Document(str(paths[".docx"]))
    hyp = next(t for t in doc.tables if "Supported" in [c.text for c in t.rows[0].cells])
    body = [r for r in hyp.rows[1:] if r.cells[0].text != r.cells[1].text]  # not group rows
    assert len(hyp.rows) - 1 - len(body) == len(multigroup.group_labels)
    betas = [r.cells[2].text.rstrip("*") for r in body]
    assert betas == [apa(b, 2, bounded=True) for b in paths_["std_all"]]  # group by group


def test_hypotheses_comparison_and_provenance(chain, tmp_path):
    s = chain["survey"]
    rival = ls.fit(ls.DEFAULT_MODEL + "\nLOY ~ REP", s)
    cmp = ls.compare(chain["fit"], rival, names=["Default", "Rival"])
    (md,) = report.write(
        tmp_path,
        fit=chain["fit"],
        survey=s,
        comparison=cmp,
        hypotheses={"a1": "H1a", "LOY ~ SAT": "H5"},
        formats=("md",),
    )
    text = md.read_text(encoding="utf-8")
    assert "| H1a | Platform reputation → Trust |" in text
    assert "| H5 | Satisfaction → Loyalty |" in text
    assert "## 4 Model comparison" in text
    assert (
        report.comparison_table(cmp, number=6).to_markdown() in text
    )  # after sample, fit, paths, R², local fit
    prov = chain["fit"].provenance
    assert "## 6 Provenance" in text
    assert prov.data_hash[:16] in text and prov.versions["loyaltysem"] in text
    with pytest.raises(ReportError, match="does not have"):
        report.write(tmp_path / "x", fit=chain["fit"], hypotheses={"LOY ~ PQ": "H9"})


def test_latex_report_with_figure_files(chain, tmp_path):
    paths = report.write(tmp_path, fit=chain["fit"], survey=chain["survey"], formats=("tex",))
    names = [p.name for p in paths]
    assert names[-1] == "report.tex" and "report-figure-1.pdf" in names
    tex = (tmp_path / "report.tex").read_text(encoding="utf-8")
    assert tex.count(r"\begin{table}") + tex.count(r"\begin{threeparttable}") >= 5
    assert r"\toprule" in tex and r"\includegraphics[width=\linewidth]{report-figure-1.pdf}" in tex
    specs = re.findall(r"\\begin\{tabular\}\{([^}]*)\}", tex)
    assert specs and all(set(spec) <= set("lrc") for spec in specs)  # no vertical rules
    fm = chain["fit"].fit_measures
    assert f"{fm['chisq']:.2f}" in tex and tex.rstrip().endswith(r"\end{document}")
    assert (tmp_path / "report-figure-1.pdf").read_bytes()[:4] == b"%PDF"
    zh = report.write(tmp_path / "zh", fit=chain["fit"], formats=("tex",), lang="zh")
    assert "ctexart" in zh[-1].read_text(encoding="utf-8")


def test_figures_numbered_in_order_and_optional(chain, written, tmp_path):
    page = _by_name(written[0])[".html"].read_text(encoding="utf-8")
    ids = [int(i) for i in re.findall(r'<figure id="figure-(\d+)"', page)]
    assert ids == [1, 2, 3, 4, 5, 6]
    labels = re.findall(r'<figure id="figure-\d+"(?: aria-label="([^"]*)")?', page)
    assert [bool(label) for label in labels] == [True, True, True, False, True, True]
    assert labels[0].startswith("Figure 1: Distribution of Answers")  # Likert bars
    assert "HTMT" in labels[2] and "Residual" in labels[4] and "Indirect" in labels[5]
    (md,) = report.write(tmp_path, **chain, formats=("md",), figures=False)
    text = md.read_text(encoding="utf-8")
    assert "**Figure 1** *Path diagram" in text and "Figure 2" not in text


def test_pdf_printed_by_chromium(chain, tmp_path):
    from _browser import chromium_path  # skips off CI without Chromium, fails on CI

    chromium_path()
    (pdf,) = report.write(tmp_path, fit=chain["fit"], survey=chain["survey"], formats=("pdf",))
    data = pdf.read_bytes()
    assert pdf.name == "report.pdf" and data[:5] == b"%PDF-"
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= 4  # methods, sample, model tables, diagram and figures, results
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]  # no HTML left over


def test_pdf_without_chromium_says_how_to_install_it(chain, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("LOYALTYSEM_CHROMIUM", raising=False)
    with pytest.raises(ReportError, match="needs Chromium") as e:
        report.write(tmp_path / "out", fit=chain["fit"], formats=("html", "pdf"))
    assert "apt-get install chromium" in e.value.fix
    assert not (tmp_path / "out").exists()  # refused before anything is written
    monkeypatch.setenv("LOYALTYSEM_CHROMIUM", str(tmp_path / "nowhere" / "chrome"))
    with pytest.raises(ReportError, match="LOYALTYSEM_CHROMIUM names no file"):
        report.write(tmp_path / "out", fit=chain["fit"], formats=("pdf",))


def test_a_report_is_whole_or_absent(chain, tmp_path, monkeypatch):
    """A format that fails leaves the folder as it was: not created, or its files untouched."""
    from loyaltysem.errors import OutputError
    from loyaltysem.report import documents

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(documents, "_docx", broken)
    fresh = tmp_path / "fresh"
    with pytest.raises(OutputError, match="No space left on device"):
        report.write(fresh, fit=chain["fit"], formats=("md", "docx"))
    assert not fresh.exists()  # the markdown written first is not left behind
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "report.md").write_text("the earlier report", encoding="utf-8")
    (kept / "notes.txt").write_text("the user's", encoding="utf-8")
    with pytest.raises(OutputError):
        report.write(kept, fit=chain["fit"], formats=("md", "docx"))
    assert (kept / "report.md").read_text(encoding="utf-8") == "the earlier report"
    assert sorted(p.name for p in kept.iterdir()) == ["notes.txt", "report.md"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging
    monkeypatch.undo()
    written = report.write(kept, fit=chain["fit"], formats=("md",))
    assert written == [kept / "report.md"]
    assert "the earlier report" not in written[0].read_text(encoding="utf-8")
    assert (kept / "notes.txt").exists()
