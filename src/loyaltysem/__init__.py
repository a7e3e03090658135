"""loyaltysem: survey-based structural equation modelling for trust and loyalty research.

The public API, lowest layer first: load a survey with its codebook
(:func:`read_survey`, :class:`Codebook`, :class:`Survey`), screen it
(:func:`screen`), fit a model with lavaan's numbers (:func:`fit`, :func:`specify`);
validate the constructs (:func:`validate`, :func:`alpha`, :func:`efa_report`, and
:mod:`loyaltysem.pls` for PLS path models); effects (:func:`effects`), nested-model
tests (:func:`compare`), the bootstrap of a fitted model (:func:`bootstrap`) or of any
statistic (:func:`bootstrap_statistic`); bundled data (:mod:`loyaltysem.datasets`), the
default e-commerce instrument and models (:mod:`loyaltysem.instruments`) and survey
simulation (:func:`simulate_survey`).

Examples
--------
>>> import loyaltysem as ls
>>> survey = ls.load_ecommerce()
>>> res = ls.fit(ls.DEFAULT_MODEL, survey)  # R: lavaan::sem(model, data)
>>> res.converged, int(res.fit_measures["df"])
(True, 353)
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from loyaltysem import datasets, instruments
from loyaltysem.comparison import ModelComparison, compare
from loyaltysem.datasets import (
    load_corp_rep,
    load_ecommerce,
    load_holzinger_swineford,
    load_mobi,
    load_political_democracy,
)
from loyaltysem.efa import bartlett, efa_report, kmo, parallel_analysis, suggest_factors
from loyaltysem.effects import EffectsResult, effects
from loyaltysem.errors import (
    CodebookError,
    ConvergenceError,
    IdentificationError,
    LoyaltySemError,
    ModelSpecError,
    SurveyDataError,
)
from loyaltysem.fitting import fit
from loyaltysem.groups import InvarianceResult, MultiGroupResult, fit_groups, invariance
from loyaltysem.guidance import EstimatorRecommendation, recommend_estimator
from loyaltysem.instruments import DEFAULT_MODEL, ECSI_MODEL, RIVAL_MODEL, default_instrument
from loyaltysem.missingness import missing_patterns, saturated_moments
from loyaltysem.reliability import alpha
from loyaltysem.resampling import (
    BootstrapResult,
    SEMBootstrap,
    bootstrap,
    bootstrap_statistic,
)
from loyaltysem.results import Provenance, SEMResult
from loyaltysem.screening import ScreeningReport, describe, mardia, screen
from loyaltysem.simulation import PopulationModel, simulate_survey
from loyaltysem.specification import ModelSpec, specify
from loyaltysem.survey import Codebook, CodebookDraft, Survey, draft_codebook, read_survey
from loyaltysem.validity import MeasurementReport, validate

try:
    __version__ = version("loyaltysem")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "DEFAULT_MODEL",
    "ECSI_MODEL",
    "RIVAL_MODEL",
    "BootstrapResult",
    "Codebook",
    "CodebookDraft",
    "CodebookError",
    "ConvergenceError",
    "EffectsResult",
    "EstimatorRecommendation",
    "IdentificationError",
    "InvarianceResult",
    "LoyaltySemError",
    "MeasurementReport",
    "ModelComparison",
    "ModelSpec",
    "ModelSpecError",
    "MultiGroupResult",
    "PopulationModel",
    "Provenance",
    "SEMBootstrap",
    "SEMResult",
    "ScreeningReport",
    "Survey",
    "SurveyDataError",
    "__version__",
    "alpha",
    "bartlett",
    "bootstrap",
    "bootstrap_statistic",
    "compare",
    "datasets",
    "default_instrument",
    "describe",
    "draft_codebook",
    "efa_report",
    "effects",
    "fit",
    "fit_groups",
    "instruments",
    "invariance",
    "kmo",
    "load_corp_rep",
    "load_ecommerce",
    "load_holzinger_swineford",
    "load_mobi",
    "load_political_democracy",
    "mardia",
    "missing_patterns",
    "parallel_analysis",
    "read_survey",
    "recommend_estimator",
    "saturated_moments",
    "screen",
    "simulate_survey",
    "specify",
    "suggest_factors",
    "validate",
]
