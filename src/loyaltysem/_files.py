"""Atomic file output: write to a temporary file in the target folder, then rename.

A crash or a full disk never leaves a half-written output behind, and a reader
never sees one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

__all__ = ["LIBRARY_VOCABULARY", "atomic_write", "escape_formula", "write_csv", "write_text"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and move the result to ``path`` atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = atomic_write(target, lambda p: p.write_text("hello", encoding="utf-8"))
    >>> target.read_text(encoding="utf-8")
    'hello'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        # mkstemp creates the file readable by its owner only; give the output the
        # permissions an ordinary open() would (0o666 minus the umask)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return target


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


#: Values the library itself writes, by column: never escaped. A lavaan operator in a
#: column ``op`` (``=~``, ``==``) is the library's vocabulary, not a formula; any other
#: value in that column is treated as text from the user's data.
LIBRARY_VOCABULARY: dict[str, frozenset[str]] = {
    "op": frozenset({"=~", "~", "~~", "~1", ":=", "==", "<", ">", "|", "~*~"}),
}


def escape_formula(value: object) -> object:
    """Prefix a text that a spreadsheet would run as a formula with an apostrophe.

    A string starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return that
    is not a number gets a leading ``'`` (OWASP, "CSV Injection"); every other value
    is returned unchanged.

    Examples
    --------
    >>> print(escape_formula("=cmd|' /C calc'!A0"))
    '=cmd|' /C calc'!A0
    >>> escape_formula("-0.5"), escape_formula("@home"), escape_formula(3)
    ('-0.5', "'@home", 3)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def _escape_index(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        levels = [_escape_index(level) for level in index.levels]
        return index.set_levels(levels)
    if pd.api.types.is_numeric_dtype(index) or pd.api.types.is_bool_dtype(index):
        return index
    return index.map(escape_formula)


def _safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with formula-like text from the user's data escaped."""
    safe = df.copy()
    for col in safe.columns:
        if pd.api.types.is_numeric_dtype(safe[col]) or pd.api.types.is_bool_dtype(safe[col]):
            continue
        vocabulary = LIBRARY_VOCABULARY.get(str(col), frozenset())
        safe[col] = safe[col].map(
            lambda v, vocab=vocabulary: (
                v if isinstance(v, str) and v in vocab else escape_formula(v)
            )
        )
    safe.index = _escape_index(safe.index)
    safe.columns = _escape_index(safe.columns)
    return safe


def write_csv(path: str | Path, frame: pd.DataFrame | pd.Series, *, index: bool = True) -> Path:
    """Write a table as CSV atomically: UTF-8 with a BOM, full precision, formulas escaped.

    The file is what programs and spreadsheets read correctly:

    - **UTF-8 with a byte-order mark**, so that Excel on a Chinese-locale Windows
      decodes the Chinese item names and labels instead of reading the file as GBK;
      ``pandas.read_csv(path)`` with default arguments drops the BOM, and R reads it
      with ``read.csv(path, fileEncoding = "UTF-8-BOM")``.
    - **Numbers at full precision** (shortest repr that round-trips; ``NaN`` as an
      empty cell): read back they are the same floats.
    - **Values the library produces are written as they are**: lavaan operators in a
      column ``op`` (``=~``, ``~~``, ``==``; see :data:`LIBRARY_VOCABULARY`), statistic
      names, numbers.
    - **Text that came from the user's data** (respondent ids, value labels, group
      names, free text, headers) and that a spreadsheet would run as a formula
      (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, and not a
      number) gets a leading apostrophe (:func:`escape_formula`): such a cell reads back
      with the apostrophe in front of it.

    Parameters
    ----------
    path : str or Path
        The CSV file (its folder is created).
    frame : DataFrame or Series
        The table; a Series is written as a one-column table.
    index : bool, default True
        Write the index as the first column.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import codecs, tempfile, pathlib
    >>> import pandas as pd
    >>> table = pd.DataFrame({"lhs": ["TRU"], "op": ["=~"], "rhs": ["TRU1"], "est": [0.1 + 0.2]})
    >>> target = write_csv(pathlib.Path(tempfile.mkdtemp()) / "est.csv", table, index=False)
    >>> target.read_bytes().startswith(codecs.BOM_UTF8)
    True
    >>> back = pd.read_csv(target)
    >>> list(back.columns), back["op"].iloc[0], bool(back["est"].iloc[0] == 0.1 + 0.2)
    (['lhs', 'op', 'rhs', 'est'], '=~', True)
    """
    df = frame.to_frame() if isinstance(frame, pd.Series) else frame
    safe = _safe_frame(df)
    return atomic_write(
        path, lambda p: safe.to_csv(p, index=index, encoding="utf-8-sig", lineterminator="\n")
    )
