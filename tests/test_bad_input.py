"""Bad input (issue 12): malformed codebooks, missing text values, lost answers counted.

Property tests assert that on malformed input only :class:`LoyaltySemError` subclasses
escape, and that every message names its place (a key path, file, row or column).
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyaltysem.errors import CodebookError, LoyaltySemError
from loyaltysem.survey import Codebook

# ---------------------------------------------------------------- codebook structures

VALID: dict[str, Any] = {
    "name": "trust",
    "missing_codes": [-99, "(跳过)"],
    "value_labels": {"en": {1: "Never", 7: "Always"}, "gender": {1: "男", 2: "女"}},
    "constructs": {"TRU": {"label": "Trust", "label_zh": "信任"}},
    "columns": {"gender": "group", "rid": {"role": "id", "column": "序号"}},
    "items": [
        {"item": "TRU1", "construct": "TRU", "min": 1, "max": 7},
        {
            "item": "TRU2",
            "construct": "TRU",
            "min": 1,
            "max": 7,
            "reverse": True,
            "value_labels": {"zh": {1: "从不"}},
            "missing_codes": [99],
        },
    ],
}

#: A place: a key path (items[3].min, columns.gender, value_labels.en) in the error's
#: column or text, or a file, row or line.
_PATH = re.compile(
    r"items\[\d+\]|items|constructs|columns|value_labels|missing_codes|id_column|name"
)


def _names_place(err: LoyaltySemError) -> bool:
    located = any(getattr(err, a, None) is not None for a in ("file", "row", "line", "column"))
    return located or bool(_PATH.search(str(err)))


def test_the_valid_codebook_builds() -> None:
    cb = Codebook.from_dict(VALID)
    assert cb.item_names == ["TRU1", "TRU2"]
    assert cb.id_column == "rid" and cb.group_columns == ["gender"]
    assert Codebook.from_dict(cb.to_dict()) == cb


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d.update({1: "x"}), "the codebook[1]"),  # mixed key types
        (lambda d: d.update(value_labels=[1, "Never"]), "value_labels"),
        (lambda d: d.update(id_column=["rid", "id"]), "id_column"),
        (lambda d: d.update(id_column={"rid": 1}), "id_column"),
        (lambda d: d.update(items={"item": "TRU1"}), "items"),
        (lambda d: d.update(items=None), "items"),
        (lambda d: d.update(items=[]), "items"),
        (lambda d: d["items"].__setitem__(1, ["TRU2", "TRU"]), "items[1]"),
        (lambda d: d["items"].__setitem__(0, None), "items[0]"),
        (lambda d: d["items"][1].update(min=[1]), "items[1].min"),
        (lambda d: d["items"][1].update(min={"a": 1}), "items[1].min"),
        (lambda d: d["items"][1].update(min="one"), "items[1].min"),
        (lambda d: d["items"][0].update(item=None), "items[0].item"),
        (lambda d: d["items"][0].update(item=True), "items[0].item"),
        (lambda d: d["items"][0].update(construct=["TRU"]), "items[0].construct"),
        (lambda d: d["items"][0].update(reverse=[True]), "items[0].reverse"),
        (lambda d: d["items"][0].update(reverse="maybe"), "items[0].reverse"),
        (lambda d: d["items"][1].update(value_labels=["Never"]), "items[1].value_labels"),
        (lambda d: d["items"][1].update(value_labels={"zh": [1]}), "items[1].value_labels.zh"),
        (lambda d: d["items"][1].update(missing_codes={"a": 1}), "items[1].missing_codes"),
        (lambda d: d["items"][1].update(missing_codes=[[99]]), "items[1].missing_codes[0]"),
        (lambda d: d["items"][1].update({2: 3}), "items[1][2]"),
        (lambda d: d.update(constructs=["TRU"]), "constructs"),
        (lambda d: d.update(constructs={"TRU": "Trust"}), "constructs.TRU"),
        (lambda d: d.update(constructs={"TRU": {"label": ["a"]}}), "constructs.TRU.label"),
        (lambda d: d.update(columns=["gender"]), "columns"),
        (lambda d: d.update(columns={"gender": None}), "columns.gender"),
        (lambda d: d.update(columns={"gender": 3}), "columns.gender"),
        (lambda d: d.update(columns={"gender": {"role": ["group"]}}), "columns.gender.role"),
        (lambda d: d.update(value_labels={"en": None, "gender": [1]}), "value_labels.gender"),
        (lambda d: d.update(value_labels={"en": {1: None}}), "value_labels.en[1]"),
        (lambda d: d.update(value_labels={"en": {(1, 2): "x"}}), "value_labels.en[(1, 2)]"),
        (lambda d: d.update(missing_codes={"-99": 1}), "missing_codes"),
        (lambda d: d.update(name=["x"]), "name"),
    ],
)
def test_malformed_structures_name_their_key_path(change: Any, path: str) -> None:
    data = copy.deepcopy(VALID)
    change(data)
    with pytest.raises(CodebookError) as info:
        Codebook.from_dict(data)
    assert info.value.column == path, str(info.value)
    assert path in str(info.value)


def test_not_a_mapping_and_deep_nesting() -> None:
    for data in (None, [], "items", 3):
        with pytest.raises(CodebookError, match="the codebook is"):
            Codebook.from_dict(data)  # type: ignore[arg-type]
    deep: Any = "x"
    for _ in range(5000):  # deeper than repr() can show: the message shortens it
        deep = [deep]
    data = copy.deepcopy(VALID)
    data["items"][0]["text"] = deep
    with pytest.raises(CodebookError) as info:
        Codebook.from_dict(data)
    assert info.value.column == "items[0].text"
    assert len(str(info.value)) < 1000


def test_errors_from_item_fields_name_the_item_entry() -> None:
    data = copy.deepcopy(VALID)
    data["items"][1]["max"] = 0  # min 1 > max 0
    with pytest.raises(CodebookError) as info:
        Codebook.from_dict(data)
    assert info.value.column == "items[1].max"
    data = copy.deepcopy(VALID)
    data["items"][1]["type"] = "ranking"
    with pytest.raises(CodebookError) as info:
        Codebook.from_dict(data)
    assert info.value.column == "items[1].type"


def test_numbers_where_names_are_expected_are_read_as_text() -> None:
    # YAML reads `column: 4` (a question number) and `item: 7` as numbers: kept as text
    data = copy.deepcopy(VALID)
    data["items"][0].update(item=7, column=4)
    cb = Codebook.from_dict(data)
    assert cb.item_names == ["7", "TRU2"]
    assert cb.column_of["7"] == "4"


scalar = (
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats()
    | st.text(max_size=6)
    | st.sampled_from(["", "1", "7", "-99", "likert", "group", "id", "TRU", "true", "1=a; 2=b"])
)
key = (
    st.sampled_from(
        "items constructs missing_codes value_labels columns id_column name "
        "item construct min max reverse type text column role en".split()
    )
    | st.integers(-2, 3)
    | st.text(max_size=3)
    | st.none()
    | st.tuples(st.integers(0, 2))
)
json_like = st.recursive(
    scalar,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(key, inner, max_size=4)
    ),
    max_leaves=24,
)


@st.composite
def near_valid(draw: st.DrawFn) -> Any:
    """The valid codebook with one to three values replaced by arbitrary structures."""
    data = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 3))):
        node: Any = data
        while True:
            if isinstance(node, dict) and node:
                at: Any = draw(st.sampled_from(sorted(node, key=repr)))
            elif isinstance(node, list) and node:
                at = draw(st.integers(0, len(node) - 1))
            else:
                break
            if draw(st.booleans()) or not isinstance(node[at], (dict, list)):
                node[at] = draw(json_like)
                break
            node = node[at]
        if draw(st.booleans()) and isinstance(data, dict):  # a stray key at the top
            data[draw(key)] = draw(json_like)
    return data


def _only_located_codebook_errors(data: Any) -> None:
    try:
        Codebook.from_dict(data)
    except LoyaltySemError as err:
        assert isinstance(err, CodebookError), repr(err)
        assert _names_place(err), str(err)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(near_valid())
def test_near_valid_codebooks_raise_only_located_codebook_errors(data: Any) -> None:
    _only_located_codebook_errors(data)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(json_like | st.dictionaries(key, json_like, max_size=6))
def test_arbitrary_structures_raise_only_located_codebook_errors(data: Any) -> None:
    _only_located_codebook_errors(data)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(near_valid())
def test_json_and_yaml_codebooks_raise_only_located_codebook_errors(
    tmp_path_factory: pytest.TempPathFactory, data: Any
) -> None:
    import yaml

    folder = tmp_path_factory.mktemp("cb")
    try:
        text = json.dumps(data, allow_nan=True)
    except (TypeError, ValueError):  # keys JSON cannot hold: YAML can
        text = None
    if text is not None:
        (folder / "cb.json").write_text(text, encoding="utf-8")
        try:
            Codebook.read(folder / "cb.json")
        except LoyaltySemError as err:
            assert isinstance(err, CodebookError) and err.file is not None
    try:
        dumped = yaml.safe_dump(data, allow_unicode=True)
    except yaml.YAMLError:
        return
    (folder / "cb.yaml").write_text(dumped, encoding="utf-8")
    try:
        Codebook.read(folder / "cb.yaml")
    except LoyaltySemError as err:
        assert isinstance(err, CodebookError) and err.file is not None
