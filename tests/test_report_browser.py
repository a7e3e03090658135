"""The HTML report opened in headless Chromium, as a reader opens it (issue 13).

``report.write(..., formats=("html",))`` on the bundled example (screening, validation, fit,
effects, invariance across the waves, as ``loyaltysem demo`` builds them) is opened from a
file:// URL with every request other than the page itself blocked. After the load event the
DOM is read: every section is present in the order of an analysis, each inline SVG has a
non-zero size and drawn content, each contents link resolves to its section, the fit table
shows the result's numbers, and there is no console error, page error or request. An
improper fit shows its red banner, visible. A control page with a broken image, a console
error and an exception proves the harness sees each of them.

Chromium: Debian's ``chromium`` (``tests/_browser.py``); without it the tests skip with the
install command, and fail on CI (``CI`` set), which installs it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import _browser
import pandas as pd
import pytest
from _browser import browser, read_dom, visit
from playwright.sync_api import Browser

import loyaltysem as ls
from loyaltysem import report

SECTIONS = [
    "methods",
    "screening",
    "validation",
    "model",
    "effects",
    "invariance",
    "results",
    "provenance",
]
HEADINGS_EN = [
    "Methods",
    "Screening and sample",
    "Measurement model",
    "Model",
    "Effects",
    "Measurement invariance",
    "Results",
    "Provenance",
]
HEADINGS_ZH = [
    "研究方法",
    "数据筛查与样本",
    "测量模型",
    "结构模型",
    "效应分析",
    "测量不变性",
    "研究结果",
    "来源信息",
]


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def chain() -> dict[str, Any]:
    """The demo's inputs (cli._run_chain), with a small HTMT bootstrap."""
    s = ls.load_ecommerce()
    scr = s.screen()
    c = s.clean(scr)
    val = ls.validate(c, n_boot=50, random_state=1, run_efa=False, common_method=False)
    res = ls.fit(ls.DEFAULT_MODEL, c)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ls.errors.MissingDataWarning)
        inv = ls.invariance(ls.default_instrument(), c, "wave", std_lv=True)
    return {
        "survey": c,
        "screening": scr,
        "validation": val,
        "fit": res,
        "effects": ls.effects(res),
        "invariance": inv,
    }


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with browser() as b:
        yield b


@pytest.fixture(scope="module")
def english(chain, chromium, tmp_path_factory) -> tuple[dict[str, Any], Any]:
    (path,) = report.write(tmp_path_factory.mktemp("html_en"), **chain, formats=("html",))
    with visit(chromium, path) as (page, record):
        return read_dom(page), record


@pytest.fixture(scope="module")
def heywood() -> Any:
    s = pd.DataFrame(
        [[1, 0.8, 0.8], [0.8, 1, 0.3], [0.8, 0.3, 1]], index=list("abc"), columns=list("abc")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = ls.fit("f =~ a + b + c", sample_cov=s, sample_nobs=200)
    assert not r.status.ok
    return r


def apa(x: float, d: int, *, bounded: bool = False) -> str:
    """Independent APA formatting: d decimals, no leading zero if bounded by 1."""
    s = f"{x:.{d}f}"
    return s[1:] if bounded and s.startswith("0.") else s


# ---------------------------------------------------------------------- the report
def test_no_console_error_failed_or_network_request(english):
    _, record = english
    assert record.problems == []
    assert record.requests == [record.url]  # the page itself, nothing else (inline SVG, CSS)


def test_every_section_present_in_order(english):
    dom, _ = english
    assert [s["id"] for s in dom["sections"]] == SECTIONS
    assert [s["heading"] for s in dom["sections"]] == [
        f"{i} {h}" for i, h in enumerate(HEADINGS_EN, start=1)
    ]
    for s in dom["sections"]:
        width, height = s["size"]
        assert width > 0 and height > 0, s["id"]
        assert s["paragraphs"] + s["tables"] > 0, s["id"]  # every section has content
    tables = {s["id"]: s["tables"] for s in dom["sections"]}
    # sample + items; measurement, constructs, Fornell-Larcker, HTMT; fit, paths, R², local
    # fit; indirect effects; the invariance ladder
    assert tables == {
        "methods": 0,
        "screening": 2,
        "validation": 4,
        "model": 4,
        "effects": 1,
        "invariance": 1,
        "results": 0,
        "provenance": 1,
    }
    assert dom["lang"] == "en" and dom["title"] == "Analysis report"


def test_inline_svg_rendered(english):
    dom, _ = english
    # Likert bars, missing patterns; HTMT; path diagram, residuals; forest plot; the ladder
    where = [svg["inSection"] for svg in dom["svgs"]]
    sections = ["screening", "screening", "validation", "model", "model", "effects"]
    assert where == [*sections, "invariance"]
    for svg in dom["svgs"]:
        width, height = svg["size"]
        assert width > 100 and height > 100
        assert svg["drawn"] > 50  # bars, cells, arrows and labels laid out by the browser


def test_contents_links_resolve(english):
    dom, _ = english
    assert [a["href"] for a in dom["toc"]] == [f"#{k}" for k in SECTIONS]
    for a in dom["toc"]:
        assert a["target"] == "section", a
        assert a["heading"] == a["text"]  # the link names the section it leads to


def test_tables_numbered_and_fit_numbers_equal_the_result(english, chain):
    dom, _ = english
    assert [t["label"] for t in dom["tables"]] == [f"Table {i}" for i in range(1, 14)]
    assert all(t["size"][0] > 0 and t["size"][1] > 0 for t in dom["tables"])
    fit = next(t for t in dom["tables"] if t["head"][:2] == ["Model", "χ²"])
    row = dict(zip(fit["head"], fit["rows"][0], strict=True))
    fm = chain["fit"].fit_measures
    assert row["χ²"] == apa(fm["chisq"], 2)
    assert row["df"] == str(int(fm["df"]))
    assert row["p"] == apa(fm["pvalue"], 3, bounded=True)
    assert row["CFI"] == apa(fm["cfi"], 3, bounded=True)
    assert row["SRMR"] == apa(fm["srmr"], 3, bounded=True)
    assert row["RMSEA [90% CI]"].startswith(apa(fm["rmsea"], 3, bounded=True) + " [")


def test_chinese_report_in_the_browser(chain, chromium, tmp_path):
    (path,) = report.write(tmp_path, **chain, formats=("html",), lang="zh")
    with visit(chromium, path) as (page, record):
        dom = read_dom(page)
    assert record.problems == []
    assert dom["lang"] == "zh-CN" and dom["title"] == "分析报告"
    assert [s["heading"] for s in dom["sections"]] == [
        f"{i} {h}" for i, h in enumerate(HEADINGS_ZH, start=1)
    ]
    assert all(a["target"] == "section" for a in dom["toc"])
    assert all(s["size"][0] > 100 and s["size"][1] > 100 for s in dom["svgs"])


# ---------------------------------------------------------------------- improper
def test_improper_fit_shows_a_visible_red_banner(heywood, chromium, tmp_path):
    (path,) = report.write(tmp_path, fit=heywood, formats=("html",))
    with visit(chromium, path) as (page, record):
        banner = page.locator("section#model > .banner").first
        assert banner.is_visible()
        text = banner.inner_text()
        style = banner.evaluate(
            "(e) => { const s = getComputedStyle(e);"
            " return [s.color, s.backgroundColor, s.borderTopColor]; }"
        )
        box = banner.bounding_box()
        # the paragraphs' sections say so too, and every table of the fit carries its warning
        sections = page.eval_on_selector_all(
            ".banner",
            "(bs) => bs.map((b) => [b.closest('section').id, b.checkVisibility()])",
        )
        tables = page.eval_on_selector_all(
            "table",
            "(ts) => ts.map((t) => t.parentElement.querySelector('.apa-status'))"
            ".map((w) => w !== null && w.checkVisibility()"
            " && getComputedStyle(w).color === 'rgb(164, 0, 0)')",
        )
    assert sections == [["methods", True], ["model", True], ["results", True]]
    assert tables == [True, True, True]  # the fit table, the local-fit table, provenance
    assert record.problems == []
    assert text.startswith("Model: WARNING: improper solution")
    assert style == ["rgb(176, 0, 32)", "rgb(253, 231, 234)", "rgb(176, 0, 32)"]
    assert box is not None and box["width"] > 100 and box["height"] > 10


def test_proper_fit_has_no_banner(english, chain, chromium, tmp_path):
    assert chain["fit"].status.ok
    (path,) = report.write(tmp_path, fit=chain["fit"], formats=("html",))
    with visit(chromium, path) as (page, _):
        assert page.locator(".banner").count() == 0


# ---------------------------------------------------------------------- the harness
def test_harness_sees_errors_and_requests(chromium, tmp_path: Path):
    """A control page: each kind of problem the report tests look for is recorded."""
    page_file = tmp_path / "broken.html"
    page_file.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>x</title>"
        "<link rel='stylesheet' href='https://example.invalid/a.css'></head><body>"
        "<img src='missing.png'><script>console.error('boom');"
        "throw new Error('thrown');</script></body></html>",
        encoding="utf-8",
    )
    with visit(chromium, page_file) as (_, record):
        pass
    assert "boom" in record.console_errors
    assert any("thrown" in e for e in record.page_errors)
    assert "https://example.invalid/a.css" in record.blocked
    assert any(u.endswith("/missing.png") for u in record.blocked)
    assert len(record.problems) >= 4


@pytest.mark.parametrize("ci", [None, "true"])
def test_missing_chromium_skips_with_the_install_command_but_fails_on_ci(ci, monkeypatch):
    monkeypatch.setattr(_browser.shutil, "which", lambda name: None)
    monkeypatch.delenv("LOYALTYSEM_CHROMIUM", raising=False)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    outcome = pytest.fail.Exception if ci else pytest.skip.Exception
    with pytest.raises(outcome, match="apt-get install -y --no-install-recommends chromium"):
        _browser.chromium_path()
