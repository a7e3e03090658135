"""``loyaltysem report``: the chain of ``analyze``, writing only the report documents.

Run on the bundled Holzinger–Swineford file with a structural path, across the schools:
the folder holds the report files asked for and the manifest, nothing else; the report's
fit numbers equal the API's on the same chain; its Markdown is the one ``analyze`` writes;
an unknown format is refused with the formats that exist, and a failed run leaves no folder.
"""

from __future__ import annotations

import json

import pytest

import loyaltysem as ls
from loyaltysem.cli import main
from loyaltysem.datasets import dataset_path
from loyaltysem.report import FORMATS

HS = str(dataset_path("holzinger_swineford"))
HS_CB = str(dataset_path("holzinger_swineford", "codebook"))
MODEL = (
    "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
    "speed ~ visual + textual\n"
)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "hs.lav"
    path.write_text(MODEL, encoding="utf-8")
    return str(path)


def _args(model_file, out, *extra):
    return [
        "report", HS, "--codebook", HS_CB, "--model", model_file, "--group", "school",
        "--n-boot", "0", "--out", str(out), *extra,
    ]  # fmt: skip


@pytest.fixture(scope="module")
def reported(model_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli_report") / "report"
    code = main(_args(model_file, out))
    return code, out


def test_report_writes_only_the_report_documents(reported):
    code, out = reported
    assert code == 0
    names = sorted(p.name for p in out.iterdir())
    default = ("html", "docx", "xlsx", "md")  # report.write's defaults; tex on request
    assert names == sorted([*(FORMATS[f] for f in default), "manifest.json"])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "report" in json.dumps(manifest["command"])


def test_report_numbers_are_the_fit_of_the_same_chain(reported):
    _, out = reported
    survey = ls.read_survey(HS, HS_CB)
    cleaned = survey.clean()
    rec = ls.recommend_estimator(cleaned)
    expected = ls.fit(MODEL, cleaned, **rec.fit_kwargs)
    md = (out / "report.md").read_text(encoding="utf-8")
    fm = expected.fit_measures
    chisq = fm["chisq.scaled"] if "chisq.scaled" in fm.index else fm["chisq"]
    lines = md.splitlines()
    head = lines.index("| Model | *χ*² | *df* | *p* | CFI | TLI | RMSEA [90% *CI*] | SRMR |")
    fit_row = lines[head + 2]  # below the header and the alignment row
    assert f"| {chisq:.2f} |" in fit_row
    assert f"| {int(fm['df'])} |" in fit_row
    assert fit_row.startswith(f"| Model | {chisq:.2f} | {int(fm['df'])} | ")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<section id="invariance">' in page and '<section id="effects">' in page


def test_report_markdown_equals_analyze(reported, model_file, tmp_path):
    _, out = reported
    analyzed = tmp_path / "analyze"
    argv = _args(model_file, analyzed)
    argv[0] = "analyze"
    assert main(argv) == 0
    assert (analyzed / "report.md").read_text(encoding="utf-8") == (out / "report.md").read_text(
        encoding="utf-8"
    )
    assert (analyzed / "sem_estimates.csv").is_file()  # analyze writes its CSV tables too


def test_report_formats_and_language(model_file, tmp_path, capsys):
    out = tmp_path / "zh"
    assert main(_args(model_file, out, "--format", "md,html", "--lang", "zh")) == 0
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "report.html", "report.md"]
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# 分析报告") and "## 1 研究方法" in md
    text = capsys.readouterr().out
    assert "report: report.md, report.html" in text
    assert "(converged, admissible, identified)" in text
    assert "measurement invariance across 'school'" in text


@pytest.mark.parametrize("given", ["rtf", "html,odt", ","])
def test_unknown_format_is_exit_2_listing_the_formats(given, model_file, tmp_path, capsys):
    out = tmp_path / "bad"
    assert main(_args(model_file, out, "--format", given)) == 2
    err = capsys.readouterr().err
    assert "--format: unknown report format" in err
    assert f"choose from {', '.join(FORMATS)}" in err
    assert not out.exists()


def test_no_model_is_exit_2_and_no_folder(tmp_path, capsys):
    out = tmp_path / "none"
    assert main(["report", HS, "--codebook", HS_CB, "--out", str(out)]) == 2
    assert "--model default" in capsys.readouterr().err
    assert not out.exists()


def test_failed_run_leaves_no_folder(model_file, tmp_path, capsys):
    out = tmp_path / "failed"
    argv = _args(model_file, out)
    argv[argv.index("school")] = "nosuch"
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "column 'nosuch'" in err and "--group" in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no staging folder left beside it either


def test_latex_on_request(model_file, tmp_path):
    out = tmp_path / "tex"
    assert main(_args(model_file, out, "--format", "tex,md")) == 0
    names = sorted(p.name for p in out.iterdir())
    assert "report.tex" in names and "report.md" in names and "report.html" not in names
    figures = [n for n in names if n.startswith("report-figure-")]
    assert figures and all((out / n).read_bytes()[:4] == b"%PDF" for n in figures)
    tex = (out / "report.tex").read_text(encoding="utf-8")
    assert all(f"{{{n}}}" in tex for n in figures)  # every figure file is included
