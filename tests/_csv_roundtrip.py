"""Helpers of the CSV round-trip tests: record what the library writes, read it back.

``record_csv_writes`` wraps ``loyaltysem._files.write_csv`` so that a test keeps every
table the command line writes next to the file; ``assert_reads_back`` reads the file
with ``pandas.read_csv(path)`` (default arguments, as a user would) and checks that it
holds the same values: floats equal exactly, the library's own values (operators)
unaltered, text from the user's data escaped only where a spreadsheet would run it.
"""

from __future__ import annotations

import codecs
import math
from pathlib import Path

import numpy as np
import pandas as pd

import loyaltysem._files as files
from loyaltysem._files import LIBRARY_VOCABULARY, escape_formula


def record_csv_writes(monkeypatch) -> list[tuple[Path, pd.DataFrame, bool]]:
    """Record ``(path, frame, index)`` of every ``write_csv`` call from now on."""
    written: list[tuple[Path, pd.DataFrame, bool]] = []
    original = files.write_csv

    def recording(path, frame, *, index=True):
        df = frame.to_frame() if isinstance(frame, pd.Series) else frame
        written.append((Path(path), df.copy(), index))
        return original(path, frame, index=index)

    monkeypatch.setattr(files, "write_csv", recording)
    return written


#: pandas' default ``na_values`` (pandas.read_csv documentation): read as missing
PANDAS_NA = frozenset(
    {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
     "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}
)  # fmt: skip


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _same_text(expected: object, found: object) -> bool:
    """A text cell as written (``expected``, escaped) against what pandas read."""
    if _missing(expected):
        return _missing(found)
    text = str(expected)
    if _missing(found):  # pandas reads "", "NA", "nan", "null" ... as missing
        return text.strip() == "" or text in PANDAS_NA
    if isinstance(found, (bool, np.bool_)):
        return text.lower() == str(bool(found)).lower()
    if isinstance(found, (int, float, np.integer, np.floating)):
        try:
            return float(text) == float(found) or (math.isnan(float(text)) and math.isnan(found))
        except ValueError:
            return False
    return str(found) == text


def _assert_same_values(expected: pd.Series, found: pd.Series, where: str) -> None:
    assert len(expected) == len(found), where
    if len(expected) == 0:  # an empty table: no values, and no dtype to read back
        return
    if pd.api.types.is_bool_dtype(expected):
        assert [bool(v) for v in expected] == [bool(v) for v in found], where
        return
    if pd.api.types.is_numeric_dtype(expected):
        assert pd.api.types.is_numeric_dtype(found), f"{where}: read back as {found.dtype}"
        # exactly the same floats (NaN where NaN), not merely close
        np.testing.assert_array_equal(
            expected.to_numpy(dtype=float), found.to_numpy(dtype=float), err_msg=where
        )
        return
    vocabulary = LIBRARY_VOCABULARY.get(str(expected.name), frozenset())
    for i, (e, f) in enumerate(zip(expected, found, strict=True)):
        written = e if isinstance(e, str) and e in vocabulary else escape_formula(e)
        assert _same_text(written, f), f"{where}, row {i}: wrote {written!r}, read {f!r}"


def assert_reads_back(path: Path, frame: pd.DataFrame, index: bool) -> None:
    """``pd.read_csv(path)`` gives ``frame`` back (escaped user text aside)."""
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8), f"{path.name}: no UTF-8 BOM"
    try:
        back = pd.read_csv(path)
    except pd.errors.EmptyDataError as exc:
        raise AssertionError(f"{path}: {exc} (a {frame.shape} table)") from exc
    assert not str(back.columns[0]).startswith("\ufeff"), f"{path.name}: BOM in the header"
    if index:
        n = frame.index.nlevels
        found_index = [back.iloc[:, k] for k in range(n)]
        back = back.iloc[:, n:]
        for k in range(n):
            level = pd.Series(frame.index.get_level_values(k), name=None)
            _assert_same_values(level, found_index[k].reset_index(drop=True), f"{path.name} index")
    assert back.shape == frame.shape, f"{path.name}: {back.shape} != {frame.shape}"
    headers = [str(escape_formula(str(c))) for c in frame.columns]
    assert list(map(str, back.columns)) == headers, path.name
    for j in range(frame.shape[1]):
        _assert_same_values(
            frame.iloc[:, j].reset_index(drop=True),
            back.iloc[:, j].reset_index(drop=True),
            f"{path.name}, column {frame.columns[j]!r}",
        )
