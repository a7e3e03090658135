"""CSV outputs that users' tools read correctly: Excel (BOM), pandas and R (same values)."""

from __future__ import annotations

import codecs
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _csv_roundtrip import PANDAS_NA, assert_reads_back, record_csv_writes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyaltysem._files import LIBRARY_VOCABULARY, escape_formula, write_csv
from loyaltysem.cli import main
from loyaltysem.datasets import dataset_path

CHINESE = pd.DataFrame(
    {
        "construct": ["平台口碑", "信任", "忠诚度"],
        "label": ["该平台口碑很好", "我信任这个平台", "我会再次在该平台购物"],
        "alpha": [0.8123456789012345, 0.9, 1 / 3],
    }
)


def test_csv_is_utf8_with_bom_and_pandas_defaults_drop_the_bom(tmp_path):
    path = write_csv(tmp_path / "t.csv", CHINESE, index=False)
    raw = path.read_bytes()
    assert raw[:3] == codecs.BOM_UTF8
    back = pd.read_csv(path)  # default arguments, as a user types it
    assert list(back.columns) == ["construct", "label", "alpha"]  # no "\ufeffconstruct"
    assert list(back["construct"]) == ["平台口碑", "信任", "忠诚度"]
    np.testing.assert_array_equal(back["alpha"], CHINESE["alpha"])


def test_bom_is_what_keeps_excel_from_reading_gbk(tmp_path):
    # Excel on a Chinese-locale Windows opens a CSV without a BOM in the ANSI code page
    # (GBK, cp936); with the UTF-8 BOM it decodes UTF-8.
    raw = write_csv(tmp_path / "t.csv", CHINESE, index=False).read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    text = raw.decode("utf-8-sig")
    assert "平台口碑" in text and "我信任这个平台" in text
    without_bom = raw[len(codecs.BOM_UTF8) :]
    as_gbk = without_bom.decode("gbk", errors="replace")
    assert "平台口碑" not in as_gbk and "信任" not in as_gbk  # mojibake: what users saw
    assert as_gbk != text


def test_library_values_are_written_as_they_are(tmp_path):
    ops = sorted(LIBRARY_VOCABULARY["op"])
    table = pd.DataFrame(
        {
            "lhs": ["F"] * len(ops),
            "op": ops,
            "rhs": ["x"] * len(ops),
            "est": np.linspace(-1, 1, len(ops)),
        }
    )
    path = write_csv(tmp_path / "est.csv", table, index=False)
    back = pd.read_csv(path)
    assert list(back["op"]) == ops
    assert (back["op"] == "=~").sum() == 1 and (back["op"] == "==").sum() == 1
    fm = pd.Series({"chisq": 85.30552, "cfi.robust": 0.93, "rmsea.ci.lower": 0.07}, name="value")
    back = pd.read_csv(write_csv(tmp_path / "fm.csv", fm), index_col=0)["value"]
    assert list(back.index) == ["chisq", "cfi.robust", "rmsea.ci.lower"]
    np.testing.assert_array_equal(back.to_numpy(), fm.to_numpy())


def test_formula_like_text_from_users_data_is_escaped(tmp_path):
    table = pd.DataFrame(
        {
            "respondent": ['=HYPERLINK("http://x","y")', "@SUM(A1:A9)", "R3", "+86 138 0000"],
            "group_label": ["-淘宝", "京东", "=~", "\t=1+1"],
            "op": ["=~", "=cmd|' /C calc'!A0", "~~", "~"],
            "value": [-3.5, 2.0, 0.0, 1.0],
            "text_number": ["-3.5", "+2", "1e3", "-"],
        },
        index=pd.Index(["=g1", "g2", "-g3", "g4"], name="group"),
    )
    table.columns = [*table.columns[:-1], "=sum"]
    path = write_csv(tmp_path / "u.csv", table)
    back = pd.read_csv(path, index_col=0, dtype=str)
    assert list(back.index) == ["'=g1", "g2", "'-g3", "g4"]
    assert list(back.columns) == ["respondent", "group_label", "op", "value", "'=sum"]
    assert list(back["respondent"]) == [
        "'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(A1:A9)", "R3", "'+86 138 0000",
    ]  # fmt: skip
    # "=~" from the user's data is text like any other; only the op column's operators are kept
    assert list(back["group_label"]) == ["'-淘宝", "京东", "'=~", "'\t=1+1"]
    assert list(back["op"]) == ["=~", "'=cmd|' /C calc'!A0", "~~", "~"]
    assert list(back["'=sum"]) == ["-3.5", "+2", "1e3", "'-"]  # numbers stay numbers
    assert_reads_back(path, table, True)


def test_multiindex_levels_are_escaped(tmp_path):
    index = pd.MultiIndex.from_tuples([("=A", "x1"), ("B", "x2")], names=["group_label", "var"])
    frame = pd.DataFrame({"x1": [1.0, 0.25]}, index=index)
    path = write_csv(tmp_path / "m.csv", frame)
    back = pd.read_csv(path)
    assert list(back["group_label"]) == ["'=A", "B"]
    assert_reads_back(path, frame, True)


_TEXT = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 .,;:\"'=+-@~|/\\\n") + list("平台口碑信任跳过")),
    max_size=12,
).filter(lambda s: s not in PANDAS_NA and s.strip() == s)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    texts=st.lists(_TEXT, min_size=1, max_size=6),
    floats=st.lists(
        st.floats(allow_nan=True, allow_infinity=False, width=64), min_size=6, max_size=6
    ),
)
def test_any_table_reads_back_to_the_same_values(tmp_path, texts, floats):
    n = len(texts)
    frame = pd.DataFrame(
        {"label": texts, "op": ["=~"] * n, "est": floats[:n]},
        index=pd.Index([f"r{i}" for i in range(n)], name="id"),
    )
    path = write_csv(tmp_path / "h.csv", frame)
    assert_reads_back(path, frame, True)


def test_escape_formula_keeps_numbers_and_plain_text():
    assert escape_formula("-0.25") == "-0.25" and escape_formula("+1e3") == "+1e3"
    assert escape_formula("=1+1") == "'=1+1" and escape_formula("-") == "'-"
    assert escape_formula("LOY1") == "LOY1" and escape_formula(np.float64(-1.5)) == -1.5
    assert escape_formula("") == "" and escape_formula(None) is None


@pytest.fixture(scope="module")
def cli_writes(tmp_path_factory):
    """Every table written by fit (groups, bootstrap, effects) and screen (invalid cells)."""
    out = tmp_path_factory.mktemp("cli")
    model = out / "m.lav"
    model.write_text(
        "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
        "speed ~ visual + textual\n",
        encoding="utf-8",
    )
    hs = pd.read_csv(dataset_path("holzinger_swineford"))
    hs["x1"] = hs["x1"].astype(object)
    hs.loc[3, "x1"] = "=1+1"  # a formula typed into an answer: listed in invalid_cells.csv
    data = out / "hs.csv"
    hs.to_csv(data, index=False)
    cb = str(dataset_path("holzinger_swineford", "codebook"))
    with pytest.MonkeyPatch.context() as mp:
        written = record_csv_writes(mp)
        assert main(["screen", str(data), "--codebook", cb, "--invalid", "missing",
                     "--out", str(out / "screen")]) == 0  # fmt: skip
        assert main(["fit", str(data), "--codebook", cb, "--invalid", "missing", "--model",
                     str(model), "--group", "school", "--group-equal", "loadings",
                     "--out", str(out / "groups")]) == 0  # fmt: skip
        assert main(["fit", str(data), "--codebook", cb, "--invalid", "missing", "--model",
                     str(model), "--bootstrap", "30", "--seed", "2", "--clean",
                     "--out", str(out / "boot")]) == 0  # fmt: skip
    return out, written


def _final(path: Path) -> Path:
    """Where a file written in a staging folder ``.NAME.partial-PID-RANDOM`` ends up."""
    match = re.fullmatch(r"\.(.+)\.partial-\d+-[0-9a-f]+", path.parent.name)
    assert match is not None, path
    return path.parent.parent / match[1] / path.name


def test_every_csv_of_fit_and_screen_reads_back(cli_writes):
    out, written = cli_writes
    written = [(_final(p), frame, index) for p, frame, index in written]
    names = {p.relative_to(out).as_posix() for p, _, _ in written}
    assert {
        "screen/invalid_cells.csv", "groups/sem_residuals_cor.csv", "groups/sem_effects.csv",
        "boot/sem_bootstrap.csv", "boot/cleaned_exclusions.csv", "boot/sem_effects.csv",
    } <= names  # fmt: skip
    for path, frame, index in written:
        assert_reads_back(path, frame, index)
    invalid = pd.read_csv(out / "screen" / "invalid_cells.csv")
    assert list(invalid["value"]) == ["'=1+1"]  # the user's text, escaped
    boot = pd.read_csv(out / "boot" / "sem_bootstrap.csv")
    assert (boot["op"] == "=~").sum() == 9 and (boot["op"] == "~").sum() == 2


@pytest.mark.skipif(
    shutil.which("Rscript") is None,
    reason="Rscript is not on PATH: the R round-trip (read.csv(fileEncoding = 'UTF-8-BOM')) "
    "was not run; install r-base-core to run it",
)
def test_r_reads_the_csv_to_the_same_values(tmp_path):
    path = write_csv(
        tmp_path / "r.csv",
        CHINESE.assign(op=["=~", "~~", "~"], user=["=1+1", "a", "b"]),
        index=False,
    )
    out = tmp_path / "from_r.txt"
    script = (
        f'd <- read.csv("{path.as_posix()}", fileEncoding = "UTF-8-BOM", '
        "check.names = FALSE, stringsAsFactors = FALSE)\n"
        "con <- file(commandArgs(TRUE)[1], open = 'w', encoding = 'UTF-8')\n"
        "writeLines(c(names(d)[1], d$construct, d$op, d$user, sprintf('%.17g', d$alpha)), con)\n"
        "close(con)\n"
    )
    subprocess.run(["Rscript", "-e", script, str(out)], check=True, capture_output=True)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "construct"  # the BOM did not end up in the first name
    assert lines[1:4] == ["平台口碑", "信任", "忠诚度"]
    assert lines[4:7] == ["=~", "~~", "~"]
    assert lines[7:10] == ["'=1+1", "a", "b"]
    assert [float(v) for v in lines[10:13]] == list(CHINESE["alpha"])


def test_pandas_reads_in_a_subprocess_with_only_defaults(tmp_path):
    # what a user does in a fresh interpreter: pd.read_csv(path), nothing else
    path = write_csv(tmp_path / "p.csv", CHINESE, index=False)
    code = (
        "import sys, pandas as pd\n"
        "d = pd.read_csv(sys.argv[1])\n"
        "print(repr(list(d.columns)), repr(list(d['construct'])), repr(list(d['alpha'])))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, check=True, encoding="utf-8"
    )
    expected = (
        f"{list(CHINESE.columns)!r} {list(CHINESE['construct'])!r} {list(CHINESE['alpha'])!r}"
    )
    assert done.stdout.strip() == expected
