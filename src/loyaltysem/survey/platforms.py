"""Survey-platform export layouts: 问卷星, 腾讯问卷, Qualtrics, SPSS.

What is recognised (and what it is based on) is listed in docs/codebook.md
("Survey-platform exports"). Recognition is by the metadata columns each platform
writes before (or after) the questions; nothing here guesses the meaning of a
question column: that is :mod:`loyaltysem.survey.drafting`'s job, and the user's.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Mapping

from loyaltysem.survey.io import RawTable

__all__ = [
    "KNOWN_LAYOUTS",
    "LIKERT_WORDINGS",
    "METADATA_ROLES",
    "detect_layout",
    "qualtrics_header_rows",
    "skip_header_rows",
]

#: Layouts :func:`detect_layout` names, with a description for messages.
KNOWN_LAYOUTS: Mapping[str, str] = {
    "wjx": "问卷星 (Wenjuanxing) Excel/CSV download: 序号, 提交答卷时间, 所用时间, 来源, 来源详情, "
    "来自IP; questions numbered 1、 or 1.",
    "tencent": "腾讯问卷 (Tencent Questionnaire) download: 编号, 开始答题时间, 结束答题时间, "
    "答题时长",
    "qualtrics": "Qualtrics CSV: three header rows (names, question texts, ImportId), StartDate, "
    "EndDate, Duration (in seconds), ResponseId",
    "spss": "SPSS .sav: variable labels and value labels",
}

#: Metadata column → (role, short code), per layout.
METADATA_ROLES: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "wjx": {
        "序号": ("id", "id"),
        "提交答卷时间": ("end", "submitted"),
        "所用时间": ("duration", "duration"),
        "来源": ("ignore", "source"),
        "来源详情": ("ignore", "source_detail"),
        "来自ip": ("ignore", "ip"),
        "总分": ("ignore", "total_score"),
        "用户id": ("ignore", "user_id"),
        "答题序号": ("ignore", "answer_no"),
    },
    "tencent": {
        "编号": ("id", "id"),
        "用户id": ("ignore", "user_id"),
        "昵称": ("ignore", "nickname"),
        "开始答题时间": ("start", "start"),
        "起始答题时间": ("start", "start"),
        "结束答题时间": ("end", "end"),
        "答题时长": ("duration", "duration"),
        "地理位置(国家)": ("ignore", "country"),
        "地理位置(省)": ("ignore", "province"),
        "地理位置(市)": ("ignore", "city"),
        "自定义字段": ("ignore", "custom"),
        "ip": ("ignore", "ip"),
        "来源": ("ignore", "source"),
        "渠道": ("ignore", "channel"),
    },
    "qualtrics": {
        "startdate": ("start", "StartDate"),
        "enddate": ("end", "EndDate"),
        "status": ("ignore", "Status"),
        "ipaddress": ("ignore", "IPAddress"),
        "progress": ("ignore", "Progress"),
        "duration (in seconds)": ("duration", "Duration"),
        "finished": ("ignore", "Finished"),
        "recordeddate": ("ignore", "RecordedDate"),
        "responseid": ("id", "ResponseId"),
        "recipientlastname": ("ignore", "RecipientLastName"),
        "recipientfirstname": ("ignore", "RecipientFirstName"),
        "recipientemail": ("ignore", "RecipientEmail"),
        "externalreference": ("ignore", "ExternalReference"),
        "locationlatitude": ("ignore", "LocationLatitude"),
        "locationlongitude": ("ignore", "LocationLongitude"),
        "distributionchannel": ("ignore", "DistributionChannel"),
        "userlanguage": ("ignore", "UserLanguage"),
    },
}

#: Agreement (and satisfaction) wordings, lowest answer first; the answer's value is
#: its position (1 = first). 问卷星's default 5- and 7-point wordings, their common
#: variants, and the English ones.
LIKERT_WORDINGS: tuple[tuple[str, ...], ...] = (
    ("非常不同意", "不同意", "一般", "同意", "非常同意"),
    ("非常不同意", "比较不同意", "一般", "比较同意", "非常同意"),
    ("非常不同意", "不同意", "不确定", "同意", "非常同意"),
    ("非常不同意", "不同意", "中立", "同意", "非常同意"),
    ("完全不同意", "不同意", "一般", "同意", "完全同意"),
    ("非常不符合", "不符合", "一般", "符合", "非常符合"),
    ("非常不满意", "不满意", "一般", "满意", "非常满意"),
    ("非常不同意", "不同意", "比较不同意", "一般", "比较同意", "同意", "非常同意"),
    ("非常不同意", "不同意", "有点不同意", "一般", "有点同意", "同意", "非常同意"),
    ("非常不同意", "不同意", "有些不同意", "不确定", "有些同意", "同意", "非常同意"),
    ("完全不同意", "不同意", "比较不同意", "一般", "比较同意", "同意", "完全同意"),
    ("strongly disagree", "disagree", "neither agree nor disagree", "agree", "strongly agree"),
    ("strongly disagree", "disagree", "neutral", "agree", "strongly agree"),
    (
        "strongly disagree",
        "disagree",
        "somewhat disagree",
        "neither agree nor disagree",
        "somewhat agree",
        "agree",
        "strongly agree",
    ),
)


def _norm(text: object) -> str:
    value = unicodedata.normalize("NFKC", str(text))
    return " ".join(value.split()).casefold()


def qualtrics_header_rows(table: RawTable) -> int:
    """Number of extra header rows (question texts, ImportId) at the top of a Qualtrics CSV.

    Qualtrics writes three header rows: the column names, the question texts and
    ``{"ImportId":"..."}`` tags; older exports write the first two only. Returns 0 for
    other files.

    Examples
    --------
    >>> import pandas as pd
    >>> from loyaltysem.survey.io import RawTable
    >>> frame = pd.DataFrame([["Start Date", "Q1"], ['{"ImportId":"startDate"}',
    ...     '{"ImportId":"QID1"}'], ["2026-01-01 10:00:00", "5"]],
    ...     columns=["StartDate", "Q1"], dtype=object)
    >>> qualtrics_header_rows(RawTable(frame, row_of=lambda i: i + 2, source="x.csv"))
    2
    """
    frame = table.frame
    for pos in range(min(2, len(frame))):
        cells = [c for c in frame.iloc[pos].tolist() if isinstance(c, str)]
        if any(c.strip().startswith('{"ImportId"') for c in cells):
            return pos + 1
    names = {_norm(c) for c in frame.columns}
    if len(frame) and "startdate" in names and "responseid" in names:
        start = next(c for c in frame.columns if _norm(c) == "startdate")
        if _norm(frame.iloc[0][start]) == "start date":
            return 1
    return 0


def skip_header_rows(table: RawTable, count: int, why: str) -> RawTable:
    """The table without its first ``count`` body rows (row numbers kept as in the file)."""
    if count <= 0:
        return table
    row_of = table.row_of
    return dataclasses.replace(
        table,
        frame=table.frame.iloc[count:].reset_index(drop=True),
        row_of=lambda i: row_of(i + count),
        notes=(*table.notes, f"skipped {count} extra header row(s): {why}"),
        first_row=None if table.first_row is None else table.first_row + count,
    )


def detect_layout(table: RawTable, *, suffix: str = "") -> str:
    """Name the platform layout of an export: wjx, tencent, qualtrics, spss or unknown.

    Parameters
    ----------
    table : RawTable
        The export as read by :func:`loyaltysem.survey.io.read_raw`.
    suffix : str
        The file's extension (``.sav`` files are SPSS whatever their columns).

    Examples
    --------
    >>> import pandas as pd
    >>> from loyaltysem.survey.io import RawTable
    >>> cols = ["序号", "提交答卷时间", "所用时间", "来源", "1、您的性别"]
    >>> frame = pd.DataFrame([[1, "2026/11/01 10:00:00", "230秒", "手机提交", "男"]],
    ...                      columns=cols, dtype=object)
    >>> detect_layout(RawTable(frame, row_of=lambda i: i + 2, source="x.xlsx"))
    'wjx'
    """
    if suffix.lower() in (".sav", ".zsav"):
        return "spss"
    names = {_norm(c) for c in table.frame.columns}
    if qualtrics_header_rows(table) or len(names & set(METADATA_ROLES["qualtrics"])) >= 3:
        return "qualtrics"
    if "序号" in names and names & {"提交答卷时间", "所用时间", "来自ip"}:
        return "wjx"
    if "编号" in names and names & {"答题时长", "开始答题时间", "起始答题时间", "结束答题时间"}:
        return "tencent"
    return "unknown"


#: Column names that play a role in any layout (SPSS files, hand-made tables).
GENERIC_ROLES: Mapping[str, tuple[str, str]] = {
    "id": ("id", "id"),
    "respondent_id": ("id", "respondent_id"),
    "respondentid": ("id", "respondent_id"),
    "responseid": ("id", "ResponseId"),
    "序号": ("id", "id"),
    "编号": ("id", "id"),
    "duration": ("duration", "duration"),
    "所用时间": ("duration", "duration"),
    "答题时长": ("duration", "duration"),
    "start": ("start", "start"),
    "starttime": ("start", "start"),
    "开始时间": ("start", "start"),
    "end": ("end", "end"),
    "endtime": ("end", "end"),
    "提交时间": ("end", "end"),
}


def metadata_role(layout: str, header: str) -> tuple[str, str] | None:
    """(role, short code) of a platform's metadata column, or None for a question.

    Examples
    --------
    >>> metadata_role("wjx", "所用时间")
    ('duration', 'duration')
    >>> metadata_role("spss", "ID")
    ('id', 'id')
    >>> metadata_role("wjx", "4、该平台口碑很好") is None
    True
    """
    key = _norm(header)
    roles = METADATA_ROLES.get(layout, {})
    return roles.get(key) or GENERIC_ROLES.get(key)


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def has_cjk(text: str) -> bool:
    """Whether ``text`` contains a Chinese character."""
    return bool(_CJK.search(text))
