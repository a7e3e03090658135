"""Readers for survey files: CSV/TSV, Excel, SPSS, Stata, Parquet.

Every reader returns a :class:`RawTable`: the cells as the file holds them (no
type guessing), the row number a user sees in the file for each respondent, and
what the file itself says about missing codes and value labels. Any failure is a
:class:`~loyaltysem.errors.SurveyDataError` naming the file; a file is never
returned half-read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loyaltysem.errors import SurveyDataError

__all__ = ["SUPPORTED_EXTENSIONS", "RawTable", "read_excel_sheets", "read_raw", "read_table"]

#: Cell texts read as "no answer" in text files, besides the codebook's codes.
NA_TOKENS = frozenset({"", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "."})

SUPPORTED_EXTENSIONS = (
    ".csv",
    ".tsv",
    ".txt",
    ".xlsx",
    ".xlsm",
    ".sav",
    ".zsav",
    ".dta",
    ".parquet",
    ".pq",
)


@dataclass(frozen=True)
class RawTable:
    """A data file's cells before any interpretation.

    Attributes
    ----------
    frame : DataFrame
        One column per header cell, object dtype (str, int, float or None cells),
        in file order.
    row_of : callable
        Position (0-based) → the row number a user sees in the file: the line of a
        CSV (header = line 1), the row of an Excel sheet, the case number of an
        SPSS/Stata file.
    row_label : str
        What the row numbers count ("line", "row", "case").
    missing_codes : mapping of column → tuple of float
        Codes the file itself declares missing (SPSS user-missing values).
    value_labels : mapping of column → {value: label}
        Value labels stored in the file (SPSS, Stata).
    notes : list of str
        What the reader did (encoding, delimiter, blank lines skipped).
    """

    frame: pd.DataFrame
    row_of: Callable[[int], int]
    source: str
    row_label: str = "row"
    missing_codes: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    value_labels: Mapping[str, Mapping[float, str]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    #: ``row_of`` is ``position + first_row`` for every row (a plain file): vectorised
    first_row: int | None = None
    #: Ranges of codes the file declares missing (SPSS ``LO THRU -1``), kept as ranges
    missing_ranges: Mapping[str, tuple[tuple[float, float], ...]] = field(default_factory=dict)
    #: Cells the reader could only read as missing, counted: (count, what happened);
    #: an Excel sheet's blank rows, merged cells, formulas without a stored value
    losses: tuple[tuple[int, str], ...] = ()

    def is_missing_code(self, column: str, values: Any) -> Any:
        """Whether ``values`` (a number or an array) are missing codes the file declares."""
        numbers = np.asarray(values, dtype=float)
        hit = np.isin(numbers, np.asarray(self.missing_codes.get(column, ()), dtype=float))
        for lo, hi in self.missing_ranges.get(column, ()):
            hit |= (numbers >= lo) & (numbers <= hi)
        return hit

    def row_numbers(self) -> np.ndarray:
        """The row number a user sees for every position (``row_of`` over all rows)."""
        n = len(self.frame)
        if self.first_row is not None:
            return np.arange(self.first_row, self.first_row + n, dtype=np.int64)
        return np.fromiter((self.row_of(i) for i in range(n)), dtype=np.int64, count=n)


#: Candidates named when no encoding can be told from the bytes alone.
COMMON_ENCODINGS = ("utf-8", "gb18030", "big5", "cp1252", "shift_jis")
_PLAUSIBLE_CHAOS = 0.1  # charset-normalizer's "mess" ratio: above it a decoding is garbled


def _decode(data: bytes, path: Path, encoding: str | None) -> tuple[str, str]:
    """Decode a text file: the stated encoding, a BOM, UTF-8, or clear evidence; else refuse.

    Without ``encoding``: a byte-order mark decides; text that is valid UTF-8 is UTF-8;
    otherwise charset-normalizer lists the encodings that decode the file without
    garbling it. When they all give the same text (GBK and GB18030 often do) that text is
    used and the encoding recorded; when they disagree, or some lines are UTF-8 and others
    not (a file pasted together from two exports), the file is refused with the
    candidates and what each makes of the first differing line. Never a silent guess.
    """
    if encoding is not None:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise SurveyDataError(
                f"the file cannot be decoded as {encoding}",
                file=str(path),
                found=str(exc),
                expected="text in the stated encoding",
                fix="pass the right encoding, e.g. encoding='utf-8' or encoding='gb18030'",
            ) from None
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            _refuse_mixed(data, path, exc, bom=True)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    _refuse_mixed(data, path, utf8_error, bom=False)
    return _detect(data, path, utf8_error)


def _refuse_mixed(data: bytes, path: Path, error: UnicodeDecodeError, *, bom: bool) -> None:
    """Refuse a file whose lines are partly UTF-8 (with non-ASCII text) and partly not."""
    utf8_lines, other = [], []
    for number, line in enumerate(data.split(b"\n"), 1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other.append(number)
        else:
            utf8_lines.append(number)
    if (utf8_lines and other) or bom:
        shown = ", ".join(map(str, other[:5])) + (" ..." if len(other) > 5 else "")
        raise SurveyDataError(
            "the file mixes encodings: some lines are UTF-8 text, others are not",
            file=str(path),
            line=other[0] if other else data[: error.start].count(b"\n") + 1,
            found=f"{len(utf8_lines)} line(s) of UTF-8 text with non-ASCII characters; "
            f"lines {shown} are not UTF-8",
            expected="one encoding for the whole file",
            fix="re-export the file in one piece as UTF-8, or convert the other lines to "
            "UTF-8 before reading",
        )


def _detect(data: bytes, path: Path, utf8_error: UnicodeDecodeError) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    texts: dict[str, str] = {}
    for match in from_bytes(data):
        if match.chaos > _PLAUSIBLE_CHAOS:
            continue
        try:
            texts.setdefault(match.encoding, data.decode(match.encoding))
        except (UnicodeDecodeError, LookupError):
            continue
    distinct = set(texts.values())
    if len(distinct) == 1:
        name = next(iter(texts))
        if name.replace("_", "").lower() in ("gbk", "gb2312", "gb18030"):
            name = "gb18030"  # GB18030 extends GBK and GB2312: the same text, the wider name
        return next(iter(distinct)), name
    line = data[: utf8_error.start].count(b"\n") + 1
    if not texts:
        raise SurveyDataError(
            "the file's encoding cannot be recognised: it is not UTF-8, and no other "
            "encoding decodes it without garbling it",
            file=str(path),
            line=line,
            found=f"bytes {data[utf8_error.start : utf8_error.start + 4]!r} at offset "
            f"{utf8_error.start}",
            expected=f"text in one encoding, e.g. {', '.join(COMMON_ENCODINGS)}",
            fix="re-export the file as UTF-8 CSV, or name its encoding, e.g. encoding='cp1252'",
        )
    # candidates that read the file alike are one reading; the usual encodings first
    order = {name: i for i, name in enumerate(COMMON_ENCODINGS)}
    names = sorted(texts, key=lambda n: order.get(n, len(order)))
    readings: dict[str, list[str]] = {}
    for name in names:
        readings.setdefault(texts[name], []).append(name)
    line, shown = _first_difference(list(readings))
    parts = [
        f"{'/'.join(group)} read it as {text!r}"
        for group, text in zip(readings.values(), shown, strict=True)
    ]
    raise SurveyDataError(
        f"the file's encoding is ambiguous: {len(readings)} encodings read it differently",
        file=str(path),
        line=line,
        found="; ".join(parts[:4]) + ("; ..." if len(parts) > 4 else ""),
        expected="bytes that make one encoding clear (UTF-8 is always clear)",
        fix=f"name the encoding the file was saved in, e.g. encoding='{names[0]}' (candidates: "
        f"{', '.join(names)}), or re-export the file as UTF-8",
    )


def _first_difference(texts: list[str]) -> tuple[int, list[str]]:
    """The first line on which the readings differ, and that line in each reading."""
    split = [text.splitlines() for text in texts]
    for number, lines in enumerate(zip(*split, strict=False), 1):
        if len(set(lines)) > 1:
            return number, [line[:60] for line in lines]
    return 1, [lines[0][:60] if lines else "" for lines in split]


def _sniff_delimiter(text: str, path: Path) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = text.splitlines()[0] if text else ""
        counts = {d: first.count(d) for d in ",;\t|"}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def read_table(
    path: Path, *, encoding: str | None = None, delimiter: str | None = None, what: str = "survey"
) -> RawTable:
    """Read a delimited text file into a :class:`RawTable` of strings.

    The encoding is UTF-8 (a BOM is removed), else GBK/GB18030, unless ``encoding``
    is given. The delimiter is sniffed among ``, ; TAB |`` unless given. Blank lines
    are skipped and reported in ``notes``; line numbers stay those of the file.

    Raises
    ------
    SurveyDataError
        Empty file, undecodable bytes, a row with more or fewer fields than the
        header, duplicate or empty column names.
    """
    if not path.is_file():
        raise SurveyDataError(
            f"the {what} file does not exist",
            file=str(path),
            expected="a path to an existing file",
            fix="check the path and the working directory",
        )
    data = path.read_bytes()
    text, used = _decode(data, path, encoding)
    if not text.strip():
        raise SurveyDataError(
            f"the {what} file is empty",
            file=str(path),
            expected="a header row and at least one data row",
            fix="check that the export finished",
        )
    sep = delimiter or _sniff_delimiter(text, path)
    how = "as stated" if encoding is not None else "detected"
    if _plain(data, text, sep):
        # a large plain file: the careful reader below holds a Python string per cell
        raw = data[3:] if used == "utf-8-sig" else data if used == "utf-8" else text.encode()
        del data, text
        fast = _read_plain_fast(raw, sep, path)
        if fast is not None:
            note = f"read {path.name}: encoding {used} ({how}), delimiter {sep!r}, "
            note += f"{len(fast)} data rows"
            return RawTable(
                frame=fast,
                row_of=lambda pos: pos + 2,
                source=str(path),
                row_label="line",
                notes=(note,),
                first_row=2,
            )
        text = raw.decode("utf-8")  # raw is UTF-8 in every case above
    rows: list[list[str]] = []
    lines: list[int] = []
    blank: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        for fields in reader:
            line = reader.line_num
            if not fields or all(f.strip() == "" for f in fields):
                blank.append(line)
                continue
            rows.append(fields)
            lines.append(line)
    except csv.Error as exc:
        raise SurveyDataError(
            f"the {what} file is not valid delimited text",
            file=str(path),
            line=reader.line_num,
            found=str(exc),
            expected="fields separated by one delimiter, quotes balanced",
            fix="re-export the file as CSV",
        ) from None
    if not rows:  # only blank fields ("", ",,,", quoted empty strings)
        raise SurveyDataError(
            f"the {what} file holds only blank lines",
            file=str(path),
            line=blank[-1] if blank else None,
            expected="a header row and at least one data row",
            fix="check that the export finished",
        )
    header = [h.strip() for h in rows[0]]
    header_line = lines[0]
    _check_header(header, path=str(path), row=header_line, row_label="line")
    body = rows[1:]
    body_lines = lines[1:]
    for fields, line in zip(body, body_lines, strict=True):
        if len(fields) != len(header):
            raise SurveyDataError(
                f"the row has {len(fields)} fields but the header has {len(header)}",
                file=str(path),
                line=line,
                found=sep.join(fields)[:120],
                expected=f"{len(header)} fields separated by {sep!r}",
                fix="look for a stray delimiter or a missing cell in that line",
            )
    frame = pd.DataFrame(body, columns=header, dtype=object)
    notes = [f"read {path.name}: encoding {used} ({how}), delimiter {sep!r}, {len(body)} data rows"]
    if blank:
        shown = ", ".join(str(b) for b in blank[:10]) + (" ..." if len(blank) > 10 else "")
        notes.append(f"skipped {len(blank)} blank line(s): {shown}")
    return RawTable(
        frame=frame,
        row_of=body_lines.__getitem__,
        source=str(path),
        row_label="line",
        notes=tuple(notes),
    )


def _check_header(header: list[str], *, path: str, row: int, row_label: str) -> None:
    kw = {"line": row} if row_label == "line" else {"row": row}
    for pos, name in enumerate(header, start=1):
        if name == "":
            raise SurveyDataError(
                f"header cell {pos} is empty",
                file=path,
                **kw,  # type: ignore[arg-type]
                found=header,
                expected="a name for every column",
                fix="name the column or delete it",
            )
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise SurveyDataError(
                f"column name {name!r} appears twice in the header",
                file=path,
                column=name,
                **kw,  # type: ignore[arg-type]
                found=header,
                expected="unique column names",
                fix="rename one of the columns",
            )
        seen.add(name)


_FAST_MIN_BYTES = 1_000_000  # below this the csv module is fast enough


def _plain(data: bytes, text: str, sep: str) -> bool:
    """A large file the fast reader gives cell for cell what the csv module gives.

    No quote character anywhere (no quoted delimiters or line breaks) and no blank line
    (so that row ``i`` is line ``i + 2``).
    """
    if len(data) < _FAST_MIN_BYTES or '"' in text or sep not in (",", ";", "\t", "|"):
        return False
    body = text.lstrip("\ufeff")
    return not (body.startswith(("\n", "\r")) or "\n\n" in body or "\n\r\n" in body)


def _read_plain_fast(raw: bytes, sep: str, path: Path) -> pd.DataFrame | None:
    """Read a large plain delimited file (:func:`_plain`) with pyarrow, every cell as text.

    Columns come back as pandas categoricals of their texts (a Likert column has a
    handful of distinct cells), converted one at a time, which is what makes a million
    rows fit in memory. A row longer or shorter than the header, a line of delimiters
    only, or any other surprise returns ``None``: the careful reader then reads the file
    and names the line at fault.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    first = raw[: raw.find(b"\n") if b"\n" in raw else len(raw)].decode().rstrip("\r")
    header = [h.strip() for h in first.split(sep)]
    _check_header(header, path=str(path), row=1, row_label="line")
    try:
        table = pacsv.read_csv(
            pa.py_buffer(raw),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pacsv.ParseOptions(
                delimiter=sep, quote_char=False, newlines_in_values=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    if table.num_rows == 0:
        return None
    blank = None
    for column in table.columns:
        empty = pc.equal(pc.utf8_trim_whitespace(column), "")
        blank = empty if blank is None else pc.and_(blank, empty)
    if pc.any(blank).as_py():
        return None  # a line of delimiters only: skipped and logged by the careful reader
    columns = list(table.columns)
    del table
    out: dict[str, pd.Categorical] = {}
    for j, name in enumerate(header):
        encoded = pc.dictionary_encode(columns[j]).combine_chunks()
        columns[j] = None  # type: ignore[call-overload]  # free the text as we go
        out[name] = pd.Categorical.from_codes(
            encoded.indices.to_numpy(zero_copy_only=False),
            categories=pd.Index(encoded.dictionary.to_pylist(), dtype=object),
        )
    return pd.DataFrame(out)


def _excel_cell(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def _cells(refs: list[str]) -> str:
    """``B3, C4`` (at most five, then ``...``)."""
    return ", ".join(refs[:5]) + (" ..." if len(refs) > 5 else "")


def _excel_structure(path: Path) -> dict[str, tuple[list[Any], set[tuple[int, int]]]]:
    """Per sheet: merged ranges and formula cells, when the workbook has any.

    The cell values are read in read-only mode, which sees neither; the workbook is
    read a second time (in full) only when its sheets contain a merge or a formula.
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            found = False
            for name in archive.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    with archive.open(name) as fh:
                        data = fh.read()
                    if b"<mergeCell " in data or b"<f>" in data or b"<f " in data:
                        found = True
                        break
    except (OSError, zipfile.BadZipFile):
        return {}
    if not found:
        return {}
    import openpyxl

    book = openpyxl.load_workbook(path, data_only=False)
    try:
        return {
            ws.title: (
                list(ws.merged_cells.ranges),
                {
                    (cell.row, cell.column)
                    for row in ws.iter_rows()
                    for cell in row
                    if cell.data_type == "f"
                },
            )
            for ws in book.worksheets
        }
    finally:
        book.close()


def _excel_losses(
    path: Path,
    title: str,
    structure: tuple[list[Any], set[tuple[int, int]]] | None,
    raw_rows: list[tuple[int, list[object]]],
    header_row: int,
    n_columns: int,
) -> tuple[tuple[int, str], ...]:
    """What an Excel sheet's cells lose when read as values: counted, with the cells."""
    from openpyxl.utils import get_column_letter

    sheet = f"{path.name} sheet {title!r}"
    losses: list[tuple[int, str]] = []
    last = max((r for r, v in raw_rows if any(_filled(c) for c in v)), default=header_row)
    if structure is None:
        return tuple(losses)
    merged, formulas = structure
    values = {r: v for r, v in raw_rows}
    hidden: list[str] = []
    for rng in merged:
        for r in range(max(rng.min_row, header_row + 1), min(rng.max_row, last) + 1):
            for c in range(rng.min_col, min(rng.max_col, n_columns) + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    hidden.append(f"{get_column_letter(c)}{r}")
    if hidden:
        losses.append(
            (
                len(hidden),
                f"{sheet}: {len(hidden)} cell(s) inside merged ranges read as missing (only "
                f"the first cell of a merged range holds its value: {_cells(hidden)}); unmerge "
                "them and fill in the values",
            )
        )

    def value_at(r: int, c: int) -> object:
        row = values.get(r) or []
        return row[c - 1] if c <= len(row) else None

    uncached = sorted(
        (r, c)
        for r, c in formulas
        if header_row < r <= last and c <= n_columns and not _filled(value_at(r, c))
    )
    if uncached:
        refs = [f"{get_column_letter(c)}{r}" for r, c in uncached]
        losses.append(
            (
                len(refs),
                f"{sheet}: {len(refs)} formula cell(s) have no stored value and were read as "
                f"missing ({_cells(refs)}); open the file in Excel (or LibreOffice) and save it "
                "to store the results",
            )
        )
    return tuple(losses)


def _filled(cell: object) -> bool:
    return cell is not None and str(cell).strip() != ""


def read_excel_sheets(path: Path) -> dict[str, RawTable]:
    """Read every sheet of an Excel workbook as a :class:`RawTable` (header = row 1).

    Blank rows between data rows are skipped and noted (row numbers kept). Cells read as
    missing are counted in :attr:`RawTable.losses`: the cells of a merged range other
    than its first, formula cells saved without a value (openpyxl reads the stored
    results; a file written by a program that does not calculate has none).
    """
    if not path.is_file():
        raise SurveyDataError(
            "the Excel file does not exist",
            file=str(path),
            expected="a path to an existing .xlsx file",
            fix="check the path",
        )
    try:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        structure = _excel_structure(path)
    except Exception as exc:  # any reader failure becomes a typed error
        raise SurveyDataError(
            "the Excel file cannot be opened",
            file=str(path),
            found=f"{type(exc).__name__}: {exc}",
            expected="an .xlsx workbook",
            fix="open it in Excel and save it again as .xlsx",
        ) from None
    out: dict[str, RawTable] = {}
    try:
        for ws in book.worksheets:
            raw_rows = [
                (r, [_excel_cell(c) for c in row])
                for r, row in enumerate(ws.iter_rows(values_only=True), start=1)
            ]
            rows = [
                (r, v)
                for r, v in raw_rows
                if any(c is not None and str(c).strip() != "" for c in v)
            ]
            if not rows:
                out[ws.title] = RawTable(
                    pd.DataFrame(), row_of=lambda i: i + 2, source=f"{path} [{ws.title}]"
                )
                continue
            header_row, header_cells = rows[0]
            while header_cells and header_cells[-1] is None:
                header_cells = header_cells[:-1]
            header = ["" if c is None else str(c).strip() for c in header_cells]
            where = f"{path} [{ws.title}]"
            _check_header(header, path=where, row=header_row, row_label="row")
            body = []
            body_rows = []
            for r, values in rows[1:]:
                extra = [c for c in values[len(header) :] if c is not None and str(c).strip()]
                if extra:
                    raise SurveyDataError(
                        "a row has values beyond the last named column",
                        file=where,
                        row=r,
                        found=extra[:5],
                        expected=f"{len(header)} columns as in the header",
                        fix="name that column in the header row or clear the cells",
                    )
                padded = list(values[: len(header)]) + [None] * max(0, len(header) - len(values))
                body.append(padded)
                body_rows.append(r)
            frame = pd.DataFrame(body, columns=header, dtype=object)
            losses = _excel_losses(
                path, ws.title, structure.get(ws.title), raw_rows, header_row, len(header)
            )
            notes = [f"read {path.name} sheet {ws.title!r}: {len(body)} data rows"]
            last = body_rows[-1] if body_rows else header_row
            kept = set(body_rows)
            blank = [r for r, _ in raw_rows if header_row < r < last and r not in kept]
            if blank:  # skipped (no answer is lost), row numbers kept
                notes.append(
                    f"{len(blank)} blank row(s) between the data rows skipped (rows "
                    f"{_cells([str(r) for r in blank])})"
                )
            out[ws.title] = RawTable(
                frame=frame,
                row_of=body_rows.__getitem__,
                source=where,
                row_label="row",
                notes=tuple(notes),
                losses=losses,
            )
    finally:
        book.close()
    return out


def _read_stat(path: Path, kind: str) -> RawTable:
    import pyreadstat

    reader = pyreadstat.read_sav if kind == "spss" else pyreadstat.read_dta
    try:
        frame, meta = reader(str(path), user_missing=True)
    except Exception as exc:  # any reader failure becomes a typed error
        raise SurveyDataError(
            f"the {'SPSS' if kind == 'spss' else 'Stata'} file cannot be read",
            file=str(path),
            found=f"{type(exc).__name__}: {exc}",
            expected=f"a valid {'.sav' if kind == 'spss' else '.dta'} file",
            fix="save it again from SPSS/Stata, or export it as CSV",
        ) from None
    header = [str(c) for c in frame.columns]
    _check_header(header, path=str(path), row=0, row_label="row")
    codes: dict[str, tuple[float, ...]] = {}
    spans: dict[str, tuple[tuple[float, float], ...]] = {}
    for col, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        vals: list[float] = []
        pairs: list[tuple[float, float]] = []
        for rng in ranges:
            lo, hi = rng.get("lo"), rng.get("hi")
            if lo == hi and isinstance(lo, (int, float)):
                vals.append(float(lo))
            elif isinstance(lo, (int, float)) and isinstance(hi, (int, float)):
                # kept as a range (LO THRU -1 holds ~1e308 integers): checked by comparison
                pairs.append((float(min(lo, hi)), float(max(lo, hi))))
        if vals:
            codes[col] = tuple(vals)
        if pairs:
            spans[col] = tuple(pairs)
    # value labels of every column (items, groups, covariates); Stata labels of its
    # extended missing values (.a-.z, letter keys) are not values and are left out
    labels = {
        col: {
            float(k): str(v)
            for k, v in m.items()
            if isinstance(k, (int, float)) and not isinstance(k, bool)
        }
        for col, m in (getattr(meta, "variable_value_labels", None) or {}).items()
    }
    obj = frame.astype(object).where(frame.notna(), None)
    notes = [f"read {path.name}: {len(frame)} cases ({kind})"]
    if kind == "stata":
        # with user_missing=True pyreadstat returns Stata's extended missing values
        # (.a to .z) as their letters: missing by definition in Stata
        types = getattr(meta, "readstat_variable_types", None) or {}
        counts: dict[str, int] = {}
        for col in frame.columns:
            if types.get(col) == "string" or frame[col].dtype != object:
                continue
            hit = obj[col].map(lambda v: isinstance(v, str) and len(v) == 1 and "a" <= v <= "z")
            if hit.any():
                obj[col] = obj[col].mask(hit.astype(bool), None)
                counts[str(col)] = int(hit.sum())
        if counts:
            listed = ", ".join(f"{c} ({n})" for c, n in counts.items())
            notes.append(f"Stata extended missing values (.a to .z) read as missing: {listed}")
    return RawTable(
        frame=obj,
        row_of=lambda i: i + 1,
        source=str(path),
        row_label="case",
        missing_codes=codes,
        missing_ranges=spans,
        value_labels=labels,
        notes=tuple(notes),
    )


def read_raw(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> RawTable:
    """Read any supported survey file into a :class:`RawTable`.

    Parameters
    ----------
    path : str or Path
        ``.csv``, ``.tsv``, ``.txt``, ``.xlsx``, ``.xlsm``, ``.sav``, ``.zsav``,
        ``.dta``, ``.parquet``.
    sheet : str or int, optional
        Excel sheet (default: the first).
    encoding, delimiter : str, optional
        For text files; sniffed when omitted.

    Raises
    ------
    SurveyDataError
        Unsupported type, unreadable or empty file.
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise SurveyDataError(
            "the survey file type is not supported",
            file=str(p),
            found=ext or "(no extension)",
            expected=", ".join(SUPPORTED_EXTENSIONS),
            fix="export the survey as CSV, Excel, SPSS (.sav), Stata (.dta) or Parquet",
        )
    if not p.is_file():
        raise SurveyDataError(
            "the survey file does not exist",
            file=str(p),
            expected="a path to an existing file",
            fix="check the path and the working directory",
        )
    if ext in (".csv", ".tsv", ".txt"):
        table = read_table(p, encoding=encoding, delimiter=delimiter)
    elif ext in (".xlsx", ".xlsm"):
        sheets = read_excel_sheets(p)
        names = list(sheets)
        if sheet is None:
            key = names[0]
        elif isinstance(sheet, int) and 0 <= sheet < len(names):
            key = names[sheet]
        elif sheet in sheets:
            key = str(sheet)
        else:
            raise SurveyDataError(
                "the workbook has no such sheet",
                file=str(p),
                found=sheet,
                expected=f"one of {names}",
                fix="pass sheet= with one of those names",
            )
        table = sheets[key]
    elif ext in (".sav", ".zsav"):
        table = _read_stat(p, "spss")
    elif ext == ".dta":
        table = _read_stat(p, "stata")
    else:
        try:
            frame = pd.read_parquet(p)
        except Exception as exc:  # any reader failure becomes a typed error
            raise SurveyDataError(
                "the Parquet file cannot be read",
                file=str(p),
                found=f"{type(exc).__name__}: {exc}",
                expected="a valid Parquet file",
                fix="write it again with pandas.DataFrame.to_parquet",
            ) from None
        header = [str(c) for c in frame.columns]
        _check_header(header, path=str(p), row=0, row_label="row")
        frame.columns = header
        table = RawTable(
            frame=frame.astype(object).where(frame.notna(), None),
            row_of=lambda i: i + 1,
            source=str(p),
            row_label="row",
            notes=(f"read {p.name}: {len(frame)} rows (parquet)",),
        )
    if table.frame.shape[0] == 0:
        raise SurveyDataError(
            "the survey file has a header but no respondents",
            file=str(p),
            expected="at least one data row",
            fix="check that the export included the responses",
        )
    return table
