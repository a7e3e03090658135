"""A codebook draft written from a survey platform's export, for the user to edit.

:func:`draft_codebook` reads an export (问卷星, 腾讯问卷, Qualtrics, SPSS, or any table)
and lists every column: the header as exported, a suggested short code, a role
(item, id, duration, start, end, ignore, covariate), a suggested construct per block
of questions, the answer scale and labels it found, and the missing-value codes it
saw. Nothing in a draft is final: the notes say what to check.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from loyaltysem._files import atomic_write
from loyaltysem.errors import CodebookError
from loyaltysem.survey.codebook import Codebook, normalize_label
from loyaltysem.survey.io import NA_TOKENS, RawTable, read_raw
from loyaltysem.survey.matching import question_key, strip_number
from loyaltysem.survey.platforms import (
    KNOWN_LAYOUTS,
    LIKERT_WORDINGS,
    detect_layout,
    has_cjk,
    metadata_role,
    qualtrics_header_rows,
    skip_header_rows,
)

__all__ = ["DRAFT_COLUMNS", "CodebookDraft", "draft_codebook"]

#: Columns of :attr:`CodebookDraft.frame`, in order.
DRAFT_COLUMNS = (
    "item",
    "column",
    "role",
    "construct",
    "min",
    "max",
    "reverse",
    "text",
    "text_zh",
    "missing",
    "value_labels",
    "value_labels_zh",
)

#: Text cells read as "no answer" by platforms: 问卷星's (跳过) for a skipped question and
#: (空) for an empty one, -3 and -2 in its numeric download, 不适用, N/A.
TEXT_MISSING = ("(跳过)", "(空)", "-3", "-2", "不适用", "N/A", "n/a")
_SCALES = (5, 7, 10, 11)
_ASCII_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CODE_NAME = re.compile(r"^([A-Za-z]+)_?(\d+)$")


@dataclass(frozen=True, eq=False)
class CodebookDraft:
    """A codebook drafted from an export (see :func:`draft_codebook`).

    Attributes
    ----------
    frame : DataFrame
        One row per exported column, columns ``DRAFT_COLUMNS``.
    layout : str
        ``wjx``, ``tencent``, ``qualtrics``, ``spss`` or ``unknown``.
    notes : tuple of str
        What was detected and what the user must check.
    missing_codes : tuple
        Codes seen in the answers that mean "no answer" (numbers and text),
        written as the codebook-wide ``missing_codes``.
    source : str
        The export read.
    """

    frame: pd.DataFrame
    layout: str
    notes: tuple[str, ...]
    missing_codes: tuple[float | str, ...] = ()
    source: str = ""

    def __repr__(self) -> str:
        items = int((self.frame["role"] == "item").sum())
        return (
            f"<CodebookDraft layout={self.layout!r} columns={len(self.frame)} items={items} "
            f"source={self.source!r}>"
        )

    def _codes_text(self) -> str:
        return ";".join(f"{c:g}" if isinstance(c, float) else str(c) for c in self.missing_codes)

    def to_codebook(self) -> Codebook:
        """Read the draft as a codebook (as :meth:`Codebook.from_csv` would read it).

        Raises
        ------
        CodebookError
            If the draft is not yet a valid codebook (e.g. an item without a scale).
        """
        return Codebook._from_table(
            self.frame.astype(object).where(self.frame.notna(), None),
            source=f"draft of {self.source}",
            row_of=lambda pos: pos + 2,
            missing_codes=list(self.missing_codes),
            value_labels=None,
            columns=None,
            id_column=None,
            name="",
        )

    def write(self, path: str | Path) -> Path:
        """Write the draft for editing, by suffix: ``.xlsx``, ``.csv`` (UTF-8 with BOM), ``.toml``.

        The Excel file has a ``settings`` sheet with the codebook-wide missing codes;
        in a CSV they are written in each item's ``missing`` cell.

        Raises
        ------
        CodebookError
            For another suffix.
        """
        p = Path(path)
        ext = p.suffix.lower()
        if ext == ".xlsx":
            return atomic_write(p, self._write_xlsx)
        if ext == ".csv":
            frame = self.frame.copy()
            codes = self._codes_text()
            if codes:
                is_item = frame["role"] == "item"
                frame.loc[is_item, "missing"] = [
                    ";".join(dict.fromkeys(x for x in f"{codes};{m or ''}".split(";") if x))
                    for m in frame.loc[is_item, "missing"]
                ]
            return atomic_write(
                p,
                lambda t: frame.to_csv(t, index=False, encoding="utf-8-sig", lineterminator="\n"),
            )
        if ext == ".toml":
            return atomic_write(p, lambda t: t.write_text(self._toml(), encoding="utf-8"))
        raise CodebookError(
            "the codebook draft cannot be written with this suffix",
            file=str(p),
            found=ext or "(no extension)",
            expected=".xlsx, .csv or .toml",
            fix="name the output codebook.xlsx (to edit in Excel), .csv or .toml",
        )

    def _write_xlsx(self, target: Path) -> None:
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "items"
        sheet.append(list(self.frame.columns))
        for row in self.frame.itertuples(index=False):
            sheet.append([_cell(v) for v in row])
        # text that Excel would read as a formula stays text
        for row_cells in sheet.iter_rows(min_row=2):
            for cell in row_cells:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
        settings = book.create_sheet("settings")
        settings.append(["key", "value"])
        settings.append(["missing_codes", self._codes_text()])
        settings.append(["source", self.source])
        settings.append(["layout", self.layout])
        notes = book.create_sheet("notes")
        notes.append(["note"])
        for note in self.notes:
            notes.append([note])
        book.save(target)

    def _toml(self) -> str:
        lines = [
            f"# codebook draft of {_toml_str(self.source)} (layout {self.layout}); edit it",
            *(f"# {n}" for n in self.notes),
            f"name = {_toml_str(Path(self.source).stem)}",
            "missing_codes = ["
            + ", ".join(
                f"{c:g}" if isinstance(c, float) else _toml_str(str(c)) for c in self.missing_codes
            )
            + "]",
            "",
        ]
        roles = self.frame[self.frame["role"] != "item"]
        if len(roles):
            lines.append("[columns]")
            for _, r in roles.iterrows():
                lines.append(
                    f"{_toml_str(r['item'])} = {{ role = {_toml_str(r['role'])}, "
                    f"column = {_toml_str(r['column'])} }}"
                )
            lines.append("")
        for _, r in self.frame[self.frame["role"] == "item"].iterrows():
            lines.append("[[items]]")
            for key in ("item", "column", "construct", "min", "max", "reverse", "text", "text_zh"):
                value = r[key]
                if value is None or (isinstance(value, float) and math.isnan(value)):
                    continue
                if isinstance(value, bool):
                    lines.append(f"{key} = {'true' if value else 'false'}")
                elif isinstance(value, (int, float)):
                    lines.append(f"{key} = {value:g}")
                else:
                    lines.append(f"{key} = {_toml_str(str(value))}")
            if r["missing"]:
                lines.append(f"missing_codes = {_toml_list(str(r['missing']))}")
            labels = [
                (lang, r[col])
                for lang, col in (("en", "value_labels"), ("zh", "value_labels_zh"))
                if r[col]
            ]
            if labels:
                inner = ", ".join(f"{lang} = {_toml_str(spec)}" for lang, spec in labels)
                lines.append(f"value_labels = {{ {inner} }}")
            lines.append("")
        return "\n".join(lines)


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _toml_str(text: object) -> str:
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _toml_list(codes: str) -> str:
    parts = []
    for part in (p.strip() for p in codes.split(";") if p.strip()):
        try:
            parts.append(f"{float(part):g}")
        except ValueError:
            parts.append(_toml_str(part))
    return "[" + ", ".join(parts) + "]"


def _numbers(values: list[object]) -> list[float] | None:
    """The cells as numbers, or None if any is not a number."""
    out = []
    for v in values:
        if isinstance(v, bool):
            return None
        if isinstance(v, (int, float)):
            out.append(float(v))
            continue
        try:
            out.append(float(str(v).strip()))
        except ValueError:
            return None
    return out


@dataclass
class _Column:
    header: str
    text: str
    role: str = "item"
    code: str = ""
    scale: tuple[str, ...] | None = None  # a Likert wording
    observed: set[str] = field(default_factory=set)  # normalized text answers
    numbers: list[float] | None = None
    missing: list[float | str] = field(default_factory=list)
    labels: dict[float, str] = field(default_factory=dict)  # file value labels
    lo: float | None = None
    hi: float | None = None
    block: object = None
    construct: str = ""


def _profile(col: _Column, values: list[object], file_missing: tuple[float, ...]) -> None:
    answers: list[object] = []
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        if isinstance(v, str):
            text = v.strip()
            if text in TEXT_MISSING:
                if text not in col.missing:
                    col.missing.append(text)
                continue
            if text in NA_TOKENS:
                continue
        answers.append(v)
    numbers = _numbers(answers)
    if numbers is not None:
        codes = [x for x in numbers if x < 0 or x in file_missing]
        for c in sorted(set(codes)):
            if c not in col.missing:
                col.missing.append(c)
        col.numbers = [x for x in numbers if x not in codes]
        return
    col.observed = {normalize_label(str(a)) for a in answers}


def _likert_numbers(col: _Column) -> bool:
    """Whole numbers on a rating scale: 0 or 1 up to 4..11, at least three values used.

    Two or three categories (gender 1/2, a platform 1/2/3) are taken for a covariate.
    """
    labelled = [k for k in col.labels if k not in col.missing]
    if labelled:
        whole = all(float(k).is_integer() for k in labelled)
        return whole and len(labelled) >= 4 and 0 <= min(labelled) and max(labelled) <= 11
    nums = col.numbers
    if not nums:
        return False
    whole = all(float(x).is_integer() for x in nums)
    top = max(nums)
    return whole and min(nums) >= 0 and 4 <= top <= 11 and len(set(nums)) >= 3


def _wording_for(observed: set[str]) -> tuple[str, ...] | None:
    fits = [w for w in LIKERT_WORDINGS if observed and observed <= {normalize_label(x) for x in w}]
    if not fits:
        return None
    return min(fits, key=len)


def draft_codebook(
    path: str | Path, *, sheet: str | int | None = None, encoding: str | None = None
) -> CodebookDraft:
    """Draft a codebook from a survey platform's export, for the user to edit.

    Parameters
    ----------
    path : str or Path
        The export: 问卷星 or 腾讯问卷 Excel/CSV, Qualtrics CSV, SPSS .sav, or any file
        :func:`~loyaltysem.read_survey` reads.
    sheet : str or int, optional
        Excel sheet with the responses (default: the first).
    encoding : str, optional
        Text encoding of a CSV (detected when omitted).

    Returns
    -------
    CodebookDraft
        One row per column with the header as exported in ``column``, a suggested
        short code in ``item``, a role, a construct per block (``C1``, ``C2``, ...:
        one per matrix question, or per run of consecutive questions on one
        scale), the scale (``min``, ``max``) and labels found, ``text``/``text_zh``
        (the question wording; ``text_zh`` when it contains Chinese), and the
        missing-value codes seen. ``.layout`` names the platform, ``.notes`` say what
        to check. An unrecognised layout still gets a draft, every column listed.

    Raises
    ------
    SurveyDataError
        The file cannot be read.

    Notes
    -----
    Scales are detected from the answers: text answers must all be wordings of one
    agreement scale (问卷星's 5- and 7-point 非常不同意 … 非常同意 and variants, or the
    English ones), numbered 1 to k; numeric answers are whole numbers from 0 or 1 up
    to at most 11, and the scale's top is taken as the smallest of 5, 7, 10, 11 that
    holds every answer in the block. SPSS value labels, where present, give the scale.
    Negative numbers and 问卷星's ``(跳过)``/``(空)`` are listed as missing-value codes.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> frame = pd.DataFrame({"序号": [1, 2, 3], "所用时间": ["230秒", "95秒", "41秒"],
    ...     "提交答卷时间": ["2026/11/02 10:00:00"] * 3,
    ...     "1(该平台口碑很好)": ["同意", "非常同意", "(跳过)"],
    ...     "1(该平台值得信赖)": ["一般", "非常同意", "不同意"]})
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "wjx.csv"
    >>> frame.to_csv(path, index=False)
    >>> draft = draft_codebook(path)
    >>> draft.layout
    'wjx'
    >>> draft.frame[["item", "role", "construct", "min", "max"]]
            item      role construct  min  max
    0         id        id            NaN  NaN
    1   duration  duration            NaN  NaN
    2  submitted       end            NaN  NaN
    3       C1_1      item        C1  1.0  5.0
    4       C1_2      item        C1  1.0  5.0
    >>> draft.missing_codes
    ('(跳过)',)
    >>> draft.to_codebook().column_of["C1_1"]
    '1(该平台口碑很好)'
    """
    p = Path(path)
    table = read_raw(p, sheet=sheet, encoding=encoding)
    notes: list[str] = []
    question_texts: dict[str, str] = {}
    extra = qualtrics_header_rows(table)
    if extra:
        first = table.frame.iloc[0].tolist()
        question_texts = {
            str(h): str(t) for h, t in zip(table.frame.columns, first, strict=True) if t
        }
        table = skip_header_rows(table, extra, "Qualtrics question texts / ImportId tags")
        notes.append(
            f"skipped {extra} extra header row(s) (question texts, ImportId tags); "
            "read_survey skips them too"
        )
    layout = detect_layout(table, suffix=p.suffix)
    if layout == "unknown":
        known = "; ".join(f"{k}: {v}" for k, v in KNOWN_LAYOUTS.items())
        notes.append(
            "the layout was not recognised: every column is listed, roles are guessed from "
            f"the answers only; check each row. Known layouts: {known}"
        )
    else:
        notes.append(f"layout recognised: {KNOWN_LAYOUTS[layout]}")
    if layout == "spss":
        question_texts = _variable_labels(p)
    columns = _columns(table, layout, question_texts)
    _assign_blocks(columns)
    frame = _frame(columns)
    codes = _global_codes(columns)
    n_items = int((frame["role"] == "item").sum())
    blocks = list(dict.fromkeys(frame.loc[frame["role"] == "item", "construct"]))
    shown_blocks = ", ".join(blocks[:12]) + (" ..." if len(blocks) > 12 else "")
    notes.append(
        f"{n_items} item column(s) in {len(blocks)} block(s) ({shown_blocks}): name the "
        "constructs (e.g. REP, TRU) and the item codes (REP1, REP2, ...), and mark reverse-keyed "
        "items with reverse = true"
    )
    if codes:
        shown = ", ".join(f"{c:g}" if isinstance(c, float) else str(c) for c in codes)
        notes.append(f"missing-value codes seen in the answers: {shown}")
    covariates = frame.loc[frame["role"] == "covariate", "column"].tolist()
    if covariates:
        notes.append(
            f"covariate columns (set role to group to compare groups): {covariates[:8]}"
            + (" ..." if len(covariates) > 8 else "")
        )
    guessed = [c.header for c in columns if c.role == "item" and c.scale is None and not c.labels]
    if guessed:
        notes.append(
            f"scales of {len(guessed)} numeric item(s) were inferred from the answers: check "
            "min and max against the questionnaire"
        )
    return CodebookDraft(
        frame=frame,
        layout=layout,
        notes=tuple(notes),
        missing_codes=codes,
        source=str(p),
    )


def _variable_labels(path: Path) -> dict[str, str]:
    """SPSS variable labels (the question wording), read from the file's dictionary."""
    import pyreadstat

    _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    return {str(k): str(v) for k, v in (meta.column_names_to_labels or {}).items() if v is not None}


def _columns(table: RawTable, layout: str, question_texts: Mapping[str, str]) -> list[_Column]:
    out: list[_Column] = []
    used: set[str] = set()
    for pos, header in enumerate(table.frame.columns):
        header = str(header)
        text = question_texts.get(header, "")
        if text and " - " in text:
            text = text.rsplit(" - ", 1)[1]
        text = text or strip_number(header)
        col = _Column(header=header, text=text.strip())
        meta = metadata_role(layout, header)
        values = table.frame[header].tolist()
        col.labels = dict(table.value_labels.get(header, {}))
        _profile(col, values, table.missing_codes.get(header, ()))
        if meta is not None:
            col.role, col.code = meta
        elif col.observed and (wording := _wording_for(col.observed)) is not None:
            col.scale = wording
        elif _likert_numbers(col):
            pass
        else:
            col.role = "covariate"
        if not col.code:
            key = question_key(header)
            if col.role == "item":
                col.code = ""  # assigned per block
            elif _ASCII_NAME.match(header):
                col.code = header
            elif key is not None:
                col.code = f"Q{key.number}" + (f"_{key.sub}" if key.sub else "")
            else:
                col.code = f"V{pos + 1}"
        if col.code:
            base, k = col.code, 2
            while col.code in used:
                col.code = f"{base}_{k}"
                k += 1
            used.add(col.code)
        out.append(col)
    return out


def _scale_key(col: _Column) -> object:
    if col.scale is not None:
        return ("text", len(col.scale))
    if col.labels:
        return ("labels", min(col.labels), max(col.labels))
    top = max(col.numbers or [0.0])
    return ("numbers", next((s for s in _SCALES if s >= top), top))


def _assign_blocks(columns: list[_Column]) -> None:
    items = [c for c in columns if c.role == "item"]
    previous: _Column | None = None
    block = 0
    for col in items:
        key = question_key(col.header)
        code = _CODE_NAME.match(col.header)
        if key is not None and (key.sub is not None or key.sub_text is not None):
            tag: object = ("matrix", key.number)
        elif code is not None:
            tag = ("name", code.group(1))
        else:
            tag = ("run", _scale_key(col))
        same = previous is not None and previous.block == tag
        if not same or (tag[0] == "run" and _scale_key(previous) != _scale_key(col)):  # type: ignore[arg-type]
            block += 1
        col.block = tag
        col.construct = f"C{block}"
        previous = col
    # one scale per block: the union of the block's answers
    by_block: dict[str, list[_Column]] = {}
    for col in items:
        by_block.setdefault(col.construct, []).append(col)
    for construct, cols in by_block.items():
        observed = set().union(*(c.observed for c in cols))
        wording = _wording_for(observed) if observed else None
        labelled = [c for c in cols if c.labels]
        numbers = [x for c in cols for x in (c.numbers or [])]
        named = all(isinstance(c.block, tuple) and c.block[0] == "name" for c in cols)
        for k, col in enumerate(cols, start=1):
            if named:
                # short codes already (SPSS REP1, REP2): keep them, the prefix is the construct
                col.code = col.header
                col.construct = str(col.block[1])  # type: ignore[index]
            else:
                col.code = f"{construct}_{k}"
            if wording is not None:
                col.scale = wording
                col.lo, col.hi = 1.0, float(len(wording))
            elif labelled:
                keys = [k for c in labelled for k in c.labels if k not in c.missing]
                col.lo, col.hi = min(keys), max(keys)
            elif numbers:
                top = max(numbers)
                col.lo = 0.0 if min(numbers) == 0 else 1.0
                col.hi = float(next((s for s in _SCALES if s >= top), top))


def _frame(columns: list[_Column]) -> pd.DataFrame:
    rows = []
    for col in columns:
        labels_en = labels_zh = ""
        if col.scale is not None:
            spec = "; ".join(f"{k}={lab}" for k, lab in enumerate(col.scale, start=1))
            if has_cjk(col.scale[0]):
                labels_zh = spec
            else:
                labels_en = "; ".join(
                    f"{k}={lab.capitalize()}" for k, lab in enumerate(col.scale, start=1)
                )
        elif col.labels and col.role == "item":
            kept = {k: v for k, v in col.labels.items() if k not in col.missing}
            spec = "; ".join(f"{k:g}={v}" for k, v in sorted(kept.items()))
            if any(has_cjk(v) for v in kept.values()):
                labels_zh = spec
            else:
                labels_en = spec
        is_item = col.role == "item"
        rows.append(
            {
                "item": col.code,
                "column": col.header,
                "role": col.role,
                "construct": col.construct if is_item else "",
                "min": col.lo if is_item else None,
                "max": col.hi if is_item else None,
                "reverse": False if is_item else None,
                "text": "" if has_cjk(col.text) else col.text,
                "text_zh": col.text if has_cjk(col.text) else "",
                "missing": ";".join(
                    f"{m:g}" if isinstance(m, float) else str(m) for m in col.missing
                )
                if is_item
                else "",
                "value_labels": labels_en,
                "value_labels_zh": labels_zh,
            }
        )
    frame = pd.DataFrame(rows, columns=list(DRAFT_COLUMNS))
    frame["min"] = frame["min"].astype("float64")
    frame["max"] = frame["max"].astype("float64")
    frame["reverse"] = frame["reverse"].astype(object)
    return frame


def _global_codes(columns: list[_Column]) -> tuple[float | str, ...]:
    """Missing codes seen in item columns, numeric first (written codebook-wide)."""
    seen: list[float | str] = []
    for col in columns:
        if col.role != "item":
            continue
        for code in col.missing:
            if code not in seen:
                seen.append(code)
    numbers = sorted(c for c in seen if isinstance(c, float))
    return (*numbers, *(c for c in seen if isinstance(c, str)))
