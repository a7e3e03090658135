"""loyaltysem: survey-based structural equation modelling for trust and loyalty research.

The public API, lowest layer first: load a survey with its codebook
(:func:`read_survey`, :class:`Codebook`, :class:`Survey`), screen it
(:func:`screen`), fit a model with lavaan's numbers (:func:`fit`, :func:`specify`).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from loyaltysem.errors import (
    CodebookError,
    ConvergenceError,
    IdentificationError,
    LoyaltySemError,
    ModelSpecError,
    SurveyDataError,
)
from loyaltysem.estimation import fit
from loyaltysem.results import Provenance, SEMResult
from loyaltysem.screening import ScreeningReport, describe, mardia, screen
from loyaltysem.specification import ModelSpec, specify
from loyaltysem.survey import Codebook, Survey, read_survey

try:
    __version__ = version("loyaltysem")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "Codebook",
    "CodebookError",
    "ConvergenceError",
    "IdentificationError",
    "LoyaltySemError",
    "ModelSpec",
    "ModelSpecError",
    "Provenance",
    "SEMResult",
    "ScreeningReport",
    "Survey",
    "SurveyDataError",
    "__version__",
    "describe",
    "fit",
    "mardia",
    "read_survey",
    "screen",
    "specify",
]
