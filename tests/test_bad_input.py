"""Bad input (issue 12): malformed codebooks, missing text values, lost answers counted.

Property tests assert that on malformed input only :class:`LoyaltySemError` subclasses
escape, and that every message names its place (a key path, file, row or column).
"""

from __future__ import annotations

import copy
import json
import re
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyaltysem import fit, invariance
from loyaltysem.errors import CodebookError, LoyaltySemError, MissingDataWarning, SurveyDataError
from loyaltysem.survey import Codebook, Survey, read_survey
from loyaltysem.survey.io import NA_TOKENS

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
def near_valid(draw: st.DrawFn, base: dict[str, Any] = VALID) -> Any:
    """A valid codebook with one to three values replaced by arbitrary structures."""
    data = copy.deepcopy(base)
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


# ------------------------------------------------- missing text values, lost answers

ITEMS2 = [f"{c}{i}" for c in "AB" for i in (1, 2, 3)]
CB2 = Codebook.from_dict(
    {
        "items": [{"item": i, "construct": i[0], "min": 1, "max": 7} for i in ITEMS2],
        "columns": {"gender": "group", "city": "covariate", "rid": "id"},
    }
)


def _two_factor(n: int = 240, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 2))
    cols = {}
    for k, c in enumerate("AB"):
        for i in (1, 2, 3):
            noise = rng.normal(size=n)
            cols[f"{c}{i}"] = np.clip(np.round(4 + 1.2 * f[:, k] + noise), 1, 7)
    frame = pd.DataFrame(cols)
    frame["gender"] = np.where(np.arange(n) % 2 == 0, "男", "女").astype(object)
    frame["city"] = np.where(np.arange(n) % 3 == 0, "Zürich", "上海").astype(object)
    frame["rid"] = [f"r{i:03d}" for i in range(n)]
    return frame


MODEL2 = "A =~ A1 + A2 + A3\nB =~ B1 + B2 + B3"


@pytest.fixture(scope="module")
def gender_gaps(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """240 respondents, 60 of whom skipped the text gender question (blank or NA token)."""
    frame = _two_factor()
    frame.loc[:29, "gender"] = None  # blank cells in the CSV
    frame.loc[30:44, "gender"] = "NA"
    frame.loc[45:59, "gender"] = " "
    frame.loc[[1, 2], "city"] = None
    path = tmp_path_factory.mktemp("gaps") / "gaps.csv"
    frame.to_csv(path, index=False)
    return read_survey(path, CB2)


def test_blank_text_group_cells_are_missing_and_counted(gender_gaps: Any) -> None:
    gender = gender_gaps.covariates["gender"]
    assert int(gender.isna().sum()) == 60
    assert set(gender.dropna()) == {"男", "女"}
    assert "nan" not in set(gender.dropna()) and "NA" not in set(gender.dropna())
    log = gender_gaps.log_frame()
    counted = log[(log["step"] == "na-token") & (log["column"] == "gender")]["count"]
    assert counted.tolist() == [60]
    assert gender_gaps.covariates["city"].isna().sum() == 2
    assert "60 respondents with no value of 'gender'" in gender_gaps.summary()


def test_fit_by_group_leaves_missing_groups_out_and_says_so(gender_gaps: Any) -> None:
    with pytest.warns(MissingDataWarning) as caught:
        res = fit(MODEL2, gender_gaps, group="gender")
    note = "60 of 240 rows were left out of the analysis by group 'gender': 60 with no value"
    lost = [w for w in caught if issubclass(w.category, MissingDataWarning)]
    assert len(lost) == 1 and str(lost[0].message).startswith(note)
    assert lost[0].filename == __file__  # stacklevel: the user's call
    assert set(res.group_labels) == {"男", "女"}
    assert int(res.nobs.sum()) == 180 and res.provenance.n_excluded == 60
    assert res.warnings[0].startswith(note)
    assert note in res.summary()


def test_invariance_counts_the_rows_it_leaves_out(gender_gaps: Any) -> None:
    with pytest.warns(MissingDataWarning) as caught:
        inv = invariance(MODEL2, gender_gaps, "gender", levels=("configural", "metric"))
    lost = [w for w in caught if issubclass(w.category, MissingDataWarning)]
    assert len(lost) == 1  # once for the ladder, not once per level
    assert lost[0].filename == __file__
    assert inv.notes[0].startswith("60 of 240 rows were left out")
    assert "note: 60 of 240 rows were left out" in inv.summary()


def test_invariance_counts_listwise_deletion() -> None:
    frame = _two_factor()
    frame.loc[[5, 6, 7], "A1"] = np.nan  # three incomplete respondents
    frame.loc[[8], "gender"] = None
    survey = Survey.from_frame(frame, CB2)
    with pytest.warns(MissingDataWarning, match="4 of 240 rows were left out"):
        inv = invariance(MODEL2, survey, "gender", levels=("configural",))
    assert inv.notes[0] == (
        "4 of 240 rows were left out of the analysis by group 'gender': 1 with no value of "
        "'gender' and 3 with missing answers on model variables (listwise deletion)"
    )


def test_a_data_frame_with_blank_group_strings() -> None:
    frame = _two_factor()
    frame.loc[:9, "gender"] = ""
    with pytest.warns(MissingDataWarning, match="10 of 240 rows"):
        res = fit(MODEL2, frame.drop(columns=["city", "rid"]), group="gender")
    assert set(res.group_labels) == {"男", "女"}


@pytest.mark.parametrize("blank", [None, np.nan, pd.NA, "", "  ", "NA"])
def test_a_blank_id_in_a_data_frame_is_refused(blank: Any) -> None:
    frame = _two_factor(20)
    frame["rid"] = frame["rid"].astype(object)
    frame.loc[4, "rid"] = blank
    with pytest.raises(SurveyDataError, match=r"1 respondent\(s\) have no id") as info:
        Survey.from_frame(frame, CB2)
    assert info.value.column == "rid" and info.value.row == 5


def test_a_blank_id_in_csv_excel_and_spss_is_refused(tmp_path: Path) -> None:
    import pyreadstat

    frame = _two_factor(20)
    frame.loc[4, "rid"] = ""
    frame.to_csv(tmp_path / "ids.csv", index=False)
    frame.to_excel(tmp_path / "ids.xlsx", index=False)
    pyreadstat.write_sav(frame, tmp_path / "ids.sav")
    # a CSV counts lines (header = line 1), Excel rows (header = row 1), SPSS cases
    for name, where in (
        ("ids.csv", ("line", 6)),
        ("ids.xlsx", ("row", 6)),
        ("ids.sav", ("row", 5)),
    ):
        with pytest.raises(SurveyDataError, match="have no id") as info:
            read_survey(tmp_path / name, CB2)
        assert info.value.column == "rid"
        assert getattr(info.value, where[0]) == where[1], (name, str(info.value))


def test_invalid_answers_set_to_missing_are_reported_as_such() -> None:
    frame = _two_factor(120)
    frame.loc[[3, 4], "A1"] = 9  # outside 1..7
    frame.loc[[5], "B2"] = 0
    survey = Survey.from_frame(frame, CB2, invalid="missing")
    line = "3 answers were invalid and set to missing (see Survey.invalid)"
    assert survey.loss_notes() == (line,)
    assert line in survey.summary()
    assert line in survey.screen().notes and f"note: {line}" in survey.screen().summary()
    with pytest.warns(MissingDataWarning):
        res = fit(MODEL2, survey, group="gender")
    assert line in res.warnings


def test_excel_cells_read_as_missing_are_noted(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["A1", "A2", "A3", "B1", "B2", "B3", "gender"])
    ws.append([1, 2, 3, 4, 5, 6, "男"])
    ws.append([None] * 7)  # a blank row between data rows
    ws.append([2, "=A2+1", 3, 4, 5, 6, "女"])  # a formula saved without its value
    ws.append([3, 4, 5, 6, 7, 1, "男"])
    ws.append([4, 5, 6, 7, 1, 2, "女"])
    ws.merge_cells("G5:G6")  # G6 reads as missing
    book.save(tmp_path / "cells.xlsx")
    cb = Codebook.from_dict({**CB2.to_dict(), "columns": {"gender": "group"}})
    survey = read_survey(tmp_path / "cells.xlsx", cb)
    log = survey.log_frame()
    excel = log[log["step"] == "excel"]
    assert excel["count"].tolist() == [1, 1]
    details = "\n".join(excel["detail"])
    assert "1 blank row(s) between the data rows skipped (rows 3)" in "\n".join(log["detail"])
    assert "1 cell(s) inside merged ranges read as missing" in details and "G6" in details
    assert "1 formula cell(s) have no stored value" in details and "(B4)" in details
    assert np.isnan(survey.data["A2"].iloc[1])
    assert survey.covariates["gender"].isna().tolist() == [False, False, False, True]
    summary = " ".join(survey.summary().split())  # summaries wrap at 100 characters
    assert all(" ".join(d.split()) in summary for d in excel["detail"])


group_cell = st.sampled_from(["男", "女", "", " ", "NA", "nan", "N/A", "(跳过)", "其他"])


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(group_cell, min_size=30, max_size=30))
def test_group_cells_equal_their_oracle(cells: list[str]) -> None:
    frame = _two_factor(30)
    frame["gender"] = cells
    text = frame.to_csv(index=False)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "g.csv"
        path.write_text(text, encoding="utf-8")
        cb = Codebook.from_dict({**CB2.to_dict(), "missing_codes": ["(跳过)"]})
        survey = read_survey(path, cb)
    expected = [None if c.strip() in NA_TOKENS or c == "(跳过)" else c for c in cells]
    got = [None if pd.isna(v) else v for v in survey.covariates["gender"]]
    assert got == expected


# ------------------------------------------------------------------ the command line

CLI_CODEBOOK = {**CB2.to_dict(), "columns": {"gender": "group", "rid": "id"}}
CLI_MODEL = "A =~ A1 + A2 + A3\nB =~ B1 + B2 + B3\n"
model_line = st.sampled_from(
    [
        *("A =~ A1 + A2 + A3", "B =~ B1 + B2 + B3", "A ~~ B", "B ~ A", "d := a*b"),
        *("A =~ a*A1 + A2", "x =~ Q1", "A =~", "~~~", "A ~ 1", "A =~ A1 + A1", "B ~ c(a,b)*A"),
        *("# note", ""),
    ]
) | st.text(max_size=20)
data_cell = st.sampled_from(["1", "4", "7", "", "NA", "9", "-99", "x", "男", "1.5"]) | st.text(
    max_size=4
)


@st.composite
def cli_case(draw: st.DrawFn) -> tuple[str, list[str], dict[str, bytes]]:
    """A command with one of its inputs (data, codebook or model) made malformed."""
    kind = draw(st.sampled_from(["data", "data bytes", "codebook", "model"]))
    frame = _two_factor(120).drop(columns=["city"])
    data = frame.to_csv(index=False).encode()
    codebook = json.dumps(CLI_CODEBOOK).encode()
    model = CLI_MODEL.encode()
    if kind == "data":
        for _ in range(draw(st.integers(1, 6))):
            row = draw(st.integers(0, len(frame) - 1))
            col = draw(st.sampled_from(list(frame.columns)))
            frame[col] = frame[col].astype(object)
            frame.loc[row, col] = draw(data_cell)
        lines = frame.to_csv(index=False).splitlines()
        if draw(st.booleans()):  # one line replaced by arbitrary text
            lines[draw(st.integers(0, len(lines) - 1))] = draw(st.text(max_size=30))
        data = "\n".join(lines).encode()
    elif kind == "data bytes":
        data = data[: draw(st.integers(0, 400))] + draw(st.binary(max_size=60))
    elif kind == "codebook":
        if draw(st.booleans()):
            mutated = draw(near_valid(CLI_CODEBOOK))
            codebook = json.dumps(mutated, default=str, skipkeys=True).encode()
        else:
            codebook = draw(st.text(max_size=80)).encode()
    else:
        model = "\n".join(draw(st.lists(model_line, min_size=1, max_size=5))).encode()
        if draw(st.integers(0, 4)) == 0:
            model += draw(st.binary(max_size=10))
    command = draw(st.sampled_from(["screen", "fit", "fit --group", "validate", "invariance"]))
    args = [command.split()[0], "data.csv", "--codebook", "cb.json"]
    if command != "screen":
        args += ["--model", "model.lav"]
    if command in ("fit --group", "invariance"):
        args += ["--group", "gender"]
    if draw(st.booleans()):
        args += ["--invalid", "missing"]
    return kind, args, {"data.csv": data, "cb.json": codebook, "model.lav": model}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cli_case())
def test_cli_on_malformed_input_exits_0_or_2_naming_the_place(
    case: tuple[str, list[str], dict[str, bytes]], capsys: pytest.CaptureFixture[str]
) -> None:
    from loyaltysem.cli import main

    kind, args, files = case
    with tempfile.TemporaryDirectory() as folder:
        for name, content in files.items():
            (Path(folder) / name).write_bytes(content)
        named = {name: str(Path(folder) / name) for name in files}
        argv = [named.get(a, a) for a in args] + ["--out", str(Path(folder) / "out")]
        capsys.readouterr()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = main(argv)
        err = capsys.readouterr().err
    assert code in (0, 2), f"{kind}: {argv}\n{err}"
    if code == 2:
        # a file, a line or row, a column or model line, or the option to change
        assert any(w in err for w in (folder, "line ", "row ", "column ", "--")), (
            f"{kind}: {argv}\n{err}"
        )


# ------------------------------------------------------------- CSV and Excel codebooks


def test_a_file_of_blank_fields_is_refused_naming_it(tmp_path: Path) -> None:
    (tmp_path / "blank.csv").write_text('""\n,,\n', encoding="utf-8")
    with pytest.raises(SurveyDataError, match="holds only blank lines") as info:
        Codebook.read(tmp_path / "blank.csv")
    assert info.value.file == str(tmp_path / "blank.csv") and info.value.line == 2
    with pytest.raises(SurveyDataError, match="holds only blank lines"):
        read_survey(tmp_path / "blank.csv", CB2)


table_header = st.lists(
    st.sampled_from(
        (
            "item construct min max reverse role column missing value_labels value_labels_zh "
            "type text construct_label x "
        ).split(" ")
    ),
    min_size=1,
    max_size=8,
)
table_cell = st.sampled_from(
    "A1|A|1|7|true|group|id|covariate|-99|1=a;2=b|=|likert||ignore|x;y|1=;|nan".split("|")
) | st.text(alphabet=st.characters(min_codepoint=32, exclude_categories=("Cs",)), max_size=5)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    table_header,
    st.lists(st.lists(table_cell, min_size=1, max_size=9), max_size=5),
    st.sampled_from(["csv", "xlsx"]),
)
def test_table_codebooks_raise_only_located_errors(
    header: list[str], rows: list[list[str]], ext: str
) -> None:
    import csv
    import io

    import openpyxl

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"cb.{ext}"
        if ext == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerows([header, *rows])
            path.write_text(buffer.getvalue(), encoding="utf-8")
        else:
            book = openpyxl.Workbook()
            for row in [header, *rows]:
                book.active.append([f"'{c}" if c.startswith("=") else c for c in row])
            book.save(path)
        try:
            Codebook.read(path)
        except LoyaltySemError as err:
            assert _names_place(err), str(err)


def test_the_ordinal_ladder_counts_the_rows_it_leaves_out_once() -> None:
    frame = _two_factor(400, seed=5)
    for item in ITEMS2:
        frame[item] = np.clip(frame[item] - 2, 1, 4)  # four categories, all used per group
    frame.loc[[5, 6], "A1"] = np.nan
    frame.loc[[8, 9, 10], "gender"] = None
    survey = Survey.from_frame(frame, CB2)
    with pytest.warns(MissingDataWarning) as caught:
        inv = invariance(
            MODEL2, survey, "gender", ordered=True, levels=("configural", "thresholds")
        )
    lost = [str(w.message) for w in caught if w.category is MissingDataWarning]
    assert lost == [
        "5 of 400 rows were left out of the analysis by group 'gender': 3 with no value of "
        "'gender' and 2 with missing answers on model variables (listwise deletion)"
    ]
    summary = " ".join(inv.summary().split())  # summaries wrap at 100 characters
    assert inv.notes[0] == lost[0] and f"note: {lost[0]}" in summary


@pytest.mark.parametrize("path", [5, None, ["a.csv"]])
def test_paths_of_the_wrong_type_are_typed_errors(path: Any) -> None:
    with pytest.raises(SurveyDataError, match="the survey path is not a file name"):
        read_survey(path, CB2)
    with pytest.raises(CodebookError, match="the codebook path is not a file name"):
        Codebook.read(path)


@pytest.mark.parametrize("codebook", [5, None, ["cb.csv"]])
def test_a_codebook_of_the_wrong_type_is_a_codebook_error(codebook: Any, tmp_path: Path) -> None:
    _two_factor(20).to_csv(tmp_path / "ok.csv", index=False)
    with pytest.raises(CodebookError, match="not a Codebook, a dict or a path") as info:
        read_survey(tmp_path / "ok.csv", codebook)
    assert info.value.found == type(codebook).__name__


odd_value = st.sampled_from(
    [
        *(None, np.nan, pd.NA, pd.NaT, float("nan"), np.float64("nan"), "", " ", "NA", "nan"),
        *(".", "男", "女", " 女 ", 1, 2.0, np.int64(3), True, b"7", "(跳过)"),
    ]
) | st.text(max_size=3)


def _blank(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in NA_TOKENS


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(odd_value, min_size=30, max_size=30), st.booleans())
def test_a_data_frame_group_column_of_any_values(values: list[Any], as_group: bool) -> None:
    frame = _two_factor(30)
    frame["gender"] = pd.Series(values, dtype=object)
    codebook = (
        CB2
        if as_group
        else Codebook.from_dict(
            {**CB2.to_dict(), "columns": {"gender": "covariate", "city": "covariate", "rid": "id"}}
        )
    )
    survey = Survey.from_frame(frame, codebook)  # any value of a group column is accepted
    gender = survey.covariates["gender"]
    assert int(gender.isna().sum()) == sum(_blank(v) for v in values)
    texts = {str(v).strip() for v in gender.dropna()}
    assert not texts & {"nan", "NaN", "<NA>", "NaT", "None", ""}
    logged = survey.log_frame().query("step == 'na-token' and column == 'gender'")["count"]
    assert logged.sum() == sum(_blank(v) for v in values)


@st.composite
def excel_sheet(draw: st.DrawFn) -> tuple[list[list[Any]], list[int], list[tuple[int, int]]]:
    """Data rows (answers 1..7, gender), blank rows between them, merges in the gender column."""
    n = draw(st.integers(3, 12))
    rows = [
        [*draw(st.lists(st.integers(1, 7), min_size=6, max_size=6)), draw(st.sampled_from("男女"))]
        for _ in range(n)
    ]
    blanks = sorted(set(draw(st.lists(st.integers(1, n - 1), max_size=3))))  # before data row k
    merges: list[tuple[int, int]] = []
    k = 0
    while k < n - 1:  # non-overlapping runs of data rows, merged in the gender column
        if draw(st.integers(0, 3)) == 0:
            length = draw(st.integers(2, min(3, n - k)))
            merges.append((k, k + length - 1))
            k += length
        else:
            k += 1
    return rows, blanks, merges


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(excel_sheet())
def test_excel_sheets_equal_their_oracle_with_every_loss_counted(
    sheet: tuple[list[list[Any]], list[int], list[tuple[int, int]]],
) -> None:
    import openpyxl

    rows, blanks, merges = sheet
    book = openpyxl.Workbook()
    ws = book.active
    ws.append([*ITEMS2, "gender"])
    excel_row: list[int] = []  # the Excel row of each data row
    for k, row in enumerate(rows):
        if k in blanks:
            ws.append([None] * 7)
        ws.append(row)
        excel_row.append(ws.max_row)
    hidden = 0
    for first, last in merges:
        if excel_row[last] - excel_row[first] != last - first:
            continue  # a blank row inside the run: not merged
        ws.merge_cells(f"G{excel_row[first]}:G{excel_row[last]}")
        hidden += last - first
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sheet.xlsx"
        book.save(path)
        cb = Codebook.from_dict({**CB2.to_dict(), "columns": {"gender": "group"}})
        survey = read_survey(path, cb)
    assert survey.data.to_numpy().tolist() == [[float(v) for v in r[:6]] for r in rows]
    assert survey.rows.tolist() == excel_row
    log = survey.log_frame()
    losses = log.query("step == 'excel'")
    assert losses["count"].sum() == hidden
    assert all("inside merged ranges" in d for d in losses["detail"])
    skipped = [d for d in log["detail"] if "blank row(s) between the data rows skipped" in d]
    assert [int(d.split(" ")[0]) for d in skipped] == ([len(blanks)] if blanks else [])
    assert int(survey.covariates["gender"].isna().sum()) == hidden


def test_invalid_answers_flow_into_fit_and_validate_notes() -> None:
    from loyaltysem import validate

    frame = _two_factor(200)
    frame.loc[[3, 4], "A1"] = 9
    survey = Survey.from_frame(frame, CB2, invalid="missing")
    line = "2 answers were invalid and set to missing (see Survey.invalid)"
    res = fit(MODEL2, survey)
    assert line in res.warnings and line in res.summary()
    report = validate(survey)
    assert line in report.notes
