"""The codebook: which column is which item, what it measures, its scale and keying.

A codebook is the data contract between a questionnaire file and the rest of
loyaltysem. Researchers edit it as CSV or Excel (one row per item); it may also be
written as TOML, YAML, JSON or a Python dict. Everything in the data that the
codebook does not explain is an error that names it, never a silent guess.
"""

from __future__ import annotations

import json
import math
import os
import re
import reprlib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import pandas as pd

from loyaltysem.errors import CodebookError

__all__ = ["ROLES", "Codebook", "Construct", "Item", "normalize_label"]

ItemType = Literal["likert", "continuous"]
#: Roles a non-item column may play. ``id`` identifies respondents (must be unique),
#: ``group`` splits them (wave, platform, gender), ``covariate`` is kept as data,
#: ``duration`` (time taken, as exported: ``230``, ``230秒``, ``3分50秒``), ``start`` and
#: ``end`` (submission times) are kept for the speeder screen, ``ignore`` is read but not kept.
ROLES = ("id", "group", "covariate", "duration", "start", "end", "ignore")

_TRUE = {"true", "t", "yes", "y", "1", "1.0", "r", "reverse", "reversed", "是", "反向"}
_FALSE = {"false", "f", "no", "n", "0", "0.0", "", "否", "正向"}
_ITEM_COLUMNS = ("item", "construct", "min", "max", "reverse", "text", "text_zh", "column")


def normalize_label(label: str) -> str:
    """Normalize a value label for matching answers to labels.

    Unicode NFKC (full-width to half-width), case folding, and collapsed
    white space. Nothing else: ``"Agree"`` and ``"Strongly agree"`` stay different.

    Examples
    --------
    >>> normalize_label("  Strongly   AGREE ")
    'strongly agree'
    >>> normalize_label("非常同意") == normalize_label(" 非常同意 ")
    True
    """
    text = unicodedata.normalize("NFKC", str(label))
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Item:
    """One questionnaire item (one column of the survey file).

    Parameters
    ----------
    name : str
        Column name in the data file.
    construct : str
        Code of the construct the item measures (e.g. ``"TRU"``).
    type : {"likert", "continuous"}
        ``likert`` answers are integers from ``min`` to ``max``; ``continuous``
        answers are any number (``min``/``max`` optional bounds).
    min, max : float or None
        Scale end points. Reverse keying maps ``x`` to ``min + max - x``.
    reverse : bool
        Whether the item is reverse-keyed.
    text, text_zh : str
        Item wording in English and Chinese.
    value_labels : mapping of normalized label to value
        Text answers this item accepts, in addition to the codebook-wide labels.
    missing_codes : tuple of float
        Codes meaning "no answer" for this item, in addition to the codebook-wide ones.
    missing_text : tuple of str
        Text codes meaning "no answer" for this item (``(跳过)``, ``不适用``), as
        written; answers are matched to them after ``normalize_label()``.
    column : str
        The column as the survey platform exported it (``4. 该平台口碑很好``,
        ``Q4_1``) or its question number (``4``, ``Q7_1``, ``7(1)``); blank when the
        data column is called ``name``. The column is renamed to ``name`` when read.
    """

    name: str
    construct: str
    type: ItemType = "likert"
    min: float | None = None
    max: float | None = None
    reverse: bool = False
    text: str = ""
    text_zh: str = ""
    value_labels: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    missing_codes: tuple[float, ...] = ()
    missing_text: tuple[str, ...] = ()
    column: str = ""

    def reverse_code(self, values: Any) -> Any:
        """Return ``min + max - values`` if the item is reverse-keyed, else ``values``."""
        if not self.reverse or self.min is None or self.max is None:
            # Codebook construction guarantees min and max for reverse-keyed items.
            return values
        return self.min + self.max - values


@dataclass(frozen=True)
class Construct:
    """A construct (latent variable) with its labels."""

    code: str
    label: str = ""
    label_zh: str = ""


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _parse_number(
    value: object, *, what: str, file: str | None, row: int | None, column: str, item: str | None
) -> float | None:
    if _is_blank(value):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        raise CodebookError(
            f"{what} of item {item!r} is not a number" if item else f"{what} is not a number",
            file=file,
            row=row,
            column=column,
            found=value,
            expected="a number such as 1 or 7",
            fix=f"write a plain number in the {column!r} column",
        ) from None
    if not math.isfinite(number):
        raise CodebookError(
            f"{what} must be finite",
            file=file,
            row=row,
            column=column,
            found=value,
            expected="a finite number",
            fix=f"write a plain number in the {column!r} column",
        )
    return number


def _parse_bool(
    value: object, *, file: str | None, row: int | None, column: str, item: str
) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    text = "" if _is_blank(value) else normalize_label(str(value))
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CodebookError(
        f"the reverse flag of item {item!r} is not true or false",
        file=file,
        row=row,
        column=column,
        found=value,
        expected="true/false, yes/no, 1/0 (blank means false)",
        fix="write true for reverse-keyed items and false (or leave blank) otherwise",
    )


def _parse_codes(
    value: object, *, file: str | None, row: int | None, column: str, item: str | None
) -> tuple[float | str, ...]:
    """Parse missing-value codes: numbers (``-99``) and text codes (``(跳过)``, ``不适用``).

    A part that reads as a finite number is a numeric code; any other text is a text
    code, kept as written (stripped). Lists may mix both; a string is split at ``;``
    ``,`` and ``|``.
    """
    if _is_blank(value):
        return ()
    if isinstance(value, (list, tuple)):
        parts: list[object] = list(value)
    elif isinstance(value, (int, float)):
        parts = [value]
    else:
        parts = [p for p in re.split(r"[;,|]", str(value)) if p.strip()]
    codes: list[float | str] = []
    for part in parts:
        if _is_blank(part):
            continue
        if isinstance(part, bool) or not isinstance(part, (int, float, str)):
            raise CodebookError(
                "a missing-value code is neither a number nor text",
                file=file,
                row=row,
                column=column,
                found=part,
                expected="numbers such as -99 or text codes such as (跳过)",
                fix="write each code as a number or as the text the export uses",
            )
        if isinstance(part, str):
            try:
                number = float(part.strip())
            except ValueError:
                codes.append(part.strip())
                continue
            if not math.isfinite(number):
                codes.append(part.strip())
                continue
            codes.append(number)
            continue
        parsed = _parse_number(
            part, what="missing-value code", file=file, row=row, column=column, item=item
        )
        if parsed is not None:
            codes.append(parsed)
    return tuple(codes)


def _split_codes(codes: Iterable[float | str]) -> tuple[tuple[float, ...], tuple[str, ...]]:
    """Split parsed codes into numeric codes and text codes (order kept, no repeats)."""
    numbers: list[float] = []
    texts: list[str] = []
    for code in codes:
        if isinstance(code, str):
            if code not in texts:
                texts.append(code)
        elif float(code) not in numbers:
            numbers.append(float(code))
    return tuple(numbers), tuple(texts)


def _parse_label_spec(
    value: object, *, file: str | None, row: int | None, column: str, item: str | None
) -> dict[float, str]:
    """Parse ``"1=Strongly disagree; 7=Strongly agree"`` or a mapping into value → label."""
    if _is_blank(value):
        return {}
    if isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        pairs = []
        for part in re.split(r"[;|\n]", str(value)):
            if not part.strip():
                continue
            if "=" not in part:
                raise CodebookError(
                    "a value label is not written as value=label",
                    file=file,
                    row=row,
                    column=column,
                    found=part.strip(),
                    expected="value=label pairs separated by ';', e.g. '1=Strongly disagree; "
                    "7=Strongly agree'",
                    fix="write each label as number=text",
                )
            key, label = part.split("=", 1)
            pairs.append((key, label))
    out: dict[float, str] = {}
    for key, label in pairs:
        number = _parse_number(
            key, what="value-label value", file=file, row=row, column=column, item=item
        )
        if number is None or _is_blank(label):
            raise CodebookError(
                "a value label has an empty value or text",
                file=file,
                row=row,
                column=column,
                found=f"{key}={label}",
                expected="value=label with both parts present",
                fix="complete or delete the pair",
            )
        out[number] = str(label).strip()
    return out


def _label_lookup(
    labels_by_language: Mapping[str, Mapping[float, str]], *, file: str | None, where: str
) -> dict[str, float]:
    lookup: dict[str, float] = {}
    for language, mapping in labels_by_language.items():
        for value, label in mapping.items():
            key = normalize_label(label)
            if key in lookup and lookup[key] != value:
                raise CodebookError(
                    f"the value label {label!r} ({language}) stands for two values in {where}",
                    file=file,
                    found=f"{lookup[key]:g} and {value:g}",
                    expected="each label to name exactly one value",
                    fix="make the labels distinct",
                )
            lookup[key] = float(value)
    return lookup


#: A codebook file larger than this is not a codebook (a survey has at most a few
#: thousand items); nesting deeper than _MAX_DEPTH or more than _MAX_NODES values once
#: YAML aliases are expanded is refused before anything is built from it.
_MAX_BYTES = 20_000_000
_MAX_DEPTH = 32
_MAX_NODES = 1_000_000


def _check_size(path: Path, kind: str) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CodebookError(
            f"the {kind} codebook cannot be read",
            file=str(path),
            found=exc.strerror or type(exc).__name__,
            expected="a readable file",
            fix="check the path and its permissions",
        ) from None
    if size > _MAX_BYTES:
        raise CodebookError(
            f"the {kind} codebook is too large to be a codebook",
            file=str(path),
            found=f"{size:,} bytes",
            expected=f"at most {_MAX_BYTES:,} bytes",
            fix="check that the path names the codebook, not the data",
        )


def _too_deep(path: Path, kind: str) -> CodebookError:
    return CodebookError(
        f"the {kind} codebook is nested too deeply",
        file=str(path),
        expected=f"at most {_MAX_DEPTH} levels (items, their labels, ...)",
        fix="see docs/codebook.md for the layout",
    )


def _load_yaml_bounded(text: str, path: Path) -> Any:
    """``yaml.safe_load`` with limits: depth, and values counted with aliases expanded.

    A few hundred bytes of nested aliases ("billion laughs") expand to more values than
    memory holds; the node graph is measured (each node once, sizes memoised) before any
    Python object is built from it.
    """
    import yaml

    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise _too_deep(path, "YAML") from None
        if node is None:
            return None
        sizes: dict[int, int] = {}
        stack: list[tuple[yaml.Node, int, bool]] = [(node, 1, False)]
        while stack:  # post-order, iterative: no recursion on hostile input
            current, depth, done = stack.pop()
            if depth > _MAX_DEPTH:
                raise _too_deep(path, "YAML")
            if isinstance(current, yaml.ScalarNode):
                sizes[id(current)] = 1
                continue
            children = (
                [c for pair in current.value for c in pair]
                if isinstance(current, yaml.MappingNode)
                else list(current.value)
            )
            if done:
                sizes[id(current)] = 1 + sum(sizes[id(c)] for c in children)
                if sizes[id(current)] > _MAX_NODES:
                    raise CodebookError(
                        "the YAML codebook expands to too many values",
                        file=str(path),
                        found=f"more than {_MAX_NODES:,} values once its aliases are expanded",
                        expected="a codebook (anchors and aliases used sparingly)",
                        fix="write the repeated parts out, or use CSV/Excel/TOML",
                    )
            elif id(current) not in sizes:
                stack.append((current, depth, True))
                stack.extend((c, depth + 1, False) for c in children if id(c) not in sizes)
        try:
            return loader.construct_document(node)
        except RecursionError:
            raise _too_deep(path, "YAML") from None
    finally:
        loader.dispose()


class _Found:
    """A value shown in a message: shortened, and safe for any nesting depth."""

    _repr = reprlib.Repr()
    _repr.maxlevel = 3
    _repr.maxstring = 60
    _repr.maxother = 60

    def __init__(self, value: object) -> None:
        try:
            self.text = self._repr.repr(value)
        except Exception:  # a hostile __repr__: show the type only
            self.text = f"<{type(value).__name__}>"

    def __repr__(self) -> str:
        return self.text


_SCALARS = (str, int, float)
#: item fields that hold text (a name, a code, a wording) and fields that hold numbers
_TEXT_FIELDS = ("item", "construct", "type", "text", "text_zh", "column", "label")
_NUMBER_FIELDS = ("min", "max")


def _kind(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (int, float)):
        return "a number"
    return type(value).__name__


def _malformed(
    path: str, value: object, expected: str, fix: str, *, source: str | None
) -> CodebookError:
    return CodebookError(
        f"{path} is {_kind(value)}",
        file=source,
        column=path,
        found=_Found(value),
        expected=expected,
        fix=fix,
    )


def _check_keys(mapping: Mapping[Any, Any], path: str, *, source: str | None) -> None:
    """Every key of a mapping is text (YAML and Python dicts allow other keys)."""
    for key in mapping:
        if not isinstance(key, str) or isinstance(key, bool):
            raise CodebookError(
                f"{path} has a key that is not text",
                file=source,
                column=f"{path}[{_Found(key)!r}]",
                found=_Found(key),
                expected="text keys (names of fields, items, constructs, columns or languages)",
                fix="write the key as text (in quotes in YAML/TOML/JSON)",
            )


def _check_scalar(
    value: object, path: str, *, source: str | None, text: bool, blank: bool = True
) -> None:
    """A field holds one value: text or a number (blank allowed unless ``blank=False``)."""
    if value is None and blank:
        return
    if isinstance(value, bool) or not isinstance(value, _SCALARS):
        what = "text, such as a name or a code" if text else "a number or text"
        raise _malformed(
            path,
            value,
            f"{what}" + (" (or nothing)" if blank else ""),
            "write a single value" + (" in quotes" if text else ""),
            source=source,
        )


def _check_labels(value: object, path: str, *, source: str | None, nested: bool) -> None:
    """Value labels: ``{"1": "Never", ...}`` or ``"1=Never; 7=Always"``; by language if nested."""
    if value is None or isinstance(value, str):
        return
    if not isinstance(value, Mapping):
        raise _malformed(
            path,
            value,
            "language → {value: label}" if nested else "{value: label} or 'value=label; ...'",
            'write e.g. value_labels = {en = {"1" = "Never", "7" = "Always"}}',
            source=source,
        )
    if nested:
        _check_keys(value, path, source=source)
        for lang, spec in value.items():
            _check_labels(spec, f"{path}.{lang}", source=source, nested=False)
        return
    for key, label in value.items():
        where = f"{path}[{_Found(key)!r}]"
        _check_scalar(key, where, source=source, text=False, blank=False)
        _check_scalar(label, where, source=source, text=False, blank=False)


def _check_codes(value: object, path: str, *, source: str | None) -> None:
    if isinstance(value, (list, tuple)):
        for pos, code in enumerate(value):
            _check_scalar(code, f"{path}[{pos}]", source=source, text=False)
        return
    _check_scalar(value, path, source=source, text=False)


def _check_structure(data: object, source: str | None) -> None:
    """Check the shape of a codebook dict before anything is built from it.

    Each malformed part raises a :class:`CodebookError` whose ``column`` is its key path
    (``items[3].min``, ``columns.gender``, ``value_labels.en``), so that no TypeError or
    AttributeError escapes on a dict of any shape.
    """
    if not isinstance(data, Mapping):
        raise _malformed(
            "the codebook",
            data,
            "a mapping with keys such as items, constructs, missing_codes",
            "see docs/codebook.md for the layout",
            source=source,
        )
    _check_keys(data, "the codebook", source=source)
    raw_items = data.get("items")
    if not isinstance(raw_items, (list, tuple)) or not raw_items:
        raise CodebookError(
            "the codebook lists no items",
            file=source,
            column="items",
            found=_Found(raw_items),
            expected="a non-empty list 'items' of {item, construct, min, max, reverse}",
            fix="add one entry per questionnaire item",
        )
    for pos, entry in enumerate(raw_items):
        path = f"items[{pos}]"
        if not isinstance(entry, Mapping):
            raise _malformed(
                path,
                entry,
                "{item: ..., construct: ..., min: ..., max: ...}",
                "write each item as a table/mapping",
                source=source,
            )
        _check_keys(entry, path, source=source)
        for field_name in (*_TEXT_FIELDS, *_NUMBER_FIELDS):
            if field_name in entry:
                _check_scalar(
                    entry[field_name],
                    f"{path}.{field_name}",
                    source=source,
                    text=field_name in _TEXT_FIELDS,
                )
        if not isinstance(entry.get("reverse"), bool):  # true/false, or 1/0, yes/no
            _check_scalar(entry.get("reverse"), f"{path}.reverse", source=source, text=False)
        if "value_labels" in entry:
            _check_labels(entry["value_labels"], f"{path}.value_labels", source=source, nested=True)
        if "missing_codes" in entry:
            _check_codes(entry["missing_codes"], f"{path}.missing_codes", source=source)
    constructs = data.get("constructs")
    if constructs is not None:
        if not isinstance(constructs, Mapping):
            raise _malformed(
                "constructs",
                constructs,
                "construct code → {label, label_zh}",
                "write constructs as a table keyed by construct code",
                source=source,
            )
        _check_keys(constructs, "constructs", source=source)
        for code, spec in constructs.items():
            if spec is None:
                continue
            if not isinstance(spec, Mapping):
                raise _malformed(
                    f"constructs.{code}",
                    spec,
                    "{label = ..., label_zh = ...}",
                    "write the construct's labels as a table",
                    source=source,
                )
            _check_keys(spec, f"constructs.{code}", source=source)
            for key, label in spec.items():
                _check_scalar(label, f"constructs.{code}.{key}", source=source, text=True)
    columns = data.get("columns")
    if columns is not None:
        if not isinstance(columns, Mapping):
            raise _malformed(
                "columns",
                columns,
                'column → role, or column → {role = "id", column = "序号"}',
                "write columns as a table keyed by column name",
                source=source,
            )
        _check_keys(columns, "columns", source=source)
        for col, spec in columns.items():
            if isinstance(spec, Mapping):
                _check_keys(spec, f"columns.{col}", source=source)
                for key, value in spec.items():
                    _check_scalar(value, f"columns.{col}.{key}", source=source, text=True)
            elif not isinstance(spec, str):
                raise _malformed(
                    f"columns.{col}",
                    spec,
                    f"a role ({', '.join(ROLES)}) or {{role = ..., column = ...}}",
                    'write e.g. gender = "group"',
                    source=source,
                )
    for key in ("id_column", "name"):
        if key in data:
            _check_scalar(data[key], key, source=source, text=True)
    if "missing_codes" in data:
        _check_codes(data["missing_codes"], "missing_codes", source=source)
    labels = data.get("value_labels")
    if labels is not None:
        if not isinstance(labels, Mapping):
            raise _malformed(
                "value_labels",
                labels,
                "language (or group/covariate column) → {value: label}",
                'write e.g. value_labels = {en = {"1" = "Never", "7" = "Always"}}',
                source=source,
            )
        _check_keys(labels, "value_labels", source=source)
        for key, spec in labels.items():
            _check_labels(spec, f"value_labels.{key}", source=source, nested=False)


@dataclass(frozen=True)
class Codebook:
    """The data contract of a survey: items, constructs, scales, keying, labels, codes.

    Build one with :meth:`read` (CSV, Excel, TOML, YAML, JSON) or :meth:`from_dict`.

    Parameters
    ----------
    items : tuple of Item
        The questionnaire items, in codebook order.
    constructs : mapping of str to Construct
        Every construct named by an item, with its labels (English and Chinese).
    missing_codes : tuple of float
        Codes meaning "no answer" for every item (e.g. ``-99``, ``99``).
    missing_text : tuple of str
        Text codes meaning "no answer" for every item and for group and covariate
        columns (e.g. ``(跳过)``, ``不适用``), matched after ``normalize_label()``.
        In files and dicts they are written beside the numeric codes
        (``missing_codes = [-99, "(跳过)"]``).
    value_labels : mapping of language to mapping of value to label
        Labels shared by every Likert item, e.g. ``{"en": {1: "Strongly disagree", ...},
        "zh": {1: "非常不同意", ...}}``. Text answers are mapped to numbers through them.
    columns : mapping of column name to role
        Non-item columns and their roles (see ``ROLES``).
    role_columns : mapping of column name to exported column
        For non-item columns read under another name: the header as exported
        (``序号``, ``所用时间``) or its question number. See :attr:`column_of`.
    name : str
        Name of the instrument.
    source : str or None
        The file the codebook came from, used in error messages.
    column_labels : mapping of column name to mapping of value to label
        Value labels of group and covariate columns (``{"gender": {1: "男", 2: "女"}}``):
        the labels that name the groups in every table. They take precedence over the
        labels stored in an SPSS or Stata file.

    Examples
    --------
    >>> cb = Codebook.from_dict({
    ...     "missing_codes": [-99],
    ...     "value_labels": {"en": {1: "Strongly disagree", 7: "Strongly agree"}},
    ...     "constructs": {"LOY": {"label": "Loyalty", "label_zh": "忠诚度"}},
    ...     "items": [
    ...         {"item": "LOY1", "construct": "LOY", "min": 1, "max": 7},
    ...         {"item": "LOY4", "construct": "LOY", "min": 1, "max": 7, "reverse": True},
    ...     ],
    ... })
    >>> cb.item_names
    ['LOY1', 'LOY4']
    >>> cb.construct_items
    {'LOY': ['LOY1', 'LOY4']}
    >>> cb.reversed_items
    ['LOY4']
    """

    items: tuple[Item, ...]
    constructs: Mapping[str, Construct]
    missing_codes: tuple[float, ...] = ()
    value_labels: Mapping[str, Mapping[float, str]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    columns: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    name: str = ""
    source: str | None = None
    missing_text: tuple[str, ...] = ()
    role_columns: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    column_labels: Mapping[str, Mapping[float, str]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    # ------------------------------------------------------------------ queries
    @property
    def item_names(self) -> list[str]:
        """Item column names in codebook order."""
        return [it.name for it in self.items]

    @property
    def construct_items(self) -> dict[str, list[str]]:
        """Mapping of construct code to its item names, in codebook order."""
        out: dict[str, list[str]] = {}
        for it in self.items:
            out.setdefault(it.construct, []).append(it.name)
        return out

    @property
    def column_of(self) -> dict[str, str]:
        """Name (item code or role column) → the exported column it is read from.

        Only names whose codebook row gives a ``column`` are listed; the others are
        read from a data column of their own name (or matched by ``text``/``text_zh``).
        """
        out = {it.name: it.column for it in self.items if it.column}
        out.update(self.role_columns)
        return out

    @property
    def reversed_items(self) -> list[str]:
        """Names of reverse-keyed items."""
        return [it.name for it in self.items if it.reverse]

    @property
    def id_column(self) -> str | None:
        """The respondent identifier column, if the codebook names one."""
        for col, role in self.columns.items():
            if role == "id":
                return col
        return None

    @property
    def group_columns(self) -> list[str]:
        """Columns with role ``group`` (waves, platforms, gender...)."""
        return [c for c, r in self.columns.items() if r == "group"]

    def item(self, name: str) -> Item:
        """Return the item called ``name``.

        Raises
        ------
        CodebookError
            If the codebook has no such item.
        """
        for it in self.items:
            if it.name == name:
                return it
        raise CodebookError(
            f"the codebook has no item {name!r}",
            file=self.source,
            found=name,
            expected=f"one of {self.item_names}",
            fix="check the spelling or add the item to the codebook",
        )

    def construct_labels(self, language: str = "en") -> dict[str, str]:
        """Return construct code → label in ``language`` (``"en"`` or ``"zh"``).

        Falls back to the code where no label is given.
        """
        attr = "label" if language == "en" else f"label_{language}"
        return {code: (getattr(c, attr, "") or c.code) for code, c in self.constructs.items()}

    def label_lookup(self, item: str) -> dict[str, float]:
        """Return normalized text answer → value for ``item`` (codebook-wide + item labels)."""
        it = self.item(item)
        lookup = _label_lookup(self.value_labels, file=self.source, where="the codebook")
        lookup.update(it.value_labels)
        return lookup

    def to_frame(self) -> pd.DataFrame:
        """Return the items as a DataFrame with the CSV codebook columns."""
        rows = [
            {
                "item": it.name,
                "construct": it.construct,
                "type": it.type,
                "min": it.min,
                "max": it.max,
                "reverse": it.reverse,
                "text": it.text,
                "text_zh": it.text_zh,
                "column": it.column,
                "missing": ";".join([f"{c:g}" for c in it.missing_codes] + list(it.missing_text)),
            }
            for it in self.items
        ]
        return pd.DataFrame(rows).set_index("item")

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict that :meth:`from_dict` reads back to an equal codebook."""
        return {
            "name": self.name,
            "missing_codes": [*self.missing_codes, *self.missing_text],
            "columns": {
                col: {"role": role, "column": self.role_columns[col]}
                if col in self.role_columns
                else role
                for col, role in self.columns.items()
            },
            "value_labels": {
                key: {f"{v:g}": lab for v, lab in m.items()}
                for key, m in (*self.value_labels.items(), *self.column_labels.items())
            },
            "constructs": {
                c.code: {"label": c.label, "label_zh": c.label_zh} for c in self.constructs.values()
            },
            "items": [
                {
                    "item": it.name,
                    "construct": it.construct,
                    "type": it.type,
                    "min": it.min,
                    "max": it.max,
                    "reverse": it.reverse,
                    "text": it.text,
                    "text_zh": it.text_zh,
                    # label → value, as matched (read back by from_dict as one language)
                    "value_labels": {"normalized": dict(it.value_labels)}
                    if it.value_labels
                    else {},
                    "missing_codes": [*it.missing_codes, *it.missing_text],
                    **({"column": it.column} if it.column else {}),
                }
                for it in self.items
            ],
        }

    # ------------------------------------------------------------ constructors
    @classmethod
    def read(cls, path: str | Path, **options: Any) -> Codebook:
        """Read a codebook file, choosing the reader by extension.

        ``.csv``/``.tsv``/``.txt`` → :meth:`from_csv`; ``.xlsx``/``.xlsm`` →
        :meth:`from_excel`; ``.toml`` → :meth:`from_toml`; ``.yaml``/``.yml`` →
        :meth:`from_yaml`; ``.json`` → :meth:`from_json`.

        Raises
        ------
        CodebookError
            If the file is missing, of an unknown type, or malformed.
        """
        if not isinstance(path, (str, os.PathLike)):
            raise CodebookError(
                "the codebook path is not a file name",
                found=type(path).__name__,
                expected="a path (str or pathlib.Path) to a .csv, .xlsx, .toml, .yaml or .json "
                "codebook",
                fix="pass the codebook's path, or build it with Codebook.from_dict(...)",
            )
        p = Path(path)
        if not p.is_file():
            raise CodebookError(
                "the codebook file does not exist",
                file=str(p),
                expected="a path to a .csv, .xlsx, .toml, .yaml or .json codebook",
                fix="check the path",
            )
        ext = p.suffix.lower()
        readers = {
            ".csv": cls.from_csv,
            ".tsv": cls.from_csv,
            ".txt": cls.from_csv,
            ".xlsx": cls.from_excel,
            ".xlsm": cls.from_excel,
            ".toml": cls.from_toml,
            ".yaml": cls.from_yaml,
            ".yml": cls.from_yaml,
            ".json": cls.from_json,
        }
        if ext not in readers:
            raise CodebookError(
                "the codebook file type is not supported",
                file=str(p),
                found=ext or "(no extension)",
                expected=", ".join(sorted(readers)),
                fix="save the codebook as CSV, Excel, TOML, YAML or JSON",
            )
        return readers[ext](p, **options)

    @classmethod
    def from_toml(cls, path: str | Path) -> Codebook:
        """Read a TOML codebook (the shape of :meth:`from_dict`)."""
        try:
            import tomllib
        except ModuleNotFoundError:  # pragma: no cover - Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]
        p = Path(path)
        _check_size(p, "TOML")
        try:
            with p.open("rb") as fh:
                data = tomllib.load(fh)
        except RecursionError:
            raise _too_deep(p, "TOML") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise CodebookError(
                "the TOML codebook cannot be parsed",
                file=str(p),
                found=str(exc),
                expected="valid TOML",
                fix="correct the syntax at the position named",
            ) from None
        return cls.from_dict(data, source=str(p))

    @classmethod
    def from_yaml(cls, path: str | Path) -> Codebook:
        """Read a YAML codebook (``yaml.safe_load``; the shape of :meth:`from_dict`)."""
        import yaml

        p = Path(path)
        _check_size(p, "YAML")
        try:
            data = _load_yaml_bounded(p.read_text(encoding="utf-8"), p)
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise CodebookError(
                "the YAML codebook cannot be parsed",
                file=str(p),
                found=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                expected="valid YAML in UTF-8",
                fix="correct the syntax at the position named",
            ) from None
        if not isinstance(data, Mapping):
            raise CodebookError(
                "the YAML codebook is not a mapping",
                file=str(p),
                found=type(data).__name__,
                expected="top-level keys such as items, constructs, missing_codes",
                fix="see docs/codebook.md for the layout",
            )
        return cls.from_dict(data, source=str(p))

    @classmethod
    def from_json(cls, path: str | Path) -> Codebook:
        """Read a JSON codebook (the shape of :meth:`from_dict`)."""
        p = Path(path)
        _check_size(p, "JSON")
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except RecursionError:
            raise _too_deep(p, "JSON") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CodebookError(
                "the JSON codebook cannot be parsed",
                file=str(p),
                found=str(exc),
                expected="valid JSON in UTF-8",
                fix="correct the syntax at the position named",
            ) from None
        if not isinstance(data, Mapping):
            raise CodebookError(
                "the JSON codebook is not an object",
                file=str(p),
                found=type(data).__name__,
                expected="an object with keys such as items, constructs, missing_codes",
                fix="see docs/codebook.md for the layout",
            )
        return cls.from_dict(data, source=str(p))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> Codebook:
        """Build a codebook from a dict (the TOML/YAML/JSON layout).

        Keys: ``items`` (list of item dicts with ``item, construct, min, max,
        reverse, text, text_zh`` and optional ``type``, ``value_labels``,
        ``missing_codes``), ``constructs`` (code → ``{label, label_zh}``),
        ``missing_codes``, ``value_labels`` (language → value → label),
        ``columns`` (non-item column → role), ``id_column``, ``name``.

        Raises
        ------
        CodebookError
            Naming the item and field that is malformed.
        """
        _check_structure(data, source)
        known = {"items", "constructs", "missing_codes", "value_labels", "columns"}
        known |= {"id_column", "name", "description", "version", "scale"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise CodebookError(
                "the codebook has unknown top-level keys",
                file=source,
                found=unknown,
                expected=f"only {sorted(known)}",
                fix="remove or rename those keys",
            )
        raw_items = data.get("items")
        if not isinstance(raw_items, (list, tuple)) or not raw_items:
            raise CodebookError(
                "the codebook lists no items",
                file=source,
                found=raw_items,
                expected="a non-empty list 'items' of {item, construct, min, max, reverse}",
                fix="add one entry per questionnaire item",
            )
        records = []
        for pos, entry in enumerate(raw_items):
            if not isinstance(entry, Mapping):
                raise CodebookError(
                    f"item entry {pos + 1} is not a mapping",
                    file=source,
                    found=entry,
                    expected="{item: ..., construct: ..., min: ..., max: ...}",
                    fix="write each item as a table/mapping",
                )
            records.append((pos, dict(entry)))
        constructs = data.get("constructs") or {}
        if not isinstance(constructs, Mapping):
            raise CodebookError(
                "'constructs' is not a mapping",
                file=source,
                found=constructs,
                expected="construct code → {label, label_zh}",
                fix="write constructs as a table keyed by construct code",
            )
        raw_columns = data.get("columns") or {}
        if not isinstance(raw_columns, Mapping):
            raise CodebookError(
                "'columns' is not a mapping",
                file=source,
                found=raw_columns,
                expected='column → role, or column → {role = "id", column = "序号"}',
                fix="write columns as a table keyed by column name",
            )
        columns: dict[str, str] = {}
        role_columns: dict[str, str] = {}
        for col, spec in raw_columns.items():
            if isinstance(spec, Mapping):
                extra = sorted(set(spec) - {"role", "column"})
                if extra or _is_blank(spec.get("role")):
                    raise CodebookError(
                        f"column {col!r} is not described as role (and column)",
                        file=source,
                        column=str(col),
                        found=dict(spec),
                        expected='{role = "duration", column = "所用时间"}',
                        fix="give the role and, optionally, the header as exported",
                    )
                columns[str(col)] = normalize_label(str(spec["role"]))
                if not _is_blank(spec.get("column")):
                    role_columns[str(col)] = str(spec["column"]).strip()
            else:
                columns[str(col)] = spec
        id_column = data.get("id_column")
        if id_column:
            if columns.get(id_column, "id") != "id":
                raise CodebookError(
                    "id_column is also given another role under 'columns'",
                    file=source,
                    column=str(id_column),
                    found=columns[id_column],
                    expected="role 'id'",
                    fix="give the identifier column one role only",
                )
            columns[str(id_column)] = "id"
        # value_labels.<column> of a non-item column labels that column; any other key is
        # a language of the labels shared by the items
        labels = {
            str(key): _parse_label_spec(
                m, file=source, row=None, column=f"value_labels.{key}", item=None
            )
            for key, m in (data.get("value_labels") or {}).items()
        }
        return cls._build(
            records,
            constructs={str(k): v for k, v in constructs.items()},
            missing_codes=_parse_codes(
                data.get("missing_codes"), file=source, row=None, column="missing_codes", item=None
            ),
            value_labels={k: v for k, v in labels.items() if k not in columns},
            column_labels={k: v for k, v in labels.items() if k in columns},
            columns=columns,
            name=str(data.get("name", "")),
            source=source,
            row_of=lambda pos: None,
            field_of=lambda pos, name: f"items[{pos}].{name}",
            role_columns=role_columns,
        )

    @classmethod
    def from_csv(
        cls,
        path: str | Path,
        *,
        missing_codes: Iterable[float | str] = (),
        value_labels: Mapping[str, Mapping[float, str]] | None = None,
        columns: Mapping[str, str] | None = None,
        id_column: str | None = None,
        name: str = "",
        encoding: str | None = None,
    ) -> Codebook:
        """Read a CSV codebook: one row per item.

        Required columns: ``item``, ``construct``, ``min``, ``max``. Optional:
        ``reverse`` (true/false, blank = false), ``text``, ``text_zh``, ``type``
        (``likert``/``continuous``), ``role`` (``item`` or one of ``ROLES``, for
        non-item columns of the data), ``column`` (the header as the platform
        exported it, or its question number: the column is renamed to ``item`` when
        read), ``missing`` (item-specific codes such as ``-99;99`` or ``-99;(跳过)``),
        ``value_labels`` and ``value_labels_<lang>`` (``1=Strongly
        disagree; 7=Strongly agree``), ``construct_label``, ``construct_label_zh``.

        Row numbers in error messages are the lines of the CSV file (header = 1).
        """
        from loyaltysem.survey.io import read_table

        table = read_table(Path(path), encoding=encoding, what="codebook")
        return cls._from_table(
            table.frame,
            source=str(path),
            row_of=table.row_of,
            missing_codes=missing_codes,
            value_labels=value_labels,
            columns=columns,
            id_column=id_column,
            name=name,
        )

    @classmethod
    def from_excel(
        cls,
        path: str | Path,
        *,
        sheet: str | int | None = None,
        missing_codes: Iterable[float | str] = (),
        value_labels: Mapping[str, Mapping[float, str]] | None = None,
        columns: Mapping[str, str] | None = None,
        id_column: str | None = None,
        name: str = "",
    ) -> Codebook:
        """Read an Excel codebook.

        The item sheet is ``sheet`` if given, else a sheet named ``items`` or
        ``codebook``, else the first sheet; its columns are those of
        :meth:`from_csv`. Optional sheets: ``constructs`` (``construct, label,
        label_zh``), ``value_labels`` (``value`` and one column per language, e.g.
        ``en, zh``), ``settings`` (``key, value`` rows: ``missing_codes``,
        ``id_column``, ``name``).
        """
        from loyaltysem.survey.io import read_excel_sheets

        p = Path(path)
        sheets = read_excel_sheets(p)
        lower = {str(k).strip().lower(): k for k in sheets}
        if sheet is not None:
            key = sheet if sheet in sheets else None
            if isinstance(sheet, int) and 0 <= sheet < len(sheets):
                key = list(sheets)[sheet]
            if key is None:
                raise CodebookError(
                    "the codebook workbook has no such sheet",
                    file=str(p),
                    found=sheet,
                    expected=f"one of {list(sheets)}",
                    fix="pass the name of the sheet that lists the items",
                )
        else:
            key = lower.get("items", lower.get("codebook", next(iter(sheets))))
        table = sheets[key]
        labels = dict(value_labels or {})
        if "value_labels" in lower:
            vl = sheets[lower["value_labels"]].frame
            if "value" not in vl.columns:
                raise CodebookError(
                    "the value_labels sheet has no 'value' column",
                    file=f"{p} [value_labels]",
                    found=list(vl.columns),
                    expected="columns value, en, zh, ...",
                    fix="add a header row: value, en, zh",
                )
            for lang in [c for c in vl.columns if c != "value"]:
                spec = {
                    v: lab
                    for v, lab in zip(vl["value"], vl[lang], strict=True)
                    if not _is_blank(lab)
                }
                labels[str(lang)] = _parse_label_spec(
                    spec, file=f"{p} [value_labels]", row=None, column=str(lang), item=None
                )
        codes: list[float | str] = list(missing_codes)
        if "settings" in lower:
            st = sheets[lower["settings"]].frame
            if not {"key", "value"} <= set(st.columns):
                raise CodebookError(
                    "the settings sheet needs columns 'key' and 'value'",
                    file=f"{p} [settings]",
                    found=list(st.columns),
                    expected="key, value",
                    fix="add a header row: key, value",
                )
            for k, v in zip(st["key"], st["value"], strict=True):
                k = str(k).strip()
                if k == "missing_codes":
                    codes.extend(
                        _parse_codes(v, file=f"{p} [settings]", row=None, column="value", item=None)
                    )
                elif k == "id_column" and not _is_blank(v):
                    id_column = id_column or str(v).strip()
                elif k == "name" and not _is_blank(v):
                    name = name or str(v).strip()
        construct_frame = sheets[lower["constructs"]].frame if "constructs" in lower else None
        return cls._from_table(
            table.frame,
            source=f"{p} [{key}]",
            row_of=table.row_of,
            missing_codes=codes,
            value_labels=labels,
            columns=columns,
            id_column=id_column,
            name=name,
            construct_frame=construct_frame,
        )

    @classmethod
    def _from_table(
        cls,
        frame: pd.DataFrame,
        *,
        source: str,
        row_of: Any,
        missing_codes: Iterable[float | str],
        value_labels: Mapping[str, Mapping[float, str]] | None,
        columns: Mapping[str, str] | None,
        id_column: str | None,
        name: str,
        construct_frame: pd.DataFrame | None = None,
    ) -> Codebook:
        frame = frame.rename(columns=lambda c: str(c).strip().lower())
        required = ["item", "construct", "min", "max"]
        absent = [c for c in required if c not in frame.columns]
        if absent:
            raise CodebookError(
                "the codebook lacks required columns",
                file=source,
                found=list(frame.columns),
                expected=f"columns {', '.join(_ITEM_COLUMNS)} (missing: {', '.join(absent)})",
                fix="add the missing columns to the header row",
            )
        all_columns = dict(columns or {})
        role_columns: dict[str, str] = {}
        if id_column:
            all_columns[id_column] = "id"
        constructs: dict[str, dict[str, str]] = {}
        column_labels: dict[str, dict[float, str]] = {}
        records = []
        for pos in range(len(frame)):
            row = frame.iloc[pos]
            line = row_of(pos)
            role = "item"
            if "role" in frame.columns and not _is_blank(row["role"]):
                role = normalize_label(row["role"])
            if role != "item":
                if role not in ROLES:
                    raise CodebookError(
                        "unknown role",
                        file=source,
                        row=line,
                        column="role",
                        found=row["role"],
                        expected=f"item or one of {', '.join(ROLES)}",
                        fix="use item for questionnaire items; id/group/covariate/ignore otherwise",
                    )
                exported = row["column"] if "column" in frame.columns else None
                if _is_blank(row["item"]) and _is_blank(exported):
                    raise CodebookError(
                        "a non-item row has no column name",
                        file=source,
                        row=line,
                        column="item",
                        found="",
                        expected="the data column's name (item), or the header as exported "
                        "(column)",
                        fix="fill in the column name or delete the row",
                    )
                short = str(exported if _is_blank(row["item"]) else row["item"]).strip()
                if short in all_columns:
                    raise CodebookError(
                        f"column {short!r} is listed twice",
                        file=source,
                        row=line,
                        column="item",
                        found=short,
                        expected="each column once",
                        fix="delete or rename the duplicate row",
                    )
                all_columns[short] = role
                if not _is_blank(exported):
                    role_columns[short] = str(exported).strip()
                column_name = short
                # a group or covariate column is labelled by its first value_labels cell
                labelled = role in ("group", "covariate")
                for col in frame.columns if labelled else ():
                    if (col == "value_labels" or col.startswith("value_labels_")) and not (
                        _is_blank(row[col]) or column_name in column_labels
                    ):
                        column_labels[column_name] = _parse_label_spec(
                            row[col], file=source, row=line, column=col, item=column_name
                        )
                continue
            entry: dict[str, Any] = {k: row[k] for k in frame.columns if k in _ITEM_COLUMNS}
            if "type" in frame.columns:
                entry["type"] = row["type"]
            if "missing" in frame.columns:
                entry["missing_codes"] = row["missing"]
            labels: dict[str, dict[float, str]] = {}
            for col in frame.columns:
                if col == "value_labels" or col.startswith("value_labels_"):
                    lang = "en" if col == "value_labels" else col.removeprefix("value_labels_")
                    labels[lang] = _parse_label_spec(
                        row[col], file=source, row=line, column=col, item=str(row["item"])
                    )
            entry["value_labels"] = labels
            records.append((line, entry))
            code = "" if _is_blank(row["construct"]) else str(row["construct"]).strip()
            for col, key in (("construct_label", "label"), ("construct_label_zh", "label_zh")):
                if col in frame.columns and code and not _is_blank(row[col]):
                    constructs.setdefault(code, {})[key] = str(row[col]).strip()
        if construct_frame is not None:
            cf = construct_frame.rename(columns=lambda c: str(c).strip().lower())
            if "construct" not in cf.columns:
                raise CodebookError(
                    "the constructs sheet has no 'construct' column",
                    file=f"{source} [constructs]",
                    found=list(cf.columns),
                    expected="construct, label, label_zh",
                    fix="add a header row: construct, label, label_zh",
                )
            for _, crow in cf.iterrows():
                if _is_blank(crow["construct"]):
                    continue
                code = str(crow["construct"]).strip()
                for key in ("label", "label_zh"):
                    if key in cf.columns and not _is_blank(crow[key]):
                        constructs.setdefault(code, {})[key] = str(crow[key]).strip()
        return cls._build(
            records,
            constructs=constructs,
            missing_codes=_parse_codes(
                list(missing_codes), file=source, row=None, column="missing_codes", item=None
            ),
            value_labels={k: dict(v) for k, v in (value_labels or {}).items()},
            columns=all_columns,
            name=name,
            source=source,
            row_of=lambda line: line,
            role_columns=role_columns,
            column_labels=column_labels,
        )

    @classmethod
    def _build(
        cls,
        records: list[tuple[int | None, dict[str, Any]]],
        *,
        constructs: Mapping[str, Any],
        missing_codes: tuple[float | str, ...],
        value_labels: Mapping[str, Mapping[float, str]],
        columns: Mapping[str, str],
        name: str,
        source: str | None,
        row_of: Any,
        role_columns: Mapping[str, str] | None = None,
        column_labels: Mapping[str, Mapping[float, str]] | None = None,
        field_of: Any = None,
    ) -> Codebook:
        all_codes, missing_text = _split_codes(missing_codes)
        missing_codes = all_codes
        if not records:
            raise CodebookError(
                "the codebook lists no items",
                file=source,
                expected="one row (or entry) per questionnaire item",
                fix="add the items: item, construct, min, max, reverse",
            )
        global_lookup = _label_lookup(value_labels, file=source, where="the codebook")
        items: list[Item] = []
        seen: dict[str, int | None] = {}
        for key, entry in records:
            line = row_of(key)
            at_field = str if field_of is None else partial(field_of, key)
            allowed = set(_ITEM_COLUMNS) | {"type", "value_labels", "missing_codes", "label"}
            extra = sorted(set(entry) - allowed)
            if extra:
                raise CodebookError(
                    "an item has unknown fields",
                    file=source,
                    row=line,
                    found=extra,
                    expected=f"fields among {sorted(allowed)}",
                    fix="remove or rename those fields",
                )
            raw_name = entry.get("item")
            if _is_blank(raw_name):
                raise CodebookError(
                    "an item has no name",
                    file=source,
                    row=line,
                    column=at_field("item"),
                    found=raw_name,
                    expected="the item's column name in the data file",
                    fix="fill in the item column or delete the row",
                )
            item_name = str(raw_name).strip()
            if item_name in seen:
                raise CodebookError(
                    f"item {item_name!r} is listed twice",
                    file=source,
                    row=line,
                    column=at_field("item"),
                    found=item_name,
                    expected="each item once",
                    fix="delete or rename the duplicate row",
                )
            seen[item_name] = line
            if item_name in columns:
                raise CodebookError(
                    f"{item_name!r} is both an item and a {columns[item_name]} column",
                    file=source,
                    row=line,
                    column=at_field("item"),
                    found=item_name,
                    expected="one role per column",
                    fix="remove it from the items or from the non-item columns",
                )
            construct = entry.get("construct")
            if _is_blank(construct):
                raise CodebookError(
                    f"item {item_name!r} has no construct",
                    file=source,
                    row=line,
                    column=at_field("construct"),
                    found=construct,
                    expected="the code of the construct it measures, e.g. TRU",
                    fix="fill in the construct, or give the column a role such as covariate",
                )
            kind_raw = entry.get("type")
            kind = "likert" if _is_blank(kind_raw) else normalize_label(str(kind_raw))
            if kind not in ("likert", "continuous"):
                raise CodebookError(
                    f"item {item_name!r} has an unknown type",
                    file=source,
                    row=line,
                    column=at_field("type"),
                    found=kind_raw,
                    expected="likert or continuous",
                    fix="use likert for integer rating scales, continuous for measurements",
                )
            lo = _parse_number(
                entry.get("min"),
                what="min",
                file=source,
                row=line,
                column=at_field("min"),
                item=item_name,
            )
            hi = _parse_number(
                entry.get("max"),
                what="max",
                file=source,
                row=line,
                column=at_field("max"),
                item=item_name,
            )
            reverse = _parse_bool(
                entry.get("reverse", False),
                file=source,
                row=line,
                column=at_field("reverse"),
                item=item_name,
            )
            if kind == "likert":
                for bound, label in ((lo, "min"), (hi, "max")):
                    if bound is None or bound != int(bound):
                        raise CodebookError(
                            f"the {label} of Likert item {item_name!r} is not a whole number",
                            file=source,
                            row=line,
                            column=label,
                            found=entry.get(label),
                            expected="a whole number such as 1 or 7",
                            fix="fill in the scale end point, or set type to continuous",
                        )
            if lo is not None and hi is not None and not lo < hi:
                raise CodebookError(
                    f"the range of item {item_name!r} is empty or inverted",
                    file=source,
                    row=line,
                    column=at_field("max"),
                    found=f"min={lo:g}, max={hi:g}",
                    expected="min < max",
                    fix="swap or correct the end points",
                )
            if reverse and (lo is None or hi is None):
                raise CodebookError(
                    f"reverse-keyed item {item_name!r} needs both min and max",
                    file=source,
                    row=line,
                    column=at_field("reverse"),
                    found=f"min={lo}, max={hi}",
                    expected="both end points, since reversing maps x to min + max - x",
                    fix="fill in min and max",
                )
            item_codes, item_text = _split_codes(
                _parse_codes(
                    entry.get("missing_codes"),
                    file=source,
                    row=line,
                    column=at_field("missing"),
                    item=item_name,
                )
            )
            for code in (*missing_codes, *item_codes):
                if lo is not None and hi is not None and lo <= code <= hi:
                    raise CodebookError(
                        f"missing-value code {code:g} lies inside the scale of item {item_name!r}",
                        file=source,
                        row=line,
                        column=at_field("missing"),
                        found=f"{code:g} within {lo:g}..{hi:g}",
                        expected="codes outside the answer scale, e.g. -99 or 99",
                        fix="use a code no real answer can take",
                    )
            raw_labels = entry.get("value_labels") or {}
            if not isinstance(raw_labels, Mapping):
                raise CodebookError(
                    f"value_labels of item {item_name!r} is not a mapping",
                    file=source,
                    row=line,
                    column=at_field("value_labels"),
                    found=raw_labels,
                    expected="language → {value: label}",
                    fix='write e.g. value_labels = {en = {"1" = "Never"}}',
                )
            parsed: dict[str, dict[float, str]] = {}
            for lang, spec in raw_labels.items():
                if isinstance(spec, Mapping) and all(
                    isinstance(v, (int, float)) for v in spec.values()
                ):
                    # already normalized label → value (round trip of to_dict)
                    parsed[str(lang)] = {float(v): str(k) for k, v in spec.items()}
                else:
                    parsed[str(lang)] = _parse_label_spec(
                        spec, file=source, row=line, column=at_field("value_labels"), item=item_name
                    )
            item_lookup = _label_lookup(parsed, file=source, where=f"item {item_name!r}")
            for label, value in item_lookup.items():
                if label in global_lookup and global_lookup[label] != value:
                    raise CodebookError(
                        f"item {item_name!r} labels {label!r} as {value:g}, but the codebook-wide "
                        f"labels say {global_lookup[label]:g}",
                        file=source,
                        row=line,
                        column=at_field("value_labels"),
                        found=value,
                        expected=f"{global_lookup[label]:g}",
                        fix="make the item's labels agree with the shared ones, or rename them",
                    )
            for text_code in (*missing_text, *item_text):
                key = normalize_label(text_code)
                if key in item_lookup or key in global_lookup:
                    raise CodebookError(
                        f"the text {text_code!r} of item {item_name!r} is both a missing-value "
                        "code and a value label",
                        file=source,
                        row=line,
                        column=at_field("missing"),
                        found=text_code,
                        expected="a text code that no answer label uses",
                        fix="delete it from the missing codes or from the value labels",
                    )
            for label, value in {**global_lookup, **item_lookup}.items():
                outside = lo is not None and hi is not None and not lo <= value <= hi
                if outside and value not in (*missing_codes, *item_codes):
                    raise CodebookError(
                        f"value label {label!r} = {value:g} lies outside the scale of item "
                        f"{item_name!r}",
                        file=source,
                        row=line,
                        column=at_field("value_labels"),
                        found=value,
                        expected=f"a value within {lo:g}..{hi:g} or a missing code",
                        fix="correct the label's value or the item's range",
                    )
            items.append(
                Item(
                    name=item_name,
                    construct=str(construct).strip(),
                    type=kind,  # type: ignore[arg-type]
                    min=lo,
                    max=hi,
                    reverse=reverse,
                    text="" if _is_blank(entry.get("text")) else str(entry["text"]).strip(),
                    text_zh=""
                    if _is_blank(entry.get("text_zh"))
                    else str(entry["text_zh"]).strip(),
                    value_labels=MappingProxyType(item_lookup),
                    missing_codes=item_codes,
                    missing_text=item_text,
                    column="" if _is_blank(entry.get("column")) else str(entry["column"]).strip(),
                )
            )
        for col, role in columns.items():
            if role not in ROLES:
                raise CodebookError(
                    f"column {col!r} has an unknown role",
                    file=source,
                    column=col,
                    found=role,
                    expected=f"one of {', '.join(ROLES)}",
                    fix="use id, group, covariate or ignore",
                )
        specs: dict[str, str] = {}
        for owner, spec in [
            *((it.name, it.column) for it in items if it.column),
            *(role_columns or {}).items(),
        ]:
            key = normalize_label(spec)
            if key in specs:
                raise CodebookError(
                    f"{specs[key]!r} and {owner!r} are both read from the column {spec!r}",
                    file=source,
                    column="column",
                    found=spec,
                    expected="each exported column mapped to one item or role",
                    fix="correct the column of one of the two rows",
                )
            specs[key] = owner
        for col, labels in (column_labels or {}).items():
            if columns.get(col) not in ("group", "covariate"):
                raise CodebookError(
                    f"value labels are given for column {col!r}, which is not a group or "
                    "covariate column",
                    file=source,
                    column=col,
                    found=columns.get(col, "(no role)"),
                    expected="value labels on a column with role group or covariate",
                    fix="give the column the role group or covariate, or remove its labels",
                )
            texts = [normalize_label(v) for v in labels.values()]
            if len(set(texts)) != len(texts):
                raise CodebookError(
                    f"two values of column {col!r} have the same label",
                    file=source,
                    column=col,
                    found=dict(labels),
                    expected="one label per value",
                    fix="make the labels distinct",
                )
        ids = [c for c, r in columns.items() if r == "id"]
        if len(ids) > 1:
            raise CodebookError(
                "more than one respondent-id column",
                file=source,
                found=ids,
                expected="at most one column with role id",
                fix="give the other columns the role covariate",
            )
        construct_objs: dict[str, Construct] = {}
        for it in items:
            if it.construct in construct_objs:
                continue
            spec = constructs.get(it.construct, {}) or {}
            if not isinstance(spec, Mapping):
                raise CodebookError(
                    f"the labels of construct {it.construct!r} are not a mapping",
                    file=source,
                    found=spec,
                    expected="{label = ..., label_zh = ...}",
                    fix="write the construct's labels as a table",
                )
            construct_objs[it.construct] = Construct(
                code=it.construct,
                label=str(spec.get("label", "") or ""),
                label_zh=str(spec.get("label_zh", "") or ""),
            )
        stray = sorted(set(constructs) - set(construct_objs))
        if stray:
            raise CodebookError(
                "constructs are labelled but have no items",
                file=source,
                found=stray,
                expected="every labelled construct to be measured by at least one item",
                fix="assign items to them or delete their labels",
            )
        return cls(
            items=tuple(items),
            constructs=MappingProxyType(construct_objs),
            missing_codes=tuple(missing_codes),
            value_labels=MappingProxyType(
                {k: MappingProxyType(dict(v)) for k, v in value_labels.items()}
            ),
            columns=MappingProxyType(dict(columns)),
            name=name,
            source=source,
            missing_text=missing_text,
            role_columns=MappingProxyType(dict(role_columns or {})),
            column_labels=MappingProxyType(
                {k: MappingProxyType(dict(v)) for k, v in (column_labels or {}).items()}
            ),
        )
