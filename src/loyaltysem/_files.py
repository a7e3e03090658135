"""Atomic output: files through a temporary file, output folders through a staging folder.

A file is written to a temporary file beside it, flushed to disk (``fsync``) and
renamed over the target. An output folder (:class:`OutputFolder`) is written whole
into a staging folder beside the target and moved into place when the run is
complete, with a ``manifest.json`` listing every file and its SHA-256. A crash, a
kill or a full disk never leaves a half-written output that looks complete, and the
previous complete output stays as it was.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

import pandas as pd

from loyaltysem.errors import OutputError

__all__ = [
    "FREE_SPACE_FACTOR",
    "LIBRARY_VOCABULARY",
    "MANIFEST",
    "MIN_FREE_BYTES",
    "OutputFolder",
    "atomic_write",
    "check_writable_file",
    "escape_formula",
    "file_sha256",
    "output_error",
    "write_csv",
    "write_text",
]

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
        _fsync_file(tmp_path)
        os.replace(tmp_path, target)
        _fsync_dir(target.parent)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return target


def _fsync_file(path: Path) -> None:
    """Flush a file's data to the disk."""
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    """Flush a folder's entries (new names, renames) to the disk; a no-op on Windows."""
    if os.name != "posix":  # Windows cannot open a folder for fsync (NTFS journals renames)
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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


# ---------------------------------------------------------------------------------------
# Output folders as a unit
# ---------------------------------------------------------------------------------------

#: The file listing an output folder's files, written last.
MANIFEST = "manifest.json"
#: Free space required before a run starts: at least this many bytes ...
MIN_FREE_BYTES = 16 * 2**20
#: ... and at least this many times the size of the input files.
FREE_SPACE_FACTOR = 10

_CHUNK = 2**20
_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, as hexadecimal.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> file_sha256(p)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _pid_alive(pid: int) -> bool | None:
    """Whether a process runs (POSIX); ``None`` where it cannot be told (Windows)."""
    if os.name != "posix":
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``).

    Returns False where the system or the file system does not offer it.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a C library without renameat2 (glibc < 2.28)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def output_error(exc: OSError, target: str | Path) -> OutputError:
    """An OS error while writing an output, as an :class:`OutputError` naming it and the fix.

    Examples
    --------
    >>> import errno
    >>> err = output_error(OSError(errno.ENOSPC, "No space left on device"), "/data/out")
    >>> err.reason
    'cannot write the output (No space left on device)'
    >>> err.fix.split(";")[0]
    'free space on the disk of /data (or choose --out on another disk)'
    """
    target = Path(target)
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        fix = (
            f"free space on the disk of {target.parent} (or choose --out on another disk); "
            f"the previous output in {target}, if any, is unchanged"
        )
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "choose an --out where you may write (e.g. a folder in your home folder)"
    else:
        fix = "check the --out folder and its disk, or choose another --out"
    return OutputError(
        f"cannot write the output ({reason})", path=target, found=exc.filename, fix=fix
    )


def check_writable_file(path: str | Path) -> Path:
    """Check, before any work, that an output file can be created where it is to go.

    The file's folder is created when missing; a probe file is written and removed.

    Raises
    ------
    OutputError
        The path is a folder, or its folder cannot be created or written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> check_writable_file(folder / "new" / "codebook.xlsx").name
    'codebook.xlsx'
    >>> check_writable_file(folder)
    Traceback (most recent call last):
    ...
    loyaltysem.errors.OutputError: ...: the output is a folder, not a file
      fix: give the name of the file to write, e.g. codebook.xlsx
    """
    target = Path(os.path.abspath(path))
    if target.is_dir():
        raise OutputError(
            "the output is a folder, not a file",
            path=target,
            fix="give the name of the file to write, e.g. codebook.xlsx",
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise output_error(exc, target) from exc
    return target


class OutputFolder:
    """An output folder written as a unit: staged beside the target, moved in when complete.

    :meth:`prepare` (before the analysis) checks that the target can be written and
    that the disk has room, removes what interrupted runs left, and creates the
    staging folder ``.NAME.partial-PID-RANDOM`` beside ``NAME``; the command writes into
    :attr:`staging`; :meth:`commit` writes ``manifest.json`` (every file with its SHA-256
    and size, the command line, the loyaltysem version, start and end times, the input
    files with their SHA-256), flushes every file and the folder to disk and puts the
    staging folder in the target's place: where the target exists, in one atomic
    exchange on Linux (``renameat2``), elsewhere by moving it aside, moving the new one
    in and deleting the old. :meth:`discard` (or leaving the ``with`` block by an
    exception) deletes the staging folder and leaves the target as it was.

    Parameters
    ----------
    target : str or Path
        The output folder (``--out``). It may not exist yet, be empty, or hold a
        previous output (exactly the files its ``manifest.json`` lists); anything else
        is refused, so that no file of the user's is deleted.
    command : sequence of str
        The command line, recorded in the manifest.
    inputs : sequence of str or Path
        The input files (survey, codebook, model), hashed into the manifest; their size
        sets the free space required.
    version : str
        The loyaltysem version, recorded in the manifest.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "results"
    >>> with OutputFolder(out, command=["loyaltysem", "demo"], version="0") as folder:
    ...     _ = write_text(folder.staging / "a.txt", "first run")
    ...     written = folder.commit()
    >>> [p.name for p in written]
    ['a.txt', 'manifest.json']
    >>> with OutputFolder(out, command=["loyaltysem", "demo"], version="0") as folder:
    ...     _ = write_text(folder.staging / "b.txt", "second run")
    ...     written = folder.commit()
    >>> sorted(p.name for p in out.iterdir())  # a.txt of the first run is gone
    ['b.txt', 'manifest.json']
    >>> [f["name"] for f in json.loads((out / "manifest.json").read_text("utf-8"))["files"]]
    ['b.txt']
    """

    def __init__(
        self,
        target: str | Path,
        *,
        command: Sequence[str],
        inputs: Sequence[str | Path] = (),
        version: str,
    ) -> None:
        self.target = Path(os.path.abspath(target))
        self.command = [str(c) for c in command]
        self.inputs = [Path(p) for p in inputs]
        self.version = version
        self.staging: Path = self.target.parent / f".{self.target.name}.partial-unprepared"
        self.notes: list[str] = []
        self.started = _now()
        self._prepared = False
        self._committed = False

    # -- the steps -----------------------------------------------------------------

    def prepare(self) -> None:
        """Check the target, the permissions and the free space; create the staging folder.

        Raises
        ------
        OutputError
            The target cannot be replaced (a file, a link, a folder holding other
            files), its folder cannot be created or written, or the disk has too little
            free space. Nothing was written.
        """
        target, parent = self.target, self.target.parent
        if not target.name or target == parent:
            raise OutputError(
                "a file system root cannot be an output folder",
                path=target,
                fix="give --out a new folder, e.g. --out results",
            )
        if parent.exists() and not parent.is_dir():
            raise OutputError(
                "the folder of the output is a file",
                path=parent,
                fix="choose an --out folder inside a folder (not inside a file)",
            )
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"the folder of the output cannot be created ({exc.strerror or exc})",
                path=parent,
                fix="choose an --out folder inside a folder that exists and that you may write",
            ) from exc
        self._clean_leftovers()
        self._check_replaceable()
        token = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.staging = parent / f".{target.name}.partial-{token}"
        try:
            self.staging.mkdir()
            self._prepared = True
            probe = self.staging / ".probe"
            with open(probe, "wb") as f:
                f.write(b"\0" * 4096)
                f.flush()
                os.fsync(f.fileno())
            probe.unlink()
        except OSError as exc:
            self.discard()
            raise output_error(exc, target) from exc
        try:
            self._check_space()
        except OutputError:
            self.discard()
            raise

    def commit(self) -> list[Path]:
        """Write the manifest and put the staging folder in the target's place.

        Returns
        -------
        list of Path
            The files now in the target (the manifest last).

        Raises
        ------
        OutputError
            An OS error (full disk, permission); the staging folder is deleted and the
            target is as it was.
        """
        try:
            names = sorted(p.name for p in self.staging.iterdir() if p.name != MANIFEST)
            manifest = {
                "format": "loyaltysem-output/1",
                "loyaltysem": self.version,
                "command": self.command,
                "started": self.started,
                "finished": _now(),
                "inputs": [
                    {"path": str(p), "sha256": file_sha256(p), "bytes": p.stat().st_size}
                    for p in self.inputs
                    if p.is_file()
                ],
                "files": [
                    {
                        "name": name,
                        "sha256": file_sha256(self.staging / name),
                        "bytes": (self.staging / name).stat().st_size,
                    }
                    for name in names
                ],
            }
            write_text(self.staging / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
            _fsync_dir(self.staging)
            self._check_replaceable()  # nothing of the user's arrived during the run
            self._swap()
        except OSError as exc:
            self.discard()
            if isinstance(exc, OutputError):
                raise
            raise output_error(exc, self.target) from exc
        self._committed = True
        return [self.target / name for name in [*names, MANIFEST]]

    def discard(self) -> None:
        """Delete the staging folder (a no-op after :meth:`commit`)."""
        if self._prepared and not self._committed:
            shutil.rmtree(self.staging, ignore_errors=True)
            self._prepared = False

    def __enter__(self) -> OutputFolder:
        self.prepare()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.discard()

    # -- helpers -------------------------------------------------------------------

    def _check_replaceable(self) -> None:
        """The target does not exist, is empty, or holds exactly a previous output."""
        target = self.target
        if target.is_symlink() or (target.exists() and not target.is_dir()):
            raise OutputError(
                "the output folder exists and is not a folder",
                path=target,
                found="a file" if not target.is_symlink() else "a symbolic link",
                fix="give --out a folder name (it is created and written as a whole)",
            )
        if not target.exists():
            return
        entries = {p.name for p in target.iterdir()}
        if not entries:
            return
        listed = _manifest_names(target)
        foreign = sorted(entries - {MANIFEST} - (listed or set()))
        if listed is None or foreign:
            shown = ", ".join(foreign[:5]) + (
                f" and {len(foreign) - 5} more" if foreign[5:] else ""
            )
            why = f"no readable {MANIFEST}" if listed is None else f"not in its {MANIFEST}"
            raise OutputError(
                "the output folder holds files that are not a previous loyaltysem output "
                f"({why}; an output folder is replaced as a whole)",
                path=target,
                found=shown or MANIFEST,
                expected=f"a new or empty folder, or a previous output (the files its {MANIFEST} "
                "lists)",
                fix="choose a new --out folder, or move these files elsewhere",
            )

    def _clean_leftovers(self) -> None:
        """Delete staging folders of interrupted runs; restore a target moved aside."""
        target, parent = self.target, self.target.parent
        pattern = re.compile(rf"\.{re.escape(target.name)}\.(partial|previous)-(\d+)-[0-9a-f]+")
        for entry in sorted(parent.iterdir()):
            match = pattern.fullmatch(entry.name)
            if match is None or not entry.is_dir():
                continue
            kind, pid = match[1], int(match[2])
            alive = _pid_alive(pid) if pid != os.getpid() else False
            if alive is not False:
                self.notes.append(
                    f"{entry} is the staging folder of another run (process {pid}) or of an "
                    "interrupted one: delete it when no loyaltysem run writes to "
                    f"{target}"
                )
                continue
            if kind == "previous" and not target.exists():  # killed between the two moves
                os.rename(entry, target)
                self.notes.append(f"restored the previous output {target} from {entry.name}")
                continue
            shutil.rmtree(entry, ignore_errors=True)
            self.notes.append(f"removed {entry.name}, left by an interrupted run (process {pid})")

    def _check_space(self) -> None:
        size = sum(p.stat().st_size for p in self.inputs if p.is_file())
        need = max(MIN_FREE_BYTES, FREE_SPACE_FACTOR * size)
        free = shutil.disk_usage(self.target.parent).free
        if free < need:
            raise OutputError(
                "not enough free space for the output",
                path=self.target.parent,
                found=f"{free / 2**20:.1f} MB free",
                expected=f"at least {need / 2**20:.1f} MB (the larger of "
                f"{MIN_FREE_BYTES // 2**20} MB and {FREE_SPACE_FACTOR}x the input files)",
                fix="free space on that disk, or choose --out on another disk",
            )

    def _swap(self) -> None:
        target, parent = self.target, self.target.parent
        if not target.exists():
            os.rename(self.staging, target)
        elif _exchange(self.staging, target):  # the old output is now at the staging name
            shutil.rmtree(self.staging, ignore_errors=True)
        else:  # two renames: a kill between them is repaired by the next run
            aside = parent / self.staging.name.replace(".partial-", ".previous-", 1)
            os.rename(target, aside)
            os.rename(self.staging, target)
            shutil.rmtree(aside, ignore_errors=True)
        _fsync_dir(parent)


def _manifest_names(folder: Path) -> set[str] | None:
    """The file names a folder's manifest lists; None without a readable manifest."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return {str(f["name"]) for f in manifest["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None
