"""Matching a codebook's rows to the columns of a survey platform's export.

A codebook row names the short code used in models and reports (``REP1``) and,
optionally, the column it is read from as the platform exported it (``4、该平台口碑很好``,
``Q4_1``) or that column's question number (``4``, ``Q4``, ``7(1)``, ``7_1``). The rules,
in order, for each row:

1. a ``column`` is matched to a header exactly, after Unicode NFKC, collapsed white
   space and case folding (:func:`normalize_header`);
2. a ``column`` that is a bare question number is matched by question number
   (:func:`question_key`): ``4``, ``4.``, ``4、``, ``Q4`` and ``第4题`` name question 4;
   ``7(1)``, ``7_1``, ``Q7_1`` and ``7-1`` its first sub-question (a matrix row);
3. without a ``column``, a header equal to the short code is used; else ``text`` or
   ``text_zh`` equal (after normalization) to a header, or to a header without its
   question-number prefix (``4、`` stripped). Never a fuzzy match.

A row that matches no header, or several, is a :class:`~loyaltysem.errors.SurveyDataError`
naming the row, the headers found and the fix.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from loyaltysem.errors import SurveyDataError
from loyaltysem.survey.codebook import Codebook

__all__ = ["QuestionKey", "normalize_header", "question_key", "resolve_columns", "strip_number"]

# A question number at the start of a header: 4、 4. 4: Q4 q4 第4题 (after NFKC).
_NUMBER = re.compile(r"^\s*(?:(?P<q>[Qq])|第)?\s*(?P<n>\d{1,4})\s*(?:题)?")
# What may follow the number: a sub-question, a separator, or the end.
_SUB_NUM = re.compile(r"^(?:[_\-](?P<a>\d{1,3})|\((?P<b>\d{1,3})\))(?=$|[\s.、:：)(\-—_])")
_SUB_TEXT = re.compile(r"^\((?P<t>[^()]+)\)")
_SEPARATOR = re.compile(r"^(?:$|[\s.、:：]|[—\-]{1,2})")
_BARE = re.compile(
    r"^\s*(?:[Qq]|第)?\s*\d{1,4}\s*(?:题)?\s*(?:[_\-]\d{1,3}|\(\d{1,3}\))?\s*[.、:：]?\s*$"
)


def normalize_header(text: object) -> str:
    """Normalize a header for exact matching: NFKC, collapsed white space, case folded.

    Examples
    --------
    >>> normalize_header("4、  该平台口碑很好 ") == normalize_header("4、该平台口碑很好")
    False
    >>> normalize_header("Q4_1 ") == normalize_header("q4_1")
    True
    >>> normalize_header("７（１）")
    '7(1)'
    """
    value = unicodedata.normalize("NFKC", str(text))
    return " ".join(value.split()).casefold()


@dataclass(frozen=True)
class QuestionKey:
    """The question number of a header and, for a matrix row, its sub-question.

    Attributes
    ----------
    number : int
        The question number (``7`` in ``7(1)``, ``Q7_1``, ``7、...``).
    sub : int or None
        The sub-question number written in the header (``1`` in ``7(1)``, ``Q7_1``).
    sub_text : str or None
        A matrix row's text written in parentheses (问卷星's ``7(该平台口碑很好)``).
    rest : str
        The header without its question number and sub-question.
    """

    number: int
    sub: int | None = None
    sub_text: str | None = None
    rest: str = ""


def question_key(header: object) -> QuestionKey | None:
    """Return the question number of a header, or None if it does not start with one.

    Examples
    --------
    >>> question_key("4、该平台口碑很好")
    QuestionKey(number=4, sub=None, sub_text=None, rest='该平台口碑很好')
    >>> question_key("Q7_1")
    QuestionKey(number=7, sub=1, sub_text=None, rest='')
    >>> question_key("7(该平台口碑很好)").sub_text
    '该平台口碑很好'
    >>> question_key("2024年收入") is None
    True
    """
    text = unicodedata.normalize("NFKC", str(header)).strip()
    head = _NUMBER.match(text)
    if head is None:
        return None
    tail = text[head.end() :]
    sub: int | None = None
    sub_text: str | None = None
    found = _SUB_NUM.match(tail)
    if found:
        sub = int(found.group("a") or found.group("b"))
        tail = tail[found.end() :]
    else:
        labelled = _SUB_TEXT.match(tail)
        if labelled:
            sub_text = labelled.group("t").strip()
            tail = tail[labelled.end() :]
    if not _SEPARATOR.match(tail) and sub is None and sub_text is None:
        return None
    rest = re.sub(r"^(?:[\s.、:：]|[—\-]{1,2})+", "", tail).strip()
    return QuestionKey(int(head.group("n")), sub, sub_text, rest)


def strip_number(header: object) -> str:
    """Return a header without its question-number prefix (the question text).

    Examples
    --------
    >>> strip_number("4、该平台口碑很好")
    '该平台口碑很好'
    >>> strip_number("7(该平台口碑很好)")
    '该平台口碑很好'
    >>> strip_number("所用时间")
    '所用时间'
    """
    key = question_key(header)
    if key is None:
        return str(header).strip()
    if key.sub_text and not key.rest:
        return key.sub_text
    return key.rest or str(header).strip()


def _is_bare_number(spec: str) -> bool:
    return bool(_BARE.match(unicodedata.normalize("NFKC", spec)))


def _by_number(spec: str, header: Sequence[str]) -> list[str]:
    wanted = question_key(spec)
    if wanted is None:  # pragma: no cover - guarded by _is_bare_number
        return []
    keys = [(h, question_key(h)) for h in header]
    same = [(h, k) for h, k in keys if k is not None and k.number == wanted.number]
    if wanted.sub is None:
        return [h for h, _ in same]
    explicit = [h for h, k in same if k.sub == wanted.sub]
    if explicit:
        return explicit
    # 问卷星 writes matrix rows as 7(statement): the n-th such column is sub-question n.
    rows = [h for h, k in same if k.sub is None]
    return [rows[wanted.sub - 1]] if 0 < wanted.sub <= len(rows) and len(rows) > 1 else []


def resolve_columns(
    header: Sequence[str], codebook: Codebook, *, file: str | None = None
) -> dict[str, str]:
    """Map the export's headers to the codebook's short names.

    Parameters
    ----------
    header : sequence of str
        The data file's column names as read.
    codebook : Codebook
        Items and role columns, with their ``column``, ``text`` and ``text_zh``.
    file : str, optional
        Named in error messages.

    Returns
    -------
    dict
        Header → short name in header order, only for headers that are renamed (a
        header already equal to its short name is left out).

    Raises
    ------
    SurveyDataError
        A ``column`` that matches no header or several, or two rows read from one
        header; the message names the row, the headers found and the fix.

    Examples
    --------
    >>> from loyaltysem.survey import Codebook
    >>> cb = Codebook.from_dict({"items": [
    ...     {"item": "REP1", "construct": "REP", "min": 1, "max": 7, "column": "4"},
    ...     {"item": "REP2", "construct": "REP", "min": 1, "max": 7, "column": "Q5"},
    ...     {"item": "REP3", "construct": "REP", "min": 1, "max": 7, "text_zh": "口碑好"}],
    ...     "columns": {"id": {"role": "id", "column": "序号"}}})
    >>> resolve_columns(["序号", "4、平台可靠", "5. 平台知名", "6、口碑好"], cb)
    {'序号': 'id', '4、平台可靠': 'REP1', '5. 平台知名': 'REP2', '6、口碑好': 'REP3'}
    """
    header = [str(h) for h in header]
    where = f" ({codebook.source})" if codebook.source else ""
    exact: dict[str, list[str]] = {}
    for h in header:
        exact.setdefault(normalize_header(h), []).append(h)
    stripped: dict[str, list[str]] = {}
    for h in header:
        stripped.setdefault(normalize_header(strip_number(h)), []).append(h)
    explicit = codebook.column_of
    names = [*codebook.item_names, *codebook.columns]
    items = {it.name: it for it in codebook.items}
    mapping: dict[str, str] = {}
    taken: dict[str, str] = {}

    def claim(name: str, found: str, how: str) -> None:
        if found in taken and taken[found] != name:
            raise SurveyDataError(
                f"the codebook rows {taken[found]!r} and {name!r}{where} both match the "
                f"column {found!r}",
                file=file,
                column=found,
                found=f"{taken[found]!r} and {name!r} ({how})",
                expected="each column read by one codebook row",
                fix=f"give {name!r} (or {taken[found]!r}) a 'column' naming its own header",
            )
        taken[found] = name
        if found != name:
            mapping[found] = name

    # Rows with a column first: they are explicit.
    for name in names:
        spec = explicit.get(name)
        if not spec:
            continue
        hits = exact.get(normalize_header(spec), [])
        how = "header"
        if not hits and _is_bare_number(spec):
            hits = _by_number(spec, header)
            how = "question number"
        if len(hits) == 1:
            claim(name, hits[0], how)
            continue
        near = difflib.get_close_matches(spec, header, n=3, cutoff=0.5)
        if not hits:
            raise SurveyDataError(
                f"the codebook row {name!r}{where} reads the column {spec!r}, which the data does "
                "not have",
                file=file,
                column=spec,
                found=near or header[:12],
                expected="a header as exported (after NFKC and white-space normalization) or "
                "a question number such as 4, Q4, 7(1) or 7_1",
                fix="copy the header from the export into the codebook's column field",
            )
        raise SurveyDataError(
            f"the column {spec!r} of the codebook row {name!r}{where} matches {len(hits)} headers",
            file=file,
            column=spec,
            found=hits[:10],
            expected="exactly one header",
            fix="write the full header, or the sub-question number (e.g. 7(1) or Q7_1)",
        )
    # Rows without a column: their own name, else their wording.
    for name in names:
        if name in explicit:
            continue
        if name in header:
            claim(name, name, "name")
            continue
        item = items.get(name)
        if item is None:
            continue
        for text in (item.text, item.text_zh):
            if not text:
                continue
            key = normalize_header(text)
            hits = list(dict.fromkeys([*exact.get(key, []), *stripped.get(key, [])]))
            if len(hits) == 1:
                claim(name, hits[0], "text")
                break
            if len(hits) > 1:
                raise SurveyDataError(
                    f"the wording of the codebook row {name!r}{where} matches {len(hits)} headers",
                    file=file,
                    column=name,
                    found=hits[:10],
                    expected="exactly one header with that wording",
                    fix="give the row a 'column' with the header or question number",
                )
    clash = [h for h, n in mapping.items() if n in header and n not in mapping]
    if clash:
        h = clash[0]
        raise SurveyDataError(
            f"the column {h!r} is read as {mapping[h]!r}, but the data already has a column "
            f"{mapping[h]!r}",
            file=file,
            column=mapping[h],
            found=[h, mapping[h]],
            expected="one column per short name",
            fix=f"give the column {mapping[h]!r} a role (e.g. ignore) under another name, or "
            "rename the codebook row",
        )
    return {h: mapping[h] for h in header if h in mapping}
