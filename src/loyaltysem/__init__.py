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

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

# The public names are imported on first use (PEP 562), so that ``import loyaltysem``
# and ``loyaltysem --version`` load neither pandas nor scipy; the block below is what a
# type checker and a reader see.
if TYPE_CHECKING:
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
    from loyaltysem.status import Status
    from loyaltysem.survey import Codebook, CodebookDraft, Survey, draft_codebook, read_survey
    from loyaltysem.validity import MeasurementReport, validate

#: public name -> the module that defines it (imported on first access)
_EXPORTS: dict[str, str] = {
    "ModelComparison": "loyaltysem.comparison",
    "compare": "loyaltysem.comparison",
    "load_corp_rep": "loyaltysem.datasets",
    "load_ecommerce": "loyaltysem.datasets",
    "load_holzinger_swineford": "loyaltysem.datasets",
    "load_mobi": "loyaltysem.datasets",
    "load_political_democracy": "loyaltysem.datasets",
    "bartlett": "loyaltysem.efa",
    "efa_report": "loyaltysem.efa",
    "kmo": "loyaltysem.efa",
    "parallel_analysis": "loyaltysem.efa",
    "suggest_factors": "loyaltysem.efa",
    "EffectsResult": "loyaltysem.effects",
    "effects": "loyaltysem.effects",
    "CodebookError": "loyaltysem.errors",
    "ConvergenceError": "loyaltysem.errors",
    "IdentificationError": "loyaltysem.errors",
    "LoyaltySemError": "loyaltysem.errors",
    "ModelSpecError": "loyaltysem.errors",
    "SurveyDataError": "loyaltysem.errors",
    "fit": "loyaltysem.fitting",
    "InvarianceResult": "loyaltysem.groups",
    "MultiGroupResult": "loyaltysem.groups",
    "fit_groups": "loyaltysem.groups",
    "invariance": "loyaltysem.groups",
    "EstimatorRecommendation": "loyaltysem.guidance",
    "recommend_estimator": "loyaltysem.guidance",
    "DEFAULT_MODEL": "loyaltysem.instruments",
    "ECSI_MODEL": "loyaltysem.instruments",
    "RIVAL_MODEL": "loyaltysem.instruments",
    "default_instrument": "loyaltysem.instruments",
    "missing_patterns": "loyaltysem.missingness",
    "saturated_moments": "loyaltysem.missingness",
    "alpha": "loyaltysem.reliability",
    "BootstrapResult": "loyaltysem.resampling",
    "SEMBootstrap": "loyaltysem.resampling",
    "bootstrap": "loyaltysem.resampling",
    "bootstrap_statistic": "loyaltysem.resampling",
    "Provenance": "loyaltysem.results",
    "SEMResult": "loyaltysem.results",
    "ScreeningReport": "loyaltysem.screening",
    "describe": "loyaltysem.screening",
    "mardia": "loyaltysem.screening",
    "screen": "loyaltysem.screening",
    "PopulationModel": "loyaltysem.simulation",
    "simulate_survey": "loyaltysem.simulation",
    "Status": "loyaltysem.status",
    "ModelSpec": "loyaltysem.specification",
    "specify": "loyaltysem.specification",
    "Codebook": "loyaltysem.survey",
    "CodebookDraft": "loyaltysem.survey",
    "draft_codebook": "loyaltysem.survey",
    "Survey": "loyaltysem.survey",
    "read_survey": "loyaltysem.survey",
    "MeasurementReport": "loyaltysem.validity",
    "validate": "loyaltysem.validity",
}
_SUBMODULES = ("datasets", "instruments")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("loyaltysem")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    if name == "__version__":
        value: Any = _version()
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"loyaltysem.{name}")
    else:
        raise AttributeError(f"module 'loyaltysem' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


#: exported functions named like the submodule that defines them
_SHADOWED = frozenset({"effects"})


class _Package(types.ModuleType):
    """The package module: a function keeps its name over a submodule of the same name.

    ``loyaltysem.effects`` is the function :func:`~loyaltysem.effects.effects`, as it was
    when this package imported everything eagerly; importing the submodule
    ``loyaltysem.effects`` must not replace it with the module.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

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
    "Status",
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
