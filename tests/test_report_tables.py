"""Tables as data and their five renderers (issue 13, items 1, 2 and the status of 8).

Every number a renderer prints is compared with the result object at the shown precision,
formatted here independently of the renderer (``apa``): the golden Markdown of the fit and
hypotheses tables of the bundled example; Word and Excel files written to ``tmp_path`` and
read back (python-docx, openpyxl), Excel cells numeric, the APA border XML present and no
vertical rules; LaTeX with booktabs rules; the scaled χ² and robust CFI/TLI/RMSEA of an MLR
fit; the warning line of a Heywood case in every format; Chinese labels, wordings and SimSun.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import docx
import numpy as np
import openpyxl
import pandas as pd
import pytest
from docx.oxml.ns import qn

import loyaltysem as ls
from loyaltysem import report as rp
from loyaltysem.errors import ReportError

GOLDEN = Path(__file__).parent / "golden"


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def survey():
    return ls.load_ecommerce()


@pytest.fixture(scope="module")
def res(survey):
    return ls.fit(ls.DEFAULT_MODEL, survey)


@pytest.fixture(scope="module")
def mlr(survey):
    return ls.fit(ls.DEFAULT_MODEL, survey, estimator="MLR")


@pytest.fixture(scope="module")
def heywood():
    s = pd.DataFrame(
        [[1, 0.8, 0.8], [0.8, 1, 0.3], [0.8, 0.3, 1]], index=list("abc"), columns=list("abc")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = ls.fit("f =~ a + b + c", sample_cov=s, sample_nobs=200)
    assert not r.status.ok and not r.status.admissible
    return r


@pytest.fixture(scope="module")
def mreport(survey):
    return ls.validate(survey, ls.DEFAULT_MODEL, n_boot=0, run_efa=False, common_method=False)


@pytest.fixture(scope="module")
def boot(res, survey):
    return ls.bootstrap(res, n_boot=60, random_state=11, data=survey)


def apa(x: float, d: int, *, bounded: bool = False) -> str:
    """Independent APA formatting: d decimals, no leading zero if bounded, minus sign."""
    s = f"{x:.{d}f}"
    if float(s) == 0:
        s = s.lstrip("-")
    if bounded:
        s = s.replace("0.", ".", 1) if s.startswith(("0.", "-0.")) else s
    return s.replace("-", "−")


def apa_p(p: float) -> str:
    return "< .001" if p < 0.001 else f"{p:.3f}".replace("0.", ".", 1)


def stars(p: float) -> str:
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def md_rows(md: str) -> list[list[str]]:
    """Body rows of the pipe table in a Markdown rendering."""
    rows = [ln for ln in md.splitlines() if ln.startswith("| ")]
    cells = [[c.strip() for c in ln.strip("|").split(" | ")] for ln in rows[1:]]
    return [[c.replace("\\*", "*") for c in row] for row in cells]


# ---------------------------------------------------------------------- golden Markdown
@pytest.mark.parametrize("name", ["fit_table", "hypotheses_table"])
def test_golden_markdown(name, res, survey):
    table = rp.fit_table(res) if name == "fit_table" else rp.hypotheses_table(res, codebook=survey)
    golden = (GOLDEN / f"{name}.md").read_text(encoding="utf-8")
    assert table.to_markdown() + "\n" == golden


def test_fit_table_numbers_equal_fit_measures(res):
    fm = res.fit_measures
    row = md_rows(rp.fit_table(res).to_markdown())[0]
    assert row == [
        "Model",
        apa(fm["chisq"], 2),
        f"{int(fm['df'])}",
        apa_p(fm["pvalue"]),
        apa(fm["cfi"], 3, bounded=True),  # CFI is bounded by 1; TLI is not
        apa(fm["tli"], 3),
        f"{apa(fm['rmsea'], 3, bounded=True)} [{apa(fm['rmsea.ci.lower'], 3, bounded=True)}, "
        f"{apa(fm['rmsea.ci.upper'], 3, bounded=True)}]",
        apa(fm["srmr"], 3, bounded=True),
    ]
    assert row[1:4] == ["335.85", "353", ".736"]  # the bundled example, as lavaan prints it


def test_hypotheses_numbers_equal_estimates(res, survey):
    t = rp.hypotheses_table(res, codebook=survey)
    paths = res.estimates[res.estimates["op"] == "~"].reset_index(drop=True)
    rows = md_rows(t.to_markdown())
    assert len(rows) == len(paths) == 9
    cb = survey.codebook
    for i, (row, (_, e)) in enumerate(zip(rows, paths.iterrows(), strict=True), start=1):
        label = f"{cb.constructs[e['rhs']].label} → {cb.constructs[e['lhs']].label}"
        assert row == [
            f"H{i}",
            label,
            apa(e["std_all"], 2, bounded=True) + stars(e["pvalue"]),
            apa(e["est"], 2),
            apa(e["se"], 2),
            apa(e["z"], 2),
            apa_p(e["pvalue"]),
            f"[{apa(e['ci_lower'], 2)}, {apa(e['ci_upper'], 2)}]",
            "Yes" if e["pvalue"] < 0.05 else "No",
        ]
    # full precision kept: no rounding in the data
    assert np.array_equal(t.data["beta"].to_numpy(), paths["std_all"].to_numpy())


def test_hypotheses_user_mapping_and_model_labels(res):
    t = rp.hypotheses_table(res, hypotheses={"a1": "H1a", "LOY ~ SAT": "H5b"})
    names = dict(zip(t.data["label"], t.data["hypothesis"], strict=True))
    assert names["a1"] == "H1a" and names["d2"] == "H5b" and names["a2"] == ""


# ---------------------------------------------------------------------- robust estimators
def test_mlr_fit_table_shows_scaled_and_robust_only(mlr):
    fm = mlr.fit_measures
    t = rp.fit_table(mlr)
    d = t.data.iloc[0]
    assert d["chisq"] == fm["chisq.scaled"] and d["df"] == fm["df.scaled"]
    assert d["pvalue"] == fm["pvalue.scaled"]
    assert d["cfi"] == fm["cfi.robust"] and d["tli"] == fm["tli.robust"]
    assert d["rmsea"] == fm["rmsea.robust"]
    assert d["rmsea_ci_upper"] == fm["rmsea.ci.upper.robust"]
    row = md_rows(t.to_markdown())[0]
    assert row[1] == apa(fm["chisq.scaled"], 2) == "317.87"
    assert row[3] == apa_p(fm["pvalue.scaled"]) == ".910"
    assert row[5] == apa(fm["tli.robust"], 3) == "1.004"
    assert row[6].endswith(f"{apa(fm['rmsea.ci.upper.robust'], 3, bounded=True)}]")
    md = t.to_markdown()
    assert apa(fm["chisq"], 2) not in md and apa(fm["rmsea.ci.upper"], 3, bounded=True) not in md
    assert "scaled" in t.note and "robust" in t.note and "MLR" in t.note


def test_invariance_levels_side_by_side(survey):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inv = ls.invariance(
            "REP =~ REP1 + REP2 + REP3\nTRU =~ TRU1 + TRU2 + TRU3", survey, "gender"
        )
    rows = md_rows(rp.fit_table(dict(inv.fits)).to_markdown())
    assert [r[0] for r in rows] == ["configural", "metric", "scalar", "strict"]
    fm = inv.fits["configural"].fit_measures
    assert rows[0][1:6] == [
        apa(fm["chisq"], 2),
        f"{int(fm['df'])}",
        apa_p(fm["pvalue"]),
        apa(fm["cfi"], 3, bounded=True),
        apa(fm["tli"], 3),
    ]
    # CFI .9996 rounds to 1.000; TLI (.9992) can exceed 1, so it keeps its leading zero
    assert rows[0][4:6] == ["1.000", "0.999"]


def test_several_models_side_by_side(res, mlr):
    t = rp.fit_table({"ML": res, "MLR": mlr})
    rows = md_rows(t.to_markdown())
    assert [r[0] for r in rows] == ["ML", "MLR"]
    assert rows[0][1] == "335.85" and rows[1][1] == "317.87"
    assert "Rows MLR: robust estimation: χ² is the scaled" in t.note
    assert "ML: N = 1059, estimator ML; MLR: N = 1059, estimator MLR." in t.note
    assert t.title.endswith("Compared Models")


# ---------------------------------------------------------------------- Word
def _expected_hyp_cells(res: ls.SEMResult) -> list[list[str]]:
    paths = res.estimates[res.estimates["op"] == "~"]
    return [
        [
            apa(e["std_all"], 2, bounded=True) + stars(e["pvalue"]),
            apa(e["est"], 2),
            apa(e["se"], 2),
            apa(e["z"], 2),
            apa_p(e["pvalue"]),
        ]
        for _, e in paths.iterrows()
    ]


def test_docx_numbers_borders_fonts(res, tmp_path):
    path = tmp_path / "hyp.docx"
    rp.hypotheses_table(res).to_docx().save(path)
    doc = docx.Document(path)
    (tbl,) = doc.tables
    body = [[c.text for c in row.cells][2:7] for row in tbl.rows[1:]]
    assert body == _expected_hyp_cells(res)
    assert [c.text for c in tbl.rows[0].cells][:4] == ["Hypothesis", "Path", "β", "b"]
    # italic statistic symbols in the header
    beta_runs = tbl.rows[0].cells[2].paragraphs[0].runs
    assert beta_runs[0].text == "β" and beta_runs[0].italic
    # APA rules: header top and bottom, last row bottom; nothing vertical anywhere
    xml = tbl._tbl

    def edges(cell) -> dict[str, str]:
        b = cell._tc.tcPr.find(qn("w:tcBorders"))
        return {el.tag.split("}")[1]: el.get(qn("w:val")) for el in b}

    for cell in tbl.rows[0].cells:
        e = edges(cell)
        assert e["top"] == "single" and e["bottom"] == "single"
    for cell in tbl.rows[-1].cells:
        assert edges(cell)["bottom"] == "single"
    for cell in tbl.rows[3].cells:
        assert set(edges(cell).values()) == {"nil"}
    for el in xml.iter():
        tag = el.tag.split("}")[1]
        if tag in ("left", "right", "insideV", "start", "end"):
            assert el.get(qn("w:val")) == "nil"
    fonts = {r.font.name for p in doc.paragraphs for r in p.runs}
    assert fonts == {"Times New Roman"}
    assert doc.paragraphs[0].text == "Table 1" and doc.paragraphs[1].runs[0].italic
    assert doc.paragraphs[2].runs[0].text == "Note." and doc.paragraphs[2].runs[0].italic


def test_docx_chinese_uses_simsun_and_zh_labels(res, survey, tmp_path):
    path = tmp_path / "zh.docx"
    rp.hypotheses_table(res, codebook=survey, lang="zh").to_docx().save(path)
    doc = docx.Document(path)
    cell = doc.tables[0].rows[1].cells[1]
    cb = survey.codebook
    assert cell.text == f"{cb.constructs['REP'].label_zh} → {cb.constructs['TRU'].label_zh}"
    rfonts = cell.paragraphs[0].runs[0]._element.rPr.rFonts
    assert rfonts.get(qn("w:eastAsia")) == "SimSun"
    assert doc.paragraphs[0].text == "表 1"
    assert doc.tables[0].rows[1].cells[-1].text == "支持"


# ---------------------------------------------------------------------- Excel
def test_excel_numbers_are_numbers_with_matching_formats(res, tmp_path):
    path = tmp_path / "hyp.xlsx"
    rp.hypotheses_table(res).to_excel(path)
    ws = openpyxl.load_workbook(path).active
    assert ws.cell(1, 1).value == "Table 1"
    header = [c.value for c in ws[3]]
    assert header == [
        "Hypothesis",
        "Path",
        "β",
        "b",
        "SE",
        "z",
        "p",
        "95% CI lower",
        "95% CI upper",
        "Supported",
    ]
    paths = res.estimates[res.estimates["op"] == "~"].reset_index(drop=True)
    for i, e in paths.iterrows():
        row = ws[4 + i]
        values = [c.value for c in row]
        for cell in row[2:9]:
            assert isinstance(cell.value, float)
        # Excel keeps 15 significant digits: the full-precision value, not a rounded one
        assert values[2:9] == pytest.approx(
            [
                e["std_all"],
                e["est"],
                e["se"],
                e["z"],
                e["pvalue"],
                e["ci_lower"],
                e["ci_upper"],
            ],
            rel=1e-14,
            abs=0,
        )
        assert row[2].number_format == f'#.00"{stars(e["pvalue"])}";-#.00"{stars(e["pvalue"])}"'
        assert row[3].number_format == "0.00;-0.00"
        assert row[6].number_format == '[<0.001]"< .001";#.000'
    note = ws.cell(4 + len(paths) + 1, 1).value
    assert note.startswith("Note. N = 1059; estimator: ML")


def test_excel_appends_to_a_worksheet(res, mreport, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    rp.fit_table(res, number=1).to_excel(ws)
    rp.fornell_larcker_table(mreport, number=2).to_excel(ws)
    labels = [c.value for c in ws["A"] if c.value in ("Table 1", "Table 2")]
    assert labels == ["Table 1", "Table 2"]
    # the Fornell-Larcker diagonal holds sqrt(AVE) from the report, as a number
    cells = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    r = cells["REP"]
    assert ws.cell(r, 2).value == mreport.fornell_larcker.loc["REP", "REP"]
    assert ws.cell(r, 2).value == pytest.approx(np.sqrt(mreport.reliability.loc["REP", "ave"]))
    assert ws.cell(r, 3).value is None  # upper triangle blank
    with pytest.raises(ReportError, match="worksheet or a file path"):
        rp.fit_table(res).to_excel(42)


# ---------------------------------------------------------------------- LaTeX, HTML
def test_latex_booktabs_and_no_vertical_lines(res):
    tex = rp.hypotheses_table(res).to_latex()
    for rule in (r"\toprule", r"\midrule", r"\bottomrule"):
        assert tex.count(rule) == 1
    spec = re.search(r"\\begin\{tabular\}\{([^}]*)\}", tex).group(1)
    assert spec == "llrrrrrrl" and "|" not in tex and r"\hline" not in tex
    assert r"\textit{$\beta$}" in tex and r"\textit{Note.}" in tex
    assert r"$<$ .001" in tex


def test_html_is_self_contained(res):
    h = rp.hypotheses_table(res).to_html(standalone=True)
    assert "<i>β</i>" in h and "<i>SE</i>" in h and "apa-status" in h  # CSS class defined
    assert "<div class='apa-status'" not in h  # no banner for a proper result
    assert "http" not in h and "<script" not in h
    assert rp.fit_table(res)._repr_html_().startswith("<div class='apa-table'>")


# ---------------------------------------------------------------------- honest status
def test_heywood_case_warns_in_every_format(heywood, tmp_path):
    t = rp.fit_table(heywood)
    assert t.warning.startswith("WARNING: improper solution (converged; inadmissible")
    assert "a ~~ a" in t.warning
    assert f"**{t.warning}**" in t.to_markdown()
    assert md_rows(t.to_markdown())[0][0] == "Model (improper solution)"  # in the row itself
    assert f"<div class='apa-status' role='alert'>{t.warning}" in t.to_html()
    assert r"\textbf{WARNING: improper solution" in t.to_latex()
    t.to_excel(tmp_path / "h.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "h.xlsx").active
    texts = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert texts[0] == t.warning and ws.cell(1, 1).font.color.rgb.endswith("C00000")
    t.to_docx().save(tmp_path / "h.docx")
    paras = [p.text for p in docx.Document(tmp_path / "h.docx").paragraphs]
    assert t.warning in paras
    z = rp.fit_table(heywood, lang="zh")
    assert z.warning.startswith("警告") and z.warning in z.to_markdown()


def test_proper_result_has_no_warning(res):
    t = rp.fit_table(res)
    assert t.warning == "" and "WARNING" not in t.to_markdown() + t.to_latex()


# ---------------------------------------------------------------------- measurement, effects
def test_measurement_table_numbers_and_chinese(mreport, survey):
    t = rp.measurement_table(mreport, codebook=survey, lang="zh")
    rows = md_rows(t.to_markdown())
    cb = survey.codebook
    assert rows[0][0] == f"**{cb.constructs['REP'].label_zh}**"
    item = mreport.items.loc["REP1"]
    rel = mreport.reliability.loc["REP"]
    assert rows[1] == [
        "REP1",
        cb.item("REP1").text_zh,
        apa(item["loading"], 2, bounded=True),
        apa(item["loading_se"], 3, bounded=True),
        apa(rel["alpha"], 2, bounded=True),
        apa(rel["rho_c"], 2, bounded=True),
        apa(rel["ave"], 2, bounded=True),
    ]
    assert rows[2][4:] == ["", "", ""]  # construct values once per construct
    n_items = sum(len(v) for v in mreport.constructs.values())
    assert len(rows) == n_items + len(mreport.constructs)
    en = rp.measurement_table(mreport, codebook=survey)
    assert md_rows(en.to_markdown())[1][1] == cb.item("REP1").text


def test_indirect_effects_bootstrap(res, boot, survey):
    e = ls.effects(res, boot)
    t = rp.indirect_effects_table(e, result=res, bootstrap=boot, codebook=survey)
    tab = e.table
    spec = tab[(tab["kind"] == "specific") & (tab["path"] == "REP -> TRU -> SAT -> LOY")].iloc[0]
    row = t.data[t.data["path"] == "Platform reputation → Trust → Satisfaction → Loyalty"]
    assert len(row) == 1
    r = row.iloc[0]
    assert (r["b"], r["se"], r["ci_lower"], r["ci_upper"]) == (
        spec["est"],
        spec["boot_se"],
        spec["boot_ci_lower"],
        spec["boot_ci_upper"],
    )
    shown = md_rows(t.to_markdown())[int(row.index[0])]
    assert shown[1:5] == [
        apa(spec["est"], 3),
        apa(spec["std_all"], 3, bounded=True),
        apa(spec["boot_se"], 3),
        f"[{apa(spec['boot_ci_lower'], 3)}, {apa(spec['boot_ci_upper'], 3)}]",
    ]
    med = e.mediation.set_index(["source", "target"])
    total = t.data[(t.data["source"] == "TRU") & (t.data["target"] == "LOY")].iloc[-1]
    assert total["type"] == med.loc[("TRU", "LOY"), "type"] == "complementary"
    assert "60 (successful: 60) nonparametric bootstrap draws" in t.note
    assert "N = 1059" in t.note


def test_r2_and_htmt(res, mreport):
    r2 = rp.r2_table(res)
    assert md_rows(r2.to_markdown()) == [
        [c, apa(res.r2[c], 2, bounded=True)] for c in ("TRU", "SAT", "LOY")
    ]
    h = rp.htmt_table(mreport)
    assert md_rows(h.to_markdown())[1][1] == apa(mreport.htmt.loc["SEC", "REP"], 2, bounded=True)
    assert md_rows(h.to_markdown())[0][1] == ""  # diagonal blank


# ---------------------------------------------------------------------- bad input
def test_bad_input_raises_typed_errors(res, mreport, heywood):
    with pytest.raises(ReportError, match="fit_table needs a result") as err:
        rp.fit_table("model.csv")
    msg = str(err.value)
    assert "found: 'str'" in msg and "expected: the result of ls.fit(...)" in msg
    assert "fix: pass ls.fit(...)" in msg
    with pytest.raises(ReportError, match="unknown report language"):
        rp.fit_table(res, lang="fr")
    with pytest.raises(ReportError, match="measurement_table needs"):
        rp.measurement_table(res)
    with pytest.raises(ReportError, match="no '~' rows"):
        rp.hypotheses_table(heywood)
    with pytest.raises(ReportError, match="do not exist") as err:
        rp.Table(pd.DataFrame({"b": [1.0]}), (rp.Column("b", ("beta",)),))
    assert "found: ['beta']" in str(err.value)
    with pytest.raises(ReportError, match="unknown column kind"):
        rp.Column("x", ("x",), "money")
    assert issubclass(ReportError, ValueError)


# ---------------------------------------------------------------------- items, ladders, local fit
def test_items_table_equals_screening(survey):
    sc = survey.screen()
    t = rp.items_table(sc, codebook=survey)
    rows = [r for r in md_rows(t.to_markdown()) if not r[0].startswith("**")]
    assert len(rows) == len(sc.items) == 29
    for row, (name, it) in zip(rows, sc.items.iterrows(), strict=True):
        assert row == [
            name,
            f"{int(it['n'])}",
            apa(it["mean"], 2),
            apa(it["sd"], 2),
            apa(it["skew"], 2),
            apa(it["kurtosis"], 2),
            apa(it["missing_pct"], 1),
        ]
    assert md_rows(t.to_markdown())[0][0] == f"**{survey.codebook.constructs['REP'].label}**"


def test_local_fit_table_largest_residual_correlations(res):
    t = rp.local_fit_table(res, top=4)
    rc = res.residuals("cor")
    mask = np.tril(np.ones(rc.shape, dtype=bool), k=-1)
    largest = np.sort(np.abs(rc.to_numpy()[mask]))[::-1][:4]
    assert np.array_equal(np.abs(t.data["resid_cor"].to_numpy()), largest)
    r0 = t.data.iloc[0]
    assert r0["resid_cor"] == rc.loc[r0["var1"], r0["var2"]]
    assert r0["std_resid"] == res.residuals("standardized").loc[r0["var1"], r0["var2"]]
    assert md_rows(t.to_markdown())[0][2:] == [
        apa(r0["resid_cor"], 3, bounded=True),
        apa(r0["std_resid"], 2),
    ]


def test_invariance_and_comparison_tables(survey):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inv = ls.invariance(
            "REP =~ REP1 + REP2 + REP3\nTRU =~ TRU1 + TRU2 + TRU3", survey, "gender"
        )
    t = rp.invariance_table(inv)
    rows = md_rows(t.to_markdown())
    tab = inv.table
    assert [r[0] for r in rows] == list(tab.index)
    m = tab.loc["metric"]
    assert rows[1][1:3] == [apa(m["chisq"], 2), f"{int(m['df'])}"]
    assert rows[1][6:] == [
        apa(m["delta_chisq"], 2),
        f"{int(m['delta_df'])}",
        apa_p(m["p_delta"]),
        apa(m["delta_cfi"], 3, bounded=True),
        apa(m["delta_rmsea"], 3, bounded=True),
        m["decision"],
    ]
    zh = md_rows(rp.invariance_table(inv, lang="zh").to_markdown())
    assert zh[0][0] == "形态等同"
    a = ls.fit("F =~ REP1 + REP2 + REP3 + SEC1 + SEC2 + SEC3", survey)
    b = ls.fit("REP =~ REP1 + REP2 + REP3\nSEC =~ SEC1 + SEC2 + SEC3", survey)
    cmp = ls.compare(b, a, names=["Two", "One"])
    rows = md_rows(rp.comparison_table(cmp).to_markdown())
    c = cmp.table.loc["One"]
    assert rows[1] == [
        "One",
        apa(c["chisq"], 2),
        f"{int(c['df'])}",
        apa(c["aic"], 1),
        apa(c["bic"], 1),
        apa(c["chisq_diff"], 2),
        f"{int(c['df_diff'])}",
        apa_p(c["pvalue"]),
        apa(c["delta_cfi"], 3, bounded=True),
        apa(c["delta_rmsea"], 3, bounded=True),
    ]


def test_sample_table_flow_and_demographics(survey, res):
    excluded = survey.screen().exclusions()
    t = rp.sample_table(survey, excluded=excluded, result=res)
    d = t.data.set_index("category")
    assert d.loc["Responses received", "n"] == survey.n == 1225
    assert d.loc["Excluded in screening (any reason)", "n"] == len(excluded)
    assert (
        d.loc["Excluded: longstring", "n"] == excluded["reasons"].str.contains("longstring").sum()
    )
    assert d.loc["Analysed", "n"] == res.provenance.n == 1059
    assert d.loc["Excluded listwise (missing answers on model variables)", "n"] == 166
    gender = t.data[t.data["section"] == "gender"].set_index("category")
    counts = survey.covariates["gender"].value_counts()
    assert gender["n"].to_dict() == {k: float(v) for k, v in counts.items()}
    rows = md_rows(t.to_markdown())
    female = next(r for r in rows if r[0] == "female")
    assert female == ["female", f"{counts['female']}", apa(100 * counts["female"] / 1225, 1)]
    # the fit ran on all 1225 rows, not on the 1201 kept after screening: the note says so
    assert f"fitted to 1225 rows, not to the {1225 - len(excluded)} rows" in t.note
    with pytest.raises(ReportError, match="no column 'income'"):
        rp.sample_table(survey, columns=["income"])


def test_construct_table_means_correlations_sqrt_ave(mreport, survey):
    t = rp.construct_table(mreport, survey)
    rows = md_rows(t.to_markdown())
    codes = list(mreport.fornell_larcker.columns)
    est = mreport.cfa.estimates
    for i, (row, code) in enumerate(zip(rows, codes, strict=True)):
        items = mreport.constructs[code]
        score = survey.data[items].astype(float).mean(axis=1)
        label = survey.codebook.constructs[code].label
        assert row[:3] == [f"{i + 1}. {label}", apa(score.mean(), 2), apa(score.std(), 2)]
        assert row[3 + i] == apa(mreport.fornell_larcker.loc[code, code], 2, bounded=True)
        for j in range(i):
            other = codes[j]
            cov = est[(est["op"] == "~~") & (est["lhs"] == other) & (est["rhs"] == code)]
            p = cov["pvalue"].iloc[0]
            r = mreport.fornell_larcker.loc[code, other]
            assert row[3 + j] == apa(r, 2, bounded=True) + stars(p)
        assert all(c == "" for c in row[4 + i :])
    assert np.sqrt(mreport.reliability.loc["LOY", "ave"]) == pytest.approx(
        t.data.loc[8, "LOY"], abs=1e-12
    )


def test_excel_formula_like_text_stays_text(tmp_path):
    t = rp.Table(
        pd.DataFrame({"name": ['=HYPERLINK("http://x","y")', "-1 item"], "v": [0.5, -0.25]}),
        (rp.Column("Name", ("name",), "text"), rp.Column("*r*", ("v",), "bounded", 2)),
    )
    t.to_excel(tmp_path / "f.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "f.xlsx").active
    assert ws.cell(4, 1).value == '=HYPERLINK("http://x","y")' and ws.cell(4, 1).data_type == "s"
    assert ws.cell(5, 1).value == "-1 item"
    assert ws.cell(5, 2).value == -0.25 and ws.cell(5, 2).number_format == "#.00;-#.00"
    assert md_rows(t.to_markdown())[1] == ["-1 item", "−.25"]


def test_htmt_table_with_bootstrap_intervals(survey):
    mr = ls.validate(
        survey, ls.DEFAULT_MODEL, n_boot=100, random_state=3, run_efa=False, common_method=False
    )
    t = rp.htmt_table(mr)
    rows = md_rows(t.to_markdown())
    inf = mr.htmt_inference.loc["REP~SEC"]
    assert rows[1][1] == (
        f"{apa(mr.htmt.loc['SEC', 'REP'], 2, bounded=True)} "
        f"[{apa(inf['ci_lower'], 2, bounded=True)}, {apa(inf['ci_upper'], 2, bounded=True)}]"
    )
    assert rows[0][1] == "" and rows[1][2] == ""
    assert "(100 draws)" in t.note


def test_docx_row_groups_and_loadings(mreport, survey, tmp_path):
    t = rp.measurement_table(mreport, codebook=survey)
    t.to_docx().save(tmp_path / "m.docx")
    tbl = docx.Document(tmp_path / "m.docx").tables[0]
    first = tbl.rows[1].cells
    assert {c.text for c in first} == {survey.codebook.constructs["REP"].label}  # one merged cell
    assert len({id(c._tc) for c in first}) == 1
    item = mreport.items.loc["REP2"]
    row = [c.text for c in tbl.rows[3].cells]
    assert row[0] == "REP2" and row[2:4] == [
        apa(item["loading"], 2, bounded=True),
        apa(item["loading_se"], 3, bounded=True),
    ]
    n_items = sum(len(v) for v in mreport.constructs.values())
    assert len(tbl.rows) == 1 + n_items + len(mreport.constructs)
    last = tbl.rows[-1].cells[0]._tc.tcPr.find(qn("w:tcBorders"))
    assert last.find(qn("w:bottom")).get(qn("w:val")) == "single"


def test_sample_flow_from_a_cleaned_survey_counts_every_response_received():
    """The report is given the cleaned survey: its left-out respondents were received too."""
    raw = ls.load_ecommerce()
    screening = raw.screen()
    cleaned = raw.clean(screening)
    res = ls.fit(ls.DEFAULT_MODEL, cleaned)
    from_raw = rp.sample_table(raw, excluded=screening.exclusions(), result=res)
    from_clean = rp.sample_table(cleaned, result=res)
    both = rp.sample_table(cleaned, excluded=screening.exclusions(), result=res)
    assert from_clean.cells()[:7] == from_raw.cells()[:7]  # the flow; demographics: of whom
    assert both.cells() == from_clean.cells()  # the survey each describes
    flow = {r[0]: int(r[1]) for r in from_clean.cells()[:7]}
    assert flow["Responses received"] == raw.n == cleaned.n + len(cleaned.exclusions)
    assert flow["Remaining after screening"] == cleaned.n
    assert flow["Analysed"] == res.provenance.n
    assert "The model was fitted to" not in from_clean.note  # the fit used the cleaned rows
    other = screening.exclusions().iloc[:3]  # not the 24 the survey was cleaned of
    with pytest.raises(ReportError, match="other respondents"):
        rp.sample_table(cleaned, excluded=other)
