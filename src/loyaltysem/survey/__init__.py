"""Loading questionnaires: the codebook (data contract), file readers and :class:`Survey`."""

from loyaltysem.survey.codebook import ROLES, Codebook, Construct, Item, normalize_label
from loyaltysem.survey.survey import LogEntry, Survey, read_survey

__all__ = [
    "ROLES",
    "Codebook",
    "Construct",
    "Item",
    "LogEntry",
    "Survey",
    "normalize_label",
    "read_survey",
]
