"""Codebook ``column`` (exported header or question number) and text missing codes."""

from __future__ import annotations

import json
import string

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from loyaltysem.errors import CodebookError, SurveyDataError
from loyaltysem.survey import Codebook, Survey, read_survey
from loyaltysem.survey.matching import normalize_header, question_key, resolve_columns


def _cb(items, **extra):
    return Codebook.from_dict({"items": items, **extra})


def _item(name, construct="REP", **kw):
    return {"item": name, "construct": construct, "min": 1, "max": 7, **kw}


# ---------------------------------------------------------------- question numbers
@pytest.mark.parametrize(
    ("header", "number", "sub"),
    [
        ("4、该平台口碑很好", 4, None),
        ("4. 该平台口碑很好", 4, None),
        ("4.该平台口碑很好", 4, None),
        ("Q4", 4, None),
        ("q4:", 4, None),
        ("第4题 该平台口碑很好", 4, None),
        ("Q7_1", 7, 1),
        ("7_1", 7, 1),
        ("7(1)", 7, 1),
        ("７（１）", 7, 1),
        ("7-2", 7, 2),
        ("7(该平台口碑很好)", 7, None),
    ],
)
def test_question_key_formats(header, number, sub):
    key = question_key(header)
    assert key is not None and key.number == number and key.sub == sub


@pytest.mark.parametrize("header", ["2024年收入", "REP1", "所用时间", "4x", "Q4a"])
def test_question_key_rejects_non_numbered_headers(header):
    assert question_key(header) is None


@pytest.mark.parametrize(
    ("spec", "headers", "header"),
    [
        ("4", ["序号", "4、该平台口碑很好", "5、值得信赖"], "4、该平台口碑很好"),
        ("Q4", ["序号", "4、该平台口碑很好", "5、值得信赖"], "4、该平台口碑很好"),
        ("4、", ["序号", "4、该平台口碑很好", "5、值得信赖"], "4、该平台口碑很好"),
        ("4.", ["4. 该平台口碑很好", "14. 值得信赖"], "4. 该平台口碑很好"),
        ("第4题", ["第4题 该平台口碑很好", "第5题 值得信赖"], "第4题 该平台口碑很好"),
        ("7(2)", ["7(口碑很好)", "7(值得信赖)", "8(满意)"], "7(值得信赖)"),
        ("7_2", ["7(口碑很好)", "7(值得信赖)", "8(满意)"], "7(值得信赖)"),
        ("Q7_2", ["Q7_1", "Q7_2", "Q8_1"], "Q7_2"),
        ("7(2)", ["Q7_1", "Q7_2", "Q8_1"], "Q7_2"),
        ("4、该平台口碑很好", ["4、该平台口碑很好", "4、该平台口碑好"], "4、该平台口碑很好"),
        ("４、该平台口碑很好", ["4、该平台口碑很好"], "4、该平台口碑很好"),  # NFKC
        ("Duration  (in seconds)", ["Duration (in seconds)"], "Duration (in seconds)"),
    ],
)
def test_column_spec_matches_header(spec, headers, header):
    cb = _cb([_item("REP1", column=spec)])
    assert resolve_columns(headers, cb) == {header: "REP1"}


def test_ambiguous_question_number_names_the_headers():
    cb = _cb([_item("REP1", column="7")])
    with pytest.raises(SurveyDataError) as err:
        resolve_columns(["7(口碑好)", "7(值得信赖)"], cb, file="wjx.xlsx")
    text = str(err.value)
    assert "'REP1'" in text and "7(口碑好)" in text and "7(值得信赖)" in text
    assert "7(1)" in text  # the fix names the sub-question form
    assert err.value.file == "wjx.xlsx"


def test_absent_column_names_the_row_and_near_headers():
    cb = _cb([_item("REP1", column="4、该平台口碑很好")])
    with pytest.raises(SurveyDataError, match="REP1") as err:
        resolve_columns(["4、该平台口碑好", "所用时间"], cb)
    assert "4、该平台口碑好" in str(err.value)


def test_two_rows_on_one_header_is_an_error():
    cb = _cb([_item("REP1", column="4"), _item("REP2", text_zh="该平台口碑很好")])
    with pytest.raises(SurveyDataError, match="both match"):
        resolve_columns(["4、该平台口碑很好"], cb)
    with pytest.raises(CodebookError, match="both read from"):
        _cb([_item("REP1", column="Q4"), _item("REP2", column="q4")])


def test_wording_matches_exactly_never_fuzzily():
    cb = _cb([_item("REP1", text_zh="该平台口碑很好"), _item("REP2", text="The platform is safe.")])
    header = ["4、该平台口碑很好", "The platform is safe."]
    assert resolve_columns(header, cb) == {
        "4、该平台口碑很好": "REP1",
        "The platform is safe.": "REP2",
    }
    cb2 = _cb([_item("REP1", text_zh="该平台口碑很好！")])
    with pytest.raises(SurveyDataError, match="not in the data"):
        Survey.from_frame(pd.DataFrame({"4、该平台口碑很好": [1, 2]}), cb2)


def test_own_name_wins_over_wording():
    cb = _cb([_item("REP1", text_zh="口碑")])
    assert resolve_columns(["REP1", "口碑"], cb) == {}


def test_renamed_column_clashing_with_an_existing_one():
    cb = _cb([_item("REP1", column="4")])
    with pytest.raises(SurveyDataError, match="already has a column"):
        Survey.from_frame(pd.DataFrame({"4、口碑": [1], "REP1": [2]}), cb, unknown_columns="keep")


def test_role_columns_use_column_too():
    cb = _cb(
        [_item("REP1", column="4"), _item("REP2", column="5")],
        columns={
            "id": {"role": "id", "column": "序号"},
            "duration": {"role": "duration", "column": "所用时间"},
            "gender": {"role": "group", "column": "1"},
            "ip": {"role": "ignore", "column": "来自IP"},
        },
    )
    frame = pd.DataFrame(
        {
            "序号": [11, 12, 13],
            "所用时间": ["230秒", "95秒", "41秒"],
            "来自IP": ["1.2.3.4", "1.2.3.5", "1.2.3.6"],
            "1、您的性别": ["男", "女", "男"],
            "4、该平台口碑很好": [5, 6, 7],
            "5、该平台值得信赖": [4, 4, 7],
        }
    )
    s = Survey.from_frame(frame, cb)
    assert s.data.index.name == "id" and s.data.index.tolist() == [11, 12, 13]
    assert list(s.data.columns) == ["REP1", "REP2"]
    assert s.covariates["gender"].tolist() == ["男", "女", "男"]
    assert s.covariates["duration"].tolist() == ["230秒", "95秒", "41秒"]
    assert "4、该平台口碑很好" in s.raw.columns or "REP1" in s.raw.columns
    log = s.log_frame()
    assert log.loc[log["step"] == "columns", "count"].iloc[0] == 6


@pytest.mark.parametrize("fmt", ["dict", "csv", "xlsx", "toml", "yaml", "json"])
def test_column_field_in_every_codebook_format(fmt, tmp_path):
    cb = _cb(
        [
            _item("REP1", column="4、该平台口碑很好"),
            _item("LOY4", "LOY", column="Q9_4", reverse=True, missing_codes=["(跳过)", -3]),
        ],
        columns={"id": {"role": "id", "column": "序号"}, "wave": "group"},
        missing_codes=[-99, "不适用"],
    )
    if fmt == "dict":
        back = Codebook.from_dict(json.loads(json.dumps(cb.to_dict())))
    elif fmt in ("csv", "xlsx"):
        frame = cb.to_frame().reset_index()
        frame["role"] = "item"
        roles = pd.DataFrame(
            {"item": ["id", "wave"], "role": ["id", "group"], "column": ["序号", ""]}
        )
        frame = pd.concat([frame, roles], ignore_index=True)
        path = tmp_path / f"cb.{fmt}"
        if fmt == "csv":
            frame.to_csv(path, index=False, encoding="utf-8-sig")
            back = Codebook.from_csv(path, missing_codes=[-99, "不适用"])
        else:
            with pd.ExcelWriter(path) as xl:
                frame.to_excel(xl, sheet_name="items", index=False)
                pd.DataFrame({"key": ["missing_codes"], "value": ["-99;不适用"]}).to_excel(
                    xl, sheet_name="settings", index=False
                )
            back = Codebook.read(path)
    elif fmt == "toml":
        path = tmp_path / "cb.toml"
        path.write_text(
            """missing_codes = [-99, "不适用"]
[columns]
id = { role = "id", column = "序号" }
wave = "group"
[[items]]
item = "REP1"
construct = "REP"
min = 1
max = 7
column = "4、该平台口碑很好"
[[items]]
item = "LOY4"
construct = "LOY"
min = 1
max = 7
reverse = true
column = "Q9_4"
missing_codes = ["(跳过)", -3]
""",
            encoding="utf-8",
        )
        back = Codebook.read(path)
    else:
        path = tmp_path / f"cb.{fmt}"
        text = json.dumps(cb.to_dict(), ensure_ascii=False)
        path.write_text(text, encoding="utf-8")  # JSON is YAML too
        back = Codebook.read(path)
    assert back.column_of == {"REP1": "4、该平台口碑很好", "LOY4": "Q9_4", "id": "序号"}
    assert back.columns == {"id": "id", "wave": "group"}
    assert back.missing_codes == (-99.0,) and back.missing_text == ("不适用",)
    assert back.item("LOY4").missing_codes == (-3.0,)
    assert back.item("LOY4").missing_text == ("(跳过)",)
    assert back.to_frame().loc["LOY4", "column"] == "Q9_4"
    assert back.to_frame().loc["LOY4", "missing"] == "-3;(跳过)"


# ---------------------------------------------------------------- text missing codes
def test_text_missing_codes_are_counted_like_numeric_ones():
    cb = _cb(
        [_item("REP1"), _item("REP2", missing_codes="不适用")],
        missing_codes=[-99, "(跳过)", "N/A"],
        value_labels={"zh": {1: "非常不同意", 7: "非常同意"}},
        columns={"gender": "group"},
    )
    frame = pd.DataFrame(
        {
            "REP1": ["非常同意", "(跳过)", "（跳过）", -99, "3"],
            "REP2": ["不适用", "1", "(跳过)", "7", "非常不同意"],
            "gender": ["男", "(跳过)", "女", "女", "男"],
        }
    )
    s = Survey.from_frame(frame, cb)
    assert s.data["REP1"].tolist()[:1] == [7.0] and s.data["REP1"].isna().sum() == 3
    assert s.data["REP2"].isna().tolist() == [True, False, True, False, False]
    assert s.data["REP2"].tolist()[3:] == [7.0, 1.0]
    log = s.log_frame().set_index(["step", "column"])
    assert log.loc[("missing-code", "REP1"), "count"] == 3
    assert "(跳过)" in log.loc[("missing-code", "REP1"), "detail"]
    assert log.loc[("missing-code", "REP2"), "count"] == 2
    assert s.covariates["gender"].isna().tolist() == [False, True, False, False, False]
    assert log.loc[("missing-code", "gender"), "count"] == 1


def test_unlabelled_text_stays_an_error_naming_the_cell():
    cb = _cb([_item("REP1")], missing_codes=["(跳过)"])
    with pytest.raises(SurveyDataError) as err:
        Survey.from_frame(pd.DataFrame({"REP1": ["1", "(跳过)", "(空)"]}), cb)
    e = err.value
    assert e.row == 3 and e.column == "REP1" and e.found == "(空)"
    assert "(跳过)" in str(e) and "--invalid missing" in str(e)


def test_text_code_that_is_also_a_label_is_a_codebook_error():
    with pytest.raises(CodebookError, match="both a missing-value code and a value label"):
        _cb([_item("REP1")], missing_codes=["一般"], value_labels={"zh": {4: "一般"}})


def test_numeric_text_code_is_a_number():
    cb = _cb([_item("REP1")], missing_codes=["-3"])
    assert cb.missing_codes == (-3.0,) and cb.missing_text == ()
    s = Survey.from_frame(pd.DataFrame({"REP1": ["-3", 2, -3]}), cb)
    assert s.data["REP1"].isna().sum() == 2


def test_qualtrics_rows_skipped_by_read_survey(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(
        "ResponseId,StartDate,Q1_1,Q1_2\n"
        "Response ID,Start Date,Agree - a,Agree - b\n"
        '"{""ImportId"":""_recordId""}","{""ImportId"":""startDate""}",'
        '"{""ImportId"":""QID1_1""}","{""ImportId"":""QID1_2""}"\n'
        "R_1,2026-01-01 10:00:00,5,6\n"
        "R_2,2026-01-01 11:00:00,x,2\n",
        encoding="utf-8",
    )
    cb = _cb(
        [_item("A1", "A", column="Q1_1"), _item("A2", "A", column="1(2)")],
        columns={"ResponseId": "id", "StartDate": "start"},
    )
    with pytest.raises(SurveyDataError) as err:
        read_survey(path, cb)
    assert err.value.line == 5 and err.value.column == "A1"  # the file's own line number
    s = read_survey(path, cb, invalid="missing")
    assert s.data.index.tolist() == ["R_1", "R_2"]
    assert s.log_frame()["detail"].str.contains("skipped 2 extra header row").any()


# ---------------------------------------------------------------- properties
_HEADER = st.text(
    alphabet=st.sampled_from(
        list(string.ascii_letters + string.digits + " _.、()（）:：-")
        + list("该平台口碑很好第题问卷")
    ),
    min_size=1,
    max_size=12,
).filter(lambda h: h.strip() != "")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    headers=st.lists(_HEADER, min_size=1, max_size=5, unique_by=lambda h: h.strip()),
    pick=st.integers(min_value=0, max_value=4),
    use_spec=st.sampled_from(["header", "stripped", "other"]),
    other=_HEADER,
)
def test_any_headers_read_correctly_or_fail_naming_the_place(headers, pick, use_spec, other):
    headers = [h.strip() for h in headers]
    assume(len(set(headers)) == len(headers) and "REP1" not in headers)
    target = headers[pick % len(headers)]
    spec = {"header": target, "stripped": f" {target} ", "other": other}[use_spec]
    values = {h: [1 + i % 7, 7 - i % 7] for i, h in enumerate(headers)}
    frame = pd.DataFrame(values)
    cb = _cb([_item("REP1", column=spec)])
    try:
        s = Survey.from_frame(frame, cb, unknown_columns="ignore")
    except SurveyDataError as exc:
        event("typed error")
        assert exc.column is not None and exc.fix
        assert "REP1" in str(exc) or spec.strip() in str(exc)
        return
    event("read")
    # a correct read: REP1 holds the values of exactly one header that the spec names
    matched = [h for h in headers if s.data["REP1"].tolist() == [float(v) for v in values[h]]]
    assert matched
    norm = [normalize_header(h) for h in headers]
    if normalize_header(spec) in norm:
        assert s.data["REP1"].tolist() == [
            float(v) for v in values[headers[norm.index(normalize_header(spec))]]
        ]
    else:
        key = question_key(spec)
        assert key is not None  # only a question number may match a different header


@settings(max_examples=150, deadline=None)
@given(
    code=st.text(min_size=1, max_size=8).filter(
        lambda t: t.strip() and not any(c in t for c in ";,|")
    ),
    cells=st.lists(
        st.sampled_from(["code", "label", "number", "junk", "blank"]), min_size=1, max_size=12
    ),
)
def test_any_text_code_read_correctly_or_typed_error(code, cells):
    labels = {1: "非常不同意", 7: "非常同意"}
    try:
        cb = _cb([_item("REP1")], missing_codes=[code], value_labels={"zh": labels})
    except CodebookError as exc:
        assert exc.fix
        return
    column = []
    for kind in cells:
        column.append(
            {"code": f" {code} ", "label": "非常同意", "number": "3", "junk": "🙂?", "blank": ""}[
                kind
            ]
        )
    frame = pd.DataFrame({"REP1": column}, dtype=object)
    try:
        s = Survey.from_frame(frame, cb)
    except SurveyDataError as exc:
        event("typed error")
        assert exc.column == "REP1" and exc.row is not None
        bad = column[exc.row - 1]
        assert bad == "🙂?"  # only the unlabelled text is an error, named by its row
        return
    event("read")
    assert "junk" not in cells or code.strip() == "🙂?"
    values = s.data["REP1"].tolist()
    for kind, value in zip(cells, values, strict=True):
        if kind == "label":
            assert value == 7.0
        elif kind == "number":
            # a code that reads as the number 3 makes 3 missing
            assert value == 3.0 or cb.missing_codes == (3.0,)
        else:
            assert np.isnan(value)


def test_blank_cell_of_a_text_covariate_is_missing_not_the_text_nan():
    cb = _cb([_item("REP1")], columns={"gender": "group"})
    s = Survey.from_frame(pd.DataFrame({"REP1": [1, 2, 3], "gender": ["男", None, ""]}), cb)
    assert s.covariates["gender"].isna().tolist() == [False, True, True]
