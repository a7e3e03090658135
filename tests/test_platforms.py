"""Survey-platform exports: layouts, codebook drafts, column mapping, to a fitted model.

The exports in tests/data/exports/ are written by scripts/make_exports.py from one
simulated survey; every test here compares against that survey read directly.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from loyaltysem import CodebookDraft, draft_codebook, read_survey
from loyaltysem.cli import main
from loyaltysem.errors import CodebookError, SurveyDataError
from loyaltysem.instruments import DEFAULT_MODEL, default_instrument
from loyaltysem.sem.single_group import fit
from loyaltysem.survey import Codebook, Survey

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "tests" / "data" / "exports"


def _load_script():
    spec = importlib.util.spec_from_file_location(
        "make_exports", ROOT / "scripts" / "make_exports.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_exports"] = module
    spec.loader.exec_module(module)
    return module


MX = _load_script()

#: export → (layout, {header: role} spot checks, answer scale of the items)
LAYOUTS = {
    "wjx_text.xlsx": (
        "wjx",
        {
            "序号": "id",
            "所用时间": "duration",
            "提交答卷时间": "end",
            "来自IP": "ignore",
            "1、您的性别：": "covariate",
        },
    ),
    "wjx_text.csv": ("wjx", {"序号": "id", "所用时间": "duration", "来源详情": "ignore"}),
    "wjx_numeric.csv": (
        "wjx",
        {"序号": "id", "所用时间": "duration", "3、您最常使用的购物平台：": "covariate"},
    ),
    "tencent.csv": (
        "tencent",
        {
            "编号": "id",
            "开始答题时间": "start",
            "结束答题时间": "end",
            "答题时长": "duration",
            "IP": "ignore",
        },
    ),
    "qualtrics.csv": (
        "qualtrics",
        {
            "ResponseId": "id",
            "StartDate": "start",
            "EndDate": "end",
            "Duration (in seconds)": "duration",
            "IPAddress": "ignore",
            "Q2": "covariate",
        },
    ),
    "spss.sav": ("spss", {"id": "id", "duration": "duration", "gender": "covariate"}),
}


@pytest.fixture(scope="module")
def simulated():
    return MX.simulate()


@pytest.fixture(scope="module")
def direct_fit(simulated):
    """The simulated survey read directly with the default instrument, and its fit."""
    cb0 = default_instrument()
    frame = simulated[["respondent_id", "gender", "platform", "age", *cb0.item_names]]
    cb = Codebook.from_dict(
        {
            **cb0.to_dict(),
            "columns": {"gender": "group", "platform": "group", "age": "covariate"},
            "id_column": "respondent_id",
        }
    )
    survey = Survey.from_frame(frame, cb)
    return survey, fit(DEFAULT_MODEL, survey)


def edited(draft: CodebookDraft) -> CodebookDraft:
    """The draft as a user edits it: instrument codes and constructs, LOY4 reverse-keyed."""
    cb0 = default_instrument()
    frame = draft.frame.copy()
    rows = frame.index[frame["role"] == "item"]
    assert len(rows) == 29
    frame.loc[rows, "item"] = cb0.item_names
    frame.loc[rows, "construct"] = [cb0.item(n).construct for n in cb0.item_names]
    frame.loc[rows, "reverse"] = [cb0.item(n).reverse for n in cb0.item_names]
    return CodebookDraft(
        frame=frame,
        layout=draft.layout,
        notes=draft.notes,
        missing_codes=draft.missing_codes,
        source=draft.source,
    )


# ---------------------------------------------------------------- the exports themselves
def test_script_regenerates_the_committed_exports(tmp_path):
    fresh = MX.write_all(tmp_path)
    assert [p.name for p in fresh] == list(MX.FILES)
    for path in fresh:
        committed = EXPORTS / path.name
        assert committed.stat().st_size < 300_000
        if path.suffix == ".csv":
            assert path.read_bytes() == committed.read_bytes(), path.name
        else:
            assert MX._same(path, committed), path.name


def test_exports_hold_the_planted_straightliners_and_speeders(simulated):
    assert MX.straightliners(simulated) == [48, 79, 83, 104, 123, 235, 243, 279, 299]
    seconds = simulated["seconds"].to_numpy()
    assert list(np.flatnonzero(seconds < 60) + 1) == list(MX.SPEEDERS)
    wjx = pd.read_excel(EXPORTS / "wjx_text.xlsx", dtype=object)
    assert wjx.loc[16, "所用时间"] == "31秒"
    answers = wjx.iloc[47, 9:].tolist()  # respondent 48, a straight-liner
    assert len(set(answers) - {"(跳过)"}) == 1


# ---------------------------------------------------------------- drafts
@pytest.mark.parametrize("name", list(LAYOUTS))
def test_draft_layout_roles_and_scale(name):
    layout, roles = LAYOUTS[name]
    draft = draft_codebook(EXPORTS / name)
    assert draft.layout == layout
    frame = draft.frame.set_index("column")
    for header, role in roles.items():
        assert frame.loc[header, "role"] == role, header
    items = frame[frame["role"] == "item"]
    assert len(items) == 29
    assert (items["min"] == 1).all() and (items["max"] == 7).all()
    assert items["construct"].nunique() == (1 if layout == "tencent" else 9)
    assert repr(draft).startswith(f"<CodebookDraft layout={layout!r}")


def test_wjx_text_draft_labels_wording_and_skips():
    draft = draft_codebook(EXPORTS / "wjx_text.xlsx")
    first = draft.frame[draft.frame["role"] == "item"].iloc[0]
    assert first["column"] == "4(我身边的人对这个平台评价很好。)"
    assert first["text_zh"] == "我身边的人对这个平台评价很好。"
    assert first["item"] == "C1_1" and first["construct"] == "C1"
    assert first["value_labels_zh"].startswith("1=非常不同意; 2=不同意; 3=有点不同意")
    assert draft.missing_codes == ("(跳过)",)
    assert any("(跳过)" in n for n in draft.notes)


def test_qualtrics_draft_takes_the_question_text_and_spss_the_labels():
    q = draft_codebook(EXPORTS / "qualtrics.csv").frame.set_index("column")
    assert q.loc["Q4_1", "text"] == default_instrument().item("REP1").text
    assert q.loc["Q4_1", "construct"] == "C1" and q.loc["Q12_4", "construct"] == "C9"
    s = draft_codebook(EXPORTS / "spss.sav")
    sf = s.frame.set_index("column")
    assert sf.loc["LOY4", "text_zh"] == default_instrument().item("LOY4").text_zh
    assert sf.loc["LOY4", "construct"] == "LOY" and sf.loc["LOY4", "item"] == "LOY4"
    assert s.missing_codes == (-99.0,)


def test_wjx_five_point_wording_is_detected(tmp_path):
    five = ["非常不同意", "不同意", "一般", "同意", "非常同意"]
    frame = pd.DataFrame(
        {
            "序号": range(1, 11),
            "所用时间": ["100秒"] * 10,
            "提交答卷时间": ["2026/11/01 10:00:00"] * 10,
            "5、该平台口碑很好": [five[i % 5] for i in range(10)],
            "6、该平台值得信赖": [five[(i + 2) % 5] for i in range(10)],
        }
    )
    path = tmp_path / "five.csv"
    frame.to_csv(path, index=False)
    draft = draft_codebook(path)
    items = draft.frame[draft.frame["role"] == "item"]
    assert draft.layout == "wjx"
    assert items["max"].tolist() == [5.0, 5.0]
    assert items["construct"].tolist() == ["C1", "C1"]  # one run on one scale


def test_unrecognised_layout_still_gets_a_draft(tmp_path):
    path = tmp_path / "plain.csv"
    pd.DataFrame({"who": ["a", "b", "c"], "x1": [1, 4, 5], "x2": [2, 3, 5]}).to_csv(
        path, index=False
    )
    draft = draft_codebook(path)
    assert draft.layout == "unknown"
    assert draft.frame["column"].tolist() == ["who", "x1", "x2"]
    assert "wjx" in draft.notes[0] and "qualtrics" in draft.notes[0] and "spss" in draft.notes[0]


def test_draft_writes_xlsx_csv_toml_that_read_back(tmp_path):
    draft = edited(draft_codebook(EXPORTS / "wjx_text.xlsx"))
    expected = draft.to_codebook()
    for suffix in (".xlsx", ".csv", ".toml"):
        path = draft.write(tmp_path / f"cb{suffix}")
        cb = Codebook.read(path)
        assert cb.item_names == expected.item_names, suffix
        assert cb.column_of == expected.column_of, suffix
        assert cb.item("REP1").missing_text == ("(跳过)",) or cb.missing_text == ("(跳过)",)
        assert cb.reversed_items == ["LOY4"], suffix
    raw = (tmp_path / "cb.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with pytest.raises(CodebookError, match="suffix"):
        draft.write(tmp_path / "cb.docx")


# ---------------------------------------------------------------- export -> model
@pytest.mark.parametrize("name", list(LAYOUTS))
def test_export_to_fit_matches_the_survey_read_directly(name, tmp_path, direct_fit):
    survey0, result0 = direct_fit
    draft = edited(draft_codebook(EXPORTS / name))
    path = draft.write(tmp_path / "codebook.xlsx")
    survey = read_survey(EXPORTS / name, path)
    assert survey.items == survey0.items
    assert_allclose(survey.data.to_numpy(), survey0.data.to_numpy(), atol=0)
    result = fit(DEFAULT_MODEL, survey)
    a = result.estimates.reset_index(drop=True)
    b = result0.estimates.reset_index(drop=True)
    assert a[["lhs", "op", "rhs"]].equals(b[["lhs", "op", "rhs"]])
    assert_allclose(a["est"].to_numpy(), b["est"].to_numpy(), atol=1e-10)
    assert_allclose(a["se"].to_numpy(), b["se"].to_numpy(), rtol=1e-10)
    steps = survey.log_frame()
    # SPSS variables are named by their codes already: nothing to rename
    assert (steps["step"] == "columns").any() == (name != "spss.sav")
    if name == "qualtrics.csv":
        assert steps["detail"].str.contains("skipped 2 extra header row").any()
    if name.startswith("wjx_text"):
        codes = steps[(steps["step"] == "missing-code")]
        assert codes["count"].sum() == int(survey0.data.isna().sum().sum())


@pytest.mark.parametrize("name", ["wjx_text.xlsx", "tencent.csv", "qualtrics.csv", "spss.sav"])
def test_cli_codebook_draft_then_fit(name, tmp_path, capsys):
    draft_path = tmp_path / "draft.xlsx"
    assert main(["codebook", "draft", str(EXPORTS / name), "--out", str(draft_path)]) == 0
    printed = capsys.readouterr().out
    assert f"layout: {LAYOUTS[name][0]}" in printed and str(draft_path) in printed
    # the user edits the draft (here: the instrument's codes and constructs)
    sheet = pd.read_excel(draft_path, sheet_name="items", dtype=object)
    settings = pd.read_excel(draft_path, sheet_name="settings", dtype=object)
    draft = CodebookDraft(
        frame=sheet,
        layout=LAYOUTS[name][0],
        notes=(),
        missing_codes=tuple(
            c
            for c in str(settings.set_index("key").loc["missing_codes", "value"]).split(";")
            if c and c != "nan"
        ),
        source=name,
    )
    edited(draft).write(tmp_path / "edited.xlsx")
    (tmp_path / "model.lav").write_text(DEFAULT_MODEL, encoding="utf-8")
    out = tmp_path / "sem"
    code = main(
        [
            "fit",
            str(EXPORTS / name),
            "--codebook",
            str(tmp_path / "edited.xlsx"),
            "--model",
            str(tmp_path / "model.lav"),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    est = pd.read_csv(out / "sem_estimates.csv", encoding="utf-8-sig")
    assert {"REP", "LOY"} <= set(est["lhs"])


def test_formula_like_header_stays_text_in_the_excel_draft(tmp_path):
    path = tmp_path / "odd.csv"
    pd.DataFrame({"=1+2": [1, 2, 4, 5], "x": [3, 4, 5, 1]}).to_csv(path, index=False)
    draft = draft_codebook(path)
    out = draft.write(tmp_path / "odd.xlsx")
    sheet = pd.read_excel(out, sheet_name="items", dtype=object)
    assert sheet["column"].tolist() == ["=1+2", "x"]
    cb = Codebook.read(out)
    assert cb.column_of["C1_1"] == "=1+2"
    survey = read_survey(path, out)
    assert survey.data["C1_1"].tolist() == [1.0, 2.0, 4.0, 5.0]


_CELL = st.one_of(
    st.integers(min_value=-99, max_value=120),
    st.sampled_from(
        ["非常不同意", "不同意", "一般", "同意", "非常同意", "(跳过)", "", "男", "230秒"]
    ),
    st.text(max_size=6),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    headers=st.lists(
        st.text(min_size=1, max_size=10).map(str.strip).filter(bool),
        min_size=1,
        max_size=5,
        unique_by=lambda h: h,
    ),
    rows=st.integers(min_value=1, max_value=8),
    data=st.data(),
)
def test_any_table_gets_a_draft_listing_every_column(tmp_path_factory, headers, rows, data):
    assume(all("\r" not in h and "\n" not in h for h in headers))
    frame = pd.DataFrame(
        {h: data.draw(st.lists(_CELL, min_size=rows, max_size=rows)) for h in headers}
    )
    path = tmp_path_factory.mktemp("any") / "export.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    try:
        draft = draft_codebook(path)
    except SurveyDataError as exc:  # an unreadable table is a typed error naming the file
        assert exc.file == str(path) and exc.fix
        return
    assert draft.frame["column"].tolist() == [str(c) for c in pd.read_csv(path, dtype=str).columns]
    assert draft.frame["item"].is_unique
    assert set(draft.frame["role"]) <= {
        "item",
        "id",
        "duration",
        "start",
        "end",
        "ignore",
        "covariate",
    }
    if (draft.frame["role"] == "item").any():
        try:
            cb = draft.to_codebook()
        except CodebookError as exc:
            assert exc.fix
            return
        assert set(cb.column_of.values()) <= set(draft.frame["column"])


def test_cli_codebook_draft_bad_suffix_and_unknown_layout(tmp_path, capsys):
    path = tmp_path / "plain.csv"
    pd.DataFrame({"a": [1, 2, 5], "b": [2, 4, 5]}).to_csv(path, index=False)
    assert main(["codebook", "draft", str(path), "--out", str(tmp_path / "cb.docx")]) == 2
    assert ".xlsx, .csv or .toml" in capsys.readouterr().err
    assert main(["codebook", "draft", str(path), "--out", str(tmp_path / "cb.csv")]) == 0
    out = capsys.readouterr().out
    assert "layout: unknown" in out and "Known layouts" in out
    assert (tmp_path / "cb.csv").read_bytes().startswith(b"\xef\xbb\xbf")
