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
    from loyaltysem.datasets import (
        load_corp_rep,
        load_ecommerce,
        load_holzinger_swineford,
        load_mobi,
        load_political_democracy,
    )
    from loyaltysem.errors import (
        CodebookError,
        ConvergenceError,
        IdentificationError,
        LoyaltySemError,
        ModelSpecError,
        StudyError,
        SurveyDataError,
    )
    from loyaltysem.instruments import DEFAULT_MODEL, ECSI_MODEL, RIVAL_MODEL, default_instrument
    from loyaltysem.measurement.efa import (
        bartlett,
        efa_report,
        kmo,
        parallel_analysis,
        suggest_factors,
    )
    from loyaltysem.measurement.reliability import alpha
    from loyaltysem.measurement.validity import MeasurementReport, validate
    from loyaltysem.planning.simulation import PopulationModel, simulate_survey
    from loyaltysem.pls import PLSResult, fit_pls
    from loyaltysem.sem.bootstrap import (
        BootstrapResult,
        SEMBootstrap,
        bootstrap,
        bootstrap_statistic,
    )
    from loyaltysem.sem.comparison import ModelComparison, compare
    from loyaltysem.sem.dispatch import fit
    from loyaltysem.sem.effects import EffectsResult, effects
    from loyaltysem.sem.guidance import EstimatorRecommendation, recommend_estimator
    from loyaltysem.sem.invariance import InvarianceResult, invariance
    from loyaltysem.sem.multigroup import fit_groups
    from loyaltysem.sem.results import MultiGroupResult, Provenance, SEMResult
    from loyaltysem.sem.specification import ModelSpec, specify
    from loyaltysem.status import Status
    from loyaltysem.study import Study, StudyResult, load_study, run_study
    from loyaltysem.survey import Codebook, CodebookDraft, Survey, draft_codebook, read_survey
    from loyaltysem.survey.missingness import missing_patterns, saturated_moments
    from loyaltysem.survey.screening import ScreeningReport, describe, mardia, screen

#: public name -> the module that defines it (imported on first access)
_EXPORTS: dict[str, str] = {
    "ModelComparison": "loyaltysem.sem.comparison",
    "compare": "loyaltysem.sem.comparison",
    "load_corp_rep": "loyaltysem.datasets",
    "load_ecommerce": "loyaltysem.datasets",
    "load_holzinger_swineford": "loyaltysem.datasets",
    "load_mobi": "loyaltysem.datasets",
    "load_political_democracy": "loyaltysem.datasets",
    "bartlett": "loyaltysem.measurement.efa",
    "efa_report": "loyaltysem.measurement.efa",
    "kmo": "loyaltysem.measurement.efa",
    "parallel_analysis": "loyaltysem.measurement.efa",
    "suggest_factors": "loyaltysem.measurement.efa",
    "EffectsResult": "loyaltysem.sem.effects",
    "effects": "loyaltysem.sem.effects",
    "CodebookError": "loyaltysem.errors",
    "ConvergenceError": "loyaltysem.errors",
    "IdentificationError": "loyaltysem.errors",
    "LoyaltySemError": "loyaltysem.errors",
    "ModelSpecError": "loyaltysem.errors",
    "StudyError": "loyaltysem.errors",
    "SurveyDataError": "loyaltysem.errors",
    "fit": "loyaltysem.sem.dispatch",
    "InvarianceResult": "loyaltysem.sem.invariance",
    "MultiGroupResult": "loyaltysem.sem.results",
    "fit_groups": "loyaltysem.sem.multigroup",
    "invariance": "loyaltysem.sem.invariance",
    "EstimatorRecommendation": "loyaltysem.sem.guidance",
    "recommend_estimator": "loyaltysem.sem.guidance",
    "DEFAULT_MODEL": "loyaltysem.instruments",
    "ECSI_MODEL": "loyaltysem.instruments",
    "RIVAL_MODEL": "loyaltysem.instruments",
    "default_instrument": "loyaltysem.instruments",
    "missing_patterns": "loyaltysem.survey.missingness",
    "saturated_moments": "loyaltysem.survey.missingness",
    "alpha": "loyaltysem.measurement.reliability",
    "BootstrapResult": "loyaltysem.sem.bootstrap",
    "SEMBootstrap": "loyaltysem.sem.bootstrap",
    "bootstrap": "loyaltysem.sem.bootstrap",
    "bootstrap_statistic": "loyaltysem.sem.bootstrap",
    "Provenance": "loyaltysem.sem.results",
    "GroupTables": "loyaltysem.sem.results",
    "SEMResult": "loyaltysem.sem.results",
    "ScreeningReport": "loyaltysem.survey.screening",
    "describe": "loyaltysem.survey.screening",
    "mardia": "loyaltysem.survey.screening",
    "screen": "loyaltysem.survey.screening",
    "PopulationModel": "loyaltysem.planning.simulation",
    "simulate_survey": "loyaltysem.planning.simulation",
    "PLSResult": "loyaltysem.pls",
    "fit_pls": "loyaltysem.pls",
    "Status": "loyaltysem.status",
    "Study": "loyaltysem.study",
    "StudyResult": "loyaltysem.study",
    "load_study": "loyaltysem.study",
    "run_study": "loyaltysem.study",
    "ModelSpec": "loyaltysem.sem.specification",
    "specify": "loyaltysem.sem.specification",
    "Codebook": "loyaltysem.survey",
    "CodebookDraft": "loyaltysem.survey",
    "draft_codebook": "loyaltysem.survey",
    "Survey": "loyaltysem.survey",
    "read_survey": "loyaltysem.survey",
    "MeasurementReport": "loyaltysem.measurement.validity",
    "validate": "loyaltysem.measurement.validity",
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

    ``loyaltysem.sem.effects`` is the function :func:`~loyaltysem.sem.effects.effects`, as it was
    when this package imported everything eagerly; importing the submodule
    ``loyaltysem.sem.effects`` must not replace it with the module.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

# The modules that moved into the wings before 0.1.0 keep their old names, with a warning.
from loyaltysem import _moved  # noqa: E402

_moved.install()

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
    "GroupTables",
    "IdentificationError",
    "InvarianceResult",
    "LoyaltySemError",
    "MeasurementReport",
    "ModelComparison",
    "ModelSpec",
    "ModelSpecError",
    "MultiGroupResult",
    "PLSResult",
    "PopulationModel",
    "Provenance",
    "SEMBootstrap",
    "SEMResult",
    "ScreeningReport",
    "Status",
    "Study",
    "StudyError",
    "StudyResult",
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
    "fit_pls",
    "instruments",
    "invariance",
    "kmo",
    "load_corp_rep",
    "load_ecommerce",
    "load_holzinger_swineford",
    "load_mobi",
    "load_political_democracy",
    "load_study",
    "mardia",
    "missing_patterns",
    "parallel_analysis",
    "read_survey",
    "recommend_estimator",
    "run_study",
    "saturated_moments",
    "screen",
    "simulate_survey",
    "specify",
    "suggest_factors",
    "validate",
]
