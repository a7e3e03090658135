"""Codebook: every accepted form reads to the same contract; every malformed one fails clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from loyaltysem.errors import CodebookError
from loyaltysem.survey import Codebook

LABELS_EN = {1: "Strongly disagree", 4: "Neutral", 7: "Strongly agree"}
LABELS_ZH = {1: "非常不同意", 4: "中立", 7: "非常同意"}


def reference_dict() -> dict:
    return {
        "name": "mini",
        "missing_codes": [-99, 99],
        "columns": {"rid": "id", "wave": "group", "age": "covariate", "ip": "ignore"},
        "value_labels": {"en": LABELS_EN, "zh": LABELS_ZH},
        "constructs": {
            "TRU": {"label": "Trust", "label_zh": "信任"},
            "LOY": {"label": "Loyalty", "label_zh": "忠诚度"},
        },
        "items": [
            {
                "item": "TRU1",
                "construct": "TRU",
                "min": 1,
                "max": 7,
                "reverse": False,
                "text": "I trust this platform.",
                "text_zh": "我信任这个平台。",
            },
            {
                "item": "TRU2",
                "construct": "TRU",
                "min": 1,
                "max": 7,
                "reverse": False,
                "text": "It keeps its promises.",
                "text_zh": "它信守承诺。",
            },
            {
                "item": "LOY1",
                "construct": "LOY",
                "min": 1,
                "max": 7,
                "reverse": False,
                "text": "I will buy here again.",
                "text_zh": "我会再次在这里购买。",
            },
            {
                "item": "LOY4",
                "construct": "LOY",
                "min": 1,
                "max": 7,
                "reverse": True,
                "text": "I may switch soon.",
                "text_zh": "我近期可能会转向其他平台。",
            },
        ],
    }


def assert_same_contract(a: Codebook, b: Codebook) -> None:
    assert a.item_names == b.item_names
    assert a.construct_items == b.construct_items
    assert a.reversed_items == b.reversed_items
    assert set(a.missing_codes) == set(b.missing_codes)
    assert dict(a.columns) == dict(b.columns)
    assert a.construct_labels("en") == b.construct_labels("en")
    assert a.construct_labels("zh") == b.construct_labels("zh")
    for name in a.item_names:
        ia, ib = a.item(name), b.item(name)
        assert (ia.min, ia.max, ia.reverse, ia.type, ia.text, ia.text_zh) == (
            ib.min,
            ib.max,
            ib.reverse,
            ib.type,
            ib.text,
            ib.text_zh,
        )
        assert a.label_lookup(name) == b.label_lookup(name)


def test_from_dict_queries():
    cb = Codebook.from_dict(reference_dict())
    assert cb.item_names == ["TRU1", "TRU2", "LOY1", "LOY4"]
    assert cb.construct_items == {"TRU": ["TRU1", "TRU2"], "LOY": ["LOY1", "LOY4"]}
    assert cb.reversed_items == ["LOY4"]
    assert cb.id_column == "rid"
    assert cb.group_columns == ["wave"]
    assert cb.construct_labels("zh") == {"TRU": "信任", "LOY": "忠诚度"}
    lookup = cb.label_lookup("TRU1")
    assert lookup["strongly agree"] == 7.0
    assert lookup["非常同意"] == 7.0
    assert lookup["中立"] == 4.0


def test_to_dict_round_trip_through_json(tmp_path: Path):
    cb = Codebook.from_dict(reference_dict())
    path = tmp_path / "cb.json"
    path.write_text(json.dumps(cb.to_dict(), ensure_ascii=False), encoding="utf-8")
    assert_same_contract(cb, Codebook.read(path))


def test_yaml_and_toml_forms(tmp_path: Path):
    cb = Codebook.from_dict(reference_dict())
    ypath = tmp_path / "cb.yaml"
    ypath.write_text(yaml.safe_dump(reference_dict(), allow_unicode=True), encoding="utf-8")
    assert_same_contract(cb, Codebook.read(ypath))
    toml = """
name = "mini"
missing_codes = [-99, 99]
[columns]
rid = "id"
wave = "group"
age = "covariate"
ip = "ignore"
[value_labels.en]
1 = "Strongly disagree"
4 = "Neutral"
7 = "Strongly agree"
[value_labels.zh]
1 = "非常不同意"
4 = "中立"
7 = "非常同意"
[constructs.TRU]
label = "Trust"
label_zh = "信任"
[constructs.LOY]
label = "Loyalty"
label_zh = "忠诚度"
"""
    for it in reference_dict()["items"]:
        toml += (
            f'[[items]]\nitem = "{it["item"]}"\nconstruct = "{it["construct"]}"\n'
            f"min = {it['min']}\nmax = {it['max']}\nreverse = {str(it['reverse']).lower()}\n"
            f'text = "{it["text"]}"\ntext_zh = "{it["text_zh"]}"\n'
        )
    tpath = tmp_path / "cb.toml"
    tpath.write_text(toml, encoding="utf-8")
    assert_same_contract(cb, Codebook.read(tpath))


def csv_codebook_frame() -> pd.DataFrame:
    rows = []
    for it in reference_dict()["items"]:
        rows.append({**it, "role": "", "construct_label": "", "construct_label_zh": ""})
    rows[0]["construct_label"], rows[0]["construct_label_zh"] = "Trust", "信任"
    rows[2]["construct_label"], rows[2]["construct_label_zh"] = "Loyalty", "忠诚度"
    rows[3]["reverse"] = "yes"
    for col, role in reference_dict()["columns"].items():
        rows.append({"item": col, "role": role})
    frame = pd.DataFrame(rows)
    frame["value_labels"] = "1=Strongly disagree; 4=Neutral; 7=Strongly agree"
    frame["value_labels_zh"] = "1=非常不同意; 4=中立; 7=非常同意"
    return frame


def test_csv_codebook_matches_dict(tmp_path: Path):
    path = tmp_path / "codebook.csv"
    csv_codebook_frame().to_csv(path, index=False)
    cb = Codebook.read(path, missing_codes=[-99, 99])
    assert_same_contract(Codebook.from_dict(reference_dict()), cb)


def test_csv_codebook_in_gbk_with_semicolons(tmp_path: Path):
    path = tmp_path / "codebook.csv"
    csv_codebook_frame().to_csv(path, index=False, sep=";", encoding="gbk")
    cb = Codebook.read(path, missing_codes=[-99, 99])
    assert cb.item("LOY4").text_zh == "我近期可能会转向其他平台。"
    assert_same_contract(Codebook.from_dict(reference_dict()), cb)


def test_excel_codebook_with_sheets(tmp_path: Path):
    path = tmp_path / "codebook.xlsx"
    items = csv_codebook_frame().drop(
        columns=["value_labels", "value_labels_zh", "construct_label", "construct_label_zh"]
    )
    with pd.ExcelWriter(path) as xl:
        items.to_excel(xl, sheet_name="items", index=False)
        pd.DataFrame(
            {
                "construct": ["TRU", "LOY"],
                "label": ["Trust", "Loyalty"],
                "label_zh": ["信任", "忠诚度"],
            }
        ).to_excel(xl, sheet_name="constructs", index=False)
        pd.DataFrame(
            {"value": [1, 4, 7], "en": list(LABELS_EN.values()), "zh": list(LABELS_ZH.values())}
        ).to_excel(xl, sheet_name="value_labels", index=False)
        pd.DataFrame({"key": ["missing_codes", "name"], "value": ["-99; 99", "mini"]}).to_excel(
            xl, sheet_name="settings", index=False
        )
    cb = Codebook.read(path)
    assert cb.name == "mini"
    assert_same_contract(Codebook.from_dict(reference_dict()), cb)


def write_csv_codebook(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "cb.csv"
    frame.to_csv(path, index=False)
    return path


def test_bad_reverse_flag_names_line_column_and_value(tmp_path: Path):
    frame = csv_codebook_frame()
    frame.loc[1, "reverse"] = "maybe"
    path = write_csv_codebook(tmp_path, frame)
    with pytest.raises(CodebookError) as info:
        Codebook.read(path)
    err = info.value
    assert err.row == 3  # header is line 1, the second item is line 3
    assert err.column == "reverse"
    assert err.found == "maybe"
    assert "TRU2" in str(err) and "fix:" in str(err) and str(path) in str(err)


@pytest.mark.parametrize(
    ("column", "value", "needle"),
    [
        ("min", "one", "not a number"),
        ("max", "0", "empty or inverted"),
        ("min", "1.5", "not a whole number"),
        ("construct", "", "has no construct"),
        ("item", "TRU1", "listed twice"),
        ("role", "weight", "unknown role"),
    ],
)
def test_malformed_rows(tmp_path: Path, column: str, value: str, needle: str):
    frame = csv_codebook_frame().astype(object)
    frame.loc[1, column] = value
    path = write_csv_codebook(tmp_path, frame)
    with pytest.raises(CodebookError, match=needle) as info:
        Codebook.read(path)
    assert info.value.row == 3
    assert info.value.file == str(path)


def test_missing_required_column(tmp_path: Path):
    path = write_csv_codebook(tmp_path, csv_codebook_frame().drop(columns=["max"]))
    with pytest.raises(CodebookError, match="lacks required columns") as info:
        Codebook.read(path)
    assert "max" in info.value.expected


def test_missing_code_inside_scale():
    d = reference_dict()
    d["missing_codes"] = [5]
    with pytest.raises(CodebookError, match="inside the scale"):
        Codebook.from_dict(d)


def test_label_naming_two_values():
    d = reference_dict()
    d["value_labels"] = {"en": {1: "Disagree", 2: "disagree "}}
    with pytest.raises(CodebookError, match="stands for two values"):
        Codebook.from_dict(d)


def test_label_outside_scale():
    d = reference_dict()
    d["value_labels"] = {"en": {8: "Very strongly agree"}}
    with pytest.raises(CodebookError, match="outside the scale"):
        Codebook.from_dict(d)


def test_unknown_top_level_key_and_file_type(tmp_path: Path):
    d = reference_dict()
    d["itmes"] = []
    with pytest.raises(CodebookError, match="unknown top-level keys"):
        Codebook.from_dict(d)
    other = tmp_path / "cb.docx"
    other.write_bytes(b"x")
    with pytest.raises(CodebookError, match="not supported"):
        Codebook.read(other)
    with pytest.raises(CodebookError, match="does not exist"):
        Codebook.read(tmp_path / "nope.csv")


def test_broken_toml_names_file(tmp_path: Path):
    path = tmp_path / "cb.toml"
    path.write_text("items = [ {item = 'A' ", encoding="utf-8")
    with pytest.raises(CodebookError, match="cannot be parsed") as info:
        Codebook.read(path)
    assert info.value.file == str(path)


def test_empty_codebook(tmp_path: Path):
    path = tmp_path / "cb.csv"
    path.write_text("item,construct,min,max\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="no items"):
        Codebook.read(path)


def test_continuous_items_need_no_range():
    cb = Codebook.from_dict(
        {"items": [{"item": "x1", "construct": "visual", "type": "continuous"}]}
    )
    assert cb.item("x1").min is None
    with pytest.raises(CodebookError, match="needs both min and max"):
        Codebook.from_dict(
            {"items": [{"item": "x1", "construct": "v", "type": "continuous", "reverse": True}]}
        )


# ------------------------------------------------------------------ bounded loaders

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_yaml_aliases_that_expand_beyond_memory_are_refused_before_building(tmp_path: Path):
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    assert path.stat().st_size < 600
    with pytest.raises(CodebookError) as err:
        Codebook.read(path)
    assert "too many values" in err.value.reason and err.value.file == str(path)


@pytest.mark.parametrize(
    ("suffix", "text"),
    [
        (".yaml", "items: " + "[" * 5000 + "]" * 5000),
        (".yaml", "items:\n" + "".join("  " * i + "- \n" for i in range(40))),
        (".json", '{"items": ' + "[" * 5000 + "]" * 5000 + "}"),
        (".toml", "items = " + "[" * 5000 + "]" * 5000),
    ],
)
def test_deep_nesting_is_a_codebook_error_not_a_recursion_error(tmp_path: Path, suffix, text):
    path = tmp_path / f"deep{suffix}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as err:
        Codebook.read(path)
    assert err.value.file == str(path) and err.value.fix


def test_yaml_with_sparing_anchors_still_loads(tmp_path: Path):
    path = tmp_path / "anchors.yaml"
    path.write_text(
        "scale: &scale {min: 1, max: 7}\n"
        "items:\n"
        "  - {item: TRU1, construct: TRU, <<: *scale}\n"
        "  - {item: TRU2, construct: TRU, <<: *scale}\n",
        encoding="utf-8",
    )
    cb = Codebook.read(path)
    assert [(i.name, i.min, i.max) for i in cb.items] == [("TRU1", 1, 7), ("TRU2", 1, 7)]
