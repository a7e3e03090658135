"""Loading: every file format gives the same Survey; every malformed file a located error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from numpy.testing import assert_array_equal

from loyaltysem.errors import CodebookError, SurveyDataError
from loyaltysem.survey import Codebook, Survey, read_survey
from loyaltysem.survey.io import read_table

ITEMS = ["TRU1", "TRU2", "LOY1", "LOY4"]


def codebook() -> Codebook:
    return Codebook.from_dict(
        {
            "missing_codes": [-99],
            "columns": {"rid": "id", "wave": "group", "city": "covariate"},
            "value_labels": {
                "en": {1: "Strongly disagree", 4: "Neutral", 7: "Strongly agree"},
                "zh": {1: "非常不同意", 4: "中立", 7: "非常同意"},
            },
            "constructs": {"TRU": {"label": "Trust"}, "LOY": {"label": "Loyalty"}},
            "items": [
                {"item": i, "construct": i[:3], "min": 1, "max": 7, "reverse": i == "LOY4"}
                for i in ITEMS
            ],
        }
    )


def numeric_frame() -> pd.DataFrame:
    rng = np.random.default_rng(20261122)
    n = 12
    frame = pd.DataFrame(rng.integers(1, 8, size=(n, 4)), columns=ITEMS)
    frame.iloc[2, 1] = -99
    frame.iloc[5, 3] = -99
    frame.insert(0, "rid", [f"R{i:03d}" for i in range(n)])
    frame.insert(1, "wave", [1] * 6 + [2] * 6)
    frame.insert(2, "city", ["上海", "Beijing"] * 6)
    return frame


def expected_scores(frame: pd.DataFrame) -> np.ndarray:
    x = frame[ITEMS].to_numpy(dtype=float, copy=True)
    x[x == -99] = np.nan
    x[:, 3] = 8 - x[:, 3]
    return x


def assert_same_survey(a: Survey, b: Survey) -> None:
    pd.testing.assert_frame_equal(a.data, b.data)
    pd.testing.assert_frame_equal(a.covariates, b.covariates)


def test_numbers_missing_codes_and_reverse_keying():
    frame = numeric_frame()
    s = Survey.from_frame(frame, codebook())
    assert_array_equal(s.data.to_numpy(), expected_scores(frame))
    assert list(s.data.index) == list(frame["rid"])
    assert s.n == 12
    steps = {(e.step, e.column): e.count for e in s.log}
    assert steps[("missing-code", "TRU2")] == 1
    assert steps[("missing-code", "LOY4")] == 1
    assert steps[("reverse", "LOY4")] == 11
    # the raw frame keeps the file's answers
    assert s.raw.loc["R005", "LOY4"] == -99
    assert s.covariates["wave"].dtype == "Int64"


def test_every_format_loads_the_same_survey(tmp_path: Path):
    frame = numeric_frame()
    reference = Survey.from_frame(frame, codebook())
    paths = {
        "utf8.csv": lambda p: frame.to_csv(p, index=False),
        "bom.csv": lambda p: frame.to_csv(p, index=False, encoding="utf-8-sig"),
        "tab.tsv": lambda p: frame.to_csv(p, index=False, sep="\t"),
        "pipe.txt": lambda p: frame.to_csv(p, index=False, sep="|"),
        "book.xlsx": lambda p: frame.to_excel(p, index=False),
        "spss.sav": lambda p: pyreadstat.write_sav(frame, p),
        "stata.dta": lambda p: pyreadstat.write_dta(frame, p),
        "table.parquet": lambda p: frame.to_parquet(p),
    }
    for name, write in paths.items():
        path = tmp_path / name
        write(path)
        loaded = read_survey(path, codebook())
        assert_same_survey(reference, loaded)
        assert loaded.source == str(path)


def test_a_gbk_file_too_short_to_tell_is_refused_with_candidates_then_read(tmp_path: Path):
    # the only non-ASCII text is "上海": GBK, EUC-JIS, Johab and CP932 all decode it cleanly
    frame = numeric_frame()
    path = tmp_path / "gbk.csv"
    frame.to_csv(path, index=False, encoding="gbk")
    with pytest.raises(SurveyDataError) as err:
        read_survey(path, codebook())
    message = str(err.value)
    assert "ambiguous" in message and err.value.line == 2
    assert "gb18030 read it as 'R000,1,上海,2" in message
    assert "encoding='gb18030' (candidates: gb18030, " in message
    loaded = read_survey(path, codebook(), encoding="gbk")
    assert_same_survey(Survey.from_frame(frame, codebook()), loaded)
    assert any("encoding gbk (as stated)" in e.detail for e in loaded.log if e.step == "read")


def test_encodings_are_detected_when_the_bytes_make_them_clear(tmp_path: Path):
    rng = np.random.default_rng(7)
    simplified = (
        "编号,城市,评价",
        ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京"],
    )
    traditional = (
        "編號,城市,評價",
        ["臺北", "高雄", "臺中", "新竹", "嘉義", "臺南", "基隆", "花蓮"],
    )
    answers = {
        "simplified": ["非常同意", "同意", "一般", "不同意", "非常不同意"],
        "traditional": ["非常同意", "同意", "普通", "不同意", "非常不同意"],
    }
    cases = [("gbk", "simplified", "gb18030"), ("gb18030", "simplified", "gb18030")]
    cases.append(("big5", "traditional", "big5"))
    for encoding, script, expected in cases:
        header, cities = simplified if script == "simplified" else traditional
        lines = [header] + [
            f"{i},{rng.choice(cities)},{rng.choice(answers[script])}" for i in range(1, 201)
        ]
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
        table = read_table(path)
        assert table.frame.iloc[:, 2].tolist() == [line.split(",")[2] for line in lines[1:]]
        assert any(f"encoding {expected} (detected)" in note for note in table.notes), table.notes


def test_a_cp1252_export_is_never_read_as_chinese(tmp_path: Path):
    path = tmp_path / "cp1252.csv"
    path.write_bytes("id,city,TRU1\n1,Zürich,5\n2,Genève,4\n3,Köln,3\n".encode("cp1252"))
    with pytest.raises(SurveyDataError) as err:
        read_table(path)
    assert "ambiguous" in err.value.reason and "cp1252 read it as '1,Zürich,5'" in str(err.value)
    assert "黵" not in str(err.value)
    assert read_table(path, encoding="cp1252").frame["city"].tolist() == [
        "Zürich",
        "Genève",
        "Köln",
    ]


def test_a_file_mixing_utf8_and_gbk_lines_is_refused_naming_the_first_other_line(tmp_path: Path):
    path = tmp_path / "mixed.csv"
    head = "id,城市\n1,北京\n2,上海\n".encode()
    path.write_bytes(head + "3,广州\n4,深圳\n".encode("gbk"))
    with pytest.raises(SurveyDataError) as err:
        read_table(path)
    assert "mixes encodings" in err.value.reason and err.value.line == 4
    assert "3 line(s) of UTF-8 text" in str(err.value)


def test_text_answers_map_through_labels_in_any_language(tmp_path: Path):
    frame = numeric_frame().astype(object)
    frame.loc[0, "TRU1"] = "Strongly agree"
    frame.loc[1, "TRU1"] = "非常同意"
    frame.loc[2, "TRU1"] = " strongly  DISAGREE "
    frame.loc[3, "LOY4"] = "中立"
    path = tmp_path / "labels.csv"
    frame.to_csv(path, index=False, encoding="gbk")
    s = read_survey(path, codebook(), encoding="gbk")  # too few Chinese characters to tell
    assert s.data.loc["R000", "TRU1"] == 7
    assert s.data.loc["R001", "TRU1"] == 7
    assert s.data.loc["R002", "TRU1"] == 1
    assert s.data.loc["R003", "LOY4"] == 4  # 1 + 7 - 4
    assert {(e.step, e.column): e.count for e in s.log}[("label", "TRU1")] == 3


def test_spss_user_missing_and_value_labels(tmp_path: Path):
    frame = numeric_frame()
    frame.loc[4, "TRU1"] = 99
    path = tmp_path / "s.sav"
    pyreadstat.write_sav(
        frame,
        path,
        missing_ranges={"TRU1": [99]},
        variable_value_labels={"TRU1": {1: "Strongly disagree", 7: "Strongly agree"}},
    )
    s = read_survey(path, codebook())
    assert np.isnan(s.data.loc["R004", "TRU1"])
    # labels contradicting the codebook (a reverse-coded export) are refused
    bad = tmp_path / "reversed.sav"
    pyreadstat.write_sav(
        numeric_frame(),
        bad,
        variable_value_labels={"TRU1": {7: "Strongly disagree", 1: "Strongly agree"}},
    )
    with pytest.raises(SurveyDataError, match="reverse-coded") as info:
        read_survey(bad, codebook())
    assert info.value.column == "TRU1"


def write(tmp_path: Path, text: str, name: str = "s.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


HEADER = "rid,wave,city,TRU1,TRU2,LOY1,LOY4\n"


@pytest.mark.parametrize(
    ("body", "line", "column", "found", "needle"),
    [
        ("a,1,x,7,7,7,7\nb,1,x,9,7,7,7\n", 3, "TRU1", "9", "outside the scale"),
        ("a,1,x,7,7,7,7\nb,1,x,7,7,0,7\n", 3, "LOY1", "0", "outside the scale"),
        ("a,1,x,7,6.5,7,7\n", 2, "TRU2", "6.5", "not a whole number"),
        ("a,1,x,7,7,agree-ish,7\n", 2, "LOY1", "agree-ish", "no value label"),
    ],
)
def test_invalid_cells_are_located(tmp_path, body, line, column, found, needle):
    path = write(tmp_path, HEADER + body)
    with pytest.raises(SurveyDataError, match=needle) as info:
        read_survey(path, codebook())
    err = info.value
    assert (err.file, err.line, err.column, err.found) == (str(path), line, column, found)
    assert err.expected.startswith("a whole number from 1 to 7")
    assert "invalid='missing'" in err.fix


def test_invalid_cells_can_be_set_missing_and_counted(tmp_path: Path):
    path = write(tmp_path, HEADER + "a,1,x,9,7,7,7\nb,1,x,7,7,0,7\nc,1,x,1,1,1,1\n")
    s = read_survey(path, codebook(), invalid="missing")
    assert s.n == 3
    assert s.invalid[["respondent", "line", "column", "value"]].values.tolist() == [
        ["a", 2, "TRU1", "9"],
        ["b", 3, "LOY1", "0"],
    ]
    assert np.isnan(s.data.loc["a", "TRU1"]) and np.isnan(s.data.loc["b", "LOY1"])
    assert sum(e.count for e in s.log if e.step == "invalid") == 2


def test_duplicate_ids_name_both_lines(tmp_path: Path):
    path = write(tmp_path, HEADER + "a,1,x,7,7,7,7\nb,1,x,7,7,7,7\na,1,x,6,6,6,6\n")
    with pytest.raises(SurveyDataError, match="appears 2 times") as info:
        read_survey(path, codebook())
    assert info.value.line == 4 and info.value.row is None
    assert info.value.found == "id a on lines 2 and 4"


def test_duplicate_numeric_id_is_named_as_written_and_lines_counted_as_in_the_file(
    tmp_path: Path,
):
    body = "1,1,x,7,7,7,7\n1,1,x,7,7,7,7\n2,1,x,6,6,6,6\n1,1,x,5,5,5,5\n"
    path = write(tmp_path, HEADER + body)
    with pytest.raises(SurveyDataError) as info:
        read_survey(path, codebook())
    message = str(info.value)
    # the id as written (not np.int64(1)); one way of counting: lines, header = line 1
    assert "np.int64" not in message and "row " not in message.split("\n")[0]
    assert message.startswith(
        f"file {path}, line 3, column 'rid': respondent id 1 appears 3 times, "
        "on lines 2, 3 and 5 (the header is line 1); 3 rows share an id with another row"
    )
    assert info.value.found == "id 1 on lines 2, 3 and 5"
    assert info.value.line == 3 and info.value.column == "rid"


def test_missing_and_unknown_columns(tmp_path: Path):
    path = write(tmp_path, "rid,wave,city,TRU1,TRU_2,LOY1,LOY4\na,1,x,7,7,7,7\n")
    with pytest.raises(SurveyDataError, match="not in the data") as info:
        read_survey(path, codebook())
    assert "TRU_2" in str(info.value)  # the close match is suggested
    path = write(tmp_path, HEADER.strip() + ",gender\na,1,x,7,7,7,7,f\n")
    with pytest.raises(SurveyDataError, match="not explained by the codebook") as info:
        read_survey(path, codebook())
    assert info.value.column == "gender"
    kept = read_survey(path, codebook(), unknown_columns="keep")
    assert kept.covariates["gender"].tolist() == ["f"]
    dropped = read_survey(path, codebook(), unknown_columns="ignore")
    assert "gender" not in dropped.covariates


def test_structural_problems(tmp_path: Path):
    with pytest.raises(SurveyDataError, match="empty"):
        read_survey(write(tmp_path, "", "e.csv"), codebook())
    with pytest.raises(SurveyDataError, match="no respondents"):
        read_survey(write(tmp_path, HEADER, "h.csv"), codebook())
    with pytest.raises(SurveyDataError, match="fields but the header has") as info:
        read_survey(write(tmp_path, HEADER + "a,1,x,7,7,7,7\nb,1,x,7,7,7\n", "r.csv"), codebook())
    assert info.value.line == 3
    with pytest.raises(SurveyDataError, match="appears twice"):
        read_survey(write(tmp_path, "rid,rid,TRU1\n1,2,3\n", "d.csv"), codebook())
    bad = tmp_path / "bad.csv"
    bad.write_bytes(HEADER.encode() + b"a,1,x,7,7,7,7\nb,1,\x80\x20,7,7,7,7\n")
    with pytest.raises(SurveyDataError, match="encoding is ambiguous") as info:
        read_survey(bad, codebook())
    assert info.value.line == 3
    with pytest.raises(SurveyDataError, match="not supported"):
        read_survey(write(tmp_path, HEADER, "x.json"), codebook())
    with pytest.raises(SurveyDataError, match="does not exist"):
        read_survey(tmp_path / "missing.csv", codebook())
    corrupt = tmp_path / "c.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(SurveyDataError, match="cannot be opened"):
        read_survey(corrupt, codebook())
    with pytest.raises(SurveyDataError, match="SPSS file cannot be read"):
        read_survey(write(tmp_path, "junk", "j.sav"), codebook())


def test_blank_lines_are_skipped_and_line_numbers_kept(tmp_path: Path):
    path = write(tmp_path, HEADER + "a,1,x,7,7,7,7\n\n,,,,,,\nb,1,x,9,7,7,7\n")
    with pytest.raises(SurveyDataError) as info:
        read_survey(path, codebook())
    assert info.value.line == 5
    s = read_survey(path, codebook(), invalid="missing")
    assert s.rows.tolist() == [2, 5]
    assert any("skipped 2 blank line" in e.detail for e in s.log)


def test_codebook_given_as_path_or_dict(tmp_path: Path):
    path = write(tmp_path, HEADER + "a,1,x,7,7,7,7\n")
    as_dict = read_survey(path, codebook().to_dict())
    cbpath = tmp_path / "cb.json"
    import json

    cbpath.write_text(json.dumps(codebook().to_dict()), encoding="utf-8")
    as_path = read_survey(path, cbpath)
    assert_same_survey(as_dict, as_path)
    with pytest.raises(CodebookError):
        read_survey(path, tmp_path / "nope.toml")


def test_survey_is_immutable_and_hashed():
    s = Survey.from_frame(numeric_frame(), codebook())
    data = s.data
    data.iloc[0, 0] = 100.0
    assert s.data.iloc[0, 0] != 100.0
    with pytest.raises(AttributeError):
        s.source = "elsewhere"  # type: ignore[misc]
    h = s.data_hash
    assert len(h) == 64 and h == Survey.from_frame(numeric_frame(), codebook()).data_hash
    other = numeric_frame()
    other.loc[0, "TRU1"] = 1 if other.loc[0, "TRU1"] != 1 else 2
    assert Survey.from_frame(other, codebook()).data_hash != h


def test_subset_counts_every_dropped_respondent():
    s = Survey.from_frame(numeric_frame(), codebook())
    w2 = s.subset(s.covariates["wave"] == 2, reason="wave 2")
    assert w2.n == 6
    assert len(w2.exclusions) == 6
    assert set(w2.exclusions["reasons"]) == {"wave 2"}
    assert w2.log[-1].step == "subset" and w2.log[-1].count == 6
    with pytest.raises(SurveyDataError, match="one entry per respondent"):
        s.subset([True, False], reason="bad")


def test_from_frame_rejects_non_frames_and_empty():
    with pytest.raises(SurveyDataError, match="not a pandas DataFrame"):
        Survey.from_frame([[1, 2]], codebook())  # type: ignore[arg-type]
    with pytest.raises(SurveyDataError, match="no rows"):
        Survey.from_frame(numeric_frame().iloc[:0], codebook())


# ------------------------------------------------------------------ large plain files


def _large_export(tmp_path: Path, n: int = 60_000) -> tuple[Path, pd.DataFrame]:
    """A plain CSV over the fast reader's 1 MB threshold, with labels, codes and bad cells."""
    rng = np.random.default_rng(12)
    frame = pd.DataFrame(rng.integers(1, 8, size=(n, 4)), columns=ITEMS).astype(object)
    frame.loc[rng.choice(n, 300, replace=False), "TRU1"] = "非常同意"
    frame.loc[rng.choice(n, 200, replace=False), "TRU2"] = -99
    frame.loc[rng.choice(n, 100, replace=False), "LOY1"] = ""
    frame.loc[rng.choice(n, 50, replace=False), "LOY4"] = " NA "
    frame.loc[[7, 4000], "LOY1"] = 9  # outside the scale
    frame.insert(0, "rid", [f"R{i:06d}" for i in range(n)])
    frame.insert(1, "wave", rng.integers(1, 4, n))
    frame.insert(2, "city", rng.choice(["上海", "Beijing", ""], n))
    path = tmp_path / "large.csv"
    frame.to_csv(path, index=False)
    assert path.stat().st_size > 1_000_000
    return path, frame


def test_the_fast_reader_of_large_plain_files_equals_the_careful_one(tmp_path, monkeypatch):
    from loyaltysem.survey import io as survey_io

    path, _ = _large_export(tmp_path)
    fast = read_survey(path, codebook(), invalid="missing")
    assert isinstance(fast.raw["TRU1"].dtype, pd.CategoricalDtype)  # the fast reader ran
    monkeypatch.setattr(survey_io, "_FAST_MIN_BYTES", 10**12)
    careful = read_survey(path, codebook(), invalid="missing")
    assert careful.raw["TRU1"].dtype == object  # the csv module's cells
    assert_same_survey(careful, fast)
    pd.testing.assert_series_equal(careful.rows, fast.rows)
    pd.testing.assert_frame_equal(careful.invalid, fast.invalid)
    assert careful.log_frame().equals(fast.log_frame())
    assert careful.raw.astype(str).equals(fast.raw.astype(str))
    counts = {(e.step, e.column): e.count for e in fast.log}
    assert counts[("label", "TRU1")] == 300 and counts[("missing-code", "TRU2")] == 200
    assert counts[("na-token", "LOY1")] == 100 and counts[("na-token", "LOY4")] == 50
    assert fast.invalid["line"].tolist() == [9, 4002]  # header = line 1, position 7 = line 9


@pytest.mark.parametrize(
    ("damage", "needle", "line"),
    [
        (lambda lines: lines.insert(5000, ""), "blank line", None),
        (lambda lines: lines.__setitem__(7000, lines[7000] + ",7"), "fields but the header", 7001),
        (lambda lines: lines.__setitem__(100, '"R1",1,x,1,1,1,1'), None, None),
    ],
)
def test_large_files_the_fast_reader_cannot_take_go_to_the_careful_one(
    tmp_path, damage, needle, line
):
    path, _ = _large_export(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    damage(lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if needle == "fields but the header":
        with pytest.raises(SurveyDataError, match=needle) as err:
            read_survey(path, codebook(), invalid="missing")
        assert err.value.line == line
        return
    survey = read_survey(path, codebook(), invalid="missing")
    assert survey.raw["TRU1"].dtype == object  # read by the csv module
    if needle:
        assert any(needle in e.detail for e in survey.log)


def test_spss_missing_ranges_stay_ranges(tmp_path: Path):
    # issue 12: "LO THRU -1" was expanded into every integer it holds (OverflowError), and a
    # 0 to 1e9 range ran out of memory
    frame = numeric_frame().drop(columns=["city"])
    frame.loc[0, "TRU1"] = -3
    frame.loc[1, "TRU2"] = -1
    frame.loc[2, "LOY1"] = 500_000_000
    frame["wave"] = [1] * 5 + [-2] + [2] * 6
    path = tmp_path / "ranges.sav"
    huge = {"lo": 0, "hi": 1e9}
    lowest = {"lo": -1.7976931348623157e308, "hi": -1}  # SPSS LO THRU -1
    pyreadstat.write_sav(
        frame,
        path,
        missing_ranges={
            "TRU1": [lowest],
            "TRU2": [lowest],
            "LOY1": [{"lo": 100, "hi": 1e9}],
            "wave": [lowest],
            "LOY4": [huge, {"lo": -99, "hi": -99}],
        },
    )
    cb = Codebook.from_dict(
        {
            "columns": {"rid": "id", "wave": "group"},
            "items": [{"item": i, "construct": i[:3], "min": 1, "max": 7} for i in ITEMS] + [],
        }
    )
    survey = read_survey(path, cb)
    data = survey.data
    assert np.isnan(data.loc["R000", "TRU1"]) and np.isnan(data.loc["R001", "TRU2"])
    assert np.isnan(data.loc["R002", "LOY1"])
    # LOY4 answers 1-7 lie in the declared 0 to 1e9 range: all missing, counted
    assert data["LOY4"].isna().all()
    counts = {(e.step, e.column): e.count for e in survey.log}
    assert counts[("missing-code", "LOY4")] == 12
    assert counts[("missing-code", "wave")] == 1
    assert survey.covariates["wave"].isna().sum() == 1
