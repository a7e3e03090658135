"""Loading questionnaires: the codebook (data contract), file readers and :class:`Survey`."""

from loyaltysem.survey.codebook import ROLES, Codebook, Construct, Item, normalize_label
from loyaltysem.survey.drafting import CodebookDraft, draft_codebook
from loyaltysem.survey.survey import LogEntry, Survey, read_survey

__all__ = [
    "ROLES",
    "Codebook",
    "CodebookDraft",
    "Construct",
    "Item",
    "LogEntry",
    "Survey",
    "draft_codebook",
    "normalize_label",
    "read_survey",
]
