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

__all__ = ["atomic_write", "write_csv", "write_text"]

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


def _escape_formula(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def write_csv(path: str | Path, frame: pd.DataFrame | pd.Series, *, index: bool = True) -> Path:
    """Write a table as UTF-8 CSV atomically, at full precision.

    Text cells that a spreadsheet would run as a formula (starting with ``=``,
    ``+``, ``-``, ``@``) and are not numbers get a leading apostrophe.
    """
    df = frame.to_frame() if isinstance(frame, pd.Series) else frame
    safe = df.copy()
    for col in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[col]):
            safe[col] = safe[col].map(_escape_formula)
    if index and not pd.api.types.is_numeric_dtype(safe.index):
        safe.index = safe.index.map(_escape_formula)
    return atomic_write(
        path, lambda p: safe.to_csv(p, index=index, encoding="utf-8", lineterminator="\n")
    )
